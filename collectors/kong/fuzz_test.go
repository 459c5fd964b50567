package kong

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic (a recovered
// panic counts as a failure here), and either fail with an *Error naming
// the file or return a well-formed result. The seeds are the corpus
// files, the hand-made documents and the bad inputs of the other tests;
// `go test` runs them every time.
func FuzzParse(f *testing.F) {
	for _, c := range badInputs {
		f.Add([]byte(c.doc))
	}
	for _, s := range []string{
		oneRoute("  read_timeout: 5000\n  client_certificate: {id: x}\n", "    protocols: [https]\n",
			"- name: key-auth\n  config: {anonymous: guest}\n- name: cors\n  config: {origins: ['https?://.*'], credentials: true}\n",
			"- name: rate-limiting-advanced\n  config: {limit: [5, 100], window_size: [1, 60]}\n",
			"- name: response-transformer\n  config: {add: {headers: ['X-Frame-Options: DENY']}}\n- name: http-log\n  config: {http_endpoint: 'http://a/b'}\n") +
			"consumers:\n- username: guest\n  jwt_secrets: [{key: k}]\n  plugins: [{name: request-termination}]\nconsumer_groups:\n- name: g\n  plugins: [{name: rate-limiting, config: {second: 1}}]\n",
		"_format_version: \"1.1\"\nroutes:\n- name: r\n  paths: ['/a/(?<id>\\d+)']\n  service: {name: s}\nplugins:\n- {name: acl, route: r, config: {whitelist: [a]}}\n",
		"_format_version: \"3.0\"\nroutes:\n- name: e\n  expression: '(http.path ^= \"/a\" || !(http.host =^ \".x.com\")) && http.method == r#\"GET\"#'\n",
		"x: &a {name: n, paths: [/a]}\nroutes: [*a, {<<: *a, name: m}]\n",
		`{"_format_version":"3.0","routes":[{"name":"j","paths":["\/a"],"service":{"id":"1"}}],"services":[{"id":"1","url":"https:\/\/h:1\/p"}]}`,
		"_format_version: 3.0\nservices: [{name: s, host: h, routes: [{name: r, protocols: [tcp]}]}]\n",
		"", "\x00\xff", "{", "[", "services:\n- 1\n", "_format_version: \"3.0\"\nroutes: [{paths: [~]}]\n",
	} {
		f.Add([]byte(s))
	}
	root := testutil.Corpus(f, "gateways/kong")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
		return nil
	})
	for _, dir := range []string{"kong-2.1.4", "kong-3-constructed"} {
		for _, n := range []string{"routes.json", "plugins.json", "equivalent.yaml"} {
			if data, err := os.ReadFile(filepath.Join("testdata", "admin", dir, n)); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}}
		res, err := Parse("fuzz.yaml", data, opt)
		if err != nil {
			if errors.Is(err, ErrParserPanic) {
				t.Fatalf("panic: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "kong: fuzz.yaml: ") || res != nil {
				t.Fatalf("error %T %q does not name the file (or came with a result)", err, err)
			}
			return
		}
		checkResult(t, res)
	})
}
