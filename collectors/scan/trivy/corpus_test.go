package trivy

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

// Expected numbers were counted with jq and grep:
//
//	scheme_2_many_vulns.json: jq '[.Results[].Vulnerabilities[]?] | length' -> 5;
//	  severities MEDIUM 3 (freetype, 2 x commons-compress), HIGH 1 (krb5-libs),
//	  CRITICAL 1 (libbz2); ArtifactType container_image, ArtifactName teamdojo:latest
//	misconfigurations_and_secrets.json: 2 vulnerabilities (HIGH, MEDIUM), 1
//	  misconfiguration DS002 (HIGH, FAIL), 2 secrets (CRITICAL, Match redacted "*****")
//	kubernetes.json: 2 workloads x 5 vulnerabilities (MEDIUM CVE-2020-27350, 4 LOW)
//	  + 2 Deployments x 5 failed checks (KSV001/KSV012 MEDIUM, KSV003/011/014 LOW)
//	  = 20 findings: medium 2+4 = 6, low 8+6 = 14; the Services have none

func TestCorpusImage(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/trivy/scheme_2_many_vulns.json")
	res := scantest.ParseOK(t, Parse, "scheme_2_many_vulns.json", data, collectors.Source{})
	if len(res.Findings) != 5 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %q", len(res.Findings), res.Warnings)
	}
	if got := scantest.Severities(res.Findings); got["medium"] != 3 || got["high"] != 1 || got["critical"] != 1 {
		t.Errorf("severities %v", got)
	}
	// The image names the API.
	if res.Evidence[0].API != "teamdojo" || len(res.Evidence) != 1 {
		t.Errorf("evidence %+v", res.Evidence)
	}
	f := scantest.FindingAt(t, res.Findings, "CVE-2019-12900", "teamdojo:latest (alpine 3.9.4) libbz2@1.0.6-r6")
	if f.Severity != "critical" || f.RawSeverity != "CRITICAL" || f.CWE != 787 || f.File != "teamdojo:latest (alpine 3.9.4)" || f.Line != 0 ||
		f.Fingerprint != "trivy:CVE-2019-12900|libbz2|1.0.6-r6|teamdojo:latest (alpine 3.9.4)" ||
		f.Remediation != "Upgrade libbz2 from 1.0.6-r6 to 1.0.6-r7.\n\nhttps://avd.aquasec.com/nvd/cve-2019-12900" ||
		f.Title != "bzip2: out-of-bounds write in function BZ2_decompress" || !scantest.HasTag(f, "class:os-pkgs") || !scantest.HasTag(f, "type:alpine") {
		t.Errorf("libbz2: %+v", f)
	}
	// The CVSS v3 score of the severity's source (nvd) is a tag.
	if f := scantest.FindingAt(t, res.Findings, "CVE-2020-15999", "teamdojo:latest (alpine 3.9.4) freetype@2.9.1-r2"); !scantest.HasTag(f, "cvss:6.5") {
		t.Errorf("freetype tags %v", f.Tags)
	}
	again := scantest.ParseOK(t, Parse, "scheme_2_many_vulns.json", data, collectors.Source{})
	for i := range res.Findings {
		if res.Findings[i].Fingerprint == "" || res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
			t.Errorf("fingerprint %d: %q then %q", i, res.Findings[i].Fingerprint, again.Findings[i].Fingerprint)
		}
	}
}

func TestCorpusMisconfigurationsAndSecrets(t *testing.T) {
	data := scantest.CorpusFile(t, "scans/trivy/misconfigurations_and_secrets.json")
	res := scantest.ParseOK(t, Parse, "m.json", data, collectors.Source{})
	if len(res.Findings) != 5 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %q", len(res.Findings), res.Warnings)
	}
	if got := scantest.Severities(res.Findings); got["critical"] != 2 || got["high"] != 2 || got["medium"] != 1 {
		t.Errorf("severities %v", got)
	}
	// ArtifactName "." names no project: the file names the API.
	if res.Evidence[0].API != "m" {
		t.Errorf("API %q", res.Evidence[0].API)
	}
	ds := scantest.FindingAt(t, res.Findings, "DS002", "Dockerfile")
	if ds.Severity != "high" || ds.File != "Dockerfile" || ds.Line != 0 || ds.Fingerprint != "" ||
		!strings.HasPrefix(ds.Remediation, "Add 'USER <non root user name>' line to the Dockerfile") ||
		!strings.HasSuffix(ds.Description, "Specify at least 1 USER command in Dockerfile with non-root user as argument") ||
		!scantest.HasTag(ds, "check:Dockerfile Security Check") {
		t.Errorf("DS002: %+v", ds)
	}
	// Secrets: the redacted match is the excerpt; never more.
	s := scantest.FindingAt(t, res.Findings, "github-pat", "Dockerfile:24")
	if s.Excerpt != "ENV GITHUB_PAT=*****" || s.Severity != "critical" || s.Line != 24 || !scantest.HasTag(s, "category:GitHub") || !scantest.HasTag(s, "class:secret") {
		t.Errorf("secret: %+v", s)
	}
	scantest.FindingAt(t, res.Findings, "github-pat", "secret.txt:1")
	scantest.FindingAt(t, res.Findings, "CVE-2021-33503", "requirements.txt urllib3@1.26.3")
}

func TestCorpusKubernetes(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "kubernetes.json", scantest.CorpusFile(t, "scans/trivy/kubernetes.json"), collectors.Source{})
	if len(res.Findings) != 20 || len(res.Warnings) != 0 {
		t.Fatalf("findings %d warnings %q", len(res.Findings), res.Warnings)
	}
	if got := scantest.Severities(res.Findings); got["medium"] != 6 || got["low"] != 14 || len(got) != 2 {
		t.Errorf("severities %v", got)
	}
	// A cluster is not a project: the file names the API.
	if res.Evidence[0].API != "kubernetes" {
		t.Errorf("API %q", res.Evidence[0].API)
	}
	k := scantest.FindingAt(t, res.Findings, "KSV001", "default/Deployment/redis-follower:132")
	if k.File != "Deployment/redis-follower" || k.Line != 132 || k.Severity != "medium" || !scantest.HasTag(k, "workload:default/Deployment/redis-follower") ||
		!strings.HasPrefix(k.Excerpt, "132:                 - image: gcr.io/google_samples/gb-redis-follower:v2\n133:") ||
		strings.Contains(k.Excerpt, "141:") { // line 141 is Trivy's "truncated" marker
		t.Errorf("KSV001: %+v", k)
	}
	v := scantest.FindingAt(t, res.Findings, "CVE-2020-27350", "docker.io/redis:6.0.5 (debian 10.4) apt@1.8.2.1")
	if v.CWE != 190 || !scantest.HasTag(v, "workload:default/Deployment/redis-leader") || v.Fingerprint != "trivy:CVE-2020-27350|apt|1.8.2.1|docker.io/redis:6.0.5 (debian 10.4)" {
		t.Errorf("apt: %+v", v)
	}
}

func TestCollectCorpusDirectory(t *testing.T) {
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(t.Context(), collectors.Source{Name: "s", Paths: []string{testutil.Corpus(t, "scans/trivy")}}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Findings) != 30 || len(sink.Evidences) != 3 {
		t.Errorf("findings %d evidence %d, want 20+5+5, 3", len(sink.Findings), len(sink.Evidences))
	}
}

func TestDetectCorpus(t *testing.T) {
	if _, n := scantest.DetectCorpus(t, Collector{}.Detect, "scans/trivy/"); n != 3 {
		t.Errorf("recognised %d files, want 3", n)
	}
}
