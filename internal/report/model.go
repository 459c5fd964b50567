// Package report holds what a report shows, gathered once from the store,
// so that every rendering (PDF, Excel, OSCAL, CSV) shows the same numbers
// for the same scope and date. Renderers live in subpackages and know only
// these types; they never touch the database.
//
// The large sets (findings, evidence) are streamed: a renderer ranges over
// them once, so an Excel sheet of 100,000 findings never sits in memory
// as a slice.
package report

import (
	"fmt"
	"iter"
	"time"
)

// Report is one report's content.
type Report struct {
	Title       string
	Scope       Scope
	AsOf        time.Time // the state shown (end of the period)
	From        time.Time // start of the period (trend start)
	GeneratedAt time.Time
	Generator   string // "posture v0.4.0 (abc1234)"
	// Chain is the evidence hash chain's head at AsOf, printed so a
	// reader can check it with `posture verify`.
	Chain ChainHead
	// Notes are caveats a reader must see with the figures (a report for
	// a past date without per-control results, say). Renderers print
	// them with the report's metadata.
	Notes []string

	Levels [5]int // number of APIs at maturity level 0..4
	Cells  Cells  // portfolio mean of each cell, 0-100
	Trend  []TrendPoint

	APIs       []APISummary        // by name
	Controls   []Control           // the catalog, in catalog order
	Results    []Result            // per API and control: API order, then catalog order
	Frameworks []FrameworkCoverage // OWASP API 2023 categories, then 800-53 families
	TopRisks   []Risk              // worst first, at most 20
	Gaps       []Gap               // controls with no or stale evidence

	FindingCounts FindingCounts
	// Findings streams every finding in scope (open and closed), worst
	// first. Nil when the report has none.
	Findings iter.Seq2[Finding, error]
	// Evidence streams the evidence records current at AsOf for the
	// APIs in scope, by sequence number. Nil when none.
	Evidence iter.Seq2[EvidenceRecord, error]
}

// Scope kinds.
const (
	ScopeAll  = "all"
	ScopeTeam = "team"
	ScopeAPI  = "api"
)

// Scope is what a report covers: the whole portfolio, a team's APIs or one API.
type Scope struct {
	Kind string // ScopeAll, ScopeTeam, ScopeAPI
	Name string // team or API name; "" for ScopeAll
}

func (s Scope) String() string {
	switch s.Kind {
	case ScopeTeam:
		return "team " + s.Name
	case ScopeAPI:
		return "API " + s.Name
	default:
		return "all APIs"
	}
}

// ChainHead is the last evidence record's place in the hash chain.
type ChainHead struct {
	Seq  int64
	Hash string // hex SHA-256
}

// Cells are the four maturity cells' scores, 0-100.
type Cells struct {
	PreBasic, PreAdv, RunBasic, RunAdv float64
}

// CellNames name Cells' fields in display order.
var CellNames = [4]string{"Pre-runtime basic", "Pre-runtime advanced", "Runtime basic", "Runtime advanced"}

// Values returns the cells in CellNames order.
func (c Cells) Values() [4]float64 { return [4]float64{c.PreBasic, c.PreAdv, c.RunBasic, c.RunAdv} }

// LevelNames name maturity levels 0..4.
var LevelNames = [5]string{"unknown", "inventoried", "basic", "advanced design", "advanced runtime"}

// LevelName is "2 basic".
func LevelName(l int) string {
	if l < 0 || l >= len(LevelNames) {
		return fmt.Sprint(l)
	}
	return fmt.Sprintf("%d %s", l, LevelNames[l])
}

// TrendPoint is the portfolio on one day (from the daily snapshots).
type TrendPoint struct {
	Day       time.Time
	APIs      int
	MeanLevel float64
	Cells     Cells
}

// Severities, worst first: the order of OpenBySeverity counts.
var Severities = [5]string{"critical", "high", "medium", "low", "info"}

// APISummary is one API's line in the portfolio.
type APISummary struct {
	Name, Title, Owner, Environment string
	Level                           int
	Cells                           Cells
	Unknown                         int    // controls without (fresh) evidence
	OpenBySeverity                  [5]int // open findings (one per issue), Severities order
	Overdue                         int    // open findings past their due date
	ComputedAt                      time.Time
	// Blockers say why the API is not at the next level.
	Blockers []string
}

// Control is a catalog entry as a report shows it.
type Control struct {
	ID, Title string
	Tier      string // "pre-runtime" | "runtime"
	Level     string // "basic" | "advanced"
	Weight    float64
	Objective string
	NIST80053 []string // "AC-3", "SC-8(1)"
	SP800228  []string // recommendation ids
	OWASP     []string // "API1:2023"
}

// Result statuses are controls' (pass, partial, fail, unknown, not_applicable).

// Result is one control's result for one API.
type Result struct {
	API, ControlID string
	Status         string
	Coverage       float64 // 0-1; 1 for pass, 0 for fail and unknown
	Covered, Total int     // endpoints, when the control is per endpoint
	Reason         string
	Evidence       []EvidenceRef
	CappedBy       []int64 // finding ids that capped the score
}

// EvidenceRef points at an evidence record.
type EvidenceRef struct {
	ID         int64
	Hash       string
	Source     string
	ObservedAt time.Time
}

// FrameworkCoverage is how one framework item (an OWASP API 2023 category
// or an 800-53 control family) is covered across the APIs in scope.
type FrameworkCoverage struct {
	Framework                    string // "OWASP API 2023" or "NIST SP 800-53 rev5"
	ID                           string // "API1:2023", "AC"
	Title                        string
	Controls                     int     // catalog controls mapped to it
	Score                        float64 // mean control score over APIs and mapped controls, 0-100
	Pass, Partial, Fail, Unknown int
}

// Risk is a top open issue.
type Risk struct {
	FindingID int64
	API       string
	Title     string
	Severity  string
	Status    string
	OWASP     string
	DueAt     *time.Time
	Overdue   bool
}

// Finding is a finding with its history.
type Finding struct {
	ID                        int64
	API, Tool, RuleID, Title  string
	Severity, Status          string
	CWE                       int
	OWASP, Location, Assignee string
	TrackerURL                string
	FirstSeen, LastSeen       time.Time
	DueAt                     *time.Time
	Overdue                   bool
	AcceptedUntil             *time.Time
	DuplicateOf               *int64
	History                   []Event
}

// Event is one change in a finding's history.
type Event struct {
	At             time.Time
	Actor, Kind    string
	From, To, Note string
}

// FindingCounts summarises the findings in scope (one per issue).
type FindingCounts struct {
	OpenBySeverity [5]int // Severities order
	Open, Overdue  int
	RiskAccepted   int
	Total          int // every finding, closed included
}

// EvidenceRecord is one evidence record as the Evidence sheet lists it.
type EvidenceRecord struct {
	ID, Seq                int64
	API, Endpoint          string
	Source, Collector      string
	Location               string
	Facts                  string // JSON object
	ArtifactSHA256         string
	Hash, PrevHash         string
	ObservedAt, RecordedAt time.Time
}

// Gap is a control without usable evidence for an API.
type Gap struct {
	API, ControlID, ControlTitle, Reason string
}
