package controls

import (
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const day24 = 24 * time.Hour

// fresh is an observation taken an hour before now.
func fresh(v any) Observation {
	return Observation{Value: v, EvidenceID: 1, Hash: "h1", Source: "src", ObservedAt: now.Add(-time.Hour)}
}

// aged is an observation taken days before now.
func aged(v any, days int) Observation {
	return Observation{Value: v, EvidenceID: 2, Hash: "h2", Source: "old-src", ObservedAt: now.Add(-time.Duration(days) * day24)}
}

func opts() Options { return Options{Now: now} }

func facts(kv ...any) map[string]Observation {
	m := map[string]Observation{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case Observation:
			m[kv[i].(string)] = v
		default:
			m[kv[i].(string)] = fresh(v)
		}
	}
	return m
}

func ctl(id, tier, level string, chk catalog.Check, owasp ...string) catalog.Control {
	return catalog.Control{ID: id, Title: id, Tier: tier, Level: level, Weight: 1, Check: chk, Refs: catalog.Refs{OWASP2023: owasp}}
}

func prb(id string, chk catalog.Check, owasp ...string) catalog.Control {
	return ctl(id, catalog.TierPreRuntime, catalog.LevelBasic, chk, owasp...)
}

func newCat(ctls ...catalog.Control) *catalog.Catalog {
	return &catalog.Catalog{Version: "test", Controls: ctls}
}

// one evaluates a one-control catalog and returns its result.
func one(t *testing.T, c catalog.Control, in APIInput, opt Options) Result {
	t.Helper()
	a := Evaluate(newCat(c), in, opt)
	if len(a.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(a.Results))
	}
	return a.Results[0]
}

func apiCheck(all []string, anyOf ...string) catalog.Check {
	return catalog.Check{Scope: ScopeAPI, All: all, Any: anyOf}
}

func containsAll(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s %q does not contain %q", what, s, sub)
		}
	}
}

func ep(key string, kv ...any) EndpointInput { return EndpointInput{Key: key, Facts: facts(kv...)} }
