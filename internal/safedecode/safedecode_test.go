package safedecode

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/internal/testutil"
	"go.yaml.in/yaml/v3"
)

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *safedecode.Error", err, err)
	}
	return e
}

func TestDefaults(t *testing.T) {
	l := DefaultLimits()
	if l.MaxBytes != 64<<20 || l.MaxDepth != 256 || l.MaxAliasNodes != 100_000 || l.AliasRatio != 10 {
		t.Fatalf("defaults = %+v", l)
	}
	if got := (Limits{MaxDepth: 3}).Normalize(); got.MaxDepth != 3 || got.MaxBytes != DefaultMaxBytes {
		t.Fatalf("Normalize kept/filled wrongly: %+v", got)
	}
}

func TestReadAll(t *testing.T) {
	lim := Limits{MaxBytes: 10}
	got, err := ReadAll(strings.NewReader("0123456789"), "ok.json", lim)
	if err != nil || string(got) != "0123456789" {
		t.Fatalf("at the limit: %q, %v", got, err)
	}
	_, err = ReadAll(strings.NewReader("0123456789A"), "big.json", lim)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if want := "big.json: input exceeds the size limit of 10 bytes"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// An endless reader is cut off after MaxBytes+1 bytes.
	_, err = ReadAll(endless{}, "stream", Limits{MaxBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "stream: input exceeds the size limit of 1 MiB") {
		t.Fatalf("endless reader: %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestReadFile(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":   {Data: []byte("a: 1\n")},
		"big.yaml": {Data: bytes.Repeat([]byte("x"), 2048)},
		"dir/x":    {Data: []byte("x")},
	}
	if got, err := ReadFile(fsys, "a.yaml", Limits{}); err != nil || string(got) != "a: 1\n" {
		t.Fatalf("ReadFile: %q %v", got, err)
	}
	_, err := ReadFile(fsys, "big.yaml", Limits{MaxBytes: 1024})
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "big.yaml: ") || !strings.Contains(err.Error(), "1 KiB") {
		t.Fatalf("big: %v", err)
	}
	if _, err := ReadFile(fsys, "missing.yaml", Limits{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := ReadFile(fsys, "dir", Limits{}); err == nil {
		t.Fatal("reading a directory succeeded")
	}

	// A sparse file over the default 64 MiB limit is rejected from its
	// metadata, without reading 65 MB.
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "huge.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(os.DirFS(dir), "huge.json", Limits{})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "huge.json: input exceeds the size limit of 64 MiB" {
		t.Fatalf("huge: %v", err)
	}
}

func TestCheckJSONValid(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `"x\u00e9\n"`, `true`, `null`,
		" \n{\"a\": [1, 2, {\"b\": null}], \"c\": \"\\\"\"}\n",
		"\xEF\xBB\xBF{\"bom\": true}",
	} {
		if err := CheckJSON("t.json", []byte(in), Limits{}); err != nil {
			t.Errorf("CheckJSON(%q) = %v", in, err)
		}
	}
}

func TestCheckJSONErrors(t *testing.T) {
	cases := []struct {
		in         string
		line, col  int
		kind       error
		msgContain string
	}{
		{"", 1, 1, ErrSyntax, "unexpected end of JSON input"},
		{"{\n  \"a\": 1,\n  \"b\": [1, 2", 3, 13, ErrSyntax, "expecting ',' or ']'"},
		{"{\"a\": \"abc", 1, 11, ErrSyntax, "in the string starting at byte 6 (truncated?)"},
		{"{\"a\" 1}", 1, 6, ErrSyntax, "expecting ':'"},
		{"{\"a\": 1,}", 1, 9, ErrSyntax, "expecting a string (object key)"},
		{"[1,]", 1, 4, ErrSyntax, "expecting a value"},
		{"[01]", 1, 3, ErrSyntax, "expecting ',' or ']'"},
		{"[1.]", 1, 4, ErrSyntax, "after the decimal point"},
		{"[tru]", 1, 5, ErrSyntax, `literal "true"`},
		{"{} {}", 1, 4, ErrSyntax, "after the top-level value"},
		{"\"a\tb\"", 1, 3, ErrSyntax, "control character 0x09"},
		{`"\x"`, 1, 3, ErrSyntax, `invalid escape \x`},
		{`"\u12G4"`, 1, 6, ErrSyntax, `in \u escape`},
		{"\n\n   [[[", 3, 6, ErrTooDeep, "depth limit of 2"},
	}
	for _, c := range cases {
		lim := Limits{}
		if c.kind == ErrTooDeep {
			lim.MaxDepth = 2
		}
		err := CheckJSON("spec.json", []byte(c.in), lim)
		if err == nil {
			t.Errorf("CheckJSON(%q) succeeded", c.in)
			continue
		}
		e := asError(t, err)
		if e.File != "spec.json" || e.Line != c.line || e.Column != c.col || !errors.Is(err, c.kind) || !strings.Contains(e.Msg, c.msgContain) {
			t.Errorf("CheckJSON(%q) = %q (line %d col %d kind %v), want line %d col %d %v containing %q",
				c.in, err, e.Line, e.Column, e.Kind, c.line, c.col, c.kind, c.msgContain)
		}
		if !strings.HasPrefix(err.Error(), "spec.json: line ") {
			t.Errorf("message %q does not start with the file and line", err)
		}
	}
}

func TestCheckJSONDeepNesting(t *testing.T) {
	// 100k levels: rejected at level 257 without recursion.
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	err := CheckJSON("deep.json", []byte(deep), Limits{})
	if !errors.Is(err, ErrTooDeep) || asError(t, err).Offset != 256 {
		t.Fatalf("deep: %v", err)
	}
	ok := strings.Repeat(`{"a":`, 256) + "1" + strings.Repeat("}", 256)
	if err := CheckJSON("ok.json", []byte(ok), Limits{}); err != nil {
		t.Fatalf("256 levels: %v", err)
	}
	if err := CheckJSON("big.json", []byte(ok), Limits{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("size: %v", err)
	}
}

// corpusFiles lists the files under shared/corpus with one of exts.
func corpusFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	root := testutil.Corpus(t, ".")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, e := range exts {
			if !d.IsDir() && strings.HasSuffix(p, e) {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %v files under %s", exts, root)
	}
	return files
}

// Every real JSON file in the corpus gets the verdict encoding/json gives.
func TestCheckJSONCorpus(t *testing.T) {
	files := corpusFiles(t, ".json")
	files = append(files, filepath.Join(testutil.SharedDir(t), "bench", "api.github.com.json"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got := CheckJSON(p, data, Limits{}) == nil
		if want := json.Valid(bytes.TrimPrefix(data, utf8BOM)); got != want {
			t.Errorf("%s: CheckJSON ok=%v, json.Valid=%v", p, got, want)
		}
		if !got {
			continue
		}
		// Truncating a valid document anywhere inside it is an error that
		// points at the end of the input.
		for _, frac := range []int{2, 3, 7} {
			cut := data[:len(data)*(frac-1)/frac]
			err := CheckJSON("cut.json", cut, Limits{})
			if err == nil {
				t.Errorf("%s cut at %d bytes: accepted", p, len(cut))
				continue
			}
			e := asError(t, err)
			if e.Line < 1 || !strings.Contains(e.Msg, "truncated?") && !strings.Contains(e.Msg, "invalid character") {
				t.Errorf("%s cut at %d: %v", p, len(cut), err)
			}
		}
	}
}

func TestCheckYAMLCorpus(t *testing.T) {
	for _, p := range corpusFiles(t, ".yaml", ".yml") {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckYAML(p, data, Limits{}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

const billionLaughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestCheckYAMLAliasBomb(t *testing.T) {
	err := CheckYAML("spec.yaml", []byte(billionLaughs), Limits{})
	if !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("billion laughs: %v", err)
	}
	// f's aliases are the first to push the expansion past 100000 nodes.
	if want := "spec.yaml: line 6, column 8: alias expansion exceeds 100000 nodes (at alias *e)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// A far bigger bomb (9^40 nodes) saturates instead of overflowing.
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 40; i++ {
		p := "*l" + itoa(i-1)
		b.WriteString("l" + itoa(i) + ": &l" + itoa(i) + " [" + strings.Repeat(p+", ", 8) + p + "]\n")
	}
	if err := CheckYAML("bomb.yaml", []byte(b.String()), Limits{}); !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("deep bomb: %v", err)
	}
	// Moderate, legitimate alias use passes.
	ok := "base: &base {a: 1, b: 2}\nx: *base\ny: *base\nz: {<<: *base, c: 3}\n"
	if err := CheckYAML("ok.yaml", []byte(ok), Limits{}); err != nil {
		t.Fatalf("legit aliases: %v", err)
	}
	// The budget scales with the document: 10 × its own nodes.
	if err := CheckYAML("small.yaml", []byte(billionLaughs), Limits{MaxAliasNodes: 10, AliasRatio: 1}); !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("tiny budget: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCheckYAMLDepth(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		b.WriteString(strings.Repeat("  ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat("  ", 300) + "v\n")
	err := CheckYAML("deep.yaml", []byte(b.String()), Limits{})
	if !errors.Is(err, ErrTooDeep) || !strings.HasPrefix(err.Error(), "deep.yaml: line 257") {
		t.Fatalf("block nesting: %v", err)
	}
	// Flow nesting far beyond the parser's own limit fails cleanly too.
	flow := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if err := CheckYAML("flow.yaml", []byte(flow), Limits{}); err == nil {
		t.Fatal("20000-deep flow sequence accepted")
	}
	// Aliases can build depth that the text does not show.
	var a strings.Builder
	a.WriteString("a0: &a0 [x]\n")
	for i := 1; i < 10; i++ {
		a.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [*a" + itoa(i-1) + "]\n")
	}
	err = CheckYAML("alias-deep.yaml", []byte(a.String()), Limits{MaxDepth: 8})
	if !errors.Is(err, ErrTooDeep) || !strings.Contains(err.Error(), "alias *a6 expands past the depth limit of 8") {
		t.Fatalf("alias depth: %v", err)
	}
}

func TestCheckYAMLSyntax(t *testing.T) {
	err := CheckYAML("bad.yaml", []byte("a: 1\nb: [1, 2\nc: 3\n"), Limits{})
	e := asError(t, err)
	if !errors.Is(err, ErrSyntax) || e.Line == 0 || !strings.HasPrefix(err.Error(), "bad.yaml: line ") {
		t.Fatalf("syntax: %v", err)
	}
	// Later documents of a stream are checked too.
	err = CheckYAML("multi.yaml", []byte("a: 1\n---\n"+billionLaughs), Limits{})
	if !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("multi-document: %v", err)
	}
	docs, err := DecodeYAML("two.yaml", []byte("a: 1\n---\nb: 2\n"), Limits{})
	if err != nil || len(docs) != 2 {
		t.Fatalf("two documents: %d %v", len(docs), err)
	}
	if err := CheckYAML("big.yaml", []byte("a: 1\n"), Limits{MaxBytes: 2}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("size: %v", err)
	}
}

func TestCheckNodeHandBuilt(t *testing.T) {
	// An alias whose anchor is not complete (impossible from the parser)
	// is an error, not a hang.
	seq := &yaml.Node{Kind: yaml.SequenceNode, Anchor: "s", Line: 1}
	seq.Content = []*yaml.Node{{Kind: yaml.AliasNode, Alias: seq, Value: "s", Line: 2}}
	if err := CheckNode("hand.yaml", seq, Limits{}); err == nil || !strings.Contains(err.Error(), "hand.yaml: line 2") {
		t.Fatalf("self alias: %v", err)
	}
}

func TestCheckSniffs(t *testing.T) {
	if err := Check("a.yaml", []byte("{a: 1}"), Limits{}); err != nil {
		t.Fatalf("YAML flow mapping: %v", err)
	}
	if err := Check("a.json", []byte("{a: 1}"), Limits{}); !errors.Is(err, ErrSyntax) {
		t.Fatalf("invalid JSON named .json: %v", err)
	}
	if err := Check("a.yaml", []byte(billionLaughs), Limits{}); !errors.Is(err, ErrAliasExpansion) {
		t.Fatalf("YAML bomb: %v", err)
	}
	if err := Check("a.json", []byte(`{"a": [1, 2]}`), Limits{}); err != nil {
		t.Fatal(err)
	}
	if !LooksLikeJSON([]byte("\xEF\xBB\xBF \n[1]")) || LooksLikeJSON([]byte("a: 1")) || LooksLikeJSON(nil) {
		t.Fatal("LooksLikeJSON")
	}
}

// FuzzCheckJSON compares the scanner with encoding/json on arbitrary input.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2,{"a":"b"}]`, `{"a":`, `"\u00zz"`, `-01`, `1e`, `[[[[]]]]`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := CheckJSON("f.json", data, Limits{MaxDepth: 64})
		if errors.Is(err, ErrTooDeep) || bytes.HasPrefix(data, utf8BOM) {
			return
		}
		if got, want := err == nil, json.Valid(data); got != want {
			t.Fatalf("CheckJSON(%q) = %v, json.Valid = %v", data, err, want)
		}
		if err != nil {
			e := asError(t, err)
			if e.Line < 1 || e.Column < 1 || e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("bad position %+v", e)
			}
		}
	})
}

// FuzzCheckYAML makes sure the YAML checks never panic or hang and that a
// document they accept stays within the limits when expanded.
func FuzzCheckYAML(f *testing.F) {
	for _, s := range []string{billionLaughs, "a: &a [1]\nb: [*a, *a]\n", "a:\n  b:\n    c: [1, {d: e}]\n", "- &x\n  - *x\n", "{[", "a: !!binary ZZZ"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxDepth: 16, MaxAliasNodes: 1000, AliasRatio: 2}
		docs, err := DecodeYAML("f.yaml", data, lim)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		// Expanding every alias stays within depth and budget.
		var count func(n *yaml.Node, depth int) int
		total := 0
		count = func(n *yaml.Node, depth int) int {
			if n == nil {
				return depth
			}
			if n.Kind == yaml.AliasNode {
				total++
				return count(n.Alias, depth)
			}
			if isContainer(n) {
				depth++
			}
			if depth > lim.MaxDepth {
				t.Fatalf("accepted a tree deeper than %d", lim.MaxDepth)
			}
			total++
			if total > 1_000_000 {
				t.Fatalf("accepted a tree expanding past 1e6 nodes")
			}
			max := depth
			for _, c := range n.Content {
				if d := count(c, depth); d > max {
					max = d
				}
			}
			return max
		}
		for _, d := range docs {
			count(d, 0)
		}
	})
}
