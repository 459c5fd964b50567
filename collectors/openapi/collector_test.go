package openapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind() != "openapi" || c.Version() == "" {
		t.Fatalf("kind %q version %q", c.Kind(), c.Version())
	}
	if _, ok := c.(collectors.Detector); !ok {
		t.Fatal("not a Detector")
	}
	if got := collectors.Detect("x.yaml", []byte("openapi: 3.1.0\n")); got != Kind {
		t.Fatalf("collectors.Detect = %q", got)
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{"openapi: 3.0.0\ninfo: {}\n", true},
		{"# comment\n---\nswagger: '2.0'\n", true},
		{"\xEF\xBB\xBF\"openapi\": 3.1.0\n", true},
		{`{"swagger": "2.0", "info": {}}`, true},
		{"{\n  \"info\": {\"title\": \"x\"},\n  \"openapi\": \"3.0.0\"}", true},
		// cut before the key: strong hints are enough
		{`{"components": {"schemas": {"A": {"type": "obj`, true},
		{`{"info": {}, "paths": {"/users": {"get": {"respo`, true},
		{"components:\n  # c\n  schemas:\n    A: {}\n", true},
		{"paths:\n  /a:\n    get: {}\n", true},
		{`{"errors": [], "paths": {"scanned": []}, "results": [{"x": 1`, false},
		{"paths:\n  scanned: []\n", false},
		{"components:\n  - name: x\n", false},
		// complete JSON without the key is not ours
		{`{"components": {}, "paths": {}}`, false},
		{`{"info": {"openapi": "3.0.0"}}`, false},
		{`{"openapix": 1}`, false},
		{"asyncapi: 2.6.0\ncomponents: {}\n", false},
		{"  openapi: 3.0.0\n", false}, // not at the top level
		{"_format_version: \"3.0\"\nservices: []\n", false},
		{"static_resources:\n  listeners: []\n", false},
		{`[{"openapi": "3.0.0"}]`, false},
		{"", false},
		{"\x00\x01\x02garbage", false},
	} {
		if got := (Collector{}).Detect("f", []byte(c.head)); got != c.want {
			t.Errorf("Detect(%q) = %v, want %v", c.head, got, c.want)
		}
	}
	// Every real file in the other corpus folders is not ours.
	root := testutil.Corpus(t, ".")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "specs/openapi") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if (Collector{}).Detect(p, head(data)) && !strings.Contains(p, "aws-apigateway") {
			t.Errorf("%s detected as OpenAPI", p)
		}
		return nil
	})
}

const userSpec = `openapi: 3.0.3
info: {title: Users, version: "1", x-owner: identity}
paths:
  /users:
    get:
      parameters:
        - $ref: 'common/params.yaml#/components/parameters/Limit'
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: 'common/schemas.yaml#/components/schemas/User'}
  /escape:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '../secret.yaml#/x'}
`

var testFS = fstest.MapFS{
	"specs/users.yaml": {Data: []byte(userSpec)},
	"specs/common/params.yaml": {Data: []byte(`components:
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer, maximum: 100}}
`)},
	"specs/common/schemas.yaml": {Data: []byte(`components:
  schemas:
    User:
      type: object
      properties:
        email: {type: string, format: email, maxLength: 254, x-pii: true}
        manager: {$ref: '#/components/schemas/User'}
        address: {$ref: 'more.yaml#/Address'}
`)},
	"specs/common/more.yaml":      {Data: []byte("Address: {type: object, properties: {street: {type: string, maxLength: 80, x-pii: true}}}\n")},
	"specs/legacy/api.json":       {Data: []byte(`{"swagger": "2.0", "info": {"title": "Legacy", "version": "1"}, "paths": {"/ping": {"get": {"responses": {"200": {"description": "ok"}}}}}}`)},
	"specs/k8s.yaml":              {Data: []byte("apiVersion: v1\nkind: ConfigMap\n")},
	"specs/notes.txt":             {Data: []byte("openapi: 3.0.0\n")},
	"specs/.git/x.yaml":           {Data: []byte("openapi: 3.0.0\n")},
	"specs/broken/lookalike.yaml": {Data: []byte("paths: {}\ncomponents: {}\n")},
	"secret.yaml":                 {Data: []byte("x: {type: string}\n")},
}

func TestCollectFS(t *testing.T) {
	sink := &memSink{}
	src := collectors.Source{Name: "fs", Kind: Kind, FS: testFS, Paths: []string{"specs"}, Owner: "fallback"}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	// legacy/api.json sorts before users.yaml; k8s, notes, .git and the
	// look-alike are skipped.
	if len(sink.APIs) != 2 || sink.APIs[0].Name != "Legacy" || sink.APIs[1].Name != "Users" {
		t.Fatalf("APIs %+v", sink.APIs)
	}
	if sink.APIs[0].Owner != "fallback" || sink.APIs[1].Owner != "identity" {
		t.Errorf("owners %q %q", sink.APIs[0].Owner, sink.APIs[1].Owner)
	}
	wantOrder := []string{"api", "evidence", "endpoint", "evidence", "api", "evidence", "endpoint", "evidence", "endpoint", "evidence"}
	if !reflect.DeepEqual(sink.Order, wantOrder) {
		t.Errorf("order %v", sink.Order)
	}
	if a := sink.Evidences[0].Artifact; a.Name != "specs/legacy/api.json" || a.ContentType != "application/json" {
		t.Errorf("artifact %+v", a)
	}
	users := sink.Evidences[2:]
	if a := users[0].Artifact; a.Name != "specs/users.yaml" || a.ContentType != "application/yaml" || string(a.Data) != userSpec {
		t.Errorf("artifact %s %s", a.Name, a.ContentType)
	}
	// External refs resolved inside the source root, recursively and
	// across files; the escaping one is not followed.
	want(t, "GET /users", users[1].Facts, map[string]any{
		collectors.FactRequestSchemaDefined: true,
		collectors.FactRequestBounded:       true,
		collectors.FactDataSensitiveFields: []string{
			"common/more.yaml#/Address/properties/street",
			"common/schemas.yaml#/components/schemas/User/properties/email",
		},
	})
	want(t, "GET /escape", users[2].Facts, map[string]any{
		collectors.FactResponseSchemaDefined: nil, // unknown: not followed
		collectors.FactDataSemanticTypes:     nil,
	})

	// Without external refs, the same facts are unknown and Parse warns.
	data, _ := testFS.ReadFile("specs/users.yaml")
	res, err := Parse("users.yaml", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "no FS", res.Evidence[1].Facts, map[string]any{collectors.FactRequestSchemaDefined: nil, collectors.FactDataSensitiveFields: nil})
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "external file references are not followed") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// With the whole FS as the root, ../secret.yaml is inside it.
	res, err = Parse("specs/users.yaml", data, Options{RefFS: testFS, RefPath: "specs/users.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "wide root", res.Evidence[2].Facts, map[string]any{collectors.FactResponseSchemaDefined: true})
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestCollectFSErrors(t *testing.T) {
	bad := fstest.MapFS{
		"a.yaml":       {Data: []byte(userSpec)},
		"b.yaml":       {Data: []byte("openapi: 3.0.0\ninfo: {title: B, version: '1'}\npaths:\n  /x: {get: {responses: {'200': {$ref: 'c.yaml#/nope'}}}}\n")},
		"c.yaml":       {Data: []byte("other: {}\n")},
		"d.yaml":       {Data: []byte("openapi: 3.0.0\ninfo: {title: D, version: '1'}\npaths:\n  /x: {get: {responses: {'200': {$ref: 'bomb.yaml#/x'}}}}\n")},
		"bomb.yaml":    {Data: []byte(strings.SplitN(aliasBomb, "x-lol:\n", 2)[1])},
		"notes.yaml":   {Data: []byte("hello: world\n")},
		"missing.yaml": {Data: []byte("openapi: 3.0.0\ninfo: {title: M, version: '1'}\npaths:\n  /x: {get: {responses: {'200': {$ref: 'gone.yaml#/r'}}}}\n")},
	}
	run := func(paths ...string) error {
		return (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: bad, Paths: paths}, &memSink{})
	}
	// A $ref to a pointer missing in an existing file names both files.
	err := run("b.yaml")
	if !errors.Is(err, ErrRefMissing) || !strings.Contains(err.Error(), `openapi: b.yaml: line 4: /paths/~1x/get/responses/200: $ref "c.yaml#/nope"`) {
		t.Errorf("missing pointer: %v", err)
	}
	// A bomb in a referenced file is stopped by safedecode.
	err = run("d.yaml")
	if !errors.Is(err, safedecode.ErrAliasExpansion) || !strings.Contains(err.Error(), "openapi: d.yaml: line 4:") || !strings.Contains(err.Error(), "bomb.yaml: line 6") {
		t.Errorf("bomb: %v", err)
	}
	// A referenced file that does not exist is a warning, not an error.
	if err := run("missing.yaml"); err != nil {
		t.Errorf("missing file: %v", err)
	}
	// A file named explicitly must be OpenAPI.
	err = run("notes.yaml")
	if !errors.Is(err, ErrNotOpenAPI) || !strings.HasPrefix(err.Error(), "openapi: notes.yaml: ") {
		t.Errorf("explicit non-OpenAPI: %v", err)
	}
	if err := run("nope.yaml"); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("missing path: %v", err)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: bad}, &memSink{}); err == nil {
		t.Error("no paths accepted")
	}
	// Options are validated.
	err = (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: bad, Paths: []string{"a.yaml"}, Options: map[string]string{"max_bytes": "x"}}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Errorf("bad option: %v", err)
	}
	err = (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: bad, Paths: []string{"a.yaml"}, Options: map[string]string{"max_bytes": "100"}}, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "openapi: a.yaml: input exceeds the size limit of 100 bytes") {
		t.Errorf("max_bytes: %v", err)
	}
	// external_refs=false leaves them unresolved.
	sink := &memSink{}
	err = (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: bad, Paths: []string{"b.yaml"}, Options: map[string]string{"external_refs": "false"}}, sink)
	if err != nil || len(sink.Endpoints) != 1 {
		t.Errorf("external_refs=false: %v", err)
	}
}

func TestCollectSinkAndContext(t *testing.T) {
	src := collectors.Source{Name: "fs", FS: testFS, Paths: []string{"specs"}}
	sink := &memSink{FailAfter: 3}
	if err := (Collector{}).Collect(context.Background(), src, sink); !errors.Is(err, collectortest.ErrSinkFull) {
		t.Fatalf("sink error not returned: %v", err)
	}
	if sink.Calls != 4 {
		t.Fatalf("collector went on after the sink failed: %d calls", sink.Calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Collect over OS paths: a directory and a single file, each file once.
func TestCollectOS(t *testing.T) {
	dir := t.TempDir()
	for name, f := range testFS {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	specs := filepath.Join(dir, "specs")
	single := filepath.Join(specs, "users.yaml")
	sink := &memSink{}
	src := collectors.Source{Name: "os", Paths: []string{single, specs}}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.APIs) != 2 || sink.APIs[0].Name != "Users" || sink.APIs[1].Name != "Legacy" {
		t.Fatalf("APIs %+v", sink.APIs)
	}
	if sink.Evidences[0].Artifact.Name != single {
		t.Errorf("artifact %s", sink.Evidences[0].Artifact.Name)
	}
	// Named alone, the file's directory is the root: ../secret.yaml stays out.
	want(t, "escape", sink.Evidences[2].Facts, map[string]any{collectors.FactResponseSchemaDefined: nil})
	want(t, "users", sink.Evidences[1].Facts, map[string]any{collectors.FactRequestBounded: true})

	// A symlink pointing outside the root is not followed.
	if err := os.Symlink(filepath.Join(dir, "secret.yaml"), filepath.Join(specs, "common", "link.yaml")); err == nil {
		doc := strings.Replace(userSpec, "../secret.yaml#/x", "common/link.yaml#/x", 1)
		if err := os.WriteFile(single, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		sink := &memSink{}
		if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "os", Paths: []string{single}}, sink); err != nil {
			t.Fatalf("symlink: %v", err)
		}
		want(t, "symlink", sink.Evidences[2].Facts, map[string]any{collectors.FactResponseSchemaDefined: nil})
	}
}

// A Tyk OAS definition is an OpenAPI document carrying x-tyk-api-gateway:
// gateway configuration first, so auto-detection leaves it to the tyk
// collector even when x-tyk-api-gateway comes after the openapi key.
func TestDetectDeclinesTykOAS(t *testing.T) {
	head := []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-tyk-api-gateway:\n  info: {name: t}\n")
	if (Collector{}).Detect("tyk.yaml", head) {
		t.Fatal("Detect claims a Tyk OAS definition")
	}
	if !(Collector{}).Detect("api.yaml", []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")) {
		t.Fatal("Detect misses a plain OpenAPI document")
	}
}
