package graphql

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
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// parseErr parses files expecting an error of kind whose message starts
// with "graphql: <prefix>" and contains every want string.
func parseErr(t *testing.T, files []File, opt Options, kind error, prefix string, wants ...string) error {
	t.Helper()
	res, err := Parse("api", files, opt)
	if err == nil {
		t.Fatalf("Parse succeeded with %d endpoints, want an error", len(res.Endpoints))
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("Parse = %v, want kind %v", err, kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("Parse = %T %v, want an *Error", err, err)
	}
	if !strings.HasPrefix(err.Error(), "graphql: "+prefix) {
		t.Errorf("message %q does not start with %q", err, "graphql: "+prefix)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}
	return err
}

func one(name, content string) []File { return fileList(name, content) }

func TestErrorsSyntax(t *testing.T) {
	parseErr(t, one("s.graphql", "type Query {\n  a: Int\n  b:\n}\n"), Options{}, ErrSyntax, "s.graphql:4:1: ", "Expected Name")
	parseErr(t, one("s.graphql", "type Query {\n  a: Int\n"), Options{}, ErrSyntax, "s.graphql:3:1: ", "Expected Name, found <EOF>")
	parseErr(t, one("s.graphql", "type Query { a(x: String = \"unterminated\n): Int }"), Options{}, ErrSyntax, "s.graphql:1:41: Unterminated string.")
	parseErr(t, one("s.graphql", "typo Query { a: Int }"), Options{}, ErrSyntax, "s.graphql:1:1: ", `Unexpected Name "typo"`)
}

func TestErrorsInvalid(t *testing.T) {
	parseErr(t, one("schema.graphql", "type Query {\n  a: Int\n  b: Foo\n}\n"), Options{}, ErrInvalid,
		"schema.graphql:3:6: Undefined type Foo.")
	parseErr(t, one("s.graphql", "type Query {\n  a: Int @nope\n}\n"), Options{}, ErrInvalid,
		"s.graphql:2:11: Undefined directive nope.")
	parseErr(t, one("s.graphql", "type Query {\n  a: Int\n  a: String\n}\n"), Options{}, ErrInvalid,
		"s.graphql:3:3: Field Query.a can only be defined once.")
	parseErr(t, one("s.graphql", "interface I { id: ID! }\ntype Query implements I { a: Int }\n"), Options{}, ErrInvalid,
		"s.graphql:2:6: For Query to implement I it must have a field called id.")
	parseErr(t, one("s.graphql", "schema { query: Missing }\n"), Options{}, ErrInvalid,
		"s.graphql:1:10: Schema root query refers to a type Missing that does not exist.")
	// Platform directives are declared with the arguments they are given,
	// except reserved names, which stay errors at the place of use.
	parseErr(t, one("s.graphql", "type Query {\n  a: Int @key(__x: 1)\n}\n"), Options{}, ErrInvalid,
		"s.graphql:2:15: Undefined argument __x for directive key.")
	// The file the problem is in is named, not the first one.
	parseErr(t, fileList("a.graphql", "type Query { a: Int }\n", "b.graphql", "extend type Query {\n  b: Nope\n}\n"), Options{}, ErrInvalid,
		"b.graphql:2:6: Undefined type Nope.")
	parseErr(t, fileList("a.graphql", "type Query { a: Int }\n", "b.graphql", "type Query { b: Int }\n"), Options{}, ErrInvalid,
		"b.graphql:1:6: Cannot redeclare type Query.")
}

func TestErrorsNotSchema(t *testing.T) {
	parseErr(t, one("q.graphql", "# a client query\nquery Viewer {\n  viewer { login }\n}\n"), Options{}, ErrNotGraphQL,
		"q.graphql: an executable document")
	parseErr(t, one("q.graphql", "{ viewer { login } }"), Options{}, ErrNotGraphQL, "q.graphql: an executable document")
	parseErr(t, one("e.graphql", ""), Options{}, ErrNotGraphQL, "e.graphql: no type system definitions")
	parseErr(t, one("e.graphql", "# nothing here\n\n"), Options{}, ErrNotGraphQL, "e.graphql: no type system definitions")
	parseErr(t, nil, Options{}, ErrNotGraphQL, "api: no schema files")
	parseErr(t, fileList("a.graphql", "type Query { a: Int }", "a.graphql", "type B { b: Int }"), Options{}, ErrNotGraphQL,
		"a.graphql: file name empty, reserved or given twice")
	parseErr(t, one("x.json", `{"data": {"__schema": {}}}`), Options{}, ErrSyntax, "x.json:1:1: ")
}

func TestErrorsSize(t *testing.T) {
	doc := "type Query {\n  a: Int\n}\n"
	parseErr(t, one("s.graphql", doc), Options{Limits: safedecode.Limits{MaxBytes: 10}}, safedecode.ErrTooLarge,
		"s.graphql: input exceeds the size limit of 10 bytes")
	// The limit is for all files together: two files under it each, over
	// it together, fail on the second.
	parseErr(t, fileList("a.graphql", doc, "b.graphql", "type User { id: ID }\n"), Options{Limits: safedecode.Limits{MaxBytes: 30}},
		safedecode.ErrTooLarge, "b.graphql: the schema files exceed the size limit of 30 bytes in total")
	// A file over the default 64 MiB limit is refused from its size alone
	// (a sparse file: nothing is read).
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.graphql")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, path := range []string{p, dir} {
		err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{path}}, &memSink{})
		if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "graphql: "+p+": ") ||
			!strings.Contains(err.Error(), "64 MiB") {
			t.Errorf("huge file via %s: %v", path, err)
		}
	}
	// max_bytes bounds a directory in total.
	dir = t.TempDir()
	for i, content := range []string{doc, "type User { id: ID }\n"} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.graphql", i)), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{dir},
		Options: map[string]string{"max_bytes": "30"}}, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "1.graphql: the schema files exceed the size limit of 30 bytes in total") {
		t.Errorf("directory total: %v", err)
	}
}

func TestErrorsDepth(t *testing.T) {
	// "type Query {" opens level 1, "(" level 2, so the 255th "[" is
	// level 257.
	deepType := "type Query {\n  a(x: " + strings.Repeat("[", 300) + "Int" + strings.Repeat("]", 300) + "): Int\n}\n"
	parseErr(t, one("d.graphql", deepType), Options{}, safedecode.ErrTooDeep,
		"d.graphql:2:262: nesting exceeds the depth limit of 256")
	deepDefault := "input I { a: I }\ntype Query {\n  a(x: I = " + strings.Repeat("{a: ", 500) + "null" + strings.Repeat("}", 500) + "): Int\n}\n"
	parseErr(t, one("d.graphql", deepDefault), Options{}, safedecode.ErrTooDeep, "d.graphql:3:1028: ")
	// 3 million levels (gqlparser's own test of stack exhaustion) fail as
	// fast as 300.
	huge := "type Query { a(x: " + strings.Repeat("[", 3_000_000) + "Int" + strings.Repeat("]", 3_000_000) + "): Int }"
	parseErr(t, one("d.graphql", huge), Options{}, safedecode.ErrTooDeep, "d.graphql:1:")
	// A lower limit applies; brackets in strings, block strings and
	// comments do not count.
	parseErr(t, one("d.graphql", "type Query { a(x: [[[Int]]]): Int }"), Options{Limits: safedecode.Limits{MaxDepth: 3}}, safedecode.ErrTooDeep,
		"d.graphql:1:20: nesting exceeds the depth limit of 3")
	// GitHub's schema nests 3 deep (type body, arguments, default object).
	gh := githubSchema(t)
	if err := checkNesting("schema.graphql", gh, 3); err != nil {
		t.Errorf("GitHub at depth 3: %v", err)
	}
	parseErr(t, one("schema.graphql", string(gh)), Options{Limits: safedecode.Limits{MaxDepth: 2}}, safedecode.ErrTooDeep,
		"schema.graphql:", "nesting exceeds the depth limit of 2")
	brackets := strings.Repeat("[{(", 400)
	ok := "# " + brackets + "\n\"\"\"\n" + brackets + " \\\"\"\" " + brackets + "\n\"\"\"\ntype Query {\n  \"" + brackets + "\\\"\" a(x: String = \"" + brackets + "\"): Int\n}\n"
	res, err := Parse("api", one("ok.graphql", ok), Options{})
	if err != nil {
		t.Fatalf("brackets in strings and comments: %v", err)
	}
	checkResult(t, res)
}

// gqlparser's validator compares fields pairwise; a type with 200,000
// fields (2.6 MB) would take minutes. It is refused at once, naming it.
func TestErrorsComplexity(t *testing.T) {
	var b strings.Builder
	b.WriteString("type Query {\n  a: Int\n}\n\ntype Wide {\n")
	for i := range 200_000 {
		fmt.Fprintf(&b, "  f%d: Int\n", i)
	}
	b.WriteString("}\n")
	start := time.Now()
	parseErr(t, one("wide.graphql", b.String()), Options{}, ErrTooComplex, "wide.graphql:5:6: ",
		"schema too complex to validate", "type Wide (200000 fields")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	// Many arguments on one directive use.
	b.Reset()
	b.WriteString("directive @d(x: Int) on FIELD_DEFINITION\ntype Query {\n  a: Int @d(")
	for i := range 10_000 {
		fmt.Fprintf(&b, "a%d: 1 ", i)
	}
	b.WriteString(")\n}\n")
	parseErr(t, one("args.graphql", b.String()), Options{}, ErrTooComplex, "args.graphql:3:11: ", "@d (10000 arguments)")
	// Wide but legal: 5,000 fields validate.
	b.Reset()
	b.WriteString("type Query {\n")
	for i := range 5_000 {
		fmt.Fprintf(&b, "  f%d(a: Int, b: String): Int\n", i)
	}
	b.WriteString("}\n")
	res, err := Parse("api", one("ok.graphql", b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if len(res.Endpoints) != 5000 {
		t.Fatalf("%d endpoints", len(res.Endpoints))
	}
}

// Hostile but valid type graphs: a chain of 50,000 input types and one
// of 50,000 output types, each referring to the next and the last back
// to the first, finish quickly without exhausting the stack.
func TestHostileTypeGraphs(t *testing.T) {
	const n = 50_000
	var b strings.Builder
	b.WriteString("type Query {\n  in(x: I0): Int\n  out: O0\n}\n")
	for i := range n {
		fmt.Fprintf(&b, "input I%d { next: I%d, s: Boolean }\ntype O%d { next: O%d, e: ID }\n", i, (i+1)%n, i, (i+1)%n)
	}
	start := time.Now()
	res := mustParse(t, "chain.graphql", b.String())
	want(t, "in", endpointFacts(t, res, "QUERY in"), map[string]any{bounded: true})
	want(t, "out", endpointFacts(t, res, "QUERY out"), map[string]any{semantic: true})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	// One unbounded leaf at the far end of the chain is found.
	s := strings.Replace(b.String(), fmt.Sprintf("input I%d { next: I0, s: Boolean }", n-1), fmt.Sprintf("input I%d { next: I0, s: String }", n-1), 1)
	s = strings.Replace(s, fmt.Sprintf("type O%d { next: O0, e: ID }", n-1), fmt.Sprintf("type O%d { next: O0, e: String }", n-1), 1)
	res = mustParse(t, "chain.graphql", s)
	want(t, "in", endpointFacts(t, res, "QUERY in"), map[string]any{bounded: false})
	want(t, "out", endpointFacts(t, res, "QUERY out"), map[string]any{semantic: false})
}

// 20 MB of random bytes fails at once with an error naming the file.
func TestErrorsGarbage(t *testing.T) {
	src := rand.NewChaCha8([32]byte{1})
	data := make([]byte, 20<<20)
	_, _ = src.Read(data)
	parseErr(t, one("garbage.graphql", string(data)), Options{}, nil, "garbage.graphql")
	rng := rand.New(src)
	for i := range data {
		data[i] = 'a' + byte(rng.IntN(26))
	}
	parseErr(t, one("letters.graphql", string(data)), Options{}, ErrSyntax, "letters.graphql:1:1: ")
}

// The GitHub schema cut anywhere fails with a located error or parses.
func TestErrorsTruncated(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "specs/graphql/github/schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	located := regexp.MustCompile(`^graphql: schema\.graphql:\d+:\d+: `)
	for _, frac := range []float64{0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.9999} {
		cut := data[:int(float64(len(data))*frac)]
		res, err := Parse("github", one("schema.graphql", string(cut)), Options{})
		if err != nil {
			if !located.MatchString(err.Error()) || errors.Is(err, ErrParserPanic) {
				t.Errorf("cut at %d: %v", len(cut), err)
			}
			continue
		}
		checkResult(t, res)
	}
	// Cut in the middle of a description: an unterminated block string.
	// An opening """ is one with an even number of """ before it.
	half := len(data) / 2
	q := half + bytes.Index(data[half:], []byte(`"""`))
	if bytes.Count(data[:q], []byte(`"""`))%2 == 1 {
		q += 3 + bytes.Index(data[q+3:], []byte(`"""`))
	}
	parseErr(t, one("schema.graphql", string(data[:q+10])), Options{}, ErrSyntax, "schema.graphql:", "Unterminated string.")
}

func TestCollectErrors(t *testing.T) {
	ctx := context.Background()
	c := Collector{}
	dir := t.TempDir()
	for _, tc := range []struct {
		src  collectors.Source
		want string
	}{
		{collectors.Source{Name: "s"}, `graphql: source "s": no paths to read`},
		{collectors.Source{Name: "s", Paths: []string{filepath.Join(dir, "missing.graphql")}}, "graphql: stat " + filepath.Join(dir, "missing.graphql")},
		{collectors.Source{Name: "s", Paths: []string{dir}}, "graphql: " + dir + ": no .graphql, .graphqls or .gql schema files"},
		{collectors.Source{Name: "s", Paths: []string{dir}, Options: map[string]string{"max_bytes": "x"}}, `graphql: source "s": option max_bytes="x" is not a positive integer`},
		{collectors.Source{Name: "s", Paths: []string{dir}, Options: map[string]string{"endpoint": "ftp://x/graphql"}}, `graphql: source "s": option endpoint="ftp://x/graphql" is not an http(s) URL`},
		{collectors.Source{Name: "s", Paths: []string{dir}, Options: map[string]string{"endpoint": "/graphql"}}, `option endpoint="/graphql" is not an http(s) URL`},
	} {
		err := c.Collect(ctx, tc.src, &memSink{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.src, err, tc.want)
		}
	}
	// An explicitly named query document is an error; in a directory it
	// is skipped (and a directory with nothing else is an error).
	if err := os.WriteFile(filepath.Join(dir, "q.graphql"), []byte("query { viewer { login } }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := c.Collect(ctx, collectors.Source{Name: "s", Paths: []string{filepath.Join(dir, "q.graphql")}}, &memSink{})
	if !errors.Is(err, ErrNotGraphQL) || !strings.Contains(err.Error(), "q.graphql: an executable document") {
		t.Errorf("query file: %v", err)
	}
	err = c.Collect(ctx, collectors.Source{Name: "s", Paths: []string{dir}}, &memSink{})
	if !errors.Is(err, ErrNotGraphQL) {
		t.Errorf("directory of queries: %v", err)
	}
}
