package pdf

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/posture-dev/posture/internal/report"
)

// Executive section titles, in order; the contents page lists them.
var executiveSections = []string{
	"Summary",
	"Maturity trend",
	"Distribution by maturity level",
	"Framework coverage",
	"Top risks",
	"Overdue remediation",
	"Evidence gaps",
	"APIs",
}

// Caps that keep the executive report a handful of pages; what is left
// out is counted ("and N more") and is in the auditor report and exports.
const (
	maxGapAPIs       = 25
	maxGapControls   = 6
	maxOverdueAPIs   = 10
	execCellMaxLines = 3
)

// Executive writes the CISO's report: cover, contents, summary figures,
// trend and distribution charts, framework coverage, top risks, overdue
// remediation, evidence gaps and the APIs table. It does not read the
// Findings or Evidence streams: every figure it shows is in the Report's
// summaries, so its memory does not depend on the number of findings.
func Executive(ctx context.Context, w io.Writer, r report.Report) error {
	d := newDoc(ctx, &r, "Executive report", executiveSections)
	d.cover()
	d.reserveTOC()
	steps := []struct {
		name string
		fn   func(int) error
	}{
		{"summary", d.execSummary},
		{"trend", d.execTrend},
		{"levels", d.execLevels},
		{"frameworks", d.execFrameworks},
		{"top risks", d.execTopRisks},
		{"overdue", d.execOverdue},
		{"gaps", d.execGaps},
		{"apis", d.execAPIs},
	}
	for i, s := range steps {
		if err := d.canceled(); err != nil {
			return fmt.Errorf("pdf: executive: %w", err)
		}
		if err := s.fn(i); err != nil {
			return fmt.Errorf("pdf: executive: %s: %w", s.name, err)
		}
		if err := d.err(); err != nil {
			return fmt.Errorf("pdf: executive: %s: %w", s.name, err)
		}
	}
	if err := d.finish(w); err != nil {
		return fmt.Errorf("pdf: executive: %w", err)
	}
	return nil
}

// meanLevel is the mean maturity level over Levels; ok is false when no
// API is counted.
func meanLevel(levels [5]int) (mean float64, ok bool) {
	n, sum := 0, 0
	for l, c := range levels {
		n += c
		sum += l * c
	}
	if n == 0 {
		return 0, false
	}
	return float64(sum) / float64(n), true
}

type tile struct {
	label, value string
	accent       rgb
}

// tiles draws a row of figure tiles: the label above, the figure below.
func (d *doc) tiles(ts []tile) {
	f := d.f
	const gap, h = 4.0, 19.0
	w := (contentW - gap*float64(len(ts)-1)) / float64(len(ts))
	d.need(h + 2)
	y := f.GetY()
	for i, t := range ts {
		x := marginL + float64(i)*(w+gap)
		d.fill(colPanel)
		f.Rect(x, y, w, h, "F")
		d.fill(t.accent)
		f.Rect(x, y, w, 1.1, "F")
		d.font("", 7.5)
		d.text(colMuted)
		f.SetXY(x+1, y+2.8)
		f.CellFormat(w-2, 4, fit(f, enc(t.label), w-2), "", 0, "L", false, 0, "")
		d.font("B", 17)
		d.text(colInk)
		f.SetXY(x+1, y+8.5)
		f.CellFormat(w-2, 8, fit(f, enc(t.value), w-2), "", 0, "L", false, 0, "")
	}
	f.SetXY(marginL, y+h+3)
	d.font("", sizeBody)
}

func (d *doc) execSummary(i int) error {
	r := d.r
	d.startSection(i, false, 0)
	mean := "-"
	if m, ok := meanLevel(r.Levels); ok {
		mean = fmt.Sprintf("%.1f", m)
	}
	fc := r.FindingCounts
	d.tiles([]tile{
		{"APIs in scope", itoa(len(r.APIs)), colAccent},
		{"Mean level (0-4)", mean, colAccent},
		{"Open findings", itoa(fc.Open), colAccent},
		{"Overdue", itoa(fc.Overdue), colBad},
		{"Evidence gaps", itoa(len(r.Gaps)), colWarn},
	})
	d.font("B", sizeH2-1)
	d.text(colAccent)
	d.f.SetX(marginL)
	d.f.CellFormat(contentW, 6, "Open findings by severity", "", 1, "L", false, 0, "")
	sev := make([]tile, len(report.Severities))
	for k, s := range report.Severities {
		sev[k] = tile{strings.ToUpper(s[:1]) + s[1:], itoa(fc.OpenBySeverity[k]), severityColors[k]}
	}
	d.tiles(sev)

	// One sentence each for what the tiles cannot say.
	var facts []string
	if n := len(r.APIs); n > 0 {
		atBasic := r.Levels[2] + r.Levels[3] + r.Levels[4]
		facts = append(facts, fmt.Sprintf("%d of %d APIs (%.0f%%) are at maturity level 2 (basic) or above.", atBasic, n, 100*float64(atBasic)/float64(n)))
	} else {
		facts = append(facts, "No APIs are in scope.")
	}
	var st struct{ pass, partial, fail, unknown, na int }
	for _, res := range r.Results {
		switch res.Status {
		case "pass":
			st.pass++
		case "partial":
			st.partial++
		case "fail":
			st.fail++
		case "not_applicable":
			st.na++
		default:
			st.unknown++
		}
	}
	if len(r.Results) > 0 {
		facts = append(facts, fmt.Sprintf("Control results: %d pass, %d partial, %d fail, %d without evidence, %d not applicable.", st.pass, st.partial, st.fail, st.unknown, st.na))
	}
	facts = append(facts, fmt.Sprintf("Findings in scope: %d in total (closed included), %d open, %d risk-accepted.", fc.Total, fc.Open, fc.RiskAccepted))
	d.f.Ln(1)
	for _, s := range facts {
		d.para(s)
	}

	d.h2("Portfolio maturity cells (mean score, 0-100)", 24)
	if len(r.APIs) == 0 {
		d.empty("No APIs in scope: no cell scores.")
		return nil
	}
	t := d.newTable(1, col{"Cell", 60, "L"}, col{"Score", contentW - 60, "L"})
	t.header()
	for k, v := range r.Cells.Values() {
		t.row([]cell{{text: report.CellNames[k]}, {bar: true, value: v}}, 0)
	}
	t.end()
	return nil
}

func (d *doc) execTrend(i int) error {
	r := d.r
	d.startSection(i, true, 150)
	active := false
	for _, p := range r.Trend {
		if p.APIs > 0 {
			active = true
			break
		}
	}
	if !active {
		d.empty("No trend data for the period: no API had a daily snapshot.")
		return nil
	}
	d.para(fmt.Sprintf("Portfolio snapshots from %s to %s (%d points).", fmtDate(r.Trend[0].Day), fmtDate(r.Trend[len(r.Trend)-1].Day), len(r.Trend)))
	png, err := meanLevelChart(r.Trend, contentW, 58)
	if err != nil {
		return fmt.Errorf("mean level chart: %w", err)
	}
	d.image("trend-level", png, contentW, 58)
	png, err = cellTrendChart(r.Trend, contentW, 74)
	if err != nil {
		return fmt.Errorf("cell chart: %w", err)
	}
	d.image("trend-cells", png, contentW, 74)
	return nil
}

func (d *doc) execLevels(i int) error {
	r := d.r
	d.startSection(i, true, 90)
	total := 0
	for _, n := range r.Levels {
		total += n
	}
	if total == 0 {
		d.empty("No APIs in scope: no maturity levels to show.")
		return nil
	}
	d.para(fmt.Sprintf("Number of APIs at each maturity level (%d APIs).", total))
	png, err := levelChart(r.Levels, contentW, 70)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	d.image("levels", png, contentW, 70)
	return nil
}

func (d *doc) execFrameworks(i int) error {
	r := d.r
	d.startSection(i, true, 40)
	if len(r.Frameworks) == 0 {
		d.empty("No framework mappings in scope.")
		return nil
	}
	d.para("Score is the mean control score over the APIs in scope and the catalog controls mapped to each item; " +
		"the counts are control results by status.")
	var t *table
	group := ""
	for _, fw := range r.Frameworks {
		if t == nil || fw.Framework != group {
			if t != nil {
				t.end()
			}
			group = fw.Framework
			d.h2(frameworkTitle(group), 16)
			t = d.newTable(2, col{"Item", 21, "L"}, col{"Title", 54, "L"}, col{"Controls", 14, "R"},
				col{"Score", 37, "L"}, col{"Pass", 11, "R"}, col{"Partial", 12, "R"}, col{"Fail", 11, "R"}, col{"Unknown", 14, "R"})
			t.header()
		}
		t.row([]cell{{text: fw.ID, bold: true}, {text: fw.Title}, {text: itoa(fw.Controls)}, {bar: true, value: fw.Score},
			{text: itoa(fw.Pass)}, {text: itoa(fw.Partial)}, {text: itoa(fw.Fail)}, {text: itoa(fw.Unknown)}}, 0)
	}
	t.end()
	return nil
}

func frameworkTitle(f string) string {
	switch f {
	case "OWASP API 2023":
		return "OWASP API Security Top 10 (2023)"
	case "NIST SP 800-53 rev5":
		return "NIST SP 800-53 rev. 5 control families"
	case "":
		return "Other"
	}
	return f
}

func (d *doc) execTopRisks(i int) error {
	r := d.r
	d.startSection(i, true, 40)
	if len(r.TopRisks) == 0 {
		d.empty("No open critical or high findings.")
		return nil
	}
	d.para(fmt.Sprintf("The %s, worst first.", plural(len(r.TopRisks), "most severe open finding", "most severe open findings")))
	t := d.newTable(execCellMaxLines, col{"ID", 13, "R"}, col{"API", 27, "L"}, col{"Finding", 57, "L"}, col{"Severity", 16, "L"},
		col{"Status", 20, "L"}, col{"OWASP", 21, "L"}, col{"Due", 20, "L"})
	t.start(10)
	for _, k := range r.TopRisks {
		due := cell{text: fmtDatePtr(k.DueAt)}
		if k.Overdue {
			due.color, due.sub = colorOf(colBad), "overdue"
		}
		t.row([]cell{{text: fmt.Sprint(k.FindingID)}, {text: k.API}, {text: k.Title},
			{text: k.Severity, color: colorOf(severityColor(k.Severity)), bold: true}, {text: statusLabel(k.Status)}, {text: k.OWASP}, due}, 0)
	}
	t.end()
	return nil
}

// daysOverdue is whole days from due to asOf.
func daysOverdue(due *time.Time, asOf time.Time) int {
	if due == nil || asOf.IsZero() {
		return 0
	}
	return max(0, int(asOf.Sub(*due).Hours()/24))
}

func (d *doc) execOverdue(i int) error {
	r := d.r
	d.startSection(i, true, 40)
	fc := r.FindingCounts
	if fc.Overdue == 0 {
		d.empty("No open findings are past their due date.")
		return nil
	}
	d.para(fmt.Sprintf("%d of %d open findings are past their due date.", fc.Overdue, fc.Open))
	var over []report.Risk
	for _, k := range r.TopRisks {
		if k.Overdue {
			over = append(over, k)
		}
	}
	d.h2("Overdue among the top risks", 14)
	if len(over) == 0 {
		d.empty("None of the top risks is overdue; the overdue findings are of lower severity.")
	} else {
		t := d.newTable(execCellMaxLines, col{"ID", 14, "R"}, col{"API", 30, "L"}, col{"Finding", 72, "L"}, col{"Severity", 18, "L"},
			col{"Due", 20, "L"}, col{"Days over", 20, "R"})
		t.header()
		for _, k := range over {
			t.row([]cell{{text: fmt.Sprint(k.FindingID)}, {text: k.API}, {text: k.Title},
				{text: k.Severity, color: colorOf(severityColor(k.Severity)), bold: true}, {text: fmtDatePtr(k.DueAt)},
				{text: itoa(daysOverdue(k.DueAt, r.AsOf)), color: colorOf(colBad)}}, 0)
		}
		t.end()
	}
	idx := make([]int, 0, len(r.APIs))
	for k, a := range r.APIs {
		if a.Overdue > 0 {
			idx = append(idx, k)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(r.APIs[b].Overdue, r.APIs[a].Overdue) })
	d.h2("APIs with the most overdue findings", 14)
	if len(idx) == 0 {
		d.empty("No API has an overdue finding.")
		return nil
	}
	t := d.newTable(2, col{"API", 54, "L"}, col{"Owner", 40, "L"}, col{"Overdue", 26, "R"}, col{"Open critical", 27, "R"}, col{"Open high", 27, "R"})
	t.header()
	for _, k := range idx[:min(len(idx), maxOverdueAPIs)] {
		a := r.APIs[k]
		t.row([]cell{{text: a.Name, bold: true}, {text: a.Owner}, {text: itoa(a.Overdue), color: colorOf(colBad)},
			{text: itoa(a.OpenBySeverity[0])}, {text: itoa(a.OpenBySeverity[1])}}, 0)
	}
	t.end()
	if len(idx) > maxOverdueAPIs {
		d.para(fmt.Sprintf("and %s with overdue findings.", plural(len(idx)-maxOverdueAPIs, "more API", "more APIs")))
	}
	return nil
}

func (d *doc) execGaps(i int) error {
	r := d.r
	d.startSection(i, true, 40)
	if len(r.Gaps) == 0 {
		d.empty("No evidence gaps: every control has fresh evidence.")
		return nil
	}
	// Group by API in order of first appearance, then worst first.
	type group struct {
		api     string
		gaps    []report.Gap
		reasons map[string]int
	}
	pos := map[string]int{}
	var groups []*group
	for _, g := range r.Gaps {
		k, ok := pos[g.API]
		if !ok {
			k = len(groups)
			pos[g.API] = k
			groups = append(groups, &group{api: g.API, reasons: map[string]int{}})
		}
		groups[k].gaps = append(groups[k].gaps, g)
		groups[k].reasons[g.Reason]++
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(len(b.gaps), len(a.gaps)) })
	d.para(fmt.Sprintf("%s across %s lack usable evidence. APIs with the most gaps first.",
		plural(len(r.Gaps), "control result", "control results"), plural(len(groups), "API", "APIs")))
	t := d.newTable(execCellMaxLines, col{"API", 36, "L"}, col{"Gaps", 14, "R"}, col{"Controls", 84, "L"}, col{"Reasons", 40, "L"})
	t.start(10)
	for _, g := range groups[:min(len(groups), maxGapAPIs)] {
		ids := make([]string, 0, maxGapControls)
		for _, x := range g.gaps[:min(len(g.gaps), maxGapControls)] {
			ids = append(ids, x.ControlID)
		}
		ctl := strings.Join(ids, ", ")
		if n := len(g.gaps) - maxGapControls; n > 0 {
			ctl += fmt.Sprintf(" and %d more", n)
		}
		reasons := make([]string, 0, len(g.reasons))
		for reason, n := range g.reasons {
			if reason == "" {
				reason = "unspecified"
			}
			reasons = append(reasons, fmt.Sprintf("%s (%d)", reason, n))
		}
		slices.Sort(reasons)
		t.row([]cell{{text: g.api, bold: true}, {text: itoa(len(g.gaps))}, {text: ctl}, {text: strings.Join(reasons, ", ")}}, 0)
	}
	t.end()
	if n := len(groups) - maxGapAPIs; n > 0 {
		rest := 0
		for _, g := range groups[maxGapAPIs:] {
			rest += len(g.gaps)
		}
		d.para(fmt.Sprintf("and %s with %s (see the auditor report).", plural(n, "more API", "more APIs"), plural(rest, "gap", "gaps")))
	}
	return nil
}

func (d *doc) execAPIs(i int) error {
	r := d.r
	d.startSection(i, true, 40)
	if len(r.APIs) == 0 {
		d.empty("No APIs in scope.")
		return nil
	}
	d.para("Cell scores are 0-100 (pre-runtime and runtime, basic and advanced); findings are open ones.")
	// One line per API (long names are clipped): a 1000-API portfolio
	// stays around twenty pages.
	t := d.newTable(1, col{"API", 38, "L"}, col{"Owner", 22, "L"}, col{"Level", 30, "L"}, col{"Pre basic", 12, "R"},
		col{"Pre adv.", 12, "R"}, col{"Run basic", 12, "R"}, col{"Run adv.", 12, "R"}, col{"Critical", 12, "R"},
		col{"High", 10, "R"}, col{"Overdue", 14, "R"})
	t.start(10)
	for k, a := range r.APIs {
		if k%64 == 0 {
			if err := d.canceled(); err != nil {
				return err
			}
		}
		c := a.Cells.Values()
		row := []cell{{text: a.Name, bold: true}, {text: a.Owner}, {text: report.LevelName(a.Level)},
			{text: score(c[0])}, {text: score(c[1])}, {text: score(c[2])}, {text: score(c[3])},
			countCell(a.OpenBySeverity[0], severityColors[0]), countCell(a.OpenBySeverity[1], severityColors[1]),
			countCell(a.Overdue, colBad)}
		t.row(row, 0)
	}
	t.end()
	return nil
}

// countCell colours a count only when it is not zero, so the eye goes to
// the APIs that need attention.
func countCell(n int, c rgb) cell {
	if n == 0 {
		return cell{text: "0", color: colorOf(colMuted)}
	}
	return cell{text: itoa(n), color: colorOf(c), bold: true}
}
