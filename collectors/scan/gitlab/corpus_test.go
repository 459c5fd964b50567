package gitlab

import (
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/testutil"
)

const corpusName = "gitlab_api_fuzzing_1_vuln_v14.json"

func corpusFile(t testing.TB) []byte {
	return scantest.CorpusFile(t, "scans/gitlab_api_fuzzing/"+corpusName)
}

func parseOK(t *testing.T, name string, data []byte, src collectors.Source) *Result {
	t.Helper()
	return scantest.ParseOK(t, Parse, name, data, src)
}

// The corpus report: GitLab's schema (version "3.0"), but its one
// vulnerability is a libFuzzer coverage-fuzzing crash (SOURCES.md), read
// by the same rules as any other location: severity "Low", one identifier
// {type cwe, value "129"}, location crash_type / crash_state /
// stacktrace_snippet and no hostname, method or path (read off the file).
// No host: the API is the file's name.
func TestCorpusReport(t *testing.T) {
	res := parseOK(t, corpusName, corpusFile(t), collectors.Source{})
	if len(res.Findings) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("%d findings, warnings %q", len(res.Findings), res.Warnings)
	}
	f := res.Findings[0]
	want := collectors.Finding{
		API: "gitlab_api_fuzzing_1_vuln_v14", Tool: "libfuzzer", RuleID: "CWE-129", Title: "name",
		Description: "Index-out-of-range", Severity: "low", RawSeverity: "Low", CWE: 129,
		Location: "go-fuzzing-example.ParseComplex.func6",
		Tags:     []string{"category:coverage_fuzzing", "crash_type:Index-out-of-range"},
	}
	ex := f.Excerpt
	f.Excerpt = ""
	if !reflect.DeepEqual(f, want) {
		t.Errorf("finding\n%+v\nwant\n%+v", f, want)
	}
	if !strings.HasPrefix(ex, "INFO: Seed: 1156723483\n") || !strings.Contains(ex, "panic: runtime error: index out of range [6] with length 6") ||
		len(ex) > collectors.MaxExcerpt {
		t.Errorf("excerpt %q", ex)
	}
	if len(res.Evidence) != 1 || res.Evidence[0].API != "gitlab_api_fuzzing_1_vuln_v14" || res.Evidence[0].Location != "libfuzzer" {
		t.Errorf("evidence %+v", res.Evidence)
	}
	res = parseOK(t, corpusName, corpusFile(t), collectors.Source{API: "fuzzed"})
	if res.Findings[0].API != "fuzzed" || res.Evidence[0].API != "fuzzed" {
		t.Errorf("api setting ignored")
	}
}

func TestCollectCorpus(t *testing.T) {
	src := collectors.Source{Name: "g", Kind: Kind, Paths: []string{testutil.Corpus(t, ".")}}
	sink, err := scantest.Collect(Collector{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Evidences) != 1 || len(sink.Findings) != 1 || !reflect.DeepEqual(sink.Order, []string{"evidence", "finding"}) {
		t.Fatalf("%d evidence, %d findings", len(sink.Evidences), len(sink.Findings))
	}
}

// The corpus report is detected from its first 64 KiB, no other corpus
// file is.
func TestDetectCorpus(t *testing.T) {
	if n, yes := scantest.DetectCorpus(t, Collector{}.Detect, "scans/gitlab_api_fuzzing/"); n < 50 || yes != 1 {
		t.Errorf("%d files, %d detected", n, yes)
	}
}
