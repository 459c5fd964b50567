package controls

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/posture-dev/posture/catalog"
)

// Built-in evaluators a catalog control can name in Check.Evaluator.
const (
	// EvaluatorInventory passes when the API has an owner and a current
	// machine-readable spec (spec.present).
	EvaluatorInventory = "inventory"
	// EvaluatorSecurityTesting needs imported scan results
	// (security_testing.ci) and fails on any overdue open critical/high
	// finding.
	EvaluatorSecurityTesting = "security_testing"
	// EvaluatorMaturityMetrics needs daily score snapshots: two or more
	// pass, one is partial (0.5), none fails.
	EvaluatorMaturityMetrics = "maturity_metrics"
)

type evalFunc func(e env, in APIInput, fs []finding, r *Result)

var evaluators = map[string]evalFunc{
	EvaluatorInventory:       evalInventory,
	EvaluatorSecurityTesting: evalSecurityTesting,
	EvaluatorMaturityMetrics: evalMaturityMetrics,
}

// Evaluators returns the names of the built-in evaluators, sorted.
func Evaluators() []string {
	out := make([]string, 0, len(evaluators))
	for k := range evaluators {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckCatalog reports every control that Evaluate could not evaluate as
// written: an evaluator without an implementation, an unknown scope, a
// check with nothing to test, skip_if on an API-scope check, a tier/level
// outside the four cells, a negative weight, a missing or duplicate id.
// The application should refuse a catalog for which it returns an error.
// All problems are joined, each naming its control.
func CheckCatalog(cat *catalog.Catalog) error {
	if cat == nil {
		return errors.New("controls: no catalog")
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("control %s: %s", name, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	for i, ctl := range cat.Controls {
		name := ctl.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
			bad(name, "has no id")
		} else if seen[name] {
			bad(name, "id is used more than once")
		}
		seen[ctl.ID] = true
		if !slices.Contains(catalog.Cells, catalog.Cell{Tier: ctl.Tier, Level: ctl.Level}) {
			bad(name, "tier %q and level %q are not one of the four cells", ctl.Tier, ctl.Level)
		}
		if ctl.Weight < 0 {
			bad(name, "weight %g is negative", ctl.Weight)
		}
		chk := ctl.Check
		if chk.Evaluator != "" {
			if _, ok := evaluators[chk.Evaluator]; !ok {
				bad(name, "evaluator %q has no implementation (known: %s)", chk.Evaluator, strings.Join(Evaluators(), ", "))
			}
			continue
		}
		switch chk.Scope {
		case ScopeAPI, "", ScopeEndpoint:
		default:
			bad(name, "check scope %q is neither %q nor %q", chk.Scope, ScopeAPI, ScopeEndpoint)
		}
		if len(chk.All)+len(chk.Any) == 0 {
			bad(name, "check lists no facts and no evaluator")
		}
		if len(chk.SkipIf) > 0 && chk.Scope != ScopeEndpoint {
			bad(name, "skip_if only applies to endpoint-scope checks")
		}
	}
	return errors.Join(errs...)
}

// evalInventory: owner recorded and spec.present satisfied (fresh).
func evalInventory(e env, in APIInput, _ []finding, r *Result) {
	spec := e.fact(in.APIFacts, factSpecPresent)
	if spec.Present {
		r.Evidence = append(r.Evidence, ref(spec, ""))
	}
	r.Total = 1
	owner := strings.TrimSpace(in.Owner)
	var missing []string
	if owner == "" {
		missing = append(missing, "no owner team is recorded")
	}
	switch {
	case !spec.Present:
		missing = append(missing, "no machine-readable spec has been collected ("+factSpecPresent+" missing)")
	case spec.State == stateFailing:
		missing = append(missing, "no machine-readable spec ("+factSpecPresent+" "+describeValue(spec.Obs.Value)+")")
	}
	switch {
	case len(missing) > 0:
		r.Status = StatusFail
		r.Reason = "Not inventoried: " + strings.Join(missing, "; ") + "."
		if spec.Stale {
			r.Reason += " The spec evidence is also " + e.age(spec.Obs.ObservedAt) + "."
		}
	case spec.Stale:
		r.Status, r.Stale = StatusUnknown, true
		r.Reason = fmt.Sprintf("Unknown: owner %s is recorded, but the spec evidence is %s (freshness window %s).", owner, e.age(spec.Obs.ObservedAt), e.window())
	default:
		r.Status, r.Score, r.Covered = StatusPass, 1, 1
		r.Reason = fmt.Sprintf("Owner %s is recorded and a machine-readable spec is present%s.", owner, sourcesNote([]factEval{spec}))
	}
}

// evalSecurityTesting: scan results imported and no overdue open
// critical/high finding.
func evalSecurityTesting(e env, in APIInput, fs []finding, r *Result) {
	ci := e.fact(in.APIFacts, factScanPresent)
	if ci.Present {
		r.Evidence = append(r.Evidence, ref(ci, ""))
	}
	r.Total = 1
	switch {
	case !ci.Present:
		r.Status = StatusUnknown
		r.Reason = "Unknown: no scan results imported (" + factScanPresent + " missing)."
		return
	case ci.Stale:
		r.Status, r.Stale = StatusUnknown, true
		r.Reason = fmt.Sprintf("Unknown: the latest scan results are %s (freshness window %s).", e.age(ci.Obs.ObservedAt), e.window())
		return
	case ci.State == stateFailing:
		r.Status = StatusFail
		r.Reason = "No security testing in CI: " + factScanPresent + " " + describeValue(ci.Obs.Value) + "."
		return
	}
	var overdue, open []finding
	for _, f := range fs {
		switch {
		case e.overdue(f):
			overdue = append(overdue, f)
		case f.eff == effOpen && f.severe():
			open = append(open, f)
		}
	}
	if len(overdue) > 0 {
		r.Status = StatusFail
		var ds []string
		for _, f := range overdue {
			ds = append(ds, f.describe()+" due "+day(f.DueAt))
		}
		r.Reason = fmt.Sprintf("Scan results are imported, but %d critical/high %s past %s due date: %s.",
			len(overdue), plural(len(overdue), "finding is", "findings are"), plural(len(overdue), "its", "their"), strings.Join(ds, ", "))
		return
	}
	r.Status, r.Score, r.Covered = StatusPass, 1, 1
	r.Reason = "Scan results are imported" + sourcesNote([]factEval{ci}) + " and no critical or high finding is overdue"
	if len(open) > 0 {
		r.Reason += fmt.Sprintf(" (%d open within %s SLA)", len(open), plural(len(open), "its", "their"))
	}
	r.Reason += "."
}

// evalMaturityMetrics: posture's own daily snapshots are the evidence that
// maturity metrics are tracked. Two days make a trend (pass); one is a
// start (partial, 0.5); none fails rather than being unknown, because
// posture itself is the source: it knows nothing has been tracked yet, so
// this is not an evidence gap a collector could fill.
func evalMaturityMetrics(_ env, in APIInput, _ []finding, r *Result) {
	r.Total = 2
	switch n := in.SnapshotDays; {
	case n >= 2:
		r.Status, r.Score, r.Covered = StatusPass, 1, 2
		r.Reason = fmt.Sprintf("Maturity metrics are tracked: %d daily snapshots give a trend.", n)
	case n == 1:
		r.Status, r.Score, r.Covered = StatusPartial, 0.5, 1
		r.Reason = "Maturity metrics tracking has started: 1 daily snapshot, a trend needs at least 2."
	default:
		r.Status = StatusFail
		r.Reason = "Maturity metrics are not tracked yet: no daily snapshot exists for the API."
	}
}
