package accesslog

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/testutil"
)

func parseOK(t *testing.T, f Format, line string) Record {
	t.Helper()
	var r Record
	if err := f.Parse([]byte(line), &r); err != nil {
		t.Fatalf("%s.Parse(%q): %v", f.Name(), line, err)
	}
	return r.Clone()
}

func parseBad(t *testing.T, f Format, line, want string) {
	t.Helper()
	var r Record
	err := f.Parse([]byte(line), &r)
	if err == nil {
		t.Fatalf("%s.Parse(%q) succeeded, want an error containing %q", f.Name(), line, want)
	}
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "column ") {
		t.Errorf("%s.Parse(%q) = %q, want column and %q", f.Name(), line, err, want)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

// The lnav file: expected numbers come from shell tools, not this package:
//
//	grep -c '' f                                             -> 1000 lines
//	grep -cE '^[0-9a-f.:]+ - [^ ]+ \[[^]]+\] "[^"]*" [0-9]{3} [0-9-]+ "[^"]*" "[^"]*" "[^"]*"$' f -> 1000
//	awk -F'"' '{split($3,a," "); print a[1]}' f | sort | uniq -c
//	                -> 938 200, 11 301, 20 302, 7 304, 24 404
//	awk -F'"' '{print $2}' f | awk '{print $1}' | sort | uniq -c -> 976 GET, 10 HEAD, 14 POST
//	awk -F'"' '{print $8}' f | sort | uniq -c -> 987 "-", 13 "103.28.132.65"
//	awk '$10!="-"{s+=$10} END{print s}' f -> 18963364
//	awk -F'"' '{print $2}' f | grep -c '?' -> 284 requests with a query
func TestLnavShopLog(t *testing.T) {
	path := testutil.Corpus(t, "logs/nginx/lnav-shop-access-log.0.log")
	lines := readLines(t, path)
	if len(lines) != 1000 {
		t.Fatalf("%d lines, want 1000", len(lines))
	}
	if f, ok := Detect(lines[:20]); !ok || f != Combined {
		t.Errorf("Detect = %v, %v; want combined", f, ok)
	}
	status := map[int]int{}
	methods := map[string]int{}
	var bytesSum int64
	xff, queries := 0, 0
	var r Record
	for i, l := range lines {
		if err := Combined.Parse(l, &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		status[r.Status]++
		methods[r.Method]++
		bytesSum += r.BytesSent
		if r.XForwardedFor != "" {
			if r.XForwardedFor != "103.28.132.65" {
				t.Errorf("line %d: XFF %q", i+1, r.XForwardedFor)
			}
			xff++
		}
		if r.RawQuery != "" {
			queries++
		}
		if r.TLS != -1 || r.Authenticated != -1 {
			t.Errorf("line %d: TLS %d Authenticated %d, want unknown", i+1, r.TLS, r.Authenticated)
		}
	}
	wantStatus := map[int]int{200: 938, 301: 11, 302: 20, 304: 7, 404: 24}
	for k, v := range wantStatus {
		if status[k] != v {
			t.Errorf("status %d: %d, want %d", k, status[k], v)
		}
	}
	if len(status) != len(wantStatus) {
		t.Errorf("status mix %v", status)
	}
	if methods["GET"] != 976 || methods["HEAD"] != 10 || methods["POST"] != 14 {
		t.Errorf("methods %v", methods)
	}
	if bytesSum != 18963364 || xff != 13 || queries != 284 {
		t.Errorf("bytes %d (want 18963364), xff %d (13), queries %d (284)", bytesSum, xff, queries)
	}

	first := parseOK(t, Combined, string(lines[0]))
	want := Record{
		Time: utc("2019-01-22T00:26:14Z"), Method: "GET",
		Path:  "/filter/27|13%20%D9%85%DA%AF%D8%A7%D9%BE%DB%8C%DA%A9%D8%B3%D9%84,27|%DA%A9%D9%85%D8%AA%D8%B1%20%D8%A7%D8%B2%205%20%D9%85%DA%AF%D8%A7%D9%BE%DB%8C%DA%A9%D8%B3%D9%84,p53",
		Proto: "HTTP/1.1", Status: 200, BytesSent: 30577, ClientIP: "54.36.149.41",
		UserAgent: "Mozilla/5.0 (compatible; AhrefsBot/6.1; +http://ahrefs.com/robot/)",
		TLS:       -1, Authenticated: -1,
	}
	want.Request = "GET " + want.Path + " HTTP/1.1"
	if first != want {
		t.Errorf("first line:\n got %+v\nwant %+v", first, want)
	}
	last := parseOK(t, Combined, string(lines[999]))
	want = Record{
		Time: utc("2019-01-22T00:29:11Z"), Method: "GET", Path: "/static/images/search-category-arrow.png",
		Proto: "HTTP/1.1", Request: "GET /static/images/search-category-arrow.png HTTP/1.1",
		Status: 200, BytesSent: 217, ClientIP: "89.47.79.75",
		Referer:   "https://znbl.ir/static/bundle-bundle_site_head.css",
		UserAgent: "Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/71.0.3578.98 Safari/537.36",
		TLS:       -1, Authenticated: -1,
	}
	if last != want {
		t.Errorf("last line:\n got %+v\nwant %+v", last, want)
	}
}

// Filebeat's edge cases, read by eye: 7 lines, statuses 200 x4, 404 x2,
// 400 x1 (the empty request on line 7).
func TestBeatsNginxLog(t *testing.T) {
	lines := readLines(t, testutil.Corpus(t, "logs/nginx/beats-nginx-access-test.log"))
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7", len(lines))
	}
	type exp struct {
		client, xff, path, query string
		status                   int
		at                       string
	}
	wants := []exp{
		{"127.0.0.1", "10.0.0.2, 10.0.0.1", "/ocelot", "", 200, "2016-12-07T10:05:07Z"},
		{"172.17.0.1", "", "/stringpatch", "", 404, "2017-05-29T19:02:48Z"},
		{"85.181.35.98", "10.0.0.2, 10.0.0.1", "/ocelot", "", 200, "2016-12-07T10:05:07Z"},
		{"85.181.35.98", "", "/ocelot", "", 200, "2016-12-07T10:05:07Z"},
		{"10.2.1.185", "10.5.102.222, 199.96.1.1, 204.246.1.1", "/assets/xxxx", "q=100", 200, "2016-01-22T13:18:29Z"},
		{"10.2.2.121", "2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17", "/test.html", "", 404, "2016-12-30T06:47:09Z"},
		{"127.0.0.1", "", "", "", 400, "2018-04-12T07:48:40Z"},
	}
	for i, w := range wants {
		r := parseOK(t, Combined, string(lines[i]))
		if r.ClientIP != w.client || r.XForwardedFor != w.xff || r.Path != w.path || r.RawQuery != w.query ||
			r.Status != w.status || !r.Time.Equal(utc(w.at)) {
			t.Errorf("line %d: got client %q xff %q path %q query %q status %d time %v; want %+v",
				i+1, r.ClientIP, r.XForwardedFor, r.Path, r.RawQuery, r.Status, r.Time, w)
		}
	}
	empty := parseOK(t, Combined, string(lines[6]))
	if empty.Method != "" || empty.Request != "" || empty.Proto != "" || empty.BytesSent != 0 || empty.UserAgent != "" {
		t.Errorf("empty request line: %+v", empty)
	}
}

func TestCombinedEdgeCases(t *testing.T) {
	for _, tc := range []struct{ name, req, method, raw string }{
		{"dash", `-`, "", "-"},
		{"tls probe", `\x16\x03\x01\x00\xF7\x01\x00\x00\xF3\x03`, "", `\x16\x03\x01\x00\xF7\x01\x00\x00\xF3\x03`},
		{"lower-case method", `get / HTTP/1.1`, "", "get / HTTP/1.1"},
		{"not http", `GET / FOO/1`, "", "GET / FOO/1"},
		{"http 0.9", `GET /x`, "GET", "GET /x"},
		{"absolute form", `CONNECT http://example.com:443/a?b=1 HTTP/1.1`, "CONNECT", "CONNECT http://example.com:443/a?b=1 HTTP/1.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parseOK(t, Combined, `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "`+tc.req+`" 400 0 "-" "-"`)
			if r.Method != tc.method || r.Request != tc.raw || r.Status != 400 {
				t.Errorf("got method %q request %q status %d", r.Method, r.Request, r.Status)
			}
			if tc.method == "" && (r.Path != "" || r.Proto != "") {
				t.Errorf("invalid request line gave path %q proto %q", r.Path, r.Proto)
			}
		})
	}
	// Apache's own example (https://httpd.apache.org/docs/2.4/logs.html#combined)
	// with a remote user and an escaped quote in the user agent.
	r := parseOK(t, ApacheCombined, `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav) \"x\""`)
	if r.Authenticated != 1 || r.Status != 200 || r.BytesSent != 2326 || r.UserAgent != `Mozilla/4.08 [en] (Win98; I ;Nav) \"x\"` ||
		!r.Time.Equal(utc("2000-10-10T20:55:36Z")) || r.Referer != "http://www.example.com/start.html" {
		t.Errorf("apache example: %+v", r)
	}
	// Common log format: no referer or user agent; "-" bytes.
	r = parseOK(t, Combined, `::1 - - [10/Oct/2000:13:55:36 +0000] "HEAD / HTTP/1.1" 304 -`)
	if r.ClientIP != "::1" || r.Status != 304 || r.BytesSent != 0 || r.Method != "HEAD" {
		t.Errorf("common: %+v", r)
	}
	// Trailing unquoted fields (e.g. $request_time) are tolerated.
	r = parseOK(t, Combined, `1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua" "9.9.9.9, 8.8.8.8" 0.005 "x"`)
	if r.XForwardedFor != "9.9.9.9, 8.8.8.8" || r.UserAgent != "ua" {
		t.Errorf("trailing: %+v", r)
	}
	for _, tc := range []struct{ line, want string }{
		{`1.2.3.4 - - 10/Oct/2000:13:55:36 +0000 "GET / HTTP/1.1" 200 5`, "no [time]"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000 "GET / HTTP/1.1" 200 5`, "unterminated [time]"},
		{`1.2.3.4 - - [10/Foo/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5`, "bad time"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1 200 5`, "want a quoted request line"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / 200 5`, "quoted request"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 2000 5`, "bad status"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5x`, "bad byte count"},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozil`, "unterminated quoted field"},
		{`1"2 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5`, "bad client address"},
		{`- [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5`, "address, ident and user"},
	} {
		parseBad(t, Combined, tc.line, tc.want)
	}
}

func TestNginxFormat(t *testing.T) {
	// The format from the task plus an unknown variable and ${} syntax.
	spec := `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_time "$http_host" $scheme "${ssl_protocol}" $upstream_response_time "$http_x_forwarded_for" $connection`
	f, err := NginxFormat(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := parseOK(t, f, `10.0.0.9 - alice [22/Jan/2019:03:56:14 +0330] "POST /v1/pay?x=1 HTTP/2.0" 201 17 0.250 "api.example.com" https "TLSv1.3" 0.249, 0.001 "203.0.113.7" 42 trailing`)
	want := Record{Time: utc("2019-01-22T00:26:14Z"), Method: "POST", Path: "/v1/pay", RawQuery: "x=1", Proto: "HTTP/2.0",
		Request: "POST /v1/pay?x=1 HTTP/2.0", Status: 201, BytesSent: 17, Duration: 250 * time.Millisecond,
		ClientIP: "10.0.0.9", Host: "api.example.com", XForwardedFor: "203.0.113.7", TLS: 1, Authenticated: 1}
	if r != want {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
	r = parseOK(t, f, `10.0.0.9 - - [22/Jan/2019:03:56:14 +0330] "GET / HTTP/1.1" 200 0 0.000 "-" http "-" - "-" 1`)
	if r.TLS != 0 || r.Authenticated != -1 || r.Host != "" || r.Path != "/" {
		t.Errorf("plain: %+v", r)
	}
	parseBad(t, f, `10.0.0.9 - - [22/Jan/2019:03:56:14 +0330] "GET / HTTP/1.1" abc 0 0.000 "-" http "-" - "-" 1`, "bad $status")
	parseBad(t, f, `10.0.0.9 - - [22/Jan/2019:03:56:14 +0330] "GET / HTTP/1.1`, "unterminated quoted value")
	parseBad(t, f, `10.0.0.9`, "missing")

	// Split variables and ISO time.
	f2, err := NginxFormat(`$time_iso8601|$request_method|$uri|$args|$status|$msec|$https|$upstream_addr`)
	if err != nil {
		t.Fatal(err)
	}
	r = parseOK(t, f2, `2024-03-01T10:00:00+01:00|DELETE|/items/7|force=1|204|1709283600.123|on|10.1.1.1:8080`)
	if r.Method != "DELETE" || r.Path != "/items/7" || r.RawQuery != "force=1" || r.Status != 204 ||
		!r.Time.Equal(utc("2024-03-01T09:00:00.123Z")) || r.TLS != 1 || r.Upstream != "10.1.1.1:8080" {
		t.Errorf("split vars: %+v (time %v)", r, r.Time)
	}
	for _, bad := range []string{"$a$b", "${a", "no variables", "x $"} {
		if _, err := NginxFormat(bad); err == nil || !strings.HasPrefix(err.Error(), "accesslog: nginx log_format: ") {
			t.Errorf("NginxFormat(%q) = %v, want an error", bad, err)
		}
	}
	// The predefined combined format compiled by NginxFormat agrees with
	// Combined on the real file's first line.
	fc, err := NginxFormat(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`)
	if err != nil {
		t.Fatal(err)
	}
	line := `31.56.96.51 - - [22/Jan/2019:03:56:16 +0330] "GET /image/60844/productModel/200x200 HTTP/1.1" 200 5667 "https://www.zanbil.ir/m/filter/b113" "Mozilla/5.0" "-"`
	if a, b := parseOK(t, fc, line), parseOK(t, Combined, line); a != b {
		t.Errorf("NginxFormat(combined) %+v != Combined %+v", a, b)
	}
}

// Envoy's documented example line and flag cases
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string).
func TestEnvoy(t *testing.T) {
	doc := `[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"`
	r := parseOK(t, EnvoyDefault, doc)
	want := Record{Time: utc("2016-04-15T20:17:00.310Z"), Method: "POST", Path: "/api/v1/locations", Proto: "HTTP/2",
		Request: "POST /api/v1/locations HTTP/2", Status: 204, Duration: 226 * time.Millisecond,
		XForwardedFor: "10.0.35.28", UserAgent: "nsq2http", RequestID: "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2",
		Host: "locations", Upstream: "tcp://10.0.2.1:80", TLS: -1, Authenticated: -1}
	if r != want {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
	r = parseOK(t, EnvoyDefault, `ACCESS [2020-01-01T00:00:00.000Z] "GET /nope?a=b HTTP/1.1" 404 NR 0 0 0 - "-" "curl/7.6" "id" "api" "-"`)
	if r.ResponseFlags != "NR" || r.Status != 404 || r.Upstream != "" || r.RawQuery != "a=b" {
		t.Errorf("NR: %+v", r)
	}
	r = parseOK(t, EnvoyDefault, `[2020-01-01T00:00:00.000Z] "- - -" 0 UF,URX 0 0 5 - "-" "-" "-" "-" "10.0.2.1:80"`)
	if r.Method != "" || r.Status != 0 || r.ResponseFlags != "UF,URX" || r.Request != "- - -" {
		t.Errorf("tcp: %+v", r)
	}
	parseBad(t, EnvoyDefault, `[2016-04-15T20:17:00.310Z] "POST / HTTP/2" 204 - 154 0 226 100 "a" "b"`, "want a space")
	parseBad(t, EnvoyDefault, `[yesterday] "POST / HTTP/2" 204`, "bad START_TIME")

	// JSON with Istio's default keys (numbers as numbers, "-"/null for none).
	j := parseOK(t, EnvoyJSON, `{"start_time":"2024-05-01T12:00:00.123Z","method":"GET","path":"/v1/users?page=2","protocol":"HTTP/1.1","response_code":503,"response_flags":"UH","bytes_sent":19,"duration":3,"x_forwarded_for":"198.51.100.4","user_agent":"Go-http-client/1.1","request_id":"r1","authority":"users.svc","upstream_host":null,"downstream_remote_address":"10.1.2.3:51000"}`)
	if j.Status != 503 || j.ResponseFlags != "UH" || j.Path != "/v1/users" || j.RawQuery != "page=2" || j.Duration != 3*time.Millisecond ||
		j.ClientIP != "10.1.2.3" || j.Host != "users.svc" || j.Upstream != "" || !j.Time.Equal(utc("2024-05-01T12:00:00.123Z")) {
		t.Errorf("envoy json: %+v", j)
	}
	// Kubernetes wrapper around the text line.
	w := parseOK(t, EnvoyJSON, `{"message":`+jsonQuote(doc)+`,"kubernetes":{"pod_name":"envoy-1"}}`)
	if w != want {
		t.Errorf("k8s wrapper:\n got %+v\nwant %+v", w, want)
	}
	parseBad(t, EnvoyJSON, `{"message":"not envoy"}`, "wrapped line")
	parseBad(t, EnvoyJSON, `{"method":"GET"}`, "response_code")
	parseBad(t, EnvoyJSON, `{"response_code":200,"start_time":"x"}`, "bad start_time")
	parseBad(t, EnvoyJSON, `{"response_code":`, "json")
}

func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

// Kong file-log line shaped like the example in
// https://docs.konghq.com/hub/kong-inc/file-log/#log-format (trimmed).
func TestKong(t *testing.T) {
	line := `{"request":{"method":"GET","uri":"/get?x=1","url":"https://localhost:8443/get?x=1","size":"75","querystring":{"x":"1"},"headers":{"accept":"*/*","host":"httpbin.org","user-agent":"curl/7.37.1","x-forwarded-for":["1.1.1.1","2.2.2.2"]}},"upstream_uri":"/","response":{"status":200,"size":"434","headers":{"content-type":"application/json"}},"tries":[],"authenticated_entity":{"consumer_id":"80f74eef-31b8-45d5-c525-ae532297ea8e","id":"eaa330c0-4cff-47f5-c79e-b2e4f355207e"},"route":{"name":"r1","paths":["/get"]},"service":{"name":"httpbin","host":"httpbin.org","port":80},"consumer":{"username":"demo"},"latencies":{"proxy":1430,"kong":9,"request":1921},"client_ip":"127.0.0.1","started_at":1433209822425}`
	r := parseOK(t, KongJSON, line)
	want := Record{Time: time.UnixMilli(1433209822425).UTC(), Method: "GET", Path: "/get", RawQuery: "x=1", Status: 200,
		BytesSent: 434, Duration: 1921 * time.Millisecond, ClientIP: "127.0.0.1", Host: "httpbin.org", UserAgent: "curl/7.37.1",
		XForwardedFor: "1.1.1.1, 2.2.2.2", TLS: 1, Authenticated: 1, Upstream: "httpbin", Route: "r1"}
	if r != want {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
	r = parseOK(t, KongJSON, `{"request":{"method":"POST","uri":"/login","url":"http://x/login"},"response":{"status":401},"started_at":1433209822425,"authenticated_entity":null}`)
	if r.Authenticated != 0 || r.TLS != 0 || r.Status != 401 {
		t.Errorf("anonymous: %+v", r)
	}
	parseBad(t, KongJSON, `{"request":{"method":"GET"}}`, "response.status")
	parseBad(t, KongJSON, `{"request":{"method":1},"response":{"status":200}}`, "field request.method")
	parseBad(t, KongJSON, `not json`, "not a JSON object")
}

// API Gateway lines following AWS's example templates
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html).
func TestAWSAPIGateway(t *testing.T) {
	rest := `{ "requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "ip": "203.0.113.9", "caller":"-", "user":"-", "requestTime":"01/Mar/2024:10:00:00 +0000", "httpMethod":"POST", "resourcePath":"/pets/{id}", "status":"201", "protocol":"HTTP/1.1", "responseLength":"57" }`
	r := parseOK(t, AWSAPIGatewayJSON, rest)
	want := Record{Time: utc("2024-03-01T10:00:00Z"), Method: "POST", Path: "/pets/{id}", Proto: "HTTP/1.1", Status: 201,
		BytesSent: 57, ClientIP: "203.0.113.9", TLS: 1, Authenticated: -1, Route: "/pets/{id}", RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}
	if r != want {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
	http := `{"requestId":"JT1Xmj8EoAMEb8g=","ip":"198.51.100.1","requestTime":"01/Mar/2024:10:00:00 +0000","requestTimeEpoch":"1709287200123","httpMethod":"GET","routeKey":"GET /pets","path":"/pets","status":"200","protocol":"HTTP/1.1","responseLength":"45","integrationLatency":"12","responseLatency":"15"}`
	r = parseOK(t, AWSAPIGatewayJSON, http)
	if r.Route != "GET /pets" || r.Path != "/pets" || r.Duration != 15*time.Millisecond || !r.Time.Equal(utc("2024-03-01T10:00:00.123Z")) {
		t.Errorf("http api: %+v", r)
	}
	r = parseOK(t, AWSAPIGatewayJSON, `{"requestId":"x","routeKey":"$default","status":"404","integrationLatency":"-"}`)
	if r.Method != "" || r.Status != 404 {
		t.Errorf("$default route: %+v", r)
	}
	parseBad(t, AWSAPIGatewayJSON, `{"requestId":"x","httpMethod":"GET"}`, "want requestId, status")
	parseBad(t, AWSAPIGatewayJSON, `{"requestId":"x","httpMethod":"GET","status":"abc"}`, "json")
}

// ALB entries from the examples in
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#access-log-entry-examples
func TestALB(t *testing.T) {
	httpEntry := `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`
	r := parseOK(t, ALB, httpEntry)
	want := Record{Time: utc("2018-07-02T22:23:00.186641Z"), Method: "GET", Path: "/", Proto: "HTTP/1.1",
		Request: "GET http://www.example.com:80/ HTTP/1.1", Status: 200, BytesSent: 366, Duration: time.Millisecond,
		ClientIP: "192.168.131.39", Host: "www.example.com:80", UserAgent: "curl/7.46.0", TLS: 0, Authenticated: -1,
		Upstream: "10.0.0.1:80", RequestID: "Root=1-58337262-36d228ad5d99923122bbe354"}
	if r != want {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
	h2 := `h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/v1/x?y=2 HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "api.example.com" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-"`
	r = parseOK(t, ALB, h2)
	if r.TLS != 1 || r.Host != "api.example.com" || r.Path != "/v1/x" || r.RawQuery != "y=2" || r.Duration != 2*time.Millisecond {
		t.Errorf("h2: %+v", r)
	}
	// A request that never reached a target: -1 times, "-" target.
	failed := `https 2018-07-02T22:23:00.186641Z app/lb/1 [2001:db8::1]:2817 - -1 -1 -1 502 - 0 0 "GET https://a.example:443/ HTTP/1.1" "ua" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 -`
	r = parseOK(t, ALB, failed)
	if r.Duration != 0 || r.Status != 502 || r.Upstream != "" || r.ClientIP != "2001:db8::1" || r.Host != "a.example:443" {
		t.Errorf("failed: %+v", r)
	}
	parseBad(t, ALB, `tcp 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 - -1 -1 -1 502 - 0 0 "- - -" "-" - - -`, "unknown type")
	parseBad(t, ALB, `http 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1`, "at least 16 fields")
	parseBad(t, ALB, `http 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 - x -1 -1 502 - 0 0 "- - -" "-" - -`, "bad processing time")
}

func TestDetect(t *testing.T) {
	samples := map[Format]string{
		EnvoyJSON:         `{"start_time":"2024-05-01T12:00:00.123Z","method":"GET","path":"/","response_code":200}`,
		KongJSON:          `{"request":{"method":"GET","uri":"/"},"response":{"status":200},"started_at":1}`,
		AWSAPIGatewayJSON: `{"requestId":"x","httpMethod":"GET","status":"200"}`,
		ALB:               `http 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 - -1 -1 -1 502 - 0 0 "GET http://a/ HTTP/1.1" "-" - -`,
		EnvoyDefault:      `[2016-04-15T20:17:00.310Z] "POST /a HTTP/2" 204 - 154 0 226 100 "-" "-" "-" "-" "-"`,
		Combined:          `1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "-"`,
	}
	for want, line := range samples {
		got, ok := Detect([][]byte{[]byte(line), []byte(line), []byte("garbage"), nil})
		if !ok || got != want {
			t.Errorf("Detect(%s) = %v, %v", want.Name(), got, ok)
		}
		for _, other := range Formats {
			var r Record
			if other != want && other.Parse([]byte(line), &r) == nil {
				t.Errorf("%s also parses the %s sample", other.Name(), want.Name())
			}
		}
	}
	if _, ok := Detect([][]byte{[]byte("a"), []byte("b")}); ok {
		t.Error("Detect accepted garbage")
	}
	if _, ok := Detect(nil); ok {
		t.Error("Detect accepted nothing")
	}
}
