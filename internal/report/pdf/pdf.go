package pdf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/posture-dev/posture/internal/report"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW      = 210.0
	pageH      = 297.0
	marginL    = 18.0
	marginR    = 18.0
	marginT    = 22.0
	marginB    = 20.0
	contentW   = pageW - marginL - marginR
	bodyBottom = pageH - marginB // fpdf's page break trigger
)

// Type sizes in points. One family (Helvetica) for text and Courier for
// hashes, so that hex digits line up and read unambiguously.
const (
	sizeBody  = 9.0
	sizeTable = 7.6
	sizeSmall = 6.6
	sizeH1    = 15.0
	sizeH2    = 10.5
	lineBody  = 4.6
	lineTable = 3.5
	lineSmall = 3.0
)

type rgb struct{ r, g, b int }

// Colour is used for meaning only: the accent marks structure (headings,
// rules), red/amber/green mark good and bad, severities have their usual
// colours. Everything else is ink or muted grey.
var (
	colInk      = rgb{33, 37, 41}
	colMuted    = rgb{108, 117, 125}
	colAccent   = rgb{31, 56, 100}
	colRule     = rgb{206, 212, 218}
	colHeadFill = rgb{232, 236, 242}
	colPanel    = rgb{246, 248, 250}
	colGood     = rgb{46, 125, 50}
	colWarn     = rgb{183, 121, 0}
	colBad      = rgb{176, 0, 32}
	colBarBack  = rgb{229, 232, 236}
)

var severityColors = [5]rgb{{176, 0, 32}, {214, 84, 0}, {183, 121, 0}, {52, 101, 164}, {108, 117, 125}}

func severityColor(s string) rgb {
	for i, v := range report.Severities {
		if strings.EqualFold(v, s) {
			return severityColors[i]
		}
	}
	return colInk
}

func statusColor(s string) rgb {
	switch strings.ToLower(s) {
	case "pass", "fixed", "verified":
		return colGood
	case "partial", "in_progress", "risk_accepted":
		return colWarn
	case "fail", "open":
		return colBad
	}
	return colMuted
}

// scoreColor bands a 0-100 score the way the maturity levels do: 80 is
// the bar for a cell to count as met, below 50 is weak.
func scoreColor(v float64) rgb {
	switch {
	case v >= 80:
		return colGood
	case v >= 50:
		return colWarn
	}
	return colBad
}

// doc is one PDF being written: the fpdf document plus what the running
// header, footer and table of contents need.
type doc struct {
	ctx  context.Context
	f    *fpdf.Fpdf
	r    *report.Report
	kind string // "Executive report"

	headLeft, headRight, footLeft string // already cp1252

	toc      []tocEntry
	tocFirst int // first reserved contents page
	tocPages int
	section  string // current section title, for "(continued)" lines
	force    bool   // set fonts and colours even when fpdf has them
}

type tocEntry struct {
	title string // UTF-8
	page  int    // 0 until the section is written
	link  int
}

func newDoc(ctx context.Context, r *report.Report, kind string, sections []string) *doc {
	f := fpdf.New("P", "mm", "A4", "")
	d := &doc{ctx: ctx, f: f, r: r, kind: kind}
	f.SetMargins(marginL, marginT, marginR)
	f.SetAutoPageBreak(true, marginB)
	f.SetCellMargin(1.2)
	f.AliasNbPages("{nb}")
	// Fixed dates and sorted catalog make the same report give the same
	// bytes, so two renderings can be compared by hash.
	f.SetCatalogSort(true)
	if !r.GeneratedAt.IsZero() {
		f.SetCreationDate(r.GeneratedAt)
		f.SetModificationDate(r.GeneratedAt)
	}
	title := docTitle(r)
	f.SetTitle(utf16Text(title), false)
	f.SetSubject(utf16Text(kind+", "+r.Scope.String()), false)
	if r.Generator != "" {
		f.SetCreator(utf16Text(r.Generator), false)
	}
	f.SetKeywords(utf16Text(fmt.Sprintf("evidence chain head seq %d sha256 %s", r.Chain.Seq, r.Chain.Hash)), false)

	d.headLeft = enc(title)
	d.headRight = enc(kind + "  |  " + r.Scope.String() + "  |  as of " + fmtDate(r.AsOf))
	d.footLeft = enc(fmt.Sprintf("Evidence chain head #%d %s  |  generated %s", r.Chain.Seq, hashPrefix(r.Chain.Hash), fmtTime(r.GeneratedAt)))
	f.SetHeaderFuncMode(d.header, true)
	f.SetFooterFunc(d.footer)
	for _, s := range sections {
		d.toc = append(d.toc, tocEntry{title: s, link: f.AddLink()})
	}
	return d
}

func docTitle(r *report.Report) string {
	if strings.TrimSpace(r.Title) == "" {
		return "API security posture"
	}
	return r.Title
}

func (d *doc) font(style string, size float64) { d.setFont("helvetica", style, size) }
func (d *doc) mono(size float64)               { d.setFont("courier", "", size) }
func (d *doc) text(c rgb)                      { d.f.SetTextColor(c.r, c.g, c.b) }

// setFont, fill and draw skip what is already set: fpdf writes a font or
// colour operator into the page every time it is called, and tables set
// them per cell. fpdf's state is that of the current page's content
// stream, except right after SetPage, when force makes them write.
func (d *doc) setFont(family, style string, size float64) {
	f := d.f
	if !d.force && f.GetFontFamily() == family && f.GetFontStyle() == style {
		if pt, _ := f.GetFontSize(); pt == size {
			return
		}
	}
	f.SetFont(family, style, size)
}

func (d *doc) fill(c rgb) {
	if r, g, b := d.f.GetFillColor(); d.force || r != c.r || g != c.g || b != c.b {
		d.f.SetFillColor(c.r, c.g, c.b)
	}
}

func (d *doc) draw(c rgb) {
	if r, g, b := d.f.GetDrawColor(); d.force || r != c.r || g != c.g || b != c.b {
		d.f.SetDrawColor(c.r, c.g, c.b)
	}
}

// header runs on every page but the cover.
func (d *doc) header() {
	f := d.f
	if f.PageNo() == 1 {
		return
	}
	d.font("", 7)
	d.text(colMuted)
	right := d.headRight
	rw := f.GetStringWidth(right) + 2
	f.SetXY(marginL, 10)
	f.CellFormat(contentW-rw-4, 4, fit(f, d.headLeft, contentW-rw-4), "", 0, "L", false, 0, "")
	f.SetXY(pageW-marginR-rw, 10)
	f.CellFormat(rw, 4, right, "", 0, "R", false, 0, "")
	d.draw(colAccent)
	f.SetLineWidth(0.3)
	f.Line(marginL, 15, pageW-marginR, 15)
	d.text(colInk)
	d.font("", sizeBody)
}

// footer carries the chain head on every page, so a page on its own
// still says which evidence state it shows, and "Page N of M".
func (d *doc) footer() {
	f := d.f
	d.draw(colRule)
	f.SetLineWidth(0.2)
	f.Line(marginL, pageH-14, pageW-marginR, pageH-14)
	d.font("", 7)
	d.text(colMuted)
	f.SetXY(marginL, pageH-13)
	f.CellFormat(contentW-32, 4, fit(f, d.footLeft, contentW-32), "", 0, "L", false, 0, "")
	// Left-aligned in a fixed box: the alias "{nb}" is wider than the
	// number that replaces it, so right alignment would drift.
	f.SetXY(pageW-marginR-26, pageH-13)
	f.CellFormat(26, 4, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "L", false, 0, "")
}

// fit clips one line of cp1252 text to width w, ending it with an
// ellipsis when it had to be cut.
func fit(f *fpdf.Fpdf, s string, w float64) string {
	if f.GetStringWidth(s) <= w-2*f.GetCellMargin() {
		return s
	}
	return clip(f, s, w)
}

// clip is the longest prefix of s that fits in w followed by an ellipsis.
func clip(f *fpdf.Fpdf, s string, w float64) string {
	avail := w - 2*f.GetCellMargin() - f.GetStringWidth(ellipsis)
	lo, hi := 0, len(s)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.GetStringWidth(s[:mid]) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(s[:lo], " ") + ellipsis
}

// wrap splits cp1252 text into lines of width w in the current font, at
// most max lines (0: no limit), the last one ending with an ellipsis when
// text was cut: a very long title never overflows its cell or page.
func wrap(f *fpdf.Fpdf, s string, w float64, max int) []string {
	if s == "" {
		return []string{""}
	}
	raw := f.SplitLines([]byte(s), w)
	if len(raw) == 0 {
		return []string{""}
	}
	n := len(raw)
	if max > 0 && n > max {
		n = max
	}
	lines := make([]string, n)
	for i := range lines {
		lines[i] = string(raw[i])
	}
	if n < len(raw) {
		lines[n-1] = clip(f, lines[n-1], w)
	}
	return lines
}

// need starts a new page unless h millimetres are left, to keep a
// heading with what follows it and a chart in one piece.
func (d *doc) need(h float64) {
	if d.f.GetY()+h > bodyBottom {
		d.f.AddPage()
	}
}

// err is fpdf's error: once set, fpdf ignores further drawing, so it is
// checked after each section. Callers add where it happened.
func (d *doc) err() error {
	if err := d.f.Error(); err != nil {
		return fmt.Errorf("fpdf: %w", err)
	}
	return nil
}

// canceled reports the context's error, checked between sections and
// every few table rows so a cancelled request stops a long render.
func (d *doc) canceled() error { return d.ctx.Err() }

// cover is page 1: what the document is, what it covers and the chain
// head a reader verifies it against.
func (d *doc) cover() {
	f, r := d.f, d.r
	f.AddPage()
	d.fill(colAccent)
	f.Rect(0, 0, pageW, 6, "F")

	f.SetXY(marginL, 48)
	d.font("B", 10)
	d.text(colAccent)
	f.CellFormat(contentW, 5, enc(strings.ToUpper(d.kind)), "", 1, "L", false, 0, "")
	f.Ln(3)
	d.font("B", 24)
	d.text(colInk)
	for _, l := range wrap(f, enc(docTitle(r)), contentW, 3) {
		f.SetX(marginL)
		f.CellFormat(contentW, 10, l, "", 1, "L", false, 0, "")
	}
	f.Ln(3)
	d.draw(colAccent)
	f.SetLineWidth(0.6)
	f.Line(marginL, f.GetY(), marginL+40, f.GetY())
	f.Ln(10)

	kv := [][2]string{
		{"Scope", r.Scope.String()},
		{"Period", fmtDate(r.From) + " \u2013 " + fmtDate(r.AsOf)},
		{"State as of", fmtTime(r.AsOf)},
		{"Generated at", fmtTime(r.GeneratedAt)},
		{"Generator", r.Generator},
	}
	for _, p := range kv {
		d.keyValue(p[0], p[1], 42)
	}
	for _, n := range r.Notes {
		// Caveats (a past date without control results) in full, not
		// clipped like the other values.
		f.Ln(2)
		d.font("", sizeBody)
		d.text(colMuted)
		f.SetX(marginL)
		f.CellFormat(42, lineBody+1, "Note", "", 0, "L", false, 0, "")
		d.text(colInk)
		for i, l := range wrap(f, enc(n), contentW-42, 8) {
			if i > 0 {
				f.SetX(marginL + 42)
			}
			f.CellFormat(contentW-42, lineBody+1, l, "", 1, "L", false, 0, "")
		}
	}
	f.Ln(6)
	d.font("B", sizeH2)
	d.text(colAccent)
	f.SetX(marginL)
	f.CellFormat(contentW, 6, "Evidence chain head", "", 1, "L", false, 0, "")
	d.keyValue("Sequence", itoa64(r.Chain.Seq), 42)
	d.font("", sizeBody)
	d.text(colMuted)
	f.SetX(marginL)
	f.CellFormat(42, lineBody+1, "SHA-256", "", 0, "L", false, 0, "")
	d.mono(8.5)
	d.text(colInk)
	h := r.Chain.Hash
	if h == "" {
		h = "(no evidence recorded)"
	}
	for _, l := range wrap(f, enc(h), contentW-42, 2) {
		f.SetX(marginL + 42)
		f.CellFormat(contentW-42, lineBody+1, l, "", 1, "L", false, 0, "")
	}
	f.Ln(4)
	d.font("", 8)
	d.text(colMuted)
	f.SetX(marginL)
	f.MultiCell(contentW, 4, enc("Check this document against the evidence store with `posture verify`: "+
		"the chain head above must match the store's record at the same sequence number. "+
		"All times are UTC; figures show the state at the \"as of\" time."), "", "L", false)
}

func itoa64(n int64) string { return fmt.Sprint(n) }

// keyValue prints a label and a wrapped value on the cover.
func (d *doc) keyValue(k, v string, kw float64) {
	f := d.f
	if v == "" {
		v = "-"
	}
	d.font("", sizeBody)
	d.text(colMuted)
	f.SetX(marginL)
	f.CellFormat(kw, lineBody+1, enc(k), "", 0, "L", false, 0, "")
	d.font("B", sizeBody+1)
	d.text(colInk)
	for i, l := range wrap(f, enc(v), contentW-kw, 3) {
		if i > 0 {
			f.SetX(marginL + kw)
		}
		f.CellFormat(contentW-kw, lineBody+1, l, "", 1, "L", false, 0, "")
	}
}

// Contents page layout. The number of pages the contents need is known
// before the body is written (one line per entry), so they are reserved
// right after the cover and filled in at the end, when every section's
// page is known: one pass over the streamed findings and evidence.
const (
	tocLineH   = 6.2
	tocHeading = 16.0
)

func tocPagesFor(n int) int {
	first := int(math.Floor((bodyBottom - marginT - tocHeading) / tocLineH))
	rest := int(math.Floor((bodyBottom - marginT) / tocLineH))
	if n <= first {
		return 1
	}
	return 1 + (n-first+rest-1)/rest
}

func (d *doc) reserveTOC() {
	d.tocPages = tocPagesFor(len(d.toc))
	for i := range d.tocPages {
		d.f.AddPage()
		if i == 0 {
			d.tocFirst = d.f.PageNo()
		}
	}
}

// startSection begins TOC entry i on a fresh page or, with flow, below
// what precedes it when there is room for minH millimetres.
func (d *doc) startSection(i int, flow bool, minH float64) {
	f := d.f
	if flow && f.PageNo() > d.tocFirst+d.tocPages-1 {
		if f.GetY() > marginT+1 {
			f.Ln(6)
		}
		d.need(minH)
	} else {
		f.AddPage()
	}
	e := &d.toc[i]
	e.page = f.PageNo()
	f.SetLink(e.link, f.GetY(), -1)
	f.Bookmark(utf16Text(fmt.Sprintf("%d %s", i+1, e.title)), 0, -1)
	d.section = e.title
	d.h1(fmt.Sprintf("%d  %s", i+1, e.title))
}

func (d *doc) h1(s string) {
	f := d.f
	d.font("B", sizeH1)
	d.text(colAccent)
	for _, l := range wrap(f, enc(s), contentW, 2) {
		f.SetX(marginL)
		f.CellFormat(contentW, 7, l, "", 1, "L", false, 0, "")
	}
	d.draw(colAccent)
	f.SetLineWidth(0.4)
	f.Line(marginL, f.GetY()+0.5, pageW-marginR, f.GetY()+0.5)
	f.Ln(4)
	d.text(colInk)
	d.font("", sizeBody)
}

// h2 is a subsection heading, kept with at least keep mm of what follows.
func (d *doc) h2(s string, keep float64) {
	f := d.f
	d.need(8 + keep)
	f.Ln(2)
	d.font("B", sizeH2)
	d.text(colAccent)
	f.SetX(marginL)
	f.CellFormat(contentW, 6, fit(f, enc(s), contentW), "", 1, "L", false, 0, "")
	f.Ln(1)
	d.text(colInk)
	d.font("", sizeBody)
}

// para writes wrapped body text.
func (d *doc) para(s string) {
	f := d.f
	d.font("", sizeBody)
	d.text(colInk)
	f.SetX(marginL)
	f.MultiCell(contentW, lineBody, enc(s), "", "L", false)
	f.Ln(1.5)
}

// empty is a section's empty state: said plainly, in a panel, so an
// empty section never looks like a rendering fault.
func (d *doc) empty(s string) {
	f := d.f
	d.need(12)
	d.fill(colPanel)
	d.draw(colRule)
	f.SetLineWidth(0.2)
	y := f.GetY()
	f.Rect(marginL, y, contentW, 10, "FD")
	d.font("I", sizeBody)
	d.text(colMuted)
	f.SetXY(marginL+3, y+2.5)
	f.CellFormat(contentW-6, 5, fit(f, enc(s), contentW-6), "", 0, "L", false, 0, "")
	f.SetXY(marginL, y+13)
	d.text(colInk)
	d.font("", sizeBody)
}

// writeTOC fills the reserved contents pages. fpdf writes to an earlier
// page after SetPage; fonts and colours are set explicitly because that
// page's content stream does not share the current page's state, and
// automatic page breaks are off so nothing spills into a new page.
func (d *doc) writeTOC() {
	f := d.f
	last := f.PageNo()
	d.force = true
	defer func() { d.force = false }()
	f.SetAutoPageBreak(false, marginB)
	page := d.tocFirst
	f.SetPage(page)
	// Text in the fill colour is drawn without its own colour operator,
	// so the fill colour must be this page's too.
	d.fill(colPanel)
	f.SetXY(marginL, marginT)
	d.font("B", sizeH1)
	d.text(colAccent)
	f.CellFormat(contentW, 8, "Contents", "", 1, "L", false, 0, "")
	d.draw(colAccent)
	f.SetLineWidth(0.4)
	f.Line(marginL, f.GetY()+0.5, pageW-marginR, f.GetY()+0.5)
	f.SetY(marginT + tocHeading)
	const numW = 10.0
	for i, e := range d.toc {
		if f.GetY()+tocLineH > bodyBottom+0.01 {
			page++
			f.SetPage(page)
			d.fill(colPanel)
			f.SetXY(marginL, marginT)
		}
		y := f.GetY()
		d.font("", 10)
		d.text(colInk)
		num := fmt.Sprintf("%d", i+1)
		pg := "-"
		if e.page > 0 {
			pg = itoa(e.page)
		}
		title := fit(f, enc(e.title), contentW-numW-18)
		f.SetXY(marginL, y)
		f.CellFormat(numW, tocLineH, num, "", 0, "L", false, 0, "")
		f.CellFormat(f.GetStringWidth(title)+2*f.GetCellMargin(), tocLineH, title, "", 0, "L", false, 0, "")
		// Dot leaders from the title to the page number.
		x := f.GetX()
		pw := f.GetStringWidth(pg) + 2*f.GetCellMargin()
		dw := f.GetStringWidth(".")
		dots := int(math.Max(0, (pageW-marginR-pw-x-1)/dw))
		d.text(colMuted)
		f.CellFormat(pageW-marginR-pw-x, tocLineH, strings.Repeat(".", dots), "", 0, "R", false, 0, "")
		d.text(colInk)
		f.CellFormat(pw, tocLineH, pg, "", 0, "R", false, 0, "")
		if e.page > 0 {
			f.Link(marginL, y, contentW, tocLineH, e.link)
		}
		f.SetXY(marginL, y+tocLineH)
	}
	f.SetPage(last)
	f.SetAutoPageBreak(true, marginB)
	d.font("", sizeBody)
	d.text(colInk)
	d.draw(colRule)
	d.fill(colPanel)
}

// finish completes the contents and writes the document.
func (d *doc) finish(w io.Writer) error {
	if err := d.err(); err != nil {
		return err
	}
	d.writeTOC()
	if err := d.f.Output(w); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// image places a PNG at the current position, full content width.
func (d *doc) image(name string, png []byte, w, h float64) {
	f := d.f
	d.need(h)
	f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	f.ImageOptions(name, marginL+(contentW-w)/2, f.GetY(), w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	f.SetY(f.GetY() + h + 4)
}
