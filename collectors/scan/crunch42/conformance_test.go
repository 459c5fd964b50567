package crunch42

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

// The real scan reports of testdata/scan (origin and trimming in
// testdata/README.md).
const (
	scan221   = "sample-report-2.2.1.json"
	scanOld   = "PhotoManager-conformance-scan-2021-10-27-21-11.json"
	scan220   = "PhotoManager-conformance-scan-2021-12-23-13-15.json"
	scanClean = "PhotoManager-conformance-scan-v2.json"
	scan222   = "PhotoManager-ScanReportNew.json"
)

func scanFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/scan/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func byMethodURL(fs []collectors.Finding) map[string]collectors.Finding {
	m := map[string]collectors.Finding{}
	for _, f := range fs {
		m[f.Method+" "+f.URL+" "+f.RuleID] = f
	}
	return m
}

// The 2.2.1 IDE sample (not indexed, a status per issue). Counted with
// grep, not with this package: grep -c '"status": "unexpected"' gives 2,
// grep -c '"status": "expected"' gives 4; both unexpected issues are
// schema-required-scan on POST /api/register with criticality 0 and
// owaspMapping 8 (API8 of the 2019 list), and the one happy path has
// happyPathKey "happy.path.success".
func TestScanReport221(t *testing.T) {
	res := parseOK(t, scan221, scanFile(t, scan221), collectors.Source{})
	if len(res.Findings) != 2 || len(res.Warnings) != 0 {
		t.Fatalf("%d findings, warnings %q", len(res.Findings), res.Warnings)
	}
	wantTitles := []string{
		"The required property ‘[account_balance]’ is missing in the generated object",
		"The required property ‘[is_admin]’ is missing in the generated object",
	}
	for i, f := range res.Findings {
		if f.Tool != ScanTool || f.RuleID != "schema-required-scan" || f.Title != wantTitles[i] ||
			f.Severity != collectors.SeverityInfo || f.RawSeverity != "0" || f.OWASP != "" || f.CWE != 0 ||
			f.Method != "POST" || f.URL != "http://host.docker.internal:8090/api/register" || f.Location != f.URL ||
			f.Endpoint != "" || f.API != "host.docker.internal:8090" ||
			f.Fingerprint != "crunch42-scan:POST /api/register|schema-required-scan|"+wantTitles[i] ||
			!reflect.DeepEqual(f.Tags, []string{"status:unexpected", "owasp:API8:2019"}) ||
			f.Description != "Test status: unexpected\nHTTP status received: 409" {
			t.Errorf("finding %d: %+v", i, f)
		}
		if !strings.HasPrefix(f.Excerpt, "curl -X 'POST' -d '{") || !strings.Contains(f.Excerpt, "\n\nHTTP/1.1 409 Conflict\n") ||
			!strings.HasSuffix(f.Excerpt, `{"message":"user already registered"}`) {
			t.Errorf("excerpt %d:\n%s", i, f.Excerpt)
		}
	}
	if len(res.Evidence) != 1 || res.Evidence[0].API != "host.docker.internal:8090" || res.Evidence[0].Location != ScanTool ||
		res.Evidence[0].Facts[collectors.FactScanPresent] != true {
		t.Errorf("evidence %+v", res.Evidence)
	}
	// Stable across parses; the api setting wins over the scanned host.
	again := parseOK(t, scan221, scanFile(t, scan221), collectors.Source{APIMap: map[string]string{"host.docker.internal:8090": "register"}})
	for i := range res.Findings {
		if again.Findings[i].Fingerprint != res.Findings[i].Fingerprint || again.Findings[i].API != "register" {
			t.Errorf("reparse %d: %+v", i, again.Findings[i])
		}
	}
}

// The oldest generation (scanVersion "2.2.0" alone, indexed, errorsOnly).
// With jq, independently of this package:
//
//	jq -r '.data as $d | $d.paths | to_entries[] | .key as $p | .value | to_entries[]
//	  | .key as $m | (.value.issues // [])[] | "\($m) \($p) \(.criticality)
//	  \([.apiResponseAnalysis[]?.responseKey | $d.index.responseKeys[.]])"'
//
// lists 6 issues, all criticality 3, none with only
// "response-expected-scan": delete, head, options of /api/admin/all_users
// and delete of /api/register (response-method-not-allowed-scan), and two
// posts of /api/register (badformat + successful; contenttype + expected).
// grep -c operation-happy-path-failed gives 1 (GET /api/admin/all_users).
func TestScanReportOldIndexed(t *testing.T) {
	res := parseOK(t, scanOld, scanFile(t, scanOld), collectors.Source{})
	if len(res.Findings) != 6 || !reflect.DeepEqual(scantest.Severities(res.Findings), map[string]int{"medium": 6}) {
		t.Fatalf("%d findings %v", len(res.Findings), scantest.Severities(res.Findings))
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "GET /api/admin/all_users: happy path failed (happy-path-response-invalid): The response is not valid") ||
		!strings.HasSuffix(res.Warnings[0], "; the operation was not tested") {
		t.Errorf("warnings %q", res.Warnings)
	}
	const base = "https://xliic-demo-api.eastus.cloudapp.azure.com"
	m := byMethodURL(res.Findings)
	del := m["DELETE "+base+"/api/admin/all_users path-item-method-not-allowed-scan"]
	if del.Title != "The request is generated with the verb ‘delete’ that is not defined in the OpenAPI definition of the API" ||
		del.RawSeverity != "3" || del.API != "xliic-demo-api.eastus.cloudapp.azure.com" || del.OWASP != "" ||
		!reflect.DeepEqual(del.Tags, []string{"response:response-method-not-allowed-scan"}) ||
		del.Description != "The received response for the method does not use the proper HTTP status code 405\nHTTP status received: 403\nJSON pointer: /paths/~1api~1admin~1all_users" {
		t.Errorf("delete %+v", del)
	}
	// Credentials in the real excerpt: the masked access token header and
	// the CSRF cookie the API set.
	if !strings.Contains(del.Excerpt, "-H 'X-Access-Token: [redacted]'") || !strings.Contains(del.Excerpt, "Set-Cookie: _csrf=[redacted]; Path=/") ||
		strings.Contains(del.Excerpt, "psbcHROy_62wKhFiw-Y8phzo") || !strings.Contains(del.Excerpt, "HTTP/1.1 403 Forbidden") {
		t.Errorf("delete excerpt:\n%s", del.Excerpt)
	}
	ct := m["POST "+base+"/api/register parameter-header-contenttype-wrong-scan"]
	if ct.Title != "The header ‘Content-Type’ has a value ‘application/random+content+type’ and it is not consistent with the body which has a content type ‘application/json’" ||
		!strings.HasPrefix(ct.Description, "The body of the received response is not valid against the schema constraining it in the OpenAPI definition of the API : path / value is not an object, got string 'missing user or pass'\nThe API handles a faulty request without raising an error\n") ||
		!reflect.DeepEqual(ct.Tags, []string{"response:response-body-badformat-scan", "response:response-successful-scan"}) ||
		!strings.HasSuffix(ct.Description, "JSON pointer: /paths/~1api~1register/post") {
		t.Errorf("content type %+v", ct)
	}
	// A conforming status code with a non-conforming content type is still
	// a failure to conform.
	if b := m["POST "+base+"/api/register schema-type-wrong-bool-scan"]; b.Title != "The generated value is of the type boolean instead of the type ‘object’" ||
		!scantest.HasTag(b, "response:response-body-contenttype-scan") ||
		!strings.Contains(b.Description, "The content type ‘text/html; charset=utf-8’ in the received response is not defined") {
		t.Errorf("bool %+v", b)
	}
}

// scanReportVersion 2.2.0 (indexed, wrapper), trimmed to four operations:
// the jq line above lists delete (response-error-unexpected-scan), head
// and options (response-successful-scan), all criticality 3; one
// operation-happy-path-failed (GET /api/admin/all_users).
func TestScanReport220(t *testing.T) {
	res := parseOK(t, scan220, scanFile(t, scan220), collectors.Source{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Method+" "+f.Severity+" "+strings.Join(f.Tags, ","))
	}
	want := []string{
		"DELETE medium response:response-error-unexpected-scan",
		"OPTIONS medium response:response-successful-scan",
		"HEAD medium response:response-successful-scan",
	}
	if !reflect.DeepEqual(got, want) || len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "GET /api/admin/all_users: happy path failed") {
		t.Errorf("findings %q warnings %q", got, res.Warnings)
	}
	if res.Evidence[0].API != "photo-demo.westeurope.cloudapp.azure.com" {
		t.Errorf("api %q", res.Evidence[0].API)
	}
}

// scanReportVersion 2.2.2, the newest real sample. The jq line above
// lists 8 issues: criticality 2 with response-error-unexpected-scan on
// delete, patch, post, put of /admin/all_users and delete of
// /admin/users/search (5 low), criticality 4 with response-successful-scan
// on head and options (2 high), and trace with response-expected-scan and
// criticality 0 (conforms: no finding). Every failing one has owaspMapping
// 7: API7 of the 2019 list. grep -c operation-happy-path-failed gives 2.
func TestScanReport222(t *testing.T) {
	res := parseOK(t, scan222, scanFile(t, scan222), collectors.Source{})
	if len(res.Findings) != 7 || !reflect.DeepEqual(scantest.Severities(res.Findings), map[string]int{"low": 5, "high": 2}) {
		t.Fatalf("%d findings %v", len(res.Findings), scantest.Severities(res.Findings))
	}
	want := []string{"GET /admin/all_users: happy path failed", "GET /admin/users/search: happy path failed"}
	if len(res.Warnings) != 2 || !strings.HasPrefix(res.Warnings[0], want[0]) || !strings.HasPrefix(res.Warnings[1], want[1]) {
		t.Errorf("warnings %q", res.Warnings)
	}
	for _, f := range res.Findings {
		if f.Method == "TRACE" || f.OWASP != "" || !scantest.HasTag(f, "owasp:API7:2019") || f.RuleID != "path-item-method-not-allowed-scan" {
			t.Errorf("%+v", f)
		}
	}
	const base = "http://photo-demo.westeurope.cloudapp.azure.com/version1/api"
	m := byMethodURL(res.Findings)
	// The URL keeps its query; the fingerprint uses the path template.
	s := m["DELETE "+base+"/admin/users/search?search=dfmA path-item-method-not-allowed-scan"]
	if s.Location != s.URL || s.Severity != "low" || s.RawSeverity != "2" ||
		s.Fingerprint != "crunch42-scan:DELETE /admin/users/search|path-item-method-not-allowed-scan|The request is generated with the verb ‘delete’ that is not defined in the OpenAPI definition of the API" {
		t.Errorf("search %+v", s)
	}
	h := m["HEAD "+base+"/admin/all_users path-item-method-not-allowed-scan"]
	if h.Severity != "high" || h.RawSeverity != "4" || !strings.HasPrefix(h.Description, "The API handles a faulty request without raising an error\nHTTP status received: 200\n") {
		t.Errorf("head %+v", h)
	}
}

// A clean report (0 issues, summary.issues 0) is still evidence, and its
// failed happy paths are warnings: grep -c operation-happy-path-failed
// gives 6, and grep -B2 on it names their methods and paths.
func TestScanReportClean(t *testing.T) {
	res := parseOK(t, scanClean, scanFile(t, scanClean), collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "PhotoManager-conformance-scan-v2" ||
		res.Evidence[0].Location != ScanTool {
		t.Fatalf("%d findings, evidence %+v", len(res.Findings), res.Evidence)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w[:strings.Index(w, ":")])
	}
	want := []string{"GET /api/admin/all_users", "GET /api/admin/users/search", "POST /api/login", "POST /api/register", "PUT /api/user/edit_info", "GET /api/user/info"}
	if !reflect.DeepEqual(got, want) || !strings.Contains(res.Warnings[2], "(happy-path-response-not-successful): The API response is not successful") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// Two copies of one issue are one finding.
func TestScanMerge(t *testing.T) {
	data := string(scanFile(t, scan221))
	start := strings.Index(data, "          {\n            \"injectionKey\": \"schema-required-scan\"")
	end := strings.Index(data[start:], "\n          },\n") + start + len("\n          },\n")
	dup := data[:end] + data[start:end] + data[end:]
	res := parseOK(t, "dup.json", []byte(dup), collectors.Source{})
	if len(res.Findings) != 2 || scantest.Occurrences(res.Findings[0]) != 2 || scantest.Occurrences(res.Findings[1]) != 1 {
		t.Errorf("%d findings: %+v", len(res.Findings), res.Findings)
	}
}

// miniScan is an indexed report with one test of each kind below.
const miniScan = `{"data": {"indexed": true, "scanReportVersion": "2.2.2",
  "host": "https://api.example.com:8443/v1/",
  "index": {"jsonPointers": ["/paths/~1a"], "injectionKeys": ["k0", "k1"],
    "injectionDescriptions": ["Verb ‘%s’ sent", "%s and %s"],
    "responseKeys": ["response-expected-scan", "response-successful-scan"], "responseDescriptions": ["ok", "accepted %s"]},
  "paths": {"/a": {
    "post": {"issues": [
      {"injectionKey": 0, "injectionDescription": 0, "injectionDescriptionParams": ["post"], "apiResponseAnalysis": [{"responseKey": 1, "responseDescription": 1, "responseDescriptionParams": ["x"]}], "owaspMapping": 13, "criticality": 5, "jsonPointer": 0,
       "curl": "curl -X 'POST' -H 'Authorization: Bearer abcdefghijklmnop' -H \"Cookie: sid=s3cr3t; theme=dark\" -u 'admin:hunter2' -d '{\"t\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl\"}' 'https://api.example.com:8443/v1/a'",
       "responseHttp": "!!! not base64 !!!"},
      {"injectionKey": 1, "injectionDescription": 1, "injectionDescriptionParams": ["p"], "apiResponseAnalysis": [{"responseKey": 0, "responseDescription": 0}], "criticality": 0},
      {"injectionKey": "k2", "injectionDescription": "literal", "criticality": 7, "url": "https://api.example.com:8443/v1/a?q=1",
       "responseHttp": "SFRUUC8xLjEgMjAwIE9LDQpTZXQtQ29va2llOiBzaWQ9czNjcjN0OyBQYXRoPS8NCkF1dGhvcml6YXRpb246IEJlYXJlciB0b2tlbnRva2VudG9rZW4NCg0KeyJ0b2tlbiI6ImV5SmhiR2NpT2lKSVV6STFOaUo5LmV5SnpkV0lpT2lJeE1qTTBOVFkzT0Rrd0luMC5jMmxuYm1GMGRYSmwifQ=="},
      {"injectionKey": "k3", "criticality": 0},
      {"injectionKey": "", "status": "unexpected"}
    ]},
    "x-ext": {"issues": []}
  }}}}`

func TestScanMini(t *testing.T) {
	res := parseOK(t, "mini.json", []byte(miniScan), collectors.Source{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, strings.Join([]string{f.RuleID, f.Title, f.Severity, f.RawSeverity, f.OWASP, f.URL, f.Description}, "|"))
	}
	want := []string{
		// Indexed: "%s" filled; owaspMapping 13 is API3 of the 2023 list;
		// no url: host + path template.
		"k0|Verb ‘post’ sent|critical|5|API3:2023|https://api.example.com:8443/v1/a|accepted x\nJSON pointer: /paths/~1a",
		// k1 conforms (response-expected-scan only): no finding. Literal
		// strings; criticality 7 is off the scale.
		"k2|literal|info|7||https://api.example.com:8443/v1/a?q=1|",
		// k3 has neither status nor analysis and criticality 0: conforms.
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}
	wantW := []string{
		`data.paths./a.post.issues[2]: criticality "7" is not 0-5; taken as info`,
		"data.paths./a.post.issues[4]: no injectionKey; skipped",
		`data.paths./a.x-ext: "x-ext" is not an HTTP method; skipped`,
	}
	if !reflect.DeepEqual(res.Warnings, wantW) {
		t.Errorf("warnings %q", res.Warnings)
	}
	if res.Evidence[0].API != "api.example.com:8443" {
		t.Errorf("api %q", res.Evidence[0].API)
	}
	// Credentials: none of the secrets survive; the scheme and cookie
	// names do; the malformed base64 does not fail the file.
	ex := res.Findings[0].Excerpt
	for _, secret := range []string{"abcdefghijklmnop", "s3cr3t", "hunter2", "eyJhbGciOiJIUzI1NiJ9"} {
		if strings.Contains(ex, secret) {
			t.Errorf("excerpt keeps %q:\n%s", secret, ex)
		}
	}
	for _, keep := range []string{"-H 'Authorization: Bearer [redacted]'", `-H "Cookie: sid=[redacted]; theme=[redacted]"`, "-u '[redacted]'",
		`{"t":"[redacted]"}`, "\n\n(response not decodable)"} {
		if !strings.Contains(ex, keep) {
			t.Errorf("excerpt lacks %q:\n%s", keep, ex)
		}
	}
	// The decoded response: Set-Cookie, Authorization and a JWT in the body.
	ex = res.Findings[1].Excerpt
	if !strings.Contains(ex, "Set-Cookie: sid=[redacted]; Path=/") || !strings.Contains(ex, "Authorization: Bearer [redacted]") ||
		!strings.Contains(ex, `{"token":"[redacted]"}`) || strings.Contains(ex, "s3cr3t") || strings.Contains(ex, "tokentoken") {
		t.Errorf("response excerpt:\n%s", ex)
	}
}

func TestScanErrors(t *testing.T) {
	data := string(scanFile(t, scan222))
	cut := data[:len(data)/2]
	e := parseErr(t, "cut.json", []byte(cut), safedecode.ErrSyntax)
	if e.Line != strings.Count(cut, "\n")+1 {
		t.Errorf("truncated: line %d", e.Line)
	}
	// An index outside its table names the field.
	bad := strings.Replace(data, `"injectionKey": 0,`, `"injectionKey": 16,`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat, "bad.json:1: data.paths./admin/all_users.delete.issues[0].injectionKey: 16 is outside index.injectionKeys (16 entries)")
	bad = strings.Replace(data, `"responseKey": 0,`, `"responseKey": -1,`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat, "delete.issues[0].apiResponseAnalysis[0].responseKey: -1 is outside index.responseKeys")
	bad = strings.Replace(data, `"jsonPointer": 0`, `"jsonPointer": true`, 1)
	parseErr(t, "bad.json", []byte(bad), ErrFormat, "delete.issues[0].jsonPointer: true is neither a string nor an index into index.jsonPointers")
	// A value of the wrong type names the field and its line.
	bad = strings.Replace(string(scanFile(t, scan221)), `"url": "http://host.docker.internal:8090/api/register",`, `"url": 5,`, 1)
	// (grep -n '"url"' puts the first url on line 64.)
	parseErr(t, "type.json", []byte(bad), ErrFormat, "type.json:64:", "paths.issues.url: want a string, got number")
	bad = strings.Replace(string(scanFile(t, scanOld)), `"criticality": 3,
                            "requestDate"`, `"criticality": [3],
                            "requestDate"`, 1)
	parseErr(t, "type.json", []byte(bad), ErrFormat, "type.json:", ": data.paths.issues.criticality:")
	// The 3.x report is not read.
	parseErr(t, "v3.json", []byte(`{"scanVersion": "2.0", "scanReportVersion": "3.0.1", "summary": {}, "operations": {}}`), ErrFormat,
		`v3.json:1: `, `the 3.x scan report (scanReportVersion "3.0.1", "operations") is not supported`)
	parseErr(t, "v3.json", []byte(`{"data": {"scanVersion": "x", "operations": {"op": {}}}}`), ErrFormat, "v3.json:1: data: ", "is not supported")
	parseErr(t, "deep.json", []byte(`{"scanVersion": "2", "paths": `+strings.Repeat(`{"a":`, 300)+"1"+strings.Repeat("}", 301)), safedecode.ErrTooDeep)
}

func TestScanSeverity(t *testing.T) {
	for raw, want := range map[string]string{"": "info", "0": "info", "1": "info", "2": "low", "3": "medium", "4": "high", "5": "critical",
		"6": "info!", "-1": "info!", "2.5": "info!", "high": "info!", "NaN": "info!", "1e400": "info!"} {
		warned := false
		_, sev := scanSeverity(raw, "x", func(string) { warned = true })
		if got := sev + map[bool]string{true: "!"}[warned]; got != want {
			t.Errorf("criticality %q: %s, want %s", raw, got, want)
		}
	}
}

func TestOwaspMapping(t *testing.T) {
	for raw, want := range map[string][2]string{"": {}, "0": {}, "1": {"", "API1:2019"}, "7": {"", "API7:2019"}, "10": {"", "API10:2019"},
		"11": {"API1:2023", ""}, "13": {"API3:2023", ""}, "20": {"API10:2023", ""}, "21": {}, "-3": {}, "API1:2023": {}} {
		if a, b := owaspMapping(raw); a != want[0] || b != want[1] {
			t.Errorf("owaspMapping(%q) = %q, %q; want %q", raw, a, b, want)
		}
	}
}

func TestFill(t *testing.T) {
	for _, c := range []struct {
		tmpl   string
		params []string
		want   string
	}{
		{"no params", nil, "no params"},
		{"a ‘%s’ b", []string{"x"}, "a ‘x’ b"},
		{"%s and %s", []string{"x"}, "x and %s"},
		{"%s", []string{"x", "y"}, "x"},
		{"%s", []string{strings.Repeat("p", 1000)}, strings.Repeat("p", maxParam) + "…"},
		{strings.Repeat("%s", 100), []string{"x"}, "x" + strings.Repeat("%s", maxParams-1) + strings.Repeat("%s", 100-maxParams)},
	} {
		if got := fill(c.tmpl, c.params); got != c.want {
			t.Errorf("fill(%.30q, %d params) = %.60q", c.tmpl, len(c.params), got)
		}
	}
}

func TestDetectScan(t *testing.T) {
	var yes []string
	for _, n := range []string{scan221, scanOld, scan220, scanClean, scan222} {
		yes = append(yes, string(scanFile(t, n)))
	}
	scantest.DetectCases(t, Collector{}.Detect, "r.json", append(yes,
		`{"scanVersion": "1.14.0", "scanReportVersion": "2.2.0", "paths": {`,
		`{"tid": "1", "data": {"indexed": true, "index": {"jsonPointers": [], "injectionKeys": [`,
		`{"data": {"scanVersion": "2.2.0", "commit": "x", "host": "h"`,
	), []string{
		`{"scanVersion": "1.0"}`,
		`{"scanReportVersion": "3.0.0", "scanVersion": "2.0.0", "summary": {}}`,
		`{"scanVersion": "2.0.0", "summary": {}, "operations": {}}`,
		`{"data": {"scanReportVersion": "3.1", "paths": {}}}`,
		`[{"scanVersion": "1", "paths": {}}]`,
		`{"x": {"scanVersion": "1", "paths": {}}}`,
	})
}

// The testdata directory: the five reports are detected and read.
// Findings 2 + 6 + 3 + 0 + 7 and warnings 0 + 1 + 1 + 6 + 2, as the
// tests above count them.
func TestCollectScanDir(t *testing.T) {
	fsys := fstest.MapFS{"notes.txt": {Data: []byte("hello")}}
	for _, n := range []string{scan221, scanOld, scan220, scanClean, scan222} {
		fsys["scans/"+n] = &fstest.MapFile{Data: scanFile(t, n)}
	}
	sink := scantest.CollectOK(t, Collector{}, collectors.Source{Name: "s", FS: fsys, Paths: []string{"."}})
	if len(sink.Evidences) != 5 || len(sink.Findings) != 18 || len(sink.Warnings) != 10 {
		t.Errorf("%d evidence, %d findings, %d warnings", len(sink.Evidences), len(sink.Findings), len(sink.Warnings))
	}
	for _, ev := range sink.Evidences {
		if ev.Location != ScanTool {
			t.Errorf("evidence %+v", ev)
		}
	}
	_ = scan.HeadSize
}
