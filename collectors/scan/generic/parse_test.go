package generic

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

func parseOK(t *testing.T, name, data string, src collectors.Source) *Result {
	t.Helper()
	return scantest.ParseOK(t, Parse, name, []byte(data), src)
}

func TestJSONErrors(t *testing.T) {
	doc := "{\n  \"tool\": \"x\",\n  \"findings\": [\n    {\"title\": \"a\", \"severity\": \"low\"},\n    {\"title\": \"b\", \"sevrity\": \"low\"}\n  ]\n}"
	parseErr(t, "d.json", []byte(doc), ErrFormat, "d.json:5:5: findings[1].sevrity: unknown field (a finding has rule_id, title, severity")
	if res := parseOK(t, "d.json", strings.Replace(doc, `"sevrity"`, `"severity"`, 1), collectors.Source{}); len(res.Findings) != 2 {
		t.Errorf("fixed document: %d findings", len(res.Findings))
	}
	for data, wants := range map[string][]string{
		`{"findings": [], "version": 2}`:                                  {"d.json:1:1: version: unknown field (a document has $schema, tool, api, findings)"},
		`{"findings": {}}`:                                                {"d.json:1:14: findings: want an array"},
		`{"tool": 7, "findings": []}`:                                     {"d.json:1:1: tool: want a string"},
		`[{"title": "t"}]`:                                                {"d.json:1:2: [0].severity: required"},
		`[{"severity": "low", "description": "d"}]`:                       {"d.json:1:2: [0]: rule_id or title is required"},
		`[{"title": "t", "severity": "low", "cwe": "XSS"}]`:               {`[0].cwe: "XSS" is not a CWE id`},
		`[{"title": "t", "severity": "low", "cwe": true}]`:                {"[0].cwe: want a number or a string"},
		`[{"title": "t", "severity": "low", "line": -3}]`:                 {`[0].line: "-3" is not a line number`},
		`[{"title": "t", "severity": "low", "line": 2.5}]`:                {`[0].line: "2.5" is not a line number`},
		`[{"title": "t", "severity": "low", "method": "GET /x"}]`:         {`[0].method: "GET /x" is not an HTTP method`},
		`[{"title": "t", "severity": "low", "tags": "a"}]`:                {"[0].tags: want an array of strings"},
		`[{"title": "t", "severity": "low", "tags": [1]}]`:                {"[0].tags: want an array of strings"},
		`[{"title": ["t"], "severity": "low"}]`:                           {"[0].title: want a string"},
		`[1]`:                                                             {"d.json:1:2: [0]: a finding must be a JSON object"},
		`{"site": [{"alerts": []}]}`:                                      {"d.json:1:1: site: unknown field"},
		"{\"title\": \"a\", \"severity\": \"low\"}\n{\"title\": \"b\"}\n": {"d.json:2:1: severity: required"},
		"{\"title\": \"a\", \"severity\": \"low\"}\n{\"title\": \"b\",\n": {"d.json:2:", "truncated"},
	} {
		parseErr(t, "d.json", []byte(data), nil, wants...)
	}
	parseErr(t, "t.json", []byte(doc[:len(doc)/2]), safedecode.ErrSyntax, "t.json:4:", "truncated")
	parseErr(t, "deep.json", []byte(`{"findings": [`+strings.Repeat("[", 300)+strings.Repeat("]", 300)+"]}"), safedecode.ErrTooDeep, "deep.json:1:")
}

func TestCSVErrors(t *testing.T) {
	for data, wants := range map[string][]string{
		"":                            {"f.csv:1: CSV: no header row"},
		"rule_id,severity,sevrity\n":  {`f.csv:1:18: CSV: unknown column "sevrity" (the columns are rule_id, title`},
		"rule_id,Severity,SEVERITY\n": {`f.csv:1:18: CSV: column "severity" appears twice`},
		"rule_id,title\nx,y\n":        {"f.csv:1: CSV: the header must name severity and rule_id or title"},
		"severity,cwe\nlow,79\n":      {"f.csv:1: CSV: the header must name severity"},
		"rule_id,severity\nr1,low\nr2,low,extra\n":      {"f.csv:3:", "wrong number of fields"},
		"rule_id,severity\nr1,low\nr2,\n":               {"f.csv:3: severity: required"},
		"rule_id,severity,line\nr1,low,x\n":             {`f.csv:2: line: "x" is not a line number`},
		"rule_id,severity\nr1,low\n\"r2,low\n":          {"f.csv:3:", "extraneous or missing \" in quoted-field"},
		"title,severity,cwe\n\"a \"\"b\"\"\",low,CWE\n": {`f.csv:2: cwe: "CWE" is not a CWE id`},
	} {
		parseErr(t, "f.csv", []byte(data), ErrFormat, wants...)
	}
}

func TestMapping(t *testing.T) {
	doc := `{"tool": "acme", "api": "orders", "findings": [
	  {"rule_id": "R1", "severity": "High", "fingerprint": "fp1", "url": "https://x.example/a", "tags": ["t1", "t1", "t2"]},
	  {"rule_id": "R1", "severity": "high", "fingerprint": "fp1", "url": "https://x.example/b"},
	  {"rule_id": "R2", "severity": "urgent", "owasp": "A01:2021", "tool": "other", "fingerprint": "fp1", "api": "billing", "file": "src\\a.go"},
	  {"title": "Only a title", "severity": "9.1", "owasp": "api4", "file": "a.go", "line": "12", "cwe": "89", "description": null}
	]}`
	res := parseOK(t, "reports/acme.json", doc, collectors.Source{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, strings.Join([]string{f.API, f.Tool, f.RuleID, f.Title, f.Severity, f.RawSeverity, f.OWASP, f.Location, f.File, f.Fingerprint, strings.Join(f.Tags, ",")}, "|"))
	}
	want := []string{
		// fp1 of acme twice: one finding; other:fp1 is a different tool's.
		"orders|acme|R1|R1|high|High||https://x.example/a||acme:fp1|t1,t2,occurrences:2",
		"billing|other|R2|R2|info|urgent||src/a.go|src/a.go|other:fp1|",
		"orders|acme|Only a title|Only a title|critical|9.1|API4:2023|a.go:12|a.go||",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}
	if res.Findings[2].CWE != 89 || res.Findings[2].Line != 12 {
		t.Errorf("%+v", res.Findings[2])
	}
	wantW := []string{
		`line 4: findings[2]: unknown severity "urgent"; taken as info`,
		`line 4: findings[2]: owasp "A01:2021" is not an OWASP API Security 2023 category (API1:2023 ... API10:2023); left out`,
	}
	if !reflect.DeepEqual(res.Warnings, wantW) {
		t.Errorf("warnings %q", res.Warnings)
	}
	if len(res.Evidence) != 2 || res.Evidence[0].API != "orders" || res.Evidence[1].API != "billing" ||
		res.Evidence[0].Artifact.ContentType != "application/json" {
		t.Errorf("evidence %+v", res.Evidence)
	}
	// The source's api wins; its tool option names the tool of files that
	// do not; an empty document still says the API is tested.
	res = parseOK(t, "r.json", doc, collectors.Source{API: "Everything"})
	for _, f := range res.Findings {
		if f.API != "Everything" {
			t.Errorf("api setting: %q", f.API)
		}
	}
	res = parseOK(t, "r.csv", "title,severity\nt,low\n", collectors.Source{Options: map[string]string{"tool": "mytool"}})
	if res.Findings[0].Tool != "mytool" || res.Findings[0].API != "r" || res.Evidence[0].Artifact.ContentType != "text/csv" {
		t.Errorf("%+v", res.Findings[0])
	}
	// CSV bytes that are not UTF-8 are stored as U+FFFD.
	res = parseOK(t, "r.csv", "title,severity\n\"a\x81b\",low\n", collectors.Source{})
	if res.Findings[0].Title != "a\uFFFDb" {
		t.Errorf("title %q", res.Findings[0].Title)
	}
	res = parseOK(t, "r.json", `{"tool": "t", "api": "payments", "findings": []}`, collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "payments" {
		t.Errorf("empty document: %+v", res)
	}
	res = parseOK(t, "dir/empty.jsonl", "", collectors.Source{})
	if len(res.Findings) != 0 || res.Evidence[0].API != "empty" {
		t.Errorf("empty file: %+v", res)
	}
	// CSV: a BOM, any column order and case, quoted cells, ";" tags, a
	// content that does not look like JSON read as CSV whatever its name.
	csvData := "\ufeffTags , URL,Severity,Rule_ID,Method,Line,File\n\"a; b;\",https://h.example:8443/x,LOW,r1,post,,\n,,medium,r2,,0,lib/x.py\n"
	for _, name := range []string{"x.csv", "x.txt"} {
		res = parseOK(t, name, csvData, collectors.Source{})
		f, g := res.Findings[0], res.Findings[1]
		if f.API != "h.example:8443" || f.Method != "POST" || f.Severity != "low" || !reflect.DeepEqual(f.Tags, []string{"a", "b"}) ||
			g.Location != "lib/x.py" || g.Line != 0 || g.API != "x" {
			t.Errorf("%s: %+v\n%+v", name, f, g)
		}
	}
}

func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"in/scan.json": {Data: []byte(`{"tool": "acme", "findings": [{"rule_id": "r", "severity": "low", "api": "a"}]}`)},
		"in/scan.csv":  {Data: []byte("rule_id,severity,api\nr,high,b\n")},
		"in/list.json": {Data: []byte(`[{"rule_id": "r", "severity": "low"}]`)},
		"in/other.csv": {Data: []byte("name,value\na,1\n")},
		"in/zap.json":  {Data: []byte(`{"site": []}`)},
	}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"in"}}
	sink, err := scantest.Collect(Collector{}, src)
	if err != nil {
		t.Fatal(err)
	}
	// Only the document and the CSV are detected: a bare list is read only
	// when named.
	if len(sink.Evidences) != 2 || len(sink.Findings) != 2 || sink.Findings[0].API != "b" || sink.Findings[1].API != "a" {
		t.Errorf("%+v", sink)
	}
	src.Paths = []string{"in/list.json"}
	if sink, err = scantest.Collect(Collector{}, src); err != nil || len(sink.Findings) != 1 || sink.Findings[0].API != "list" {
		t.Errorf("named list: %v %+v", err, sink)
	}
	src.Paths = []string{"in/other.csv"}
	if _, err := scantest.Collect(Collector{}, src); !errors.Is(err, ErrFormat) ||
		!strings.HasPrefix(err.Error(), `findings: in/other.csv:1:1: CSV: unknown column "name"`) {
		t.Errorf("named other CSV: %v", err)
	}
}

func TestDetect(t *testing.T) {
	c := Collector{}
	for name, head := range map[string]string{
		"a.json": `{"tool": "x", "findings": []}`,
		"b.json": `{"findings": [{"severity": "low", "title": "t"}]}`,
		"c.json": `{"findings": [{"rule_id": "r"`,
		"d.CSV":  "Rule_ID,Severity\nr,low\n",
		"e.csv":  "\ufefftitle,severity",
		"f":      `{"$schema": "s", "tool": "x", "findings": [`,
	} {
		if !c.Detect(name, []byte(head)) {
			t.Errorf("not detected: %s %s", name, head)
		}
	}
	for name, head := range map[string]string{
		"a.json":  `{"findings": []}`,
		"b.json":  `{"findings": [{"id": 1}]}`,
		"c.json":  `[{"rule_id": "r", "severity": "low"}]`,
		"d.jsonl": `{"rule_id": "r", "severity": "low"}`,
		"e.csv":   "rule_id,title\n",
		"f.txt":   "rule_id,severity\n",
		"g.json":  `{"tool": "x", "findings": {}}`,
		"h.csv":   "\"rule_id,severity\n",
	} {
		if c.Detect(name, []byte(head)) {
			t.Errorf("detected: %s %s", name, head)
		}
	}
}

// No file of the shared corpus is in this format: none is claimed.
func TestDetectCorpus(t *testing.T) {
	if n, _ := scantest.DetectCorpus(t, Collector{}.Detect, ""); n < 50 {
		t.Errorf("%d files", n)
	}
}

// parseErr parses data expecting an *Error naming the file, of errKind
// (nil: any), whose message contains every want string.
// A file without findings scopes the import by the tool its findings
// would carry (the document's, the source's, else DefaultTool), so a
// clean re-scan fixes what the last one found.
func TestEmptyFileScopesItsTool(t *testing.T) {
	for _, c := range []struct {
		doc, option, api, tool string
	}{
		{`{"tool": "acme-api-scanner", "api": "payments", "findings": []}`, "", "payments", "acme-api-scanner"},
		{`{"tool": "acme-api-scanner", "findings": []}`, "other", "e", "acme-api-scanner"},
		{`{"findings": []}`, "zap-baseline", "e", "zap-baseline"},
		{`[]`, "", "e", DefaultTool},
		{"severity,title\n", "", "e", DefaultTool},
		{`{"tool": "  ", "findings": []}`, "", "e", DefaultTool},
	} {
		name := "e.json"
		if strings.HasPrefix(c.doc, "severity") {
			name = "e.csv"
		}
		src := collectors.Source{Options: map[string]string{"tool": c.option}}
		res := parseOK(t, name, c.doc, src)
		if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != c.api || res.Evidence[0].Location != c.tool {
			t.Errorf("%s: %+v", c.doc, res.Evidence)
		}
		// With a finding, its Tool is that Location.
		if !strings.HasPrefix(c.doc, "{") {
			continue
		}
		withOne := strings.Replace(c.doc, `"findings": []`, `"findings": [{"title": "t", "severity": "low"}]`, 1)
		res = parseOK(t, name, withOne, src)
		if len(res.Findings) != 1 || res.Findings[0].Tool != c.tool || res.Evidence[0].Location != c.tool {
			t.Errorf("%s: finding %+v evidence %+v", withOne, res.Findings, res.Evidence)
		}
	}
}

func parseErr(t *testing.T, name string, data []byte, errKind error, wants ...string) *Error {
	t.Helper()
	return scantest.ParseErr(t, Kind, Parse, name, data, errKind, wants...)
}
