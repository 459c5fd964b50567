package nginx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic (Parse turns
// a panic into an "internal error", which fails here), and either fail with
// an *Error naming the file or return a well-formed result. The fuzzed
// bytes are also reachable through include, as a second file. Seeds: the
// corpus files, the hand-made configurations and the bad inputs of the
// other tests; `go test` runs them every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"http { server { listen 443 ssl; server_name a; location / { proxy_pass https://b; } } }",
		"server { if ($http_origin ~* (x)) { add_header Access-Control-Allow-Origin $http_origin; } }",
		"http { map $a $b { default 1; ~x \"\"; } server { add_header X $b; limit_req zone=z; } limit_req_zone $a zone=z:1m rate=5r/s; }",
		"server { location / { content_by_lua_block { local s = \"}\" -- }\n --[[ } ]] } } }",
		"include inc.conf; include *.conf; include ${X};",
		"set $a ${HOST}x; return 200 \"a\\\"b\";",
		"server { satisfy any; allow 1.2.3.4; auth_basic x; auth_basic_user_file f; ssl_verify_client on; }",
		"", "\x00\xff{", "}", "a \"", "a '", "a\\", "a {{{{", "${", "location ~ ( { }",
	} {
		f.Add([]byte(s))
	}
	for _, b := range badInputs {
		f.Add([]byte(b.conf))
	}
	root := testutil.Corpus(f, "gateways/nginx")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = (Collector{}).Detect("fuzz.conf", data[:n])
		}
		fsys := fstest.MapFS{
			"fuzz.conf": {Data: data},
			"inc.conf":  {Data: data},
			"x.conf":    {Data: []byte("server { location /x { } }")},
		}
		opt := Options{FS: fsys, Path: "fuzz.conf", Limits: safedecode.Limits{MaxBytes: 1 << 20}, MaxDirectives: 100_000}
		res, err := Parse("fuzz.conf", data, opt)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "nginx: fuzz.conf: ") {
				t.Fatalf("error %T %q does not name the file", err, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("panic: %v", err)
			}
			return
		}
		checkResult(t, res)
	})
}
