package safedecode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// CheckYAML parses data as a YAML stream and runs CheckNode on every
// document in it. See DecodeYAML.
func CheckYAML(name string, data []byte, lim Limits) error {
	_, err := DecodeYAML(name, data, lim)
	return err
}

// DecodeYAML parses every document of a YAML stream into nodes (aliases
// are kept as alias nodes, never expanded) and checks them with CheckNode
// under one shared alias budget. A collector that works on yaml.Node can
// use the result directly instead of parsing twice.
func DecodeYAML(name string, data []byte, lim Limits) (docs []*yaml.Node, err error) {
	lim = lim.Normalize()
	if int64(len(data)) > lim.MaxBytes {
		return nil, tooLarge(name, lim.MaxBytes)
	}
	defer func() {
		// The parser is third-party code fed with hostile input.
		if r := recover(); r != nil {
			docs, err = nil, &Error{File: name, Offset: -1, Kind: ErrSyntax,
				Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, yamlError(name, err)
		}
		docs = append(docs, &n)
	}
	if err := checkNodes(name, docs, lim); err != nil {
		return nil, err
	}
	return docs, nil
}

// CheckNode checks an already parsed YAML tree against lim: the nesting
// depth after alias expansion, and the alias expansion budget.
func CheckNode(name string, root *yaml.Node, lim Limits) error {
	return checkNodes(name, []*yaml.Node{root}, lim.Normalize())
}

var yamlLineRe = regexp.MustCompile(`^yaml: (?:line (\d+)(?:, column (\d+))?: )?(.*)$`)

// yamlError turns a go-yaml error ("yaml: line 3: did not find expected
// key") into an *Error with the line split out.
func yamlError(name string, err error) *Error {
	e := &Error{File: name, Offset: -1, Kind: ErrSyntax, Msg: err.Error()}
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Column, _ = strconv.Atoi(m[2])
		e.Msg = m[3]
	}
	if e.Msg == "" {
		e.Msg = "invalid YAML"
	}
	return e
}

// checkNodes walks the trees once, iteratively and in document order, and
// computes for every container its size and height as they would be after
// alias expansion. YAML requires an anchor to be defined before any alias
// to it, and an anchored node cannot contain an alias to itself, so when the
// walk reaches an alias its target is complete: the sizes of anchored nodes
// are memoized and the whole check is linear in the document, however much
// the aliases would expand. Sizes saturate, so 10^30-node bombs do not
// overflow.
func checkNodes(name string, docs []*yaml.Node, lim Limits) error {
	var real int64
	for _, d := range docs {
		real += countNodes(d)
	}
	budget := int64(lim.MaxAliasNodes)
	if r := int64(lim.AliasRatio) * real; r > budget {
		budget = r
	}
	c := nodeChecker{name: name, lim: lim, budget: budget, anchors: map[*yaml.Node]expansion{}}
	for _, d := range docs {
		if err := c.walk(d); err != nil {
			return err
		}
	}
	return nil
}

// countNodes counts the nodes of a tree without following aliases.
func countNodes(root *yaml.Node) int64 {
	var n int64
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == nil {
			continue
		}
		n++
		stack = append(stack, x.Content...)
	}
	return n
}

// expansion is what a node amounts to once its aliases are expanded.
type expansion struct {
	size   int64 // nodes, saturated at the budget + 1
	height int   // containers on the longest path down
}

type nodeChecker struct {
	name    string
	lim     Limits
	budget  int64
	total   int64 // nodes added by aliases so far in the stream
	anchors map[*yaml.Node]expansion
}

type frame struct {
	n     *yaml.Node
	next  int // index of the next child to visit
	depth int // containers from the top, this one included
	acc   expansion
}

func sat(a, b, max int64) int64 {
	if a > max-b {
		return max
	}
	return a + b
}

func isContainer(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode
}

func (c *nodeChecker) errAt(n *yaml.Node, kind error, msg string) *Error {
	return &Error{File: c.name, Line: n.Line, Column: n.Column, Offset: -1, Kind: kind, Msg: msg}
}

func (c *nodeChecker) walk(root *yaml.Node) error {
	limit := c.budget + 1
	stack := []frame{{n: root, depth: 0}}
	if isContainer(root) {
		stack[0].depth = 1
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.n.Content) {
			child := top.n.Content[top.next]
			top.next++
			if child == nil {
				continue
			}
			if child.Kind == yaml.AliasNode {
				target := child.Alias
				ex, ok := c.anchors[target]
				if target == nil || !ok {
					// Unknown or not yet complete target: go-yaml rejects
					// both, so this only happens on hand-built trees.
					return c.errAt(child, ErrSyntax, fmt.Sprintf("alias *%s refers to an unknown or enclosing anchor", child.Value))
				}
				if top.depth+ex.height > c.lim.MaxDepth {
					return c.errAt(child, ErrTooDeep, fmt.Sprintf("alias *%s expands past the depth limit of %d", child.Value, c.lim.MaxDepth))
				}
				c.total = sat(c.total, ex.size, limit)
				if c.total > c.budget {
					return c.errAt(child, ErrAliasExpansion, fmt.Sprintf("alias expansion exceeds %d nodes (at alias *%s)", c.budget, child.Value))
				}
				top.acc.size = sat(top.acc.size, ex.size, limit)
				if ex.height > top.acc.height {
					top.acc.height = ex.height
				}
				continue
			}
			depth := top.depth
			if isContainer(child) {
				depth++
				if depth > c.lim.MaxDepth {
					return c.errAt(child, ErrTooDeep, fmt.Sprintf("nesting exceeds the depth limit of %d", c.lim.MaxDepth))
				}
			}
			stack = append(stack, frame{n: child, depth: depth})
			continue
		}
		// All children done: finish this node and fold it into its parent.
		done := *top
		stack = stack[:len(stack)-1]
		ex := done.acc
		ex.size = sat(ex.size, 1, limit)
		if isContainer(done.n) {
			ex.height++
		}
		if done.n.Anchor != "" {
			c.anchors[done.n] = ex
		}
		if len(stack) > 0 {
			p := &stack[len(stack)-1]
			p.acc.size = sat(p.acc.size, ex.size, limit)
			if ex.height > p.acc.height {
				p.acc.height = ex.height
			}
		}
	}
	return nil
}
