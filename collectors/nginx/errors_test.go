package nginx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// badInputs are configurations nginx rejects (or that this package cannot
// describe), with the error text expected: the file, the line and what is
// wrong.
var badInputs = []struct {
	name, conf, want string
	kind             error
}{
	{"stray close", "http {\n}\n}\n", `nginx: bad.conf: line 3: unexpected "}"`, ErrSyntax},
	{"unclosed block", "http {\n  server {\n", `nginx: bad.conf: line 3: unexpected end of file, expecting "}"`, ErrSyntax},
	{"missing semicolon at end", "http {}\nuser nginx", `nginx: bad.conf: line 2: unexpected end of file, expecting ";" or "}"`, ErrSyntax},
	{"unterminated quote", "http {\n  add_header X \"abc;\n}\n", `nginx: bad.conf: line 4: unexpected end of file`, ErrSyntax},
	{"text after quote", "server {\n  return 200 \"a\"b;\n}", `nginx: bad.conf: line 2: unexpected "b"`, ErrSyntax},
	{"lone semicolon", "http {\n ;\n}", `nginx: bad.conf: line 2: unexpected ";"`, ErrSyntax},
	{"location without block", "server {\n  location /x;\n}", `nginx: bad.conf: line 2: directive "location" has no opening "{"`, ErrSyntax},
	{"listen with block", "server {\n  listen 80 { }\n}", `nginx: bad.conf: line 2: directive "listen" is not terminated by ";"`, ErrSyntax},
	{"unclosed lua", "server {\n location / {\n  content_by_lua_block {\n   ngx.say('}')\n", `nginx: bad.conf: line 3: unexpected end of file in Lua block`, ErrSyntax},
	{"regex RE2 cannot compile", "server {\n\n  location ~ ^/(?!admin) { }\n}", `nginx: bad.conf: line 3: location regex "^/(?!admin)" does not compile as RE2`, ErrInvalid},
	{"bad location modifier", "server {\n  location ~~ /x { }\n}", `nginx: bad.conf: line 2: invalid location modifier "~~"`, ErrInvalid},
	{"location in http", "http {\n  location / { }\n}", `nginx: bad.conf: line 2: "location" directive is not allowed here`, ErrInvalid},
	{"http in server", "server {\n  http { }\n}", `nginx: bad.conf: line 2: "http" directive is not allowed here`, ErrInvalid},
	{"bad size", "http {\n client_max_body_size 10x;\n}", `nginx: bad.conf: line 2: invalid value "10x" in "client_max_body_size" directive`, ErrInvalid},
	{"bad time", "http {\n proxy_read_timeout 5 parsecs;\n}", `nginx: bad.conf: line 2: invalid number of arguments in "proxy_read_timeout" directive`, ErrInvalid},
	{"bad time unit", "http {\n proxy_read_timeout 5q;\n}", `nginx: bad.conf: line 2: invalid value "5q" in "proxy_read_timeout" directive`, ErrInvalid},
	{"limit_req without zone", "server {\n limit_req burst=5;\n}", `nginx: bad.conf: line 2: no zone in "limit_req" directive`, ErrInvalid},
	{"bad rate", "http {\n limit_req_zone $a zone=z:1m rate=1r/h;\n}", `nginx: bad.conf: line 2: invalid rate "rate=1r/h"`, ErrInvalid},
	{"bad ssl_protocols", "http {\n ssl_protocols TLSv9;\n}", `nginx: bad.conf: line 2: invalid value "TLSv9" in "ssl_protocols" directive`, ErrInvalid},
	{"add_header arity", "http {\n add_header X;\n}", `nginx: bad.conf: line 2: invalid number of arguments in "add_header" directive`, ErrInvalid},
	{"listen without address", "server {\n listen;\n}", `nginx: bad.conf: line 2: invalid number of arguments in "listen" directive`, ErrInvalid},
	{"include arity", "http {\n include a b;\n}", `nginx: bad.conf: line 2: invalid number of arguments in "include" directive`, ErrInvalid},
	{"bad ssl_verify_client", "server {\n ssl_verify_client maybe;\n}", `nginx: bad.conf: line 2: invalid value "maybe" in "ssl_verify_client" directive`, ErrInvalid},
	{"location without path", "server {\n location { }\n}", `nginx: bad.conf: line 2: invalid number of arguments in "location" directive`, ErrInvalid},
	{"empty location", "server {\n location \"\" { }\n}", `nginx: bad.conf: line 2: empty location`, ErrInvalid},
}

func TestBadInputs(t *testing.T) {
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.conf", []byte(tc.conf), Options{})
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q\n want prefix %q", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "bad.conf" || e.Line == 0 {
				t.Errorf("error %#v does not name the file and line", err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error kind: %v is not %v", err, tc.kind)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	conf := "http { server { listen 80; } }\n" + strings.Repeat("# padding\n", 100)
	_, err := Parse("big.conf", []byte(conf), Options{Limits: safedecode.Limits{MaxBytes: 64}})
	if !errors.Is(err, ErrLimit) || !strings.HasPrefix(err.Error(), "nginx: big.conf: input exceeds the size limit of 64 bytes") {
		t.Errorf("err = %v", err)
	}
	// The same limit applies to every included file, named in the error.
	fsys := fstest.MapFS{"inc.conf": {Data: []byte(conf)}}
	_, err = Parse("main.conf", []byte("include inc.conf;"), Options{FS: fsys, Limits: safedecode.Limits{MaxBytes: 64}})
	if !errors.Is(err, ErrLimit) || !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "nginx: main.conf: inc.conf: ") {
		t.Errorf("err = %v", err)
	}
	// Nesting.
	deep := strings.Repeat("a {", 200) + strings.Repeat("}", 200)
	if _, err := Parse("deep.conf", []byte(deep), Options{}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "deep.conf: line 1: blocks nested more than 64 deep") {
		t.Errorf("err = %v", err)
	}
	// Nesting adds up through includes, cached or not.
	fsys = fstest.MapFS{"b.conf": {Data: []byte(strings.Repeat("b {", 40) + strings.Repeat("}", 40))}}
	outer := "a { include b.conf; }\n" + strings.Repeat("a {", 30) + "\ninclude b.conf;\n" + strings.Repeat("}", 30)
	if _, err := Parse("main.conf", []byte(outer), Options{FS: fsys}); !errors.Is(err, ErrLimit) ||
		!strings.HasPrefix(err.Error(), `nginx: main.conf: line 3: blocks nested more than 64 deep (through include "b.conf")`) {
		t.Errorf("err = %v", err)
	}
}

func TestIncludeErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"a.conf":       {Data: []byte("include b.conf;\n")},
		"b.conf":       {Data: []byte("\n\ninclude a.conf;\n")},
		"bad/x.conf":   {Data: []byte("server {\n  listen 80;\n  location / {\n}\n")},
		"self.conf":    {Data: []byte("include self.conf;")},
		"chain/0.conf": {Data: []byte("include 1.conf;")},
	}
	for i := 1; i < 20; i++ {
		fsys[fmt.Sprintf("chain/%d.conf", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("include %d.conf;", i+1))}
	}
	// A doubling tree: 2^15 copies of one directive after expansion.
	for i := 0; i < 15; i++ {
		fsys[fmt.Sprintf("tree/%d.conf", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("include %d.conf;\ninclude %d.conf;\n", i+1, i+1))}
	}
	fsys["tree/15.conf"] = &fstest.MapFile{Data: []byte("gzip on;")}
	for _, tc := range []struct{ main, path, want string }{
		{"include a.conf;", "main.conf", "nginx: main.conf: b.conf: line 3: include cycle: main.conf -> a.conf -> b.conf -> a.conf"},
		{"include self.conf;", "", "nginx: main.conf: self.conf: line 1: include cycle: self.conf -> self.conf"},
		{"http {\n include bad/*.conf;\n}", "main.conf", `nginx: main.conf: bad/x.conf: line 5: unexpected end of file, expecting "}"`},
		{"include chain/0.conf;", "main.conf", "nginx: main.conf: chain/15.conf: line 1: includes nested more than 16 deep"},
		{"include [.conf;", "main.conf", `nginx: main.conf: line 1: include "[.conf": syntax error in pattern`},
	} {
		_, err := Parse("main.conf", []byte(tc.main), Options{FS: fsys, Path: tc.path})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: err = %v\n want %q", tc.main, err, tc.want)
		}
	}
	if _, err := Parse("main.conf", []byte("include tree/0.conf;"), Options{FS: fsys, MaxDirectives: 5000}); !errors.Is(err, ErrLimit) ||
		!strings.Contains(err.Error(), "more than 5000 directives") {
		t.Errorf("expansion: %v", err)
	}
}

// An include that escapes the root or is absolute is reported, never read.
func TestIncludeConfinement(t *testing.T) {
	fsys := fstest.MapFS{"site/a.conf": {Data: []byte("server { include ../../etc/passwd; include /etc/nginx/x.conf; include ${SNIPPET}; }")}}
	data := fsys["site/a.conf"].Data
	res, err := Parse("site/a.conf", data, Options{FS: fsys, Path: "site/a.conf"})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, inc := range res.Includes {
		reasons = append(reasons, inc.Reason)
	}
	wantR := []string{"outside the source root", "absolute path outside the source root", "contains a template placeholder"}
	if strings.Join(reasons, "|") != strings.Join(wantR, "|") {
		t.Errorf("reasons %q, want %q", reasons, wantR)
	}
	// With AbsRoot, an absolute include below it resolves.
	fsys["x.conf"] = &fstest.MapFile{Data: []byte("client_max_body_size 1k;")}
	res, err = Parse("site/a.conf", data, Options{FS: fsys, Path: "site/a.conf", AbsRoot: "/etc/nginx"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, res.Routes[0], collectors.Facts{bodyMax: 1024})
}

// Collect fails on a named file that is not nginx configuration, and on a
// bad file met in a directory walk, naming the file.
func TestCollectErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"kong.yaml":     {Data: []byte("_format_version: \"3.0\"\nservices: []\n")},
		"spec.json":     {Data: []byte(`{"openapi": "3.0.0"}`)},
		"empty.conf":    {Data: []byte("# nothing\n")},
		"dir/ok.conf":   {Data: []byte("server { listen 80; }")},
		"dir/bad.conf":  {Data: []byte("server {\n  listen 80;\n  location / {\n")},
		"dir/notes.txt": {Data: []byte("not read")},
	}
	for _, tc := range []struct{ path, want string }{
		{"kong.yaml", "nginx: kong.yaml: not an nginx configuration"},
		{"spec.json", "nginx: spec.json: not an nginx configuration"},
		{"empty.conf", "nginx: empty.conf: not an nginx configuration"},
		{"dir", `nginx: dir/bad.conf: line 4: unexpected end of file, expecting "}"`},
		{"missing.conf", "nginx: missing.conf: open missing.conf: file does not exist"},
	} {
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{tc.path}}, &memSink{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
	}
	err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"x"}, Options: map[string]string{"max_bytes": "-1"}}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Errorf("bad option: %v", err)
	}
	err = (Collector{}).Collect(context.Background(), collectors.Source{Name: "s"}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "no paths") {
		t.Errorf("no paths: %v", err)
	}
}
