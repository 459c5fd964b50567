package catalog

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// overlay returns the embedded data files with some replaced (or removed,
// for a nil value).
func overlay(t *testing.T, files map[string][]byte) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range []string{FileControls, FileOWASP, FileSP800228, FileCWEOWASP, FileNIST} {
		b, err := fs.ReadFile(Files(), name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	for name, b := range files {
		if b == nil {
			delete(m, name)
			continue
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	return m
}

// oneControl is a controls.yaml with a single control; the rest of the
// catalog is the embedded one. Line 3 is the control's first line.
func oneControl(body string) []byte {
	return []byte("version: test\ncontrols:\n  - id: RUN-B-01\n" + body)
}

const okBody = `    title: TLS
    tier: runtime
    level: basic
    objective: TLS everywhere.
    rationale: SC-8.
    guidance: Enable TLS.
    check: {scope: api, all: [tls.enforced]}
    refs:
      nist_800_53: [SC-8]
      sp800_228: [REC-API-9]
      owasp_api_2023: [API1:2023, API2:2023, API3:2023, API4:2023, API5:2023, API6:2023, API7:2023, API8:2023, API9:2023, API10:2023]
`

func TestLoadMinimal(t *testing.T) {
	c, err := Load(overlay(t, map[string][]byte{FileControls: oneControl(okBody)}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Controls) != 1 || c.Version != "test" {
		t.Fatalf("got %d controls, version %q", len(c.Controls), c.Version)
	}
	// A missing weight defaults to 1.
	if w := c.Controls[0].Weight; w != 1 {
		t.Errorf("default weight = %v, want 1", w)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"typo field in a control", map[string][]byte{
			FileControls: oneControl("    titel: TLS\n" + okBody),
		}, []string{"controls.yaml", "line 4", "field titel not found"}},
		{"typo field in a check", map[string][]byte{
			FileControls: oneControl(strings.Replace(okBody, "all: [tls.enforced]", "al: [tls.enforced]", 1)),
		}, []string{"controls.yaml", "line 10", "field al not found"}},
		{"typo field in the OWASP file", map[string][]byte{
			FileOWASP: []byte("categories:\n  - id: API1:2023\n    titel: x\n"),
		}, []string{"owasp-api-2023.yaml", "line 3", "field titel not found"}},
		{"typo field in the SP 800-228 file", map[string][]byte{
			FileSP800228: []byte("recommendations:\n  - id: REC-API-1\n    tiers: runtime\n"),
		}, []string{"sp800-228.yaml", "line 3", "field tiers not found"}},
		{"typo field in the CWE file", map[string][]byte{
			FileCWEOWASP: []byte("mappings:\n  - {cwe: 79, owasp: [API8:2023], sorce: owasp}\n"),
		}, []string{"cwe-owasp.yaml", "line 2", "field sorce not found"}},
		{"wrong type", map[string][]byte{
			FileControls: oneControl(okBody + "    weight: heavy\n"),
		}, []string{"controls.yaml", "line 15", "heavy"}},
		{"duplicate key", map[string][]byte{
			FileControls: oneControl("    tier: runtime\n" + okBody),
		}, []string{"controls.yaml", `"tier" already defined`}},
		{"unknown field in the NIST file", map[string][]byte{
			FileNIST: []byte(`{"source": {}, "controls": [{"id": "SC-8", "title": "x", "family": "y", "baseline": "low"}]}`),
		}, []string{"nist-800-53-rev5.json", `unknown field "baseline"`}},
		{"empty file", map[string][]byte{FileControls: []byte("# nothing\n")}, []string{"controls.yaml: empty file"}},
		{"two documents", map[string][]byte{
			FileControls: append(oneControl(okBody), []byte("---\nversion: again\n")...),
		}, []string{"controls.yaml: more than one YAML document"}},
		{"missing file", map[string][]byte{FileCWEOWASP: nil}, []string{"cwe-owasp.yaml"}},
		{"explicit zero weight", map[string][]byte{
			FileControls: oneControl(okBody + "    weight: 0\n"),
		}, []string{`control "RUN-B-01" (controls.yaml:3): weight: 0 must be > 0`}},
		{"validation errors name file and line", map[string][]byte{
			FileControls: oneControl(strings.Replace(okBody, "[SC-8]", "[SC-99, SC-3]", 1)),
		}, []string{`control "RUN-B-01" (controls.yaml:3): refs.nist_800_53: unknown SP 800-53 rev5 id "SC-99"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(overlay(t, tc.files))
			if err == nil {
				t.Fatal("Load accepted the broken data")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}
