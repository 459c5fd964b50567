package tyk

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// apiDoc builds a classic definition: a keyed API "orders" on /orders/
// with one unversioned version, with over's members added (nil deletes).
func apiDoc(over map[string]any) string {
	d := map[string]any{
		"name": "Orders", "api_id": "orders",
		"proxy": map[string]any{"listen_path": "/orders/", "target_url": "http://orders.internal", "strip_listen_path": true},
		"version_data": map[string]any{"not_versioned": true, "versions": map[string]any{
			"Default": map[string]any{"name": "Default", "use_extended_paths": true}}},
	}
	for k, v := range over {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// oneVersion is a version_data with one Default version holding v's members.
func oneVersion(v map[string]any) map[string]any {
	v["name"] = "Default"
	if _, ok := v["use_extended_paths"]; !ok {
		v["use_extended_paths"] = true
	}
	return map[string]any{"not_versioned": true, "versions": map[string]any{"Default": v}}
}

func paths(ep map[string]any) map[string]any {
	return oneVersion(map[string]any{"extended_paths": ep})
}

type factCase struct {
	name  string
	over  map[string]any
	conf  *GatewayConfig
	route string // route name; "" = the API route "orders"
	want  map[string]any
}

func runFactCases(t *testing.T, cases []factCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustParse(t, tc.name+".json", apiDoc(tc.over), Options{Gateway: tc.conf})
			r := tc.route
			if r == "" {
				r = "orders"
			}
			wantFacts(t, tc.name, byName(t, res, r).Facts, tc.want)
		})
	}
}

func TestAuthFacts(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "keyless", over: map[string]any{"use_keyless": true},
			want: map[string]any{collectors.FactAuthEnforced: false, collectors.FactAuthMechanisms: nil}},
		{name: "keyless overrides jwt", over: map[string]any{"use_keyless": true, "enable_jwt": true, "jwt_signing_method": "rsa"},
			want: map[string]any{collectors.FactAuthEnforced: false, collectors.FactJWTAlgorithms: nil}},
		{name: "default token auth", over: map[string]any{"use_keyless": false},
			want: map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"key-auth"}}},
		{name: "standard auth plus jwt", over: map[string]any{"use_standard_auth": true, "enable_jwt": true},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"jwt", "key-auth"}, collectors.FactJWTAlgorithms: []string{"HS256", "HS384", "HS512"}}},
		{name: "jwt rsa", over: map[string]any{"enable_jwt": true, "jwt_signing_method": "rsa"},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"jwt"},
				collectors.FactJWTAlgorithms:     []string{"PS256", "PS384", "PS512", "RS256", "RS384", "RS512"},
				collectors.FactJWTClaimsVerified: []string{"exp", "iat", "nbf"}}},
		{name: "jwt ecdsa", over: map[string]any{"enable_jwt": true, "jwt_signing_method": "ecdsa"},
			want: map[string]any{collectors.FactJWTAlgorithms: []string{"ES256", "ES384", "ES512"}}},
		{name: "several methods chain", over: map[string]any{"use_basic_auth": true, "enable_signature_checking": true,
			"use_openid": true, "external_oauth": map[string]any{"enabled": true}},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"basic-auth", "hmac", "oauth2", "oidc"}}},
		{name: "static mtls with keyless", over: map[string]any{"use_keyless": true, "use_mutual_tls_auth": true, "client_certificates": []string{"c1"}},
			want: map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"mtls"},
				collectors.FactRateLimitEnabled: false, collectors.FactAuthzEnforced: false}},
		{name: "token from certificate", over: map[string]any{"use_standard_auth": true, "auth_configs": map[string]any{"authToken": map[string]any{"use_certificate": true}}},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"key-auth", "mtls"}}},
		{name: "go plugin auth", over: map[string]any{"use_go_plugin_auth": true, "custom_middleware": map[string]any{"driver": "goplugin", "auth_check": map[string]any{"name": "Auth"}}},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"custom"}, collectors.FactGatewayPlugins: []string{"custom_auth:goplugin:Auth"}}},
		{name: "disabled custom auth falls back to token", over: map[string]any{"enable_coprocess_auth": true,
			"custom_middleware": map[string]any{"driver": "grpc", "auth_check": map[string]any{"name": "A", "disabled": true}}},
			want: map[string]any{collectors.FactAuthMechanisms: []string{"key-auth"}}},
	})
}

func TestAuthzFacts(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "keyed without lists is unknown", over: map[string]any{},
			want: map[string]any{collectors.FactAuthzEnforced: nil}},
		{name: "keyless without lists", over: map[string]any{"use_keyless": true},
			want: map[string]any{collectors.FactAuthzEnforced: false}},
		{name: "ip allow list", over: map[string]any{"use_keyless": true, "enable_ip_whitelisting": true, "allowed_ips": []string{"10.0.0.0/8"}},
			want: map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"ip-restriction"}}},
		{name: "empty ip allow list does nothing", over: map[string]any{"use_keyless": true, "enable_ip_whitelisting": true},
			want: map[string]any{collectors.FactAuthzEnforced: false}},
		{name: "jwt scopes", over: map[string]any{"enable_jwt": true, "scopes": map[string]any{"jwt": map[string]any{"scope_to_policy": map[string]string{"read": "p1"}}}},
			want: map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"scopes"}}},
	})
}

func TestRateLimitFacts(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "global per second", over: map[string]any{"global_rate_limit": map[string]any{"rate": 100, "per": 1}},
			want: map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 6000}},
		{name: "global per hour rounds up", over: map[string]any{"global_rate_limit": map[string]any{"rate": 1, "per": 3600}},
			want: map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 1}},
		{name: "disable_rate_limit wins", over: map[string]any{"disable_rate_limit": true, "global_rate_limit": map[string]any{"rate": 100, "per": 1}},
			want: map[string]any{collectors.FactRateLimitEnabled: false, collectors.FactRateLimitPerMinute: nil}},
		{name: "disabled global limit on a keyed API", over: map[string]any{"global_rate_limit": map[string]any{"rate": 100, "per": 1, "disabled": true}},
			want: map[string]any{collectors.FactRateLimitEnabled: nil}},
		{name: "keyless without limit", over: map[string]any{"use_keyless": true},
			want: map[string]any{collectors.FactRateLimitEnabled: false}},
		{name: "endpoint limit replaces the global one", route: "orders POST /orders",
			over: map[string]any{"global_rate_limit": map[string]any{"rate": 100, "per": 1},
				"version_data": paths(map[string]any{"rate_limit": []any{map[string]any{"path": "/orders", "method": "POST", "rate": 5, "per": 60}}})},
			want: map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 5}},
		{name: "disabled endpoint limit is no limit", // and gives no route
			over: map[string]any{"use_keyless": true,
				"version_data": paths(map[string]any{"rate_limit": []any{map[string]any{"path": "/orders", "method": "POST", "rate": 5, "per": 60, "disabled": true}}})},
			want: map[string]any{collectors.FactRateLimitEnabled: false}},
	})
}

func TestSizeTimeoutFacts(t *testing.T) {
	conf := &GatewayConfig{ProxyDefaultTimeout: 30}
	conf.HTTPServerOptions.MaxRequestBodySize = 1 << 20
	runFactCases(t, []factCase{
		{name: "no limits, no tyk.conf", over: map[string]any{},
			want: map[string]any{collectors.FactBodySizeLimited: nil, collectors.FactTimeoutConfigured: nil}},
		{name: "global size limit", over: map[string]any{"version_data": oneVersion(map[string]any{"global_size_limit": 2048})},
			want: map[string]any{collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 2048}},
		{name: "disabled global size limit", over: map[string]any{"version_data": oneVersion(map[string]any{"global_size_limit": 2048, "global_size_limit_disabled": true})},
			want: map[string]any{collectors.FactBodySizeLimited: nil}},
		{name: "tyk.conf limits", over: map[string]any{}, conf: conf,
			want: map[string]any{collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 1 << 20,
				collectors.FactTimeoutConfigured: true, collectors.FactTimeoutSeconds: 30}},
		{name: "endpoint size: the smaller wins", route: "orders POST /upload",
			over: map[string]any{"version_data": oneVersion(map[string]any{"global_size_limit": 2048,
				"extended_paths": map[string]any{"size_limits": []any{map[string]any{"path": "/upload", "method": "POST", "size_limit": 100}}}})},
			want: map[string]any{collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 100}},
		{name: "endpoint size larger than global", route: "orders POST /upload",
			over: map[string]any{"version_data": oneVersion(map[string]any{"global_size_limit": 2048,
				"extended_paths": map[string]any{"size_limits": []any{map[string]any{"path": "/upload", "method": "POST", "size_limit": 1 << 20}}}})},
			want: map[string]any{collectors.FactBodySizeMaxBytes: 2048}},
		{name: "hard timeout beats the default", route: "orders GET /report", conf: conf,
			over: map[string]any{"version_data": paths(map[string]any{"hard_timeouts": []any{map[string]any{"path": "/report", "method": "GET", "timeout": 120}}})},
			want: map[string]any{collectors.FactTimeoutConfigured: true, collectors.FactTimeoutSeconds: 120}},
	})
}

func TestLoggingFacts(t *testing.T) {
	on := &GatewayConfig{EnableAnalytics: true}
	off := &GatewayConfig{}
	logs := &GatewayConfig{}
	logs.AccessLogs.Enabled = true
	runFactCases(t, []factCase{
		{name: "unknown without tyk.conf", over: map[string]any{}, want: map[string]any{collectors.FactLoggingEnabled: nil}},
		{name: "do_not_track", over: map[string]any{"do_not_track": true}, conf: on, want: map[string]any{collectors.FactLoggingEnabled: false}},
		{name: "analytics on", over: map[string]any{}, conf: on,
			want: map[string]any{collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"analytics"}}},
		{name: "analytics off", over: map[string]any{}, conf: off, want: map[string]any{collectors.FactLoggingEnabled: false}},
		{name: "access logs", over: map[string]any{}, conf: logs,
			want: map[string]any{collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"gateway-log"}}},
		{name: "endpoint not tracked", route: "orders * /health", conf: on,
			over: map[string]any{"version_data": paths(map[string]any{"do_not_track_endpoints": []any{map[string]any{"path": "/health"}}})},
			want: map[string]any{collectors.FactLoggingEnabled: false, collectors.FactLoggingSinks: nil}},
	})
}

func TestCORSFacts(t *testing.T) {
	cors := func(m map[string]any) map[string]any { return map[string]any{"CORS": m} }
	runFactCases(t, []factCase{
		{name: "disabled", over: cors(map[string]any{"enable": false, "allowed_origins": []string{"*"}, "allow_credentials": true}),
			want: map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: false, collectors.FactCORSCredentials: nil, collectors.FactCORSOrigins: nil}},
		{name: "star with credentials", over: cors(map[string]any{"enable": true, "allowed_origins": []string{"*"}, "allow_credentials": true}),
			want: map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true, collectors.FactCORSCredentials: true,
				collectors.FactCORSOrigins: []string{"*"}}},
		{name: "empty list allows all", over: cors(map[string]any{"enable": true}),
			want: map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true, collectors.FactCORSOrigins: []string{"*"}}},
		{name: "scheme wildcard", over: cors(map[string]any{"enable": true, "allowed_origins": []string{"https://*"}}),
			want: map[string]any{collectors.FactCORSWildcard: true, collectors.FactCORSRestricted: false}},
		{name: "explicit origins", over: cors(map[string]any{"enable": true, "allowed_origins": []string{"https://a.example.com", "https://*.example.org"}}),
			want: map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: false, collectors.FactCORSCredentials: false,
				collectors.FactCORSOrigins: []string{"https://a.example.com", "https://*.example.org"}}},
	})
}

func TestHeaderFacts(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "none", over: map[string]any{}, want: map[string]any{collectors.FactSecurityHeaders: false, collectors.FactHeadersSet: nil}},
		{name: "global response headers", over: map[string]any{"version_data": oneVersion(map[string]any{"global_response_headers": map[string]string{
			"Strict-Transport-Security": "max-age=63072000", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Custom": "1"}})},
			want: map[string]any{collectors.FactSecurityHeaders: true,
				collectors.FactHeadersSet: []string{"referrer-policy", "strict-transport-security", "x-frame-options"}}},
		{name: "disabled global response headers", over: map[string]any{"version_data": oneVersion(map[string]any{"global_response_headers_disabled": true,
			"global_response_headers": map[string]string{"Strict-Transport-Security": "max-age=1"}})},
			want: map[string]any{collectors.FactSecurityHeaders: false}},
		{name: "only non-core headers", over: map[string]any{"version_data": oneVersion(map[string]any{"global_response_headers": map[string]string{"Referrer-Policy": "no-referrer"}})},
			want: map[string]any{collectors.FactSecurityHeaders: false, collectors.FactHeadersSet: []string{"referrer-policy"}}},
		{name: "header_injector processor", over: map[string]any{"response_processors": []any{map[string]any{"name": "header_injector",
			"options": map[string]any{"add_headers": map[string]string{"X-Content-Type-Options": "nosniff"}}}}},
			want: map[string]any{collectors.FactSecurityHeaders: true, collectors.FactHeadersSet: []string{"x-content-type-options"}}},
		{name: "endpoint removes the header", route: "orders GET /download",
			over: map[string]any{"version_data": oneVersion(map[string]any{
				"global_response_headers": map[string]string{"X-Frame-Options": "DENY"},
				"extended_paths": map[string]any{"transform_response_headers": []any{map[string]any{"path": "/download", "method": "GET",
					"delete_headers": []string{"X-Frame-Options"}, "add_headers": map[string]string{"Content-Security-Policy": "default-src 'none'"}}}}})},
			want: map[string]any{collectors.FactSecurityHeaders: true, collectors.FactHeadersSet: []string{"content-security-policy"}}},
	})
}

func TestUpstreamAndTLSFacts(t *testing.T) {
	https := map[string]any{"listen_path": "/orders/", "target_url": "https://orders.internal:8443"}
	withCerts := &GatewayConfig{}
	withCerts.Security.Certificates.Upstream = map[string]string{"*.internal": "cert"}
	tlsConf := &GatewayConfig{}
	tlsConf.HTTPServerOptions.UseSSL = true
	tlsConf.HTTPServerOptions.MinVersion = 771
	runFactCases(t, []factCase{
		{name: "plain http upstream", over: map[string]any{}, want: map[string]any{collectors.FactMTLSUpstream: false, collectors.FactUpstream: "http://orders.internal"}},
		{name: "https without certificate, no tyk.conf", over: map[string]any{"proxy": https}, want: map[string]any{collectors.FactMTLSUpstream: nil}},
		{name: "https without certificate, tyk.conf", over: map[string]any{"proxy": https}, conf: &GatewayConfig{}, want: map[string]any{collectors.FactMTLSUpstream: false}},
		{name: "upstream certificate for every host", over: map[string]any{"proxy": https, "upstream_certificates": map[string]string{"*": "c"}},
			want: map[string]any{collectors.FactMTLSUpstream: true}},
		{name: "upstream certificate for the host with port", over: map[string]any{"proxy": https, "upstream_certificates": map[string]string{"orders.internal:8443": "c"}},
			want: map[string]any{collectors.FactMTLSUpstream: true}},
		{name: "upstream certificates disabled", over: map[string]any{"proxy": https, "upstream_certificates": map[string]string{"*": "c"}, "upstream_certificates_disabled": true},
			want: map[string]any{collectors.FactMTLSUpstream: nil}},
		{name: "gateway-wide upstream certificate", over: map[string]any{"proxy": https}, conf: withCerts, want: map[string]any{collectors.FactMTLSUpstream: true}},
		{name: "load balanced targets", over: map[string]any{"proxy": map[string]any{"listen_path": "/orders/", "enable_load_balancing": true,
			"target_list": []string{"http://a:80", "http://b:80"}}}, want: map[string]any{collectors.FactUpstream: "http://a:80 http://b:80", collectors.FactMTLSUpstream: false}},
		{name: "upstream tls version", over: map[string]any{"proxy": map[string]any{"listen_path": "/orders/", "target_url": "https://x",
			"transport": map[string]any{"ssl_min_version": 771}}}, want: map[string]any{FactUpstreamTLSMinVersion: "1.2"}},
		{name: "client tls unknown", over: map[string]any{}, want: map[string]any{collectors.FactTLSEnforced: nil}},
		{name: "tls listener", over: map[string]any{}, conf: tlsConf, want: map[string]any{collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: "1.2"}},
		{name: "plain listener", over: map[string]any{}, conf: &GatewayConfig{}, want: map[string]any{collectors.FactTLSEnforced: false, collectors.FactTLSMinVersion: nil}},
		{name: "own https port", over: map[string]any{"listen_port": 8443, "protocol": "https"}, want: map[string]any{collectors.FactTLSEnforced: true}},
		{name: "own http port beats a tls listener", over: map[string]any{"listen_port": 8081, "protocol": "http"}, conf: tlsConf,
			want: map[string]any{collectors.FactTLSEnforced: false}},
		{name: "graphql validates", over: map[string]any{"graphql": map[string]any{"enabled": true}},
			want: map[string]any{collectors.FactValidationEnforced: true}},
	})
}

// Endpoint rules and how they combine with the API's settings.
func TestEndpointPrecedence(t *testing.T) {
	doc := apiDoc(map[string]any{
		"global_rate_limit": map[string]any{"rate": 10, "per": 1},
		"enable_jwt":        true,
		"version_data": paths(map[string]any{
			"ignored":    []any{map[string]any{"path": "/health", "method_actions": map[string]any{"GET": map[string]any{"action": "no_action"}}}},
			"black_list": []any{map[string]any{"path": "/admin", "method_actions": map[string]any{"DELETE": map[string]any{"action": "no_action"}}}},
			"validate_json": []any{
				map[string]any{"path": "/admin/users", "method": "POST"},
				map[string]any{"path": "/items/{id}", "method": "PUT", "disabled": true},
			},
		}),
	})
	res := mustParse(t, "precedence.json", doc, Options{})
	wantRoutes := []string{"orders", "orders DELETE /admin", "orders POST /admin/users", "orders GET /health"}
	if got := routeNames(res); !reflect.DeepEqual(got, wantRoutes) {
		t.Fatalf("routes %q, want %q (disabled entries give none)", got, wantRoutes)
	}
	// ignored: no authentication, no per-key limiter; the API limit stays.
	wantFacts(t, "ignored", byName(t, res, "orders GET /health").Facts, map[string]any{
		collectors.FactAuthEnforced: false, collectors.FactJWTAlgorithms: nil,
		collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 600,
		collectors.FactAuthzEnforced: false,
	})
	wantFacts(t, "black listed", byName(t, res, "orders DELETE /admin").Facts, map[string]any{
		collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"deny-list"},
		collectors.FactAuthEnforced: true,
	})
	// The black list entry is for DELETE only: POST /admin/users is served,
	// validated, authenticated.
	wantFacts(t, "validated", byName(t, res, "orders POST /admin/users").Facts, map[string]any{
		collectors.FactValidationEnforced: true, collectors.FactAuthzEnforced: nil, collectors.FactAuthEnforced: true,
	})
	wantFacts(t, "API", byName(t, res, "orders").Facts, map[string]any{
		collectors.FactValidationEnforced: false, collectors.FactAuthzEnforced: nil,
	})
	// Default matching is unanchored: a black list entry "/admin" would
	// also refuse DELETE /v1/admin/users.
	res = mustParse(t, "unanchored.json", apiDoc(map[string]any{"version_data": paths(map[string]any{
		"black_list":    []any{map[string]any{"path": "/admin", "method": "DELETE"}},
		"validate_json": []any{map[string]any{"path": "/v1/admin/users", "method": "DELETE"}},
	})}), Options{})
	wantFacts(t, "unanchored", byName(t, res, "orders DELETE /v1/admin/users").Facts, map[string]any{
		collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"deny-list"}, collectors.FactValidationEnforced: true,
	})
	// With prefix and suffix matching on, it does not.
	anchored := &GatewayConfig{}
	anchored.HTTPServerOptions.EnablePathPrefixMatching = true
	anchored.HTTPServerOptions.EnablePathSuffixMatching = true
	res, err := Parse("anchored.json", []byte(apiDoc(map[string]any{"version_data": paths(map[string]any{
		"black_list":    []any{map[string]any{"path": "/admin", "method": "DELETE"}},
		"validate_json": []any{map[string]any{"path": "/v1/admin/users", "method": "DELETE"}},
	})})), Options{Gateway: anchored})
	if err != nil {
		t.Fatal(err)
	}
	ev := byName(t, res, "orders DELETE /v1/admin/users")
	wantFacts(t, "anchored", ev.Facts, map[string]any{collectors.FactAuthzEnforced: nil})
	if ev.Route.Paths[0].Exact != "/orders/v1/admin/users" {
		t.Errorf("anchored literal path: %+v, want an exact match", ev.Route.Paths)
	}
}

// A white list refuses everything it does not match.
func TestWhiteList(t *testing.T) {
	res := mustParse(t, "wl.json", apiDoc(map[string]any{"use_keyless": true, "version_data": paths(map[string]any{
		"white_list": []any{map[string]any{"path": "/public/{id}", "method_actions": map[string]any{
			"GET": map[string]any{"action": "no_action"}, "HEAD": map[string]any{"action": "reply", "code": 200}}}},
		"size_limits": []any{map[string]any{"path": "/upload", "method": "POST", "size_limit": 10}},
	})}), Options{})
	if got := routeNames(res); !reflect.DeepEqual(got, []string{"orders", "orders GET /public/{id}", "orders HEAD /public/{id}", "orders POST /upload"}) {
		t.Fatalf("routes %q", got)
	}
	wantFacts(t, "API", byName(t, res, "orders").Facts, map[string]any{
		collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"allow-list"}})
	wantFacts(t, "listed", byName(t, res, "orders GET /public/{id}").Facts, map[string]any{collectors.FactAuthzEnforced: false})
	wantFacts(t, "mock reply", byName(t, res, "orders HEAD /public/{id}").Facts, map[string]any{
		collectors.FactGatewayPlugins: []string{"mock_reply", "white_list"}})
	wantFacts(t, "not listed", byName(t, res, "orders POST /upload").Facts, map[string]any{
		collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"allow-list"}, collectors.FactBodySizeMaxBytes: 10})
	r := byName(t, res, "orders GET /public/{id}").Route
	if r.Paths[0].Regex != "^/orders.*/public/([^/]+)" || r.Match("GET", "/public/{id}", []string{"/orders"}, nil) == 0 {
		t.Errorf("mux template route %+v", r)
	}
}

// Versions: the request picks one, so a route carries what all share.
func TestVersions(t *testing.T) {
	two := map[string]any{"not_versioned": false, "default_version": "v1", "versions": map[string]any{
		"v1": map[string]any{"name": "v1", "use_extended_paths": true, "global_size_limit": 100,
			"extended_paths": map[string]any{"ignored": []any{map[string]any{"path": "/status", "method": "GET"}}}},
		"v2": map[string]any{"name": "v2", "use_extended_paths": true, "global_size_limit": 500,
			"extended_paths": map[string]any{"validate_json": []any{map[string]any{"path": "/status", "method": "GET"}}}},
	}}
	res := mustParse(t, "header.json", apiDoc(map[string]any{"version_data": two, "definition": map[string]any{"location": "header", "key": "x-api-version"}}), Options{})
	if got := routeNames(res); !reflect.DeepEqual(got, []string{"orders", "orders GET /status"}) {
		t.Fatalf("routes %q", got)
	}
	wantFacts(t, "API", byName(t, res, "orders").Facts, map[string]any{
		collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 500})
	// v1 ignores /status (no auth), v2 validates it: neither holds for all.
	wantFacts(t, "status", byName(t, res, "orders GET /status").Facts, map[string]any{
		collectors.FactAuthEnforced: false, collectors.FactValidationEnforced: false, collectors.FactAuthMechanisms: nil})

	byURL := mustParse(t, "url.json", apiDoc(map[string]any{"version_data": two, "definition": map[string]any{"location": "url", "key": "version"}}), Options{})
	if got := routeNames(byURL); !reflect.DeepEqual(got, []string{"orders", "orders GET /v1/status", "orders GET /v2/status"}) {
		t.Fatalf("routes %q", got)
	}
	v1 := byName(t, byURL, "orders GET /v1/status")
	wantFacts(t, "v1", v1.Facts, map[string]any{collectors.FactAuthEnforced: false, collectors.FactBodySizeMaxBytes: 100})
	wantFacts(t, "v2", byName(t, byURL, "orders GET /v2/status").Facts, map[string]any{collectors.FactAuthEnforced: true, collectors.FactValidationEnforced: true})
	if v1.Route.Paths[0].Regex != `^/orders/v1.*/status` {
		t.Errorf("url version route %+v", v1.Route.Paths)
	}

	// not_versioned with several versions picks "Default".
	nv := map[string]any{"not_versioned": true, "versions": map[string]any{
		"Default": map[string]any{"name": "Default", "global_size_limit": 7},
		"Other":   map[string]any{"name": "Other", "global_size_limit": 9},
	}}
	res = mustParse(t, "nv.json", apiDoc(map[string]any{"version_data": nv}), Options{})
	wantFacts(t, "Default", res.Evidence[0].Facts, map[string]any{collectors.FactBodySizeMaxBytes: 7})

	// Legacy path lists apply when use_extended_paths is false; the
	// extended ones are then ignored, with a warning.
	legacy := oneVersion(map[string]any{"use_extended_paths": false,
		"paths":          map[string]any{"black_list": []string{"/private"}},
		"extended_paths": map[string]any{"validate_json": []any{map[string]any{"path": "/x", "method": "POST"}}}})
	res = mustParse(t, "legacy.json", apiDoc(map[string]any{"version_data": legacy}), Options{})
	if got := routeNames(res); !reflect.DeepEqual(got, []string{"orders", "orders * /private"}) || len(res.Warnings) != 1 {
		t.Fatalf("routes %q warnings %q", got, res.Warnings)
	}
	wantFacts(t, "legacy", byName(t, res, "orders * /private").Facts, map[string]any{collectors.FactAuthzMechanisms: []string{"deny-list"}})
}

func TestSkippedAndShapes(t *testing.T) {
	one := apiDoc(map[string]any{"api_id": "a", "name": "A"})
	inactive := apiDoc(map[string]any{"api_id": "b", "name": "B", "active": false, "proxy": map[string]any{"listen_path": "/b/"}})
	internal := apiDoc(map[string]any{"api_id": "c", "name": "C", "internal": true, "proxy": map[string]any{"listen_path": "/c/"}})
	active := apiDoc(map[string]any{"api_id": "d", "name": "D", "active": true, "proxy": map[string]any{"listen_path": "/d/"}})
	list := "[" + one + "," + inactive + "," + internal + "," + active + "]"
	res := mustParse(t, "list.json", list, Options{})
	if len(res.APIs) != 2 || len(res.Skipped) != 2 || res.APIs[1].Pointer != "/3" {
		t.Fatalf("APIs %+v skipped %q", res.APIs, res.Skipped)
	}
	if got := res.Evidence[1].Location; got != "/3/proxy/listen_path" {
		t.Errorf("location in a list: %s", got)
	}
	wrapped := mustParse(t, "wrapped.json", `{"api_definition": `+one+`, "hook_references": [], "is_site": false}`, Options{})
	if wrapped.APIs[0].Pointer != "/api_definition" || wrapped.Evidence[0].Location != "/api_definition/proxy/listen_path" {
		t.Errorf("wrapped: %+v %s", wrapped.APIs, wrapped.Evidence[0].Location)
	}
	dash := mustParse(t, "dashboard.json", `{"apis": [{"api_definition": `+one+`}, {"api_definition": `+active+`}], "pages": 1}`, Options{})
	if len(dash.APIs) != 2 || dash.APIs[1].Pointer != "/apis/1/api_definition" {
		t.Errorf("dashboard list: %+v", dash.APIs)
	}
	// A UTF-8 byte order mark is tolerated.
	bom := mustParse(t, "bom.json", "\xEF\xBB\xBF"+one, Options{})
	if len(bom.APIs) != 1 {
		t.Errorf("BOM: %+v", bom.APIs)
	}
	// name falls back to api_id.
	res = mustParse(t, "noname.json", apiDoc(map[string]any{"name": nil}), Options{})
	if res.Evidence[0].API != "orders" {
		t.Errorf("API name %q", res.Evidence[0].API)
	}
}

func TestHostsAndListenPaths(t *testing.T) {
	cases := []struct {
		name, domain string
		conf         *GatewayConfig
		hosts        []string
	}{
		{"plain", "API.example.com", nil, []string{"api.example.com"}},
		{"port", "api.example.com:8443", nil, []string{"api.example.com"}},
		{"subdomain template", "{tenant}.example.com", nil, []string{"*.example.com"}},
		{"regex template", "{sub:a|b}.{zone}.com", nil, nil},
		{"custom domains off", "api.example.com", &GatewayConfig{}, nil},
		{"custom domains on", "api.example.com", &GatewayConfig{EnableCustomDomains: true}, []string{"api.example.com"}},
	}
	for _, tc := range cases {
		res := mustParse(t, tc.name+".json", apiDoc(map[string]any{"domain": tc.domain}), Options{Gateway: tc.conf})
		if got := res.Evidence[0].Route.Hosts; !reflect.DeepEqual(got, tc.hosts) {
			t.Errorf("%s: hosts %q, want %q", tc.name, got, tc.hosts)
		}
	}
	res := mustParse(t, "tmpl.json", apiDoc(map[string]any{"proxy": map[string]any{"listen_path": "/tenants/{tenant}/api/", "target_url": "http://x"}}), Options{})
	r := res.Evidence[0].Route
	if r.Paths[0].Regex != "^/tenants/[^/]+/api" || r.Match("GET", "/tenants/{t}/api/items", nil, nil) == 0 {
		t.Errorf("template listen path route %+v", r)
	}
}
