package envoy

import (
	"errors"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
)

// aliasBomb expands to ~10^9 nodes.
const aliasBomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
static_resources: {listeners: [*h]}
`

// Bad input: an *Error naming the file and the place (line and/or JSON
// pointer), never a panic.
func TestBadInput(t *testing.T) {
	route := func(r string) string { return cfg{routes: r}.yaml() }
	// Lines in the built config: the first route item starts at line 19.
	tests := []struct {
		name    string
		doc     string
		opt     Options
		kind    error
		line    int    // 0: not checked; -1: any line
		pointer string // suffix of the pointer; "" not checked
		msg     string
	}{
		{"too large", cfg{}.yaml(), Options{Limits: safedecode.Limits{MaxBytes: 64}}, safedecode.ErrTooLarge, 0, "", "size limit"},
		{"YAML syntax", "static_resources:\n  listeners:\n  - name: [a\n", Options{}, safedecode.ErrSyntax, -1, "", ""},
		{"JSON syntax", "{\"static_resources\": {\"listeners\": [}\n}", Options{}, safedecode.ErrSyntax, 1, "", ""},
		{"JSON truncated", "{\"static_resources\": {\n\"listeners\": [", Options{}, safedecode.ErrSyntax, 2, "", "truncated"},
		{"alias bomb", aliasBomb, Options{}, safedecode.ErrAliasExpansion, 0, "", "alias"},
		{"too deep", "static_resources: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", Options{}, safedecode.ErrTooDeep, 1, "", "depth"},
		{"empty", "", Options{}, ErrNotEnvoy, 0, "", "empty"},
		{"a list", "- a\n- b\n", Options{}, ErrNotEnvoy, 1, "", "a list"},
		{"kong file", "_format_version: \"3.0\"\nservices: []\n", Options{}, ErrNotEnvoy, 1, "", "not an Envoy bootstrap"},
		{"two documents", cfg{}.yaml() + "---\nstatic_resources: {}\n", Options{}, ErrInvalid, 0, "", "more than one YAML document"},
		{"duplicate key", "static_resources:\n  listeners: []\n  listeners: []\n", Options{}, ErrInvalid, 3, "", `duplicate key "listeners"`},
		{"listeners not a list", "static_resources:\n  listeners: {a: b}\n", Options{}, ErrInvalid, 2, "/static_resources/listeners", "expected a list"},
		{"route without match", route("- route: {cluster: backend}\n"), Options{}, ErrInvalid, 19, "/virtual_hosts/0/routes/0/match", "no match"},
		{"match without path specifier", route("- match: {headers: [{name: x, present_match: true}]}\n  route: {cluster: backend}\n"), Options{}, ErrInvalid, 19,
			"/routes/0/match", "needs one of prefix, path"},
		{"two path specifiers", route("- match: {prefix: /a, path: /b}\n  route: {cluster: backend}\n"), Options{}, ErrInvalid, 19, "/routes/0/match", "more than one"},
		{"regex does not compile", route("- match: {prefix: /}\n  route: {cluster: backend}\n- match:\n    safe_regex: {regex: \"/a/(b\"}\n  route: {cluster: backend}\n"), Options{}, ErrInvalid, 22,
			"/routes/1/match/safe_regex/regex", "does not compile"},
		{"regex too complex", route("- match: {safe_regex: {regex: \"/[a-z]{1000}\"}}\n  route: {cluster: backend}\n"), Options{}, ErrInvalid, 19,
			"/routes/0/match/safe_regex/regex", "too complex"},
		{"route without action", route("- match: {prefix: /}\n"), Options{}, ErrInvalid, 19, "/routes/0", "no action"},
		{"bad timeout", route("- match: {prefix: /}\n  route: {cluster: backend, timeout: 5 seconds}\n"), Options{}, ErrInvalid, 20, "/routes/0/route/timeout", "invalid duration"},
		{"virtual host without domains", strings.Replace(cfg{}.yaml(), "domains: [\"*\"]", "domains: []", 1), Options{}, ErrInvalid, 17, "/virtual_hosts/0/domains", "no domains"},
		{"connection manager without routes", strings.Replace(cfg{}.yaml(), "route_config:", "other:", 1), Options{}, ErrInvalid, 0, "/filters/0/typed_config", "no route_config"},
		{"jwt rule naming an unknown provider", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {provider_name: nobody}\n")}.yaml(), Options{}, ErrInvalid, 0,
			"/rules/0/requires/provider_name", `provider "nobody"`},
		{"jwt rule regex does not compile", cfg{filters: jwtFilter("- match: {safe_regex: {regex: \"*\"}}\n")}.yaml(), Options{}, ErrInvalid, 0,
			"/rules/0/match/safe_regex/regex", "does not compile"},
		{"CORS origin regex does not compile", cfg{filters: corsF, vh: "typed_per_filter_config:\n  envoy.filters.http.cors: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy, allow_origin_string_match: [{safe_regex: {regex: \"(\"}}]}"}.yaml(),
			Options{}, ErrInvalid, 0, "/allow_origin_string_match/0/safe_regex/regex", "does not compile"},
		{"token bucket without fill_interval", cfg{filters: localRL("{max_tokens: 1}", 100, 100)}.yaml(), Options{}, ErrInvalid, 0, "/token_bucket", "fill_interval"},
		{"wrong scalar type", route("- match: {prefix: [a]}\n  route: {cluster: backend}\n"), Options{}, ErrInvalid, 19, "/routes/0/match/prefix", "expected a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse("bad.yaml", []byte(tc.doc), tc.opt)
			if err == nil {
				t.Fatalf("no error; %d routes", len(res.Routes))
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), "envoy: bad.yaml: ") {
				t.Errorf("error %q does not name the file", err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			if (tc.line > 0 && e.Line != tc.line) || (tc.line < 0 && e.Line <= 0) {
				t.Errorf("line %d, want %d (%v)", e.Line, tc.line, err)
			}
			if tc.pointer != "" && !strings.HasSuffix(e.Pointer, tc.pointer) {
				t.Errorf("pointer %q, want suffix %q (%v)", e.Pointer, tc.pointer, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// Documents that only delegate to xDS parse, with warnings and no routes.
func TestDynamicOnly(t *testing.T) {
	doc := "dynamic_resources:\n  lds_config: {ads: {}}\nstatic_resources:\n  listeners:\n  - name: l\n    filter_chains:\n    - filters:\n      - name: hcm\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          rds: {route_config_name: r, config_source: {ads: {}}}\n"
	res, err := Parse("dyn.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Routes) != 0 || len(res.Warnings) != 2 {
		t.Errorf("routes %d warnings %q", len(res.Routes), res.Warnings)
	}
}
