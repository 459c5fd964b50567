package trivy

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
		`{"SchemaVersion": 2, "ArtifactName": "x"}`,
		`{"SchemaVersion": 2, "CreatedAt": "2024", "Results": []}`,
		`{"ClusterName": "prod", "Resources": [`,
		`{"ClusterName": "c", "Vulnerabilities": [], "Misconfigurations": []}`,
		`[{"Target": "alpine:3.9 (alpine 3.9.4)", "Type": "alpine", "Vulnerabilities": null}]`,
		`[{"Target": "x", "Vulnerabilities": [{"VulnerabilityID": "CVE-1"`,
	}
	no := []string{
		``, `{}`, `[]`, `null`, `{"SchemaVersion": 2}`, `{"ClusterName": "c"}`, `{"Results": []}`,
		`[{"template-id": "x", "Target": "no"}]`, `[1, 2]`,
		`{"Issues": [], "Stats": {}}`, `{"version": "2.1.0", "runs": []}`,
	}
	scantest.DetectCases(t, Collector{}.Detect, "x.json", yes, no)
}

func TestShapes(t *testing.T) {
	// A legacy report (a list of results) and an empty one ("null").
	res := scantest.ParseOK(t, Parse, "legacy.json", []byte(`[{"Target": "app (debian 9)", "Type": "debian", "Vulnerabilities": [
		{"VulnerabilityID": "CVE-1", "PkgName": "openssl", "InstalledVersion": "1.0", "Severity": "UNKNOWN"}]}, {"Target": "x", "Vulnerabilities": null}]`), collectors.Source{})
	if len(res.Findings) != 1 || res.Findings[0].Severity != "info" || res.Findings[0].Title != "CVE-1 in openssl" || res.Findings[0].Remediation != "" {
		t.Errorf("legacy: %+v", res.Findings)
	}
	res = scantest.ParseOK(t, Parse, "null.json", []byte("null"), collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "null" || res.Evidence[0].Location != Tool {
		t.Errorf("null: %+v", res)
	}
	// trivy k8s --report all: Resources.
	res = scantest.ParseOK(t, Parse, "k8s.json", []byte(`{"ClusterName": "prod", "Resources": [{"Namespace": "shop", "Kind": "Deployment", "Name": "api",
		"Results": [{"Target": "Deployment/api", "Class": "config", "Misconfigurations": [
			{"ID": "KSV001", "AVDID": "AVD-KSV-0001", "Severity": "MEDIUM", "Status": "FAIL", "CauseMetadata": {"StartLine": 7}},
			{"ID": "KSV002", "Severity": "LOW", "Status": "PASS"},
			{"ID": "KSV003", "Severity": "LOW", "Status": "EXCEPTION"}]}]},
		{"Namespace": "staging", "Kind": "Deployment", "Name": "api",
		"Results": [{"Target": "Deployment/api", "Class": "config", "Misconfigurations": [{"ID": "KSV001", "Severity": "MEDIUM", "Status": "FAIL", "CauseMetadata": {"StartLine": 7}}]}]}]}`), collectors.Source{})
	if len(res.Findings) != 3 {
		t.Fatalf("k8s: %d findings %+v", len(res.Findings), res.Findings)
	}
	// The namespace keeps two workloads of one name apart; a passed check
	// is no finding; an excepted one is kept as suppressed.
	if f := res.Findings[0]; f.Location != "shop/Deployment/api:7" || f.Title != "KSV001" || !scantest.HasTag(f, "avd:AVD-KSV-0001") {
		t.Errorf("shop: %+v", f)
	}
	if f := res.Findings[1]; f.RuleID != "KSV003" || !scantest.HasTag(f, "suppressed") || !scantest.HasTag(f, "suppression:exception") {
		t.Errorf("exception: %+v", f)
	}
	if f := res.Findings[2]; f.Location != "staging/Deployment/api:7" {
		t.Errorf("staging: %+v", f)
	}
}

func TestFieldsAndWarnings(t *testing.T) {
	doc := `{"SchemaVersion": 3, "ArtifactName": "https://github.com/acme/orders.git", "ArtifactType": "repository", "Results": [
		{"Target": "go.sum", "Class": "lang-pkgs", "Type": "gomod", "Vulnerabilities": [
			{"VulnerabilityID": "GHSA-1", "PkgName": "x/net", "InstalledVersion": "0.1", "Severity": "SEVERE", "CweIDs": ["CWE-400", "CWE-770"], "Status": "affected"},
			{"VulnerabilityID": "GHSA-1", "PkgName": "x/net", "InstalledVersion": "0.1", "Severity": "HIGH", "PkgPath": "other"},
			{"PkgName": "no-id"}]},
		{"Target": ".env", "Class": "secret", "Secrets": [
			{"RuleID": "aws-access-key-id", "Severity": "CRITICAL", "StartLine": 2, "Match": "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "Code": {"Lines": [{"Content": "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"}]}},
			{"Severity": "LOW"}]},
		{"Target": "main.tf", "Class": "config", "Misconfigurations": [{"AVDID": "AVD-AWS-0086", "Severity": "HIGH", "Status": "FAIL"}, {"Severity": "LOW"}]},
		{"Class": "secret", "Secrets": [{"RuleID": "x", "StartLine": 3}]}, {"Target": ""}]}`
	res := scantest.ParseOK(t, Parse, "r.json", []byte(doc), collectors.Source{})
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings %+v", len(res.Findings), res.Findings)
	}
	v := res.Findings[0]
	// The repository names the API; the same vulnerability twice in one
	// target is one finding.
	if v.API != "orders" || v.Severity != "high" || v.RawSeverity != "SEVERE" || v.CWE != 400 || !scantest.HasTag(v, "cwe:770") || !scantest.HasTag(v, "status:affected") ||
		scantest.HasTag(v, "occurrences:2") == false {
		t.Errorf("vulnerability %+v", v)
	}
	// An unredacted match is never kept.
	if s := res.Findings[1]; s.Excerpt != "" || strings.Contains(strings.Join(s.Tags, " ")+s.Description+s.Title, "AKIA") {
		t.Errorf("secret %+v", s)
	}
	if m := res.Findings[2]; m.RuleID != "AVD-AWS-0086" || m.Location != "main.tf" {
		t.Errorf("misconfiguration %+v", m)
	}
	want := []string{
		"Results[0].Vulnerabilities[2] has no VulnerabilityID; skipped",
		"Results[1].Secrets[0]: Match is not redacted; not kept",
		"Results[1].Secrets[1] has no RuleID; skipped",
		"Results[2].Misconfigurations[1] has no ID; skipped",
		"Results[3] has no Target; skipped",
		"SchemaVersion 3 read as 2",
	}
	if strings.Join(res.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(res.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

func TestProjectName(t *testing.T) {
	for _, tc := range []struct{ typ, name, want string }{
		{"container_image", "ghcr.io/acme/payments-api:1.4@sha256:abc", "payments-api"},
		{"container_image", "alpine", "alpine"},
		{"container_image", "registry:5000/team/app:v2", "app"},
		{"repository", "https://github.com/acme/orders/", "orders"},
		{"filesystem", "/src/billing", "billing"},
		{"filesystem", ".", ""},
		{"filesystem", `C:\src\shop\`, "shop"},
		{"vm", "ami-123", ""},
		{"", "x", ""},
	} {
		if got := projectName(tc.typ, tc.name); got != tc.want {
			t.Errorf("projectName(%q, %q) = %q, want %q", tc.typ, tc.name, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	full := string(scantest.CorpusFile(t, "scans/trivy/kubernetes.json"))
	lines := strings.SplitAfter(full, "\n")
	cut := strings.Join(lines[:500], "") + lines[500][:2]
	scantest.ParseErr(t, Kind, Parse, "cut.json", []byte(cut), safedecode.ErrSyntax, "cut.json:501:3: ", "truncated?")
	scantest.ParseErr(t, Kind, Parse, "gosec.json", scantest.CorpusFile(t, "scans/gosec/many_vulns.json"), ErrFormat, `gosec.json:1:1: not a Trivy report: no "SchemaVersion", "Results" or "ClusterName"`)
	scantest.ParseErr(t, Kind, Parse, "nuclei.json", scantest.CorpusFile(t, "scans/nuclei/multiple_v3.json"), ErrFormat, `nuclei.json: [0]: not a Trivy report: a result without "Target"`)
	scantest.ParseErr(t, Kind, Parse, "s.json", []byte(`"text"`), ErrFormat, "s.json:1:1: not a Trivy report: the top level is not an object or array")
	scantest.ParseErr(t, Kind, Parse, "t.json", []byte("{\"SchemaVersion\": 2,\n\"Results\": [{\"Target\": 5}]}"), nil, "t.json:2:25: Results.Target: a JSON number where a string is expected")
	scantest.ParseErr(t, Kind, Parse, "l.json", []byte("[{\"Target\": \"x\", \"Vulnerabilities\": [{\"CweIDs\": \"CWE-1\"}]}]"), nil, "l.json:1:56: Vulnerabilities.CweIDs: a JSON string where an array is expected")
}

func TestCollect(t *testing.T) {
	fsys := fstest.MapFS{
		"out/trivy.json": {Data: []byte(`{"SchemaVersion": 2, "ArtifactName": "shop:1", "ArtifactType": "container_image", "Results": []}`)},
		"out/list.json":  {Data: []byte(`[{"id": 1}]`)},
	}
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"out"}}, sink); err != nil {
		t.Fatal(err)
	}
	// A clean scan is evidence too.
	if len(sink.Findings) != 0 || len(sink.Evidences) != 1 || sink.Evidences[0].API != "shop" {
		t.Errorf("findings %+v evidence %+v", sink.Findings, sink.Evidences)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"out/list.json"}}, &scantest.Sink{}); !errors.Is(err, ErrFormat) {
		t.Errorf("explicit non-Trivy file: %v", err)
	}
}

func TestRegistered(t *testing.T) {
	if c, err := collectors.Get(Kind); err != nil || c.Version() != CollectorVersion {
		t.Errorf("registry: %v %v", c, err)
	}
}
