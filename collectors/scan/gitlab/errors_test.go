package gitlab

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

// dast is shaped like GitLab's DAST / API security output (the fields of
// DefectDojo's gitlab_dast_one_vul_v15.json, plus a second finding).
const dast = `{
  "version": "15.0.6",
  "vulnerabilities": [
    {
      "id": "5ec00bbc-2e53-44cb-83e9-3d35365277e3",
      "category": "dast",
      "name": "PII Disclosure",
      "description": "The response contains Personally Identifiable Information.",
      "severity": "High",
      "confidence": "Medium",
      "solution": "Remove it.",
      "identifiers": [
        {"name": "PII Disclosure", "type": "ZAProxy_PluginId", "value": "10062"},
        {"name": "CWE-359", "type": "CWE", "value": "359"},
        {"name": "CWE-200", "type": "cwe", "value": "200"},
        {"name": "API3", "type": "owasp", "value": "API3:2023"}
      ],
      "links": [{"url": "https://example.com/pii"}],
      "location": {"hostname": "http://api-server:8080", "method": "get", "param": "ssn", "path": "/v1/trees"},
      "evidence": {
        "summary": "378282246310005",
        "request": {"method": "GET", "url": "http://api-server:8080/v1/trees", "headers": [{"name": "Accept", "value": "*/*"}]},
        "response": {"status_code": 200, "reason_phrase": "OK", "headers": [{"name": "Content-Length", "value": "0"}], "body": "{}"}
      }
    },
    {
      "id": "2",
      "name": "Odd",
      "severity": "Urgent",
      "identifiers": [],
      "location": {"hostname": "https://other.example", "path": "/x"}
    }
  ],
  "scan": {"scanner": {"id": "zaproxy", "name": "OWASP Zed Attack Proxy (ZAP)"}, "type": "dast", "status": "success"}
}`

func TestDAST(t *testing.T) {
	res := parseOK(t, "gl-dast-report.json", []byte(dast), collectors.Source{})
	if len(res.Findings) != 2 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	f := res.Findings[0]
	want := collectors.Finding{
		API: "api-server:8080", Tool: "OWASP Zed Attack Proxy (ZAP)", RuleID: "ZAProxy_PluginId:10062", Title: "PII Disclosure",
		Description: "The response contains Personally Identifiable Information.\n\nReferences:\n- https://example.com/pii",
		Severity:    "high", RawSeverity: "High", CWE: 359, OWASP: "API3:2023",
		Location: "http://api-server:8080/v1/trees param=ssn", Remediation: "Remove it.",
		Method: "GET", URL: "http://api-server:8080/v1/trees",
		Excerpt: "378282246310005\n\nGET http://api-server:8080/v1/trees\nAccept: */*\n\n200 OK\nContent-Length: 0\n\n{}",
		Tags:    []string{"ZAProxy_PluginId:10062", "owasp:API3:2023", "category:dast", "confidence:Medium", "cwe:200"},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("finding\n%+v\nwant\n%+v", f, want)
	}
	odd := res.Findings[1]
	if odd.RuleID != "Odd" || odd.Severity != "info" || odd.API != "other.example" || odd.Method != "" || odd.Location != "https://other.example/x" {
		t.Errorf("odd %+v", odd)
	}
	// The warning names the line the vulnerability starts on.
	if !reflect.DeepEqual(res.Warnings, []string{`line 26: vulnerabilities[1]: unknown severity "Urgent"; taken as info`}) {
		t.Errorf("warnings %q", res.Warnings)
	}
	var apis []string
	for _, ev := range res.Evidence {
		apis = append(apis, ev.API)
	}
	if !reflect.DeepEqual(apis, []string{"api-server:8080", "other.example"}) {
		t.Errorf("APIs %v", apis)
	}
}

// Locations of the other report types, read by the same rules.
func TestOtherLocations(t *testing.T) {
	data := `{"version": "15.0.0", "vulnerabilities": [
	  {"name": "SQLi", "severity": "Critical", "identifiers": [{"type": "semgrep_id", "value": 7}], "location": {"file": "app\\db.go", "start_line": 12, "method": "Query"}},
	  {"name": "lodash", "severity": "Medium", "identifiers": [{"type": "cve", "value": "CVE-2020-8203"}], "cve": "CVE-2020-8203",
	   "location": {"file": "package-lock.json", "dependency": {"package": {"name": "lodash"}, "version": "4.17.15"}}},
	  {"name": "openssl", "severity": "Low", "identifiers": [{"type": "cve", "value": "CVE-1"}], "location": {"image": "registry/app:1", "dependency": {"package": {"name": "openssl"}, "version": "1.1"}}},
	  {"name": "crash", "severity": "Info", "identifiers": [{"type": "cwe", "value": "787"}], "location": {"crash_address": "0x602000000011", "crash_state": "f\ng\n"}},
	  {"message": "no location", "severity": "Unknown", "identifiers": [{"type": "x", "value": "y"}]}
	], "scan": {"analyzer": {"name": "analyzer"}}}`
	res := parseOK(t, "r.json", []byte(data), collectors.Source{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, strings.Join([]string{f.Tool, f.RuleID, f.Severity, f.Location, f.File, f.Method, f.URL}, "|"))
	}
	want := []string{
		"analyzer|semgrep_id:7|critical|app/db.go:12|app/db.go||",
		"analyzer|cve:CVE-2020-8203|medium|package-lock.json lodash@4.17.15|package-lock.json||",
		"analyzer|cve:CVE-1|low|registry/app:1 openssl@1.1|||",
		"analyzer|CWE-787|info|0x602000000011|||",
		"analyzer|x:y|info|x:y|||",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}
	if res.Findings[0].Line != 12 || res.Findings[3].CWE != 787 || res.Findings[4].Title != "no location" ||
		!reflect.DeepEqual(res.Findings[1].Tags, []string{"cve:CVE-2020-8203"}) {
		t.Errorf("%+v", res.Findings)
	}
}

// A clean DAST scan tests the hosts it scanned; without any, the file's
// name is the API.
func TestCleanScan(t *testing.T) {
	data := `{"version": "15.0.0", "vulnerabilities": [], "scan": {"scanned_resources": [
	  {"method": "GET", "url": "https://shop.example.com/api/a", "type": "url"},
	  {"method": "POST", "url": "https://shop.example.com/api/b", "type": "url"}]}}`
	res := parseOK(t, "gl-dast.json", []byte(data), collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "shop.example.com" {
		t.Errorf("%+v", res)
	}
	res = parseOK(t, "reports/gl-api-fuzzing.json", []byte(`{"version": "15.0.0", "vulnerabilities": []}`), collectors.Source{})
	if len(res.Evidence) != 1 || res.Evidence[0].API != "gl-api-fuzzing" {
		t.Errorf("%+v", res.Evidence)
	} // Nothing names the scanner: the kind, as a finding's Tool would be.
	if res.Evidence[0].Location != Kind {
		t.Errorf("tool %q", res.Evidence[0].Location)
	}
}

// A clean re-scan scopes the import by the tool its findings carry (the
// report's scanner name, not the kind), so it fixes what the last scan
// of that tool on that API found.
func TestCleanScanScopesItsTool(t *testing.T) {
	const clean = `{"version": "15.0.0", "scan": {"scanner": {"id": "zaproxy", "name": "OWASP Zed Attack Proxy"},
	  "analyzer": {"name": "GitLab DAST"}, "scanned_resources": [{"url": "https://shop.example.com/a"}, {"url": "https://api.example.com/"}]},
	  "vulnerabilities": []}`
	res := parseOK(t, "gl-dast.json", []byte(clean), collectors.Source{})
	if len(res.Evidence) != 2 || res.Evidence[0].API != "shop.example.com" || res.Evidence[0].Location != "OWASP Zed Attack Proxy" ||
		res.Evidence[1].API != "api.example.com" || res.Evidence[1].Location != "OWASP Zed Attack Proxy" {
		t.Errorf("%+v", res.Evidence)
	}
	// The same report with a vulnerability: its Tool is that Location.
	dirty := strings.Replace(clean, `"vulnerabilities": []`, `"vulnerabilities": [{"id": "1", "name": "XSS", "severity": "High",
	  "identifiers": [{"type": "cwe", "name": "CWE-79", "value": "79"}], "location": {"hostname": "https://shop.example.com", "path": "/a"}}]`, 1)
	res = parseOK(t, "gl-dast.json", []byte(dirty), collectors.Source{})
	if len(res.Findings) != 1 || res.Findings[0].Tool != "OWASP Zed Attack Proxy" || len(res.Evidence) != 1 ||
		res.Evidence[0].Location != res.Findings[0].Tool || res.Evidence[0].API != res.Findings[0].API {
		t.Errorf("findings %+v evidence %+v", res.Findings, res.Evidence)
	}
	// Only the analyzer named: it.
	res = parseOK(t, "gl-sast.json", []byte(`{"version": "15.0.0", "scan": {"analyzer": {"name": "Semgrep"}}, "vulnerabilities": []}`), collectors.Source{})
	if len(res.Evidence) != 1 || res.Evidence[0].API != "gl-sast" || res.Evidence[0].Location != "Semgrep" {
		t.Errorf("%+v", res.Evidence)
	}
}

func TestErrors(t *testing.T) {
	data := corpusFile(t)
	cut := data[:len(data)/2]
	e := parseErr(t, "cut.json", cut, safedecode.ErrSyntax, "truncated")
	if e.Line != strings.Count(string(cut), "\n")+1 {
		t.Errorf("line %d", e.Line)
	}
	parseErr(t, "t.json", []byte(`{"version": "3.0", "vulnerabilities": [{"location": {"path": ["/a"]}}]}`), ErrFormat,
		"t.json:1:", "vulnerabilities.location.path: unexpected object or array (want a string)")
	parseErr(t, "t.json", []byte("{\n\"vulnerabilities\": {}}"), ErrFormat, "t.json:2:", "vulnerabilities: want an array, got object")
	parseErr(t, "trivy.json", []byte(`{"SchemaVersion": 2, "Results": []}`), ErrFormat, `no "vulnerabilities" array`)
	parseErr(t, "list.json", []byte(`[{"vulnerabilities": []}]`), ErrFormat, "want one JSON object")
	parseErr(t, "empty.json", nil, ErrFormat, "want one JSON object")
	parseErr(t, "lines.json", []byte("{\"vulnerabilities\": []}\n{}\n"), ErrFormat, "want one JSON object")
	parseErr(t, "deep.json", []byte(`{"vulnerabilities": [`+strings.Repeat("[", 300)+strings.Repeat("]", 300)+"]}"), safedecode.ErrTooDeep, "deep.json:1:")
}

func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"ci/gl-dast-report.json": {Data: []byte(dast)},
		"ci/other.json":          {Data: []byte(`{"vulnerabilities": {"a": 1}, "version": "1"}`)},
		"ci/sub/fuzz.json":       {Data: corpusFile(t)},
	}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"ci"}}
	sink := scantest.CollectOK(t, Collector{}, src)
	if len(sink.Evidences) != 3 || len(sink.Findings) != 3 || len(sink.Warnings) != 1 ||
		!strings.HasPrefix(sink.Warnings[0], "ci/gl-dast-report.json: line 26:") {
		t.Errorf("%d evidence %d findings warnings %q", len(sink.Evidences), len(sink.Findings), sink.Warnings)
	}
	// A named file with the wrong shape fails.
	src.Paths = []string{"ci/other.json"}
	scantest.CollectErr(t, Collector{}, src, ErrFormat, "gitlab-api-fuzzing: ci/other.json:1:")
}

func TestDetect(t *testing.T) {
	scantest.DetectCases(t, Collector{}.Detect, "a.json", []string{
		`{"version": "15.0.6", "vulnerabilities": [`,
		`{"vulnerabilities": [{"id": "x", "identifiers": [{"type": "cwe"`,
		`{"vulnerabilities": [], "scan": {"type": "dast"}}`,
	}, []string{
		"", `{"vulnerabilities": []}`, `{"vulnerabilities": {}, "version": "1"}`, `[{"vulnerabilities": [], "version": "1"}]`,
		`{"vulnerabilities": [{"identifiers": {"CWE": ["CWE-1"]}}], "ok": false}`,
	})
}

// parseErr parses data expecting an *Error naming the file, of errKind
// (nil: any), whose message contains every want string.
func parseErr(t *testing.T, name string, data []byte, errKind error, wants ...string) *Error {
	t.Helper()
	return scantest.ParseErr(t, Kind, Parse, name, data, errKind, wants...)
}
