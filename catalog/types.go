package catalog

// Tiers and levels: the four cells of the maturity model.
const (
	TierPreRuntime = "pre-runtime"
	TierRuntime    = "runtime"
	LevelBasic     = "basic"
	LevelAdvanced  = "advanced"
)

// Cell names one of the four tier/level cells.
type Cell struct {
	Tier  string `json:"tier"`
	Level string `json:"level"`
}

// Cells lists the four cells in display order.
var Cells = []Cell{
	{TierPreRuntime, LevelBasic},
	{TierPreRuntime, LevelAdvanced},
	{TierRuntime, LevelBasic},
	{TierRuntime, LevelAdvanced},
}

// String is "pre-runtime/basic" etc.
func (c Cell) String() string { return c.Tier + "/" + c.Level }

// Control is one catalog entry.
type Control struct {
	ID        string `yaml:"id" json:"id"`
	Title     string `yaml:"title" json:"title"`
	Tier      string `yaml:"tier" json:"tier"`
	Level     string `yaml:"level" json:"level"`
	Objective string `yaml:"objective" json:"objective"`
	// Weight in its cell's weighted mean; defaults to 1.
	Weight float64 `yaml:"weight" json:"weight"`
	Check  Check   `yaml:"check" json:"check"`
	Refs   Refs    `yaml:"refs" json:"refs"`
	// Rationale explains the mappings, in particular where a popular
	// mapping was rejected after reading the 800-53 control's title.
	Rationale string `yaml:"rationale" json:"rationale"`
	// Guidance tells a team what to do to satisfy the control.
	Guidance string `yaml:"guidance" json:"guidance"`
}

// Check says how evidence satisfies a control.
//
// Fact checks: Scope "endpoint" evaluates the facts on each endpoint and
// scores the fraction of endpoints that satisfy them (coverage); scope
// "api" evaluates the API-level facts once. A fact satisfies when it is
// true (bool), non-zero (number) or non-empty (string, list). All lists
// facts that must all be satisfied; Any lists facts of which one suffices
// (e.g. any of several runtime auth mechanisms). A missing fact is unknown.
//
// Evaluator, when set, names a built-in evaluator in package controls used
// instead of facts, for controls decided by something other than facts
// (inventory ownership, scan findings, traffic).
type Check struct {
	Scope     string   `yaml:"scope" json:"scope"` // "api" or "endpoint"
	All       []string `yaml:"all,omitempty" json:"all,omitempty"`
	Any       []string `yaml:"any,omitempty" json:"any,omitempty"`
	Evaluator string   `yaml:"evaluator,omitempty" json:"evaluator,omitempty"`
	// SkipIf lists endpoint facts that, when true, make the endpoint not
	// applicable for this control (e.g. auth.public for authentication).
	SkipIf []string `yaml:"skip_if,omitempty" json:"skip_if,omitempty"`
}

// Refs are the framework references of a control.
type Refs struct {
	NIST80053 []string `yaml:"nist_800_53" json:"nist_800_53"`       // "AC-3", "SC-7(5)"
	SP800228  []string `yaml:"sp800_228" json:"sp800_228"`           // "REC-API-12"
	OWASP2023 []string `yaml:"owasp_api_2023" json:"owasp_api_2023"` // "API1:2023"
	CWE       []int    `yaml:"cwe,omitempty" json:"cwe,omitempty"`
}

// OWASPCategory is one OWASP API Security Top 10 2023 category.
type OWASPCategory struct {
	ID    string `yaml:"id" json:"id"` // "API1:2023"
	Title string `yaml:"title" json:"title"`
	CWE   []int  `yaml:"cwe" json:"cwe"`
	// URL is the category's page on owasp.org.
	URL string `yaml:"url" json:"url,omitempty"`
}

// NISTControl is an SP 800-53 rev5 control or enhancement from the
// official OSCAL catalog.
type NISTControl struct {
	ID     string `json:"id"`     // "AC-3", "SC-7(5)"
	Title  string `json:"title"`  // "Access Enforcement"
	Family string `json:"family"` // "Access Control"
	// Withdrawn controls must not be referenced.
	Withdrawn bool `json:"withdrawn,omitempty"`
}
