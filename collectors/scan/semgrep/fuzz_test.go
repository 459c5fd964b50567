package semgrep

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic and either
// fail with an *Error naming the file or return findings that pass
// ingest's checks. `go test` runs the seeds every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"errors": [{"type": [1]}, {"type": ["x"]}], "results": [{"check_id": "a", "extra": {"metadata": {"cwe": [["CWE-1"]], "owasp": 3}}}]}`,
		`{"results": [{"check_id": "a", "path": "p", "start": {"line": -4}, "extra": {"severity": "", "sca_info": {}}}, null]}`,
		`{"results": [{"check_id": "a", "extra": {"fingerprint": "x"}}, {"check_id": "a", "extra": {"fingerprint": "x"}}]}`,
		`{"results": [`, `{"results": null}`, "", "\xff",
	} {
		f.Add([]byte(s))
	}
	scantest.AddCorpusSeeds(f, "scans/semgrep", "*.json", 16<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
