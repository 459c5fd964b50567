package crunch42

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic (a recovered
// panic counts as a failure), and either fail with an *Error naming the
// file or return findings that pass ingest's checks. The seeds (the corpus
// audit report, the real scan reports of testdata/scan and the hand-made
// ones) run in every `go test`.
func FuzzParse(f *testing.F) {
	f.Add(corpusFile(f))
	for _, n := range []string{scan221, scanOld, scan220, scanClean, scan222} {
		f.Add(scanFile(f, n))
	}
	for _, s := range []string{
		miniScan, `{"scanVersion": "2.2.0", "paths": {}}`, `{"data": {"scanReportVersion": "2.2.2", "paths": null}}`,
		`{"scanVersion": "1", "paths": {"/a": {"get": {"issues": [{"injectionKey": "k", "status": "failure", "responseHttp": "SFRUUA=="}]}}}}`,
		`{"data": {"scanVersion": "1", "index": {"injectionKeys": ["k"]}, "paths": {"/a": {"post": {"issues": [{"injectionKey": 0, "criticality": 4}]}}}}}`,
		`{"scanVersion": "1", "paths": {"/a": {"get": {"reason": "operation-happy-path-failed", "happyPaths": [{"happyPathKey": "x"}]}}}}`,
	} {
		f.Add([]byte(s))
	}
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
