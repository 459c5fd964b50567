package dast

import (
	"encoding/base64"
	"net"
	"net/url"
	"strings"

	"github.com/posture-dev/posture/collectors/scan"
)

// maxMessage is how much of an HTTP message Head reads: its head is what
// an excerpt shows, and no real header block is this long.
const maxMessage = 64 << 10

// Redacted replaces credentials in excerpts.
const Redacted = "[redacted]"

// Head returns the start line and header lines of an HTTP message (up to
// the first blank line), each line trimmed (ZAP indents them in pretty
// XML), with the values of credential headers redacted (Authorization
// keeps its scheme, Cookie and Set-Cookie their names and attributes):
// scan reports carry the scanner's live session tokens, and excerpts are
// stored and shown. Bytes that are not UTF-8 or are control characters
// are replaced, so a binary message cannot poison the store.
func Head(msg string) string {
	msg = Sanitize(prefix(msg, maxMessage))
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	msg = strings.TrimLeft(msg, " \t\n")
	var out []string
	for i, ln := range strings.Split(msg, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" {
			break
		}
		if i > 0 {
			ln = redactHeader(ln)
		}
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}

// Message is Head for a message whose body matters too (Wapiti's attack
// request carries the payload in a POST body): headers redacted as in
// Head, then the body, bounded by maxMessage.
func Message(msg string) string {
	msg = Sanitize(prefix(msg, maxMessage))
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	head, body, found := strings.Cut(strings.TrimLeft(msg, " \t\n"), "\n\n")
	h := Head(head)
	if !found || strings.TrimSpace(body) == "" {
		return h
	}
	return h + "\n\n" + strings.TrimSpace(body)
}

// sensitive reports whether a header's value is a credential.
func sensitive(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "set-cookie2":
		return true
	}
	for _, w := range []string{"token", "api-key", "apikey", "api_key", "secret", "password", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func redactHeader(ln string) string {
	name, value, ok := strings.Cut(ln, ":")
	if !ok || strings.ContainsAny(name, " \t") || !sensitive(name) {
		return ln
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return ln
	}
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return name + ": " + scheme + " " + Redacted
		}
	case "cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=" + Redacted
			}
		}
		return name + ": " + strings.Join(parts, ";")
	case "set-cookie", "set-cookie2":
		first, rest, _ := strings.Cut(value, ";")
		if k, _, ok := strings.Cut(first, "="); ok {
			first = k + "=" + Redacted
		} else {
			first = Redacted
		}
		if rest != "" {
			return name + ": " + first + ";" + rest
		}
		return name + ": " + first
	}
	return name + ": " + Redacted
}

// Sanitize makes s safe to store as text: invalid UTF-8 becomes U+FFFD
// and control characters other than tab and newline are dropped (\r is
// kept for CRLF handling by the callers).
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Base64Prefix decodes the start of a base64 text: enough of a Burp
// message for its head (maxMessage bytes), ignoring white space, never
// the whole body. ok is false when the text is not base64.
func Base64Prefix(s string) (string, bool) {
	n := maxMessage / 3 * 4
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
		default:
			b.WriteByte(c)
		}
	}
	enc := b.String()
	if len(enc) >= n {
		enc = enc[:n] // a multiple of 4: decodes without padding issues
	}
	out, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err != nil {
			return "", false
		}
	}
	return string(out), true
}

// RequestMethod returns the method of an HTTP request's start line
// ("GET /a HTTP/1.1"), upper case, or "" when the line is not one.
func RequestMethod(msg string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(msg, " \t\r\n"), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || len(f[0]) > 20 {
		return ""
	}
	for _, c := range f[0] {
		if (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return ""
		}
	}
	return f[0]
}

// HostPortHint is scan.HostHint from separate host, port and TLS values
// (ZAP's site attributes): the port is left out when it is the default.
func HostPortHint(host, port string, tls bool) string {
	host = strings.Trim(strings.TrimSpace(host), "[]")
	port = strings.TrimSpace(port)
	if host == "" {
		return ""
	}
	if port == "" {
		return scan.HostHint(host)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scan.HostHint(scheme + "://" + net.JoinHostPort(host, port))
}

// JoinURL resolves a report's path against its origin: a path that is
// already an absolute URL is kept, "/x" is put under the origin's scheme
// and host; without an origin the path is returned as is.
func JoinURL(origin, p string) string {
	p = strings.TrimSpace(p)
	origin = strings.TrimSpace(origin)
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") || origin == "" {
		return p
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return strings.TrimRight(origin, "/") + p
	}
	base := u.Scheme + "://" + u.Host
	if p == "" {
		return origin
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return base + p
}
