package semgrep

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

func TestDetect(t *testing.T) {
	yes := []string{
		`{"errors": [], "results": [{"check_id": "a.b", "path": "x"}]}`,
		`{"results": [{"end": {}, "check_id": "a"}], "errors": []}`,
		`{"errors": [], "paths": {"scanned": []}, "results": [], "version": "1.50.0"}`,
		`{"errors": [{"message": "` + strings.Repeat("x", 100) + `"}], "results": [{"check_id": "a.b", "path": "x", "extra": {"li`, // cut
		`{"errors": [{"code": 3, "level": "warn"}, {"check_id": "in a long errors list"`,
	}
	no := []string{
		``, `[]`, `{"results": []}`, `{"errors": [], "results": []}`,
		`{"results": [{"template-id": "x"}]}`,
		`{"results": {"check_id": "a"}, "errors": []}`,
		`{"SchemaVersion": 2, "Results": [{"Target": "x"}]}`,
		`{"version": "2.1.0", "runs": [{"results": [{"check_id": "a"}]}]}`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x.json", yes, no)
}

func TestSeverityScale(t *testing.T) {
	for raw, want := range map[string]string{"CRITICAL": "critical", "ERROR": "high", "HIGH": "high", "WARNING": "medium",
		"MEDIUM": "medium", "INFO": "low", "LOW": "low", "INVENTORY": "info", "EXPERIMENT": "info", "warning": "medium", "bogus": "info"} {
		res := scantest.ParseOK(t, Parse, "s.json", []byte(`{"errors": [], "results": [{"check_id": "r", "path": "a.py", "start": {"line": 1}, "extra": {"severity": "`+raw+`"}}]}`), collectors.Source{})
		if f := res.Findings[0]; f.Severity != want || f.RawSeverity != raw {
			t.Errorf("%s: %s/%s, want %s", raw, f.Severity, f.RawSeverity, want)
		}
		if (raw == "bogus") != (len(res.Warnings) == 1) || (raw == "bogus" && res.Warnings[0] != `results[0]: unknown severity "bogus" taken as info`) {
			t.Errorf("%s: warnings %q", raw, res.Warnings)
		}
	}
}

func TestResultFields(t *testing.T) {
	doc := `{"version": "1.90.0", "errors": [
		{"code": 3, "level": "warn", "type": ["PartialParsing", [{"path": "a.js"}]], "message": "Syntax error at line a.js:3\nmore", "path": "a.js"},
		{"code": 2, "level": "error", "type": "Rule parse error", "rule_id": "bad.rule", "message": "Invalid rule"}, 5],
	"results": [
		{"check_id": "api.idor", "path": "svc\\h.py", "start": {"line": 9, "col": 1},
		 "extra": {"message": "IDOR", "severity": "ERROR", "lines": "requires login", "fingerprint": "requires login", "is_ignored": true, "fix": "check_owner(x)",
		  "metadata": {"cwe": "CWE-639: Authorization Bypass Through User-Controlled Key", "owasp": ["API1:2023 - Broken Object Level Authorization"],
		   "confidence": "HIGH", "likelihood": "MEDIUM", "subcategory": ["vuln"], "references": ["https://r/1"], "source": "https://semgrep.dev/r/api.idor"}}},
		{"check_id": "generic.secrets.security.detected-aws-access-key-id-value", "path": "c.env", "start": {"line": 2},
		 "extra": {"message": "AWS key", "severity": "ERROR", "lines": "AWS_KEY=AKIA0000000000000000", "metadata": {"cwe": ["CWE-798: Hard-coded Credentials", "CWE-259"]}}},
		{"check_id": "ssc-1", "path": "package-lock.json", "start": {"line": 40},
		 "extra": {"message": "vulnerable lodash", "severity": "CRITICAL", "sca_info": {"dependency_match": {"found_dependency": {"package": "lodash", "version": "4.17.20"}}},
		  "metadata": {"sca-vuln-database-identifier": "CVE-2021-23337"}}},
		{"path": "no-check-id.py"}, [1], {"check_id": 5},
		{"check_id": "api.idor", "path": "svc/h.py", "start": {"line": 9, "col": 20}, "extra": {"severity": "ERROR"}}]}`
	res := scantest.ParseOK(t, Parse, "r.json", []byte(doc), collectors.Source{})
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings: %+v", len(res.Findings), res.Findings)
	}
	f := res.Findings[0]
	// Two matches of one rule on one line are one finding.
	if f.File != "svc/h.py" || f.Location != "svc/h.py:9" || f.CWE != 639 || f.OWASP != "API1:2023" || f.Excerpt != "" || f.Fingerprint != "" ||
		!scantest.HasTag(f, "suppressed") || !scantest.HasTag(f, "confidence:HIGH") || !scantest.HasTag(f, "subcategory:vuln") || !scantest.HasTag(f, "occurrences:2") ||
		f.Remediation != "Suggested fix:\ncheck_owner(x)\nhttps://r/1\nhttps://semgrep.dev/r/api.idor" || f.Title != "idor" {
		t.Errorf("finding %+v", f)
	}
	// A secret rule keeps no excerpt: the lines are the secret.
	if s := res.Findings[1]; s.Excerpt != "" || s.CWE != 798 || !scantest.HasTag(s, "cwe:259") || s.Title != "detected-aws-access-key-id-value" {
		t.Errorf("secret %+v", s)
	}
	if s := res.Findings[2]; s.Severity != "critical" || !scantest.HasTag(s, "sca") || !scantest.HasTag(s, "dependency:lodash@4.17.20") || !scantest.HasTag(s, "CVE-2021-23337") {
		t.Errorf("sca %+v", s)
	}
	want := []string{
		"errors[0]: Semgrep reported warn PartialParsing in a.js: Syntax error at line a.js:3",
		"errors[1]: Semgrep reported error Rule parse error (rule bad.rule): Invalid rule",
		"errors[2]: not an error object",
		"results[3] has no check_id; skipped",
		"results[4] is not an object; skipped",
		"results[5]: check_id: a JSON number where a string is expected; skipped",
	}
	if strings.Join(res.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(res.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	full := string(scantest.CorpusFile(t, "scans/semgrep/cwe_list.json"))
	// Cut inside line 30.
	lines := strings.SplitAfter(full, "\n")
	cut := strings.Join(lines[:29], "") + lines[29][:4]
	scantest.ParseErr(t, Kind, Parse, "cut.json", []byte(cut), safedecode.ErrSyntax, "cut.json:30:5: ", "truncated?")
	scantest.ParseErr(t, Kind, Parse, "gosec.json", scantest.CorpusFile(t, "scans/gosec/many_vulns.json"), ErrFormat, `gosec.json:1:1: not Semgrep JSON output: no "results" array`)
	scantest.ParseErr(t, Kind, Parse, "a.json", []byte(`[{"check_id": "x"}]`), ErrFormat, "a.json:1:1: not Semgrep JSON output: the top level is not an object")
	scantest.ParseErr(t, Kind, Parse, "t.json", []byte("{\"errors\": [],\n\"results\": {}}"), nil, "t.json:2:13: results: a JSON object where an array is expected")
	scantest.ParseErr(t, Kind, Parse, "deep.json", []byte(`{"results": [{"extra": {"metadata": `+strings.Repeat("[", 400)), safedecode.ErrTooDeep, "deep.json:1:", "depth limit")
}

func TestCollect(t *testing.T) {
	doc := `{"errors": [{"level": "warn", "type": "Timeout", "message": "slow", "path": "big.js"}], "results": [{"check_id": "a.b", "path": "x.js", "start": {"line": 3}, "extra": {"severity": "WARNING"}}]}`
	fsys := fstest.MapFS{
		"r/semgrep.json": {Data: []byte(doc)},
		"r/other.json":   {Data: []byte(`{"results": [{"id": 1}]}`)},
		"r/semgrep.txt":  {Data: []byte(doc)},
	}
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"r"}, API: "shop"}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Findings) != 1 || len(sink.Evidences) != 1 || sink.Evidences[0].API != "shop" || sink.Findings[0].API != "shop" ||
		sink.Evidences[0].Location != sink.Findings[0].Tool ||
		len(sink.Warnings) != 1 || sink.Warnings[0] != "r/semgrep.json: errors[0]: Semgrep reported warn Timeout in big.js: slow" {
		t.Errorf("findings %+v evidence %+v warnings %q", sink.Findings, sink.Evidences, sink.Warnings)
	}
	err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"r/other.json"}}, &scantest.Sink{})
	if !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), `semgrep: r/other.json:1:1: not Semgrep JSON output: no result has a "check_id"`) {
		t.Errorf("explicit other file: %v", err)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"r/semgrep.json"}}, &scantest.Sink{FailAfter: 1}); !errors.Is(err, scantest.ErrSinkFull) {
		t.Errorf("sink error: %v", err)
	}
}

// A clean scan is evidence too, with the tool a finding would carry.
func TestCleanScan(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "ci/clean.json", []byte(`{"errors": [], "paths": {"scanned": ["a.py"]}, "results": []}`), collectors.Source{})
	if len(res.Evidence) != 1 || res.Evidence[0].API != "clean" || res.Evidence[0].Location != Tool || len(res.Findings) != 0 {
		t.Errorf("%+v", res)
	}
}

func TestRegistered(t *testing.T) {
	if c, err := collectors.Get(Kind); err != nil || c.Version() != CollectorVersion {
		t.Errorf("registry: %v %v", c, err)
	}
}
