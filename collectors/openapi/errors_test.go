package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// parseErr parses data expecting an error of kind; it checks that the
// message starts with "openapi: <name>: " and contains every want string.
func parseErr(t *testing.T, name string, data []byte, opt Options, kind error, wants ...string) error {
	t.Helper()
	res, err := Parse(name, data, opt)
	if err == nil {
		t.Fatalf("Parse(%s) succeeded with %d endpoints, want an error", name, len(res.Endpoints))
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("Parse(%s) = %v, want kind %v", name, err, kind)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != name {
		t.Errorf("Parse(%s) = %T %v, want an *Error naming the file", name, err, err)
	}
	if !strings.HasPrefix(err.Error(), "openapi: "+name+": ") {
		t.Errorf("message %q does not start with the file name", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}
	return err
}

func TestBadInputNotOpenAPI(t *testing.T) {
	parseErr(t, "kong.yaml", []byte("_format_version: \"3.0\"\nservices: []\n"), Options{}, ErrNotOpenAPI,
		`not an OpenAPI or Swagger document: no "openapi" or "swagger" field`)
	parseErr(t, "k8s.yaml", []byte("kind: ConfigMap\ndata:\n  openapi: 3.0.0\n"), Options{}, ErrNotOpenAPI,
		`no top-level "openapi" or "swagger" field`)
	parseErr(t, "list.json", []byte(`[{"openapi": "3.0.0"}]`), Options{}, ErrNotOpenAPI, "the top level is an array")
	parseErr(t, "nested.json", []byte(`{"info": {"openapi": "3.0.0"}}`), Options{}, ErrNotOpenAPI, `no top-level "openapi"`)
	parseErr(t, "empty.yaml", nil, Options{}, ErrNotOpenAPI)
	parseErr(t, "scalar.yaml", []byte("openapi"), Options{}, ErrNotOpenAPI, "the top level is a scalar")
	parseErr(t, "v4.yaml", []byte("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"), Options{}, ErrUnsupportedVersion,
		`line 1: /openapi: unsupported OpenAPI version "4.0.0"`)
	parseErr(t, "s12.json", []byte("{\n \"swagger\": \"1.2\",\n \"info\": {}\n}"), Options{}, ErrUnsupportedVersion,
		`line 2: /swagger: unsupported Swagger version "1.2"`)
	parseErr(t, "obj.yaml", []byte("openapi: {a: 1}\npaths: {}\n"), Options{}, ErrUnsupportedVersion, `"<object>"`)
}

func TestBadInputSize(t *testing.T) {
	doc := []byte(securitySpec)
	parseErr(t, "big.yaml", doc, Options{Limits: safedecode.Limits{MaxBytes: 100}}, safedecode.ErrTooLarge,
		"openapi: big.yaml: input exceeds the size limit of 100 bytes")
	// A file over the default 64 MiB limit is refused from its size alone
	// (a sparse file: nothing is read).
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
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "openapi: "+p+": ") ||
		!strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("huge file: %v", err)
	}
}

// 50 MB of random bytes fails at once with an error naming the file.
func TestBadInputGarbage(t *testing.T) {
	dir := t.TempDir()
	src := rand.NewChaCha8([32]byte{1})
	rng := rand.New(src)
	data := make([]byte, 50<<20)
	_, _ = src.Read(data)
	p := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{p}}, &memSink{})
	if err == nil || !strings.HasPrefix(err.Error(), "openapi: "+p+": ") {
		t.Fatalf("garbage: %v", err)
	}
	// The same bytes in a directory are not detected as OpenAPI: skipped.
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{dir}}, sink); err != nil || len(sink.APIs) != 0 {
		t.Fatalf("garbage in a directory: %v, %d APIs", err, len(sink.APIs))
	}
	// Printable garbage (one giant YAML scalar) is rejected as well.
	for i := range data {
		data[i] = 'a' + byte(rng.IntN(26))
	}
	parseErr(t, "letters.yaml", data, Options{}, ErrNotOpenAPI)
}

func TestBadInputTruncated(t *testing.T) {
	lineRe := regexp.MustCompile(`: line \d+`)
	for _, rel := range []string{"crapi/crapi-openapi-spec.json", "twilio/twilio_api_v2010.json", "discord/openapi.json"} {
		data, err := os.ReadFile(testutil.Corpus(t, "specs/openapi/"+rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, frac := range []float64{0.001, 0.25, 0.5, 0.9, 0.9999} {
			cut := data[:int(float64(len(data))*frac)]
			err := parseErr(t, rel, cut, Options{}, safedecode.ErrSyntax, "(truncated?)")
			if !lineRe.MatchString(err.Error()) {
				t.Errorf("%s cut at %d: no line in %q", rel, len(cut), err)
			}
		}
	}
	// YAML: cutting inside a quoted scalar is a syntax error with a line;
	// a cut between lines may leave valid YAML, which must then either
	// parse or fail with a clear error, never crash.
	for _, rel := range []string{"vampi/openapi3.yml", "twilio/twilio_studio_v2.yaml", "learn-openapis/v3.1-tictactoe.yaml"} {
		data, err := os.ReadFile(testutil.Corpus(t, "specs/openapi/"+rel))
		if err != nil {
			t.Fatal(err)
		}
		q := bytes.IndexByte(data[len(data)/2:], '"')
		if q < 0 {
			q = bytes.IndexByte(data[len(data)/2:], '\'')
		}
		if q < 0 {
			t.Fatalf("%s: no quote in the second half", rel)
		}
		cut := data[:len(data)/2+q+1]
		err = parseErr(t, rel, cut, Options{}, safedecode.ErrSyntax)
		if !lineRe.MatchString(err.Error()) {
			t.Errorf("%s: no line in %q", rel, err)
		}
		for n := 1; n < len(data); n += len(data)/37 + 1 {
			res, err := Parse(rel, data[:n], Options{})
			switch {
			case err != nil:
				if !strings.HasPrefix(err.Error(), "openapi: "+rel+": ") || errors.Is(err, ErrParserPanic) {
					t.Errorf("%s cut at %d: %v", rel, n, err)
				}
			default:
				checkResult(t, res)
			}
		}
	}
}

const aliasBomb = `openapi: 3.0.0
info: {title: bomb, version: "1"}
paths: {}
x-lol:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestBadInputAliasBomb(t *testing.T) {
	parseErr(t, "bomb.yaml", []byte(aliasBomb), Options{}, safedecode.ErrAliasExpansion,
		"openapi: bomb.yaml: line 10, column 10: alias expansion exceeds 100000 nodes")
}

func TestBadInputDeep(t *testing.T) {
	deep := `{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x-deep": ` +
		strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "}"
	parseErr(t, "deep.json", []byte(deep), Options{}, safedecode.ErrTooDeep, "line 1, column", "depth limit of 256")
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep:\n")
	for i := 1; i < 300; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	parseErr(t, "deep.yaml", []byte(b.String()), Options{}, safedecode.ErrTooDeep, "line 260, column 257:")
}

func TestBadInputRefs(t *testing.T) {
	loop := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/A'}
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
`
	parseErr(t, "loop.yaml", []byte(loop), Options{}, ErrRefLoop,
		"$ref loop with no schema in between: /components/schemas/A -> /components/schemas/B -> /components/schemas/A",
		"line 14")
	self := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    Me: {$ref: '#/components/schemas/Me', description: me}\n"
	parseErr(t, "self.yaml", []byte(self), Options{}, ErrRefLoop,
		"line 5: /components/schemas/Me: $ref loop with no schema in between: /components/schemas/Me -> /components/schemas/Me")
	param := `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: '#/parameters/P'}]
      responses: {"200": {description: ok}}
parameters:
  P: {$ref: '#/parameters/Q'}
  Q: {$ref: '#/parameters/P'}
`
	parseErr(t, "ploop.yaml", []byte(param), Options{}, ErrRefLoop, "line 9: /parameters/P: $ref loop with no schema in between: /parameters/P -> /parameters/Q -> /parameters/P")

	missing := strings.Replace(loop, "'#/components/schemas/A'}", "'#/components/schemas/Nope'}", 1)
	parseErr(t, "missing.yaml", []byte(missing), Options{}, ErrRefMissing,
		`line 11: /paths/~1a/get/responses/200/content/application~1json/schema: $ref "#/components/schemas/Nope": "/components/schemas/Nope" does not exist`)
	unused := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/B'}\n"
	parseErr(t, "unused.yaml", []byte(unused), Options{}, ErrRefMissing, "line 9: /components/schemas/A/properties/b:", `no "B" under /components/schemas`)
	badIndex := strings.Replace(missing, "#/components/schemas/Nope", "#/paths/~1a/get/parameters/3", 1)
	parseErr(t, "index.yaml", []byte(badIndex), Options{}, ErrRefMissing, `no "parameters" under /paths/~1a/get`)

	// A recursive schema is legal: no error, no endless loop.
	rec := strings.Replace(loop, "    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
		"    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}\n    B: {type: array, items: {$ref: '#/components/schemas/A'}}\n", 1)
	if _, err := Parse("rec.yaml", []byte(rec), Options{}); err != nil {
		t.Fatalf("recursive schema: %v", err)
	}
}

func TestBadInputStructure(t *testing.T) {
	parseErr(t, "op.yaml", []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: [1, 2]\n"), Options{}, ErrInvalid,
		"line 5: /paths/~1a/get: operation must be an object, not an array")
	parseErr(t, "paths.yaml", []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: [1]\n"), Options{}, ErrInvalid,
		"/paths: must be an object")
	parseErr(t, "param.yaml", []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [7]\n      responses: {}\n"), Options{}, ErrInvalid,
		"/paths/~1a/get/parameters/0: parameter must be an object, not a scalar")
	// A media type that is an external $ref crashes libopenapi's model
	// builder (v0.42.4, external resolution off) with a nil pointer in one
	// of its goroutines, which no recover can catch; Parse does not use it.
	res, err := Parse("extmedia.yaml", []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /e:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json: {$ref: 'other.yaml#/x'}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Endpoints) != 1 || len(res.Warnings) == 0 {
		t.Fatalf("endpoints %v warnings %q", res.Endpoints, res.Warnings)
	}
	parseErr(t, "dup.yaml", []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\npaths: {}\n"), Options{}, nil, "line 4")
}

// Hostile but valid shapes: a chain of 100000 schemas (each the property
// of the previous, through $refs) and oneOf alternatives nested 12 deep,
// 40 wide. Both must finish quickly without exhausting the stack.
func TestHostileSchemaGraphs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"openapi": "3.0.0", "info": {"title": "chain", "version": "1"}, "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}, "responses": {"204": {"description": "x"}}}}}, "components": {"schemas": {`)
	const n = 100_000
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"S%d": {"type": "object", "additionalProperties": false, "properties": {"next": {"$ref": "#/components/schemas/S%d"}}}`, i, (i+1)%n)
	}
	b.WriteString("}}}")
	res, err := Parse("chain.json", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "chain", res.Evidence[1].Facts, map[string]any{collectors.FactRequestStrict: true, collectors.FactRequestBounded: true})

	b.Reset()
	b.WriteString("openapi: 3.1.0\ninfo: {title: alts, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/L0'}}}}\n      responses: {'204': {description: x}}\ncomponents:\n  schemas:\n")
	for d := 0; d < 12; d++ {
		fmt.Fprintf(&b, "    L%d:\n      oneOf:\n", d)
		for w := 0; w < 40; w++ {
			if d == 11 {
				b.WriteString("        - {type: string, maxLength: 3}\n")
			} else {
				fmt.Fprintf(&b, "        - {$ref: '#/components/schemas/L%d'}\n", d+1)
			}
		}
	}
	res, err = Parse("alts.yaml", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "alts", res.Evidence[1].Facts, map[string]any{collectors.FactRequestBounded: true})
}
