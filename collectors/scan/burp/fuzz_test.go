package burp

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
)

func fuzzParse(t *testing.T, name string, data []byte) {
	dasttest.Fuzz(t, Kind, Collector{}.Detect, Parse, name, data)
}

func corpusSeed(f *testing.F, file string) []byte { return scantest.CorpusFile(f, "scans/"+file) }

// FuzzParseXML feeds the Scanner XML parser; seeds run in every go test.
func FuzzParseXML(f *testing.F) {
	f.Add(corpusSeed(f, "burp/one_finding_with_cwe.xml"))
	for _, s := range []string{
		`<issues burpVersion="1"><issue><type>1</type><host>http://a:99999</host><path>//x</path><location>x [p parameter]</location>` +
			`<requestresponse><request base64="true">R0VUIC8gSFRUUC8xLjE=</request><response base64="true">!!</response></requestresponse></issue></issues>`,
		`<issues><issue><name>n</name><severity>False positive</severity><issueDetailItems><issueDetailItem>&lt;b&gt;</issueDetailItem></issueDetailItems></issue></issues>`,
		`<issues><issue/><issue><type/></issue></issues>`,
		"<issues><issue><type>1</type><requestresponse><request>GET / HTTP/1.1\r\nCookie: a\r\n</request></requestresponse></issue></issues>",
		"", "<issues", "<issues></issue>",
	} {
		f.Add([]byte(s))
	}
	f.Add(dasttest.BillionLaughs("issues"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fuzz.xml", data) })
}

// FuzzParseJSON feeds the REST and GraphQL parsers.
func FuzzParseJSON(f *testing.F) {
	f.Add(corpusSeed(f, "burp_graphql/two_findings.json"))
	f.Add(corpusSeed(f, "burp_api/example.json"))
	for _, s := range []string{
		`{"task_id": 1, "issue_events": {"issue": {"type_index": 1, "evidence": {"request_response": {"request": {"data": "x"}}}}}}`,
		`{"task_id": 1, "issue_events": [{"issue": {"name": "n", "caption": "[a]", "evidence": [{"request_response": null}]}}]}`,
		`{"Issues": [{"issue_type": null, "evidence": [{"request_segments": [{"data_html": "<br"}]}]}]}`,
		`{"data": {"scan": {"issues": null}}, "Issues": [], "issue_type": 1}`,
		`{"task_id": "x", "issue_events": [1, "a", null]}`, `{"Issues": "x", "issue_type": {}}`, `{"task_id":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fuzz.json", data) })
}
