package tyk

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// memSink records what a collector sends.
type memSink struct {
	evidence  []collectors.Evidence
	other     int // API/Endpoint/Finding calls: a gateway collector makes none
	failAfter int // fail the call after this many evidence records; 0 = never
}

var errSinkFull = errors.New("sink full")

func (s *memSink) API(collectors.API) error           { s.other++; return nil }
func (s *memSink) Endpoint(collectors.Endpoint) error { s.other++; return nil }
func (s *memSink) Finding(collectors.Finding) error   { s.other++; return nil }
func (s *memSink) Evidence(e collectors.Evidence) error {
	if s.failAfter > 0 && len(s.evidence) >= s.failAfter {
		return errSinkFull
	}
	s.evidence = append(s.evidence, e)
	return nil
}

// runtimeBools are the boolean facts a gateway route may carry.
var runtimeBools = []string{
	collectors.FactTLSEnforced, collectors.FactAuthEnforced, collectors.FactAuthzEnforced,
	collectors.FactValidationEnforced, collectors.FactRateLimitEnabled, collectors.FactTimeoutConfigured,
	collectors.FactBodySizeLimited, collectors.FactLoggingEnabled, collectors.FactCORSRestricted,
	collectors.FactSecurityHeaders, collectors.FactMTLSUpstream, collectors.FactEnforcementMode,
	collectors.FactResponseValidated, collectors.FactCORSWildcard, collectors.FactCORSCredentials,
}

// checkResult asserts the invariants every result satisfies.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	art := res.Artifact
	if art == nil || art.Name == "" || art.ContentType == "" {
		t.Fatalf("bad artifact %+v", art)
	}
	n := 0
	for _, a := range res.APIs {
		n += a.Routes
		if a.Name == "" || a.ListenPath == "" || a.Routes < 1 {
			t.Errorf("bad API summary %+v", a)
		}
	}
	if n != len(res.Evidence) {
		t.Fatalf("API summaries count %d routes, %d evidence records", n, len(res.Evidence))
	}
	for i, ev := range res.Evidence {
		if ev.Artifact != art {
			t.Errorf("evidence %d: artifact not shared", i)
		}
		if ev.API == "" || ev.Endpoint != "" || ev.Route == nil || ev.Location == "" {
			t.Fatalf("evidence %d: API %q endpoint %q route %v location %q", i, ev.API, ev.Endpoint, ev.Route, ev.Location)
		}
		if len(ev.Route.Paths) == 0 || ev.Route.Name == "" {
			t.Errorf("evidence %d: route without paths or name: %+v", i, ev.Route)
		}
		if err := collectors.ValidateRoute(*ev.Route); err != nil {
			t.Errorf("evidence %d: %v", i, err)
		}
		if err := collectors.ValidateFacts(ev.Facts); err != nil {
			t.Errorf("evidence %d: %v", i, err)
		}
		for _, k := range runtimeBools {
			if v, ok := ev.Facts[k]; ok {
				if _, isBool := v.(bool); !isBool {
					t.Errorf("evidence %d: %s = %#v is not a bool", i, k, v)
				}
			}
		}
		for k, v := range ev.Facts {
			if l, ok := v.([]string); ok && len(l) == 0 {
				t.Errorf("evidence %d: %s is an empty list", i, k)
			}
		}
		// Details accompany only a protection that holds.
		for b, d := range map[string]string{
			collectors.FactAuthEnforced:      collectors.FactAuthMechanisms,
			collectors.FactAuthzEnforced:     collectors.FactAuthzMechanisms,
			collectors.FactRateLimitEnabled:  collectors.FactRateLimitPerMinute,
			collectors.FactBodySizeLimited:   collectors.FactBodySizeMaxBytes,
			collectors.FactTimeoutConfigured: collectors.FactTimeoutSeconds,
		} {
			on, _ := ev.Facts[b].(bool)
			if _, has := ev.Facts[d]; has != on {
				t.Errorf("evidence %d (%s): %s=%v but %s present=%v", i, ev.Route.Name, b, ev.Facts[b], d, has)
			}
		}
		for _, k := range []string{collectors.FactAuthEnforced, collectors.FactCORSRestricted,
			collectors.FactValidationEnforced, collectors.FactEnforcementMode, collectors.FactResponseValidated,
			collectors.FactSecurityHeaders} {
			if _, ok := ev.Facts[k]; !ok {
				t.Errorf("evidence %d (%s): %s is always decidable but missing", i, ev.Route.Name, k)
			}
		}
	}
}

// mustParse parses a hand-made document and checks the invariants.
func mustParse(t *testing.T, name, doc string, opt Options) *Result {
	t.Helper()
	res, err := Parse(name, []byte(doc), opt)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	checkResult(t, res)
	return res
}

// byName finds the evidence of a route by its name.
func byName(t *testing.T, res *Result, name string) collectors.Evidence {
	t.Helper()
	var names []string
	for _, ev := range res.Evidence {
		if ev.Route.Name == name {
			return ev
		}
		names = append(names, ev.Route.Name)
	}
	t.Fatalf("no route %q (have %s)", name, strings.Join(names, ", "))
	return collectors.Evidence{}
}

// wantFacts checks facts: a nil value means the fact must be absent.
func wantFacts(t *testing.T, what string, got collectors.Facts, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if w == nil {
			if ok {
				t.Errorf("%s: %s = %#v, want absent (unknown)", what, k, g)
			}
			continue
		}
		if i, isInt := w.(int); isInt {
			w = int64(i)
		}
		if !ok {
			t.Errorf("%s: %s absent, want %#v", what, k, w)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, w)
		}
	}
}

// routeNames lists the route names of a result in order.
func routeNames(res *Result) []string {
	var out []string
	for _, ev := range res.Evidence {
		out = append(out, ev.Route.Name)
	}
	return out
}
