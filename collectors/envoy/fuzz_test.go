package envoy

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
// panic counts as a failure here), never hang, and either fail with an
// *Error naming the file or return well-formed routes. The seeds are the
// corpus files, the hand-made configurations and the bad inputs of the
// other tests; `go test` runs them every time.
func FuzzParse(f *testing.F) {
	seeds := []string{
		cfg{}.yaml(),
		cfg{filters: jwtFilter("- match: {path: /healthz}\n- match: {prefix: /api, headers: [{name: \":method\", exact_match: GET}]}\n  requires: {requires_any: {requirements: [{provider_name: idp}, {provider_name: other}]}}\n- match: {safe_regex: {regex: \"/v1/.*\"}}\n  requires: {provider_name: idp}\n")}.yaml(),
		cfg{filters: extAuthzHTTP + corsF + bufferF + localRL("{max_tokens: 1, fill_interval: 0.5s}", 50, 100) + globalRL,
			vh:     "cors: {allow_origin_string_match: [{prefix: \"https://\"}]}\nrate_limits: [{actions: [{remote_address: {}}]}]\nrequire_tls: ALL",
			routes: "- match: {path_separated_prefix: /a}\n  route: {weighted_clusters: {clusters: [{name: backend}]}, timeout: 0s}\n  typed_per_filter_config:\n    authz: {\"@type\": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}\n- match: {connect_matcher: {}}\n  redirect: {https_redirect: true}\n",
			chain:  tlsChain, top: "layered_runtime: {layers: [{name: s, static_layer: {enabled: 0}}]}\n"}.yaml(),
		aliasBomb,
		"static_resources: {listeners: [{filter_chains: [{filters: [{name: envoy.http_connection_manager, config: {route_config: {virtual_hosts: [{name: v, domains: [a], routes: [{match: {regex: \"(\"}, route: {cluster: c}}]}]}}}]}]}]}\n",
		`{"static_resources": {"listeners": [{"filter_chains": [{"filters": [{"typed_config": {"@type": "x/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", "route_config": {"virtual_hosts": [{"domains": ["*"], "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "c"}}]}]}}}]}]}]}}`,
		"a: &a {b: *a}\n", "<<: {static_resources: {}}\n", "static_resources: []\n", "static_resources:\n  listeners: [1, null, {}]\n",
		"{\"static_resources\": {\"listeners\": [}\n}", "", "\x00\xff", "---\n---\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	root := testutil.Corpus(f, "gateways/envoy")
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
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}}
		res, err := Parse("fuzz.yaml", data, opt)
		if err != nil {
			if errors.Is(err, ErrParserPanic) {
				t.Fatalf("panic: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "envoy: fuzz.yaml: ") {
				t.Fatalf("error %T %q does not name the file", err, err)
			}
			return
		}
		checkResult(t, res)
	})
}
