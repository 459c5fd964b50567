package nginx

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

// corpusFiles lists every file under the shared corpus's gateways/nginx,
// so a file added there is covered without touching this test.
func corpusFiles(t testing.TB) (root string, rels []string) {
	t.Helper()
	root = testutil.Corpus(t, "gateways/nginx")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			rels = append(rels, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) == 0 {
		t.Fatalf("no files under %s", root)
	}
	return root, rels
}

func parseCorpusFile(t testing.TB, root, rel string) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	res, err := Parse(rel, data, Options{FS: r.FS(), Path: rel})
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	checkResult(t, res)
	return res
}

// Every real file parses, is detected, and yields a well-formed result.
func TestParseCorpus(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !(Collector{}).Detect(rel, data) {
				t.Errorf("not detected")
			}
			parseCorpusFile(t, root, rel)
		})
	}
}

// corpusCase is what a person reading a corpus file finds in it. The
// expected values were derived by reading each file (line numbers cited),
// not from the parser's output.
type corpusCase struct {
	servers    []string // API names, in file order
	routes     int
	directives int // statements, counting a block as one (comments excluded)
	unresolved []string
	routeFacts map[string]collectors.Facts // route name suffix -> facts (nil value = absent)
	plugins    map[string][]string         // route name suffix -> plugins that must be listed
}

var corpusCases = map[string]corpusCase{
	// crapi: two "server_name _" servers (lines 2 and 96), 443 ssl and 80,
	// seven locations each (/community/, /identity/, /workshop/, /images,
	// /.well-known/jwks.json, /mailhog/, /). Server-level
	// client_max_body_size 50M (lines 9, 99) = 52428800 bytes;
	// ssl_protocols TLSv1.3 TLSv1.2 TLSv1.1 (line 7): minimum 1.1. No auth,
	// no limit_req, no access_log, no timeouts. The lua rewrite blocks
	// (e.g. lines 14-21) make validation unknown; the upstreams hide their
	// scheme in ${HTTP_PROTOCOL} except /mailhog/ (http://, line 78).
	// Statements: the 443 server has 8 simple ones at server level (lines
	// 3-11), 7 locations holding 7+4+7+1+1+7+6 = 33 (a lua block counts as
	// one), plus itself: 49; the 80 server has 5 at server level: 46.
	"crapi-nginx.conf.template": {
		servers:    []string{"crapi-nginx.conf.template:443", "crapi-nginx.conf.template:80"},
		routes:     14,
		directives: 95,
		routeFacts: map[string]collectors.Facts{
			"443 location /community/": {
				collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: "1.1",
				collectors.FactAuthEnforced: false, collectors.FactAuthzEnforced: false,
				collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 52428800,
				collectors.FactUpstream:           "${HTTP_PROTOCOL}://${COMMUNITY_SERVICE}",
				collectors.FactMTLSUpstream:       nil,
				collectors.FactValidationEnforced: nil,
				collectors.FactRateLimitEnabled:   false, collectors.FactTimeoutConfigured: false,
				collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"default"},
				collectors.FactCORSRestricted: true, collectors.FactSecurityHeaders: false,
			},
			"443 location /images": {
				collectors.FactTLSEnforced: true, collectors.FactValidationEnforced: false,
				collectors.FactUpstream: nil, collectors.FactMTLSUpstream: nil,
			},
			"443 location /mailhog/": {
				collectors.FactUpstream: "http://${MAILHOG_WEB_SERVICE}/", collectors.FactMTLSUpstream: false,
			},
			"80 location /identity/": {
				collectors.FactTLSEnforced: false, collectors.FactTLSMinVersion: nil,
				collectors.FactBodySizeMaxBytes: 52428800,
				collectors.FactUpstream:         "${HTTP_PROTOCOL}://${IDENTITY_SERVICE}",
			},
			"80 location /": {
				collectors.FactTLSEnforced: false, collectors.FactSecurityHeaders: false,
				collectors.FactHeadersSet: nil, collectors.FactCORSRestricted: true,
			},
		},
		plugins: map[string][]string{
			"443 location /community/": {"rewrite_by_lua_block", "proxy_pass", "sub_filter", "ssl", "client_max_body_size"},
			"443 location /":           {"add_header"},
		},
	},
	// elastic: one server "localhost" listening on 80 (lines 23-30) with
	// one location /server-status; http-level access_log to
	// /var/log/nginx/access.log (line 21); two absolute includes at http
	// level (lines 14 and 32) that cannot be read. Statements: 4 at the
	// top (lines 1-5), events + 1, http + 4 + server (+2, location +1) +
	// the last include: 17.
	"elastic-examples-full-stack-nginx.conf": {
		servers:    []string{"localhost"},
		routes:     1,
		directives: 17,
		unresolved: []string{"/etc/nginx/mime.types", "/etc/nginx/conf.d/*"},
		routeFacts: map[string]collectors.Facts{
			"localhost:80 location /server-status": {
				collectors.FactTLSEnforced: false, collectors.FactAuthEnforced: false,
				collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"file:/var/log/nginx/access.log"},
				collectors.FactBodySizeLimited: false, collectors.FactTLSMinVersion: nil,
			},
		},
		plugins: map[string][]string{
			"location /server-status": {"unresolved-include:/etc/nginx/mime.types", "unresolved-include:/etc/nginx/conf.d/*"},
		},
	},
	// A fragment: one add_header (line 18), no server.
	"h5bp-cross-origin-requests.conf": {directives: 1},
	// Two servers without locations, both listening only on 443 ssl
	// (lines 13-14, 29-30): one route each for "/". The first redirects
	// with "return 301 $scheme://..." (line 22). Eight includes of h5bp/
	// files that live elsewhere (lines 18-20, 35-37, 43, 46).
	"h5bp-example.com.conf": {
		servers:    []string{"www.example.com", "example.com"},
		routes:     2,
		directives: 18,
		unresolved: []string{"h5bp/tls/ssl_engine.conf", "h5bp/tls/certificate_files.conf", "h5bp/tls/policy_balanced.conf",
			"h5bp/tls/ssl_engine.conf", "h5bp/tls/certificate_files.conf", "h5bp/tls/policy_balanced.conf",
			"h5bp/errors/custom_errors.conf", "h5bp/basic.conf"},
		routeFacts: map[string]collectors.Facts{
			"www.example.com:443 (server)": {
				collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: nil, collectors.FactAuthEnforced: false,
				collectors.FactLoggingSinks: []string{"default"},
			},
			"example.com:443 (server)": {collectors.FactTLSEnforced: true, collectors.FactSecurityHeaders: false},
		},
		plugins: map[string][]string{
			"www.example.com:443 (server)": {"return", "ssl", "unresolved-include:h5bp/tls/policy_balanced.conf"},
			"example.com:443 (server)":     {"unresolved-include:h5bp/basic.conf"},
		},
	},
	// The main h5bp config: no server (they live in conf.d/*.conf, line
	// 190), seven includes none of which is in the corpus directory.
	// Statements: 8 outside http (events and its one directive included);
	// http itself, 10 simple ones, 9 maps counting 34 statements with their
	// entries (12 for $cache_control, 2 each for the next seven, 8 for
	// $cors), the last include: 46.
	"h5bp-nginx.conf": {
		directives: 54,
		unresolved: []string{"custom.d/*.conf", "h5bp/security/server_software_information.conf",
			"h5bp/media_types/media_types.conf", "h5bp/media_types/character_encodings.conf",
			"h5bp/web_performance/compression.conf", "h5bp/web_performance/cache_expiration.conf", "conf.d/*.conf"},
	},
	// A fragment: ssl_protocols, ssl_ciphers, ssl_ecdh_curve (lines 43-47).
	"h5bp-tls-policy_strict.conf": {directives: 3},
}

func TestCorpusTable(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		tc, ok := corpusCases[rel]
		if !ok {
			t.Errorf("%s: no table entry; add one (read the file and write down what it holds)", rel)
			continue
		}
		t.Run(rel, func(t *testing.T) {
			res := parseCorpusFile(t, root, rel)
			var servers []string
			for _, s := range res.Servers {
				servers = append(servers, s.API)
			}
			if !reflect.DeepEqual(servers, tc.servers) {
				t.Errorf("servers = %q, want %q", servers, tc.servers)
			}
			if len(res.Routes) != tc.routes {
				t.Errorf("routes = %d, want %d", len(res.Routes), tc.routes)
			}
			if res.Directives != tc.directives {
				t.Errorf("directives = %d, want %d", res.Directives, tc.directives)
			}
			var unresolved []string
			for _, inc := range res.Includes {
				if inc.Reason != "" {
					unresolved = append(unresolved, inc.Pattern)
				}
			}
			if !reflect.DeepEqual(unresolved, tc.unresolved) {
				t.Errorf("unresolved includes = %q, want %q", unresolved, tc.unresolved)
			}
			for name, facts := range tc.routeFacts {
				want(t, route(t, res, name), facts)
			}
			for name, ps := range tc.plugins {
				r := route(t, res, name)
				for _, p := range ps {
					if !hasPlugin(r, p) {
						t.Errorf("%s: plugin %q missing from %v", r.Route.Name, p, r.Facts[collectors.FactGatewayPlugins])
					}
				}
			}
		})
	}
}

// The h5bp files are meant to work together: nginx.conf includes
// conf.d/*.conf, whose servers include h5bp/... relative to nginx's prefix.
// Laid out that way (the real files, plus one hand-made server that uses
// the strict TLS policy and the cross-origin fragment), the collector
// resolves the includes and merges nginx.conf's http level into the
// servers.
func TestCorpusH5BPLayout(t *testing.T) {
	root, _ := corpusFiles(t)
	dir := t.TempDir()
	copyFile := func(from, to string) {
		data, err := os.ReadFile(filepath.Join(root, from))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, to, string(data))
	}
	copyFile("h5bp-nginx.conf", "nginx.conf")
	copyFile("h5bp-example.com.conf", "conf.d/example.com.conf")
	copyFile("h5bp-tls-policy_strict.conf", "h5bp/tls/policy_strict.conf")
	copyFile("h5bp-cross-origin-requests.conf", "h5bp/cross-origin/requests.conf")
	writeFile(t, dir, "conf.d/api.conf", `server {
  listen 443 ssl;
  server_name api.example.com;
  include h5bp/tls/policy_strict.conf;
  location /v1/ { proxy_pass http://backend; }
  location /fonts/ { include h5bp/cross-origin/requests.conf; }
}
`)
	writeFile(t, dir, "conf.d/.disabled.conf", "server { listen 81; }\n")

	sink := &memSink{}
	src := collectors.Source{Name: "h5bp", Kind: Kind, Paths: []string{dir},
		APIMap: map[string]string{"api.example.com": "Public API"}}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	if sink.other != 0 {
		t.Errorf("collector called API/Endpoint/Finding %d times", sink.other)
	}
	// conf.d/api.conf (2 locations) and conf.d/example.com.conf (2
	// servers without locations), all reached through nginx.conf; the
	// dot file is skipped by both the walk and the glob.
	var names []string
	byName := map[string]collectors.Evidence{}
	for _, ev := range sink.evidence {
		names = append(names, ev.Route.Name)
		byName[ev.Route.Name] = ev
		if ev.Artifact == nil || ev.Artifact.Name != filepath.Join(dir, "nginx.conf") {
			t.Errorf("%s: artifact %v, want nginx.conf", ev.Route.Name, ev.Artifact)
		}
	}
	sort.Strings(names)
	wantNames := []string{"api.example.com:443 location /fonts/", "api.example.com:443 location /v1/",
		"example.com:443 (server)", "www.example.com:443 (server)"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("routes = %q, want %q", names, wantNames)
	}
	v1 := byName["api.example.com:443 location /v1/"]
	if v1.API != "Public API" {
		t.Errorf("API = %q, want the api_map name", v1.API)
	}
	if !strings.HasPrefix(v1.Location, "conf.d/api.conf:5; warning: unresolved include \"custom.d/*.conf\"") {
		t.Errorf("location = %q", v1.Location)
	}
	r := Route{Route: *v1.Route, Facts: v1.Facts}
	want(t, r, collectors.Facts{
		collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: "1.2", // policy_strict.conf line 43
		collectors.FactLoggingSinks:   []string{"file:/var/log/nginx/access.log"}, // nginx.conf line 76
		collectors.FactCORSRestricted: true, collectors.FactUpstream: "http://backend", collectors.FactMTLSUpstream: false,
	})
	fonts := byName["api.example.com:443 location /fonts/"]
	// requests.conf: add_header Access-Control-Allow-Origin $cors, and
	// nginx.conf's map $cors gives "*" for images and fonts (lines 174-185).
	want(t, Route{Route: *fonts.Route, Facts: fonts.Facts}, collectors.Facts{
		collectors.FactCORSWildcard: true, collectors.FactCORSRestricted: false,
		collectors.FactCORSOrigins: []string{"*"}, collectors.FactCORSCredentials: false,
	})
	ex := byName["example.com:443 (server)"]
	if !strings.Contains(ex.Location, `unresolved include "h5bp/basic.conf"`) {
		t.Errorf("example.com location %q does not warn about h5bp/basic.conf", ex.Location)
	}
}

func writeFile(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkParse parses the largest corpus file.
func BenchmarkParse(b *testing.B) {
	root, rels := corpusFiles(b)
	var largest string
	var size int64
	for _, rel := range rels {
		st, err := os.Stat(filepath.Join(root, rel))
		if err == nil && st.Size() > size {
			largest, size = rel, st.Size()
		}
	}
	data, err := os.ReadFile(filepath.Join(root, largest))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(largest, data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
