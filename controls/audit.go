package controls

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
)

// AuditRecord is one evidence record as the audit reads it: its facts and
// the notes saying where each was decided.
type AuditRecord struct {
	EvidenceID int64 // 0 when the record is not stored (posture audit FILE)
	Source     string
	Endpoint   string // Endpoint.Key(), "" for the API as a whole
	Route      string // for gateway rules: the route as a person reads it
	File       string // artifact name
	Location   string // where in the artifact the record comes from
	Facts      collectors.Facts
	Notes      []collectors.Note
}

// Issue is one problem the audit reports: a fact that fails a control of
// the catalog, at a place in a file.
type Issue struct {
	Severity   string         `json:"severity"`
	Fact       string         `json:"fact"`
	Controls   []IssueControl `json:"controls"`
	Endpoint   string         `json:"endpoint,omitempty"`
	Route      string         `json:"route,omitempty"`
	File       string         `json:"file"`
	Pointer    string         `json:"pointer,omitempty"`
	Line       int            `json:"line,omitempty"`
	Message    string         `json:"message"`
	Source     string         `json:"source,omitempty"`
	EvidenceID int64          `json:"evidence_id,omitempty"`
}

// IssueControl names a control an issue fails.
type IssueControl struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	OWASP []string `json:"owasp,omitempty"`
}

// Audit lists the issues in records: for every fact a record states that
// does not satisfy a fact-checked control of the catalog (a control whose
// check names the fact, on a record of the control's scope, not skipped by
// its skip_if facts, and for an "any" check only when no alternative is
// satisfied), one issue per note on that fact, or one at the record's
// location when the collector left no note.
//
// Severity comes from the catalog, not from a second rule table: the most
// important control the fact fails decides. A basic control of weight 2
// (those without which the others mean little: authentication, TLS) makes
// the issue high, another basic control medium, an advanced control low.
//
// Issues are sorted by severity, then file, line, pointer and fact.
func Audit(cat *catalog.Catalog, recs []AuditRecord) []Issue {
	byFact := factControls(cat)
	var out []Issue
	for _, r := range recs {
		scope := ScopeEndpoint
		if r.Endpoint == "" && r.Route == "" {
			scope = ScopeAPI
		}
		for fact, v := range r.Facts {
			if Satisfies(v) || v == nil {
				continue
			}
			var failed []catalog.Control
			for _, ctl := range byFact[fact] {
				// A gateway rule's facts reach endpoints and the API
				// alike, so they count against controls of either scope.
				if cmp.Or(ctl.Check.Scope, ScopeAPI) != scope && r.Route == "" {
					continue
				}
				if fails(ctl.Check, fact, r.Facts) {
					failed = append(failed, ctl)
				}
			}
			if len(failed) == 0 {
				continue
			}
			base := Issue{Severity: severity(failed), Fact: fact, Controls: issueControls(failed),
				Endpoint: r.Endpoint, Route: r.Route, File: r.File, Source: r.Source, EvidenceID: r.EvidenceID}
			noted := false
			for _, n := range r.Notes {
				if n.Fact != fact {
					continue
				}
				is := base
				is.Pointer, is.Line, is.Message = n.Pointer, n.Line, n.Message
				out = append(out, is)
				noted = true
			}
			if !noted {
				base.Pointer = r.Location
				base.Message = fmt.Sprintf("%s is %v", fact, v)
				out = append(out, base)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Issue) int {
		return cmp.Or(
			cmp.Compare(SeverityRank(a.Severity), SeverityRank(b.Severity)),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Pointer, b.Pointer),
			cmp.Compare(a.Endpoint+a.Route, b.Endpoint+b.Route),
			cmp.Compare(a.Fact, b.Fact),
		)
	})
	return out
}

// SeverityRank is the position of a severity in collectors.Severities,
// most severe first; unknown severities sort last.
func SeverityRank(s string) int {
	if r := slices.Index(collectors.Severities, s); r >= 0 {
		return r
	}
	return len(collectors.Severities)
}

// factControls indexes the fact-checked controls by the facts they test.
func factControls(cat *catalog.Catalog) map[string][]catalog.Control {
	m := map[string][]catalog.Control{}
	for _, ctl := range cat.Controls {
		if ctl.Check.Evaluator != "" {
			continue
		}
		for _, f := range slices.Concat(ctl.Check.All, ctl.Check.Any) {
			m[f] = append(m[f], ctl)
		}
	}
	return m
}

// fails reports whether fact (known not to satisfy) makes check fail on a
// record with these facts.
func fails(ch catalog.Check, fact string, facts collectors.Facts) bool {
	for _, s := range ch.SkipIf {
		if Satisfies(facts[s]) {
			return false
		}
	}
	if slices.Contains(ch.All, fact) {
		return true
	}
	for _, alt := range ch.Any {
		if Satisfies(facts[alt]) {
			return false
		}
	}
	return slices.Contains(ch.Any, fact)
}

func severity(ctls []catalog.Control) string {
	sev := collectors.SeverityLow
	for _, c := range ctls {
		switch {
		case c.Level == catalog.LevelBasic && c.Weight >= 2:
			return collectors.SeverityHigh
		case c.Level == catalog.LevelBasic:
			sev = collectors.SeverityMedium
		}
	}
	return sev
}

func issueControls(ctls []catalog.Control) []IssueControl {
	out := make([]IssueControl, 0, len(ctls))
	for _, c := range ctls {
		out = append(out, IssueControl{ID: c.ID, Title: c.Title, OWASP: c.Refs.OWASP2023})
	}
	slices.SortFunc(out, func(a, b IssueControl) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
