package accesslog

import (
	"bytes"
)

type albFormat struct{}

// ALB is the AWS Application Load Balancer access log
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#access-log-entry-syntax):
// space-separated fields, some quoted, in this order:
//
//	type time elb client:port target:port request_processing_time
//	target_processing_time response_processing_time elb_status_code
//	target_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//	"chosen_cert_arn" matched_rule_priority request_creation_time
//	"actions_executed" "redirect_url" "error_reason" "target:port_list"
//	"target_status_code_list" "classification" "classification_reason"
//	conn_trace_id
//
// The fields through ssl_protocol are required; AWS appends new fields at
// the end over time, so later ones are optional and extra ones ignored.
// Status is elb_status_code (what the client got). Duration is the sum of
// the three processing times, or 0 when any is -1 (the request did not
// reach a target or the connection broke). TLS comes from type: https, h2,
// wss and grpcs are TLS; http and ws are not.
var ALB Format = albFormat{}

func (albFormat) Name() string { return "aws-alb" }

const albFields = 30

func (albFormat) Parse(line []byte, r *Record) error {
	const name = "aws-alb"
	r.Reset()
	var f [albFields][]byte
	var at [albFields]int
	c := cursor{b: line}
	n := 0
	for n < albFields && !c.eof() {
		if n > 0 && !c.space() {
			return perr(name, c.p, "want a space")
		}
		if c.eof() {
			break
		}
		at[n] = c.p
		if line[c.p] == '"' {
			v, ok := c.quoted()
			if !ok {
				return perr(name, c.p, "unterminated quoted field")
			}
			f[n] = v
		} else {
			f[n] = c.field()
		}
		n++
	}
	if n < 16 {
		return perr(name, c.p, "want at least 16 fields (through ssl_protocol)")
	}
	switch string(f[0]) {
	case "https", "h2", "wss", "grpcs":
		r.TLS = 1
	case "http", "ws":
		r.TLS = 0
	default:
		return perr(name, 0, "unknown type")
	}
	t, ok := parseISO(f[1])
	if !ok {
		return perr(name, at[1], "bad time")
	}
	r.Time = t
	r.ClientIP = str(hostPort(f[3]))
	if !(len(f[4]) == 1 && f[4][0] == '-') {
		r.Upstream = str(f[4])
	}
	var total int64
	for i := 5; i <= 7; i++ {
		if len(f[i]) == 2 && f[i][0] == '-' && f[i][1] == '1' {
			total = -1
			continue
		}
		d, ok := parseSeconds(f[i])
		if !ok {
			return perr(name, at[i], "bad processing time")
		}
		if total >= 0 {
			total += int64(d)
		}
	}
	if total > 0 {
		r.Duration = timeDur(total)
	}
	if !(len(f[8]) == 1 && f[8][0] == '-') {
		s, ok := parseUint(f[8])
		if !ok || s > 999 {
			return perr(name, at[8], "bad elb_status_code")
		}
		r.Status = int(s)
	}
	if !(len(f[11]) == 1 && f[11][0] == '-') {
		b, ok := parseUint(f[11])
		if !ok {
			return perr(name, at[11], "bad sent_bytes")
		}
		r.BytesSent = b
	}
	if n > 18 {
		r.Host = dash(f[18])
	}
	// The request target is an absolute URL with the listener port:
	// "GET https://host:443/p?q HTTP/1.1"; its host:port fills Host when
	// the SNI domain_name is "-" or not logged.
	setRequest(f[12], r)
	r.UserAgent = dash(f[13])
	if n > 17 {
		r.RequestID = dash(f[17])
	}
	return nil
}

// hostPort strips the port of "1.2.3.4:5678", "[2001:db8::1]:5678" or a
// bare "2001:db8::1:5678": ALB always appends a port, so what follows the
// last colon is dropped when it is all digits.
func hostPort(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if i := bytes.IndexByte(b, ']'); i > 0 {
			return b[1:i]
		}
	}
	i := bytes.LastIndexByte(b, ':')
	if i < 0 {
		return b
	}
	if _, ok := parseUint(b[i+1:]); !ok {
		return b
	}
	return b[:i]
}
