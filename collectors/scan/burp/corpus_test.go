package burp

import (
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// TestCorpusCounts: the expected numbers were counted outside this code:
// XML `grep -c '<issue>'` and `grep -o '<severity>[A-Za-z]*</severity>' |
// sort | uniq -c`; REST `jq '.issue_events | length'` and
// `jq '[.issue_events[].issue.severity]'`; GraphQL `jq '.Issues | length'`
// and `jq '[.Issues[].severity]'`. No two issues of these files share
// type, method, URL and insertion point, so nothing merges.
func TestCorpusCounts(t *testing.T) {
	tests := []struct {
		file                    string
		findings                int
		high, medium, low, info int
		api, contentType        string
	}{
		{"burp/one_finding_with_cwe.xml", 1, 0, 0, 0, 1, "example.com", "application/xml"},
		{"burp/seven_findings.xml", 16, 5, 0, 2, 9, "bwa", "application/xml"},
		{"burp_api/example.json", 5, 0, 0, 0, 5, "whitespots.io", "application/json"},
		{"burp_graphql/two_findings.json", 3, 3, 0, 0, 0, "www.test.com", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := dasttest.ParseCorpus(t, Kind, Parse, "", tt.file)
			if len(res.Findings) != tt.findings || len(res.Warnings) != 0 {
				t.Errorf("%d findings, want %d; warnings %q", len(res.Findings), tt.findings, res.Warnings)
			}
			sev := map[string]int{}
			for _, f := range res.Findings {
				sev[f.Severity]++
				if scantest.Occurrences(f) != 1 {
					t.Errorf("%s merged %d times", f.Fingerprint, scantest.Occurrences(f))
				}
			}
			for k, v := range map[string]int{"high": tt.high, "medium": tt.medium, "low": tt.low, "info": tt.info, "critical": 0} {
				if sev[k] != v {
					t.Errorf("%s: %d, want %d (%v)", k, sev[k], v, sev)
				}
			}
			if len(res.Evidence) != 1 || res.Evidence[0].API != tt.api || res.Evidence[0].Artifact.ContentType != tt.contentType {
				t.Errorf("evidence %+v, want one for %q", res.Evidence, tt.api)
			}
			again := dasttest.ParseCorpus(t, Kind, Parse, "", tt.file)
			for i := range res.Findings {
				if res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
					t.Fatalf("finding %d: fingerprint %q then %q", i, res.Findings[i].Fingerprint, again.Findings[i].Fingerprint)
				}
			}
		})
	}
}

func TestCorpusXML(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "", "burp/one_finding_with_cwe.xml")
	f := res.Findings[0]
	if f.RuleID != "7340288" || f.Title != "Cacheable HTTPS response" || f.Severity != "info" || f.RawSeverity != "Information" ||
		f.CWE != 524 || !slices.Equal(f.Tags, []string{"confidence:Certain", "cwe:525"}) || f.Method != "GET" ||
		f.URL != "https://example.com/test/v4/public/users/fake" || f.Location != f.URL ||
		f.Fingerprint != "burp:7340288|GET|https://example.com/test/v4/public/users/fake|" {
		t.Errorf("%+v", f)
	}
	// The base64 request decoded: request line and headers, the bearer
	// token redacted.
	want := "GET /test/v4/public/users/fake HTTP/1.1\nHost: exemple.com\nUser-Agent: python-requests/2.25.1\n" +
		"Accept-Encoding: gzip, deflate\nAccept: */*\nConnection: close\naccept-language: en-US\n" +
		"Authorization: Bearer [redacted]\ncontent-type: application/json"
	if f.Excerpt != want {
		t.Errorf("excerpt:\n%s\nwant\n%s", f.Excerpt, want)
	}
	if !strings.HasPrefix(f.Description, "Unless directed otherwise, browsers may store") ||
		!strings.HasSuffix(f.Remediation, "sensitive content:\n\n- Cache-control: no-store\n- Pragma: no-cache") {
		t.Errorf("description %q\nremediation %q", f.Description, f.Remediation)
	}

	res = dasttest.ParseCorpus(t, Kind, Parse, "", "burp/seven_findings.xml")
	byLoc := map[string]collectors.Finding{}
	for _, f := range res.Findings {
		byLoc[f.RuleID+" "+f.Location] = f
	}
	sqli, ok := byLoc["1049088 http://bwa/bodgeit/login.jsp param=username"]
	if !ok || sqli.Title != "SQL injection" || sqli.Severity != "high" || sqli.Method != "POST" || !scantest.HasTag(sqli, "confidence:Tentative") ||
		sqli.CWE != 0 || !strings.HasPrefix(sqli.Excerpt, "POST /bodgeit/login.jsp HTTP/1.1\n") {
		t.Errorf("SQL injection (username): %+v", sqli)
	}
	// "[b_id cookie]": the insertion point is not a parameter name alone.
	if f, ok := byLoc["1049088 http://bwa/bodgeit/basket.jsp param=b_id cookie"]; !ok || f.Method != "POST" {
		t.Errorf("SQL injection (cookie): %v %+v", ok, f)
	}
	xss, ok := byLoc["2097920 http://bwa/bodgeit/search.jsp param=q"]
	if !ok || xss.Method != "GET" || !strings.HasPrefix(xss.Description, "The value of the q request parameter is copied") {
		t.Errorf("XSS: %+v", xss)
	}
	// Cookies in the recorded request are redacted.
	if !strings.Contains(xss.Excerpt, "Cookie: acopendivids=[redacted];") || strings.Contains(xss.Excerpt, "JSESSIONID=") &&
		!strings.Contains(xss.Excerpt, "JSESSIONID=[redacted]") {
		t.Errorf("XSS excerpt:\n%s", xss.Excerpt)
	}
	// issueDetailItems become a list.
	if f, ok := byLoc["5244416 http://bwa/bodgeit/"]; !ok || f.Severity != "low" || !strings.Contains(f.Description, "\n- ") {
		t.Errorf("cookie without HttpOnly: %+v", f)
	}
}

func TestCorpusREST(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "", "burp_api/example.json")
	got := make([]string, len(res.Findings))
	for i, f := range res.Findings {
		got[i] = f.RuleID + " " + f.Method + " " + f.Location
	}
	want := []string{
		"5243392 GET https://whitespots.io/build-ssdlc",
		"5244416 GET https://whitespots.io/build-ssdlc",
		"4197376 GET https://whitespots.io/page13910250.html/ param=name of an arbitrarily supplied URL parameter",
		"4197376 GET https://whitespots.io/page13910250.html/ param=URL path folder 1",
		"4197376 GET https://whitespots.io/cookie-policy param=URL path filename",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	f := res.Findings[0]
	if f.Title != "TLS cookie without secure flag set" || f.RawSeverity != "info" || !scantest.HasTag(f, "confidence:certain") || f.CWE != 0 ||
		f.Description != "The following cookie was issued by the application and does not have the secure flag set:\n\n- ipp_uid_tst\n\nThe cookie does not appear to contain a session token, which may reduce the risk associated with this issue. You should review the contents of the cookie to determine its function." {
		t.Errorf("%+v", f)
	}
	// Request and response segments decoded (highlight included, up to
	// the snip), heads only, Set-Cookie values redacted.
	if !strings.HasPrefix(f.Excerpt, "GET /build-ssdlc HTTP/1.1\nHost: whitespots.io\n") ||
		!strings.Contains(f.Excerpt, "\n\nHTTP/1.1 307 Temporary Redirect\n") ||
		!strings.Contains(f.Excerpt, "Set-Cookie: ipp_uid_tst=[redacted]; path=/") ||
		strings.Contains(f.Excerpt, "1607612273162") || strings.Contains(f.Excerpt, "<html>") {
		t.Errorf("excerpt:\n%s", f.Excerpt)
	}
}

// The GraphQL sample is synthetic ("Finding 1", test.com): its segments
// hold no real HTTP, so there is no method.
func TestCorpusGraphQL(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "", "burp_graphql/two_findings.json")
	f := res.Findings[2]
	if f.RuleID != "Finding 2" || f.CWE != 79 || f.Method != "" || f.URL != "https://www.test.com/path3" ||
		f.Description != "description 3\n\nissue description 2" ||
		f.Remediation != "remediation 2\n\nremediation description 2\n\nReferences:\n- reference 2" ||
		f.Excerpt != "new request data 1/new request data 2/new request data 3/\n\nnew response data 1" ||
		f.Fingerprint != "burp:Finding 2||https://www.test.com/path3|" {
		t.Errorf("%+v", f)
	}
}

// TestDetectCorpus walks the whole corpus: Detect claims the 4 Burp reports
// (under scans/burp) and nothing else.
func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/burp"); n != 4 {
		t.Errorf("detected %d files, want 4", n)
	}
}

func TestCollectCorpus(t *testing.T) {
	sink := scantest.CollectOK(t, Collector{}, collectors.Source{Name: "scans", Kind: Kind, Paths: []string{testutil.Corpus(t, "scans")}})
	if len(sink.Evidences) != 4 || len(sink.Findings) != 1+16+5+3 || len(sink.Warnings) != 0 {
		t.Errorf("%d evidence, %d findings, warnings %q", len(sink.Evidences), len(sink.Findings), sink.Warnings)
	}
	// A named ZAP report is not read as Burp's.
	p := testutil.Corpus(t, "scans/zap/juicy2.xml")
	scantest.CollectErr(t, Collector{}, collectors.Source{Name: "x", Paths: []string{p}}, ErrFormat, "burp: "+p+":1: ",
		"root element is <OWASPZAPReport>")
}
