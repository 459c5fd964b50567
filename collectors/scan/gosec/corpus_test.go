package gosec

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// Expected numbers were counted in many_vulns.json with grep:
//
//	grep -c '"rule_id": "G104"' -> 15 (G501 3, G401 3, G203 6, G201 1: 28 issues)
//	grep -c '"severity": "LOW"' -> 15, '"severity": "MEDIUM"' -> 13
//	grep -c '"id": "' -> 6 issues state a CWE (252 twice, 327 twice, 79, 89)
//	G201 at function.go has "line": "36-39"

func TestCorpusManyVulns(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/gosec/many_vulns.json")
	res := scantest.ParseOK(t, Parse, "many_vulns.json", data, collectors.Source{})
	if len(res.Findings) != 28 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %q", len(res.Findings), res.Warnings)
	}
	if got := scantest.Severities(res.Findings); got["low"] != 15 || got["medium"] != 13 || len(got) != 2 {
		t.Errorf("severities %v", got)
	}
	// Only 6 issues state their CWE; the rule's CWE holds for the others.
	perRule := map[string]map[int]int{}
	for _, f := range res.Findings {
		if perRule[f.RuleID] == nil {
			perRule[f.RuleID] = map[int]int{}
		}
		perRule[f.RuleID][f.CWE]++
		if f.API != "many_vulns" || f.Tool != "gosec" || f.Fingerprint != "" {
			t.Fatalf("finding %+v", f)
		}
	}
	want := map[string]map[int]int{"G104": {252: 15}, "G501": {327: 3}, "G401": {327: 3}, "G203": {79: 6}, "G201": {89: 1}}
	for rule, m := range want {
		for cwe, n := range m {
			if perRule[rule][cwe] != n || len(perRule[rule]) != 1 {
				t.Errorf("%s: CWEs %v, want %v", rule, perRule[rule], m)
			}
		}
	}
	// A line range "36-39" starts at 36.
	f := scantest.FindingAt(t, res.Findings, "G201", "/vagrant/go/src/govwa/vulnerability/sqli/function.go:36")
	if f.Line != 36 || f.Severity != "medium" || f.RawSeverity != "MEDIUM" || !scantest.HasTag(f, "confidence:HIGH") ||
		f.Title != "SQL string formatting" || !strings.HasPrefix(f.Excerpt, "fmt.Sprintf(`SELECT p.user_id") ||
		!strings.Contains(f.Description, "https://cwe.mitre.org/data/definitions/89.html") {
		t.Errorf("G201: %+v", f)
	}
	if f := scantest.FindingAt(t, res.Findings, "G203", "/vagrant/go/src/govwa/vulnerability/xss/xss.go:100"); !scantest.HasTag(f, "confidence:LOW") || f.Excerpt != "template.HTML(inlineJS)" {
		t.Errorf("G203: %+v", f)
	}
}

func TestCollectCorpus(t *testing.T) {
	sink := &scantest.Sink{}
	src := collectors.Source{Name: "s", Paths: []string{testutil.Corpus(t, "scans/gosec")}}
	if err := (Collector{}).Collect(t.Context(), src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Findings) != 28 || len(sink.Evidences) != 1 || sink.Evidences[0].API != "many_vulns" {
		t.Errorf("findings %d evidence %+v", len(sink.Findings), sink.Evidences)
	}
}

func TestDetectCorpus(t *testing.T) {
	// burp_graphql/two_findings.json also has a top-level "Issues".
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/gosec/"); n != 1 {
		t.Errorf("recognised %d files, want 1", n)
	}
}
