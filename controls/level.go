package controls

import (
	"fmt"
	"strings"

	"github.com/posture-dev/posture/catalog"
)

// Maturity levels.
const (
	LevelUnknown         = 0
	LevelInventoried     = 1
	LevelBasic           = 2
	LevelAdvancedDesign  = 3
	LevelAdvancedRuntime = 4
)

func levelName(n int) string { return fmt.Sprintf("level %d (%s)", n, LevelNames[n]) }

func cellOf(cells []CellScore, c catalog.Cell) CellScore {
	for _, cs := range cells {
		if cs.Cell == c {
			return cs
		}
	}
	return CellScore{Cell: c}
}

// belowThreshold explains why a cell misses a threshold, or "" when it
// meets it.
func belowThreshold(cs CellScore, th float64) string {
	if cs.Controls == 0 {
		return fmt.Sprintf("%s has no applicable control (scores 0, needs %g)", cs.Cell, th)
	}
	if cs.Score >= th {
		return ""
	}
	s := fmt.Sprintf("%s scores %.1f, below %g", cs.Cell, cs.Score, th)
	if cs.Unknown > 0 {
		s += fmt.Sprintf(" (%d of %d controls lack evidence)", cs.Unknown, cs.Controls)
	}
	return s
}

func blocked(next int, why []string) string {
	s := strings.Join(why, "; ")
	return "Blocks " + levelName(next) + ": " + s + "."
}

// level computes the maturity level and explains every rule: what holds
// for the levels reached, and what blocks the next one.
func (e env) level(in APIInput, a Assessment, fs []finding) (int, []string) {
	var reasons []string

	// Level 1: owner + current spec.
	owner := strings.TrimSpace(in.Owner)
	spec := e.fact(in.APIFacts, factSpecPresent)
	var b []string
	if owner == "" {
		b = append(b, "no owner team is recorded")
	}
	switch {
	case !spec.Present:
		b = append(b, "no machine-readable spec has been collected")
	case spec.Stale:
		b = append(b, fmt.Sprintf("the spec evidence is %s (freshness window %s)", e.age(spec.Obs.ObservedAt), e.window()))
	case spec.State == stateFailing:
		b = append(b, factSpecPresent+" "+describeValue(spec.Obs.Value))
	}
	if len(b) > 0 {
		return LevelUnknown, []string{
			"Level 0 (unknown): the API is not inventoried with an owner and a current spec.",
			blocked(LevelInventoried, b),
		}
	}
	reasons = append(reasons, fmt.Sprintf("Level 1 (inventoried): owner %s and a current machine-readable spec are recorded.", owner))

	// Level 2: both basic cells and no open critical finding.
	bth, ath := e.opt.BasicThreshold, e.opt.AdvancedThreshold
	pb := cellOf(a.Cells, catalog.Cell{Tier: catalog.TierPreRuntime, Level: catalog.LevelBasic})
	rb := cellOf(a.Cells, catalog.Cell{Tier: catalog.TierRuntime, Level: catalog.LevelBasic})
	pa := cellOf(a.Cells, catalog.Cell{Tier: catalog.TierPreRuntime, Level: catalog.LevelAdvanced})
	ra := cellOf(a.Cells, catalog.Cell{Tier: catalog.TierRuntime, Level: catalog.LevelAdvanced})
	var openCrit, acceptedCrit, overdue []finding
	for _, f := range fs {
		if f.sev == SeverityCritical && f.eff == effOpen {
			openCrit = append(openCrit, f)
		}
		if f.sev == SeverityCritical && f.eff == effAccepted {
			acceptedCrit = append(acceptedCrit, f)
		}
		if e.overdue(f) {
			overdue = append(overdue, f)
		}
	}
	b = nil
	for _, cs := range []CellScore{pb, rb} {
		if s := belowThreshold(cs, bth); s != "" {
			b = append(b, s)
		}
	}
	if len(openCrit) > 0 {
		b = append(b, fmt.Sprintf("open critical %s %s", plural(len(openCrit), "finding", "findings"), describeAll(openCrit)))
	}
	if len(b) > 0 {
		return LevelInventoried, append(reasons, blocked(LevelBasic, b))
	}
	s := fmt.Sprintf("Level 2 (basic): %s %.1f and %s %.1f are at least %g, and no critical finding is open", pb.Cell, pb.Score, rb.Cell, rb.Score, bth)
	if len(acceptedCrit) > 0 {
		s += fmt.Sprintf(" (accepted %s: %s)", plural(len(acceptedCrit), "risk", "risks"), describeAll(acceptedCrit))
	}
	reasons = append(reasons, s+".")

	// Level 3: pre-runtime advanced.
	if s := belowThreshold(pa, ath); s != "" {
		return LevelBasic, append(reasons, blocked(LevelAdvancedDesign, []string{s}))
	}
	reasons = append(reasons, fmt.Sprintf("Level 3 (advanced design): %s %.1f is at least %g.", pa.Cell, pa.Score, ath))

	// Level 4: runtime advanced, nothing overdue, all evidence fresh.
	b = nil
	if s := belowThreshold(ra, ath); s != "" {
		b = append(b, s)
	}
	if len(overdue) > 0 {
		var ds []string
		for _, f := range overdue {
			ds = append(ds, f.describe()+" due "+day(f.DueAt))
		}
		b = append(b, fmt.Sprintf("overdue critical/high %s %s", plural(len(overdue), "finding", "findings"), strings.Join(ds, ", ")))
	}
	var stale []string
	for _, r := range a.Results {
		if r.Stale {
			stale = append(stale, r.ControlID)
		}
	}
	if len(stale) > 0 {
		b = append(b, fmt.Sprintf("evidence older than %s in %s", e.window(), strings.Join(stale, ", ")))
	}
	if len(b) > 0 {
		return LevelAdvancedDesign, append(reasons, blocked(LevelAdvancedRuntime, b))
	}
	reasons = append(reasons,
		fmt.Sprintf("Level 4 (advanced runtime): %s %.1f is at least %g, no critical or high finding is overdue, and all evidence is fresh.", ra.Cell, ra.Score, ath),
		"This is the highest level.")
	return LevelAdvancedRuntime, reasons
}
