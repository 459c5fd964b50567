package graphql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
)

// memSink records what a collector sends, in order.
type memSink = collectortest.Sink

// checkResult checks the invariants every result must satisfy: one
// evidence record per endpoint after the API record, artifacts shared per
// file, facts typed and in the vocabulary, keys unique, locations
// readable, spec.operations matching.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	if len(res.Evidence) != len(res.Endpoints)+1 {
		t.Fatalf("%d evidence records for %d endpoints", len(res.Evidence), len(res.Endpoints))
	}
	known := map[string]bool{}
	for _, k := range collectors.KnownFacts {
		known[k] = true
	}
	byName := map[string]*collectors.Artifact{}
	keys := map[string]bool{}
	for i, ev := range res.Evidence {
		art := ev.Artifact
		if art == nil || art.Name == "" || art.ContentType != contentType {
			t.Fatalf("evidence %d: bad artifact %+v", i, art)
		}
		if prev, ok := byName[art.Name]; ok && prev != art {
			t.Fatalf("evidence %d: two artifacts for %s", i, art.Name)
		}
		byName[art.Name] = art
		if ev.API != res.API.Name {
			t.Fatalf("evidence %d API %q, want %q", i, ev.API, res.API.Name)
		}
		if err := collectors.ValidateFacts(ev.Facts); err != nil {
			t.Fatalf("evidence %d: %v", i, err)
		}
		for k, v := range ev.Facts {
			switch v.(type) {
			case bool, int64, string, []string:
			default:
				t.Fatalf("fact %s has type %T", k, v)
			}
			if !known[k] {
				t.Fatalf("fact %s is not in the vocabulary", k)
			}
		}
		if i == 0 {
			if ev.Endpoint != "" || ev.Location != art.Name {
				t.Fatalf("API evidence endpoint %q location %q", ev.Endpoint, ev.Location)
			}
			continue
		}
		ep := res.Endpoints[i-1]
		if ev.Endpoint != ep.Key() || keys[ep.Key()] {
			t.Fatalf("evidence %d endpoint %q (endpoint %q, duplicate %v)", i, ev.Endpoint, ep.Key(), keys[ep.Key()])
		}
		keys[ep.Key()] = true
		if !strings.HasPrefix(ev.Location, art.Name+":") || !strings.HasSuffix(ev.Location, "."+ep.Path) {
			t.Fatalf("evidence %d location %q (artifact %s, path %s)", i, ev.Location, art.Name, ep.Path)
		}
		if ep.Protocol != collectors.ProtocolGraphQL || ep.API != res.API.Name || ep.Path == "" {
			t.Fatalf("bad endpoint %+v", ep)
		}
		switch ep.Method {
		case collectors.GraphQLQuery, collectors.GraphQLMutation, collectors.GraphQLSubscription:
		default:
			t.Fatalf("bad method %+v", ep)
		}
		if ev.Facts[collectors.FactDeprecated] != ep.Deprecated {
			t.Fatalf("%s: deprecated fact %v, endpoint %v", ep.Key(), ev.Facts[collectors.FactDeprecated], ep.Deprecated)
		}
		if v, ok := ev.Facts[collectors.FactDataSensitiveFields]; ok && len(v.([]string)) == 0 {
			t.Fatalf("empty %s emitted", collectors.FactDataSensitiveFields)
		}
	}
	if res.Evidence[0].Facts[collectors.FactSpecOperations] != int64(len(res.Endpoints)) {
		t.Fatalf("spec.operations %v, %d endpoints", res.Evidence[0].Facts[collectors.FactSpecOperations], len(res.Endpoints))
	}
}

// mustParse parses hand-made schema files (name, content pairs) and checks
// the invariants.
func mustParse(t *testing.T, files ...string) *Result {
	t.Helper()
	res, err := Parse("api", fileList(files...), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkResult(t, res)
	return res
}

func fileList(nameContent ...string) []File {
	var fs []File
	for i := 0; i+1 < len(nameContent); i += 2 {
		fs = append(fs, File{Name: nameContent[i], Data: []byte(nameContent[i+1])})
	}
	return fs
}

// endpointFacts returns the facts of one endpoint by key.
func endpointFacts(t *testing.T, res *Result, key string) collectors.Facts {
	t.Helper()
	for _, ev := range res.Evidence[1:] {
		if ev.Endpoint == key {
			return ev.Facts
		}
	}
	t.Fatalf("no evidence for %q", key)
	return nil
}

// want checks that facts hold the expected values; a nil value means the
// fact must be absent.
func want(t *testing.T, what string, got collectors.Facts, exp map[string]any) {
	t.Helper()
	for k, v := range exp {
		g, ok := got[k]
		if v == nil {
			if ok {
				t.Errorf("%s: %s = %v, want absent", what, k, g)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: %s absent, want %v", what, k, v)
			continue
		}
		if !reflect.DeepEqual(g, v) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, v)
		}
	}
}
