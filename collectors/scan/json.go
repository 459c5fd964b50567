package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/posture-dev/posture/internal/safedecode"
)

// MaxLine bounds one JSON Lines line: a result with a megabyte response
// body is already far more than an excerpt keeps.
const MaxLine = 1 << 20

// JSONValue is one JSON text of a report file (an array element, a JSON
// Lines line or the whole document) with where it starts, so errors about
// it can name a line of the file.
type JSONValue struct {
	Data []byte // the value's bytes (a line keeps a trailing '\r')
	Off  int    // byte offset of Data in the file
}

// JSONForm is how a report file holds its JSON values, as
// Format.SplitJSON found it.
type JSONForm int

// The forms of a JSON report file.
const (
	FormEmpty JSONForm = iota // no value: an empty or blank file
	FormValue                 // one JSON value (usually an object)
	FormArray                 // a JSON array: its elements are the values
	FormLines                 // JSON Lines: one value per line
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM returns data without a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }

// FirstByte is the first byte of data that is not JSON white space (after
// a BOM), 0 when there is none: '{' or '[' tell an object or an array
// without parsing.
func FirstByte(data []byte) byte {
	for _, c := range TrimBOM(data) {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// skipSep returns the offset of the first byte at or after off that is
// neither JSON white space nor sep (a ',' between elements, a ':' after a
// key): where the next value starts.
func skipSep(data []byte, off int, sep byte) int {
	for off < len(data) && (data[off] == sep || data[off] == ' ' || data[off] == '\t' || data[off] == '\r' || data[off] == '\n') {
		off++
	}
	return off
}

// SplitJSON reads a file that holds one JSON value, a JSON array of
// values, or JSON Lines (one value per line, blank lines allowed). Arrays
// give their elements; an object gives itself; JSON Lines give each line.
// The whole file is checked by safedecode first (f.Limits, syntax),
// JSON Lines line by line (each at most MaxLine bytes) with the line's
// number, so a truncated or hostile file is an error with its place. A
// file that is not JSON Lines from its first line on is one (broken)
// value: the error is the whole document's.
func (f Format) SplitJSON(file string, data []byte) (vals []JSONValue, form JSONForm, err error) {
	lim := f.Limits
	if err := f.CheckSize(file, data); err != nil {
		return nil, FormEmpty, err
	}
	start := len(data) - len(TrimBOM(data))
	switch FirstByte(data) {
	case 0:
		return nil, FormEmpty, nil
	case '[':
		if err := safedecode.CheckJSON(file, data, lim); err != nil {
			return nil, FormArray, f.fromSafe(file, data, 0, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data[start:]))
		if _, err := dec.Token(); err != nil {
			return nil, FormArray, &Error{Kind: f.Kind, File: file, Msg: err.Error(), Err: safedecode.ErrSyntax}
		}
		vals, err := f.elements(file, data, dec, start)
		return vals, FormArray, err
	}
	whole := safedecode.CheckJSON(file, data, lim)
	if whole == nil {
		return []JSONValue{{data[start:], start}}, FormValue, nil
	}
	first := true
	for off := start; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		line := data[off:end]
		lineOff := off
		off = end + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(line) > MaxLine {
			ln, _ := Position(data, lineOff)
			return nil, FormLines, &Error{Kind: f.Kind, File: file, Line: ln, Err: safedecode.ErrTooLarge,
				Msg: fmt.Sprintf("JSON Lines: the line is longer than %d MiB", MaxLine>>20)}
		}
		if err := safedecode.CheckJSON(file, line, lim); err != nil {
			if first {
				return nil, FormValue, f.fromSafe(file, data, 0, whole)
			}
			return nil, FormLines, f.fromSafe(file, data, lineOff, err)
		}
		first = false
		vals = append(vals, JSONValue{line, lineOff})
	}
	return vals, FormLines, nil
}

// Document checks that data holds one JSON value within f.Limits (size,
// nesting, syntax; errors at their line and column, a truncated file at
// its end) and returns it, a leading byte order mark skipped, for Decode
// and ArrayMember: the reading of formats whose report is one document.
func (f Format) Document(file string, data []byte) (JSONValue, error) {
	if err := f.CheckSize(file, data); err != nil {
		return JSONValue{}, err
	}
	if err := safedecode.CheckJSON(file, data, f.Limits); err != nil {
		return JSONValue{}, f.fromSafe(file, data, 0, err)
	}
	start := len(data) - len(TrimBOM(data))
	return JSONValue{data[start:], start}, nil
}

// DecodeObject reads a report that is one JSON object into dst: Document,
// then a top level that is an object (else "<ErrFormat>: the top level
// is not an object" at 1:1), then Decode. It returns the document, for
// ArrayMember.
func (f Format) DecodeObject(file string, data []byte, dst any) (JSONValue, error) {
	doc, err := f.Document(file, data)
	if err != nil {
		return doc, err
	}
	if FirstByte(doc.Data) != '{' {
		return doc, f.Errorf(file, 1, 1, "", "%v: the top level is not an object", f.ErrFormat)
	}
	return doc, f.Decode(file, data, doc, dst)
}

// elements reads the elements of the array whose '[' dec has just
// returned; base is where dec's input starts in whole. Each element keeps
// its offset in whole.
func (f Format) elements(file string, whole []byte, dec *json.Decoder, base int) ([]JSONValue, error) {
	var vals []JSONValue
	for dec.More() {
		off := skipSep(whole, base+int(dec.InputOffset()), ',')
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			line, col := Position(whole, off)
			return nil, &Error{Kind: f.Kind, File: file, Line: line, Column: col, Msg: err.Error(), Err: safedecode.ErrSyntax}
		}
		vals = append(vals, JSONValue{raw, off})
	}
	return vals, nil
}

// ArrayMember returns the elements of the array that is member key of the
// object v (a value of the file whole), each with its offset in the file;
// nil when v has no such member. A member that is not an array is an
// ErrFormat error naming key and its place. v must be checked JSON (a
// value SplitJSON returned); with duplicate keys the first counts.
func (f Format) ArrayMember(file string, whole []byte, v JSONValue, key string) ([]JSONValue, error) {
	syntax := func(err error) error {
		return &Error{Kind: f.Kind, File: file, Msg: err.Error(), Err: safedecode.ErrSyntax}
	}
	dec := json.NewDecoder(bytes.NewReader(v.Data))
	if t, err := dec.Token(); err != nil {
		return nil, syntax(err)
	} else if t != json.Delim('{') {
		return nil, nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		if k != key {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, syntax(err)
			}
			continue
		}
		at := skipSep(whole, v.Off+int(dec.InputOffset()), ':')
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			line, col := Position(whole, at)
			return nil, f.Errorf(file, line, col, key, "want an array")
		}
		return f.elements(file, whole, dec, v.Off)
	}
	return nil, nil
}

// Decode unmarshals v (a value of the file whole) into dst. A value of
// the wrong type is an ErrFormat error naming its field path and line
// ("info.name: want a string, got number"; see FieldError); an
// UnmarshalJSON of the caller's that returns a *json.UnmarshalTypeError
// without an offset is placed at the start of the value.
func (f Format) Decode(file string, whole []byte, v JSONValue, dst any) error {
	err := json.Unmarshal(v.Data, dst)
	if err == nil {
		return nil
	}
	e := &Error{Kind: f.Kind, File: file, Err: f.ErrFormat}
	e.Path, e.Msg = f.FieldError(err)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		e.Line, e.Column = Position(whole, v.Off+int(te.Offset))
		if te.Offset == 0 { // from an UnmarshalJSON: the value's start only
			e.Column = 0
		}
	} else {
		e.Line, _ = Position(whole, v.Off)
	}
	return e
}

// FieldError describes an error of encoding/json: for a value of the
// wrong type its field path and "want a string, got number" (with
// WhereExpected "a JSON number where a string is expected"; "unexpected
// <value>" from an UnmarshalJSON that names no type); else "" and the
// error's text.
func (f Format) FieldError(err error) (path, msg string) {
	var te *json.UnmarshalTypeError
	switch {
	case !errors.As(err, &te):
		return "", err.Error()
	case te.Type == nil:
		return te.Field, "unexpected " + te.Value
	case f.WhereExpected:
		return te.Field, fmt.Sprintf("a JSON %s where %s is expected", te.Value, jsonType(te.Type))
	}
	return te.Field, fmt.Sprintf("want %s, got %s", jsonType(te.Type), te.Value)
}

// DecodePart decodes raw, the object at field path at of a report whose
// reader skips the parts it cannot read, into dst. It reports false, and
// appends a warning naming at ("results[3] is not an object; skipped",
// "results[3]: check_id: ...; skipped") to warnings, when raw is not an
// object or does not decode.
func (f Format) DecodePart(at string, raw json.RawMessage, dst any, warnings *[]string) bool {
	if FirstByte(raw) != '{' {
		*warnings = append(*warnings, at+" is not an object; skipped")
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		*warnings = append(*warnings, fmt.Sprintf("%s: %s; skipped", at, f.fieldMsg(err)))
		return false
	}
	return true
}

// fieldMsg is FieldError as one text: "path: message", or the message
// alone without a path (for warnings about a part of a report that is
// skipped).
func (f Format) fieldMsg(err error) string {
	path, msg := f.FieldError(err)
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

// jsonType names what a Go type decodes from, in JSON's words.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}

// StrList is a JSON string or list of strings (null is empty); numbers
// are kept as written. A comma-separated string is one element: callers
// that want it split say so. Anything else is a *json.UnmarshalTypeError
// (which Decode reports with its field path).
type StrList []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *StrList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	isNum := func(b []byte) bool { return len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) }
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = nil
		return nil
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = StrList{v}
		return nil
	case b[0] == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := make(StrList, 0, len(raw))
		for _, r := range raw {
			r = bytes.TrimSpace(r)
			switch {
			case string(r) == "null":
			case len(r) > 0 && r[0] == '"':
				var v string
				if err := json.Unmarshal(r, &v); err != nil {
					return err
				}
				out = append(out, v)
			case isNum(r):
				out = append(out, string(r))
			default:
				return &json.UnmarshalTypeError{Value: "a list element that is not a string"}
			}
		}
		*s = out
		return nil
	case isNum(b):
		*s = StrList{string(b)}
		return nil
	}
	return &json.UnmarshalTypeError{Value: "value (want a string or a list of strings)"}
}

// Shape is what HeadShape sees of the head of a JSON text.
type Shape struct {
	// Open is the text's first byte after white space and a BOM: '{' or
	// '[' for an object or an array.
	Open byte
	// Keys maps the paths seen, up to three levels deep, to the kind of
	// their value: '{', '[' or 's' for a scalar. Paths read "/version",
	// "/report/index", "/vulnerabilities[]/identifiers", and
	// "[]/template-id" for the objects of a top-level array. An array's
	// path with "[]" ("/results[]", "[]") holds the kind of its first
	// element: an array without it is empty (or cut before it).
	Keys map[string]byte
	// Strings maps the paths of Keys whose value is a string to the
	// string (its first 256 bytes): "/version" to "2.1.0".
	Strings map[string]string
}

// Has reports whether the head has a value at path.
func (s Shape) Has(path string) bool {
	_, ok := s.Keys[path]
	return ok
}

// maxShapeString bounds a string HeadShape keeps.
const maxShapeString = 256

// HeadShape sniffs the head (first bytes) of a possibly truncated JSON
// text, for Detect: its Shape. Only the first top-level value is read
// (the first line of JSON Lines), at most 65536 tokens of it; a repeated
// key keeps what its first value was. Cut or broken input just ends the
// scan.
func HeadShape(head []byte) Shape {
	sh := Shape{Open: FirstByte(head), Keys: map[string]byte{}, Strings: map[string]string{}}
	if sh.Open != '{' && sh.Open != '[' {
		return sh
	}
	type frame struct {
		obj     bool
		path    string
		wantKey bool
		key     string
	}
	var stack []frame
	// shallow reports whether what is in the container at path is recorded.
	shallow := func(path string) bool { return strings.Count(path, "/")+strings.Count(path, "[]") < 3 }
	// begin records a value starting in the top frame (kind '{', '[' or
	// 's'; str the value of a string) and returns its path.
	begin := func(kind byte, str *string) string {
		top := &stack[len(stack)-1]
		p := top.path + "[]"
		if top.obj {
			p = top.path + "/" + top.key
			top.wantKey = true
		}
		if _, seen := sh.Keys[p]; !seen && shallow(top.path) {
			sh.Keys[p] = kind
			if str != nil {
				sh.Strings[p] = Clip(*str, maxShapeString)
			}
		}
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(TrimBOM(head)))
	dec.UseNumber()
	for tokens := 0; tokens < 1<<16; tokens++ {
		tok, err := dec.Token()
		if err != nil {
			return sh
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := ""
				if len(stack) > 0 {
					// Recorded when it opens, so a cut head still shows
					// "vulnerabilities" is an array.
					p = begin(byte(t), nil)
				}
				stack = append(stack, frame{obj: t == '{', path: p, wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return sh
				}
			}
		default:
			if len(stack) == 0 {
				return sh
			}
			top := &stack[len(stack)-1]
			str, isStr := t.(string)
			switch {
			case isStr && top.obj && top.wantKey:
				top.key, top.wantKey = str, false
			case isStr:
				begin('s', &str)
			default:
				begin('s', nil)
			}
		}
	}
	return sh
}
