package controls

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/posture-dev/posture/catalog"
)

// factState is the outcome of testing one fact (or a group of facts).
type factState int

const (
	stateUnknown factState = iota
	stateSatisfied
	stateFailing
)

// factEval is one fact tested against the evaluation clock.
type factEval struct {
	Key     string
	State   factState
	Present bool // an observation exists (it may be stale)
	Stale   bool // present but older than the freshness window
	Obs     Observation
}

// evaluator context: the clock and freshness window, normalized.
type env struct {
	now   time.Time
	fresh time.Duration
	opt   Options
}

func newEnv(opt Options) env {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Freshness <= 0 {
		opt.Freshness = 30 * 24 * time.Hour
	}
	if opt.BasicThreshold <= 0 {
		opt.BasicThreshold = 80
	}
	if opt.AdvancedThreshold <= 0 {
		opt.AdvancedThreshold = 80
	}
	return env{now: opt.Now, fresh: opt.Freshness, opt: opt}
}

// satisfies reports whether a fact value satisfies a check: true, a
// non-zero number, a non-empty string or list. ok is false for a nil
// value, which is treated like a missing fact.
// Satisfies reports whether a fact value satisfies a check: true, a
// non-zero number, a non-empty string or list. Code that combines
// observations outside the evaluator (gateway routes in scoring) uses it
// so "satisfying" means the same everywhere.
func Satisfies(v any) bool {
	sat, _ := satisfies(v)
	return sat
}

func satisfies(v any) (sat, ok bool) {
	switch x := v.(type) {
	case nil:
		return false, false
	case bool:
		return x, true
	case int64:
		return x != 0, true
	case int:
		return x != 0, true
	case int32:
		return x != 0, true
	case float64:
		return x != 0 && !math.IsNaN(x), true
	case float32:
		return x != 0, true
	case string:
		return x != "", true
	case []string:
		return len(x) > 0, true
	case []any:
		return len(x) > 0, true
	default:
		// An unsupported type never satisfies: the collectors validate
		// types, so this is a bug upstream, and it must not pass a control.
		return false, true
	}
}

// describeValue says why a present value does not satisfy, e.g. "is false".
func describeValue(v any) string {
	switch x := v.(type) {
	case bool:
		return fmt.Sprintf("is %t", x)
	case string:
		if x == "" {
			return "is empty"
		}
		return fmt.Sprintf("is %q", x)
	case []string:
		if len(x) == 0 {
			return "is an empty list"
		}
		return "is " + strings.Join(x, ",")
	case []any:
		if len(x) == 0 {
			return "is an empty list"
		}
	case int64, int, int32, float64, float32:
		return fmt.Sprintf("is %v", x)
	}
	return fmt.Sprintf("has unsupported value type %T", v)
}

// stale reports whether an observation is older than the freshness window.
// An observation without a time cannot be shown to be fresh.
func (e env) stale(o Observation) bool {
	return o.ObservedAt.IsZero() || o.ObservedAt.Before(e.now.Add(-e.fresh))
}

// fact tests one fact key of a fact map.
func (e env) fact(facts map[string]Observation, key string) factEval {
	fe := factEval{Key: key}
	o, ok := facts[key]
	if !ok {
		return fe
	}
	sat, valid := satisfies(o.Value)
	if !valid {
		return fe
	}
	fe.Present, fe.Obs = true, o
	if e.stale(o) {
		fe.Stale = true
		return fe
	}
	if sat {
		fe.State = stateSatisfied
	} else {
		fe.State = stateFailing
	}
	return fe
}

// groupEval is a Check's All/Any facts tested on one fact map.
type groupEval struct {
	State    factState
	All      []factEval
	Any      []factEval
	AnyState factState
}

func (e env) group(facts map[string]Observation, chk catalog.Check) groupEval {
	g := groupEval{AnyState: stateSatisfied}
	for _, k := range chk.All {
		g.All = append(g.All, e.fact(facts, k))
	}
	if len(chk.Any) > 0 {
		g.AnyState = stateFailing
		for _, k := range chk.Any {
			fe := e.fact(facts, k)
			g.Any = append(g.Any, fe)
			switch {
			case fe.State == stateSatisfied:
				g.AnyState = stateSatisfied
			case fe.State == stateUnknown && g.AnyState == stateFailing:
				g.AnyState = stateUnknown
			}
		}
	}
	failing, unknown := g.AnyState == stateFailing, g.AnyState == stateUnknown
	for _, fe := range g.All {
		failing = failing || fe.State == stateFailing
		unknown = unknown || fe.State == stateUnknown
	}
	switch {
	case failing:
		g.State = stateFailing
	case unknown:
		g.State = stateUnknown
	default:
		g.State = stateSatisfied
	}
	return g
}

// unknowns returns the facts that left the group unknown.
func (g groupEval) unknowns() []factEval {
	var out []factEval
	for _, fe := range g.All {
		if fe.State == stateUnknown {
			out = append(out, fe)
		}
	}
	if g.AnyState == stateUnknown {
		for _, fe := range g.Any {
			if fe.State == stateUnknown {
				out = append(out, fe)
			}
		}
	}
	return out
}

// stale reports whether the group is unknown because of stale evidence, and
// the oldest stale observation's time.
func (g groupEval) stale() (bool, time.Time) {
	if g.State != stateUnknown {
		return false, time.Time{}
	}
	var oldest time.Time
	found := false
	for _, fe := range g.unknowns() {
		if fe.Stale {
			if !found || fe.Obs.ObservedAt.Before(oldest) {
				oldest = fe.Obs.ObservedAt
			}
			found = true
		}
	}
	return found, oldest
}

// failures describes the facts that made the group fail.
func (g groupEval) failures() []string {
	var out []string
	for _, fe := range g.All {
		if fe.State == stateFailing {
			out = append(out, fe.Key+" "+describeValue(fe.Obs.Value))
		}
	}
	if g.AnyState == stateFailing {
		out = append(out, "none of "+strings.Join(keys(g.Any), ", ")+" holds")
	}
	return out
}

// decisive returns the observations that decided the group's state.
func (g groupEval) decisive() []factEval {
	var out []factEval
	switch g.State {
	case stateSatisfied:
		out = append(out, g.All...)
		for _, fe := range g.Any {
			if fe.State == stateSatisfied {
				out = append(out, fe)
			}
		}
	case stateFailing:
		for _, fe := range g.All {
			if fe.State == stateFailing {
				out = append(out, fe)
			}
		}
		if g.AnyState == stateFailing {
			out = append(out, g.Any...)
		}
	default:
		out = g.unknowns()
	}
	var present []factEval
	for _, fe := range out {
		if fe.Present {
			present = append(present, fe)
		}
	}
	return present
}

func keys(fes []factEval) []string {
	out := make([]string, len(fes))
	for i, fe := range fes {
		out[i] = fe.Key
	}
	return out
}

func ref(fe factEval, endpoint string) EvidenceRef {
	return EvidenceRef{
		ID:         fe.Obs.EvidenceID,
		Hash:       fe.Obs.Hash,
		Source:     fe.Obs.Source,
		ObservedAt: fe.Obs.ObservedAt,
		Fact:       fe.Key,
		Endpoint:   endpoint,
	}
}

// describeCheck names what a fact check requires, e.g.
// "request.schema_defined and one of auth.enforced, mtls.upstream".
func describeCheck(chk catalog.Check) string {
	var parts []string
	if len(chk.All) > 0 {
		parts = append(parts, strings.Join(chk.All, " and "))
	}
	switch len(chk.Any) {
	case 0:
	case 1:
		parts = append(parts, chk.Any[0])
	default:
		parts = append(parts, "one of "+strings.Join(chk.Any, ", "))
	}
	return strings.Join(parts, " and ")
}

// age renders how old an observation is ("45 days old").
func (e env) age(t time.Time) string {
	if t.IsZero() {
		return "of unknown age"
	}
	d := e.now.Sub(t)
	days := int(d / (24 * time.Hour))
	switch {
	case days == 1:
		return "1 day old"
	case days > 1:
		return fmt.Sprintf("%d days old", days)
	}
	return d.Round(time.Minute).String() + " old"
}

// window renders the freshness window ("30 days").
func (e env) window() string {
	if e.fresh%(24*time.Hour) == 0 {
		if n := int(e.fresh / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	return e.fresh.String()
}

// unknownReason explains why facts are unknown: missing or stale.
func (e env) unknownReason(fes []factEval) string {
	var missing, stale []string
	for _, fe := range fes {
		if fe.Stale {
			stale = append(stale, fmt.Sprintf("%s evidence is %s (freshness window %s)", fe.Key, e.age(fe.Obs.ObservedAt), e.window()))
		} else {
			missing = append(missing, fe.Key)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "no evidence for "+strings.Join(missing, ", "))
	}
	parts = append(parts, stale...)
	return strings.Join(parts, "; ")
}

// timeMin tracks the earliest of some times.
type timeMin struct {
	t   time.Time
	set bool
}

func (m *timeMin) add(t time.Time) {
	if !m.set || t.Before(m.t) {
		m.t, m.set = t, true
	}
}
