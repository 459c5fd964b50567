package envoy

import (
	"encoding/base64"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// val is a located node: the node (nil when the field is absent), its JSON
// pointer in the document, and the line to report (the parent's line when
// the node is absent).
type val struct {
	n    *yaml.Node
	ptr  string
	line int
}

// ok reports whether the value is present (and not null).
func (v val) ok() bool { return v.n != nil }

// maxMerge bounds how deep "<<" merge keys are followed.
const maxMerge = 16

// deref follows YAML aliases; safedecode has already checked that they end.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 8 {
			return nil
		}
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	return n
}

// escapeKey escapes a key for a JSON pointer (RFC 6901).
func escapeKey(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// fieldEq reports whether two protobuf field names are the same field:
// equal once underscores are dropped and case folded (snake_case and
// lowerCamelCase spellings), without allocating.
func fieldEq(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && a[i] == '_' {
			i++
		}
		for j < len(b) && b[j] == '_' {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		x, y := a[i], b[j]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
		i, j = i+1, j+1
	}
}

func line(n *yaml.Node, fallback int) int {
	if n != nil && n.Line > 0 {
		return n.Line
	}
	return fallback
}

// get returns field name of a mapping (snake_case or camelCase spelling),
// looking through "<<" merge keys; absent when v is not a mapping.
func (v val) get(name string) val {
	if n := deref(v.n); n != nil && n.Kind == yaml.MappingNode {
		if k, x := lookup(n, name, 0); k != nil {
			return val{n: deref(x), ptr: v.ptr + "/" + escapeKey(k.Value), line: line(deref(x), line(k, v.line))}
		}
	}
	return val{ptr: v.ptr + "/" + escapeKey(name), line: v.line}
}

func lookup(n *yaml.Node, want string, depth int) (k, x *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if kk := n.Content[i]; !isMerge(kk) && fieldEq(kk.Value, want) {
			if deref(n.Content[i+1]) == nil {
				return nil, nil // an explicit null is the same as absent
			}
			return kk, n.Content[i+1]
		}
	}
	if depth >= maxMerge {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isMerge(n.Content[i]) {
			continue
		}
		for _, src := range mergeSources(n.Content[i+1]) {
			if k, x := lookup(src, want, depth+1); k != nil {
				return k, x
			}
		}
	}
	return nil, nil
}

// isMerge reports whether k is a YAML merge key ("<<" unquoted).
func isMerge(k *yaml.Node) bool { return k.Value == "<<" && k.Tag == "!!merge" }

func mergeSources(m *yaml.Node) []*yaml.Node {
	m = deref(m)
	if m == nil {
		return nil
	}
	if m.Kind == yaml.MappingNode {
		return []*yaml.Node{m}
	}
	var out []*yaml.Node
	if m.Kind == yaml.SequenceNode {
		for _, c := range m.Content {
			if c = deref(c); c != nil && c.Kind == yaml.MappingNode {
				out = append(out, c)
			}
		}
	}
	return out
}

// entry is one member of a protobuf map field.
type entry struct {
	key string
	v   val
}

// kindName names a node kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return fmt.Sprintf("the string %q", clip(n.Value))
	}
	return "something else"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// fail records the first error, at v's line and pointer.
func (p *parser) fail(v val, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{File: p.name, Line: v.line, Pointer: v.ptr, Msg: fmt.Sprintf(format, args...)}
	}
}

// obj checks that v, when present, is an object.
func (p *parser) obj(v val) bool {
	if !v.ok() {
		return false
	}
	if v.n.Kind != yaml.MappingNode {
		p.fail(v, "expected an object, found %s", kindName(v.n))
		return false
	}
	return true
}

// list returns the elements of a list field (nil when absent).
func (p *parser) list(v val) []val {
	if !v.ok() {
		return nil
	}
	if v.n.Kind != yaml.SequenceNode {
		p.fail(v, "expected a list, found %s", kindName(v.n))
		return nil
	}
	out := make([]val, 0, len(v.n.Content))
	for i, c := range v.n.Content {
		d := deref(c)
		out = append(out, val{n: d, ptr: v.ptr + "/" + strconv.Itoa(i), line: line(d, line(c, v.line))})
	}
	return out
}

// objects is list whose elements must be objects; null elements are skipped.
func (p *parser) objects(v val) []val {
	var out []val
	for _, e := range p.list(v) {
		if e.ok() && p.obj(e) {
			out = append(out, e)
		}
	}
	return out
}

// entries returns the members of a protobuf map field in document order
// (merged-in members after the mapping's own).
func (p *parser) entries(v val) []entry {
	if !p.obj(v) {
		return nil
	}
	var out []entry
	seen := map[string]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if isMerge(k) || seen[k.Value] {
				continue
			}
			seen[k.Value] = true
			x := deref(n.Content[i+1])
			out = append(out, entry{k.Value, val{n: x, ptr: v.ptr + "/" + escapeKey(k.Value), line: line(x, k.Line)}})
		}
		if depth >= maxMerge {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMerge(n.Content[i]) {
				for _, src := range mergeSources(n.Content[i+1]) {
					walk(src, depth+1)
				}
			}
		}
	}
	walk(v.n, 0)
	return out
}

// str returns a scalar field as a string ("" when absent).
func (p *parser) str(v val) string {
	if !v.ok() {
		return ""
	}
	if v.n.Kind != yaml.ScalarNode {
		p.fail(v, "expected a string, found %s", kindName(v.n))
		return ""
	}
	return v.n.Value
}

// boolean reads a bool field; set is false when it is absent. Protobuf's
// JSON mapping also accepts the wrapper form {value: true} for BoolValue.
func (p *parser) boolean(v val) (b, set bool) {
	if !v.ok() {
		return false, false
	}
	if v.n.Kind == yaml.MappingNode {
		return p.boolean(v.get("value"))
	}
	if v.n.Kind == yaml.ScalarNode {
		switch strings.ToLower(v.n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	p.fail(v, "expected true or false, found %s", kindName(v.n))
	return false, false
}

// integer reads an integer field (protobuf's JSON mapping allows quoted
// 64-bit integers).
func (p *parser) integer(v val) (int64, bool) {
	if !v.ok() {
		return 0, false
	}
	if v.n.Kind == yaml.MappingNode {
		return p.integer(v.get("value"))
	}
	if v.n.Kind == yaml.ScalarNode {
		s := v.n.Value
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f), true
		}
	}
	p.fail(v, "expected an integer, found %s", kindName(v.n))
	return 0, false
}

// duration reads a google.protobuf.Duration: "1.5s" in the JSON mapping, or
// the {seconds, nanos} object form. It returns seconds.
func (p *parser) duration(v val) (float64, bool) {
	if !v.ok() {
		return 0, false
	}
	if v.n.Kind == yaml.MappingNode {
		s, _ := p.integer(v.get("seconds"))
		ns, _ := p.integer(v.get("nanos"))
		return float64(s) + float64(ns)/1e9, p.err == nil
	}
	if v.n.Kind == yaml.ScalarNode {
		s := strings.TrimSpace(v.n.Value)
		if num, found := strings.CutSuffix(s, "s"); found {
			if f, err := strconv.ParseFloat(num, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) &&
				f >= -315576000000 && f <= 315576000000 && !strings.ContainsAny(num, "eExXpP_") {
				return f, true
			}
		}
	}
	p.fail(v, "invalid duration %s: expected a number of seconds such as \"1.5s\"", describe(v.n))
	return 0, false
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(clip(n.Value))
	}
	return kindName(n)
}

// typeName returns the protobuf message name of an Any ("@type":
// "type.googleapis.com/envoy.extensions...v3.Cors" -> "envoy.extensions...v3.Cors").
func (p *parser) typeName(v val) string {
	t := p.str(v.get("@type"))
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// typedStruct names the wrappers that carry a config as a JSON struct.
func isTypedStruct(t string) bool {
	return t == "udpa.type.v1.TypedStruct" || t == "xds.type.v3.TypedStruct"
}

// unwrapAny returns the message type and body of an Any, looking through a
// TypedStruct wrapper (whose type_url names the real type and whose value
// holds its fields).
func (p *parser) unwrapAny(v val) (string, val) {
	if !p.obj(v) {
		return "", val{ptr: v.ptr, line: v.line}
	}
	t := p.typeName(v)
	if isTypedStruct(t) {
		u := p.str(v.get("type_url"))
		if i := strings.LastIndexByte(u, '/'); i >= 0 {
			u = u[i+1:]
		}
		body := v.get("value")
		if !body.ok() {
			body = val{n: &yaml.Node{Kind: yaml.MappingNode}, ptr: body.ptr, line: body.line}
		}
		p.obj(body)
		return u, body
	}
	return t, v
}

// dataSource reads an envoy.config.core.v3.DataSource's inline content:
// inline_string, or inline_bytes (base64). file reports a filename or
// environment_variable source whose content is not in the file.
func (p *parser) dataSource(v val) (content string, inline, file bool) {
	if !p.obj(v) {
		return "", false, false
	}
	if s := v.get("inline_string"); s.ok() {
		return p.str(s), true, false
	}
	if s := v.get("inline_bytes"); s.ok() {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p.str(s)))
		if err != nil {
			return "", false, false
		}
		return string(b), true, false
	}
	return "", false, v.get("filename").ok() || v.get("environment_variable").ok()
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
