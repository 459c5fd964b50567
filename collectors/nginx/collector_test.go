package nginx

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != CollectorVersion || collectors.OriginOf(c) != collectors.OriginGateway {
		t.Errorf("version %q origin %q", c.Version(), collectors.OriginOf(c))
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       bool
	}{
		{"nginx.conf", "user nginx;\nworker_processes 1;\n", true},
		{"site.conf", "# comment\nserver {\n  listen 80;\n  location / {\n    proxy_pass http://x", true}, // cut mid-statement
		{"frag.conf", "add_header X-Frame-Options DENY;", true},
		{"mime.types", "types {\n  text/html html htm;\n  image/png png;\n}\n", true},
		{"lua.conf", "init_by_lua_block { x = '}' }\nlua_package_path '/x/?.lua;;';\n", true},
		{"kong.yaml", "_format_version: \"3.0\"\nservices:\n- name: a\n", false},
		{"envoy.yaml", "# comment\nstatic_resources:\n  listeners:\n", false},
		{"spec.json", `{"openapi": "3.0.0"}`, false},
		{"access.log", `127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326`, false},
		{"httpd.conf", "<VirtualHost *:80>\n ServerName x\n</VirtualHost>\n", false},
		{"app.ini", "[section]\nkey = value;\n", false},
		{"empty.conf", "", false},
		{"comments.conf", "# only\n# comments\n", false},
		{"unknown.conf", "foo bar;\nbaz qux;\n", false},
		{"stray.conf", "}\nserver {}", false},
	} {
		if got := (Collector{}).Detect(tc.name, []byte(tc.head)); got != tc.want {
			t.Errorf("%s: Detect = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Collect from the OS and from an fs.FS gives the same evidence; files that
// another file includes are reported through it; src.API overrides names.
func TestCollect(t *testing.T) {
	files := map[string]string{
		"nginx.conf":           "http { access_log /var/log/a.log; include sites/*.conf; }\n",
		"sites/api.conf":       "server { listen 443 ssl; server_name api.example.com; location /v1/ { proxy_pass http://b; } location /v2/ { } }\n",
		"sites/admin.conf":     "server { listen 443 ssl; server_name admin.example.com; }\n",
		"standalone.conf":      "server { listen 80; server_name _; }\n",
		"loop/a.conf":          "include b.conf;\n",
		"loop/b.conf":          "include a.conf; server { server_name looped; }\n",
		"README.md":            "server { }",
		".git/hooks/x.conf":    "server { server_name hidden; }",
		"templates/x.conf.txt": "server { server_name nope; }",
	}
	dir := t.TempDir()
	fsys := fstest.MapFS{}
	for name, content := range files {
		writeFile(t, dir, name, content)
		fsys["root/"+name] = &fstest.MapFile{Data: []byte(content)}
	}
	// The include cycle in loop/ is an error for the file that starts it:
	// take it out for the directory runs, check it separately.
	delete(fsys, "root/loop/a.conf")
	delete(fsys, "root/loop/b.conf")
	fsys["root/loop/b.conf"] = &fstest.MapFile{Data: []byte("server { server_name looped; }\n")}

	osSink, fsSink := &memSink{}, &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Paths: []string{filepath.Join(dir, "sites"), filepath.Join(dir, "nginx.conf")}}, osSink); err != nil {
		t.Fatal(err)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"root"}}, fsSink); err != nil {
		t.Fatal(err)
	}
	names := func(s *memSink) (out []string) {
		for _, ev := range s.evidence {
			out = append(out, ev.API+" | "+ev.Route.Name+" | "+ev.Location)
		}
		return out
	}
	// The sites directory alone: each file is a root (nothing includes
	// it there); then nginx.conf, which includes them.
	wantOS := []string{
		"admin.example.com | admin.example.com:443 (server) | " + filepath.Join(dir, "sites", "admin.conf") + ":1",
		"api.example.com | api.example.com:443 location /v1/ | " + filepath.Join(dir, "sites", "api.conf") + ":1",
		"api.example.com | api.example.com:443 location /v2/ | " + filepath.Join(dir, "sites", "api.conf") + ":1",
		"admin.example.com | admin.example.com:443 (server) | sites/admin.conf:1",
		"api.example.com | api.example.com:443 location /v1/ | sites/api.conf:1",
		"api.example.com | api.example.com:443 location /v2/ | sites/api.conf:1",
	}
	if got := names(osSink); !equal(got, wantOS) {
		t.Errorf("OS evidence:\n%q\nwant\n%q", got, wantOS)
	}
	// The whole tree: nginx.conf (which covers sites/), loop/b.conf and
	// standalone.conf; hidden directories and other extensions are skipped.
	wantFS := []string{
		"looped | looped:80 (server) | root/loop/b.conf:1",
		"admin.example.com | admin.example.com:443 (server) | sites/admin.conf:1",
		"api.example.com | api.example.com:443 location /v1/ | sites/api.conf:1",
		"api.example.com | api.example.com:443 location /v2/ | sites/api.conf:1",
		"standalone.conf:80 | standalone.conf:80 (server) | root/standalone.conf:1",
	}
	if got := names(fsSink); !equal(got, wantFS) {
		t.Errorf("FS evidence:\n%q\nwant\n%q", got, wantFS)
	}
	// Through nginx.conf, the http-level access_log applies.
	for _, ev := range fsSink.evidence {
		if ev.Route.Name == "api.example.com:443 location /v1/" {
			if s := ev.Facts[collectors.FactLoggingSinks]; !equal(s.([]string), []string{"file:/var/log/a.log"}) {
				t.Errorf("sinks %v", s)
			}
			if ev.Artifact.Name != "root/nginx.conf" || ev.Artifact.ContentType != ContentType {
				t.Errorf("artifact %s %s", ev.Artifact.Name, ev.Artifact.ContentType)
			}
		}
	}
	// One artifact per file, shared.
	if osSink.evidence[1].Artifact != osSink.evidence[2].Artifact {
		t.Error("evidence of one file does not share its artifact")
	}

	// src.API assigns everything to one API.
	s := &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"root/standalone.conf"}, API: "Shop"}, s); err != nil {
		t.Fatal(err)
	}
	if len(s.evidence) != 1 || s.evidence[0].API != "Shop" {
		t.Errorf("API override: %+v", s.evidence)
	}

	// An include cycle in a walked directory is an error naming the place.
	err := (Collector{}).Collect(context.Background(), collectors.Source{Paths: []string{filepath.Join(dir, "loop")}}, &memSink{})
	if err == nil || err.Error() != "nginx: "+filepath.Join(dir, "loop", "a.conf")+": b.conf: line 1: include cycle: a.conf -> b.conf -> a.conf" {
		t.Errorf("cycle: %v", err)
	}
}

func TestCollectStops(t *testing.T) {
	fsys := fstest.MapFS{"a.conf": {Data: []byte("server { location /a { } location /b { } }")}}
	sink := &memSink{fail: 1}
	err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"a.conf"}}, sink)
	if !errors.Is(err, errSinkFull) {
		t.Errorf("sink error not returned: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, collectors.Source{FS: fsys, Paths: []string{"a.conf"}}, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Across the whole shared corpus (specs, scans, logs, other gateways),
// Detect recognises exactly the nginx files, so `posture ingest` does not
// take another kind's file for nginx.
func TestDetectCorpusWide(t *testing.T) {
	root := filepath.Join(testutil.SharedDir(t), "corpus")
	nginxDir := filepath.Join(root, "gateways", "nginx") + string(filepath.Separator)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		head := make([]byte, headSize)
		m, _ := io.ReadFull(f, head)
		f.Close()
		n++
		if got, want := (Collector{}).Detect(p, head[:m]), strings.HasPrefix(p, nginxDir); got != want {
			t.Errorf("%s: Detect = %v, want %v", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d corpus files", n)
	}
}
