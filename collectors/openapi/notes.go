package openapi

import (
	"slices"
	"strconv"
	"strings"

	yaml "github.com/pb33f/go-yaml"

	"github.com/posture-dev/posture/collectors"
)

// Notes: where each false fact was decided.
//
// Facts that come from one place (a server URL, the responses object, a
// security requirement) get their notes where the fact is computed. The
// schema-wide facts (request.bounded, request.strict, data.semantic_types)
// are aggregates over the schema graph, so the aggregate carries, per
// flag, the first maxSites offending schemas in document order (see site
// and siteSlab.merge). Keeping the first ones by a fixed order, rather than
// the first ones met, makes the merge commutative: the members of a
// strongly connected component get the same list whichever member the
// walk entered by, and memoised results do not depend on which operation
// asked first.

// maxSites is how many places one flag of an aggregate remembers, and how
// many notes one fact keeps on a record.
const maxSites = 5

// why says what is wrong with a site; the message of a note is made from
// it and the flag (see siteMessage).
type why uint16

const (
	wString    why = 1 << iota // a string without a bound
	wPlain                     // a string without a semantic type
	wNumber                    // a number or integer without a maximum
	wArray                     // an array without maxItems
	wAny                       // a schema without any type: accepts any value
	wFile                      // a Swagger 2.0 file upload
	wObject                    // an object not closed to unknown properties
	wNoSchema                  // a parameter or media type without a schema
	wNoContent                 // a request body without content
)

// site is one place that sets a flag of an aggregate.
type site struct {
	doc  *document
	ptr  string
	line int32 // the node's own line: the order of sites, not the reported line
	flag flags // exactly one of siteFlags
	why  why
}

// siteFlags are the flags whose sites are kept.
const siteFlags = fUnbounded | fUnsemantic | fOpenObject

// viewSiteFlags are the flags whose sites a view needs: only the request
// view feeds request.bounded and request.strict; responses feed
// data.semantic_types only.
func viewSiteFlags(v view) flags {
	if v == viewResponse {
		return fUnsemantic
	}
	return siteFlags
}

// docLess orders documents: the specification first, then referenced
// files by name.
func docLess(a, b *document) int {
	switch {
	case a == b:
		return 0
	case a == nil || a.main:
		return -1
	case b == nil || b.main:
		return 1
	}
	return strings.Compare(a.name, b.name)
}

// compareSites is the order of an aggregate's sites: by flag, then
// document order.
func compareSites(a, b *site) int {
	if a.flag != b.flag {
		if a.flag < b.flag {
			return -1
		}
		return 1
	}
	if c := docLess(a.doc, b.doc); c != 0 {
		return c
	}
	if a.line != b.line {
		if a.line < b.line {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ptr, b.ptr)
}

// siteSlab allocates site lists: they are small, many, immutable once
// made, and live as long as the parse, so they are carved out of larger
// blocks instead of being allocated one by one.
type siteSlab struct {
	block []site
}

const slabBlock = 1024

// carve copies src into the slab; the result has no spare capacity, so
// nobody can append into a neighbour.
func (sl *siteSlab) carve(src []site) []site {
	if len(src) == 0 {
		return nil
	}
	if cap(sl.block)-len(sl.block) < len(src) {
		sl.block = make([]site, 0, max(slabBlock, len(src)))
	}
	i := len(sl.block)
	sl.block = append(sl.block, src...)
	return sl.block[i:len(sl.block):len(sl.block)]
}

// newSites makes the sites of one schema (or input) for the flags in f.
func (sl *siteSlab) newSites(l loc, f flags, w why) []site {
	f &= siteFlags
	if f == 0 {
		return nil
	}
	var buf [3]site
	out := buf[:0]
	for _, fl := range [...]flags{fUnbounded, fUnsemantic, fOpenObject} {
		if f&fl != 0 {
			out = append(out, site{doc: l.doc, ptr: l.ptr, line: int32(line(l.node)), flag: fl, why: w})
		}
	}
	return sl.carve(out)
}

// merge unions two sorted site lists, keeping the first maxSites of each
// flag. The lists are shared read-only: one of them is returned when the
// other adds nothing, else a new one.
func (sl *siteSlab) merge(a, b []site) []site {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	var buf [3 * maxSites]site
	out := buf[:0]
	var count [8]int
	fromA, fromB := 0, 0
	take := func(s *site) bool {
		k := flagIndex(s.flag)
		if count[k] >= maxSites {
			return false
		}
		count[k]++
		out = append(out, *s)
		return true
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var c int
		switch {
		case i == len(a):
			c = 1
		case j == len(b):
			c = -1
		default:
			c = compareSites(&a[i], &b[j])
		}
		switch {
		case c == 0:
			if take(&a[i]) {
				fromA++
				fromB++
			}
			i++
			j++
		case c < 0:
			if take(&a[i]) {
				fromA++
			}
			i++
		default:
			if take(&b[j]) {
				fromB++
			}
			j++
		}
	}
	if fromA == len(a) && len(out) == len(a) {
		return a
	}
	if fromB == len(b) && len(out) == len(b) {
		return b
	}
	return sl.carve(out)
}

func flagIndex(f flags) int {
	switch f {
	case fUnbounded:
		return 0
	case fUnsemantic:
		return 1
	}
	return 2
}

// siteMessage says what is wrong at a site for one flag.
func siteMessage(f flags, w why) string {
	var msg string
	add := func(bit why, m string) {
		switch {
		case w&bit == 0:
		case msg == "":
			msg = m
		default:
			msg += "; " + m
		}
	}
	switch f {
	case fUnbounded:
		add(wString, "string without maxLength, enum, pattern or a bounded format")
		add(wNumber, "number without maximum")
		add(wArray, "array without maxItems")
		add(wAny, "schema without a type accepts any value")
		add(wFile, "file upload without a size bound")
		add(wNoSchema, "input without a schema accepts any value")
		add(wNoContent, "request body without content accepts anything")
	case fUnsemantic:
		add(wPlain, "string without format, pattern or enum")
		add(wNoSchema, "input without a schema is a string without format, pattern or enum")
		add(wNoContent, "request body without content has no typed fields")
	case fOpenObject:
		add(wObject, "object without additionalProperties: false or unevaluatedProperties: false")
		add(wNoContent, "request body without content accepts any object")
	}
	return msg
}

// pnote is a note before its line is known and the record's notes are
// sorted and capped.
type pnote struct {
	fact string
	doc  *document // nil: the specification
	ptr  string
	msg  string
	line int // filled by finish
}

// noteList collects the candidate notes of one evidence record.
type noteList struct {
	items []pnote
}

func (n *noteList) add(fact string, at loc, msg string) {
	n.items = append(n.items, pnote{fact: fact, doc: at.doc, ptr: at.ptr, msg: msg})
}

// addSites adds the sites of a flag of an aggregate as notes of fact.
func (n *noteList) addSites(fact string, a agg, f flags) {
	for _, s := range a.at {
		if s.flag == f {
			n.items = append(n.items, pnote{fact: fact, doc: s.doc, ptr: s.ptr, msg: siteMessage(f, s.why)})
		}
	}
}

// finish turns the candidates into the record's notes: only notes of facts
// that are present and false (the ingest sink rejects a note of a fact the
// record does not have, and a true or unknown fact needs no explanation),
// with their lines, sorted by fact and document order, duplicates
// dropped, at most maxSites per fact and collectors.MaxNotes in all. When
// the total cap bites, every fact keeps its first notes before any fact
// keeps a second, so no false fact is left without one.
func (p *parser) finish(n *noteList, facts collectors.Facts) []collectors.Note {
	defer func() { n.items = n.items[:0] }() // the list is reused for the next record
	items := n.items[:0]
	for _, it := range n.items {
		if v, ok := facts[it.fact].(bool); ok && !v {
			it.line = p.lineAt(it.doc, it.ptr)
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil
	}
	slices.SortFunc(items, func(a, b pnote) int {
		if c := strings.Compare(a.fact, b.fact); c != 0 {
			return c
		}
		if c := docLess(a.doc, b.doc); c != 0 {
			return c
		}
		if a.line != b.line {
			return a.line - b.line
		}
		if c := strings.Compare(a.ptr, b.ptr); c != 0 {
			return c
		}
		return strings.Compare(a.msg, b.msg)
	})
	// Drop duplicates and all but the first maxSites notes of each fact,
	// in place; rank[i] is the note's place among its fact's.
	var rank [collectors.MaxNotes * 4]uint8
	kept := items[:0]
	r := uint8(0)
	for i, it := range items {
		if i > 0 {
			prev := items[i-1]
			if prev.fact == it.fact && docLess(prev.doc, it.doc) == 0 && prev.ptr == it.ptr && prev.msg == it.msg {
				continue
			}
			if prev.fact != it.fact {
				r = 0
			}
		}
		if r < maxSites && len(kept) < len(rank) {
			rank[len(kept)] = r
			kept = append(kept, it)
		}
		r++
	}
	// When the total cap bites, take the first note of every fact, then
	// the second of every fact..., keeping the sorted order.
	out := make([]collectors.Note, 0, min(len(kept), collectors.MaxNotes))
	level, spare := uint8(maxSites), 0
	if len(kept) > collectors.MaxNotes {
		var perRank [maxSites]int
		for i := range kept {
			perRank[rank[i]]++
		}
		total := 0
		level = 0
		for level < maxSites && total+perRank[level] <= collectors.MaxNotes {
			total += perRank[level]
			level++
		}
		spare = collectors.MaxNotes - total
	}
	for i, k := range kept {
		switch {
		case rank[i] < level:
		case rank[i] == level && spare > 0:
			spare--
		default:
			continue
		}
		out = append(out, collectors.Note{Fact: k.fact, Pointer: loc{doc: k.doc, ptr: k.ptr}.String(), Line: k.line, Message: k.msg})
	}
	return out
}

// lineAt is the line a note reports for a pointer: the line of the key
// that holds the node in its parent mapping (where "info:" is written,
// not the first line of its value), the element's line in an array, the
// root's line for "". 0 when the pointer names a member that does not
// exist ("/servers" in a document without servers).
func (p *parser) lineAt(d *document, ptr string) int {
	if d == nil {
		d = p.main
	}
	// Schemas in components are named by the notes of every operation
	// using them: remember their lines. Pointers under /paths belong to
	// one operation each.
	if strings.HasPrefix(ptr, "/paths/") && d.main {
		return p.findLine(d, ptr)
	}
	k := lineKey{d, ptr}
	if l, ok := p.lines[k]; ok {
		return l
	}
	l := p.findLine(d, ptr)
	if p.lines == nil {
		p.lines = map[lineKey]int{}
	}
	p.lines[k] = l
	return l
}

type lineKey struct {
	doc *document
	ptr string
}

func (p *parser) findLine(d *document, ptr string) int {
	n := deref(d.root)
	if ptr == "" {
		return line(n)
	}
	if ptr[0] != '/' {
		return 0
	}
	rest := ptr[1:]
	for {
		raw, more, found := strings.Cut(rest, "/")
		var next, at *yaml.Node // the node, and the node whose line is reported
		switch {
		case isMap(n):
			at, next = p.member(n, raw)
		case isSeq(n):
			if i, err := strconv.Atoi(raw); err == nil && i >= 0 && i < len(n.Content) {
				next = deref(n.Content[i])
				at = next
			}
		}
		if next == nil {
			return 0
		}
		if !found {
			return line(at)
		}
		n, rest = next, more
	}
}

// member returns the key and value nodes named by the escaped pointer
// token raw in a mapping (the first, as get does). Tokens are matched
// escaped, so walking a pointer allocates nothing; large mappings (the
// components and paths objects of thousands of entries) are indexed once.
func (p *parser) member(m *yaml.Node, raw string) (key, value *yaml.Node) {
	m = deref(m)
	if len(m.Content) < 2*indexThreshold {
		merged := false
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Kind == yaml.ScalarNode && k.Tag != "!!merge" && tokenIs(raw, k.Value) {
				return k, deref(m.Content[i+1])
			}
			merged = merged || (k.Value == "<<" && k.Tag == "!!merge")
		}
		if merged {
			for _, kv := range pairs(m) {
				if tokenIs(raw, kv.Key) {
					return kv.KeyN, kv.Value
				}
			}
		}
		return nil, nil
	}
	idx, ok := p.keyIndex[m]
	if !ok {
		idx = make(map[string]pair, len(m.Content)/2)
		for _, kv := range pairs(m) {
			e := escapeToken(kv.Key)
			if _, dup := idx[e]; !dup {
				idx[e] = kv
			}
		}
		if p.keyIndex == nil {
			p.keyIndex = map[*yaml.Node]map[string]pair{}
		}
		p.keyIndex[m] = idx
	}
	kv := idx[raw] // escaping is canonical: one spelling per key
	return kv.KeyN, kv.Value
}

// tokenIs reports whether the escaped pointer token raw names key
// (RFC 6901: "~1" is "/", "~0" is "~"), as unescapeToken(raw) == key.
func tokenIs(raw, key string) bool {
	if strings.IndexByte(raw, '~') < 0 {
		return raw == key
	}
	return unescapeToken(raw) == key
}
