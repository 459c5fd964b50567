package sarif

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic (a recovered
// panic counts as a failure), and either fail with an *Error naming the
// file or return a result every finding of which passes ingest's checks.
// The seeds are the small corpus logs and the hand-made ones of the other
// tests; `go test` runs them every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{miniLog,
		string(log(run(`{"id": "r", "messageStrings": {"m": {"text": "{0}{1}{{}}"}}}`, `{"ruleId": "r", "message": {"id": "m", "arguments": ["a"]}, "ruleIndex": 0}`))),
		string(log(`{"tool": {"driver": {"name": "T"}, "extensions": [{"rules": [{"id": "x"}]}]}, "results": [{"rule": {"index": 0, "toolComponent": {"index": 0}}}]}`)),
		string(log(`{"originalUriBaseIds": {"A": {"uri": "x/", "uriBaseId": "A"}}, "results": [{"locations": [{"physicalLocation": {"artifactLocation": {"uri": "a", "uriBaseId": "A"}}}]}]}`)),
		string(log(`{"artifacts": [{"location": {"uri": "q"}}], "webRequests": [{"target": "http://x"}], "results": [{"webRequest": {"index": 0}, "locations": [{"physicalLocation": {"artifactLocation": {"index": 0}}}]}]}`)),
		`{"version": "2.1.0", "runs": [null, {"results": [null, 1, {"ruleIndex": -1}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [null]}}, "results": [{"ruleIndex": 0, "suppressions": [null, {}]}]}]}`,
		`{"version": "2.1.0", "runs": [`, "", "\x00\xff", "[]", `{"runs": {}}`,
	} {
		f.Add([]byte(s))
	}
	scantest.AddCorpusSeeds(f, "scans/sarif", "*", 32<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.sarif", data)
	})
}
