package crunch42

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
		mini, "", "[]", "{}", `{"report": null}`, `{"report": {}}`, `[{"report": {"index": []}}]`,
		`{"report": {"index": ["/a"], "data": {"issues": {"x": {"issues": [{"pointer": 0, "criticality": 9}]}}}}}`,
		`{"report": {"index": [], "data": {"issues": {"x": {"issues": [{"pointer": -1}]}}}}}`,
		`{"index": ["/paths/~1/get"], "security": {"issues": {"x": {"criticality": 4.5, "issues": [{"pointer": 0}]}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
