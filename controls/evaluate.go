package controls

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
)

// Check scopes (catalog.Check.Scope). An empty scope means ScopeAPI.
const (
	ScopeAPI      = "api"
	ScopeEndpoint = "endpoint"
)

// Bounds on what an endpoint-scope result carries; Covered/Total always
// give the full picture.
const (
	maxEvidenceRefs = 20
	maxFailing      = 20
	maxExamples     = 3
)

// Evaluate checks one API against every control of cat and scores it.
//
// It is pure and deterministic: no I/O, and for a given input (with
// opt.Now set) always the same output. Results are sorted by control id,
// cells follow catalog.Cells. A nil catalog gives no results (and a level
// of at most 1).
func Evaluate(cat *catalog.Catalog, in APIInput, opt Options) Assessment {
	e := newEnv(opt)
	eps := inherit(in.Endpoints, in.APIFacts)
	sort.SliceStable(eps, func(i, j int) bool { return eps[i].Key < eps[j].Key })
	fs := e.findings(in.Findings)

	a := Assessment{API: in.Name, Results: []Result{}}
	if cat != nil {
		for _, ctl := range cat.Controls {
			a.Results = append(a.Results, e.control(ctl, in, eps, fs))
		}
	}
	sort.SliceStable(a.Results, func(i, j int) bool { return a.Results[i].ControlID < a.Results[j].ControlID })
	a.Cells = cellScores(a.Results)
	a.Level, a.LevelReasons = e.level(in, a, fs)
	a.ShadowRoutes, a.UnroutedEndpoints = in.ShadowRoutes, in.UnroutedEndpoints
	return a
}

// inherit gives every endpoint the API-level observation of each fact it
// has none of its own for. Gateways often enforce a policy for a whole
// service (one Kong plugin on the service, one Envoy filter on the
// listener): that is evidence about each of its endpoints, and an
// endpoint-scope control must see it. An endpoint's own observation wins.
func inherit(in []EndpointInput, api map[string]Observation) []EndpointInput {
	eps := make([]EndpointInput, len(in))
	for i, ep := range in {
		eps[i] = ep
		if len(api) == 0 {
			continue
		}
		facts := make(map[string]Observation, len(ep.Facts)+len(api))
		for k, o := range api {
			facts[k] = o
		}
		for k, o := range ep.Facts {
			facts[k] = o
		}
		eps[i].Facts = facts
	}
	return eps
}

// weight is a control's weight in its cell: catalog weight, default 1.
func weight(ctl catalog.Control) float64 {
	if ctl.Weight > 0 && !math.IsInf(ctl.Weight, 0) {
		return ctl.Weight
	}
	return 1
}

// control evaluates one control, then applies finding caps.
func (e env) control(ctl catalog.Control, in APIInput, eps []EndpointInput, fs []finding) Result {
	r := Result{
		ControlID: ctl.ID,
		Status:    StatusUnknown,
		Evidence:  []EvidenceRef{},
		Weight:    weight(ctl),
		Tier:      ctl.Tier,
		Level:     ctl.Level,
	}
	chk := ctl.Check
	switch {
	case chk.Evaluator != "":
		fn, ok := evaluators[chk.Evaluator]
		if !ok {
			r.Reason = fmt.Sprintf("The catalog names evaluator %q, which is not implemented.", chk.Evaluator)
			break
		}
		fn(e, in, fs, &r)
	case len(chk.All)+len(chk.Any) == 0:
		r.Reason = "The control's check lists no facts and no evaluator."
	case chk.Scope == ScopeEndpoint:
		e.endpointCheck(chk, eps, &r)
	case chk.Scope == ScopeAPI || chk.Scope == "":
		e.apiCheck(chk, in.APIFacts, &r)
	default:
		r.Reason = fmt.Sprintf("The control's check has unknown scope %q.", chk.Scope)
	}
	if r.Status != StatusNotApplicable {
		e.applyCaps(&r, ctl, fs)
	}
	return r
}

// apiCheck evaluates a fact check on the API-level facts.
func (e env) apiCheck(chk catalog.Check, facts map[string]Observation, r *Result) {
	g := e.group(facts, chk)
	for _, fe := range append(append([]factEval(nil), g.All...), g.Any...) {
		if fe.Present {
			r.Evidence = append(r.Evidence, ref(fe, ""))
		}
	}
	r.Total = 1
	switch g.State {
	case stateSatisfied:
		r.Status, r.Score, r.Covered = StatusPass, 1, 1
		r.Reason = fmt.Sprintf("The API satisfies %s%s.", describeCheck(chk), sourcesNote(g.decisive()))
	case stateFailing:
		r.Status = StatusFail
		r.Reason = "The API does not satisfy " + describeCheck(chk) + ": " + strings.Join(g.failures(), "; ") + "."
	default:
		r.Status = StatusUnknown
		r.Stale, _ = g.stale()
		r.Reason = "Unknown: " + e.unknownReason(g.unknowns())
		if f := g.failures(); len(f) == 0 && g.AnyState == stateUnknown {
			// Say which alternatives are known not to hold.
			var no []string
			for _, fe := range g.Any {
				if fe.State == stateFailing {
					no = append(no, fe.Key+" "+describeValue(fe.Obs.Value))
				}
			}
			if len(no) > 0 {
				r.Reason += " (" + strings.Join(no, ", ") + ")"
			}
		}
		r.Reason += "."
	}
}

// sourcesNote renders " (evidence from a, b)" for the decisive facts.
func sourcesNote(fes []factEval) string {
	seen := map[string]bool{}
	var srcs []string
	for _, fe := range fes {
		if s := fe.Obs.Source; s != "" && !seen[s] {
			seen[s] = true
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		return ""
	}
	sort.Strings(srcs)
	return " (evidence from " + strings.Join(srcs, ", ") + ")"
}

type endpointOutcome struct {
	key string
	g   groupEval
}

// skipped returns the first SkipIf fact that holds on the endpoint. Only
// fresh evidence can exempt an endpoint: a stale or missing skip fact
// leaves it applicable.
func (e env) skipped(facts map[string]Observation, skipIf []string) string {
	for _, k := range skipIf {
		if e.fact(facts, k).State == stateSatisfied {
			return k
		}
	}
	return ""
}

// endpointCheck evaluates a fact check on every endpoint and scores the
// coverage.
func (e env) endpointCheck(chk catalog.Check, eps []EndpointInput, r *Result) {
	if len(eps) == 0 {
		r.Status = StatusUnknown
		r.Reason = "Unknown: no endpoints inventoried."
		return
	}
	var sat, fail, unk []endpointOutcome
	skipped := 0
	skipFacts := map[string]bool{}
	for _, ep := range eps {
		if k := e.skipped(ep.Facts, chk.SkipIf); k != "" {
			skipped++
			skipFacts[k] = true
			continue
		}
		o := endpointOutcome{key: ep.Key, g: e.group(ep.Facts, chk)}
		switch o.g.State {
		case stateSatisfied:
			sat = append(sat, o)
		case stateFailing:
			fail = append(fail, o)
		default:
			unk = append(unk, o)
		}
	}
	applicable := len(sat) + len(fail) + len(unk)
	r.Covered, r.Total = len(sat), applicable
	skipNote := ""
	if skipped > 0 {
		skipNote = fmt.Sprintf("; %d %s not applicable (%s)", skipped, plural(skipped, "is", "are"), strings.Join(sortedKeys(skipFacts), ", "))
	}
	if applicable == 0 {
		r.Status = StatusNotApplicable
		r.Reason = fmt.Sprintf("Not applicable: all %d endpoints are exempt (%s).", skipped, strings.Join(sortedKeys(skipFacts), ", "))
		return
	}

	// Evidence sample: failing endpoints first, then those without current
	// evidence, then satisfying ones.
	for _, group := range [][]endpointOutcome{fail, unk, sat} {
		for _, o := range group {
			for _, fe := range o.g.decisive() {
				if len(r.Evidence) < maxEvidenceRefs {
					r.Evidence = append(r.Evidence, ref(fe, o.key))
				}
			}
		}
	}
	for i := 0; i < len(fail) && i < maxFailing; i++ {
		r.Failing = append(r.Failing, fail[i].key)
	}

	desc := describeCheck(chk)
	unkNote := e.unknownEndpoints(unk)
	switch {
	case len(sat)+len(fail) == 0:
		r.Status = StatusUnknown
		r.Stale = unkNote.stale > 0
		if unkNote.stale == 0 {
			// Nothing at all is known: naming example endpoints adds noise.
			r.Reason = fmt.Sprintf("Unknown: no evidence for %s on any of the %d applicable endpoints%s.", desc, applicable, skipNote)
			return
		}
		r.Reason = fmt.Sprintf("Unknown: none of the %d applicable endpoints has current evidence for %s (%s)%s.", applicable, desc, unkNote.text, skipNote)
		return
	case len(sat) == applicable:
		r.Status, r.Score = StatusPass, 1
	case len(sat) == 0:
		r.Status, r.Score = StatusFail, 0
	default:
		r.Status, r.Score = StatusPartial, float64(len(sat))/float64(applicable)
	}
	r.Stale = unkNote.stale > 0
	var b strings.Builder
	if r.Status == StatusPass {
		fmt.Fprintf(&b, "All %d applicable endpoints satisfy %s", applicable, desc)
	} else {
		fmt.Fprintf(&b, "%d of %d applicable endpoints satisfy %s", len(sat), applicable, desc)
	}
	if len(fail) > 0 {
		fmt.Fprintf(&b, "; %d %s not (e.g. %s)", len(fail), plural(len(fail), "does", "do"), examples(fail))
	}
	if len(unk) > 0 {
		fmt.Fprintf(&b, "; %d lacked evidence and %s counted as not satisfying (%s)", len(unk), plural(len(unk), "is", "are"), unkNote.text)
	}
	b.WriteString(skipNote)
	b.WriteString(".")
	r.Reason = b.String()
}

type unknownNote struct {
	text  string
	stale int
}

// unknownEndpoints explains endpoints without current evidence: how many
// have none and how many only stale evidence.
func (e env) unknownEndpoints(unk []endpointOutcome) unknownNote {
	var missing, stale []endpointOutcome
	var oldest timeMin
	for _, o := range unk {
		if ok, t := o.g.stale(); ok {
			stale = append(stale, o)
			oldest.add(t)
		} else {
			missing = append(missing, o)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d missing evidence, e.g. %s", len(missing), examples(missing)))
	}
	if len(stale) > 0 {
		parts = append(parts, fmt.Sprintf("%d with evidence older than %s, the oldest %s", len(stale), e.window(), e.age(oldest.t)))
	}
	return unknownNote{text: strings.Join(parts, "; "), stale: len(stale)}
}

// examples lists up to maxExamples endpoint keys, with "..." when more.
func examples(os []endpointOutcome) string {
	var ks []string
	for i := 0; i < len(os) && i < maxExamples; i++ {
		ks = append(ks, os[i].key)
	}
	if len(os) > maxExamples {
		ks = append(ks, "...")
	}
	return strings.Join(ks, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// round1 rounds to one decimal.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// cellScores computes the weighted mean of each cell's applicable controls.
func cellScores(results []Result) []CellScore {
	out := make([]CellScore, 0, len(catalog.Cells))
	for _, c := range catalog.Cells {
		cs := CellScore{Cell: c}
		var sw, s float64
		for _, r := range results {
			if r.Tier != c.Tier || r.Level != c.Level || r.Status == StatusNotApplicable {
				continue
			}
			cs.Controls++
			sw += r.Weight
			s += r.Weight * r.Score
			if r.Status == StatusUnknown {
				cs.Unknown++
			}
		}
		if sw > 0 {
			cs.Score = round1(100 * s / sw)
		}
		out = append(out, cs)
	}
	return out
}

// fact keys the built-in evaluators and the level rules read.
const (
	factSpecPresent = collectors.FactSpecPresent
	factScanPresent = collectors.FactScanPresent
)
