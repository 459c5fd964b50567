package zap

import (
	"os"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/internal/testutil"
)

// firstAlert cuts a real XML report after its first alert and closes it:
// a small seed with real structure.
func firstAlert(t testing.TB, file string) string {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/zap/"+file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "</alertitem>")
	return s[:i+len("</alertitem>")] + "</alerts></site></OWASPZAPReport>"
}

func fuzzParse(t *testing.T, name string, data []byte) {
	dasttest.Fuzz(t, Kind, Collector{}.Detect, Parse, name, data)
}

// FuzzParseXML feeds the XML parser; the seeds (real alerts, hostile
// documents, odd shapes) run in every `go test`.
func FuzzParseXML(f *testing.F) {
	for _, file := range []string{"dvwa_baseline_dojo.xml", "zap-results-first-scan.xml", "zap_2.16.1_with_req_resp.xml"} {
		f.Add([]byte(firstAlert(f, file)))
	}
	for _, s := range []string{
		`<OWASPZAPReport><site name="http://a"><alerts><alertitem><pluginid>1</pluginid><riskcode>x</riskcode><uri>http://a/b</uri></alertitem></alerts></site></OWASPZAPReport>`,
		`<OWASPZAPReport><site name="http://a" host="a" port="70000" ssl="maybe"><alerts><alertitem><alertRef>2-1</alertRef><confidence>0</confidence><instances><instance><uri>` + strings.Repeat("u", 9000) + `</uri></instance></instances></alertitem></alerts></site></OWASPZAPReport>`,
		`<OWASPZAPReport><site/><site name=""/></OWASPZAPReport>`,
		`<?xml version="1.0" encoding="latin1"?><OWASPZAPReport/>`,
		`<OWASPZAPReport><![CDATA[<site>]]><!-- <site> --></OWASPZAPReport>`,
		`<OWASPZAPReport></OWASPZAPReport><x/>`,
		"<OWASPZAPReport>\x00</OWASPZAPReport>",
		"", "<", "<OWASPZAPReport", "<a></b>",
	} {
		f.Add([]byte(s))
	}
	f.Add(dasttest.BillionLaughs("OWASPZAPReport"))
	f.Add(dasttest.Deep("OWASPZAPReport", 100))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fuzz.xml", data) })
}

// FuzzParseJSON feeds the traditional-JSON parser.
func FuzzParseJSON(f *testing.F) {
	data, err := os.ReadFile(testutil.Corpus(f, "scans/zap/zap-extensions-basic-traditional-json.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, s := range []string{
		`{"@version": "1", "site": {"@name": "http://a", "alerts": {"pluginid": 1, "riskcode": 3, "instances": {"uri": "http://a/"}}}}`,
		`{"@version": "1", "site": [{"alerts": [{"name": "n", "riskdesc": "High (x)", "tags": {"API1:2023": "x"}}]}]}`,
		`{"@version": "1", "site": [{"alerts": [{"pluginid": "1", "tags": [1, {"tag": ["x"]}]}]}]}`,
		`{"@version": null, "site": null}`, `{"@version": "1", "site": [null, 1]}`, `{"@programName": {}}`,
		`{"@version": "1", "site": [[[[[[[[[[]]]]]]]]]]}`, `{`, `[]`, `{"@version": "\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fuzz.json", data) })
}
