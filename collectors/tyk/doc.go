// Package tyk is the collector for Tyk Gateway API definitions: kind "tyk".
//
// It reads classic API definitions (the gateway's apps/*.json, Dashboard
// exports wrapped as {"api_definition": {...}}, lists of either such as a
// Gateway GET /tyk/apis response or a Dashboard {"apis": [...]} listing)
// and Tyk OAS definitions (an OpenAPI 3 document with x-tyk-api-gateway,
// JSON or YAML). With the gateway_url option it also lists the APIs a
// running gateway has loaded (GET /tyk/apis, secret from the environment
// variable named by secret_env, bounded by timeout and max_bytes).
//
// Parse is a pure function from bytes to routes and facts; Collect walks
// files and directories (deterministic, lexical order) and streams one
// collectors.Evidence per gateway route into the sink. It never calls
// sink.API or sink.Endpoint: routes are matched to the inventory later.
//
// # Routes
//
// Every API definition gives one route for the requests under its listen
// path (proxy.listen_path as a Prefix; a listen path with {mux} variables
// as a Regex), with the custom domain as host. Every path listed under the
// version's extended_paths (white_list, black_list, ignored,
// validate_json, size_limits, hard_timeouts, rate_limit, transform_*...)
// gives one more route per method, whose facts are the API's plus every
// endpoint rule that applies to that path, as the gateway applies them
// (see routeFacts for the precedence). An endpoint path is a Tyk path
// regular expression relative to the listen path; it is described on the
// public path (listen path included) as a Regex (or an Exact match when
// tyk.conf enables both prefix and suffix matching and the path is
// literal). By default Tyk does not anchor endpoint paths, so "/users"
// becomes ^/listen.*/users, which also matches /listen/admin/users, as
// the gateway does.
//
// The route's API is the definition's name (falling back to api_id); the
// source's api_map renames it, its api setting overrides it. Location is
// the JSON pointer of the listen path or of the endpoint entry.
//
// # Versions
//
// With not_versioned, the gateway serves the only version, else the one
// named "Default", "default" or "" (another choice is an error). A
// versioned API serves every version, the request choosing by header,
// query parameter or first path segment: routes then carry the facts all
// versions share (a protection missing in one version is missing; a
// limit takes the loosest value). Versions chosen by URL get routes of
// their own under /listen/<version>. Expiry dates are not applied.
//
// # Inactive and internal APIs
//
// A definition with an explicit "active": false (Tyk OAS: state.active
// false) is not loaded by the gateway, and an internal one is reachable
// only from other APIs: both are listed in Result.Skipped and give no
// evidence. A missing "active" counts as active, as the gateway's own
// sample apps omit it.
//
// # Facts
//
// Booleans are set true or false whenever the definition (plus tyk.conf,
// when the tyk_conf option names it) decides them, and left out when the
// answer lives elsewhere (keys, policies, tyk.conf not given).
//
//	fact                  how it is derived for a route
//	tls.enforced          an API with its own listen_port says so by its protocol (https/tls
//	                      true, http/h2c/tcp false); otherwise tyk.conf
//	                      http_server_options.use_ssl. Unknown without tyk.conf: the gateway's
//	                      listener is not in the API definition.
//	tls.min_version       tyk.conf http_server_options.min_version (771 = "1.2") when TLS.
//	tls.upstream_min_version  proxy.transport.ssl_min_version (Tyk OAS
//	                      upstream.tlsTransport.minVersion), for https upstreams.
//	auth.enforced         use_keyless false (then Tyk always authenticates: with the methods
//	                      enabled, or token auth when none is), or static mTLS
//	                      (use_mutual_tls_auth, which works even with keyless). false on paths
//	                      listed under "ignored" (the gateway skips authentication there).
//	auth.mechanisms       key-auth (use_standard_auth, or the default), jwt (enable_jwt),
//	                      oauth2 (use_oauth2, external_oauth), oidc (use_openid), basic-auth,
//	                      hmac (enable_signature_checking), mtls (use_mutual_tls_auth, or an
//	                      auth token taken from the client certificate), custom (coprocess,
//	                      Go plugin or custom_plugin_auth_enabled, unless auth_check is
//	                      disabled), ldap (auth_provider storage ldap). Tyk chains every
//	                      enabled method and all must pass; base_identity_provided_by only
//	                      chooses whose session is kept. use_keyless overrides them all.
//	jwt.algorithms        jwt_signing_method: hmac (or empty) HS256/384/512, rsa RS* and PS*,
//	                      ecdsa ES256/384/512 (mw_jwt.go assertSigningMethod).
//	jwt.claims_verified   exp, iat, nbf (checked when present, with the *_validation_skew
//	                      settings); Tyk OAS adds iss, aud, sub, jti when configured.
//	authz.enforced        true with an IP allow or deny list (enable_ip_whitelisting /
//	                      enable_ip_blacklisting with addresses: ip-restriction), JWT/OIDC
//	                      scope-to-policy mappings (scopes), and on routes the gateway refuses:
//	                      black_list (deny-list), internal (internal-only), or anything a
//	                      white_list does not match (allow-list; the API route carries it when
//	                      a white list exists). false when no session exists (keyless, ignored
//	                      paths) and none of these applies. Otherwise unknown: per-key access
//	                      rights and policies decide, and they are not in the definition.
//	validation.enforced   validate_json / validate_request entries (enabled) matching the
//	                      route; GraphQL APIs (graphql.enabled) validate every operation
//	                      against their schema; otherwise false.
//	ratelimit.enabled     false with disable_rate_limit (Tyk OAS skipRateLimit: both the API
//	                      and the per-key limiter are off); true with global_rate_limit
//	                      (rate>0, per>0, not disabled) or a matching extended_paths
//	                      rate_limit (which replaces the API limit for that endpoint); false
//	                      for keyless APIs and ignored paths otherwise (no session, no
//	                      per-key limit); else unknown (per-key limits live in keys and
//	                      policies).
//	ratelimit.per_minute  rate*60/per (per is seconds; Tyk OAS durations "1m"), rounded up.
//	timeout.configured    a matching hard_timeouts entry (Tyk OAS enforceTimeout), else
//	                      tyk.conf proxy_default_timeout > 0; unknown without either.
//	timeout.seconds       that timeout.
//	bodysize.limited      the version's global_size_limit, a matching size_limits entry or
//	                      tyk.conf max_request_body_size; all are checked, the smallest wins.
//	                      Unknown when none is set (tyk.conf may set one for every API).
//	bodysize.max_bytes    that smallest limit.
//	logging.enabled       false with do_not_track (Tyk OAS: trafficLogs absent or disabled)
//	                      or a matching do_not_track_endpoints entry; otherwise tyk.conf
//	                      enable_analytics or access_logs.enabled; unknown without tyk.conf.
//	logging.sinks         "analytics" (Redis, for Tyk Pump), "gateway-log" (access logs).
//	cors.restricted       true when CORS.enable is false (the gateway adds no CORS headers)
//	                      or every allowed origin is explicit; false when an origin is "*",
//	                      "http(s)://*", or the list is empty (rs/cors then allows all).
//	cors.origins, cors.wildcard, cors.credentials  CORS.allowed_origins (["*"] when empty),
//	                      any-origin, allow_credentials; wildcard is false without CORS.
//	headers.security      HSTS, X-Content-Type-Options, X-Frame-Options or
//	                      Content-Security-Policy added by global_response_headers, a
//	                      header_injector response processor or a matching
//	                      transform_response_headers entry (minus delete_headers). Gateways
//	                      before 5.x also need header_injector in response_processors for
//	                      global_response_headers; the configured headers are counted.
//	headers.set           the security headers set (lower case).
//	mtls.upstream         false for plain http upstreams; true for https when
//	                      upstream_certificates (not disabled; Tyk OAS upstream.mutualTLS) or
//	                      tyk.conf security.certificates.upstream has a certificate for the
//	                      host ("*", the host, "*.domain"); false with tyk.conf and no
//	                      certificate; otherwise unknown.
//	enforcement.enforcing true: Tyk has no monitor-only mode for these protections.
//	response.validated    false: Tyk does not validate responses.
//	gateway.plugins       the middleware in effect (auth methods, cors, ip lists,
//	                      global_rate_limit, custom_pre:NAME..., response_processor:NAME,
//	                      cache, graphql, and on endpoint routes the extended_paths kinds
//	                      that match).
//	gateway.upstream      proxy.target_url (target_list when load balancing, the version's
//	                      override_target when set).
//
// policy.per_call, egress.controlled and authz.field_level are never set:
// custom plugins and policies may provide them, the definition cannot tell.
//
// # Path matching and tyk.conf
//
// Without tyk.conf the gateway's defaults apply: endpoint paths are not
// anchored, custom domains are assumed honoured. With it,
// http_server_options.enable_path_prefix_matching and
// enable_path_suffix_matching anchor the paths, enable_custom_domains
// false drops the hosts, and ignore_endpoint_case makes matching
// case-insensitive.
//
// # Bad input
//
// Every error is an *Error naming the file and, where known, the line and
// the JSON pointer: size, depth and syntax (from internal/safedecode, with
// the line), YAML alias bombs, values of the wrong type (the gateway would
// refuse them too), a definition without listen path or name, an endpoint
// path that is not a regular expression, a Tyk OAS operation that the
// OpenAPI paths do not declare, and input that is not a Tyk definition.
//
// Work is bounded per API definition: past 2,000,000 route/rule tests only
// rules with the route's own path string are combined (a warning says so),
// and past 200,000 route/version evaluations the definition is refused.
//
// The parser is hand-written over encoding/json: Tyk's own apidef package
// would pull in the whole gateway module, and no smaller well-kept parser
// for the format exists.
package tyk
