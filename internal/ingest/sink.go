package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/posture-dev/posture/collectors"
)

// Limits bound what one collection may produce, so a hostile or runaway
// input cannot exhaust memory before anything is written.
type Limits struct {
	MaxRecords       int   // APIs + endpoints + evidence + findings
	MaxArtifactBytes int64 // sum of distinct artifacts' sizes
}

// DefaultLimits allow a very large spec (tens of thousands of operations)
// with room to spare.
var DefaultLimits = Limits{MaxRecords: 2_000_000, MaxArtifactBytes: 512 << 20}

// buffer is the Sink a collector writes into: everything is kept in memory
// and written in one transaction when Collect returns without error, so a
// failed collection leaves nothing behind and parsing never holds the
// database's write lock.
type buffer struct {
	ctx       context.Context
	lim       Limits
	now       time.Time
	apis      []collectors.API
	endpoints []collectors.Endpoint
	evidence  []collectors.Evidence
	findings  []collectors.Finding
	artifacts map[*collectors.Artifact]bool
	artBytes  int64
	warnings  []string
	dropped   int // warnings beyond maxWarnings

	// Traffic (access logs): buckets merged by key, read positions, and
	// the lines read; inventory and cursor read the store (nil: nothing
	// known, as for `posture audit`).
	traffic   map[trafficKey]*collectors.TrafficBucket
	cursors   []collectors.FileCursor
	lines     int64
	malformed int64
	requests  int64
	inventory func() ([]collectors.InventoryAPI, error)
	cursor    func(fileID string) (collectors.FileCursor, bool, error)
}

// maxWarnings is how many warnings one run keeps; a count stands for the
// rest, so a file with a million broken references cannot flood the run.
const maxWarnings = 100

// Warning implements collectors.Warner.
func (b *buffer) Warning(msg string) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if len(b.warnings) >= maxWarnings {
		b.dropped++
		return nil
	}
	b.warnings = append(b.warnings, msg)
	return nil
}

// warningList is what the run keeps: the warnings plus a line counting
// those dropped.
func (b *buffer) warningList() []string {
	if b.dropped == 0 {
		return b.warnings
	}
	return append(b.warnings[:len(b.warnings):len(b.warnings)], fmt.Sprintf("... and %d more warnings", b.dropped))
}

func newBuffer(ctx context.Context, lim Limits, now time.Time) *buffer {
	return &buffer{ctx: ctx, lim: lim, now: now, artifacts: map[*collectors.Artifact]bool{}, traffic: map[trafficKey]*collectors.TrafficBucket{}}
}

func (b *buffer) count() int {
	return len(b.apis) + len(b.endpoints) + len(b.evidence) + len(b.findings) + len(b.traffic)
}

func (b *buffer) admit() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if b.count() >= b.lim.MaxRecords {
		return fmt.Errorf("collection exceeds %d records", b.lim.MaxRecords)
	}
	return nil
}

func (b *buffer) API(a collectors.API) error {
	if err := b.admit(); err != nil {
		return err
	}
	if a.Name == "" {
		return fmt.Errorf("API with an empty name")
	}
	b.apis = append(b.apis, a)
	return nil
}

func (b *buffer) Endpoint(e collectors.Endpoint) error {
	if err := b.admit(); err != nil {
		return err
	}
	if e.API == "" || e.Method == "" || e.Path == "" {
		return fmt.Errorf("endpoint %q %q of API %q: API, method and path are required", e.Method, e.Path, e.API)
	}
	b.endpoints = append(b.endpoints, e)
	return nil
}

func (b *buffer) Evidence(ev collectors.Evidence) error {
	if err := b.admit(); err != nil {
		return err
	}
	if ev.API == "" {
		return fmt.Errorf("evidence without an API")
	}
	if ev.Endpoint != "" && ev.Route != nil {
		return fmt.Errorf("evidence for API %q at %s: set Endpoint or Route, not both", ev.API, ev.Location)
	}
	if ev.Artifact == nil {
		return fmt.Errorf("evidence for API %q without an artifact", ev.API)
	}
	if ev.Route != nil {
		if err := collectors.ValidateRoute(*ev.Route); err != nil {
			return fmt.Errorf("evidence for API %q at %s: %w", ev.API, ev.Location, err)
		}
	}
	if err := collectors.ValidateFacts(ev.Facts); err != nil {
		return fmt.Errorf("evidence for API %q at %s: %w", ev.API, ev.Location, err)
	}
	if !b.artifacts[ev.Artifact] {
		b.artifacts[ev.Artifact] = true
		b.artBytes += int64(len(ev.Artifact.Data))
		if b.artBytes > b.lim.MaxArtifactBytes {
			return fmt.Errorf("artifacts exceed %d bytes", b.lim.MaxArtifactBytes)
		}
	}
	if ev.ObservedAt.IsZero() {
		ev.ObservedAt = b.now
	}
	if len(ev.Notes) > collectors.MaxNotes {
		ev.Notes = ev.Notes[:collectors.MaxNotes]
	}
	for _, n := range ev.Notes {
		if _, ok := ev.Facts[n.Fact]; !ok {
			return fmt.Errorf("evidence for API %q at %s: note on fact %q, which the record does not state", ev.API, ev.Location, n.Fact)
		}
	}
	b.evidence = append(b.evidence, ev)
	return nil
}

func (b *buffer) Finding(f collectors.Finding) error {
	if err := b.admit(); err != nil {
		return err
	}
	if f.API == "" || f.Tool == "" || f.RuleID == "" {
		return fmt.Errorf("finding %q: API, tool and rule id are required", f.Title)
	}
	switch f.Severity {
	case collectors.SeverityCritical, collectors.SeverityHigh, collectors.SeverityMedium,
		collectors.SeverityLow, collectors.SeverityInfo:
	default:
		return fmt.Errorf("finding %q: unknown severity %q", f.Title, f.Severity)
	}
	b.findings = append(b.findings, f)
	return nil
}

// Collected is what one collection produced, checked and bounded as for
// an import, but not stored: `posture audit` reads files this way.
type Collected struct {
	APIs      []collectors.API
	Endpoints []collectors.Endpoint
	Evidence  []collectors.Evidence
	Findings  []collectors.Finding
	Warnings  []string
}

// Collect runs c on src into memory with the checks and limits of an
// import (zero Limits mean DefaultLimits); a panicking collector is an
// error.
func Collect(ctx context.Context, c collectors.Collector, src collectors.Source, lim Limits) (*Collected, error) {
	if lim.MaxRecords == 0 {
		lim = DefaultLimits
	}
	b := newBuffer(ctx, lim, time.Now().UTC())
	if err := (&Service{}).collect(ctx, c, src, b); err != nil {
		return &Collected{Warnings: b.warningList()}, err
	}
	return &Collected{APIs: b.apis, Endpoints: b.endpoints, Evidence: b.evidence, Findings: b.findings, Warnings: b.warningList()}, nil
}
