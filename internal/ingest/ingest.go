// Package ingest runs a collector over a source and stores what it found:
// one run record per attempt, one transaction per import. A collection
// that fails is recorded as failed with its error and writes nothing else.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/fetch"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/traffic"
)

// ErrAlreadyRunning is returned when the source is being collected already.
var ErrAlreadyRunning = errors.New("a run of this source is already in progress")

// Scorer re-evaluates APIs after their evidence changed.
type Scorer interface {
	Rescore(ctx context.Context, apiIDs []int64) error
}

// Service runs collections. It is safe for concurrent use; runs of
// different sources proceed in parallel, a second run of the same source
// is refused.
type Service struct {
	Store  *store.Store
	Scorer Scorer // may be nil
	Log    *slog.Logger
	Limits Limits
	// SLA gives the days to fix a new finding, by severity.
	SLA map[string]int
	Now func() time.Time
	// Catalog maps a finding's CWE to OWASP API categories when the tool
	// names none; nil leaves them unmapped.
	Catalog *catalog.Catalog
	// Fetcher brings URLs and git refs into memory before a collector
	// runs; nil means a Fetcher with the default limits.
	Fetcher *fetch.Fetcher

	running sync.Map // source name -> struct{}
	// OnRun, when set, is called after every run with its final record
	// (metrics use it).
	OnRun func(src collectors.Source, run store.Run)
}

// DefaultSLA is the days-to-fix by severity when the config sets none.
var DefaultSLA = map[string]int{
	collectors.SeverityCritical: 7, collectors.SeverityHigh: 30,
	collectors.SeverityMedium: 90, collectors.SeverityLow: 180,
}

// Stats is what one run produced; JSON names follow the `ingest --json`
// contract.
type Stats struct {
	RunID       int64 `json:"run_id"`
	APIs        int   `json:"apis"`
	Endpoints   int   `json:"endpoints"`
	Evidence    int   `json:"evidence"`
	Findings    int   `json:"findings"`
	NewFindings int   `json:"new_findings"`
	// FixedFindings were reported by an earlier import of the same
	// source, tool and API and are no longer: marked fixed.
	FixedFindings int `json:"fixed_findings"`
	// Access logs: lines read this run, of which malformed, and the
	// requests counted.
	Lines     int64 `json:"lines,omitempty"`
	Malformed int64 `json:"malformed,omitempty"`
	Requests  int64 `json:"requests,omitempty"`
	// Warnings did not stop the run but left facts unknown.
	Warnings []string `json:"warnings,omitempty"`
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

// Running reports whether src is being collected now.
func (s *Service) Running(name string) bool {
	_, ok := s.running.Load(name)
	return ok
}

// EnsureSource records a configured source (creating or updating its row)
// and returns its id.
func (s *Service) EnsureSource(ctx context.Context, src collectors.Source, schedule string) (int64, error) {
	return ensureSource(s.Store.DB.WithContext(ctx), src, schedule, s.now())
}

func ensureSource(db *gorm.DB, src collectors.Source, schedule string, now time.Time) (int64, error) {
	cfg, _ := json.Marshal(map[string]any{"paths": src.Paths, "api": src.API, "api_map": src.APIMap, "owner": src.Owner})
	row := store.Source{Name: src.Name, Kind: src.Kind, Schedule: schedule, Config: string(cfg), CreatedAt: now, UpdatedAt: now}
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"kind", "schedule", "config", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return 0, fmt.Errorf("source %q: %w", src.Name, err)
	}
	var id int64
	if err := db.Model(&store.Source{}).Where("name = ?", src.Name).Select("id").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("source %q: %w", src.Name, err)
	}
	return id, nil
}

// Run collects src once: it records a run, runs the collector, and stores
// everything in one transaction. The returned error is the collection's
// error (also recorded on the run); Stats.RunID is set whenever a run was
// recorded.
func (s *Service) Run(ctx context.Context, src collectors.Source, trigger string) (Stats, error) {
	var st Stats
	if _, busy := s.running.LoadOrStore(src.Name, struct{}{}); busy {
		return st, fmt.Errorf("source %q: %w", src.Name, ErrAlreadyRunning)
	}
	defer s.running.Delete(src.Name)

	c, err := collectors.Get(src.Kind)
	if err != nil {
		return st, fmt.Errorf("source %q: %w", src.Name, err)
	}
	db := s.Store.DB.WithContext(ctx)
	srcID, err := ensureSource(db, src, "", s.now())
	if err != nil {
		return st, err
	}
	run := store.Run{SourceID: srcID, Trigger: trigger, Status: store.RunRunning, StartedAt: s.now()}
	if err := db.Create(&run).Error; err != nil {
		return st, fmt.Errorf("source %q: record run: %w", src.Name, err)
	}
	st.RunID = run.ID
	log := s.log().With("source", src.Name, "kind", src.Kind, "run", run.ID)
	log.Info("collection started", "trigger", trigger)

	lim := s.Limits
	if lim.MaxRecords == 0 {
		lim = DefaultLimits
	}
	buf := newBuffer(ctx, lim, run.StartedAt)
	buf.inventory = func() ([]collectors.InventoryAPI, error) { return traffic.Inventory(db) }
	buf.cursor = func(id string) (collectors.FileCursor, bool, error) { return loadCursor(db, srcID, id) }
	err = s.collect(ctx, c, src, buf)
	st.Warnings = buf.warningList()
	var apiIDs []int64
	if err == nil {
		err = s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var werr error
			apiIDs, werr = s.write(tx, c, src, srcID, run.ID, buf, &st)
			if werr != nil {
				return werr
			}
			return finishRun(tx, run.ID, s.now(), st, nil)
		})
	}
	if err != nil {
		err = fmt.Errorf("source %q: %w", src.Name, err)
		// The import rolled back; record the failure on its own, with a
		// context that outlives a cancelled collection.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if ferr := finishRun(s.Store.DB.WithContext(fctx), run.ID, s.now(), Stats{Warnings: st.Warnings}, err); ferr != nil {
			log.Error("recording failed run", "err", ferr)
		}
		log.Warn("collection failed", "err", err)
		s.notify(src, run.ID)
		return Stats{RunID: run.ID, Warnings: st.Warnings}, err
	}
	log.Info("collection succeeded", "apis", st.APIs, "endpoints", st.Endpoints, "evidence", st.Evidence, "findings", st.Findings, "warnings", len(st.Warnings))
	if s.Scorer != nil && len(apiIDs) > 0 {
		if serr := s.Scorer.Rescore(ctx, apiIDs); serr != nil {
			// The evidence is stored; a scoring failure is reported but
			// does not undo the import.
			log.Error("rescoring after collection", "err", serr)
		}
	}
	s.notify(src, run.ID)
	return st, nil
}

func (s *Service) notify(src collectors.Source, runID int64) {
	if s.OnRun == nil {
		return
	}
	var r store.Run
	if err := s.Store.DB.First(&r, runID).Error; err == nil {
		s.OnRun(src, r)
	}
}

// collect fetches the source's remote inputs (URLs, a git ref), then runs
// the collector on them.
func (s *Service) collect(ctx context.Context, c collectors.Collector, src collectors.Source, sink collectors.Sink) error {
	f := s.Fetcher
	if f == nil {
		f = &fetch.Fetcher{}
	}
	src, err := f.Resolve(ctx, src)
	if err != nil {
		return err
	}
	return collectSafely(ctx, c, src, sink)
}

// collectSafely runs the collector, turning a panic into an error so one
// bad input never takes the process down.
func collectSafely(ctx context.Context, c collectors.Collector, src collectors.Source, sink collectors.Sink) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("collector %s panicked: %v\n%s", c.Kind(), r, debug.Stack())
		}
	}()
	return c.Collect(ctx, src, sink)
}

func finishRun(db *gorm.DB, id int64, now time.Time, st Stats, runErr error) error {
	status, msg := store.RunSucceeded, ""
	if runErr != nil {
		status, msg = store.RunFailed, runErr.Error()
		if len(msg) > 8000 {
			msg = msg[:8000] + "…"
		}
	}
	warnings := ""
	if len(st.Warnings) > 0 {
		b, err := json.Marshal(st.Warnings)
		if err != nil {
			return err
		}
		warnings = string(b)
	}
	return db.Model(&store.Run{}).Where("id = ?", id).Updates(map[string]any{
		"status": status, "finished_at": now, "error": msg, "warnings": warnings,
		"apis": st.APIs, "endpoints": st.Endpoints, "evidence": st.Evidence, "findings": st.Findings,
	}).Error
}

// write stores the buffer inside tx and returns the ids of the APIs it
// touched.
func (s *Service) write(tx *gorm.DB, c collectors.Collector, src collectors.Source, sourceID, runID int64, b *buffer, st *Stats) ([]int64, error) {
	now := s.now()
	apiIDs := map[string]int64{}
	// APIs named by the collector first, then any referenced only by an
	// endpoint, evidence record or finding.
	for _, a := range b.apis {
		a.Name = src.APIName(a.Name)
		if a.Owner == "" {
			a.Owner = src.Owner
		}
		id, err := upsertAPI(tx, a, now)
		if err != nil {
			return nil, err
		}
		apiIDs[a.Name] = id
	}
	apiID := func(name string) (int64, error) {
		name = src.APIName(name)
		if id, ok := apiIDs[name]; ok {
			return id, nil
		}
		id, err := upsertAPI(tx, collectors.API{Name: name, Owner: src.Owner}, now)
		if err != nil {
			return 0, err
		}
		apiIDs[name] = id
		return id, nil
	}
	origin := collectors.OriginOf(c)
	epIDs := map[string]int64{} // apiID|key -> endpoint id
	for _, e := range b.endpoints {
		aid, err := apiID(e.API)
		if err != nil {
			return nil, err
		}
		id, err := upsertEndpoint(tx, aid, e, origin, now)
		if err != nil {
			return nil, err
		}
		epIDs[fmt.Sprint(aid, "|", e.Key())] = id
	}
	arts := map[*collectors.Artifact]string{}
	recs := make([]store.Evidence, 0, len(b.evidence))
	for _, ev := range b.evidence {
		aid, err := apiID(ev.API)
		if err != nil {
			return nil, err
		}
		sum, ok := arts[ev.Artifact]
		if !ok {
			sum, err = evidence.PutArtifact(tx, ev.Artifact.Name, ev.Artifact.ContentType, ev.Artifact.Data, now)
			if err != nil {
				return nil, err
			}
			arts[ev.Artifact] = sum
		}
		facts, err := json.Marshal(ev.Facts) // map keys sorted: canonical
		if err != nil {
			return nil, fmt.Errorf("evidence %s: facts: %w", ev.Location, err)
		}
		rec := store.Evidence{
			RunID: &runID, Source: src.Name, Collector: c.Kind(), CollectorVersion: c.Version(),
			APIID: aid, APIName: src.APIName(ev.API), EndpointKey: ev.Endpoint,
			ArtifactSHA256: sum, Location: ev.Location, Facts: string(facts),
			ObservedAt: ev.ObservedAt, RecordedAt: now,
		}
		if ev.Route != nil {
			b, err := json.Marshal(ev.Route)
			if err != nil {
				return nil, fmt.Errorf("evidence %s: route: %w", ev.Location, err)
			}
			rec.Route = string(b)
		}
		if len(ev.Notes) > 0 {
			b, err := json.Marshal(ev.Notes)
			if err != nil {
				return nil, fmt.Errorf("evidence %s: notes: %w", ev.Location, err)
			}
			rec.Notes = string(b)
		}
		if ev.Endpoint != "" {
			id, ok := epIDs[fmt.Sprint(aid, "|", ev.Endpoint)]
			if !ok {
				return nil, fmt.Errorf("evidence at %s names endpoint %q, which the collector did not report", ev.Location, ev.Endpoint)
			}
			rec.EndpointID = &id
		}
		recs = append(recs, rec)
	}
	if err := evidence.Append(tx, recs); err != nil {
		return nil, err
	}
	if err := writeTraffic(tx, sourceID, b, apiID, epIDs, now); err != nil {
		return nil, err
	}
	st.Lines, st.Malformed, st.Requests = b.lines, b.malformed, b.requests
	fw := s.newFindingWriter(tx, src, runID, now)
	for _, f := range b.findings {
		aid, err := apiID(f.API)
		if err != nil {
			return nil, err
		}
		isNew, err := fw.upsert(aid, epIDs, f)
		if err != nil {
			return nil, err
		}
		if isNew {
			st.NewFindings++
		}
	}
	// A report that says an API was scanned (security_testing.ci) scopes
	// the scan even when it found nothing: a clean re-scan fixes what the
	// last one reported.
	for _, ev := range b.evidence {
		if v, _ := ev.Facts[collectors.FactScanPresent].(bool); v && ev.Endpoint == "" && ev.Route == nil {
			aid, err := apiID(ev.API)
			if err != nil {
				return nil, err
			}
			fw.scanned(aid, ev.Location)
		}
	}
	fixed, err := fw.vanish()
	if err != nil {
		return nil, err
	}
	st.FixedFindings = fixed
	st.APIs = len(apiIDs)
	st.Endpoints = len(b.endpoints)
	st.Evidence = len(recs)
	st.Findings = len(b.findings)
	ids := make([]int64, 0, len(apiIDs))
	for _, id := range apiIDs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// upsertAPI creates the API or refreshes what the collector knows about it.
// Empty values never overwrite known ones: an owner set by one source is
// not erased by another that does not know it.
func upsertAPI(tx *gorm.DB, a collectors.API, now time.Time) (int64, error) {
	var row store.API
	err := tx.Where("name = ?", a.Name).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = store.API{
			Name: a.Name, Title: a.Title, Version: a.Version, Owner: a.Owner, Contact: a.Contact,
			Description: a.Description, BaseURLs: jsonList(a.BaseURLs), Tags: jsonList(a.Tags),
			Classification: a.Classification, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.Create(&row).Error; err != nil {
			return 0, fmt.Errorf("api %q: %w", a.Name, err)
		}
		return row.ID, nil
	case err != nil:
		return 0, fmt.Errorf("api %q: %w", a.Name, err)
	}
	upd := map[string]any{"updated_at": now}
	set := func(col, v string) {
		if v != "" {
			upd[col] = v
		}
	}
	set("title", a.Title)
	set("version", a.Version)
	set("owner", a.Owner)
	set("contact", a.Contact)
	set("description", a.Description)
	set("classification", a.Classification)
	if len(a.BaseURLs) > 0 {
		upd["base_urls"] = jsonList(a.BaseURLs)
	}
	if len(a.Tags) > 0 {
		upd["tags"] = jsonList(a.Tags)
	}
	if err := tx.Model(&store.API{}).Where("id = ?", row.ID).Updates(upd).Error; err != nil {
		return 0, fmt.Errorf("api %q: %w", a.Name, err)
	}
	return row.ID, nil
}

func upsertEndpoint(tx *gorm.DB, apiID int64, e collectors.Endpoint, origin string, now time.Time) (int64, error) {
	proto := e.Protocol
	if proto == "" {
		proto = collectors.ProtocolREST
	}
	method := strings.ToUpper(e.Method)
	var row store.Endpoint
	err := tx.Where("api_id = ? AND method = ? AND path = ?", apiID, method, e.Path).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = store.Endpoint{
			APIID: apiID, Protocol: proto, Method: method, Path: e.Path, OperationID: e.OperationID,
			Summary: e.Summary, Deprecated: e.Deprecated, FirstSeen: now, LastSeen: now,
		}
		setOrigin(&row, origin)
		if err := tx.Create(&row).Error; err != nil {
			return 0, fmt.Errorf("endpoint %s: %w", e.Key(), err)
		}
		return row.ID, nil
	}
	if err != nil {
		return 0, fmt.Errorf("endpoint %s: %w", e.Key(), err)
	}
	setOrigin(&row, origin)
	row.LastSeen = now
	if origin == collectors.OriginSpec {
		row.Deprecated, row.OperationID, row.Summary = e.Deprecated, e.OperationID, e.Summary
	}
	if err := tx.Save(&row).Error; err != nil {
		return 0, fmt.Errorf("endpoint %s: %w", e.Key(), err)
	}
	return row.ID, nil
}

func setOrigin(e *store.Endpoint, origin string) {
	switch origin {
	case collectors.OriginGateway:
		e.InGateway = true
	case collectors.OriginTraffic:
		e.InTraffic = true
	default:
		e.InSpec = true
	}
}
