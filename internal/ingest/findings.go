package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/store"
)

// TagSuppressed on a finding says the tool reports it as suppressed in
// the code or the tool's configuration.
const TagSuppressed = "suppressed"

// ActorPosture is the actor of changes posture makes itself: an import
// that creates, reopens or fixes a finding, a risk acceptance expiring.
const ActorPosture = "posture"

// Fingerprint is the default identity of a finding across imports: the
// same tool, rule, API, endpoint and location is the same issue.
func Fingerprint(f collectors.Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{f.Tool, f.RuleID, f.API, f.Endpoint, f.Location}, "\x00")))
	return hex.EncodeToString(h[:16])
}

// findingWriter stores one import's findings inside its transaction and
// keeps what it needs to mark the vanished ones fixed afterwards.
type findingWriter struct {
	s     *Service
	tx    *gorm.DB
	src   collectors.Source
	runID int64
	now   time.Time
	// scope: (API, tool) pairs this import speaks for.
	scope map[scopeKey]bool
	// templates per API, loaded on first use, to match DAST URLs.
	templates map[int64]*collectors.PathTemplates
	epIDs     map[int64]map[string]int64
	byFP      map[int64]map[string]findingState // per API, by fingerprint
	primaries map[int64]map[string]primary      // per API, by correlation
	// Written by flush: findings seen again, new ones and their notes.
	seen         []int64
	created      []store.Finding
	createdNotes []string
}

type scopeKey struct {
	api  int64
	tool string
}

func (s *Service) newFindingWriter(tx *gorm.DB, src collectors.Source, runID int64, now time.Time) *findingWriter {
	return &findingWriter{s: s, tx: tx, src: src, runID: runID, now: now, scope: map[scopeKey]bool{},
		templates: map[int64]*collectors.PathTemplates{}, epIDs: map[int64]map[string]int64{},
		byFP: map[int64]map[string]findingState{}, primaries: map[int64]map[string]primary{}}
}

// scanned records that this import scanned api with tool, findings or not.
func (w *findingWriter) scanned(api int64, tool string) {
	if tool != "" {
		w.scope[scopeKey{api, tool}] = true
	}
}

func (w *findingWriter) event(findingID int64, kind, from, to, note string) error {
	return w.tx.Create(&store.FindingEvent{FindingID: findingID, At: w.now, Actor: ActorPosture, Kind: kind,
		FromValue: from, ToValue: to, Note: note}).Error
}

func (w *findingWriter) due(severity string) *time.Time { return DueAt(w.s.SLA, severity, w.now) }

// DueAt is the deadline of a finding of severity whose clock starts at
// from: the SLA's days for that severity (nil sla: DefaultSLA), or none.
func DueAt(sla map[string]int, severity string, from time.Time) *time.Time {
	if sla == nil {
		sla = DefaultSLA
	}
	if days, ok := sla[severity]; ok && days > 0 {
		d := from.Add(time.Duration(days) * 24 * time.Hour)
		return &d
	}
	return nil
}

// endpoint finds the inventory endpoint a finding is about: the one the
// collector named, else the one whose template serves the scanner's URL.
func (w *findingWriter) endpoint(apiID int64, epIDs map[string]int64, f collectors.Finding) (*int64, string, error) {
	if f.Endpoint != "" {
		if id, ok := epIDs[fmt.Sprint(apiID, "|", f.Endpoint)]; ok {
			return &id, f.Endpoint, nil
		}
	}
	if f.URL == "" {
		return nil, f.Endpoint, nil
	}
	m, ok := w.templates[apiID]
	if !ok {
		var api store.API
		if err := w.tx.Select("id", "base_urls").First(&api, apiID).Error; err != nil {
			return nil, "", fmt.Errorf("api %d: %w", apiID, err)
		}
		var eps []store.Endpoint
		if err := w.tx.Select("id", "method", "path").Where("api_id = ?", apiID).Find(&eps).Error; err != nil {
			return nil, "", fmt.Errorf("endpoints of api %d: %w", apiID, err)
		}
		ids := map[string]int64{}
		keys := make([]string, 0, len(eps))
		for _, e := range eps {
			k := e.Method + " " + e.Path
			ids[k] = e.ID
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var base []string
		_ = json.Unmarshal([]byte(api.BaseURLs), &base)
		_, paths := collectors.SplitBaseURLs(base)
		m = collectors.NewPathTemplates(keys, paths)
		w.templates[apiID], w.epIDs[apiID] = m, ids
	}
	key, ok := m.Match(f.Method, f.URL)
	if !ok {
		return nil, f.Endpoint, nil
	}
	id := w.epIDs[apiID][key]
	return &id, key, nil
}

// primary is the first stored finding of a correlation group.
type primary struct {
	id   int64
	tool string
}

// Correlation is the cross-tool identity of a finding: the same weakness
// (CWE) at the same place of the same API, the place being the inventory
// operation (DAST, matched from the URL) or the file and line (SAST). ""
// when the finding names no CWE or no place: then only its own tool's
// fingerprint identifies it.
func Correlation(apiID int64, endpointID *int64, f collectors.Finding) string {
	if f.CWE <= 0 {
		return ""
	}
	var place string
	switch {
	case endpointID != nil:
		place = fmt.Sprint("endpoint:", *endpointID)
	case f.File != "" && f.Line > 0:
		place = fmt.Sprint("file:", f.File, ":", f.Line)
	default:
		return ""
	}
	h := sha256.Sum256([]byte(fmt.Sprint(apiID, "\x00", place, "\x00", f.CWE)))
	return hex.EncodeToString(h[:12])
}

// findingState is what an import needs to know of a stored finding.
type findingState struct {
	ID         int64
	Status     string
	Severity   string
	EndpointID *int64
	LastRunID  *int64
}

// known returns the API's findings by fingerprint, read once per import:
// a report of 100,000 results costs one query, not 100,000.
func (w *findingWriter) known(apiID int64) (map[string]findingState, error) {
	if m, ok := w.byFP[apiID]; ok {
		return m, nil
	}
	var rows []store.Finding
	if err := w.tx.Select("id, fingerprint, status, severity, endpoint_id, last_run_id, tool, correlation, duplicate_of").
		Where("api_id = ?", apiID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("findings of api %d: %w", apiID, err)
	}
	m := make(map[string]findingState, len(rows))
	prim := map[string]primary{}
	for _, r := range rows {
		m[r.Fingerprint] = findingState{ID: r.ID, Status: r.Status, Severity: r.Severity, EndpointID: r.EndpointID, LastRunID: r.LastRunID}
		if _, ok := prim[r.Correlation]; r.Correlation != "" && r.DuplicateOf == nil && !ok {
			prim[r.Correlation] = primary{r.ID, r.Tool}
		}
	}
	w.byFP[apiID], w.primaries[apiID] = m, prim
	return m, nil
}

// upsert stores f: a new finding, or the next sighting of a known one
// (which reopens it when it had been fixed).
func (w *findingWriter) upsert(apiID int64, epIDs map[string]int64, f collectors.Finding) (bool, error) {
	w.scanned(apiID, f.Tool)
	epID, epKey, err := w.endpoint(apiID, epIDs, f)
	if err != nil {
		return false, fmt.Errorf("finding %q: %w", f.Title, err)
	}
	if f.Endpoint == "" && epKey != "" {
		f.Endpoint = epKey
	}
	fp := f.Fingerprint
	if fp == "" {
		fp = Fingerprint(f)
	}
	if f.OWASP == "" && f.CWE > 0 && w.s.Catalog != nil {
		if cats := w.s.Catalog.OWASPForCWE(f.CWE); len(cats) > 0 {
			f.OWASP = cats[0]
		}
	}
	tags := ""
	if len(f.Tags) > 0 {
		b, _ := json.Marshal(f.Tags)
		tags = string(b)
	}
	known, err := w.known(apiID)
	if err != nil {
		return false, err
	}
	row, found := known[fp]
	if found {
		if row.LastRunID != nil && *row.LastRunID == w.runID {
			return false, nil // the same finding twice in one report
		}
		// A re-sighting refreshes when and by which run it was last seen
		// (in one statement per batch, see flush); the first sighting's
		// excerpt and tags stay. An endpoint matched only now, or a
		// reopening, is written on its own.
		upd := map[string]any{}
		if epID != nil && row.EndpointID == nil {
			upd["endpoint_id"] = *epID
			row.EndpointID = epID
		}
		if row.Status == store.FindingFixed || row.Status == store.FindingVerified {
			// It came back: open again, with a new deadline from today.
			upd["status"], upd["fixed_at"], upd["due_at"] = store.FindingOpen, nil, w.due(row.Severity)
			if err := w.event(row.ID, "status", row.Status, store.FindingOpen,
				fmt.Sprintf("reported again by %s (source %s, run %d)", f.Tool, w.src.Name, w.runID)); err != nil {
				return false, err
			}
			row.Status = store.FindingOpen
		}
		row.LastRunID = &w.runID
		known[fp] = row
		w.seen = append(w.seen, row.ID)
		if len(upd) == 0 {
			return false, nil
		}
		return false, w.tx.Model(&store.Finding{}).Where("id = ?", row.ID).Updates(upd).Error
	}
	nf := store.Finding{
		APIID: apiID, EndpointID: epID, Fingerprint: fp, Tool: f.Tool, RuleID: f.RuleID, Title: f.Title,
		Description: f.Description, Severity: f.Severity, RawSeverity: f.RawSeverity, CWE: f.CWE,
		OWASP: f.OWASP, Location: f.Location, Remediation: f.Remediation, Status: store.FindingOpen,
		FirstSeen: w.now, LastSeen: w.now, UpdatedAt: w.now, Source: w.src.Name, LastRunID: &w.runID,
		Method: strings.ToUpper(f.Method), URL: f.URL, File: f.File, Line: f.Line, Excerpt: f.Excerpt, Tags: tags,
		DueAt: w.due(f.Severity),
	}
	note := fmt.Sprintf("reported by %s (source %s, run %d)", f.Tool, w.src.Name, w.runID)
	nf.Correlation = Correlation(apiID, epID, f)
	if p, ok := w.primaries[apiID][nf.Correlation]; ok && nf.Correlation != "" && p.tool != f.Tool {
		// Another tool already reported this weakness here: one issue.
		nf.DuplicateOf = &p.id
		note += fmt.Sprintf("; the same weakness at the same place as finding %d (%s)", p.id, p.tool)
	}
	if slices.Contains(f.Tags, TagSuppressed) {
		// Suppressed in the code or the tool's config (#nosec, nosemgrep,
		// a SARIF suppression): the team already judged it. It is kept,
		// visible and reversible, but does not count against the API.
		nf.Status, nf.DueAt = store.FindingFalsePositive, nil
		note += "; suppressed at the source"
	}
	// Written in batches by flush; until then the map knows it by its
	// fingerprint so a repeat in the same report is not a second finding.
	known[fp] = findingState{Status: nf.Status, Severity: nf.Severity, EndpointID: nf.EndpointID, LastRunID: nf.LastRunID}
	w.created = append(w.created, nf)
	w.createdNotes = append(w.createdNotes, note)
	return true, nil
}

// flushBatch is how many rows one INSERT or UPDATE statement carries.
const flushBatch = 400

// flush writes the new findings and their "created" events, and marks the
// re-sighted ones seen by this run, a batch of rows per statement: a
// report of 100,000 results is a few hundred statements, not 300,000.
func (w *findingWriter) flush() error {
	for start := 0; start < len(w.seen); start += flushBatch {
		ids := w.seen[start:min(start+flushBatch, len(w.seen))]
		if err := w.tx.Model(&store.Finding{}).Where("id IN ?", ids).Updates(map[string]any{
			"last_seen": w.now, "updated_at": w.now, "last_run_id": w.runID, "source": w.src.Name}).Error; err != nil {
			return fmt.Errorf("findings seen again: %w", err)
		}
	}
	w.seen = nil
	if len(w.created) == 0 {
		return nil
	}
	if err := w.tx.CreateInBatches(&w.created, flushBatch/10).Error; err != nil {
		return fmt.Errorf("new findings: %w", err)
	}
	events := make([]store.FindingEvent, len(w.created))
	for i, f := range w.created {
		events[i] = store.FindingEvent{FindingID: f.ID, At: w.now, Actor: ActorPosture, Kind: "created",
			ToValue: f.Status, Note: w.createdNotes[i]}
	}
	if err := w.tx.CreateInBatches(&events, flushBatch/4).Error; err != nil {
		return fmt.Errorf("history of new findings: %w", err)
	}
	w.created, w.createdNotes = nil, nil
	return nil
}

// vanish marks fixed the open findings this import's scope no longer
// reports: same source, same API, same tool, not seen in this run. Risk
// acceptances and false positives are people's decisions and stay.
func (w *findingWriter) vanish() (int, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	keys := make([]scopeKey, 0, len(w.scope))
	for k := range w.scope {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].api != keys[j].api {
			return keys[i].api < keys[j].api
		}
		return keys[i].tool < keys[j].tool
	})
	n := 0
	for _, k := range keys {
		var gone []store.Finding
		err := w.tx.Select("id", "status").Where("source = ? AND api_id = ? AND tool = ? AND status IN ? AND (last_run_id IS NULL OR last_run_id <> ?)",
			w.src.Name, k.api, k.tool, []string{store.FindingOpen, store.FindingInProgress}, w.runID).Find(&gone).Error
		if err != nil {
			return n, fmt.Errorf("findings no longer reported: %w", err)
		}
		for _, g := range gone {
			if err := w.tx.Model(&store.Finding{}).Where("id = ?", g.ID).Updates(map[string]any{
				"status": store.FindingFixed, "fixed_at": w.now, "updated_at": w.now}).Error; err != nil {
				return n, err
			}
			if err := w.event(g.ID, "status", g.Status, store.FindingFixed,
				fmt.Sprintf("no longer reported by %s (source %s, run %d)", k.tool, w.src.Name, w.runID)); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
