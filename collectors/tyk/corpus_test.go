package tyk

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

// corpusFiles lists every file of the shared Tyk corpus, so a file added
// there is covered without touching this test.
func corpusFiles(t testing.TB) (root string, names []string) {
	t.Helper()
	root = testutil.Corpus(t, "gateways/tyk")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no files under %s", root)
	}
	return root, names
}

// Every real file is detected, parses and yields well-formed routes.
func TestCorpusParses(t *testing.T) {
	root, names := corpusFiles(t)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(root, n))
		if err != nil {
			t.Fatal(err)
		}
		if !(Collector{}).Detect(n, data) {
			t.Errorf("%s: not detected", n)
		}
		if len(data) > 512 && !(Collector{}).Detect(n, data[:512]) {
			t.Errorf("%s: not detected from its first 512 bytes", n)
		}
		res, err := Parse(n, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		checkResult(t, res)
		if len(res.APIs) == 0 {
			t.Errorf("%s: no API", n)
		}
	}
}

// corpusCase is what a corpus file holds. The expected values were derived
// by reading each JSON file by hand and applying the Tyk rules documented
// in doc.go (never from this parser's output):
//
//   - routes: 1 for the listen path, plus one per distinct path+method
//     listed under version_data.versions.<v>.extended_paths (the empty
//     ignored/white_list/black_list arrays of the sample apps add none);
//   - auth: use_keyless (absent = false); when false, the enabled methods
//     (use_oauth2, enable_jwt, enable_coprocess_auth...) or token auth;
//   - jwt_signing_method "hmac" -> HS256/384/512;
//   - do_not_track true -> logging false, else unknown without tyk.conf;
//   - CORS absent or enable false -> restricted;
//   - target_url scheme http -> mtls.upstream false; https -> unknown
//     without upstream_certificates or tyk.conf;
//   - proxy.transport.ssl_min_version 772 -> "1.3".
type corpusCase struct {
	apis    int
	name    string // the API's name
	routes  []string
	plugins []string // every middleware of the API (summary)
	facts   map[string]map[string]any
}

var corpusCases = map[string]corpusCase{
	"apps_app_sample.json": {
		apis: 1, name: "Tyk Test API",
		routes:  []string{"1"},
		plugins: []string{"auth_token", "batch_requests"},
		facts: map[string]map[string]any{"1": {
			// No use_keyless and no method: Tyk falls back to token auth.
			collectors.FactAuthEnforced:       true,
			collectors.FactAuthMechanisms:     []string{"key-auth"},
			collectors.FactAuthzEnforced:      nil, // keys and policies decide
			collectors.FactRateLimitEnabled:   nil,
			collectors.FactLoggingEnabled:     nil,
			collectors.FactTLSEnforced:        nil,
			collectors.FactCORSRestricted:     true,
			collectors.FactCORSWildcard:       false,
			collectors.FactMTLSUpstream:       false,
			collectors.FactUpstream:           "http://httpbin.org",
			collectors.FactValidationEnforced: false,
			collectors.FactEnforcementMode:    true,
		}},
	},
	"apps_coprocess_app_sample_protected.json": {
		apis: 1, name: "Tyk Test API (Coprocess auth)",
		routes:  []string{"4"},
		plugins: []string{"batch_requests", "custom_auth:python:MyAuthCheck"},
		facts: map[string]map[string]any{"4": {
			collectors.FactAuthEnforced:   true,
			collectors.FactAuthMechanisms: []string{"custom"},
		}},
	},
	"apps_jq.json": {
		apis: 1, name: "JQ Transform test API",
		routes:  []string{"4", "4 POST /post"},
		plugins: []string{"response_processor:response_body_transform_jq", "transform_headers", "transform_jq", "transform_jq_response"},
		facts: map[string]map[string]any{
			"4": {
				collectors.FactAuthEnforced:     false,
				collectors.FactAuthzEnforced:    false,
				collectors.FactRateLimitEnabled: false,
				collectors.FactLoggingEnabled:   false, // do_not_track
				collectors.FactGatewayPlugins:   []string{"response_processor:response_body_transform_jq"},
			},
			"4 POST /post": {
				collectors.FactAuthEnforced:   false,
				collectors.FactLoggingEnabled: false,
				collectors.FactGatewayPlugins: []string{"response_processor:response_body_transform_jq", "transform_headers", "transform_jq", "transform_jq_response"},
			},
		},
	},
	"apps_quickstart.json": {
		apis: 1, name: "Tyk Test API",
		routes: []string{"3"},
		facts: map[string]map[string]any{"3": {
			collectors.FactAuthEnforced:   false,
			collectors.FactLoggingEnabled: false,
			collectors.FactUpstream:       "http://httpbin.org/",
			collectors.FactGatewayPlugins: nil,
		}},
	},
	"error-overrides_test-aki-oauth.json": {
		apis: 1, name: "Test AKI - OAuth Key Not Found",
		routes:  []string{"test-aki-oauth"},
		plugins: []string{"oauth2"},
		facts: map[string]map[string]any{"test-aki-oauth": {
			collectors.FactAuthEnforced:   true,
			collectors.FactAuthMechanisms: []string{"oauth2"},
			collectors.FactJWTAlgorithms:  nil,
		}},
	},
	"error-overrides_test-amf-jwt.json": {
		apis: 1, name: "Test AMF - JWT Field Missing",
		routes:  []string{"test-amf-jwt"},
		plugins: []string{"jwt"},
		facts: map[string]map[string]any{"test-amf-jwt": {
			collectors.FactAuthEnforced:      true,
			collectors.FactAuthMechanisms:    []string{"jwt"},
			collectors.FactJWTAlgorithms:     []string{"HS256", "HS384", "HS512"},
			collectors.FactJWTClaimsVerified: []string{"exp", "iat", "nbf"},
		}},
	},
	"error-overrides_test-biv-schema.json": {
		apis: 1, name: "Test BIV - Schema Validation Failed",
		routes:  []string{"test-biv-schema", "test-biv-schema POST validate"},
		plugins: []string{"validate_json"},
		facts: map[string]map[string]any{
			"test-biv-schema": {
				collectors.FactValidationEnforced: false,
				collectors.FactAuthEnforced:       false,
			},
			"test-biv-schema POST validate": {
				collectors.FactValidationEnforced: true,
				collectors.FactAuthEnforced:       false,
			},
		},
	},
	"error-overrides_test-tlp.json": {
		apis: 1, name: "Test TLP - TLS Protocol Error",
		routes: []string{"test-tlp"},
		facts: map[string]map[string]any{"test-tlp": {
			collectors.FactUpstream:     "https://backend-tls-oldproto:443",
			FactUpstreamTLSMinVersion:   "1.3",
			collectors.FactMTLSUpstream: nil,
			collectors.FactAuthEnforced: false,
		}},
	},
	"tests_regression_testdata_issue-10104-apidef.json": {
		apis: 1, name: "bug_10104",
		routes:  []string{"b06327d2743340f2517857b4beb6d548"},
		plugins: []string{"cache", "custom_post:bug_10104"},
		facts: map[string]map[string]any{"b06327d2743340f2517857b4beb6d548": {
			collectors.FactAuthEnforced: false,
			// CORS lists "*" but enable is false: no CORS headers.
			collectors.FactCORSRestricted: true,
			collectors.FactCORSWildcard:   false,
			collectors.FactCORSOrigins:    nil,
			// global_rate_limit {0, 0}, keyless: no limit.
			collectors.FactRateLimitEnabled: false,
			collectors.FactLoggingEnabled:   nil, // do_not_track false, tyk.conf unknown
			collectors.FactMTLSUpstream:     false,
		}},
	},
}

func TestCorpusTable(t *testing.T) {
	root, names := corpusFiles(t)
	for _, n := range names {
		tc, ok := corpusCases[n]
		if !ok {
			t.Errorf("%s: no expectations for this corpus file; add a corpusCases entry", n)
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, n))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Parse(n, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(res.APIs) != tc.apis {
			t.Errorf("%s: %d APIs, want %d", n, len(res.APIs), tc.apis)
			continue
		}
		if res.APIs[0].Name != tc.name {
			t.Errorf("%s: API name %q, want %q", n, res.APIs[0].Name, tc.name)
		}
		if got := routeNames(res); !reflect.DeepEqual(got, tc.routes) {
			t.Errorf("%s: routes %q, want %q", n, got, tc.routes)
		}
		if !reflect.DeepEqual(res.APIs[0].Plugins, tc.plugins) && (len(tc.plugins) != 0 || len(res.APIs[0].Plugins) != 0) {
			t.Errorf("%s: plugins %q, want %q", n, res.APIs[0].Plugins, tc.plugins)
		}
		for route, want := range tc.facts {
			wantFacts(t, n+" "+route, byName(t, res, route).Facts, want)
		}
	}
}

// Route shapes of the corpus: the listen path as a prefix, the
// unanchored endpoint path of validate_json (Tyk's default), its method.
func TestCorpusRoutes(t *testing.T) {
	root := testutil.Corpus(t, "gateways/tyk")
	data, err := os.ReadFile(filepath.Join(root, "error-overrides_test-biv-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := mustParse(t, "biv.json", string(data), Options{})
	api := byName(t, res, "test-biv-schema")
	if !reflect.DeepEqual(api.Route.Paths, []collectors.PathMatch{{Prefix: "/test-biv-schema/"}}) || api.Location != "/proxy/listen_path" {
		t.Errorf("API route %+v at %s", api.Route, api.Location)
	}
	ep := byName(t, res, "test-biv-schema POST validate")
	if !reflect.DeepEqual(ep.Route.Methods, []string{"POST"}) || ep.Route.Paths[0].Regex != "^/test-biv-schema.*validate" ||
		ep.Location != "/version_data/versions/Default/extended_paths/validate_json/0" {
		t.Errorf("endpoint route %+v at %s", ep.Route, ep.Location)
	}
	// The route matches the endpoints a spec would declare under the
	// gateway URL, and not the others.
	if ep.Route.Match("POST", "/validate", []string{"/test-biv-schema"}, nil) == 0 {
		t.Error("POST /validate under /test-biv-schema not matched")
	}
	if ep.Route.Match("GET", "/validate", []string{"/test-biv-schema"}, nil) != 0 {
		t.Error("GET matched a POST-only rule")
	}
}

// Collect over the corpus directory emits every route once, mapped by
// api_map, and nothing but evidence.
func TestCollectCorpusDir(t *testing.T) {
	root, names := corpusFiles(t)
	want := 0
	for _, n := range names {
		data, _ := os.ReadFile(filepath.Join(root, n))
		res, err := Parse(n, data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want += len(res.Evidence)
	}
	sink := &memSink{}
	src := collectors.Source{Name: "tyk-apps", Kind: Kind, Paths: []string{root},
		APIMap: map[string]string{"bug_10104": "Regression API"}}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.evidence) != want || sink.other != 0 {
		t.Fatalf("%d evidence (%d other calls), want %d evidence only", len(sink.evidence), sink.other, want)
	}
	mapped := false
	for _, ev := range sink.evidence {
		if ev.API == "bug_10104" {
			t.Error("api_map not applied")
		}
		mapped = mapped || ev.API == "Regression API"
	}
	if !mapped {
		t.Error("mapped API name not found")
	}
}
