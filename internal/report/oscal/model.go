package oscal

// The types below are the subset of the OSCAL 1.1.2 assessment-results
// JSON model posture writes. Field order follows the model's so the
// document reads like NIST's examples; every optional field is omitempty
// because the schema forbids empty arrays (minItems 1) and empty strings
// in most places.

// prop is an OSCAL property. Names are NCName tokens (no colon), so
// posture's own properties carry the ns below instead of a "posture:"
// prefix.
type prop struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
	Class string `json:"class,omitempty"`
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel,omitempty"`
	Text string `json:"text,omitempty"`
}

type metadata struct {
	Title        string `json:"title"`
	Published    string `json:"published,omitempty"`
	LastModified string `json:"last-modified"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal-version"`
	Props        []prop `json:"props,omitempty"`
	Remarks      string `json:"remarks,omitempty"`
}

type importAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

type status struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

type component struct {
	UUID        string `json:"uuid"`
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Props       []prop `json:"props,omitempty"`
	Status      status `json:"status"`
}

type usesComponent struct {
	ComponentUUID string `json:"component-uuid"`
}

type platform struct {
	UUID           string          `json:"uuid"`
	Title          string          `json:"title,omitempty"`
	UsesComponents []usesComponent `json:"uses-components,omitempty"`
}

type assessmentAssets struct {
	Components          []component `json:"components,omitempty"`
	AssessmentPlatforms []platform  `json:"assessment-platforms"`
}

type localDefinitions struct {
	Components       []component       `json:"components,omitempty"`
	AssessmentAssets *assessmentAssets `json:"assessment-assets,omitempty"`
}

type selectControl struct {
	ControlID string `json:"control-id"`
}

type controlSelection struct {
	Description     string          `json:"description,omitempty"`
	Props           []prop          `json:"props,omitempty"`
	IncludeControls []selectControl `json:"include-controls,omitempty"`
	Remarks         string          `json:"remarks,omitempty"`
}

type reviewedControls struct {
	Description       string             `json:"description,omitempty"`
	ControlSelections []controlSelection `json:"control-selections"`
}

type subjectRef struct {
	SubjectUUID string `json:"subject-uuid"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
}

type relevantEvidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description"`
	Props       []prop `json:"props,omitempty"`
	Remarks     string `json:"remarks,omitempty"`
}

type observation struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description"`
	Props            []prop             `json:"props,omitempty"`
	Methods          []string           `json:"methods"`
	Subjects         []subjectRef       `json:"subjects,omitempty"`
	RelevantEvidence []relevantEvidence `json:"relevant-evidence,omitempty"`
	Collected        string             `json:"collected"`
	Remarks          string             `json:"remarks,omitempty"`
}

type threatID struct {
	System string `json:"system"`
	Href   string `json:"href,omitempty"`
	ID     string `json:"id"`
}

type risk struct {
	UUID        string     `json:"uuid"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Statement   string     `json:"statement"`
	Props       []prop     `json:"props,omitempty"`
	Links       []link     `json:"links,omitempty"`
	Status      string     `json:"status"`
	ThreatIDs   []threatID `json:"threat-ids,omitempty"`
	Deadline    string     `json:"deadline,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
}

type implementationStatus struct {
	State string `json:"state"`
}

type findingTarget struct {
	Type                 string                `json:"type"`
	TargetID             string                `json:"target-id"`
	Title                string                `json:"title,omitempty"`
	Status               status                `json:"status"`
	ImplementationStatus *implementationStatus `json:"implementation-status,omitempty"`
}

type relatedObservation struct {
	ObservationUUID string `json:"observation-uuid"`
}

type relatedRisk struct {
	RiskUUID string `json:"risk-uuid"`
}

type finding struct {
	UUID                string               `json:"uuid"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Props               []prop               `json:"props,omitempty"`
	Target              findingTarget        `json:"target"`
	RelatedObservations []relatedObservation `json:"related-observations,omitempty"`
	RelatedRisks        []relatedRisk        `json:"related-risks,omitempty"`
	Remarks             string               `json:"remarks,omitempty"`
}
