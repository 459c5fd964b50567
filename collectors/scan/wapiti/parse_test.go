package wapiti

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// parseErr parses data expecting an error of kind whose message starts
// with "wapiti: <name><where>" and contains every want.
func parseErr(t *testing.T, name string, data []byte, kind error, where string, wants ...string) {
	t.Helper()
	dasttest.ParseErr(t, Kind, Parse, name, data, collectors.Source{}, kind, where, wants...)
}

func TestErrors(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/wapiti/example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:len(data)/2]
	parseErr(t, "half.xml", cut, safedecode.ErrSyntax, fmt.Sprintf(":%d:", bytes.Count(cut, []byte("\n"))+1),
		"unexpected EOF", "(truncated?)")
	zap, err := os.ReadFile(testutil.Corpus(t, "scans/zap/juicy2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	parseErr(t, "zap.xml", zap, ErrFormat, ":1: ", "not a Wapiti 3 report: root element <OWASPZAPReport>")
	parseErr(t, "empty-report.xml", []byte(`<report type="security"></report>`), ErrFormat, ":1: ")
	parseErr(t, "json.xml", []byte(`{"vulnerabilities": {}}`), ErrFormat, ":1:", "no XML root element")
}

func TestHostileXML(t *testing.T) {
	dasttest.CheckHostile(t, Kind, "report", Parse)
}

func TestBigAttribute(t *testing.T) {
	data := []byte(`<?xml version="1.0"?><report type="security"><report_infos><info name="` + strings.Repeat("n", 20<<20) +
		`">x</info><info name="target">https://big.example/</info><info name="generatorVersion">Wapiti 3.1.8</info></report_infos>` +
		`<vulnerabilities><vulnerability name="X"><entries><entry><method>GET</method><path>/</path><level>2</level></entry></entries></vulnerability></vulnerabilities></report>`)
	res := dasttest.CheckBigAttribute(t, data, Parse)
	if len(res.Findings) != 1 || res.Findings[0].API != "big.example" || res.Findings[0].Severity != "medium" {
		t.Errorf("findings %+v", res.Findings)
	}
}

func report(version, level string) []byte {
	return []byte(`<report type="security"><report_infos><info name="generatorName">wapiti</info>` +
		`<info name="generatorVersion">` + version + `</info><info name="target">http://t.example:8080/app/</info></report_infos>` +
		`<vulnerabilities><vulnerability name="Cross Site Scripting"><entries><entry><method>get</method>` +
		`<path>/app/search?q=x</path><level>` + level + `</level><parameter>q</parameter><info>XSS via q</info>` +
		`<module>xss</module><wstg><code>WSTG-INPV-01</code></wstg>` +
		`<detail><response><status_code>200</status_code><body><![CDATA[<html>` + strings.Repeat("b", 1000) + `</html>]]></body>` +
		`<headers><header name="Set-Cookie">sid=abc; HttpOnly</header><header name="Content-Type">text/html</header></headers></response></detail>` +
		`</entry></entries></vulnerability></vulnerabilities><anomalies/><additionals/></report>`)
}

// TestLevels: the level scale depends on the Wapiti version that wrote
// the report (see doc.go).
func TestLevels(t *testing.T) {
	tests := []struct {
		version, level, sev, warn string
	}{
		{"Wapiti 3.0.4", "1", "low", ""},
		{"Wapiti 3.1.8", "0", "info", ""},
		{"Wapiti 3.2.7", "2", "medium", ""},
		{"Wapiti 3.2.7", "3", "high", ""},
		{"Wapiti 3.2.7", "4", "critical", ""},
		{"", "3", "high", ""}, // unknown version: the current scale
		{"Wapiti 3.0.3", "1", "high", ""},
		{"Wapiti 3.0.3", "3", "low", ""},
		{"Wapiti 2.3.0", "2", "medium", ""},
		{"Wapiti 3.0.1", "4", "info", `unknown level "4" (scale 1 high, 2 medium, 3 low (Wapiti before 3.0.4))`},
		{"Wapiti 3.1.0", "7", "info", `unknown level "7" (scale 0 info .. 4 critical (Wapiti 3.0.4+))`},
		{"Wapiti 3.1.0", "", "info", `unknown level ""`},
	}
	for _, tt := range tests {
		res, err := Parse("r.xml", report(tt.version, tt.level), collectors.Source{})
		if err != nil {
			t.Fatal(err)
		}
		dasttest.Check(t, Kind, res)
		f := res.Findings[0]
		w := strings.Join(res.Warnings, "\n")
		if f.Severity != tt.sev || f.RawSeverity != tt.level || (tt.warn == "") != (w == "") || !strings.Contains(w, tt.warn) {
			t.Errorf("%s level %q: severity %q raw %q warnings %q", tt.version, tt.level, f.Severity, f.RawSeverity, w)
		}
	}
	res, err := Parse("r.xml", report("Wapiti 3.1.8", "3"), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Findings[0]
	// Target with a port and a path: the API keeps the port, the entry's
	// path replaces the target's. The detailed report's response shows as
	// status and headers (body left out, cookie redacted).
	if f.API != "t.example:8080" || f.Method != "GET" || f.URL != "http://t.example:8080/app/search?q=x" ||
		f.Location != "http://t.example:8080/app/search?q=x param=q" || !scantest.HasTag(f, "module:xss") || !scantest.HasTag(f, "WSTG-INPV-01") ||
		f.Excerpt != "HTTP 200\nSet-Cookie: sid=[redacted]; HttpOnly\nContent-Type: text/html" {
		t.Errorf("%+v", f)
	}
}

func TestDetect(t *testing.T) {
	yes := []string{
		"<?xml version=\"1.0\" ?>\n<report type=\"security\">\n   <report_infos>\n      <info name=\"generatorName\">wapiti</info>",
		`<report type="security"><report_infos><info name="generatorVersion">Wapiti 3.2.0</info>`,
	}
	no := []string{
		``, `<report type="security"><generatedBy id="Wapiti 2.3.0"/><bugTypeList>`, `<report><report_infos><info name="generatorName">arachni</info>`,
		`<OWASPZAPReport><report_infos>wapiti`, `{"infos": {"version": "Wapiti 3"}}`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x", yes, no)
}
