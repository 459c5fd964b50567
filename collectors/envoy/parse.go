package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Options tune Parse.
type Options struct {
	// Limits bound the input (size, nesting depth, YAML alias expansion);
	// zero fields select safedecode's defaults.
	Limits safedecode.Limits
}

// Result is what one bootstrap file says about the routes it serves.
type Result struct {
	// Routes holds one entry per distinct route (see doc.go: equivalent
	// route entries on several listeners are merged), in document order.
	Routes []RouteResult
	// Counts of what the file declares statically.
	Listeners    int
	VirtualHosts int
	Clusters     int
	// RouteEntries counts the route entries read (before merging).
	RouteEntries int
	// HTTPFilters lists the canonical names of the HTTP filters declared
	// in any HTTP connection manager, in order of first appearance.
	HTTPFilters []string
	// Warnings name what the file leaves to dynamic configuration (RDS,
	// ECDS...) and was therefore not seen.
	Warnings []string
}

// RouteResult is the evidence about one route.
type RouteResult struct {
	// API is the gateway's own name for the service: the virtual host's
	// name, else the route configuration's, else the listener's.
	API   string
	Route collectors.Route
	// Location is the JSON pointer of the route entry (several, separated
	// by spaces, when equivalent entries were merged); Line is the first
	// entry's line.
	Location string
	Line     int
	Facts    collectors.Facts
}

// Error kinds, for errors.Is.
var (
	// ErrNotEnvoy: the document is not an Envoy bootstrap.
	ErrNotEnvoy = errors.New("not an Envoy bootstrap")
	// ErrInvalid: the bootstrap is malformed (a route without a match, a
	// regex that does not compile, a field of the wrong type...).
	ErrInvalid = errors.New("invalid Envoy configuration")
	// ErrParserPanic: an internal error; never expected, reported instead
	// of crashing.
	ErrParserPanic = errors.New("parser panic")
)

// Error is a rejected input, naming the file and the place.
type Error struct {
	File    string
	Line    int
	Column  int
	Pointer string // JSON pointer of the place, when known
	Msg     string
	Kind    error // ErrNotEnvoy, ErrInvalid, ErrParserPanic or a safedecode kind
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("envoy: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes the kind to errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

// Parse reads one Envoy bootstrap (YAML or JSON, v3 API) and returns its
// routes with their effective protection. It never panics; every error is
// an *Error naming the file and, where known, the line and JSON pointer.
func Parse(name string, data []byte, opt Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: name, Kind: ErrParserPanic, Msg: fmt.Sprintf("internal error while reading the configuration: %v", r)}
		}
	}()
	root, err := decode(name, data, opt.Limits.Normalize())
	if err != nil {
		return nil, err
	}
	p := newParser(name)
	res = p.run(root)
	if p.err != nil {
		if p.err.Kind == nil {
			p.err.Kind = ErrInvalid
		}
		return nil, p.err
	}
	return res, nil
}

// decode turns the bytes into one node tree: JSON through encoding/json
// (go-yaml rejects some valid JSON escapes), YAML through safedecode.
func decode(name string, data []byte, lim safedecode.Limits) (*yaml.Node, error) {
	if err := safedecode.CheckSize(name, int64(len(data)), lim); err != nil {
		return nil, wrapSafe(name, err)
	}
	if safedecode.LooksLikeJSON(data) {
		jerr := safedecode.CheckJSON(name, data, lim)
		if jerr == nil {
			root, err := jsonTree(name, data)
			if err != nil {
				return nil, err
			}
			return root, checkKeys(name, root)
		}
		if !errors.Is(jerr, safedecode.ErrSyntax) || strings.HasSuffix(strings.ToLower(name), ".json") {
			return nil, wrapSafe(name, jerr)
		}
		// A YAML flow mapping also starts with '{': try YAML, but report
		// the JSON error when that fails too.
		if root, err := yamlTree(name, data, lim); err == nil {
			return root, nil
		}
		return nil, wrapSafe(name, jerr)
	}
	return yamlTree(name, data, lim)
}

func yamlTree(name string, data []byte, lim safedecode.Limits) (*yaml.Node, error) {
	docs, err := safedecode.DecodeYAML(name, data, lim)
	if err != nil {
		return nil, wrapSafe(name, err)
	}
	var root *yaml.Node
	for _, d := range docs {
		if d.Kind == yaml.DocumentNode && len(d.Content) == 1 {
			d = d.Content[0]
		}
		if deref(d) == nil {
			continue
		}
		if root != nil {
			return nil, &Error{File: name, Line: d.Line, Kind: ErrInvalid,
				Msg: "more than one YAML document: an Envoy bootstrap is a single document"}
		}
		root = d
	}
	if root == nil {
		return nil, &Error{File: name, Kind: ErrNotEnvoy, Msg: "empty document"}
	}
	return root, checkKeys(name, root)
}

// wrapSafe turns a safedecode error into an *Error of this package.
func wrapSafe(name string, err error) error {
	var se *safedecode.Error
	if errors.As(err, &se) {
		return &Error{File: name, Line: se.Line, Column: se.Column, Kind: se.Kind, Msg: se.Msg}
	}
	return &Error{File: name, Kind: ErrInvalid, Msg: err.Error()}
}

// checkKeys rejects a mapping that repeats a key: which of the two Envoy
// would use is not something evidence should guess. Aliases are not
// followed, so the walk is linear in the document.
func checkKeys(name string, root *yaml.Node) error {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil {
			continue
		}
		if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
			seen := make(map[string]bool, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if isMerge(k) {
					continue
				}
				if seen[k.Value] {
					return &Error{File: name, Line: k.Line, Column: k.Column, Kind: ErrInvalid,
						Msg: fmt.Sprintf("duplicate key %q", clip(k.Value))}
				}
				seen[k.Value] = true
			}
		}
		if n.Kind != yaml.AliasNode {
			stack = append(stack, n.Content...)
		}
	}
	return nil
}

// jsonTree builds a yaml.Node tree from JSON already validated by
// safedecode.CheckJSON (so nesting is bounded), with line numbers.
func jsonTree(name string, data []byte) (*yaml.Node, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	lines := []int{}
	for i, c := range data {
		if c == '\n' {
			lines = append(lines, i)
		}
	}
	lineAt := func(off int64) int {
		return sort.SearchInts(lines, int(off)) + 1
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*yaml.Node // open objects and arrays
	var root *yaml.Node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &Error{File: name, Line: lineAt(dec.InputOffset()), Kind: safedecode.ErrSyntax, Msg: err.Error()}
		}
		ln := lineAt(dec.InputOffset() - 1)
		var n *yaml.Node
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: ln}
			case '[':
				n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: ln}
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: ln}
		case json.Number:
			tag := "!!int"
			if strings.ContainsAny(t.String(), ".eE") {
				tag = "!!float"
			}
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String(), Line: ln}
		case bool:
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t), Line: ln}
		case nil:
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: ln}
		}
		if len(stack) == 0 {
			root = n
		} else {
			top := stack[len(stack)-1]
			top.Content = append(top.Content, n) // object members alternate key, value
		}
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			stack = append(stack, n)
		}
	}
	if root == nil {
		return nil, &Error{File: name, Kind: ErrNotEnvoy, Msg: "empty document"}
	}
	return root, nil
}
