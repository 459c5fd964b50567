package collectors

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Specificity ranks how precisely a route matches a path: an exact rule
// beats a longer prefix, which beats a shorter one, which beats a regex.
// Zero means no match.
type Specificity int

// templateSegment stands in for a path parameter ("{id}") when a template
// is tested against a gateway's regex: any single segment a real request
// could carry.
const templateSegment = "x0"

var paramRE = regexp.MustCompile(`\{[^/{}]+\}`)

// Match reports how specifically the route matches an endpoint given by
// method and path template, under one of the API's base paths ("/v2"
// from https://api.example.com/v2; "" for none). Hosts are compared with
// the API's hosts when both sides name some.
func (r Route) Match(method, template string, basePaths, hosts []string) Specificity {
	if len(r.Methods) > 0 && !containsFold(r.Methods, method) {
		return 0
	}
	if len(r.Hosts) > 0 && len(hosts) > 0 && !hostsOverlap(r.Hosts, hosts) {
		return 0
	}
	if len(r.Paths) == 0 {
		return 1
	}
	if len(basePaths) == 0 {
		basePaths = []string{""}
	}
	best := Specificity(0)
	for _, bp := range basePaths {
		bp = strings.TrimRight(bp, "/")
		// A gateway may route the public path (base path included) or,
		// when it strips a prefix, the bare template: try both.
		for _, full := range []string{bp + template, template} {
			fullConcrete := paramRE.ReplaceAllString(full, templateSegment)
			for _, p := range r.Paths {
				if s := p.match(full, fullConcrete); s > best {
					best = s
				}
			}
		}
	}
	return best
}

func (p PathMatch) match(template, concrete string) Specificity {
	switch {
	case p.Exact != "":
		if p.Exact == template || p.Exact == concrete {
			return 1 << 20
		}
	case p.Prefix != "":
		// A plain string prefix, as Kong, Envoy and nginx match: "/order"
		// also serves "/orders". Longer prefixes are more specific.
		if strings.HasPrefix(template, p.Prefix) || strings.HasPrefix(concrete, p.Prefix) {
			return Specificity(1 + len(p.Prefix))
		}
	case p.Regex != "":
		re, err := compileAnchored(p.Regex)
		if err == nil && re.MatchString(concrete) {
			return 1
		}
	}
	return 0
}

// compileAnchored compiles a gateway path regex anchored at the start, as
// Kong and Envoy apply them; Kong's "~" marker is dropped.
func compileAnchored(expr string) (*regexp.Regexp, error) {
	expr = strings.TrimPrefix(expr, "~")
	if !strings.HasPrefix(expr, "^") {
		expr = "^" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("route regex %q: %w", expr, err)
	}
	return re, nil
}

// ValidateRoute checks a route's regexes compile, so a broken one is
// reported at import with its place rather than silently matching nothing.
func ValidateRoute(r Route) error {
	for _, p := range r.Paths {
		n := 0
		for _, v := range []string{p.Exact, p.Prefix, p.Regex} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("route %q: each path rule needs exactly one of exact, prefix, regex", r.Name)
		}
		if p.Regex != "" {
			if _, err := compileAnchored(p.Regex); err != nil {
				return fmt.Errorf("route %q: %w", r.Name, err)
			}
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// hostsOverlap compares route hosts (which may be wildcards like
// "*.example.com") with API hosts.
func hostsOverlap(routeHosts, apiHosts []string) bool {
	for _, rh := range routeHosts {
		rh = strings.ToLower(rh)
		for _, ah := range apiHosts {
			ah = strings.ToLower(ah)
			if rh == ah || rh == "*" {
				return true
			}
			if strings.HasPrefix(rh, "*.") && strings.HasSuffix(ah, rh[1:]) {
				return true
			}
			// Kong's and Envoy's suffix wildcard: "api.*".
			if strings.HasSuffix(rh, ".*") && strings.HasPrefix(ah, rh[:len(rh)-1]) {
				return true
			}
		}
	}
	return false
}

// SplitBaseURLs returns the hosts and base paths of an API's base URLs.
func SplitBaseURLs(urls []string) (hosts, basePaths []string) {
	seenH, seenP := map[string]bool{}, map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if h := u.Hostname(); h != "" && !seenH[h] {
			seenH[h] = true
			hosts = append(hosts, h)
		}
		p := strings.TrimRight(u.Path, "/")
		if !seenP[p] {
			seenP[p] = true
			basePaths = append(basePaths, p)
		}
	}
	return hosts, basePaths
}
