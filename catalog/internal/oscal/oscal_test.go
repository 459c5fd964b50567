package oscal

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/testutil"
)

func TestDisplayID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "ac-3", want: "AC-3"},
		{in: "ac-2.1", want: "AC-2(1)"},
		{in: "sc-7.21", want: "SC-7(21)"},
		{in: "pm-5.1", want: "PM-5(1)"},
		{in: "", bad: true},
		{in: "ac", bad: true},
		{in: "ac-x", bad: true},
		{in: "ac-2.", bad: true},
		{in: "ac-2.a", bad: true},
		{in: "-2", bad: true},
	} {
		got, err := DisplayID(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("DisplayID(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("DisplayID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

const small = `{"catalog": {"uuid": "u-1", "metadata": {"title": "T", "version": "9.9", "oscal-version": "1.0.0", "last-modified": "2021-01-01T00:00:00Z"},
 "groups": [
  {"id": "ac", "title": "Access Control", "controls": [
    {"id": "ac-1", "title": "Policy and Procedures", "props": [{"name": "label", "value": "AC-1"}]},
    {"id": "ac-2", "title": " Account Management ", "controls": [
      {"id": "ac-2.1", "title": "Automated System Account Management"},
      {"id": "ac-2.10", "title": "Shared and Group Account Credential Change", "props": [{"name": "label", "value": "AC-2(10)"}, {"name": "status", "value": "withdrawn"}]}
    ]},
    {"id": "ac-13", "title": "Supervision and Review — Access Control", "props": [{"name": "status", "value": "withdrawn"}]}
  ]},
  {"id": "si", "title": "System and Information Integrity", "controls": [
    {"id": "si-10", "title": "Information Input Validation", "props": [{"name": "label", "value": "SI-10"}]}
  ]}
 ]}}`

func TestTrimSmall(t *testing.T) {
	tr, err := Trim([]byte(small), "small.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Control{
		{ID: "AC-1", Title: "Policy and Procedures", Family: "Access Control"},
		{ID: "AC-2", Title: "Account Management", Family: "Access Control"},
		{ID: "AC-2(1)", Title: "Automated System Account Management", Family: "Access Control"},
		{ID: "AC-2(10)", Title: "Shared and Group Account Credential Change", Family: "Access Control", Withdrawn: true},
		{ID: "AC-13", Title: "Supervision and Review — Access Control", Family: "Access Control", Withdrawn: true},
		{ID: "SI-10", Title: "Information Input Validation", Family: "System and Information Integrity"},
	}
	if len(tr.Controls) != len(want) {
		t.Fatalf("got %d controls, want %d: %+v", len(tr.Controls), len(want), tr.Controls)
	}
	for i := range want {
		if tr.Controls[i] != want[i] {
			t.Errorf("control %d = %+v, want %+v", i, tr.Controls[i], want[i])
		}
	}
	if got := tr.Counts(); got != (Counts{Base: 4, Enhancements: 2, BaseWithdrawn: 1, EnhancementsWithdrawn: 1}) {
		t.Errorf("Counts = %+v", got)
	}
	if tr.Source.Version != "9.9" || tr.Source.UUID != "u-1" || tr.Source.File != "small.json" || len(tr.Source.SHA256) != 64 {
		t.Errorf("Source = %+v", tr.Source)
	}

	// Marshal is canonical, one control per line, valid JSON that
	// round-trips, and does not HTML-escape.
	b, err := tr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\n{\"id\":\"AC-2(10)\",\"title\":\"Shared and Group Account Credential Change\",\"family\":\"Access Control\",\"withdrawn\":true},\n") {
		t.Errorf("Marshal output not one control per line:\n%s", b)
	}
	if strings.Contains(string(b), `\u`) {
		t.Errorf("Marshal escaped characters:\n%s", b)
	}
	var back Trimmed
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Marshal output does not parse: %v\n%s", err, b)
	}
	if len(back.Controls) != len(want) || back.Source != tr.Source {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func TestTrimErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":      `{"catalog":`,
		"not a catalog": `{"profile": {}}`,
		"no controls":   `{"catalog": {"groups": []}}`,
		"bad id":        `{"catalog": {"groups": [{"id": "ac", "title": "Access Control", "controls": [{"id": "ac", "title": "X"}]}]}}`,
		"no title":      `{"catalog": {"groups": [{"id": "ac", "title": "Access Control", "controls": [{"id": "ac-1", "title": ""}]}]}}`,
		"group title":   `{"catalog": {"groups": [{"id": "ac", "controls": [{"id": "ac-1", "title": "X"}]}]}}`,
		"duplicate":     `{"catalog": {"groups": [{"id": "ac", "title": "Access Control", "controls": [{"id": "ac-1", "title": "X"}, {"id": "ac-01", "title": "Y", "props": [{"name": "label", "value": "AC-1"}]}]}]}}`,
	} {
		if _, err := Trim([]byte(in), "x.json"); err == nil {
			t.Errorf("%s: Trim accepted %s", name, in)
		} else if !strings.Contains(err.Error(), "x.json") {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}
}

// TestOfficialLabels checks, on the official catalog, that every OSCAL
// label equals the id conversion (so the fallback is right too).
func TestOfficialLabels(t *testing.T) {
	path := filepath.Join(testutil.SharedDir(t), "data", "oscal", "NIST_SP-800-53_rev5_catalog.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc oscalDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func([]oscalControl)
	walk = func(cs []oscalControl) {
		for _, oc := range cs {
			label := ""
			for _, p := range oc.Props {
				if p.Name == "label" {
					label = p.Value
				}
			}
			got, err := DisplayID(oc.ID)
			if err != nil || got != label {
				t.Errorf("DisplayID(%q) = %q, %v; OSCAL label %q", oc.ID, got, err, label)
			}
			n++
			walk(oc.Controls)
		}
	}
	for _, g := range doc.Catalog.Groups {
		walk(g.Controls)
	}
	if n != 1189 {
		t.Errorf("walked %d controls, want 1189", n)
	}
}
