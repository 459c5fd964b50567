package pdf

import (
	"math"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// wrapLines wraps UTF-8 text that may hold explicit line breaks (one
// evidence reference per line) into at most max lines of width w.
func wrapLines(f *fpdf.Fpdf, s string, w float64, max int) []string {
	if !strings.Contains(s, "\n") {
		return wrap(f, enc(s), w, max)
	}
	var lines []string
	for _, part := range strings.Split(s, "\n") {
		lines = append(lines, wrap(f, enc(part), w, 0)...)
	}
	if max > 0 && len(lines) > max {
		lines = lines[:max]
		lines[max-1] = clip(f, lines[max-1], w)
	}
	return lines
}

// col is a table column; widths are in mm and add up to contentW.
type col struct {
	title string
	w     float64
	align string // "L", "C", "R"
}

// cell is one table cell: a main text (wrapped, at most maxLines lines),
// an optional muted second text under it, or a score bar.
type cell struct {
	text  string // UTF-8
	sub   string // UTF-8, smaller and muted, under text
	bold  bool
	mono  bool
	color *rgb
	bar   bool    // draw text's score as a bar
	value float64 // the bar's score, 0-100
}

// table draws rows that never overflow their cells and break across
// pages with the header row repeated under a "(continued)" line.
type table struct {
	d        *doc
	cols     []col
	maxLines int // per cell; long text ends with an ellipsis
	rows     int // rows on the current page, to know when to draw a rule
}

const cellPadY = 1.1

func (d *doc) newTable(maxLines int, cols ...col) *table {
	t := &table{d: d, cols: cols, maxLines: maxLines}
	return t
}

// header draws the column titles; called at the start and after every
// page break.
func (t *table) header() {
	d, f := t.d, t.d.f
	d.font("B", sizeSmall+0.4)
	h := 0.0
	wrapped := make([][]string, len(t.cols))
	for i, c := range t.cols {
		wrapped[i] = wrap(f, enc(c.title), c.w, 2)
		h = math.Max(h, float64(len(wrapped[i]))*lineSmall+2*cellPadY)
	}
	y := f.GetY()
	d.fill(colHeadFill)
	f.Rect(marginL, y, contentW, h, "F")
	d.text(colAccent)
	x := marginL
	for i, c := range t.cols {
		for j, l := range wrapped[i] {
			f.SetXY(x, y+cellPadY+float64(j)*lineSmall)
			f.CellFormat(c.w, lineSmall, l, "", 0, c.align, false, 0, "")
		}
		x += c.w
	}
	f.SetXY(marginL, y+h)
	t.rows = 0
	d.text(colInk)
}

// start draws the header, keeping it with at least one row of height keep.
func (t *table) start(keep float64) {
	t.d.need(8 + keep)
	t.header()
}

// breakIfNeeded moves to a new page unless h mm fit, repeating the header.
func (t *table) breakIfNeeded(h float64) {
	d, f := t.d, t.d.f
	if f.GetY()+h <= bodyBottom {
		return
	}
	f.AddPage()
	d.font("I", sizeSmall)
	d.text(colMuted)
	f.SetX(marginL)
	f.CellFormat(contentW, 4, fit(f, enc(d.section+" (continued)"), contentW), "", 1, "L", false, 0, "")
	t.header()
}

type laidCell struct {
	lines, subs []string
}

func (t *table) layout(cells []cell) ([]laidCell, float64) {
	f := t.d.f
	out := make([]laidCell, len(t.cols))
	h := 0.0
	for i := range t.cols {
		if i >= len(cells) {
			continue
		}
		c, w := cells[i], t.cols[i].w
		if c.bar {
			out[i].lines = []string{""}
			h = math.Max(h, lineTable)
			continue
		}
		t.cellFont(c)
		out[i].lines = wrapLines(f, c.text, w, t.maxLines)
		ch := float64(len(out[i].lines)) * lineTable
		if c.sub != "" {
			t.subFont(c)
			out[i].subs = wrapLines(f, c.sub, w, t.maxLines)
			ch += float64(len(out[i].subs)) * lineSmall
		}
		h = math.Max(h, ch)
	}
	return out, h + 2*cellPadY
}

func (t *table) subFont(c cell) {
	if c.mono {
		t.d.mono(sizeSmall)
	} else {
		t.d.font("", sizeSmall)
	}
}

// cellFont sets a cell's font. Hashes are set in Courier one size down:
// a 64-digit SHA-256 then fits a 96 mm column on one line.
func (t *table) cellFont(c cell) {
	switch {
	case c.mono:
		t.d.mono(sizeSmall)
	case c.bold:
		t.d.font("B", sizeTable)
	default:
		t.d.font("", sizeTable)
	}
}

// row draws one row. keep is the height of what must stay on the same
// page as the row (its first note line), so a row is never separated
// from its evidence hashes or history by a page break.
func (t *table) row(cells []cell, keep float64) {
	d, f := t.d, t.d.f
	laid, h := t.layout(cells)
	t.breakIfNeeded(h + keep)
	y := f.GetY()
	if t.rows > 0 {
		d.draw(colRule)
		f.SetLineWidth(0.15)
		f.Line(marginL, y, pageW-marginR, y)
	}
	x := marginL
	for i, c := range t.cols {
		if i >= len(cells) {
			break
		}
		cl := cells[i]
		if cl.bar {
			t.scoreBar(x, y+cellPadY, c.w, cl.value)
			x += c.w
			continue
		}
		t.cellFont(cl)
		if cl.color != nil {
			d.text(*cl.color)
		} else {
			d.text(colInk)
		}
		ly := y + cellPadY
		for _, l := range laid[i].lines {
			f.SetXY(x, ly)
			f.CellFormat(c.w, lineTable, l, "", 0, c.align, false, 0, "")
			ly += lineTable
		}
		if len(laid[i].subs) > 0 {
			t.subFont(cl)
			d.text(colMuted)
			for _, l := range laid[i].subs {
				f.SetXY(x, ly)
				f.CellFormat(c.w, lineSmall, l, "", 0, c.align, false, 0, "")
				ly += lineSmall
			}
		}
		x += c.w
	}
	d.text(colInk)
	f.SetXY(marginL, y+h)
	t.rows++
}

// sizeNoteMono fits a note of a full hash, record id, source and time
// on one line of the table's width.
const sizeNoteMono = 6.1

// noteH is the height of one note line.
const noteH = lineSmall + 0.2

// note writes a full-width small line under the last row (an evidence
// hash, a history event), indented to read as part of that row. Notes
// break across pages like rows.
func (t *table) note(s string, mono bool) {
	d, f := t.d, t.d.f
	t.breakIfNeeded(noteH)
	if t.rows == 0 { // right after a repeated header: say whose note it is
		t.rows = 1
	}
	if mono {
		d.mono(sizeNoteMono)
	} else {
		d.font("", sizeSmall)
	}
	d.text(colMuted)
	f.SetX(marginL + 6)
	f.CellFormat(contentW-6, noteH, fit(f, enc(s), contentW-6), "", 1, "L", false, 0, "")
	d.text(colInk)
}

// gap adds a little space after a row's notes, before the next rule.
func (t *table) gap() { t.d.f.Ln(0.8) }

// scoreBar draws a 0-100 score as a bar with its number, coloured by band.
func (t *table) scoreBar(x, y, w, v float64) {
	d, f := t.d, t.d.f
	v = clampScore(v)
	const numW = 8.0
	bw := w - numW - 2.4
	by := y + (lineTable-2.4)/2
	d.fill(colBarBack)
	f.Rect(x+1.2, by, bw, 2.4, "F")
	if v > 0 {
		d.fill(scoreColor(v))
		f.Rect(x+1.2, by, bw*v/100, 2.4, "F")
	}
	d.font("", sizeTable)
	d.text(colInk)
	f.SetXY(x+1.2+bw, y)
	f.CellFormat(numW, lineTable, score(v), "", 0, "R", false, 0, "")
}

// end leaves a little space after the table.
func (t *table) end() {
	t.d.f.Ln(3)
}

// colorOf is a helper for cells.
func colorOf(c rgb) *rgb { return &c }
