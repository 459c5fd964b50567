package burp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/dast"
	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// parseErr parses data expecting an error of kind whose message starts
// with "burp: <name><where>" and contains every want.
func parseErr(t *testing.T, name string, data []byte, kind error, where string, wants ...string) {
	t.Helper()
	dasttest.ParseErr(t, Kind, Parse, name, data, collectors.Source{}, kind, where, wants...)
}

func TestErrors(t *testing.T) {
	for _, file := range []string{"burp/seven_findings.xml", "burp_api/example.json", "burp_graphql/two_findings.json"} {
		data, err := os.ReadFile(testutil.Corpus(t, "scans/"+file))
		if err != nil {
			t.Fatal(err)
		}
		cut := data[:len(data)*2/3]
		line := bytes.Count(cut, []byte("\n")) + 1
		parseErr(t, "cut-"+file[strings.IndexByte(file, '/')+1:], cut, safedecode.ErrSyntax, fmt.Sprintf(":%d:", line), "truncated")
	}
	parseErr(t, "other.xml", []byte(`<?xml version="1.0"?><report type="security"/>`), ErrFormat, ":1: ",
		"not a Burp report: the root element is <report>, want <issues>")
	parseErr(t, "type.json", []byte("{\"task_id\": \"1\",\n \"issue_events\": [{\"issue\": {\"name\": [1]}}]}"),
		ErrFormat, ":1: ", "issue_events.issue.name: a JSON array where a string is expected")
	parseErr(t, "ent.xml", []byte("<issues>\n<issue><name>&bogus;</name></issue></issues>"), dast.ErrEntity, ":2:",
		"invalid character entity &bogus;", "not expanded")
}

func TestHostileXML(t *testing.T) {
	dasttest.CheckHostile(t, Kind, "issues", Parse)
}

func TestBigAttribute(t *testing.T) {
	data := []byte(`<?xml version="1.0"?><issues burpVersion="` + strings.Repeat("9", 20<<20) +
		`"><issue><type>1</type><name>N</name><host ip="1.2.3.4">https://big.example</host><path>/p</path>` +
		`<location>/p</location><severity>Low</severity></issue></issues>`)
	res := dasttest.CheckBigAttribute(t, data, Parse)
	if len(res.Findings) != 1 || res.Findings[0].API != "big.example" || res.Findings[0].Severity != "low" {
		t.Errorf("findings %+v", res.Findings)
	}
}

func issueXML(typ, sev, path, location, method, request string) string {
	return `<issue><serialNumber>1</serialNumber><type>` + typ + `</type><name>Issue ` + typ + `</name>` +
		`<host ip="10.0.0.1">https://shop.example:8443</host><path><![CDATA[` + path + `]]></path>` +
		`<location><![CDATA[` + location + `]]></location><severity>` + sev + `</severity><confidence>Firm</confidence>` +
		`<vulnerabilityClassifications><![CDATA[<ul><li><a href="https://cwe.mitre.org/data/definitions/89.html">CWE-89: SQLi</a></li>` +
		`<li><a href="https://cwe.mitre.org/data/definitions/20.html">CWE-20</a></li><li><a href="https://capec.mitre.org/data/definitions/66.html">CAPEC-66</a></li></ul>]]></vulnerabilityClassifications>` +
		`<requestresponse><request method="` + method + `" base64="true"><![CDATA[` + request + `]]></request><response base64="false">HTTP/1.1 500 Oops` + "\n" + `Server: x</response></requestresponse></issue>`
}

func TestXMLShapes(t *testing.T) {
	req := base64.StdEncoding.EncodeToString([]byte("POST /api/items?id=1 HTTP/1.1\r\nHost: shop.example\r\nX-Session-Token: abc\r\n\r\n{\"id\": \"1'\"}"))
	doc := `<issues burpVersion="2023.1">` +
		issueXML("1049088", "High", "/api/items?id=1", "/api/items [id parameter]", "", req) +
		// The same issue again (a second export of it): merged.
		issueXML("1049088", "High", "/api/items?id=1", "/api/items [id parameter]", "", req) +
		issueXML("1049088", "High", "/api/items?id=1", "/api/items [X-Forwarded-For HTTP header]", "POST", "") +
		issueXML("5245344", "Information", "/", "/", "GET", "!!not base64!!") +
		issueXML("16777216", "Catastrophic", "/x", "/x", "get", "") +
		issueXML("16777217", "False positive", "/y", "/y", "", "") +
		`</issues>`
	res, err := Parse("shapes.xml", []byte(doc), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 5 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	f := res.Findings[0]
	// Method from the request line when the attribute is empty; the API
	// keeps the non-default port; CWEs from the classification links.
	if f.API != "shop.example:8443" || f.Method != "POST" || f.URL != "https://shop.example:8443/api/items?id=1" ||
		f.Location != "https://shop.example:8443/api/items?id=1 param=id" || f.CWE != 89 || !scantest.HasTag(f, "cwe:20") ||
		scantest.Occurrences(f) != 2 || f.Excerpt != "POST /api/items?id=1 HTTP/1.1\nHost: shop.example\nX-Session-Token: [redacted]\n\nHTTP/1.1 500 Oops\nServer: x" {
		t.Errorf("first: %+v", f)
	}
	if res.Findings[1].Location != "https://shop.example:8443/api/items?id=1 param=X-Forwarded-For HTTP header" {
		t.Errorf("header insertion point: %q", res.Findings[1].Location)
	}
	if res.Findings[2].Excerpt != "HTTP/1.1 500 Oops\nServer: x" || res.Findings[2].Method != "GET" {
		t.Errorf("bad base64: %+v", res.Findings[2])
	}
	if res.Findings[3].Severity != "info" || res.Findings[3].Method != "GET" || res.Findings[4].Severity != "info" {
		t.Errorf("severities %q %q", res.Findings[3].Severity, res.Findings[4].Severity)
	}
	want := []string{
		"issue 4 (serial 1): request: not valid base64, left out of the excerpt",
		`issue 5 (serial 1) (Issue 16777216): unknown severity "Catastrophic"; taken as info`,
	}
	if strings.Join(res.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// An export without issues still says the API was scanned.
	res, err = Parse("dir/empty.xml", []byte(`<issues burpVersion="2023.1"></issues>`), collectors.Source{API: "shop"})
	if err != nil || len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "shop" || res.Evidence[0].Location != Tool {
		t.Errorf("empty: %v %+v", err, res)
	}
}

func TestParam(t *testing.T) {
	for in, want := range map[string]string{
		"/search.jsp [q parameter]":                          "q",
		"/basket.jsp [b_id cookie]":                          "b_id cookie",
		"/a [URL path filename]":                             "URL path filename",
		"/a [name of an arbitrarily supplied URL parameter]": "name of an arbitrarily supplied URL parameter",
		"/a":                    "",
		"/a [q parameter] tail": "",
		"/a[x]":                 "",
		"/a [JSON field] ":      "JSON field",
	} {
		if got := param(in); got != want {
			t.Errorf("param(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONShapes(t *testing.T) {
	seg := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	rest := `{"task_id": 7, "scan_status": "succeeded", "issue_events": [
 {"id": "1", "type": "issue_found", "issue": {"name": "SQL injection", "type_index": 1049088, "origin": "https://api.example",
  "path": "/v1/users", "severity": "high", "confidence": "firm", "caption": "/v1/users [id parameter]",
  "description": "<p>d</p>", "remediation": "<p>r</p>",
  "evidence": [{"type": "FirstOrderEvidence", "request_response": {"url": "https://api.example/v1/users",
   "request": [{"type": "DataSegment", "data": "` + seg("DELETE /v1/users?id=1 HTTP/1.1\r\nAuthori") + `"},
               {"type": "HighlightSegment", "data": "` + seg("zation: Basic Zm9vOmJhcg==\r\n\r\n") + `"}],
   "response": [{"type": "SnipSegment", "length": 10}]}}]}},
 {"id": "2", "type": "issue_found"},
 {"id": "3", "type": "issue_found", "issue": {"name": "Odd", "type_index": 9, "origin": "https://other.example", "path": "/", "severity": "weird"}}]}`
	res, err := Parse("rest.json", []byte(rest), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 2 || len(res.Evidence) != 2 || res.Evidence[1].API != "other.example" {
		t.Fatalf("%d findings, evidence %+v", len(res.Findings), res.Evidence)
	}
	f := res.Findings[0]
	if f.RuleID != "1049088" || f.Method != "DELETE" || f.Location != "https://api.example/v1/users param=id" ||
		f.Description != "d" || f.Remediation != "r" || f.Excerpt != "DELETE /v1/users?id=1 HTTP/1.1\nAuthorization: Basic [redacted]" {
		t.Errorf("REST: %+v", f)
	}
	if res.Findings[1].Severity != "info" || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `issue_events[2] (Odd): unknown severity "weird"; taken as info`) {
		t.Errorf("unknown severity: %q %q", res.Findings[1].Severity, res.Warnings)
	}

	// The GraphQL API's own envelope, with type_index and real HTML
	// segments.
	gql := `{"data": {"scan": {"issues": [{"issue_type": {"name": "Cross-site scripting (reflected)", "type_index": "2097920",
  "vulnerability_classifications_html": "<li><a href=\"https://cwe.mitre.org/data/definitions/79.html\">CWE-79: XSS</a></li>"},
  "severity": "medium", "confidence": "certain", "origin": "https://gql.example", "path": "/search",
  "evidence": [{"request_index": 0, "request_segments": [{"data_html": "GET /search?q=&lt;x&gt; HTTP/1.1<br>Host: gql.example<br>Cookie: s=1<br><br>"}]}]}]}}}`
	res, err = Parse("gql.json", []byte(gql), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	f = res.Findings[0]
	if f.RuleID != "2097920" || f.Title != "Cross-site scripting (reflected)" || f.CWE != 79 || f.Method != "GET" ||
		f.Excerpt != "GET /search?q=<x> HTTP/1.1\nHost: gql.example\nCookie: s=[redacted]" || !scantest.HasTag(f, "confidence:certain") {
		t.Errorf("GraphQL: %+v", f)
	}
}

func TestDetect(t *testing.T) {
	yes := []string{
		`<?xml version="1.0"?><issues burpVersion="1.6.05" exportTime="x">`,
		"<?xml version=\"1.0\"?>\n<!DOCTYPE issues [\n<!ELEMENT issues (issue*)>\n]>\n<issues>\n<issue>\n<serialNumber>1</serialNumber>",
		`{"task_id": "5", "scan_status": "auditing", "issue_events": [`,
		`{"Issues": [{"issue_type": {"name": "x"}}]}`,
		`{"data": {"scan": {"issues": [{"issue_type": {`,
	}
	no := []string{
		``, `<issues><issue><name>x</name></issue></issues>`, `<OWASPZAPReport>`, `{"Issues": [{"rule_id": "G101"}]}`,
		`{"issue_events": []}`, `{"task_id": 1}`, `<report><issues burpVersion="1"/></report>`, `[{"issue_type": 1, "Issues": 2}]`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x", yes, no)
}

func TestCollectFS(t *testing.T) {
	fsys := fstest.MapFS{
		"r/a.xml":  {Data: []byte(`<issues burpVersion="1">` + issueXML("1", "Low", "/", "/", "GET", "") + `</issues>`)},
		"r/b.json": {Data: []byte(`{"task_id": 1, "scan_status": "x", "issue_events": []}`)},
		"r/c.json": {Data: []byte(`{"unrelated": true}`)},
	}
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"r"}}, sink); err != nil {
		t.Fatal(err)
	}
	// a.xml: one finding; b.json: no issue, evidence named after the file.
	if len(sink.Findings) != 1 || len(sink.Evidences) != 2 || sink.Evidences[1].API != "b" {
		t.Errorf("%d findings %+v", len(sink.Findings), sink.Evidences)
	}
	err := Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"r/c.json"}}, &scantest.Sink{})
	if !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), "burp: r/c.json: not a Burp report: JSON without") {
		t.Errorf("named non-Burp file: %v", err)
	}
}
