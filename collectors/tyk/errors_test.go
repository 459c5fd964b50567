package tyk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// parseErr parses data expecting an error of kind whose message starts
// with "tyk: <name>: " and contains every want string.
func parseErr(t *testing.T, name, data string, opt Options, kind error, wants ...string) *Error {
	t.Helper()
	res, err := Parse(name, []byte(data), opt)
	if err == nil {
		t.Fatalf("Parse(%s) succeeded with %d routes, want an error", name, len(res.Evidence))
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("Parse(%s) = %v, want kind %v", name, err, kind)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != name {
		t.Fatalf("Parse(%s) = %T %v, want an *Error naming the file", name, err, err)
	}
	if !strings.HasPrefix(err.Error(), "tyk: "+name+": ") {
		t.Errorf("message %q does not start with the file name", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}
	return e
}

func TestBadInputSyntaxAndLimits(t *testing.T) {
	doc := apiDoc(nil)
	parseErr(t, "big.json", doc, Options{Limits: safedecode.Limits{MaxBytes: 100}}, safedecode.ErrTooLarge,
		"tyk: big.json: input exceeds the size limit of 100 bytes")
	parseErr(t, "trunc.json", "{\n  \"api_id\": \"a\",\n  \"proxy\": {\n    \"listen_path\": \"/a/\"\n", Options{}, safedecode.ErrSyntax,
		"line 5", "truncated")
	parseErr(t, "comma.json", "{\n  \"api_id\": \"a\",\n  \"proxy\": {},\n}\n", Options{}, safedecode.ErrSyntax, "line 4")
	deep := strings.Repeat("[", 50) + strings.Repeat("]", 50)
	parseErr(t, "deep.json", deep, Options{Limits: safedecode.Limits{MaxDepth: 20}}, safedecode.ErrTooDeep, "line 1", "depth limit of 20")
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"x-tyk-api-gateway: {}\n"
	parseErr(t, "bomb.yaml", bomb, Options{}, safedecode.ErrAliasExpansion, "line 5", "alias expansion exceeds")
	parseErr(t, "bad.yaml", "x-tyk-api-gateway:\n  info: [\n", Options{}, safedecode.ErrSyntax, "line")
	parseErr(t, "empty.json", "", Options{}, ErrNotTyk, "empty file")
}

func TestBadInputNotTyk(t *testing.T) {
	parseErr(t, "kong.yaml", "_format_version: \"3.0\"\nservices: []\n", Options{}, ErrNotTyk, "not a Tyk API definition")
	parseErr(t, "openapi.json", `{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}`, Options{}, ErrNotTyk,
		`no "proxy"/"api_id"`)
	parseErr(t, "policy.json", `{"id": "p1", "rate": 100, "per": 60, "access_rights": {"a": {"api_id": "a"}}}`, Options{}, ErrNotTyk)
	parseErr(t, "scalars.json", `[1, 2]`, Options{}, ErrInvalid, "/0: expected an API definition object, found a number")
	parseErr(t, "mixed.json", "[\n"+apiDoc(nil)+",\n {\"hello\": 1}\n]", Options{}, ErrNotTyk, "/1: not a Tyk API definition")
	parseErr(t, "string.json", `"api_id"`, Options{}, ErrNotTyk, "top level is not a JSON object or array")
}

func TestBadInputStructure(t *testing.T) {
	// Missing listen path: the pointer and the line of the proxy object.
	e := parseErr(t, "nolp.json", "{\n  \"api_id\": \"a\",\n  \"name\": \"A\",\n  \"proxy\": {\n    \"target_url\": \"http://x\"\n  }\n}\n", Options{}, ErrInvalid,
		"/proxy/listen_path: no listen path")
	if e.Line != 0 {
		t.Errorf("absent value has no line, got %d", e.Line)
	}
	parseErr(t, "slash.json", apiDoc(map[string]any{"proxy": map[string]any{"listen_path": "orders"}}), Options{}, ErrInvalid,
		"line 5: /proxy/listen_path: listen path \"orders\" does not start with \"/\"")
	parseErr(t, "anon.json", `{"proxy": {"listen_path": "/x/"}, "use_keyless": true}`, Options{}, ErrInvalid, "neither a name nor an api_id")
	// A path that is not a regular expression, at its pointer and line.
	doc := apiDoc(map[string]any{"version_data": paths(map[string]any{"white_list": []any{
		map[string]any{"path": "/ok"}, map[string]any{"path": "/users/(unclosed"}}})})
	e = parseErr(t, "regex.json", doc, Options{}, ErrInvalid,
		"/version_data/versions/Default/extended_paths/white_list/1/path: path \"/users/(unclosed\" is not a regular expression", "missing closing )")
	if e.Line == 0 {
		t.Error("regex error without line")
	}
	// Values of the wrong type, as the gateway's decoder refuses them.
	parseErr(t, "type.json", "{\n  \"api_id\": \"a\",\n  \"use_keyless\": \"yes\",\n  \"proxy\": {\"listen_path\": \"/a/\"}\n}", Options{}, ErrInvalid,
		"line 3: /use_keyless: a JSON string where Tyk expects a boolean")
	parseErr(t, "nested.json", apiDoc(map[string]any{"version_data": paths(map[string]any{"size_limits": []any{map[string]any{"path": "/x", "size_limit": "big"}}})}),
		Options{}, ErrInvalid, "line 17: /version_data/versions/Default/extended_paths/size_limits/0/size_limit: a JSON string where Tyk expects an integer")
	parseErr(t, "list.json", `[{"api_id": "b", "proxy": {"listen_path": "/b/"}},`+"\n"+` {"api_id": "a", "proxy": {"listen_path": ["/a/"]}}]`,
		Options{}, ErrInvalid, "line 2: /1/proxy/listen_path: a JSON array where Tyk expects a string")
	parseErr(t, "type.yaml", "openapi: 3.0.3\nx-tyk-api-gateway:\n  info: {name: o}\n  server:\n    listenPath:\n      value: 5\n",
		Options{}, ErrInvalid, "line 6: /x-tyk-api-gateway/server/listenPath/value: a JSON number where Tyk expects a string")
	// not_versioned with no version Tyk can choose.
	parseErr(t, "ambiguous.json", apiDoc(map[string]any{"version_data": map[string]any{"not_versioned": true, "versions": map[string]any{
		"v1": map[string]any{"name": "v1"}, "v2": map[string]any{"name": "v2"}}}}), Options{}, ErrInvalid,
		"/version_data/versions: not_versioned is true but none of the 2 versions is named \"Default\"")
}

func TestBadInputOAS(t *testing.T) {
	op := "{\n\"openapi\": \"3.0.3\",\n\"paths\": {\"/a\": {\"get\": {\"operationId\": \"getA\"}}},\n\"x-tyk-api-gateway\": {\n \"info\": {\"name\": \"o\"},\n \"server\": {\"listenPath\": {\"value\": \"/o/\"}},\n \"middleware\": {\"operations\": {\n  \"getB\": {\"allow\": {\"enabled\": true}}}}}}"
	parseErr(t, "op.json", op, Options{}, ErrInvalid, "line 8: /x-tyk-api-gateway/middleware/operations/getB: operation \"getB\" is not an operationId under paths")
	scheme := `{"openapi": "3.0.3", "components": {"securitySchemes": {"s": {"type": "digest"}}},
	 "x-tyk-api-gateway": {"info": {"name": "o"}, "server": {"listenPath": {"value": "/o/"}, "authentication": {"enabled": true, "securitySchemes": {"s": {"enabled": true}}}}}}`
	parseErr(t, "scheme.json", scheme, Options{}, ErrInvalid, "/components/securitySchemes/s/type: unknown security scheme type \"digest\"")
	undeclared := `{"openapi": "3.0.3", "x-tyk-api-gateway": {"info": {"name": "o"}, "server": {"listenPath": {"value": "/o/"},
	 "authentication": {"enabled": true, "securitySchemes": {"nope": {"enabled": true}}}}}}`
	parseErr(t, "undeclared.json", undeclared, Options{}, ErrInvalid, "security scheme \"nope\" is not declared")
	per := "openapi: 3.0.3\nx-tyk-api-gateway:\n  info: {name: o}\n  server: {listenPath: {value: /o/}}\n  upstream:\n    rateLimit:\n      enabled: true\n      rate: 1\n      per: soon\n"
	parseErr(t, "per.yaml", per, Options{}, ErrInvalid, "line 9: /x-tyk-api-gateway/upstream/rateLimit/per: rate limit period \"soon\"")
	merge := "base: &b {value: /o/}\nx-tyk-api-gateway:\n  info: {name: o}\n  server:\n    listenPath:\n      <<: *b\n"
	parseErr(t, "merge.yaml", merge, Options{}, ErrInvalid, "line 6", "merge keys")
}

func TestBadGatewayConfig(t *testing.T) {
	_, err := ParseGatewayConfig("tyk.conf", []byte("{\n  \"enable_analytics\": \"yes\"\n}"), safedecode.Limits{})
	if err == nil || !strings.Contains(err.Error(), "tyk: tyk.conf: line 2: /enable_analytics:") {
		t.Errorf("tyk.conf type error: %v", err)
	}
	_, err = ParseGatewayConfig("tyk.conf", []byte("{"), safedecode.Limits{})
	if err == nil || !strings.Contains(err.Error(), "tyk: tyk.conf: ") {
		t.Errorf("tyk.conf syntax error: %v", err)
	}
	// Collect reports a broken tyk_conf before reading anything.
	fsys := fstest.MapFS{"apps/a.json": {Data: []byte(apiDoc(nil))}, "tyk.conf": {Data: []byte("[")}}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"apps"},
		Options: map[string]string{"tyk_conf": "tyk.conf"}}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "tyk: tyk.conf: ") {
		t.Errorf("Collect with broken tyk_conf: %v", err)
	}
}

func TestCollectBadFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"apps/good.json":   {Data: []byte(apiDoc(nil))},
		"apps/policy.json": {Data: []byte(`{"id": "p", "rate": 1}`)},
		"apps/notes.txt":   {Data: []byte("hello")},
		"bad/broken.json":  {Data: []byte("{\n  \"api_id\": \"x\",\n  \"org_id\": \"o\",\n  \"proxy\": {\n")},
		"kong.yaml":        {Data: []byte("_format_version: \"3.0\"\n")},
	}
	// In a directory, files that are not Tyk definitions are skipped.
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"apps"}}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.evidence) != 1 {
		t.Errorf("%d evidence, want 1", len(sink.evidence))
	}
	// A file named explicitly must be one.
	err := Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"kong.yaml"}}, &memSink{})
	if !errors.Is(err, ErrNotTyk) || !strings.Contains(err.Error(), "tyk: kong.yaml: ") {
		t.Errorf("explicit non-Tyk file: %v", err)
	}
	// A detected file that does not parse fails the run, naming it.
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"bad"}}, &memSink{})
	if !errors.Is(err, safedecode.ErrSyntax) || !strings.Contains(err.Error(), "tyk: bad/broken.json: line 5") {
		t.Errorf("broken file: %v", err)
	}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"missing"}}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: %v", err)
	}
	// A file over the limit is refused from its size alone (a sparse
	// file: nothing is read).
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{p}}, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "tyk: "+p+": ") || !strings.Contains(err.Error(), "64 MiB") {
		t.Errorf("huge file: %v", err)
	}
}

// Work stays bounded: many endpoint rules fall back to combining only
// rules with the same path (with a warning); versions times routes past
// the limit is an error.
func TestWorkLimits(t *testing.T) {
	var l []any
	for i := 0; i < 2000; i++ {
		l = append(l, map[string]any{"path": fmt.Sprintf("/p%d/{id}", i), "method": "GET"})
	}
	doc := apiDoc(map[string]any{"version_data": paths(map[string]any{"white_list": l,
		"size_limits": []any{map[string]any{"path": "/p7/{id}", "method": "GET", "size_limit": 9}}})})
	start := time.Now()
	res := mustParse(t, "many.json", doc, Options{})
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "only rules with the same path") || time.Since(start) > 5*time.Second {
		t.Errorf("warnings %q after %s", res.Warnings, time.Since(start))
	}
	wantFacts(t, "same path still combined", byName(t, res, "orders GET /p7/{id}").Facts, map[string]any{collectors.FactBodySizeMaxBytes: 9})

	versions := map[string]any{}
	for v := 0; v < 500; v++ {
		var wl []any
		for i := 0; i < 2; i++ {
			wl = append(wl, map[string]any{"path": fmt.Sprintf("/v%d/p%d", v, i)})
		}
		versions[fmt.Sprintf("v%d", v)] = map[string]any{"name": "v", "use_extended_paths": true, "extended_paths": map[string]any{"white_list": wl}}
	}
	parseErr(t, "versions.json", apiDoc(map[string]any{"version_data": map[string]any{"versions": versions}}), Options{}, ErrInvalid,
		"/version_data/versions: 1000 endpoint routes across 500 versions", "over the limit")
}
