package accesslog

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/posture-dev/posture/internal/testutil"
)

// FuzzParse feeds every format (and a compiled nginx format) the same
// bytes. No format may panic; an error must be a *ParseError with a
// column inside the line; a success must give a sane record. The Reader
// sees the bytes too (plain, detected). Seeds: the generated lines of the
// other tests and the two real logs' lines; `go test` runs them.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		goodLine,
		`127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-"`,
		`"10.5.102.222, 199.96.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /a?q=1 HTTP/1.1" 200 2 "-" "x"`,
		`1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 0 "-" "-"`,
		`[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0" "locations" "tcp://10.0.2.1:80"`,
		`{"message":"[2016-04-15T20:17:00.310Z] \"- - -\" 0 UF 0 0 5 - \"-\" \"-\" \"-\" \"-\" \"-\""}`,
		`{"start_time":"2024-05-01T12:00:00.123Z","method":"GET","path":"/v?a","response_code":"503","duration":3e2}`,
		`{"request":{"method":"GET","uri":"/g","url":"https://h/g","headers":{"host":["a","b"]}},"response":{"status":200},"authenticated_entity":{},"started_at":1}`,
		`{"requestId":"x","ip":"1.1.1.1","requestTimeEpoch":1709287200123,"routeKey":"GET /p","status":"200","responseLatency":"15"}`,
		`h2 2018-07-02T22:23:00.186641Z app/lb/1 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/v1/x?y=2 HTTP/2.0" "curl" ECDHE TLSv1.2 arn "Root=1" "api.example.com" "-" 1`,
		`10.0.0.9 - alice [22/Jan/2019:03:56:14 +0330] "POST /v1 HTTP/2.0" 201 17 0.250 "h" https "TLSv1.3" 0.2 "203.0.113.7" 42`,
		"", "[", `"`, `{`, `{"message":"{\"message\":\"x\"}"}`, "\x00\xff",
	} {
		f.Add([]byte(s))
	}
	for _, p := range []string{"logs/nginx/beats-nginx-access-test.log", "logs/nginx/lnav-shop-access-log.0.log"} {
		data, err := os.ReadFile(testutil.Corpus(f, p))
		if err != nil {
			f.Fatal(err)
		}
		for i, l := range bytes.Split(data, []byte("\n")) {
			if i%50 == 0 || len(data) < 2000 {
				f.Add(l)
			}
		}
	}
	nginx, err := NginxFormat(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_time "$http_host" $scheme "$ssl_protocol" $msec "$http_x_forwarded_for" $connection`)
	if err != nil {
		f.Fatal(err)
	}
	formats := append([]Format{ApacheCombined, nginx}, Formats...)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Record
		for _, fm := range formats {
			err := fm.Parse(data, &r)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Column < 1 || pe.Column > len(data)+1 {
					t.Fatalf("%s: error %T %v: want a *ParseError with a column in 1..%d", fm.Name(), err, err, len(data)+1)
				}
				continue
			}
			if r.Status < 0 || r.Status > 999 || r.BytesSent < 0 || r.Duration < 0 || r.TLS < -1 || r.TLS > 1 ||
				r.Authenticated < -1 || r.Authenticated > 1 {
				t.Fatalf("%s: insane record %+v", fm.Name(), r)
			}
			if r.Method != "" && !isMethod([]byte(r.Method)) {
				t.Fatalf("%s: method %q", fm.Name(), r.Method)
			}
			_ = r.Clone()
		}
		_, _ = Detect(bytes.Split(data, []byte("\n")))
		rd := Reader{Name: "fuzz.log", MaxLineBytes: 64}
		st, err := rd.Read(context.Background(), bytes.NewReader(data), func(*Record, int64, int64) error { return nil })
		if st.Parsed+st.Malformed+st.Blank != st.Lines && err == nil {
			t.Fatalf("counts do not add up: %+v", st)
		}
	})
}
