package gosec

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic and either
// fail with an *Error naming the file or return findings that pass
// ingest's checks. `go test` runs the seeds every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"Issues": [{"rule_id": "G1", "line": "-3", "cwe": {"id": "x"}}, {"rule_id": "G1", "line": 1e99}], "Golang errors": {"": [{}]}}`,
		`{"Issues": [{"rule_id": "G1", "cwe": null, "suppressions": [{}]}, null]}`,
		`{"Issues": [`, `{"Issues": null}`, "", "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Add(scantest.CorpusFile(f, "scans/gosec/many_vulns.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
