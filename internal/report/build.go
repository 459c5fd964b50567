package report

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
)

// Source is where Build reads a report from.
type Source struct {
	Store *store.Store
	// Scoring computes the assessment of an API that has none stored
	// yet, as the API page does; nil leaves such an API at level 0
	// without control results.
	Scoring *scoring.Service
	Catalog *catalog.Catalog
	Now     func() time.Time // nil: time.Now
	Version string           // "v0.4.0 (abc1234)", printed as the generator
	// PageSize is how many rows one query of the Findings and Evidence
	// iterators reads; 0 means DefaultPageSize.
	PageSize int
}

// DefaultPageSize is the rows per query of the Findings and Evidence
// iterators: large enough that a query's overhead is negligible, small
// enough that a page costs a few hundred kilobytes.
const DefaultPageSize = 1000

// DefaultPeriod is the trend period when Build is given no start.
const DefaultPeriod = 90 * 24 * time.Hour

// Framework names used in FrameworkCoverage.Framework.
const (
	FrameworkOWASP = "OWASP API 2023"
	FrameworkNIST  = "NIST SP 800-53 rev5"
)

// maxTopRisks bounds Report.TopRisks.
const maxTopRisks = 20

// ErrUnknownScope is wrapped by Build's error when the scope names an API
// or a team the store does not know (at the report's date).
var ErrUnknownScope = errors.New("unknown scope")

// Build gathers the report of scope as the store knew it at asOf, with
// the trend from from. A zero asOf, or one not before src.Now(), is now:
// levels, scores and control results are the stored assessments, as the
// dashboards show them. An asOf in the past reads levels and scores from
// the daily snapshots (the latest on or before that day), findings first
// seen by then with the status their history gives them at that time,
// and evidence recorded by then. A zero from is DefaultPeriod before asOf.
//
// Findings and Evidence read the store in pages of src.PageSize rows when
// ranged, with the context given here; the store must stay open until the
// report is rendered.
func Build(ctx context.Context, src Source, scope Scope, asOf, from time.Time) (Report, error) {
	if src.Store == nil || src.Catalog == nil {
		return Report{}, errors.New("report: Source needs a Store and a Catalog")
	}
	now := time.Now()
	if src.Now != nil {
		now = src.Now()
	}
	now = now.UTC()
	b := &builder{ctx: ctx, src: src, cat: src.Catalog, page: src.PageSize}
	if b.page <= 0 {
		b.page = DefaultPageSize
	}
	b.asOf = asOf.UTC()
	if asOf.IsZero() || !b.asOf.Before(now) {
		b.asOf = now
	} else {
		b.past = true
	}
	if from.IsZero() {
		from = b.asOf.Add(-DefaultPeriod)
	}
	from = from.UTC()
	if from.After(b.asOf) {
		return Report{}, fmt.Errorf("report: the period starts on %s, after its end %s", from.Format(time.DateOnly), b.asOf.Format(time.DateOnly))
	}
	switch scope.Kind {
	case "", ScopeAll:
		scope = Scope{Kind: ScopeAll}
		b.scopeSQL = "1 = 1"
	case ScopeTeam:
		b.scopeSQL = "a.owner = @scope"
	case ScopeAPI:
		b.scopeSQL = "a.name = @scope"
	default:
		return Report{}, fmt.Errorf("report: unknown scope kind %q (all, team or api)", scope.Kind)
	}
	if scope.Kind != ScopeAll && strings.TrimSpace(scope.Name) == "" {
		return Report{}, fmt.Errorf("report: a %s scope needs a name", scope.Kind)
	}
	b.scope = scope
	if err := b.checkScope(); err != nil {
		return Report{}, err
	}

	r := Report{Title: "API security posture", Scope: scope, AsOf: b.asOf, From: from, GeneratedAt: now,
		Generator: "posture " + src.Version}
	if src.Version == "" {
		r.Generator = "posture (development build)"
	}
	for _, c := range b.cat.Controls {
		r.Controls = append(r.Controls, Control{ID: c.ID, Title: c.Title, Tier: c.Tier, Level: c.Level, Weight: c.Weight,
			Objective: c.Objective, NIST80053: c.Refs.NIST80053, SP800228: c.Refs.SP800228, OWASP: c.Refs.OWASP2023})
	}
	steps := []struct {
		what string
		run  func(*Report) error
	}{
		{"chain head", b.chainHead}, // first: it bounds the evidence listed
		{"APIs", b.apis},
		{"trend", b.trend},
		{"findings", b.findingCounts},
		{"top risks", b.topRisks},
		{"evidence", b.evidence},
	}
	for _, s := range steps {
		if err := s.run(&r); err != nil {
			return Report{}, fmt.Errorf("report: %s: %w", s.what, err)
		}
		if err := ctx.Err(); err != nil {
			return Report{}, fmt.Errorf("report: %w", err)
		}
	}
	r.Frameworks = frameworks(b.cat, r.Results)
	if r.FindingCounts.Total > 0 {
		r.Findings = b.findings()
	}
	return r, nil
}

// builder carries what every query of one report shares.
type builder struct {
	ctx   context.Context
	src   Source
	cat   *catalog.Catalog
	scope Scope
	// scopeSQL selects the APIs in scope from apis AS a, with @scope.
	scopeSQL string
	asOf     time.Time
	past     bool // asOf is before the report's generation
	page     int
	head     ChainHead
	apiIDs   map[int64]int // API id -> index in Report.APIs
}

// args are the named parameters every query may use.
func (b *builder) args(extra ...any) map[string]any {
	m := map[string]any{"scope": b.scope.Name, "asof": b.asOf, "day": b.asOf.Format(time.DateOnly)}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func (b *builder) db() *store.Store { return b.src.Store }

// raw is a query with the named parameters of args(extra...). gorm reads
// a map argument as named parameters only when the query names one, so a
// query that names none gets no arguments.
func (b *builder) raw(q string, extra ...any) *gorm.DB {
	db := b.src.Store.DB.WithContext(b.ctx)
	if !strings.Contains(q, "@") {
		return db.Raw(q)
	}
	return db.Raw(q, b.args(extra...))
}

// checkScope fails when the scope names an API or team the store does not
// know, so a typo is an error rather than an empty report.
func (b *builder) checkScope() error {
	if b.scope.Kind == ScopeAll {
		return nil
	}
	var n int64
	err := b.raw("SELECT COUNT(*) FROM apis AS a WHERE " + b.scopeSQL).Scan(&n).Error
	if err != nil {
		return fmt.Errorf("report: %s: %w", b.scope, err)
	}
	if n == 0 && b.scope.Kind == ScopeTeam {
		return fmt.Errorf("report: %w: no API is owned by team %q", ErrUnknownScope, b.scope.Name)
	}
	if n == 0 {
		return fmt.Errorf("report: %w: no API named %q", ErrUnknownScope, b.scope.Name)
	}
	if !b.past {
		return nil
	}
	err = b.raw("SELECT COUNT(*) FROM apis AS a WHERE " + b.scopeSQL + " AND a.created_at <= @asof").Scan(&n).Error
	if err != nil {
		return fmt.Errorf("report: %s: %w", b.scope, err)
	}
	day := b.asOf.Format(time.DateOnly)
	if n == 0 && b.scope.Kind == ScopeTeam {
		return fmt.Errorf("report: %w: every API of team %q was first recorded after %s", ErrUnknownScope, b.scope.Name, day)
	}
	if n == 0 {
		return fmt.Errorf("report: %w: API %q was first recorded after %s", ErrUnknownScope, b.scope.Name, day)
	}
	return nil
}

// chainHead is the last evidence record recorded by asOf: what `posture
// verify` prints as the head when run at that time.
func (b *builder) chainHead(r *Report) error {
	var rows []ChainHead
	err := b.raw("SELECT seq, hash FROM evidence WHERE recorded_at <= @asof ORDER BY seq DESC LIMIT 1").
		Scan(&rows).Error
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		b.head = rows[0]
	}
	r.Chain = b.head
	return nil
}

// apiRow is an API with its level and scores at asOf and, when known at
// asOf, its stored assessment.
type apiRow struct {
	ID                                 int64
	Name, Title, Owner, Environment    string
	Level                              int
	PreBasic, PreAdv, RunBasic, RunAdv float64
	Unknown                            int
	ComputedAt                         *time.Time
	Assessed                           bool // an assessment row is usable
	Body                               string
}

// apis reads the APIs in scope, their levels, scores and control results.
//
// Now, each API's stored assessment gives everything, as on the API page
// and the portfolio. In the past, the latest daily snapshot on or before
// asOf gives level and scores; control results exist only as the latest
// assessment, so they are shown for an API only when that assessment was
// computed by asOf (it was then still the API's state at asOf).
func (b *builder) apis(r *Report) error {
	q := `SELECT a.id, a.name, a.title, a.owner, a.environment,
		COALESCE(s.level, 0) AS level, COALESCE(s.pre_basic, 0) AS pre_basic, COALESCE(s.pre_adv, 0) AS pre_adv,
		COALESCE(s.run_basic, 0) AS run_basic, COALESCE(s.run_adv, 0) AS run_adv, COALESCE(s.unknown, 0) AS unknown,
		s.computed_at AS computed_at, s.api_id IS NOT NULL AS assessed, COALESCE(s.body, '') AS body
		FROM apis AS a LEFT JOIN assessments AS s ON s.api_id = a.id
		WHERE ` + b.scopeSQL + ` ORDER BY a.name, a.id`
	if b.past {
		q = `SELECT a.id, a.name, a.title, a.owner, a.environment,
		COALESCE(sn.level, 0) AS level, COALESCE(sn.pre_basic, 0) AS pre_basic, COALESCE(sn.pre_adv, 0) AS pre_adv,
		COALESCE(sn.run_basic, 0) AS run_basic, COALESCE(sn.run_adv, 0) AS run_adv, COALESCE(s.unknown, 0) AS unknown,
		sn.computed_at AS computed_at, s.api_id IS NOT NULL AS assessed, COALESCE(s.body, '') AS body
		FROM apis AS a
		LEFT JOIN (SELECT x.* FROM score_snapshots AS x
			JOIN (SELECT api_id, MAX(day) AS day FROM score_snapshots WHERE day <= @day GROUP BY api_id) AS l
			ON l.api_id = x.api_id AND l.day = x.day) AS sn ON sn.api_id = a.id
		LEFT JOIN assessments AS s ON s.api_id = a.id AND s.computed_at <= @asof
		WHERE ` + b.scopeSQL + ` AND a.created_at <= @asof ORDER BY a.name, a.id`
	}
	db := b.db().DB.WithContext(b.ctx)
	rows, err := b.raw(q).Rows()
	if err != nil {
		return err
	}
	var list []apiRow
	// Bodies are decoded one row at a time: only the results stay.
	assessments := map[int64]controls.Assessment{}
	for rows.Next() {
		var a apiRow
		if err := db.ScanRows(rows, &a); err != nil {
			rows.Close()
			return err
		}
		if a.Assessed {
			var as controls.Assessment
			if err := json.Unmarshal([]byte(a.Body), &as); err != nil {
				rows.Close()
				return fmt.Errorf("api %q: stored assessment: %w", a.Name, err)
			}
			assessments[a.ID] = as
		}
		a.Body = ""
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	if !b.past && b.src.Scoring != nil {
		// Never assessed yet: computed (and stored) as the API page does.
		for i, a := range list {
			if a.Assessed {
				continue
			}
			as, at, err := b.src.Scoring.Current(b.ctx, a.ID)
			if err != nil {
				return fmt.Errorf("api %q: %w", a.Name, err)
			}
			assessments[a.ID] = as
			c := cellsOf(as)
			list[i].Assessed, list[i].Level, list[i].ComputedAt = true, as.Level, &at
			list[i].PreBasic, list[i].PreAdv, list[i].RunBasic, list[i].RunAdv = c.PreBasic, c.PreAdv, c.RunBasic, c.RunAdv
			for _, res := range as.Results {
				if res.Status == controls.StatusUnknown {
					list[i].Unknown++
				}
			}
		}
	}

	order := make(map[string]int, len(b.cat.Controls))
	for i, c := range b.cat.Controls {
		order[c.ID] = i
	}
	b.apiIDs = make(map[int64]int, len(list))
	var sum Cells
	for _, a := range list {
		s := APISummary{Name: a.Name, Title: a.Title, Owner: a.Owner, Environment: a.Environment, Level: a.Level,
			Cells: Cells{PreBasic: a.PreBasic, PreAdv: a.PreAdv, RunBasic: a.RunBasic, RunAdv: a.RunAdv}, Unknown: a.Unknown}
		if a.ComputedAt != nil {
			s.ComputedAt = a.ComputedAt.UTC()
		}
		if as, ok := assessments[a.ID]; ok {
			for _, why := range as.LevelReasons {
				if strings.HasPrefix(why, "Blocks ") {
					s.Blockers = append(s.Blockers, why)
				}
			}
			res := slices.Clone(as.Results)
			slices.SortStableFunc(res, func(x, y controls.Result) int {
				return cmp.Compare(rank(order, x.ControlID), rank(order, y.ControlID))
			})
			for _, cr := range res {
				r.Results = append(r.Results, b.result(a.Name, cr))
				if cr.Status == controls.StatusUnknown {
					ctl, _ := b.cat.Control(cr.ControlID)
					reason := "no evidence"
					if cr.Stale {
						reason = "evidence too old"
					}
					r.Gaps = append(r.Gaps, Gap{API: a.Name, ControlID: cr.ControlID, ControlTitle: ctl.Title, Reason: reason})
				}
			}
		}
		r.Levels[min(max(s.Level, 0), len(r.Levels)-1)]++
		sum.PreBasic += s.Cells.PreBasic
		sum.PreAdv += s.Cells.PreAdv
		sum.RunBasic += s.Cells.RunBasic
		sum.RunAdv += s.Cells.RunAdv
		b.apiIDs[a.ID] = len(r.APIs)
		r.APIs = append(r.APIs, s)
	}
	if b.past {
		if missing := len(list) - len(assessments); missing > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("Levels and scores are those of the daily snapshot on or before %s. "+
				"posture keeps per-control results only for an API's latest assessment: %d of %d APIs were assessed again after that date, "+
				"so their control results, evidence gaps and blockers are not shown.", b.asOf.UTC().Format("2006-01-02"), missing, len(list)))
		}
	}
	// The portfolio's mean over every API in scope, an API not assessed
	// counting 0, rounded as the portfolio page rounds it.
	if n := float64(len(list)); n > 0 {
		r.Cells = Cells{PreBasic: round1(sum.PreBasic / n), PreAdv: round1(sum.PreAdv / n),
			RunBasic: round1(sum.RunBasic / n), RunAdv: round1(sum.RunAdv / n)}
	}
	return nil
}

// rank is a control's place in the catalog; unknown ids go last.
func rank(order map[string]int, id string) int {
	if i, ok := order[id]; ok {
		return i
	}
	return len(order)
}

func (b *builder) result(api string, cr controls.Result) Result {
	r := Result{API: api, ControlID: cr.ControlID, Status: cr.Status, Coverage: cr.Score, Reason: cr.Reason,
		CappedBy: cr.CappedBy}
	// Covered/Total count endpoints only for endpoint-scoped checks; an
	// API-level check reports 1/1 or 0/1, which is no endpoint count.
	if ctl, ok := b.cat.Control(cr.ControlID); ok && ctl.Check.Scope == "endpoint" {
		r.Covered, r.Total = cr.Covered, cr.Total
	}
	for _, e := range cr.Evidence {
		r.Evidence = append(r.Evidence, EvidenceRef{ID: e.ID, Hash: e.Hash, Source: e.Source, ObservedAt: e.ObservedAt.UTC()})
	}
	return r
}

// cellsOf is an assessment's four cell scores.
func cellsOf(as controls.Assessment) Cells {
	sc := as.CellScores()
	return Cells{PreBasic: sc[0], PreAdv: sc[1], RunBasic: sc[2], RunAdv: sc[3]}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// trend is the portfolio on each day of the period with a snapshot: each
// API in scope as its latest daily snapshot on or before that day left
// it (an API not rescored that day keeps its earlier state, rather than
// dropping out of the mean), averaged over the APIs scored by then.
func (b *builder) trend(r *Report) error {
	from := r.From.Format(time.DateOnly)
	rows, err := b.raw(`SELECT sn.* FROM score_snapshots AS sn JOIN apis AS a ON a.id = sn.api_id
		WHERE `+b.scopeSQL+` AND sn.day <= @day AND (sn.day >= @from
			OR sn.day = (SELECT MAX(x.day) FROM score_snapshots AS x WHERE x.api_id = sn.api_id AND x.day < @from))
		ORDER BY sn.day, sn.api_id`, "from", from).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	latest := map[int64]store.Snapshot{}
	day := ""
	emit := func() error {
		if day < from {
			return nil // the state carried into the period, not a day of it
		}
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return fmt.Errorf("snapshot day %q: %w", day, err)
		}
		var p TrendPoint
		var level float64
		for _, s := range latest {
			p.APIs++
			level += float64(s.Level)
			p.Cells.PreBasic += s.PreBasic
			p.Cells.PreAdv += s.PreAdv
			p.Cells.RunBasic += s.RunBasic
			p.Cells.RunAdv += s.RunAdv
		}
		n := float64(p.APIs)
		p.Day, p.MeanLevel = d, math.Round(level/n*100)/100
		p.Cells = Cells{PreBasic: round1(p.Cells.PreBasic / n), PreAdv: round1(p.Cells.PreAdv / n),
			RunBasic: round1(p.Cells.RunBasic / n), RunAdv: round1(p.Cells.RunAdv / n)}
		r.Trend = append(r.Trend, p)
		return nil
	}
	db := b.db().DB
	for rows.Next() {
		var s store.Snapshot
		if err := db.ScanRows(rows, &s); err != nil {
			return err
		}
		if s.Day != day && day != "" {
			if err := emit(); err != nil {
				return err
			}
		}
		day = s.Day
		latest[s.APIID] = s
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if day == "" {
		return nil
	}
	return emit()
}

// Finding statuses that count as open (against a deadline).
var activeStatuses = []string{store.FindingOpen, store.FindingInProgress}

// statusAt is the SQL for a finding's status at @asof: the last status
// its history gave it by then, or its status now when the history says
// nothing (a finding imported before histories were kept).
func statusAt(alias string) string {
	return `COALESCE((SELECT ev.to_value FROM finding_events AS ev WHERE ev.finding_id = ` + alias + `.id
		AND ev.kind IN ('created', 'status') AND ev.at <= @asof ORDER BY ev.at DESC, ev.id DESC LIMIT 1), ` + alias + `.status)`
}

// findingsSQL selects the findings in scope, one per issue (as scoring
// and the findings page count them), first seen by asOf, with api_name,
// ep_key and st (the status at asOf). In the past, an issue's status is
// its history's, so "one per issue" is decided on those statuses.
func (b *builder) findingsSQL() string {
	st, stands := "f.status", store.StandsForIssue
	if b.past {
		st = statusAt("f")
		stands = strings.NewReplacer("f.status", statusAt("f"), "p.status", statusAt("p")).Replace(store.StandsForIssue)
	}
	return `SELECT f.*, a.name AS api_name, COALESCE(e.method || ' ' || e.path, '') AS ep_key, ` + st + ` AS st
		FROM findings AS f JOIN apis AS a ON a.id = f.api_id LEFT JOIN endpoints AS e ON e.id = f.endpoint_id ` + store.JoinPrimary + `
		WHERE ` + b.scopeSQL + ` AND ` + stands + ` AND f.first_seen <= @asof`
}

// severityIndex is a severity's place in Severities; anything unknown
// counts as info, as the findings page sorts it.
func severityIndex(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities) - 1
}

func (b *builder) findingCounts(r *Report) error {
	var rows []struct {
		APIID    int64
		Severity string
		St       string
		Late     bool
		N        int
	}
	err := b.raw(`SELECT x.api_id, x.severity, x.st,
		(x.due_at IS NOT NULL AND x.due_at < @asof) AS late, COUNT(*) AS n
		FROM (` + b.findingsSQL() + `) AS x GROUP BY x.api_id, x.severity, x.st, late`).Scan(&rows).Error
	if err != nil {
		return err
	}
	fc := &r.FindingCounts
	for _, x := range rows {
		fc.Total += x.N
		switch {
		case slices.Contains(activeStatuses, x.St):
			sev := severityIndex(x.Severity)
			fc.Open += x.N
			fc.OpenBySeverity[sev] += x.N
			i, ok := b.apiIDs[x.APIID]
			if ok {
				r.APIs[i].OpenBySeverity[sev] += x.N
			}
			if x.Late {
				fc.Overdue += x.N
				if ok {
					r.APIs[i].Overdue += x.N
				}
			}
		case x.St == store.FindingRiskAccepted:
			fc.RiskAccepted += x.N
		}
	}
	return nil
}

// severityOrder sorts worst first, then the earliest deadline, as the
// findings page does.
const severityOrder = `CASE x.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
	x.due_at IS NULL, x.due_at, x.id`

// topRisks are the open critical and high issues, worst and most urgent
// first.
func (b *builder) topRisks(r *Report) error {
	var rows []findingRow
	err := b.raw(`SELECT x.* FROM (`+b.findingsSQL()+`) AS x
		WHERE x.st IN ('open', 'in_progress') AND x.severity IN ('critical', 'high')
		ORDER BY `+severityOrder+` LIMIT @limit`, "limit", maxTopRisks).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, x := range rows {
		f := b.finding(x)
		r.TopRisks = append(r.TopRisks, Risk{FindingID: f.ID, API: f.API, Title: f.Title, Severity: f.Severity,
			Status: f.Status, OWASP: f.OWASP, DueAt: f.DueAt, Overdue: f.Overdue})
	}
	return nil
}

// findingRow is a row of findingsSQL.
type findingRow struct {
	store.Finding
	APIName string
	EpKey   string
	St      string
}

func (b *builder) finding(x findingRow) Finding {
	f := Finding{ID: x.ID, API: x.APIName, Tool: x.Tool, RuleID: x.RuleID, Title: x.Title, Severity: x.Severity,
		Status: x.St, CWE: x.CWE, OWASP: x.OWASP, Location: x.Location, Assignee: x.Assignee, TrackerURL: x.TrackerURL,
		FirstSeen: x.FirstSeen.UTC(), LastSeen: x.LastSeen.UTC(), DueAt: utcPtr(x.DueAt), DuplicateOf: x.DuplicateOf}
	if f.Location == "" {
		f.Location = strings.TrimSpace(x.EpKey)
	}
	f.Overdue = f.DueAt != nil && f.DueAt.Before(b.asOf) && slices.Contains(activeStatuses, f.Status)
	if f.Status == store.FindingRiskAccepted {
		f.AcceptedUntil = utcPtr(x.AcceptedUntil)
	}
	if b.past && f.LastSeen.After(b.asOf) {
		// Seen again after asOf: by asOf it had been seen at least until
		// then's last import, which the row no longer records.
		f.LastSeen = b.asOf
	}
	return f
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// findings streams the findings in scope worst first (by severity, then
// id), a page per query: keyset pagination by id inside each severity, so
// a page costs the same at the start and at the end of 100,000 findings.
// Each page's history is one query.
func (b *builder) findings() iter.Seq2[Finding, error] {
	return func(yield func(Finding, error) bool) {
		db := b.db().DB.WithContext(b.ctx)
		for sev := range Severities {
			cond := "x.severity = @sev"
			if sev == len(Severities)-1 {
				cond = "x.severity NOT IN ('critical', 'high', 'medium', 'low')"
			}
			var after int64
			for {
				var rows []findingRow
				err := b.raw(`SELECT x.* FROM (`+b.findingsSQL()+`) AS x WHERE `+cond+` AND x.id > @after ORDER BY x.id LIMIT @limit`,
					"sev", Severities[sev], "after", after, "limit", b.page).Scan(&rows).Error
				if err != nil {
					yield(Finding{}, fmt.Errorf("report: %s findings after id %d: %w", Severities[sev], after, err))
					return
				}
				if len(rows) == 0 {
					break
				}
				ids := make([]int64, len(rows))
				for i, x := range rows {
					ids[i] = x.ID
				}
				var evs []store.FindingEvent
				if err := db.Where("finding_id IN ? AND at <= ?", ids, b.asOf).Order("finding_id, at, id").Find(&evs).Error; err != nil {
					yield(Finding{}, fmt.Errorf("report: history of findings %d-%d: %w", ids[0], ids[len(ids)-1], err))
					return
				}
				hist := make(map[int64][]Event, len(rows))
				for _, e := range evs {
					hist[e.FindingID] = append(hist[e.FindingID], Event{At: e.At.UTC(), Actor: e.Actor, Kind: e.Kind,
						From: e.FromValue, To: e.ToValue, Note: e.Note})
				}
				for _, x := range rows {
					f := b.finding(x)
					f.History = hist[x.ID]
					if !yield(f, nil) {
						return
					}
				}
				if len(rows) < b.page {
					break
				}
				after = rows[len(rows)-1].ID
			}
		}
	}
}

// current is an (API, source) pair's current run at asOf.
type current struct {
	api    int64
	source string
}

// evidence sets r.Evidence: the records that counted for the APIs in
// scope at asOf, as scoring reads them (per API and source, the records of
// the latest run recorded by then), up to the chain head.
func (b *builder) evidence(r *Report) error {
	var rows []struct {
		APIID  int64
		Source string
		RunID  int64
	}
	err := b.raw(`SELECT e.api_id, e.source, MAX(e.run_id) AS run_id
		FROM evidence AS e JOIN apis AS a ON a.id = e.api_id
		WHERE `+b.scopeSQL+` AND e.run_id IS NOT NULL AND e.recorded_at <= @asof AND e.seq <= @head
		GROUP BY e.api_id, e.source`, "head", b.head.Seq).Scan(&rows).Error
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	runOf := make(map[current]int64, len(rows))
	var runs []int64
	for _, x := range rows {
		runOf[current{x.APIID, x.Source}] = x.RunID
		runs = append(runs, x.RunID)
	}
	slices.Sort(runs)
	runs = slices.Compact(runs)
	r.Evidence = b.evidenceRecords(runOf, runs)
	return nil
}

// maxRunFilter bounds the run ids passed to SQL (SQLite allows 32,766
// parameters); with more, the runs are checked in Go only.
const maxRunFilter = 10000

func (b *builder) evidenceRecords(runOf map[current]int64, runs []int64) iter.Seq2[EvidenceRecord, error] {
	return func(yield func(EvidenceRecord, error) bool) {
		db := b.db().DB.WithContext(b.ctx)
		var after int64
		for {
			q := db.Model(&store.Evidence{}).Where("seq > ? AND seq <= ? AND recorded_at <= ?", after, b.head.Seq, b.asOf)
			if len(runs) <= maxRunFilter {
				q = q.Where("run_id IN ?", runs)
			}
			var recs []store.Evidence
			if err := q.Order("seq").Limit(b.page).Find(&recs).Error; err != nil {
				yield(EvidenceRecord{}, fmt.Errorf("report: evidence after seq %d: %w", after, err))
				return
			}
			for _, e := range recs {
				if e.RunID == nil || runOf[current{e.APIID, e.Source}] != *e.RunID {
					continue // an older run's record, or another API's
				}
				rec := EvidenceRecord{ID: e.ID, Seq: e.Seq, API: e.APIName, Endpoint: e.EndpointKey, Source: e.Source,
					Collector: e.Collector, Location: e.Location, Facts: e.Facts, ArtifactSHA256: e.ArtifactSHA256,
					Hash: e.Hash, PrevHash: e.PrevHash, ObservedAt: e.ObservedAt.UTC(), RecordedAt: e.RecordedAt.UTC()}
				if !yield(rec, nil) {
					return
				}
			}
			if len(recs) < b.page {
				return
			}
			after = recs[len(recs)-1].Seq
		}
	}
}

// frameworks sums the control results per OWASP API 2023 category and
// per SP 800-53 family, over the catalog controls mapped to each. The
// score is the mean control score (0-100) over the applicable results.
func frameworks(cat *catalog.Catalog, results []Result) []FrameworkCoverage {
	byControl := map[string][]Result{}
	for _, r := range results {
		byControl[r.ControlID] = append(byControl[r.ControlID], r)
	}
	cover := func(fw, id, title string, ctls []string) FrameworkCoverage {
		fc := FrameworkCoverage{Framework: fw, ID: id, Title: title, Controls: len(ctls)}
		var sum float64
		var n int
		for _, c := range ctls {
			for _, r := range byControl[c] {
				switch r.Status {
				case controls.StatusPass:
					fc.Pass++
				case controls.StatusPartial:
					fc.Partial++
				case controls.StatusFail:
					fc.Fail++
				case controls.StatusUnknown:
					fc.Unknown++
				}
				if r.Status != controls.StatusNotApplicable {
					sum += 100 * r.Coverage
					n++
				}
			}
		}
		if n > 0 {
			fc.Score = round1(sum / float64(n))
		}
		return fc
	}
	var out []FrameworkCoverage
	for _, o := range cat.OWASP {
		var ids []string
		for _, c := range cat.ForOWASP(o.ID) {
			ids = append(ids, c.ID)
		}
		out = append(out, cover(FrameworkOWASP, o.ID, o.Title, ids))
	}
	families := map[string][]string{}
	titles := map[string]string{}
	for _, c := range cat.Controls {
		seen := map[string]bool{}
		for _, ref := range c.Refs.NIST80053 {
			fam, _, _ := strings.Cut(ref, "-")
			if n, ok := cat.NISTControl(ref); ok && titles[fam] == "" {
				titles[fam] = n.Family
			}
			if !seen[fam] {
				seen[fam] = true
				families[fam] = append(families[fam], c.ID)
			}
		}
	}
	fams := make([]string, 0, len(families))
	for f := range families {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, f := range fams {
		out = append(out, cover(FrameworkNIST, f, titles[f], families[f]))
	}
	return out
}
