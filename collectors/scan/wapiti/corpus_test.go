package wapiti

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// TestCorpus: example.xml (Wapiti 3.0.4) has 5 entries (`grep -c
// '<entry>'`), all at level 1, which is low on 3.0.4's scale: one under
// "Content Security Policy Configuration", four under "HTTP Secure
// Headers" at GET / that differ by their info (one missing header each),
// so none merge. Its categories with entries cite no CWE.
func TestCorpus(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "wapiti", "example.xml")
	if len(res.Findings) != 5 || len(res.Warnings) != 0 {
		t.Fatalf("%d findings, warnings %q", len(res.Findings), res.Warnings)
	}
	if len(res.Evidence) != 1 || res.Evidence[0].API != "example.org" || res.Evidence[0].Artifact.Name != "example.xml" {
		t.Errorf("evidence %+v", res.Evidence)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID+" | "+f.Severity+" | "+f.RawSeverity+" | "+f.Method+" | "+f.Location+" | "+
			strings.SplitN(f.Description, "\n", 2)[0])
		if f.URL != "https://example.org/" || f.CWE != 0 || scantest.Occurrences(f) != 1 || f.Excerpt != "GET / HTTP/1.1\nHost: example.org" {
			t.Errorf("%+v", f)
		}
	}
	want := []string{
		"Content Security Policy Configuration | low | 1 | GET | https://example.org/ | CSP is not set",
		"HTTP Secure Headers | low | 1 | GET | https://example.org/ | X-Frame-Options is not set",
		"HTTP Secure Headers | low | 1 | GET | https://example.org/ | X-XSS-Protection is not set",
		"HTTP Secure Headers | low | 1 | GET | https://example.org/ | X-Content-Type-Options is not set",
		"HTTP Secure Headers | low | 1 | GET | https://example.org/ | Strict-Transport-Security is not set",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	f := res.Findings[0]
	if f.Description != "CSP is not set\n\nContent Security Policy (CSP) is an added layer of security that helps to detect and mitigate certain types of attacks, including Cross Site Scripting (XSS) and data injection attacks." ||
		!strings.HasSuffix(f.Remediation, "References:\n- Mozilla: Content Security Policy (CSP): https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP\n"+
			"- OWASP: Content Security Policy Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html\n"+
			"- OWASP: How to do Content Security Policy (PDF): https://owasp.org/www-pdf-archive/2019-02-22_-_How_do_I_Content_Security_Policy_-_Print.pdf") ||
		f.Fingerprint != "wapiti:Content Security Policy Configuration|GET|https://example.org/||CSP is not set" {
		t.Errorf("CSP: %+v", f)
	}
	again := dasttest.ParseCorpus(t, Kind, Parse, "wapiti", "example.xml")
	for i := range res.Findings {
		if res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
			t.Errorf("fingerprint %d changed", i)
		}
	}
}

// TestCorpusWithEntries puts entries into categories of the real report
// that cite CWEs (SQL Injection: CWE-89; Weak credentials: CWE-798 and
// CWE-521) and into an anomaly category.
func TestCorpusWithEntries(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "scans/wapiti/example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	entry := func(method, path, level, param, info string) string {
		return "<entry><method>" + method + "</method><path>" + path + "</path><level>" + level + "</level><parameter>" + param +
			"</parameter><info>" + info + "</info><http_request><![CDATA[POST " + path + " HTTP/1.1\nHost: example.org\nCookie: PHPSESSID=s3cr3t\n\nid=1'+or+1=1]]></http_request></entry>"
	}
	inject := func(s, category, entries string) string {
		i := strings.Index(s, `<vulnerability name="`+category+`">`)
		if i < 0 {
			i = strings.Index(s, `<anomaly name="`+category+`">`)
		}
		j := strings.Index(s[i:], "<entries/>")
		if i < 0 || j < 0 {
			t.Fatalf("no empty entries in %q", category)
		}
		return s[:i+j] + "<entries>" + entries + "</entries>" + s[i+j+len("<entries/>"):]
	}
	s = inject(s, "SQL Injection", entry("post", "/login.php", "3", "id", "SQL Injection (DBMS: MySQL) via injection in the parameter id")+
		entry("post", "/login.php", "3", "id", "SQL Injection (DBMS: MySQL) via injection in the parameter id"))
	s = inject(s, "Weak credentials", entry("POST", "/admin/", "4", "", "Credentials found: admin / admin"))
	s = inject(s, "Internal Server Error", entry("GET", "/crash?x=1", "2", "x", "Received a HTTP 500 error in /crash"))
	res, err := Parse("entries.xml", []byte(s), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	dasttest.Check(t, Kind, res)
	if len(res.Findings) != 5+3 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	byRule := map[string]collectors.Finding{}
	for _, f := range res.Findings {
		byRule[f.RuleID] = f
	}
	sqli := byRule["SQL Injection"]
	if sqli.CWE != 89 || sqli.Severity != "high" || sqli.Method != "POST" || sqli.URL != "https://example.org/login.php" ||
		sqli.Location != "https://example.org/login.php param=id" || scantest.Occurrences(sqli) != 2 ||
		sqli.Excerpt != "POST /login.php HTTP/1.1\nHost: example.org\nCookie: PHPSESSID=[redacted]\n\nid=1'+or+1=1" {
		t.Errorf("SQL injection: %+v", sqli)
	}
	weak := byRule["Weak credentials"]
	if weak.CWE != 798 || !scantest.HasTag(weak, "cwe:521") || weak.Severity != "critical" || weak.Location != "https://example.org/admin/" {
		t.Errorf("weak credentials: %+v", weak)
	}
	ise := byRule["Internal Server Error"]
	if ise.Severity != "medium" || !scantest.HasTag(ise, "wapiti:anomaly") || ise.URL != "https://example.org/crash?x=1" {
		t.Errorf("anomaly: %+v", ise)
	}
}

// TestDetectCorpus walks the whole corpus: Detect claims the Wapiti report
// (under scans/wapiti/) and nothing else.
func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/wapiti/"); n != 1 {
		t.Errorf("detected %d files, want 1", n)
	}
}

func TestCollectCorpus(t *testing.T) {
	sink := scantest.CollectOK(t, Collector{}, collectors.Source{Name: "scans", Kind: Kind, Paths: []string{testutil.Corpus(t, "scans")}})
	if len(sink.Evidences) != 1 || len(sink.Findings) != 5 {
		t.Errorf("%d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
}
