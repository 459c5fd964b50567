package xlsx

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/posture-dev/posture/internal/report"
)

// summary writes the Summary sheet: the report's identity and key figures
// as one filterable table, each value typed.
func (b *book) summary(_ context.Context, r report.Report) error {
	cols := []column{{"Section", 16}, {"Item", 34}, {"Value", 68}, {"Note", 56}}
	s, err := b.newSheet(sheetSummary, "summary sheet", widths(cols), 1, 0, true)
	if err != nil {
		return err
	}
	if err := s.table(cols); err != nil {
		return err
	}
	st := &b.st
	text := func(v string) any { return excelize.Cell{StyleID: st.lText, Value: clip(v)} }
	num := func(v int) any { return excelize.Cell{StyleID: st.lInt, Value: v} }
	// Every text cell is top-aligned and wraps, so a long title in the
	// Value column never leaves its row's labels stranded at the bottom.
	row := func(section, item string, value any, note string) error {
		var n any
		if note != "" {
			n = text(note)
		}
		return s.add(text(section), text(item), value, n)
	}
	for _, v := range []struct {
		section, item string
		value         any
		note          string
	}{
		{"Report", "Title", text(r.Title), ""},
		{"Report", "Scope", text(r.Scope.String()), ""},
		{"Report", "Period from (UTC)", timeCell(r.From, st.lStamp), ""},
		{"Report", "Period to, as of (UTC)", timeCell(r.AsOf, st.lStamp), "the state shown"},
		{"Report", "Generated at (UTC)", timeCell(r.GeneratedAt, st.lStamp), ""},
		{"Report", "Generator", text(r.Generator), ""},
		{"Evidence chain", "Head sequence number", num(int(r.Chain.Seq)), "check the chain with: posture verify"},
		{"Evidence chain", "Head hash (SHA-256)", text(orNone(r.Chain.Hash, "(no evidence recorded)")), "hash of the last evidence record at the report date"},
		{"Portfolio", "APIs", num(len(r.APIs)), ""},
	} {
		if err := row(v.section, v.item, v.value, v.note); err != nil {
			return err
		}
	}
	for _, n := range r.Notes {
		if err := row("Report", "Note", text(n), ""); err != nil {
			return err
		}
	}
	total, sum := 0, 0
	for l, n := range r.Levels {
		total += n
		sum += l * n
	}
	var mean any = text("n/a: no APIs")
	if total > 0 {
		mean = excelize.Cell{StyleID: st.lDec, Value: float64(sum) / float64(total)}
	}
	if err := row("Portfolio", "Mean maturity level", mean, "0-4"); err != nil {
		return err
	}
	for l, n := range r.Levels {
		if err := row("Portfolio", fmt.Sprintf("APIs at level %d (%s)", l, report.LevelNames[l]), num(n), ""); err != nil {
			return err
		}
	}
	for i, v := range r.Cells.Values() {
		if err := row("Maturity cells", report.CellNames[i]+" (mean score)", excelize.Cell{StyleID: st.lDec, Value: v}, "0-100, mean over the APIs in scope"); err != nil {
			return err
		}
	}
	fc := r.FindingCounts
	for i, sev := range report.Severities {
		if err := row("Findings", "Open "+sev, num(fc.OpenBySeverity[i]), ""); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		item string
		n    int
		note string
	}{
		{"Open (all severities)", fc.Open, "one per issue"},
		{"Overdue", fc.Overdue, "open findings past their due date"},
		{"Risk accepted", fc.RiskAccepted, ""},
		{"All findings, closed included", fc.Total, ""},
	} {
		if err := row("Findings", f.item, num(f.n), f.note); err != nil {
			return err
		}
	}
	var byStatus [5]int // pass, partial, fail, unknown, not applicable
	for _, res := range r.Results {
		switch res.Status {
		case "pass":
			byStatus[0]++
		case "partial":
			byStatus[1]++
		case "fail":
			byStatus[2]++
		case "unknown":
			byStatus[3]++
		case "not_applicable":
			byStatus[4]++
		}
	}
	for i, name := range []string{"pass", "partial", "fail", "unknown", "not applicable"} {
		if err := row("Control results", "Results "+name, num(byStatus[i]), "API × control results"); err != nil {
			return err
		}
	}
	applicable := len(r.Results) - byStatus[4]
	var rate any = text("n/a: no applicable results")
	if applicable > 0 {
		rate = excelize.Cell{StyleID: st.lPct, Value: float64(byStatus[0]) / float64(applicable)}
	}
	if err := row("Control results", "Pass rate", rate, "pass / applicable results"); err != nil {
		return err
	}
	if err := row("Control results", "Evidence gaps", num(len(r.Gaps)), "API × control pairs with no or stale evidence"); err != nil {
		return err
	}
	ref, err := s.endTable(1, len(cols), "")
	if err != nil {
		return err
	}
	return s.finish(ref)
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// apis writes the APIs sheet: one row per API.
func (b *book) apis(_ context.Context, r report.Report) error {
	cols := []column{
		{"API", 18}, {"Title", 28}, {"Owner", 14}, {"Environment", 13}, {"Level", 7}, {"Level name", 18},
		{report.CellNames[0], 11}, {report.CellNames[1], 11}, {report.CellNames[2], 11}, {report.CellNames[3], 11},
		{"Unknown controls", 10},
		{"Open critical", 9}, {"Open high", 9}, {"Open medium", 9}, {"Open low", 9}, {"Open info", 9},
		{"Overdue", 9}, {"Computed at (UTC)", 19}, {"Blockers", 60},
	}
	s, err := b.newSheet(sheetAPIs, "APIs sheet", widths(cols), 1, 1, false)
	if err != nil {
		return err
	}
	if err := s.table(cols); err != nil {
		return err
	}
	for _, a := range r.APIs {
		c := a.Cells.Values()
		o := a.OpenBySeverity
		name := report.LevelName(a.Level)
		if a.Level >= 0 && a.Level < len(report.LevelNames) {
			name = report.LevelNames[a.Level]
		}
		if err := s.add(str(a.Name), str(a.Title), str(a.Owner), str(a.Environment), excelize.Cell{StyleID: b.st.center, Value: a.Level}, str(name),
			b.score(c[0]), b.score(c[1]), b.score(c[2]), b.score(c[3]), a.Unknown,
			o[0], o[1], o[2], o[3], o[4], a.Overdue, b.stamp(a.ComputedAt), str(strings.Join(a.Blockers, "; "))); err != nil {
			return err
		}
	}
	ref, err := s.endTable(1, len(cols), "No APIs in scope")
	if err != nil {
		return err
	}
	if len(r.APIs) > 0 {
		last := s.row
		// Open critical and overdue are what a reader scans for.
		if err := b.f.SetConditionalFormat(sheetAPIs, rangeRef(12, 2, 12, last), []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: ">", Value: "0", Format: &b.st.alert},
		}); err != nil {
			return s.errf("conditional format", err)
		}
		if err := b.f.SetConditionalFormat(sheetAPIs, rangeRef(17, 2, 17, last), []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: ">", Value: "0", Format: &b.st.alert},
		}); err != nil {
			return s.errf("conditional format", err)
		}
	}
	return s.finish(ref)
}

// statusWord is a result as the matrix shows it.
func statusWord(res report.Result) string {
	switch res.Status {
	case "partial":
		return fmt.Sprintf("partial %.0f%%", res.Coverage*100)
	case "not_applicable":
		return "n/a"
	}
	return res.Status
}

type resultKey struct{ api, control string }

// controls writes the Controls sheet: the API × control matrix.
func (b *book) controls(_ context.Context, r report.Report) error {
	w := []float64{18}
	for range r.Controls {
		w = append(w, 15)
	}
	s, err := b.newSheet(sheetControls, "controls sheet", w, 2, 1, false)
	if err != nil {
		return err
	}
	ids := []any{excelize.Cell{StyleID: b.st.header, Value: "Control"}}
	titles := []any{excelize.Cell{StyleID: b.st.header, Value: "API"}}
	for _, c := range r.Controls {
		ids = append(ids, excelize.Cell{StyleID: b.st.header, Value: clip(c.ID)})
		titles = append(titles, excelize.Cell{StyleID: b.st.header, Value: clip(c.Title)})
	}
	if err := s.set(ids); err != nil {
		return err
	}
	// Titles wrap in the narrow status columns; six lines hold the
	// catalog's longest titles.
	if err := s.set(titles, excelize.RowOpts{Height: 90}); err != nil {
		return err
	}
	byKey := make(map[resultKey]report.Result, len(r.Results))
	for _, res := range r.Results {
		byKey[resultKey{res.API, res.ControlID}] = res
	}
	for _, a := range r.APIs {
		vals := []any{str(a.Name)}
		for _, c := range r.Controls {
			res, ok := byKey[resultKey{a.Name, c.ID}]
			if !ok {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, excelize.Cell{StyleID: b.st.center, Value: clip(statusWord(res))})
		}
		if err := s.add(vals...); err != nil {
			return err
		}
	}
	empty := "No APIs in scope"
	if len(r.Controls) == 0 {
		empty = "No controls in the catalog"
	}
	ref, err := s.endTable(2, len(r.Controls)+1, empty)
	if err != nil {
		return err
	}
	if len(r.APIs) > 0 && len(r.Controls) > 0 {
		if err := b.f.SetConditionalFormat(sheetControls, rangeRef(2, 3, len(r.Controls)+1, s.row), b.st.statusRules()); err != nil {
			return s.errf("conditional format", err)
		}
	}
	return s.finish(ref)
}

// results writes the Results sheet: one row per (API, control).
func (b *book) results(ctx context.Context, r report.Report) error {
	cols := []column{
		{"API", 18}, {"Control ID", 11}, {"Control title", 44}, {"Tier", 12}, {"Level", 10}, {"Status", 14},
		{"Coverage", 10}, {"Covered endpoints", 10}, {"Total endpoints", 10}, {"Reason", 36},
		{"Evidence IDs", 16}, {"Evidence hashes (SHA-256)", 68}, {"Capped by findings", 16},
	}
	s, err := b.newSheet(sheetResults, "results sheet", widths(cols), 1, 1, false)
	if err != nil {
		return err
	}
	if err := s.table(cols); err != nil {
		return err
	}
	ctl := make(map[string]report.Control, len(r.Controls))
	for _, c := range r.Controls {
		ctl[c.ID] = c
	}
	var ids, hashes strings.Builder
	for i, res := range r.Results {
		if err := checkCtx(ctx, i, s.what); err != nil {
			return err
		}
		c := ctl[res.ControlID]
		ids.Reset()
		hashes.Reset()
		for j, e := range res.Evidence {
			if j > 0 {
				ids.WriteString("; ")
				hashes.WriteString("; ")
			}
			ids.WriteString(strconv.FormatInt(e.ID, 10))
			hashes.WriteString(e.Hash)
		}
		// Endpoint counts mean something only for per-endpoint controls;
		// 0 of 0 would read as "no endpoints covered".
		var covered, total any
		if res.Total > 0 {
			covered, total = res.Covered, res.Total
		}
		if err := s.add(str(res.API), str(res.ControlID), str(c.Title), str(c.Tier), str(c.Level), str(res.Status),
			b.pct(res.Coverage), covered, total, str(res.Reason), str(ids.String()), str(hashes.String()), str(joinIDs(res.CappedBy))); err != nil {
			return err
		}
	}
	ref, err := s.endTable(1, len(cols), "No control results in scope")
	if err != nil {
		return err
	}
	if len(r.Results) > 0 {
		if err := b.f.SetConditionalFormat(sheetResults, rangeRef(6, 2, 6, s.row), b.st.statusRules()); err != nil {
			return s.errf("conditional format", err)
		}
	}
	return s.finish(ref)
}

func joinIDs(ids []int64) string {
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(strconv.FormatInt(id, 10))
	}
	return sb.String()
}

// lastChange is a finding's last history event: "2026-10-05 14:03 alice
// status open→fixed".
func lastChange(h []report.Event) string {
	if len(h) == 0 {
		return ""
	}
	e := h[len(h)-1]
	parts := make([]string, 0, 4)
	if !e.At.IsZero() {
		parts = append(parts, e.At.UTC().Format("2006-01-02 15:04"))
	}
	for _, p := range []string{e.Actor, e.Kind} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if e.From != "" || e.To != "" {
		parts = append(parts, e.From+"→"+e.To)
	}
	return strings.Join(parts, " ")
}

// findings writes the Findings sheet, streaming r.Findings.
func (b *book) findings(ctx context.Context, r report.Report) error {
	cols := []column{
		{"ID", 9}, {"API", 18}, {"Tool", 10}, {"Rule", 14}, {"Title", 44}, {"Severity", 10}, {"Status", 13},
		{"CWE", 7}, {"OWASP", 11}, {"Location", 28}, {"Assignee", 16},
		{"First seen (UTC)", 19}, {"Last seen (UTC)", 19}, {"Due", 11}, {"Overdue", 9}, {"Accepted until", 12},
		{"Duplicate of", 10}, {"Tracker URL", 30}, {"Last change (UTC)", 44},
	}
	s, err := b.newSheet(sheetFindings, "findings sheet", widths(cols), 1, 1, false)
	if err != nil {
		return err
	}
	if err := s.table(cols); err != nil {
		return err
	}
	if r.Findings != nil {
		n := 0
		for f, err := range r.Findings {
			if err != nil {
				return fmt.Errorf("xlsx: %s: row %d: %w", s.what, s.row+1, err)
			}
			if err := checkCtx(ctx, n, s.what); err != nil {
				return err
			}
			n++
			var cwe, dup any
			if f.CWE != 0 {
				cwe = b.id(int64(f.CWE))
			}
			if f.DuplicateOf != nil {
				dup = b.id(*f.DuplicateOf)
			}
			if err := s.add(b.id(f.ID), str(f.API), str(f.Tool), str(f.RuleID), str(f.Title), str(f.Severity), str(f.Status),
				cwe, str(f.OWASP), str(f.Location), str(f.Assignee), b.stamp(f.FirstSeen), b.stamp(f.LastSeen),
				b.dateP(f.DueAt), f.Overdue, b.dateP(f.AcceptedUntil), dup, str(f.TrackerURL), str(lastChange(f.History))); err != nil {
				return err
			}
		}
	}
	ref, err := s.endTable(1, len(cols), "No findings in scope")
	if err != nil {
		return err
	}
	if s.data > 0 {
		last := 1 + s.data
		if err := b.f.SetConditionalFormat(sheetFindings, rangeRef(6, 2, 6, last), b.st.severityRules()); err != nil {
			return s.errf("conditional format", err)
		}
		if err := b.f.SetConditionalFormat(sheetFindings, rangeRef(15, 2, 15, last), []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: "==", Value: "TRUE", Format: &b.st.alert},
		}); err != nil {
			return s.errf("conditional format", err)
		}
	}
	return s.finish(ref)
}

// evidence writes the Evidence sheet, streaming r.Evidence.
func (b *book) evidence(ctx context.Context, r report.Report) error {
	cols := []column{
		{"Seq", 9}, {"ID", 9}, {"API", 18}, {"Endpoint", 24}, {"Source", 11}, {"Collector", 12}, {"Location", 30},
		{"Observed at (UTC)", 19}, {"Recorded at (UTC)", 19}, {"Artifact SHA-256", 66}, {"Hash", 66}, {"Prev hash", 66},
		{"Facts (JSON)", 60},
	}
	s, err := b.newSheet(sheetEvidence, "evidence sheet", widths(cols), 1, 0, false)
	if err != nil {
		return err
	}
	if err := s.table(cols); err != nil {
		return err
	}
	if r.Evidence != nil {
		n := 0
		for e, err := range r.Evidence {
			if err != nil {
				return fmt.Errorf("xlsx: %s: row %d: %w", s.what, s.row+1, err)
			}
			if err := checkCtx(ctx, n, s.what); err != nil {
				return err
			}
			n++
			if err := s.add(b.id(e.Seq), b.id(e.ID), str(e.API), str(e.Endpoint), str(e.Source), str(e.Collector), str(e.Location),
				b.stamp(e.ObservedAt), b.stamp(e.RecordedAt), str(e.ArtifactSHA256), str(e.Hash), str(e.PrevHash), str(e.Facts)); err != nil {
				return err
			}
		}
	}
	ref, err := s.endTable(1, len(cols), "No evidence records in scope")
	if err != nil {
		return err
	}
	return s.finish(ref)
}

// Framework names as the mapping shows them.
const (
	fwOWASP  = "OWASP API 2023"
	fwNIST   = "NIST SP 800-53 rev5"
	fwSP0228 = "NIST SP 800-228"
)

// frameworks writes the Framework mapping sheet: the catalog's framework
// references, then the coverage table below them. The autofilter covers
// the mapping only, so filtering it leaves the coverage table alone. The
// coverage table shares the mapping's column widths, so its title goes in
// the wide second column.
func (b *book) frameworks(_ context.Context, r report.Report) error {
	mapping := []string{"Control ID", "Control title", "Tier", "Level", "Framework", "Reference"}
	coverage := []string{"Framework", "Title", "ID", "Controls", "Score (0-100)", "Pass", "Partial", "Fail", "Unknown"}
	s, err := b.newSheet(sheetFrameworks, "framework mapping sheet", []float64{20, 52, 12, 10, 20, 14, 10, 10, 10}, 1, 0, false)
	if err != nil {
		return err
	}
	if err := s.header(mapping); err != nil {
		return err
	}
	for _, c := range r.Controls {
		n := 0
		for _, fw := range []struct {
			name string
			refs []string
		}{{fwOWASP, c.OWASP}, {fwNIST, c.NIST80053}, {fwSP0228, c.SP800228}} {
			for _, ref := range fw.refs {
				n++
				if err := s.add(str(c.ID), str(c.Title), str(c.Tier), str(c.Level), fw.name, str(ref)); err != nil {
					return err
				}
			}
		}
		// An unmapped control is shown, not dropped: an auditor looks for
		// exactly these.
		if n == 0 {
			if err := s.add(str(c.ID), str(c.Title), str(c.Tier), str(c.Level), nil,
				excelize.Cell{StyleID: b.st.note, Value: "(not mapped)"}); err != nil {
				return err
			}
		}
	}
	filter, err := s.endTable(1, len(mapping), "No controls in the catalog")
	if err != nil {
		return err
	}

	s.row++ // a blank row between the tables
	if err := s.set([]any{excelize.Cell{StyleID: b.st.title, Value: "Framework coverage"}}, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	if err := s.header(coverage); err != nil {
		return err
	}
	for _, fc := range r.Frameworks {
		if err := s.add(str(fc.Framework), str(fc.Title), str(fc.ID), fc.Controls, b.score(fc.Score),
			fc.Pass, fc.Partial, fc.Fail, fc.Unknown); err != nil {
			return err
		}
	}
	if _, err := s.endTable(s.row, len(coverage), "No framework coverage in scope"); err != nil {
		return err
	}
	return s.finish(filter)
}
