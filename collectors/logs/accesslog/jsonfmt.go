package accesslog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// num is a JSON number that loggers also write as a string ("200", "-",
// "" for "not logged", as API Gateway's $context templates do).
type num struct {
	v   int64
	set bool
}

func (n *num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	if len(b) == 0 || string(b) == "null" || string(b) == "-" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 9e12 {
		return &json.UnsupportedValueError{Str: string(b)}
	}
	n.v, n.set = int64(f), true
	return nil
}

func jsonErr(name string, line []byte, err error) error {
	col := 0
	if se, ok := err.(*json.SyntaxError); ok {
		col = int(se.Offset)
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return perr(name, int(te.Offset), "field "+te.Field+": want "+te.Type.String())
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return perr(name, col, "json: "+strings.TrimPrefix(msg, "json: "))
}

func isObject(line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	return len(t) > 0 && t[0] == '{'
}

type envoyJSONFormat struct{}

// EnvoyJSON is Envoy's JSON access log (json_format) with the keys of
// Envoy's documented default operators in snake case, as Istio and most
// examples name them: start_time, method, path, protocol, response_code,
// response_flags, bytes_sent, duration (ms), x_forwarded_for, user_agent,
// request_id, authority, upstream_host, downstream_remote_address.
// A Kubernetes/Docker wrapper object whose "message" (or "log") holds a
// default-format text line is unwrapped and parsed with EnvoyDefault.
var EnvoyJSON Format = envoyJSONFormat{}

func (envoyJSONFormat) Name() string { return "envoy-json" }

type envoyJSONLine struct {
	Message       *string `json:"message"`
	Log           *string `json:"log"`
	StartTime     string  `json:"start_time"`
	Method        string  `json:"method"`
	Path          string  `json:"path"`
	Protocol      string  `json:"protocol"`
	ResponseCode  num     `json:"response_code"`
	ResponseFlags string  `json:"response_flags"`
	BytesSent     num     `json:"bytes_sent"`
	Duration      num     `json:"duration"`
	XFF           string  `json:"x_forwarded_for"`
	UserAgent     string  `json:"user_agent"`
	RequestID     string  `json:"request_id"`
	Authority     string  `json:"authority"`
	UpstreamHost  string  `json:"upstream_host"`
	Downstream    string  `json:"downstream_remote_address"`
}

func (envoyJSONFormat) Parse(line []byte, r *Record) error {
	const name = "envoy-json"
	r.Reset()
	if !isObject(line) {
		return perr(name, 0, "not a JSON object")
	}
	var l envoyJSONLine
	if err := json.Unmarshal(line, &l); err != nil {
		return jsonErr(name, line, err)
	}
	if !l.ResponseCode.set && l.StartTime == "" && l.Method == "" {
		for _, m := range []*string{l.Message, l.Log} {
			if m != nil {
				if err := EnvoyDefault.Parse([]byte(strings.TrimRight(*m, "\r\n")), r); err != nil {
					return perr(name, 0, "wrapped line: "+err.Error())
				}
				return nil
			}
		}
		return perr(name, 0, "no response_code, start_time or method")
	}
	if !l.ResponseCode.set || l.ResponseCode.v > 999 {
		return perr(name, 0, "no valid response_code")
	}
	if l.StartTime != "" {
		t, ok := parseISO([]byte(l.StartTime))
		if !ok {
			return perr(name, 0, "bad start_time")
		}
		r.Time = t
	}
	if isMethod([]byte(l.Method)) {
		r.Method = l.Method
	}
	if l.Path != "" && l.Path != "-" {
		setTarget([]byte(l.Path), r)
	}
	r.Proto = dashS(l.Protocol)
	r.Status = int(l.ResponseCode.v)
	r.ResponseFlags = dashS(l.ResponseFlags)
	r.BytesSent = l.BytesSent.v
	r.Duration = time.Duration(l.Duration.v) * time.Millisecond
	r.XForwardedFor = dashS(l.XFF)
	r.UserAgent = dashS(l.UserAgent)
	r.RequestID = dashS(l.RequestID)
	if r.Host == "" {
		r.Host = dashS(l.Authority)
	}
	r.Upstream = dashS(l.UpstreamHost)
	r.ClientIP = hostOnly(dashS(l.Downstream))
	return nil
}

func dashS(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// hostOnly strips the port of "1.2.3.4:5678" / "[::1]:80".
func hostOnly(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.IndexByte(s, ':') == i {
		return s[:i]
	}
	return s
}

type kongFormat struct{}

// KongJSON is the line Kong's file-log / http-log / tcp-log plugins write
// (https://docs.konghq.com/hub/kong-inc/file-log/#log-format): request,
// response, latencies (ms), client_ip, started_at (epoch ms), service,
// route, consumer, authenticated_entity. Kong adds authenticated_entity
// whenever an authentication plugin accepted a credential, so its absence
// means Authenticated=0, not unknown.
var KongJSON Format = kongFormat{}

func (kongFormat) Name() string { return "kong-json" }

type kongLine struct {
	Request *struct {
		Method  string                     `json:"method"`
		URI     string                     `json:"uri"`
		URL     string                     `json:"url"`
		Headers map[string]json.RawMessage `json:"headers"`
	} `json:"request"`
	Response *struct {
		Status num `json:"status"`
		Size   num `json:"size"`
	} `json:"response"`
	Latencies struct {
		Request num `json:"request"`
	} `json:"latencies"`
	ClientIP            string          `json:"client_ip"`
	StartedAt           num             `json:"started_at"`
	AuthenticatedEntity json.RawMessage `json:"authenticated_entity"`
	Service             *struct {
		Name string `json:"name"`
		Host string `json:"host"`
	} `json:"service"`
	Route *struct {
		Name string `json:"name"`
	} `json:"route"`
}

func (kongFormat) Parse(line []byte, r *Record) error {
	const name = "kong-json"
	r.Reset()
	if !isObject(line) {
		return perr(name, 0, "not a JSON object")
	}
	var l kongLine
	if err := json.Unmarshal(line, &l); err != nil {
		return jsonErr(name, line, err)
	}
	if l.Request == nil || l.Response == nil || !l.Response.Status.set || l.Response.Status.v > 999 {
		return perr(name, 0, "want request and response.status")
	}
	if isMethod([]byte(l.Request.Method)) {
		r.Method = l.Request.Method
	}
	switch {
	case strings.HasPrefix(l.Request.URL, "https://"):
		r.TLS = 1
	case strings.HasPrefix(l.Request.URL, "http://"):
		r.TLS = 0
	}
	if l.Request.URI != "" {
		setTarget([]byte(l.Request.URI), r)
	} else if l.Request.URL != "" {
		setTarget([]byte(l.Request.URL), r)
	}
	h := l.Request.Headers
	r.Host = header(h, "host")
	r.UserAgent = header(h, "user-agent")
	r.Referer = header(h, "referer")
	r.XForwardedFor = header(h, "x-forwarded-for")
	r.RequestID = header(h, "x-request-id")
	r.Status = int(l.Response.Status.v)
	r.BytesSent = l.Response.Size.v
	r.Duration = time.Duration(l.Latencies.Request.v) * time.Millisecond
	r.ClientIP = l.ClientIP
	if l.StartedAt.set {
		r.Time = time.UnixMilli(l.StartedAt.v).UTC()
	}
	r.Authenticated = 0
	if len(l.AuthenticatedEntity) > 0 && string(l.AuthenticatedEntity) != "null" {
		r.Authenticated = 1
	}
	if l.Service != nil {
		r.Upstream = l.Service.Name
		if r.Upstream == "" {
			r.Upstream = l.Service.Host
		}
	}
	if l.Route != nil {
		r.Route = l.Route.Name
	}
	return nil
}

// header reads a Kong header value: a string, or an array of strings for
// repeated headers (joined with ", " as HTTP would).
func header(h map[string]json.RawMessage, k string) string {
	raw, ok := h[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		return strings.Join(ss, ", ")
	}
	return ""
}

type apigwFormat struct{}

// AWSAPIGatewayJSON is an API Gateway access log in JSON built from
// $context variables with the key names of AWS's examples
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html):
// requestId, ip, requestTime (CLF) / requestTimeEpoch, httpMethod,
// resourcePath, path, routeKey, status, protocol, responseLength,
// integrationLatency, responseLatency, userAgent, domainName.
// API Gateway serves HTTPS only, so TLS=1.
var AWSAPIGatewayJSON Format = apigwFormat{}

func (apigwFormat) Name() string { return "aws-apigateway-json" }

type apigwLine struct {
	RequestID          string `json:"requestId"`
	IP                 string `json:"ip"`
	SourceIP           string `json:"sourceIp"`
	RequestTime        string `json:"requestTime"`
	RequestTimeEpoch   num    `json:"requestTimeEpoch"`
	HTTPMethod         string `json:"httpMethod"`
	ResourcePath       string `json:"resourcePath"`
	Path               string `json:"path"`
	RouteKey           string `json:"routeKey"`
	Status             num    `json:"status"`
	Protocol           string `json:"protocol"`
	ResponseLength     num    `json:"responseLength"`
	IntegrationLatency num    `json:"integrationLatency"`
	ResponseLatency    num    `json:"responseLatency"`
	UserAgent          string `json:"userAgent"`
	DomainName         string `json:"domainName"`
}

func (apigwFormat) Parse(line []byte, r *Record) error {
	const name = "aws-apigateway-json"
	r.Reset()
	if !isObject(line) {
		return perr(name, 0, "not a JSON object")
	}
	var l apigwLine
	if err := json.Unmarshal(line, &l); err != nil {
		return jsonErr(name, line, err)
	}
	if l.RequestID == "" || !l.Status.set || l.Status.v > 999 || (l.HTTPMethod == "" && l.RouteKey == "") {
		return perr(name, 0, "want requestId, status and httpMethod or routeKey")
	}
	m := l.HTTPMethod
	if m == "" {
		m, _, _ = strings.Cut(l.RouteKey, " ")
	}
	if isMethod([]byte(m)) {
		r.Method = m
	}
	p := dashS(l.Path)
	if p == "" {
		p = dashS(l.ResourcePath)
	}
	if p != "" {
		setTarget([]byte(p), r)
	}
	r.Route = dashS(l.RouteKey)
	if r.Route == "" {
		r.Route = dashS(l.ResourcePath)
	}
	switch {
	case l.RequestTimeEpoch.set:
		// REST APIs log milliseconds, some templates seconds.
		if l.RequestTimeEpoch.v > 100_000_000_000 {
			r.Time = time.UnixMilli(l.RequestTimeEpoch.v).UTC()
		} else {
			r.Time = time.Unix(l.RequestTimeEpoch.v, 0).UTC()
		}
	case l.RequestTime != "":
		t, ok := parseCLF([]byte(l.RequestTime))
		if !ok {
			return perr(name, 0, "bad requestTime")
		}
		r.Time = t
	}
	r.ClientIP = dashS(l.IP)
	if r.ClientIP == "" {
		r.ClientIP = dashS(l.SourceIP)
	}
	r.Proto = dashS(l.Protocol)
	r.Status = int(l.Status.v)
	r.BytesSent = l.ResponseLength.v
	lat := l.ResponseLatency
	if !lat.set {
		lat = l.IntegrationLatency
	}
	r.Duration = time.Duration(lat.v) * time.Millisecond
	r.UserAgent = dashS(l.UserAgent)
	r.Host = dashS(l.DomainName)
	r.RequestID = l.RequestID
	r.TLS = 1
	return nil
}
