package generic

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParseJSON covers the JSON forms (document, array, JSON Lines). The
// seeds, the examples of docs/findings-format.md among them, run in every
// `go test`.
func FuzzParseJSON(f *testing.F) {
	for _, ex := range docExamples(f) {
		if ex.lang == "json" || ex.lang == "jsonl" {
			f.Add([]byte(ex.text))
		}
	}
	for _, s := range []string{
		"", "[]", "{}", "null", `{"findings": null}`, `{"findings": [null]}`, `{"tool": "", "findings": [{}]}`,
		`[{"title": "t", "severity": "low", "cwe": 1e400, "line": 99999999999999999999}]`,
		`[{"rule_id": "r", "severity": "low", "fingerprint": "a"}, {"rule_id": "r", "severity": "low", "fingerprint": "a"}]`,
		`{"findings": [{"title": "t", "severity": "low", "url": "http://[::1"}], "api": ""}`,
		"{\"title\": \"a\", \"severity\": \"low\"}\n{\"title\": \"b\",\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data) })
}

// FuzzParseCSV covers CSV.
func FuzzParseCSV(f *testing.F) {
	for _, ex := range docExamples(f) {
		if ex.lang == "csv" {
			f.Add([]byte(ex.text))
		}
	}
	for _, s := range []string{
		"", "rule_id,severity\n", "title,severity,tags\nt,low,;;;\n", "\ufeffRULE_ID,SEVERITY,LINE\nr,low,-1\n",
		"rule_id,severity\nr1,low\n\"r2,low\n", "severity,title,cwe,url\nx,y,CWE-1,http://a:99999\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.csv", data) })
}
