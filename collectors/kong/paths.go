package kong

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// legacyPlainPath is how Kong < 3.0 told a plain path (prefix) from a
// regex: a path made only of these characters is a prefix, anything else
// is a regex (kong/router.lua of Kong 2.x; kept in
// kong/db/migrations/migrate_path_280_300.lua, which adds the "~" to such
// paths when upgrading to 3.0).
var legacyPlainPath = regexp.MustCompile(`^[a-zA-Z0-9.\-_~/%]*$`)

// pathMatch turns one route path into a PathMatch. Kong matches plain
// paths as prefixes and regex paths anchored at the start (Kong 3.x marks
// them with a leading "~"; before 3.0 a path was a regex when it had
// characters outside legacyPlainPath). A regex that is a literal followed
// by "$" matches exactly that path, so it becomes an Exact rule.
func pathMatch(raw string, legacy bool) (collectors.PathMatch, error) {
	switch {
	case strings.HasPrefix(raw, "~"):
		re := raw[1:]
		if !strings.HasPrefix(re, "/") && !strings.HasPrefix(re, "^/") {
			return collectors.PathMatch{}, fmt.Errorf("regex path %q must start with ~/", raw)
		}
		return regexMatch(re), nil
	case raw == "":
		return collectors.PathMatch{}, fmt.Errorf("empty path")
	case !strings.HasPrefix(raw, "/"):
		return collectors.PathMatch{}, fmt.Errorf("path %q must start with / (or ~/ for a regex)", raw)
	case legacy && !legacyPlainPath.MatchString(raw):
		return regexMatch(raw), nil
	}
	return collectors.PathMatch{Prefix: raw}, nil
}

func regexMatch(re string) collectors.PathMatch {
	body := strings.TrimPrefix(re, "^")
	if lit, ok := strings.CutSuffix(body, "$"); ok && lit != "" && regexp.QuoteMeta(lit) == lit {
		return collectors.PathMatch{Exact: lit}
	}
	return collectors.PathMatch{Regex: re}
}

// ---- Kong 3.x expressions router ----

// match is what an expression route can match, over-approximated: a nil
// field matches anything. Kong's expressions are arbitrary boolean
// formulas; posture's Route is a product of hosts × methods × paths, so
// the formula is folded conservatively: an AND keeps the constraints of
// both sides (a union when both constrain the same field), an OR drops a
// field unless both sides constrain it, a negation or an unknown field
// constrains nothing. The route so described matches at least every
// request Kong would route, never fewer.
type match struct {
	paths   []collectors.PathMatch
	methods []string
	hosts   []string
	pathsC  bool // constrained (a nil list with C false means "any")
	methC   bool
	hostC   bool
}

func any2() match { return match{} }

func and(a, b match) match {
	out := match{}
	out.paths, out.pathsC = combine(a.paths, a.pathsC, b.paths, b.pathsC, true)
	out.methods, out.methC = combineS(a.methods, a.methC, b.methods, b.methC, true)
	out.hosts, out.hostC = combineS(a.hosts, a.hostC, b.hosts, b.hostC, true)
	return out
}

func or(a, b match) match {
	out := match{}
	out.paths, out.pathsC = combine(a.paths, a.pathsC, b.paths, b.pathsC, false)
	out.methods, out.methC = combineS(a.methods, a.methC, b.methods, b.methC, false)
	out.hosts, out.hostC = combineS(a.hosts, a.hostC, b.hosts, b.hostC, false)
	return out
}

func combine(a []collectors.PathMatch, ac bool, b []collectors.PathMatch, bc bool, isAnd bool) ([]collectors.PathMatch, bool) {
	switch {
	case ac && bc:
		return append(append([]collectors.PathMatch{}, a...), b...), true
	case isAnd && ac:
		return a, true
	case isAnd && bc:
		return b, true
	}
	return nil, false
}

func combineS(a []string, ac bool, b []string, bc bool, isAnd bool) ([]string, bool) {
	switch {
	case ac && bc:
		return sortedUnique(append(append([]string{}, a...), b...)), true
	case isAnd && ac:
		return a, true
	case isAnd && bc:
		return b, true
	}
	return nil, false
}

type token struct {
	kind string // "id", "str", "op", "(", ")", "&&", "||", "!"
	val  string
}

const maxExprLen = 1 << 16

func lexExpression(src string) ([]token, error) {
	if len(src) > maxExprLen {
		return nil, fmt.Errorf("longer than %d bytes", maxExprLen)
	}
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, token{string(c), ""})
			i++
		case strings.HasPrefix(src[i:], "&&"), strings.HasPrefix(src[i:], "||"):
			out = append(out, token{src[i : i+2], ""})
			i += 2
		case c == '"':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, token{"str", s})
			i += n
		case c == 'r' && i+1 < len(src) && (src[i+1] == '#' || src[i+1] == '"'):
			// raw string r#"..."#
			j := i + 1
			hashes := 0
			for j < len(src) && src[j] == '#' {
				hashes++
				j++
			}
			if j >= len(src) || src[j] != '"' {
				return nil, fmt.Errorf("bad raw string at offset %d", i)
			}
			end := "\"" + strings.Repeat("#", hashes)
			k := strings.Index(src[j+1:], end)
			if k < 0 {
				return nil, fmt.Errorf("unterminated raw string at offset %d", i)
			}
			out = append(out, token{"str", src[j+1 : j+1+k]})
			i = j + 1 + k + len(end)
		case strings.ContainsRune("=!~^<>", rune(c)):
			j := i + 1
			for j < len(src) && strings.ContainsRune("=~^<>", rune(src[j])) {
				j++
			}
			op := src[i:j]
			if op == "!" {
				out = append(out, token{"!", ""})
			} else {
				out = append(out, token{"op", op})
			}
			i = j
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n()\"=!~^<>&|", rune(src[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q at offset %d", c, i)
			}
			w := src[i:j]
			if w == "in" || w == "contains" || w == "not" {
				out = append(out, token{"op", w})
			} else {
				out = append(out, token{"id", w})
			}
			i = j
		}
	}
	return out, nil
}

func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

type exprParser struct {
	toks  []token
	i     int
	depth int
}

func (e *exprParser) peek() token {
	if e.i < len(e.toks) {
		return e.toks[e.i]
	}
	return token{kind: "eof"}
}

// parseExpression folds an expressions-router formula into a match.
func parseExpression(src string) (match, error) {
	toks, err := lexExpression(src)
	if err != nil {
		return match{}, err
	}
	if len(toks) == 0 {
		return match{}, fmt.Errorf("empty expression")
	}
	e := &exprParser{toks: toks}
	m, err := e.or()
	if err != nil {
		return match{}, err
	}
	if e.i != len(e.toks) {
		return match{}, fmt.Errorf("unexpected %s after the expression", describe(e.peek()))
	}
	for _, pm := range m.paths {
		if err := collectors.ValidateRoute(collectors.Route{Paths: []collectors.PathMatch{pm}}); err != nil {
			return match{}, err
		}
	}
	return m, nil
}

func describe(t token) string {
	if t.val != "" {
		return fmt.Sprintf("%q", t.val)
	}
	return t.kind
}

func (e *exprParser) or() (match, error) {
	m, err := e.and()
	if err != nil {
		return m, err
	}
	for e.peek().kind == "||" {
		e.i++
		r, err := e.and()
		if err != nil {
			return m, err
		}
		m = or(m, r)
	}
	return m, nil
}

func (e *exprParser) and() (match, error) {
	m, err := e.unary()
	if err != nil {
		return m, err
	}
	for e.peek().kind == "&&" {
		e.i++
		r, err := e.unary()
		if err != nil {
			return m, err
		}
		m = and(m, r)
	}
	return m, nil
}

func (e *exprParser) unary() (match, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 200 {
		return match{}, fmt.Errorf("nested too deeply")
	}
	switch t := e.peek(); t.kind {
	case "!":
		e.i++
		if _, err := e.unary(); err != nil {
			return match{}, err
		}
		return any2(), nil // a negation constrains nothing we can describe
	case "(":
		e.i++
		m, err := e.or()
		if err != nil {
			return m, err
		}
		if e.peek().kind != ")" {
			return m, fmt.Errorf("missing )")
		}
		e.i++
		return m, nil
	case "id":
		return e.atom()
	default:
		return match{}, fmt.Errorf("unexpected %s", describe(t))
	}
}

func (e *exprParser) atom() (match, error) {
	field := e.toks[e.i].val
	e.i++
	op := e.peek()
	if op.kind != "op" {
		return match{}, fmt.Errorf("expected an operator after %s", field)
	}
	e.i++
	if op.val == "not" { // "not in"
		if e.peek().kind == "op" && e.peek().val == "in" {
			e.i++
		}
		op.val = "not in"
	}
	v := e.peek()
	if v.kind != "str" && v.kind != "id" {
		return match{}, fmt.Errorf("expected a value after %s %s", field, op.val)
	}
	e.i++
	m := any2()
	if v.kind != "str" {
		return m, nil
	}
	field = strings.ToLower(field)
	switch {
	case field == "http.path":
		switch op.val {
		case "==":
			m.paths, m.pathsC = []collectors.PathMatch{{Exact: v.val}}, true
		case "^=":
			m.paths, m.pathsC = []collectors.PathMatch{{Prefix: v.val}}, true
		case "~":
			re := v.val
			if !strings.HasPrefix(re, "^") {
				re = "^.*(?:" + re + ")" // expression regexes are not anchored
			}
			m.paths, m.pathsC = []collectors.PathMatch{{Regex: re}}, true
		}
	case field == "http.method" && op.val == "==":
		m.methods, m.methC = []string{strings.ToUpper(v.val)}, true
	case field == "http.host":
		switch op.val {
		case "==":
			m.hosts, m.hostC = []string{strings.ToLower(v.val)}, true
		case "=^":
			if strings.HasPrefix(v.val, ".") {
				m.hosts, m.hostC = []string{"*" + strings.ToLower(v.val)}, true
			}
		}
	}
	return m, nil
}
