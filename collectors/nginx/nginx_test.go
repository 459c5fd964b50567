package nginx

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/posture-dev/posture/internal/testutil"
)

// agreementCases are small configurations run through both Parse and
// `nginx -t`: they must agree on which are valid and, for invalid ones, on
// the line of the error. (Parse accepts a superset in other places: unknown
// directives and missing certificates are nginx's business.)
var agreementCases = []struct {
	name  string
	conf  string
	files []string
	valid bool
}{
	{"strings comments variables", `http {
  server {
    listen 127.0.0.1:18080;
    server_name a;
    location = /x { return 200 "a#b}{;"; }  # a comment with } and {
    location ~* \.(css|js)$ { return 404; }
    location /p/ {
      set $v a#b;
      set $w ${v}x;
      set $q 'single \' quote';
      add_header X-A "q\"uote" always;
    }
  }
}`, nil, true},
	{"if map cors", `http {
  map $http_origin $c { default ""; "~^https://a\.example$" $http_origin; }
  server {
    listen 127.0.0.1:18080;
    if ($request_method = "OPTIONS") { return 204; }
    add_header Access-Control-Allow-Origin $c;
  }
}`, nil, true},
	{"include glob", `http {
  include inc/*.conf;
}`, []string{"inc/a.conf", "server { listen 127.0.0.1:18081; location / { return 200; } }\n"}, true},
	{"limits and times", `http {
  limit_req_zone $binary_remote_addr zone=z:1m rate=10r/s;
  server {
    listen 127.0.0.1:18080;
    limit_req zone=z burst=5 nodelay;
    client_max_body_size 1m;
    proxy_read_timeout "1h 30m";
    proxy_connect_timeout 500ms;
  }
}`, nil, true},
	{"stray close", "http {\n}\n}\n", nil, false},
	{"unclosed", "http {\n  server {\n", nil, false},
	{"listen with block", "http {\n  server {\n    listen 80 { }\n  }\n}\n", nil, false},
	{"location without block", "http {\n  server {\n    location /x;\n  }\n}\n", nil, false},
	{"text after quote", "http {\n  server {\n    return 200 \"a\"b;\n  }\n}\n", nil, false},
	{"bad size", "http {\n  server {\n    client_max_body_size 10x;\n  }\n}\n", nil, false},
	{"location in http", "http {\n  location / { }\n}\n", nil, false},
	{"bad rate", "http {\n  limit_req_zone $a zone=z:1m rate=1r/h;\n}\n", nil, false},
	{"bad modifier", "http {\n  server {\n    location ~~ /x { }\n  }\n}\n", nil, false},
	{"bad protocol", "http {\n  ssl_protocols TLSv9;\n}\n", nil, false},
	{"add_header arity", "http {\n  server {\n    add_header X;\n  }\n}\n", nil, false},
	{"unterminated quote", "http {\n  server {\n    return 200 \"abc;\n  }\n}\n", nil, false},
	{"error in include", "http {\n  include inc/*.conf;\n}\n", []string{"inc/a.conf", "server {\n  listen 127.0.0.1:18082;\n  location / {\n}\n"}, false},
}

var nginxErrLine = regexp.MustCompile(`in (\S+):(\d+)`)

func TestAgreesWithNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		testutil.Missing(t, "nginx", "apt-get install nginx-light (or nginx)")
	}
	for _, tc := range agreementCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
				t.Fatal(err)
			}
			// nginx needs an events block; it comes first, so the case's
			// own lines are one further down in the file.
			conf := "events {}\n" + tc.conf
			writeFile(t, dir, "nginx.conf", conf)
			for i := 0; i+1 < len(tc.files); i += 2 {
				writeFile(t, dir, tc.files[i], tc.files[i+1])
			}
			out, nerr := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-e", "stderr", "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput()
			nginxOK := nerr == nil

			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			_, perr := Parse("nginx.conf", []byte(conf), Options{FS: root.FS(), Path: "nginx.conf"})
			if nginxOK != tc.valid {
				t.Fatalf("nginx -t says valid=%v (want %v): %s", nginxOK, tc.valid, out)
			}
			if (perr == nil) != nginxOK {
				t.Fatalf("Parse error %v, nginx -t valid=%v: %s", perr, nginxOK, out)
			}
			if perr == nil {
				return
			}
			var e *Error
			if !errors.As(perr, &e) {
				t.Fatalf("error %T", perr)
			}
			m := nginxErrLine.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no line in nginx output %s", out)
			}
			line, _ := strconv.Atoi(string(m[2]))
			file, _ := filepath.Rel(dir, string(m[1]))
			wantIn := filepath.ToSlash(file)
			if wantIn == "nginx.conf" {
				wantIn = ""
			}
			if e.Line != line || e.In != wantIn {
				t.Errorf("Parse: %v; nginx: %s", perr, out)
			}
		})
	}
}
