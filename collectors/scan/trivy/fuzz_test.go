package trivy

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic and either
// fail with an *Error naming the file or return findings that pass
// ingest's checks. `go test` runs the seeds every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID": "C", "CVSS": {"": {"V3Score": -1}}}, {"VulnerabilityID": "C"}]}]}`,
		`{"ClusterName": "", "Resources": [{"Results": [{"Misconfigurations": [{"ID": "K", "CauseMetadata": {"StartLine": -5, "Code": {"Lines": [{"Number": -1}]}}}]}]}]}`,
		`{"SchemaVersion": 2, "Results": [{"Target": "t", "Secrets": [{"RuleID": "r", "Match": "*"}, {"RuleID": "r", "Match": "x"}]}]}`,
		`[{"Target": "x"}]`, `[{}]`, "null", `{"SchemaVersion": 1}`, `{"Results": [`, "", "\xff",
	} {
		f.Add([]byte(s))
	}
	scantest.AddCorpusSeeds(f, "scans/trivy", "*.json", 16<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
