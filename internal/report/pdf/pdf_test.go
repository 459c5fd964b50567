package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"iter"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
)

// The tests read the PDFs back with poppler (pdfinfo, pdftotext,
// pdftoppm), a reader independent of the library that wrote them.

func requirePoppler(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("POSTURE_REQUIRE_E2E") == "1" {
				t.Fatalf("%s not found: install poppler-utils (apt-get install -y poppler-utils)", tool)
			}
			t.Skipf("%s not found: install poppler-utils (apt-get install -y poppler-utils) to run the PDF tests", tool)
		}
	}
}

type renderFunc func(context.Context, io.Writer, report.Report) error

// pdfFile renders r and returns the file's path.
func pdfFile(t *testing.T, render renderFunc, r report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render(context.Background(), &buf, r); err != nil {
		t.Fatalf("render: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output does not start with %%PDF-: %q", buf.Bytes()[:min(buf.Len(), 16)])
	}
	p := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s %v: %v: %s", name, args, err, ee.Stderr)
		}
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

func pageCount(t *testing.T, path string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(run(t, "pdfinfo", path))
	if m == nil {
		t.Fatal("pdfinfo: no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// pageTexts extracts every page on its own (-f/-l), in layout mode.
func pageTexts(t *testing.T, path string) []string {
	t.Helper()
	n := pageCount(t, path)
	pages := make([]string, n+1) // 1-based
	for p := 1; p <= n; p++ {
		pages[p] = run(t, "pdftotext", "-layout", "-f", itoa(p), "-l", itoa(p), path, "-")
	}
	return pages
}

var spaces = regexp.MustCompile(`\s+`)

func norm(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// checkFooters asserts every page says "Page N of M" with M the page
// count pdfinfo reports.
func checkFooters(t *testing.T, pages []string) {
	t.Helper()
	n := len(pages) - 1
	if n <= 1 {
		t.Fatalf("page count %d, want more than 1", n)
	}
	re := regexp.MustCompile(`Page (\d+) of (\d+)`)
	for p := 1; p <= n; p++ {
		m := re.FindStringSubmatch(pages[p])
		if m == nil {
			t.Fatalf("page %d: no \"Page N of M\" footer", p)
		}
		if m[1] != itoa(p) || m[2] != itoa(n) {
			t.Errorf("page %d footer says %q, want Page %d of %d", p, m[0], p, n)
		}
	}
}

func checkCover(t *testing.T, cover string, r report.Report) {
	t.Helper()
	c := norm(cover)
	for _, want := range []string{
		r.Scope.String(),
		r.From.UTC().Format("2006-01-02") + " – " + r.AsOf.UTC().Format("2006-01-02"),
		r.GeneratedAt.UTC().Format("2006-01-02 15:04"),
		r.Generator,
		r.Chain.Hash,
		strconv.FormatInt(r.Chain.Seq, 10),
	} {
		if !strings.Contains(c, want) {
			t.Errorf("cover lacks %q:\n%s", want, c)
		}
	}
}

type tocLine struct {
	num   int
	title string
	page  int
}

// readTOC parses the contents pages (from page 2 on, while lines with dot
// leaders appear) and returns the entries and the last contents page.
func readTOC(t *testing.T, pages []string) ([]tocLine, int) {
	t.Helper()
	re := regexp.MustCompile(`^\s*(\d+)\s+(.+?)\s*\.{4,}\s*(\d+)\s*$`)
	var toc []tocLine
	last := 0
	for p := 2; p < len(pages); p++ {
		found := false
		for _, l := range strings.Split(pages[p], "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				pg, _ := strconv.Atoi(m[3])
				toc = append(toc, tocLine{n, norm(m[2]), pg})
				found = true
			}
		}
		if !found {
			break
		}
		last = p
	}
	if len(toc) == 0 {
		t.Fatal("no contents entries found")
	}
	return toc, last
}

// checkTOC asserts the contents list exactly the wanted sections, in
// order, each with the page where pdftotext first finds its numbered
// heading after the contents pages.
func checkTOC(t *testing.T, pages []string, want []string) []tocLine {
	t.Helper()
	toc, last := readTOC(t, pages)
	var got []string
	for _, e := range toc {
		got = append(got, e.title)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("contents list %q, want %q", got, want)
	}
	for i, e := range toc {
		if e.num != i+1 {
			t.Errorf("entry %q numbered %d, want %d", e.title, e.num, i+1)
		}
		heading := fmt.Sprintf("%d %s", e.num, e.title)
		found := 0
		for p := last + 1; p < len(pages) && found == 0; p++ {
			for _, l := range strings.Split(pages[p], "\n") {
				if norm(l) == heading {
					found = p
					break
				}
			}
		}
		if found != e.page {
			t.Errorf("contents: %q on page %d, heading found on page %d", heading, e.page, found)
		}
	}
	return toc
}

type word struct {
	x0, y0, x1, y1 float64
	text           string
}

var wordRe = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// words returns page p's words with their boxes (pdftotext -bbox), in
// points from the top left.
func words(t *testing.T, path string, p int) []word {
	t.Helper()
	var ws []word
	for _, m := range wordRe.FindAllStringSubmatch(run(t, "pdftotext", "-bbox", "-f", itoa(p), "-l", itoa(p), path, "-"), -1) {
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		ws = append(ws, word{f(m[1]), f(m[2]), f(m[3]), f(m[4]), html.UnescapeString(m[5])})
	}
	return ws
}

// figureBelow finds label (one or more words on a line) and returns the
// word set directly below its first word: how a summary tile shows a
// figure under its label.
func figureBelow(ws []word, label string) (string, bool) {
	lw := strings.Fields(label)
	for i := range ws {
		if i+len(lw) > len(ws) {
			break
		}
		match := true
		for k, w := range lw {
			if ws[i+k].text != w || ws[i+k].y0 != ws[i].y0 {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		l := ws[i]
		for _, w := range ws {
			if w.y0 > l.y1 && w.y0-l.y1 < 30 && w.x0 > l.x0-2 && w.x0 < l.x0+2 {
				return w.text, true
			}
		}
	}
	return "", false
}

// checkInside asserts no word on any page leaves the text area: long
// text was wrapped or clipped, not run off the page.
func checkInside(t *testing.T, path string, n int) {
	t.Helper()
	const mm = 72 / 25.4
	left, right := marginL*mm-1, (pageW-marginR)*mm+1
	out := run(t, "pdftotext", "-bbox", path, "-")
	pages := strings.Split(out, "<page ")[1:]
	if len(pages) != n {
		t.Fatalf("pdftotext -bbox: %d pages, want %d", len(pages), n)
	}
	for i, pg := range pages {
		for _, m := range wordRe.FindAllStringSubmatch(pg, -1) {
			x0, _ := strconv.ParseFloat(m[1], 64)
			x1, _ := strconv.ParseFloat(m[3], 64)
			if x0 < left || x1 > right {
				t.Errorf("page %d: %q at x %.1f-%.1f pt leaves the text area %.1f-%.1f", i+1, html.UnescapeString(m[5]), x0, x1, left, right)
				return
			}
		}
	}
}

func sectionPage(toc []tocLine, title string) int {
	for _, e := range toc {
		if e.title == title {
			return e.page
		}
	}
	return 0
}

func TestExecutive(t *testing.T) {
	requirePoppler(t)
	r := reporttest.Sample(40, 400)
	path := pdfFile(t, Executive, r)
	pages := pageTexts(t, path)
	checkFooters(t, pages)
	checkCover(t, pages[1], r)
	toc := checkTOC(t, pages, []string{"Summary", "Maturity trend", "Distribution by maturity level", "Framework coverage",
		"Top risks", "Overdue remediation", "Evidence gaps", "APIs"})
	checkInside(t, path, len(pages)-1)

	// Summary figures, computed here from the Report.
	n, sum := 0, 0
	for l, c := range r.Levels {
		n += c
		sum += l * c
	}
	fc := r.FindingCounts
	want := map[string]string{
		"APIs in scope":    itoa(len(r.APIs)),
		"Mean level (0-4)": strconv.FormatFloat(float64(sum)/float64(n), 'f', 1, 64),
		"Open findings":    itoa(fc.Open),
		"Overdue":          itoa(fc.Overdue),
		"Evidence gaps":    itoa(len(r.Gaps)),
		"Critical":         itoa(fc.OpenBySeverity[0]),
		"High":             itoa(fc.OpenBySeverity[1]),
		"Medium":           itoa(fc.OpenBySeverity[2]),
		"Low":              itoa(fc.OpenBySeverity[3]),
		"Info":             itoa(fc.OpenBySeverity[4]),
	}
	if fc.OpenBySeverity[0] == 0 || fc.Overdue == 0 {
		t.Fatal("sample has no open critical or overdue findings: the figure checks would prove little")
	}
	ws := words(t, path, sectionPage(toc, "Summary"))
	for label, v := range want {
		got, ok := figureBelow(ws, label)
		if !ok {
			t.Errorf("summary: no figure under %q", label)
		} else if got != v {
			t.Errorf("summary: %q shows %s, want %s", label, got, v)
		}
	}

	all := norm(strings.Join(pages, "\n"))
	for _, k := range r.TopRisks {
		if !strings.Contains(all, fmt.Sprintf("%d %s %s", k.FindingID, k.API, k.Title)) {
			t.Errorf("top risk %d (%s, %s) not listed", k.FindingID, k.API, k.Title)
		}
	}
	fwText := strings.Join(pages[sectionPage(toc, "Framework coverage"):sectionPage(toc, "Top risks")+1], "\n")
	for _, fw := range r.Frameworks {
		// Long titles wrap, so the row's first line has the first words.
		first := strings.Join(strings.Fields(fw.Title)[:2], " ")
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(fw.ID) + `\s+` + regexp.QuoteMeta(first) + `.*\s` + itoa(fw.Controls) + `\s+` +
			strconv.Itoa(int(fw.Score+0.5)) + `\s+` + itoa(fw.Pass) + `\s+` + itoa(fw.Partial) + `\s+` + itoa(fw.Fail) + `\s+` + itoa(fw.Unknown) + `\s*$`)
		if !re.MatchString(fwText) {
			t.Errorf("framework item %s %s (%d controls, score %.0f) not listed", fw.ID, fw.Title, fw.Controls, fw.Score)
		}
	}
	// Gaps are capped per API; the rest is counted.
	perAPI := map[string]int{}
	for _, g := range r.Gaps {
		perAPI[g.API]++
	}
	counts := make([]int, 0, len(perAPI))
	for _, c := range perAPI {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	if len(counts) <= maxGapAPIs {
		t.Fatalf("sample has %d APIs with gaps, need more than %d to test the cap", len(counts), maxGapAPIs)
	}
	rest := 0
	for _, c := range counts[maxGapAPIs:] {
		rest += c
	}
	if w := fmt.Sprintf("and %d more APIs with %d gaps", len(counts)-maxGapAPIs, rest); !strings.Contains(all, w) {
		t.Errorf("gaps: missing %q", w)
	}
	apis := strings.Join(pages[sectionPage(toc, "APIs"):], "\n")
	for _, a := range r.APIs {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(a.Name) + `\s+` + regexp.QuoteMeta(a.Owner) + `\s+` + regexp.QuoteMeta(report.LevelName(a.Level))).MatchString(apis) {
			t.Errorf("APIs table: no row for %s (%s, %s)", a.Name, a.Owner, report.LevelName(a.Level))
		}
	}
}

func TestAuditor(t *testing.T) {
	requirePoppler(t)
	r := reporttest.Sample(3, 60)
	path := pdfFile(t, Auditor, r)
	pages := pageTexts(t, path)
	checkFooters(t, pages)
	checkCover(t, pages[1], r)
	var want []string
	for _, a := range r.APIs {
		want = append(want, a.Name+": "+a.Title)
	}
	want = append(want, "Appendix: evidence records")
	toc := checkTOC(t, pages, want)
	checkInside(t, path, len(pages)-1)

	// Each API's section runs from its page to the page before the next.
	section := func(i int) string {
		return strings.Join(pages[toc[i].page:toc[i+1].page], "\n")
	}
	findings := map[string][]report.Finding{}
	for f, err := range r.Findings {
		if err != nil {
			t.Fatal(err)
		}
		findings[f.API] = append(findings[f.API], f)
	}
	for i, a := range r.APIs {
		text := section(i)
		flat := norm(text)
		n := 0
		for _, res := range r.Results {
			if res.API != a.Name {
				continue
			}
			n++
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(res.ControlID) + `\s+` + regexp.QuoteMeta(strings.ReplaceAll(res.Status, "_", " "))).MatchString(text) {
				t.Errorf("%s: control %s (%s) not listed", a.Name, res.ControlID, res.Status)
			}
			for _, e := range res.Evidence {
				if !strings.Contains(flat, e.Hash[:12]+" "+e.ObservedAt.UTC().Format("2006-01-02")) {
					t.Errorf("%s %s: evidence prefix %s with its date not shown", a.Name, res.ControlID, e.Hash[:12])
				}
				if !strings.Contains(flat, "sha256 "+e.Hash) {
					t.Errorf("%s %s: full evidence hash %s not shown", a.Name, res.ControlID, e.Hash)
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s has no results in the sample", a.Name)
		}
		if !strings.Contains(flat, fmt.Sprintf("Control results (%d)", n)) {
			t.Errorf("%s: heading does not count %d control results", a.Name, n)
		}
		fs := findings[a.Name]
		if !strings.Contains(flat, fmt.Sprintf("Findings (%d)", len(fs))) {
			t.Errorf("%s: heading does not count %d findings", a.Name, len(fs))
		}
		for _, f := range fs {
			if !regexp.MustCompile(`(?m)^\s*` + fmt.Sprint(f.ID) + `\s+` + f.Severity + `\s+.*` + regexp.QuoteMeta(f.Title)).MatchString(text) {
				t.Errorf("%s: finding %d %q not listed", a.Name, f.ID, f.Title)
			}
			for _, e := range f.History {
				if !strings.Contains(flat, e.At.UTC().Format("2006-01-02 15:04")+" UTC "+e.Actor+" "+e.Kind) {
					t.Errorf("%s: finding %d: event %s %s not shown", a.Name, f.ID, e.Kind, e.At)
				}
			}
		}
		for _, other := range r.APIs {
			for _, f := range findings[other.Name] {
				if other.Name != a.Name && regexp.MustCompile(`(?m)^\s*`+fmt.Sprint(f.ID)+`\s+`+f.Severity+`\s`).MatchString(text) {
					t.Errorf("%s: shows finding %d of %s", a.Name, f.ID, other.Name)
				}
			}
		}
	}
	appendix := norm(strings.Join(pages[toc[len(toc)-1].page:], "\n"))
	nrec := 0
	for e, err := range r.Evidence {
		if err != nil {
			t.Fatal(err)
		}
		nrec++
		if !strings.Contains(appendix, fmt.Sprintf("%d %s", e.Seq, e.Hash)) || !strings.Contains(appendix, e.PrevHash) {
			t.Errorf("appendix: record %d (%s, prev %s) not shown", e.Seq, e.Hash, e.PrevHash)
		}
	}
	if nrec == 0 {
		t.Fatal("sample has no evidence records")
	}
}

// Enough APIs for the contents to take two pages, reserved before the
// body was written: every entry must still point at its heading.
func TestAuditorContentsPages(t *testing.T) {
	requirePoppler(t)
	r := reporttest.Sample(45, 0)
	path := pdfFile(t, Auditor, r)
	pages := pageTexts(t, path)
	checkFooters(t, pages)
	var want []string
	for _, a := range r.APIs {
		want = append(want, a.Name+": "+a.Title)
	}
	want = append(want, "Appendix: evidence records")
	checkTOC(t, pages, want)
	if _, last := readTOC(t, pages); last != 3 {
		t.Errorf("contents end on page %d, want 3 (two pages for %d entries)", last, len(want))
	}
}

func TestEmptyReport(t *testing.T) {
	requirePoppler(t)
	r := reporttest.Sample(0, 0)
	for _, tc := range []struct {
		name   string
		render renderFunc
		want   []string
	}{
		{"executive", Executive, []string{"No APIs in scope", "No trend data for the period", "No open critical or high findings",
			"No open findings are past their due date", "No evidence gaps"}},
		{"auditor", Auditor, []string{"No APIs in scope", "No evidence records in scope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := pdfFile(t, tc.render, r)
			pages := pageTexts(t, path)
			checkFooters(t, pages)
			checkCover(t, pages[1], r)
			all := norm(strings.Join(pages, "\n"))
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("empty state %q not shown", w)
				}
			}
			// Every body page says something besides header and footer.
			_, last := readTOC(t, pages)
			for p := last + 1; p < len(pages); p++ {
				if len(strings.Fields(pages[p])) < 25 {
					t.Errorf("page %d is nearly blank: %q", p, norm(pages[p]))
				}
			}
		})
	}
}

// Notes (caveats such as a past date without control results) are on
// the cover in full.
func TestNotesOnCover(t *testing.T) {
	r := reporttest.Sample(3, 10)
	r.Notes = []string{"Levels and scores are those of the daily snapshot on or before 2026-10-01. posture keeps per-control results only for an API's latest assessment: 2 of 3 APIs were assessed again after that date, so their control results are not shown."}
	requirePoppler(t)
	cover := norm(pageTexts(t, pdfFile(t, Executive, r))[1])
	if !strings.Contains(cover, "2 of 3 APIs were assessed again after that date, so their control results are not shown.") {
		t.Errorf("cover lacks the whole note:\n%s", cover)
	}
}

func TestUnicodeAndLongText(t *testing.T) {
	requirePoppler(t)
	r := reporttest.Sample(2, 20)
	r.Title = "Zürich – “quotes” 東京"
	r.Scope = report.Scope{Kind: report.ScopeTeam, Name: "Zürich"}
	long := strings.Repeat("verylongidentifierwithoutanyspaces", 8)
	r.APIs[0].Owner = long
	r.APIs[1].Title = strings.Repeat("A very long API title that must wrap or be clipped. ", 12)
	r.Results[0].Reason = strings.Repeat("A reason that goes on and on. ", 40) + long
	r.Gaps = append(r.Gaps, report.Gap{API: long, ControlID: "PRE-B-01", Reason: long})
	for _, tc := range []struct {
		name   string
		render renderFunc
	}{{"executive", Executive}, {"auditor", Auditor}} {
		t.Run(tc.name, func(t *testing.T) {
			path := pdfFile(t, tc.render, r)
			pages := pageTexts(t, path)
			cover := norm(pages[1])
			if !strings.Contains(cover, "Zürich – “quotes” ??") {
				t.Errorf("cover title not Zürich – “quotes” ?? (CJK replaced by '?'):\n%s", cover)
			}
			if strings.Contains(strings.Join(pages, ""), "東京") {
				t.Error("CJK text survived: the core fonts cannot show it")
			}
			if !strings.Contains(cover, "team Zürich") {
				t.Errorf("cover scope not \"team Zürich\":\n%s", cover)
			}
			checkInside(t, path, len(pages)-1)
		})
	}
}

// Odd data renders without error or panic: NaN and out-of-range scores
// and levels, a one-point trend, invalid UTF-8, unknown statuses and
// severities, results for controls not in the catalog, empty hashes.
func TestOddData(t *testing.T) {
	nan := math.NaN()
	r := reporttest.Sample(3, 20)
	r.Title = "bad \xff\xfe utf-8 \x00 and a tab\there"
	r.Trend = r.Trend[:1]
	r.Trend[0].MeanLevel = nan
	r.Trend[0].Cells = report.Cells{PreBasic: nan, PreAdv: math.Inf(1), RunBasic: -5, RunAdv: 250}
	r.Cells = r.Trend[0].Cells
	r.Levels[1] = -2
	r.APIs[0].Level = 9
	r.APIs[0].Cells.PreBasic = nan
	r.Frameworks[0].Score = nan
	r.Frameworks[1].Framework = ""
	r.Results[0].Status = "weird"
	r.Results[0].Coverage = nan
	r.Results[1].ControlID = "NOT-IN-CATALOG"
	r.Results[2].Evidence = []report.EvidenceRef{{Hash: ""}, {Hash: "short"}}
	r.TopRisks = append(r.TopRisks, report.Risk{Severity: "catastrophic", Overdue: true})
	r.Chain = report.ChainHead{}
	r.GeneratedAt = time.Time{}
	r.Findings = func(yield func(report.Finding, error) bool) {
		yield(report.Finding{ID: 1, API: r.APIs[1].Name, Severity: "", Status: "", History: []report.Event{{}}}, nil)
	}
	for name, render := range map[string]renderFunc{"executive": Executive, "auditor": Auditor} {
		var buf bytes.Buffer
		if err := render(context.Background(), &buf, r); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Errorf("%s: not a PDF", name)
		}
	}
}

func TestIteratorErrors(t *testing.T) {
	boom := errors.New("store gone")
	failing := func(after int) iter.Seq2[report.Finding, error] {
		return func(yield func(report.Finding, error) bool) {
			for i := range after {
				if !yield(report.Finding{ID: int64(i + 1), API: "api-0000", Title: "x", Severity: "high"}, nil) {
					return
				}
			}
			yield(report.Finding{}, boom)
		}
	}
	r := reporttest.Sample(2, 10)
	r.Findings = failing(3)
	if err := Auditor(context.Background(), io.Discard, r); !errors.Is(err, boom) || !strings.Contains(err.Error(), "findings") {
		t.Errorf("findings error: got %v, want %v", err, boom)
	}
	r = reporttest.Sample(2, 10)
	r.Evidence = func(yield func(report.EvidenceRecord, error) bool) {
		if yield(report.EvidenceRecord{Seq: 1, Hash: "a"}, nil) {
			yield(report.EvidenceRecord{}, boom)
		}
	}
	err := Auditor(context.Background(), io.Discard, r)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "evidence") {
		t.Errorf("evidence error: got %v, want %v with context", err, boom)
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := reporttest.Sample(3, 10)
	for name, render := range map[string]renderFunc{"executive": Executive, "auditor": Auditor} {
		if err := render(ctx, io.Discard, r); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want context.Canceled", name, err)
		}
	}
}

// Same report, same bytes: the document carries no wall-clock time.
func TestDeterministic(t *testing.T) {
	r := reporttest.Sample(3, 30)
	for name, render := range map[string]renderFunc{"executive": Executive, "auditor": Auditor} {
		var a, b bytes.Buffer
		if err := render(context.Background(), &a, r); err != nil {
			t.Fatal(err)
		}
		if err := render(context.Background(), &b, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renderings differ", name)
		}
	}
}

// TestPreview rasterises the cover and the chart page with pdftoppm and
// checks they are not blank; with POSTURE_PDF_PREVIEW=1 it also writes
// them to /tmp/work/pdf-preview for a person to look at.
func TestPreview(t *testing.T) {
	requirePoppler(t)
	exec1 := reporttest.Sample(40, 400)
	path := pdfFile(t, Executive, exec1)
	toc, _ := readTOC(t, pageTexts(t, path))
	dir := t.TempDir()
	shots := map[string]int{"executive-cover": 1, "executive-charts": sectionPage(toc, "Maturity trend"), "executive-summary": sectionPage(toc, "Summary")}
	audPath := pdfFile(t, Auditor, reporttest.Sample(3, 60))
	audTOC, _ := readTOC(t, pageTexts(t, audPath))
	for name, p := range shots {
		if p == 0 {
			t.Fatalf("%s: page not found", name)
		}
		rasterCheck(t, path, p, filepath.Join(dir, name), name == "executive-charts")
	}
	rasterCheck(t, audPath, audTOC[0].page, filepath.Join(dir, "auditor-api"), false)
	rasterCheck(t, audPath, audTOC[len(audTOC)-1].page, filepath.Join(dir, "auditor-appendix"), false)
	if os.Getenv("POSTURE_PDF_PREVIEW") == "1" {
		out := "/tmp/work/pdf-preview"
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %d previews to %s", len(files), out)
	}
}

// rasterCheck renders page p to prefix.png and checks it has ink; a chart
// page must also have colour (the accent-coloured series).
func rasterCheck(t *testing.T, path string, p int, prefix string, wantColor bool) {
	t.Helper()
	run(t, "pdftoppm", "-png", "-r", "80", "-singlefile", "-f", itoa(p), "-l", itoa(p), path, prefix)
	fh, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", prefix, err)
	}
	ink, colour, total := 0, 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl := rgb8(img, x, y)
			total++
			if r < 200 || g < 200 || bl < 200 {
				ink++
			}
			if int(bl)-int(r) > 40 || int(g)-int(r) > 40 {
				colour++
			}
		}
	}
	if ink*100 < total {
		t.Errorf("%s: page %d is nearly blank (%d of %d pixels inked)", prefix, p, ink, total)
	}
	if wantColor && colour*100 < total {
		t.Errorf("%s: page %d has almost no colour (%d of %d pixels): charts missing?", prefix, p, colour, total)
	}
}

func rgb8(img image.Image, x, y int) (uint8, uint8, uint8) {
	r, g, b, _ := img.At(x, y).RGBA()
	return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)
}
