package openapi

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"

	"github.com/posture-dev/posture/internal/safedecode"
)

// document is one parsed file: the specification itself or a file that
// one of its $refs names.
type document struct {
	name string     // as shown in messages: the spec's name, or its FS path
	path string     // path in Options.RefFS; "" when external refs are off
	root *yaml.Node // the top-level node (usually a mapping)
	main bool
}

// loc is a node and where it is: the document and its JSON pointer there.
type loc struct {
	doc  *document
	node *yaml.Node
	ptr  string
}

// String names the location for messages and facts: the bare JSON pointer
// in the specification itself, "file#pointer" in a referenced file.
func (l loc) String() string {
	if l.doc == nil || l.doc.main {
		return l.ptr
	}
	return l.doc.name + "#" + l.ptr
}

// refOf returns the $ref string of a Reference Object (a mapping with a
// scalar "$ref").
func refOf(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return "", false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "$ref" {
			v := deref(n.Content[i+1])
			if v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
				return v.Value, true
			}
			return "", false
		}
	}
	return "", false
}

// pureRefSiblings are the keys that may sit beside a schema's $ref without
// changing what it means.
var pureRefSiblings = map[string]bool{"$ref": true, "description": true, "summary": true, "title": true, "$comment": true}

// isPureRef reports whether a schema is only a $ref (plus annotations that
// do not change it); a $ref with other siblings is a composite (3.1 reads it
// as allOf of the target and the siblings).
func isPureRef(n *yaml.Node) bool {
	for _, p := range pairs(n) {
		if !pureRefSiblings[p.Key] {
			return false
		}
	}
	return true
}

// resolver follows $refs: local ones in the document they appear in,
// relative file ones through Options.RefFS (never outside it), never the
// network. A $ref it may not or cannot follow (remote, outside the root,
// file absent) is "unresolved": a warning, and the facts that depend on it
// become unknown. A $ref to a pointer that does not exist, or a chain of
// $refs that loops without reaching a real object, is an error.
type resolver struct {
	p        *parser
	keys     map[*yaml.Node]map[string]*yaml.Node // key index of large mappings
	docs     map[string]*document                 // external documents by FS path
	failed   map[string]bool                      // external files already reported unresolvable
	follow   map[refKey]refResult                 // memo of follow()
	extBytes int64                                // bytes of external files read so far
}

type refKey struct {
	n    *yaml.Node
	pure bool
}

type refResult struct {
	l   loc
	ok  bool
	err error
}

// ErrRefMissing and ErrRefLoop classify $ref errors.
var (
	ErrRefMissing = errors.New("$ref target does not exist")
	ErrRefLoop    = errors.New("$ref loop")
)

func newResolver(p *parser) *resolver {
	return &resolver{p: p, keys: map[*yaml.Node]map[string]*yaml.Node{}, docs: map[string]*document{}, failed: map[string]bool{}, follow: map[refKey]refResult{}}
}

// resolve follows l while it is a Reference Object. With pure set it stops
// at a schema that has siblings beside its $ref (see isPureRef). ok is false
// when a $ref on the way could not be followed.
func (r *resolver) resolve(l loc, pure bool) (loc, bool, error) {
	if _, isRef := refOf(l.node); !isRef || (pure && !isPureRef(l.node)) {
		return l, true, nil
	}
	key := refKey{l.node, pure}
	if res, ok := r.follow[key]; ok {
		return res.l, res.ok, res.err
	}
	var chain []loc
	var onChain map[*yaml.Node]int
	cur := l
	var res refResult
	for {
		ref, isRef := refOf(cur.node)
		if !isRef || (pure && !isPureRef(cur.node)) {
			res = refResult{l: cur, ok: true}
			break
		}
		if m, ok := r.follow[refKey{cur.node, pure}]; ok && len(chain) > 0 {
			res = m
			break
		}
		if i, seen := onChain[cur.node]; seen {
			res = refResult{err: r.loopError(chain[i:], cur)}
			break
		}
		if onChain == nil {
			onChain = map[*yaml.Node]int{}
		}
		onChain[cur.node] = len(chain)
		chain = append(chain, cur)
		next, ok, err := r.target(cur, ref)
		if err != nil || !ok {
			res = refResult{ok: ok, err: err}
			break
		}
		cur = next
	}
	for _, c := range chain {
		r.follow[refKey{c.node, pure}] = res
	}
	r.follow[key] = res
	return res.l, res.ok, res.err
}

// hop follows the $ref of the Reference Object at l once, then any pure
// $refs from there: the way to a composite schema's target.
func (r *resolver) hop(l loc) (loc, bool, error) {
	ref, isRef := refOf(l.node)
	if !isRef {
		return l, true, nil
	}
	t, ok, err := r.target(l, ref)
	if err != nil || !ok {
		return loc{}, ok, err
	}
	return r.resolve(t, true)
}

func (r *resolver) loopError(cycle []loc, back loc) error {
	names := make([]string, 0, len(cycle)+1)
	for _, c := range cycle {
		names = append(names, c.String())
	}
	names = append(names, back.String())
	first := cycle[0]
	return r.p.errorf(ErrRefLoop, first.doc, refLine(first.node), first.ptr,
		"$ref loop with no schema in between: %s", strings.Join(names, " -> "))
}

// refLine is the line of a Reference Object's $ref value.
func refLine(n *yaml.Node) int {
	n = deref(n)
	if n == nil {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "$ref" {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

// target resolves one $ref string found at from.
func (r *resolver) target(from loc, ref string) (loc, bool, error) {
	filePart, frag, _ := strings.Cut(ref, "#")
	doc := from.doc
	if filePart != "" {
		d, ok, err := r.external(from, ref, filePart)
		if err != nil || !ok {
			return loc{}, ok, err
		}
		doc = d
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		r.p.warnf(from, "$ref %q: named anchors are not supported; not followed", ref)
		return loc{}, false, nil
	}
	if dec, err := url.PathUnescape(frag); err == nil {
		frag = dec
	}
	n, err := r.lookupPointer(doc.root, frag)
	if err != nil {
		return loc{}, false, r.p.errorf(ErrRefMissing, from.doc, refLine(from.node), from.ptr,
			"$ref %q: %v", ref, err)
	}
	return loc{doc: doc, node: n, ptr: frag}, true, nil
}

// indexThreshold is the mapping size from which pointer lookups use a
// key index instead of a scan (components/schemas may hold thousands).
const indexThreshold = 16

// lookupPointer walks a JSON pointer ("" is the whole document).
func (r *resolver) lookupPointer(root *yaml.Node, ptr string) (*yaml.Node, error) {
	n := deref(root)
	if ptr == "" {
		return n, nil
	}
	tokens := strings.Split(ptr[1:], "/")
	for i, raw := range tokens {
		tok := unescapeToken(raw)
		var next *yaml.Node
		switch {
		case isMap(n) && len(n.Content) >= 2*indexThreshold:
			idx, ok := r.keys[n]
			if !ok {
				idx = make(map[string]*yaml.Node, len(n.Content)/2)
				for _, p := range pairs(n) {
					if _, dup := idx[p.Key]; !dup {
						idx[p.Key] = p.Value
					}
				}
				r.keys[n] = idx
			}
			next = idx[tok]
		case isMap(n):
			next = get(n, tok)
		case isSeq(n):
			if idx, err := strconv.Atoi(tok); err == nil && idx >= 0 && idx < len(n.Content) {
				next = deref(n.Content[idx])
			}
		}
		if next == nil {
			at := "/" + strings.Join(tokens[:i], "/")
			if i == 0 {
				at = "the document root"
			}
			return nil, fmt.Errorf("%q does not exist (no %q under %s)", ptr, tok, at)
		}
		n = next
	}
	return n, nil
}

// maxExternalFiles bounds how many referenced files one spec may pull in.
const maxExternalFiles = 1000

// external loads the file part of a $ref relative to the referring file.
func (r *resolver) external(from loc, ref, filePart string) (*document, bool, error) {
	if u, err := url.Parse(filePart); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		r.p.warnf(from, "$ref %q: remote references are not followed", ref)
		return nil, false, nil
	}
	opt := r.p.opt
	if opt.RefFS == nil || from.doc.path == "" {
		r.p.warnf(from, "$ref %q: external file references are not followed (no source directory)", ref)
		return nil, false, nil
	}
	rel := filePart
	if dec, err := url.PathUnescape(rel); err == nil {
		rel = dec
	}
	if path.IsAbs(rel) || strings.Contains(rel, "\\") {
		r.p.warnf(from, "$ref %q: absolute paths are not followed", ref)
		return nil, false, nil
	}
	p := path.Join(path.Dir(from.doc.path), rel)
	if p == ".." || strings.HasPrefix(p, "../") || !fs.ValidPath(p) {
		r.p.warnf(from, "$ref %q: outside the source root; not followed", ref)
		return nil, false, nil
	}
	if p == r.p.main.path {
		return r.p.main, true, nil
	}
	if d, ok := r.docs[p]; ok {
		return d, true, nil
	}
	if r.failed[p] {
		return nil, false, nil
	}
	if len(r.docs) >= maxExternalFiles {
		return nil, false, r.p.errorf(ErrInvalid, from.doc, refLine(from.node), from.ptr,
			"$ref %q: more than %d referenced files", ref, maxExternalFiles)
	}
	lim := r.p.lim
	lim.MaxBytes -= r.extBytes + int64(len(r.p.data))
	if lim.MaxBytes <= 0 {
		return nil, false, r.p.errorf(safedecode.ErrTooLarge, from.doc, refLine(from.node), from.ptr,
			"$ref %q: referenced files exceed the size limit of %d bytes in total", ref, r.p.lim.MaxBytes)
	}
	data, err := safedecode.ReadFile(opt.RefFS, p, lim)
	if err != nil && !errors.Is(err, safedecode.ErrTooLarge) {
		// Absent, unreadable, or a symlink leading out of the root: the
		// same as a reference the source does not ship.
		r.failed[p] = true
		if errors.Is(err, fs.ErrNotExist) {
			r.p.warnf(from, "$ref %q: file %s does not exist; not followed", ref, p)
		} else {
			r.p.warnf(from, "$ref %q: file %s cannot be read (%v); not followed", ref, p, err)
		}
		return nil, false, nil
	}
	if err == nil {
		err = safedecode.Check(p, data, lim)
	}
	if err != nil {
		return nil, false, r.p.wrapf(err, from.doc, refLine(from.node), from.ptr, "$ref %q", ref)
	}
	r.extBytes += int64(len(data))
	root, err := parseTree(data)
	if err != nil {
		return nil, false, r.p.wrapf(err, from.doc, refLine(from.node), from.ptr, "$ref %q: %s", ref, p)
	}
	d := &document{name: p, path: p, root: root}
	r.docs[p] = d
	if err := r.checkRefs(d); err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// parseTree parses a referenced file (already bounded by safedecode) with
// the same parser libopenapi uses for the specification.
func parseTree(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser failed: %v", r)
		}
	}()
	info, err := datamodel.ExtractSpecInfoWithConfig(data, &datamodel.DocumentConfiguration{
		BypassDocumentCheck: true, SkipJSONConversion: true,
	})
	if err != nil {
		return nil, err
	}
	if info == nil || info.RootNode == nil || len(info.RootNode.Content) == 0 {
		return nil, errors.New("empty document")
	}
	return deref(info.RootNode.Content[0]), nil
}

// skipRefScan lists keys whose values are example data, not description:
// a "$ref" inside them is not a reference.
func skipRefScan(key string) bool {
	switch key {
	case "example", "default", "enum", "const":
		return true
	}
	return isExtension(key)
}

// checkRefs resolves every local $ref in d once (memoized), so a missing
// target or a loop anywhere in the document is reported even when no
// operation uses it, with the pointer and line of the $ref.
func (r *resolver) checkRefs(d *document) error {
	type frame struct {
		n     *yaml.Node
		depth int
		tok   string
	}
	var path []string // path[i] is the token at depth i+1
	stack := []frame{{n: d.root}}
	seen := map[*yaml.Node]bool{} // aliased subtrees are scanned once
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if f.depth > 0 {
			path = append(path[:f.depth-1], f.tok)
		} else {
			path = path[:0]
		}
		n := f.n
		if n == nil {
			continue
		}
		if n.Kind == yaml.AliasNode {
			n = deref(n)
			if n == nil || seen[n] {
				continue
			}
			seen[n] = true
		}
		switch n.Kind {
		case yaml.MappingNode:
			if ref, ok := refOf(n); ok && strings.HasPrefix(ref, "#") {
				ptr := pointerOf(path[:f.depth])
				if _, _, err := r.resolve(loc{doc: d, node: n, ptr: ptr}, false); err != nil {
					return err
				}
			}
			for i := len(n.Content) - 2; i >= 0; i -= 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || skipRefScan(k.Value) {
					continue
				}
				stack = append(stack, frame{n: n.Content[i+1], depth: f.depth + 1, tok: k.Value})
			}
		case yaml.SequenceNode:
			for i := len(n.Content) - 1; i >= 0; i-- {
				stack = append(stack, frame{n: n.Content[i], depth: f.depth + 1, tok: strconv.Itoa(i)})
			}
		}
	}
	return nil
}

func pointerOf(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}
