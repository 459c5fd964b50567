package openapi

import (
	"slices"
	"strconv"
	"strings"

	yaml "github.com/pb33f/go-yaml"
)

// Schema analysis.
//
// Every schema-derived endpoint fact is an aggregate over the schemas
// reachable from the operation's parameters and bodies: "some reachable
// string is unbounded", "some reachable object accepts unknown properties",
// the set of annotated fields. Schemas form a graph (components reference
// each other, recursion is legal), so the engine runs Tarjan's algorithm
// over it: each strongly connected component reaches exactly the same
// schemas, so all its members share one aggregate, computed once. Every
// schema is therefore analysed once per view however many operations use it
// and however it recurses, and nothing loops.
//
// Each schema S is two graph nodes per view:
//
//   - full(S): S used as a value. It checks S's own shape, with the keywords
//     of its allOf members and of a $ref beside siblings merged in (so
//     allOf: [{$ref: Name}, {maxLength: 9}] is a bounded string), and leads
//     to deep(S).
//   - deep(S): what S contains: sensitivity annotations on S itself,
//     full(child) for every property, item, additionalProperties,
//     patternProperties and oneOf/anyOf alternative, and deep(member) for
//     allOf members and a composite $ref target, whose own shape is already
//     merged into S (so additionalProperties: false need not be repeated on
//     every allOf member).
//
// The request view skips readOnly properties, the response view writeOnly
// ones: a server-assigned id does not need a bound in the request.

type view uint8

const (
	viewRequest view = iota
	viewResponse
)

type part uint8

const (
	partFull part = iota
	partDeep
)

// flags are the aggregated findings; each means "some reachable schema...".
type flags uint8

const (
	fUnbounded  flags = 1 << iota // ...is a string/number/array (or untyped) input without a bound
	fUnsemantic                   // ...is a string without format, pattern, enum or const
	fOpenObject                   // ...is an object not closed by additionalProperties/unevaluatedProperties false
	fAnnotated                    // ...carries a sensitivity annotation
	fUnresolved                   // ...could not be followed (external $ref not available)
)

// agg is the aggregate of a graph node: flags, the JSON pointers of
// fields annotated as sensitive (sorted, unique, shared read-only), and
// for each of fUnbounded, fUnsemantic and fOpenObject the first maxSites
// schemas in document order that set it (sorted, shared read-only; see
// notes.go).
type agg struct {
	sensitive []string
	at        []site
	f         flags
}

// merge adds b to a; new site lists are carved from sl.
func (a *agg) merge(b agg, sl *siteSlab) {
	a.f |= b.f
	a.sensitive = mergeSorted(a.sensitive, b.sensitive)
	a.at = sl.merge(a.at, b.at)
}

// mergeSorted unions two sorted unique slices, reusing one of them when
// the other adds nothing.
func mergeSorted(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	out = append(out, b[j:]...)
	if len(out) == len(a) {
		return a
	}
	if len(out) == len(b) {
		return b
	}
	return out
}

// type bits
const (
	tString uint16 = 1 << iota
	tNumber
	tInteger
	tArray
	tObject
	tBoolean
	tNull
	tFile // Swagger 2.0 formData upload
)

var typeBits = map[string]uint16{
	"string": tString, "number": tNumber, "integer": tInteger, "array": tArray,
	"object": tObject, "boolean": tBoolean, "null": tNull, "file": tFile,
}

// boundedFormats are string formats whose values have a fixed maximum
// length by definition.
var boundedFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "uuid": true, "ipv4": true, "ipv6": true,
}

// shape is what a schema says about its own value, merged over itself,
// its allOf members and a composite $ref target.
type shape struct {
	types                               uint16
	maxLength, enum, pattern            bool
	format, boundedFormat               bool
	maximum, maxItems                   bool
	closed, objectLike, hasItems        bool
	readOnly, writeOnly                 bool
	anyOf                               bool // has oneOf/anyOf alternatives
	altTyped                            bool // every oneOf/anyOf alternative is typed
	unresolved                          bool
	emptyMap, boolTrue, boolFalse, none bool // no keywords at all / `true` / `false` / not a schema
}

// typed reports whether the schema constrains the kind of its value.
func (s *shape) typed() bool {
	return s.types != 0 || s.objectLike || s.hasItems || s.enum || (s.anyOf && s.altTyped) || s.boolFalse
}

// snode is one schema: its canonical location and analysis state.
type snode struct {
	l     loc
	shape *shape
	vs    [4]vstate // per view × part
}

type vstate struct {
	index, low int32 // Tarjan; index 0 = unvisited
	onStack    bool
	done       bool
	acc        agg // own contribution + finished successors; final when done
}

type vref struct {
	s *snode
	v view
	p part
}

func (r vref) state() *vstate { return &r.s.vs[int(r.v)*2+int(r.p)] }

type engine struct {
	p       *parser
	nodes   map[*yaml.Node]*snode
	counter int32
	stack   []vref
	shaping map[*snode]bool // shapes being computed (cycle guard)
	unres   *snode          // the placeholder for an unresolvable $ref
	sites   siteSlab        // where the aggregates' site lists live
}

func newEngine(p *parser) *engine {
	e := &engine{p: p, nodes: map[*yaml.Node]*snode{}, shaping: map[*snode]bool{}}
	e.unres = &snode{shape: &shape{unresolved: true}}
	return e
}

// node returns the canonical schema at l: pure $refs are followed; an
// unresolvable one gives the placeholder.
func (e *engine) node(l loc) (*snode, error) {
	if l.node == nil {
		return nil, nil
	}
	t, ok, err := e.p.res.resolve(l, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return e.unres, nil
	}
	if s, ok := e.nodes[t.node]; ok {
		return s, nil
	}
	s := &snode{l: t}
	e.nodes[t.node] = s
	return s, nil
}

// schemaAgg returns the aggregate of the schema at l in view v.
func (e *engine) schemaAgg(l loc, v view) (agg, *snode, error) {
	s, err := e.node(l)
	if err != nil || s == nil {
		return agg{}, s, err
	}
	a, err := e.result(vref{s, v, partFull})
	return a, s, err
}

func (e *engine) result(r vref) (agg, error) {
	st := r.state()
	if !st.done {
		if err := e.strongconnect(r); err != nil {
			return agg{}, err
		}
	}
	return st.acc, nil
}

// tframe is one graph node being visited by strongconnect.
type tframe struct {
	r    vref
	succ []vref
	next int
}

// strongconnect is Tarjan's algorithm, iterative so that a hostile chain
// of a million schemas cannot exhaust the goroutine stack.
func (e *engine) strongconnect(root vref) error {
	var frames []tframe
	push := func(r vref) error {
		st := r.state()
		e.counter++
		st.index, st.low = e.counter, e.counter
		st.onStack = true
		e.stack = append(e.stack, r)
		own, succ, err := e.expand(r)
		if err != nil {
			return err
		}
		st.acc = own
		frames = append(frames, tframe{r: r, succ: succ})
		return nil
	}
	if err := push(root); err != nil {
		return err
	}
	for len(frames) > 0 {
		f := &frames[len(frames)-1]
		st := f.r.state()
		if f.next < len(f.succ) {
			w := f.succ[f.next]
			f.next++
			ws := w.state()
			switch {
			case ws.index == 0:
				if err := push(w); err != nil {
					return err
				}
			case ws.onStack:
				if ws.index < st.low {
					st.low = ws.index
				}
			default:
				st.acc.merge(ws.acc, &e.sites)
			}
			continue
		}
		// All successors seen.
		if st.low == st.index {
			// f.r roots a component: everything in it reaches the same
			// schemas, so all members share one aggregate.
			i := len(e.stack) - 1
			for e.stack[i] != f.r {
				i--
			}
			members := e.stack[i:]
			total := st.acc
			for _, m := range members[1:] {
				total.merge(m.state().acc, &e.sites)
			}
			for _, m := range members {
				ms := m.state()
				ms.acc = total
				ms.onStack = false
				ms.done = true
			}
			e.stack = e.stack[:i]
		}
		frames = frames[:len(frames)-1]
		if len(frames) > 0 {
			ps := frames[len(frames)-1].r.state()
			if st.done {
				ps.acc.merge(st.acc, &e.sites)
			} else if st.low < ps.low {
				ps.low = st.low
			}
		}
	}
	return nil
}

// expand returns a graph node's own contribution and its successors.
func (e *engine) expand(r vref) (agg, []vref, error) {
	s := r.s
	if s == e.unres {
		return agg{f: fUnresolved}, nil, nil
	}
	if r.p == partFull {
		sh, err := e.shapeOf(s)
		if err != nil {
			return agg{}, nil, err
		}
		f, w := shapeFlags(sh)
		return agg{f: f, at: e.sites.newSites(s.l, f&viewSiteFlags(r.v), w)}, []vref{{s, r.v, partDeep}}, nil
	}
	var own agg
	var succ []vref
	n := s.l.node
	if !isMap(n) {
		return own, nil, nil
	}
	add := func(cl loc, p part, filter bool) error {
		c, err := e.node(cl)
		if err != nil || c == nil {
			return err
		}
		if filter && c != e.unres {
			sh, err := e.shapeOf(c)
			if err != nil {
				return err
			}
			if (r.v == viewRequest && sh.readOnly) || (r.v == viewResponse && sh.writeOnly) {
				return nil
			}
		}
		succ = append(succ, vref{c, r.v, p})
		return nil
	}
	at := func(key string, v *yaml.Node) loc { return loc{doc: s.l.doc, node: v, ptr: child(s.l.ptr, key)} }
	for _, kv := range pairs(n) {
		var err error
		switch kv.Key {
		case "$ref":
			if !isPureRef(n) {
				var t loc
				var ok bool
				t, ok, err = e.p.res.hop(s.l)
				if err == nil {
					if !ok {
						own.f |= fUnresolved
					} else {
						err = add(t, partDeep, false)
					}
				}
			}
		case "allOf":
			for i, m := range items(kv.Value) {
				if err = add(loc{s.l.doc, deref(m), childIndex(child(s.l.ptr, kv.Key), i)}, partDeep, false); err != nil {
					break
				}
			}
		case "oneOf", "anyOf", "prefixItems":
			for i, m := range items(kv.Value) {
				if err = add(loc{s.l.doc, deref(m), childIndex(child(s.l.ptr, kv.Key), i)}, partFull, false); err != nil {
					break
				}
			}
		case "items":
			if isSeq(kv.Value) { // draft-4 tuple form
				for i, m := range items(kv.Value) {
					if err = add(loc{s.l.doc, deref(m), childIndex(child(s.l.ptr, kv.Key), i)}, partFull, false); err != nil {
						break
					}
				}
			} else {
				err = add(at(kv.Key, kv.Value), partFull, false)
			}
		case "additionalProperties", "unevaluatedProperties":
			if isMap(kv.Value) {
				err = add(at(kv.Key, kv.Value), partFull, false)
			}
		case "properties", "patternProperties":
			base := child(s.l.ptr, kv.Key)
			for _, prop := range pairs(kv.Value) {
				if err = add(loc{s.l.doc, prop.Value, child(base, prop.Key)}, partFull, kv.Key == "properties"); err != nil {
					break
				}
			}
		default:
			if isSensitivityKey(kv.Key) {
				own.f |= fAnnotated
				if sensitiveValue(kv.Value) {
					own.sensitive = []string{s.l.String()}
				}
			}
		}
		if err != nil {
			return agg{}, nil, err
		}
	}
	return own, succ, nil
}

// shapeFlags checks one merged shape (see the fact definitions in doc.go)
// and says why each flag is set.
func shapeFlags(sh *shape) (flags, why) {
	var f flags
	var w why
	if sh.unresolved {
		f |= fUnresolved
	}
	if sh.none || sh.boolFalse {
		return f, w
	}
	t := sh.types
	if t == 0 {
		switch {
		case sh.objectLike:
			t = tObject
		case sh.hasItems:
			t = tArray
		case sh.enum, sh.anyOf && sh.altTyped, sh.unresolved:
			return f, w // alternatives are checked on their own
		default:
			return f | fUnbounded, wAny // accepts any value
		}
	}
	if t&tString != 0 {
		if !(sh.maxLength || sh.enum || sh.pattern || sh.boundedFormat) {
			f |= fUnbounded
			w |= wString
		}
		if !(sh.format || sh.pattern || sh.enum) {
			f |= fUnsemantic
			w |= wPlain
		}
	}
	if t&(tNumber|tInteger) != 0 && !(sh.maximum || sh.enum) {
		f |= fUnbounded
		w |= wNumber
	}
	if t&tArray != 0 && !(sh.maxItems || sh.enum) {
		f |= fUnbounded
		w |= wArray
	}
	if t&tFile != 0 {
		f |= fUnbounded
		w |= wFile
	}
	if t&tObject != 0 && !sh.closed {
		f |= fOpenObject
		w |= wObject
	}
	return f, w
}

// maxAltDepth bounds how deep nested oneOf/anyOf alternatives are
// followed (by recursion) to decide whether a schema is typed; deeper ones
// count as untyped.
const maxAltDepth = 512

// shapeOf merges the keywords of s, its allOf members and a composite $ref
// target (transitively, each node once).
func (e *engine) shapeOf(s *snode) (*shape, error) {
	return e.shapeAt(s, 0)
}

func (e *engine) shapeAt(s *snode, altDepth int) (*shape, error) {
	if s.shape != nil {
		return s.shape, nil
	}
	if e.shaping[s] || altDepth > maxAltDepth { // a oneOf cycle, or too deep
		return &shape{}, nil
	}
	e.shaping[s] = true
	defer delete(e.shaping, s)

	sh := &shape{}
	seen := map[*yaml.Node]bool{}
	var alts []loc
	// An explicit work list, not recursion: allOf chains may be long.
	work := []loc{s.l}
	for len(work) > 0 {
		l := work[len(work)-1]
		work = work[:len(work)-1]
		top := l.node == s.l.node
		n := l.node
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		if n.Kind == yaml.ScalarNode && top {
			switch {
			case boolVal(n):
				sh.boolTrue = true
			case isFalse(n):
				sh.boolFalse = true
			default:
				sh.none = true
			}
			continue
		}
		if n.Kind != yaml.MappingNode {
			if top {
				sh.none = true
			}
			continue
		}
		ps := pairs(n)
		if top && len(ps) == 0 {
			sh.emptyMap = true
		}
		for _, kv := range ps {
			v := kv.Value
			switch kv.Key {
			case "type":
				for _, t := range scalars(v) {
					sh.types |= typeBits[t]
				}
			case "format":
				if f := scalarValue(v); f != "" {
					sh.format = true
					if boundedFormats[f] {
						sh.boundedFormat = true
					}
				}
			case "maxLength":
				sh.maxLength = sh.maxLength || isNumber(v)
			case "maximum", "exclusiveMaximum":
				sh.maximum = sh.maximum || isNumber(v)
			case "maxItems":
				sh.maxItems = sh.maxItems || isNumber(v)
			case "pattern":
				sh.pattern = sh.pattern || scalarValue(v) != ""
			case "enum":
				sh.enum = sh.enum || len(items(v)) > 0
			case "const":
				sh.enum = true
			case "additionalProperties", "unevaluatedProperties":
				if isFalse(v) {
					sh.closed = true
				}
				if isMap(v) || kv.Key == "additionalProperties" {
					sh.objectLike = true
				}
			case "properties", "patternProperties", "maxProperties", "minProperties":
				sh.objectLike = true
			case "required": // a list in a schema, a boolean on a 2.0 parameter
				if isSeq(v) {
					sh.objectLike = true
				}
			case "items", "prefixItems":
				sh.hasItems = true
			case "readOnly":
				sh.readOnly = sh.readOnly || boolVal(v)
			case "writeOnly":
				sh.writeOnly = sh.writeOnly || boolVal(v)
			case "oneOf", "anyOf":
				for i, m := range items(v) {
					alts = append(alts, loc{l.doc, m, childIndex(child(l.ptr, kv.Key), i)})
				}
			case "allOf":
				for i, m := range items(v) {
					t, ok, err := e.p.res.resolve(loc{l.doc, m, childIndex(child(l.ptr, kv.Key), i)}, true)
					if err != nil {
						return nil, err
					}
					if !ok {
						sh.unresolved = true
						continue
					}
					work = append(work, t)
				}
			case "$ref":
				t, ok, err := e.p.res.hop(l)
				if err != nil {
					return nil, err
				}
				if !ok {
					sh.unresolved = true
					continue
				}
				work = append(work, t)
			}
		}
	}
	if len(alts) > 0 {
		sh.anyOf = true
		sh.altTyped = true
		for _, a := range alts {
			c, err := e.node(a)
			if err != nil {
				return nil, err
			}
			if c == nil || c == e.unres {
				sh.altTyped = false
				continue
			}
			csh, err := e.shapeAt(c, altDepth+1)
			if err != nil {
				return nil, err
			}
			if !csh.typed() {
				sh.altTyped = false
			}
		}
	}
	// Cached even when maxAltDepth cut it short: recomputing would make
	// nested alternatives exponential.
	s.shape = sh
	return sh, nil
}

func scalarValue(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func isNumber(n *yaml.Node) bool {
	v := scalarValue(n)
	if v == "" {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// sensitivityKeys are the extensions that classify data.
var sensitivityKeys = []string{
	"x-pii", "x-sensitive", "x-sensitivity", "x-data-sensitivity", "x-data-classification",
	"x-classification", "x-pci", "x-phi", "x-personal-data", "x-gdpr", "x-confidential",
}

func isSensitivityKey(k string) bool {
	if !isExtension(k) {
		return false
	}
	return slices.Contains(sensitivityKeys, strings.ToLower(k))
}

// notSensitive are annotation values that classify data as not sensitive.
var notSensitive = map[string]bool{
	"": true, "false": true, "no": true, "none": true, "public": true, "unclassified": true,
	"non-sensitive": true, "nonsensitive": true, "not-sensitive": true, "null": true, "~": true,
}

// sensitiveValue reports whether an annotation's value marks the data as
// sensitive: true, a classification other than public/none, or a
// non-empty object/list (x-pii: {category: email}).
func sensitiveValue(n *yaml.Node) bool {
	n = deref(n)
	if n == nil {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return false
		}
		return !notSensitive[strings.ToLower(strings.TrimSpace(n.Value))]
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) > 0
	}
	return false
}
