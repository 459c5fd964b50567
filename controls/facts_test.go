package controls

import (
	"math"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
)

func TestSatisfies(t *testing.T) {
	tests := []struct {
		v       any
		sat, ok bool
	}{
		{true, true, true},
		{false, false, true},
		{int64(3), true, true},
		{int64(0), false, true},
		{1, true, true},
		{0, false, true},
		{0.5, true, true},
		{0.0, false, true},
		{math.NaN(), false, true},
		{"x", true, true},
		{"", false, true},
		{[]string{"oauth2"}, true, true},
		{[]string{}, false, true},
		{[]string(nil), false, true},
		{nil, false, false},
		{struct{}{}, false, true},
	}
	for _, tt := range tests {
		sat, ok := satisfies(tt.v)
		if sat != tt.sat || ok != tt.ok {
			t.Errorf("satisfies(%#v) = %v, %v; want %v, %v", tt.v, sat, ok, tt.sat, tt.ok)
		}
	}
}

func TestAPIScope(t *testing.T) {
	tests := []struct {
		name      string
		chk       catalog.Check
		facts     map[string]Observation
		status    string
		score     float64
		covered   int
		stale     bool
		evidence  int
		reasonHas []string
	}{
		{"all satisfied", apiCheck([]string{"a", "b"}), facts("a", true, "b", true),
			StatusPass, 1, 1, false, 2, []string{"satisfies a and b", "evidence from src"}},
		{"numbers strings lists", apiCheck([]string{"n", "s", "l"}), facts("n", int64(100), "s", "x", "l", []string{"oauth2"}),
			StatusPass, 1, 1, false, 3, nil},
		{"one false", apiCheck([]string{"a", "b"}), facts("a", true, "b", false),
			StatusFail, 0, 0, false, 2, []string{"b is false"}},
		{"zero number", apiCheck([]string{"n"}), facts("n", int64(0)),
			StatusFail, 0, 0, false, 1, []string{"n is 0"}},
		{"empty string", apiCheck([]string{"s"}), facts("s", ""),
			StatusFail, 0, 0, false, 1, []string{"s is empty"}},
		{"empty list", apiCheck([]string{"l"}), facts("l", []string{}),
			StatusFail, 0, 0, false, 1, []string{"l is an empty list"}},
		{"missing", apiCheck([]string{"a", "b"}), facts("a", true),
			StatusUnknown, 0, 0, false, 1, []string{"no evidence for b"}},
		{"nil value is missing", apiCheck([]string{"a"}), facts("a", nil),
			StatusUnknown, 0, 0, false, 0, []string{"no evidence for a"}},
		{"failing beats missing", apiCheck([]string{"a", "b"}), facts("a", false),
			StatusFail, 0, 0, false, 1, []string{"a is false"}},
		{"stale", apiCheck([]string{"a", "b"}), facts("a", true, "b", aged(true, 45)),
			StatusUnknown, 0, 0, true, 2, []string{"b evidence is 45 days old (freshness window 30 days)"}},
		{"stale false is unknown, not fail", apiCheck([]string{"a"}), facts("a", aged(false, 31)),
			StatusUnknown, 0, 0, true, 1, []string{"31 days old"}},
		{"no time is stale", apiCheck([]string{"a"}), map[string]Observation{"a": {Value: true}},
			StatusUnknown, 0, 0, true, 1, []string{"unknown age"}},
		{"any one satisfies", apiCheck(nil, "x", "y"), facts("x", false, "y", true),
			StatusPass, 1, 1, false, 2, []string{"one of x, y"}},
		{"any one satisfies, other missing", apiCheck(nil, "x", "y"), facts("y", true),
			StatusPass, 1, 1, false, 1, nil},
		{"any none satisfies", apiCheck(nil, "x", "y"), facts("x", false, "y", int64(0)),
			StatusFail, 0, 0, false, 2, []string{"none of x, y holds"}},
		{"any false and missing is unknown", apiCheck(nil, "x", "y"), facts("x", false),
			StatusUnknown, 0, 0, false, 1, []string{"Unknown: no evidence for y (x is false)."}},
		{"any false and stale is unknown stale", apiCheck(nil, "x", "y"), facts("x", false, "y", aged(true, 40)),
			StatusUnknown, 0, 0, true, 2, []string{"y evidence is 40 days old"}},
		{"all and any: any fails", apiCheck([]string{"a"}, "x"), facts("a", true, "x", false),
			StatusFail, 0, 0, false, 2, []string{"none of x holds"}},
		{"all and any: pass", apiCheck([]string{"a"}, "x", "y"), facts("a", true, "y", true),
			StatusPass, 1, 1, false, 2, []string{"a and one of x, y"}},
		{"empty scope means api", catalog.Check{All: []string{"a"}}, facts("a", true),
			StatusPass, 1, 1, false, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, prb("C1", tt.chk), APIInput{Name: "api", APIFacts: tt.facts}, opts())
			if r.Status != tt.status || r.Score != tt.score || r.Covered != tt.covered || r.Total != 1 || r.Stale != tt.stale {
				t.Errorf("got status=%s score=%v covered=%d/%d stale=%v; want %s %v %d/1 %v (reason %q)",
					r.Status, r.Score, r.Covered, r.Total, r.Stale, tt.status, tt.score, tt.covered, tt.stale, r.Reason)
			}
			if len(r.Evidence) != tt.evidence {
				t.Errorf("evidence %d refs, want %d: %+v", len(r.Evidence), tt.evidence, r.Evidence)
			}
			containsAll(t, "reason", r.Reason, tt.reasonHas...)
		})
	}
}

func TestAPIScopeEvidenceRefs(t *testing.T) {
	o := Observation{Value: true, EvidenceID: 42, Hash: "abc", Source: "kong", ObservedAt: now.Add(-day24)}
	r := one(t, prb("C1", apiCheck([]string{"tls.enforced"})), APIInput{APIFacts: map[string]Observation{"tls.enforced": o}}, opts())
	want := EvidenceRef{ID: 42, Hash: "abc", Source: "kong", ObservedAt: o.ObservedAt, Fact: "tls.enforced"}
	if len(r.Evidence) != 1 || r.Evidence[0] != want {
		t.Fatalf("evidence = %+v, want [%+v]", r.Evidence, want)
	}
	if r.Reason != "The API satisfies tls.enforced (evidence from kong)." {
		t.Errorf("reason = %q", r.Reason)
	}
}

func TestFreshnessOption(t *testing.T) {
	c := prb("C1", apiCheck([]string{"a"}))
	tests := []struct {
		name   string
		opt    Options
		obs    Observation
		status string
	}{
		{"custom window, inside", Options{Now: now, Freshness: 7 * day24}, aged(true, 6), StatusPass},
		{"custom window, outside", Options{Now: now, Freshness: 7 * day24}, aged(true, 8), StatusUnknown},
		{"default window, inside", Options{Now: now}, aged(true, 29), StatusPass},
		{"default window, outside", Options{Now: now}, aged(true, 31), StatusUnknown},
		{"exactly at the window edge is fresh", Options{Now: now}, aged(true, 30), StatusPass},
		{"zero Now uses the clock", Options{}, Observation{Value: true, ObservedAt: time.Now().Add(-time.Hour)}, StatusPass},
		{"zero Now uses the clock, stale", Options{}, Observation{Value: true, ObservedAt: time.Now().Add(-31 * day24)}, StatusUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(t, c, APIInput{APIFacts: map[string]Observation{"a": tt.obs}}, tt.opt)
			if r.Status != tt.status {
				t.Errorf("status %s, want %s (%s)", r.Status, tt.status, r.Reason)
			}
		})
	}
}

func TestDescribeCheck(t *testing.T) {
	tests := []struct {
		chk  catalog.Check
		want string
	}{
		{catalog.Check{All: []string{"a"}}, "a"},
		{catalog.Check{All: []string{"a", "b"}}, "a and b"},
		{catalog.Check{Any: []string{"x"}}, "x"},
		{catalog.Check{Any: []string{"x", "y"}}, "one of x, y"},
		{catalog.Check{All: []string{"a"}, Any: []string{"x", "y"}}, "a and one of x, y"},
	}
	for _, tt := range tests {
		if got := describeCheck(tt.chk); got != tt.want {
			t.Errorf("describeCheck(%+v) = %q, want %q", tt.chk, got, tt.want)
		}
	}
}
