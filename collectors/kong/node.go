package kong

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nd is a node of the parsed document together with its JSON pointer, so
// every error can say where it is. Aliases are followed and merge keys
// ("<<") honoured on access; safedecode has bounded what they can expand to
// before the tree gets here.
type nd struct {
	n   *yaml.Node
	ptr string
}

// resolve follows alias nodes (an anchored node is never itself an alias,
// but the loop is bounded anyway).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func mk(n *yaml.Node, ptr string) nd { return nd{resolve(n), ptr} }

// line is the node's line, 0 when unknown.
func (x nd) line() int {
	if x.n == nil {
		return 0
	}
	return x.n.Line
}

// null reports a missing node or an explicit null.
func (x nd) null() bool {
	return x.n == nil || (x.n.Kind == yaml.ScalarNode && x.n.Tag == "!!null")
}

func (x nd) isMap() bool { return x.n != nil && x.n.Kind == yaml.MappingNode }
func (x nd) isSeq() bool { return x.n != nil && x.n.Kind == yaml.SequenceNode }

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// get returns the value of key in a mapping (the last one when a JSON
// object repeats a key, as encoding/json does), looking into merged
// mappings when the key is not set directly. A missing key gives a null nd.
func (x nd) get(key string) nd {
	ptr := x.ptr + "/" + escapePointer(key)
	if !x.isMap() {
		return nd{nil, ptr}
	}
	if v := lookup(x.n, key, 0); v != nil {
		return nd{v, ptr}
	}
	return nd{nil, ptr}
}

// maxMergeVisits bounds the mappings one lookup may visit through merge
// keys ("<<: [*a, *b]", nested), so a hostile chain of merges cannot make
// a lookup exponential. Real files merge one to three mappings.
const maxMergeVisits = 64

func lookup(m *yaml.Node, key string, depth int) *yaml.Node {
	visits := 0
	return lookupIn(m, key, depth, &visits)
}

func lookupIn(m *yaml.Node, key string, depth int, visits *int) *yaml.Node {
	if *visits++; depth > 8 || *visits > maxMergeVisits {
		return nil
	}
	var found *yaml.Node
	var merges []*yaml.Node
	c := m.Content
	for i := 0; i+1 < len(c); i += 2 {
		k := resolve(c[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Tag == "!!merge" {
			merges = append(merges, resolve(c[i+1]))
		} else if k.Value == key {
			found = resolve(c[i+1])
		}
	}
	if found != nil {
		return found
	}
	for _, mv := range merges {
		if mv == nil {
			continue
		}
		switch mv.Kind {
		case yaml.MappingNode:
			if v := lookupIn(mv, key, depth+1, visits); v != nil {
				return v
			}
		case yaml.SequenceNode:
			for _, s := range mv.Content {
				if s = resolve(s); s != nil && s.Kind == yaml.MappingNode {
					if v := lookupIn(s, key, depth+1, visits); v != nil {
						return v
					}
				}
			}
		}
	}
	return nil
}

// keys lists a mapping's own keys in order (merged keys are not listed).
func (x nd) keys() []string {
	if !x.isMap() {
		return nil
	}
	var out []string
	c := x.n.Content
	for i := 0; i+1 < len(c); i += 2 {
		if k := resolve(c[i]); k != nil && k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			out = append(out, k.Value)
		}
	}
	return out
}

// items returns the elements of a sequence.
func (x nd) items() []nd {
	if !x.isSeq() {
		return nil
	}
	out := make([]nd, 0, len(x.n.Content))
	for i, c := range x.n.Content {
		out = append(out, mk(c, x.ptr+"/"+strconv.Itoa(i)))
	}
	return out
}

// scalar returns the text of a non-null scalar.
func (x nd) scalar() (string, bool) {
	if x.n == nil || x.n.Kind != yaml.ScalarNode || x.n.Tag == "!!null" {
		return "", false
	}
	return x.n.Value, true
}

// str returns a scalar as a string; anything else is "" (lenient reads of
// optional fields).
func (x nd) str() string {
	s, _ := x.scalar()
	return s
}

// strList reads a list of scalars. A null is an empty list; a lone scalar
// is accepted as a list of one only when single is true.
func (x nd) strList() ([]string, bool) {
	if x.null() {
		return nil, true
	}
	if !x.isSeq() {
		return nil, false
	}
	out := make([]string, 0, len(x.n.Content))
	for _, it := range x.items() {
		s, ok := it.scalar()
		if !ok {
			if it.null() {
				continue
			}
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// num reads a number (int or float tag, or a numeric string from a
// lenient writer).
func (x nd) num() (float64, bool) {
	s, ok := x.scalar()
	if !ok {
		return 0, false
	}
	switch x.n.Tag {
	case "!!int":
		s = strings.ReplaceAll(s, "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), true
		}
		if u, err := strconv.ParseUint(s, 0, 64); err == nil {
			return float64(u), true
		}
		return 0, false
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// boolean reads a boolean.
func (x nd) boolean() (bool, bool) {
	s, ok := x.scalar()
	if !ok || x.n.Tag != "!!bool" {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	return false, false
}

// ---- JSON input ----

// jsonNode decodes a JSON text (already checked by safedecode for syntax
// and depth) into the same yaml.Node tree the YAML path produces, with
// line and column numbers, so the rest of the parser sees one shape.
// go-yaml cannot read every JSON text (it rejects the "\/" escape that
// Kong's Admin API emits), hence this converter.
func jsonNode(data []byte) (*yaml.Node, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	pc := posCounter{data: data, line: 1}
	n, err := jsonValue(dec, &pc, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data after the top-level value")
	}
	return n, nil
}

// posCounter turns the decoder's byte offsets into lines and columns,
// moving forward only, so the whole document costs one pass.
type posCounter struct {
	data      []byte
	off       int
	line      int
	lineStart int
}

// at returns the position of the first token byte at or after off.
func (p *posCounter) at(off int64) (int, int) {
	o := int(off)
	for o < len(p.data) {
		c := p.data[o]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' {
			o++
			continue
		}
		break
	}
	for p.off < o && p.off < len(p.data) {
		if p.data[p.off] == '\n' {
			p.line++
			p.lineStart = p.off + 1
		}
		p.off++
	}
	return p.line, o - p.lineStart + 1
}

const jsonMaxDepth = 10000 // safedecode has already enforced the real limit

func jsonValue(dec *json.Decoder, pc *posCounter, depth int) (*yaml.Node, error) {
	if depth > jsonMaxDepth {
		return nil, fmt.Errorf("nesting too deep")
	}
	line, col := pc.at(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
			for dec.More() {
				kl, kc := pc.at(dec.InputOffset())
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ks, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := jsonValue(dec, pc, depth+1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ks, Line: kl, Column: kc}, v)
			}
		case '[':
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
			for dec.More() {
				v, err := jsonValue(dec, pc, depth+1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", t)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", t
	case json.Number:
		n.Kind, n.Value = yaml.ScalarNode, string(t)
		n.Tag = "!!float"
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	default:
		return nil, fmt.Errorf("unexpected token %v", tok)
	}
	return n, nil
}
