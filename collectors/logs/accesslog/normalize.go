package accesslog

import "strings"

// MaxTemplateSegments bounds a normalized path: deeper paths keep their
// first segments and end in "/{rest}", so a crawler inventing ever deeper
// URLs cannot create unbounded distinct endpoints.
const MaxTemplateSegments = 8

// NormalizePath turns a request path that matched no known endpoint into
// a template by replacing the segments that are values rather than names:
// numbers become {id}, UUIDs {uuid}, long hex strings {hash}, long mixed
// letter-and-digit tokens {token}, and anything over 64 bytes {value}.
// "/users/42/orders/9f1c…" becomes "/users/{id}/orders/{hash}". It is a
// heuristic for unknown endpoints only; requests matching an inventory
// template keep that template.
func NormalizePath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	var b strings.Builder
	b.Grow(len(p))
	n := 0
	for seg := range strings.SplitSeq(strings.Trim(p, "/"), "/") {
		if seg == "" {
			continue // "//" collapses, as routers do
		}
		if n == MaxTemplateSegments {
			b.WriteString("/{rest}")
			break
		}
		b.WriteByte('/')
		b.WriteString(classify(seg))
		n++
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

func classify(seg string) string {
	if len(seg) > 64 {
		return "{value}"
	}
	digits, hex, letters, other := 0, 0, 0, 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			hex++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			hex++
			letters++
		case c >= 'g' && c <= 'z', c >= 'G' && c <= 'Z':
			letters++
		case c == '-' || c == '_':
		default:
			other++
		}
	}
	switch {
	case digits == len(seg):
		return "{id}"
	case isUUID(seg):
		return "{uuid}"
	case hex == len(seg) && len(seg) >= 16:
		return "{hash}"
	case other == 0 && len(seg) >= 20 && digits >= 2 && letters >= 2:
		return "{token}" // API keys, base64url ids, slugs with ids
	}
	return seg
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
