package tyk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic, never hang,
// and either fail with an *Error naming the file or return a well-formed
// result. Seeds: every corpus and testdata file, hand-made definitions
// exercising the endpoint rules, and the bad inputs of the other tests.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		apiDoc(nil),
		apiDoc(map[string]any{"use_keyless": true, "CORS": map[string]any{"enable": true}, "version_data": paths(map[string]any{
			"white_list":  []any{map[string]any{"path": "/a/{id}", "method_actions": map[string]any{"GET": map[string]any{"action": "reply"}}}},
			"ignored":     []any{map[string]any{"path": "^/h$"}},
			"size_limits": []any{map[string]any{"path": "/u/*", "method": "POST", "size_limit": 5}},
			"rate_limit":  []any{map[string]any{"path": "/r", "method": "GET", "rate": 1, "per": 0.5}},
		})}),
		apiDoc(map[string]any{"domain": "{a}.b.c", "proxy": map[string]any{"listen_path": "/t/{x}/", "target_url": "https://u"},
			"version_data": map[string]any{"versions": map[string]any{"v1": map[string]any{"name": "v1"}, "v2": map[string]any{"name": "v2"}}},
			"definition":   map[string]any{"location": "url"}}),
		`{"api_definition": {"api_id": "x", "proxy": {"listen_path": "/x/"}}}`,
		`{"apis": [{"api_definition": {"api_id": "x", "proxy": {"listen_path": "/x/"}}}]}`,
		`[{"api_id": "x", "proxy": {"listen_path": "/x/"}}, 1]`,
		`{"api_id": "x", "proxy": {"listen_path": "/x/"}, "version_data": {"versions": {"D": {"use_extended_paths": true, "extended_paths": {"black_list": [{"path": "(("}]}}}}}`,
		`{"api_id": "x", "use_keyless": "yes"}`,
		"x-tyk-api-gateway:\n  info: {name: o}\n  server: {listenPath: {value: /o/}}\n",
		"a: &a [1, 1]\nb: [*a, *a]\nx-tyk-api-gateway: {}\n",
		"", "[", "{", "null", "\x00\xff", `{"proxy": {}}`,
	} {
		f.Add([]byte(s))
	}
	var dirs []string
	dirs = append(dirs, testutil.Corpus(f, "gateways/tyk"), "testdata")
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"fuzz"+string(filepath.Separator)) {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Size() <= 32<<10 {
				if data, err := os.ReadFile(p); err == nil {
					f.Add(data)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}}
		for _, conf := range []*GatewayConfig{nil, fuzzConf} {
			opt.Gateway = conf
			res, err := Parse("fuzz.json", data, opt)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "tyk: fuzz.json: ") {
					t.Fatalf("error %T %q does not name the file", err, err)
				}
				return
			}
			checkResult(t, res)
		}
	})
}

var fuzzConf = func() *GatewayConfig {
	c := &GatewayConfig{EnableAnalytics: true, EnableCustomDomains: true, ProxyDefaultTimeout: 10}
	c.HTTPServerOptions.EnablePathPrefixMatching = true
	c.HTTPServerOptions.EnablePathSuffixMatching = true
	c.HTTPServerOptions.UseSSL = true
	return c
}()

// BenchmarkParse parses the largest corpus file.
func BenchmarkParse(b *testing.B) {
	root := testutil.Corpus(b, "gateways/tyk")
	var best string
	var size int64
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil && info.Size() > size {
				best, size = p, info.Size()
			}
		}
		return nil
	})
	data, err := os.ReadFile(best)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s, %d bytes", filepath.Base(best), len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(best, data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
