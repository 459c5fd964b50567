package controls

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/posture-dev/posture/catalog"
)

func TestCellScores(t *testing.T) {
	pb, pa := catalog.TierPreRuntime, catalog.TierRuntime
	basic, adv := catalog.LevelBasic, catalog.LevelAdvanced
	w := func(c catalog.Control, weight float64) catalog.Control { c.Weight = weight; return c }
	epc := catalog.Check{Scope: ScopeEndpoint, All: []string{"e"}, SkipIf: []string{"skip"}}
	epc2 := catalog.Check{Scope: ScopeEndpoint, All: []string{"g"}}
	cat := newCat(
		// pre-runtime basic: 2*1 + 1*0.25 + 1*0 (unknown) over weight 4
		// = 56.25 -> 56.3; D (weight 3) is not applicable and excluded.
		w(ctl("A", pb, basic, apiCheck([]string{"a"})), 2),
		w(ctl("B", pb, basic, catalog.Check{Scope: ScopeEndpoint, All: []string{"b"}}), 1),
		w(ctl("C", pb, basic, apiCheck([]string{"missing"})), 1),
		w(ctl("D", pb, basic, epc), 3),
		// runtime basic: weight 0 defaults to 1; (1*1 + 1*0)/2 = 50.
		w(ctl("E", pa, basic, apiCheck([]string{"a"})), 0),
		w(ctl("F", pa, basic, apiCheck([]string{"f"})), 1),
		// pre-runtime advanced: nothing.
		// runtime advanced: G covers 2 of 4 endpoints (GET /4 has no g
		// fact, which counts as not satisfying): (1.5*0.5 + 0.5*1)/2 = 62.5.
		w(ctl("G", pa, adv, epc2), 1.5),
		w(ctl("H", pa, adv, apiCheck([]string{"a"})), 0.5),
	)
	in := APIInput{
		APIFacts: facts("a", true, "f", false),
		Endpoints: []EndpointInput{
			ep("GET /1", "b", true, "skip", true, "g", true),
			ep("GET /2", "b", false, "skip", true, "g", true),
			ep("GET /3", "b", false, "skip", true, "g", false),
			ep("GET /4", "b", false, "skip", true),
		},
	}
	a := Evaluate(cat, in, opts())
	want := []CellScore{
		{Cell: catalog.Cells[0], Score: 56.3, Controls: 3, Unknown: 1},
		{Cell: catalog.Cells[1], Score: 0, Controls: 0, Unknown: 0},
		{Cell: catalog.Cells[2], Score: 50, Controls: 2, Unknown: 0},
		{Cell: catalog.Cells[3], Score: 62.5, Controls: 2, Unknown: 0},
	}
	if !reflect.DeepEqual(a.Cells, want) {
		t.Errorf("cells\n got %+v\nwant %+v", a.Cells, want)
	}
	byID := map[string]Result{}
	for _, r := range a.Results {
		byID[r.ControlID] = r
	}
	if r := byID["G"]; r.Score != 0.5 || r.Status != StatusPartial {
		t.Fatalf("G = %s %v", r.Status, r.Score)
	}
	if r := byID["B"]; r.Score != 0.25 {
		t.Errorf("B score %v, want 0.25", r.Score)
	}
	if r := byID["D"]; r.Status != StatusNotApplicable {
		t.Errorf("D status %s, want not_applicable", r.Status)
	}
	if r := byID["E"]; r.Weight != 1 {
		t.Errorf("E weight %v, want default 1", r.Weight)
	}
}

func TestCellScoreRounding(t *testing.T) {
	c := func(id, fact string) catalog.Control { return prb(id, apiCheck([]string{fact})) }
	tests := []struct {
		name  string
		facts map[string]Observation
		eps   []EndpointInput
		cat   *catalog.Catalog
		want  float64
	}{
		{"one third", facts("x", true), nil, newCat(c("A", "x"), c("B", "y"), c("C", "z")), 33.3},
		{"two thirds", facts("x", true, "y", true), nil, newCat(c("A", "x"), c("B", "y"), c("C", "z")), 66.7},
		{"coverage 2/3 keeps precision until the cell", nil,
			[]EndpointInput{ep("a", "e", true), ep("b", "e", true), ep("c", "e", false)},
			newCat(prb("A", catalog.Check{Scope: ScopeEndpoint, All: []string{"e"}})), 66.7},
	}
	for _, tt := range tests {
		a := Evaluate(tt.cat, APIInput{APIFacts: tt.facts, Endpoints: tt.eps}, opts())
		if got := a.Cells[0].Score; got != tt.want {
			t.Errorf("%s: cell score %v, want %v", tt.name, got, tt.want)
		}
	}
	a := Evaluate(newCat(prb("A", catalog.Check{Scope: ScopeEndpoint, All: []string{"e"}})),
		APIInput{Endpoints: []EndpointInput{ep("a", "e", true), ep("b", "e", true), ep("c", "e", false)}}, opts())
	if a.Results[0].Score != 2.0/3 {
		t.Errorf("result score %v should keep full precision", a.Results[0].Score)
	}
}

// levelCat has one or two api-scope controls per cell, each on its own fact.
func levelCat() *catalog.Catalog {
	c := func(id, tier, level, fact string, weight float64) catalog.Control {
		ct := ctl(id, tier, level, apiCheck([]string{fact}))
		ct.Weight = weight
		return ct
	}
	return newCat(
		c("PB1", catalog.TierPreRuntime, catalog.LevelBasic, "pb", 4),
		c("PB2", catalog.TierPreRuntime, catalog.LevelBasic, "pb2", 1),
		c("RB", catalog.TierRuntime, catalog.LevelBasic, "rb", 1),
		c("PA", catalog.TierPreRuntime, catalog.LevelAdvanced, "pa", 1),
		c("RA1", catalog.TierRuntime, catalog.LevelAdvanced, "ra", 9),
		c("RA2", catalog.TierRuntime, catalog.LevelAdvanced, "ra2", 1),
	)
}

func TestLevels(t *testing.T) {
	past, future := now.Add(-day24), now.Add(day24)
	crit := func(status string) FindingInput {
		return FindingInput{ID: 5, Severity: "critical", Status: status, OWASP: "API10:2023"}
	}
	tests := []struct {
		name     string
		owner    string
		set      map[string]any // fact overrides; nil value deletes
		findings []FindingInput
		opt      Options
		cat      *catalog.Catalog
		level    int
		last     string // expected in the last reason
	}{
		{"everything holds", "team", nil, nil, opts(), nil, 4, "This is the highest level."},
		{"no owner", "", nil, nil, opts(), nil, 0, "Blocks level 1 (inventoried): no owner team is recorded."},
		{"no spec", "team", map[string]any{"spec.present": nil}, nil, opts(), nil, 0, "no machine-readable spec has been collected"},
		{"spec false", "team", map[string]any{"spec.present": false}, nil, opts(), nil, 0, "spec.present is false"},
		{"spec stale", "team", map[string]any{"spec.present": aged(true, 40)}, nil, opts(), nil, 0, "the spec evidence is 40 days old (freshness window 30 days)"},
		{"runtime basic fails", "team", map[string]any{"rb": false}, nil, opts(), nil, 1,
			"Blocks level 2 (basic): runtime/basic scores 0.0, below 80."},
		{"pre-runtime basic lacks evidence", "team", map[string]any{"pb": nil}, nil, opts(), nil, 1,
			"pre-runtime/basic scores 20.0, below 80 (1 of 2 controls lack evidence)"},
		{"exactly at the threshold", "team", map[string]any{"pb2": false}, nil, opts(), nil, 4, "highest level"},
		{"open critical", "team", nil, []FindingInput{crit("open")}, opts(), nil, 1,
			"Blocks level 2 (basic): open critical finding #5 (critical, API10:2023, open)."},
		{"in-progress critical", "team", nil, []FindingInput{crit("in_progress")}, opts(), nil, 1, "#5"},
		{"fixed critical", "team", nil, []FindingInput{crit("fixed")}, opts(), nil, 4, "highest level"},
		{"accepted critical", "team", nil, []FindingInput{{ID: 5, Severity: "critical", Status: "risk_accepted", OWASP: "API10:2023", AcceptedUntil: future, DueAt: past}},
			opts(), nil, 4, "highest level"},
		{"expired acceptance", "team", nil, []FindingInput{{ID: 5, Severity: "critical", Status: "risk_accepted", OWASP: "API10:2023", AcceptedUntil: past}},
			opts(), nil, 1, "risk acceptance expired"},
		{"pre-runtime advanced fails", "team", map[string]any{"pa": false}, nil, opts(), nil, 2,
			"Blocks level 3 (advanced design): pre-runtime/advanced scores 0.0, below 80."},
		{"runtime advanced fails", "team", map[string]any{"ra": false}, nil, opts(), nil, 3,
			"Blocks level 4 (advanced runtime): runtime/advanced scores 10.0, below 80."},
		{"overdue high", "team", nil, []FindingInput{{ID: 6, Severity: "high", Status: "open", DueAt: past}}, opts(), nil, 3,
			"overdue critical/high finding #6 (high, open) due 2025-05-31"},
		{"high within SLA", "team", nil, []FindingInput{{ID: 6, Severity: "high", Status: "open", DueAt: future}}, opts(), nil, 4, "highest level"},
		{"overdue medium", "team", nil, []FindingInput{{ID: 6, Severity: "medium", Status: "open", DueAt: past}}, opts(), nil, 4, "highest level"},
		{"stale evidence", "team", map[string]any{"ra2": aged(true, 31)}, nil, opts(), nil, 3,
			"Blocks level 4 (advanced runtime): evidence older than 30 days in RA2."},
		{"custom basic threshold", "team", map[string]any{"pb2": false}, nil, Options{Now: now, BasicThreshold: 95}, nil, 1,
			"pre-runtime/basic scores 80.0, below 95"},
		{"custom advanced threshold", "team", map[string]any{"ra2": false}, nil, Options{Now: now, AdvancedThreshold: 95}, nil, 3,
			"runtime/advanced scores 90.0, below 95"},
		{"no runtime advanced controls", "team", nil, nil, opts(), newCat(levelCat().Controls[:4]...), 3,
			"runtime/advanced has no applicable control (scores 0, needs 80)"},
		{"empty catalog", "team", nil, nil, opts(), newCat(), 1, "pre-runtime/basic has no applicable control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts("spec.present", true, "pb", true, "pb2", true, "rb", true, "pa", true, "ra", true, "ra2", true)
			for k, v := range tt.set {
				switch v := v.(type) {
				case nil:
					delete(f, k)
				case Observation:
					f[k] = v
				default:
					f[k] = fresh(v)
				}
			}
			cat := tt.cat
			if cat == nil {
				cat = levelCat()
			}
			a := Evaluate(cat, APIInput{Name: "api", Owner: tt.owner, APIFacts: f, Findings: tt.findings}, tt.opt)
			if a.Level != tt.level {
				t.Errorf("level %d, want %d; reasons %q", a.Level, tt.level, a.LevelReasons)
			}
			// One sentence per level reached plus the blocker (or "highest").
			if len(a.LevelReasons) != max(a.Level, 1)+1 {
				t.Errorf("%d reasons for level %d: %q", len(a.LevelReasons), a.Level, a.LevelReasons)
			}
			if n := len(a.LevelReasons); n > 0 {
				containsAll(t, "last reason", a.LevelReasons[n-1], tt.last)
			}
		})
	}
}

func TestLevelReasonsExplainEachRule(t *testing.T) {
	f := facts("spec.present", true, "pb", true, "pb2", true, "rb", true, "pa", false, "ra", true, "ra2", true)
	fs := []FindingInput{{ID: 5, Severity: "critical", Status: "risk_accepted", AcceptedUntil: now.Add(day24)}}
	a := Evaluate(levelCat(), APIInput{Owner: "payments", APIFacts: f, Findings: fs}, opts())
	want := []string{
		"Level 1 (inventoried): owner payments and a current machine-readable spec are recorded.",
		"Level 2 (basic): pre-runtime/basic 100.0 and runtime/basic 100.0 are at least 80, and no critical finding is open (accepted risk: #5 (critical, risk accepted until 2025-06-02)).",
		"Blocks level 3 (advanced design): pre-runtime/advanced scores 0.0, below 80.",
	}
	if !slices.Equal(a.LevelReasons, want) {
		t.Errorf("reasons\n got %q\nwant %q", a.LevelReasons, want)
	}
}

func TestLevelZeroReasons(t *testing.T) {
	a := Evaluate(levelCat(), APIInput{}, opts())
	want := []string{
		"Level 0 (unknown): the API is not inventoried with an owner and a current spec.",
		"Blocks level 1 (inventoried): no owner team is recorded; no machine-readable spec has been collected.",
	}
	if a.Level != 0 || !slices.Equal(a.LevelReasons, want) {
		t.Errorf("level %d reasons %q", a.Level, a.LevelReasons)
	}
}

func TestDeterminism(t *testing.T) {
	cat := newCat(
		prb("Z-AUTH", authCheck, "API2:2023"),
		prb("A-SCHEMA", catalog.Check{Scope: ScopeEndpoint, All: []string{"request.schema_defined"}}, "API3:2023"),
		ctl("M-TLS", catalog.TierRuntime, catalog.LevelBasic, apiCheck([]string{"tls.enforced"})),
		ctl("INV", catalog.TierPreRuntime, catalog.LevelBasic, catalog.Check{Evaluator: EvaluatorInventory}),
	)
	var eps []EndpointInput
	for i := range 40 {
		k := "GET /r" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		eps = append(eps, ep(k, "auth.declared", i%3 != 0, "auth.public", i%11 == 0, "request.schema_defined", i%4 != 0))
	}
	fs := []FindingInput{
		{ID: 3, Severity: "high", Status: "open", OWASP: "API2:2023"},
		{ID: 1, Severity: "critical", Status: "risk_accepted", OWASP: "API3:2023", AcceptedUntil: now.Add(day24)},
		{ID: 2, Severity: "high", Status: "in_progress", OWASP: "API2:2023"},
	}
	in := APIInput{Name: "api", Owner: "team", APIFacts: facts("spec.present", true, "tls.enforced", true), Endpoints: eps, Findings: fs}
	first, _ := json.Marshal(Evaluate(cat, in, opts()))
	rng := rand.New(rand.NewSource(1))
	for range 20 {
		in2 := in
		in2.Endpoints = slices.Clone(eps)
		in2.Findings = slices.Clone(fs)
		rng.Shuffle(len(in2.Endpoints), func(i, j int) { in2.Endpoints[i], in2.Endpoints[j] = in2.Endpoints[j], in2.Endpoints[i] })
		rng.Shuffle(len(in2.Findings), func(i, j int) { in2.Findings[i], in2.Findings[j] = in2.Findings[j], in2.Findings[i] })
		cat2 := newCat(slices.Clone(cat.Controls)...)
		rng.Shuffle(len(cat2.Controls), func(i, j int) { cat2.Controls[i], cat2.Controls[j] = cat2.Controls[j], cat2.Controls[i] })
		got, _ := json.Marshal(Evaluate(cat2, in2, opts()))
		if string(got) != string(first) {
			t.Fatalf("different output for the same input:\n%s\n%s", first, got)
		}
	}
	var a Assessment
	if err := json.Unmarshal(first, &a); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range a.Results {
		ids = append(ids, r.ControlID)
	}
	if !slices.IsSorted(ids) || len(ids) != 4 {
		t.Errorf("results not sorted by control id: %q", ids)
	}
	if got := a.Results[3].CappedBy; !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("Z-AUTH capped_by %v, want sorted [2 3]", got)
	}
	// The input is not modified.
	if in.Endpoints[0].Key != eps[0].Key || in.Findings[0].ID != 3 {
		t.Error("Evaluate reordered the caller's slices")
	}
}

func TestSummarize(t *testing.T) {
	cells := func(scores [4]float64, controls [4]int) []CellScore {
		out := make([]CellScore, 4)
		for i := range out {
			out[i] = CellScore{Cell: catalog.Cells[i], Score: scores[i], Controls: controls[i]}
		}
		return out
	}
	unknowns := func(n int) []Result {
		rs := []Result{{ControlID: "P", Status: StatusPass}}
		for range n {
			rs = append(rs, Result{ControlID: "U", Status: StatusUnknown})
		}
		return rs
	}
	as := []Assessment{
		{API: "pay", Level: 2, Results: unknowns(1), Cells: cells([4]float64{80, 40, 90, 0}, [4]int{2, 1, 3, 0})},
		{API: "cards", Level: 4, Results: unknowns(0), Cells: cells([4]float64{100, 90, 95, 85}, [4]int{2, 1, 3, 2})},
		{API: "legacy", Level: 0, Results: unknowns(3), Cells: cells([4]float64{10, 0, 0, 0}, [4]int{2, 0, 3, 2})},
	}
	teams := map[string]string{"pay": "payments", "cards": "payments"}
	p := Summarize(as, func(api string) string { return teams[api] })

	o := p.Overall
	if o.Team != "" || o.APIs != 3 || o.Levels != [5]int{1, 0, 1, 0, 1} || o.Unknown != 4 {
		t.Errorf("overall %+v", o)
	}
	// pre-runtime basic (80+100+10)/3 = 63.3; pre-runtime advanced over
	// the two APIs with controls (40+90)/2 = 65; runtime basic
	// (90+95+0)/3 = 61.7; runtime advanced (85+0)/2 = 42.5 (pay has none).
	wantCells := []CellMean{
		{Cell: catalog.Cells[0], Mean: 63.3, APIs: 3},
		{Cell: catalog.Cells[1], Mean: 65, APIs: 2},
		{Cell: catalog.Cells[2], Mean: 61.7, APIs: 3},
		{Cell: catalog.Cells[3], Mean: 42.5, APIs: 2},
	}
	if !reflect.DeepEqual(o.Cells, wantCells) {
		t.Errorf("overall cells\n got %+v\nwant %+v", o.Cells, wantCells)
	}
	if len(p.Teams) != 2 || p.Teams[0].Team != NoTeam || p.Teams[1].Team != "payments" {
		t.Fatalf("teams %+v", p.Teams)
	}
	pay := p.Teams[1]
	if pay.APIs != 2 || pay.Levels != [5]int{0, 0, 1, 0, 1} || pay.Unknown != 1 {
		t.Errorf("payments %+v", pay)
	}
	if pay.Cells[0].Mean != 90 || pay.Cells[1].Mean != 65 || pay.Cells[3].Mean != 85 || pay.Cells[3].APIs != 1 {
		t.Errorf("payments cells %+v", pay.Cells)
	}
	if nt := p.Teams[0]; nt.APIs != 1 || nt.Levels[0] != 1 || nt.Unknown != 3 || nt.Cells[1].APIs != 0 || nt.Cells[1].Mean != 0 {
		t.Errorf("no team %+v", nt)
	}

	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, "json", string(b), `"overall":{"apis":3,"levels":[1,0,1,0,1],"cells":[{"cell":{"tier":"pre-runtime","level":"basic"},"mean":63.3,"apis":3}`, `"teams":[{"team":"(no team)"`, `"unknown":4`)

	// nil teamOf and no assessments.
	if p := Summarize(as, nil); len(p.Teams) != 1 || p.Teams[0].Team != NoTeam || p.Teams[0].APIs != 3 {
		t.Errorf("nil teamOf: %+v", p.Teams)
	}
	if p := Summarize(nil, nil); p.Overall.APIs != 0 || len(p.Teams) != 0 || len(p.Overall.Cells) != 4 {
		t.Errorf("empty: %+v", p)
	}
}
