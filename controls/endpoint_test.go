package controls

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
)

var authCheck = catalog.Check{Scope: ScopeEndpoint, All: []string{"auth.declared"}, SkipIf: []string{"auth.public"}}

func TestEndpointScope(t *testing.T) {
	tests := []struct {
		name      string
		chk       catalog.Check
		eps       []EndpointInput
		status    string
		score     float64
		covered   int
		total     int
		stale     bool
		failing   []string
		reasonHas []string
	}{
		{"no endpoints", authCheck, nil,
			StatusUnknown, 0, 0, 0, false, nil, []string{"no endpoints inventoried"}},
		{"all satisfy", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", true), ep("GET /b", "auth.declared", true), ep("GET /c", "auth.declared", true)},
			StatusPass, 1, 3, 3, false, nil, []string{"All 3 applicable endpoints satisfy auth.declared"}},
		{"none satisfy", authCheck, []EndpointInput{
			ep("POST /b", "auth.declared", false), ep("GET /a", "auth.declared", false)},
			StatusFail, 0, 0, 2, false, []string{"GET /a", "POST /b"}, []string{"0 of 2", "2 do not (e.g. GET /a, POST /b)"}},
		{"partial", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", true), ep("GET /b", "auth.declared", false),
			ep("GET /c", "auth.declared", true), ep("GET /d", "auth.declared", false)},
			StatusPartial, 0.5, 2, 4, false, []string{"GET /b", "GET /d"}, []string{"2 of 4 applicable endpoints satisfy auth.declared; 2 do not (e.g. GET /b, GET /d)"}},
		{"all unknown, missing", authCheck, []EndpointInput{ep("GET /a"), ep("GET /b", "other", true)},
			StatusUnknown, 0, 0, 2, false, nil, []string{"no evidence for auth.declared on any of the 2 applicable endpoints"}},
		{"all unknown, stale", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", aged(true, 40)), ep("GET /b", "auth.declared", aged(true, 50))},
			StatusUnknown, 0, 0, 2, true, nil, []string{"2 with evidence older than 30 days, the oldest 50 days old"}},
		{"unknown among known counts as not satisfying", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", true), ep("GET /b", "auth.declared", true),
			ep("GET /c", "auth.declared", false), ep("GET /d")},
			StatusPartial, 0.5, 2, 4, false, []string{"GET /c"}, []string{"2 of 4", "1 does not (e.g. GET /c)", "1 lacked evidence and is counted as not satisfying (1 missing evidence, e.g. GET /d)"}},
		{"satisfying and unknown only is partial", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", true), ep("GET /b", "auth.declared", aged(true, 90))},
			StatusPartial, 0.5, 1, 2, true, nil, []string{"1 of 2", "1 lacked evidence", "older than 30 days, the oldest 90 days old"}},
		{"failing and unknown only is fail", authCheck, []EndpointInput{
			ep("GET /a", "auth.declared", false), ep("GET /b")},
			StatusFail, 0, 0, 2, false, []string{"GET /a"}, []string{"0 of 2", "1 lacked evidence"}},
		{"skip_if excludes public endpoints", authCheck, []EndpointInput{
			ep("GET /health", "auth.public", true, "auth.declared", false),
			ep("GET /a", "auth.declared", true), ep("GET /b", "auth.declared", true)},
			StatusPass, 1, 2, 2, false, nil, []string{"All 2 applicable", "1 is not applicable (auth.public)"}},
		{"skip_if false keeps the endpoint", authCheck, []EndpointInput{
			ep("GET /health", "auth.public", false, "auth.declared", false), ep("GET /a", "auth.declared", true)},
			StatusPartial, 0.5, 1, 2, false, []string{"GET /health"}, nil},
		{"stale skip_if does not exempt", authCheck, []EndpointInput{
			ep("GET /health", "auth.public", aged(true, 60), "auth.declared", false), ep("GET /a", "auth.declared", true)},
			StatusPartial, 0.5, 1, 2, false, []string{"GET /health"}, nil},
		{"all skipped", authCheck, []EndpointInput{
			ep("GET /health", "auth.public", true), ep("GET /ready", "auth.public", true)},
			StatusNotApplicable, 0, 0, 0, false, nil, []string{"all 2 endpoints are exempt (auth.public)"}},
		{"any per endpoint", catalog.Check{Scope: ScopeEndpoint, Any: []string{"auth.enforced", "mtls.upstream"}}, []EndpointInput{
			ep("GET /a", "auth.enforced", true), ep("GET /b", "auth.enforced", false, "mtls.upstream", true),
			ep("GET /c", "auth.enforced", false, "mtls.upstream", false)},
			StatusPartial, 2.0 / 3, 2, 3, false, []string{"GET /c"}, []string{"2 of 3 applicable endpoints satisfy one of auth.enforced, mtls.upstream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, prb("C1", tt.chk), APIInput{Endpoints: tt.eps}, opts())
			if r.Status != tt.status || r.Score != tt.score || r.Covered != tt.covered || r.Total != tt.total || r.Stale != tt.stale {
				t.Errorf("got status=%s score=%v covered=%d/%d stale=%v; want %s %v %d/%d %v (reason %q)",
					r.Status, r.Score, r.Covered, r.Total, r.Stale, tt.status, tt.score, tt.covered, tt.total, tt.stale, r.Reason)
			}
			if !slices.Equal(r.Failing, tt.failing) {
				t.Errorf("failing = %q, want %q", r.Failing, tt.failing)
			}
			containsAll(t, "reason", r.Reason, tt.reasonHas...)
		})
	}
}

func TestEndpointReasonExact(t *testing.T) {
	var eps []EndpointInput
	for i := range 50 {
		eps = append(eps, ep(fmt.Sprintf("GET /r%02d", i), "auth.declared", i >= 9))
	}
	eps = append(eps, ep("GET /health", "auth.public", true))
	r := one(t, prb("C1", authCheck), APIInput{Endpoints: eps}, opts())
	want := "41 of 50 applicable endpoints satisfy auth.declared; 9 do not (e.g. GET /r00, GET /r01, GET /r02, ...); 1 is not applicable (auth.public)."
	if r.Reason != want {
		t.Errorf("reason\n got %q\nwant %q", r.Reason, want)
	}
	if r.Score != 0.82 {
		t.Errorf("score %v, want 0.82", r.Score)
	}
}

func TestEndpointSamplesAreBounded(t *testing.T) {
	var eps []EndpointInput
	failing := map[string]bool{}
	// 25 failing endpoints named in reverse order, 5 passing ones.
	for i := 24; i >= 0; i-- {
		k := fmt.Sprintf("POST /f%02d", i)
		failing[k] = true
		eps = append(eps, ep(k, "auth.declared", false))
	}
	for i := range 5 {
		eps = append(eps, ep(fmt.Sprintf("GET /ok%d", i), "auth.declared", true))
	}
	r := one(t, prb("C1", authCheck), APIInput{Endpoints: eps}, opts())
	if r.Covered != 5 || r.Total != 30 {
		t.Errorf("covered %d/%d, want 5/30", r.Covered, r.Total)
	}
	if len(r.Failing) != maxFailing {
		t.Fatalf("failing has %d keys, want %d", len(r.Failing), maxFailing)
	}
	if !sort.StringsAreSorted(r.Failing) || r.Failing[0] != "POST /f00" || r.Failing[19] != "POST /f19" {
		t.Errorf("failing not the first 20 sorted keys: %q", r.Failing)
	}
	if len(r.Evidence) != maxEvidenceRefs {
		t.Fatalf("evidence has %d refs, want %d", len(r.Evidence), maxEvidenceRefs)
	}
	for _, e := range r.Evidence {
		if !failing[e.Endpoint] || e.Fact != "auth.declared" {
			t.Errorf("evidence sample should prefer failing endpoints, got %+v", e)
		}
	}
}

func TestEndpointEvidencePrefersFailingThenUnknown(t *testing.T) {
	eps := []EndpointInput{
		ep("GET /ok", "auth.declared", true),
		ep("GET /old", "auth.declared", aged(true, 40)),
		ep("GET /bad", "auth.declared", false),
		ep("GET /none"),
	}
	r := one(t, prb("C1", authCheck), APIInput{Endpoints: eps}, opts())
	var got []string
	for _, e := range r.Evidence {
		got = append(got, e.Endpoint)
	}
	// GET /none has no observation to point at.
	if want := []string{"GET /bad", "GET /old", "GET /ok"}; !slices.Equal(got, want) {
		t.Errorf("evidence endpoints %q, want %q", got, want)
	}
	if !r.Stale {
		t.Error("a stale endpoint counted as not satisfying should flag the result stale")
	}
}

// A gateway policy declared for the whole API (an API-level fact) is
// evidence for each endpoint without its own observation; an endpoint's
// own observation overrides it.
func TestEndpointCheckInheritsAPIFacts(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cat := &catalog.Catalog{Controls: []catalog.Control{{ID: "RUN-B-99", Title: "rl", Tier: catalog.TierRuntime,
		Level: catalog.LevelBasic, Weight: 1, Check: catalog.Check{Scope: "endpoint", All: []string{"ratelimit.enabled"}}}}}
	obs := func(v any) Observation { return Observation{Value: v, ObservedAt: now, EvidenceID: 1} }
	in := APIInput{Name: "a", Owner: "t",
		APIFacts: map[string]Observation{"ratelimit.enabled": obs(true)},
		Endpoints: []EndpointInput{
			{Key: "GET /a", Facts: map[string]Observation{}},
			{Key: "GET /b", Facts: map[string]Observation{"ratelimit.enabled": obs(false)}},
		}}
	a := Evaluate(cat, in, Options{Now: now})
	r := a.Results[0]
	if r.Status != StatusPartial || r.Covered != 1 || r.Total != 2 || len(r.Failing) != 1 || r.Failing[0] != "GET /b" {
		t.Fatalf("result = %+v; want GET /a to inherit the API-level true and GET /b to keep its own false", r)
	}
	if len(in.Endpoints[0].Facts) != 0 {
		t.Fatal("Evaluate modified the caller's endpoint facts")
	}
}
