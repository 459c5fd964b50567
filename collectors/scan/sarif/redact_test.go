package sarif

import (
	"bytes"
	"os"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

// The gitleaks report's secrets never reach the stored artifact; a
// report of a scanner that is not a secret scanner is stored byte for byte.
func TestSecretsAreRedactedFromTheStoredReport(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/sarif/gitleaks_7.5.0.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"AKIAIOSFODNN7EXAMPLE", "BEGIN OPENSSH PRIVATE KEY"} {
		if !bytes.Contains(data, []byte(secret)) {
			t.Fatalf("test premise: the report contains %q", secret)
		}
	}
	res, err := Parse("gitleaks.sarif", data, collectors.Source{Name: "s"})
	if err != nil {
		t.Fatal(err)
	}
	art := res.Evidence[0].Artifact.Data
	for _, secret := range []string{"AKIAIOSFODNN7EXAMPLE", "BEGIN OPENSSH PRIVATE KEY"} {
		if bytes.Contains(art, []byte(secret)) {
			t.Errorf("the stored report still contains %q", secret)
		}
	}
	if !bytes.Contains(art, []byte(redacted)) || len(res.Findings) == 0 {
		t.Errorf("redacted report: %d bytes, %d findings", len(art), len(res.Findings))
	}
	codeql, err := os.ReadFile(testutil.Corpus(t, "scans/sarif/codeQL-output.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Parse("codeql.sarif", codeql, collectors.Source{Name: "s"})
	if err != nil || !bytes.Equal(res.Evidence[0].Artifact.Data, codeql) {
		t.Errorf("a CodeQL report must be stored as it is (err %v)", err)
	}
}
