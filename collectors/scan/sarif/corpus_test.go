package sarif

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// The expected numbers below were counted from the files with grep and jq,
// not taken from this package's output:
//
//	grep -o '"ruleId" : "[^"]*"' codeQL-output.sarif | sort | uniq -c  -> 72 results, 13 rules
//	jq '.runs[0] as $r | $r.results[] | $r.tool.driver.rules[.ruleIndex].defaultConfiguration.level'
//	  -> error: wrong-arguments 1 + wrong-named-argument 1 + flask-debug 4 + path-injection 1
//	     + reflective-xss 2 + sql-injection 2 = 11; warning: unreachable-statement 4;
//	     note: the other 57 (no rule has a security-severity)
//	grep -c '"level": "note"' spotbugs.sarif  -> 56 (all 56 results)
//	gitleaks: 8 results without level, ruleId or fingerprints; 4 distinct (rule, file, line)
//	appendix_k: 1 result, level error, suppressed externally

func TestCorpusCodeQL(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/sarif/codeQL-output.sarif")
	res := scantest.ParseOK(t, Parse, "codeQL-output.sarif", data, collectors.Source{})
	if len(res.Findings) != 72 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d, warnings %v; want 72, none", len(res.Findings), res.Warnings)
	}
	want := map[string]int{"high": 11, "medium": 4, "low": 57}
	if got := scantest.Severities(res.Findings); !maps.Equal(got, want) {
		t.Errorf("severities %v, want %v", got, want)
	}
	// Every finding is on the API named after the file (CodeQL states no
	// repository), with the tool's name; so is the tested evidence, which
	// scopes the import (API, tool).
	if len(res.Evidence) != 1 || res.Evidence[0].API != "codeQL-output" || res.Evidence[0].Location != "CodeQL" {
		t.Errorf("evidence %+v", res.Evidence)
	}
	for _, f := range res.Findings {
		if f.Tool != "CodeQL" || f.API != "codeQL-output" || f.Fingerprint == "" {
			t.Fatalf("finding %+v", f)
		}
	}

	sqli := scantest.FindingAt(t, res.Findings, "py/sql-injection", "bad/libuser.py:12")
	if sqli.CWE != 89 || sqli.Severity != "high" || sqli.RawSeverity != "error" || sqli.File != "bad/libuser.py" || sqli.Line != 12 ||
		sqli.Title != "SQL query built from user-controlled sources" || sqli.OWASP != "" {
		t.Errorf("sql injection: %+v", sqli)
	}
	if !scantest.HasTag(sqli, "security") || !scantest.HasTag(sqli, "confidence:high") || scantest.HasTag(sqli, "external/cwe/cwe-089") {
		t.Errorf("sql injection tags %v", sqli.Tags)
	}
	if want := "c = conn.cursor()"; len(sqli.Excerpt) < len(want) || sqli.Excerpt[:len(want)] != want {
		t.Errorf("excerpt %q (the context region's snippet)", sqli.Excerpt)
	}
	// The path injection rule lists five CWEs: the first is the CWE, the
	// others are tags.
	pi := scantest.FindingAt(t, res.Findings, "py/path-injection", "bad/libapi.py:22")
	if pi.CWE != 22 || !scantest.HasTag(pi, "cwe:23") || !scantest.HasTag(pi, "cwe:36") || !scantest.HasTag(pi, "cwe:73") || !scantest.HasTag(pi, "cwe:99") {
		t.Errorf("path injection CWE %d tags %v", pi.CWE, pi.Tags)
	}
	// A warning-level and a note-level rule.
	if f := scantest.FindingAt(t, res.Findings, "py/unreachable-statement", "good/libuser.py:51"); f.Severity != "medium" || f.CWE != 561 {
		t.Errorf("unreachable: %+v", f)
	}
	if f := scantest.FindingAt(t, res.Findings, "py/unused-import", "utils/aes-decrypt.py:3"); f.Severity != "low" || f.CWE != 0 || !scantest.HasTag(f, "useless-code") {
		t.Errorf("unused import: %+v", f)
	}
	// The line hash is the same for the same line in good/ and bad/: the
	// fingerprint adds rule and file, so they stay two findings.
	a := scantest.FindingAt(t, res.Findings, "py/empty-except", "good/db_init.py:39")
	b := scantest.FindingAt(t, res.Findings, "py/empty-except", "bad/db_init.py:40")
	if a.Fingerprint == b.Fingerprint ||
		a.Fingerprint != "sarif:CodeQL|py/empty-except|good/db_init.py|primaryLocationLineHash=9cbc869fbfffeb60:1|primaryLocationStartColumnFingerprint=0" {
		t.Errorf("fingerprints %q %q", a.Fingerprint, b.Fingerprint)
	}
	// Fingerprints are stable across parses.
	again := scantest.ParseOK(t, Parse, "codeQL-output.sarif", data, collectors.Source{})
	for i := range res.Findings {
		if res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
			t.Fatalf("finding %d: fingerprint %q then %q", i, res.Findings[i].Fingerprint, again.Findings[i].Fingerprint)
		}
	}
}

func TestCorpusSpotBugs(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "spotbugs.sarif", scantest.CorpusFile(t, "scans/sarif/spotbugs.sarif"), collectors.Source{})
	if len(res.Findings) != 56 || scantest.Severities(res.Findings)["low"] != 56 {
		t.Fatalf("findings %d %v, want 56 low", len(res.Findings), scantest.Severities(res.Findings))
	}
	// The message is the rule's "default" message string with the
	// result's arguments.
	f := scantest.FindingAt(t, res.Findings, "DMI_HARDCODED_ABSOLUTE_FILENAME", "Boot.java:23")
	if f.Description != "Hard coded reference to an absolute pathname in Boot.main(String[])." ||
		f.Title != "Code contains a hard coded reference to an absolute pathname." || !scantest.HasTag(f, "STYLE") ||
		f.Remediation != "https://spotbugs.readthedocs.io/en/latest/bugDescriptions.html#DMI_HARDCODED_ABSOLUTE_FILENAME" {
		t.Errorf("spotbugs finding %+v", f)
	}
	// The invocation failed (missing classes): a warning says so.
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "runs[0]: SpotBugs reports an unsuccessful execution (exit code 3): Classes needed for analysis were missing") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestCorpusGitleaks(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "gitleaks_7.5.0.sarif", scantest.CorpusFile(t, "scans/sarif/gitleaks_7.5.0.sarif"), collectors.Source{})
	// 8 results, each secret found in two commits: 4 findings, each
	// counted twice.
	if len(res.Findings) != 4 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %v, want 4, none", len(res.Findings), res.Warnings)
	}
	for _, f := range res.Findings {
		if !scantest.HasTag(f, "occurrences:2") || f.Severity != "medium" || f.RawSeverity != "" || f.Tool != "Gitleaks" {
			t.Errorf("finding %+v", f)
		}
		// The snippet holds the secret: never kept.
		if f.Excerpt != "" {
			t.Errorf("secret scanner excerpt %q", f.Excerpt)
		}
	}
	// No ruleId or ruleIndex: the rule is the one the message starts with
	// (not rules[0], "AWS Access Key", which an index 0 default would give).
	const file = "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_3_vuln.json"
	if f := scantest.FindingAt(t, res.Findings, "Asymmetric Private Key", file+":13"); f.Title != "Asymmetric Private Key" {
		t.Errorf("title %q", f.Title)
	}
	scantest.FindingAt(t, res.Findings, "AWS Access Key", file+":44")
}

func TestCorpusAppendixK(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "appendix_k.sarif", scantest.CorpusFile(t, "scans/sarif/appendix_k.sarif"), collectors.Source{})
	if len(res.Findings) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d, warnings %v", len(res.Findings), res.Warnings)
	}
	f := res.Findings[0]
	// uri collections/list.h, base SRCROOT " src/" -> PROJECTROOT
	// file://build.example.com/work/; the repository names the API.
	if f.API != "browser" || f.File != "file://build.example.com/work/src/collections/list.h" || f.Line != 15 ||
		f.Severity != "high" || f.RawSeverity != "error" || f.RuleID != "C2001" || f.Tool != "CodeScanner" {
		t.Errorf("finding %+v", f)
	}
	if !scantest.HasTag(f, "suppressed") || !scantest.HasTag(f, "suppression:external") {
		t.Errorf("tags %v", f.Tags)
	}
	if f.Description != "Variable \"ptr\" was used without being initialized. It was declared [here](0).\n\n"+
		"A variable was used without being initialized. This can result in runtime errors such as null reference exceptions." {
		t.Errorf("description %q", f.Description)
	}
}

func TestCollectCorpusDirectory(t *testing.T) {
	src := collectors.Source{Name: "s", Paths: []string{testutil.Corpus(t, "scans/sarif")}}
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(t.Context(), src, sink); err != nil {
		t.Fatal(err)
	}
	// 1 + 72 + 4 + 56 findings, one evidence record per file.
	if len(sink.Findings) != 133 || len(sink.Evidences) != 4 {
		t.Errorf("findings %d evidence %d, want 133, 4", len(sink.Findings), len(sink.Evidences))
	}
	apis := []string{}
	for _, ev := range sink.Evidences {
		apis = append(apis, ev.API)
	}
	if !slices.Equal(apis, []string{"browser", "codeQL-output", "gitleaks_7", "spotbugs"}) {
		t.Errorf("APIs %v", apis)
	}
	if len(sink.Warnings) != 1 || !strings.Contains(sink.Warnings[0], "spotbugs.sarif: runs[0]: SpotBugs reports") {
		t.Errorf("warnings %q", sink.Warnings)
	}
}

func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/sarif/"); n != 4 {
		t.Errorf("recognised %d files, want the 4 SARIF logs", n)
	}
}
