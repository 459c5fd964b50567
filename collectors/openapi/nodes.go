package openapi

import (
	"strconv"
	"strings"

	yaml "github.com/pb33f/go-yaml"
)

// Helpers over the raw YAML tree that libopenapi parsed (JSON documents are
// parsed into the same node type). They follow YAML aliases and "<<" merge
// keys, and treat a node of the wrong kind as absent rather than failing:
// structural errors that matter are reported by the callers with a pointer.

// deref follows alias nodes.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isMap(n *yaml.Node) bool { n = deref(n); return n != nil && n.Kind == yaml.MappingNode }
func isSeq(n *yaml.Node) bool { n = deref(n); return n != nil && n.Kind == yaml.SequenceNode }

// kindName names a node's kind for error messages.
func kindName(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "an array"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar"
	}
	return "a node"
}

// pair is one mapping entry.
type pair struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node // alias-resolved
}

// pairs returns the entries of a mapping in document order, with merge
// keys ("<<: *base") expanded; explicit keys win over merged ones. A
// non-mapping yields nothing.
func pairs(n *yaml.Node) []pair {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	hasMerge := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			hasMerge = true
			continue
		}
		out = append(out, pair{Key: k.Value, KeyN: k, Value: deref(n.Content[i+1])})
	}
	if !hasMerge {
		return out
	}
	seen := make(map[string]bool, len(out))
	for _, p := range out {
		seen[p.Key] = true
	}
	var merge func(m *yaml.Node, depth int)
	merge = func(m *yaml.Node, depth int) {
		m = deref(m)
		if m == nil || depth > 16 {
			return
		}
		switch m.Kind {
		case yaml.SequenceNode:
			for _, c := range m.Content {
				merge(c, depth+1)
			}
		case yaml.MappingNode:
			for _, p := range pairs(m) {
				if !seen[p.Key] {
					seen[p.Key] = true
					out = append(out, p)
				}
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k != nil && k.Value == "<<" && k.Tag == "!!merge" {
			merge(n.Content[i+1], 0)
		}
	}
	return out
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	merged := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == key && k.Tag != "!!merge" {
			return deref(n.Content[i+1])
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			merged = true
		}
	}
	if merged {
		for _, p := range pairs(n) {
			if p.Key == key {
				return p.Value
			}
		}
	}
	return nil
}

// has reports whether mapping n has key (even with a null value).
func has(n *yaml.Node, key string) bool {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	merged := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == key && k.Tag != "!!merge" {
			return true
		}
		merged = merged || (k.Value == "<<" && k.Tag == "!!merge")
	}
	if merged { // pairs expands the merge keys
		for _, p := range pairs(n) {
			if p.Key == key {
				return true
			}
		}
	}
	return false
}

// str returns the scalar value of key, trimmed, or "".
func str(n *yaml.Node, key string) string {
	v := get(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(v.Value)
}

// boolVal reports whether n is the scalar true.
func boolVal(n *yaml.Node) bool {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	b, err := strconv.ParseBool(n.Value)
	return err == nil && b
}

func isFalse(n *yaml.Node) bool {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	b, err := strconv.ParseBool(n.Value)
	return err == nil && !b
}

// items returns the elements of a sequence (alias-resolved).
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c = deref(c); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// strings returns the scalar values of a sequence, or the one scalar.
func scalars(n *yaml.Node) []string {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	}
	var out []string
	for _, c := range items(n) {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// line returns n's line, or 0.
func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// child appends one token to a JSON pointer.
func child(ptr, token string) string { return ptr + "/" + escapeToken(token) }

func childIndex(ptr string, i int) string { return ptr + "/" + strconv.Itoa(i) }

// isExtension reports whether key is a specification extension.
func isExtension(key string) bool {
	return len(key) > 2 && (key[0] == 'x' || key[0] == 'X') && key[1] == '-'
}
