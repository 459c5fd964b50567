package xlsx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
)

var wantSheets = []string{"Summary", "APIs", "Controls", "Results", "Findings", "Evidence", "Framework mapping"}

func render(t testing.TB, r report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// col is the column letter of 1-based column n.
func col(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}

func ref(c, r int) string { return col(c) + strconv.Itoa(r) }

// serial is t as an Excel 1900-system date serial.
func serial(t time.Time) float64 {
	return float64(t.UTC().Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC))) / float64(24*time.Hour)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func collect[T any](seq iter.Seq2[T, error]) []T {
	var out []T
	if seq == nil {
		return nil
	}
	for v, err := range seq {
		if err != nil {
			panic(err)
		}
		out = append(out, v)
	}
	return out
}

// summaryValue finds the Summary row whose Item is item and returns its
// Value cell.
func summaryValue(t *testing.T, b *xbook, item string) *xcell {
	t.Helper()
	s := b.sheets["Summary"]
	r := s.find("B", item)
	if r == 0 {
		t.Fatalf("Summary: no item %q", item)
	}
	return s.cell(ref(3, r))
}

func TestWorkbook(t *testing.T) {
	r := reporttest.Sample(12, 400)
	b := readBook(t, render(t, r))
	findings := collect(r.Findings)
	evidence := collect(r.Evidence)

	t.Run("sheets", func(t *testing.T) {
		if fmt.Sprint(b.names) != fmt.Sprint(wantSheets) {
			t.Fatalf("sheets %q, want %q", b.names, wantSheets)
		}
		// Row counts: header rows plus one row per record.
		for name, want := range map[string]int{
			"APIs":     1 + len(r.APIs),
			"Controls": 2 + len(r.APIs),
			"Results":  1 + len(r.Results),
			"Findings": 1 + len(findings),
			"Evidence": 1 + len(evidence),
		} {
			s := b.sheets[name]
			if got := len(s.rows); got != want {
				t.Errorf("%s: %d rows, want %d", name, got, want)
			}
			if s.lastRow() != want {
				t.Errorf("%s: last row %d, want %d", name, s.lastRow(), want)
			}
		}
	})

	t.Run("every sheet has a frozen bold header and an autofilter", func(t *testing.T) {
		for _, name := range wantSheets {
			s := b.sheets[name]
			hdr := 1
			if name == "Controls" {
				hdr = 2
			}
			if s.pane == nil || s.pane.State != "frozen" || s.pane.YSplit != hdr {
				t.Errorf("%s: pane %+v, want frozen below row %d", name, s.pane, hdr)
			}
			if !strings.HasPrefix(s.autoFilter, "A"+strconv.Itoa(hdr)+":") {
				t.Errorf("%s: autoFilter %q, want it to start at A%d", name, s.autoFilter, hdr)
			}
			if !b.isBold(s.cell(ref(1, hdr))) || !b.isBold(s.cell(ref(2, hdr))) {
				t.Errorf("%s: header row %d not bold", name, hdr)
			}
			if len(s.cols) < 2 {
				t.Errorf("%s: %d column widths set", name, len(s.cols))
			}
			// Printing: landscape, headers repeated, identity in the footer.
			titles := b.defs[name+"/_xlnm.Print_Titles"]
			if !strings.HasSuffix(titles, fmt.Sprintf("!$1:$%d", hdr)) {
				t.Errorf("%s: print titles %q, want the header rows", name, titles)
			}
			if !s.landscape || !strings.Contains(s.footer, fmt.Sprintf("chain head #%d", r.Chain.Seq)) ||
				!strings.Contains(s.footer, r.Scope.String()) || !strings.Contains(s.footer, r.AsOf.Format("2006-01-02")) {
				t.Errorf("%s: landscape %v, footer %q", name, s.landscape, s.footer)
			}
			for i := 1; i < len(s.cols); i++ {
				if s.cols[i].Min <= s.cols[i-1].Min {
					t.Errorf("%s: <col> elements out of order: %+v", name, s.cols)
					break
				}
			}
		}
		if s := b.sheets["Findings"]; s.autoFilter != "A1:S"+strconv.Itoa(1+len(findings)) {
			t.Errorf("Findings autoFilter %q", s.autoFilter)
		}
		if s := b.sheets["Controls"]; s.pane.XSplit != 1 || s.pane.TopLeftCell != "B3" {
			t.Errorf("Controls pane %+v, want first column and two rows frozen", s.pane)
		}
	})

	t.Run("summary", func(t *testing.T) {
		s := b.sheets["Summary"]
		if got := summaryValue(t, b, "Title").text; got != r.Title {
			t.Errorf("title %q", got)
		}
		if got := summaryValue(t, b, "Scope").text; got != r.Scope.String() {
			t.Errorf("scope %q", got)
		}
		if got := summaryValue(t, b, "Head hash (SHA-256)").text; got != r.Chain.Hash {
			t.Errorf("chain hash %q, want %q", got, r.Chain.Hash)
		}
		fails, pass, na := 0, 0, 0
		for _, res := range r.Results {
			switch res.Status {
			case "fail":
				fails++
			case "pass":
				pass++
			case "not_applicable":
				na++
			}
		}
		for item, want := range map[string]float64{
			"APIs":                       float64(len(r.APIs)),
			"Head sequence number":       float64(r.Chain.Seq),
			"Open critical":              float64(r.FindingCounts.OpenBySeverity[0]),
			"Open high":                  float64(r.FindingCounts.OpenBySeverity[1]),
			"Open info":                  float64(r.FindingCounts.OpenBySeverity[4]),
			"Overdue":                    float64(r.FindingCounts.Overdue),
			"Risk accepted":              float64(r.FindingCounts.RiskAccepted),
			"Evidence gaps":              float64(len(r.Gaps)),
			"Results fail":               float64(fails),
			"APIs at level 2 (basic)":    float64(r.Levels[2]),
			"Runtime basic (mean score)": r.Cells.RunBasic,
		} {
			ref := summaryValue(t, b, item).R
			if got := s.num(t, ref); !near(got, want) {
				t.Errorf("%s = %v, want %v", item, got, want)
			}
		}
		rate := summaryValue(t, b, "Pass rate")
		if got := s.num(t, rate.R); !near(got, float64(pass)/float64(len(r.Results)-na)) {
			t.Errorf("pass rate %v", got)
		}
		if f := b.numFmt(rate); !strings.Contains(f, "%") {
			t.Errorf("pass rate format %q, want a percentage", f)
		}
		if f := b.numFmt(summaryValue(t, b, "Runtime basic (mean score)")); f != "0.0" {
			t.Errorf("cell score format %q, want 0.0", f)
		}
		for item, want := range map[string]time.Time{
			"Generated at (UTC)":     r.GeneratedAt,
			"Period from (UTC)":      r.From,
			"Period to, as of (UTC)": r.AsOf,
		} {
			c := summaryValue(t, b, item)
			if got := s.num(t, c.R); !near(got, serial(want)) {
				t.Errorf("%s = %v, want %v", item, got, serial(want))
			}
			if !b.isDate(c) {
				t.Errorf("%s: format %q, want a date format", item, b.numFmt(c))
			}
		}
	})

	t.Run("apis", func(t *testing.T) {
		s := b.sheets["APIs"]
		for i, a := range r.APIs {
			row := i + 2
			if got := s.str(t, ref(1, row)); got != a.Name {
				t.Fatalf("row %d: API %q, want %q", row, got, a.Name)
			}
			if got := s.num(t, ref(5, row)); int(got) != a.Level {
				t.Errorf("%s: level %v, want %d", a.Name, got, a.Level)
			}
			if got := s.num(t, ref(9, row)); !near(got, a.Cells.RunBasic) {
				t.Errorf("%s: runtime basic %v, want %v", a.Name, got, a.Cells.RunBasic)
			}
			if got := s.num(t, ref(12, row)); int(got) != a.OpenBySeverity[0] {
				t.Errorf("%s: open critical %v", a.Name, got)
			}
			if c := s.cell(ref(18, row)); !b.isDate(c) || !near(s.num(t, c.R), serial(a.ComputedAt)) {
				t.Errorf("%s: computed at %+v", a.Name, c)
			}
			if got := s.str(t, ref(19, row)); got != strings.Join(a.Blockers, "; ") {
				t.Errorf("%s: blockers %q", a.Name, got)
			}
		}
	})

	t.Run("controls matrix", func(t *testing.T) {
		s := b.sheets["Controls"]
		for j, c := range r.Controls {
			if got := s.str(t, ref(j+2, 1)); got != c.ID {
				t.Fatalf("column %d id %q, want %q", j+2, got, c.ID)
			}
			if got := s.str(t, ref(j+2, 2)); got != c.Title {
				t.Errorf("column %d title %q, want %q", j+2, got, c.Title)
			}
		}
		col := map[string]int{}
		for j, c := range r.Controls {
			col[c.ID] = j + 2
		}
		row := map[string]int{}
		for i, a := range r.APIs {
			row[a.Name] = i + 3
			if got := s.str(t, ref(1, i+3)); got != a.Name {
				t.Errorf("row %d API %q", i+3, got)
			}
		}
		for _, res := range r.Results {
			got := s.str(t, ref(col[res.ControlID], row[res.API]))
			switch res.Status {
			case "not_applicable":
				if got != "n/a" {
					t.Errorf("%s %s: %q, want n/a", res.API, res.ControlID, got)
				}
			case "partial":
				n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(got, "partial "), "%"), 64)
				if err != nil || !strings.HasPrefix(got, "partial ") || math.Abs(n-res.Coverage*100) > 0.5 {
					t.Errorf("%s %s: %q, want partial %.1f%%", res.API, res.ControlID, got, res.Coverage*100)
				}
			default:
				if got != res.Status {
					t.Errorf("%s %s: %q, want %q", res.API, res.ControlID, got, res.Status)
				}
			}
		}
		// The four statuses are coloured over the whole matrix.
		want := map[string]bool{"pass": false, "partial": false, "fail": false, "unknown": false}
		last := ref(len(r.Controls)+1, len(r.APIs)+2)
		for _, cf := range s.cf {
			if cf.SQRef != "B3:"+last {
				continue
			}
			for _, rule := range cf.Rules {
				if _, ok := want[rule.Text]; ok && rule.DxfID != nil && len(rule.Formula) == 1 {
					want[rule.Text] = true
				}
			}
		}
		for status, ok := range want {
			if !ok {
				t.Errorf("no conditional format for %q over B3:%s (have %+v)", status, last, s.cf)
			}
		}
	})

	t.Run("results", func(t *testing.T) {
		s := b.sheets["Results"]
		for i, res := range r.Results {
			row := i + 2
			if s.str(t, ref(1, row)) != res.API || s.str(t, ref(2, row)) != res.ControlID || s.str(t, ref(6, row)) != res.Status {
				t.Fatalf("row %d: %q %q %q, want %s %s %s", row, s.str(t, ref(1, row)), s.str(t, ref(2, row)), s.str(t, ref(6, row)), res.API, res.ControlID, res.Status)
			}
			cov := s.cell(ref(7, row))
			if got := s.num(t, cov.R); !near(got, res.Coverage) || !strings.Contains(b.numFmt(cov), "%") {
				t.Errorf("row %d: coverage %v format %q, want %v as %%", row, got, b.numFmt(cov), res.Coverage)
			}
			if res.Total > 0 && int(s.num(t, ref(9, row))) != res.Total {
				t.Errorf("row %d: total endpoints", row)
			}
			hashes := s.str(t, ref(12, row))
			for _, e := range res.Evidence {
				if !strings.Contains(hashes, e.Hash) || !strings.Contains(s.str(t, ref(11, row)), strconv.FormatInt(e.ID, 10)) {
					t.Errorf("row %d: evidence %d %s missing from %q", row, e.ID, e.Hash, hashes)
				}
			}
		}
	})

	t.Run("findings", func(t *testing.T) {
		s := b.sheets["Findings"]
		overdue := 0
		for i, f := range findings {
			row := i + 2
			if got := s.num(t, ref(1, row)); int64(got) != f.ID {
				t.Fatalf("row %d: id %v, want %d", row, got, f.ID)
			}
			if got := s.str(t, ref(5, row)); got != f.Title {
				t.Errorf("row %d: title %q", row, got)
			}
			if got := s.str(t, ref(6, row)); got != f.Severity {
				t.Errorf("row %d: severity %q", row, got)
			}
			if got := s.num(t, ref(8, row)); int(got) != f.CWE {
				t.Errorf("row %d: cwe %v", row, got)
			}
			if c := s.cell(ref(12, row)); !b.isDate(c) || !near(s.num(t, c.R), serial(f.FirstSeen)) {
				t.Errorf("row %d: first seen %+v format %q", row, c, b.numFmt(c))
			}
			if f.DueAt != nil {
				if c := s.cell(ref(14, row)); !b.isDate(c) || !near(s.num(t, c.R), serial(*f.DueAt)) {
					t.Errorf("row %d: due %+v", row, c)
				}
			}
			c := s.cell(ref(15, row))
			if c.T != "b" || (deref(c.V) == "1") != f.Overdue {
				t.Errorf("row %d: overdue cell %+v, want boolean %v", row, c, f.Overdue)
			}
			if f.Overdue {
				overdue++
			}
			last := f.History[len(f.History)-1]
			if got := s.str(t, ref(19, row)); !strings.Contains(got, last.Actor) || !strings.Contains(got, last.From+"→"+last.To) ||
				!strings.HasPrefix(got, last.At.UTC().Format("2006-01-02")) {
				t.Errorf("row %d: last change %q for %+v", row, got, last)
			}
		}
		if overdue == 0 {
			t.Fatal("sample has no overdue finding; the overdue check proves nothing")
		}
		var sev, od bool
		for _, cf := range s.cf {
			sev = sev || strings.HasPrefix(cf.SQRef, "F2:")
			od = od || strings.HasPrefix(cf.SQRef, "O2:")
		}
		if !sev || !od {
			t.Errorf("conditional formats %+v, want severity (F) and overdue (O)", s.cf)
		}
	})

	t.Run("evidence", func(t *testing.T) {
		s := b.sheets["Evidence"]
		for i, e := range evidence {
			row := i + 2
			if int64(s.num(t, ref(1, row))) != e.Seq || s.str(t, ref(11, row)) != e.Hash || s.str(t, ref(12, row)) != e.PrevHash ||
				s.str(t, ref(10, row)) != e.ArtifactSHA256 || s.str(t, ref(13, row)) != e.Facts {
				t.Fatalf("row %d does not match record %+v", row, e)
			}
			if row > 2 && s.str(t, ref(12, row)) != s.str(t, ref(11, row-1)) {
				t.Errorf("row %d: prev hash does not chain to the row above", row)
			}
		}
	})

	t.Run("framework mapping", func(t *testing.T) {
		s := b.sheets["Framework mapping"]
		type pair struct{ ctl, fw, ref string }
		var want []pair
		for _, c := range r.Controls {
			for _, x := range c.OWASP {
				want = append(want, pair{c.ID, "OWASP API 2023", x})
			}
			for _, x := range c.NIST80053 {
				want = append(want, pair{c.ID, "NIST SP 800-53 rev5", x})
			}
			for _, x := range c.SP800228 {
				want = append(want, pair{c.ID, "NIST SP 800-228", x})
			}
		}
		for i, p := range want {
			row := i + 2
			got := pair{s.str(t, ref(1, row)), s.str(t, ref(5, row)), s.str(t, ref(6, row))}
			if got != p {
				t.Fatalf("row %d: %+v, want %+v", row, got, p)
			}
		}
		if s.autoFilter != "A1:F"+strconv.Itoa(1+len(want)) {
			t.Errorf("autoFilter %q, want the mapping only (%d rows)", s.autoFilter, len(want))
		}
		title := s.find("A", "Framework coverage")
		if title <= len(want)+1 {
			t.Fatalf("coverage title at row %d", title)
		}
		if s.str(t, ref(1, title+1)) != "Framework" || !b.isBold(s.cell(ref(1, title+1))) {
			t.Errorf("coverage header missing")
		}
		for i, fc := range r.Frameworks {
			row := title + 2 + i
			if s.str(t, ref(1, row)) != fc.Framework || s.str(t, ref(3, row)) != fc.ID || !near(s.num(t, ref(5, row)), fc.Score) ||
				int(s.num(t, ref(6, row))) != fc.Pass || int(s.num(t, ref(8, row))) != fc.Fail {
				t.Errorf("coverage row %d does not match %+v", row, fc)
			}
		}
		if s.lastRow() != title+1+len(r.Frameworks) {
			t.Errorf("last row %d, want %d", s.lastRow(), title+1+len(r.Frameworks))
		}
	})

	t.Run("no formula anywhere", func(t *testing.T) {
		for _, name := range wantSheets {
			for _, row := range b.sheets[name].rows {
				for _, c := range row.C {
					if c.F != nil || c.T == "str" {
						t.Fatalf("%s!%s is a formula cell", name, c.R)
					}
				}
			}
		}
	})
}

// TestFormulaInjection: text that Excel would take for a formula if typed
// comes back as literal text, in string cells, with no formula anywhere.
func TestFormulaInjection(t *testing.T) {
	r := reporttest.Sample(2, 0)
	titles := []string{`=HYPERLINK("http://x")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=cmd|' /C calc'!A0", "=1\n+2"}
	r.APIs[0].Title = `=HYPERLINK("http://evil","click")`
	r.Findings = func(yield func(report.Finding, error) bool) {
		for i, title := range titles {
			if !yield(report.Finding{ID: int64(i + 1), API: "=api", Title: title, Severity: "high", Status: "open"}, nil) {
				return
			}
		}
	}
	b := readBook(t, render(t, r))
	s := b.sheets["Findings"]
	for i, want := range titles {
		c := s.cell(ref(5, i+2))
		if c.T != "inlineStr" && c.T != "s" {
			t.Errorf("title %q: cell type %q, want a string", want, c.T)
		}
		if c.F != nil {
			t.Errorf("title %q: written as a formula", want)
		}
		if c.text != want {
			t.Errorf("title %q came back as %q", want, c.text)
		}
		if got := s.str(t, ref(2, i+2)); got != "=api" {
			t.Errorf("api %q", got)
		}
	}
	if got := b.sheets["APIs"].str(t, "B2"); got != r.APIs[0].Title {
		t.Errorf("API title %q", got)
	}
	for name, p := range b.parts {
		if strings.HasPrefix(name, "xl/worksheets/") && bytes.Contains(p, []byte("<f>")) {
			t.Errorf("%s contains a formula", name)
		}
	}
}

// TestEmptyReport: a report with nothing in it still has every sheet,
// each with its header and a stated empty state.
func TestEmptyReport(t *testing.T) {
	for name, r := range map[string]report.Report{"zero": {}, "sample(0,0)": reporttest.Sample(0, 0)} {
		t.Run(name, func(t *testing.T) {
			b := readBook(t, render(t, r))
			if fmt.Sprint(b.names) != fmt.Sprint(wantSheets) {
				t.Fatalf("sheets %q", b.names)
			}
			for sheet, want := range map[string]struct {
				row  int
				text string
			}{
				"APIs":     {2, "No APIs in scope"},
				"Controls": {3, map[bool]string{true: "No controls in the catalog", false: "No APIs in scope"}[len(r.Controls) == 0]},
				"Results":  {2, "No control results in scope"},
				"Findings": {2, "No findings in scope"},
				"Evidence": {2, "No evidence records in scope"},
			} {
				s := b.sheets[sheet]
				if got := s.str(t, ref(1, want.row)); got != want.text {
					t.Errorf("%s A%d = %q, want %q", sheet, want.row, got, want.text)
				}
				if s.lastRow() != want.row {
					t.Errorf("%s: %d rows, want %d", sheet, s.lastRow(), want.row)
				}
				if s.autoFilter == "" || s.pane == nil {
					t.Errorf("%s: no autofilter or frozen pane", sheet)
				}
			}
			if got := b.sheets["Summary"].num(t, summaryValue(t, b, "APIs").R); got != 0 {
				t.Errorf("APIs = %v", got)
			}
			if got := summaryValue(t, b, "Head hash (SHA-256)").text; r.Chain.Hash == "" && got != "(no evidence recorded)" {
				t.Errorf("empty chain hash shown as %q", got)
			}
			fw := b.sheets["Framework mapping"]
			if len(r.Controls) == 0 && fw.str(t, "A2") != "No controls in the catalog" {
				t.Errorf("mapping empty state %q", fw.str(t, "A2"))
			}
			if title := fw.find("A", "Framework coverage"); len(r.Frameworks) == 0 && fw.str(t, ref(1, title+2)) != "No framework coverage in scope" {
				t.Errorf("coverage empty state missing")
			}
		})
	}
}

// seqErr yields n items from seq, then err.
func seqErr[T any](seq iter.Seq2[T, error], n int, err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		i := 0
		for v := range seq {
			if i == n {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
			i++
		}
	}
}

func TestIteratorErrors(t *testing.T) {
	boom := errors.New("boom")
	r := reporttest.Sample(3, 50)
	for _, tc := range []struct {
		name string
		mod  func(*report.Report)
		want string
	}{
		{"findings", func(r *report.Report) { r.Findings = seqErr(r.Findings, 2, boom) }, "xlsx: findings sheet: row 4: boom"},
		{"evidence", func(r *report.Report) { r.Evidence = seqErr(r.Evidence, 5, boom) }, "xlsx: evidence sheet: row 7: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := r
			tc.mod(&r)
			var buf bytes.Buffer
			err := Write(context.Background(), &buf, r)
			if !errors.Is(err, boom) || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	r := reporttest.Sample(3, 5000)
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Write(ctx, &bytes.Buffer{}, r); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("while streaming findings", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		inner := r.Findings
		r.Findings = func(yield func(report.Finding, error) bool) {
			n := 0
			for f, err := range inner {
				if n++; n == 10 {
					cancel()
				}
				if !yield(f, err) {
					return
				}
			}
		}
		err := Write(ctx, &bytes.Buffer{}, r)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "findings sheet") {
			t.Fatalf("err = %v", err)
		}
	})
}

func utf16Units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestClip(t *testing.T) {
	exact := strings.Repeat("é", cellLimit)
	if clip(exact) != exact {
		t.Error("a text at the limit was clipped")
	}
	for _, s := range []string{
		strings.Repeat("x", cellLimit+1),
		strings.Repeat("🔐", cellLimit), // two UTF-16 units each
		strings.Repeat("a", cellLimit-1) + "🔐🔐",
	} {
		got := clip(s)
		if n := utf16Units(got); n > cellLimit {
			t.Errorf("clipped to %d units", n)
		}
		if !strings.HasSuffix(got, clipMark) || !strings.HasPrefix(s, strings.TrimSuffix(got, clipMark)) {
			t.Errorf("clip(%.10q…) = %.10q…%q", s, got, got[len(got)-20:])
		}
		if strings.ContainsRune(got, '\uFFFD') {
			t.Error("clip split a character")
		}
	}
}

// TestOddData: long text is clipped in the file, non-Latin text survives,
// and out-of-range dates and levels do not break the sheet.
func TestOddData(t *testing.T) {
	r := reporttest.Sample(2, 0)
	long := `{"k":"` + strings.Repeat("ü", 40000) + `"}`
	intl := "Zahlungs-API — Übersicht 日本語 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🔐 \x01"
	ancient := time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)
	r.APIs[0].Title = intl
	r.APIs[0].Level = 9
	// "&" is a code in printed headers, which hold at most 255 characters.
	r.Title = "R&D " + strings.Repeat("ä", 300)
	r.Evidence = func(yield func(report.EvidenceRecord, error) bool) {
		yield(report.EvidenceRecord{ID: 1, Seq: 1, API: "api-0000", Facts: long, ObservedAt: ancient}, nil)
	}
	b := readBook(t, render(t, r))
	ev := b.sheets["Evidence"]
	facts := ev.str(t, "M2")
	if n := utf16Units(facts); n > cellLimit || !strings.HasPrefix(facts, `{"k":"üü`) || !strings.HasSuffix(facts, clipMark) {
		t.Errorf("facts: %d units, prefix %.12q", n, facts)
	}
	if got := ev.str(t, "H2"); got != ancient.Format(time.RFC3339) {
		t.Errorf("pre-1900 time shown as %q", got)
	}
	want := strings.ReplaceAll(intl, "\x01", "\uFFFD") // not allowed in XML 1.0
	if got := b.sheets["APIs"].str(t, "B2"); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got := summaryValue(t, b, "Title").text; got != r.Title {
		t.Errorf("long title %.20q…", got)
	}
	if got := b.sheets["APIs"].str(t, "F2"); got != "9" {
		t.Errorf("level name for level 9: %q", got)
	}
}

// TestRowLimit: past Excel's row limit the rows are counted and the sheet
// says how many it left out.
func TestRowLimit(t *testing.T) {
	defer func(n int) { maxRows = n }(maxRows)
	maxRows = 10
	r := reporttest.Sample(2, 25)
	b := readBook(t, render(t, r))
	s := b.sheets["Findings"]
	if s.lastRow() != 10 {
		t.Fatalf("%d rows, want 10", s.lastRow())
	}
	shown := maxRows - 2 // header and note
	if got, want := s.str(t, "A10"), fmt.Sprintf("%d more rows not shown", 25-shown); !strings.HasPrefix(got, want) {
		t.Errorf("note %q, want %q…", got, want)
	}
	if int(s.num(t, "A9")) != shown {
		t.Errorf("last finding shown is %v, want %d", s.num(t, "A9"), shown)
	}
}

// TestPythonReads checks the file with a second independent reader,
// Python's zipfile and xml.etree, when python3 is installed.
func TestPythonReads(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	r := reporttest.Sample(4, 120)
	file := filepath.Join(t.TempDir(), "r.xlsx")
	if err := os.WriteFile(file, render(t, r), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, zipfile, xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for n in z.namelist():
    if n.endswith(".xml") or n.endswith(".rels"):
        ET.fromstring(z.read(n))
wb = ET.fromstring(z.read("xl/workbook.xml"))
rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
for s in wb.find("m:sheets", ns):
    ws = ET.fromstring(z.read("xl/" + rels[s.get("{%s}id" % ns["r"])].lstrip("/").removeprefix("xl/")))
    rows = ws.findall("m:sheetData/m:row", ns)
    print("%s\t%d" % (s.get("name"), len(rows)))
`
	out, err := exec.Command(py, "-c", script, file).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := fmt.Sprintf("APIs\t%d\nControls\t%d\nResults\t%d\nFindings\t%d\nEvidence\t%d\n",
		1+len(r.APIs), 2+len(r.APIs), 1+len(r.Results), 1+len(collect(r.Findings)), 1+len(collect(r.Evidence)))
	lines := strings.SplitN(string(out), "\n", 2)
	if !strings.HasPrefix(lines[0], "Summary\t") || !strings.HasPrefix(lines[1], want) || !strings.HasSuffix(string(out), "\n") ||
		!strings.Contains(lines[1], "Framework mapping\t") {
		t.Errorf("python read:\n%s\nwant after Summary:\n%s", out, want)
	}
}

// A report's notes are rows of the Summary sheet, in full.
func TestNotesOnSummary(t *testing.T) {
	r := reporttest.Sample(2, 5)
	note := "Levels and scores are those of the daily snapshot on or before 2026-10-01; 1 of 2 APIs has no control results."
	r.Notes = []string{note}
	s := readBook(t, render(t, r)).sheets["Summary"]
	found := false
	for row := 1; row <= s.lastRow(); row++ {
		if s.str(t, ref(2, row)) == "Note" && s.str(t, ref(3, row)) == note {
			found = true
		}
	}
	if !found {
		t.Errorf("Summary has no Note row with %q", note)
	}
}
