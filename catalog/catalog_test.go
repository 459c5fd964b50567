package catalog_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
)

func mustDefault(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatalf("embedded catalog does not load: %v", err)
	}
	return c
}

func TestDefaultValidates(t *testing.T) {
	c := mustDefault(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("embedded catalog invalid: %v", err)
	}
	if c2, _ := catalog.Default(); c2 != c {
		t.Error("Default parsed the data twice")
	}
	if c.Version == "" {
		t.Error("catalog has no version")
	}
	for _, ctl := range c.Controls {
		if ctl.Weight <= 0 {
			t.Errorf("%s: weight %v", ctl.ID, ctl.Weight)
		}
		if len(ctl.Guidance) < 40 || len(ctl.Rationale) < 40 {
			t.Errorf("%s: guidance or rationale too thin", ctl.ID)
		}
	}
}

// minimum lists, per cell, the facts or evaluators that design.md's
// "Minimum content" requires some control of that cell to test.
var minimum = map[catalog.Cell][]string{
	{Tier: catalog.TierPreRuntime, Level: catalog.LevelBasic}: {
		"evaluator:inventory", collectors.FactSpecPresent, collectors.FactRequestSchemaDefined,
		collectors.FactRequestBounded, collectors.FactRequestStrict, collectors.FactResponseSchemaDefined,
		collectors.FactAuthDeclared, "evaluator:security_testing", collectors.FactSpecVersionDeclared,
		collectors.FactResponseErrorsDocumented,
	},
	{Tier: catalog.TierPreRuntime, Level: catalog.LevelAdvanced}: {
		collectors.FactDataSensitivityAnnotated, collectors.FactDataSemanticTypes,
		collectors.FactAuthScopesDeclared, collectors.FactGatewayInSync, "evaluator:maturity_metrics",
	},
	{Tier: catalog.TierRuntime, Level: catalog.LevelBasic}: {
		collectors.FactTLSEnforced, collectors.FactAuthEnforced, collectors.FactAuthzEnforced,
		collectors.FactValidationEnforced, collectors.FactRateLimitEnabled, collectors.FactTimeoutConfigured,
		collectors.FactBodySizeLimited, collectors.FactLoggingEnabled, collectors.FactCORSRestricted,
		collectors.FactSecurityHeaders,
	},
	{Tier: catalog.TierRuntime, Level: catalog.LevelAdvanced}: {
		collectors.FactAuthzFieldLevel, collectors.FactResponseValidated, collectors.FactResponseRedacted,
		collectors.FactPolicyPerCall, collectors.FactEnforcementMode, collectors.FactMTLSUpstream,
		collectors.FactEgressControlled, collectors.FactTrafficMonitored,
	},
}

func TestMinimumContent(t *testing.T) {
	c := mustDefault(t)
	total := 0
	for _, cell := range catalog.Cells {
		ctls := c.ByCell(cell)
		total += len(ctls)
		tested := map[string]bool{}
		for _, ctl := range ctls {
			if ctl.Tier != cell.Tier || ctl.Level != cell.Level {
				t.Errorf("ByCell(%s) returned %s (%s/%s)", cell, ctl.ID, ctl.Tier, ctl.Level)
			}
			for _, k := range append(slices.Clone(ctl.Check.All), ctl.Check.Any...) {
				tested[k] = true
			}
			if ctl.Check.Evaluator != "" {
				tested["evaluator:"+ctl.Check.Evaluator] = true
			}
		}
		for _, want := range minimum[cell] {
			if !tested[want] {
				t.Errorf("%s: no control tests %s", cell, want)
			}
		}
		t.Logf("%s: %d controls", cell, len(ctls))
	}
	if total != len(c.Controls) {
		t.Errorf("cells hold %d controls, catalog %d", total, len(c.Controls))
	}
}

// Authentication and authorization controls at endpoint scope must treat
// explicitly public endpoints as not applicable.
func TestAuthControlsSkipPublic(t *testing.T) {
	c := mustDefault(t)
	for _, ctl := range c.Controls {
		authn := slices.Contains(ctl.Check.All, collectors.FactAuthDeclared) || slices.Contains(ctl.Check.All, collectors.FactAuthEnforced)
		if authn && !slices.Contains(ctl.Check.SkipIf, collectors.FactAuthPublic) {
			t.Errorf("%s tests authentication without skip_if auth.public", ctl.ID)
		}
	}
}

var wantOWASP = []struct {
	id, title string
	cwe       []int
}{
	{"API1:2023", "Broken Object Level Authorization", []int{285, 639}},
	{"API2:2023", "Broken Authentication", []int{204, 307}},
	{"API3:2023", "Broken Object Property Level Authorization", []int{213, 915}},
	{"API4:2023", "Unrestricted Resource Consumption", []int{400, 770, 799}},
	{"API5:2023", "Broken Function Level Authorization", []int{285}},
	{"API6:2023", "Unrestricted Access to Sensitive Business Flows", nil},
	{"API7:2023", "Server Side Request Forgery", []int{918}},
	{"API8:2023", "Security Misconfiguration", []int{2, 16, 209, 319, 388, 444, 942}},
	{"API9:2023", "Improper Inventory Management", []int{1059}},
	{"API10:2023", "Unsafe Consumption of APIs", []int{20, 200, 319}},
}

func TestOWASPCategories(t *testing.T) {
	c := mustDefault(t)
	if len(c.OWASP) != len(wantOWASP) {
		t.Fatalf("%d categories, want %d", len(c.OWASP), len(wantOWASP))
	}
	for i, w := range wantOWASP {
		got := c.OWASP[i]
		if got.ID != w.id || got.Title != w.title || !(len(got.CWE) == 0 && len(w.cwe) == 0 || reflect.DeepEqual(got.CWE, w.cwe)) {
			t.Errorf("category %d = %s %q %v, want %s %q %v", i, got.ID, got.Title, got.CWE, w.id, w.title, w.cwe)
		}
		if !strings.HasPrefix(got.URL, "https://owasp.org/API-Security/editions/2023/en/0xa") {
			t.Errorf("%s: url %q", got.ID, got.URL)
		}
		if o, ok := c.OWASPCategory(w.id); !ok || o.Title != w.title {
			t.Errorf("OWASPCategory(%s) = %+v, %v", w.id, o, ok)
		}
		ctls := c.ForOWASP(w.id)
		if len(ctls) == 0 {
			t.Errorf("%s has no control", w.id)
		}
		for _, ctl := range ctls {
			if !slices.Contains(ctl.Refs.OWASP2023, w.id) {
				t.Errorf("ForOWASP(%s) returned %s which does not reference it", w.id, ctl.ID)
			}
		}
		// Every category has a control other than the catch-all security
		// testing control.
		n := 0
		for _, ctl := range ctls {
			if ctl.Check.Evaluator != catalog.EvaluatorSecurityTesting {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s is covered only by security testing", w.id)
		}
	}
	if _, ok := c.OWASPCategory("API11:2023"); ok {
		t.Error("OWASPCategory found API11:2023")
	}
	if got := c.ForOWASP("API8:2019"); got != nil {
		t.Errorf("ForOWASP(API8:2019) = %v", got)
	}
}

func TestSP800228(t *testing.T) {
	c := mustDefault(t)
	if len(c.Recs) != 26 {
		t.Fatalf("%d recommendations, want 26", len(c.Recs))
	}
	for i, r := range c.Recs {
		if want := fmt.Sprintf("REC-API-%d", i+1); r.ID != want {
			t.Errorf("recommendation %d is %s, want %s", i, r.ID, want)
		}
		// The ids come from secondary sources; nothing may claim otherwise
		// until checked against the document.
		if !strings.HasPrefix(r.Status, "secondary") {
			t.Errorf("%s: status %q", r.ID, r.Status)
		}
		// Tiers per source B: 1-8 pre-runtime (1-4 basic), 9-18 runtime
		// basic, 19-26 runtime advanced.
		n := i + 1
		wantTier, wantLevel := catalog.TierRuntime, catalog.LevelAdvanced
		switch {
		case n <= 4:
			wantTier, wantLevel = catalog.TierPreRuntime, catalog.LevelBasic
		case n <= 8:
			wantTier, wantLevel = catalog.TierPreRuntime, catalog.LevelAdvanced
		case n <= 18:
			wantLevel = catalog.LevelBasic
		}
		if r.Tier != wantTier || r.Level != wantLevel {
			t.Errorf("%s: %s/%s, want %s/%s", r.ID, r.Tier, r.Level, wantTier, wantLevel)
		}
		if len(r.Sources) == 0 {
			t.Errorf("%s: no sources", r.ID)
		}
	}
	if c.SP800228Source.Status != "secondary" || !strings.Contains(c.SP800228Source.Note, "NOT confirmed") {
		t.Errorf("SP 800-228 source does not warn that the ids are unconfirmed: %+v", c.SP800228Source)
	}
	if r, ok := c.Recommendation("REC-API-12"); !ok || r.Summary == "" {
		t.Errorf("Recommendation(REC-API-12) = %+v, %v", r, ok)
	}
	if title, ok := c.SP800228Title("APP-B"); !ok || !strings.Contains(title, "DevSecOps") {
		t.Errorf("SP800228Title(APP-B) = %q, %v", title, ok)
	}
	if _, ok := c.SP800228Title("REC-API-27"); ok {
		t.Error("SP800228Title found REC-API-27")
	}
}

func TestOWASPForCWE(t *testing.T) {
	c := mustDefault(t)
	for _, tc := range []struct {
		cwe  int
		want []string
	}{
		{285, []string{"API1:2023", "API5:2023"}},
		{639, []string{"API1:2023"}},
		{918, []string{"API7:2023"}},
		{319, []string{"API8:2023", "API10:2023"}},
		// OWASP's own category first, then posture's inference.
		{200, []string{"API10:2023", "API3:2023"}},
		{20, []string{"API10:2023", "API8:2023"}},
		{79, []string{"API8:2023"}},
		{89, []string{"API8:2023"}},
		{798, []string{"API2:2023"}},
		{862, []string{"API1:2023", "API5:2023"}},
		{0, nil},
		{99999, nil},
	} {
		if got := c.OWASPForCWE(tc.cwe); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OWASPForCWE(%d) = %v, want %v", tc.cwe, got, tc.want)
		}
	}
	// The common scanner CWEs are all mapped.
	for _, cwe := range []int{79, 89, 22, 78, 352, 601, 798, 311, 327, 611, 502, 200, 209, 284, 285, 287, 306,
		862, 863, 639, 918, 770, 400, 307, 522, 693, 1021, 16, 319, 942, 614, 1004, 525} {
		if len(c.OWASPForCWE(cwe)) == 0 {
			t.Errorf("CWE-%d is not mapped", cwe)
		}
	}
	// Inferences are labelled and explained.
	ms := c.CWEMappings(200)
	if len(ms) != 2 || ms[0].Source != catalog.CWESourceOWASP || ms[1].Source != catalog.CWESourceInference || ms[1].Rationale == "" {
		t.Errorf("CWEMappings(200) = %+v", ms)
	}
}

// TestNISTReferences prints every 800-53 reference with its title, and pins
// the traps popular mappings fall into.
func TestNISTReferences(t *testing.T) {
	c := mustDefault(t)
	for id, title := range map[string]string{
		"SI-10": "Information Input Validation",
		"SI-15": "Information Output Filtering",
		"SA-11": "Developer Testing and Evaluation",
		"CM-8":  "System Component Inventory",
		"SC-3":  "Security Function Isolation",
		"SI-8":  "Spam Protection",
		"SA-22": "Unsupported System Components",
	} {
		n, ok := c.NISTControl(id)
		if !ok || n.Title != title {
			t.Errorf("NISTControl(%s) = %+v, %v; want title %q", id, n, ok, title)
		}
	}
	if n, ok := c.NISTControl("AC-2(1)"); !ok || n.Family != "Access Control" || n.Withdrawn {
		t.Errorf("NISTControl(AC-2(1)) = %+v, %v", n, ok)
	}
	if n, ok := c.NISTControl("AC-13"); !ok || !n.Withdrawn {
		t.Errorf("NISTControl(AC-13) = %+v, %v; want withdrawn", n, ok)
	}
	if _, ok := c.NISTControl("SC-99"); ok {
		t.Error("NISTControl(SC-99) found")
	}

	validation := []string{collectors.FactRequestSchemaDefined, collectors.FactRequestBounded,
		collectors.FactRequestStrict, collectors.FactValidationEnforced, collectors.FactDataSemanticTypes}
	var lines []string
	for _, ctl := range c.Controls {
		refs := ctl.Refs.NIST80053
		for _, id := range refs {
			n, ok := c.NISTControl(id)
			if !ok || n.Withdrawn || n.Title == "" || n.Family == "" {
				t.Errorf("%s: %s resolves to %+v, %v", ctl.ID, id, n, ok)
			}
			lines = append(lines, fmt.Sprintf("%-9s %-9s %s (%s)", ctl.ID, id, n.Title, n.Family))
			// Traps: neither is validation or testing, nor anything else
			// posture checks.
			if id == "SC-3" || id == "SI-8" || id == "SA-22" {
				t.Errorf("%s references %s (%s)", ctl.ID, id, n.Title)
			}
		}
		for _, f := range validation {
			if slices.Contains(ctl.Check.All, f) && !slices.Contains(refs, "SI-10") {
				t.Errorf("%s tests %s but does not reference SI-10", ctl.ID, f)
			}
		}
		if ctl.Check.Evaluator == catalog.EvaluatorSecurityTesting && !slices.Contains(refs, "SA-11") {
			t.Errorf("%s is security testing but does not reference SA-11", ctl.ID)
		}
		if ctl.Check.Evaluator == catalog.EvaluatorInventory && !slices.Contains(refs, "CM-8") {
			t.Errorf("%s is the inventory but does not reference CM-8", ctl.ID)
		}
	}
	t.Logf("800-53 references:\n%s", strings.Join(lines, "\n"))

	used := c.NISTUsed()
	var ids []string
	for _, n := range used {
		ids = append(ids, n.ID)
	}
	if !slices.Contains(ids, "SI-10") || slices.Contains(ids, "SC-3") {
		t.Errorf("NISTUsed = %v", ids)
	}
	// Natural order, no duplicates.
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			t.Errorf("NISTUsed lists %s twice", ids[i])
		}
	}
	if i, j := slices.Index(ids, "AC-3(13)"), slices.Index(ids, "AC-6"); i < 0 || j < 0 || i > j || slices.Index(ids, "AC-3") > i {
		t.Errorf("NISTUsed not in natural order: %v", ids)
	}
	if i, j := slices.Index(ids, "AC-6"), slices.Index(ids, "AC-14"); i > j {
		t.Errorf("NISTUsed sorts AC-14 before AC-6: %v", ids)
	}
	t.Logf("800-53 ids used (%d): %s", len(ids), strings.Join(ids, " "))
}

func TestLookups(t *testing.T) {
	c := mustDefault(t)
	ctl, ok := c.Control("RUN-B-01")
	if !ok || ctl.Tier != catalog.TierRuntime || ctl.Level != catalog.LevelBasic {
		t.Errorf("Control(RUN-B-01) = %+v, %v", ctl, ok)
	}
	if _, ok := c.Control("RUN-B-99"); ok {
		t.Error("Control(RUN-B-99) found")
	}
	if got := c.ByCell(catalog.Cell{Tier: "x", Level: "y"}); got != nil {
		t.Errorf("ByCell(x/y) = %v", got)
	}
	for _, e := range catalog.Evaluators {
		n := 0
		for _, ctl := range c.Controls {
			if ctl.Check.Evaluator == e {
				n++
			}
		}
		if n != 1 {
			t.Errorf("evaluator %s used by %d controls, want 1", e, n)
		}
	}
}

func TestJSON(t *testing.T) {
	c := mustDefault(t)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "controls", "owasp", "sp800_228", "sp800_228_sections", "cwe_owasp", "nist_source"} {
		if _, ok := m[k]; !ok {
			t.Errorf("catalog JSON has no %q", k)
		}
	}
	if _, ok := m["NIST"]; ok {
		t.Error("catalog JSON embeds the whole 800-53 catalog")
	}
	var ctls []map[string]any
	if err := json.Unmarshal(m["controls"], &ctls); err != nil {
		t.Fatal(err)
	}
	if ctls[0]["id"] != "PRE-B-01" || ctls[0]["refs"].(map[string]any)["nist_800_53"] == nil {
		t.Errorf("control JSON = %v", ctls[0])
	}
}
