package controls

import (
	"slices"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
)

func TestFindingCaps(t *testing.T) {
	past, future := now.Add(-day24), now.Add(30*day24)
	fi := func(id int64, sev, status, owasp string) FindingInput {
		return FindingInput{ID: id, Severity: sev, Status: status, OWASP: owasp}
	}
	accepted := func(id int64, sev string, until time.Time) FindingInput {
		f := fi(id, sev, "risk_accepted", "API2:2023")
		f.AcceptedUntil = until
		return f
	}
	// Endpoint-scope control mitigating API2 whose base outcome is chosen
	// by the endpoints: pass (4/4), partial 3/4, partial 1/4, fail, unknown.
	c := prb("AUTH", authCheck, "API2:2023", "API8:2023")
	eps := func(ok, bad, none int) []EndpointInput {
		var out []EndpointInput
		for i := range ok {
			out = append(out, ep("GET /ok"+string(rune('a'+i)), "auth.declared", true))
		}
		for i := range bad {
			out = append(out, ep("GET /bad"+string(rune('a'+i)), "auth.declared", false))
		}
		for i := range none {
			out = append(out, ep("GET /none"+string(rune('a'+i))))
		}
		return out
	}
	pass, partial75, partial25, fail, unknown := eps(4, 0, 0), eps(3, 1, 0), eps(1, 3, 0), eps(0, 2, 0), eps(0, 0, 2)
	tests := []struct {
		name      string
		eps       []EndpointInput
		findings  []FindingInput
		status    string
		score     float64
		cappedBy  []int64
		accepted  []int64
		reasonHas []string
	}{
		{"no findings", pass, nil, StatusPass, 1, nil, nil, nil},
		{"open critical caps pass to 0", pass, []FindingInput{fi(7, "critical", "open", "API2:2023")},
			StatusFail, 0, []int64{7}, nil, []string{"Score capped at 0 by open finding #7 (critical, API2:2023, open)"}},
		{"in-progress high caps pass to 0.5", pass, []FindingInput{fi(8, "high", "in_progress", "API8:2023")},
			StatusPartial, 0.5, []int64{8}, nil, []string{"capped at 0.5", "#8 (high, API8:2023, in progress)"}},
		{"high caps partial 0.75 to 0.5", partial75, []FindingInput{fi(8, "high", "open", "API2:2023")},
			StatusPartial, 0.5, []int64{8}, nil, []string{"capped at 0.5"}},
		{"high does not raise partial 0.25", partial25, []FindingInput{fi(8, "high", "open", "API2:2023")},
			StatusPartial, 0.25, []int64{8}, nil, []string{"Open finding #8 (high, API2:2023, open) caps this control at 0.5"}},
		{"critical caps partial to fail", partial75, []FindingInput{fi(7, "critical", "open", "API2:2023")},
			StatusFail, 0, []int64{7}, nil, nil},
		{"fail stays fail", fail, []FindingInput{fi(7, "critical", "open", "API2:2023")},
			StatusFail, 0, []int64{7}, nil, []string{"caps this control at 0"}},
		{"unknown stays unknown", unknown, []FindingInput{fi(7, "critical", "open", "API2:2023")},
			StatusUnknown, 0, []int64{7}, nil, []string{"#7"}},
		{"critical and high: lowest cap wins", pass, []FindingInput{fi(9, "high", "open", "API2:2023"), fi(7, "critical", "open", "API8:2023")},
			StatusFail, 0, []int64{7, 9}, nil, []string{"findings #7", "#9"}},
		{"medium does not cap", pass, []FindingInput{fi(7, "medium", "open", "API2:2023")}, StatusPass, 1, nil, nil, nil},
		{"other category does not cap", pass, []FindingInput{fi(7, "critical", "open", "API1:2023")}, StatusPass, 1, nil, nil, nil},
		{"no category does not cap", pass, []FindingInput{fi(7, "critical", "open", "")}, StatusPass, 1, nil, nil, nil},
		{"fixed ignored", pass, []FindingInput{fi(7, "critical", "fixed", "API2:2023")}, StatusPass, 1, nil, nil, nil},
		{"verified ignored", pass, []FindingInput{fi(7, "critical", "verified", "API2:2023")}, StatusPass, 1, nil, nil, nil},
		{"false positive ignored", pass, []FindingInput{fi(7, "critical", "false_positive", "API2:2023")}, StatusPass, 1, nil, nil, nil},
		{"accepted risk listed, not capping", pass, []FindingInput{accepted(5, "critical", future)},
			StatusPass, 1, nil, []int64{5}, []string{"Accepted risk, not capping: #5 (critical, API2:2023, risk accepted until 2025-07-01)"}},
		{"expired accepted risk caps", pass, []FindingInput{accepted(5, "critical", past)},
			StatusFail, 0, []int64{5}, nil, []string{"risk acceptance expired 2025-05-31"}},
		{"acceptance ending now has expired", pass, []FindingInput{accepted(5, "high", now)},
			StatusPartial, 0.5, []int64{5}, nil, nil},
		{"accepted and open together", pass, []FindingInput{accepted(5, "critical", future), fi(6, "high", "open", "API2:2023")},
			StatusPartial, 0.5, []int64{6}, []int64{5}, []string{"#6", "#5"}},
		{"spelling is normalized", pass, []FindingInput{fi(7, "Critical", "In Progress", "api2")},
			StatusFail, 0, []int64{7}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, c, APIInput{Endpoints: tt.eps, Findings: tt.findings}, opts())
			if r.Status != tt.status || r.Score != tt.score {
				t.Errorf("status %s score %v, want %s %v (%s)", r.Status, r.Score, tt.status, tt.score, r.Reason)
			}
			if !slices.Equal(r.CappedBy, tt.cappedBy) || !slices.Equal(r.Accepted, tt.accepted) {
				t.Errorf("capped_by %v accepted %v, want %v %v", r.CappedBy, r.Accepted, tt.cappedBy, tt.accepted)
			}
			containsAll(t, "reason", r.Reason, tt.reasonHas...)
		})
	}
}

func TestCapsSkipNotApplicable(t *testing.T) {
	c := prb("AUTH", authCheck, "API2:2023")
	r := one(t, c, APIInput{
		Endpoints: []EndpointInput{ep("GET /health", "auth.public", true)},
		Findings:  []FindingInput{{ID: 1, Severity: "critical", Status: "open", OWASP: "API2:2023"}},
	}, opts())
	if r.Status != StatusNotApplicable || r.CappedBy != nil {
		t.Errorf("got %s capped_by %v, want not_applicable without caps", r.Status, r.CappedBy)
	}
}

func TestCapsApplyToEvaluatorsAndAPIScope(t *testing.T) {
	cat := newCat(
		ctl("INV", catalog.TierPreRuntime, catalog.LevelBasic, catalog.Check{Evaluator: EvaluatorInventory}, "API9:2023"),
		ctl("TLS", catalog.TierRuntime, catalog.LevelBasic, apiCheck([]string{"tls.enforced"}), "API8:2023"),
	)
	a := Evaluate(cat, APIInput{
		Owner:    "team",
		APIFacts: facts("spec.present", true, "tls.enforced", true),
		Findings: []FindingInput{
			{ID: 1, Severity: "high", Status: "open", OWASP: "API9:2023"},
			{ID: 2, Severity: "critical", Status: "open", OWASP: "API8:2023"},
		},
	}, opts())
	got := map[string]Result{}
	for _, r := range a.Results {
		got[r.ControlID] = r
	}
	if r := got["INV"]; r.Status != StatusPartial || r.Score != 0.5 || !slices.Equal(r.CappedBy, []int64{1}) {
		t.Errorf("INV: %s %v %v", r.Status, r.Score, r.CappedBy)
	}
	if r := got["TLS"]; r.Status != StatusFail || r.Score != 0 || !slices.Equal(r.CappedBy, []int64{2}) {
		t.Errorf("TLS: %s %v %v", r.Status, r.Score, r.CappedBy)
	}
}
