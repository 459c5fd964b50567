package tyk

import (
	"regexp"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// Path matching, as the Tyk gateway does it (internal/httputil/mux.go,
// PreparePathRegexp, and URLSpec.matchesPath in the gateway):
//
//   - An endpoint path in extended_paths is a regular expression (RE2) in
//     which mux-style parameters ("{id}") stand for one segment ([^/]+) and
//     "/*" for anything.
//   - It is matched against the request path with the listen path
//     stripped (and, failing that, against the full path).
//   - By default the expression is NOT anchored: "/users" matches
//     "/users", "/users/1" and "/admin/users". tyk.conf's
//     http_server_options.enable_path_prefix_matching anchors it at the
//     start ("^/users", only when the pattern begins with "/"), and
//     enable_path_suffix_matching at the end ("/users$"); both together
//     make an exact match.

// pathMode is how the gateway anchors endpoint paths.
type pathMode struct{ prefix, suffix bool }

var muxParam = regexp.MustCompile(`\{[^}]+\}`)

// isMuxTemplate mirrors httputil.IsMuxTemplate: braces that balance.
func isMuxTemplate(p string) bool {
	o := strings.Count(p, "{")
	return o > 0 && o == strings.Count(p, "}")
}

// tykPattern is the regular expression Tyk compiles for an endpoint path,
// before the mode's anchors are added.
func tykPattern(p string) string {
	if isMuxTemplate(p) {
		p = muxParam.ReplaceAllString(p, `([^/]+)`)
	}
	if strings.Contains(p, "/*") {
		p = strings.ReplaceAll(p, "/*/", "/[^/]+/")
		p = strings.ReplaceAll(p, "/*", "/.*")
	}
	return p
}

// prepared is the expression the gateway matches against the stripped
// request path.
func prepared(p string, m pathMode, ignoreCase bool) string {
	pat := tykPattern(p)
	if m.prefix && strings.HasPrefix(pat, "/") {
		pat = "^" + pat
	}
	if m.suffix && !strings.HasSuffix(pat, "$") {
		pat += "$"
	}
	if ignoreCase {
		pat = "(?i)" + pat
	}
	return pat
}

// regexMeta are the characters that make a path a real regular
// expression rather than a literal (a "." is common in literal paths and
// matches itself, so it does not count).
const regexMeta = `\+*?()|[]{}^$`

// sample returns a concrete request path (relative to the listen path)
// that a route's own pattern matches, so other rules can be tested
// against it: parameters become one segment. ok is false when the pattern
// is a real regular expression with no obvious sample.
func sample(p string) (string, bool) {
	s := muxParam.ReplaceAllString(p, "x0")
	s = strings.ReplaceAll(s, "/*", "/x0")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "^"), "$")
	if strings.ContainsAny(s, regexMeta) {
		return "", false
	}
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return s, true
}

// listenPathRegex is the listen path (without its trailing slash) as an
// RE2 fragment: literal text quoted, mux parameters one segment.
func listenPathRegex(lp string) string {
	lp = strings.TrimSuffix(lp, "/")
	var b strings.Builder
	rest := lp
	if isMuxTemplate(lp) {
		for {
			loc := muxParam.FindStringIndex(rest)
			if loc == nil {
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
			b.WriteString(`[^/]+`)
			rest = rest[loc[1]:]
		}
	}
	b.WriteString(regexp.QuoteMeta(rest))
	return b.String()
}

// listenPathMatch describes the requests an API definition receives: the
// gateway routes on the listen path as a prefix (gorilla/mux PathPrefix).
func listenPathMatch(lp string) collectors.PathMatch {
	if isMuxTemplate(lp) {
		return collectors.PathMatch{Regex: "^" + listenPathRegex(lp)}
	}
	return collectors.PathMatch{Prefix: lp}
}

// publicMatch describes, on the public request path (listen path
// included), the requests an endpoint path under extended_paths applies
// to. prefix is the URL version segment ("/v2") when versions are chosen
// by URL, else "".
func publicMatch(lp, prefix, p string, m pathMode, ignoreCase bool) collectors.PathMatch {
	base := listenPathRegex(lp) + regexp.QuoteMeta(prefix)
	pat := tykPattern(p)
	anchored := strings.HasPrefix(pat, "^") || (m.prefix && strings.HasPrefix(pat, "/"))
	body := strings.TrimPrefix(pat, "^")
	exactEnd := strings.HasSuffix(body, "$") || m.suffix
	if m.suffix && !strings.HasSuffix(body, "$") {
		body += "$"
	}
	// A literal path anchored at both ends is an exact match.
	if anchored && exactEnd && !ignoreCase && !isMuxTemplate(lp) {
		lit := strings.TrimSuffix(body, "$")
		if !strings.ContainsAny(lit, regexMeta+".") {
			return collectors.PathMatch{Exact: strings.TrimSuffix(lp, "/") + prefix + lit}
		}
	}
	var re strings.Builder
	re.WriteString("^")
	if ignoreCase {
		re.WriteString("(?i)")
	}
	re.WriteString(base)
	if !anchored {
		// Unanchored: the expression may match anywhere after the
		// listen path.
		re.WriteString(".*")
	}
	re.WriteString(body)
	return collectors.PathMatch{Regex: re.String()}
}
