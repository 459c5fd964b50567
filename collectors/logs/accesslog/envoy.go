package accesslog

import (
	"bytes"
	"time"
)

type envoyText struct{}

// EnvoyDefault is Envoy's default text access-log format
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string):
//
//	[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//	%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//	%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
//	"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
//
// with an optional "ACCESS " prefix (Ambassador). TCP proxy lines have the
// request "- - -", i.e. Method "". The format has no client address:
// ClientIP stays "" (X-Forwarded-For is kept as logged).
var EnvoyDefault Format = envoyText{}

func (envoyText) Name() string { return "envoy" }

func (envoyText) Parse(line []byte, r *Record) error {
	const name = "envoy"
	r.Reset()
	c := cursor{b: line}
	if bytes.HasPrefix(line, []byte("ACCESS ")) {
		c.p = len("ACCESS ")
	}
	if c.eof() || line[c.p] != '[' {
		return perr(name, c.p, "want [START_TIME]")
	}
	rb := bytes.IndexByte(line[c.p:], ']')
	if rb < 0 {
		return perr(name, c.p, "unterminated [START_TIME]")
	}
	t, ok := parseISO(line[c.p+1 : c.p+rb])
	if !ok {
		return perr(name, c.p+1, "bad START_TIME")
	}
	r.Time = t
	c.p += rb + 1
	if !c.space() {
		return perr(name, c.p, "want a space")
	}
	req, ok := c.quoted()
	if !ok {
		return perr(name, c.p, "want a quoted request")
	}
	setRequest(req, r)
	if r.Proto == "" {
		// "- - -" and similar: keep nothing but the raw text.
		r.Path, r.RawQuery = "", ""
	}
	var nums [5][]byte // code, flags, received, sent, duration
	for i := range nums {
		if !c.space() {
			return perr(name, c.p, "want a space")
		}
		nums[i] = c.field()
	}
	st, ok := parseUint(nums[0])
	if !ok || st > 999 {
		return perr(name, c.p, "bad RESPONSE_CODE")
	}
	r.Status = int(st)
	r.ResponseFlags = dash(nums[1])
	if _, ok := parseUint(nums[2]); !ok {
		return perr(name, c.p, "bad BYTES_RECEIVED")
	}
	if r.BytesSent, ok = parseUint(nums[3]); !ok {
		return perr(name, c.p, "bad BYTES_SENT")
	}
	if len(nums[4]) != 1 || nums[4][0] != '-' {
		ms, ok := parseUint(nums[4])
		if !ok {
			return perr(name, c.p, "bad DURATION")
		}
		r.Duration = time.Duration(ms) * time.Millisecond
	}
	if !c.space() {
		return perr(name, c.p, "want a space")
	}
	c.field()       // upstream service time, "-" or ms
	var q [5][]byte // xff, ua, request id, authority, upstream host
	for i := range q {
		if !c.space() {
			return perr(name, c.p, "want a space")
		}
		v, ok := c.quoted()
		if !ok {
			return perr(name, c.p, "want a quoted field")
		}
		q[i] = v
	}
	r.XForwardedFor = dash(q[0])
	r.UserAgent = dash(q[1])
	r.RequestID = dash(q[2])
	r.Host = dash(q[3])
	r.Upstream = dash(q[4])
	return nil
}
