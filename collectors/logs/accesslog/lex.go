package accesslog

import (
	"bytes"
	"time"
)

// parseUint parses a decimal number of at most 18 digits (no overflow).
func parseUint(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseSeconds parses "12.345" seconds (nginx $request_time, ALB times)
// without floating point: integer part up to 9e9, fraction truncated
// to nanoseconds.
func parseSeconds(b []byte) (time.Duration, bool) {
	dot := bytes.IndexByte(b, '.')
	ip, fp := b, []byte(nil)
	if dot >= 0 {
		ip, fp = b[:dot], b[dot+1:]
	}
	if len(ip) > 10 || (len(ip) == 0 && len(fp) == 0) {
		return 0, false
	}
	var sec int64
	if len(ip) > 0 {
		var ok bool
		// 9e9 s keeps time.Duration (max ~292 years) from overflowing
		// while still holding an epoch ($msec).
		if sec, ok = parseUint(ip); !ok || sec > 9_000_000_000 {
			return 0, false
		}
	}
	var ns int64
	scale := int64(100_000_000)
	for _, c := range fp {
		if c < '0' || c > '9' {
			return 0, false
		}
		ns += int64(c-'0') * scale
		scale /= 10
	}
	if dot >= 0 && len(fp) == 0 {
		return 0, false
	}
	return time.Duration(sec)*time.Second + time.Duration(ns), true
}

func num2(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func num4(b []byte) (int, bool) {
	n, ok := parseUint(b)
	return int(n), ok && len(b) == 4
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseCLF parses nginx $time_local / Apache %t: "02/Jan/2006:15:04:05 -0700".
// The result is UTC: keeping the offset as a time.Location would allocate
// per line.
func parseCLF(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	mon := 0
	for i, m := range months {
		if string(b[3:6]) == m {
			mon = i + 1
			break
		}
	}
	day, ok1 := num2(b[0:2])
	year, ok2 := num4(b[7:11])
	hh, ok3 := num2(b[12:14])
	mm, ok4 := num2(b[15:17])
	ss, ok5 := num2(b[18:20])
	off, ok6 := parseOffset(b[21:])
	if mon == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return time.Time{}, false
	}
	return mkTime(year, mon, day, hh, mm, ss, 0, off)
}

// parseOffset parses "+0330", "-07:00" or "Z" into seconds east of UTC.
func parseOffset(b []byte) (int, bool) {
	if len(b) == 1 && b[0] == 'Z' {
		return 0, true
	}
	if len(b) != 5 && len(b) != 6 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok1 := num2(b[1:3])
	mb := b[3:]
	if len(b) == 6 {
		if b[3] != ':' {
			return 0, false
		}
		mb = b[4:]
	}
	m, ok2 := num2(mb)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

func mkTime(year, mon, day, hh, mm, ss, ns, off int) (time.Time, bool) {
	if day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || mon < 1 || mon > 12 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, ns, time.UTC).Add(-time.Duration(off) * time.Second), true
}

// parseISO parses "2006-01-02T15:04:05[.frac][Z|+07:00|+0700]" (Envoy
// START_TIME, ALB time, nginx $time_iso8601). No zone means UTC.
func parseISO(b []byte) (time.Time, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num4(b[0:4])
	mon, ok2 := num2(b[5:7])
	day, ok3 := num2(b[8:10])
	hh, ok4 := num2(b[11:13])
	mm, ok5 := num2(b[14:16])
	ss, ok6 := num2(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return time.Time{}, false
	}
	rest := b[19:]
	ns := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ns += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	off := 0
	if len(rest) > 0 {
		var ok bool
		if off, ok = parseOffset(rest); !ok {
			return time.Time{}, false
		}
	}
	return mkTime(year, mon, day, hh, mm, ss, ns, off)
}

// cursor walks a text line field by field.
type cursor struct {
	b []byte
	p int
}

func (c *cursor) eof() bool { return c.p >= len(c.b) }

// space consumes one or more spaces and reports whether there was one.
func (c *cursor) space() bool {
	s := c.p
	for c.p < len(c.b) && c.b[c.p] == ' ' {
		c.p++
	}
	return c.p > s
}

// field returns the bytes up to the next space or the end.
func (c *cursor) field() []byte {
	s := c.p
	for c.p < len(c.b) && c.b[c.p] != ' ' {
		c.p++
	}
	return c.b[s:c.p]
}

// quoted consumes a double-quoted string and returns its content, still
// escaped. A backslash escapes the next byte (Apache writes \" inside
// strings; nginx writes \x22, which needs nothing special).
func (c *cursor) quoted() ([]byte, bool) {
	if c.p >= len(c.b) || c.b[c.p] != '"' {
		return nil, false
	}
	s := c.p + 1
	for i := s; i < len(c.b); i++ {
		switch c.b[i] {
		case '\\':
			i++
		case '"':
			c.p = i + 1
			return c.b[s:i], true
		}
	}
	return nil, false
}

// isMethod: an HTTP method token as servers log it (upper-case letters,
// '-' and '_'), which rejects TLS handshakes, binary junk and "-".
func isMethod(b []byte) bool {
	if len(b) == 0 || len(b) > 32 {
		return false
	}
	for _, c := range b {
		if (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// setRequest splits a logged request line "METHOD target PROTO". A line
// that is not a valid request line ("", "-", "\x16\x03\x01...", junk)
// leaves Method, Path and Proto empty; the raw text stays in r.Request and
// the record still counts (its status, e.g. 400, is real traffic).
func setRequest(req []byte, r *Record) {
	r.Request = str(req)
	sp := bytes.IndexByte(req, ' ')
	if sp <= 0 || !isMethod(req[:sp]) {
		return
	}
	rest := req[sp+1:]
	var target, proto []byte
	if sp2 := bytes.LastIndexByte(rest, ' '); sp2 >= 0 {
		target, proto = rest[:sp2], rest[sp2+1:]
		if !bytes.HasPrefix(proto, []byte("HTTP/")) {
			return
		}
	} else {
		target = rest // HTTP/0.9 "GET /"
	}
	if len(target) == 0 || bytes.IndexByte(target, ' ') >= 0 {
		return
	}
	r.Method = str(req[:sp])
	r.Proto = str(proto)
	setTarget(target, r)
}

// setTarget splits a request target into Path and RawQuery; an
// absolute-form target ("https://host/p") also gives Host when unset.
func setTarget(t []byte, r *Record) {
	for _, scheme := range []string{"http://", "https://"} {
		if len(t) >= len(scheme) && string(t[:len(scheme)]) == scheme {
			h := t[len(scheme):]
			end := bytes.IndexAny(h, "/?")
			if end < 0 {
				end = len(h)
			}
			if r.Host == "" {
				r.Host = str(h[:end])
			}
			t = h[end:]
			break
		}
	}
	if q := bytes.IndexByte(t, '?'); q >= 0 {
		r.RawQuery = str(t[q+1:])
		t = t[:q]
	}
	if len(t) == 0 {
		r.Path = "/"
		return
	}
	r.Path = str(t)
}

func unixDur(d time.Duration) time.Time {
	return time.Unix(0, 0).UTC().Add(d)
}

func timeDur(ns int64) time.Duration { return time.Duration(ns) }
