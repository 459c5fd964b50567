package xlsx

import (
	"github.com/xuri/excelize/v2"
)

// Number formats. Times are UTC and shown to the minute or second: an
// auditor matching evidence needs the time, not just the day.
var (
	fmtDate  = "yyyy-mm-dd"
	fmtStamp = "yyyy-mm-dd hh:mm:ss"
	fmtDec   = "0.0"
	fmtPct   = "0.0%"
	fmtInt   = "#,##0"
)

// Colours. One muted header fill; status colours follow Excel's own
// good/neutral/bad presets so they read as familiar, and are the only
// strong colours in the workbook.
const (
	font          = "Calibri" // the template's body font; set on every font so no style falls back to another
	colHeaderFill = "DCE6F1"
	colHeaderLine = "8EA9C1"
	colNote       = "595959"
)

// styles are the workbook's cell styles (xf ids) and conditional formats
// (dxf ids).
type styles struct {
	header, title, note, center int
	id                          int // identifiers: left-aligned so they do not butt against the text beside them
	date, stamp, dec, pct       int
	// Left-aligned variants for the Summary's Value column, where numbers,
	// dates and text share a column and ragged alignment would look broken.
	lText, lInt, lDec, lPct, lStamp int

	good, neutral, bad, grey    int // pass, partial, fail, unknown
	critical, high, medium, low int // severities
	alert                       int // overdue
}

func (st *styles) init(f *excelize.File) error {
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	cond := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewConditionalStyle(s)
		return id
	}
	left := &excelize.Alignment{Horizontal: "left", Vertical: "top"}
	st.header = add(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Family: font, Size: 11},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colHeaderFill}},
		Border:    []excelize.Border{{Type: "bottom", Color: colHeaderLine, Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	st.title = add(&excelize.Style{Font: &excelize.Font{Bold: true, Family: font, Size: 13}})
	st.note = add(&excelize.Style{Font: &excelize.Font{Italic: true, Family: font, Size: 11, Color: colNote}})
	st.id = add(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left"}})
	st.center = add(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "center"}})
	st.date = add(&excelize.Style{CustomNumFmt: &fmtDate})
	st.stamp = add(&excelize.Style{CustomNumFmt: &fmtStamp})
	st.dec = add(&excelize.Style{CustomNumFmt: &fmtDec})
	st.pct = add(&excelize.Style{CustomNumFmt: &fmtPct})
	st.lText = add(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top", WrapText: true}})
	st.lInt = add(&excelize.Style{CustomNumFmt: &fmtInt, Alignment: left})
	st.lDec = add(&excelize.Style{CustomNumFmt: &fmtDec, Alignment: left})
	st.lPct = add(&excelize.Style{CustomNumFmt: &fmtPct, Alignment: left})
	st.lStamp = add(&excelize.Style{CustomNumFmt: &fmtStamp, Alignment: left})

	fill := func(c string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}}
	}
	st.good = cond(&excelize.Style{Font: &excelize.Font{Color: "006100"}, Fill: fill("C6EFCE")})
	st.neutral = cond(&excelize.Style{Font: &excelize.Font{Color: "9C5700"}, Fill: fill("FFEB9C")})
	st.bad = cond(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Fill: fill("FFC7CE")})
	st.grey = cond(&excelize.Style{Font: &excelize.Font{Color: "595959"}, Fill: fill("EDEDED")})
	st.critical = cond(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Fill: fill("C00000")})
	st.high = cond(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Fill: fill("FFC7CE")})
	st.medium = cond(&excelize.Style{Font: &excelize.Font{Color: "9C5700"}, Fill: fill("FFEB9C")})
	st.low = cond(&excelize.Style{Font: &excelize.Font{Color: "1F4E78"}, Fill: fill("DDEBF7")})
	st.alert = cond(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}})
	return err
}

// beginsWith is a conditional format colouring cells whose text begins
// with prefix.
func beginsWith(prefix string, dxf int) excelize.ConditionalFormatOptions {
	return excelize.ConditionalFormatOptions{Type: "text", Criteria: "begins with", Value: prefix, Format: &dxf}
}

// statusRules colour control statuses; "partial 41%" begins with
// "partial", "not_applicable" and "n/a" stay plain.
func (st *styles) statusRules() []excelize.ConditionalFormatOptions {
	return []excelize.ConditionalFormatOptions{
		beginsWith("pass", st.good),
		beginsWith("partial", st.neutral),
		beginsWith("fail", st.bad),
		beginsWith("unknown", st.grey),
	}
}

// severityRules colour severities; info stays plain.
func (st *styles) severityRules() []excelize.ConditionalFormatOptions {
	return []excelize.ConditionalFormatOptions{
		beginsWith("critical", st.critical),
		beginsWith("high", st.high),
		beginsWith("medium", st.medium),
		beginsWith("low", st.low),
	}
}
