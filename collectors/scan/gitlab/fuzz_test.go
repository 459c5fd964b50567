package gitlab

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic (a recovered
// panic counts as a failure), and either fail with an *Error naming the
// file or return findings that pass ingest's checks. The seeds (the corpus
// report and the hand-made ones) run in every `go test`.
func FuzzParse(f *testing.F) {
	f.Add(corpusFile(f))
	for _, s := range []string{
		dast, "", "{}", "[]", `{"vulnerabilities": null}`, `{"vulnerabilities": []}`, `{"vulnerabilities": [null, {}]}`,
		`{"vulnerabilities": [{"identifiers": [{"type": "cwe", "value": "x"}], "location": {"hostname": "::"}}]}`,
		`{"vulnerabilities": [{"location": {"path": "/a", "method": "GET /"}, "evidence": {"request": null}}]}`,
		`{"vulnerabilities": [{"location": {"crash_state": "\n\n"}, "severity": 5}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
