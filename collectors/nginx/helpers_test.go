package nginx

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
)

// memSink records what a collector sends.
type memSink struct {
	evidence []collectors.Evidence
	other    int // API/Endpoint/Finding calls: a gateway collector makes none
	fail     int // fail the Evidence call after this many; 0 = never
}

var errSinkFull = errors.New("sink full")

func (s *memSink) API(collectors.API) error           { s.other++; return nil }
func (s *memSink) Endpoint(collectors.Endpoint) error { s.other++; return nil }
func (s *memSink) Finding(collectors.Finding) error   { s.other++; return nil }
func (s *memSink) Evidence(e collectors.Evidence) error {
	if s.fail > 0 && len(s.evidence) >= s.fail {
		return errSinkFull
	}
	s.evidence = append(s.evidence, e)
	return nil
}

// alwaysSet are the boolean facts every route carries whatever the
// configuration says (each derivation ends in true or false).
var alwaysSet = []string{
	collectors.FactTLSEnforced, collectors.FactRateLimitEnabled, collectors.FactTimeoutConfigured,
	collectors.FactLoggingEnabled,
}

// checkResult verifies the invariants of every Result.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	perServer := make([]int, len(res.Servers))
	for i, r := range res.Routes {
		if err := collectors.ValidateFacts(r.Facts); err != nil {
			t.Errorf("route %d (%s): %v", i, r.Route.Name, err)
		}
		if err := collectors.ValidateRoute(r.Route); err != nil {
			t.Errorf("route %d: %v", i, err)
		}
		for _, k := range alwaysSet {
			if _, ok := r.Facts[k].(bool); !ok {
				t.Errorf("route %d (%s): %s not set", i, r.Route.Name, k)
			}
		}
		for k, v := range r.Facts {
			found := false
			for _, known := range collectors.KnownFacts {
				found = found || known == k
			}
			if !found {
				t.Errorf("route %d: unknown fact %q = %v", i, k, v)
			}
		}
		if r.Server < 0 || r.Server >= len(res.Servers) || res.Servers[r.Server].API != r.API {
			t.Errorf("route %d: bad server %d", i, r.Server)
		} else {
			perServer[r.Server]++
		}
		if r.Route.Name == "" || r.Location == "" || len(r.Route.Paths) != 1 {
			t.Errorf("route %d: incomplete %+v", i, r)
		}
	}
	for i, s := range res.Servers {
		if s.Routes != perServer[i] || s.Routes == 0 {
			t.Errorf("server %d (%s): %d routes counted, %d found", i, s.API, s.Routes, perServer[i])
		}
	}
}

// parse parses a hand-made configuration (with optional extra files for
// includes) and checks the invariants.
func parse(t testing.TB, conf string, files ...string) *Result {
	t.Helper()
	fsys := fstest.MapFS{"nginx.conf": {Data: []byte(conf)}}
	for i := 0; i+1 < len(files); i += 2 {
		fsys[files[i]] = &fstest.MapFile{Data: []byte(files[i+1])}
	}
	res, err := Parse("nginx.conf", []byte(conf), Options{FS: fsys, Path: "nginx.conf"})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkResult(t, res)
	return res
}

// route returns the route whose name ends with suffix.
func route(t testing.TB, res *Result, suffix string) Route {
	t.Helper()
	var names []string
	for _, r := range res.Routes {
		if r.Route.Name == suffix {
			return r
		}
	}
	for _, r := range res.Routes {
		if strings.HasSuffix(r.Route.Name, suffix) {
			return r
		}
		names = append(names, r.Route.Name)
	}
	t.Fatalf("no route named *%q; have %q", suffix, names)
	return Route{}
}

// want checks facts: a nil value means the fact must be absent.
func want(t testing.TB, r Route, facts collectors.Facts) {
	t.Helper()
	for k, v := range facts {
		got, ok := r.Facts[k]
		switch {
		case v == nil && ok:
			t.Errorf("%s: %s = %v, want absent", r.Route.Name, k, got)
		case v == nil:
		case !ok:
			t.Errorf("%s: %s absent, want %v", r.Route.Name, k, v)
		case !reflect.DeepEqual(got, normalize(v)):
			t.Errorf("%s: %s = %#v, want %#v", r.Route.Name, k, got, v)
		}
	}
}

func normalize(v any) any {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

func hasPlugin(r Route, name string) bool {
	ps, _ := r.Facts[collectors.FactGatewayPlugins].([]string)
	for _, p := range ps {
		if p == name {
			return true
		}
	}
	return false
}
