package catalog

import (
	"strings"
	"testing"
)

// fresh loads a private copy of the embedded catalog that a test may break.
func fresh(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(Files())
	if err != nil {
		t.Fatalf("embedded catalog: %v", err)
	}
	return c
}

// idx returns the index of control id in c.Controls.
func idx(t *testing.T, c *Catalog, id string) int {
	t.Helper()
	for i, ctl := range c.Controls {
		if ctl.ID == id {
			return i
		}
	}
	t.Fatalf("no control %s", id)
	return -1
}

func TestValidateCatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, c *Catalog)
		want   []string // substrings that must all appear in the error
	}{
		{"unknown 800-53 id", func(t *testing.T, c *Catalog) {
			i := idx(t, c, "RUN-B-04")
			c.Controls[i].Refs.NIST80053 = append(c.Controls[i].Refs.NIST80053, "SC-99")
		}, []string{`control "RUN-B-04"`, "refs.nist_800_53", `unknown SP 800-53 rev5 id "SC-99"`}},
		{"withdrawn 800-53 id", func(t *testing.T, c *Catalog) {
			i := idx(t, c, "RUN-B-03")
			c.Controls[i].Refs.NIST80053 = []string{"AC-3", "AC-13"}
		}, []string{`control "RUN-B-03"`, "refs.nist_800_53", `"AC-13"`, "withdrawn"}},
		{"withdrawn enhancement", func(t *testing.T, c *Catalog) {
			i := idx(t, c, "RUN-B-03")
			c.Controls[i].Refs.NIST80053 = []string{"AC-3(1)"}
		}, []string{`control "RUN-B-03"`, `"AC-3(1)"`, "withdrawn"}},
		{"lower-case 800-53 id", func(t *testing.T, c *Catalog) {
			c.Controls[0].Refs.NIST80053 = []string{"cm-8"}
		}, []string{`control "PRE-B-01"`, `unknown SP 800-53 rev5 id "cm-8"`}},
		{"OWASP category without control", func(t *testing.T, c *Catalog) {
			for i := range c.Controls {
				var keep []string
				for _, o := range c.Controls[i].Refs.OWASP2023 {
					if o != "API7:2023" {
						keep = append(keep, o)
					}
				}
				c.Controls[i].Refs.OWASP2023 = keep
			}
		}, []string{`owasp category "API7:2023" (Server Side Request Forgery): no control references it`}},
		{"control without references", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-06")].Refs = Refs{}
		}, []string{
			`control "PRE-B-06"`,
			"refs.nist_800_53: no SP 800-53 reference",
			"refs.sp800_228: no SP 800-228 reference",
			"refs.owasp_api_2023: no OWASP API 2023 reference",
		}},
		{"unknown fact key", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-01")].Check.All = []string{"tls.enforcd"}
		}, []string{`control "RUN-B-01"`, "check: all: unknown fact key \"tls.enforcd\""}},
		{"unknown skip_if fact", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-02")].Check.SkipIf = []string{"public"}
		}, []string{`control "RUN-B-02"`, `check: skip_if: unknown fact key "public"`}},
		{"unknown evaluator", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-09")].Check.Evaluator = "zap"
		}, []string{`control "PRE-B-09"`, `check: evaluator: unknown evaluator "zap"`}},
		{"facts and evaluator", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-01")].Check.All = []string{"spec.present"}
		}, []string{`control "PRE-B-01"`, "check: has both facts"}},
		{"neither facts nor evaluator", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-03")].Check = Check{Scope: ScopeEndpoint}
		}, []string{`control "PRE-B-03"`, "check: has neither"}},
		{"bad scope", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-03")].Check.Scope = "operation"
		}, []string{`control "PRE-B-03"`, `check: scope: "operation" is not api or endpoint`}},
		{"missing scope", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-B-03")].Check.Scope = ""
		}, []string{`control "PRE-B-03"`, `check: scope: "" is not api or endpoint`}},
		{"skip_if at api scope", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-01")].Check.SkipIf = []string{"auth.public"}
		}, []string{`control "RUN-B-01"`, "check: skip_if: only applies to endpoint scope"}},
		{"duplicate id", func(t *testing.T, c *Catalog) {
			c.Controls[1].ID = c.Controls[0].ID
		}, []string{`control "PRE-B-01"`, "id: duplicate (also control #1)"}},
		{"bad tier", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-05")].Tier = "deploy"
		}, []string{`control "RUN-B-05"`, `tier: "deploy" is not pre-runtime or runtime`}},
		{"bad level", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-05")].Level = "expert"
		}, []string{`control "RUN-B-05"`, `level: "expert" is not basic or advanced`}},
		{"id prefix does not match cell", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-05")].Level = LevelAdvanced
		}, []string{`control "RUN-B-05"`, "id: prefix RUN-B does not match tier/level runtime/advanced"}},
		{"bad id", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-05")].ID = "rate-limit"
		}, []string{`control "rate-limit"`, "id: want PRE-B-nn"}},
		{"missing title and objective", func(t *testing.T, c *Catalog) {
			i := idx(t, c, "PRE-A-02")
			c.Controls[i].Title, c.Controls[i].Objective = "", ""
		}, []string{`control "PRE-A-02"`, "title: missing", "objective: missing"}},
		{"zero weight", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-A-02")].Weight = 0
		}, []string{`control "PRE-A-02"`, "weight: 0 must be > 0"}},
		{"negative weight", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "PRE-A-02")].Weight = -1
		}, []string{`control "PRE-A-02"`, "weight: -1 must be > 0"}},
		{"unknown SP 800-228 id", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-01")].Refs.SP800228 = []string{"REC-API-99"}
		}, []string{`control "RUN-B-01"`, `refs.sp800_228: unknown SP 800-228 id "REC-API-99"`}},
		{"unknown OWASP id", func(t *testing.T, c *Catalog) {
			i := idx(t, c, "RUN-B-01")
			c.Controls[i].Refs.OWASP2023 = append(c.Controls[i].Refs.OWASP2023, "API8:2019")
		}, []string{`control "RUN-B-01"`, `refs.owasp_api_2023: unknown OWASP API 2023 id "API8:2019"`}},
		{"duplicate reference", func(t *testing.T, c *Catalog) {
			c.Controls[idx(t, c, "RUN-B-01")].Refs.NIST80053 = []string{"SC-8", "SC-8"}
		}, []string{`control "RUN-B-01"`, `refs.nist_800_53: "SC-8" listed twice`}},
		{"inference without rationale", func(t *testing.T, c *Catalog) {
			c.CWEMap = append(c.CWEMap, CWEMapping{CWE: 1234, OWASP: []string{"API8:2023"}, Source: CWESourceInference})
		}, []string{"cwe mapping CWE-1234 (posture-inference): rationale: missing"}},
		{"owasp-sourced mapping OWASP does not list", func(t *testing.T, c *Catalog) {
			c.CWEMap = append(c.CWEMap, CWEMapping{CWE: 89, OWASP: []string{"API8:2023"}, Source: CWESourceOWASP})
		}, []string{"cwe mapping CWE-89 (owasp): owasp: OWASP does not list CWE-89 under API8:2023"}},
		{"OWASP-listed CWE missing from map", func(t *testing.T, c *Catalog) {
			var keep []CWEMapping
			for _, m := range c.CWEMap {
				if !(m.CWE == 918 && m.Source == CWESourceOWASP) {
					keep = append(keep, m)
				}
			}
			c.CWEMap = keep
		}, []string{"OWASP lists CWE-918 -> API7:2023 but no mapping with source owasp says so"}},
		{"bad recommendation", func(t *testing.T, c *Catalog) {
			c.Recs[0].Level, c.Recs[0].Status = "", "official"
		}, []string{`sp800-228 recommendation "REC-API-1": level`, `sp800-228 recommendation "REC-API-1": status: "official"`}},
		{"nine OWASP categories", func(t *testing.T, c *Catalog) {
			c.OWASP = c.OWASP[:9]
		}, []string{"owasp: 9 categories, want the 10", `unknown OWASP API 2023 id "API10:2023"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fresh(t)
			tc.mutate(t, c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate accepted the broken catalog")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			// Errors on controls loaded from files point at the line.
			if strings.Contains(tc.want[0], "control \"") && !strings.Contains(err.Error(), "(controls.yaml:") {
				t.Errorf("error does not name the file and line:\n%v", err)
			}
		})
	}
}

// TestValidateReportsAll checks that independent problems are all reported,
// not only the first.
func TestValidateReportsAll(t *testing.T) {
	c := fresh(t)
	c.Controls[idx(t, c, "PRE-B-02")].Refs.NIST80053 = []string{"SI-8"} // exists: must not be reported
	c.Controls[idx(t, c, "PRE-B-03")].Refs.NIST80053 = []string{"SC-99"}
	c.Controls[idx(t, c, "RUN-A-01")].Check.All = []string{"nope"}
	c.Controls[idx(t, c, "RUN-A-08")].Weight = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted the broken catalog")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Errorf("want 3 problems, got %d:\n%v", len(lines), err)
	}
	for _, w := range []string{`"PRE-B-03"`, `"RUN-A-01"`, `"RUN-A-08"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %s:\n%v", w, err)
		}
	}
}

// TestValidateInMemory checks a catalog built in code (no file positions):
// errors name the control by id only, and a control with no id by index.
func TestValidateInMemory(t *testing.T) {
	base := fresh(t)
	c := &Catalog{
		NIST: base.NIST, OWASP: base.OWASP, Recs: base.Recs, Sections: base.Sections, CWEMap: base.CWEMap,
		Controls: []Control{{
			Tier: TierRuntime, Level: LevelBasic, Title: "t", Objective: "o", Rationale: "r", Guidance: "g", Weight: 1,
			Check: Check{Scope: ScopeAPI, All: []string{"tls.enforced"}},
			Refs:  Refs{NIST80053: []string{"SC-8"}, SP800228: []string{"REC-API-9"}, OWASP2023: []string{"API8:2023"}},
		}},
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a control without id and nine uncovered categories")
	}
	for _, w := range []string{"control #1: id: missing", `owasp category "API1:2023"`, `owasp category "API10:2023"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), `owasp category "API8:2023"`) {
		t.Errorf("API8 is covered but reported:\n%v", err)
	}
	if strings.Contains(err.Error(), "controls.yaml") {
		t.Errorf("in-memory catalog error names a file:\n%v", err)
	}
}
