package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
)

// memSink records what a collector sends, in order.
type memSink = collectortest.Sink

// mustParse parses a hand-made document and checks the invariants every
// result must satisfy.
func mustParse(t *testing.T, name, doc string) *Result {
	t.Helper()
	res, err := Parse(name, []byte(doc), Options{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	checkResult(t, res)
	return res
}

// checkResult asserts the structural invariants of a Result.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	if len(res.Evidence) != len(res.Endpoints)+1 {
		t.Fatalf("%d evidence records for %d endpoints", len(res.Evidence), len(res.Endpoints))
	}
	art := res.Evidence[0].Artifact
	if art == nil || len(art.Data) == 0 || art.Name == "" || art.ContentType == "" {
		t.Fatalf("bad artifact %+v", art)
	}
	keys := map[string]bool{}
	for i, ev := range res.Evidence {
		if ev.Artifact != art {
			t.Fatalf("evidence %d does not share the artifact", i)
		}
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
			if !strings.Contains(strings.Join(collectors.KnownFacts, " "), k) {
				t.Fatalf("fact %s is not in the vocabulary", k)
			}
		}
		if i == 0 {
			if ev.Endpoint != "" {
				t.Fatalf("API evidence has endpoint %q", ev.Endpoint)
			}
			continue
		}
		ep := res.Endpoints[i-1]
		if ev.Endpoint != ep.Key() || keys[ep.Key()] {
			t.Fatalf("evidence %d endpoint %q (endpoint %q, duplicate %v)", i, ev.Endpoint, ep.Key(), keys[ep.Key()])
		}
		keys[ep.Key()] = true
		if !strings.HasPrefix(ev.Location, "/paths/") {
			t.Fatalf("evidence %d location %q", i, ev.Location)
		}
		if ep.Protocol != collectors.ProtocolREST || ep.Method != strings.ToUpper(ep.Method) || ep.API != res.API.Name {
			t.Fatalf("bad endpoint %+v", ep)
		}
		if v, ok := ev.Facts[collectors.FactDataSensitiveFields]; ok && len(v.([]string)) == 0 {
			t.Fatalf("empty %s emitted", collectors.FactDataSensitiveFields)
		}
	}
	if res.Evidence[0].Facts[collectors.FactSpecOperations] != int64(len(res.Endpoints)) {
		t.Fatalf("spec.operations %v, %d endpoints", res.Evidence[0].Facts[collectors.FactSpecOperations], len(res.Endpoints))
	}
	checkNotes(t, res)
}

// checkNotes asserts the invariants of the notes of every record: each
// false boolean fact has at least one note, and every note explains a
// fact the record states as false (a true or unknown fact has none); at
// most five per fact and collectors.MaxNotes in all; sorted by fact, then
// document order (the specification before referenced files, lines
// ascending); no duplicates; messages short, lower-case, no final period.
func checkNotes(t testing.TB, res *Result) {
	t.Helper()
	for i, ev := range res.Evidence {
		where := fmt.Sprintf("evidence %d (%q)", i, ev.Endpoint)
		if len(ev.Notes) > collectors.MaxNotes {
			t.Fatalf("%s: %d notes", where, len(ev.Notes))
		}
		per := map[string]int{}
		seen := map[collectors.Note]bool{}
		for j, n := range ev.Notes {
			v, ok := ev.Facts[n.Fact].(bool)
			if !ok || v {
				t.Fatalf("%s: note %+v on a fact that is not false (%v)", where, n, ev.Facts[n.Fact])
			}
			per[n.Fact]++
			if per[n.Fact] > maxSites {
				t.Fatalf("%s: more than %d notes on %s", where, maxSites, n.Fact)
			}
			if seen[n] {
				t.Fatalf("%s: duplicate note %+v", where, n)
			}
			seen[n] = true
			if n.Message == "" || strings.HasSuffix(n.Message, ".") || strings.ToLower(n.Message[:1]) != n.Message[:1] || len(n.Message) > 200 {
				t.Fatalf("%s: message %q", where, n.Message)
			}
			if n.Line < 0 || (n.Pointer != "" && !strings.HasPrefix(n.Pointer, "/") && !strings.Contains(n.Pointer, "#/")) {
				t.Fatalf("%s: note %+v", where, n)
			}
			if j > 0 {
				prev := ev.Notes[j-1]
				prevFile, _, _ := strings.Cut(prev.Pointer, "#/")
				file, _, _ := strings.Cut(n.Pointer, "#/")
				prevExt, ext := strings.Contains(prev.Pointer, "#/"), strings.Contains(n.Pointer, "#/")
				switch {
				case prev.Fact > n.Fact:
					t.Fatalf("%s: notes not sorted by fact: %+v before %+v", where, prev, n)
				case prev.Fact < n.Fact:
				case prevExt && !ext:
					t.Fatalf("%s: a referenced file before the specification: %+v before %+v", where, prev, n)
				case prevExt == ext && prevFile == file && prev.Line > n.Line:
					t.Fatalf("%s: notes not in document order: %+v before %+v", where, prev, n)
				}
			}
		}
		for k, v := range ev.Facts {
			if b, ok := v.(bool); ok && !b && per[k] == 0 {
				t.Fatalf("%s: %s is false without a note (notes %v)", where, k, ev.Notes)
			}
		}
	}
}

// endpointFacts returns the facts of one endpoint by key.
func endpointFacts(t *testing.T, res *Result, key string) collectors.Facts {
	t.Helper()
	for _, ev := range res.Evidence[1:] {
		if ev.Endpoint == key {
			return ev.Facts
		}
	}
	t.Fatalf("no endpoint %q", key)
	return nil
}

// want checks facts: a nil value means the fact must be absent (unknown).
func want(t *testing.T, where string, f collectors.Facts, exp map[string]any) {
	t.Helper()
	for k, w := range exp {
		got, ok := f[k]
		switch {
		case w == nil && ok:
			t.Errorf("%s: %s = %v, want it absent (unknown)", where, k, got)
		case w == nil:
		case !ok:
			t.Errorf("%s: %s absent, want %v", where, k, w)
		case !reflect.DeepEqual(got, w):
			t.Errorf("%s: %s = %#v, want %#v", where, k, got, w)
		}
	}
}
