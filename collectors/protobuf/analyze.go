package protobuf

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/types/descriptorpb"
)

// tri is a three-valued answer: no, unknown (a type could not be
// resolved), yes. "All reachable fields satisfy P" combines with min, so
// one definite "no" wins over "unknown".
type tri int8

const (
	triNo tri = iota
	triUnknown
	triYes
)

func minTri(a, b tri) tri {
	if a < b {
		return a
	}
	return b
}

func maxTri(a, b tri) tri {
	if a > b {
		return a
	}
	return b
}

// maxSensitive caps data.sensitive_fields.
const maxSensitive = 100

// agg is what the analysis knows about everything reachable from one
// message.
type agg struct {
	bounded   tri      // every string/bytes/list/map has a declared bound
	typed     tri      // no Any, Struct, Value, ListValue or HttpBody
	semantic  tri      // every string has a format, pattern or enum-like rule
	annotated tri      // some field carries a sensitivity option
	sensitive []string // "pkg.Message.field" of fields marked sensitive
}

func yesAgg() agg { return agg{bounded: triYes, typed: triYes, semantic: triYes, annotated: triNo} }

func unknownAgg() agg {
	return agg{bounded: triUnknown, typed: triUnknown, semantic: triUnknown, annotated: triUnknown}
}

func (a *agg) and(b agg) {
	a.bounded = minTri(a.bounded, b.bounded)
	a.typed = minTri(a.typed, b.typed)
	a.semantic = minTri(a.semantic, b.semantic)
	a.annotated = maxTri(a.annotated, b.annotated)
	a.sensitive = unionCap(a.sensitive, b.sensitive)
}

// unionCap merges two sorted lists, keeping the first maxSensitive: the
// result is the same whatever order lists are merged in.
func unionCap(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, min(len(a)+len(b), maxSensitive))
	i, j := 0, 0
	for (i < len(a) || j < len(b)) && len(out) < maxSensitive {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// wktAgg is what a well-known type means on its own (used as a request or
// response, or as a field without rules that apply to it).
func wktAgg(k wktKind) agg {
	a := yesAgg()
	switch k {
	case wktOpaque, wktFreeform:
		a.bounded, a.typed, a.semantic = triNo, triNo, triNo
	case wktStringWrap:
		a.bounded, a.semantic = triNo, triNo
	case wktBytesWrap, wktFieldMask:
		a.bounded = triNo
	}
	return a
}

// nodeKey is one vertex of the message graph: a message, analysed with
// validation rules in force or switched off (a skipped or disabled field
// or message: its nested rules are not enforced).
type nodeKey struct {
	m   *msgDef
	off bool
}

type gnode struct {
	key      nodeKey
	local    agg
	edges    []int
	index    int
	low      int
	onStack  bool
	expanded bool
	done     bool
	result   agg
}

// analyzer answers agg questions for the messages of one unit. Messages
// form a graph with cycles (recursive types); it is solved with an
// iterative Tarjan SCC walk, so every message is expanded once, cycles
// cost nothing extra, and hostile chains of types cannot exhaust the
// stack. Results are memoised per node.
type analyzer struct {
	b     *builder
	syms  *symtab
	ids   map[nodeKey]int
	nodes []*gnode
	next  int
}

func newAnalyzer(b *builder, s *symtab) *analyzer {
	return &analyzer{b: b, syms: s, ids: map[nodeKey]int{}}
}

// of returns the agg of a method's input or output type (nil: unresolved).
func (an *analyzer) of(m *msgDef) agg {
	if m == nil {
		return unknownAgg()
	}
	if m.wkt != wktNone {
		return wktAgg(m.wkt)
	}
	id := an.id(nodeKey{m, false})
	an.solve(id)
	return an.nodes[id].result
}

func (an *analyzer) id(k nodeKey) int {
	if id, ok := an.ids[k]; ok {
		return id
	}
	id := len(an.nodes)
	an.ids[k] = id
	an.nodes = append(an.nodes, &gnode{key: k, index: -1})
	return id
}

func (an *analyzer) solve(start int) {
	if an.nodes[start].done {
		return
	}
	type frame struct{ v, e int }
	var stack []int
	var frames []frame
	visit := func(v int) {
		n := an.nodes[v]
		n.index, n.low = an.next, an.next
		an.next++
		stack = append(stack, v)
		n.onStack = true
		if !n.expanded {
			an.expand(v)
		}
		frames = append(frames, frame{v: v})
	}
	visit(start)
	for len(frames) > 0 {
		top := &frames[len(frames)-1]
		v := top.v
		n := an.nodes[v]
		if top.e < len(n.edges) {
			w := n.edges[top.e]
			top.e++
			wn := an.nodes[w]
			switch {
			case wn.done:
			case wn.index < 0:
				visit(w)
			case wn.onStack:
				n.low = min(n.low, wn.index)
			}
			continue
		}
		frames = frames[:len(frames)-1]
		if len(frames) > 0 {
			p := an.nodes[frames[len(frames)-1].v]
			p.low = min(p.low, n.low)
		}
		if n.low != n.index {
			continue
		}
		// n is the root of a strongly connected component: pop it.
		var members []int
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			an.nodes[w].onStack = false
			members = append(members, w)
			if w == v {
				break
			}
		}
		inSCC := map[int]bool{}
		for _, w := range members {
			inSCC[w] = true
		}
		res := yesAgg()
		for _, w := range members {
			res.and(an.nodes[w].local)
			for _, e := range an.nodes[w].edges {
				if !inSCC[e] {
					res.and(an.nodes[e].result)
				}
			}
		}
		for _, w := range members {
			an.nodes[w].result = res
			an.nodes[w].done = true
			an.nodes[w].edges = nil
		}
	}
}

// expand computes a message's own contribution (its fields) and its edges
// to the messages its fields hold.
func (an *analyzer) expand(v int) {
	n := an.nodes[v]
	n.expanded = true
	m := n.key.m
	off := n.key.off || messageDisabled(an.b.msgOptions(m))
	local := yesAgg()
	for _, f := range m.d.GetField() {
		opts := an.b.fieldOptions(m, f)
		if t := sensitivity(opts); t != triNo {
			local.annotated = maxTri(local.annotated, triYes)
			if t == triYes {
				local.sensitive = unionCap(local.sensitive, []string{m.full + "." + f.GetName()})
			}
		}
		kind, child := an.syms.fieldType(m.full, f)
		var rs rules
		if !off {
			rs = fieldRules(opts)
		}
		childOff := off
		if rs.ignored() {
			rs, childOff = nil, true
		}
		formats := fieldFormats(opts)
		repeated := f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED
		if repeated && kind == kMessage && child != nil && child.d.GetOptions().GetMapEntry() {
			// map<K, V>: a synthetic entry message with key = 1, value = 2.
			local.bounded = minTri(local.bounded, boolTri(rs.sub("map").has(boundKeys{"max_pairs"})))
			for _, ef := range child.d.GetField() {
				sub := "keys"
				if ef.GetNumber() == 2 {
					sub = "values"
				}
				ek, ec := an.syms.fieldType(child.full, ef)
				an.slot(v, &local, ek, ec, rs.sub("map", sub), nil, childOff)
			}
			continue
		}
		if repeated {
			local.bounded = minTri(local.bounded, boolTri(rs.sub("repeated").has(boundKeys{"max_items"})))
			rs = rs.sub("repeated", "items")
			if rs.ignored() {
				rs, childOff = nil, true
			}
		}
		an.slot(v, &local, kind, child, rs, formats, childOff)
	}
	n.local = local
}

// slot accounts for one value: a field, a list element, a map key or
// value, under the rules that apply to it.
func (an *analyzer) slot(v int, local *agg, kind slotKind, child *msgDef, rs rules, formats []string, off bool) {
	switch kind {
	case kUnknown:
		local.and(unknownAgg())
	case kString:
		local.bounded = minTri(local.bounded, boolTri(rs.sub("string").has(stringBounds) || hasFormat(formats, boundedFormats)))
		local.semantic = minTri(local.semantic, boolTri(rs.sub("string").has(stringSemantics) || hasFormat(formats, nil)))
	case kBytes:
		local.bounded = minTri(local.bounded, boolTri(rs.sub("bytes").has(bytesBounds)))
	case kMessage:
		switch child.wkt {
		case wktNone:
			w := an.id(nodeKey{child, off})
			an.nodes[v].edges = append(an.nodes[v].edges, w)
		case wktStringWrap:
			an.slot(v, local, kString, nil, rs, formats, off)
		case wktBytesWrap:
			an.slot(v, local, kBytes, nil, rs, formats, off)
		case wktFieldMask:
			local.bounded = minTri(local.bounded, boolTri(rs.sub("field_mask").has(boundKeys{"in", "const"})))
		default:
			local.and(wktAgg(child.wkt))
		}
	}
}

func boolTri(b bool) tri {
	if b {
		return triYes
	}
	return triNo
}

// rules are the FieldRules that apply to a value: protoc-gen-validate's
// (validate.rules) and protovalidate's (buf.validate.field) share their
// shape (string, bytes, repeated.items, map.keys/values...).
type rules []*optNode

func fieldRules(opts *optNode) rules {
	var rs rules
	for _, name := range []string{"validate.rules", "buf.validate.field"} {
		if n := opts.get(name); n != nil && n.isMsg {
			rs = append(rs, n)
		}
	}
	return rs
}

func (rs rules) sub(names ...string) rules {
	var out rules
	for _, r := range rs {
		if n := r.path(names...); n != nil && n.isMsg {
			out = append(out, n)
		}
	}
	return out
}

// ignored reports rules that switch validation off for the value:
// protovalidate's ignore: IGNORE_ALWAYS (and the older skipped: true),
// protoc-gen-validate's message.skip: true.
func (rs rules) ignored() bool {
	for _, r := range rs {
		if r.get("ignore").text() == "IGNORE_ALWAYS" || r.get("skipped").isTrue() || r.path("message", "skip").isTrue() {
			return true
		}
	}
	return false
}

// boundKeys lists rule fields that bound a value when present; a name
// ending in "?" is a boolean rule that counts only when true.
type boundKeys []string

func (rs rules) has(keys boundKeys) bool {
	for _, r := range rs {
		for _, k := range keys {
			if name, isBool := strings.CutSuffix(k, "?"); isBool {
				if r.get(name).isTrue() {
					return true
				}
				continue
			}
			if v := r.get(k); v != nil {
				if k == "well_known_regex" && (v.text() == "UNKNOWN" || v.text() == "0") {
					continue
				}
				return true
			}
		}
	}
	return false
}

var (
	// Length bounds, closed sets, patterns, and formats whose values have
	// a bounded length (PGV and protovalidate reject an e-mail address
	// over 254 bytes and a hostname over 253). uri and uri_ref do not
	// bound a length, so they only count as semantic types.
	stringBounds = boundKeys{"max_len", "len", "max_bytes", "len_bytes", "pattern", "in", "const",
		"email?", "hostname?", "ip?", "ipv4?", "ipv6?", "uuid?", "tuuid?", "address?", "ulid?",
		"ip_with_prefixlen?", "ipv4_with_prefixlen?", "ipv6_with_prefixlen?",
		"ip_prefix?", "ipv4_prefix?", "ipv6_prefix?", "host_and_port?"}
	stringSemantics = append(boundKeys{"uri?", "uri_ref?", "well_known_regex"}, stringBounds[4:]...)
	bytesBounds     = boundKeys{"max_len", "len", "pattern", "in", "const", "ip?", "ipv4?", "ipv6?", "uuid?"}
	boundedFormats  = []string{"UUID4", "IPV4", "IPV6", "IPV4_OR_IPV6"}
)

// fieldFormats returns google.api.field_info's format when set.
func fieldFormats(opts *optNode) []string {
	f := opts.path("google.api.field_info", "format").text()
	if f == "" || f == "FORMAT_UNSPECIFIED" || f == "0" {
		return nil
	}
	return []string{f}
}

// hasFormat reports a format among want (any format when want is nil).
func hasFormat(formats, want []string) bool {
	for _, f := range formats {
		if want == nil {
			return true
		}
		for _, w := range want {
			if f == w {
				return true
			}
		}
	}
	return false
}

// messageDisabled reports a message whose validation is switched off:
// protoc-gen-validate's (validate.disabled) or (validate.ignored),
// protovalidate's (buf.validate.message).disabled.
func messageDisabled(opts *optNode) bool {
	return opts.get("validate.disabled").isTrue() || opts.get("validate.ignored").isTrue() ||
		opts.path("buf.validate.message", "disabled").isTrue()
}

// sensitivity reads a field's sensitivity annotation: the standard
// debug_redact option (descriptor.proto, protobuf 22+) or a custom option
// whose name contains sensitive, pii, redact or secret. triNo: none;
// triUnknown: annotated but not marked sensitive (false, NONE, PUBLIC...);
// triYes: marked sensitive.
func sensitivity(opts *optNode) tri {
	out := triNo
	for _, f := range opts.fields {
		if !(f.name == "debug_redact" && !f.ext) && !(f.ext && sensitiveName(f.name)) {
			continue
		}
		if truthy(f.val) {
			return triYes
		}
		out = triUnknown
	}
	return out
}

func sensitiveName(name string) bool {
	l := strings.ToLower(name)
	for _, w := range []string{"sensitive", "pii", "redact", "secret"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// truthy: true, a non-zero number, a non-empty message, or an enum value
// other than one meaning "not sensitive".
func truthy(n *optNode) bool {
	if n == nil {
		return false
	}
	if n.isMsg {
		return len(n.fields) > 0
	}
	s := strings.ToUpper(n.scalar)
	switch s {
	case "", "FALSE", "0":
		return false
	}
	for _, w := range []string{"NONE", "PUBLIC", "UNSPECIFIED", "UNKNOWN", "NOT_SENSITIVE", "NON_SENSITIVE"} {
		if s == w || strings.HasSuffix(s, "_"+w) {
			return false
		}
	}
	return true
}

// usesSensitivity reports whether any field of the file carries a
// sensitivity option (memoised per file by the builder).
func (b *builder) usesSensitivity(fv fileView) bool {
	if v, ok := b.fileSens[fv.fd]; ok {
		return v
	}
	found := false
	var walk func(scope string, ms []*descriptorpb.DescriptorProto)
	walk = func(scope string, ms []*descriptorpb.DescriptorProto) {
		for _, m := range ms {
			if found {
				return
			}
			full := join(scope, m.GetName())
			for _, f := range m.GetField() {
				if sensitivity(b.fieldOptionsOf(f, fv.res)) != triNo {
					found = true
					return
				}
			}
			walk(full, m.GetNestedType())
		}
	}
	walk(fv.fd.GetPackage(), fv.fd.GetMessageType())
	b.fileSens[fv.fd] = found
	return found
}

// sortedUnique sorts and dedupes a string list in place.
func sortedUnique(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return dedupe(out)
}
