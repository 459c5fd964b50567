package zap

import (
	"bytes"
	"context"
	"errors"
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

// parseErr parses data with src expecting an error of kind whose message
// starts with "zap: <name><where>" and contains every want.
func parseErr(t *testing.T, name string, data []byte, src collectors.Source, kind error, where string, wants ...string) {
	t.Helper()
	dasttest.ParseErr(t, Kind, Parse, name, data, src, kind, where, wants...)
}

func TestErrorsTruncated(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/zap/dvwa_baseline_dojo.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:len(data)/2]
	lines := bytes.Count(cut, []byte("\n")) + 1 // the decoder stops on the last line
	parseErr(t, "half.xml", cut, collectors.Source{}, safedecode.ErrSyntax,
		":"+itoa(lines)+":", "XML syntax error", "unexpected EOF (truncated?)")

	js, err := os.ReadFile(testutil.Corpus(t, "scans/zap/zap-extensions-basic-traditional-json.json"))
	if err != nil {
		t.Fatal(err)
	}
	cut = js[:len(js)-20]
	lines = bytes.Count(cut, []byte("\n")) + 1
	parseErr(t, "half.json", cut, collectors.Source{}, safedecode.ErrSyntax, ":"+itoa(lines)+":", "truncated")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestErrorsWrongFormat(t *testing.T) {
	burp, err := os.ReadFile(testutil.Corpus(t, "scans/burp/one_finding_with_cwe.xml"))
	if err != nil {
		t.Fatal(err)
	}
	parseErr(t, "burp.xml", burp, collectors.Source{}, ErrFormat, ":1: ", "not a ZAP report: the root element is <issues>")
	parseErr(t, "other.json", []byte(`{"runs": []}`), collectors.Source{}, ErrFormat, ": ", `not a ZAP JSON report`)
	parseErr(t, "empty.xml", nil, collectors.Source{}, ErrFormat, ":1:", "no XML root element")
	parseErr(t, "text.xml", []byte("hello"), collectors.Source{}, ErrFormat, ":1:", "no XML root element")
	// A value of the wrong type names the field.
	parseErr(t, "type.json", []byte(`{"@version": "2.11", "site": [{"@name": "x", "alerts": [{"riskcode": {"a": 1}}]}]}`),
		collectors.Source{}, ErrFormat, ":1: ", "site.alerts.riskcode: a JSON object where a string is expected")
	parseErr(t, "array.json", []byte(`[1, 2]`), collectors.Source{}, ErrFormat, ":1:1: ", "not a ZAP report: the top level is not an object")
	// Encodings other than UTF-8 and ISO-8859-1 are refused, not guessed.
	parseErr(t, "sjis.xml", []byte(`<?xml version="1.0" encoding="Shift_JIS"?><OWASPZAPReport/>`), collectors.Source{},
		safedecode.ErrSyntax, ":1:", `unsupported encoding "Shift_JIS"`)
}

func TestErrorsLimits(t *testing.T) {
	data := []byte(`<OWASPZAPReport><site name="a"/></OWASPZAPReport>`)
	parseErr(t, "big.xml", data, collectors.Source{Options: map[string]string{"max_bytes": "10"}}, safedecode.ErrTooLarge,
		": ", "input exceeds the size limit of 10 bytes")
	parseErr(t, "deep.xml", []byte(`<OWASPZAPReport><site><alerts><alertitem></alertitem></alerts></site></OWASPZAPReport>`),
		collectors.Source{Options: map[string]string{"max_depth": "3"}}, safedecode.ErrTooDeep, ":1:", "deeper than the limit of 3")
	parseErr(t, "deep.json", []byte(`{"@version": "1", "site": [{"alerts": [{}]}]}`),
		collectors.Source{Options: map[string]string{"max_depth": "3"}}, safedecode.ErrTooDeep, ":1:")
	_, err := Parse("x.xml", data, collectors.Source{Name: "s", Options: map[string]string{"max_bytes": "-1"}})
	if !errors.Is(err, dast.ErrOption) || !strings.Contains(err.Error(), `zap: source "s": option max_bytes="-1"`) {
		t.Errorf("bad option: %v", err)
	}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"x"},
		Options: map[string]string{"max_depth": "deep"}}, &scantest.Sink{})
	if !errors.Is(err, dast.ErrOption) {
		t.Errorf("bad option in Collect: %v", err)
	}
	// A file over max_bytes is refused when read.
	fsys := fstest.MapFS{"r.xml": {Data: data}}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"r.xml"},
		Options: map[string]string{"max_bytes": "10"}}, &scantest.Sink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "zap: r.xml: ") {
		t.Errorf("oversized file: %v", err)
	}
}

// TestHostileXML: XXE, billion laughs, 10000-deep nesting, an external
// DTD and parameter entities.
func TestHostileXML(t *testing.T) {
	dasttest.CheckHostile(t, Kind, "OWASPZAPReport", Parse)
}

// TestBigAttribute: a 20 MB attribute within the size limit parses
// without allocating more than a few times the file.
func TestBigAttribute(t *testing.T) {
	big := strings.Repeat("a", 20<<20)
	data := []byte(`<?xml version="1.0"?><OWASPZAPReport version="2.11"><site name="` + big +
		`" host="h.example" port="443" ssl="true"><alerts><alertitem><pluginid>1</pluginid><riskcode>1</riskcode>` +
		`<instances><instance><uri>https://h.example/a</uri><method>get</method></instance></instances></alertitem></alerts></site></OWASPZAPReport>`)
	res := dasttest.CheckBigAttribute(t, data, Parse)
	if len(res.Findings) != 1 || res.Findings[0].API != "h.example" || res.Findings[0].Method != "GET" {
		t.Errorf("findings %+v", res.Findings)
	}
}

func TestSeverityAndConfidence(t *testing.T) {
	doc := func(risk, riskdesc, conf string) []byte {
		return []byte(`<OWASPZAPReport><site name="https://a.example:8443" host="a.example" port="8443" ssl="true"><alerts><alertitem>
<pluginid>7</pluginid><name>N</name><riskcode>` + risk + `</riskcode><riskdesc>` + riskdesc + `</riskdesc><confidence>` + conf + `</confidence>
<instances><instance><uri>https://a.example:8443/x</uri><method>get</method></instance></instances></alertitem></alerts></site></OWASPZAPReport>`)
	}
	tests := []struct {
		risk, riskdesc, conf string
		sev, raw, confTag    string
		warn                 string
	}{
		{"3", "High (High)", "3", "high", "3", "confidence:High", ""},
		{"2", "", "4", "medium", "2", "confidence:Confirmed", ""},
		{"1", "", "1", "low", "1", "confidence:Low", ""},
		{"0", "", "2", "info", "0", "confidence:Medium", ""},
		// A false positive (confidence 0) stays, as info.
		{"3", "", "0", "info", "3", "confidence:False Positive", ""},
		// No riskcode: riskdesc's first word.
		{"", "Medium (Low)", "1", "medium", "Medium (Low)", "confidence:Low", ""},
		// Unknown riskcode: info with a warning naming the value.
		{"9", "!reports.report.risk.9!", "2", "info", "9", "confidence:Medium", `alert 1 (7): unknown riskcode "9"`},
		{"", "", "", "info", "", "", `unknown riskcode ""`},
	}
	for _, tt := range tests {
		res, err := Parse("s.xml", doc(tt.risk, tt.riskdesc, tt.conf), collectors.Source{})
		if err != nil {
			t.Fatal(err)
		}
		dasttest.Check(t, Kind, res)
		f := res.Findings[0]
		if f.Severity != tt.sev || f.RawSeverity != tt.raw || (tt.confTag != "" && !scantest.HasTag(f, tt.confTag)) {
			t.Errorf("riskcode %q riskdesc %q confidence %q: severity %q raw %q tags %v", tt.risk, tt.riskdesc, tt.conf,
				f.Severity, f.RawSeverity, f.Tags)
		}
		gotWarn := strings.Join(res.Warnings, "\n")
		if (tt.warn == "") != (gotWarn == "") || !strings.Contains(gotWarn, tt.warn) {
			t.Errorf("riskcode %q: warnings %q, want %q", tt.risk, gotWarn, tt.warn)
		}
		// A non-default port is part of the API hint.
		if f.API != "a.example:8443" || f.Method != "GET" {
			t.Errorf("API %q method %q", f.API, f.Method)
		}
	}
}

func TestShapes(t *testing.T) {
	// ZAP 2.9-era: the instance at alert level; alertRef variants; CWE
	// from tags when cweid is missing; an OWASP API tag; src.API wins.
	xmlDoc := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>
<OWASPZAPReport version="2.9.0"><site name="http://b.example" host="b.example" port="80" ssl="false"><alerts>
<alertitem><pluginid>10020</pluginid><alertRef>10020-1</alertRef><alert>Old</alert><riskcode>2</riskcode><cweid>0</cweid>
<uri>http://b.example/old</uri><method>POST</method><param>p</param>
<tags><tag><tag>CWE-1021</tag><link>x</link></tag><tag><tag>CWE-693</tag></tag><tag><tag>API8:2023</tag></tag></tags></alertitem>
<alertitem><pluginid>10020</pluginid><alertRef>10020-2</alertRef><alert>Variant</alert><riskcode>1</riskcode>
<uri>http://b.example/old</uri><method>POST</method><param>p</param><desc>caf` + "\xe9" + `</desc></alertitem>
</alerts></site><site name="http://empty.example" host="empty.example" port="80" ssl="false"></site></OWASPZAPReport>`)
	res, err := Parse("old.xml", xmlDoc, collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 2 || len(res.Evidence) != 2 || res.Evidence[1].API != "empty.example" {
		t.Fatalf("%d findings, evidence %+v", len(res.Findings), res.Evidence)
	}
	f := res.Findings[0]
	if f.URL != "http://b.example/old" || f.Method != "POST" || f.CWE != 1021 || !scantest.HasTag(f, "cwe:693") || f.OWASP != "API8:2023" ||
		!scantest.HasTag(f, "alertRef:10020-1") || f.Fingerprint != "zap:10020-1|POST|http://b.example/old|p" {
		t.Errorf("old alert: %+v", f)
	}
	// Two variants of one plugin at one place stay two findings; the
	// ISO-8859-1 text is decoded.
	if res.Findings[1].Title != "Variant" || res.Findings[1].Description != "café" {
		t.Errorf("variant: %+v", res.Findings[1])
	}
	res, err = Parse("old.xml", xmlDoc, collectors.Source{API: "shop"})
	if err != nil || res.Findings[0].API != "shop" || len(res.Evidence) != 1 {
		t.Errorf("src.API: %v %+v", err, res.Evidence)
	}
	res, err = Parse("old.xml", xmlDoc, collectors.Source{APIMap: map[string]string{"b.example": "billing"}})
	if err != nil || res.Findings[0].API != "billing" || res.Evidence[1].API != "empty.example" {
		t.Errorf("api_map: %v %+v", err, res.Evidence)
	}

	// JSON: numbers as numbers, one site as an object, instances as an
	// object, -plus header names, tags as strings.
	js := []byte(`{"@programName": "ZAP", "@version": "2.14.0", "site": {"@name": "https://c.example", "@host": "c.example", "@port": 443, "@ssl": true,
"alerts": [{"pluginid": 10038, "name": "CSP", "riskcode": 2, "confidence": 3, "cweid": 693, "wascid": 15, "tags": ["OWASP_2021_A05"],
 "instances": {"uri": "https://c.example/", "method": "GET", "request-header": "GET https://c.example/ HTTP/1.1\r\nCookie: sid=abc; t=1\r\n\r\n"}}]}}`)
	res, err = Parse("plus.json", js, collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	f = res.Findings[0]
	if f.API != "c.example" || f.RuleID != "10038" || f.Severity != "medium" || f.CWE != 693 || !scantest.HasTag(f, "OWASP_2021_A05") ||
		!scantest.HasTag(f, "confidence:High") || f.Excerpt != "GET https://c.example/ HTTP/1.1\nCookie: sid=[redacted]; t=[redacted]" {
		t.Errorf("plus.json: %+v", f)
	}

	// No site at all: the report still says the API was scanned (named
	// after the file, or src.API), with a warning.
	res, err = Parse("reports/nothing.xml", []byte(`<OWASPZAPReport version="2.11"/>`), collectors.Source{})
	if err != nil || len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "nothing" ||
		len(res.Warnings) != 1 {
		t.Errorf("empty report: %v %+v %q", err, res.Evidence, res.Warnings)
	}
	// An alert without any id is skipped with a warning.
	res, err = Parse("noid.xml", []byte(`<OWASPZAPReport><site name="http://d"><alerts><alertitem><riskcode>3</riskcode></alertitem></alerts></site></OWASPZAPReport>`), collectors.Source{})
	if err != nil || len(res.Findings) != 0 || !strings.Contains(strings.Join(res.Warnings, ""), "no pluginid, alertRef or name: skipped") {
		t.Errorf("no id: %v %d %q", err, len(res.Findings), res.Warnings)
	}
}

func TestDetect(t *testing.T) {
	yes := []string{
		`<?xml version="1.0"?><OWASPZAPReport version="2.10.0" generated="x">`,
		"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- zap -->\n<OWASPZAPReport programName=\"ZAP\"",
		`{"@programName": "ZAP", "@version": "2.16", "site": [`,
		"{\n\t\"@version\": \"2.9.0\",\n\t\"@generated\": \"x\",\n\t\"site\":[ ",
	}
	no := []string{
		``, `<issues burpVersion="1">`, `<report type="security">`, `{"site": []}`, `{"version": "2.1.0", "site": []}`,
		`{"@programName": "ZAP", "@version": "2"}`, `<html><OWASPZAPReport>`, `OWASPZAPReport`, `[{"@version": "1", "site": 1}]`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x", yes, no)
}

func TestCollectFS(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/zap/juicy2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"scans/a.xml":          {Data: data},
		"scans/b/c.XML":        {Data: data},
		"scans/not-zap.xml":    {Data: []byte(`<issues burpVersion="1"/>`)},
		"scans/notes.txt":      {Data: data}, // the content decides, not the name
		"scans/.hidden/d.xml":  {Data: data},
		"scans/broken.json":    {Data: []byte(`{"@version": "x", "site": [`)},
		"other/only-zap.json":  {Data: []byte(`{"@version": "2.11", "site": []}`)},
		"other/unrelated.json": {Data: []byte(`{"a": 1}`)},
	}
	sink := &scantest.Sink{}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans", "scans/a.xml"}}, sink)
	// broken.json is detected (its head looks like ZAP) and then fails.
	if err == nil || !strings.HasPrefix(err.Error(), "zap: scans/broken.json:1:") {
		t.Fatalf("Collect: %v", err)
	}
	delete(fsys, "scans/broken.json")
	sink = &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans", "scans/a.xml", "other"}}, sink); err != nil {
		t.Fatal(err)
	}
	// a.xml once (named twice), b/c.XML, notes.txt, other/only-zap.json
	// (no sites: evidence only, named after the file); .hidden is skipped.
	if len(sink.Evidences) != 4 || len(sink.Findings) != 3*71 || sink.Evidences[3].API != "only-zap" {
		t.Errorf("%d evidence %d findings", len(sink.Evidences), len(sink.Findings))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans"}}, &scantest.Sink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys}, &scantest.Sink{}); err == nil {
		t.Error("no paths: no error")
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"missing.xml"}}, &scantest.Sink{}); err == nil ||
		!strings.HasPrefix(err.Error(), "zap: missing.xml") {
		t.Errorf("missing: %v", err)
	}
}
