package crunch42

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

const corpusName = "crunch42_many_findings.json"

func corpusFile(t testing.TB) []byte { return scantest.CorpusFile(t, "scans/crunch42/"+corpusName) }

func parseOK(t *testing.T, name string, data []byte, src collectors.Source) *Result {
	t.Helper()
	return scantest.ParseOK(t, Parse, name, data, src)
}

// The corpus report (DefectDojo's crunch42_many_findings.json). Expected
// values from the file with jq, not from this package:
//
//	jq -r '.report | .index as $i | .security.issues | to_entries[] | .key as $k
//	       | .value.issues[] | "\($k) \(.criticality) \($i[.pointer])"'
//
// gives 8 instances: v3-global-securityscheme-apikey-inheader 1 at
// /components/security/ApiKey; v3-operation-securityrequirement-apikey-
// inheader 3 at the generate/post, invalidate/delete, refresh/get,
// refresh/put and verify/get security requirements; v3-operation-
// securityrequirement-emptyarray 4 at health/get and ping/get. The data
// group has no issues ("issues": {}). The report agrees: issueCounter 8
// and security.subgroupIssueCounter.authentication info 1, medium 5,
// high 2. summary.apiName is "Example Authentication Service"; every
// instance has its own fingerprint.
func TestCorpusReport(t *testing.T) {
	res := parseOK(t, corpusName, corpusFile(t), collectors.Source{})
	if len(res.Findings) != 8 || len(res.Warnings) != 0 {
		t.Fatalf("%d findings, warnings %q", len(res.Findings), res.Warnings)
	}
	sev := map[string]int{}
	var got []string
	for _, f := range res.Findings {
		sev[f.Severity]++
		got = append(got, f.RuleID+" "+f.RawSeverity+" "+f.Location+" "+f.Endpoint)
		if f.API != "Example Authentication Service" || f.Tool != "crunch42" || f.CWE != 0 || f.OWASP != "" ||
			!strings.HasPrefix(f.Fingerprint, "crunch42:") || !reflect.DeepEqual(f.Tags, []string{"section:security"}) {
			t.Errorf("%+v", f)
		}
	}
	if !reflect.DeepEqual(sev, map[string]int{"info": 1, "medium": 5, "high": 2}) {
		t.Errorf("severities %v", sev)
	}
	sort.Strings(got)
	want := []string{
		"v3-global-securityscheme-apikey-inheader 1 /components/security/ApiKey ",
		"v3-operation-securityrequirement-apikey-inheader 3 /paths/~1integration-test~1generate/post/security/0/ApiKeyAuth POST /integration-test/generate",
		"v3-operation-securityrequirement-apikey-inheader 3 /paths/~1integration-test~1invalidate/delete/security/0/ApiKeyAuth DELETE /integration-test/invalidate",
		"v3-operation-securityrequirement-apikey-inheader 3 /paths/~1integration-test~1refresh/get/security/0/ApiKeyAuth GET /integration-test/refresh",
		"v3-operation-securityrequirement-apikey-inheader 3 /paths/~1integration-test~1refresh/put/security/0/ApiKeyAuth PUT /integration-test/refresh",
		"v3-operation-securityrequirement-apikey-inheader 3 /paths/~1integration-test~1verify/get/security/0/ApiKeyAuth GET /integration-test/verify",
		"v3-operation-securityrequirement-emptyarray 4 /paths/~1integration-test~1health/get/security GET /integration-test/health",
		"v3-operation-securityrequirement-emptyarray 4 /paths/~1integration-test~1ping/get/security GET /integration-test/ping",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}
	for _, f := range res.Findings {
		switch f.Location {
		case "/paths/~1integration-test~1health/get/security":
			if f.Title != "The security section contains an empty array" || f.Method != "GET" ||
				f.Description != "The security section of the operation 'get' contains an empty array" ||
				f.Fingerprint != "crunch42:oofushaeQuiev6Shegai2roh0ceighae5Daij7pi" {
				t.Errorf("health %+v", f)
			}
		case "/components/security/ApiKey":
			if f.Title != "Transporting API keys in a header over network allowed" || f.Description != f.Title || f.Method != "" {
				t.Errorf("global %+v", f)
			}
		}
	}
	if len(res.Evidence) != 1 || res.Evidence[0].API != "Example Authentication Service" || res.Evidence[0].Location != "crunch42" ||
		res.Evidence[0].Artifact.Name != corpusName {
		t.Errorf("evidence %+v", res.Evidence)
	}
	// Stable across parses.
	again := parseOK(t, corpusName, corpusFile(t), collectors.Source{})
	for i := range res.Findings {
		if res.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
			t.Errorf("fingerprint %d changed", i)
		}
	}
	// The api setting wins over the report's API name.
	res = parseOK(t, corpusName, corpusFile(t), collectors.Source{APIMap: map[string]string{"Example Authentication Service": "auth"}})
	if res.Findings[0].API != "auth" || res.Evidence[0].API != "auth" {
		t.Errorf("api_map: %q", res.Findings[0].API)
	}
}

func TestCollectCorpus(t *testing.T) {
	src := collectors.Source{Name: "c", Kind: Kind, Paths: []string{testutil.Corpus(t, ".")}}
	sink, err := scantest.Collect(Collector{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Evidences) != 1 || len(sink.Findings) != 8 || sink.Order[0] != "evidence" {
		t.Fatalf("%d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
}

// The corpus report is detected from its first 64 KiB, no other corpus
// file is.
func TestDetectCorpus(t *testing.T) {
	if n, yes := scantest.DetectCorpus(t, Collector{}.Detect, "scans/crunch42/"); n < 50 || yes != 1 {
		t.Errorf("%d files, %d detected", n, yes)
	}
}
