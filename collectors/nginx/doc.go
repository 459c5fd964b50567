// Package nginx is the collector for nginx configuration files: kind
// "nginx". It reports what protection nginx applies to each route it
// serves, as gateway evidence (collectors.OriginGateway).
//
// Parse is a pure function from one file (plus the files its include
// directives name, read through Options.FS) to a typed Result: servers and
// routes with their effective configuration. Collector.Collect walks files
// and directories and streams one collectors.Evidence per route into the
// sink; it never calls sink.API or sink.Endpoint.
//
// # Reading the configuration
//
// The tokenizer is a port of nginx's ngx_conf_read_token (see lexer.go):
// directives, blocks, single- and double-quoted strings with backslash
// escapes, '#' comments, "$var" and "${var}" (so the ${VAR} envsubst
// placeholders of .conf.template files stay literal text), and the raw Lua
// bodies of *_by_lua_block directives. Every syntax error carries its line,
// with nginx's own wording where there is one (`unexpected "}"`,
// `unexpected end of file, expecting ";" or "}"`). The directives this
// package interprets are also checked the way nginx checks them (argument
// counts, sizes, times, ssl_protocols values, location modifiers, where
// http/server/location may appear); a location regex that RE2 cannot
// compile is an error naming its line. No third-party parser is used: the
// candidates (nginx-go-crossplane, gonginx) cannot read includes through an
// fs.FS confined to the source root, and the grammar is small.
//
// include is expanded in place. A relative pattern is looked up relative to
// the including file's directory, then relative to the source root (which
// stands for nginx's prefix: nginx resolves relative includes against the
// directory of nginx.conf, so conf.d/site.conf says "include h5bp/x.conf").
// Glob patterns match like glob(3) (sorted, no dot files for "*"). Nothing
// outside the root is read; includes nest at most 16 deep, blocks 64 deep
// (counted across included files), a cycle is an error, and the expansion
// is capped at a million directives. An include
// that cannot be resolved (absolute path outside the root, no such file, a
// glob matching nothing, a ${VAR} placeholder) is not an error: h5bp-style
// fragments are meant to be included from elsewhere. It is reported on
// every route whose levels contain it, as "unresolved-include:PATTERN" in
// gateway.plugins and as a warning after the evidence Location (the first
// 16, then a count), because its content could change the facts computed
// from what is visible.
//
// # Routes
//
// A route is a location block inside a server block of the http context
// (a server written at the top level of a file is taken as included into
// http, as conf.d files are). A server without locations yields one route
// for "/". Named locations ("@x") match no request and yield none; nested
// locations are routes of their own, inheriting from their parents.
//
//   - Route.Paths: "location /x" and "location ^~ /x" are Prefix "/x",
//     "location = /x" is Exact, "location ~ re" is Regex, "location ~* re"
//     is Regex "(?i)...". nginx regexes are unanchored, so one that does not
//     start with "^" becomes ".*(?:re)".
//   - Route.Hosts: server_name entries ("_" dropped, ".example.com" as
//     example.com and *.example.com); a regex or trailing-wildcard name
//     leaves Hosts empty (any host).
//   - Route.Methods: empty (nginx selects a location by path only).
//   - Evidence.API: the first server_name, or FILE:PORT (the file's base
//     name and the first listen port) when it is "_" or missing; the
//     source's api_map renames it.
//   - Route.Name: "HOST:PORT location SPEC" ("... (server)" for a server
//     without locations; nested: "... location /a > location /a/b").
//   - Evidence.Location: "file:line" of the location (or server), then
//     "; warning: unresolved include ..." for each unresolved include.
//
// # Facts
//
// Facts are the effective configuration of the route after nginx's merge of
// main/http -> server -> location(s) (effective.go explains each
// inheritance rule with the module behaviour it follows). A boolean is set
// true or false whenever the configuration decides it and left out when it
// cannot (a variable hides the value, a Lua/ModSecurity module may decide).
//
//	fact                  how it is derived
//	--------------------  ------------------------------------------------------------
//	tls.enforced          true when every listen of the server has "ssl" or "quic"
//	                      (or the deprecated "ssl on" is in effect), or when plain
//	                      requests are redirected: a server- or location-level
//	                      "return 301|302|303|307|308 https://..." / "return https://..."
//	                      / "rewrite <catch-all> https://... [permanent|redirect]", also
//	                      inside an "if" testing $scheme/$https/$server_port/
//	                      $http_x_forwarded_proto. A plain listener (no listen at all
//	                      means *:80) serving content: false.
//	tls.min_version       lowest of the ssl_protocols in effect ("1.0".."1.3", "ssl3");
//	                      absent when the server has no TLS listener or ssl_protocols is
//	                      not set (nginx's default depends on its version).
//	auth.enforced         true when a credential is required: auth_basic (not "off")
//	                      with an auth_basic_user_file (without one nginx declines to
//	                      check), auth_request (not "off"), auth_jwt (NGINX Plus, not
//	                      "off"), or "ssl_verify_client on" on a TLS-only route
//	                      ("optional" does not enforce). "satisfy any" with an allow
//	                      list that admits some clients: false (they need no
//	                      credential). Only access_by_lua*: absent. Otherwise false.
//	auth.mechanisms       basic-auth, ext-authz (auth_request), jwt, mtls, custom (lua).
//	authz.enforced        true for an allow/deny list that denies some client (a deny
//	                      reached before any "allow all"; rules are inherited as one
//	                      list) or auth_request (the subrequest decides per request).
//	                      "satisfy any" lets a credential bypass the deny list.
//	authz.mechanisms      ip-restriction, ext-authz.
//	validation.enforced   false: stock nginx cannot validate requests against a schema.
//	                      Absent when a module that inspects requests is in effect
//	                      (rewrite/access_by_lua*, modsecurity on, app_protect_enable
//	                      on): posture cannot see what it checks.
//	ratelimit.enabled     true when limit_req is in effect (inherited as a list, an
//	                      inner level with any limit_req replaces it) and
//	                      limit_req_dry_run is not on; false otherwise.
//	ratelimit.per_minute  the tightest rate among the zones used, from limit_req_zone
//	                      "rate=Nr/s" (x60) or "rate=Nr/m"; absent when a zone is not
//	                      defined in what was read.
//	enforcement.enforcing false when limit_req_dry_run / limit_conn_dry_run is on for a
//	                      limiter in effect, or modsecurity_rules say DetectionOnly;
//	                      absent when the mode lives in a file posture does not read
//	                      (modsecurity_rules_file, App Protect policy); true otherwise
//	                      (nginx has no other monitor-only mode).
//	timeout.configured    true when any of proxy_/grpc_/fastcgi_/uwsgi_/scgi_/
//	                      memcached_ connect/read/send_timeout, client_body_timeout,
//	                      client_header_timeout or send_timeout is set in effect; the
//	                      60s defaults do not count.
//	timeout.seconds       with timeout.configured: the longest connect/read/send timeout
//	                      of the route's upstream module (unset ones at their 60s
//	                      default), or of the explicit ones when it forwards nowhere.
//	bodysize.limited      client_max_body_size in effect: true with a non-zero size
//	                      (bodysize.max_bytes), false for 0 (no limit). Unset: false,
//	                      since nginx's compiled-in 1m default is not a deliberate
//	                      setting. A ${VAR} value: absent.
//	logging.enabled       the access_log list in effect (inherited as a list; "off" at
//	                      that level disables it): false for off, else true with
//	                      logging.sinks "file:PATH", "syslog", "stdout", "stderr". No
//	                      access_log anywhere: true with sink "default" (nginx then
//	                      writes logs/access.log in the combined format).
//	cors.restricted       true when no Access-Control-Allow-Origin is added (CORS is not
//	                      enabled) or only literal origins are; false when the origin is
//	                      "*" or reflects $http_origin without an "if ($http_origin ~
//	                      ...)" guard or a map keyed on $http_origin. Headers come from
//	                      add_header (replaced as a whole by an inner level with any
//	                      add_header; add_header_inherit honoured), headers-more
//	                      more_set_headers (merged), and the location's own "if" blocks.
//	                      A header value in a map is resolved through the map's values.
//	cors.wildcard         "*" or unguarded reflection among the possible values.
//	cors.origins          the values (and guard patterns) as written, at most 64.
//	cors.credentials      Access-Control-Allow-Credentials: true is added.
//	headers.security      X-Content-Type-Options and (X-Frame-Options or
//	                      Content-Security-Policy) are added to every response, plus
//	                      Strict-Transport-Security when the server has a TLS listener.
//	                      A header whose value comes from a map with an empty default
//	                      (h5bp adds X-Frame-Options to HTML only) does not count; one
//	                      from an unknown variable makes the fact absent.
//	headers.set           the security headers (HSTS, X-Content-Type-Options,
//	                      X-Frame-Options, CSP, Referrer-Policy, Permissions-Policy,
//	                      Cross-Origin-*-Policy) added to every response, lower case.
//	mtls.upstream         proxy_pass https:// (grpc_pass grpcs://, uwsgi_pass
//	                      suwsgi://) with the module's *_ssl_certificate and
//	                      *_ssl_certificate_key in effect; false for plain upstreams;
//	                      absent when the scheme is a variable or nothing is forwarded.
//	policy.per_call       true with auth_request; absent otherwise.
//	gateway.upstream      the argument of the location's proxy_pass (grpc_pass, ...), as
//	                      written (content handlers are not inherited).
//	gateway.plugins       modules in effect: ssl, auth_basic, auth_request, auth_jwt,
//	                      ssl_verify_client, access, satisfy_any, limit_req, limit_conn,
//	                      *_dry_run, client_max_body_size, add_header, the handler,
//	                      return/rewrite, limit_except, internal (the location
//	                      answers internal requests only), sub_filter, lua/njs/perl
//	                      directives, modsecurity, app_protect, and
//	                      "unresolved-include:PATTERN".
//
// response.validated, egress.controlled, authz.field_level and
// response.redacted are never set: nginx configuration cannot tell.
package nginx
