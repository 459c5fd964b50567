// Package accesslog parses HTTP access logs of gateways, proxies and load
// balancers into Records: the parsing layer of the traffic-evidence
// collector (issue 6). It is a library: it registers no collector, touches
// no Sink and emits no facts; the collector that uses it derives facts
// from the Records.
//
// # Formats
//
//   - Combined / ApacheCombined: nginx and Apache "combined" (and
//     "common"). Trailing fields are tolerated; the first trailing quoted
//     field is X-Forwarded-For. The address part may be a list (Filebeat's
//     test log): the last address is ClientIP, those before it are
//     XForwardedFor.
//   - NginxFormat(spec): any nginx log_format; known variables fill the
//     Record, unknown ones are matched and skipped.
//   - EnvoyDefault, EnvoyJSON (also unwraps {"message": "<text line>"}).
//   - KongJSON (file-log/http-log), AWSAPIGatewayJSON ($context JSON),
//     ALB (Application Load Balancer).
//   - Detect picks the built-in format that parses most sample lines.
//
// Each format's doc comment cites the document it follows.
//
// # Decisions
//
// Bad request lines. A line whose request is not a valid HTTP request line
// ("", "-", a TLS ClientHello "\x16\x03\x01...", binary junk, a method in
// lower case) still parses when the rest of the line is well formed: the
// status (typically 400) and client are real traffic, and scanners show up
// exactly there. Such a Record has Method == "", Path == "" and the raw text
// in Record.Request. A line whose structure is broken (no [time], an
// unterminated quote, a non-numeric status) is malformed.
//
// Zero allocation. The text formats (Combined, NginxFormat, EnvoyDefault,
// ALB) parse without allocating: Record strings alias the line and times
// are converted to UTC by hand (a time.FixedZone per line would
// allocate). JSON formats use encoding/json and allocate.
//
// Unknown stays unknown. TLS and Authenticated are -1 unless the log says
// otherwise: Combined has no TLS information; a remote_user other than "-"
// means HTTP authentication succeeded (Authenticated=1) but "-" does not
// mean anonymous (API keys and bearer tokens never appear there). Kong is
// the exception: it logs authenticated_entity whenever an auth plugin
// accepted a credential, so its absence is Authenticated=0.
//
// # Field derivation
//
//	Field          Combined             Envoy text/JSON        Kong                 API Gateway            ALB
//	Time           $time_local          START_TIME             started_at (ms)      requestTimeEpoch|requestTime  time
//	Method/Path    "$request"           "METHOD PATH PROTO"    request.method/uri   httpMethod|routeKey, path|resourcePath  "request" (absolute URL)
//	Status         $status              RESPONSE_CODE          response.status      status                 elb_status_code
//	BytesSent      $body_bytes_sent     BYTES_SENT             response.size        responseLength         sent_bytes
//	Duration       -                    DURATION (ms)          latencies.request    responseLatency|integrationLatency  sum of 3 processing times
//	ClientIP       last address         - | downstream_remote_address  client_ip  ip|sourceIp             client:port
//	XForwardedFor  leading list | 1st extra quoted field  X-FORWARDED-FOR  header  -                      -
//	TLS            -1                   -1                     request.url scheme   1 (HTTPS only)         type
//	Authenticated  remote_user != "-"   -1                     authenticated_entity -1                     -1
//	Upstream       -                    UPSTREAM_HOST          service.name|host    -                      target:port
//	Route          -                    -                      route.name           routeKey|resourcePath  -
//
// For NginxFormat: $scheme, $https and $ssl_protocol set TLS; $request_time
// sets Duration; $upstream_addr sets Upstream; $remote_user as above.
//
// # Reader
//
// Reader streams a file: gzip is recognised by its magic bytes and bounded
// by MaxRatio (decompressed/compressed, default 100x, checked after the
// first MiB) and MaxBytes (default 4 GiB); a bound or a truncated gzip
// stops Read with an error naming the file and the last line, after the
// lines before it were delivered. Lines longer than MaxLineBytes (64 KiB)
// are skipped and counted as malformed; the reader holds at most
// MaxLineBytes of them. The first 20 malformed lines are kept as samples
// (line number, 200 bytes of text, reason). Every record comes with the
// byte offset after its line, in decompressed bytes plus BaseOffset, from
// which a tailer can resume a plain file.
package accesslog
