package accesslog

import (
	"bytes"
)

// combinedFormat parses the nginx/Apache "combined" format
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// and its variants seen in real logs (see the package documentation).
type combinedFormat struct{ name string }

// Combined is the nginx "combined" log format (also Apache's combined and,
// without referer and user agent, the common log format). Trailing extra
// fields are tolerated; the first trailing quoted field is taken as
// X-Forwarded-For, the usual nginx addition.
var Combined Format = combinedFormat{"combined"}

// ApacheCombined is Apache's LogFormat "%h %l %u %t \"%r\" %>s %b
// \"%{Referer}i\" \"%{User-agent}i\"": the same grammar as Combined (Apache
// escapes '"' as \" inside strings, which both accept).
var ApacheCombined Format = combinedFormat{"apache-combined"}

func (f combinedFormat) Name() string { return f.name }

func (f combinedFormat) Parse(line []byte, r *Record) error {
	r.Reset()
	lb := bytes.IndexByte(line, '[')
	if lb < 0 {
		return perr(f.name, 0, "no [time] field")
	}
	if lb < 5 || line[lb-1] != ' ' {
		return perr(f.name, lb, "no address, ident and user before [time]")
	}
	if col, msg := parsePrefix(line[:lb-1], r); msg != "" {
		return perr(f.name, col, msg)
	}
	rb := bytes.IndexByte(line[lb:], ']')
	if rb < 0 {
		return perr(f.name, lb, "unterminated [time]")
	}
	t, ok := parseCLF(line[lb+1 : lb+rb])
	if !ok {
		return perr(f.name, lb+1, "bad time, want 02/Jan/2006:15:04:05 -0700")
	}
	r.Time = t
	c := cursor{b: line, p: lb + rb + 1}
	if !c.space() {
		return perr(f.name, c.p, "want a space after [time]")
	}
	req, ok := c.quoted()
	if !ok {
		return perr(f.name, c.p, "want a quoted request line")
	}
	setRequest(req, r)
	if !c.space() {
		return perr(f.name, c.p, "want a space after the request")
	}
	st := c.p
	s, ok := parseUint(c.field())
	if !ok || s > 999 {
		return perr(f.name, st, "bad status")
	}
	r.Status = int(s)
	if !c.space() {
		return perr(f.name, c.p, "want a space after the status")
	}
	st = c.p
	if b := c.field(); !(len(b) == 1 && b[0] == '-') {
		n, ok := parseUint(b)
		if !ok {
			return perr(f.name, st, "bad byte count")
		}
		r.BytesSent = n
	}
	// Common log format ends here; combined goes on with referer and UA,
	// then whatever the site appended.
	for i := 0; ; i++ {
		if !c.space() || c.eof() || c.b[c.p] != '"' {
			return nil
		}
		st = c.p
		v, ok := c.quoted()
		if !ok {
			return perr(f.name, st, "unterminated quoted field")
		}
		switch i {
		case 0:
			r.Referer = dash(v)
		case 1:
			r.UserAgent = dash(v)
		case 2:
			if r.XForwardedFor == "" {
				r.XForwardedFor = dash(v)
			}
		default:
			return nil
		}
	}
}

// parsePrefix reads "addr ident user" before [time]. The address part may
// be a list, as in Filebeat's test log: "a, b, c" ($proxy_add_x_forwarded_for)
// or "\"a, b\" c" ("$http_x_forwarded_for" $remote_addr). The last address
// is the peer nginx saw (ClientIP); the ones before it are the forwarded
// chain (XForwardedFor). A remote_user other than "-" means HTTP auth
// succeeded, so Authenticated=1; "-" leaves it unknown (bearer tokens and
// API keys never show there).
func parsePrefix(p []byte, r *Record) (int, string) {
	us := bytes.LastIndexByte(p, ' ')
	if us <= 0 {
		return 0, "want address, ident and user before [time]"
	}
	if u := p[us+1:]; len(u) > 0 && !(len(u) == 1 && u[0] == '-') {
		r.Authenticated = 1
	}
	is := bytes.LastIndexByte(p[:us], ' ')
	if is <= 0 || is+1 == us {
		return 0, "want address, ident and user before [time]"
	}
	addr := bytes.TrimRight(p[:is], " ")
	cut := bytes.LastIndexAny(addr, " ,")
	ip := addr[cut+1:]
	if len(ip) == 0 {
		return 0, "empty client address"
	}
	for _, ch := range ip {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '.' || ch == ':' || ch == '%' || ch == '_' || ch == '-') {
			return cut + 1, "bad client address"
		}
	}
	r.ClientIP = str(ip)
	if cut >= 0 {
		r.XForwardedFor = str(bytes.Trim(addr[:cut], " ,\""))
	}
	return 0, ""
}
