// Package envoy is the collector for Envoy static bootstrap configuration
// (v3 API, YAML or JSON): kind "envoy".
//
// Parse is a pure function from one file to its routes and their effective
// protection; Collector.Collect walks files and directories and streams one
// collectors.Evidence per route (with Evidence.Route set, never Endpoint)
// into the sink. The unit is the route entry:
// static_resources.listeners[].filter_chains[].filters[http_connection_manager]
// .route_config.virtual_hosts[].routes[]. No parsing library is used: the
// Envoy protos (go-control-plane + protojson) would reject configurations
// naming extensions not linked in, lose line numbers, and pull a large
// dependency tree; a walk over the YAML node tree keeps exact lines and
// JSON pointers and reads only what the facts need.
//
// # Reading
//
//   - internal/safedecode bounds the input first: size, nesting depth, YAML
//     alias expansion, syntax (with the line). JSON is decoded with
//     encoding/json into the same node tree (go-yaml rejects valid JSON
//     escapes such as "\/"). Duplicate keys, a second YAML document, and
//     fields of the wrong type are errors naming the line and JSON pointer.
//   - Field names are accepted in snake_case and lowerCamelCase, as Envoy's
//     loader accepts both; YAML anchors, aliases and "<<" merge keys are
//     followed. A TypedStruct (udpa/xds) wrapper is looked through.
//   - Filters are identified by the type URL of typed_config ("@type"),
//     never by their free-form name; a filter with no typed_config (older
//     "- name: envoy.filters.http.router") by its well-known name.
//   - A regex whose program would be very large (over about 1000 steps,
//     counted repeats multiplied out) is refused: Envoy's RE2 itself
//     rejects programs over re2.max_program_size (100 by default), and
//     compiling thousands of huge ones would let a small file take minutes.
//     Regexes are compiled once per file; route-independent filter
//     configuration (jwt_authn rules, RBAC modes) is read once per file.
//   - A route without a match or a path specifier (prefix, path,
//     safe_regex, path_separated_prefix, connect_matcher,
//     path_match_policy), without an action, a virtual host without
//     domains, a connection manager without routes, a regex that does not
//     compile, a jwt_authn rule naming an unknown provider: errors.
//   - Routes from RDS/SRDS, listeners/clusters from xDS, filters from
//     ECDS are not in the file: Result.Warnings says so. An ECDS filter is
//     treated as opaque (below).
//
// # Route, API, location
//
//   - API: the virtual host's name (else the route configuration's name,
//     else the listener's name or pointer); src.APIMap/src.API rename it.
//   - Route.Name: the route's name, else "<virtual host>/routes/<index>".
//   - Route.Hosts: the virtual host's domains, ports dropped; "*" or a
//     "prefix.*" wildcard (which Route cannot express) means any host.
//   - Route.Methods: from a ":method" header matcher (exact value or a
//     GET|POST alternation); CONNECT for connect_matcher.
//   - Route.Paths: prefix -> Prefix ("" means every path); path -> Exact;
//     path_separated_prefix -> Prefix; safe_regex -> Regex "^(?:re)$"
//     (Envoy matches the whole path); a URI template (path_match_policy)
//     -> the equivalent Regex; case_sensitive: false -> (?i) for regexes.
//   - Location: the route entry's JSON pointer.
//
// Equivalent route entries — same API name, hosts, methods and paths —
// served on several listeners or filter chains (a plain and a TLS
// listener, a redirecting port 80 next to port 443) are merged into one
// record, because scoring takes one route per source for an endpoint: its
// Location lists every pointer; tls.enforced holds only if it holds on
// every entry; the other facts come from the entries that serve (not only
// redirect), a boolean protection holding only if it holds on each.
//
// Carve-outs: jwt_authn applies the first rule whose match matches a
// request, and oauth2 lets pass_through_matcher requests through. When
// such a rule covers only part of a route (rule prefix /api on route
// prefix /) and changes what is required there, an extra record describes
// that part (Route named "<route> [jwt_authn rule prefix /api]") with the
// route's facts and the rule's authentication outcome; the more specific
// route wins at scoring. A rule covering part of a route in a way a Route
// cannot describe (a header condition) that lets requests through without
// a credential makes the route's authentication not enforced: a client
// can add a header. At most 64 carve-outs per route and 4096 per file are
// made; past that, a partial rule that requires nothing is treated the
// same way, so the route's facts stay on the safe side.
//
// # Precedence (as Envoy applies it)
//
//   - typed_per_filter_config: the most specific entry wins — route, then
//     virtual host, then route configuration — looked up by the filter's
//     configured name, falling back to its canonical name
//     (route_components.proto, typed_per_filter_config). A FilterConfig
//     with disabled: true turns the filter off on that route; any entry
//     turns on a filter declared with disabled: true (HttpFilter.disabled).
//     Filter-specific per-route configs: ExtAuthzPerRoute{disabled},
//     jwt_authn PerRouteConfig{disabled | requirement_name (replaces the
//     rules)}, RBACPerRoute (no rbac = off; rbac replaces the policy),
//     LocalRateLimit (replaces the filter's config), RateLimitPerRoute,
//     BufferPerRoute{disabled | buffer}, LuaPerRoute/ExtProcPerRoute
//     {disabled}, CsrfPolicy, HeaderMutationPerRoute (added to the
//     filter's mutations).
//   - CORS follows cors_filter.cc: the CorsPolicy entries of all levels,
//     most specific first (or, with none, the legacy cors blocks of the
//     route action and the virtual host); enabled from the most specific
//     policy (filter_enabled, default on), each other field from the most
//     specific policy setting it.
//   - Runtime fractions (filter_enabled, filter_enforced, shadow_enabled,
//     runtime_filter) use default_value, overridden by a static
//     layered_runtime layer holding the runtime_key; disk, admin and RTDS
//     layers are not read.
//   - Response headers of the route, virtual host and route configuration
//     are all added (HeaderParser), so all three levels count.
//
// # Facts (one record per route; booleans set true or false whenever the
// configuration decides them, absent when it cannot tell)
//
//	fact                  how it is derived
//	tls.enforced          true when the route's filter chain has a DownstreamTlsContext
//	                      (or QUIC) transport socket, or the route cannot be used over
//	                      plain HTTP: virtual host require_tls ALL or EXTERNAL_ONLY, or
//	                      a redirect with https_redirect / scheme_redirect https; false
//	                      when a plaintext chain serves it (merged over listeners)
//	tls.min_version       tls_params.tls_minimum_protocol_version ("1.2"; "1.3" for QUIC);
//	                      absent when unset or TLS_AUTO (the default depends on the
//	                      Envoy version), or when any TLS entry leaves it unset
//	auth.enforced         true when a credential is required: jwt_authn whose
//	                      requirement for the route (first matching rule, or the
//	                      per-route requirement_name) is enforcing; ext_authz,
//	                      oauth2, basic_auth, api_key_auth active; or the chain's
//	                      require_client_certificate. false otherwise, absent when
//	                      an opaque filter (lua, wasm, ext_proc, golang,
//	                      dynamic_modules, composite, a non-Envoy or ECDS filter) is
//	                      active and could authenticate
//	auth.mechanisms       jwt, ext-authz, oauth2, basic-auth, key-auth, mtls
//	jwt.claims_verified   exp, nbf (always checked when present), iss (issuer set),
//	                      aud (audiences set), sub (subjects set): the claims every
//	                      provider in the requirement checks
//	jwt.algorithms        the "alg" of every key of inline local_jwks; absent for
//	                      remote JWKS
//	authz.enforced        rbac (http or network) with enforcing rules or matcher,
//	                      ext_authz (http or network), api_key_auth allowed_clients;
//	                      false otherwise, absent with an opaque filter
//	authz.mechanisms      rbac, ext-authz, acl
//	policy.per_call       rbac or ext_authz decides every request; false otherwise,
//	                      absent with an opaque filter
//	validation.enforced   false: Envoy has no schema validation of its own; absent
//	                      with an opaque filter or grpc_json_transcoder
//	response.validated    false; absent with an opaque filter
//	ratelimit.enabled     local_ratelimit with a token bucket (or descriptors the
//	                      route's rate_limits select), filter_enabled > 0 and
//	                      filter_enforced > 0 (both default to 0%); or the global
//	                      ratelimit filter with rate_limits for its stage on the
//	                      route or (per vh_rate_limits / include_vh_rate_limits) its
//	                      virtual host
//	ratelimit.per_minute  local token buckets: tokens_per_fill (default 1) per
//	                      fill_interval, times 60 s, rounded up; the tightest
//	timeout.configured    explicit non-zero route timeout, route or connection-manager
//	                      max_stream_duration, or request_timeout; else explicit
//	                      connect_timeout on every target cluster. false when the
//	                      route timeout is 0s (disabled) and nothing else bounds the
//	                      request, or nothing is explicit (Envoy's implicit 15s route
//	                      timeout does not count). Only for routes that forward
//	timeout.seconds       the route timeout, else the max_stream_duration, rounded up
//	bodysize.limited      buffer filter max_request_bytes active on the route, or
//	                      ext_authz with_request_body (413 above max_request_bytes
//	                      unless allow_partial_message); false otherwise
//	bodysize.max_bytes    the smallest such limit
//	logging.enabled       the connection manager has an access_log not sampled at 0%
//	                      by a runtime_filter (listener access logs record
//	                      connections, not requests, and do not count)
//	logging.sinks         stdout, stderr, file:<path>, grpc:<cluster>, otel,
//	                      fluentd:<cluster>, wasm, or the logger's type
//	cors.restricted       true when the cors filter does not run on the route, no
//	                      policy applies or the policy is disabled, or every allowed
//	                      origin matcher is specific; false when one matches "*"
//	                      (Envoy then allows every origin and echoes it), an
//	                      unrelated origin, or "null"
//	cors.wildcard         such a matcher exists (only when CORS is on)
//	cors.credentials      allow_credentials of the most specific policy setting it
//	cors.origins          exact values; "prefix:", "suffix:", "contains:", "regex:"
//	                      for the other matchers
//	headers.security      Strict-Transport-Security (not max-age=0),
//	                      X-Content-Type-Options and X-Frame-Options or
//	                      Content-Security-Policy are added by
//	                      response_headers_to_add (any level) or header_mutation
//	headers.set           the security headers added (lower-case)
//	mtls.upstream         every target cluster's UpstreamTlsContext presents a client
//	                      certificate (tls_certificates, SDS or a provider instance),
//	                      transport_socket_matches included; false for plain or
//	                      server-only TLS; absent when a cluster is not defined in
//	                      the file (CDS, cluster_header)
//	gateway.upstream      the cluster name (weighted clusters joined with ",")
//	gateway.plugins       network filters before the connection manager, then the
//	                      HTTP filters active on the route, by canonical name
//	                      (router left out)
//	enforcement.enforcing false when a protection only monitors: rbac with only
//	                      shadow rules or LOG action, local_ratelimit enabled but not
//	                      enforced, csrf shadow only, jwt allow_missing_or_failed;
//	                      true when some protection applies and none only monitors;
//	                      absent when no protection applies
//	egress.controlled     false when a target cluster is a dynamic forward proxy (the
//	                      client picks the upstream host); absent otherwise
//
// Not decided from the configuration, so never set: authz.field_level,
// response.redacted. Known gaps: weighted_clusters[].typed_per_filter_config
// and routes selected by a virtual host's generic matcher tree are not
// read; ext_authz failure_mode_allow (fail open) does not change the facts.
package envoy
