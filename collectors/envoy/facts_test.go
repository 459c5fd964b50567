package envoy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// Hand-made inputs, one per fact and case: each says in its name what
// Envoy does with the configuration and the want holds what that means.
func TestFacts(t *testing.T) {
	const (
		tlsE   = collectors.FactTLSEnforced
		tlsMin = collectors.FactTLSMinVersion
		auth   = collectors.FactAuthEnforced
		mechs  = collectors.FactAuthMechanisms
		authz  = collectors.FactAuthzEnforced
		zmechs = collectors.FactAuthzMechanisms
		rl     = collectors.FactRateLimitEnabled
		rlMin  = collectors.FactRateLimitPerMinute
		to     = collectors.FactTimeoutConfigured
		toSec  = collectors.FactTimeoutSeconds
		body   = collectors.FactBodySizeLimited
		bodyN  = collectors.FactBodySizeMaxBytes
		logE   = collectors.FactLoggingEnabled
		sinks  = collectors.FactLoggingSinks
		corsR  = collectors.FactCORSRestricted
		corsW  = collectors.FactCORSWildcard
		corsC  = collectors.FactCORSCredentials
		corsO  = collectors.FactCORSOrigins
		hdr    = collectors.FactSecurityHeaders
		hdrSet = collectors.FactHeadersSet
		mtls   = collectors.FactMTLSUpstream
		enf    = collectors.FactEnforcementMode
		valid  = collectors.FactValidationEnforced
		respV  = collectors.FactResponseValidated
		call   = collectors.FactPolicyPerCall
		egress = collectors.FactEgressControlled
		plug   = collectors.FactGatewayPlugins
		up     = collectors.FactUpstream
		claims = collectors.FactJWTClaimsVerified
		algs   = collectors.FactJWTAlgorithms
	)
	tests := []struct {
		name string
		c    cfg
		want map[string]any
	}{
		// ---- nothing configured: every decidable protection is false ----
		{"bare route", cfg{}, map[string]any{
			tlsE: false, auth: false, authz: false, rl: false, to: false, body: false, logE: false,
			corsR: true, hdr: false, mtls: false, valid: false, respV: false, call: false,
			enf: nil, plug: nil, up: "backend", egress: nil, mechs: nil, tlsMin: nil}},

		// ---- TLS ----
		{"TLS listener", cfg{chain: tlsChain}, map[string]any{tlsE: true, tlsMin: "1.2"}},
		{"plain listener, vh require_tls ALL", cfg{vh: "require_tls: ALL"}, map[string]any{tlsE: true}},
		{"plain listener, vh require_tls EXTERNAL_ONLY", cfg{vh: "require_tls: EXTERNAL_ONLY"}, map[string]any{tlsE: true}},
		{"plain listener, vh require_tls NONE", cfg{vh: "require_tls: NONE"}, map[string]any{tlsE: false}},
		{"plain listener, https redirect", cfg{routes: "- match: {prefix: /}\n  redirect: {https_redirect: true}\n"},
			map[string]any{tlsE: true, up: nil, to: nil, mtls: nil}},
		{"plain listener, scheme_redirect https", cfg{routes: "- match: {prefix: /}\n  redirect: {scheme_redirect: https}\n"},
			map[string]any{tlsE: true}},
		{"plain listener, host redirect only", cfg{routes: "- match: {prefix: /}\n  redirect: {host_redirect: example.com}\n"},
			map[string]any{tlsE: false}},
		{"client certificate required", cfg{chain: strings.Replace(tlsChain, "    common_tls_context:", "    require_client_certificate: true\n    common_tls_context:", 1)},
			map[string]any{tlsE: true, auth: true, mechs: []string{"mtls"}, enf: true}},
		{"QUIC transport", cfg{chain: "transport_socket:\n  name: envoy.transport_sockets.quic\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.quic.v3.QuicDownstreamTransport\n    downstream_tls_context: {common_tls_context: {}}\n"},
			map[string]any{tlsE: true, tlsMin: "1.3"}},

		// ---- authentication ----
		{"jwt rule for every path", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {provider_name: idp}\n")},
			map[string]any{auth: true, mechs: []string{"jwt"}, claims: []string{"aud", "exp", "iss", "nbf"}, algs: nil, enf: true,
				plug: []string{"envoy.filters.http.jwt_authn"}}},
		{"jwt with inline JWKS: algorithms", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {provider_name: other}\n")},
			map[string]any{auth: true, claims: []string{"exp", "nbf"}, algs: []string{"ES256", "RS256"}}},
		{"jwt rule without requires", cfg{filters: jwtFilter("- match: {prefix: /}\n")},
			map[string]any{auth: false, mechs: nil, enf: nil}},
		{"jwt requires_any with allow_missing is optional", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {requires_any: {requirements: [{provider_name: idp}, {allow_missing: {}}]}}\n")},
			map[string]any{auth: false}},
		{"jwt requires_all with allow_missing still requires idp", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {requires_all: {requirements: [{provider_name: idp}, {allow_missing: {}}]}}\n")},
			map[string]any{auth: true, claims: []string{"aud", "exp", "iss", "nbf"}}},
		{"jwt requires_any of two providers: common claims", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {requires_any: {requirements: [{provider_name: idp}, {provider_name: other}]}}\n")},
			map[string]any{auth: true, claims: []string{"exp", "nbf"}, algs: nil}},
		{"jwt allow_missing_or_failed only monitors", cfg{filters: jwtFilter("- match: {prefix: /}\n  requires: {allow_missing_or_failed: {}}\n")},
			map[string]any{auth: false, enf: false}},
		{"jwt header-conditioned exemption is a bypass", cfg{filters: jwtFilter("- match: {prefix: /, headers: [{name: x-internal, present_match: true}]}\n- match: {prefix: /}\n  requires: {provider_name: idp}\n")},
			map[string]any{auth: false}},
		{"jwt header-conditioned extra requirement does not spoil", cfg{filters: jwtFilter("- match: {prefix: /, headers: [{name: x-admin, present_match: true}]}\n  requires: {provider_name: other}\n- match: {prefix: /}\n  requires: {provider_name: idp}\n")},
			map[string]any{auth: true}},
		{"jwt camelCase fields", cfg{filters: strings.ReplaceAll(jwtFilter("- match: {prefix: /}\n  requires: {providerName: idp}\n"), "remote_jwks", "remoteJwks")},
			map[string]any{auth: true}},
		{"ext_authz", cfg{filters: extAuthzHTTP}, map[string]any{
			auth: true, mechs: []string{"ext-authz"}, authz: true, zmechs: []string{"ext-authz"}, call: true, enf: true, body: false}},
		{"ext_authz filter_enabled 0%", cfg{filters: extAuthzHTTP + "    filter_enabled: {default_value: {numerator: 0}}\n"},
			map[string]any{auth: false, authz: false}},
		{"ext_authz disabled on the route", cfg{filters: extAuthzHTTP, routes: defaultRoutes + "  typed_per_filter_config:\n    authz: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute, disabled: true}\n"},
			map[string]any{auth: false, authz: false, plug: nil}},
		{"ext_authz with_request_body limits the body", cfg{filters: extAuthzHTTP + "    with_request_body: {max_request_bytes: 8192}\n"},
			map[string]any{body: true, bodyN: 8192}},
		{"ext_authz with_request_body allow_partial_message does not", cfg{filters: extAuthzHTTP + "    with_request_body: {max_request_bytes: 8192, allow_partial_message: true}\n"},
			map[string]any{body: false, bodyN: nil}},
		{"basic_auth", cfg{filters: "- name: basic\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuth\n    users: {inline_string: \"u:{SHA}x\"}\n"},
			map[string]any{auth: true, mechs: []string{"basic-auth"}}},
		{"api_key_auth with allowed clients", cfg{filters: "- name: keys\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth\n    credentials: [{key: k, client: c}]\n",
			routes: defaultRoutes + "  typed_per_filter_config:\n    keys: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute, allowed_clients: [c]}\n"},
			map[string]any{auth: true, mechs: []string{"key-auth"}, authz: true, zmechs: []string{"acl"}}},
		{"oauth2", cfg{filters: "- name: oauth\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2\n    config: {authorization_endpoint: https://idp/auth}\n"},
			map[string]any{auth: true, mechs: []string{"oauth2"}}},
		{"oauth2 pass-through on a client header is a bypass", cfg{filters: "- name: oauth\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2\n    config: {pass_through_matcher: [{name: x-skip, present_match: true}]}\n"},
			map[string]any{auth: false}},
		{"lua makes authentication unknown", cfg{filters: "- name: script\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua\n    default_source_code: {inline_string: \"function envoy_on_request(h) end\"}\n"},
			map[string]any{auth: nil, authz: nil, valid: nil, respV: nil, call: nil, rl: false, plug: []string{"envoy.filters.http.lua"}}},
		{"lua disabled on the route is not opaque", cfg{filters: "- name: script\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua\n",
			routes: defaultRoutes + "  typed_per_filter_config:\n    script: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute, disabled: true}\n"},
			map[string]any{auth: false, valid: false}},
		{"wasm in a TypedStruct is opaque", cfg{filters: "- name: w\n  typed_config:\n    \"@type\": type.googleapis.com/udpa.type.v1.TypedStruct\n    type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n    value: {config: {}}\n"},
			map[string]any{auth: nil, plug: []string{"envoy.filters.http.wasm"}}},
		{"ECDS filter is opaque", cfg{filters: "- name: dyn\n  config_discovery:\n    config_source: {ads: {}}\n    type_urls: [type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication]\n"},
			map[string]any{auth: nil}},
		{"grpc_json_transcoder makes validation unknown only", cfg{filters: "- name: t\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder}\n"},
			map[string]any{valid: nil, auth: false}},

		// ---- authorization ----
		{"rbac ALLOW rules", cfg{filters: "- name: rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n    rules: {action: ALLOW, policies: {p: {permissions: [{any: true}], principals: [{authenticated: {}}]}}}\n"},
			map[string]any{authz: true, zmechs: []string{"rbac"}, call: true, enf: true, auth: false}},
		{"rbac DENY without policies denies nothing", cfg{filters: "- name: rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n    rules: {action: DENY}\n"},
			map[string]any{authz: false, enf: nil}},
		{"rbac shadow rules only monitor", cfg{filters: "- name: rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n    shadow_rules: {action: DENY, policies: {p: {permissions: [{any: true}], principals: [{any: true}]}}}\n"},
			map[string]any{authz: false, enf: false}},
		{"rbac LOG action only monitors", cfg{filters: "- name: rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n    rules: {action: LOG}\n"},
			map[string]any{authz: false, enf: false}},
		{"rbac off on the route (RBACPerRoute without rbac)", cfg{filters: "- name: rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n    rules: {action: ALLOW}\n",
			routes: defaultRoutes + "  typed_per_filter_config:\n    rbac: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute}\n"},
			map[string]any{authz: false}},
		{"network rbac in front of the connection manager", cfg{netf: "- name: envoy.filters.network.rbac\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC\n    stat_prefix: r\n    rules: {action: ALLOW}\n"},
			map[string]any{authz: true, zmechs: []string{"rbac"}, plug: []string{"envoy.filters.network.rbac"}}},

		// ---- rate limiting ----
		{"local_ratelimit enforced", cfg{filters: localRL("{max_tokens: 10, tokens_per_fill: 10, fill_interval: 1s}", 100, 100)},
			map[string]any{rl: true, rlMin: 600, enf: true}},
		{"local_ratelimit per hour normalised", cfg{filters: localRL("{max_tokens: 100, tokens_per_fill: 100, fill_interval: 3600s}", 100, 100)},
			map[string]any{rl: true, rlMin: 2}},
		{"local_ratelimit enabled, not enforced: monitor only", cfg{filters: localRL("{max_tokens: 10, fill_interval: 1s}", 100, -1)},
			map[string]any{rl: false, rlMin: nil, enf: false}},
		{"local_ratelimit filter_enabled defaults to 0%", cfg{filters: localRL("{max_tokens: 10, fill_interval: 1s}", -1, 100)},
			map[string]any{rl: false, enf: nil}},
		{"local_ratelimit enforced 0% by the static runtime layer", cfg{filters: strings.Replace(localRL("{max_tokens: 10, fill_interval: 1s}", 100, 100), "runtime_key: enforced", "runtime_key: rl.enforced", 1),
			top: "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n      rl: {enforced: 0}\n  - name: admin\n    admin_layer: {}\n"},
			map[string]any{rl: false, enf: false}},
		{"local_ratelimit stub at the HCM, bucket on the route", cfg{
			filters: "- name: envoy.filters.http.local_ratelimit\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit\n    stat_prefix: rl\n",
			routes:  defaultRoutes + "  typed_per_filter_config:\n    envoy.filters.http.local_ratelimit:\n" + indent(strings.TrimPrefix(localRL("{max_tokens: 5, tokens_per_fill: 5, fill_interval: 60s}", 100, 100), "- name: rl\n  typed_config:\n"), 2)},
			map[string]any{rl: true, rlMin: 5}},
		{"global ratelimit with route actions", cfg{filters: globalRL, routes: "- match: {prefix: /}\n  route: {cluster: backend, rate_limits: [{actions: [{remote_address: {}}]}]}\n"},
			map[string]any{rl: true, rlMin: nil}},
		{"global ratelimit without actions limits nothing", cfg{filters: globalRL},
			map[string]any{rl: false}},
		{"global ratelimit: virtual host actions apply when the route has none", cfg{filters: globalRL, vh: "rate_limits: [{actions: [{remote_address: {}}]}]"},
			map[string]any{rl: true}},
		{"global ratelimit: actions of another stage do not apply", cfg{filters: globalRL, vh: "rate_limits: [{stage: 1, actions: [{remote_address: {}}]}]"},
			map[string]any{rl: false}},

		// ---- timeouts ----
		{"route timeout", cfg{routes: "- match: {prefix: /}\n  route: {cluster: backend, timeout: 30s}\n"}, map[string]any{to: true, toSec: 30}},
		{"route timeout 0s disables it", cfg{routes: "- match: {prefix: /}\n  route: {cluster: backend, timeout: 0s}\n",
			clusters: "- name: backend\n  connect_timeout: 1s\n"}, map[string]any{to: false, toSec: nil}},
		{"sub-second route timeout rounds up", cfg{routes: "- match: {prefix: /}\n  route: {cluster: backend, timeout: 0.25s}\n"}, map[string]any{to: true, toSec: 1}},
		{"explicit connect_timeout", cfg{clusters: "- name: backend\n  connect_timeout: 0.25s\n"}, map[string]any{to: true, toSec: nil}},
		{"route max_stream_duration", cfg{routes: "- match: {prefix: /}\n  route: {cluster: backend, max_stream_duration: {max_stream_duration: 45s}}\n"},
			map[string]any{to: true, toSec: 45}},
		{"HCM request_timeout", cfg{hcm: "request_timeout: 10s"}, map[string]any{to: true}},
		{"timeout in object form", cfg{routes: "- match: {prefix: /}\n  route: {cluster: backend, timeout: {seconds: 5, nanos: 500000000}}\n"}, map[string]any{to: true, toSec: 6}},

		// ---- body size ----
		{"buffer filter", cfg{filters: bufferF}, map[string]any{body: true, bodyN: 1048576, enf: true}},
		{"buffer disabled on the route", cfg{filters: bufferF, routes: defaultRoutes + "  typed_per_filter_config:\n    envoy.filters.http.buffer: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute, disabled: true}\n"},
			map[string]any{body: false}},
		{"buffer limit replaced on the route", cfg{filters: bufferF, routes: defaultRoutes + "  typed_per_filter_config:\n    envoy.filters.http.buffer: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute, buffer: {max_request_bytes: 512}}\n"},
			map[string]any{body: true, bodyN: 512}},

		// ---- logging ----
		{"file access log", cfg{hcm: "access_log:\n- name: envoy.access_loggers.file\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: /var/log/envoy/access.log}\n"},
			map[string]any{logE: true, sinks: []string{"file:/var/log/envoy/access.log"}}},
		{"stdout and gRPC access logs", cfg{hcm: "access_log:\n- name: a\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: /dev/stdout}\n- name: b\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig, common_config: {log_name: l, grpc_service: {envoy_grpc: {cluster_name: als}}}}\n"},
			map[string]any{logE: true, sinks: []string{"stdout", "grpc:als"}}},
		{"access log sampled at 0%", cfg{hcm: "access_log:\n- name: a\n  filter: {runtime_filter: {runtime_key: log.sample, percent_sampled: {numerator: 0}}}\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog}\n"},
			map[string]any{logE: false, sinks: nil}},

		// ---- CORS ----
		{"CORS wildcard with credentials", cfg{filters: corsF, vh: "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{exact: \"*\"}]\n    allow_credentials: true\n"},
			map[string]any{corsR: false, corsW: true, corsC: true, corsO: []string{"*"}}},
		{"CORS prefix https:// lets any site in", cfg{filters: corsF, vh: "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{prefix: \"https://\"}]\n"},
			map[string]any{corsR: false, corsW: true, corsO: []string{"prefix:https://"}}},
		{"CORS explicit origins", cfg{filters: corsF, vh: "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{exact: \"https://app.example.com\"}, {suffix: \".example.com\"}]\n"},
			map[string]any{corsR: true, corsW: false, corsC: false, corsO: []string{"https://app.example.com", "suffix:.example.com"}}},
		{"CORS legacy vh block with the filter", cfg{filters: corsF, vh: "cors: {allow_origin_string_match: [{safe_regex: {regex: \".*\"}}], allow_credentials: true}"},
			map[string]any{corsR: false, corsW: true, corsC: true}},
		{"CORS policy without the cors filter does nothing", cfg{vh: "cors: {allow_origin_string_match: [{exact: \"*\"}]}"},
			map[string]any{corsR: true, corsW: nil}},
		{"CORS policy filter_enabled 0%", cfg{filters: corsF, vh: "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{exact: \"*\"}]\n    filter_enabled: {default_value: {numerator: 0}}\n"},
			map[string]any{corsR: true, corsW: nil}},

		// ---- headers ----
		{"security headers at route config, vh and route", cfg{
			rc:     "response_headers_to_add: [{header: {key: Strict-Transport-Security, value: max-age=31536000}}]",
			vh:     "response_headers_to_add: [{header: {key: X-Content-Type-Options, value: nosniff}}]",
			routes: defaultRoutes + "  response_headers_to_add: [{header: {key: X-Frame-Options, value: DENY}}, {header: {key: X-Other, value: x}}]\n"},
			map[string]any{hdr: true, hdrSet: []string{"strict-transport-security", "x-content-type-options", "x-frame-options"}}},
		{"only nosniff", cfg{vh: "response_headers_to_add: [{header: {key: X-Content-Type-Options, value: nosniff}}]"},
			map[string]any{hdr: false, hdrSet: []string{"x-content-type-options"}}},
		{"HSTS max-age=0 switches HSTS off", cfg{vh: "response_headers_to_add: [{header: {key: Strict-Transport-Security, value: max-age=0}}, {header: {key: X-Content-Type-Options, value: nosniff}}, {header: {key: Content-Security-Policy, value: \"frame-ancestors 'none'\"}}]"},
			map[string]any{hdr: false, hdrSet: []string{"content-security-policy", "x-content-type-options"}}},
		{"header_mutation filter", cfg{filters: "- name: hm\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation\n    mutations:\n      response_mutations:\n      - append: {header: {key: strict-transport-security, value: max-age=63072000}}\n      - append: {header: {key: x-content-type-options, value: nosniff}}\n      - append: {header: {key: content-security-policy, value: default-src 'none'}}\n"},
			map[string]any{hdr: true}},

		// ---- upstream ----
		{"upstream mutual TLS", cfg{clusters: "- name: backend\n  transport_socket:\n    name: envoy.transport_sockets.tls\n    typed_config:\n      \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\n      common_tls_context: {tls_certificates: [{certificate_chain: {filename: /c}, private_key: {filename: /k}}]}\n"},
			map[string]any{mtls: true}},
		{"upstream TLS without a client certificate", cfg{clusters: "- name: backend\n  transport_socket:\n    name: envoy.transport_sockets.tls\n    typed_config: {\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: backend}\n"},
			map[string]any{mtls: false}},
		{"cluster from CDS: unknown", cfg{routes: "- match: {prefix: /}\n  route: {cluster: elsewhere}\n"},
			map[string]any{mtls: nil, to: false, up: "elsewhere"}},
		{"weighted clusters all mutual TLS", cfg{routes: "- match: {prefix: /}\n  route: {weighted_clusters: {clusters: [{name: a, weight: 50}, {name: b, weight: 50}]}}\n",
			clusters: "- name: a\n  transport_socket: {name: t, typed_config: {\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, common_tls_context: {tls_certificate_sds_secret_configs: [{name: s}]}}}\n- name: b\n"},
			map[string]any{mtls: false, up: "a,b"}},
		{"dynamic forward proxy: egress uncontrolled", cfg{clusters: "- name: backend\n  cluster_type:\n    name: envoy.clusters.dynamic_forward_proxy\n    typed_config: {\"@type\": type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig}\n"},
			map[string]any{egress: false}},

		// ---- csrf ----
		{"csrf shadow only", cfg{filters: "- name: csrf\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy\n    filter_enabled: {default_value: {numerator: 0}}\n    shadow_enabled: {default_value: {numerator: 100}}\n"},
			map[string]any{enf: false, plug: []string{"envoy.filters.http.csrf"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantFacts(t, tc.c.first(t), tc.want)
		})
	}
}

const (
	globalRL = "- name: rl\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit\n    domain: d\n    rate_limit_service: {grpc_service: {envoy_grpc: {cluster_name: rls}}}\n"
	bufferF  = "- name: envoy.filters.http.buffer\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1048576}\n"
	corsF    = "- name: envoy.filters.http.cors\n  typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}\n"
)

// localRL is a local_ratelimit filter; a negative percentage leaves the
// field out.
func localRL(bucket string, enabled, enforced int) string {
	s := "- name: rl\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit\n    stat_prefix: rl\n    token_bucket: " + bucket + "\n"
	if enabled >= 0 {
		s += "    filter_enabled: {runtime_key: enabled, default_value: {numerator: " + strconv.Itoa(enabled) + ", denominator: HUNDRED}}\n"
	}
	if enforced >= 0 {
		s += "    filter_enforced:\n      runtime_key: enforced\n      default_value: {numerator: " + strconv.Itoa(enforced) + ", denominator: HUNDRED}\n"
	}
	return s
}

// Precedence: the most specific typed_per_filter_config wins; a filter
// disabled by default runs where a route configures it.
func TestPrecedence(t *testing.T) {
	perRoute := func(level, body string) string {
		return level + ":\n  authz: " + body + "\n"
	}
	const off = `{"@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}`
	const on = `{"@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute, check_settings: {context_extensions: {a: b}}}`
	t.Run("vh disables, route re-enables", func(t *testing.T) {
		c := cfg{filters: extAuthzHTTP, vh: perRoute("typed_per_filter_config", off),
			routes: "- match: {prefix: /a}\n  route: {cluster: backend}\n" + indent(perRoute("typed_per_filter_config", on), 2) +
				"- match: {prefix: /b}\n  route: {cluster: backend}\n"}
		res := c.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: true})
		wantFacts(t, routeNamed(t, res, "api/routes/1").Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("route config level applies when vh and route say nothing", func(t *testing.T) {
		c := cfg{filters: extAuthzHTTP, rc: perRoute("typed_per_filter_config", off)}
		wantFacts(t, c.first(t), map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("vh beats route config", func(t *testing.T) {
		c := cfg{filters: extAuthzHTTP, rc: perRoute("typed_per_filter_config", off), vh: perRoute("typed_per_filter_config", on)}
		wantFacts(t, c.first(t), map[string]any{collectors.FactAuthEnforced: true})
	})
	t.Run("filter disabled by default, enabled on one route", func(t *testing.T) {
		c := cfg{filters: strings.Replace(extAuthzHTTP, "- name: authz\n", "- name: authz\n  disabled: true\n", 1),
			routes: "- match: {prefix: /a}\n  route: {cluster: backend}\n  typed_per_filter_config:\n    authz: {\"@type\": type.googleapis.com/envoy.config.route.v3.FilterConfig}\n" +
				"- match: {prefix: /b}\n  route: {cluster: backend}\n"}
		res := c.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: true})
		wantFacts(t, routeNamed(t, res, "api/routes/1").Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("canonical name fallback", func(t *testing.T) {
		c := cfg{filters: extAuthzHTTP, routes: defaultRoutes + "  typed_per_filter_config:\n    envoy.filters.http.ext_authz: " + off + "\n"}
		wantFacts(t, c.first(t), map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("CORS: route policy overrides the vh origins, vh credentials remain", func(t *testing.T) {
		c := cfg{filters: corsF,
			vh: "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{exact: \"*\"}]\n    allow_credentials: true\n",
			routes: "- match: {prefix: /a}\n  route: {cluster: backend}\n  typed_per_filter_config:\n    envoy.filters.http.cors:\n      \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n      allow_origin_string_match: [{exact: \"https://a.example.com\"}]\n" +
				"- match: {prefix: /b}\n  route: {cluster: backend}\n"}
		res := c.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSCredentials: true,
			collectors.FactCORSOrigins: []string{"https://a.example.com"}})
		wantFacts(t, routeNamed(t, res, "api/routes/1").Facts, map[string]any{collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true})
	})
	t.Run("CORS: route disables what the vh allows", func(t *testing.T) {
		c := cfg{filters: corsF,
			vh:     "typed_per_filter_config:\n  envoy.filters.http.cors:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n    allow_origin_string_match: [{exact: \"*\"}]\n",
			routes: defaultRoutes + "  typed_per_filter_config:\n    envoy.filters.http.cors: {\"@type\": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}\n"}
		wantFacts(t, c.first(t), map[string]any{collectors.FactCORSRestricted: true, collectors.FactCORSWildcard: nil})
	})
	t.Run("jwt per-route requirement_name replaces the rules", func(t *testing.T) {
		f := jwtFilter("- match: {prefix: /}\n") + "    requirement_map: {strict: {provider_name: idp}}\n"
		c := cfg{filters: f, routes: defaultRoutes + "  typed_per_filter_config:\n    jwt: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig, requirement_name: strict}\n"}
		wantFacts(t, c.first(t), map[string]any{collectors.FactAuthEnforced: true})
	})
	t.Run("jwt disabled on the route", func(t *testing.T) {
		f := jwtFilter("- match: {prefix: /}\n  requires: {provider_name: idp}\n")
		c := cfg{filters: f, routes: defaultRoutes + "  typed_per_filter_config:\n    jwt: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig, disabled: true}\n"}
		wantFacts(t, c.first(t), map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("global ratelimit: route actions override the vh's unless INCLUDE", func(t *testing.T) {
		c := cfg{filters: globalRL, vh: "rate_limits: [{actions: [{remote_address: {}}]}]",
			routes: "- match: {prefix: /}\n  route: {cluster: backend, rate_limits: [{stage: 3, actions: [{remote_address: {}}]}]}\n"}
		wantFacts(t, c.first(t), map[string]any{collectors.FactRateLimitEnabled: false})
		c.routes = "- match: {prefix: /}\n  route: {cluster: backend, include_vh_rate_limits: true, rate_limits: [{stage: 3, actions: [{remote_address: {}}]}]}\n"
		wantFacts(t, c.first(t), map[string]any{collectors.FactRateLimitEnabled: true})
	})
}

// jwt_authn rules and oauth2 pass-through matchers that cover part of a
// route become carve-out records.
func TestCarveOuts(t *testing.T) {
	t.Run("rule protects a sub-path only", func(t *testing.T) {
		res := cfg{filters: jwtFilter("- match: {prefix: /api}\n  requires: {provider_name: idp}\n")}.parse(t)
		if len(res.Routes) != 2 {
			t.Fatalf("routes = %d, want the route and one carve-out", len(res.Routes))
		}
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: false})
		sub := routeNamed(t, res, "api/routes/0 [jwt_authn rule prefix /api]")
		wantFacts(t, sub.Facts, map[string]any{collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"jwt"},
			collectors.FactUpstream: "backend", collectors.FactTLSEnforced: false})
		if len(sub.Route.Paths) != 1 || sub.Route.Paths[0].Prefix != "/api" {
			t.Errorf("carve-out paths = %+v", sub.Route.Paths)
		}
		if sp := sub.Route.Match("GET", "/api/users", nil, nil); sp <= routeNamed(t, res, "api/routes/0").Route.Match("GET", "/api/users", nil, nil) {
			t.Errorf("the carve-out is not more specific than its route for /api/users")
		}
	})
	t.Run("health check exempted before a catch-all", func(t *testing.T) {
		res := cfg{filters: jwtFilter("- match: {path: /healthz}\n- match: {prefix: /}\n  requires: {provider_name: idp}\n")}.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: true})
		sub := routeNamed(t, res, "api/routes/0 [jwt_authn rule path /healthz]")
		wantFacts(t, sub.Facts, map[string]any{collectors.FactAuthEnforced: false, collectors.FactAuthMechanisms: nil})
		if sub.Route.Paths[0].Exact != "/healthz" {
			t.Errorf("carve-out paths = %+v", sub.Route.Paths)
		}
	})
	t.Run("preflight exempted by method", func(t *testing.T) {
		res := cfg{filters: jwtFilter("- match: {prefix: /, headers: [{name: \":method\", string_match: {exact: OPTIONS}}]}\n- match: {prefix: /}\n  requires: {provider_name: idp}\n")}.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: true})
		sub := routeNamed(t, res, "api/routes/0 [jwt_authn rule OPTIONS prefix /]")
		if got := sub.Route.Methods; len(got) != 1 || got[0] != "OPTIONS" {
			t.Errorf("carve-out methods = %v", got)
		}
	})
	t.Run("rule inside an exact route that does not apply", func(t *testing.T) {
		res := cfg{filters: jwtFilter("- match: {prefix: /admin}\n  requires: {provider_name: idp}\n"),
			routes: "- match: {path: /public}\n  route: {cluster: backend}\n"}.parse(t)
		if len(res.Routes) != 1 {
			t.Fatalf("routes = %d", len(res.Routes))
		}
		wantFacts(t, res.Routes[0].Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("regex rule matching everything from a prefix", func(t *testing.T) {
		res := cfg{filters: jwtFilter("- match: {safe_regex: {regex: \"/v1/.*\"}}\n  requires: {provider_name: idp}\n"),
			routes: "- match: {prefix: /v1/orders}\n  route: {cluster: backend}\n"}.parse(t)
		wantFacts(t, res.Routes[0].Facts, map[string]any{collectors.FactAuthEnforced: true})
	})
	t.Run("bounded", func(t *testing.T) {
		var rules, routes strings.Builder
		for i := 0; i < 100; i++ {
			fmt.Fprintf(&rules, "- match: {prefix: /r%d}\n  requires: {provider_name: idp}\n", i)
		}
		for i := 0; i < 3; i++ {
			routes.WriteString(defaultRoutes)
		}
		res := cfg{filters: jwtFilter(rules.String()), routes: routes.String()}.parse(t)
		if len(res.Routes) != 1+maxCarvesPerRoute {
			t.Errorf("routes %d, want the route and %d carve-outs", len(res.Routes), maxCarvesPerRoute)
		}
		wantFacts(t, res.Routes[0].Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
	t.Run("oauth2 pass-through path", func(t *testing.T) {
		res := cfg{filters: "- name: oauth\n  typed_config:\n    \"@type\": type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2\n    config: {pass_through_matcher: [{name: \":path\", string_match: {prefix: /public}}]}\n"}.parse(t)
		wantFacts(t, routeNamed(t, res, "api/routes/0").Facts, map[string]any{collectors.FactAuthEnforced: true})
		wantFacts(t, routeNamed(t, res, "api/routes/0 [oauth2 rule prefix /public]").Facts, map[string]any{collectors.FactAuthEnforced: false})
	})
}

// Equivalent routes on several listeners are merged.
func TestMergeListeners(t *testing.T) {
	listener := func(name, chain, filters string, routes string) string {
		s := "  - name: " + name + "\n    filter_chains:\n    - filters:\n      - name: hcm\n        typed_config:\n" +
			"          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n" +
			"          stat_prefix: s\n          http_filters:\n" + indent(filters, 10) +
			"          - {name: router, typed_config: {\"@type\": " + routerType + "}}\n" +
			"          route_config:\n            virtual_hosts:\n            - name: shop\n              domains: [shop.example.com]\n              routes:\n" + indent(routes, 14)
		if chain != "" {
			s += indent(chain, 6)
		}
		return s
	}
	jwt := jwtFilter("- match: {prefix: /}\n  requires: {provider_name: idp}\n")
	serve := "- match: {prefix: /}\n  route: {cluster: backend}\n"
	redirect := "- match: {prefix: /}\n  redirect: {https_redirect: true}\n"
	clusters := "  clusters:\n  - {name: backend}\n"
	t.Run("plain and TLS listeners serving the same route", func(t *testing.T) {
		doc := "static_resources:\n  listeners:\n" + listener("http", "", jwt, serve) + listener("https", tlsChain, jwt, serve) + clusters
		res, err := Parse("m.yaml", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Routes) != 1 || res.RouteEntries != 2 {
			t.Fatalf("routes %d, entries %d; want 1 merged of 2", len(res.Routes), res.RouteEntries)
		}
		r := res.Routes[0]
		// The TLS listener accepts 1.2 and up; the plain one is why tls.enforced is false.
		wantFacts(t, r.Facts, map[string]any{collectors.FactTLSEnforced: false, collectors.FactAuthEnforced: true, collectors.FactTLSMinVersion: "1.2"})
		if strings.Count(r.Location, "/static_resources/listeners/") != 2 {
			t.Errorf("location %q should name both entries", r.Location)
		}
		if got := r.Route.Hosts; len(got) != 1 || got[0] != "shop.example.com" {
			t.Errorf("hosts = %v", got)
		}
	})
	t.Run("port 80 redirects, port 443 serves", func(t *testing.T) {
		doc := "static_resources:\n  listeners:\n" + listener("http", "", "", redirect) + listener("https", tlsChain, jwt, serve) + clusters
		res, err := Parse("m.yaml", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Routes) != 1 {
			t.Fatalf("routes %d", len(res.Routes))
		}
		wantFacts(t, res.Routes[0].Facts, map[string]any{collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: "1.2",
			collectors.FactAuthEnforced: true, collectors.FactUpstream: "backend"})
	})
	t.Run("different filters on two serving listeners: the weaker wins", func(t *testing.T) {
		doc := "static_resources:\n  listeners:\n" + listener("a", tlsChain, jwt+bufferF, serve) + listener("b", tlsChain, bufferF, serve) + clusters
		res, err := Parse("m.yaml", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantFacts(t, res.Routes[0].Facts, map[string]any{collectors.FactTLSEnforced: true, collectors.FactAuthEnforced: false,
			collectors.FactAuthMechanisms: nil, collectors.FactBodySizeLimited: true, collectors.FactBodySizeMaxBytes: 1048576,
			collectors.FactGatewayPlugins: []string{"envoy.filters.http.jwt_authn", "envoy.filters.http.buffer"}})
	})
}

// What a route matches: hosts, methods, paths.
func TestRouteShape(t *testing.T) {
	tests := []struct {
		name    string
		vh      string
		match   string
		hosts   []string
		methods []string
		paths   []collectors.PathMatch
	}{
		{"prefix", "", "{prefix: /orders}", nil, nil, []collectors.PathMatch{{Prefix: "/orders"}}},
		{"empty prefix is every path", "", "{prefix: \"\"}", nil, nil, nil},
		{"exact path and method", "", "{path: /orders, headers: [{name: \":method\", exact_match: POST}]}", nil, []string{"POST"}, []collectors.PathMatch{{Exact: "/orders"}}},
		{"method alternation", "", "{prefix: /, headers: [{name: \":method\", string_match: {safe_regex: {regex: \"^(GET|HEAD)$\"}}}]}", nil, []string{"GET", "HEAD"}, []collectors.PathMatch{{Prefix: "/"}}},
		{"safe_regex is a whole-path match", "", "{safe_regex: {regex: \"/orders/[0-9]+\"}}", nil, nil, []collectors.PathMatch{{Regex: "^(?:/orders/[0-9]+)$"}}},
		{"case-insensitive regex", "", "{safe_regex: {regex: \"/a\"}, case_sensitive: false}", nil, nil, []collectors.PathMatch{{Regex: "^(?i:/a)$"}}},
		{"path_separated_prefix", "", "{path_separated_prefix: /api}", nil, nil, []collectors.PathMatch{{Prefix: "/api"}}},
		{"URI template", "", "{path_match_policy: {name: envoy.path.match.uri_template.uri_template_matcher, typed_config: {\"@type\": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig, path_template: \"/v1/{id}/files/{rest=**}\"}}}",
			nil, nil, []collectors.PathMatch{{Regex: `^(?:/v1/[^/]+/files/.*)$`}}},
		{"CONNECT", "", "{connect_matcher: {}}", nil, []string{"CONNECT"}, nil},
		{"hosts with ports", "domains: [\"api.example.com:443\", \"*.example.org\"]", "{prefix: /}", []string{"api.example.com", "*.example.org"}, nil, []collectors.PathMatch{{Prefix: "/"}}},
		{"a wildcard host means any", "domains: [\"api.example.com\", \"*\"]", "{prefix: /}", nil, nil, []collectors.PathMatch{{Prefix: "/"}}},
		{"a suffix wildcard widens to any host", "domains: [\"api.*\"]", "{prefix: /}", nil, nil, []collectors.PathMatch{{Prefix: "/"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg{routes: "- match: " + tc.match + "\n  route: {cluster: backend}\n"}
			doc := c.yaml()
			if tc.vh != "" {
				doc = strings.Replace(doc, "domains: [\"*\"]", tc.vh, 1)
			}
			res, err := Parse("shape.yaml", []byte(doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Routes[0].Route
			if strings.Join(r.Hosts, ",") != strings.Join(tc.hosts, ",") || strings.Join(r.Methods, ",") != strings.Join(tc.methods, ",") {
				t.Errorf("hosts %v methods %v, want %v %v", r.Hosts, r.Methods, tc.hosts, tc.methods)
			}
			if len(r.Paths) != len(tc.paths) || (len(r.Paths) > 0 && r.Paths[0] != tc.paths[0]) {
				t.Errorf("paths %+v, want %+v", r.Paths, tc.paths)
			}
		})
	}
}

// JSON input: Envoy accepts it as well, with escapes go-yaml refuses.
func TestJSONInput(t *testing.T) {
	doc := `{
	"static_resources": {
		"listeners": [{
			"name": "l",
			"filter_chains": [{"filters": [{
				"name": "hcm",
				"typed_config": {
					"@type": "type.googleapis.com\/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
					"statPrefix": "s",
					"httpFilters": [{"name": "r", "typedConfig": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
					"routeConfig": {"virtualHosts": [{"name": "caf\u00e9", "domains": ["*"],
						"routes": [{"match": {"safeRegex": {"regex": "\/a\/[0-9]+"}}, "route": {"cluster": "c", "timeout": "2s"}}]}]}
				}
			}]}]
		}],
		"clusters": [{"name": "c"}]
	}
}`
	if !(Collector{}).Detect("x.json", []byte(doc)) {
		t.Error("not detected")
	}
	res, err := Parse("x.json", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Routes[0]
	if r.API != "café" || r.Route.Paths[0].Regex != "^(?:/a/[0-9]+)$" {
		t.Errorf("api %q paths %+v", r.API, r.Route.Paths)
	}
	wantFacts(t, r.Facts, map[string]any{collectors.FactTimeoutSeconds: 2})
}

// YAML anchors and merge keys are followed.
func TestYAMLAnchors(t *testing.T) {
	doc := cfg{
		filters: "- &jwt\n  " + strings.TrimPrefix(jwtFilter("- match: {prefix: /}\n  requires: {provider_name: idp}\n"), "- "),
		routes:  "- &r\n  match: {prefix: /a}\n  route: &act {cluster: backend, timeout: 3s}\n- <<: *r\n  match: {prefix: /b}\n",
	}.yaml()
	res, err := Parse("a.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if len(res.Routes) != 2 {
		t.Fatalf("routes %d", len(res.Routes))
	}
	wantFacts(t, res.Routes[1].Facts, map[string]any{collectors.FactTimeoutSeconds: 3, collectors.FactAuthEnforced: true})
}
