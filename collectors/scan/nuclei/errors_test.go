package nuclei

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

const okLine = `{"template-id":"t1","info":{"name":"T","severity":"high"},"type":"http","host":"https://a.example","matched-at":"https://a.example/x"}`

func TestErrorsTruncated(t *testing.T) {
	// The v3 array cut in the middle of its 4th element: a syntax error
	// at the end of the input, with its line.
	data := corpusFile(t, "multiple_v3.json")
	cut := data[:len(data)/2]
	lines := strings.Count(string(cut), "\n") + 1
	e := parseErr(t, "v3.json", cut, safedecode.ErrSyntax, "truncated")
	if e.Line != lines {
		t.Errorf("line %d, want %d (the last line)", e.Line, lines)
	}
	// JSON Lines cut inside line 5: lines 1-4 are fine, line 5 is not.
	data = corpusFile(t, "many_findings.json")
	idx := 0
	for range 4 {
		idx += strings.IndexByte(string(data[idx:]), '\n') + 1
	}
	e = parseErr(t, "old.json", data[:idx+40], safedecode.ErrSyntax, "old.json:5:")
	if e.Line != 5 {
		t.Errorf("line %d", e.Line)
	}
}

func TestErrorsBadLines(t *testing.T) {
	data := okLine + "\n\n" + okLine + "\n{\"template-id\": \"t2\", }\n"
	parseErr(t, "r.jsonl", []byte(data), safedecode.ErrSyntax, "r.jsonl:4:23:")
	// A result of the wrong shape: the field path and its line.
	data = okLine + "\n" + `{"template-id":"t2","info":{"name":"T","tags":{"a":1}}}`
	parseErr(t, "r.jsonl", []byte(data), ErrFormat, "r.jsonl:2:", "info.tags:")
	parseErr(t, "r.jsonl", []byte(`{"template-id":"t","info":{"name":7}}`), ErrFormat, "r.jsonl:1:", "info.name: want a string, got number")
	// Not Nuclei output at all.
	parseErr(t, "zap.json", []byte(`{"@version":"2.11","site":[]}`), ErrFormat, `no "template-id"`)
	parseErr(t, "list.json", []byte(`[1, 2]`), ErrFormat, "list.json:1:2:", "must be a JSON object")
	parseErr(t, "text.txt", []byte("hello\nworld\n"), safedecode.ErrSyntax, "text.txt:1:1:")
	// Too deep, too long a line.
	deep := `{"template-id":"t","info":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}"
	parseErr(t, "deep.json", []byte(deep), safedecode.ErrTooDeep, "deep.json:1:")
	long := okLine + "\n" + `{"template-id":"t","response":"` + strings.Repeat("a", scan.MaxLine) + `"}` + "\n"
	parseErr(t, "long.jsonl", []byte(long), safedecode.ErrTooLarge, "long.jsonl:2:", "longer than 1 MiB")
}

func TestEmptyAndSkipped(t *testing.T) {
	for _, data := range []string{"", "\n  \n", "[]"} {
		res, err := Parse("scans/empty-run.json", []byte(data), collectors.Source{})
		if err != nil {
			t.Fatal(err)
		}
		// A clean run is still evidence that the API is tested.
		if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "empty-run" || res.Evidence[0].Location != Tool {
			t.Errorf("%q: %d findings, evidence %+v", data, len(res.Findings), res.Evidence)
		}
	}
	// -matcher-status writes non-matches too: not findings.
	data := okLine + "\n" + `{"template-id":"t2","info":{"severity":"high"},"host":"https://b.example","matched-at":"https://b.example/","matcher-status":false}`
	res, err := Parse("ms.json", []byte(data), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	scantest.Check(t, res)
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "t1" || len(res.Evidence) != 1 {
		t.Errorf("%+v", res)
	}
}

func TestSeverityAndWarnings(t *testing.T) {
	data := `{"template-id":"a","info":{"severity":"urgent"},"host":"h.example"}
{"template-id":"b","info":{"classification":{"cvss-score":9.8}},"host":"h.example"}
{"template-id":"c","info":{"severity":"unknown"},"host":"h.example"}
{"template-id":"d","info":{},"host":"h.example"}
{"template-id":"e","info":{"severity":"CRITICAL","tags":"api,owasp-api-top10-2023-api1,API1:2019"},"host":"h.example"}`
	res, err := Parse("sev.jsonl", []byte(data), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	scantest.Check(t, res)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID+"="+f.Severity+"/"+f.RawSeverity)
	}
	want := []string{"a=info/urgent", "b=critical/", "c=info/unknown", "d=info/", "e=critical/CRITICAL"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("severities %v", got)
	}
	wantW := []string{`line 1: template a: unknown severity "urgent"; taken as info`, "line 4: template d: no severity; taken as info"}
	if !reflect.DeepEqual(res.Warnings, wantW) {
		t.Errorf("warnings %q", res.Warnings)
	}
	if e := res.Findings[4]; e.OWASP != "API1:2023" || !reflect.DeepEqual(e.Tags, []string{"api", "owasp-api-top10-2023-api1", "API1:2019"}) {
		t.Errorf("owasp %q tags %q", e.OWASP, e.Tags)
	}
}

// An HTTP request's first line gives the method; several CWEs: the first
// on the finding, the others as tags; src.API overrides the host.
func TestRequestMethodAndCWEs(t *testing.T) {
	data := `[{"template-id":"sqli","info":{"name":"SQLi","severity":"high","classification":{"cwe-id":["cwe-89","CWE-20"],"cve-id":null}},
  "type":"http","host":"https://shop.example.com:8443","matched-at":"https://shop.example.com:8443/api/users?id=1",
  "matcher-name":"err","request":"post /api/users?id=1 HTTP/1.1\r\nHost: shop.example.com\r\n\r\n","response":"HTTP/1.1 500 Internal Server Error\r\n\r\nSQL syntax"}]`
	res, err := Parse("sqli.json", []byte(data), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	scantest.Check(t, res)
	f := res.Findings[0]
	if f.Method != "POST" || f.CWE != 89 || !reflect.DeepEqual(f.Tags, []string{"type:http", "matcher:err", "cwe:20"}) ||
		f.API != "shop.example.com:8443" || f.URL != "https://shop.example.com:8443/api/users?id=1" ||
		!strings.HasPrefix(f.Excerpt, "post /api/users?id=1 HTTP/1.1") || !strings.HasSuffix(f.Excerpt, "SQL syntax") {
		t.Errorf("%+v", f)
	}
	res, err = Parse("sqli.json", []byte(data), collectors.Source{API: "Shop"})
	if err != nil || res.Findings[0].API != "Shop" || res.Evidence[0].API != "Shop" {
		t.Errorf("api override: %v %+v", err, res)
	}
	res, err = Parse("sqli.json", []byte(data), collectors.Source{APIMap: map[string]string{"shop.example.com:8443": "Shop"}})
	if err != nil || res.Findings[0].API != "Shop" {
		t.Errorf("api_map: %v %+v", err, res)
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"GET / HTTP/1.1\r\nHost: x":  "GET",
		"\r\nDELETE /a/b HTTP/2\n":   "DELETE",
		";; opcode: QUERY":           "",
		"GET /":                      "",
		"":                           "",
		"\x16\x03\x01 binary HTTP/1": "",
	} {
		if got := requestMethod(in); got != want {
			t.Errorf("requestMethod(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"curl -X 'GET' -d '' 'https://a'": "GET",
		"curl --request post https://a":   "POST",
		"curl -XPUT https://a":            "PUT",
		"curl https://a":                  "",
		"wget -X GET":                     "",
	} {
		if got := curlMethod(in); got != want {
			t.Errorf("curlMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

// Collect: a named file must parse; in a directory only Nuclei files are
// read; evidence comes before findings. (The walk itself, missing paths,
// cancellation and size limits are tested in collectors/scan.)
func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"scans/results.jsonl":  {Data: []byte(okLine + "\n")},
		"scans/zap.json":       {Data: []byte(`{"@version":"2.11","site":[]}`)},
		"scans/empty.json":     {Data: nil},
		"scans/.hidden/x.json": {Data: []byte(okLine)},
	}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans"}}
	sink, err := scantest.Collect(Collector{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sink.Order, []string{"evidence", "finding"}) || sink.Evidences[0].Artifact.Name != "scans/results.jsonl" ||
		sink.Evidences[0].Artifact.ContentType != "application/x-ndjson" || sink.Findings[0].API != "a.example" {
		t.Errorf("order %v evidence %+v", sink.Order, sink.Evidences)
	}
	src.Paths = []string{"scans/zap.json"}
	_, err = scantest.Collect(Collector{}, src)
	if !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), "nuclei: scans/zap.json:") {
		t.Errorf("named non-Nuclei file: %v", err)
	}
	src.Paths = []string{"scans/empty.json"}
	if sink, err = scantest.Collect(Collector{}, src); err != nil || len(sink.Evidences) != 1 || len(sink.Findings) != 0 {
		t.Errorf("named empty file: %v %+v", err, sink)
	}
}

func TestDetect(t *testing.T) {
	scantest.DetectCases(t, Collector{}.Detect, "out.json", []string{
		okLine,
		`[{"template":"x.yaml","template-id":"x","info":{}}]`,
		`{"templateID":"x","info":{"name":"n"}}`,
		"\ufeff" + okLine,
		// A head cut in the middle of the first result.
		`{"template-id":"x","host":"https://a","request":"GET / HTTP/1.1\r\nHost: a\r\n`,
	}, []string{
		"", "[]", `{"template-id":"x"}`, `{"info":{"template-id":"x"},"host":"h"}`, `{"findings":[{"template-id":"x","info":{}}]}`,
		`[[{"template-id":"x","info":{}}]]`, "template-id: x\ninfo: {}\n",
	})
}

// parseErr parses data expecting an *Error naming the file, of errKind
// (nil: any), whose message contains every want string.
func parseErr(t *testing.T, name string, data []byte, errKind error, wants ...string) *Error {
	t.Helper()
	return scantest.ParseErr(t, Kind, Parse, name, data, errKind, wants...)
}
