package pdf

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/posture-dev/posture/internal/report"
)

const (
	// An auditor needs the whole reason; the cap only keeps one row
	// shorter than a page.
	auditCellMaxLines = 20
)

// Auditor writes the auditor's report: cover, contents, then one section
// per API (summary, every control result with its evidence hashes, every
// finding with its history) and an appendix of the evidence records so
// the hash chain can be checked by hand.
//
// Findings arrive worst first across all APIs. Rather than hold them in
// memory grouped by API, each API's section ranges over the stream again
// and keeps only that API's findings, stopping at the last one (a first
// pass counts them per API). The cost is up to one pass over the findings
// per API, O(APIs x findings) iterator steps, for memory that stays
// O(APIs) whatever the number of findings; an auditor report covers one
// API or a team's handful, where that cost is small.
func Auditor(ctx context.Context, w io.Writer, r report.Report) error {
	sections := make([]string, 0, len(r.APIs)+1)
	for _, a := range r.APIs {
		sections = append(sections, apiHeading(a))
	}
	if len(r.APIs) == 0 {
		sections = append(sections, "APIs")
	}
	sections = append(sections, "Appendix: evidence records")
	d := newDoc(ctx, &r, "Auditor report", sections)
	d.cover()
	d.reserveTOC()

	counts, err := d.countFindings()
	if err != nil {
		return fmt.Errorf("pdf: auditor: %w", err)
	}
	byAPI := make(map[string][]int, len(r.APIs))
	for k, res := range r.Results {
		byAPI[res.API] = append(byAPI[res.API], k)
	}
	controls := make(map[string]*report.Control, len(r.Controls))
	for k := range r.Controls {
		controls[r.Controls[k].ID] = &r.Controls[k]
	}

	if len(r.APIs) == 0 {
		d.startSection(0, false, 0)
		d.empty("No APIs in scope.")
	}
	for k, a := range r.APIs {
		if err := d.canceled(); err != nil {
			return fmt.Errorf("pdf: auditor: %w", err)
		}
		d.startSection(k, false, 0)
		d.apiSummary(a, counts[a.Name])
		if err := d.apiControls(a, byAPI[a.Name], controls); err != nil {
			return fmt.Errorf("pdf: auditor: %s: controls: %w", a.Name, err)
		}
		if err := d.apiFindings(a, counts[a.Name]); err != nil {
			return fmt.Errorf("pdf: auditor: %s: findings: %w", a.Name, err)
		}
		if err := d.err(); err != nil {
			return fmt.Errorf("pdf: auditor: %s: %w", a.Name, err)
		}
	}
	if err := d.evidenceAppendix(len(d.toc)-1, counts); err != nil {
		return fmt.Errorf("pdf: auditor: evidence: %w", err)
	}
	if err := d.finish(w); err != nil {
		return fmt.Errorf("pdf: auditor: %w", err)
	}
	return nil
}

func apiHeading(a report.APISummary) string {
	if a.Title == "" || a.Title == a.Name {
		return a.Name
	}
	return a.Name + ": " + a.Title
}

// countFindings is the first pass over the findings: how many each API
// has, so that the per-API passes can stop at an API's last finding and
// skip APIs without findings.
func (d *doc) countFindings() (map[string]int, error) {
	counts := map[string]int{}
	if d.r.Findings == nil {
		return counts, nil
	}
	n := 0
	for f, err := range d.r.Findings {
		if err != nil {
			return nil, fmt.Errorf("findings: %w", err)
		}
		counts[f.API]++
		if n++; n%1024 == 0 {
			if err := d.canceled(); err != nil {
				return nil, err
			}
		}
	}
	return counts, nil
}

// apiSummary is the API's one-paragraph state: owner, level, cells,
// findings and what blocks the next level.
func (d *doc) apiSummary(a report.APISummary, findings int) {
	f := d.f
	c := a.Cells.Values()
	var sev []string
	for k, s := range report.Severities {
		sev = append(sev, fmt.Sprintf("%d %s", a.OpenBySeverity[k], s))
	}
	lines := []string{
		fmt.Sprintf("Owner %s  |  environment %s  |  maturity level %s  |  computed %s",
			orDash(a.Owner), orDash(a.Environment), report.LevelName(a.Level), fmtTime(a.ComputedAt)),
		fmt.Sprintf("Cells: %s %s, %s %s, %s %s, %s %s",
			report.CellNames[0], score(c[0]), report.CellNames[1], score(c[1]), report.CellNames[2], score(c[2]), report.CellNames[3], score(c[3])),
		fmt.Sprintf("Open findings: %s  |  overdue %d  |  findings in scope (closed included) %d  |  controls without fresh evidence %d",
			strings.Join(sev, ", "), a.Overdue, findings, a.Unknown),
	}
	if len(a.Blockers) > 0 {
		lines = append(lines, "Not at the next level because: "+strings.Join(a.Blockers, "; "))
	}
	d.font("", 8)
	h := 0.0
	wrapped := make([][]string, len(lines))
	for k, l := range lines {
		wrapped[k] = wrap(f, enc(l), contentW-4, 4)
		h += float64(len(wrapped[k])) * 4
	}
	y := f.GetY()
	d.fill(colPanel)
	f.Rect(marginL, y, contentW, h+4, "F")
	d.fill(colAccent)
	f.Rect(marginL, y, 1, h+4, "F")
	d.text(colInk)
	f.SetY(y + 2)
	for _, w := range wrapped {
		for _, l := range w {
			f.SetX(marginL + 2)
			f.CellFormat(contentW-4, 4, l, "", 1, "L", false, 0, "")
		}
	}
	f.SetY(y + h + 6)
	d.font("", sizeBody)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func coverage(res report.Result) string {
	switch res.Status {
	case "unknown", "not_applicable":
		return "-"
	}
	pct := fmt.Sprintf("%.0f%%", clampScore(100*res.Coverage))
	if res.Total > 0 {
		return fmt.Sprintf("%d/%d (%s)", res.Covered, res.Total, pct)
	}
	return pct
}

func (d *doc) apiControls(a report.APISummary, idx []int, controls map[string]*report.Control) error {
	r := d.r
	d.h2(fmt.Sprintf("Control results (%d)", len(idx)), 14)
	if len(idx) == 0 {
		d.empty("No control results for this API.")
		return nil
	}
	t := d.newTable(auditCellMaxLines, col{"Control", 48, "L"}, col{"Status", 22, "L"}, col{"Coverage", 20, "L"},
		col{"Reason", 40, "L"}, col{"Evidence (SHA-256 prefix, observed)", 44, "L"})
	t.start(14)
	for n, k := range idx {
		if n%64 == 0 {
			if err := d.canceled(); err != nil {
				return err
			}
		}
		res := r.Results[k]
		title := "(not in the catalog)"
		if c := controls[res.ControlID]; c != nil {
			title = c.Title
		}
		var ev []string
		for _, e := range res.Evidence {
			ev = append(ev, hashPrefix(e.Hash)+"  "+fmtDate(e.ObservedAt))
		}
		evCell := cell{text: strings.Join(ev, "\n"), mono: true}
		if len(ev) == 0 {
			evCell = cell{text: "none", color: colorOf(colMuted)}
		}
		reason := res.Reason
		if len(res.CappedBy) > 0 {
			ids := make([]string, len(res.CappedBy))
			for j, id := range res.CappedBy {
				ids[j] = fmt.Sprintf("#%d", id)
			}
			reason += " (capped by finding " + strings.Join(ids, ", ") + ")"
		}
		keep := 0.0
		if len(res.Evidence) > 0 {
			keep = noteH
		}
		t.row([]cell{{text: res.ControlID, bold: true, sub: title}, {text: statusLabel(res.Status), color: colorOf(statusColor(res.Status)), bold: true},
			{text: coverage(res)}, {text: reason}, evCell}, keep)
		// The full hash of every evidence record behind the result, with
		// its record id, source and observation time: what an auditor
		// looks up in the appendix or with `posture verify`.
		for _, e := range res.Evidence {
			t.note(fmt.Sprintf("sha256 %s  record #%d  %s  observed %s", e.Hash, e.ID, orDash(e.Source), fmtMinute(e.ObservedAt)), true)
		}
		if len(res.Evidence) > 0 {
			t.gap()
		}
	}
	t.end()
	return nil
}

func statusLabel(s string) string {
	if s == "" {
		return "-"
	}
	return strings.ReplaceAll(s, "_", " ")
}

// apiFindings ranges over the findings stream and prints the ones of
// this API, stopping after the last (n were counted in the first pass).
func (d *doc) apiFindings(a report.APISummary, n int) error {
	d.h2(fmt.Sprintf("Findings (%d)", n), 14)
	if n == 0 || d.r.Findings == nil {
		d.empty("No findings for this API.")
		return nil
	}
	t := d.newTable(auditCellMaxLines, col{"ID", 13, "R"}, col{"Severity", 16, "L"}, col{"Status", 21, "L"},
		col{"Finding", 76, "L"}, col{"First / last seen", 24, "L"}, col{"Due", 24, "L"})
	t.start(14)
	seen, steps := 0, 0
	for fd, err := range d.r.Findings {
		if err != nil {
			return err
		}
		if steps++; steps%1024 == 0 {
			if err := d.canceled(); err != nil {
				return err
			}
		}
		if fd.API != a.Name {
			continue
		}
		d.findingRow(t, fd)
		if seen++; seen == n {
			break
		}
	}
	t.end()
	return nil
}

func (d *doc) findingRow(t *table, fd report.Finding) {
	var meta []string
	if fd.Tool != "" || fd.RuleID != "" {
		meta = append(meta, strings.TrimSpace(fd.Tool+" "+fd.RuleID))
	}
	if fd.CWE > 0 {
		meta = append(meta, fmt.Sprintf("CWE-%d", fd.CWE))
	}
	for _, s := range []string{fd.OWASP, fd.Location} {
		if s != "" {
			meta = append(meta, s)
		}
	}
	if fd.Assignee != "" {
		meta = append(meta, "assignee "+fd.Assignee)
	}
	if fd.DuplicateOf != nil {
		meta = append(meta, fmt.Sprintf("duplicate of #%d", *fd.DuplicateOf))
	}
	if fd.TrackerURL != "" {
		meta = append(meta, fd.TrackerURL)
	}
	due := cell{text: fmtDatePtr(fd.DueAt)}
	switch {
	case fd.Overdue:
		due.color, due.sub = colorOf(colBad), "overdue"
	case fd.AcceptedUntil != nil:
		due.sub = "accepted until " + fmtDate(*fd.AcceptedUntil)
	}
	keep := 0.0
	if len(fd.History) > 0 {
		keep = noteH
	}
	t.row([]cell{{text: fmt.Sprint(fd.ID)}, {text: fd.Severity, bold: true, color: colorOf(severityColor(fd.Severity))},
		{text: statusLabel(fd.Status), color: colorOf(statusColor(fd.Status))}, {text: fd.Title, sub: strings.Join(meta, "  |  ")},
		{text: fmtDate(fd.FirstSeen), sub: fmtDate(fd.LastSeen)}, due}, keep)
	// Every event, one line each: lines break across pages on their own,
	// so a long history needs no cap.
	h := fd.History
	for _, e := range h {
		s := fmtTime(e.At) + "  " + orDash(e.Actor) + "  " + e.Kind
		switch {
		case e.From != "" && e.To != "":
			s += " from " + statusLabel(e.From) + " to " + statusLabel(e.To)
		case e.To != "":
			s += " to " + statusLabel(e.To)
		case e.From != "":
			s += " from " + statusLabel(e.From)
		}
		if e.Note != "" {
			s += "  \u201c" + e.Note + "\u201d"
		}
		t.note(s, false)
	}
	if len(h) > 0 {
		t.gap()
	}
}

// evidenceAppendix lists the evidence records in sequence order with
// their hash and the previous record's hash: each record's previous hash
// is the hash on the line above when the sequence numbers follow on.
func (d *doc) evidenceAppendix(i int, counts map[string]int) error {
	r := d.r
	d.startSection(i, false, 0)
	d.para(fmt.Sprintf("The evidence records current at %s for the APIs in scope, by sequence number. "+
		"Each record's hash covers its content and the previous record's hash, so a record's previous hash "+
		"(grey) equals the hash of the record before it in the chain. The chain head at that time is record #%d, %s; "+
		"`posture verify` recomputes the chain.", fmtTime(r.AsOf), r.Chain.Seq, orDash(r.Chain.Hash)))
	known := make(map[string]bool, len(r.APIs))
	for _, a := range r.APIs {
		known[a.Name] = true
	}
	orphans := 0
	for api, n := range counts {
		if !known[api] {
			orphans += n
		}
	}
	if orphans > 0 {
		d.para(fmt.Sprintf("%s name an API that is not in this report's API list and are not shown above.", plural(orphans, "finding", "findings")))
	}
	if r.Evidence == nil {
		d.empty("No evidence records in scope.")
		return nil
	}
	t := d.newTable(2, col{"Seq", 14, "R"}, col{"Hash / previous hash (grey)", 93, "L"}, col{"API / source", 39, "L"}, col{"Observed / recorded", 28, "L"})
	n := 0
	for e, err := range r.Evidence {
		if err != nil {
			return fmt.Errorf("after record %d: %w", n, err)
		}
		if n == 0 { // the header only once there is a record to show
			t.start(10)
		}
		if n++; n%64 == 0 {
			if err := d.canceled(); err != nil {
				return err
			}
		}
		src := e.Source
		if e.Collector != "" {
			src += " / " + e.Collector
		}
		api := e.API
		if e.Endpoint != "" {
			api += " " + e.Endpoint
		}
		t.row([]cell{{text: itoa64(e.Seq), bold: true}, {text: e.Hash, sub: e.PrevHash, mono: true},
			{text: api, sub: src}, {text: fmtMinute(e.ObservedAt), sub: fmtMinute(e.RecordedAt)}}, 0)
	}
	if n == 0 {
		d.empty("No evidence records in scope.")
		return nil
	}
	t.end()
	return nil
}
