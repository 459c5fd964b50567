package protobuf

import (
	"sort"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// optNode is an option value as a tree. It has the same shape whether the
// linker interpreted the option (read back through protoreflect) or the
// file could not be linked and the option is read from the source (the AST
// of an uninterpreted option), so every fact is derived by one code path.
//
// A scalar is kept as text: "true", "10", an enum value name, a string's
// contents. A message keeps its fields in order; a repeated field or a map
// repeats its name (a map entry being a message with "key" and "value"),
// which is also how the protobuf text format writes them.
type optNode struct {
	scalar string
	isMsg  bool
	fields []optField
}

type optField struct {
	name string // field name, or an extension's full name ("google.api.http")
	ext  bool   // an extension (a custom option)
	val  *optNode
}

// get returns the first field called name. An extension matches by its
// full name or, for names written relative to a package in a file that
// could not be linked, by a dot-separated suffix of the full name.
func (n *optNode) get(name string) *optNode {
	if n == nil {
		return nil
	}
	for _, f := range n.fields {
		if nameMatches(f.name, name) {
			return f.val
		}
	}
	return nil
}

// all returns every value of a repeated field.
func (n *optNode) all(name string) []*optNode {
	if n == nil {
		return nil
	}
	var out []*optNode
	for _, f := range n.fields {
		if nameMatches(f.name, name) {
			out = append(out, f.val)
		}
	}
	return out
}

// path follows get through nested messages.
func (n *optNode) path(names ...string) *optNode {
	for _, name := range names {
		n = n.get(name)
	}
	return n
}

// isTrue reports a boolean option set to true.
func (n *optNode) isTrue() bool { return n != nil && !n.isMsg && n.scalar == "true" }

// text is a scalar's text, "" for a message or nil.
func (n *optNode) text() string {
	if n == nil || n.isMsg {
		return ""
	}
	return n.scalar
}

// nameMatches compares a stored field name with the name looked up. Both
// may be extension names; written names may be relative ("http" for
// "google.api.http" inside package google.api), so a suffix at a dot
// boundary also matches.
func nameMatches(stored, want string) bool {
	if stored == want {
		return true
	}
	if len(stored) < len(want) && strings.HasSuffix(want, stored) && want[len(want)-len(stored)-1] == '.' {
		return true
	}
	return false
}

// child returns the message-valued field name, creating it; used to merge
// `(a).b.c = 1` and `(a).b.d = 2` into one tree the way protoc does.
func (n *optNode) child(name string, ext bool) *optNode {
	for _, f := range n.fields {
		if f.name == name && f.val.isMsg {
			return f.val
		}
	}
	c := &optNode{isMsg: true}
	n.fields = append(n.fields, optField{name, ext, c})
	return c
}

func (n *optNode) add(name string, ext bool, v *optNode) {
	n.fields = append(n.fields, optField{name, ext, v})
}

// optionTree builds the tree of an options message (FileOptions,
// MethodOptions, FieldOptions...): the fields the linker interpreted plus,
// for what was left uninterpreted, the option statements of the source.
// res may be nil (a descriptor without source); opts may be nil.
func optionTree(opts proto.Message, res parser.Result) *optNode {
	root := &optNode{isMsg: true}
	if opts == nil {
		return root
	}
	m := opts.ProtoReflect()
	if !m.IsValid() {
		return root
	}
	addMessageFields(root, m)
	var uninterpreted []*descriptorpb.UninterpretedOption
	if fd := m.Descriptor().Fields().ByName("uninterpreted_option"); fd != nil && m.Has(fd) {
		l := m.Get(fd).List()
		for i := 0; i < l.Len(); i++ {
			if uo, ok := l.Get(i).Message().Interface().(*descriptorpb.UninterpretedOption); ok {
				uninterpreted = append(uninterpreted, uo)
			}
		}
	}
	for _, uo := range uninterpreted {
		if res == nil {
			addUninterpreted(root, uo)
			continue
		}
		on, ok := res.OptionNode(uo).(*ast.OptionNode)
		if !ok || on.Name == nil || on.Val == nil {
			addUninterpreted(root, uo)
			continue
		}
		addOptionNode(root, on)
	}
	return root
}

// addMessageFields copies the set fields of m (known fields and extensions,
// not uninterpreted_option) into n.
func addMessageFields(n *optNode, m protoreflect.Message) {
	type entry struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var set []entry
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Name() != "uninterpreted_option" {
			set = append(set, entry{fd, v})
		}
		return true
	})
	// Range order is unspecified; field number order is stable.
	sort.Slice(set, func(i, j int) bool { return set[i].fd.Number() < set[j].fd.Number() })
	for _, e := range set {
		name := string(e.fd.Name())
		if e.fd.IsExtension() {
			name = string(e.fd.FullName())
		}
		switch {
		case e.fd.IsList():
			l := e.v.List()
			for i := 0; i < l.Len(); i++ {
				n.add(name, e.fd.IsExtension(), valueNode(e.fd, l.Get(i)))
			}
		case e.fd.IsMap():
			type kv struct {
				k string
				v protoreflect.Value
			}
			var entries []kv
			e.v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				entries = append(entries, kv{k.String(), v})
				return true
			})
			sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
			for _, en := range entries {
				ent := &optNode{isMsg: true}
				ent.add("key", false, &optNode{scalar: en.k})
				ent.add("value", false, valueNode(e.fd.MapValue(), en.v))
				n.add(name, e.fd.IsExtension(), ent)
			}
		default:
			n.add(name, e.fd.IsExtension(), valueNode(e.fd, e.v))
		}
	}
}

func valueNode(fd protoreflect.FieldDescriptor, v protoreflect.Value) *optNode {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		c := &optNode{isMsg: true}
		addMessageFields(c, v.Message())
		return c
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return &optNode{scalar: string(ev.Name())}
		}
		return &optNode{scalar: strconv.Itoa(int(v.Enum()))}
	case protoreflect.BytesKind:
		return &optNode{scalar: string(v.Bytes())}
	default:
		return &optNode{scalar: v.String()}
	}
}

// addUninterpreted is the fallback for an uninterpreted option without a
// source node: its name path and scalar value (aggregates are left out).
func addUninterpreted(root *optNode, uo *descriptorpb.UninterpretedOption) {
	parts := uo.GetName()
	if len(parts) == 0 {
		return
	}
	n := root
	for _, p := range parts[:len(parts)-1] {
		n = n.child(strings.TrimPrefix(p.GetNamePart(), "."), p.GetIsExtension())
	}
	var v *optNode
	switch {
	case uo.IdentifierValue != nil:
		v = &optNode{scalar: uo.GetIdentifierValue()}
	case uo.StringValue != nil:
		v = &optNode{scalar: string(uo.GetStringValue())}
	case uo.PositiveIntValue != nil:
		v = &optNode{scalar: strconv.FormatUint(uo.GetPositiveIntValue(), 10)}
	case uo.NegativeIntValue != nil:
		v = &optNode{scalar: strconv.FormatInt(uo.GetNegativeIntValue(), 10)}
	case uo.DoubleValue != nil:
		v = &optNode{scalar: strconv.FormatFloat(uo.GetDoubleValue(), 'g', -1, 64)}
	default:
		v = &optNode{isMsg: true}
	}
	last := parts[len(parts)-1]
	n.add(strings.TrimPrefix(last.GetNamePart(), "."), last.GetIsExtension(), v)
}

// addOptionNode merges one option statement of the source into root:
// `(validate.rules).string.max_len = 3` becomes
// root["validate.rules"]["string"]["max_len"] = "3".
func addOptionNode(root *optNode, on *ast.OptionNode) {
	parts := on.Name.Parts
	if len(parts) == 0 {
		return
	}
	n := root
	for _, p := range parts[:len(parts)-1] {
		n = n.child(refName(p), p.IsExtension())
	}
	last := parts[len(parts)-1]
	for _, v := range astValues(on.Val) {
		n.add(refName(last), last.IsExtension(), v)
	}
}

// refName is the name of a field reference: "max_len", or an extension
// name without its parentheses and leading dot.
func refName(r *ast.FieldReferenceNode) string {
	if r == nil || r.Name == nil {
		return ""
	}
	return strings.TrimPrefix(string(r.Name.AsIdentifier()), ".")
}

// astValues converts a value of the source. An array literal gives one
// node per element (a repeated field); the parser's own depth limit and
// the pre-scan of Parse bound the recursion.
func astValues(v ast.ValueNode) []*optNode {
	switch v := v.(type) {
	case *ast.ArrayLiteralNode:
		var out []*optNode
		for _, e := range v.Elements {
			out = append(out, astValues(e)...)
		}
		return out
	case *ast.MessageLiteralNode:
		n := &optNode{isMsg: true}
		for _, f := range v.Elements {
			if f == nil || f.Name == nil || f.Val == nil {
				continue
			}
			name := refName(f.Name)
			for _, fv := range astValues(f.Val) {
				n.add(name, f.Name.IsExtension(), fv)
			}
		}
		return []*optNode{n}
	case nil:
		return nil
	}
	switch x := v.Value().(type) {
	case string:
		return []*optNode{{scalar: x}}
	case ast.Identifier:
		return []*optNode{{scalar: string(x)}}
	case uint64:
		return []*optNode{{scalar: strconv.FormatUint(x, 10)}}
	case int64:
		return []*optNode{{scalar: strconv.FormatInt(x, 10)}}
	case float64:
		return []*optNode{{scalar: strconv.FormatFloat(x, 'g', -1, 64)}}
	}
	return []*optNode{{}}
}
