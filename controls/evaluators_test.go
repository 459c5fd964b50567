package controls

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
)

func evalCtl(name string) catalog.Control {
	return prb("EV", catalog.Check{Scope: ScopeAPI, Evaluator: name})
}

func TestInventoryEvaluator(t *testing.T) {
	tests := []struct {
		name      string
		owner     string
		facts     map[string]Observation
		status    string
		stale     bool
		reasonHas []string
	}{
		{"owner and spec", "payments", facts("spec.present", true), StatusPass, false, []string{"Owner payments", "spec is present"}},
		{"no owner", "", facts("spec.present", true), StatusFail, false, []string{"no owner team is recorded"}},
		{"blank owner", "  ", facts("spec.present", true), StatusFail, false, []string{"no owner team is recorded"}},
		{"no spec", "payments", nil, StatusFail, false, []string{"no machine-readable spec has been collected"}},
		{"spec false", "payments", facts("spec.present", false), StatusFail, false, []string{"spec.present is false"}},
		{"neither", "", nil, StatusFail, false, []string{"no owner", "no machine-readable spec"}},
		{"stale spec", "payments", facts("spec.present", aged(true, 40)), StatusUnknown, true, []string{"40 days old"}},
		{"no owner, stale spec", "", facts("spec.present", aged(true, 40)), StatusFail, false, []string{"no owner", "also 40 days old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, evalCtl(EvaluatorInventory), APIInput{Owner: tt.owner, APIFacts: tt.facts}, opts())
			if r.Status != tt.status || r.Stale != tt.stale {
				t.Errorf("status %s stale %v, want %s %v (%s)", r.Status, r.Stale, tt.status, tt.stale, r.Reason)
			}
			if (r.Status == StatusPass) != (r.Score == 1) {
				t.Errorf("score %v for status %s", r.Score, r.Status)
			}
			if _, ok := tt.facts["spec.present"]; ok && (len(r.Evidence) != 1 || r.Evidence[0].Fact != "spec.present") {
				t.Errorf("evidence %+v should reference spec.present", r.Evidence)
			}
			containsAll(t, "reason", r.Reason, tt.reasonHas...)
		})
	}
}

func TestSecurityTestingEvaluator(t *testing.T) {
	past, future := now.Add(-day24), now.Add(day24)
	f := func(id int64, sev, status string, due, until time.Time) FindingInput {
		return FindingInput{ID: id, Severity: sev, Status: status, OWASP: "API9:2023", DueAt: due, AcceptedUntil: until}
	}
	ci := facts("security_testing.ci", true)
	tests := []struct {
		name      string
		facts     map[string]Observation
		findings  []FindingInput
		status    string
		stale     bool
		reasonHas []string
	}{
		{"no scan results", nil, nil, StatusUnknown, false, []string{"no scan results imported"}},
		{"no scan results even with findings", nil, []FindingInput{f(1, "critical", "open", past, time.Time{})}, StatusUnknown, false, []string{"no scan results imported"}},
		{"stale scan results", facts("security_testing.ci", aged(true, 45)), nil, StatusUnknown, true, []string{"45 days old"}},
		{"scan fact false", facts("security_testing.ci", false), nil, StatusFail, false, []string{"security_testing.ci is false"}},
		{"clean", ci, nil, StatusPass, false, []string{"no critical or high finding is overdue"}},
		{"overdue open critical", ci, []FindingInput{f(7, "critical", "open", past, time.Time{})}, StatusFail, false, []string{"#7 (critical, API9:2023, open) due 2025-05-31"}},
		{"overdue in-progress high", ci, []FindingInput{f(8, "high", "in_progress", past, time.Time{})}, StatusFail, false, []string{"#8"}},
		{"overdue medium is fine", ci, []FindingInput{f(9, "medium", "open", past, time.Time{})}, StatusPass, false, nil},
		{"high within SLA", ci, []FindingInput{f(10, "high", "open", future, time.Time{})}, StatusPass, false, []string{"1 open within its SLA"}},
		{"high without SLA", ci, []FindingInput{f(11, "high", "open", time.Time{}, time.Time{})}, StatusPass, false, nil},
		{"overdue but fixed", ci, []FindingInput{f(12, "critical", "fixed", past, time.Time{})}, StatusPass, false, nil},
		{"overdue but false positive", ci, []FindingInput{f(13, "critical", "false_positive", past, time.Time{})}, StatusPass, false, nil},
		{"overdue, risk accepted", ci, []FindingInput{f(14, "critical", "risk_accepted", past, future)}, StatusPass, false, nil},
		{"overdue, risk acceptance expired", ci, []FindingInput{f(15, "critical", "risk_accepted", past, past)}, StatusFail, false, []string{"#15", "risk acceptance expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, evalCtl(EvaluatorSecurityTesting), APIInput{APIFacts: tt.facts, Findings: tt.findings}, opts())
			if r.Status != tt.status || r.Stale != tt.stale {
				t.Errorf("status %s stale %v, want %s %v (%s)", r.Status, r.Stale, tt.status, tt.stale, r.Reason)
			}
			containsAll(t, "reason", r.Reason, tt.reasonHas...)
		})
	}
}

func TestMaturityMetricsEvaluator(t *testing.T) {
	tests := []struct {
		days   int
		status string
		score  float64
	}{
		{0, StatusFail, 0},
		{1, StatusPartial, 0.5},
		{2, StatusPass, 1},
		{30, StatusPass, 1},
	}
	for _, tt := range tests {
		r := one(t, evalCtl(EvaluatorMaturityMetrics), APIInput{SnapshotDays: tt.days}, opts())
		if r.Status != tt.status || r.Score != tt.score {
			t.Errorf("%d days: %s %v, want %s %v (%s)", tt.days, r.Status, r.Score, tt.status, tt.score, r.Reason)
		}
	}
}

func TestEvaluators(t *testing.T) {
	want := []string{"inventory", "maturity_metrics", "security_testing"}
	if got := Evaluators(); !slices.Equal(got, want) {
		t.Errorf("Evaluators() = %q, want %q", got, want)
	}
	// Every listed evaluator is accepted by CheckCatalog.
	var ctls []catalog.Control
	for _, name := range Evaluators() {
		c := evalCtl(name)
		c.ID = "EV-" + name
		ctls = append(ctls, c)
	}
	if err := CheckCatalog(newCat(ctls...)); err != nil {
		t.Errorf("CheckCatalog rejects built-in evaluators: %v", err)
	}
}

func TestUnknownEvaluatorAtEvaluate(t *testing.T) {
	r := one(t, evalCtl("traffic_magic"), APIInput{}, opts())
	if r.Status != StatusUnknown {
		t.Errorf("status %s, want unknown", r.Status)
	}
	containsAll(t, "reason", r.Reason, `"traffic_magic"`, "not implemented")
}

func TestCheckCatalogReportsEveryUnknownEvaluator(t *testing.T) {
	a := evalCtl("traffic_magic")
	a.ID = "RT-ADV-9"
	b := evalCtl("inventory")
	b.ID = "PR-BAS-1"
	c := evalCtl("sbom")
	c.ID = "PR-ADV-4"
	err := CheckCatalog(newCat(a, b, c))
	if err == nil {
		t.Fatal("CheckCatalog accepted evaluators without an implementation")
	}
	msg := err.Error()
	containsAll(t, "error", msg, `control RT-ADV-9: evaluator "traffic_magic" has no implementation`, `control PR-ADV-4: evaluator "sbom"`)
	if strings.Contains(msg, "PR-BAS-1") {
		t.Errorf("error names a control with a known evaluator: %s", msg)
	}
	if n := strings.Count(msg, "\n") + 1; n != 2 {
		t.Errorf("want 2 problems, got %d: %s", n, msg)
	}
}

func TestCheckCatalog(t *testing.T) {
	ok := prb("OK", apiCheck([]string{"a"}))
	tests := []struct {
		name string
		ctl  catalog.Control
		want string // "" = valid
	}{
		{"valid api", ok, ""},
		{"valid endpoint with skip_if", prb("OK2", authCheck), ""},
		{"empty scope is api", prb("OK3", catalog.Check{All: []string{"a"}}), ""},
		{"bad scope", prb("X1", catalog.Check{Scope: "operation", All: []string{"a"}}), `check scope "operation"`},
		{"nothing to check", prb("X2", catalog.Check{Scope: ScopeAPI}), "no facts and no evaluator"},
		{"skip_if at api scope", prb("X3", catalog.Check{Scope: ScopeAPI, All: []string{"a"}, SkipIf: []string{"auth.public"}}), "skip_if only applies"},
		{"bad cell", ctl("X4", "design", catalog.LevelBasic, apiCheck([]string{"a"})), "not one of the four cells"},
		{"negative weight", func() catalog.Control { c := ok; c.ID = "X5"; c.Weight = -1; return c }(), "weight -1 is negative"},
		{"no id", func() catalog.Control { c := ok; c.ID = ""; return c }(), "control #2: has no id"},
		{"duplicate id", func() catalog.Control { c := ok; c.Check.All = []string{"b"}; return c }(), "control OK: id is used more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctls := []catalog.Control{ok, tt.ctl}
			if tt.ctl.ID == "OK" && tt.want == "" {
				ctls = ctls[:1]
			}
			err := CheckCatalog(newCat(ctls...))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("no error, want %q", tt.want)
			case tt.want != "":
				containsAll(t, "error", err.Error(), tt.want)
			}
		})
	}
	if CheckCatalog(nil) == nil {
		t.Error("nil catalog accepted")
	}
}
