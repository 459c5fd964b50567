package catalog_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/catalog/internal/oscal"
	"github.com/posture-dev/posture/internal/testutil"
)

// TestNISTProvenance regenerates the embedded SP 800-53 file from the
// official OSCAL catalog in shared/ and requires it to be identical, and
// checks the counts recorded in shared/data/oscal/SOURCE.md.
func TestNISTProvenance(t *testing.T) {
	dir := filepath.Join(testutil.SharedDir(t), "data", "oscal")
	official, err := os.ReadFile(filepath.Join(dir, "NIST_SP-800-53_rev5_catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	trimmed, err := oscal.Trim(official, "NIST_SP-800-53_rev5_catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	regenerated, err := trimmed.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := fs.ReadFile(catalog.Files(), catalog.FileNIST)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(embedded, regenerated) {
		t.Fatalf("catalog/data/%s differs from what the generator produces from the official OSCAL file; run go generate ./catalog", catalog.FileNIST)
	}

	source, err := os.ReadFile(filepath.Join(dir, "SOURCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	// | `NIST_SP-800-53_rev5_catalog.json` | ... | bytes | sha256 |
	m := regexp.MustCompile("(?m)^\\| `NIST_SP-800-53_rev5_catalog\\.json` \\|.*\\| ([0-9]+) \\| `([0-9a-f]{64})` \\|$").FindSubmatch(source)
	if m == nil {
		t.Fatal("SOURCE.md: no row for NIST_SP-800-53_rev5_catalog.json")
	}
	if size, _ := strconv.Atoi(string(m[1])); size != len(official) {
		t.Errorf("official file is %d bytes, SOURCE.md says %s", len(official), m[1])
	}
	if trimmed.Source.SHA256 != string(m[2]) {
		t.Errorf("official file sha256 %s, SOURCE.md says %s", trimmed.Source.SHA256, m[2])
	}
	c := regexp.MustCompile(`\*\*([0-9]+) base controls\*\* \(([0-9]+) marked withdrawn\) and\s+\*\*([0-9]+) control enhancements\*\* \(([0-9]+) withdrawn\)`).FindSubmatch(source)
	if c == nil {
		t.Fatal("SOURCE.md: counts sentence not found")
	}
	atoi := func(b []byte) int { n, _ := strconv.Atoi(string(b)); return n }
	want := oscal.Counts{Base: atoi(c[1]), BaseWithdrawn: atoi(c[2]), Enhancements: atoi(c[3]), EnhancementsWithdrawn: atoi(c[4])}
	if want != (oscal.Counts{Base: 322, BaseWithdrawn: 24, Enhancements: 867, EnhancementsWithdrawn: 158}) {
		t.Errorf("SOURCE.md counts changed: %+v", want)
	}
	if got := trimmed.Counts(); got != want {
		t.Errorf("counts %+v, SOURCE.md says %+v", got, want)
	}

	// The loaded catalog holds all of them, withdrawn ones flagged.
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.NIST) != 1189 {
		t.Errorf("catalog holds %d SP 800-53 controls, want 1189", len(cat.NIST))
	}
	withdrawn := 0
	for _, n := range cat.NIST {
		if n.Withdrawn {
			withdrawn++
		}
	}
	if withdrawn != 24+158 {
		t.Errorf("%d withdrawn, want %d", withdrawn, 24+158)
	}
	if cat.NISTSource.Version != "5.0.1" || cat.NISTSource.SHA256 != string(m[2]) {
		t.Errorf("NISTSource = %+v", cat.NISTSource)
	}
}
