package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/posture-dev/posture/collectors"
)

// Built-in evaluators (implemented in package controls) a check may name
// instead of facts.
const (
	// EvaluatorInventory: the API has an owner and a machine-readable spec.
	EvaluatorInventory = "inventory"
	// EvaluatorSecurityTesting: scan results were imported for the API and
	// no critical or high finding is open past its due date.
	EvaluatorSecurityTesting = "security_testing"
	// EvaluatorMaturityMetrics: posture holds score history for the API.
	EvaluatorMaturityMetrics = "maturity_metrics"
)

// Evaluators lists every built-in evaluator name a check may use.
var Evaluators = []string{EvaluatorInventory, EvaluatorSecurityTesting, EvaluatorMaturityMetrics}

// Check scopes.
const (
	ScopeAPI      = "api"
	ScopeEndpoint = "endpoint"
)

// Reference statuses of SP 800-228 items.
var refStatuses = []string{"secondary", "secondary, conflict", "confirmed"}

var (
	reControlID = regexp.MustCompile(`^(PRE|RUN)-(B|A)-[0-9]{2,}$`)
	reOWASPID   = regexp.MustCompile(`^API([1-9]|10):2023$`)
	reRecID     = regexp.MustCompile(`^REC-API-[1-9][0-9]*$`)
	reSectionID = regexp.MustCompile(`^(SEC-[1-9](\.[0-9]+)*|APP-[A-Z])$`)
)

// cellPrefix is the id prefix expected for a cell: "PRE-B" etc.
func cellPrefix(tier, level string) string {
	p := map[string]string{TierPreRuntime: "PRE", TierRuntime: "RUN"}[tier]
	l := map[string]string{LevelBasic: "B", LevelAdvanced: "A"}[level]
	return p + "-" + l
}

// Validate checks the catalog and returns every problem found, joined, each
// naming the control (or framework entry) and the field at fault.
func (c *Catalog) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(c.NIST) == 0 {
		add("nist: no SP 800-53 rev5 controls loaded")
	}

	// OWASP categories.
	owasp := map[string]bool{}
	for i, o := range c.OWASP {
		name := fmt.Sprintf("owasp category %q", o.ID)
		if o.ID == "" {
			name = fmt.Sprintf("owasp category #%d", i+1)
		}
		switch {
		case !reOWASPID.MatchString(o.ID):
			add("%s: id: want API1:2023..API10:2023", name)
		case owasp[o.ID]:
			add("%s: id: duplicate", name)
		}
		owasp[o.ID] = true
		if o.Title == "" {
			add("%s: title: missing", name)
		}
		for _, w := range o.CWE {
			if w <= 0 {
				add("%s: cwe: %d is not a CWE id", name, w)
			}
		}
	}
	if len(c.OWASP) != 10 {
		add("owasp: %d categories, want the 10 of the 2023 edition", len(c.OWASP))
	}

	// SP 800-228 recommendations and sections.
	sp := map[string]bool{}
	for i, r := range c.Recs {
		name := fmt.Sprintf("sp800-228 recommendation %q", r.ID)
		if r.ID == "" {
			name = fmt.Sprintf("sp800-228 recommendation #%d", i+1)
		}
		switch {
		case !reRecID.MatchString(r.ID):
			add("%s: id: want REC-API-n", name)
		case sp[r.ID]:
			add("%s: id: duplicate", name)
		}
		sp[r.ID] = true
		if r.Tier != TierPreRuntime && r.Tier != TierRuntime {
			add("%s: tier: %q is not %s or %s", name, r.Tier, TierPreRuntime, TierRuntime)
		}
		if r.Level != LevelBasic && r.Level != LevelAdvanced {
			add("%s: level: %q is not %s or %s", name, r.Level, LevelBasic, LevelAdvanced)
		}
		if r.Summary == "" {
			add("%s: summary: missing", name)
		}
		if !slices.Contains(refStatuses, r.Status) {
			add("%s: status: %q is not one of %q", name, r.Status, refStatuses)
		}
	}
	for i, s := range c.Sections {
		name := fmt.Sprintf("sp800-228 section %q", s.ID)
		if s.ID == "" {
			name = fmt.Sprintf("sp800-228 section #%d", i+1)
		}
		switch {
		case !reSectionID.MatchString(s.ID):
			add("%s: id: want SEC-n[.n...] or APP-X", name)
		case sp[s.ID]:
			add("%s: id: duplicate", name)
		}
		sp[s.ID] = true
		if s.Title == "" {
			add("%s: title: missing", name)
		}
		if !slices.Contains(refStatuses, s.Status) {
			add("%s: status: %q is not one of %q", name, s.Status, refStatuses)
		}
	}

	errs = append(errs, c.validateCWEMap(owasp)...)

	// Controls.
	ids := map[string]int{}
	covered := map[string]bool{}
	for i, ctl := range c.Controls {
		name := fmt.Sprintf("control %q", ctl.ID)
		if ctl.ID == "" {
			name = fmt.Sprintf("control #%d", i+1)
		}
		if len(c.positions) == len(c.Controls) {
			name += " (" + c.positions[i] + ")"
		}
		cadd := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(name+": "+format, args...))
		}
		if ctl.ID == "" {
			cadd("id: missing")
		} else if prev, dup := ids[ctl.ID]; dup {
			cadd("id: duplicate (also control #%d)", prev+1)
		} else {
			ids[ctl.ID] = i
		}
		tierOK := ctl.Tier == TierPreRuntime || ctl.Tier == TierRuntime
		levelOK := ctl.Level == LevelBasic || ctl.Level == LevelAdvanced
		if !tierOK {
			cadd("tier: %q is not %s or %s", ctl.Tier, TierPreRuntime, TierRuntime)
		}
		if !levelOK {
			cadd("level: %q is not %s or %s", ctl.Level, LevelBasic, LevelAdvanced)
		}
		if ctl.ID != "" {
			m := reControlID.FindStringSubmatch(ctl.ID)
			switch {
			case m == nil:
				cadd("id: want PRE-B-nn, PRE-A-nn, RUN-B-nn or RUN-A-nn")
			case tierOK && levelOK && m[1]+"-"+m[2] != cellPrefix(ctl.Tier, ctl.Level):
				cadd("id: prefix %s-%s does not match tier/level %s/%s (want %s-nn)", m[1], m[2], ctl.Tier, ctl.Level, cellPrefix(ctl.Tier, ctl.Level))
			}
		}
		if ctl.Title == "" {
			cadd("title: missing")
		}
		if ctl.Objective == "" {
			cadd("objective: missing")
		}
		if ctl.Guidance == "" {
			cadd("guidance: missing")
		}
		if ctl.Rationale == "" {
			cadd("rationale: missing")
		}
		if !(ctl.Weight > 0) {
			cadd("weight: %v must be > 0", ctl.Weight)
		}
		for _, e := range validateCheck(ctl.Check) {
			cadd("check: %v", e)
		}

		// References.
		r := ctl.Refs
		if len(r.NIST80053) == 0 {
			cadd("refs.nist_800_53: no SP 800-53 reference")
		}
		for _, id := range dups(r.NIST80053) {
			cadd("refs.nist_800_53: %q listed twice", id)
		}
		for _, id := range r.NIST80053 {
			n, ok := c.NIST[id]
			switch {
			case !ok:
				cadd("refs.nist_800_53: unknown SP 800-53 rev5 id %q", id)
			case n.Withdrawn:
				cadd("refs.nist_800_53: %q (%s) is withdrawn", id, n.Title)
			}
		}
		if len(r.SP800228) == 0 {
			cadd("refs.sp800_228: no SP 800-228 reference")
		}
		for _, id := range dups(r.SP800228) {
			cadd("refs.sp800_228: %q listed twice", id)
		}
		for _, id := range r.SP800228 {
			if !sp[id] {
				cadd("refs.sp800_228: unknown SP 800-228 id %q", id)
			}
		}
		if len(r.OWASP2023) == 0 {
			cadd("refs.owasp_api_2023: no OWASP API 2023 reference")
		}
		for _, id := range dups(r.OWASP2023) {
			cadd("refs.owasp_api_2023: %q listed twice", id)
		}
		for _, id := range r.OWASP2023 {
			if !owasp[id] {
				cadd("refs.owasp_api_2023: unknown OWASP API 2023 id %q", id)
			}
			covered[id] = true
		}
		for _, w := range r.CWE {
			if w <= 0 {
				cadd("refs.cwe: %d is not a CWE id", w)
			}
		}
	}
	for _, o := range c.OWASP {
		if o.ID != "" && !covered[o.ID] {
			add("owasp category %q (%s): no control references it", o.ID, o.Title)
		}
	}
	return errors.Join(errs...)
}

// validateCheck returns the problems of one check.
func validateCheck(chk Check) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	hasFacts := len(chk.All) > 0 || len(chk.Any) > 0
	hasEval := chk.Evaluator != ""
	switch {
	case hasFacts && hasEval:
		add("has both facts (all/any) and evaluator %q: want exactly one", chk.Evaluator)
	case !hasFacts && !hasEval:
		add("has neither facts (all/any) nor an evaluator: want exactly one")
	}
	if hasEval {
		if !slices.Contains(Evaluators, chk.Evaluator) {
			add("evaluator: unknown evaluator %q (known: %q)", chk.Evaluator, Evaluators)
		}
		if !hasFacts && chk.Scope != "" && chk.Scope != ScopeAPI {
			add("scope: %q: an evaluator check is API-scoped", chk.Scope)
		}
		if len(chk.SkipIf) > 0 {
			add("skip_if: not allowed with an evaluator")
		}
	}
	if hasFacts && !hasEval {
		if chk.Scope != ScopeAPI && chk.Scope != ScopeEndpoint {
			add("scope: %q is not %s or %s", chk.Scope, ScopeAPI, ScopeEndpoint)
		}
		if len(chk.SkipIf) > 0 && chk.Scope != ScopeEndpoint {
			add("skip_if: only applies to endpoint scope")
		}
	}
	for _, l := range []struct {
		field string
		keys  []string
	}{{"all", chk.All}, {"any", chk.Any}, {"skip_if", chk.SkipIf}} {
		for _, k := range l.keys {
			if !slices.Contains(collectors.KnownFacts, k) {
				add("%s: unknown fact key %q (not in collectors.KnownFacts)", l.field, k)
			}
		}
		for _, k := range dups(l.keys) {
			add("%s: fact %q listed twice", l.field, k)
		}
	}
	return errs
}

func (c *Catalog) validateCWEMap(owasp map[string]bool) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	type key struct {
		cwe int
		src string
	}
	seen := map[key]bool{}
	// listed[cwe][category]: OWASP lists cwe under category (by the
	// owasp file) / the mapping file says so with source owasp.
	listed := map[int]map[string]bool{}
	for _, o := range c.OWASP {
		for _, w := range o.CWE {
			if listed[w] == nil {
				listed[w] = map[string]bool{}
			}
			listed[w][o.ID] = true
		}
	}
	mapped := map[int]map[string]bool{}
	for i, m := range c.CWEMap {
		name := fmt.Sprintf("cwe mapping CWE-%d (%s)", m.CWE, m.Source)
		if m.CWE <= 0 {
			name = fmt.Sprintf("cwe mapping #%d", i+1)
			add("%s: cwe: %d is not a CWE id", name, m.CWE)
		}
		k := key{m.CWE, m.Source}
		if seen[k] {
			add("%s: duplicate entry for this CWE and source", name)
		}
		seen[k] = true
		switch m.Source {
		case CWESourceOWASP:
		case CWESourceInference:
			if m.Rationale == "" {
				add("%s: rationale: missing (required for %s)", name, CWESourceInference)
			}
		default:
			add("%s: source: %q is not %s or %s", name, m.Source, CWESourceOWASP, CWESourceInference)
		}
		if len(m.OWASP) == 0 {
			add("%s: owasp: no category", name)
		}
		for _, id := range dups(m.OWASP) {
			add("%s: owasp: %q listed twice", name, id)
		}
		for _, id := range m.OWASP {
			if !owasp[id] {
				add("%s: owasp: unknown OWASP API 2023 id %q", name, id)
				continue
			}
			if m.Source != CWESourceOWASP {
				continue
			}
			if !listed[m.CWE][id] {
				add("%s: owasp: OWASP does not list CWE-%d under %s", name, m.CWE, id)
			}
			if mapped[m.CWE] == nil {
				mapped[m.CWE] = map[string]bool{}
			}
			mapped[m.CWE][id] = true
		}
	}
	var missing []string
	for w, cats := range listed {
		for id := range cats {
			if !mapped[w][id] {
				missing = append(missing, fmt.Sprintf("CWE-%d -> %s", w, id))
			}
		}
	}
	sort.Strings(missing)
	for _, s := range missing {
		add("cwe mapping: OWASP lists %s but no mapping with source %s says so", s, CWESourceOWASP)
	}
	return errs
}

// dups returns the values listed more than once, in first-seen order.
func dups(xs []string) []string {
	var out []string
	seen := map[string]int{}
	for _, x := range xs {
		seen[x]++
		if seen[x] == 2 {
			out = append(out, x)
		}
	}
	return out
}
