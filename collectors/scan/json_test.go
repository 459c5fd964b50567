package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
)

var errToy = errors.New("not a toy report")

// toy is the format the shared code is tested with.
var toy = Format{Kind: "toy", ErrFormat: errToy}

// wantErr asserts err is an *Error of class kind (nil: any) whose message
// is exactly msg.
func wantErr(t *testing.T, err error, kind error, msg string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T %v, want an *Error", err, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("%v: want class %v", err, kind)
	}
	if err.Error() != msg {
		t.Errorf("message\n%q\nwant\n%q", err, msg)
	}
	return e
}

func TestErrorMessage(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{Error{Kind: "nuclei", File: "a.json", Line: 4, Column: 23, Path: "info.tags", Msg: "m"}, "nuclei: a.json:4:23: info.tags: m"},
		{Error{Kind: "nuclei", File: "a.json", Line: 4, Msg: "m"}, "nuclei: a.json:4: m"},
		// A column without a line means nothing: left out.
		{Error{Kind: "k", File: "a.json", Column: 3, Path: "p", Msg: "m"}, "k: a.json: p: m"},
		{Error{File: "a.json", Msg: "m"}, "a.json: m"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
	e := toy.Errorf("f.json", 2, 0, "x[1]", "bad %d", 7)
	wantErr(t, e, errToy, "toy: f.json:2: x[1]: bad 7")
	if !errors.Is(e, errToy) || errors.Is(e, ErrParserPanic) {
		t.Error("Errorf class")
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nx")
	for off, want := range map[int][2]int{0: {1, 1}, 1: {1, 2}, 2: {1, 3}, 3: {2, 1}, 5: {2, 3}, 6: {3, 1}, 7: {4, 1}, 8: {4, 2}, 99: {4, 2}, -5: {1, 1}} {
		if l, c := Position(data, off); l != want[0] || c != want[1] {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
}

func TestFirstByteAndBOM(t *testing.T) {
	for in, want := range map[string]byte{"": 0, " \r\n\t": 0, "\ufeff [": '[', " {": '{', "x": 'x', "\ufeff": 0} {
		if got := FirstByte([]byte(in)); got != want {
			t.Errorf("FirstByte(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(TrimBOM([]byte("\ufeff\ufeffa"))); got != "\ufeffa" {
		t.Errorf("TrimBOM removes one mark: %q", got)
	}
}

// texts returns the values' bytes and the offsets SplitJSON gave them.
func texts(vals []JSONValue) (out []string, offs []int) {
	for _, v := range vals {
		out = append(out, string(v.Data))
		offs = append(offs, v.Off)
	}
	return out, offs
}

func TestSplitJSONForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		form JSONForm
		vals []string
		offs []int
	}{
		{"", FormEmpty, nil, nil},
		{" \n\t\n", FormEmpty, nil, nil},
		{`{"a":1}`, FormValue, []string{`{"a":1}`}, []int{0}},
		// A multi-line object is one value, not JSON Lines.
		{"{\n\"a\": 1\n}\n", FormValue, []string{"{\n\"a\": 1\n}\n"}, []int{0}},
		// The BOM is not part of the value; offsets count it.
		{"\ufeff{}", FormValue, []string{"{}"}, []int{3}},
		{"[]", FormArray, nil, nil},
		{"[ {\"a\":1},\n  2 ,\"x\" ]", FormArray, []string{`{"a":1}`, "2", `"x"`}, []int{2, 13, 16}},
		{"\ufeff[1]", FormArray, []string{"1"}, []int{4}},
		// JSON Lines: blank lines skipped, CRLF kept in the line.
		{"{\"a\":1}\n\n{\"b\":2}\r\n{}", FormLines, []string{`{"a":1}`, "{\"b\":2}\r", "{}"}, []int{0, 9, 18}},
		{"1\n2\n", FormLines, []string{"1", "2"}, []int{0, 2}},
	} {
		vals, form, err := toy.SplitJSON("f.json", []byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		got, offs := texts(vals)
		if form != c.form || !reflect.DeepEqual(got, c.vals) || !reflect.DeepEqual(offs, c.offs) {
			t.Errorf("%q: form %d values %q at %v; want form %d %q at %v", c.in, form, got, offs, c.form, c.vals, c.offs)
		}
	}
}

func TestSplitJSONErrors(t *testing.T) {
	okLine := `{"a":1}`
	for _, c := range []struct {
		in   string
		kind error
		msg  string
	}{
		// A bad line of JSON Lines: its own line and column.
		{okLine + "\n\n" + okLine + "\n{\"a\": 1, }\n", safedecode.ErrSyntax, "toy: f.json:4:10: "},
		// The first line broken: the document is one broken value.
		{"{\"a\":\n1,,}\n{}\n", safedecode.ErrSyntax, "toy: f.json:2:3: "},
		{"hello\nworld\n", safedecode.ErrSyntax, "toy: f.json:1:1: "},
		// A truncated array: at its end.
		{"[\n{\"a\": 1},\n{\"a\"", safedecode.ErrSyntax, "toy: f.json:3:5: "},
		{`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}", safedecode.ErrTooDeep, "toy: f.json:1:"},
		{okLine + "\n" + `{"a":"` + strings.Repeat("x", MaxLine) + `"}` + "\n", safedecode.ErrTooLarge,
			"toy: f.json:2: JSON Lines: the line is longer than 1 MiB"},
	} {
		_, _, err := toy.SplitJSON("f.json", []byte(c.in))
		if err == nil {
			t.Errorf("%.40q: no error", c.in)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%.40q: %v (%T), want %v starting %q", c.in, err, err, c.kind, c.msg)
		}
	}
	// Over the size limit: refused from its length.
	_, _, err := toy.SplitJSON("big.json", make([]byte, 65<<20))
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "toy: big.json: ") || !strings.Contains(err.Error(), "64 MiB") {
		t.Errorf("too large: %v", err)
	}
}

func TestArrayMember(t *testing.T) {
	data := []byte("\ufeff{\"x\": {\"findings\": 1},\n \"findings\" :\n [ {\"a\": 1},\n   {\"b\": [2]} ],\n \"findings\": []}")
	vals, _, err := toy.SplitJSON("f.json", data)
	if err != nil {
		t.Fatal(err)
	}
	elems, err := toy.ArrayMember("f.json", data, vals[0], "findings")
	if err != nil {
		t.Fatal(err)
	}
	got, offs := texts(elems)
	// The first top-level "findings" counts; offsets are in the file.
	if !reflect.DeepEqual(got, []string{`{"a": 1}`, `{"b": [2]}`}) || string(data[offs[1]:offs[1]+5]) != `{"b":` {
		t.Fatalf("%q at %v", got, offs)
	}
	if l, c := Position(data, offs[1]); l != 4 || c != 4 {
		t.Errorf("second element at %d:%d", l, c)
	}
	if elems, err := toy.ArrayMember("f.json", data, vals[0], "none"); elems != nil || err != nil {
		t.Errorf("missing member: %v %v", elems, err)
	}
	data = []byte("{\"a\": [],\n \"findings\":  {}}")
	_, err = toy.ArrayMember("f.json", data, JSONValue{data, 0}, "findings")
	wantErr(t, err, errToy, "toy: f.json:2:15: findings: want an array")
}

type decoded struct {
	Name string `json:"name"`
	Info struct {
		Tags StrList `json:"tags"`
		N    int     `json:"n"`
	} `json:"info"`
}

func TestDecode(t *testing.T) {
	data := []byte("{}\n{\"name\": \"a\",\n \"info\": {\"n\": \"seven\"}}")
	v := JSONValue{data[3:], 3}
	var d decoded
	// encoding/json places a type error just after the value.
	e := wantErr(t, toy.Decode("f.json", data, v, &d), errToy, "toy: f.json:3:23: info.n: want a number, got string")
	if e.Path != "info.n" || e.Line != 3 {
		t.Errorf("%+v", e)
	}
	// An UnmarshalTypeError of an UnmarshalJSON (no offset, no type): the
	// line of the value, the field path, "unexpected ...".
	data = []byte("{\"info\": {\"tags\": {\"a\": 1}}}")
	wantErr(t, toy.Decode("f.json", data, JSONValue{data, 0}, &d), errToy,
		"toy: f.json:1: info.tags: unexpected value (want a string or a list of strings)")
	if err := toy.Decode("f.json", []byte(`{"name": "x"}`), JSONValue{[]byte(`{"name": "x"}`), 0}, &d); err != nil || d.Name != "x" {
		t.Errorf("%v %+v", err, d)
	}
}

// The other wording of type errors, and fieldMsg and DecodePart for the
// parts of a report that are skipped with a warning.
func TestWhereExpected(t *testing.T) {
	where := toy
	where.WhereExpected = true
	data := []byte("{\"name\": [1],\n \"info\": {}}")
	e := wantErr(t, where.Decode("f.json", data, JSONValue{data, 0}, &decoded{}), errToy,
		"toy: f.json:1:11: name: a JSON array where a string is expected")
	if e.Path != "name" {
		t.Errorf("%+v", e)
	}
	var d decoded
	err := json.Unmarshal([]byte(`{"info": {"n": true}}`), &d)
	if got := where.fieldMsg(err); got != "info.n: a JSON bool where a number is expected" {
		t.Errorf("fieldMsg = %q", got)
	}
	if got := toy.fieldMsg(err); got != "info.n: want a number, got bool" {
		t.Errorf("fieldMsg = %q", got)
	}
	err = json.Unmarshal([]byte(`{"info": {"tags": {}}}`), &d)
	if got := where.fieldMsg(err); got != "info.tags: unexpected value (want a string or a list of strings)" {
		t.Errorf("fieldMsg = %q", got)
	}
	if got := where.fieldMsg(errors.New("plain")); got != "plain" {
		t.Errorf("fieldMsg = %q", got)
	}
	var warnings []string
	for i, raw := range []string{`{"name": "x"}`, `[1]`, `{"info": {"n": "7"}}`} {
		ok := where.DecodePart(fmt.Sprintf("results[%d]", i), json.RawMessage(raw), &d, &warnings)
		if ok != (i == 0) || d.Name != "x" {
			t.Errorf("%s: %v %+v", raw, ok, d)
		}
	}
	if !reflect.DeepEqual(warnings, []string{"results[1] is not an object; skipped",
		"results[2]: info.n: a JSON string where a number is expected; skipped"}) {
		t.Errorf("%q", warnings)
	}
}

// Document: one JSON value, checked within the format's limits, the BOM
// skipped; errors at their place.
func TestDocument(t *testing.T) {
	v, err := toy.Document("f.json", []byte("\ufeff{\"a\": [1]}"))
	if err != nil || string(v.Data) != `{"a": [1]}` || v.Off != 3 {
		t.Errorf("%q at %d: %v", v.Data, v.Off, err)
	}
	for _, c := range []struct {
		in   string
		lim  safedecode.Limits
		kind error
		msg  string
	}{
		{"", safedecode.Limits{}, safedecode.ErrSyntax, "toy: f.json:1:1: unexpected end of JSON input"},
		{"{\n  \"a\": [1,\n", safedecode.Limits{}, safedecode.ErrSyntax, "toy: f.json:3:1: unexpected end of JSON input"},
		{"{}\n{}", safedecode.Limits{}, safedecode.ErrSyntax, "toy: f.json:2:1: "},
		{"[[[]]]", safedecode.Limits{MaxDepth: 2}, safedecode.ErrTooDeep, "toy: f.json:1:3: "},
		{"{}", safedecode.Limits{MaxBytes: 1}, safedecode.ErrTooLarge, "toy: f.json: input exceeds the size limit of 1 bytes"},
	} {
		f := toy
		f.Limits = c.lim
		_, err := f.Document("f.json", []byte(c.in))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%q: %v, want %v %q", c.in, err, c.kind, c.msg)
		}
	}
	// DecodeObject: the same, then an object, then Decode.
	var d decoded
	if _, err := toy.DecodeObject("f.json", []byte(`[{"name": "x"}]`), &d); err == nil ||
		err.Error() != "toy: f.json:1:1: not a toy report: the top level is not an object" || !errors.Is(err, errToy) {
		t.Errorf("array: %v", err)
	}
	if doc, err := toy.DecodeObject("f.json", []byte("\ufeff{\"name\": \"x\"}"), &d); err != nil || d.Name != "x" || doc.Off != 3 {
		t.Errorf("%v %+v %d", err, d, doc.Off)
	}
	if _, err := toy.DecodeObject("f.json", []byte(`{"name": 1}`), &d); err == nil || !strings.HasPrefix(err.Error(), "toy: f.json:1:11: name: want a string") {
		t.Errorf("type: %v", err)
	}
	if _, err := toy.DecodeObject("f.json", []byte(`{"name":`), &d); !errors.Is(err, safedecode.ErrSyntax) {
		t.Errorf("cut: %v", err)
	}
	// The limits hold for SplitJSON too.
	small := toy
	small.Limits.MaxDepth = 1
	if _, _, err := small.SplitJSON("f.json", []byte(`{"a": {}}`)); !errors.Is(err, safedecode.ErrTooDeep) {
		t.Errorf("SplitJSON depth: %v", err)
	}
}

func TestStrList(t *testing.T) {
	for in, want := range map[string][]string{
		`null`:                 nil,
		`"a,b"`:                {"a,b"},
		`["a", 1, null, -2.5]`: {"a", "1", "-2.5"},
		`9.8`:                  {"9.8"},
		`[]`:                   {},
	} {
		var s StrList
		if err := json.Unmarshal([]byte(in), &s); err != nil || !reflect.DeepEqual([]string(s), want) {
			t.Errorf("%s: %q %v, want %q", in, s, err, want)
		}
	}
	for _, in := range []string{`{"a": 1}`, `true`, `["a", {}]`, `[["a"]]`} {
		var s StrList
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(in), &s); !errors.As(err, &te) {
			t.Errorf("%s: %v, want an UnmarshalTypeError", in, err)
		}
	}
}

func TestHeadShape(t *testing.T) {
	for _, c := range []struct {
		head string
		open byte
		keys map[string]byte
		strs map[string]string
	}{
		{"", 0, map[string]byte{}, map[string]string{}},
		{"template-id: x", 't', map[string]byte{}, map[string]string{}},
		{`{"version": "15", "scan": {"type": "dast"}, "vulnerabilities": [{"identifiers": [{"a": {"deep": 1}}]}]}`, '{',
			map[string]byte{"/version": 's', "/scan": '{', "/scan/type": 's', "/vulnerabilities": '[',
				"/vulnerabilities[]": '{', "/vulnerabilities[]/identifiers": '['},
			map[string]string{"/version": "15", "/scan/type": "dast"}},
		// A top-level array: its objects' keys, and its first element's kind.
		{"\ufeff[{\"template-id\": \"x\", \"info\": {}}, {\"z\": 1}]", '[',
			map[string]byte{"[]": '{', "[]/template-id": 's', "[]/info": '{', "[]/z": 's'}, map[string]string{"[]/template-id": "x"}},
		// Empty arrays have no "[]" path; an array of scalars does.
		{`{"results": [], "errors": [1, "x"], "paths": {"scanned": []}}`, '{',
			map[string]byte{"/results": '[', "/errors": '[', "/errors[]": 's', "/paths": '{', "/paths/scanned": '['}, map[string]string{}},
		// A head cut in the middle: what was seen so far.
		{`{"report": {"index": ["/a", "/b"], "assessmentVersion": "3.1`, '{',
			map[string]byte{"/report": '{', "/report/index": '[', "/report/index[]": 's'}, map[string]string{"/report/index[]": "/a"}},
		// Only the first line of JSON Lines; the first kind of a repeated key.
		{"{\"a\": 1, \"a\": \"s\"}\n{\"b\": 2}", '{', map[string]byte{"/a": 's'}, map[string]string{}},
		// Long strings are clipped.
		{`{"$schema": "` + strings.Repeat("x", 1000) + `"}`, '{', map[string]byte{"/$schema": 's'},
			map[string]string{"/$schema": strings.Repeat("x", 256) + "…"}},
	} {
		sh := HeadShape([]byte(c.head))
		if sh.Open != c.open || !reflect.DeepEqual(sh.Keys, c.keys) || !reflect.DeepEqual(sh.Strings, c.strs) {
			t.Errorf("%.50s: %q %v %q, want %q %v %q", c.head, sh.Open, sh.Keys, sh.Strings, c.open, c.keys, c.strs)
		}
	}
}

func TestShapeHas(t *testing.T) {
	sh := HeadShape([]byte(`{"a": null, "b": {"c": []}}`))
	if !sh.Has("/a") || !sh.Has("/b/c") || sh.Has("/c") || sh.Has("/b/c[]") {
		t.Errorf("%v", sh.Keys)
	}
}
