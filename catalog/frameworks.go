package catalog

// Recommendation is one NIST SP 800-228 recommendation (REC-API-n).
//
// The ids, tiers and levels come from secondary sources, not from the
// document text (see Status and Note): posture shows them as such.
type Recommendation struct {
	ID    string `yaml:"id" json:"id"` // "REC-API-12"
	Tier  string `yaml:"tier" json:"tier"`
	Level string `yaml:"level" json:"level"`
	// Summary is posture's own-words paraphrase, not NIST's wording.
	Summary string `yaml:"summary" json:"summary"`
	// Status is "secondary" (id and theme from secondary sources only) or
	// "secondary, conflict" (the sources disagree on it); "confirmed" once
	// checked against the document.
	Status string `yaml:"status" json:"status"`
	// Sources are the secondary sources' letters (see SP800228Source.Note).
	Sources []string `yaml:"sources" json:"sources"`
	Note    string   `yaml:"note,omitempty" json:"note,omitempty"`
}

// Section is a section or appendix of SP 800-228 that controls may cite
// when no REC-API item fits ("SEC-2.1", "APP-B").
type Section struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"` // own-words
	Status  string `yaml:"status" json:"status"`
	Summary string `yaml:"summary,omitempty" json:"summary,omitempty"`
}

// SP800228Source describes the edition the recommendations refer to and
// how far the ids can be trusted.
type SP800228Source struct {
	Document string `yaml:"document" json:"document"`
	Edition  string `yaml:"edition" json:"edition"`
	DOI      string `yaml:"doi" json:"doi"`
	Status   string `yaml:"status" json:"status"`
	Note     string `yaml:"note" json:"note"`
}

// OWASPSource describes where the OWASP categories come from.
type OWASPSource struct {
	Edition string `yaml:"edition" json:"edition"`
	Source  string `yaml:"source" json:"source"`
	License string `yaml:"license" json:"license"`
}

// CWE mapping sources.
const (
	// CWESourceOWASP: the CWE is listed by OWASP itself in the category's
	// references.
	CWESourceOWASP = "owasp"
	// CWESourceInference: posture's own judgement, with a rationale.
	CWESourceInference = "posture-inference"
)

// CWEMapping maps a CWE to OWASP API Security Top 10 2023 categories, used
// to classify scanner findings.
type CWEMapping struct {
	CWE       int      `yaml:"cwe" json:"cwe"`
	OWASP     []string `yaml:"owasp" json:"owasp"`
	Source    string   `yaml:"source" json:"source"` // CWESourceOWASP or CWESourceInference
	Rationale string   `yaml:"rationale,omitempty" json:"rationale,omitempty"`
}

// NISTSource records which release of the official OSCAL catalog the
// embedded SP 800-53 data was trimmed from.
type NISTSource struct {
	File         string `json:"file"`
	SHA256       string `json:"sha256"`
	UUID         string `json:"uuid"`
	Title        string `json:"title"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal_version"`
	LastModified string `json:"last_modified"`
}
