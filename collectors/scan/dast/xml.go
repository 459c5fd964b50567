package dast

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/internal/safedecode"
)

// DecodeXML decodes the report data into v (a struct with encoding/xml
// tags) after checking it: size and element nesting (f.Limits),
// well-formedness and entities. encoding/xml never
// fetches external entities and, with Strict set and no Entity map,
// expands none of a DTD's entities either: an undeclared entity (anything
// but &lt; &gt; &amp; &apos; &quot; and character references) is an
// ErrEntity error, so an XXE or a billion-laughs payload fails in time
// linear in its size and nothing of a referenced file is ever read. The
// DTD itself (Burp exports carry one) is skipped as a directive.
//
// The depth check is a byte scan (no allocation) before the struct
// decoder, which recurses per element; the decoder then reads the input
// once. Errors are *scan.Error naming the file, line and column; a
// document of the wrong shape wraps f.ErrFormat.
func DecodeXML(f scan.Format, name string, data []byte, v any) error {
	if err := f.CheckSize(name, data); err != nil {
		return err
	}
	data = scan.TrimBOM(data)
	maxDepth := f.Limits.Normalize().MaxDepth
	if off := tooDeep(data, maxDepth); off >= 0 {
		line, col := scan.Position(data, off)
		return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: safedecode.ErrTooDeep,
			Msg: fmt.Sprintf("XML elements nest deeper than the limit of %d", maxDepth)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &scan.Error{Kind: f.Kind, File: name, Line: 1, Err: f.ErrFormat, Msg: "no XML root element (empty file)"}
	}
	d := newDecoder(data)
	if err := d.Decode(v); err != nil {
		line, col := d.InputPos()
		if err == io.EOF {
			return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: f.ErrFormat,
				Msg: "no XML root element (empty or not XML)"}
		}
		return xmlError(f, name, line, col, err)
	}
	// Decode stops after the root element: the rest must be white space,
	// comments or processing instructions (a truncated or concatenated
	// file is not a report).
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		line, col := d.InputPos()
		if err != nil {
			return xmlError(f, name, line, col, err)
		}
		switch tok := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) == 0 {
				continue
			}
		case xml.Comment, xml.ProcInst:
			continue
		}
		return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: safedecode.ErrSyntax,
			Msg: "XML syntax error: content after the root element"}
	}
}

func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	return d
}

// tooDeep returns the offset of the first start tag nested deeper than
// max, or -1. It skips comments, CDATA sections, processing instructions,
// the DTD and quoted attribute values; it does not validate (the decoder
// does), it only bounds the nesting the decoder will recurse into.
func tooDeep(data []byte, max int) int {
	depth := 0
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if next, ok := skipMarkup(data, i); ok {
			i = next
			continue
		}
		switch {
		case bytes.HasPrefix(data[i:], []byte("</")):
			depth--
			i = skipTag(data, i+2)
		default:
			start := i
			i = skipTag(data, i+1)
			if i <= len(data) && i >= 2 && data[i-1] == '>' && data[i-2] == '/' {
				continue // <empty/>
			}
			depth++
			if depth > max {
				return start
			}
		}
	}
	return -1
}

// skipMarkup skips the markup at data[i] ('<') that is not an element:
// a comment, a CDATA section, a processing instruction (the XML
// declaration too) or a directive (a DTD with its internal subset). It
// returns the offset after it, and false at an element's tag.
func skipMarkup(data []byte, i int) (int, bool) {
	rest := data[i:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		return skipPast(data, i+4, "-->"), true
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return skipPast(data, i+9, "]]>"), true
	case bytes.HasPrefix(rest, []byte("<?")):
		return skipPast(data, i+2, "?>"), true
	case bytes.HasPrefix(rest, []byte("<!")):
		return skipDirective(data, i+2), true
	}
	return i, false
}

// skipPast returns the offset after the first end at or after i, or
// len(data).
func skipPast(data []byte, i int, end string) int {
	if i > len(data) {
		return len(data)
	}
	k := bytes.Index(data[i:], []byte(end))
	if k < 0 {
		return len(data)
	}
	return i + k + len(end)
}

// skipTag returns the offset after the '>' closing a tag, quotes
// respected.
func skipTag(data []byte, i int) int { return skipClose(data, i, false) }

// skipDirective skips <!DOCTYPE ...> with its internal subset: brackets,
// quotes and comments inside it.
func skipDirective(data []byte, i int) int { return skipClose(data, i, true) }

// skipClose returns the offset after the '>' that closes the markup
// data[i:] is inside of (len(data) when none does), quotes respected;
// with subset, a DTD's internal subset too: its brackets, declarations
// and comments.
func skipClose(data []byte, i int, subset bool) int {
	var quote byte
	depth := 0
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>' && depth <= 0:
			return i + 1
		case !subset:
		case c == '<' && bytes.HasPrefix(data[i:], []byte("<!--")):
			i = skipPast(data, i+4, "-->") - 1
		case c == '[' || c == '<':
			depth++
		case c == ']' || c == '>':
			depth--
		}
	}
	return len(data)
}

// xmlError turns an encoding/xml error into an *Error at line:col.
func xmlError(f scan.Format, name string, line, col int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Line > 0 && se.Line != line {
			line, col = se.Line, 0
		}
		msg := se.Msg
		switch {
		case strings.Contains(msg, "character entity"):
			return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: ErrEntity,
				Msg: "XML syntax error: " + msg + " (DTD entities are not expanded)"}
		case strings.Contains(msg, "unexpected EOF"):
			msg += " (truncated?)"
		}
		return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: safedecode.ErrSyntax,
			Msg: "XML syntax error: " + msg}
	}
	return &scan.Error{Kind: f.Kind, File: name, Line: line, Column: col, Err: safedecode.ErrSyntax,
		Msg: "XML: " + err.Error()}
}

// charsetReader accepts the single-byte declarations a report might
// carry besides UTF-8: ISO-8859-1 (and US-ASCII, its subset). Anything
// else is an error rather than mojibake.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (reports are UTF-8)", label)
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.buf) > 0 {
			c := copy(p[n:], l.buf)
			l.buf = l.buf[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.buf = utf8.AppendRune(l.buf[:0], rune(b))
	}
	return n, nil
}

// RootElement returns the name and attributes of the first element of a
// possibly truncated XML head (after a BOM, the prolog, comments and a
// DTD), or "" when the head has none. It is lenient: detection only.
// Attributes are nil when the head ends inside the root's start tag.
func RootElement(head []byte) (string, []xml.Attr) {
	head = scan.TrimBOM(head)
	i := 0
	for {
		for i < len(head) && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n') {
			i++
		}
		if i+1 >= len(head) || head[i] != '<' {
			return "", nil
		}
		if next, ok := skipMarkup(head, i); ok {
			i = next
			continue
		}
		j := i + 1
		for j < len(head) && !strings.ContainsRune(" \t\r\n/>", rune(head[j])) {
			j++
		}
		name := string(head[i+1 : j])
		if k := strings.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		if name == "" {
			return "", nil
		}
		return name, rootAttrs(head[i:])
	}
}

// rootAttrs decodes the attributes of the start tag at the start of s.
func rootAttrs(s []byte) []xml.Attr {
	d := xml.NewDecoder(bytes.NewReader(s))
	d.Strict = false
	tok, err := d.RawToken()
	if err != nil {
		return nil
	}
	if st, ok := tok.(xml.StartElement); ok {
		return st.Attr
	}
	return nil
}

// Attr returns the value of the attribute called local, or "".
func Attr(attrs []xml.Attr, local string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}
