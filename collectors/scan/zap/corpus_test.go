package zap

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// TestCorpusCounts checks every ZAP report of the corpus. The expected
// numbers were counted outside this code:
//   - instances: `grep -c '<instance>' FILE` (the JSON: jq '[.site[].alerts[].instances[]] | length');
//   - findings and per-severity counts: a Python ElementTree script keeping
//     the first instance of each distinct (alertRef, METHOD, uri, param) and
//     counting the riskcode of its alertitem (3 high, 2 medium, 1 low, 0 info).
//
// Each finding's occurrences tag must add up to the instance count: a
// merged instance is counted, not lost.
func TestCorpusCounts(t *testing.T) {
	tests := []struct {
		file                    string
		instances, findings     int
		high, medium, low, info int
		api                     string
		countWarnings           int // alerts whose <count> exceeds the instances listed
	}{
		{"dvwa_baseline_dojo.xml", 124, 98, 0, 35, 47, 16, "172.17.0.2", 1},
		{"juicy2.xml", 86, 71, 0, 22, 40, 9, "juice-shop.herokuapp.com", 3},
		{"zap-results-first-scan.xml", 130, 129, 5, 30, 48, 46, "bodgeit.securecodebox-demo.svc:8080", 0},
		{"zap_2.16.1_with_req_resp.xml", 13, 13, 0, 0, 0, 13, "example-domain.com", 0},
		{"zap-extensions-basic-traditional-json.json", 2, 1, 1, 0, 0, 0, "example.com", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := dasttest.ParseCorpus(t, Kind, Parse, "zap", tt.file)
			if len(res.Findings) != tt.findings {
				t.Errorf("%d findings, want %d", len(res.Findings), tt.findings)
			}
			sev := map[string]int{}
			total := 0
			for _, f := range res.Findings {
				sev[f.Severity]++
				total += scantest.Occurrences(f)
			}
			want := map[string]int{"high": tt.high, "medium": tt.medium, "low": tt.low, "info": tt.info}
			for k, v := range want {
				if sev[k] != v {
					t.Errorf("%s: %d, want %d (all: %v)", k, sev[k], v, sev)
				}
			}
			if sev["critical"] != 0 {
				t.Errorf("ZAP has no critical, got %d", sev["critical"])
			}
			if total != tt.instances {
				t.Errorf("occurrences add up to %d, want %d instances", total, tt.instances)
			}
			if len(res.Evidence) != 1 || res.Evidence[0].API != tt.api {
				t.Errorf("evidence %+v, want one for API %q", res.Evidence, tt.api)
			}
			if res.Evidence[0].Artifact.Name != tt.file || res.Evidence[0].Location != Kind {
				t.Errorf("evidence artifact %q location %q", res.Evidence[0].Artifact.Name, res.Evidence[0].Location)
			}
			n := 0
			for _, w := range res.Warnings {
				if strings.Contains(w, "instances; the others are not imported") {
					n++
				}
			}
			if n != tt.countWarnings || len(res.Warnings) != tt.countWarnings {
				t.Errorf("warnings %q, want %d about <count>", res.Warnings, tt.countWarnings)
			}
			// Stable across parses: the same fingerprints in the same order.
			again := dasttest.ParseCorpus(t, Kind, Parse, "zap", tt.file)
			for i := range res.Findings {
				if res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
					t.Fatalf("finding %d: fingerprint %q then %q", i, res.Findings[i].Fingerprint, again.Findings[i].Fingerprint)
				}
			}
		})
	}
}

func TestCorpusNamedFindings(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "zap", "zap-results-first-scan.xml")
	sqli := find(res, "40018", "/bodgeit/basket.jsp")
	if len(sqli) != 1 {
		t.Fatalf("SQL injection: %d findings", len(sqli))
	}
	f := sqli[0]
	if f.Title != "SQL Injection" || f.Severity != "high" || f.RawSeverity != "3" || f.CWE != 89 || f.Method != "POST" ||
		f.URL != "http://bodgeit.securecodebox-demo.svc:8080/bodgeit/basket.jsp" ||
		f.Location != "http://bodgeit.securecodebox-demo.svc:8080/bodgeit/basket.jsp param=productid" ||
		f.Fingerprint != "zap:40018|POST|http://bodgeit.securecodebox-demo.svc:8080/bodgeit/basket.jsp|productid" {
		t.Errorf("SQL injection: %+v", f)
	}
	if f.Excerpt != "Attack: 23-2" || !scantest.HasTag(f, "confidence:Medium") || !scantest.HasTag(f, "wasc:19") || f.OWASP != "" {
		t.Errorf("SQL injection excerpt %q tags %v owasp %q", f.Excerpt, f.Tags, f.OWASP)
	}
	// HTML turned to text: entities decoded, paragraphs kept.
	if f.Description != "SQL injection may be possible.\n\nOther information:\nThe original page results were successfully replicated using the expression [23-2] as the parameter value\n\nThe parameter value being modified was stripped from the HTML output for the purposes of the comparison" {
		t.Errorf("description %q", f.Description)
	}
	if !strings.HasPrefix(f.Remediation, "Do not trust client side input, even if there is client side validation in place.\n\nIn general") ||
		!strings.Contains(f.Remediation, "'?'") ||
		!strings.HasSuffix(f.Remediation, "References:\n- https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html") {
		t.Errorf("remediation %q", f.Remediation)
	}
	xss := find(res, "40012", "search.jsp")
	if len(xss) != 1 || xss[0].Method != "GET" || xss[0].CWE != 79 ||
		!strings.HasSuffix(xss[0].Location, " param=q") ||
		xss[0].Excerpt != "Attack: </font><script>alert(1);</script><font>\nEvidence: </font><script>alert(1);</script><font>" {
		t.Errorf("XSS: %+v", xss)
	}
	// prodid=10 is listed twice for 10031: one finding, two occurrences.
	uca := find(res, "10031", "/bodgeit/product.jsp?prodid=10")
	if len(uca) != 1 || scantest.Occurrences(uca[0]) != 2 || uca[0].Severity != "info" {
		t.Errorf("merged 10031: %+v", uca)
	}

	res = dasttest.ParseCorpus(t, Kind, Parse, "zap", "dvwa_baseline_dojo.xml")
	xfo := find(res, "10020", "http://172.17.0.2/vulnerabilities/brute/")
	if len(xfo) != 1 || xfo[0].CWE != 16 || xfo[0].Severity != "medium" || xfo[0].Method != "GET" ||
		xfo[0].Location != "http://172.17.0.2/vulnerabilities/brute/ param=X-Frame-Options" {
		t.Errorf("dvwa 10020: %+v", xfo)
	}
	// 10096 lists 20 instances of one URL (different timestamps as
	// evidence): one finding standing for all twenty.
	ts := find(res, "10096", "")
	if len(ts) != 1 || scantest.Occurrences(ts[0]) != 20 {
		t.Errorf("dvwa 10096: %d findings, occurrences %d", len(ts), scantest.Occurrences(ts[0]))
	}
	// 10108 has no <cweid>: CWE unknown, not an error.
	if rt := find(res, "10108", ""); len(rt) != 11 || rt[0].CWE != 0 {
		t.Errorf("dvwa 10108: %d findings, CWE %d", len(rt), rt[0].CWE)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), `site "http://172.17.0.2": alert 4 (10096): count is 67 but the report lists 20 instances`) {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestCorpusRequestResponse(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "zap", "zap_2.16.1_with_req_resp.xml")
	auth := find(res, "10111", "/cpapi/api/account/verifypasswordless")
	if len(auth) != 1 {
		t.Fatalf("10111: %d findings", len(auth))
	}
	f := auth[0]
	// cweid -1 means none.
	if f.CWE != 0 || f.Method != "POST" || f.Location != "https://example-domain.com/cpapi/api/account/verifypasswordless param=user_identifier" ||
		!scantest.HasTag(f, "confidence:Low") || scantest.HasTag(f, "wasc:-1") {
		t.Errorf("10111: %+v", f)
	}
	// The excerpt: evidence, then the request and response heads with
	// their lines un-indented and credentials redacted; no bodies.
	for _, want := range []string{
		"Evidence: passwordless_code\n\nPOST https://example-domain.com/cpapi/api/account/verifypasswordless HTTP/1.1\nhost: example-domain.com\n",
		"authorization: Bearer [redacted]",
		"\n\nHTTP/1.1 400 Bad Request\nCache-Control: no-store, no-cache\n",
		"Set-Cookie: x-ms-routing-name=[redacted]; path=/; HttpOnly;",
		"Access-Control-Allow-Origin: *",
	} {
		if !strings.Contains(f.Excerpt, want) {
			t.Errorf("excerpt lacks %q:\n%s", want, f.Excerpt)
		}
	}
	if strings.Contains(f.Excerpt, `"user_identifier":"string"`) || strings.Contains(f.Excerpt, "  host:") {
		t.Errorf("excerpt has the body or indentation:\n%s", f.Excerpt)
	}
	// Plain-text fields (2.16 no longer writes HTML) keep their lines.
	if !strings.Contains(f.Description, "Other information:\nuserParam=user_identifier\nuserValue=string\npasswordParam=passwordless_code") {
		t.Errorf("description %q", f.Description)
	}
	// ZAP's <tags>: verbatim, CWE from <cweid>, no OWASP API category.
	cp := find(res, "10029", "")
	if len(cp) != 5 || cp[0].CWE != 565 || !scantest.HasTag(cp[0], "OWASP_2021_A03") || !scantest.HasTag(cp[0], "POLICY_PENTEST") ||
		scantest.HasTag(cp[0], "cwe:565") || cp[0].OWASP != "" {
		t.Errorf("10029: %d findings, %+v", len(cp), cp[0])
	}
}

// The ZAP JSON of the corpus is zap-extensions' test fixture: placeholder
// text and an unresolved template key in riskdesc. riskcode decides the
// severity, the placeholders are kept as text, nothing warns.
func TestCorpusJSON(t *testing.T) {
	res := dasttest.ParseCorpus(t, Kind, Parse, "zap", "zap-extensions-basic-traditional-json.json")
	if len(res.Findings) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %q", len(res.Findings), res.Warnings)
	}
	f := res.Findings[0]
	want := struct{ rule, title, sev, raw, method, url, loc, desc, rem, excerpt string }{
		"1", "XSS", "high", "3", "GET", "http://example.com/example_3", "http://example.com/example_3 param=Test Param",
		"XSS Description\n\nOther information:\nTest 'Other\\", "Test Solution\n\nReferences:\n- Test Reference",
		"Attack: Test \"Attack\\\"\nEvidence: Test <p>Evidence",
	}
	got := struct{ rule, title, sev, raw, method, url, loc, desc, rem, excerpt string }{
		f.RuleID, f.Title, f.Severity, f.RawSeverity, f.Method, f.URL, f.Location, f.Description, f.Remediation, f.Excerpt,
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if f.CWE != 123 || !slices.Equal(f.Tags, []string{"confidence:Medium", "wasc:456", "occurrences:2"}) ||
		res.Evidence[0].Artifact.ContentType != "application/json" {
		t.Errorf("CWE %d tags %v", f.CWE, f.Tags)
	}
}

// TestDetectCorpus walks the whole corpus: Detect claims the 5 ZAP reports
// (under scans/zap/) and nothing else.
func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/zap/"); n != 5 {
		t.Errorf("detected %d files, want 5", n)
	}
}

// TestCollectCorpus collects the whole scans directory: only the ZAP
// reports are read, each gives its evidence and findings.
func TestCollectCorpus(t *testing.T) {
	sink := scantest.CollectOK(t, Collector{}, collectors.Source{Name: "scans", Kind: Kind, Paths: []string{testutil.Corpus(t, "scans")}})
	if len(sink.Evidences) != 5 || len(sink.Findings) != 98+71+129+13+1 {
		t.Errorf("%d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
	// Warnings are prefixed with the file.
	if len(sink.Warnings) != 4 || !strings.Contains(sink.Warnings[0], filepath.Join("zap", "dvwa_baseline_dojo.xml")+": site") {
		t.Errorf("warnings %q", sink.Warnings)
	}
	// A named file that is not a ZAP report fails, naming it.
	p := testutil.Corpus(t, "scans/burp/one_finding_with_cwe.xml")
	scantest.CollectErr(t, Collector{}, collectors.Source{Name: "x", Paths: []string{p}}, ErrFormat, "zap: "+p+":",
		"root element is <issues>")
}

// find returns the findings with rule and a URL containing url.
func find(res *Result, rule, url string) []collectors.Finding {
	var out []collectors.Finding
	for _, f := range res.Findings {
		if f.RuleID == rule && strings.Contains(f.URL, url) {
			out = append(out, f)
		}
	}
	return out
}
