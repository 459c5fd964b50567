package oscal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
	"github.com/posture-dev/posture/internal/testutil"
)

// The tests read the document back with encoding/json into map[string]any,
// independent of the structs that wrote it, and check it against the
// OSCAL 1.1.2 assessment-results rules (required fields, UUID, date-time,
// token and string patterns) and against the official NIST catalog.

var (
	uuidV5Re = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	// OSCAL's StringDatatype and TokenDatatype patterns.
	stringRe = regexp.MustCompile(`^\S(.*\S)?$`)
	tokenRe  = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)
)

func mustCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func render(t testing.TB, r report.Report, cat *catalog.Catalog) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, r, cat); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parse(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return doc
}

// Navigation helpers over the untyped document; a wrong type fails the
// test with the path.
func obj(t testing.TB, v any, path string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want object, got %T", path, v)
	}
	return m
}

func arr(t testing.TB, v any, path string) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want array, got %T", path, v)
	}
	if len(a) == 0 {
		t.Fatalf("%s: empty array (OSCAL arrays have minItems 1)", path)
	}
	return a
}

func str(t testing.TB, v any, path string) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s: want string, got %T", path, v)
	}
	return s
}

func when(t testing.TB, v any, path string) time.Time {
	t.Helper()
	s := str(t, v, path)
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s: %q is not RFC 3339: %v", path, s, err)
	}
	if !strings.HasSuffix(s, "Z") {
		t.Errorf("%s: %q is not UTC", path, s)
	}
	return tm
}

func result(t testing.TB, doc map[string]any) map[string]any {
	t.Helper()
	ar := obj(t, doc["assessment-results"], "assessment-results")
	rs := arr(t, ar["results"], "results")
	if len(rs) != 1 {
		t.Fatalf("results: %d, want 1", len(rs))
	}
	return obj(t, rs[0], "results[0]")
}

// items returns the array at key, or nil when the key is absent (an empty
// array would be invalid and fails).
func items(t testing.TB, m map[string]any, key string) []any {
	t.Helper()
	v, ok := m[key]
	if !ok {
		return nil
	}
	return arr(t, v, key)
}

// propValue returns the value of the posture property name, "" when absent.
func propValue(t testing.TB, m map[string]any, name string) string {
	t.Helper()
	for _, p := range items(t, m, "props") {
		p := obj(t, p, "prop")
		if p["name"] == name && p["ns"] == NS {
			return str(t, p["value"], "prop "+name)
		}
	}
	return ""
}

// checkDoc enforces, over the whole document, the rules every OSCAL
// assessment-results document must meet: required fields, every uuid a v5
// UUID and unique, dates RFC 3339 in UTC, property names tokens and values
// single-line trimmed strings, and every uuid reference resolving.
func checkDoc(t *testing.T, doc map[string]any) {
	t.Helper()
	if len(doc) != 1 {
		t.Errorf("root has %d keys, want only assessment-results", len(doc))
	}
	ar := obj(t, doc["assessment-results"], "assessment-results")
	for _, k := range []string{"uuid", "metadata", "import-ap", "results"} {
		if _, ok := ar[k]; !ok {
			t.Errorf("assessment-results.%s missing", k)
		}
	}
	md := obj(t, ar["metadata"], "metadata")
	if str(t, md["title"], "metadata.title") == "" {
		t.Error("metadata.title empty")
	}
	when(t, md["last-modified"], "metadata.last-modified")
	if !stringRe.MatchString(str(t, md["version"], "metadata.version")) {
		t.Errorf("metadata.version %q is not an OSCAL string", md["version"])
	}
	if v := str(t, md["oscal-version"], "metadata.oscal-version"); v != "1.1.2" {
		t.Errorf("oscal-version %q, want 1.1.2", v)
	}
	href := str(t, obj(t, ar["import-ap"], "import-ap")["href"], "import-ap.href")
	if u, err := url.Parse(href); err != nil || href == "" || strings.HasPrefix(href, "#") || u.Path == "" {
		t.Errorf("import-ap.href %q: want a resolvable relative reference or URN", href)
	}
	res := result(t, doc)
	for _, k := range []string{"uuid", "title", "description", "start", "reviewed-controls"} {
		if _, ok := res[k]; !ok {
			t.Errorf("result.%s missing", k)
		}
	}
	str(t, res["title"], "result.title")
	str(t, res["description"], "result.description")
	rc := obj(t, res["reviewed-controls"], "reviewed-controls")
	arr(t, rc["control-selections"], "control-selections")

	uuids := map[string]string{}
	refs := map[string][]string{} // reference key -> values
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := path + "." + k
				switch k {
				case "uuid":
					s := str(t, x, p)
					if !uuidV5Re.MatchString(s) {
						t.Errorf("%s: %q is not a version 5 UUID", p, s)
					}
					if prev, dup := uuids[s]; dup {
						t.Errorf("%s: uuid %s already used at %s", p, s, prev)
					}
					uuids[s] = p
				case "subject-uuid", "observation-uuid", "risk-uuid", "component-uuid":
					refs[k] = append(refs[k], str(t, x, p))
				case "last-modified", "published", "start", "end", "collected", "deadline":
					when(t, x, p)
				case "props":
					for i, pr := range arr(t, x, p) {
						pr := obj(t, pr, fmt.Sprintf("%s[%d]", p, i))
						if n := str(t, pr["name"], p+".name"); !tokenRe.MatchString(n) {
							t.Errorf("%s: name %q is not a token", p, n)
						}
						if val := str(t, pr["value"], p+".value"); !stringRe.MatchString(val) {
							t.Errorf("%s: value %q is not an OSCAL string", p, val)
						}
					}
				case "control-id", "target-id":
					if s := str(t, x, p); !tokenRe.MatchString(s) {
						t.Errorf("%s: %q is not a token", p, s)
					}
				}
				if a, ok := x.([]any); ok && len(a) == 0 {
					t.Errorf("%s: empty array", p)
				}
				walk(x, p)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(doc, "")

	// References resolve to the right kind of object.
	kinds := map[string]map[string]bool{}
	collect := func(kind string, items []any) {
		kinds[kind] = map[string]bool{}
		for _, it := range items {
			kinds[kind][str(t, obj(t, it, kind)["uuid"], kind+".uuid")] = true
		}
	}
	ld := obj(t, res["local-definitions"], "local-definitions")
	collect("component", items(t, ld, "components"))
	assets := obj(t, ld["assessment-assets"], "assessment-assets")
	tools := items(t, assets, "components")
	collect("tool", tools)
	collect("observation", items(t, res, "observations"))
	collect("risk", items(t, res, "risks"))
	for key, kind := range map[string]string{"subject-uuid": "component", "observation-uuid": "observation", "risk-uuid": "risk", "component-uuid": "tool"} {
		for _, u := range refs[key] {
			if !kinds[kind][u] {
				t.Errorf("%s %s does not name a %s in the document", key, u, kind)
			}
		}
	}
	for i, f := range items(t, res, "findings") {
		f := obj(t, f, fmt.Sprintf("findings[%d]", i))
		tg := obj(t, f["target"], "target")
		if tg["type"] != "objective-id" {
			t.Errorf("finding %d: target type %v", i, tg["type"])
		}
		st := obj(t, tg["status"], "target.status")
		if s := st["state"]; s != "satisfied" && s != "not-satisfied" {
			t.Errorf("finding %d: state %v", i, s)
		}
		str(t, f["title"], "finding.title")
		str(t, f["description"], "finding.description")
	}
	for i, o := range items(t, res, "observations") {
		o := obj(t, o, fmt.Sprintf("observations[%d]", i))
		str(t, o["description"], "observation.description")
		when(t, o["collected"], "observation.collected")
		for _, m := range arr(t, o["methods"], "methods") {
			if m != "EXAMINE" && m != "TEST" {
				t.Errorf("observation %d: method %v", i, m)
			}
		}
	}
	for i, r := range items(t, res, "risks") {
		r := obj(t, r, fmt.Sprintf("risks[%d]", i))
		for _, k := range []string{"title", "description", "statement", "status"} {
			str(t, r[k], "risk."+k)
		}
	}
}

// officialControls loads every control and enhancement id of the official
// NIST SP 800-53 rev5 OSCAL catalog, true when withdrawn.
func officialControls(t *testing.T) map[string]bool {
	t.Helper()
	path := filepath.Join(testutil.SharedDir(t), "data", "oscal", "NIST_SP-800-53_rev5_catalog.json")
	b, err := os.ReadFile(path)
	if err != nil {
		testutil.Missing(t, "the official NIST SP 800-53 rev5 OSCAL catalog ("+path+")", "shared/data/oscal")
	}
	type control struct {
		ID    string `json:"id"`
		Props []struct {
			Name, Value string
		} `json:"props"`
		Controls []control `json:"controls"`
	}
	var cat struct {
		Catalog struct {
			Groups []struct {
				Controls []control `json:"controls"`
			} `json:"groups"`
		} `json:"catalog"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var add func(cs []control)
	add = func(cs []control) {
		for _, c := range cs {
			withdrawn := false
			for _, p := range c.Props {
				if p.Name == "status" && p.Value == "withdrawn" {
					withdrawn = true
				}
			}
			ids[c.ID] = withdrawn
			add(c.Controls)
		}
	}
	for _, g := range cat.Catalog.Groups {
		add(g.Controls)
	}
	if len(ids) < 1000 {
		t.Fatalf("official catalog: only %d controls read", len(ids))
	}
	return ids
}

// oscalID is the test's own conversion ("SC-7(5)" -> "sc-7.5").
func oscalID(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, "(", ".")
	return strings.ReplaceAll(s, ")", "")
}

func TestDocumentFields(t *testing.T) {
	r := reporttest.Sample(5, 400)
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)

	ar := obj(t, doc["assessment-results"], "assessment-results")
	md := obj(t, ar["metadata"], "metadata")
	if got := when(t, md["last-modified"], "last-modified"); !got.Equal(r.GeneratedAt) {
		t.Errorf("last-modified %v, want GeneratedAt %v", got, r.GeneratedAt)
	}
	if got := propValue(t, md, "chain-seq"); got != fmt.Sprint(r.Chain.Seq) {
		t.Errorf("chain-seq %q, want %d", got, r.Chain.Seq)
	}
	if got := propValue(t, md, "chain-head-hash"); got != r.Chain.Hash {
		t.Errorf("chain-head-hash %q, want %q", got, r.Chain.Hash)
	}
	if got := propValue(t, md, "scope"); got != r.Scope.String() {
		t.Errorf("scope %q, want %q", got, r.Scope.String())
	}
	res := result(t, doc)
	if got := when(t, res["start"], "start"); !got.Equal(r.From) {
		t.Errorf("start %v, want From %v", got, r.From)
	}
	if got := when(t, res["end"], "end"); !got.Equal(r.AsOf) {
		t.Errorf("end %v, want AsOf %v", got, r.AsOf)
	}
	if d := str(t, res["description"], "description"); !strings.Contains(d, r.Chain.Hash) {
		t.Errorf("result description does not carry the chain head: %q", d)
	}
	comps := items(t, obj(t, res["local-definitions"], "ld"), "components")
	if len(comps) != len(r.APIs) {
		t.Errorf("%d API components, want %d", len(comps), len(r.APIs))
	}
}

func TestControlIDsExistInOfficialCatalog(t *testing.T) {
	official := officialControls(t)
	r := reporttest.Sample(4, 100)
	doc := parse(t, render(t, r, mustCatalog(t)))
	res := result(t, doc)

	want := map[string]bool{}
	for _, c := range r.Controls {
		for _, id := range c.NIST80053 {
			want[oscalID(id)] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("sample controls map to no 800-53 control")
	}
	got := map[string]bool{}
	sel := arr(t, obj(t, res["reviewed-controls"], "rc")["control-selections"], "control-selections")
	for _, s := range sel {
		for _, ic := range items(t, obj(t, s, "selection"), "include-controls") {
			got[str(t, obj(t, ic, "include")["control-id"], "control-id")] = true
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("reviewed-controls misses %s", id)
		}
	}
	for id := range got {
		if !want[id] {
			t.Errorf("reviewed-controls has %s, which no catalog control references", id)
		}
	}
	emitted := map[string]bool{}
	for id := range got {
		emitted[id] = true
	}
	for _, f := range items(t, res, "findings") {
		emitted[str(t, obj(t, obj(t, f, "finding")["target"], "target")["target-id"], "target-id")] = true
	}
	for id := range emitted {
		withdrawn, ok := official[id]
		switch {
		case !ok:
			t.Errorf("control id %q is not in the official NIST SP 800-53 rev5 catalog", id)
		case withdrawn:
			t.Errorf("control id %q is withdrawn in the official catalog", id)
		}
	}
}

func TestFindingsPerResultAndControl(t *testing.T) {
	r := reporttest.Sample(6, 50)
	doc := parse(t, render(t, r, mustCatalog(t)))
	res := result(t, doc)

	nist := map[string][]string{}
	for _, c := range r.Controls {
		for _, id := range c.NIST80053 {
			if !slices.Contains(nist[c.ID], oscalID(id)) {
				nist[c.ID] = append(nist[c.ID], oscalID(id))
			}
		}
	}
	type key struct{ api, control, nist string }
	want := map[key]string{} // -> posture status
	wantState := map[string]int{}
	for _, rs := range r.Results {
		for _, id := range nist[rs.ControlID] {
			want[key{rs.API, rs.ControlID, id}] = rs.Status
			if rs.Status == "pass" || rs.Status == "not_applicable" {
				wantState["satisfied"]++
			} else {
				wantState["not-satisfied"]++
			}
		}
	}
	fs := items(t, res, "findings")
	if len(fs) != len(want) {
		t.Fatalf("%d findings, want %d (one per API, control and 800-53 id)", len(fs), len(want))
	}
	gotState := map[string]int{}
	unknown := 0
	seen := map[key]bool{}
	for i, f := range fs {
		f := obj(t, f, "finding")
		tg := obj(t, f["target"], "target")
		st := obj(t, tg["status"], "status")
		k := key{propValue(t, f, "api"), propValue(t, f, "posture-control-id"), str(t, tg["target-id"], "target-id")}
		status, ok := want[k]
		if !ok {
			t.Errorf("finding %d: unexpected %+v", i, k)
			continue
		}
		if seen[k] {
			t.Errorf("finding %d: %+v twice", i, k)
		}
		seen[k] = true
		gotState[str(t, st["state"], "state")]++
		if got := propValue(t, f, "status"); got != status {
			t.Errorf("finding %d %+v: status prop %q, want %q", i, k, got, status)
		}
		switch status {
		case "pass":
			if st["state"] != "satisfied" {
				t.Errorf("finding %d: pass is %v", i, st["state"])
			}
		case "fail", "partial":
			if st["state"] != "not-satisfied" {
				t.Errorf("finding %d: %s is %v", i, status, st["state"])
			}
		case "unknown":
			unknown++
			if st["state"] != "not-satisfied" {
				t.Errorf("finding %d: unknown is %v", i, st["state"])
			}
			if rm, _ := st["remarks"].(string); !strings.Contains(strings.ToLower(rm), "evidence") {
				t.Errorf("finding %d: unknown without a remark on the missing evidence: %q", i, rm)
			}
		}
	}
	if gotState["satisfied"] != wantState["satisfied"] || gotState["not-satisfied"] != wantState["not-satisfied"] {
		t.Errorf("states %v, want %v", gotState, wantState)
	}
	if unknown == 0 {
		t.Error("the sample has no unknown result; the unknown mapping went untested")
	}
}

func TestObservationsTraceEvidence(t *testing.T) {
	r := reporttest.Sample(3, 0)
	doc := parse(t, render(t, r, mustCatalog(t)))
	res := result(t, doc)

	refs := map[string]report.EvidenceRef{}
	for _, rs := range r.Results {
		for _, e := range rs.Evidence {
			refs[fmt.Sprint(e.ID)] = e
		}
	}
	obs := items(t, res, "observations")
	if len(obs) != len(refs) {
		t.Fatalf("%d observations, want %d (one per evidence record)", len(obs), len(refs))
	}
	byUUID := map[string]string{} // observation uuid -> evidence id
	for _, o := range obs {
		o := obj(t, o, "observation")
		id := propValue(t, o, "evidence-id")
		ref, ok := refs[id]
		if !ok {
			t.Fatalf("observation for unknown evidence %q", id)
		}
		byUUID[str(t, o["uuid"], "uuid")] = id
		if got := when(t, o["collected"], "collected"); !got.Equal(ref.ObservedAt) {
			t.Errorf("evidence %s: collected %v, want %v", id, got, ref.ObservedAt)
		}
		ev := obj(t, arr(t, o["relevant-evidence"], "relevant-evidence")[0], "relevant-evidence")
		if got := propValue(t, ev, "evidence-hash"); got != ref.Hash {
			t.Errorf("evidence %s: hash %q, want %q", id, got, ref.Hash)
		}
		str(t, ev["description"], "relevant-evidence.description")
		// The sample's evidence is OpenAPI specifications: examined.
		if m := arr(t, o["methods"], "methods"); len(m) != 1 || m[0] != "EXAMINE" {
			t.Errorf("evidence %s: methods %v", id, m)
		}
		if len(arr(t, o["subjects"], "subjects")) != 1 {
			t.Errorf("evidence %s: want one subject", id)
		}
	}
	// Every finding points at exactly its result's evidence.
	resultEvidence := map[string][]string{}
	for _, rs := range r.Results {
		for _, e := range rs.Evidence {
			resultEvidence[rs.API+"|"+rs.ControlID] = append(resultEvidence[rs.API+"|"+rs.ControlID], fmt.Sprint(e.ID))
		}
	}
	for _, f := range items(t, res, "findings") {
		f := obj(t, f, "finding")
		var got []string
		for _, ro := range items(t, f, "related-observations") {
			got = append(got, byUUID[str(t, obj(t, ro, "ro")["observation-uuid"], "observation-uuid")])
		}
		want := resultEvidence[propValue(t, f, "api")+"|"+propValue(t, f, "posture-control-id")]
		if !slices.Equal(got, want) {
			t.Errorf("finding %v: evidence %v, want %v", f["title"], got, want)
		}
	}
}

// openSevere counts, from the report's own stream, the findings that must
// become risks, in stream order.
func openSevere(t *testing.T, r report.Report) []string {
	var ids []string
	for f, err := range r.Findings {
		if err != nil {
			t.Fatal(err)
		}
		if (f.Status == "open" || f.Status == "in_progress") && (f.Severity == "critical" || f.Severity == "high") && f.DuplicateOf == nil {
			ids = append(ids, fmt.Sprint(f.ID))
		}
	}
	return ids
}

func TestRisksOpenCriticalHigh(t *testing.T) {
	r := reporttest.Sample(3, 300)
	want := openSevere(t, r)
	if len(want) < 10 {
		t.Fatalf("sample has only %d open critical/high findings", len(want))
	}
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)
	res := result(t, doc)
	var got []string
	for _, rk := range items(t, res, "risks") {
		rk := obj(t, rk, "risk")
		got = append(got, propValue(t, rk, "finding-id"))
		if s := rk["status"]; s != "open" && s != "remediating" {
			t.Errorf("risk status %v", s)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("risks for findings %v, want %v", got, want)
	}
	if rm, _ := res["remarks"].(string); strings.Contains(rm, "left out") {
		t.Errorf("remarks say risks were cut, none were: %q", rm)
	}
}

func TestRisksBounded(t *testing.T) {
	defer func(n int) { maxRisks = n }(maxRisks)
	maxRisks = 5
	r := reporttest.Sample(3, 300)
	want := openSevere(t, r)
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)
	res := result(t, doc)
	rs := items(t, res, "risks")
	if len(rs) != 5 {
		t.Fatalf("%d risks, want the bound 5", len(rs))
	}
	if got := propValue(t, obj(t, rs[0], "risk"), "finding-id"); got != want[0] {
		t.Errorf("first risk is finding %s, want the worst, %s", got, want[0])
	}
	rm := str(t, res["remarks"], "remarks")
	if !strings.Contains(rm, fmt.Sprintf("%d more were left out", len(want)-5)) {
		t.Errorf("remarks do not say %d risks were cut: %q", len(want)-5, rm)
	}
}

func TestDeterministic(t *testing.T) {
	cat := mustCatalog(t)
	a := render(t, reporttest.Sample(4, 200), cat)
	b := render(t, reporttest.Sample(4, 200), cat)
	if !bytes.Equal(a, b) {
		t.Fatal("the same report gave different documents")
	}
	// A rendering at another time is another document of the same result.
	r := reporttest.Sample(4, 200)
	r.GeneratedAt = r.GeneratedAt.Add(time.Minute)
	c := render(t, r, cat)
	da, dc := parse(t, a), parse(t, c)
	ua := obj(t, da["assessment-results"], "ar")["uuid"]
	uc := obj(t, dc["assessment-results"], "ar")["uuid"]
	if ua == uc {
		t.Error("document uuid did not change with the generation time")
	}
	if result(t, da)["uuid"] != result(t, dc)["uuid"] {
		t.Error("result uuid changed with the generation time only")
	}
}

func TestEmptyReport(t *testing.T) {
	for _, cat := range []*catalog.Catalog{mustCatalog(t), nil} {
		doc := parse(t, render(t, report.Report{}, cat))
		checkDoc(t, doc)
		res := result(t, doc)
		for _, k := range []string{"observations", "risks", "findings"} {
			if _, ok := res[k]; ok {
				t.Errorf("empty report has %s", k)
			}
		}
		rm := str(t, res["remarks"], "remarks")
		for _, want := range []string{"No control results in scope", "No evidence in scope", "No open critical or high findings"} {
			if !strings.Contains(rm, want) {
				t.Errorf("remarks miss %q: %q", want, rm)
			}
		}
		md := obj(t, obj(t, doc["assessment-results"], "ar")["metadata"], "metadata")
		if rm, _ := md["remarks"].(string); !strings.Contains(rm, "stands in") {
			t.Errorf("metadata does not explain the missing times: %q", rm)
		}
	}
}

func TestOddData(t *testing.T) {
	r := reporttest.Sample(2, 0)
	r.Title = "Sécurité des API — 東京\nsecond line"
	r.Scope = report.Scope{Kind: report.ScopeTeam, Name: "  paiements\t€ "}
	r.Controls = append(r.Controls, report.Control{ID: "ODD-1", Title: "Odd", NIST80053: []string{"XX-999", "garbage", "AC-3", " ac-3 ", "AC-2(999)"}})
	r.Results = append(r.Results,
		report.Result{API: "api-0000", ControlID: "ODD-1", Status: "weird", Reason: "=cmd|' /C calc'!A0",
			Evidence: []report.EvidenceRef{{ID: 999999, Hash: "abc"}}}, // no ObservedAt
		report.Result{API: "ghost-api", ControlID: "NOT-IN-CATALOG", Status: "pass"},
		report.Result{API: "api-0000", ControlID: "ODD-1", Status: "pass"}, // the same pair again
	)
	r.From = time.Time{}
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)
	md := obj(t, obj(t, doc["assessment-results"], "ar")["metadata"], "metadata")
	if !strings.Contains(str(t, md["title"], "title"), "東京") {
		t.Errorf("title lost its non-Latin text: %q", md["title"])
	}
	if got := propValue(t, md, "scope-name"); got != "paiements €" {
		t.Errorf("scope-name %q", got)
	}
	res := result(t, doc)
	var odd int
	for _, f := range items(t, res, "findings") {
		f := obj(t, f, "finding")
		if propValue(t, f, "posture-control-id") != "ODD-1" {
			continue
		}
		odd++
		if id := obj(t, f["target"], "target")["target-id"]; id != "ac-3" {
			t.Errorf("odd control targets %v, want only ac-3", id)
		}
	}
	if odd != 2 {
		t.Errorf("%d findings for the odd control, want 2 (one per listed result)", odd)
	}
	rm := str(t, res["remarks"], "remarks")
	for _, want := range []string{"XX-999", "garbage", "AC-2(999)", "1 control results have no finding"} {
		if !strings.Contains(rm, want) {
			t.Errorf("remarks miss %q: %q", want, rm)
		}
	}
	if when(t, res["start"], "start") != when(t, res["end"], "end") {
		t.Error("a report without From should start at AsOf")
	}
}

var errBoom = errors.New("boom")

func failing[T any](after int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for i := 0; i < after; i++ {
			if !yield(zero, nil) {
				return
			}
		}
		yield(zero, errBoom)
	}
}

func TestIteratorErrors(t *testing.T) {
	for name, mutate := range map[string]func(*report.Report){
		"findings": func(r *report.Report) { r.Findings = failing[report.Finding](3) },
		"evidence": func(r *report.Report) { r.Evidence = failing[report.EvidenceRecord](3) },
	} {
		r := reporttest.Sample(2, 10)
		mutate(&r)
		var buf bytes.Buffer
		err := Write(context.Background(), &buf, r, mustCatalog(t))
		if !errors.Is(err, errBoom) {
			t.Errorf("%s: error %v, want the iterator's", name, err)
			continue
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), " 4:") {
			t.Errorf("%s: error %q does not say where", name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", name, buf.Len())
		}
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, &bytes.Buffer{}, reporttest.Sample(2, 10), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

type brokenWriter struct{ n int }

func (w *brokenWriter) Write(p []byte) (int, error) {
	if w.n += len(p); w.n > 100<<10 {
		return 0, errBoom
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	err := Write(context.Background(), &brokenWriter{}, reporttest.Sample(5, 10), mustCatalog(t))
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "oscal: write") {
		t.Errorf("error %v, want the writer's, wrapped", err)
	}
}

func TestUUID5(t *testing.T) {
	// RFC 4122 name-based SHA-1 UUID of "python.org" in the DNS name
	// space, as Python's uuid.uuid5 and every other implementation give.
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	u := uuid5bytes(dns, "python.org")
	if got := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuid5(dns, python.org) = %s", got)
	}
	if a, b := uuid5("x"), uuid5("y"); a == b || !uuidV5Re.MatchString(a) {
		t.Errorf("uuid5: %s %s", a, b)
	}
}

func TestControlID(t *testing.T) {
	for in, want := range map[string]string{
		"AC-3": "ac-3", "SC-7(5)": "sc-7.5", "AC-3(13)": "ac-3.13", " si-10 ": "si-10", "sc-7.17": "sc-7.17",
		"AC": "", "AC-": "", "AC-x": "", "A-3": "", "AC-3(": "", "AC-3()": "", "AC-0": "", "AC-3(5": "", "ÄC-3": "", "AC-99999": "",
	} {
		got, ok := controlID(in)
		if got != want || ok != (want != "") {
			t.Errorf("controlID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestMethodsFromCollector(t *testing.T) {
	r := reporttest.Sample(1, 0)
	var refs []report.EvidenceRef
	for _, rs := range r.Results {
		refs = append(refs, rs.Evidence...)
	}
	if len(refs) < 3 {
		t.Fatal("sample has too little evidence")
	}
	dast, spec, other := refs[0], refs[1], refs[2]
	r.Evidence = func(yield func(report.EvidenceRecord, error) bool) {
		for _, rec := range []report.EvidenceRecord{
			{ID: dast.ID, Hash: dast.Hash, Seq: 42, Collector: "zap", Location: "scans/zap.json", ArtifactSHA256: strings.Repeat("a", 64)},
			{ID: spec.ID, Hash: spec.Hash, Seq: 43, Collector: "openapi", Endpoint: "GET /orders"},
			{ID: other.ID, Hash: "not-its-hash", Seq: 44, Collector: "zap"}, // another record with the same id: ignored
		} {
			if !yield(rec, nil) {
				return
			}
		}
	}
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)
	byID := map[string]map[string]any{}
	for _, o := range items(t, result(t, doc), "observations") {
		o := obj(t, o, "observation")
		byID[propValue(t, o, "evidence-id")] = o
	}
	check := func(ref report.EvidenceRef, method, seq string) {
		t.Helper()
		o := byID[fmt.Sprint(ref.ID)]
		if o == nil {
			t.Fatalf("no observation for evidence %d", ref.ID)
		}
		if m := arr(t, o["methods"], "methods"); len(m) != 1 || m[0] != method {
			t.Errorf("evidence %d: methods %v, want %s", ref.ID, m, method)
		}
		if got := propValue(t, o, "chain-seq"); got != seq {
			t.Errorf("evidence %d: chain-seq %q, want %q", ref.ID, got, seq)
		}
	}
	check(dast, "TEST", "42")
	check(spec, "EXAMINE", "43")
	check(other, "EXAMINE", "")
	ev := obj(t, arr(t, byID[fmt.Sprint(dast.ID)]["relevant-evidence"], "re")[0], "re")
	if got := propValue(t, ev, "artifact-sha256"); got != strings.Repeat("a", 64) {
		t.Errorf("artifact hash %q", got)
	}
}

func TestRiskDetails(t *testing.T) {
	due := reporttest.Epoch.AddDate(0, 0, 7)
	one := int64(1)
	fs := []report.Finding{
		{ID: 1, API: "api-0000", Severity: "critical", Status: "open", Title: "SQL injection", CWE: 89, TrackerURL: "https://tracker.example/SEC-1", DueAt: &due},
		{ID: 2, API: "api-0000", Severity: "high", Status: "open", DuplicateOf: &one},
		{ID: 3, API: "api-0000", Severity: "high", Status: "in_progress", TrackerURL: "not a url"},
		{ID: 4, API: "api-0000", Severity: "medium", Status: "open"},
		{ID: 5, API: "api-0000", Severity: "critical", Status: "fixed"},
	}
	r := reporttest.Sample(1, 0)
	r.Findings = func(yield func(report.Finding, error) bool) {
		for _, f := range fs {
			if !yield(f, nil) {
				return
			}
		}
	}
	r.Results[0].CappedBy = []int64{1, 4}
	doc := parse(t, render(t, r, mustCatalog(t)))
	checkDoc(t, doc)
	res := result(t, doc)
	rs := items(t, res, "risks")
	if len(rs) != 2 {
		t.Fatalf("%d risks, want 2 (findings 1 and 3)", len(rs))
	}
	r1, r3 := obj(t, rs[0], "risk"), obj(t, rs[1], "risk")
	if propValue(t, r1, "finding-id") != "1" || propValue(t, r3, "finding-id") != "3" {
		t.Fatalf("risks for findings %s, %s", propValue(t, r1, "finding-id"), propValue(t, r3, "finding-id"))
	}
	if !when(t, r1["deadline"], "deadline").Equal(due) {
		t.Errorf("deadline %v, want %v", r1["deadline"], due)
	}
	if l := obj(t, arr(t, r1["links"], "links")[0], "link"); l["href"] != "https://tracker.example/SEC-1" {
		t.Errorf("tracker link %v", l)
	}
	if th := obj(t, arr(t, r1["threat-ids"], "threat-ids")[0], "threat"); !strings.HasSuffix(str(t, th["id"], "id"), "/89.html") {
		t.Errorf("threat id %v", th)
	}
	if r3["status"] != "remediating" || r3["links"] != nil {
		t.Errorf("in-progress risk: status %v, links %v", r3["status"], r3["links"])
	}
	if rm := str(t, res["remarks"], "remarks"); !strings.Contains(rm, "1 open critical or high findings are duplicates") {
		t.Errorf("remarks do not mention the duplicate: %q", rm)
	}
	// The first result was capped by findings 1 (a risk) and 4 (medium,
	// not a risk): its findings relate to risk 1 only.
	first := r.Results[0]
	for _, f := range items(t, res, "findings") {
		f := obj(t, f, "finding")
		rr := items(t, f, "related-risks")
		mine := propValue(t, f, "api") == first.API && propValue(t, f, "posture-control-id") == first.ControlID
		switch {
		case mine && (len(rr) != 1 || obj(t, rr[0], "rr")["risk-uuid"] != r1["uuid"]):
			t.Errorf("capped result's related risks %v, want risk 1", rr)
		case !mine && rr != nil:
			t.Errorf("finding %v relates to risks %v", f["title"], rr)
		}
	}
}
