package xlsx

// An independent .xlsx reader for the tests: archive/zip and encoding/xml
// only, reading the parts as the OOXML spec lays them out, so the tests
// check the file Excel would see rather than what excelize thinks it wrote.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"testing"
)

type xbook struct {
	names  []string           // sheet names in workbook order
	defs   map[string]string  // sheet-scoped defined names: "Findings/_xlnm.Print_Titles" → "'Findings'!$A:$A,…"
	sheets map[string]*xsheet // by name
	styles xstyles
	parts  map[string][]byte // every part, for whole-file checks
}

type xsheet struct {
	name       string
	rows       []xrow
	byRef      map[string]*xcell
	pane       *xpane
	autoFilter string
	cf         []xcf
	landscape  bool
	footer     string // odd-page footer
	cols       []xcol
}

type xrow struct {
	R      int     `xml:"r,attr"`
	Height float64 `xml:"ht,attr"`
	C      []xcell `xml:"c"`
}

type xcell struct {
	R  string  `xml:"r,attr"`
	S  int     `xml:"s,attr"`
	T  string  `xml:"t,attr"`
	V  *string `xml:"v"`
	F  *string `xml:"f"`
	IS *struct {
		T string `xml:"t"`
		R []struct {
			T string `xml:"t"`
		} `xml:"r"`
	} `xml:"is"`

	text string // resolved text of a string cell
}

type xpane struct {
	XSplit      int    `xml:"xSplit,attr"`
	YSplit      int    `xml:"ySplit,attr"`
	TopLeftCell string `xml:"topLeftCell,attr"`
	State       string `xml:"state,attr"`
}

type xcf struct {
	SQRef string `xml:"sqref,attr"`
	Rules []struct {
		Type     string   `xml:"type,attr"`
		Operator string   `xml:"operator,attr"`
		Text     string   `xml:"text,attr"`
		DxfID    *int     `xml:"dxfId,attr"`
		Formula  []string `xml:"formula"`
	} `xml:"cfRule"`
}

type xcol struct {
	Min   int     `xml:"min,attr"`
	Max   int     `xml:"max,attr"`
	Width float64 `xml:"width,attr"`
}

type xstyles struct {
	numFmts map[int]string // custom number formats by id
	xfs     []struct {
		NumFmtID int `xml:"numFmtId,attr"`
		FontID   int `xml:"fontId,attr"`
	}
	bold []bool // by font id
}

func readBook(t testing.TB, data []byte) *xbook {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	b := &xbook{sheets: map[string]*xsheet{}, parts: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		p, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b.parts[f.Name] = p
	}
	must := func(name string) []byte {
		p, ok := b.parts[name]
		if !ok {
			t.Fatalf("missing part %s", name)
		}
		return p
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
		Defs []struct {
			Name  string `xml:"name,attr"`
			Local *int   `xml:"localSheetId,attr"`
			Value string `xml:",chardata"`
		} `xml:"definedNames>definedName"`
	}
	unmarshal(t, "workbook.xml", must("xl/workbook.xml"), &wb)
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	unmarshal(t, "workbook.xml.rels", must("xl/_rels/workbook.xml.rels"), &rels)
	target := map[string]string{}
	for _, r := range rels.Rel {
		target[r.ID] = r.Target
	}
	var shared []string
	if p, ok := b.parts["xl/sharedStrings.xml"]; ok {
		var sst struct {
			SI []struct {
				T string `xml:"t"`
				R []struct {
					T string `xml:"t"`
				} `xml:"r"`
			} `xml:"si"`
		}
		unmarshal(t, "sharedStrings.xml", p, &sst)
		for _, si := range sst.SI {
			s := si.T
			for _, r := range si.R {
				s += r.T
			}
			shared = append(shared, s)
		}
	}
	b.styles = readStyles(t, must("xl/styles.xml"))
	for _, s := range wb.Sheets {
		tgt := target[s.RID]
		if tgt == "" {
			t.Fatalf("sheet %q: no relationship %s", s.Name, s.RID)
		}
		if !strings.HasPrefix(tgt, "/") {
			tgt = path.Join("xl", tgt)
		} else {
			tgt = strings.TrimPrefix(tgt, "/")
		}
		b.names = append(b.names, s.Name)
		b.sheets[s.Name] = readSheet(t, s.Name, must(tgt), shared)
	}
	b.defs = map[string]string{}
	for _, d := range wb.Defs {
		if d.Local != nil && *d.Local >= 0 && *d.Local < len(b.names) {
			b.defs[b.names[*d.Local]+"/"+d.Name] = d.Value
		}
	}
	return b
}

func unmarshal(t testing.TB, what string, p []byte, v any) {
	t.Helper()
	if err := xml.Unmarshal(p, v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func readStyles(t testing.TB, p []byte) xstyles {
	var ss struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Fonts []struct {
			B *struct {
				Val string `xml:"val,attr"`
			} `xml:"b"`
		} `xml:"fonts>font"`
		XFs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
			FontID   int `xml:"fontId,attr"`
		} `xml:"cellXfs>xf"`
	}
	unmarshal(t, "styles.xml", p, &ss)
	st := xstyles{numFmts: map[int]string{}, xfs: ss.XFs}
	for _, n := range ss.NumFmts {
		st.numFmts[n.ID] = n.Code
	}
	for _, f := range ss.Fonts {
		st.bold = append(st.bold, f.B != nil && f.B.Val != "0" && f.B.Val != "false")
	}
	return st
}

func readSheet(t testing.TB, name string, p []byte, shared []string) *xsheet {
	var ws struct {
		Panes      []xpane `xml:"sheetViews>sheetView>pane"`
		Cols       []xcol  `xml:"cols>col"`
		Rows       []xrow  `xml:"sheetData>row"`
		AutoFilter *struct {
			Ref string `xml:"ref,attr"`
		} `xml:"autoFilter"`
		CF        []xcf `xml:"conditionalFormatting"`
		PageSetup *struct {
			Orientation string `xml:"orientation,attr"`
		} `xml:"pageSetup"`
		OddFooter string `xml:"headerFooter>oddFooter"`
	}
	unmarshal(t, name, p, &ws)
	s := &xsheet{name: name, rows: ws.Rows, byRef: map[string]*xcell{}, cf: ws.CF, cols: ws.Cols}
	s.landscape = ws.PageSetup != nil && ws.PageSetup.Orientation == "landscape"
	s.footer = ws.OddFooter
	if len(ws.Panes) > 0 {
		s.pane = &ws.Panes[0]
	}
	if ws.AutoFilter != nil {
		s.autoFilter = strings.ReplaceAll(ws.AutoFilter.Ref, "$", "")
	}
	for i := range s.rows {
		for j := range s.rows[i].C {
			c := &s.rows[i].C[j]
			switch c.T {
			case "inlineStr":
				if c.IS != nil {
					c.text = c.IS.T
					for _, r := range c.IS.R {
						c.text += r.T
					}
				}
			case "s":
				n, err := strconv.Atoi(deref(c.V))
				if err != nil || n < 0 || n >= len(shared) {
					t.Fatalf("%s!%s: bad shared string index %q", name, c.R, deref(c.V))
				}
				c.text = shared[n]
			case "str":
				c.text = deref(c.V)
			}
			s.byRef[c.R] = c
		}
	}
	return s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// cell returns the cell at ref, or an empty one.
func (s *xsheet) cell(ref string) *xcell {
	if c, ok := s.byRef[ref]; ok {
		return c
	}
	return &xcell{R: ref}
}

// str is the text at ref; it fails unless the cell is a string cell.
func (s *xsheet) str(t testing.TB, ref string) string {
	t.Helper()
	c := s.cell(ref)
	if c.V == nil && c.IS == nil {
		return ""
	}
	if c.T != "inlineStr" && c.T != "s" {
		t.Fatalf("%s!%s: type %q, want a string cell", s.name, ref, c.T)
	}
	return c.text
}

// num is the number at ref; it fails unless the cell is numeric (no t, or
// t="n").
func (s *xsheet) num(t testing.TB, ref string) float64 {
	t.Helper()
	c := s.cell(ref)
	if c.T != "" && c.T != "n" {
		t.Fatalf("%s!%s: type %q (%q), want a number", s.name, ref, c.T, c.text)
	}
	if c.V == nil {
		t.Fatalf("%s!%s: empty, want a number", s.name, ref)
	}
	v, err := strconv.ParseFloat(*c.V, 64)
	if err != nil {
		t.Fatalf("%s!%s: %v", s.name, ref, err)
	}
	return v
}

// numFmt is the number format code of the cell's style ("" for General).
func (b *xbook) numFmt(c *xcell) string {
	if c.S < 0 || c.S >= len(b.styles.xfs) {
		return "?"
	}
	id := b.styles.xfs[c.S].NumFmtID
	if code, ok := b.styles.numFmts[id]; ok {
		return code
	}
	// Built-in formats the tests care about (ECMA-376 18.8.30).
	switch id {
	case 0:
		return ""
	case 9:
		return "0%"
	case 10:
		return "0.00%"
	case 14:
		return "m/d/yyyy"
	case 22:
		return "m/d/yyyy h:mm"
	}
	return fmt.Sprintf("builtin %d", id)
}

func (b *xbook) isDate(c *xcell) bool {
	f := b.numFmt(c)
	return strings.Contains(f, "yy") && strings.Contains(f, "d")
}

func (b *xbook) isBold(c *xcell) bool {
	if c.S < 0 || c.S >= len(b.styles.xfs) {
		return false
	}
	f := b.styles.xfs[c.S].FontID
	return f < len(b.styles.bold) && b.styles.bold[f]
}

// lastRow is the number of the sheet's last row.
func (s *xsheet) lastRow() int {
	if len(s.rows) == 0 {
		return 0
	}
	return s.rows[len(s.rows)-1].R
}

// find returns the row number whose column col holds text, or 0.
func (s *xsheet) find(col, text string) int {
	for _, r := range s.rows {
		if c, ok := s.byRef[col+strconv.Itoa(r.R)]; ok && c.text == text && (c.T == "inlineStr" || c.T == "s") {
			return r.R
		}
	}
	return 0
}
