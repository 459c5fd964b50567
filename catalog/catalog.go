// Package catalog holds posture's control catalog: the controls, their
// tier/level cell, how evidence satisfies them, and their references to
// NIST SP 800-53 rev5, NIST SP 800-228 and the OWASP API Security Top 10
// 2023. The data is embedded in the binary and validated at load.
package catalog

// Catalog is the loaded, validated catalog.
type Catalog struct {
	Version  string
	Controls []Control
	OWASP    []OWASPCategory
	// NIST holds the SP 800-53 rev5 controls (trimmed from the official
	// OSCAL catalog), by id ("AC-3", "SC-7(5)").
	NIST map[string]NISTControl
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
