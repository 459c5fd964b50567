// Package catalog holds posture's control catalog: the controls, their
// tier/level cell, how evidence satisfies them, and their references to
// NIST SP 800-53 rev5, NIST SP 800-228 and the OWASP API Security Top 10
// 2023. The data is embedded in the binary and validated at load.
package catalog

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

//go:generate go run ./internal/gennist -in ../../shared/data/oscal/NIST_SP-800-53_rev5_catalog.json -out data/nist-800-53-rev5.json

// Catalog is the loaded, validated catalog.
//
// The catalog returned by Default is shared: treat it as read-only.
type Catalog struct {
	Version  string    `json:"version"`
	Controls []Control `json:"controls"`
	// OWASP holds the ten OWASP API Security Top 10 2023 categories.
	OWASP       []OWASPCategory `json:"owasp"`
	OWASPSource OWASPSource     `json:"owasp_source"`
	// NIST holds the SP 800-53 rev5 controls (trimmed from the official
	// OSCAL catalog), by id ("AC-3", "SC-7(5)").
	NIST       map[string]NISTControl `json:"-"`
	NISTSource NISTSource             `json:"nist_source"`
	// Recs are the NIST SP 800-228 recommendations (REC-API-1..26) and
	// Sections the document sections controls may cite instead.
	Recs           []Recommendation `json:"sp800_228"`
	Sections       []Section        `json:"sp800_228_sections"`
	SP800228Source SP800228Source   `json:"sp800_228_source"`
	// CWEMap maps CWEs to OWASP categories (OWASP's own lists first, then
	// posture's inferences).
	CWEMap []CWEMapping `json:"cwe_owasp"`

	// positions[i] is "controls.yaml:LINE" for Controls[i] when loaded
	// from files; used to point validation errors at the data.
	positions []string
}

// Control returns the control with the given id.
func (c *Catalog) Control(id string) (Control, bool) {
	for _, ctl := range c.Controls {
		if ctl.ID == id {
			return ctl, true
		}
	}
	return Control{}, false
}

// ByCell returns the controls of one tier/level cell, in catalog order.
func (c *Catalog) ByCell(cell Cell) []Control {
	var out []Control
	for _, ctl := range c.Controls {
		if ctl.Tier == cell.Tier && ctl.Level == cell.Level {
			out = append(out, ctl)
		}
	}
	return out
}

// ForOWASP returns the controls that reference an OWASP API 2023 category
// ("API1:2023"), i.e. that mitigate it.
func (c *Catalog) ForOWASP(id string) []Control {
	var out []Control
	for _, ctl := range c.Controls {
		for _, o := range ctl.Refs.OWASP2023 {
			if o == id {
				out = append(out, ctl)
				break
			}
		}
	}
	return out
}

// OWASPCategory returns an OWASP API 2023 category by id ("API1:2023").
func (c *Catalog) OWASPCategory(id string) (OWASPCategory, bool) {
	for _, o := range c.OWASP {
		if o.ID == id {
			return o, true
		}
	}
	return OWASPCategory{}, false
}

// NISTControl returns an SP 800-53 rev5 control or enhancement by display
// id ("SI-10", "AC-2(1)"), withdrawn ones included (see Withdrawn).
func (c *Catalog) NISTControl(id string) (NISTControl, bool) {
	n, ok := c.NIST[id]
	return n, ok
}

// Recommendation returns an SP 800-228 recommendation by id ("REC-API-12").
func (c *Catalog) Recommendation(id string) (Recommendation, bool) {
	for _, r := range c.Recs {
		if r.ID == id {
			return r, true
		}
	}
	return Recommendation{}, false
}

// Section returns an SP 800-228 section by id ("SEC-2.1", "APP-B").
func (c *Catalog) Section(id string) (Section, bool) {
	for _, s := range c.Sections {
		if s.ID == id {
			return s, true
		}
	}
	return Section{}, false
}

// SP800228Title returns a display text for an SP 800-228 reference used in
// a control: a recommendation's summary or a section's title.
func (c *Catalog) SP800228Title(id string) (string, bool) {
	if r, ok := c.Recommendation(id); ok {
		return r.Summary, true
	}
	if s, ok := c.Section(id); ok {
		return s.Title, true
	}
	return "", false
}

// OWASPForCWE returns the OWASP API 2023 categories a CWE maps to: the
// categories OWASP itself lists the CWE under first, then posture's
// inferences, without duplicates. It returns nil for an unmapped CWE.
func (c *Catalog) OWASPForCWE(cwe int) []string {
	var out []string
	seen := map[string]bool{}
	for _, src := range []string{CWESourceOWASP, CWESourceInference} {
		for _, m := range c.CWEMap {
			if m.CWE != cwe || m.Source != src {
				continue
			}
			for _, o := range m.OWASP {
				if !seen[o] {
					seen[o] = true
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// CWEMappings returns the mapping entries for a CWE (with their source and
// rationale), OWASP's own first.
func (c *Catalog) CWEMappings(cwe int) []CWEMapping {
	var out []CWEMapping
	for _, src := range []string{CWESourceOWASP, CWESourceInference} {
		for _, m := range c.CWEMap {
			if m.CWE == cwe && m.Source == src {
				out = append(out, m)
			}
		}
	}
	return out
}

// NISTUsed returns the SP 800-53 controls referenced by at least one
// catalog control, in catalog order (family, number, enhancement), for
// rendering titles next to the ids.
func (c *Catalog) NISTUsed() []NISTControl {
	seen := map[string]bool{}
	var out []NISTControl
	for _, ctl := range c.Controls {
		for _, id := range ctl.Refs.NIST80053 {
			if n, ok := c.NIST[id]; ok && !seen[id] {
				seen[id] = true
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b NISTControl) int { return compareNISTID(a.ID, b.ID) })
	return out
}

// compareNISTID orders "AC-3" < "AC-3(13)" < "AC-6" < "AC-14".
func compareNISTID(a, b string) int {
	fa, na, ea := splitNISTID(a)
	fb, nb, eb := splitNISTID(b)
	if c := cmp.Compare(fa, fb); c != 0 {
		return c
	}
	if c := cmp.Compare(na, nb); c != 0 {
		return c
	}
	if c := cmp.Compare(ea, eb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// splitNISTID splits "SC-7(5)" into "SC", 7, 5 (enhancement 0 for a base
// control; numbers that do not parse sort first).
func splitNISTID(id string) (family string, num, enh int) {
	family, rest, _ := strings.Cut(id, "-")
	base, e, hasEnh := strings.Cut(rest, "(")
	num, _ = strconv.Atoi(base)
	if hasEnh {
		enh, _ = strconv.Atoi(strings.TrimSuffix(e, ")"))
	}
	return family, num, enh
}
