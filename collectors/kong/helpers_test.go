package kong

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// memSink records what a collector sends.
type memSink struct {
	evidence  []collectors.Evidence
	other     int // API, Endpoint or Finding calls (a gateway collector sends none)
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

// mustParse parses a hand-made document and checks the invariants.
func mustParse(t testing.TB, name, doc string) *Result {
	t.Helper()
	res, err := Parse(name, []byte(doc), Options{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	checkResult(t, res)
	return res
}

// booleanFacts are the runtime booleans; unless documented otherwise each
// must be present on every route.
var alwaysSet = []string{
	collectors.FactTLSEnforced, collectors.FactAuthEnforced, collectors.FactAuthzEnforced,
	collectors.FactValidationEnforced, collectors.FactRateLimitEnabled, collectors.FactBodySizeLimited,
	collectors.FactCORSRestricted, collectors.FactSecurityHeaders, collectors.FactEnforcementMode,
	collectors.FactResponseValidated, collectors.FactPolicyPerCall,
}

// checkResult asserts the structural invariants of a Result.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	if len(res.Evidence) != len(res.Routes) {
		t.Fatalf("%d evidence records for %d routes", len(res.Evidence), len(res.Routes))
	}
	art := res.Artifact
	if art == nil || art.Name != res.File || art.ContentType == "" {
		t.Fatalf("bad artifact %+v", art)
	}
	vocab := map[string]bool{}
	for _, k := range collectors.KnownFacts {
		vocab[k] = true
	}
	for i, ev := range res.Evidence {
		ri := res.Routes[i]
		if ev.Artifact != art {
			t.Fatalf("evidence %d does not share the artifact", i)
		}
		if ev.API == "" || ev.API != ri.API || ev.Endpoint != "" || ev.Route == nil {
			t.Fatalf("evidence %d: API %q endpoint %q route %v", i, ev.API, ev.Endpoint, ev.Route)
		}
		if ev.Location != ri.Pointer || !strings.HasPrefix(ev.Location, "/") {
			t.Fatalf("evidence %d location %q", i, ev.Location)
		}
		if err := collectors.ValidateRoute(*ev.Route); err != nil {
			t.Fatalf("evidence %d: %v", i, err)
		}
		if err := collectors.ValidateFacts(ev.Facts); err != nil {
			t.Fatalf("evidence %d: %v", i, err)
		}
		for k, v := range ev.Facts {
			if !vocab[k] {
				t.Fatalf("fact %s is not in the vocabulary", k)
			}
			switch x := v.(type) {
			case bool, int64, string:
			case []string:
				if len(x) == 0 {
					t.Fatalf("evidence %d: empty list fact %s", i, k)
				}
			default:
				t.Fatalf("fact %s has type %T", k, v)
			}
		}
		for _, k := range alwaysSet {
			if _, ok := ev.Facts[k].(bool); !ok {
				t.Fatalf("evidence %d (%s): boolean %s not set", i, ri.Route.Name, k)
			}
		}
		if ev.Facts[collectors.FactTimeoutConfigured] == true {
			if _, ok := ev.Facts[collectors.FactTimeoutSeconds]; !ok {
				t.Fatalf("evidence %d: timeout.configured without timeout.seconds", i)
			}
		}
	}
}

// routeNamed returns the route of a result by its Route.Name.
func routeNamed(t testing.TB, res *Result, name string) RouteInfo {
	t.Helper()
	for _, r := range res.Routes {
		if r.Route.Name == name {
			return r
		}
	}
	var names []string
	for _, r := range res.Routes {
		names = append(names, r.Route.Name)
	}
	t.Fatalf("no route %q (have %v)", name, names)
	return RouteInfo{}
}

// want checks facts: a nil value means the fact must be absent (unknown).
func want(t testing.TB, where string, f collectors.Facts, exp map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(exp))
	for k := range exp {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w := exp[k]
		if i, ok := w.(int); ok {
			w = int64(i)
		}
		got, ok := f[k]
		switch {
		case w == nil && ok:
			t.Errorf("%s: %s = %#v, want it absent (unknown)", where, k, got)
		case w == nil:
		case !ok:
			t.Errorf("%s: %s absent, want %#v", where, k, w)
		case !reflect.DeepEqual(got, w):
			t.Errorf("%s: %s = %#v, want %#v", where, k, got, w)
		}
	}
}
