package envoy

import (
	"regexp"
	"regexp/syntax"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
)

// pathKind is the path specifier of a RouteMatch.
type pathKind int

const (
	pAny    pathKind = iota // every path (connect_matcher, prefix "")
	pPrefix                 // prefix: a plain string prefix
	pSep                    // path_separated_prefix: the prefix, then "/" or the end
	pExact                  // path
	pRegex                  // safe_regex (full match), path_match_policy
)

// matchSpec is a RouteMatch (of a route, a jwt_authn rule, a pass-through
// matcher) reduced to what posture can compare.
type matchSpec struct {
	kind    pathKind
	value   string         // the prefix or path; the regex source for pRegex
	re      *regexp.Regexp // pRegex: compiled to match the whole path
	lit     string         // pRegex: the literal prefix every match starts with
	all     bool           // pRegex: the regex is "<allFrom>.*", every path from a prefix
	allFrom string
	ci      bool     // case_sensitive: false
	methods []string // from a ":method" header matcher; nil = any
	extra   bool     // conditions beyond path and method (headers, query...)
	reLoc   val      // where the regex is, for errors
}

// anchored is the regex as a whole-path match, the way Envoy applies
// safe_regex to the path.
func anchored(src string, ci bool) string {
	if ci {
		return "^(?i:" + src + ")$"
	}
	return "^(?:" + src + ")$"
}

// routeMatch reads an envoy.config.route.v3.RouteMatch. what names the
// owner for messages ("route", "jwt_authn rule").
func (p *parser) routeMatch(v val, what string) (matchSpec, bool) {
	var m matchSpec
	if !v.ok() {
		p.fail(v, "%s has no match", what)
		return m, false
	}
	if !p.obj(v) {
		return m, false
	}
	n := 0
	if s := v.get("prefix"); s.ok() {
		m.kind, m.value = pPrefix, p.str(s)
		if m.value == "" {
			m.kind = pAny
		}
		n++
	}
	if s := v.get("path"); s.ok() {
		m.kind, m.value = pExact, p.str(s)
		if m.value == "" {
			p.fail(s, "%s: path is empty", what)
		}
		n++
	}
	if s := v.get("path_separated_prefix"); s.ok() {
		m.kind, m.value = pSep, p.str(s)
		if m.value == "" {
			p.fail(s, "%s: path_separated_prefix is empty", what)
		}
		n++
	}
	for _, f := range []string{"safe_regex", "regex"} { // "regex": the v2 field
		s := v.get(f)
		if !s.ok() {
			continue
		}
		n++
		m.kind = pRegex
		if s.n.Kind == yaml.ScalarNode { // the v2 form
			m.value = p.str(s)
		} else {
			r := s.get("regex")
			if !r.ok() {
				p.fail(s, "%s: safe_regex has no regex", what)
				return m, false
			}
			m.value = p.str(r)
			s = r
		}
		if m.value == "" {
			p.fail(s, "%s: the regex is empty", what)
		}
		m.reLoc = s
	}
	if s := v.get("connect_matcher"); s.ok() {
		m.kind, m.methods = pAny, []string{"CONNECT"}
		n++
	}
	if s := v.get("path_match_policy"); s.ok() {
		n++
		_, body := p.unwrapAny(s.get("typed_config"))
		tpl := body.get("path_template")
		if !tpl.ok() {
			p.fail(s, "%s: path_match_policy has no path_template", what)
			return m, false
		}
		m.kind, m.value = pRegex, uriTemplateRegex(p.str(tpl))
		m.reLoc = tpl
	}
	if p.err != nil {
		return m, false
	}
	if n == 0 {
		p.fail(v, "%s: the match needs one of prefix, path, safe_regex, path_separated_prefix, connect_matcher or path_match_policy", what)
		return m, false
	}
	if n > 1 {
		p.fail(v, "%s: the match has more than one path specifier", what)
		return m, false
	}
	if cs, set := p.boolean(v.get("case_sensitive")); set && !cs {
		m.ci = true
	}
	if m.kind == pRegex && !p.regexSpec(&m, m.reLoc, what) {
		return m, false
	}
	for _, h := range p.objects(v.get("headers")) {
		if strings.EqualFold(p.str(h.get("name")), ":method") {
			if ms, ok := p.methodsOf(h); ok && m.methods == nil {
				m.methods = ms
				continue
			}
		}
		m.extra = true
	}
	for _, f := range []string{"query_parameters", "grpc", "runtime_fraction", "tls_context", "dynamic_metadata", "filter_state", "cookies"} {
		if v.get(f).ok() {
			m.extra = true
		}
	}
	return m, p.err == nil
}

// regexSpec compiles a pRegex match (once per document) and works out its
// literal prefix and whether it matches every path from a prefix.
func (p *parser) regexSpec(m *matchSpec, at val, what string) bool {
	re, err := p.compile(anchored(m.value, m.ci))
	if err != nil {
		p.fail(at, "%s: regex %q does not compile: %v", what, clip(m.value), err)
		return false
	}
	m.re = re
	m.lit = literalPrefix(re)
	m.all, m.allFrom = matchesAllFrom(m.value)
	return true
}

// methodsOf reads the methods a ":method" HeaderMatcher accepts: an exact
// value, or a regex that is a plain alternation (GET|POST).
func (p *parser) methodsOf(h val) ([]string, bool) {
	if inv, _ := p.boolean(h.get("invert_match")); inv {
		return nil, false
	}
	sm := h.get("string_match")
	if s := firstOK(h.get("exact_match"), sm.get("exact")); s.ok() {
		return []string{strings.ToUpper(p.str(s))}, true
	}
	if s := firstOK(h.get("safe_regex_match").get("regex"), sm.get("safe_regex").get("regex")); s.ok() {
		return methodAlternation(p.str(s))
	}
	return nil, false
}

func firstOK(vs ...val) val {
	for _, v := range vs {
		if v.ok() {
			return v
		}
	}
	return val{}
}

var methodAltRE = regexp.MustCompile(`^\^?\(?(?:\?:)?([A-Za-z]+(?:\|[A-Za-z]+)*)\)?\$?$`)

func methodAlternation(re string) ([]string, bool) {
	m := methodAltRE.FindStringSubmatch(re)
	if m == nil {
		return nil, false
	}
	out := strings.Split(strings.ToUpper(m[1]), "|")
	return out, true
}

// uriTemplateRegex converts an Envoy URI template ("/v1/{id}/files/{path=**}")
// into the regex it matches: {var} and * are one segment, ** and {var=**}
// any rest of the path.
func uriTemplateRegex(tpl string) string {
	var b strings.Builder
	for i := 0; i < len(tpl); {
		switch {
		case tpl[i] == '{':
			j := strings.IndexByte(tpl[i:], '}')
			if j < 0 {
				b.WriteString(regexp.QuoteMeta(tpl[i:]))
				i = len(tpl)
				continue
			}
			inner := tpl[i+1 : i+j]
			if _, pat, ok := strings.Cut(inner, "="); ok && strings.Contains(pat, "**") {
				b.WriteString(".*")
			} else {
				b.WriteString("[^/]+")
			}
			i += j + 1
		case strings.HasPrefix(tpl[i:], "**"):
			b.WriteString(".*")
			i += 2
		case tpl[i] == '*':
			b.WriteString("[^/]+")
			i++
		default:
			j := strings.IndexAny(tpl[i:], "{*")
			if j < 0 {
				j = len(tpl) - i
			}
			b.WriteString(regexp.QuoteMeta(tpl[i : i+j]))
			i += j
		}
	}
	return b.String()
}

// paths describes the requests m matches as a collectors.Route path list.
func (m matchSpec) paths() []collectors.PathMatch {
	switch m.kind {
	case pPrefix, pSep:
		return []collectors.PathMatch{{Prefix: m.value}}
	case pExact:
		return []collectors.PathMatch{{Exact: m.value}}
	case pRegex:
		return []collectors.PathMatch{{Regex: anchored(m.value, m.ci)}}
	}
	return nil
}

// rel is how much of a route's requests a rule (a jwt_authn rule, a
// pass-through matcher) matches.
type rel int

const (
	relNone    rel = iota // none of them
	relPartial            // some, and the sub-route is representable
	relUnrep              // some (or possibly all), not representable
	relFull               // all of them
)

// relate compares a rule with a route. For relPartial, sub is the part of
// the route the rule matches.
func relate(rule, route matchSpec) (rel, matchSpec) {
	pr, sub := pathRelation(rule, route)
	if pr == relNone {
		return relNone, sub
	}
	mr, methods := methodRelation(rule.methods, route.methods)
	if mr == relNone {
		return relNone, sub
	}
	if rule.extra || pr == relUnrep {
		return relUnrep, sub
	}
	if pr == relFull && mr == relFull {
		return relFull, sub
	}
	if pr == relFull {
		sub = route
		sub.extra = false
	}
	sub.methods = methods
	return relPartial, sub
}

func methodRelation(rule, route []string) (rel, []string) {
	if rule == nil {
		return relFull, route
	}
	if route == nil {
		return relPartial, rule
	}
	var inter []string
	for _, m := range route {
		for _, r := range rule {
			if strings.EqualFold(m, r) {
				inter = append(inter, m)
				break
			}
		}
	}
	switch {
	case len(inter) == 0:
		return relNone, nil
	case len(inter) == len(route):
		return relFull, route
	}
	return relPartial, inter
}

// pathRelation compares path specifiers. Envoy's prefix is a plain string
// prefix; path_separated_prefix needs a "/" (or the end) after it.
func pathRelation(rule, route matchSpec) (rel, matchSpec) {
	ci := rule.ci || route.ci
	norm := func(s string) string {
		if ci {
			return strings.ToLower(s)
		}
		return s
	}
	rv, tv := norm(rule.value), norm(route.value)
	sub := matchSpec{kind: rule.kind, value: rule.value, re: rule.re, ci: rule.ci}
	under := func(s, sep string) bool { return s == sep || strings.HasPrefix(s, sep+"/") }
	switch rule.kind {
	case pAny:
		return relFull, sub
	case pPrefix, pSep:
		covers := func(s string) bool { // does the rule match every path starting with s?
			if rule.kind == pPrefix {
				return strings.HasPrefix(s, rv)
			}
			return strings.HasPrefix(s, rv+"/")
		}
		switch route.kind {
		case pAny:
			return relPartial, sub
		case pPrefix:
			if covers(tv) {
				return relFull, sub
			}
			if strings.HasPrefix(rv, tv) {
				return relPartial, sub
			}
		case pSep:
			if (rule.kind == pPrefix && strings.HasPrefix(tv, rv)) || (rule.kind == pSep && under(tv, rv)) {
				return relFull, sub
			}
			if under(rv, tv) || (rule.kind == pPrefix && strings.HasPrefix(rv, tv+"/")) {
				return relPartial, sub
			}
		case pExact:
			if (rule.kind == pPrefix && strings.HasPrefix(tv, rv)) || (rule.kind == pSep && under(tv, rv)) {
				return relFull, sub
			}
		case pRegex:
			lp := norm(route.lit)
			if covers(lp) {
				return relFull, sub
			}
			if strings.HasPrefix(rv, lp) || strings.HasPrefix(lp, rv) {
				return relUnrep, sub
			}
		}
	case pExact:
		switch route.kind {
		case pAny:
			return relPartial, sub
		case pPrefix:
			if strings.HasPrefix(rv, tv) {
				return relPartial, sub
			}
		case pSep:
			if under(rv, tv) {
				return relPartial, sub
			}
		case pExact:
			if rv == tv {
				return relFull, sub
			}
		case pRegex:
			if route.re.MatchString(rule.value) {
				return relPartial, sub
			}
		}
	case pRegex:
		lp := norm(rule.lit)
		all, from := rule.all, norm(rule.allFrom)
		switch route.kind {
		case pAny:
			if all && from == "" {
				return relFull, sub
			}
			return relPartial, sub
		case pExact:
			if rule.re.MatchString(route.value) {
				return relFull, sub
			}
		case pPrefix, pSep:
			if all && strings.HasPrefix(tv, from) {
				return relFull, sub
			}
			if strings.HasPrefix(lp, tv) {
				return relPartial, sub
			}
			if strings.HasPrefix(tv, lp) {
				return relUnrep, sub
			}
		case pRegex:
			if rule.value == route.value && rule.ci == route.ci {
				return relFull, sub
			}
			rp := norm(route.lit)
			if strings.HasPrefix(lp, rp) || strings.HasPrefix(rp, lp) {
				return relUnrep, sub
			}
		}
	}
	return relNone, sub
}

func literalPrefix(re *regexp.Regexp) string {
	if re == nil {
		return ""
	}
	p, _ := re.LiteralPrefix()
	return p
}

// matchesAllFrom reports whether a regex is "L.*" (every path starting
// with the literal L), captures and anchors aside.
func matchesAllFrom(src string) (bool, string) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return false, ""
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	for len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		subs = subs[1:]
	}
	for len(subs) > 0 && (subs[len(subs)-1].Op == syntax.OpEndText || subs[len(subs)-1].Op == syntax.OpEndLine) {
		subs = subs[:len(subs)-1]
	}
	unwrap := func(r *syntax.Regexp) *syntax.Regexp {
		for r.Op == syntax.OpCapture && len(r.Sub) == 1 {
			r = r.Sub[0]
		}
		return r
	}
	anyStar := func(r *syntax.Regexp) bool {
		r = unwrap(r)
		return r.Op == syntax.OpStar && len(r.Sub) == 1 && (r.Sub[0].Op == syntax.OpAnyChar || r.Sub[0].Op == syntax.OpAnyCharNotNL)
	}
	switch {
	case len(subs) == 1 && anyStar(subs[0]):
		return true, ""
	case len(subs) == 2 && anyStar(subs[1]):
		lit := unwrap(subs[0])
		if lit.Op == syntax.OpLiteral && lit.Flags&syntax.FoldCase == 0 {
			return true, string(lit.Rune)
		}
	}
	return false, ""
}

// hostsOf turns virtual host domains into Route hosts: ports are dropped
// (the inventory compares host names), "*" means any host, and a domain
// posture cannot express (Envoy's "prefix.*" wildcard) widens the route
// to any host rather than narrowing it.
func hostsOf(domains []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if strings.HasPrefix(d, "[") {
			if i := strings.IndexByte(d, ']'); i > 0 {
				d = d[1:i]
			}
		} else if i := strings.LastIndexByte(d, ':'); i >= 0 && strings.Count(d, ":") == 1 {
			d = d[:i]
		}
		if d == "" || d == "*" || strings.Count(d, "*") > 1 || (strings.Contains(d, "*") && !strings.HasPrefix(d, "*.")) {
			return nil
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
