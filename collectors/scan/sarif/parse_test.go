package sarif

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// log wraps runs in a SARIF 2.1.0 log.
func log(runs ...string) []byte {
	return []byte(`{"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [` + strings.Join(runs, ",") + `]}`)
}

// run is a run of tool "T" with the given rules and results.
func run(rules, results string) string {
	return `{"tool": {"driver": {"name": "T", "rules": [` + rules + `]}}, "results": [` + results + `]}`
}

const loc = `"locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.go"}, "region": {"startLine": 7, "snippet": {"text": "x := 1"}}}}]`

func TestSeverity(t *testing.T) {
	rules := `{"id": "sev", "properties": {"security-severity": "9.1"}},
		{"id": "num", "properties": {"security-severity": 5}},
		{"id": "bad", "properties": {"security-severity": "high"}, "defaultConfiguration": {"level": "note"}},
		{"id": "def", "defaultConfiguration": {"level": "error"}},
		{"id": "ps", "properties": {"problem.severity": "recommendation"}},
		{"id": "none"}`
	for _, tc := range []struct {
		name, result string
		sev, raw     string
	}{
		{"security-severity wins over the level", `{"ruleId": "sev", "level": "note"}`, "critical", "9.1"},
		{"a numeric security-severity", `{"ruleId": "num"}`, "medium", "5"},
		{"result property", `{"ruleId": "none", "properties": {"security-severity": "7.0"}}`, "high", "7.0"},
		{"not a score: the level", `{"ruleId": "bad"}`, "low", "note"},
		{"rule default level", `{"ruleId": "def"}`, "high", "error"},
		{"result level over the default", `{"ruleId": "def", "level": "warning"}`, "medium", "warning"},
		{"level none", `{"ruleId": "def", "level": "none"}`, "info", "none"},
		{"problem.severity", `{"ruleId": "ps"}`, "low", "recommendation"},
		{"nothing: SARIF's default warning", `{"ruleId": "none"}`, "medium", ""},
		{"kind review without level: none", `{"ruleId": "def", "kind": "review"}`, "info", "none"},
		{"unknown level", `{"ruleId": "none", "level": "fatal"}`, "info", "fatal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scantest.ParseOK(t, Parse, "s.sarif", log(run(rules, tc.result)), collectors.Source{})
			if len(res.Findings) != 1 {
				t.Fatalf("%d findings", len(res.Findings))
			}
			if f := res.Findings[0]; f.Severity != tc.sev || f.RawSeverity != tc.raw {
				t.Errorf("severity %q raw %q, want %q %q", f.Severity, f.RawSeverity, tc.sev, tc.raw)
			}
		})
	}
	res := scantest.ParseOK(t, Parse, "s.sarif", log(run(rules, `{"ruleId": "bad"}, {"ruleId": "none", "level": "fatal"}, {"ruleId": "none", "level": "fatal", "message": {"text": "2"}}`)), collectors.Source{})
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], `runs[0].results[0]: security-severity "high" is not a score`) ||
		!strings.Contains(res.Warnings[1], `runs[0].results[1]: unknown level "fatal" taken as info`) {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestKindsAndBaseline(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "k.sarif", log(run(`{"id": "r"}`, `
		{"ruleId": "r", "kind": "pass"},
		{"ruleId": "r", "kind": "notApplicable"},
		{"ruleId": "r", "baselineState": "absent", "level": "error"},
		{"ruleId": "r", "kind": "open", "message": {"text": "open"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}}}]},
		{"ruleId": "r", "baselineState": "new", "level": "error", "message": {"text": "new"}}`)), collectors.Source{})
	if len(res.Findings) != 2 {
		t.Fatalf("%d findings, want the open and the new one", len(res.Findings))
	}
	if f := res.Findings[0]; f.Description != "open" || !scantest.HasTag(f, "kind:open") || f.Severity != "info" {
		t.Errorf("open result: %+v", f)
	}
	// A log whose rules found nothing still says the API was tested.
	res = scantest.ParseOK(t, Parse, "clean.sarif", log(run(`{"id": "r"}`, `{"ruleId": "r", "kind": "pass"}`)), collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "clean" {
		t.Errorf("clean log: %+v", res)
	}
	res = scantest.ParseOK(t, Parse, "empty.sarif", []byte(`{"version": "2.1.0", "runs": []}`), collectors.Source{})
	if len(res.Findings) != 0 || len(res.Evidence) != 1 || res.Evidence[0].API != "empty" {
		t.Errorf("no runs: %+v", res)
	}
}

func TestRuleLookup(t *testing.T) {
	rules := `{"id": "A", "shortDescription": {"text": "rule A"}}, {"id": "B", "name": "Bee"}, {"id": "AB"}`
	for _, tc := range []struct{ name, result, rule, title string }{
		{"by id", `{"ruleId": "B"}`, "B", "Bee"},
		{"by index", `{"ruleIndex": 1}`, "B", "Bee"},
		{"rule.id and rule.index", `{"rule": {"id": "A", "index": 0}}`, "A", "rule A"},
		{"hierarchical id", `{"ruleId": "A/sub"}`, "A/sub", "rule A"},
		{"index contradicts id: id wins", `{"ruleId": "A", "ruleIndex": 1}`, "A", "rule A"},
		{"index out of range", `{"ruleId": "B", "ruleIndex": 9}`, "B", "Bee"},
		{"message prefix, longest rule", `{"message": {"text": "AB found"}}`, "AB", "AB found"},
		{"no rule at all", `{"message": {"text": "something odd\nmore"}}`, "something odd", "something odd"},
		{"unknown id", `{"ruleId": "Z", "message": {"text": "m"}}`, "Z", "m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scantest.ParseOK(t, Parse, "r.sarif", log(run(rules, tc.result)), collectors.Source{})
			if f := res.Findings[0]; f.RuleID != tc.rule || f.Title != tc.title {
				t.Errorf("rule %q title %q, want %q %q (warnings %q)", f.RuleID, f.Title, tc.rule, tc.title, res.Warnings)
			}
		})
	}
	res := scantest.ParseOK(t, Parse, "r.sarif", log(run(rules, `{"ruleId": "A", "ruleIndex": 1}, {"ruleId": "B", "ruleIndex": 9}, {"message": {"text": "x"}}`)), collectors.Source{})
	want := []string{`runs[0].results[0]: ruleIndex 1 is rule "B", not "A"`, `runs[0].results[1]: ruleIndex 9 is out of range (3 rules)`,
		`runs[0].results[2]: no ruleId; the rule is called "x"`}
	for i, w := range want {
		if i >= len(res.Warnings) || !strings.Contains(res.Warnings[i], w) {
			t.Errorf("warnings %q, want %q", res.Warnings, w)
		}
	}
}

// CodeQL 2.12+ puts query packs' rules in tool extensions: result.rule
// names the extension by index.
func TestRuleInExtension(t *testing.T) {
	doc := log(`{"tool": {"driver": {"name": "CodeQL", "rules": [{"id": "wrong"}]},
		"extensions": [{"name": "codeql/go-queries", "rules": [{"id": "go/sql-injection", "shortDescription": {"text": "SQLi"},
			"properties": {"tags": ["security", "external/cwe/cwe-089"], "security-severity": "8.8", "precision": "high"}}]}]},
		"results": [{"ruleId": "go/sql-injection", "rule": {"id": "go/sql-injection", "index": 0, "toolComponent": {"index": 0}}, ` + loc + `},
			{"ruleId": "go/sql-injection", "rule": {"id": "go/sql-injection", "toolComponent": {"name": "codeql/go-queries"}}, ` + loc + `},
			{"ruleId": "x", "rule": {"id": "x", "toolComponent": {"index": 5}}}]}`)
	res := scantest.ParseOK(t, Parse, "c.sarif", doc, collectors.Source{})
	for _, f := range res.Findings[:1] {
		if f.Title != "SQLi" || f.CWE != 89 || f.Severity != "high" || f.RawSeverity != "8.8" || !scantest.HasTag(f, "confidence:high") {
			t.Errorf("finding %+v", f)
		}
	}
	// The first two are the same issue (same rule, same place): merged.
	if len(res.Findings) != 2 || !scantest.HasTag(res.Findings[0], "occurrences:2") {
		t.Errorf("%d findings, tags %v", len(res.Findings), res.Findings[0].Tags)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "runs[0].results[2].rule.toolComponent names no tool extension") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestLocations(t *testing.T) {
	base := `"originalUriBaseIds": {"SRC": {"uri": "src/", "uriBaseId": "ROOT"}, "ROOT": {"uri": "file:///home/ci/repo/"},
		"LOOP": {"uri": "a/", "uriBaseId": "LOOP"}, "REL": {"uri": "lib"}}`
	for _, tc := range []struct{ name, result, file, url, method, location string }{
		{"relative", `{"ruleId": "r", ` + loc + `}`, "src/a.go", "", "", "src/a.go:7"},
		{"base chain to a local file URI", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "x%20y.go", "uriBaseId": "SRC"}, "region": {"startLine": 3}}}]}`,
			"/home/ci/repo/src/x y.go", "", "", "/home/ci/repo/src/x y.go:3"},
		{"undefined base stays relative", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.py", "uriBaseId": "%SRCROOT%"}}}]}`,
			"b.py", "", "", "b.py"},
		{"base without a slash", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "c.py", "uriBaseId": "REL"}}}]}`,
			"lib/c.py", "", "", "lib/c.py"},
		{"a base cycle ends", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "d.py", "uriBaseId": "LOOP"}}}]}`,
			"a/a/a/a/a/a/a/a/d.py", "", "", "a/a/a/a/a/a/a/a/d.py"},
		{"artifact index", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"index": 1}, "region": {"startLine": 2}}}]}`,
			"second.js", "", "", "second.js:2"},
		{"first physical location wins", `{"ruleId": "r", "locations": [{"logicalLocations": [{"name": "f"}]}, ` + loc[len(`"locations": [`):] + `}`,
			"src/a.go", "", "", "src/a.go:7"},
		{"web request", `{"ruleId": "r", "webRequest": {"method": "post", "target": "https://shop.example.com/api/orders?id=1"}}`,
			"", "https://shop.example.com/api/orders?id=1", "POST", "https://shop.example.com/api/orders?id=1"},
		{"web request by index", `{"ruleId": "r", "webRequest": {"index": 0}}`, "", "http://h/x", "GET", "http://h/x"},
		{"an http artifact is a URL", `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "https://api.example.com/v1/users"}}}]}`,
			"", "https://api.example.com/v1/users", "", "https://api.example.com/v1/users"},
		{"only a logical location", `{"ruleId": "r", "locations": [{"logicalLocations": [{"fullyQualifiedName": "pkg.Func"}]}]}`,
			"", "", "", "pkg.Func"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := log(`{"tool": {"driver": {"name": "T"}}, ` + base + `, "artifacts": [{"location": {"uri": "first.js"}}, {"location": {"uri": "second.js"}}],
				"webRequests": [{"method": "GET", "target": "http://h/x"}], "results": [` + tc.result + `]}`)
			f := scantest.ParseOK(t, Parse, "l.sarif", doc, collectors.Source{}).Findings[0]
			if f.File != tc.file || f.URL != tc.url || f.Method != tc.method || f.Location != tc.location {
				t.Errorf("file %q url %q method %q location %q, want %q %q %q %q", f.File, f.URL, f.Method, f.Location,
					tc.file, tc.url, tc.method, tc.location)
			}
		})
	}
}

func TestClassification(t *testing.T) {
	rules := `{"id": "tags", "properties": {"tags": ["security", "CWE-639: Authorization Bypass", "owasp-api-top10-2023-API1", "external/cwe/cwe-285"]}},
		{"id": "prop", "properties": {"cwe": ["CWE-200", "CWE-209"]}},
		{"id": "rel", "relationships": [{"target": {"id": "352", "toolComponent": {"name": "CWE"}}, "kinds": ["superset"]}]},
		{"id": "api2019", "properties": {"tags": ["API1:2019"]}}`
	res := scantest.ParseOK(t, Parse, "c.sarif", log(run(rules, `{"ruleId": "tags", "message": {"text": "1"}}, {"ruleId": "prop", "message": {"text": "2"}},
		{"ruleId": "rel", "message": {"text": "3"}}, {"ruleId": "api2019", "message": {"text": "4"}, "taxa": [{"id": "CWE-918", "toolComponent": {"name": "cwe"}}]}`)), collectors.Source{})
	f := res.Findings
	if f[0].CWE != 639 || !scantest.HasTag(f[0], "cwe:285") || f[0].OWASP != "API1:2023" || !scantest.HasTag(f[0], "security") || scantest.HasTag(f[0], "CWE-639: Authorization Bypass") {
		t.Errorf("tags: CWE %d OWASP %q tags %v", f[0].CWE, f[0].OWASP, f[0].Tags)
	}
	if f[1].CWE != 200 || !scantest.HasTag(f[1], "cwe:209") {
		t.Errorf("cwe property: %d %v", f[1].CWE, f[1].Tags)
	}
	if f[2].CWE != 352 {
		t.Errorf("relationship: %d", f[2].CWE)
	}
	// OWASP API Security 2019 is another list: not mapped. The taxon
	// reference gives the CWE.
	if f[3].OWASP != "" || f[3].CWE != 918 {
		t.Errorf("2019 tag: %q, CWE %d", f[3].OWASP, f[3].CWE)
	}
}

func TestFingerprintsAndSuppressions(t *testing.T) {
	res := scantest.ParseOK(t, Parse, "f.sarif", log(run(`{"id": "r"}`, `
		{"ruleId": "r", "fingerprints": {"v2": "bbb", "v1": "aaa"}, "partialFingerprints": {"h": "1"}, `+loc+`},
		{"ruleId": "r", "fingerprints": {"v1": "aaa"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "moved.go"}}}]},
		{"ruleId": "r", "partialFingerprints": {"h": "`+strings.Repeat("x", 300)+`"}},
		{"ruleId": "r", "suppressions": [{"kind": "inSource"}], "message": {"text": "s1"}},
		{"ruleId": "r", "suppressions": [{"kind": "external", "status": "accepted"}, {"kind": "inSource", "status": "underReview"}], "message": {"text": "s2"}},
		{"ruleId": "r", "suppressions": [{"kind": "external", "status": "rejected"}], "message": {"text": "s3"}}`)), collectors.Source{})
	f := res.Findings
	// The full fingerprint (first key in order) identifies the issue
	// wherever it moved: the second result is the first one again.
	if f[0].Fingerprint != "sarif:T|v1=aaa" || !scantest.HasTag(f[0], "occurrences:2") {
		t.Errorf("fingerprint %q tags %v", f[0].Fingerprint, f[0].Tags)
	}
	if !strings.HasPrefix(f[1].Fingerprint, "sarif:") || len(f[1].Fingerprint) != len("sarif:")+32 {
		t.Errorf("long fingerprint not hashed: %q", f[1].Fingerprint)
	}
	if !scantest.HasTag(f[2], "suppressed") || !scantest.HasTag(f[2], "suppression:inSource") {
		t.Errorf("in-source suppression: %v", f[2].Tags)
	}
	for _, g := range f[3:] {
		if scantest.HasTag(g, "suppressed") {
			t.Errorf("%s: under review or rejected is not suppressed: %v", g.Description, g.Tags)
		}
	}
}

func TestMessages(t *testing.T) {
	long := strings.Repeat("z", 1000)
	rules := `{"id": "r", "messageStrings": {"m": {"text": "{0} calls {1}; {{literal}} {2} {x}"}, "bomb": {"text": "` + strings.Repeat("{0}", 100) + `"}}}`
	res := scantest.ParseOK(t, Parse, "m.sarif", []byte(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [`+rules+`],
		"globalMessageStrings": {"g": {"markdown": "global {0}"}}}},
		"results": [{"ruleId": "r", "message": {"id": "m", "arguments": ["a", "b"]}, "locations": [{"logicalLocations": [{"name": "1"}]}]},
			{"ruleId": "r", "message": {"id": "g", "arguments": ["arg"]}, "locations": [{"logicalLocations": [{"name": "2"}]}]},
			{"ruleId": "r", "message": {"id": "bomb", "arguments": ["`+long+`"]}}]}]}`), collectors.Source{})
	if d := res.Findings[0].Description; d != "a calls b; {literal} {2} {x}" {
		t.Errorf("message %q", d)
	}
	if d := res.Findings[1].Description; d != "global arg" {
		t.Errorf("global message %q", d)
	}
	// 100 placeholders of 1000 bytes stop at the text bound.
	if d := res.Findings[2].Description; len(d) > scan.MaxText || !strings.HasSuffix(d, "…") {
		t.Errorf("expanded message: %d bytes", len(d))
	}
}

func TestSecretsHaveNoExcerpt(t *testing.T) {
	doc := log(`{"tool": {"driver": {"name": "T", "rules": [{"id": "aws", "properties": {"tags": ["secret"]}}, {"id": "x"}]}},
		"results": [{"ruleId": "aws", `+loc+`}, {"ruleId": "x", `+loc+`}]}`,
		`{"tool": {"driver": {"name": "trufflehog"}}, "results": [{"ruleId": "k", `+loc+`}]}`)
	res := scantest.ParseOK(t, Parse, "s.sarif", doc, collectors.Source{})
	if res.Findings[0].Excerpt != "" || res.Findings[1].Excerpt != "x := 1" || res.Findings[2].Excerpt != "" {
		t.Errorf("excerpts %q %q %q", res.Findings[0].Excerpt, res.Findings[1].Excerpt, res.Findings[2].Excerpt)
	}
}

// Each run has its own tool and, when it names a repository, its own API.
func TestRunsAndAPIs(t *testing.T) {
	doc := log(`{"tool": {"driver": {"name": "Semgrep OSS"}}, "versionControlProvenance": [{"repositoryUri": "https://github.com/acme/payments.git"}],
			"results": [{"ruleId": "a", `+loc+`}]}`,
		`{"tool": {"driver": {"name": "Trivy"}}, "results": []}`,
		`{"tool": {"driver": {}}, "results": [{"ruleId": "b"}]}`)
	res := scantest.ParseOK(t, Parse, "multi.sarif", doc, collectors.Source{})
	// One tested evidence per run: its API and its tool, results or not.
	if got := scopes(res); !slices.Equal(got, []string{"payments|Semgrep OSS", "multi|Trivy", "multi|sarif"}) {
		t.Errorf("evidence %q", got)
	}
	if res.Findings[0].Tool != "Semgrep OSS" || res.Findings[0].API != "payments" || res.Findings[1].Tool != "sarif" || res.Findings[1].API != "multi" {
		t.Errorf("findings %+v", res.Findings)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `runs[2].tool.driver.name is missing; the tool is called "sarif"`) {
		t.Errorf("warnings %q", res.Warnings)
	}
	// The source's api setting wins over the repository.
	r2, err := Parse("multi.sarif", doc, collectors.Source{API: "shop"})
	if got := scopes(r2); err != nil || !slices.Equal(got, []string{"shop|Semgrep OSS", "shop|Trivy", "shop|sarif"}) {
		t.Errorf("api setting: %v %q", err, got)
	}
	// api_map renames the repository.
	r3, err := Parse("multi.sarif", doc, collectors.Source{APIMap: map[string]string{"payments": "Payments API"}})
	if err != nil || r3.Evidence[0].API != "Payments API" {
		t.Errorf("api_map: %v %+v", err, r3)
	}
}

// Parts of a log that do not match the schema are warnings: the rest of
// the log is read.
func TestLooseParts(t *testing.T) {
	doc := log(`{"tool": {"driver": {"name": "T", "rules": [{"id": "r", "properties": {"tags": "not-a-list"}}]}},
		"originalUriBaseIds": [1], "invocations": {"x": 1},
		"results": [{"ruleId": "r", "level": 3}, 7, {"ruleId": "r", "message": {"text": "ok"}}]}`)
	res := scantest.ParseOK(t, Parse, "loose.sarif", doc, collectors.Source{})
	if len(res.Findings) != 1 || res.Findings[0].Description != "ok" {
		t.Fatalf("findings %+v", res.Findings)
	}
	for _, w := range []string{"runs[0].tool.driver: ", "runs[0].originalUriBaseIds: ", "runs[0].invocations: ",
		"runs[0].results[0]: level: a JSON number where a string is expected; result skipped", "runs[0].results[1] is not an object; skipped"} {
		found := false
		for _, g := range res.Warnings {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no warning %q in %q", w, res.Warnings)
		}
	}
}

// A rule's long lists are read once, not once per result, and bounded:
// 8000 tags on a rule with 8000 results (and a message prefix lookup
// among 1000 rules for each) stay linear.
func TestHostileScale(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [{"id": "r", "properties": {"tags": [`)
	for i := range 8000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"CWE-%d tag %d"`, i%900+1, i)
	}
	b.WriteString(`]}}`)
	for i := range 1000 {
		fmt.Fprintf(&b, `, {"id": "rule %d"}`, i)
	}
	b.WriteString(`]}}, "results": [`)
	for i := range 8000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "f%d.go"}}}]}, {"message": {"text": "rule %d found %s"}}`, i, i%1000, strings.Repeat("x ", 300))
	}
	b.WriteString(`]}]}`)
	start := time.Now()
	res := scantest.ParseOK(t, Parse, "big.sarif", []byte(b.String()), collectors.Source{})
	if len(res.Findings) != 9000 {
		t.Errorf("%d findings, want 8000 + 1000 distinct message rules", len(res.Findings))
	}
	if f := res.Findings[0]; f.CWE != 1 || len(f.Tags) > scan.MaxTags {
		t.Errorf("CWE %d, %d tags", f.CWE, len(f.Tags))
	}
	if f := res.Findings[1]; f.RuleID != "rule 0" {
		t.Errorf("message rule %q", f.RuleID)
	}
	t.Logf("%d bytes in %v", b.Len(), time.Since(start))
}

// scopes lists the (API, tool) pairs of a result's tested evidence.
func scopes(res *Result) []string {
	var out []string
	for _, ev := range res.Evidence {
		out = append(out, ev.API+"|"+ev.Location)
	}
	return out
}

// A clean scan (zero results) still scopes the import by the tool its
// findings would carry, so a re-scan that finds nothing fixes what the
// last one reported: ("api", "CodeQL"), not ("api", "sarif").
func TestCleanRunScopesItsTool(t *testing.T) {
	doc := log(`{"tool": {"driver": {"name": "CodeQL", "rules": [{"id": "py/sql-injection"}]}}, "results": []}`,
		`{"tool": {"driver": {"name": "gitleaks"}}, "results": [{"ruleId": "aws", "kind": "pass"}]}`)
	res := scantest.ParseOK(t, Parse, "clean.sarif", doc, collectors.Source{API: "api"})
	if len(res.Findings) != 0 || !slices.Equal(scopes(res), []string{"api|CodeQL", "api|gitleaks"}) {
		t.Errorf("findings %d, evidence %q", len(res.Findings), scopes(res))
	}
	// The same log with a result: the finding's Tool is that Location.
	dirty := log(`{"tool": {"driver": {"name": "CodeQL", "rules": [{"id": "py/sql-injection"}]}}, "results": [{"ruleId": "py/sql-injection"}]}`)
	res = scantest.ParseOK(t, Parse, "dirty.sarif", dirty, collectors.Source{API: "api"})
	if len(res.Findings) != 1 || res.Findings[0].Tool != "CodeQL" || !slices.Equal(scopes(res), []string{"api|CodeQL"}) {
		t.Errorf("findings %+v, evidence %q", res.Findings, scopes(res))
	}
}
