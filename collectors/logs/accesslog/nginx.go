package accesslog

import (
	"bytes"
	"fmt"
	"strings"
)

// nginxVar is what a log_format variable fills in.
type nginxVar uint8

const (
	vSkip nginxVar = iota // unknown variable: matched, ignored
	vRemoteAddr
	vRemoteUser
	vTimeLocal
	vTimeISO
	vMsec
	vRequest
	vMethod
	vRequestURI
	vURI
	vArgs
	vProto
	vStatus
	vBytes
	vRequestTime
	vHost
	vUserAgent
	vReferer
	vXFF
	vScheme
	vHTTPS
	vSSLProtocol
	vUpstreamAddr
	vRequestID
)

var nginxVars = map[string]nginxVar{
	"remote_addr": vRemoteAddr, "realip_remote_addr": vRemoteAddr, "binary_remote_addr": vSkip,
	"remote_user": vRemoteUser, "time_local": vTimeLocal, "time_iso8601": vTimeISO, "msec": vMsec,
	"request": vRequest, "request_method": vMethod, "request_uri": vRequestURI,
	"uri": vURI, "document_uri": vURI, "args": vArgs, "query_string": vArgs,
	"server_protocol": vProto, "status": vStatus, "body_bytes_sent": vBytes, "bytes_sent": vBytes,
	"request_time": vRequestTime, "http_host": vHost, "host": vHost,
	"http_user_agent": vUserAgent, "http_referer": vReferer,
	"http_x_forwarded_for": vXFF, "proxy_add_x_forwarded_for": vXFF,
	"scheme": vScheme, "https": vHTTPS, "ssl_protocol": vSSLProtocol,
	"upstream_addr": vUpstreamAddr, "request_id": vRequestID,
}

type nginxField struct {
	v      nginxVar
	quoted bool   // the variable sits between two '"': its value ends at an unescaped '"'
	lit    []byte // literal text after the variable
}

// NginxLogFormat is a compiled nginx log_format.
type NginxLogFormat struct {
	spec   string
	head   []byte // literal before the first variable
	fields []nginxField
}

// NginxFormat compiles an nginx log_format string (the concatenated
// format, variables as $name or ${name}). Variables this package does not
// know are matched and skipped. Two variables with nothing between them
// cannot be split and are an error.
//
// A value ends where the next literal begins; a variable enclosed in
// double quotes ends at the next unescaped '"' instead, so quoted values
// may contain the separator. Text after the last literal is ignored, so
// that appended fields do not make lines malformed.
func NginxFormat(logFormat string) (Format, error) {
	f := &NginxLogFormat{spec: logFormat}
	s := logFormat
	var lit []byte
	cur := -1
	flush := func() {
		if cur < 0 {
			f.head = lit
		} else {
			f.fields[cur].lit = lit
		}
		lit = nil
	}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			lit = append(lit, s[i])
			i++
			continue
		}
		var name string
		j := i + 1
		if j < len(s) && s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				return nil, fmt.Errorf("accesslog: nginx log_format: column %d: unterminated ${", i+1)
			}
			name = s[j+1 : j+end]
			j += end + 1
		} else {
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			name = s[i+1 : j]
		}
		if name == "" {
			return nil, fmt.Errorf("accesslog: nginx log_format: column %d: '$' without a variable name", i+1)
		}
		if cur >= 0 && len(lit) == 0 {
			return nil, fmt.Errorf("accesslog: nginx log_format: column %d: $%s follows another variable with no separator", i+1, name)
		}
		quoted := len(lit) > 0 && lit[len(lit)-1] == '"' && j < len(s) && s[j] == '"'
		flush()
		f.fields = append(f.fields, nginxField{v: nginxVars[strings.ToLower(name)], quoted: quoted})
		cur = len(f.fields) - 1
		i = j
	}
	flush()
	if len(f.fields) == 0 {
		return nil, fmt.Errorf("accesslog: nginx log_format: no variables in %q", logFormat)
	}
	return f, nil
}

// Name is "nginx:" followed by the format string.
func (f *NginxLogFormat) Name() string { return "nginx:" + f.spec }

// Parse implements Format.
func (f *NginxLogFormat) Parse(line []byte, r *Record) error {
	r.Reset()
	if !bytes.HasPrefix(line, f.head) {
		return perr("nginx", 0, "line does not start with the format's literal text")
	}
	p := len(f.head)
	var uri []byte
	for i := range f.fields {
		fd := &f.fields[i]
		var v []byte
		switch {
		case fd.quoted:
			c := cursor{b: line, p: p - 1} // p-1 is the opening quote
			q, ok := c.quoted()
			if !ok {
				return perr("nginx", p, "unterminated quoted value")
			}
			v, p = q, c.p-1 // leave the closing quote to the literal
		case len(fd.lit) == 0:
			v, p = line[p:], len(line)
		default:
			end := bytes.Index(line[p:], fd.lit)
			if end < 0 {
				return perr("nginx", p, fmt.Sprintf("missing %q after a value", fd.lit))
			}
			v, p = line[p:p+end], p+end
		}
		if !bytes.HasPrefix(line[p:], fd.lit) {
			return perr("nginx", p, fmt.Sprintf("want %q", fd.lit))
		}
		if msg := f.set(fd.v, v, r, &uri); msg != "" {
			return perr("nginx", p-len(v), msg)
		}
		p += len(fd.lit)
	}
	if uri != nil && r.Path == "" {
		setTarget(uri, r)
	}
	return nil
}

func (f *NginxLogFormat) set(k nginxVar, v []byte, r *Record, uri *[]byte) string {
	isDash := len(v) == 1 && v[0] == '-'
	switch k {
	case vRemoteAddr:
		r.ClientIP = dash(v)
	case vRemoteUser:
		if len(v) > 0 && !isDash {
			r.Authenticated = 1
		}
	case vTimeLocal:
		t, ok := parseCLF(v)
		if !ok {
			return "bad $time_local"
		}
		r.Time = t
	case vTimeISO:
		t, ok := parseISO(v)
		if !ok {
			return "bad $time_iso8601"
		}
		r.Time = t
	case vMsec:
		d, ok := parseSeconds(v)
		if !ok {
			return "bad $msec"
		}
		r.Time = unixDur(d)
	case vRequest:
		setRequest(v, r)
	case vMethod:
		if isMethod(v) {
			r.Method = str(v)
		}
	case vRequestURI:
		if len(v) > 0 && !isDash {
			setTarget(v, r)
		}
	case vURI:
		if len(v) > 0 && !isDash {
			*uri = v
		}
	case vArgs:
		if !isDash && r.RawQuery == "" {
			r.RawQuery = str(v)
		}
	case vProto:
		r.Proto = dash(v)
	case vStatus:
		n, ok := parseUint(v)
		if !ok || n > 999 {
			return "bad $status"
		}
		r.Status = int(n)
	case vBytes:
		if !isDash {
			n, ok := parseUint(v)
			if !ok {
				return "bad byte count"
			}
			r.BytesSent = n
		}
	case vRequestTime:
		if !isDash {
			d, ok := parseSeconds(v)
			if !ok {
				return "bad $request_time"
			}
			r.Duration = d
		}
	case vHost:
		if r.Host == "" {
			r.Host = dash(v)
		}
	case vUserAgent:
		r.UserAgent = dash(v)
	case vReferer:
		r.Referer = dash(v)
	case vXFF:
		r.XForwardedFor = dash(v)
	case vScheme:
		switch string(v) {
		case "https":
			r.TLS = 1
		case "http":
			r.TLS = 0
		}
	case vHTTPS:
		// $https is "on" over TLS and empty otherwise.
		if string(v) == "on" {
			r.TLS = 1
		} else if len(v) == 0 || isDash {
			r.TLS = 0
		}
	case vSSLProtocol:
		if len(v) > 0 && !isDash {
			r.TLS = 1
		} else if r.TLS < 0 {
			r.TLS = 0
		}
	case vUpstreamAddr:
		r.Upstream = dash(v)
	case vRequestID:
		r.RequestID = dash(v)
	}
	return ""
}
