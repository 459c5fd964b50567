package accesslog

import (
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// Record is one parsed access-log line. Parse fills it in place so that a
// reader can reuse one Record for a whole file.
//
// Strings parsed from text formats (Combined, NginxFormat, EnvoyDefault,
// ALB) alias the line passed to Parse: they are valid only until the
// caller reuses that buffer (for Reader: until the callback returns).
// Call Clone to keep a record. Strings from JSON formats are fresh copies.
type Record struct {
	Time          time.Time // always UTC; zero when not logged
	Method        string    // "" when the request line is not a valid HTTP request line
	Path          string    // request target without the query; origin form
	RawQuery      string    // after '?', without it
	Proto         string    // "HTTP/1.1", "HTTP/2", ...; "" when not logged
	Request       string    // raw request line as logged (text formats only)
	Status        int       // 0 when not logged or "-"
	BytesSent     int64     // response bytes (body bytes for nginx combined)
	Duration      time.Duration
	ClientIP      string
	Host          string
	UserAgent     string
	Referer       string
	XForwardedFor string
	TLS           int8 // -1 unknown, 0 plaintext, 1 TLS
	Authenticated int8 // -1 unknown, 0 no, 1 yes
	Upstream      string
	Route         string // gateway route/resource name (Kong route.name, API Gateway routeKey/resourcePath)
	ResponseFlags string // Envoy RESPONSE_FLAGS, "" for "-"
	RequestID     string
}

// Reset clears r to the "nothing known" state.
func (r *Record) Reset() {
	*r = Record{TLS: -1, Authenticated: -1}
}

// Clone returns a copy of r whose strings do not alias any line buffer.
func (r *Record) Clone() Record {
	c := *r
	for _, s := range []*string{&c.Method, &c.Path, &c.RawQuery, &c.Proto, &c.Request, &c.ClientIP, &c.Host,
		&c.UserAgent, &c.Referer, &c.XForwardedFor, &c.Upstream, &c.Route, &c.ResponseFlags, &c.RequestID} {
		*s = strings.Clone(*s)
	}
	return c
}

// Format parses one line (without its line terminator) of one log format.
type Format interface {
	Name() string
	// Parse resets r and fills it from line. It returns a *ParseError
	// when the line is not in this format; r is then unspecified.
	Parse(line []byte, r *Record) error
}

// ParseError says where a line stopped matching its format.
type ParseError struct {
	Format string
	Column int // 1-based byte column
	Msg    string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: column %d: %s", e.Format, e.Column, e.Msg)
}

func perr(format string, col int, msg string) *ParseError {
	return &ParseError{Format: format, Column: col + 1, Msg: msg}
}

// str returns b as a string without copying; see Record.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// dash maps the "-" that logs print for "no value" to "".
func dash(b []byte) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	return str(b)
}
