package kong

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// oneRoute builds a file with one service (svc) and one route (r) whose
// service-level, route-level and global plugins are given as YAML list
// bodies (each line indented by the caller's convention below).
func oneRoute(svcExtra, routeExtra, svcPlugins, routePlugins, globalPlugins string) string {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\nservices:\n- name: svc\n  url: http://up.internal:8080/base\n")
	b.WriteString(svcExtra)
	b.WriteString("  routes:\n  - name: r\n    paths: [/api]\n")
	b.WriteString(routeExtra)
	if routePlugins != "" {
		b.WriteString("    plugins:\n" + indent(routePlugins, "    "))
	}
	if svcPlugins != "" {
		b.WriteString("  plugins:\n" + indent(svcPlugins, "  "))
	}
	if globalPlugins != "" {
		b.WriteString("plugins:\n" + globalPlugins)
	}
	return b.String()
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func factsOf(t *testing.T, doc string) collectors.Facts {
	t.Helper()
	res := mustParse(t, "t.yaml", doc)
	if len(res.Routes) != 1 {
		t.Fatalf("%d routes", len(res.Routes))
	}
	return res.Routes[0].Facts
}

func TestFactTrueFalse(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want map[string]any
	}{
		// ---- tls.enforced ----
		{"tls default protocols", oneRoute("", "", "", "", ""), map[string]any{collectors.FactTLSEnforced: false}},
		{"tls https only", oneRoute("", "    protocols: [https]\n", "", "", ""), map[string]any{collectors.FactTLSEnforced: true}},
		{"tls https only with redirect", oneRoute("", "    protocols: [https]\n    https_redirect_status_code: 301\n", "", "", ""),
			map[string]any{collectors.FactTLSEnforced: true}},
		{"tls http+https with redirect still serves http", oneRoute("", "    protocols: [http, https]\n    https_redirect_status_code: 308\n", "", "", ""),
			map[string]any{collectors.FactTLSEnforced: false}},
		{"tls grpcs", oneRoute("", "    protocols: [grpcs]\n", "", "", ""), map[string]any{collectors.FactTLSEnforced: true}},
		{"tls grpc", oneRoute("", "    protocols: [grpc, grpcs]\n", "", "", ""), map[string]any{collectors.FactTLSEnforced: false}},

		// ---- auth.enforced ----
		{"auth none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactAuthEnforced: false, collectors.FactAuthMechanisms: nil}},
		{"auth key-auth", oneRoute("", "", "- name: key-auth\n", "", ""),
			map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"key-auth"}}},
		{"auth oidc", oneRoute("", "", "", "- name: openid-connect\n  config: {issuer: https://idp}\n", ""),
			map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"oidc"}}},
		{"auth disabled", oneRoute("", "", "- name: jwt\n  enabled: false\n", "", ""),
			map[string]any{collectors.FactAuthEnforced: false, collectors.FactGatewayPlugins: nil}},
		{"auth anonymous is optional", oneRoute("", "", "- name: key-auth\n  config: {anonymous: guest}\n", "", ""),
			map[string]any{collectors.FactAuthEnforced: false, collectors.FactAuthMechanisms: []string{"key-auth"}}},
		{"auth anonymous terminated", oneRoute("", "", "- name: key-auth\n  config: {anonymous: guest}\n", "", "") +
			"consumers:\n- username: guest\n  plugins:\n  - name: request-termination\n    config: {status_code: 401}\n",
			map[string]any{collectors.FactAuthEnforced: true}},
		{"auth anonymous OR with a required one", oneRoute("", "", "- name: key-auth\n  config: {anonymous: guest}\n- name: jwt\n", "", ""),
			map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"jwt", "key-auth"}}},
		{"auth stream-only plugin not loaded for http", oneRoute("", "", "- name: key-auth\n  protocols: [tcp]\n", "", ""),
			map[string]any{collectors.FactAuthEnforced: false}},

		// ---- authz.enforced ----
		{"authz none", oneRoute("", "", "- name: key-auth\n", "", ""), map[string]any{collectors.FactAuthzEnforced: false}},
		{"authz acl", oneRoute("", "", "- name: acl\n  config: {allow: [admins]}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"acl"}}},
		{"authz acl 1.x whitelist", "_format_version: \"1.1\"\nservices:\n- name: svc\n  host: x\n  routes:\n  - name: r\n    paths: [/a]\n  plugins:\n  - name: acl\n    config: {whitelist: [g]}\n",
			map[string]any{collectors.FactAuthzEnforced: true}},
		{"authz acl empty lists", oneRoute("", "", "- name: acl\n  config: {allow: []}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: false}},
		{"authz opa", oneRoute("", "", "- name: opa\n  config: {opa_path: /v1/data/x}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"opa"}, collectors.FactPolicyPerCall: true}},
		{"authz oidc scopes and roles", oneRoute("", "", "- name: openid-connect\n  config: {scopes_required: [read], roles_required: [admin]}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"rbac", "scopes"}}},
		{"authz oauth2 scopes need mandatory_scope", oneRoute("", "", "- name: oauth2\n  config: {scopes: [a], mandatory_scope: false}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: false}},
		{"authz oauth2 mandatory scopes", oneRoute("", "", "- name: oauth2\n  config: {scopes: [a], mandatory_scope: true}\n", "", ""),
			map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"scopes"}}},
		{"authz ip-restriction", oneRoute("", "", "", "- name: ip-restriction\n  config: {deny: [10.0.0.0/8]}\n", ""),
			map[string]any{collectors.FactAuthzEnforced: true, collectors.FactAuthzMechanisms: []string{"ip-restriction"}}},

		// ---- validation / response validation ----
		{"validation none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactValidationEnforced: false, collectors.FactResponseValidated: false}},
		{"validation request-validator", oneRoute("", "", "- name: request-validator\n  config: {body_schema: '[]'}\n", "", ""),
			map[string]any{collectors.FactValidationEnforced: true, collectors.FactEnforcementMode: true}},
		{"validation oas notify only", oneRoute("", "", "- name: oas-validation\n  config: {api_spec: x, notify_only_request_validation_failure: true}\n", "", ""),
			map[string]any{collectors.FactValidationEnforced: false, collectors.FactEnforcementMode: false}},
		{"validation oas responses", oneRoute("", "", "- name: oas-validation\n  config: {api_spec: x, validate_response_body: true}\n", "", ""),
			map[string]any{collectors.FactValidationEnforced: true, collectors.FactResponseValidated: true, collectors.FactEnforcementMode: true}},

		// ---- rate limiting ----
		{"ratelimit none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactRateLimitEnabled: false, collectors.FactRateLimitPerMinute: nil}},
		{"ratelimit per second", oneRoute("", "", "- name: rate-limiting\n  config: {second: 5, hour: 10000}\n", "", ""),
			map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 167}}, // min(300, 166.7)
		{"ratelimit per hour below one a minute", oneRoute("", "", "- name: rate-limiting\n  config: {hour: 30}\n", "", ""),
			map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 1}},
		{"ratelimit advanced windows", oneRoute("", "", "- name: rate-limiting-advanced\n  config: {limit: [100, 1000], window_size: [60, 3600]}\n", "", ""),
			map[string]any{collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 17}},
		{"ratelimit response-ratelimiting alone", oneRoute("", "", "- name: response-ratelimiting\n  config: {limits: {video: {minute: 10}}}\n", "", ""),
			map[string]any{collectors.FactRateLimitEnabled: false}},
		{"ratelimit consumer-scoped only", oneRoute("", "", "", "", "") + "consumers:\n- username: bob\n  plugins:\n  - name: rate-limiting\n    config: {minute: 5}\n",
			map[string]any{collectors.FactRateLimitEnabled: false, collectors.FactGatewayPlugins: []string{"rate-limiting@consumer:bob"}}},

		// ---- timeouts ----
		{"timeout unset", oneRoute("", "", "", "", ""), map[string]any{collectors.FactTimeoutConfigured: false, collectors.FactTimeoutSeconds: nil}},
		{"timeout defaults written out", oneRoute("  connect_timeout: 60000\n  read_timeout: 60000\n  write_timeout: 60000\n", "", "", "", ""),
			map[string]any{collectors.FactTimeoutConfigured: false}},
		{"timeout explicit", oneRoute("  read_timeout: 5000\n", "", "", "", ""),
			map[string]any{collectors.FactTimeoutConfigured: true, collectors.FactTimeoutSeconds: 60}}, // connect/write stay at 60 s
		{"timeout all short", oneRoute("  connect_timeout: 1000\n  read_timeout: 2500\n  write_timeout: 2000\n", "", "", "", ""),
			map[string]any{collectors.FactTimeoutConfigured: true, collectors.FactTimeoutSeconds: 3}},

		// ---- body size ----
		{"bodysize none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactBodySizeLimited: false, collectors.FactBodySizeMaxBytes: nil}},
		{"bodysize default", oneRoute("", "", "- name: request-size-limiting\n", "", ""),
			map[string]any{collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 128 << 20}},
		{"bodysize kilobytes", oneRoute("", "", "- name: request-size-limiting\n  config: {allowed_payload_size: 64, size_unit: kilobytes}\n", "", ""),
			map[string]any{collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 64 << 10}},

		// ---- logging ----
		{"logging unknown without log plugin", oneRoute("", "", "", "", "- name: prometheus\n"),
			map[string]any{collectors.FactLoggingEnabled: nil, collectors.FactLoggingSinks: nil}},
		{"logging file", oneRoute("", "", "", "- name: file-log\n  config: {path: /dev/stdout}\n", ""),
			map[string]any{collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"file:/dev/stdout"}}},
		{"logging http without credentials", oneRoute("", "", "", "", "- name: http-log\n  config: {http_endpoint: 'https://u:secret@siem.example/in?token=x'}\n"),
			map[string]any{collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"http:https://siem.example/in"}}},
		{"logging disabled plugin", oneRoute("", "", "", "", "- name: http-log\n  enabled: false\n  config: {http_endpoint: 'https://siem.example'}\n"),
			map[string]any{collectors.FactLoggingEnabled: nil}},
		{"logging otel traces only", oneRoute("", "", "", "", "- name: opentelemetry\n  config: {traces_endpoint: 'http://otel:4318/v1/traces'}\n"),
			map[string]any{collectors.FactLoggingEnabled: nil}},
		{"logging otel logs", oneRoute("", "", "", "", "- name: opentelemetry\n  config: {logs_endpoint: 'http://otel:4318/v1/logs'}\n"),
			map[string]any{collectors.FactLoggingEnabled: true, collectors.FactLoggingSinks: []string{"opentelemetry:http://otel:4318/v1/logs"}}},

		// ---- CORS ----
		{"cors none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: nil}},
		{"cors explicit", oneRoute("", "", "- name: cors\n  config: {origins: [https://app.example.com]}\n", "", ""),
			map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: false, collectors.FactCORSCredentials: false,
				collectors.FactCORSOrigins: []string{"https://app.example.com"}}},
		{"cors star with credentials", oneRoute("", "", "- name: cors\n  config: {origins: ['*'], credentials: true}\n", "", ""),
			map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true, collectors.FactCORSCredentials: true}},
		{"cors no origins means star", oneRoute("", "", "- name: cors\n", "", ""),
			map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true, collectors.FactCORSOrigins: nil}},
		{"cors regex matching anything", oneRoute("", "", "- name: cors\n  config: {origins: ['https?://.*']}\n", "", ""),
			map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true}},
		{"cors regex for subdomains", oneRoute("", "", "- name: cors\n  config: {origins: ['https://.*\\.example\\.com']}\n", "", ""),
			map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: false}},

		// ---- security headers ----
		{"headers none", oneRoute("", "", "", "", ""), map[string]any{collectors.FactSecurityHeaders: false, collectors.FactHeadersSet: nil}},
		{"headers hsts", oneRoute("", "", "", "", "- name: response-transformer\n  config:\n    add:\n      headers: ['Strict-Transport-Security: max-age=63072000', 'X-Custom: 1']\n    append:\n      headers: ['Referrer-Policy: no-referrer']\n"),
			map[string]any{collectors.FactSecurityHeaders: true, collectors.FactHeadersSet: []string{"referrer-policy", "strict-transport-security"}}},
		{"headers non-core only", oneRoute("", "", "", "", "- name: response-transformer\n  config: {add: {headers: ['Referrer-Policy: no-referrer']}}\n"),
			map[string]any{collectors.FactSecurityHeaders: false, collectors.FactHeadersSet: []string{"referrer-policy"}}},

		// ---- upstream mTLS ----
		{"mtls http upstream", oneRoute("  client_certificate: {id: c1}\n", "", "", "", ""), map[string]any{collectors.FactMTLSUpstream: false}},
		{"mtls https no cert", "_format_version: \"3.0\"\nservices:\n- name: svc\n  url: https://up:8443\n  routes:\n  - name: r\n    paths: [/a]\n",
			map[string]any{collectors.FactMTLSUpstream: false, collectors.FactUpstream: "https://up:8443"}},
		{"mtls https with cert", "_format_version: \"3.0\"\nservices:\n- name: svc\n  url: https://up\n  client_certificate: 4e3ad2e4-0bc4-4638-8e34-c84a417ba39b\n  routes:\n  - name: r\n    paths: [/a]\n",
			map[string]any{collectors.FactMTLSUpstream: true, collectors.FactUpstream: "https://up"}},
		{"mtls cert on upstream entity", "_format_version: \"3.0\"\nupstreams:\n- name: pool\n  client_certificate: {id: c1}\nservices:\n- name: svc\n  protocol: https\n  host: pool\n  routes:\n  - name: r\n    paths: [/a]\n",
			map[string]any{collectors.FactMTLSUpstream: true}},

		// ---- enforcement ----
		{"enforcement nothing to enforce", oneRoute("", "", "", "", ""), map[string]any{collectors.FactEnforcementMode: false}},
		{"enforcement size limit", oneRoute("", "", "- name: request-size-limiting\n", "", ""), map[string]any{collectors.FactEnforcementMode: true}},
		{"enforcement bot-detection", oneRoute("", "", "- name: bot-detection\n", "", ""), map[string]any{collectors.FactEnforcementMode: true}},

		// ---- jwt details ----
		{"jwt claims and algorithms", oneRoute("", "", "- name: jwt\n  config: {claims_to_verify: [nbf], maximum_expiration: 600}\n", "", "") +
			"consumers:\n- username: a\n  jwt_secrets:\n  - key: k1\n    algorithm: RS256\n  - key: k2\n",
			map[string]any{collectors.FactJWTClaimsVerified: []string{"exp", "nbf"}, collectors.FactJWTAlgorithms: []string{"HS256", "RS256"}}},
		{"jwt algorithms need the jwt plugin", oneRoute("", "", "- name: key-auth\n", "", "") +
			"consumers:\n- username: a\n  jwt_secrets:\n  - key: k1\n    algorithm: RS256\n",
			map[string]any{collectors.FactJWTAlgorithms: nil, collectors.FactJWTClaimsVerified: nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, c.name, factsOf(t, c.doc), c.want)
		})
	}
}

// Plugin precedence: route+service > route > service > global per plugin
// name; disabled plugins fall through; consumer-scoped never count.
func TestPrecedence(t *testing.T) {
	t.Run("route overrides service", func(t *testing.T) {
		f := factsOf(t, oneRoute("", "", "- name: cors\n  config: {origins: ['*']}\n", "- name: cors\n  config: {origins: [https://a.example]}\n", ""))
		want(t, "route", f, map[string]any{collectors.FactCORSWildcard: false, collectors.FactCORSOrigins: []string{"https://a.example"}})
	})
	t.Run("service overrides global", func(t *testing.T) {
		f := factsOf(t, oneRoute("", "", "- name: rate-limiting\n  config: {minute: 100}\n", "", "- name: rate-limiting\n  config: {minute: 5}\n"))
		want(t, "service", f, map[string]any{collectors.FactRateLimitPerMinute: 100})
	})
	t.Run("global applies when nothing more specific", func(t *testing.T) {
		f := factsOf(t, oneRoute("", "", "", "", "- name: rate-limiting\n  config: {minute: 5}\n"))
		want(t, "global", f, map[string]any{collectors.FactRateLimitPerMinute: 5})
	})
	t.Run("route+service beats route", func(t *testing.T) {
		doc := oneRoute("", "", "", "- name: rate-limiting\n  config: {minute: 50}\n", "- name: rate-limiting\n  service: svc\n  route: r\n  config: {minute: 7}\n")
		want(t, "route+service", factsOf(t, doc), map[string]any{collectors.FactRateLimitPerMinute: 7})
	})
	t.Run("disabled route plugin falls through to service", func(t *testing.T) {
		f := factsOf(t, oneRoute("", "", "- name: key-auth\n", "- name: key-auth\n  enabled: false\n", ""))
		want(t, "fallthrough", f, map[string]any{collectors.FactAuthEnforced: true})
	})
	t.Run("disabled everywhere", func(t *testing.T) {
		f := factsOf(t, oneRoute("", "", "- name: key-auth\n  enabled: false\n", "", "- name: key-auth\n  enabled: false\n"))
		want(t, "off", f, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("top-level plugin scoped by reference", func(t *testing.T) {
		doc := "_format_version: \"3.0\"\nservices:\n- name: a\n  host: a\n  routes: [{name: ra, paths: [/a]}]\n- name: b\n  id: 11111111-2222-3333-4444-555555555555\n  host: b\n  routes: [{name: rb, paths: [/b]}]\n" +
			"plugins:\n- name: key-auth\n  service: 11111111-2222-3333-4444-555555555555\n- name: acl\n  route: ra\n  config: {allow: [x]}\n"
		res := mustParse(t, "t.yaml", doc)
		want(t, "ra", routeNamed(t, res, "ra").Facts, map[string]any{collectors.FactAuthEnforced: false, collectors.FactAuthzEnforced: true})
		want(t, "rb", routeNamed(t, res, "rb").Facts, map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthzEnforced: false})
	})
	t.Run("consumer-scoped on a service", func(t *testing.T) {
		doc := oneRoute("", "", "", "", "") + "consumers:\n- username: bob\n  plugins:\n  - name: rate-limiting\n    service: svc\n    config: {minute: 1}\n  - name: cors\n    service: other\n"
		res := mustParse(t, "t.yaml", doc)
		want(t, "consumer", res.Routes[0].Facts, map[string]any{collectors.FactRateLimitEnabled: false,
			collectors.FactGatewayPlugins: []string{"rate-limiting@consumer:bob"}})
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `service "other"`) {
			t.Errorf("warnings %q", res.Warnings)
		}
	})
	t.Run("plugin on another route does not apply", func(t *testing.T) {
		doc := "_format_version: \"3.0\"\nservices:\n- name: s\n  host: h\n  routes:\n  - name: r1\n    paths: [/1]\n    plugins: [{name: key-auth}]\n  - name: r2\n    paths: [/2]\n"
		res := mustParse(t, "t.yaml", doc)
		want(t, "r1", routeNamed(t, res, "r1").Facts, map[string]any{collectors.FactAuthEnforced: true})
		want(t, "r2", routeNamed(t, res, "r2").Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("YAML anchors and merge keys", func(t *testing.T) {
		doc := "_format_version: \"3.0\"\nx-common: &rl {name: rate-limiting, config: {minute: 9}}\nservices:\n- name: s\n  host: h\n  routes:\n  - &r {name: r1, paths: [/1]}\n  - <<: *r\n    name: r2\n  plugins: [*rl]\n"
		res := mustParse(t, "t.yaml", doc)
		if len(res.Routes) != 2 {
			t.Fatalf("%d routes", len(res.Routes))
		}
		want(t, "r2", routeNamed(t, res, "r2").Facts, map[string]any{collectors.FactRateLimitPerMinute: 9})
		if got := routeNamed(t, res, "r2").Route.Paths; len(got) != 1 || got[0].Prefix != "/1" {
			t.Errorf("merged paths %v", got)
		}
	})
}

func TestRouteShapes(t *testing.T) {
	t.Run("3.x regex and exact", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  paths: ['~/users/\\d+$', '~/health$', /plain(x)]\n  hosts: ['API.example.com:8443']\n  methods: [get]\n")
		r := res.Routes[0].Route
		wantPaths := []collectors.PathMatch{{Regex: `/users/\d+$`}, {Exact: "/health"}, {Prefix: "/plain(x)"}}
		if len(r.Paths) != 3 || r.Paths[0] != wantPaths[0] || r.Paths[1] != wantPaths[1] || r.Paths[2] != wantPaths[2] {
			t.Errorf("paths %+v", r.Paths)
		}
		if r.Hosts[0] != "api.example.com" || r.Methods[0] != "GET" {
			t.Errorf("hosts %v methods %v", r.Hosts, r.Methods)
		}
		if res.Routes[0].API != "r" || res.Routes[0].Service != "" {
			t.Errorf("API %q service %q", res.Routes[0].API, res.Routes[0].Service)
		}
	})
	t.Run("1.1 regex heuristic", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"1.1\"\nroutes:\n- name: r\n  paths: ['/users/\\d+', /plain-path_1.0~%20]\n")
		r := res.Routes[0].Route
		if r.Paths[0].Regex != `/users/\d+` || r.Paths[1].Prefix != "/plain-path_1.0~%20" || !res.Legacy {
			t.Errorf("paths %+v legacy %v", r.Paths, res.Legacy)
		}
	})
	t.Run("route by id only, service by reference", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"3.0\"\nservices:\n- id: 9aeb9870-0e00-4b91-be7e-3a2ecd50516a\n  host: inv\nroutes:\n- id: 56d1538b-1c43-42d7-9838-ea7d60266821\n  paths: [/inventory/v1]\n  service: {id: 9aeb9870-0e00-4b91-be7e-3a2ecd50516a}\n")
		ri := res.Routes[0]
		if ri.Route.Name != "56d1538b-1c43-42d7-9838-ea7d60266821" || ri.API != "9aeb9870-0e00-4b91-be7e-3a2ecd50516a" {
			t.Errorf("%+v", ri)
		}
	})
	t.Run("service not in the file", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  paths: [/a]\n  service: elsewhere\n")
		ri := res.Routes[0]
		if ri.API != "elsewhere" || len(res.Warnings) != 1 {
			t.Errorf("API %q warnings %q", ri.API, res.Warnings)
		}
		want(t, "r", ri.Facts, map[string]any{collectors.FactTimeoutConfigured: nil, collectors.FactMTLSUpstream: nil})
	})
	t.Run("stream routes and disabled services are skipped", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"3.0\"\nservices:\n- name: tcp\n  protocol: tcp\n  host: db\n  routes: [{name: t, protocols: [tcp], destinations: [{port: 5432}]}]\n- name: off\n  enabled: false\n  host: x\n  routes: [{name: o, paths: [/o]}]\n")
		if len(res.Routes) != 0 || len(res.Skipped) != 2 {
			t.Errorf("routes %d skipped %q", len(res.Routes), res.Skipped)
		}
	})
	t.Run("expression routes", func(t *testing.T) {
		res := mustParse(t, "t.yaml", "_format_version: \"3.0\"\nroutes:\n"+
			"- name: e1\n  expression: 'http.path ^= \"/v1\" && (http.method == \"GET\" || http.method == \"POST\") && http.host == \"api.example.com\"'\n"+
			"- name: e2\n  expression: 'http.path == \"/a\" || http.method == \"GET\"'\n"+
			"- name: e3\n  expression: '!(http.path ^= \"/admin\") && http.path ~ \"/items/\\\\d+\"'\n")
		e1 := routeNamed(t, res, "e1").Route
		if len(e1.Paths) != 1 || e1.Paths[0].Prefix != "/v1" || len(e1.Methods) != 2 || len(e1.Hosts) != 1 {
			t.Errorf("e1 %+v", e1)
		}
		if e2 := routeNamed(t, res, "e2").Route; len(e2.Paths) != 0 || len(e2.Methods) != 0 {
			t.Errorf("e2 must over-approximate to everything: %+v", e2)
		}
		if e3 := routeNamed(t, res, "e3").Route; len(e3.Paths) != 1 || e3.Paths[0].Regex != `^.*(?:/items/\d+)` {
			t.Errorf("e3 %+v", e3)
		}
	})
	t.Run("JSON input", func(t *testing.T) {
		doc := `{"_format_version": "3.0", "services": [{"name": "s", "url": "https:\/\/up", "routes": [{"name": "r", "paths": ["\/a"], "protocols": ["https"]}], "plugins": [{"name": "key-auth"}]}]}`
		res := mustParse(t, "t.json", doc)
		want(t, "json", res.Routes[0].Facts, map[string]any{collectors.FactTLSEnforced: true, collectors.FactAuthEnforced: true, collectors.FactUpstream: "https://up"})
		if res.Artifact.ContentType != "application/json" || res.Routes[0].Line != 1 {
			t.Errorf("content type %q line %d", res.Artifact.ContentType, res.Routes[0].Line)
		}
	})
}
