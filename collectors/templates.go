package collectors

import (
	"net/url"
	"strings"
)

// PathTemplates matches concrete requests ("GET /v1/users/42?x=1", as a
// scanner or an access log reports them) to an API's endpoint templates
// ("GET /users/{id}"), the way a router would: segment by segment, a
// {param} matching any one non-empty segment, under any of the API's base
// paths. When several templates match, the one with the most literal
// segments wins (/users/me over /users/{id}).
type PathTemplates struct {
	basePaths []string
	byMethod  map[string][]template
}

type template struct {
	key  string
	segs []string // "" marks a {param} segment
	lits int
}

// NewPathTemplates indexes endpoint keys ("METHOD /path/{p}") under the
// API's base paths ("/v1"; "" or none for the root).
func NewPathTemplates(keys []string, basePaths []string) *PathTemplates {
	m := &PathTemplates{byMethod: map[string][]template{}}
	for _, bp := range basePaths {
		if bp = strings.TrimRight(bp, "/"); bp != "" {
			m.basePaths = append(m.basePaths, bp)
		}
	}
	for _, k := range keys {
		method, p, ok := strings.Cut(k, " ")
		if !ok || !strings.HasPrefix(p, "/") {
			continue // GraphQL fields and the like have no path to match
		}
		t := template{key: k}
		for _, s := range splitPath(p) {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				t.segs = append(t.segs, "")
				continue
			}
			t.segs = append(t.segs, s)
			t.lits++
		}
		m.byMethod[strings.ToUpper(method)] = append(m.byMethod[strings.ToUpper(method)], t)
	}
	return m
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Match returns the endpoint key serving a request, given its method ("" for
// any) and its URL or path. ok is false when no template matches.
func (m *PathTemplates) Match(method, rawURL string) (key string, ok bool) {
	p := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		p = u.Path
	}
	if p == "" {
		p = "/"
	}
	candidates := []string{p}
	for _, bp := range m.basePaths {
		if rest, found := strings.CutPrefix(p, bp); found && (rest == "" || strings.HasPrefix(rest, "/")) {
			candidates = append(candidates, rest)
		}
	}
	methods := []string{strings.ToUpper(method)}
	if method == "" {
		methods = methods[:0]
		for k := range m.byMethod {
			methods = append(methods, k)
		}
	}
	best, bestLits := "", -1
	for _, c := range candidates {
		segs := splitPath(c)
		for _, meth := range methods {
			for _, t := range m.byMethod[meth] {
				if t.lits > bestLits && t.matches(segs) || t.lits == bestLits && t.matches(segs) && t.key < best {
					best, bestLits = t.key, t.lits
				}
			}
		}
	}
	return best, bestLits >= 0
}

func (t template) matches(segs []string) bool {
	if len(segs) != len(t.segs) {
		return false
	}
	for i, s := range t.segs {
		if s == "" {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

// DefaultGraphQLPath is where a GraphQL API is served when its base URL
// does not say: the path nearly every server and client defaults to.
const DefaultGraphQLPath = "/graphql"

// IsGraphQLMethod reports whether m is a GraphQL operation type, the
// "method" of a GraphQL root-field endpoint.
func IsGraphQLMethod(m string) bool {
	return m == GraphQLQuery || m == GraphQLMutation || m == GraphQLSubscription
}

// GraphQLPaths are the URL paths a GraphQL API is served at: its base
// paths, or DefaultGraphQLPath when it declares none. Every root field is
// a request (POST, or GET for queries) to one of them.
func GraphQLPaths(basePaths []string) []string {
	var out []string
	for _, bp := range basePaths {
		if strings.Trim(bp, "/") != "" {
			out = append(out, "/"+strings.Trim(bp, "/"))
		}
	}
	if len(out) == 0 {
		out = []string{DefaultGraphQLPath}
	}
	return out
}
