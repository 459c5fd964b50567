package gosec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

func TestDetect(t *testing.T) {
	yes := []string{
		`{"Golang errors": {}, "Issues": [], "Stats": {"files": 0}}`,
		`{"Issues": [{"severity": "LOW", "rule_id": "G104"}]}`,
	}
	no := []string{
		`{"Issues": [{"severity": "LOW", "confidence": "HIGH", "cwe": {"id": "2`, // cut before rule_id, no Stats yet: not enough
		``, `{}`, `[]`, `{"Issues": []}`, `{"Stats": {}}`,
		`{"Issues": [{"issue_type": {"name": "SQL injection"}, "severity": "high"}]}`, // Burp GraphQL export
		`{"Issues": {"rule_id": "G1"}, "Stats": {}}`,
		`{"errors": [], "results": [{"check_id": "x"}]}`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x.json", yes, no)
}

func TestIssueFields(t *testing.T) {
	doc := `{"Golang errors": {"b.go": [{"line": 3, "column": 7, "error": "undefined: x\nmore"}], "a.go": [{"line": 1, "column": 1, "error": "e"}]},
	"Issues": [
		{"severity": "HIGH", "confidence": "MEDIUM", "cwe": {"id": 22, "url": "u"}, "rule_id": "G304", "details": "Potential file inclusion", "file": "C:\\src\\f.go",
		 "code": "12: os.Open(p)\n13: x", "line": 12, "column": "5", "nosec": false, "suppressions": [{"kind": "inSource", "justification": "checked"}], "autofix": "use filepath.Clean"},
		{"severity": "URGENT", "rule_id": "G999", "file": "g.go", "line": "x"},
		{"severity": "LOW", "rule_id": "G104", "file": "g.go", "line": "4", "nosec": true},
		{"severity": "LOW", "rule_id": "G104", "file": "g.go", "line": "4-5"},
		{"severity": "LOW", "file": "no-rule.go"}, 3, {"rule_id": "G1", "line": [1]}]}`
	res := scantest.ParseOK(t, Parse, "g.json", []byte(doc), collectors.Source{})
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings %+v", len(res.Findings), res.Findings)
	}
	f := res.Findings[0]
	if f.CWE != 22 || f.File != "C:/src/f.go" || f.Line != 12 || f.Location != "C:/src/f.go:12" || f.Severity != "high" ||
		f.Remediation != "use filepath.Clean" || !scantest.HasTag(f, "suppressed") || !scantest.HasTag(f, "suppression:inSource") || !scantest.HasTag(f, "confidence:MEDIUM") ||
		f.Excerpt != "12: os.Open(p)\n13: x" || f.Title != "Potential file inclusion" {
		t.Errorf("G304: %+v", f)
	}
	// No details: the rule id is the title; a line that is not a number is 0.
	if g := res.Findings[1]; g.Severity != "info" || g.RawSeverity != "URGENT" || g.Line != 0 || g.Location != "g.go" || g.Title != "G999" {
		t.Errorf("G999: %+v", g)
	}
	// Issues on one line of one rule are one finding.
	if g := res.Findings[2]; !scantest.HasTag(g, "occurrences:2") || !scantest.HasTag(g, "suppressed") {
		t.Errorf("G104: %+v", g)
	}
	want := []string{
		"gosec could not analyse a.go:1:1: e",
		"gosec could not analyse b.go:3:7: undefined: x",
		"Issues[4] has no rule_id; skipped",
		"Issues[5] is not an object; skipped",
		"Issues[6]: line: a JSON array where a string is expected; skipped",
		`Issues[1]: unknown severity "URGENT" taken as info`,
	}
	if strings.Join(res.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(res.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	full := string(scantest.CorpusFile(t, "scans/gosec/many_vulns.json"))
	lines := strings.SplitAfter(full, "\n")
	cut := strings.Join(lines[:99], "") + lines[99][:3]
	scantest.ParseErr(t, Kind, Parse, "cut.json", []byte(cut), safedecode.ErrSyntax, "cut.json:100:4: ", "truncated?")
	scantest.ParseErr(t, Kind, Parse, "semgrep.json", scantest.CorpusFile(t, "scans/semgrep/cwe_list.json"), ErrFormat, `semgrep.json:1:1: not a gosec report: no "Issues" array`)
	scantest.ParseErr(t, Kind, Parse, "burp.json", scantest.CorpusFile(t, "scans/burp_graphql/two_findings.json"), ErrFormat, `burp.json:1:1: not a gosec report: no issue has a "rule_id"`)
	scantest.ParseErr(t, Kind, Parse, "a.json", []byte(`[]`), ErrFormat, "a.json:1:1: not a gosec report: the top level is not an object")
	scantest.ParseErr(t, Kind, Parse, "t.json", []byte("{\n\"Issues\": \"none\"}"), nil, "t.json:2:17: Issues: a JSON string where an array is expected")
	scantest.ParseErr(t, Kind, Parse, "g.json", []byte(`{"Golang errors": [], "Issues": []}`), nil, "g.json:1:20: Golang errors: a JSON array where an object is expected")
}

func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"ci/gosec.json": {Data: []byte(`{"Issues": [{"severity": "HIGH", "rule_id": "G101", "file": "main.go", "line": "3"}], "Stats": {}}`)},
		"ci/burp.json":  {Data: scantest.CorpusFile(t, "scans/burp_graphql/two_findings.json")},
	}
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"ci"}, APIMap: map[string]string{"gosec": "payments"}}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Findings) != 1 || sink.Findings[0].API != "payments" || len(sink.Evidences) != 1 || sink.Evidences[0].Artifact.Name != "ci/gosec.json" {
		t.Errorf("findings %+v evidence %+v", sink.Findings, sink.Evidences)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"ci/gosec.json"}}, &scantest.Sink{FailAfter: 1}); !errors.Is(err, scantest.ErrSinkFull) {
		t.Errorf("sink error: %v", err)
	}
}

func TestRegistered(t *testing.T) {
	if c, err := collectors.Get(Kind); err != nil || c.Version() != CollectorVersion {
		t.Errorf("registry: %v %v", c, err)
	}
}

// A report cannot flood the sink with warnings: the first 100 are kept
// and a last one counts the rest.
func TestWarningsBounded(t *testing.T) {
	var errs []string
	for i := range 150 {
		errs = append(errs, fmt.Sprintf(`{"line": %d, "column": 1, "error": "e"}`, i+1))
	}
	res := scantest.ParseOK(t, Parse, "w.json", []byte(`{"Golang errors": {"a.go": [`+strings.Join(errs, ",")+`]}, "Issues": []}`), collectors.Source{})
	if len(res.Warnings) != 101 || res.Warnings[99] != "gosec could not analyse a.go:100:1: e" || res.Warnings[100] != "50 more warnings not shown" {
		t.Errorf("%d warnings, last %q", len(res.Warnings), res.Warnings[len(res.Warnings)-1])
	}
	// No issues: the report is still evidence, with the tool the
	// findings would carry (the import's scope).
	if len(res.Evidence) != 1 || res.Evidence[0].API != "w" || res.Evidence[0].Location != Tool {
		t.Errorf("evidence %+v", res.Evidence)
	}
}
