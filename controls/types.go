package controls

import (
	"time"

	"github.com/posture-dev/posture/catalog"
)

// Result statuses.
const (
	StatusPass          = "pass"
	StatusPartial       = "partial"
	StatusFail          = "fail"
	StatusUnknown       = "unknown"
	StatusNotApplicable = "not_applicable"
)

// Observation is one fact value as stored, with the evidence behind it.
type Observation struct {
	Value      any // bool, int64, float64, string or []string
	EvidenceID int64
	Hash       string // the evidence record's chain hash
	Source     string // source name that produced it
	ObservedAt time.Time
}

// EndpointInput is one endpoint with the latest observation per fact key.
type EndpointInput struct {
	Key        string // "GET /users/{id}"
	Deprecated bool
	Facts      map[string]Observation
}

// FindingInput is a finding relevant to scoring.
type FindingInput struct {
	ID       int64
	Title    string
	Severity string // critical|high|medium|low|info
	// Status is open, in_progress, fixed, verified, false_positive,
	// risk_accepted. Only open and in_progress cap scores; risk_accepted
	// with AcceptedUntil in the future is listed but does not cap.
	Status        string
	OWASP         string // "API1:2023"
	Endpoint      string
	DueAt         time.Time // zero when no SLA applies
	AcceptedUntil time.Time
}

// APIInput is everything known about one API.
type APIInput struct {
	Name      string
	Owner     string
	APIFacts  map[string]Observation
	Endpoints []EndpointInput
	Findings  []FindingInput
	// SnapshotDays is how many daily score snapshots exist for the API
	// (the "maturity metrics tracked" control needs history).
	SnapshotDays int
	// ShadowRoutes and UnroutedEndpoints describe gateway coverage (see
	// Assessment); Evaluate passes them through.
	ShadowRoutes      []string
	UnroutedEndpoints []string
}

// Options tune the evaluation.
type Options struct {
	Now time.Time
	// Freshness: evidence older than this counts as unknown. Default 30 days.
	Freshness time.Duration
	// Thresholds for maturity levels (0-100). Defaults 80.
	BasicThreshold    float64
	AdvancedThreshold float64
}

// EvidenceRef points at an evidence record that decided a result.
type EvidenceRef struct {
	ID         int64     `json:"id"`
	Hash       string    `json:"hash"`
	Source     string    `json:"source"`
	ObservedAt time.Time `json:"observed_at"`
	Fact       string    `json:"fact"`
	Endpoint   string    `json:"endpoint,omitempty"`
}

// Result is one control's outcome for one API.
type Result struct {
	ControlID string  `json:"control_id"`
	Status    string  `json:"status"`
	Score     float64 `json:"score"` // 0..1 after any finding cap
	// Covered/Total: endpoints satisfying the check out of applicable ones
	// (endpoint scope), or 1/1, 0/1 at API scope.
	Covered int    `json:"covered"`
	Total   int    `json:"total"`
	Reason  string `json:"reason"`
	// Evidence that decided the result (capped to a sample for endpoint
	// scope; Covered/Total give the full picture).
	Evidence []EvidenceRef `json:"evidence"`
	// Failing lists (a sample of) endpoints that do not satisfy the check.
	Failing []string `json:"failing,omitempty"`
	// Findings that capped the score, and accepted risks listed alongside.
	CappedBy []int64 `json:"capped_by,omitempty"`
	Accepted []int64 `json:"accepted,omitempty"`
	Stale    bool    `json:"stale,omitempty"` // unknown because evidence is too old
	Weight   float64 `json:"weight"`
	Tier     string  `json:"tier"`
	Level    string  `json:"level"`
}

// CellScore is the weighted mean of a cell's control scores, 0-100.
type CellScore struct {
	Cell     catalog.Cell `json:"cell"`
	Score    float64      `json:"score"`
	Controls int          `json:"controls"` // applicable controls
	Unknown  int          `json:"unknown"`  // of which without evidence
}

// Assessment is the evaluation of one API.
type Assessment struct {
	API     string      `json:"api"`
	Results []Result    `json:"results"`
	Cells   []CellScore `json:"cells"` // in catalog.Cells order
	Level   int         `json:"level"` // 0..4
	// LevelReasons says why the API is at its level and what blocks the
	// next one, in plain words.
	LevelReasons []string `json:"level_reasons"`
	// Gateway coverage, filled by the scoring service when the API has
	// gateway routes: routes that match no operation of the description
	// (shadow: served, not specified) and operations no route serves.
	ShadowRoutes      []string `json:"shadow_routes,omitempty"`
	UnroutedEndpoints []string `json:"unrouted_endpoints,omitempty"`
}

// CellScores returns the four cells' scores in catalog.Cells order (0 for
// a cell the assessment lacks), matched by cell rather than by position.
func (a Assessment) CellScores() [4]float64 {
	var out [4]float64
	for _, cs := range a.Cells {
		for i, c := range catalog.Cells {
			if cs.Cell == c {
				out[i] = cs.Score
			}
		}
	}
	return out
}

// LevelNames are the maturity levels' names.
var LevelNames = []string{"unknown", "inventoried", "basic", "advanced design", "advanced runtime"}
