package crunch42

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

// mini is a bare assessment (no wrapper) with one issue per case below.
const mini = `{
  "index": ["/paths/~1a~1{id}/patch/requestBody", "/paths/~1a/parameters/0", "/info"],
  "openapiState": "valid",
  "summary": {"apiName": "Mini"},
  "data": {"issues": {
    "v3-schema-string-maxlength": {"description": "String has no maximum length", "criticality": 3,
      "issues": [{"pointer": 0, "criticality": 2, "fingerprint": "f1"}, {"pointer": 1, "fingerprint": "f2"}, {"pointer": 0, "criticality": 2, "fingerprint": "f1"}]}
  }},
  "semanticErrors": {"issues": {"v3-semantic": {"description": "Broken", "issues": [{"pointer": 2}]}}},
  "warnings": {"issues": {"w": {"description": "Warn", "issues": [{"pointer": "/info/x"}]}}},
  "security": {"issues": {"odd": {"description": "Odd", "criticality": 7, "issues": [{"pointer": 2, "criticality": 0}]}}}
}`

func TestMiniAssessment(t *testing.T) {
	res := parseOK(t, "audit.json", []byte(mini), collectors.Source{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, strings.Join([]string{f.RuleID, f.Severity, f.RawSeverity, f.Location, f.Endpoint, f.Tags[0]}, "|"))
	}
	want := []string{
		// security first; criticality 0 on the instance falls back to the
		// issue's 7: not 1-5, so info with a warning.
		"odd|info|7|/info||section:security",
		// The instance's criticality wins over the issue's; the duplicate
		// fingerprint f1 is merged into the first.
		"v3-schema-string-maxlength|low|2|/paths/~1a~1{id}/patch/requestBody|PATCH /a/{id}|section:data",
		"v3-schema-string-maxlength|medium|3|/paths/~1a/parameters/0||section:data",
		// No criticality at all: 5 for semantic errors, 1 for warnings.
		"v3-semantic|critical|5|/info||section:semanticErrors",
		"w|info|1|/info/x||section:warnings",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}
	if !reflect.DeepEqual(res.Findings[1].Tags, []string{"section:data", "occurrences:2"}) {
		t.Errorf("merged tags %q", res.Findings[1].Tags)
	}
	if !reflect.DeepEqual(res.Warnings, []string{`security.issues.odd.issues[0]: criticality "7" is not 1-5; taken as info`}) {
		t.Errorf("warnings %q", res.Warnings)
	}
	if res.Findings[0].API != "Mini" || res.Findings[3].Fingerprint != "" {
		t.Errorf("%+v", res.Findings)
	}
	// A list of two wrapped reports: two APIs, each with evidence.
	list := `[{"taskId": "1", "report": ` + mini + `}, {"report": {"index": [], "summary": {"apiName": "Other"}, "data": {"issues": {}}}}]`
	res = parseOK(t, "audits.json", []byte(list), collectors.Source{})
	if len(res.Findings) != 5 || len(res.Evidence) != 2 || res.Evidence[1].API != "Other" {
		t.Errorf("list: %d findings, evidence %+v", len(res.Findings), res.Evidence)
	}
	// A report without an API name belongs to the file's.
	res = parseOK(t, "reports/audit-shop.json", []byte(`{"report": {"index": [], "security": {"issues": {}}}}`), collectors.Source{})
	if len(res.Findings) != 0 || res.Evidence[0].API != "audit-shop" || res.Evidence[0].Location != Kind {
		t.Errorf("clean report: %+v", res)
	}
}

func TestErrors(t *testing.T) {
	data := corpusFile(t)
	cut := data[:len(data)*2/3]
	e := parseErr(t, "cut.json", cut, safedecode.ErrSyntax, "truncated")
	if e.Line != strings.Count(string(cut), "\n")+1 {
		t.Errorf("truncated: line %d", e.Line)
	}
	// The corpus report with an instance pointing past the index.
	bad := strings.Replace(string(data), `"pointer": 7,`, `"pointer": 8,`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat,
		"report.security.issues.v3-operation-securityrequirement-apikey-inheader.issues[4].pointer: 8 is outside report.index (8 entries)")
	bad = strings.Replace(string(data), `"pointer": 7,`, `"pointer": 1.5,`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat, "1.5 is not an index")
	bad = strings.Replace(string(data), `"pointer": 7,`, `"pointer": null,`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat, "pointer: missing")
	// Wrong types name the field and line.
	bad = strings.Replace(string(data), `"index": [`, `"index": {"a": [`, 1)
	bad = strings.Replace(bad, `ApiKeyAuth"
        ],`, `ApiKeyAuth"]},`, 1)
	parseErr(t, "type.json", []byte(bad), ErrFormat, "type.json:4:", "report.index: want an array, got object")
	parseErr(t, "crit.json", []byte(`{"report": {"security": {"issues": {"a": {"criticality": "high", "issues": []}}}}}`), ErrFormat, "crit.json:1:")
	// Not an audit report.
	parseErr(t, "id.json", []byte(`{"index": ["/a"], "warnings": {"issues": {" ": {"issues": [{"pointer": 0}]}}}}`), ErrFormat,
		"id.json:1: warnings.issues: an issue with an empty id")
	parseErr(t, "zap.json", []byte(`{"site": []}`), ErrFormat, `no "report" object`)
	parseErr(t, "empty.json", nil, ErrFormat, "the file holds no report")
	parseErr(t, "list.json", []byte("[]"), ErrFormat, "the file holds no report")
	parseErr(t, "num.json", []byte(`[1]`), ErrFormat, "num.json:1:2: [0]: want an object")
	parseErr(t, "deep.json", []byte(`{"report":`+strings.Repeat(`{"a":`, 300)+"1"+strings.Repeat("}", 301)), safedecode.ErrTooDeep)
}

func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"r/audit.json": {Data: []byte(mini)},
		"r/other.json": {Data: []byte(`{"site": []}`)},
		"r/notes.txt":  {Data: []byte("hello")},
	}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"r"}}
	sink := scantest.CollectOK(t, Collector{}, src)
	if len(sink.Evidences) != 1 || len(sink.Findings) != 5 || len(sink.Warnings) != 1 ||
		!strings.HasPrefix(sink.Warnings[0], "r/audit.json: security.issues.odd") {
		t.Errorf("%d evidence %d findings warnings %q", len(sink.Evidences), len(sink.Findings), sink.Warnings)
	}
	// A named file that is not an audit report fails.
	src.Paths = []string{"r/other.json"}
	scantest.CollectErr(t, Collector{}, src, ErrFormat, "crunch42: r/other.json:")
}

func TestDetect(t *testing.T) {
	scantest.DetectCases(t, Collector{}.Detect, "a.json", []string{
		`{"end": "1", "report": {"index": ["/a"], "assessmentVersion": "3.1.6"`,
		`{"report": {"index": [], "openapiState": "valid"}}`,
		`{"assessmentReportVersion": "1.0.1", "index": []}`,
		`[{"report": {"assessmentVersion": "3"}}]`,
	}, []string{
		"", `{"report": {"index": []}}`, `{"x": {"report": {"assessmentVersion": "3"}}}`, `{"index": [], "openapi": "3.0.0"}`,
	})
}

func TestOperation(t *testing.T) {
	for ptr, want := range map[string]string{
		"/paths/~1a~1{id}/get/responses/200": "GET /a/{id}",
		"/paths/~1a/x-ext/get":               "",
		"/paths/~1a/parameters/0":            "",
		"/paths/~1a~0b/delete":               "DELETE /a~b",
		"/paths/a/get":                       "",
		"/components/schemas/A":              "",
		"paths/~1a/get":                      "",
		"":                                   "",
	} {
		if _, got := operation(ptr); got != want {
			t.Errorf("operation(%q) = %q, want %q", ptr, got, want)
		}
	}
}

// parseErr parses data expecting an *Error naming the file, of errKind
// (nil: any), whose message contains every want string.
func parseErr(t *testing.T, name string, data []byte, errKind error, wants ...string) *Error {
	t.Helper()
	return scantest.ParseErr(t, Kind, Parse, name, data, errKind, wants...)
}
