package semgrep

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// Expected numbers were counted from the files with grep and jq:
//
//	many_vulns.json: grep -c '"check_id"' -> 48; '"severity": "ERROR"' -> 13,
//	  '"severity": "WARNING"' -> 35; '"CWE-327' -> 33; no two results share
//	  check_id, path and start line (jq ... | sort | uniq -d is empty)
//	high-medium-low-severities.json: 3 results, all "LOW", fingerprints _0.._2
//	cwe_list.json: 1 result, "INFO", cwe ["CWE-352: ..."], owasp A01:2021, A05:2017

func TestCorpusManyVulns(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/semgrep/many_vulns.json")
	res := scantest.ParseOK(t, Parse, "many_vulns.json", data, collectors.Source{})
	if len(res.Findings) != 48 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d, warnings %q", len(res.Findings), res.Warnings)
	}
	if got := scantest.Severities(res.Findings); got["high"] != 13 || got["medium"] != 35 || len(got) != 2 {
		t.Errorf("severities %v", got)
	}
	md5 := 0
	for _, f := range res.Findings {
		if f.CWE == 327 {
			md5++
		}
		if f.Fingerprint != "" || f.API != "many_vulns" || f.Tool != "semgrep" {
			t.Fatalf("finding %+v", f)
		}
	}
	if md5 != 33 {
		t.Errorf("%d findings with CWE-327, want 33", md5)
	}
	f := scantest.FindingAt(t, res.Findings, "python.lang.security.unquoted-csv-writer.unquoted-csv-writer", "management/commands/csv_findings_export.py:33")
	if f.CWE != 1236 || f.Severity != "high" || f.RawSeverity != "ERROR" || f.Title != "unquoted-csv-writer" ||
		f.Excerpt != "writer = csv.writer(open(file_path, 'w'))" || f.File != "management/commands/csv_findings_export.py" || f.Line != 33 ||
		!scantest.HasTag(f, "owasp:A1: Injection") || f.OWASP != "" {
		t.Errorf("csv writer: %+v", f)
	}
	x := scantest.FindingAt(t, res.Findings, "python.lang.security.use-defused-xml.use-defused-xml", "tools/wapiti/parser.py:4")
	if x.CWE != 611 || !strings.Contains(x.Remediation, "https://") {
		t.Errorf("defused xml: %+v", x)
	}
}

func TestCorpusSeveritiesAndFingerprints(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/semgrep/high-medium-low-severities.json")
	res := scantest.ParseOK(t, Parse, "hml.json", data, collectors.Source{})
	if len(res.Findings) != 3 || scantest.Severities(res.Findings)["low"] != 3 {
		t.Fatalf("findings %d %v", len(res.Findings), scantest.Severities(res.Findings))
	}
	// Semgrep's fingerprints (the same rule and code, suffixed _0, _1, _2)
	// are the identity, and stable across parses.
	again := scantest.ParseOK(t, Parse, "hml.json", data, collectors.Source{})
	for i, f := range res.Findings {
		if !strings.HasPrefix(f.Fingerprint, "semgrep:d30b51e68d2d56fb") || !strings.HasSuffix(f.Fingerprint, "_"+string(rune('0'+i))) ||
			f.Fingerprint != again.Findings[i].Fingerprint {
			t.Errorf("fingerprint %d: %q", i, f.Fingerprint)
		}
	}
	if f := res.Findings[1]; f.Line != 49 || !scantest.HasTag(f, "technology:cdn") || !scantest.HasTag(f, "category:security") {
		t.Errorf("finding %+v", f)
	}
}

func TestCorpusCWEList(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "cwe_list.json", scantest.CorpusFile(t, "scans/semgrep/cwe_list.json"), collectors.Source{})
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	f := res.Findings[0]
	// INFO is Low on Semgrep's scale; the CWE is parsed out of its title;
	// OWASP Top 10 (web) categories are tags, not the API list.
	if f.Severity != "low" || f.RawSeverity != "INFO" || f.CWE != 352 || f.OWASP != "" ||
		!scantest.HasTag(f, "owasp:A01:2021 - Broken Access Control") || !scantest.HasTag(f, "technology:express") ||
		f.Fingerprint != "semgrep:143cb0c62f3740d62180cbde3ffa976e" || f.Location != "index.js:12" {
		t.Errorf("finding %+v", f)
	}
}

func TestCollectCorpusDirectory(t *testing.T) {
	sink := &scantest.Sink{}
	src := collectors.Source{Name: "s", Paths: []string{testutil.Corpus(t, "scans/semgrep")}}
	if err := (Collector{}).Collect(t.Context(), src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Findings) != 52 || len(sink.Evidences) != 3 {
		t.Errorf("findings %d evidence %d, want 1+3+48, 3", len(sink.Findings), len(sink.Evidences))
	}
}

func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/semgrep/"); n != 3 {
		t.Errorf("recognised %d files, want 3", n)
	}
}
