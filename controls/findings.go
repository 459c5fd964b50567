package controls

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/posture-dev/posture/catalog"
)

// Finding severities and statuses as FindingInput carries them.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"

	FindingOpen          = "open"
	FindingInProgress    = "in_progress"
	FindingFixed         = "fixed"
	FindingVerified      = "verified"
	FindingFalsePositive = "false_positive"
	FindingRiskAccepted  = "risk_accepted"
)

// Caps on a control's score from open findings in its OWASP categories.
const (
	capCritical = 0.0
	capHigh     = 0.5
)

// effective finding states for scoring.
const (
	effOpen     = iota // open, in progress, or risk acceptance expired
	effAccepted        // risk accepted until a date after Now
	effClosed          // fixed, verified, false positive (or unknown status)
)

type finding struct {
	FindingInput
	sev, status, owasp string
	eff                int
}

func normWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// normOWASP makes "api1:2023", " API1 " and "API1" all "API1:2023".
func normOWASP(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && !strings.Contains(s, ":") {
		s += ":2023"
	}
	return s
}

// findings normalizes and sorts findings by id.
func (e env) findings(in []FindingInput) []finding {
	out := make([]finding, 0, len(in))
	for _, f := range in {
		n := finding{FindingInput: f, sev: normWord(f.Severity), status: normWord(f.Status), owasp: normOWASP(f.OWASP)}
		switch n.status {
		case FindingOpen, FindingInProgress:
			n.eff = effOpen
		case FindingRiskAccepted:
			if f.AcceptedUntil.After(e.now) {
				n.eff = effAccepted
			} else {
				n.eff = effOpen
			}
		default:
			n.eff = effClosed
		}
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f finding) severe() bool { return f.sev == SeverityCritical || f.sev == SeverityHigh }

func (e env) overdue(f finding) bool {
	return f.eff == effOpen && f.severe() && !f.DueAt.IsZero() && f.DueAt.Before(e.now)
}

// describe renders "#7 (critical, API2:2023, open)".
func (f finding) describe() string {
	state := strings.ReplaceAll(f.status, "_", " ")
	switch {
	case f.status == FindingRiskAccepted && f.eff == effOpen:
		state = "risk acceptance expired " + day(f.AcceptedUntil)
	case f.eff == effAccepted:
		state = "risk accepted until " + day(f.AcceptedUntil)
	}
	parts := []string{f.sev}
	if f.owasp != "" {
		parts = append(parts, f.owasp)
	}
	parts = append(parts, state)
	return fmt.Sprintf("#%d (%s)", f.ID, strings.Join(parts, ", "))
}

func day(t time.Time) string {
	if t.IsZero() {
		return "(no date)"
	}
	return t.UTC().Format("2006-01-02")
}

func describeAll(fs []finding) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.describe()
	}
	return strings.Join(out, ", ")
}

func ids(fs []finding) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// applyCaps caps a result's score by the open critical/high findings in the
// control's OWASP categories and lists unexpired accepted risks.
func (e env) applyCaps(r *Result, ctl catalog.Control, fs []finding) {
	cats := map[string]bool{}
	for _, c := range ctl.Refs.OWASP2023 {
		cats[normOWASP(c)] = true
	}
	limit := 1.0
	var capping, accepted []finding
	for _, f := range fs {
		if !f.severe() || f.owasp == "" || !cats[f.owasp] {
			continue
		}
		switch f.eff {
		case effOpen:
			capping = append(capping, f)
			if f.sev == SeverityCritical {
				limit = min(limit, capCritical)
			} else {
				limit = min(limit, capHigh)
			}
		case effAccepted:
			accepted = append(accepted, f)
		}
	}
	var notes []string
	if len(capping) > 0 {
		r.CappedBy = ids(capping)
		if r.Score > limit {
			r.Score = limit
			switch {
			case limit == 0 && (r.Status == StatusPass || r.Status == StatusPartial):
				r.Status = StatusFail
			case r.Status == StatusPass:
				r.Status = StatusPartial
			}
			notes = append(notes, fmt.Sprintf("Score capped at %g by open %s %s.", limit, plural(len(capping), "finding", "findings"), describeAll(capping)))
		} else {
			notes = append(notes, fmt.Sprintf("Open %s %s %s this control at %g.", plural(len(capping), "finding", "findings"), describeAll(capping), plural(len(capping), "caps", "cap"), limit))
		}
	}
	if len(accepted) > 0 {
		r.Accepted = ids(accepted)
		notes = append(notes, fmt.Sprintf("Accepted %s, not capping: %s.", plural(len(accepted), "risk", "risks"), describeAll(accepted)))
	}
	if len(notes) > 0 {
		r.Reason = strings.TrimSpace(r.Reason + " " + strings.Join(notes, " "))
	}
}
