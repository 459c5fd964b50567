package protobuf

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
)

// memSink records what a collector sends, in order.
type memSink = collectortest.Sink

// The import paths under testdata that make the real files link: the
// grpc-gateway v2 module root (its examples import each other and
// protoc-gen-openapiv2/options by module-relative path), the googleapis
// protos vendored by grpc-gateway v1, and the two validation libraries.
var testImportPaths = []string{
	"grpc-gateway",
	"grpc-gateway-v1/third_party/googleapis",
	"protoc-gen-validate",
	"protovalidate/proto/protovalidate",
}

// readTree returns every .proto file under testdata/dir as Files named
// relative to testdata (the source root).
func readTree(t testing.TB, dir string) []File {
	t.Helper()
	var files []File
	err := filepath.WalkDir(filepath.Join("testdata", dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".proto") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata", p)
		files = append(files, File{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .proto files under testdata/%s", dir)
	}
	return files
}

// parseTree parses the .proto files under testdata/dir with the testdata
// root as ImportFS.
func parseTree(t testing.TB, dir string, importPaths []string, noLink bool) *Result {
	t.Helper()
	res, err := Parse(readTree(t, dir), Options{
		ImportFS: os.DirFS("testdata"), ImportPaths: append([]string(nil), importPaths...), noLink: noLink,
	})
	if err != nil {
		t.Fatalf("Parse(%s): %v", dir, err)
	}
	checkResult(t, res)
	return res
}

// checkResult asserts the invariants of every Result.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	known := map[string]bool{}
	for _, k := range collectors.KnownFacts {
		known[k] = true
	}
	for i, a := range res.APIs {
		if i > 0 && res.APIs[i-1].API.Name >= a.API.Name {
			t.Fatalf("APIs not sorted or duplicated: %q, %q", res.APIs[i-1].API.Name, a.API.Name)
		}
		if len(a.Evidence) != len(a.Endpoints)+1 {
			t.Fatalf("%s: %d evidence records for %d endpoints", a.API.Name, len(a.Evidence), len(a.Endpoints))
		}
		if a.Evidence[0].Endpoint != "" {
			t.Fatalf("%s: API evidence has endpoint %q", a.API.Name, a.Evidence[0].Endpoint)
		}
		grpc := 0
		arts := map[string]*collectors.Artifact{}
		keys := map[string]bool{}
		for j, ev := range a.Evidence {
			if ev.API != a.API.Name {
				t.Fatalf("%s: evidence %d names API %q", a.API.Name, j, ev.API)
			}
			if err := collectors.ValidateFacts(ev.Facts); err != nil {
				t.Fatalf("%s: evidence %d: %v", a.API.Name, j, err)
			}
			for k, v := range ev.Facts {
				if !known[k] {
					t.Fatalf("%s: fact %q is not in the vocabulary", a.API.Name, k)
				}
				if s, ok := v.([]string); ok && s == nil {
					t.Fatalf("%s: fact %q is a nil list", a.API.Name, k)
				}
			}
			art := ev.Artifact
			if art == nil || art.Name == "" || len(art.Data) == 0 || art.ContentType == "" {
				t.Fatalf("%s: evidence %d: bad artifact %+v", a.API.Name, j, art)
			}
			if prev, ok := arts[art.Name]; ok && prev != art {
				t.Fatalf("%s: two artifact pointers for %s", a.API.Name, art.Name)
			}
			arts[art.Name] = art
			if j == 0 {
				continue
			}
			ep := a.Endpoints[j-1]
			if ev.Endpoint != ep.Key() || keys[ep.Key()] || ep.API != a.API.Name {
				t.Fatalf("%s: evidence %d for %q, endpoint %+v (duplicate %v)", a.API.Name, j, ev.Endpoint, ep, keys[ep.Key()])
			}
			keys[ep.Key()] = true
			if !strings.HasPrefix(ev.Location, art.Name+":") || !strings.HasSuffix(ev.Location, " "+ep.OperationID) {
				t.Fatalf("%s: location %q for %s in %s", a.API.Name, ev.Location, ep.OperationID, art.Name)
			}
			switch ep.Protocol {
			case collectors.ProtocolGRPC:
				grpc++
				if ep.Method != "POST" || !grpcPath.MatchString(ep.Path) || !strings.HasSuffix(ep.Path, "/"+ep.OperationID[strings.IndexByte(ep.OperationID, '.')+1:]) {
					t.Fatalf("%s: bad gRPC endpoint %+v", a.API.Name, ep)
				}
				if ev.Facts[collectors.FactRequestStrict] != false {
					t.Fatalf("%s: %s request.strict = %v", a.API.Name, ep.Key(), ev.Facts[collectors.FactRequestStrict])
				}
			case collectors.ProtocolREST:
				if ep.Method != strings.ToUpper(ep.Method) || !strings.HasPrefix(ep.Path, "/") || strings.Contains(ep.Path, "=") {
					t.Fatalf("%s: bad REST endpoint %+v", a.API.Name, ep)
				}
				if _, ok := ev.Facts[collectors.FactRequestStrict]; ok {
					t.Fatalf("%s: %s has request.strict", a.API.Name, ep.Key())
				}
			default:
				t.Fatalf("%s: protocol %q", a.API.Name, ep.Protocol)
			}
			if _, ok := ev.Facts[collectors.FactRPCStreaming]; !ok {
				t.Fatalf("%s: %s has no rpc.streaming", a.API.Name, ep.Key())
			}
		}
		if a.Evidence[0].Facts[collectors.FactSpecOperations] != int64(grpc) {
			t.Fatalf("%s: spec.operations %v, %d gRPC endpoints", a.API.Name, a.Evidence[0].Facts[collectors.FactSpecOperations], grpc)
		}
	}
}

var grpcPath = regexp.MustCompile(`^/([A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*/[A-Za-z_][A-Za-z0-9_]*$`)

// api returns the API called name.
func api(t testing.TB, res *Result, name string) *APIResult {
	t.Helper()
	for i := range res.APIs {
		if res.APIs[i].API.Name == name {
			return &res.APIs[i]
		}
	}
	var names []string
	for _, a := range res.APIs {
		names = append(names, a.API.Name)
	}
	t.Fatalf("no API %q (have %v)", name, names)
	return nil
}

// endpoint returns the endpoint with the key and its evidence.
func endpoint(t testing.TB, a *APIResult, key string) (collectors.Endpoint, collectors.Evidence) {
	t.Helper()
	for i, ep := range a.Endpoints {
		if ep.Key() == key {
			return ep, a.Evidence[i+1]
		}
	}
	t.Fatalf("%s: no endpoint %q", a.API.Name, key)
	return collectors.Endpoint{}, collectors.Evidence{}
}

// want checks facts: a nil value means the fact must be absent (unknown).
func want(t testing.TB, where string, f collectors.Facts, exp map[string]any) {
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

// hasWarning reports a warning containing every part.
func hasWarning(res *Result, parts ...string) bool {
	return slices.ContainsFunc(res.Warnings, func(w string) bool {
		for _, p := range parts {
			if !strings.Contains(w, p) {
				return false
			}
		}
		return true
	})
}
