package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/testutil"

	yaml "go.yaml.in/yaml/v3"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("usage does not list %q", c.name)
		}
	}
	for _, c := range []string{"serve", "demo", "collect", "ingest", "verify", "migrate"} {
		code, _, errOut := runCLI(t, c, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: posture "+c) || !strings.Contains(errOut, "Flags:") {
			t.Errorf("%s --help: exit %d, %q", c, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "ingest", "--no-such-flag"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

type ingestLine struct {
	File        string `json:"file"`
	Kind        string `json:"kind"`
	OK          bool   `json:"ok"`
	Error       string `json:"error"`
	APIs        int    `json:"apis"`
	Endpoints   int    `json:"endpoints"`
	Evidence    int    `json:"evidence"`
	Findings    int    `json:"findings"`
	NewFindings int    `json:"new_findings"`
}

// The ingest --json contract: one object per file with every field, a bad
// file reported with its place and exit status 1, the good ones stored;
// verify then proves the chain.
func TestIngestJSONContractAndVerify(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	good := testutil.Corpus(t, "specs/openapi/vampi/openapi3.yml")
	bad := filepath.Join(dir, "truncated.yaml")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, data[:len(data)/2], 0o600)
	code, out, errOut := runCLI(t, "ingest", "--db", db, "--json", good, bad)
	if code != 1 {
		t.Fatalf("exit %d (stderr %q), want 1 because one file failed", code, errOut)
	}
	var lines []ingestLine
	var raw []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l ingestLine
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		json.Unmarshal(sc.Bytes(), &m)
		lines = append(lines, l)
		raw = append(raw, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per file:\n%s", len(lines), out)
	}
	for _, m := range raw {
		for _, k := range []string{"file", "kind", "ok", "apis", "endpoints", "evidence", "findings", "new_findings"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %v lacks %q", m, k)
			}
		}
	}
	byFile := map[string]ingestLine{}
	for _, l := range lines {
		byFile[l.File] = l
	}
	g, b := byFile[good], byFile[bad]
	if !g.OK || g.Kind != "openapi" || g.APIs != 1 || g.Endpoints == 0 || g.Evidence != g.Endpoints+1 {
		t.Errorf("good file: %+v", g)
	}
	if b.OK || !strings.Contains(b.Error, "truncated.yaml") {
		t.Errorf("bad file: %+v; want an error naming the file", b)
	}
	code, out, _ = runCLI(t, "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "OK: the evidence chain verifies") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	// Re-importing the same file adds a run but no new findings and the
	// chain still verifies.
	code, _, _ = runCLI(t, "ingest", "--db", db, good)
	if code != 0 {
		t.Fatalf("re-ingest exit %d", code)
	}
	if code, out, _ := runCLI(t, "verify", "--db", db, "--json"); code != 0 || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("verify --json after re-import: %d %s", code, out)
	}
}

func TestIngestUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "notes.txt")
	os.WriteFile(f, []byte("hello"), 0o600)
	code, out, _ := runCLI(t, "ingest", "--db", filepath.Join(dir, "p.db"), f)
	if code != 1 || !strings.Contains(out, "notes.txt: not a recognised format") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestMigrateStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	code, out, _ := runCLI(t, "migrate", "--db", db, "--status")
	if code != 0 || !strings.Contains(out, "pending: 0001_init.sql") {
		t.Fatalf("status on a new db: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "migrate", "--db", db)
	if code != 0 || !strings.Contains(out, "applied: 0001_init.sql") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "migrate", "--db", db)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %s", code, out)
	}
}

func TestTokenLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	code, out, _ := runCLI(t, "token", "create", "--db", db, "--name", "ci", "--role", "auditor")
	if code != 0 || !strings.HasPrefix(out, "pst_") {
		t.Fatalf("create: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "token", "create", "--db", db, "--name", "x", "--role", "root"); code == 0 || !strings.Contains(errOut, "unknown role") {
		t.Fatalf("bad role accepted: %d %s", code, errOut)
	}
	_, list, _ := runCLI(t, "token", "list", "--db", db)
	if !strings.Contains(list, "ci") || !strings.Contains(list, "active") || strings.Contains(list, strings.TrimSpace(out)) {
		t.Fatalf("list: %s", list)
	}
	if code, _, _ := runCLI(t, "token", "revoke", "--db", db, "1"); code != 0 {
		t.Fatalf("revoke exit %d", code)
	}
	_, list, _ = runCLI(t, "token", "list", "--db", db)
	if !strings.Contains(list, "revoked") {
		t.Fatalf("after revoke: %s", list)
	}
}

func TestCollectFromConfig(t *testing.T) {
	dir := t.TempDir()
	specs := testutil.Corpus(t, "specs/openapi/learn-openapis")
	cfg := filepath.Join(dir, "posture.yaml")
	os.WriteFile(cfg, []byte("sources:\n  - name: learn\n    kind: openapi\n    paths: ["+specs+"]\n  - name: missing\n    kind: openapi\n    paths: [does-not-exist.yaml]\n"), 0o600)
	code, out, _ := runCLI(t, "collect", "--config", cfg, "--db", filepath.Join(dir, "p.db"))
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one source fails)\n%s", code, out)
	}
	if !strings.Contains(out, "ok    learn") || !strings.Contains(out, "FAIL  missing") || !strings.Contains(out, "does-not-exist.yaml") {
		t.Fatalf("output:\n%s", out)
	}
	code, _, errOut := runCLI(t, "collect", "--config", cfg, "--db", filepath.Join(dir, "p.db"), "--source", "nope")
	if code == 0 || !strings.Contains(errOut, `"nope"`) {
		t.Fatalf("unknown --source: %d %s", code, errOut)
	}
}

// The demo's sources all have a collector built in, and the gateway
// configurations map onto APIs the sample specs declare.
func TestDemoSourcesAreComplete(t *testing.T) {
	cfg, err := demoConfig(":0", filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, s := range cfg.Sources {
		kinds[s.Kind]++
	}
	if kinds["openapi"] != 4 || kinds["kong"] != 1 || kinds["nginx"] != 1 {
		t.Fatalf("demo source kinds = %v, want 4 openapi, 1 kong, 1 nginx", kinds)
	}
}

// Hostile and broken inputs through the whole path (detection, collector,
// ingest transaction, run record): each fails with the file and the place
// named, each run is recorded as failed, and nothing is stored.
func TestBadInputsFailCleanlyAndStoreNothing(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bomb := "openapi: 3.0.3\ninfo: {title: b, version: '1'}\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 8; i++ {
		cur := string(rune('b' + i))
		bomb += cur + ": &" + cur + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = cur
	}
	bomb += "paths: {}\n"
	garbage := make([]byte, 50<<20)
	for i := range garbage {
		garbage[i] = byte(i*7919>>3) | 0x80
	}
	loop := `{"openapi":"3.0.3","info":{"title":"l","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},
"components":{"schemas":{"A":{"$ref":"#/components/schemas/B"},"B":{"$ref":"#/components/schemas/A"}}}}`
	cases := []struct {
		file string
		want []string
	}{
		{write("bomb.yaml", []byte(bomb)), []string{"bomb.yaml", "line ", "alias"}},
		{write("garbage.json", garbage), []string{"garbage.json"}},
		{write("loop.json", []byte(loop)), []string{"loop.json", "/components/schemas/"}},
	}
	db := filepath.Join(dir, "p.db")
	for _, tc := range cases {
		code, out, _ := runCLI(t, "ingest", "--db", db, "--kind", "openapi", "--json", tc.file)
		var l ingestLine
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &l); err != nil {
			t.Fatalf("%s: output %q", tc.file, out)
		}
		if code != 1 || l.OK {
			t.Errorf("%s: exit %d ok=%v, want a failure", filepath.Base(tc.file), code, l.OK)
		}
		for _, w := range tc.want {
			if !strings.Contains(l.Error, w) {
				t.Errorf("%s: error %q does not contain %q", filepath.Base(tc.file), l.Error, w)
			}
		}
	}
	// Nothing was stored, and every attempt is a failed run with its error.
	code, out, _ := runCLI(t, "verify", "--db", db, "--json")
	if code != 0 || !strings.Contains(out, `"records":0`) {
		t.Fatalf("verify after failed imports: %d %s", code, out)
	}
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var apis, failed, other int64
	st.DB.Model(&store.API{}).Count(&apis)
	st.DB.Model(&store.Run{}).Where("status = ? AND error <> ''", store.RunFailed).Count(&failed)
	st.DB.Model(&store.Run{}).Where("status <> ?", store.RunFailed).Count(&other)
	if apis != 0 || failed != 3 || other != 0 {
		t.Fatalf("apis=%d failed runs=%d other runs=%d; want 0, 3, 0", apis, failed, other)
	}
}

// A reference that cannot be followed does not fail the import: it is a
// warning, printed under the file and carried in --json.
func TestIngestReportsWarnings(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "orders.yaml")
	os.WriteFile(spec, []byte(`openapi: 3.0.3
info: {title: Orders, version: "1"}
paths:
  /orders:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "common.yaml#/Order"}
`), 0o600)
	db := filepath.Join(dir, "p.db")
	code, out, _ := runCLI(t, "ingest", "--db", db, spec)
	if code != 0 || !strings.Contains(out, "warning: "+spec+": ") || !strings.Contains(out, "common.yaml") {
		t.Fatalf("exit %d, want 0 and the missing common.yaml as a warning:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "ingest", "--db", db, "--json", spec)
	var l struct {
		OK       bool     `json:"ok"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || !l.OK || len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "does not exist") {
		t.Fatalf("exit %d, --json %s (%v)", code, out, err)
	}
}

// `posture audit` stores nothing and lists every failing fact; on VAmPI
// the high issues are exactly the operations without a security
// requirement, counted here straight from the YAML.
func TestAuditCommand(t *testing.T) {
	spec := testutil.Corpus(t, "specs/openapi/vampi/openapi3.yml")
	raw, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Security []any                                `yaml:"security"`
		Paths    map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	unauth := map[string]bool{}
	for p, item := range doc.Paths {
		for m, op := range item {
			if _, ok := op["security"]; !ok && len(doc.Security) == 0 {
				unauth[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	if len(unauth) == 0 {
		t.Fatal("test premise: VAmPI has operations without security")
	}
	code, out, errOut := runCLI(t, "audit", "--json", spec)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Issues []struct {
			Severity, Fact, Endpoint, File, Pointer, Message string
		}
		Errors []any
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	high := map[string]bool{}
	for _, is := range rep.Issues {
		if is.File != spec || is.Pointer == "" || strings.HasSuffix(is.Message, " is false") {
			t.Errorf("issue without its file, its pointer or a note saying what is wrong: %+v", is)
		}
		if is.Severity == "high" {
			if is.Fact != "auth.declared" {
				t.Errorf("high issue on %s, want only auth.declared: %+v", is.Fact, is)
			}
			high[is.Endpoint] = true
		}
	}
	if len(high) != len(unauth) || rep.Counts["high"] != len(unauth) {
		t.Errorf("high issues on %v (count %d), want the %d operations without security %v", high, rep.Counts["high"], len(unauth), unauth)
	}
	for ep := range unauth {
		if !high[ep] {
			t.Errorf("%s has no security but no high issue", ep)
		}
	}
	if code, _, _ := runCLI(t, "audit", "--fail-on", "high", spec); code != 1 {
		t.Errorf("--fail-on high with high issues: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "audit", "--fail-on", "critical", spec); code != 0 {
		t.Errorf("--fail-on critical without critical issues: exit %d, want 0", code)
	}
	if code, _, _ := runCLI(t, "audit", "--fail-on", "severe", spec); code != 2 {
		t.Errorf("--fail-on with a non-severity: exit %d, want 2", code)
	}
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(bad, raw[:len(raw)/3], 0o600)
	code, out, _ = runCLI(t, "audit", "--kind", "openapi", bad)
	if code != 1 || !strings.Contains(out, "error: ") || !strings.Contains(out, "broken.yaml") {
		t.Errorf("broken file: exit %d\n%s", code, out)
	}
}

// A URL is fetched, detected from its content and imported like a file.
func TestIngestAndAuditAURL(t *testing.T) {
	spec, err := os.ReadFile(testutil.Corpus(t, "specs/openapi/vampi/openapi3.yml"))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/openapi3.yml" {
			http.NotFound(w, r)
			return
		}
		w.Write(spec)
	}))
	defer ts.Close()
	db := filepath.Join(t.TempDir(), "p.db")
	code, out, errOut := runCLI(t, "ingest", "--db", db, ts.URL+"/v1/openapi3.yml")
	if code != 0 || !strings.Contains(out, "(openapi)") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "ingest", "--db", db, ts.URL+"/missing.yml")
	if code != 1 || !strings.Contains(out, "HTTP 404") {
		t.Fatalf("missing URL: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "audit", ts.URL+"/v1/openapi3.yml")
	if code != 0 || !strings.Contains(out, "/v1/openapi3.yml") || !strings.Contains(out, "issues:") {
		t.Fatalf("audit of a URL: exit %d\n%s", code, out)
	}
}

// Every real scan report imports; importing them all again changes
// nothing; a truncated report fails with its file named and leaves the
// stored findings as they were.
func TestScanCorpusImportsIdempotently(t *testing.T) {
	dir := testutil.Corpus(t, "scans")
	db := filepath.Join(t.TempDir(), "p.db")
	type line struct {
		File          string `json:"file"`
		Kind          string `json:"kind"`
		OK            bool   `json:"ok"`
		Error         string `json:"error"`
		Findings      int    `json:"findings"`
		NewFindings   int    `json:"new_findings"`
		FixedFindings int    `json:"fixed_findings"`
	}
	ingestAll := func() []line {
		t.Helper()
		code, out, errOut := runCLI(t, "ingest", "--db", db, "--json", dir)
		if code != 0 {
			t.Fatalf("ingest of the scan corpus: exit %d\n%s\n%s", code, out, errOut)
		}
		var ls []line
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("not JSON: %q", sc.Text())
			}
			ls = append(ls, l)
		}
		return ls
	}
	first := ingestAll()
	files := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files++
		}
		return nil
	})
	if len(first) != files {
		t.Fatalf("%d results for %d files in the scan corpus", len(first), files)
	}
	total := 0
	for _, l := range first {
		if !l.OK || l.Kind == "" {
			t.Errorf("%s: %+v", l.File, l)
		}
		total += l.NewFindings
	}
	if total == 0 {
		t.Fatal("the scan corpus gave no findings")
	}
	for _, l := range ingestAll() {
		if l.NewFindings != 0 || l.FixedFindings != 0 {
			t.Errorf("re-import of %s: %d new, %d fixed; want nothing to change", l.File, l.NewFindings, l.FixedFindings)
		}
	}
	count := func() int {
		code, out, _ := runCLI(t, "ingest", "--db", db, "--json", "--kind", "zap", filepath.Join(dir, "zap", "juicy2.xml"))
		if code != 0 {
			t.Fatalf("re-import juicy2: %s", out)
		}
		var l line
		json.Unmarshal([]byte(out), &l)
		return l.Findings
	}
	before := count()
	data, err := os.ReadFile(filepath.Join(dir, "zap", "juicy2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "juicy2.xml")
	os.WriteFile(bad, data[:len(data)/2], 0o600)
	code, out, _ := runCLI(t, "ingest", "--db", db, "--json", "--kind", "zap", bad)
	if code != 1 || !strings.Contains(out, "juicy2.xml") {
		t.Fatalf("truncated report: exit %d %s", code, out)
	}
	if after := count(); after != before {
		t.Errorf("a failed import changed what a good one finds: %d -> %d", before, after)
	}
}
