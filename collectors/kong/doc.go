// Package kong collects runtime evidence from Kong Gateway: decK
// declarative configuration files (_format_version "1.1" and "3.0", YAML
// or JSON) and, with the admin_url option, the Admin API of a running Kong.
//
// # What is emitted
//
// One collectors.Evidence per HTTP route (the unit that matches requests):
// routes nested in services and top-level routes with a service reference
// or none. Evidence.API is the Kong service's name (else its id); a route
// without a service uses its own name (else id). The ingest maps that name
// to an inventory API through the source's api_map (src.API overrides).
// Evidence.Route describes the requests the route matches (hosts without
// port, methods, paths: plain paths are prefixes, "~" paths regexes
// anchored at the start, and in _format_version 1.x any path with
// characters outside [a-zA-Z0-9.-_~/%] is a regex, as Kong < 3.0 decided;
// expression-router routes are folded into an over-approximation).
// Location is the route's JSON pointer ("/services/0/routes/1"); every
// record of a file shares one Artifact, the raw file with its secrets
// replaced where they stand (consumers' key-auth keys, basic-auth
// passwords, JWT/HMAC secrets, OAuth2 client secrets, and secret-named
// plugin settings; see redact.go), so every other byte and line is as
// written. Services with no
// route get no evidence (Result.ServicesWithoutRoutes names them); stream
// routes (tcp/tls/udp) and routes of services with enabled: false are
// skipped (Result.Skipped). No API or Endpoint records are sent.
//
// # Effective configuration
//
// Kong runs at most one configuration of each plugin per request, the most
// specific that matches (kong/runloop/plugins_iterator.lua, lookup_cfg):
// consumer/consumer-group combinations first, then route+service, route,
// service, global. Plugins with enabled: false are not loaded at all, so a
// disabled route-level copy lets the service-level or global one through.
// For every client of a route the effective set is, per plugin name, the
// enabled instance scoped to route+service, else route, else service,
// else global. Consumer- and consumer-group-scoped plugins run only for
// those clients: they are listed in gateway.plugins as
// "name@consumer:alice" / "name@consumer_group:gold" and never count as
// protection. A plugin whose protocols are all stream protocols is not
// loaded for HTTP (should_process_plugin). A plugin naming a service,
// route or consumer that is not in the file applies to nothing here (a
// warning says so).
//
// # Facts
//
// Every boolean below is set true or false on every route unless the
// table says when it stays absent (unknown).
//
//	fact                   derivation
//	---------------------  --------------------------------------------------------------
//	tls.enforced           every route protocol is https, grpcs or wss. A route that also
//	                       accepts http is false even with https_redirect_status_code:
//	                       Kong redirects (or answers 426) only when protocols has https
//	                       and not http (runloop/handler.lua). Default protocols are
//	                       http+https, so an unset list is false.
//	auth.enforced          an effective authentication plugin (key-auth, key-auth-enc, jwt,
//	                       jwt-signer, basic-auth, oauth2, oauth2-introspection, hmac-auth,
//	                       mtls-auth, header-cert-auth, openid-connect, ldap-auth,
//	                       ldap-auth-advanced, vault-auth, saml) without config.anonymous;
//	                       one with anonymous makes the credential optional unless a
//	                       request-termination plugin (status >= 400) is scoped to that
//	                       anonymous consumer (Kong's documented pattern).
//	authz.enforced         acl or ip-restriction with a non-empty allow/deny (whitelist/
//	                       blacklist in 1.x); opa; oauth2 with mandatory_scope and scopes;
//	                       openid-connect scopes_required ("scopes") or roles_required/
//	                       groups_required ("rbac"); jwt-signer access_token_scopes_required.
//	validation.enforced    request-validator with body_schema or parameter_schema;
//	                       oas-validation validating a request part and not notify-only.
//	ratelimit.enabled      rate-limiting with a second/minute/hour/day/month/year limit,
//	                       rate-limiting-advanced (limit[]), service-protection,
//	                       graphql-rate-limiting-advanced. response-ratelimiting limits
//	                       upstream-declared usage and does not count alone.
//	timeout.configured     the service sets connect/read/write_timeout to a value other than
//	                       Kong's default 60000 ms. Equal to the default is not a choice:
//	                       decK dumps and the Admin API write every default. Absent when
//	                       the route's service is not in the file (or there is none).
//	bodysize.limited       request-size-limiting (allowed_payload_size default 128,
//	                       size_unit default megabytes = 2^20 bytes). Kong's own
//	                       client_max_body_size default is 0 (unlimited).
//	logging.enabled        true with file-log, http-log, tcp-log, udp-log, syslog, loggly,
//	                       kafka-log, or opentelemetry exporting logs (logs_endpoint).
//	                       Otherwise ABSENT: Kong's nginx access log (proxy_access_log in
//	                       kong.conf, on by default) is not in the declarative config.
//	                       prometheus, statsd, datadog and zipkin are metrics/traces.
//	cors.restricted        no cors plugin (Kong adds no CORS headers), or a cors plugin
//	                       whose origins are all explicit; false when origins is empty
//	                       (the plugin sends "*"), contains "*", or has a regex matching
//	                       an arbitrary origin.
//	headers.security       response-transformer(-advanced) add/append headers include
//	                       Strict-Transport-Security, X-Content-Type-Options,
//	                       X-Frame-Options or Content-Security-Policy.
//	mtls.upstream          the service protocol is https/grpcs/wss/tls and a client
//	                       certificate is set on the service or on the upstream entity its
//	                       host names. Absent without a known service.
//	enforcement.enforcing  at least one protective plugin (auth, authz, validation, rate or
//	                       size limit, bot-detection) is effective and none is in monitor
//	                       mode (oas-validation notify_only_*); false with no protection.
//	response.validated     oas-validation with validate_response_body, not notify-only.
//	policy.per_call        opa (a policy decision per request).
//
// Detail facts, set when the configuration says them:
//
//	auth.mechanisms        key-auth, jwt, basic-auth, oauth2, hmac, mtls, oidc, ldap, custom
//	authz.mechanisms       acl, ip-restriction, opa, scopes, rbac
//	jwt.algorithms         algorithms of the consumers' jwt_secrets (default HS256) when
//	                       jwt is effective; not read from the Admin API (credentials)
//	jwt.claims_verified    jwt claims_to_verify, plus exp when maximum_expiration > 0
//	ratelimit.per_minute   tightest limit: rate-limiting periods and rate-limiting-advanced
//	                       limit/window_size pairs, rounded, at least 1
//	timeout.seconds        largest of the three timeouts (unset ones at 60 s), rounded up
//	bodysize.max_bytes     allowed_payload_size x size_unit
//	cors.origins, cors.wildcard, cors.credentials
//	                       when a cors plugin is effective; "*" with credentials makes
//	                       Kong reflect the request's Origin (cors handler.lua)
//	headers.set            security headers added, lower-case
//	logging.sinks          "file:PATH", "http:URL", "tcp:HOST:PORT", "udp:HOST:PORT",
//	                       "syslog", "loggly", "kafka", "opentelemetry:URL" (no
//	                       credentials or query strings)
//	gateway.plugins        effective plugin names plus consumer-scoped ones
//	gateway.upstream       the service's protocol://host[:port][/path]
//
// tls.min_version is never set: Kong's ssl_protocols live in kong.conf.
// egress.controlled, authz.field_level and response.redacted are not set.
//
// # Bad input
//
// Parse never panics. Size, depth and YAML alias expansion are bounded by
// internal/safedecode; every error is an *Error naming the file and the
// line and/or JSON pointer: malformed YAML/JSON, a document that is not
// Kong configuration (ErrNotKong), a wrong type, a route that matches
// nothing, a path not starting with "/" or "~/", or a regex that does not
// compile (ErrInvalid).
package kong
