package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/delivery"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/store"
)

// Origins of schedules.
const (
	OriginConfig = "config"
	OriginAPI    = "api"
)

// Triggers of deliveries.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"    // Run now on a schedule
	TriggerOnDemand = "on_demand" // a report generated from the UI, API or CLI
)

// Builder gathers a report for a scope as of a date.
type Builder func(ctx context.Context, scope report.Scope, asOf, from time.Time) (report.Report, error)

// ErrNotFound: no such schedule or file.
var ErrNotFound = errors.New("not found")

// ErrReadOnly: a schedule from the config file cannot be changed through
// the API; edit the file.
var ErrReadOnly = errors.New("defined in the config file")

// Service generates, archives and delivers reports.
type Service struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Build   Builder
	// Mail sends e-mail; nil when reports.smtp is not configured.
	Mail delivery.Sender
	Log  *slog.Logger
	Now  func() time.Time
	// Attempts and Backoff: each channel is tried Attempts times with
	// exponential backoff from Backoff (defaults 4 and 30s).
	Attempts int
	Backoff  time.Duration
	// NewSender, when set, replaces how webhook and directory channels
	// are reached (tests); nil uses the delivery package.
	NewSender func(channel, target string) delivery.Sender

	mu   sync.Mutex
	cron gocron.Scheduler
	jobs map[int64]uuid.UUID
	ctx  context.Context
	stop context.CancelFunc
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Request is what to generate.
type Request struct {
	Scope   report.Scope
	Formats []string
	Kind    string    // PDF kind
	AsOf    time.Time // zero: now
	From    time.Time // zero: AsOf - report.DefaultPeriod
}

// Generate builds the report and renders it in every requested format.
func (s *Service) Generate(ctx context.Context, req Request) ([]File, report.Report, error) {
	for _, f := range req.Formats {
		if !ValidFormat(f) {
			return nil, report.Report{}, fmt.Errorf("unknown report format %q (use %s)", f, strings.Join(Formats, ", "))
		}
	}
	asOf := req.AsOf
	if asOf.IsZero() {
		asOf = s.now()
	}
	from := req.From
	if from.IsZero() {
		from = asOf.Add(-report.DefaultPeriod)
	}
	r, err := s.Build(ctx, req.Scope, asOf, from)
	if err != nil {
		return nil, r, err
	}
	files, err := renderFiles(ctx, req.Formats, req.Kind, r, s.Catalog)
	return files, r, err
}

// ChannelResult is what happened on one delivery channel.
type ChannelResult struct {
	Channel   string   `json:"channel"` // email, webhook, directory
	Target    string   `json:"target"`
	Status    string   `json:"status"` // succeeded, failed
	Attempts  int      `json:"attempts"`
	Errors    []string `json:"errors,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
}

// Schedule is a report schedule as the API shows it.
type Schedule struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Origin     string    `json:"origin"`
	Cron       string    `json:"cron"`
	TimeZone   string    `json:"timezone"`
	ScopeKind  string    `json:"scope"`
	Team       string    `json:"team,omitempty"`
	API        string    `json:"api,omitempty"`
	Formats    []string  `json:"formats"`
	Kind       string    `json:"kind"`
	Recipients []string  `json:"recipients"`
	Webhook    string    `json:"webhook,omitempty"`
	Directory  string    `json:"directory,omitempty"`
	NextRun    time.Time `json:"next_run,omitzero"`
	CreatedBy  string    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ScopeOf is the report scope a team or API name (or neither) selects.
func ScopeOf(team, api string) report.Scope {
	switch {
	case team != "":
		return report.Scope{Kind: report.ScopeTeam, Name: team}
	case api != "":
		return report.Scope{Kind: report.ScopeAPI, Name: api}
	}
	return report.Scope{Kind: report.ScopeAll}
}

// Scope is the schedule's report scope.
func (s Schedule) Scope() report.Scope { return ScopeOf(s.Team, s.API) }

func toRow(c config.ReportSchedule, origin, by string, now time.Time) store.ReportSchedule {
	sc := ScopeOf(c.Team, c.API)
	kind, name := sc.Kind, sc.Name
	formats := c.Formats
	if len(formats) == 0 {
		formats = []string{FormatPDF}
	}
	f, _ := json.Marshal(formats)
	rc := c.Recipients
	if rc == nil {
		rc = []string{}
	}
	r, _ := json.Marshal(rc)
	return store.ReportSchedule{Name: c.Name, Origin: origin, Cron: c.Cron, TimeZone: c.TimeZone, ScopeKind: kind, ScopeName: name,
		Formats: string(f), Kind: c.Kind, Recipients: string(r), WebhookURL: c.Webhook, Directory: c.Directory,
		CreatedBy: by, CreatedAt: now, UpdatedAt: now}
}

func (s *Service) view(r store.ReportSchedule) Schedule {
	v := Schedule{ID: r.ID, Name: r.Name, Origin: r.Origin, Cron: r.Cron, TimeZone: r.TimeZone, ScopeKind: r.ScopeKind,
		Kind: r.Kind, Webhook: r.WebhookURL, Directory: r.Directory, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	switch r.ScopeKind {
	case report.ScopeTeam:
		v.Team = r.ScopeName
	case report.ScopeAPI:
		v.API = r.ScopeName
	}
	_ = json.Unmarshal([]byte(r.Formats), &v.Formats)
	_ = json.Unmarshal([]byte(r.Recipients), &v.Recipients)
	if v.Recipients == nil {
		v.Recipients = []string{}
	}
	if v.Kind == "" {
		v.Kind = KindExecutive
	}
	v.NextRun = s.nextRun(r.ID)
	return v
}

// Schedules lists every schedule by name.
func (s *Service) Schedules(ctx context.Context) ([]Schedule, error) {
	var rows []store.ReportSchedule
	if err := s.Store.DB.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("report schedules: %w", err)
	}
	out := make([]Schedule, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.view(r))
	}
	return out, nil
}

// Schedule returns one schedule.
func (s *Service) Schedule(ctx context.Context, id int64) (Schedule, error) {
	var row store.ReportSchedule
	err := s.Store.DB.WithContext(ctx).Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Schedule{}, ErrNotFound
	}
	if err != nil {
		return Schedule{}, fmt.Errorf("report schedule %d: %w", id, err)
	}
	return s.view(row), nil
}

// SyncConfig makes the config file's schedules the origin-config rows:
// new ones are added, changed ones updated, removed ones deleted (their
// deliveries stay, unlinked). A name taken by an API schedule is an error.
func (s *Service) SyncConfig(ctx context.Context, scheds []config.ReportSchedule) error {
	now := s.now()
	return s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		keep := map[string]bool{}
		for _, c := range scheds {
			keep[c.Name] = true
			row := toRow(c, OriginConfig, "config", now)
			var old store.ReportSchedule
			err := tx.Where("name = ?", c.Name).Take(&old).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				if err := tx.Create(&row).Error; err != nil {
					return fmt.Errorf("report schedule %q: %w", c.Name, err)
				}
			case err != nil:
				return fmt.Errorf("report schedule %q: %w", c.Name, err)
			case old.Origin != OriginConfig:
				return fmt.Errorf("report schedule %q: the name is taken by a schedule created through the API", c.Name)
			default:
				row.ID, row.CreatedAt = old.ID, old.CreatedAt
				if err := tx.Save(&row).Error; err != nil {
					return fmt.Errorf("report schedule %q: %w", c.Name, err)
				}
			}
		}
		var rows []store.ReportSchedule
		if err := tx.Where("origin = ?", OriginConfig).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if !keep[r.Name] {
				if err := tx.Delete(&store.ReportSchedule{}, r.ID).Error; err != nil {
					return fmt.Errorf("report schedule %q: %w", r.Name, err)
				}
			}
		}
		return nil
	})
}

// ValidationError lists what is wrong with a schedule.
type ValidationError struct{ Errs []error }

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// CreateSchedule adds a schedule through the API and schedules it.
func (s *Service) CreateSchedule(ctx context.Context, c config.ReportSchedule, by string) (Schedule, error) {
	errs := config.ValidateReportSchedule(c)
	if len(c.Recipients) > 0 && s.Mail == nil {
		errs = append(errs, errors.New("recipients: e-mail is not configured (reports.smtp)"))
	}
	if len(errs) > 0 {
		return Schedule{}, &ValidationError{Errs: errs}
	}
	row := toRow(c, OriginAPI, by, s.now())
	db := s.Store.DB.WithContext(ctx)
	var n int64
	if err := db.Model(&store.ReportSchedule{}).Where("name = ?", c.Name).Count(&n).Error; err != nil {
		return Schedule{}, err
	}
	if n > 0 {
		return Schedule{}, &ValidationError{Errs: []error{fmt.Errorf("name: %q is taken", c.Name)}}
	}
	if err := db.Create(&row).Error; err != nil {
		return Schedule{}, fmt.Errorf("report schedule %q: %w", c.Name, err)
	}
	if err := s.schedule(row); err != nil {
		return Schedule{}, err
	}
	return s.view(row), nil
}

// DeleteSchedule removes an API-created schedule; its deliveries stay.
func (s *Service) DeleteSchedule(ctx context.Context, id int64) error {
	var row store.ReportSchedule
	db := s.Store.DB.WithContext(ctx)
	err := db.Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if row.Origin == OriginConfig {
		return fmt.Errorf("report schedule %q: %w", row.Name, ErrReadOnly)
	}
	if err := db.Delete(&store.ReportSchedule{}, id).Error; err != nil {
		return fmt.Errorf("report schedule %q: %w", row.Name, err)
	}
	s.unschedule(id)
	return nil
}

// Start schedules every stored schedule; runs happen until Shutdown.
func (s *Service) Start(ctx context.Context) error {
	c, err := gocron.NewScheduler(gocron.WithLocation(time.UTC), gocron.WithStopTimeout(30*time.Second))
	if err != nil {
		return fmt.Errorf("reporting: %w", err)
	}
	s.mu.Lock()
	s.cron, s.jobs = c, map[int64]uuid.UUID{}
	s.ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()
	var rows []store.ReportSchedule
	if err := s.Store.DB.WithContext(ctx).Find(&rows).Error; err != nil {
		return fmt.Errorf("reporting: schedules: %w", err)
	}
	for _, r := range rows {
		if err := s.schedule(r); err != nil {
			return err
		}
	}
	c.Start()
	return nil
}

// Shutdown stops the schedules and waits for running deliveries.
func (s *Service) Shutdown() error {
	s.mu.Lock()
	c, stop := s.cron, s.stop
	s.cron = nil
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	stop()
	return c.Shutdown()
}

// cronSpec is the gocron spec of a schedule, with its time zone.
func cronSpec(r store.ReportSchedule) string {
	if r.TimeZone != "" && r.TimeZone != "UTC" {
		return "CRON_TZ=" + r.TimeZone + " " + r.Cron
	}
	return r.Cron
}

func (s *Service) schedule(r store.ReportSchedule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron == nil {
		return nil // not started (CLI, tests): runs only on demand
	}
	id := r.ID
	sched, err := config.ParseSchedule(r.Cron)
	if err != nil || sched.Every > 0 {
		return fmt.Errorf("report schedule %q: cron %q: not a calendar schedule", r.Name, r.Cron)
	}
	j, err := s.cron.NewJob(gocron.CronJob(cronSpec(r), sched.WithSeconds), gocron.NewTask(func(ctx context.Context) {
		if _, err := s.RunSchedule(ctx, id, TriggerSchedule, "scheduler"); err != nil {
			s.log().Error("scheduled report failed", "schedule", r.Name, "err", err)
		}
	}), gocron.WithName("report:"+r.Name), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithContext(s.ctx))
	if err != nil {
		return fmt.Errorf("report schedule %q: %w", r.Name, err)
	}
	s.jobs[id] = j.ID()
	return nil
}

func (s *Service) unschedule(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron == nil {
		return
	}
	if j, ok := s.jobs[id]; ok {
		_ = s.cron.RemoveJob(j)
		delete(s.jobs, id)
	}
}

func (s *Service) nextRun(id int64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron == nil {
		return time.Time{}
	}
	j, ok := s.jobs[id]
	if !ok {
		return time.Time{}
	}
	for _, job := range s.cron.Jobs() {
		if job.ID() == j {
			t, _ := job.NextRun()
			return t
		}
	}
	return time.Time{}
}

// RunSchedule generates the schedule's report, archives it and delivers
// it on every channel, recording the delivery. The error is the
// generation's; channel failures are recorded on the delivery (status
// partial or failed) and returned joined.
func (s *Service) RunSchedule(ctx context.Context, id int64, trigger, by string) (store.ReportDelivery, error) {
	var row store.ReportSchedule
	db := s.Store.DB.WithContext(ctx)
	if err := db.Take(&row, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return store.ReportDelivery{}, ErrNotFound
		}
		return store.ReportDelivery{}, err
	}
	sc := s.view(row)
	d := store.ReportDelivery{ScheduleID: &row.ID, ScheduleName: row.Name, Trigger: trigger, RequestedBy: by,
		ScopeKind: row.ScopeKind, ScopeName: row.ScopeName, Status: store.DeliveryRunning, Channels: "[]", StartedAt: s.now()}
	if err := db.Create(&d).Error; err != nil {
		return d, fmt.Errorf("report schedule %q: record delivery: %w", row.Name, err)
	}
	files, r, err := s.Generate(ctx, Request{Scope: report.Scope{Kind: row.ScopeKind, Name: row.ScopeName}, Formats: sc.Formats, Kind: sc.Kind})
	if err == nil {
		err = s.archive(ctx, d.ID, files)
	}
	if err != nil {
		s.finish(&d, nil, err)
		return d, fmt.Errorf("report schedule %q: %w", row.Name, err)
	}
	msg := delivery.Message{To: sc.Recipients, Subject: subject(r), Text: body(r, sc, files)}
	for _, f := range files {
		msg.Attachments = append(msg.Attachments, delivery.Attachment{Name: f.Name, ContentType: f.ContentType, Data: f.Data})
	}
	var results []ChannelResult
	var errs []error
	type channel struct {
		name, target string
		sender       delivery.Sender
	}
	var chans []channel
	if len(sc.Recipients) > 0 {
		if s.Mail == nil {
			results = append(results, ChannelResult{Channel: "email", Target: strings.Join(sc.Recipients, ", "), Status: store.DeliveryFailed, Errors: []string{"e-mail is not configured (reports.smtp)"}})
			errs = append(errs, errors.New("email: not configured"))
		} else {
			chans = append(chans, channel{"email", strings.Join(sc.Recipients, ", "), s.Mail})
		}
	}
	if sc.Webhook != "" {
		chans = append(chans, channel{"webhook", sc.Webhook, s.sender("webhook", sc.Webhook)})
	}
	if sc.Directory != "" {
		chans = append(chans, channel{"directory", sc.Directory, s.sender("directory", sc.Directory)})
	}
	attempts, backoff := s.Attempts, s.Backoff
	if attempts <= 0 {
		attempts = 4
	}
	if backoff <= 0 {
		backoff = 30 * time.Second
	}
	for _, ch := range chans {
		res := ChannelResult{Channel: ch.name, Target: ch.target}
		rc, tries, err := delivery.WithRetry(ctx, attempts, backoff, func(ctx context.Context) (delivery.Receipt, error) {
			return ch.sender.Send(ctx, msg)
		})
		// tries holds the failed attempts' errors only.
		res.Attempts = len(tries)
		for _, e := range tries {
			res.Errors = append(res.Errors, e.Error())
		}
		if err != nil {
			res.Status = store.DeliveryFailed
			errs = append(errs, fmt.Errorf("%s %s: %w", ch.name, ch.target, err))
		} else {
			res.Attempts++
			res.Status, res.MessageID = store.DeliverySucceeded, rc.MessageID
		}
		d.Attempts += res.Attempts
		results = append(results, res)
	}
	s.finish(&d, results, errors.Join(errs...))
	if len(errs) > 0 {
		return d, fmt.Errorf("report schedule %q: %w", row.Name, errors.Join(errs...))
	}
	return d, nil
}

func (s *Service) sender(channel, target string) delivery.Sender {
	if s.NewSender != nil {
		return s.NewSender(channel, target)
	}
	if channel == "webhook" {
		return delivery.Webhook{URL: target, Timeout: time.Minute}
	}
	return delivery.Directory{Path: target}
}

// finish records the delivery's outcome with a context that outlives a
// cancelled run.
func (s *Service) finish(d *store.ReportDelivery, results []ChannelResult, err error) {
	now := s.now()
	d.FinishedAt = &now
	d.Status = store.DeliverySucceeded
	if err != nil {
		d.Status, d.Error = store.DeliveryFailed, err.Error()
		for _, r := range results {
			if r.Status == store.DeliverySucceeded {
				d.Status = store.DeliveryPartial
			}
		}
	}
	if results == nil {
		results = []ChannelResult{}
	}
	b, _ := json.Marshal(results)
	d.Channels = string(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Store.DB.WithContext(ctx).Save(d).Error; err != nil {
		s.log().Error("recording report delivery", "delivery", d.ID, "err", err)
	}
}

// archive stores the files (content-addressed, once) and lists them on
// the delivery.
func (s *Service) archive(ctx context.Context, deliveryID int64, files []File) error {
	now := s.now()
	return s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, f := range files {
			sum, err := evidence.PutArtifact(tx, f.Name, f.ContentType, f.Data, now)
			if err != nil {
				return fmt.Errorf("archive %s: %w", f.Name, err)
			}
			row := store.ReportFile{DeliveryID: deliveryID, Name: f.Name, Format: f.Format, ContentType: f.ContentType, ArtifactSHA256: sum, Size: int64(len(f.Data)), CreatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("archive %s: %w", f.Name, err)
			}
		}
		return nil
	})
}

// OnDemand generates a report for a person (UI, API), archives it and
// records it as a delivery, so every report that left posture can be
// found again with its hash. A request that fails (an unknown scope, a
// rendering error) leaves no record: nothing left.
func (s *Service) OnDemand(ctx context.Context, req Request, by string) (store.ReportDelivery, []File, error) {
	files, _, err := s.Generate(ctx, req)
	if err != nil {
		return store.ReportDelivery{}, nil, err
	}
	d := store.ReportDelivery{Trigger: TriggerOnDemand, RequestedBy: by, ScopeKind: req.Scope.Kind, ScopeName: req.Scope.Name,
		Status: store.DeliveryRunning, Channels: "[]", StartedAt: s.now()}
	if d.ScopeKind == "" {
		d.ScopeKind = report.ScopeAll
	}
	if err := s.Store.DB.WithContext(ctx).Create(&d).Error; err != nil {
		return d, nil, fmt.Errorf("record report: %w", err)
	}
	err = s.archive(ctx, d.ID, files)
	s.finish(&d, []ChannelResult{{Channel: "download", Target: by, Status: store.DeliverySucceeded, Attempts: 1}}, err)
	if err != nil {
		return d, nil, err
	}
	return d, files, nil
}

// Delivery is a delivery with its files, as the API shows it.
type Delivery struct {
	store.ReportDelivery
	ChannelResults []ChannelResult    `json:"channels"`
	Files          []store.ReportFile `json:"files"`
}

// Deliveries lists deliveries, newest first, with their files. scope
// limits them to one team's reports (and its APIs'); "" lists all.
func (s *Service) Deliveries(ctx context.Context, team string, apis []string, limit, offset int) ([]Delivery, int64, error) {
	q := s.Store.DB.WithContext(ctx).Model(&store.ReportDelivery{})
	if team != "" {
		q = q.Where("(scope_kind = ? AND scope_name = ?) OR (scope_kind = ? AND scope_name IN ?)", report.ScopeTeam, team, report.ScopeAPI, append(apis, ""))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []store.ReportDelivery
	if err := q.Order("id DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var files []store.ReportFile
	if len(ids) > 0 {
		if err := s.Store.DB.WithContext(ctx).Where("delivery_id IN ?", ids).Order("id").Find(&files).Error; err != nil {
			return nil, 0, err
		}
	}
	byDelivery := map[int64][]store.ReportFile{}
	for _, f := range files {
		byDelivery[f.DeliveryID] = append(byDelivery[f.DeliveryID], f)
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		d := Delivery{ReportDelivery: r, Files: byDelivery[r.ID]}
		_ = json.Unmarshal([]byte(r.Channels), &d.ChannelResults)
		if d.Files == nil {
			d.Files = []store.ReportFile{}
		}
		if d.ChannelResults == nil {
			d.ChannelResults = []ChannelResult{}
		}
		out = append(out, d)
	}
	return out, total, nil
}

// File returns an archived file with the delivery it belongs to.
func (s *Service) File(ctx context.Context, id int64) (store.ReportFile, store.ReportDelivery, []byte, error) {
	var f store.ReportFile
	db := s.Store.DB.WithContext(ctx)
	err := db.Take(&f, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, store.ReportDelivery{}, nil, ErrNotFound
	}
	if err != nil {
		return f, store.ReportDelivery{}, nil, err
	}
	var d store.ReportDelivery
	if err := db.Take(&d, f.DeliveryID).Error; err != nil {
		return f, d, nil, err
	}
	var a store.Artifact
	if err := db.Take(&a, "sha256 = ?", f.ArtifactSHA256).Error; err != nil {
		return f, d, nil, fmt.Errorf("report file %d: archive: %w", id, err)
	}
	return f, d, a.Data, nil
}

func subject(r report.Report) string {
	return fmt.Sprintf("posture report: %s as of %s", r.Scope, r.AsOf.UTC().Format("2006-01-02"))
}

// body is the e-mail's text: the figures a reader wants before opening
// anything, and how to check the attachments.
func body(r report.Report, sc Schedule, files []File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, as of %s (period from %s).\n\n", r.Title, r.Scope, r.AsOf.UTC().Format("2006-01-02 15:04 UTC"), r.From.UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "APIs: %d. By maturity level:", len(r.APIs))
	for l, n := range r.Levels {
		fmt.Fprintf(&b, " %s: %d;", report.LevelName(l), n)
	}
	fc := r.FindingCounts
	fmt.Fprintf(&b, "\nOpen findings: %d (critical %d, high %d), overdue %d.\nEvidence gaps: %d.\n\n",
		fc.Open, fc.OpenBySeverity[0], fc.OpenBySeverity[1], fc.Overdue, len(r.Gaps))
	fmt.Fprintf(&b, "Evidence chain head: #%d %s (check with `posture verify`).\n\nAttached:\n", r.Chain.Seq, r.Chain.Hash)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, fmt.Sprintf("  %s  sha256 %s", f.Name, f.SHA256))
	}
	sort.Strings(names)
	b.WriteString(strings.Join(names, "\n"))
	fmt.Fprintf(&b, "\n\nSchedule %q (%s %s).\n", sc.Name, sc.Cron, cmpTZ(sc.TimeZone))
	return b.String()
}

func cmpTZ(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}
