package tyk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Options tune Parse.
type Options struct {
	// Limits bound the input (zero fields take the safedecode defaults).
	Limits safedecode.Limits
	// Gateway is the gateway's own configuration (tyk.conf), when known.
	Gateway *GatewayConfig
}

// Result is what one file (or one Gateway API response) yields.
type Result struct {
	Artifact *collectors.Artifact
	// APIs are the API definitions found, in file order, with the
	// evidence of their routes.
	APIs []API
	// Evidence holds every route's evidence, API by API (API route first,
	// then its endpoint routes sorted by path and method). Evidence.API is
	// the gateway's own name for the API; Collect maps it.
	Evidence []collectors.Evidence
	// Skipped lists definitions the gateway does not serve (explicitly
	// inactive, or internal), with the reason.
	Skipped []string
	// Warnings are things that did not stop the parse.
	Warnings []string
}

// API summarises one API definition.
type API struct {
	Name       string // name, falling back to api_id
	ID         string // api_id
	Format     string // "classic" or "oas"
	Pointer    string // where the definition is in the file ("" = whole file)
	ListenPath string
	Routes     int      // evidence records (API route + endpoint routes)
	Plugins    []string // every middleware configured, API-wide or on a path
}

// Error kinds, for errors.Is. Size, depth, alias and syntax errors from
// the safedecode checks also match safedecode.ErrTooLarge and friends.
var (
	ErrNotTyk  = errors.New("not a Tyk API definition")
	ErrInvalid = errors.New("invalid Tyk API definition")
)

// Error is an input that could not be read. Its text is
// "tyk: FILE: [line N: ][POINTER: ]message".
type Error struct {
	File    string
	Line    int
	Pointer string
	Msg     string
	Kind    error
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tyk: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes both the kind and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// document is the input being parsed, for error positions.
type document struct {
	name string
	data []byte     // JSON text the pointers refer to
	yaml *yaml.Node // the YAML document when the input was YAML
}

func (d *document) errorf(ptr, format string, args ...any) *Error {
	return &Error{File: d.name, Line: d.line(ptr), Pointer: ptr, Msg: fmt.Sprintf(format, args...), Kind: ErrInvalid}
}

// line finds the line of the value at a JSON pointer; 0 when unknown.
func (d *document) line(ptr string) int {
	if d.yaml != nil {
		return yamlLine(d.yaml, ptr)
	}
	off := offsetOf(d.data, ptr)
	if off < 0 {
		return 0
	}
	return lineAt(d.data, off)
}

// Parse reads one file: a classic API definition, a wrapped one
// ({"api_definition": {...}}, as the Dashboard exports them), a list of
// either (a Gateway /tyk/apis response, a Dashboard {"apis": [...]}
// listing), or a Tyk OAS document (JSON or YAML, with x-tyk-api-gateway).
// It never panics; every error is an *Error naming the file.
func Parse(name string, data []byte, opt Options) (*Result, error) {
	lim := opt.Limits.Normalize()
	if err := safedecode.CheckSize(name, int64(len(data)), lim); err != nil {
		return nil, &Error{File: name, Msg: stripName(err, name), Kind: ErrInvalid, Err: err}
	}
	// Positions are counted without a UTF-8 byte order mark (it holds no
	// newline, so lines are unchanged).
	doc := &document{name: name, data: bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})}
	ctype := "application/json"
	if !safedecode.LooksLikeJSON(data) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, &Error{File: name, Msg: "empty file", Kind: ErrNotTyk}
		}
		// YAML: only Tyk OAS documents are written as YAML.
		docs, err := safedecode.DecodeYAML(name, data, lim)
		if err != nil {
			return nil, &Error{File: name, Line: lineOf(err), Msg: msgOf(err, name), Kind: ErrInvalid, Err: err}
		}
		if len(docs) != 1 || len(docs[0].Content) != 1 {
			return nil, &Error{File: name, Msg: "expected one YAML document", Kind: ErrNotTyk}
		}
		v, err := yamlToJSON(docs[0].Content[0], lim.MaxDepth)
		if err != nil {
			return nil, &Error{File: name, Msg: err.Error(), Kind: ErrInvalid}
		}
		doc.data, err = json.Marshal(v)
		if err != nil {
			return nil, &Error{File: name, Msg: err.Error(), Kind: ErrInvalid}
		}
		if err := safedecode.CheckSize(name, int64(len(doc.data)), lim); err != nil {
			return nil, &Error{File: name, Msg: "expanded: " + stripName(err, name), Kind: ErrInvalid, Err: err}
		}
		doc.yaml = docs[0].Content[0]
		ctype = "application/yaml"
	} else if err := safedecode.CheckJSON(name, data, lim); err != nil {
		return nil, &Error{File: name, Line: lineOf(err), Msg: msgOf(err, name), Kind: ErrInvalid, Err: err}
	}

	res := &Result{Artifact: &collectors.Artifact{Name: name, ContentType: ctype, Data: data}}
	items, err := splitDocument(doc)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		def, err := decodeItem(doc, it)
		if err != nil {
			return nil, err
		}
		if err := buildAPI(doc, it.ptr, it.format, def, opt.Gateway, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// item is one API definition inside the document.
type item struct {
	ptr    string
	format string // "classic" or "oas"
	raw    json.RawMessage
}

// classicKeys are keys only a classic API definition has at its top.
var classicKeys = []string{"proxy", "api_id", "version_data", "use_keyless", "use_standard_auth",
	"enable_jwt", "use_oauth2", "auth_configs", "use_basic_auth", "use_mutual_tls_auth"}

// classify tells what a JSON object is: a classic definition, a wrapper
// around one, a Tyk OAS document, a list holder, or none of these.
func classify(obj map[string]json.RawMessage) string {
	if _, ok := obj["x-tyk-api-gateway"]; ok {
		return "oas"
	}
	if w, ok := obj["api_definition"]; ok && isObject(w) {
		return "wrapper"
	}
	if l, ok := obj["apis"]; ok && isArray(l) {
		return "list"
	}
	n := 0
	for _, k := range classicKeys {
		if _, ok := obj[k]; ok {
			n++
		}
	}
	if _, ok := obj["proxy"]; ok && n >= 1 {
		return "classic"
	}
	if n >= 2 {
		return "classic"
	}
	return ""
}

func isObject(r json.RawMessage) bool {
	r = bytes.TrimLeft(r, " \t\r\n")
	return len(r) > 0 && r[0] == '{'
}

func isArray(r json.RawMessage) bool {
	r = bytes.TrimLeft(r, " \t\r\n")
	return len(r) > 0 && r[0] == '['
}

// splitDocument finds the API definitions in a document.
func splitDocument(doc *document) ([]item, error) {
	// The text is valid JSON (safedecode checked it, or it was produced
	// from YAML): no need to copy it before looking at its first byte.
	top := json.RawMessage(bytes.TrimPrefix(doc.data, []byte{0xEF, 0xBB, 0xBF}))
	switch {
	case isArray(top):
		var list []json.RawMessage
		if err := json.Unmarshal(top, &list); err != nil {
			return nil, &Error{File: doc.name, Msg: err.Error(), Kind: ErrInvalid, Err: err}
		}
		return listItems(doc, "", list)
	case isObject(top):
		return objectItems(doc, "", top, true)
	}
	return nil, &Error{File: doc.name, Msg: "the top level is not a JSON object or array: " + ErrNotTyk.Error(), Kind: ErrNotTyk}
}

func listItems(doc *document, ptr string, list []json.RawMessage) ([]item, error) {
	var out []item
	for i, el := range list {
		p := ptr + "/" + strconv.Itoa(i)
		if !isObject(el) {
			return nil, doc.errorf(p, "expected an API definition object, found %s", describeRaw(el))
		}
		its, err := objectItems(doc, p, el, false)
		if err != nil {
			return nil, err
		}
		out = append(out, its...)
	}
	return out, nil
}

func objectItems(doc *document, ptr string, raw json.RawMessage, top bool) ([]item, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, &Error{File: doc.name, Pointer: ptr, Msg: err.Error(), Kind: ErrInvalid, Err: err}
	}
	switch classify(obj) {
	case "oas":
		return []item{{ptr: ptr, format: "oas", raw: raw}}, nil
	case "classic":
		return []item{{ptr: ptr, format: "classic", raw: raw}}, nil
	case "wrapper":
		// A Dashboard export may carry the OAS form beside the classic
		// one ({"api_definition": ..., "oas": ...}); the classic form is
		// the complete one the gateway receives.
		return []item{{ptr: ptr + "/api_definition", format: "classic", raw: obj["api_definition"]}}, nil
	case "list":
		var list []json.RawMessage
		if err := json.Unmarshal(obj["apis"], &list); err != nil {
			return nil, &Error{File: doc.name, Pointer: ptr + "/apis", Msg: err.Error(), Kind: ErrInvalid, Err: err}
		}
		return listItems(doc, ptr+"/apis", list)
	}
	if top {
		return nil, &Error{File: doc.name, Kind: ErrNotTyk,
			Msg: ErrNotTyk.Error() + `: no "proxy"/"api_id" (classic), "api_definition" or "x-tyk-api-gateway" (Tyk OAS) at the top level`}
	}
	return nil, &Error{File: doc.name, Line: doc.line(ptr), Pointer: ptr, Kind: ErrNotTyk,
		Msg: ErrNotTyk.Error() + `: the object has no "proxy", "api_id", "api_definition" or "x-tyk-api-gateway"`}
}

// decodeItem turns one item into a classic definition.
func decodeItem(doc *document, it item) (*apiDefinition, error) {
	if it.format == "oas" {
		return decodeOAS(doc, it)
	}
	var def apiDefinition
	if err := decodeInto(doc, it.ptr, it.raw, &def); err != nil {
		return nil, err
	}
	return &def, nil
}

// decodeInto unmarshals raw (found at ptr) into v, turning a type error
// into an *Error with the JSON pointer and line of the offending value.
func decodeInto(doc *document, ptr string, raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// The decoder's field path leaves out map keys and array
		// indices: find the exact pointer from the offset instead.
		p := fieldPointer(ptr, te.Field)
		line := 0
		if base := offsetOf(doc.data, ptr); base >= 0 {
			if exact := pointerAt(doc.data, base+te.Offset); exact != "" {
				p = exact
			}
			if doc.yaml == nil {
				line = lineAt(doc.data, base+te.Offset)
			}
		}
		if doc.yaml != nil {
			line = doc.line(p)
		}
		return &Error{File: doc.name, Line: line, Pointer: p, Kind: ErrInvalid, Err: err,
			Msg: fmt.Sprintf("%s where Tyk expects %s", describeJSON(te.Value), goTypeName(te.Type.String()))}
	}
	return &Error{File: doc.name, Pointer: ptr, Msg: err.Error(), Kind: ErrInvalid, Err: err}
}

// goTypeName says a Go type the way a configuration author reads it.
func goTypeName(t string) string {
	switch {
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "struct") || strings.HasPrefix(t, "tyk.") || strings.HasPrefix(t, "*tyk."):
		return "an object"
	}
	return t
}

func describeJSON(v string) string {
	switch v {
	case "string", "number", "bool", "array", "object":
		return "a JSON " + v
	}
	return v
}

func describeRaw(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return "nothing"
	}
	switch r[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// fieldPointer turns encoding/json's dotted field path ("proxy.listen_path")
// into a JSON pointer under base. Array indices are not in the path; the
// pointer then names the array.
func fieldPointer(base, field string) string {
	if field == "" {
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	for _, f := range strings.Split(field, ".") {
		b.WriteByte('/')
		b.WriteString(escapePointer(f))
	}
	return b.String()
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func splitPointer(ptr string) []string {
	if ptr == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		parts[i] = unescapePointer(p)
	}
	return parts
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off < 0 {
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// offsetOf finds the byte offset of the value at a JSON pointer, or -1.
// It streams tokens, so it costs one pass and is only used on error paths.
func offsetOf(data []byte, ptr string) int64 {
	toks := splitPointer(ptr)
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		if len(toks) == 0 {
			off := dec.InputOffset()
			// Skip the ":" and white space before the value.
			for off < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
				off++
			}
			return off
		}
		t, err := dec.Token()
		if err != nil {
			return -1
		}
		d, ok := t.(json.Delim)
		if !ok {
			return -1
		}
		found := false
		switch d {
		case '{':
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return -1
				}
				if ks, _ := k.(string); ks == toks[0] {
					found = true
					break
				}
				if !skipValue(dec) {
					return -1
				}
			}
		case '[':
			want, err := strconv.Atoi(toks[0])
			if err != nil {
				return -1
			}
			for i := 0; dec.More(); i++ {
				if i == want {
					found = true
					break
				}
				if !skipValue(dec) {
					return -1
				}
			}
		}
		if !found {
			return -1
		}
		toks = toks[1:]
	}
}

// pointerAt returns the JSON pointer of the innermost value that ends at
// or spans byte offset off (encoding/json reports type errors just after
// the offending value), or "" when there is none.
func pointerAt(data []byte, off int64) string {
	type frame struct {
		obj       bool
		key       string
		idx       int
		expectKey bool
		start     int64
	}
	var stack []frame
	ptr := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.obj {
				b.WriteString(escapePointer(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.idx))
			}
		}
		return b.String()
	}
	done := func() { // a value finished inside the top frame
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].expectKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
			if t == json.Delim('}') {
				cstart := stack[n-1].start
				stack = stack[:n-1]
				if off > cstart && off <= end {
					return ptr()
				}
				done()
				continue
			}
			stack[n-1].key, _ = t.(string)
			stack[n-1].expectKey = false
			continue
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			// The value's own pointer is the path so far; remember where
			// it starts and descend.
			stack = append(stack, frame{obj: t == json.Delim('{'), expectKey: true, start: start})
			continue
		case json.Delim(']'):
			cstart := stack[len(stack)-1].start
			stack = stack[:len(stack)-1]
			if off > cstart && off <= end {
				return ptr()
			}
			done()
			continue
		}
		if off > start && off <= end {
			return ptr()
		}
		done()
	}
}

// skipValue consumes one complete value from dec.
func skipValue(dec *json.Decoder) bool {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth == 0 {
			return true
		}
	}
}

// stripName removes the "name: " prefix safedecode puts on its messages
// (our Error names the file itself).
func stripName(err error, name string) string {
	var se *safedecode.Error
	if errors.As(err, &se) {
		return se.Msg
	}
	return strings.TrimPrefix(err.Error(), name+": ")
}

func lineOf(err error) int {
	var se *safedecode.Error
	if errors.As(err, &se) {
		return se.Line
	}
	return 0
}

func msgOf(err error, name string) string {
	var se *safedecode.Error
	if errors.As(err, &se) {
		if se.Column > 0 {
			return fmt.Sprintf("column %d: %s", se.Column, se.Msg)
		}
		return se.Msg
	}
	return stripName(err, name)
}

// yamlToJSON converts a YAML node (already bounded by safedecode) to plain
// values encoding/json can marshal. Aliases are followed; safedecode has
// checked that expanding them stays within budget.
func yamlToJSON(n *yaml.Node, maxDepth int) (any, error) {
	if maxDepth <= 0 {
		return nil, fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return yamlToJSON(n.Alias, maxDepth-1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlToJSON(n.Content[0], maxDepth)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: only scalar mapping keys are supported", k.Line)
			}
			if k.Value == "<<" && k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not supported in Tyk definitions", k.Line)
			}
			v, err := yamlToJSON(n.Content[i+1], maxDepth-1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlToJSON(c, maxDepth-1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		switch x := v.(type) {
		case nil, bool, string, int, int64, uint64:
			return x, nil
		case float64:
			if x != x || x > 1.7e308 || x < -1.7e308 {
				return n.Value, nil // .nan / .inf: keep the text
			}
			return x, nil
		default:
			return n.Value, nil // timestamps and the like
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// yamlLine finds the line of the node at a JSON pointer in a YAML tree.
func yamlLine(n *yaml.Node, ptr string) int {
	for _, tok := range splitPointer(ptr) {
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil {
			return 0
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
				}
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return 0
			}
			n = n.Content[i]
		default:
			return 0
		}
	}
	if n == nil {
		return 0
	}
	return n.Line
}
