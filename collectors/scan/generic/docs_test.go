package generic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// schema is a hand check of docs/findings.schema.json: the keywords the
// schema uses, and nothing else (validate fails on any other keyword, so a
// constraint cannot be ignored silently).
type schema struct{ root map[string]any }

func loadSchema(t *testing.T) *schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "findings.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	return &schema{root}
}

func decodeInstance(t *testing.T, data string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	return v
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// validate returns the violations of v against sch, with their paths.
func (s *schema) validate(sch map[string]any, v any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	for kw, arg := range sch {
		switch kw {
		case "$schema", "title", "description", "$defs":
		case "$ref":
			ref := arg.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			def, found := s.root["$defs"].(map[string]any)[name].(map[string]any)
			if !ok || !found {
				fail("unresolvable $ref %q", ref)
				continue
			}
			errs = append(errs, s.validate(def, v, path)...)
		case "type":
			k := jsonKind(v)
			if k != arg.(string) && !(arg == "number" && k == "integer") {
				fail("type %s, want %s", k, arg)
			}
		case "enum":
			if !slices.ContainsFunc(arg.([]any), func(e any) bool { return e == v }) {
				fail("%v not in %v", v, arg)
			}
		case "pattern":
			if str, ok := v.(string); ok && !regexp.MustCompile(arg.(string)).MatchString(str) {
				fail("%q does not match %s", str, arg)
			}
		case "minLength":
			n, _ := arg.(json.Number).Int64()
			if str, ok := v.(string); ok && int64(utf8.RuneCountInString(str)) < n {
				fail("shorter than %d", n)
			}
		case "minimum":
			m, _ := arg.(json.Number).Float64()
			if num, ok := v.(json.Number); ok {
				if f, _ := num.Float64(); f < m {
					fail("%v < %v", f, m)
				}
			}
		case "required":
			if obj, ok := v.(map[string]any); ok {
				for _, r := range arg.([]any) {
					if _, has := obj[r.(string)]; !has {
						fail("missing %q", r)
					}
				}
			}
		case "properties":
			if obj, ok := v.(map[string]any); ok {
				props := arg.(map[string]any)
				for k, pv := range obj {
					if ps, known := props[k]; known {
						errs = append(errs, s.validate(ps.(map[string]any), pv, path+"."+k)...)
					}
				}
			}
		case "additionalProperties":
			if arg != false {
				fail("unsupported additionalProperties %v", arg)
			}
			if obj, ok := v.(map[string]any); ok {
				props, _ := sch["properties"].(map[string]any)
				for k := range obj {
					if _, known := props[k]; !known {
						fail("additional property %q", k)
					}
				}
			}
		case "items":
			if arr, ok := v.([]any); ok {
				for i, e := range arr {
					errs = append(errs, s.validate(arg.(map[string]any), e, fmt.Sprintf("%s[%d]", path, i))...)
				}
			}
		case "oneOf", "anyOf":
			n := 0
			var why []string
			for _, alt := range arg.([]any) {
				sub := s.validate(alt.(map[string]any), v, path)
				if len(sub) == 0 {
					n++
				}
				why = append(why, sub...)
			}
			if (kw == "oneOf" && n != 1) || (kw == "anyOf" && n == 0) {
				fail("%s: %d alternatives match", kw, n)
				if n == 0 {
					errs = append(errs, why...)
				}
			}
		default:
			fail("unsupported keyword %q in the schema", kw)
		}
	}
	sort.Strings(errs)
	return errs
}

func (s *schema) finding() map[string]any {
	return s.root["$defs"].(map[string]any)["finding"].(map[string]any)
}

// example is a fenced code block of docs/findings-format.md.
type example struct {
	lang, text string
}

func docExamples(t testing.TB) []example {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "findings-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	for _, m := range regexp.MustCompile("(?s)```(\\w+)\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		out = append(out, example{m[1], m[2]})
	}
	return out
}

// The hand check itself can fail: it rejects what the schema forbids.
func TestSchemaHandCheck(t *testing.T) {
	s := loadSchema(t)
	for doc, want := range map[string]string{
		`{"findings": []}`:                       "",
		`[]`:                                     "",
		`{"findings": [], "extra": 1}`:           `additional property "extra"`,
		`{"tool": "x"}`:                          `missing "findings"`,
		`[{"title": "t"}]`:                       `missing "severity"`,
		`[{"severity": "low"}]`:                  "anyOf: 0 alternatives match",
		`[{"title": "t", "severity": "urgent"}]`: "not in",
		`[{"title": "t", "severity": "High"}]`:   "not in",
		`[{"title": "t", "severity": "low", "line": -1}]`:         "< 0",
		`[{"title": "t", "severity": "low", "line": 1.5}]`:        "type number, want integer",
		`[{"title": "t", "severity": "low", "cwe": "XSS"}]`:       "oneOf: 0 alternatives match",
		`[{"title": "t", "severity": "low", "owasp": "A1:2021"}]`: "does not match",
		`[{"title": "t", "severity": "low", "tags": "a;b"}]`:      "type string, want array",
		`[{"title": "", "severity": "low"}]`:                      "shorter than 1",
		`"findings"`:                                              "oneOf: 0 alternatives match",
	} {
		errs := s.validate(s.root, decodeInstance(t, doc), "$")
		if want == "" && len(errs) != 0 {
			t.Errorf("%s: %v", doc, errs)
		}
		if want != "" && !strings.Contains(strings.Join(errs, "\n"), want) {
			t.Errorf("%s: %v, want %q", doc, errs, want)
		}
	}
}

// The schema's finding properties are the parser's Fields, and its
// document properties the keys a document may have; doc.go's table names
// every field.
func TestSchemaMatchesParser(t *testing.T) {
	s := loadSchema(t)
	props := func(m map[string]any) []string {
		var ks []string
		for k := range m["properties"].(map[string]any) {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	fields := slices.Sorted(slices.Values(Fields))
	if got := props(s.finding()); !slices.Equal(got, fields) {
		t.Errorf("schema finding properties %v, parser %v", got, fields)
	}
	doc := s.root["$defs"].(map[string]any)["document"].(map[string]any)
	if got := props(doc); !slices.Equal(got, slices.Sorted(slices.Values(docFields))) {
		t.Errorf("schema document properties %v, parser %v", got, docFields)
	}
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "findings-format.md"))
	for _, f := range Fields {
		if !regexp.MustCompile(`(?m)^//\t` + f + `\s`).Match(src) {
			t.Errorf("doc.go's field table lacks %q", f)
		}
		if !strings.Contains(string(md), "| `"+f+"`") {
			t.Errorf("findings-format.md's field table lacks %q", f)
		}
	}
}

// Every example of docs/findings-format.md is valid against the schema
// (JSON; each JSON Lines line against $defs/finding), is detected or not
// as the document says, and parses to what the example shows.
func TestDocExamples(t *testing.T) {
	s := loadSchema(t)
	exs := docExamples(t)
	var langs []string
	for _, ex := range exs {
		langs = append(langs, ex.lang)
	}
	if !slices.Equal(langs, []string{"yaml", "json", "json", "jsonl", "csv"}) {
		t.Fatalf("examples %v", langs)
	}
	type want struct {
		name     string
		detected bool
		summary  []string // API|Tool|RuleID|Severity|Location|Method|CWE|OWASP|Fingerprint
	}
	wants := []want{
		{"scan.json", true, []string{
			"payments|acme-api-scanner|AUTH-001|high|https://payments.example.com/v1/payments/42|GET|306|API2:2023|acme-api-scanner:AUTH-001:GET:/v1/payments/{id}",
			"payments|acme-api-scanner|SEC-017|critical|internal/client/config.go:27||798||",
		}},
		{"scan.json", false, []string{
			"shop.example.com:8443|findings|Verbose error messages|low|https://shop.example.com:8443/api/orders?id=%27|GET|0||",
		}},
		{"scan.jsonl", false, []string{
			"search|findings|RL-1|medium|/v2/search|POST|0||",
			"search|findings|RL-1|medium|/v2/suggest|GET|0||",
		}},
		{"scan.csv", true, []string{
			"api.example.com|findings|HDR-1|medium|https://api.example.com/|GET|319||",
			"api.example.com|findings|HDR-2|medium|https://api.example.com/|GET|200||",
		}},
	}
	for i, w := range wants {
		ex := exs[i+1]
		switch ex.lang {
		case "json":
			if errs := s.validate(s.root, decodeInstance(t, ex.text), "$"); len(errs) != 0 {
				t.Errorf("example %d: %v", i+1, errs)
			}
		case "jsonl":
			for _, line := range strings.Split(strings.TrimSpace(ex.text), "\n") {
				if errs := s.validate(s.finding(), decodeInstance(t, line), "$"); len(errs) != 0 {
					t.Errorf("example %d: %v", i+1, errs)
				}
			}
		}
		if got := (Collector{}).Detect(w.name, []byte(ex.text)); got != w.detected {
			t.Errorf("example %d: detected %v", i+1, got)
		}
		res, err := Parse(w.name, []byte(ex.text), collectors.Source{})
		if err != nil {
			t.Fatalf("example %d: %v", i+1, err)
		}
		scantest.Check(t, res)
		var got []string
		for _, f := range res.Findings {
			got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%d|%s|%s", f.API, f.Tool, f.RuleID, f.Severity, f.Location, f.Method, f.CWE, f.OWASP, f.Fingerprint))
		}
		if !slices.Equal(got, w.summary) || len(res.Warnings) != 0 {
			t.Errorf("example %d:\n%s\nwarnings %q", i+1, strings.Join(got, "\n"), res.Warnings)
		}
	}
}
