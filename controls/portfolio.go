package controls

import (
	"sort"

	"github.com/posture-dev/posture/catalog"
)

// NoTeam is the team name Summarize uses for APIs whose team is empty.
const NoTeam = "(no team)"

// Portfolio aggregates assessments overall and per team.
type Portfolio struct {
	Overall PortfolioGroup   `json:"overall"`
	Teams   []PortfolioGroup `json:"teams"` // sorted by team name
}

// PortfolioGroup is the aggregate of a set of APIs.
type PortfolioGroup struct {
	Team string `json:"team,omitempty"` // empty for the overall group
	APIs int    `json:"apis"`
	// Levels counts APIs per maturity level: Levels[n] is the number of
	// APIs at level n (0..4).
	Levels [5]int `json:"levels"`
	// Cells holds the mean of each cell's score, in catalog.Cells order.
	Cells []CellMean `json:"cells"`
	// Unknown counts results with status unknown (evidence gaps) over all
	// APIs of the group.
	Unknown int `json:"unknown"`
}

// CellMean is the mean of one cell's score over the APIs for which the
// cell has at least one applicable control (an API with none is left out
// rather than counted as 0, as not applicable controls are).
type CellMean struct {
	Cell catalog.Cell `json:"cell"`
	Mean float64      `json:"mean"` // 0-100, one decimal
	APIs int          `json:"apis"` // APIs that contribute to the mean
}

type accumulator struct {
	g    PortfolioGroup
	sums []float64
}

func newAccumulator(team string) *accumulator {
	acc := &accumulator{g: PortfolioGroup{Team: team, Cells: make([]CellMean, len(catalog.Cells))}, sums: make([]float64, len(catalog.Cells))}
	for i, c := range catalog.Cells {
		acc.g.Cells[i].Cell = c
	}
	return acc
}

func (acc *accumulator) add(a Assessment) {
	acc.g.APIs++
	acc.g.Levels[min(max(a.Level, 0), len(acc.g.Levels)-1)]++
	for _, r := range a.Results {
		if r.Status == StatusUnknown {
			acc.g.Unknown++
		}
	}
	for i, c := range catalog.Cells {
		for _, cs := range a.Cells {
			if cs.Cell == c && cs.Controls > 0 {
				acc.sums[i] += cs.Score
				acc.g.Cells[i].APIs++
			}
		}
	}
}

func (acc *accumulator) done() PortfolioGroup {
	for i := range acc.g.Cells {
		if n := acc.g.Cells[i].APIs; n > 0 {
			acc.g.Cells[i].Mean = round1(acc.sums[i] / float64(n))
		}
	}
	return acc.g
}

// Summarize aggregates assessments overall and per team. teamOf maps an
// API name to its owner team; nil or an empty team puts the API in NoTeam.
func Summarize(assessments []Assessment, teamOf func(api string) string) Portfolio {
	overall := newAccumulator("")
	teams := map[string]*accumulator{}
	for _, a := range assessments {
		team := ""
		if teamOf != nil {
			team = teamOf(a.API)
		}
		if team == "" {
			team = NoTeam
		}
		acc, ok := teams[team]
		if !ok {
			acc = newAccumulator(team)
			teams[team] = acc
		}
		acc.add(a)
		overall.add(a)
	}
	p := Portfolio{Overall: overall.done(), Teams: make([]PortfolioGroup, 0, len(teams))}
	for _, acc := range teams {
		p.Teams = append(p.Teams, acc.done())
	}
	sort.Slice(p.Teams, func(i, j int) bool { return p.Teams[i].Team < p.Teams[j].Team })
	return p
}
