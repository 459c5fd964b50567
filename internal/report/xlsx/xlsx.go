package xlsx

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/posture-dev/posture/internal/report"
)

// Sheet names, in workbook order.
const (
	sheetSummary    = "Summary"
	sheetAPIs       = "APIs"
	sheetControls   = "Controls"
	sheetResults    = "Results"
	sheetFindings   = "Findings"
	sheetEvidence   = "Evidence"
	sheetFrameworks = "Framework mapping"
)

// cellLimit is Excel's limit on the characters (UTF-16 code units) in one
// cell; longer text is clipped by us, visibly, rather than silently by the
// library or, worse, rejected by Excel as a corrupt file.
const cellLimit = 32767

// clipMark ends a clipped text so a reader knows the cell is not the whole
// value.
const clipMark = " …[clipped]"

// maxRows is Excel's row limit. A variable so a test can lower it instead
// of writing a million rows.
var maxRows = excelize.TotalRows

// ctxEvery is how many rows a streaming sheet writes between checks of the
// context: often enough to stop promptly, rarely enough to cost nothing.
const ctxEvery = 1024

// Write renders r as an .xlsx workbook to w. The workbook is assembled
// first and written to w only when complete, so on error nothing is
// written. An error from r.Findings or r.Evidence ends rendering with that
// error, wrapped with the sheet and row it was met on.
func Write(ctx context.Context, w io.Writer, r report.Report) (err error) {
	b, err := newBook(r)
	if err != nil {
		return err
	}
	// Close removes the stream writers' temporary files; it runs on every
	// path, also after an error half way through a sheet.
	defer func() {
		if cerr := b.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	for _, step := range []func(context.Context, report.Report) error{
		b.summary, b.apis, b.controls, b.results, b.findings, b.evidence, b.frameworks,
	} {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if err := step(ctx, r); err != nil {
			return err
		}
	}
	// No SetActiveSheet: the Summary is already the active tab (it is the
	// template's first sheet), and SetActiveSheet would parse every
	// streamed sheet back into memory.
	// The file's own timestamps are the report's generation time, so two
	// renderings of one report carry the same metadata.
	var created string
	if !r.GeneratedAt.IsZero() {
		created = r.GeneratedAt.UTC().Format(time.RFC3339)
	}
	if err := b.f.SetDocProps(&excelize.DocProperties{
		Title:       r.Title,
		Subject:     "Scope: " + r.Scope.String(),
		Creator:     r.Generator,
		Description: fmt.Sprintf("Evidence chain head seq %d, hash %s", r.Chain.Seq, r.Chain.Hash),
		Created:     created,
		Modified:    created,
	}); err != nil {
		return fmt.Errorf("xlsx: document properties: %w", err)
	}
	if err := b.f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// book is the workbook being built and its shared styles.
type book struct {
	f     *excelize.File
	st    styles
	first bool // the default sheet has been claimed
	// printHeader and printFooter are the left parts of every sheet's
	// printed header and footer, already escaped.
	printHeader, printFooter string
}

func newBook(r report.Report) (*book, error) {
	b := &book{f: excelize.NewFile()}
	b.printHeader = hfText(r.Title)
	foot := "Scope: " + r.Scope.String()
	if !r.AsOf.IsZero() {
		foot += " · as of " + r.AsOf.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	foot += fmt.Sprintf(" · chain head #%d", r.Chain.Seq)
	b.printFooter = hfText(foot)
	if err := b.st.init(b.f); err != nil {
		_ = b.f.Close()
		return nil, fmt.Errorf("xlsx: styles: %w", err)
	}
	return b, nil
}

// column is one column of a table: its header and width in characters.
type column struct {
	title string
	width float64
}

// sheet is a worksheet being streamed. Rows are written strictly in
// order; row is the last one written.
type sheet struct {
	b       *book
	name    string // the sheet's name
	what    string // its name in error messages: "findings sheet"
	sw      *excelize.StreamWriter
	row     int
	data    int // data rows in the current table
	omitted int // rows dropped past Excel's row limit
}

// newSheet creates the sheet name (the workbook's first sheet renames the
// default one, so the order of calls is the order of the sheets), sets the
// column widths, freezes the top headerRows rows and left freezeCols
// columns, and sets it up for printing: landscape, the header rows (and
// frozen columns) repeated on every page, the report's identity in the
// header and footer, and, with fitWidth, scaled to one page wide.
func (b *book) newSheet(name, what string, widths []float64, headerRows, freezeCols int, fitWidth bool) (*sheet, error) {
	if !b.first {
		b.first = true
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, fmt.Errorf("xlsx: %s: %w", what, err)
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("xlsx: %s: %w", what, err)
	}
	// sheetPr is written when the stream writer is created: set it first.
	if fitWidth {
		on := true
		if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &on}); err != nil {
			return nil, fmt.Errorf("xlsx: %s: fit to page: %w", what, err)
		}
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %s: %w", what, err)
	}
	s := &sheet{b: b, name: name, what: what, sw: sw}
	// excelize puts each new <col> before the ones set earlier, and Excel
	// wants them in ascending order: set them from the last column back.
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return nil, s.errf("column width", err)
		}
	}
	topLeft, _ := excelize.CoordinatesToCellName(freezeCols+1, headerRows+1)
	pane := "bottomLeft"
	if freezeCols > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: freezeCols, YSplit: headerRows, TopLeftCell: topLeft, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: pane}},
	}); err != nil {
		return nil, s.errf("panes", err)
	}
	if err := b.printSetup(name, headerRows, freezeCols, fitWidth); err != nil {
		return nil, s.errf("page setup", err)
	}
	return s, nil
}

// printSetup makes a printout of the sheet carry what a reader needs to
// trust it (title, scope, date, chain head) on every page, with the table
// headers repeated where a table breaks across pages.
func (b *book) printSetup(name string, headerRows, freezeCols int, fitWidth bool) error {
	landscape := "landscape"
	layout := &excelize.PageLayoutOptions{Orientation: &landscape}
	if fitWidth {
		one, free := 1, 0
		layout.FitToWidth, layout.FitToHeight = &one, &free
	}
	if err := b.f.SetPageLayout(name, layout); err != nil {
		return err
	}
	if err := b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + b.printHeader + "&R&A",
		OddFooter: "&L" + b.printFooter + "&RPage &P of &N",
	}); err != nil {
		return err
	}
	titles := fmt.Sprintf("'%s'!$1:$%d", name, headerRows)
	if freezeCols > 0 {
		last, _ := excelize.ColumnNumberToName(freezeCols)
		titles = fmt.Sprintf("'%s'!$A:$%s,%s", name, last, titles)
	}
	return b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: name})
}

// hfText makes s safe inside a header or footer: "&" starts a code there,
// and a header or footer holds at most 255 characters, so each part is cut
// well short of that.
func hfText(s string) string {
	const maxRunes = 110
	if utf8.RuneCountInString(s) > maxRunes {
		r := []rune(s)
		s = string(r[:maxRunes-1]) + "…"
	}
	return strings.ReplaceAll(s, "&", "&&")
}

func (s *sheet) errf(what string, err error) error {
	return fmt.Errorf("xlsx: %s: %s: %w", s.what, what, err)
}

// set writes vals as the next row.
func (s *sheet) set(vals []any, opts ...excelize.RowOpts) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err == nil {
		err = s.sw.SetRow(cell, vals, opts...)
	}
	if err != nil {
		return fmt.Errorf("xlsx: %s: row %d: %w", s.what, s.row, err)
	}
	return nil
}

// header writes a table's header row and starts counting its data rows.
func (s *sheet) header(titles []string) error {
	vals := make([]any, len(titles))
	for i, t := range titles {
		vals[i] = excelize.Cell{StyleID: s.b.st.header, Value: t}
	}
	s.data = 0
	// Two lines' height, so wrapped headers over narrow number columns
	// ("Open critical") are readable without widening the columns.
	return s.set(vals, excelize.RowOpts{Height: 30})
}

// add writes one data row. Past Excel's row limit rows are counted, not
// written, and finish says how many were left out: a report of a huge
// portfolio is still delivered, with the gap stated.
func (s *sheet) add(vals ...any) error {
	if s.row >= maxRows-1 {
		s.omitted++
		return nil
	}
	s.data++
	return s.set(vals)
}

// note writes a one-cell, italic explanatory row (empty states, limits).
func (s *sheet) note(text string) error {
	return s.set([]any{excelize.Cell{StyleID: s.b.st.note, Value: clip(text)}})
}

// endTable closes a table that started at row hdr with cols columns: it
// writes the empty state if the table has no data row and the count of
// rows left out past the row limit, and returns the table's range for
// the autofilter.
func (s *sheet) endTable(hdr, cols int, empty string) (string, error) {
	if s.data == 0 {
		if err := s.note(empty); err != nil {
			return "", err
		}
	}
	last := s.row
	if s.omitted > 0 {
		// add kept the last row free for this note.
		if err := s.note(fmt.Sprintf("%d more rows not shown: Excel's limit is %d rows per sheet.", s.omitted, maxRows)); err != nil {
			return "", err
		}
	}
	from, _ := excelize.CoordinatesToCellName(1, hdr)
	to, _ := excelize.CoordinatesToCellName(cols, last)
	return from + ":" + to, nil
}

// finish sets the autofilter over filter (a range) and flushes the sheet.
// The autofilter and conditional formats live in the worksheet part that
// the stream writer emits on Flush, so they are set before it.
func (s *sheet) finish(filter string) error {
	if err := s.b.f.AutoFilter(s.name, filter, nil); err != nil {
		return s.errf("autofilter", err)
	}
	if err := s.sw.Flush(); err != nil {
		return s.errf("flush", err)
	}
	return nil
}

// table writes the header row of cols.
func (s *sheet) table(cols []column) error {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return s.header(titles)
}

func widths(cols []column) []float64 {
	w := make([]float64, len(cols))
	for i, c := range cols {
		w[i] = c.width
	}
	return w
}

// rangeRef is "C2:C10".
func rangeRef(col1, row1, col2, row2 int) string {
	a, _ := excelize.CoordinatesToCellName(col1, row1)
	b, _ := excelize.CoordinatesToCellName(col2, row2)
	return a + ":" + b
}

// checkCtx is called once per row; it looks at the context every
// ctxEvery rows.
func checkCtx(ctx context.Context, n int, what string) error {
	if n%ctxEvery != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("xlsx: %s: row %d: %w", what, n, err)
	}
	return nil
}

// Cell values. Each returns what StreamWriter.SetRow takes: nil for an
// empty cell, a plain value, or an excelize.Cell with a style.

// str is a text cell. Text is always a string cell, never a formula, so
// "=cmd|..." in a finding title is shown, not evaluated.
func str(s string) any {
	if s == "" {
		return nil
	}
	return clip(s)
}

// clip shortens s to Excel's cell limit, counted in UTF-16 code units as
// Excel counts, cutting on a character boundary and marking the cut.
func clip(s string) string {
	// A UTF-8 string has at least as many bytes as UTF-16 units.
	if len(s) <= cellLimit {
		return s
	}
	units := 0
	for _, r := range s {
		units += utf16Len(r)
	}
	if units <= cellLimit {
		return s
	}
	budget := cellLimit
	for _, r := range clipMark {
		budget -= utf16Len(r)
	}
	units = 0
	for i, r := range s {
		if units+utf16Len(r) > budget {
			return s[:i] + clipMark
		}
		units += utf16Len(r)
	}
	return s // not reached
}

func utf16Len(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// Excel's date serials cover 1900-01-01 to 9999-12-31; a time outside
// that is shown as RFC 3339 text rather than as a wrong or negative date.
var (
	excelMin = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	excelMax = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// timeCell is t in UTC with the given date style; nil for the zero time.
func timeCell(t time.Time, style int) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	if t.Before(excelMin) || !t.Before(excelMax) {
		return t.Format(time.RFC3339)
	}
	return excelize.Cell{StyleID: style, Value: t}
}

func (b *book) stamp(t time.Time) any { return timeCell(t, b.st.stamp) }
func (b *book) date(t time.Time) any  { return timeCell(t, b.st.date) }

func (b *book) dateP(t *time.Time) any {
	if t == nil {
		return nil
	}
	return b.date(*t)
}

// id is an identifier (finding id, sequence number, CWE): a number, so it
// sorts and filters as one, aligned left like the text around it.
func (b *book) id(v int64) any { return excelize.Cell{StyleID: b.st.id, Value: v} }

// score is a 0-100 score shown with one decimal.
func (b *book) score(v float64) any { return excelize.Cell{StyleID: b.st.dec, Value: v} }

// pct is a 0-1 ratio shown as a percentage.
func (b *book) pct(v float64) any { return excelize.Cell{StyleID: b.st.pct, Value: v} }
