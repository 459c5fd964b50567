package nuclei

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

func corpusFile(t testing.TB, name string) []byte {
	return scantest.CorpusFile(t, "scans/nuclei/"+name)
}

func parseCorpus(t *testing.T, name string) *Result {
	t.Helper()
	return scantest.ParseOK(t, Parse, name, corpusFile(t, name), collectors.Source{})
}

func bySeverity(fs []collectors.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

func byRule(t *testing.T, fs []collectors.Finding, rule, location string) collectors.Finding {
	t.Helper()
	for _, f := range fs {
		if f.RuleID == rule && (location == "" || f.Location == location) {
			return f
		}
	}
	t.Fatalf("no finding %s at %q", rule, location)
	return collectors.Finding{}
}

func apis(res *Result) []string {
	var out []string
	for _, ev := range res.Evidence {
		out = append(out, ev.API)
	}
	return out
}

// many_findings.json: old-generation JSON Lines (templateID, matched,
// matcher_name). Expected numbers from the file itself:
//
//	grep -c templateID many_findings.json                          -> 18 lines, one result each
//	grep -o '"severity":"[a-z]*"' many_findings.json | sort | uniq -c -> info 16, low 1, medium 1
//	grep -o '"host":"[^"]*"' many_findings.json | sort | uniq -c  -> https://nuclei-example.com 13,
//	    http://127.0.0.1:8080/WebGoat 3, http://127.0.0.1:9090/WebWolf 2
//	grep -o '"type":"[a-z]*"' ... | uniq -c                        -> http 16, network 2
//
// No two lines share templateID + matched + matcher_name (the tech-detect
// lines differ in matcher_name), so nothing merges.
func TestCorpusManyFindings(t *testing.T) {
	res := parseCorpus(t, "many_findings.json")
	if len(res.Findings) != 18 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	if got := bySeverity(res.Findings); !reflect.DeepEqual(got, map[string]int{"info": 16, "low": 1, "medium": 1}) {
		t.Errorf("severities %v", got)
	}
	if got := apis(res); !reflect.DeepEqual(got, []string{"nuclei-example.com", "127.0.0.1:8080", "127.0.0.1:9090"}) {
		t.Errorf("APIs %v", got)
	}
	perAPI := map[string]int{}
	withURL := 0
	for _, f := range res.Findings {
		perAPI[f.API]++
		if f.URL != "" {
			withURL++
		}
		if f.Endpoint != "" || f.Tool != "nuclei" || f.CWE != 0 {
			t.Errorf("%s: endpoint %q tool %q CWE %d", f.RuleID, f.Endpoint, f.Tool, f.CWE)
		}
	}
	if !reflect.DeepEqual(perAPI, map[string]int{"nuclei-example.com": 13, "127.0.0.1:8080": 3, "127.0.0.1:9090": 2}) {
		t.Errorf("per API %v", perAPI)
	}
	if withURL != 16 {
		t.Errorf("%d findings with a URL, want the 16 http ones", withURL)
	}
	ssh := byRule(t, res.Findings, "openssh5.3-detect", "")
	if ssh.Location != "nuclei-example.com:22" || ssh.URL != "" || ssh.Severity != "low" || ssh.Title != "OpenSSH 5.3 Detection" ||
		!slices.Contains(ssh.Tags, "network") || !slices.Contains(ssh.Tags, "openssh") || !slices.Contains(ssh.Tags, "type:network") {
		t.Errorf("openssh %+v", ssh)
	}
	// The old reference is one string of "- url" lines.
	if !strings.Contains(ssh.Description, "References:\n- http://seclists.org/fulldisclosure/2016/Jul/51\n- https://security-tracker.debian.org/tracker/CVE-2016-6210") {
		t.Errorf("description %q", ssh.Description)
	}
	pma := byRule(t, res.Findings, "phpmyadmin-setup", "")
	if pma.URL != "https://nuclei-example.com/phpmyadmin/setup/index.php" || pma.Severity != "medium" || pma.Method != "" ||
		pma.Fingerprint != "nuclei:phpmyadmin-setup|https://nuclei-example.com/phpmyadmin/setup/index.php|" {
		t.Errorf("phpmyadmin-setup %+v", pma)
	}
	ng := byRule(t, res.Findings, "nginx-version", "")
	if ng.Excerpt != "extracted-results: nginx/1.14.2" {
		t.Errorf("nginx-version excerpt %q", ng.Excerpt)
	}
	td := byRule(t, res.Findings, "tech-detect", "http://127.0.0.1:8080/WebGoat")
	if td.API != "127.0.0.1:8080" || !slices.Contains(td.Tags, "matcher:animate.css") ||
		td.Fingerprint != "nuclei:tech-detect|http://127.0.0.1:8080/WebGoat|animate.css" {
		t.Errorf("tech-detect %+v", td)
	}
}

// many_findings_new.json: v2.5-era JSON Lines (template-id, matched-at,
// curl-command), 2 lines: CVE-2018-15473 (medium, cwe-id ["cwe-362"], a
// network template on nuclei-example.com:22) and prometheus-metrics (low,
// http, curl -X 'GET').
func TestCorpusManyFindingsNew(t *testing.T) {
	res := parseCorpus(t, "many_findings_new.json")
	if len(res.Findings) != 2 || !reflect.DeepEqual(bySeverity(res.Findings), map[string]int{"medium": 1, "low": 1}) {
		t.Fatalf("%d findings %v", len(res.Findings), bySeverity(res.Findings))
	}
	if got := apis(res); !reflect.DeepEqual(got, []string{"nuclei-example.com"}) {
		t.Errorf("APIs %v", got)
	}
	cve := byRule(t, res.Findings, "CVE-2018-15473", "")
	if cve.CWE != 362 || cve.Location != "nuclei-example.com:22" || cve.URL != "" || cve.Method != "" ||
		!slices.Contains(cve.Tags, "cve:CVE-2018-15473") || cve.RawSeverity != "medium" ||
		cve.Excerpt != "extracted-results: SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7" {
		t.Errorf("CVE %+v", cve)
	}
	prom := byRule(t, res.Findings, "prometheus-metrics", "")
	if prom.Method != "GET" || prom.URL != "https://nuclei-example.com/metrics" || !strings.HasPrefix(prom.Excerpt, "curl -X 'GET'") ||
		prom.Title != "Exposed Prometheus metrics" {
		t.Errorf("prometheus %+v", prom)
	}
}

// multiple_v3.json: a v3 JSON array of 6 results, all "severity": "info"
// (grep -c). tls-version appears twice with the same matched-at
// (www.asdf.de:443) and no matcher-name: one finding with
// occurrences:2, so 5 findings. caa-fingerprint has cwe-id ["cwe-200"];
// the dns results carry a DNS request, which gives no method.
func TestCorpusMultipleV3(t *testing.T) {
	res := parseCorpus(t, "multiple_v3.json")
	if len(res.Findings) != 5 || !reflect.DeepEqual(bySeverity(res.Findings), map[string]int{"info": 5}) {
		t.Fatalf("%d findings %v", len(res.Findings), bySeverity(res.Findings))
	}
	if got := apis(res); !reflect.DeepEqual(got, []string{"www.asdf.de"}) {
		t.Errorf("APIs %v", got)
	}
	tls := byRule(t, res.Findings, "tls-version", "")
	if !slices.Contains(tls.Tags, "occurrences:2") || tls.Excerpt != "extracted-results: tls12" {
		t.Errorf("tls-version %+v", tls)
	}
	caa := byRule(t, res.Findings, "caa-fingerprint", "")
	if caa.CWE != 200 || caa.Method != "" || caa.URL != "" || !strings.HasPrefix(caa.Excerpt, ";; opcode: QUERY") {
		t.Errorf("caa %+v", caa)
	}
	saas := byRule(t, res.Findings, "dns-saas-service-detection", "")
	if saas.Fingerprint != "nuclei:dns-saas-service-detection|www.asdf.de|wix" ||
		!strings.HasPrefix(saas.Excerpt, "extracted-results: pointing.wixdns.net\n\n;; opcode") {
		t.Errorf("saas %+v", saas)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.RuleID, "tls") && f.Location != "www.asdf.de:443" {
			t.Errorf("%s at %q", f.RuleID, f.Location)
		}
	}
}

// Parsing twice gives the same fingerprints: they depend on the report,
// not on the run.
func TestCorpusFingerprintsStable(t *testing.T) {
	for _, name := range []string{"many_findings.json", "many_findings_new.json", "multiple_v3.json"} {
		a, b := parseCorpus(t, name), parseCorpus(t, name)
		for i := range a.Findings {
			if a.Findings[i].Fingerprint == "" || a.Findings[i].Fingerprint != b.Findings[i].Fingerprint {
				t.Errorf("%s: fingerprint %q vs %q", name, a.Findings[i].Fingerprint, b.Findings[i].Fingerprint)
			}
		}
	}
}

// Collect over the corpus directory reads the three reports: evidence per
// API per file (3 + 1 + 1), then findings (18 + 2 + 5).
func TestCollectCorpusDir(t *testing.T) {
	src := collectors.Source{Name: "n", Kind: Kind, Paths: []string{testutil.Corpus(t, "scans/nuclei")}}
	sink, err := scantest.Collect(Collector{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Evidences) != 5 || len(sink.Findings) != 25 {
		t.Fatalf("%d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
	for _, ev := range sink.Evidences {
		if !strings.HasSuffix(ev.Artifact.Name, ".json") || len(ev.Artifact.Data) == 0 {
			t.Errorf("artifact %q", ev.Artifact.Name)
		}
	}
	// The whole corpus root: the same three files, nothing else claimed.
	src.Paths = []string{testutil.Corpus(t, ".")}
	if sink, err = scantest.Collect(Collector{}, src); err != nil {
		t.Fatal(err)
	}
	if len(sink.Evidences) != 5 || len(sink.Findings) != 25 {
		t.Fatalf("corpus root: %d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
}

// Every file of the shared corpus under scans/nuclei is detected from its
// first 64 KiB, and no other file is.
func TestDetectCorpus(t *testing.T) {
	if n, yes := scantest.DetectCorpus(t, Collector{}.Detect, "scans/nuclei/"); n < 50 || yes != 3 {
		t.Errorf("%d files, %d detected", n, yes)
	}
}
