package nginx

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// factCase is a hand-made configuration and the facts of some of its
// routes (route name suffix -> facts; a nil fact value means absent).
type factCase struct {
	name  string
	conf  string
	files []string // extra files for includes: path, content, ...
	want  map[string]collectors.Facts
}

func runFactCases(t *testing.T, cases []factCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := parse(t, tc.conf, tc.files...)
			for name, facts := range tc.want {
				want(t, route(t, res, name), facts)
			}
		})
	}
}

const (
	tlsF    = collectors.FactTLSEnforced
	minTLS  = collectors.FactTLSMinVersion
	authF   = collectors.FactAuthEnforced
	authM   = collectors.FactAuthMechanisms
	authzF  = collectors.FactAuthzEnforced
	authzM  = collectors.FactAuthzMechanisms
	rlF     = collectors.FactRateLimitEnabled
	rlPM    = collectors.FactRateLimitPerMinute
	enfF    = collectors.FactEnforcementMode
	toF     = collectors.FactTimeoutConfigured
	toS     = collectors.FactTimeoutSeconds
	bodyF   = collectors.FactBodySizeLimited
	bodyMax = collectors.FactBodySizeMaxBytes
	logF    = collectors.FactLoggingEnabled
	logS    = collectors.FactLoggingSinks
	corsR   = collectors.FactCORSRestricted
	corsW   = collectors.FactCORSWildcard
	corsO   = collectors.FactCORSOrigins
	corsC   = collectors.FactCORSCredentials
	hdrF    = collectors.FactSecurityHeaders
	hdrSet  = collectors.FactHeadersSet
	mtlsUp  = collectors.FactMTLSUpstream
	upF     = collectors.FactUpstream
	valF    = collectors.FactValidationEnforced
	perCall = collectors.FactPolicyPerCall
)

func TestFactTLS(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "ssl only", conf: `http { server { listen 443 ssl; listen [::]:443 ssl http2; server_name a; location /x { } } }`,
			want: map[string]collectors.Facts{"location /x": {tlsF: true, minTLS: nil}}},
		{name: "quic counts as TLS", conf: `http { server { listen 443 quic; listen 443 ssl; server_name a; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: true}}},
		{name: "plain listener", conf: `http { server { listen 80; server_name a; location / { proxy_pass http://b; } } }`,
			want: map[string]collectors.Facts{"location /": {tlsF: false, minTLS: nil}}},
		{name: "no listen is *:80", conf: `http { server { server_name a; } }`,
			want: map[string]collectors.Facts{"a:80 (server)": {tlsF: false}}},
		{name: "443 without ssl is plain", conf: `http { server { listen 443; server_name a; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: false}}},
		{name: "mixed listeners serve plain content", conf: `http { server { listen 80; listen 443 ssl; server_name a; location / { proxy_pass http://b; } } }`,
			want: map[string]collectors.Facts{"location /": {tlsF: false}}},
		{name: "mixed with scheme check redirect", conf: `http { server { listen 80; listen 443 ssl; server_name a;
			if ($scheme != "https") { return 301 https://$host$request_uri; }
			location / { proxy_pass http://b; } } }`,
			want: map[string]collectors.Facts{"location /": {tlsF: true}}},
		{name: "plain server that only redirects", conf: `http { server { listen 80; server_name a; return 301 https://$host$request_uri; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: true}}},
		{name: "rewrite to https", conf: `http { server { listen 80; server_name a; rewrite ^(.*)$ https://$host$1 permanent; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: true}}},
		{name: "redirect to $scheme is not https", conf: `http { server { listen 80; server_name a; return 301 $scheme://b$request_uri; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: false}}},
		{name: "location-level redirect only for that route", conf: `http { server { listen 80; server_name a;
			location /login { return 308 https://a/login; } location /api { proxy_pass http://b; } } }`,
			want: map[string]collectors.Facts{"location /login": {tlsF: true}, "location /api": {tlsF: false}}},
		{name: "deprecated ssl on", conf: `http { ssl on; server { listen 8443; server_name a; } }`,
			want: map[string]collectors.Facts{"(server)": {tlsF: true}}},
		// ssl_protocols is inherited http -> server unless the server sets it.
		{name: "min version inherited and overridden", conf: `http { ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
			server { listen 443 ssl; server_name a; }
			server { listen 443 ssl; server_name b; ssl_protocols TLSv1.3 TLSv1.2; } }`,
			want: map[string]collectors.Facts{"a:443 (server)": {minTLS: "1.0"}, "b:443 (server)": {minTLS: "1.2"}}},
	})
}

func TestFactAuth(t *testing.T) {
	runFactCases(t, []factCase{
		// auth_basic is inherited server -> location; "off" turns it off.
		{name: "basic inherited and off", conf: `http { server { listen 443 ssl; server_name a;
			auth_basic "restricted"; auth_basic_user_file /etc/nginx/htpasswd;
			location /private { } location /public { auth_basic off; } } }`,
			want: map[string]collectors.Facts{
				"location /private": {authF: true, authM: []string{"basic-auth"}, authzF: false},
				"location /public":  {authF: false, authM: nil},
			}},
		{name: "basic without user file is not checked", conf: `http { server { server_name a; auth_basic "x"; } }`,
			want: map[string]collectors.Facts{"(server)": {authF: false}}},
		{name: "auth_request", conf: `http { server { server_name a; auth_request /auth;
			location /api { } location /health { auth_request off; } location = /auth { internal; proxy_pass http://authsvc; } } }`,
			want: map[string]collectors.Facts{
				"location /api":    {authF: true, authM: []string{"ext-authz"}, authzF: true, authzM: []string{"ext-authz"}, perCall: true},
				"location /health": {authF: false, authzF: false, perCall: nil},
			}},
		{name: "internal location", conf: `server { server_name a; location = /auth { internal; proxy_pass http://authsvc; } }`,
			want: map[string]collectors.Facts{"location = /auth": {collectors.FactGatewayPlugins: []string{"internal", "proxy_pass"}}}},
		{name: "auth_jwt", conf: `http { server { server_name a; location /api { auth_jwt "api"; auth_jwt_key_file k.jwk; } location /x { } } }`,
			want: map[string]collectors.Facts{"location /api": {authF: true, authM: []string{"jwt"}}, "location /x": {authF: false}}},
		{name: "mtls on and optional", conf: `http {
			server { listen 443 ssl; server_name a; ssl_client_certificate ca.pem; ssl_verify_client on; }
			server { listen 443 ssl; server_name b; ssl_client_certificate ca.pem; ssl_verify_client optional; }
			server { listen 80; listen 443 ssl; server_name c; ssl_verify_client on; } }`,
			want: map[string]collectors.Facts{
				"a:443 (server)": {authF: true, authM: []string{"mtls"}},
				"b:443 (server)": {authF: false, authM: nil},
				// reachable over plain HTTP: no client certificate there
				"c:80 (server)": {authF: false},
			}},
		{name: "lua access is unknown", conf: `http { server { server_name a; location / { access_by_lua_block { if ngx.var.x then return ngx.exit(403) end } } } }`,
			want: map[string]collectors.Facts{"location /": {authF: nil, authM: []string{"custom"}, authzF: nil, valF: nil}}},
		// allow/deny rules are one list, replaced by an inner level's list.
		{name: "ip restriction", conf: `http { server { server_name a; allow 10.0.0.0/8; deny all;
			location /internal { } location /open { allow all; } location /block { allow all; deny 1.2.3.4; } location /ban { deny 1.2.3.4; } } }`,
			want: map[string]collectors.Facts{
				"location /internal": {authzF: true, authzM: []string{"ip-restriction"}, authF: false},
				"location /open":     {authzF: false, authzM: nil},
				"location /block":    {authzF: false},
				"location /ban":      {authzF: true},
			}},
		// satisfy any: either the access list or a credential suffices.
		{name: "satisfy any vs all", conf: `http { server { server_name a; allow 10.0.0.0/8; deny all;
			auth_basic "x"; auth_basic_user_file f;
			location /any { satisfy any; } location /all { } location /denyonly { satisfy any; deny all; } } }`,
			want: map[string]collectors.Facts{
				"location /any":      {authF: false, authzF: false, authM: []string{"basic-auth"}},
				"location /all":      {authF: true, authzF: true, authzM: []string{"ip-restriction"}},
				"location /denyonly": {authF: true, authzF: false},
			}},
	})
}

func TestFactRateLimit(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "zones normalised and replaced", conf: `http {
			limit_req_zone $binary_remote_addr zone=perip:10m rate=10r/s;
			limit_req_zone $server_name zone=slow:1m rate=30r/m;
			server { server_name a; limit_req zone=perip burst=20 nodelay;
				location /a { }
				location /b { limit_req zone=slow; }
				location /c { limit_req zone=perip; limit_req zone=slow burst=5; }
			}
			server { server_name b; } }`,
			want: map[string]collectors.Facts{
				"location /a":   {rlF: true, rlPM: 600, enfF: true},
				"location /b":   {rlF: true, rlPM: 30},
				"location /c":   {rlF: true, rlPM: 30},
				"b:80 (server)": {rlF: false, rlPM: nil},
			}},
		{name: "dry run is monitor-only", conf: `http { limit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;
			server { server_name a; limit_req zone=z; limit_req_dry_run on; location /x { } location /y { limit_req_dry_run off; } } }`,
			want: map[string]collectors.Facts{
				"location /x": {rlF: false, enfF: false, rlPM: 60},
				"location /y": {rlF: true, enfF: true},
			}},
		{name: "zone defined elsewhere", conf: `server { server_name a; limit_req zone=shared; }`,
			want: map[string]collectors.Facts{"(server)": {rlF: true, rlPM: nil}}},
		{name: "limit_conn dry run", conf: `http { server { server_name a; limit_conn perip 10; limit_conn_dry_run on; } }`,
			want: map[string]collectors.Facts{"(server)": {rlF: false, enfF: false}}},
	})
}

func TestFactTimeoutsAndBodySize(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "timeouts", conf: `http { proxy_read_timeout 2m;
			server { server_name a;
				location /read { proxy_pass http://b; }
				location /connect { proxy_read_timeout 10s; proxy_connect_timeout 5s; proxy_pass http://b; }
				location /static { }
			}
			server { server_name b; location /x { proxy_pass http://b; } client_body_timeout 10; }
			server { server_name c; location /x { proxy_pass http://b; } } }`,
			files: nil,
			want: map[string]collectors.Facts{
				"a:80 location /read":    {toF: true, toS: 120},
				"a:80 location /connect": {toF: true, toS: 60}, // send_timeout left at its 60s default
				"a:80 location /static":  {toF: true, toS: 120},
			}},
		{name: "no timeouts", conf: `server { server_name c; location /x { proxy_pass http://b; } }`,
			want: map[string]collectors.Facts{"location /x": {toF: false, toS: nil}}},
		{name: "body size", conf: `http { client_max_body_size 10m;
			server { server_name a; location /up { client_max_body_size 0; } location /x { } location /k { client_max_body_size 512k; } }
			server { server_name b; client_max_body_size 1G; } }`,
			want: map[string]collectors.Facts{
				"location /up":  {bodyF: false, bodyMax: nil},
				"location /x":   {bodyF: true, bodyMax: 10 << 20},
				"location /k":   {bodyF: true, bodyMax: 512 << 10},
				"b:80 (server)": {bodyF: true, bodyMax: 1 << 30},
			}},
		{name: "body size default is not explicit", conf: `server { server_name a; }`,
			want: map[string]collectors.Facts{"(server)": {bodyF: false, bodyMax: nil}}},
	})
}

func TestFactLogging(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "inheritance and off", conf: `http { access_log /var/log/nginx/access.log main;
			server { server_name a; location /quiet { access_log off; } location /x { } }
			server { server_name b; access_log syslog:server=10.0.0.1 combined; access_log /dev/stdout; } }`,
			want: map[string]collectors.Facts{
				"location /quiet": {logF: false, logS: nil},
				"location /x":     {logF: true, logS: []string{"file:/var/log/nginx/access.log"}},
				// the server's own list replaces the http level's
				"b:80 (server)": {logF: true, logS: []string{"stdout", "syslog"}},
			}},
		{name: "default log", conf: `server { server_name a; }`,
			want: map[string]collectors.Facts{"(server)": {logF: true, logS: []string{"default"}}}},
	})
}

func TestFactCORS(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "star with credentials", conf: `server { server_name a; location /api {
			add_header Access-Control-Allow-Origin *; add_header Access-Control-Allow-Credentials true; } }`,
			want: map[string]collectors.Facts{"location /api": {corsR: false, corsW: true, corsO: []string{"*"}, corsC: true}}},
		{name: "reflection", conf: `server { server_name a; location /api { add_header 'Access-Control-Allow-Origin' "$http_origin" always; } }`,
			want: map[string]collectors.Facts{"location /api": {corsR: false, corsW: true, corsO: []string{"$http_origin"}, corsC: false}}},
		{name: "literal origin", conf: `server { server_name a; add_header Access-Control-Allow-Origin https://app.example.com; }`,
			want: map[string]collectors.Facts{"(server)": {corsR: true, corsW: false, corsO: []string{"https://app.example.com"}}}},
		{name: "none", conf: `server { server_name a; }`,
			want: map[string]collectors.Facts{"(server)": {corsR: true, corsW: nil, corsO: nil}}},
		{name: "guarded reflection", conf: `server { server_name a; location /api {
			if ($http_origin ~* "^https://(app|admin)\.example\.com$") { add_header Access-Control-Allow-Origin $http_origin; }
			proxy_pass http://b; } }`,
			want: map[string]collectors.Facts{"location /api": {corsR: true, corsW: false,
				corsO: []string{`^https://(app|admin)\.example\.com$`}}}},
		{name: "preflight if with star", conf: `server { server_name a; location /api {
			if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin "*"; return 204; }
			proxy_pass http://b; } }`,
			want: map[string]collectors.Facts{"location /api": {corsR: false, corsW: true}}},
		{name: "map keyed on origin", conf: `http {
			map $http_origin $cors_origin { default ""; "~^https://(www\.)?example\.com$" $http_origin; }
			map $http_origin $open { default $http_origin; }
			server { server_name a; location /m { add_header Access-Control-Allow-Origin $cors_origin; }
				location /o { add_header Access-Control-Allow-Origin $open; } } }`,
			want: map[string]collectors.Facts{
				"location /m": {corsR: true, corsW: false, corsO: []string{`~^https://(www\.)?example\.com$`}},
				"location /o": {corsR: false, corsW: true},
			}},
		{name: "unknown variable", conf: `server { server_name a; add_header Access-Control-Allow-Origin $origin_from_lua; }`,
			want: map[string]collectors.Facts{"(server)": {corsR: nil, corsW: nil, corsO: []string{"$origin_from_lua"}}}},
		{name: "headers-more", conf: `server { server_name a; more_set_headers 'Access-Control-Allow-Origin: *'; location /x { more_clear_headers Access-Control-*; } location /y { } }`,
			want: map[string]collectors.Facts{"location /x": {corsR: true, corsW: nil}, "location /y": {corsW: true}}},
	})
}

func TestFactSecurityHeaders(t *testing.T) {
	const base = `add_header X-Content-Type-Options nosniff always; add_header X-Frame-Options DENY always;
		add_header Strict-Transport-Security "max-age=63072000" always;`
	runFactCases(t, []factCase{
		// add_header in a location replaces every add_header of the server.
		{name: "replaced by an inner add_header", conf: `server { listen 443 ssl; server_name a; ` + base + `
			location /inherits { } location /replaces { add_header Cache-Control no-store; } }`,
			want: map[string]collectors.Facts{
				"location /inherits": {hdrF: true, hdrSet: []string{"strict-transport-security", "x-content-type-options", "x-frame-options"}},
				"location /replaces": {hdrF: false, hdrSet: nil},
			}},
		{name: "add_header_inherit merge", conf: `server { listen 443 ssl; server_name a; ` + base + `
			location /m { add_header_inherit merge; add_header Cache-Control no-store; } location /off { add_header_inherit off; } }`,
			want: map[string]collectors.Facts{"location /m": {hdrF: true}, "location /off": {hdrF: false}}},
		{name: "HSTS needed only with TLS", conf: `http {
			server { listen 80; server_name plain; add_header X-Content-Type-Options nosniff; add_header Content-Security-Policy "default-src 'none'"; }
			server { listen 443 ssl; server_name tls; add_header X-Content-Type-Options nosniff; add_header Content-Security-Policy "default-src 'none'"; } }`,
			want: map[string]collectors.Facts{"plain:80 (server)": {hdrF: true}, "tls:443 (server)": {hdrF: false}}},
		{name: "html-only map value does not count", conf: `http {
			map $sent_http_content_type $xfo { ~*text/html DENY; }
			server { listen 80; server_name a; add_header X-Content-Type-Options nosniff; add_header X-Frame-Options $xfo; } }`,
			want: map[string]collectors.Facts{"(server)": {hdrF: false, hdrSet: []string{"x-content-type-options"}}}},
		{name: "unknown variable", conf: `server { listen 80; server_name a; add_header X-Content-Type-Options nosniff; add_header X-Frame-Options $xfo; }`,
			want: map[string]collectors.Facts{"(server)": {hdrF: nil}}},
	})
}

func TestFactUpstream(t *testing.T) {
	runFactCases(t, []factCase{
		{name: "mtls upstream", conf: `http { proxy_ssl_certificate c.pem; proxy_ssl_certificate_key c.key;
			server { server_name a;
				location /mtls { proxy_pass https://backend; }
				location /plain { proxy_pass http://backend:8080; }
				location /var { proxy_pass $scheme://backend; }
				location /static { root /srv; }
				location /grpc { grpc_pass grpc://svc:50051; }
				location /nested { proxy_pass http://a; location /nested/inner { } }
			}
			server { server_name b; location /tls { proxy_pass https://backend; } } }`,
			want: map[string]collectors.Facts{
				"a:80 location /mtls":   {mtlsUp: true, upF: "https://backend"},
				"a:80 location /plain":  {mtlsUp: false, upF: "http://backend:8080"},
				"a:80 location /var":    {mtlsUp: nil, upF: "$scheme://backend"},
				"a:80 location /static": {mtlsUp: nil, upF: nil},
				"a:80 location /grpc":   {mtlsUp: false, upF: "grpc://svc:50051"},
				// content handlers are not inherited by nested locations
				"location /nested > location /nested/inner": {upF: nil},
				"b:80 location /tls":                        {mtlsUp: true}, // the certificate is inherited from http
			}},
		{name: "tls without client certificate", conf: `server { server_name a; location / { proxy_pass https://b; } }`,
			want: map[string]collectors.Facts{"location /": {mtlsUp: false}}},
	})
}

// Route matching rules: paths, hosts, API names.
func TestRoutes(t *testing.T) {
	res := parse(t, `http { server { listen 8080; server_name api.example.com .example.org ~^www\d+\.example\.net$ _;
		location = /exact { }
		location ^~ /static/ { }
		location ~ \.php$ { }
		location ~* ^/Admin { }
		location /prefix/ { location ~ /prefix/(?<id>[0-9]+)$ { } }
		location @fallback { }
	}
	server { listen 127.0.0.1:9000 default_server; server_name _; location / { } }
	server { listen unix:/run/x.sock; server_name .example.org "*.example.com"; } }`)
	type wantRoute struct {
		name string
		pm   collectors.PathMatch
	}
	for _, w := range []wantRoute{
		{"api.example.com:8080 location = /exact", collectors.PathMatch{Exact: "/exact"}},
		{"api.example.com:8080 location ^~ /static/", collectors.PathMatch{Prefix: "/static/"}},
		{`api.example.com:8080 location ~ \.php$`, collectors.PathMatch{Regex: `.*(?:\.php$)`}},
		{`api.example.com:8080 location ~* ^/Admin`, collectors.PathMatch{Regex: `(?i)^/Admin`}},
		{"api.example.com:8080 location /prefix/", collectors.PathMatch{Prefix: "/prefix/"}},
		{`api.example.com:8080 location /prefix/ > location ~ /prefix/(?<id>[0-9]+)$`, collectors.PathMatch{Regex: `.*(?:/prefix/(?<id>[0-9]+)$)`}},
		{"nginx.conf:9000 location /", collectors.PathMatch{Prefix: "/"}},
		{".example.org:unix (server)", collectors.PathMatch{Prefix: "/"}},
	} {
		r := route(t, res, w.name)
		if r.Route.Name != w.name || r.Route.Paths[0] != w.pm {
			t.Errorf("%s: %+v, want %+v", r.Route.Name, r.Route.Paths, w.pm)
		}
	}
	if len(res.Routes) != 8 {
		t.Errorf("%d routes, want 8 (the named location is not one)", len(res.Routes))
	}
	// The regex name makes the host set unknowable: any host.
	if h := route(t, res, "location = /exact").Route.Hosts; h != nil {
		t.Errorf("hosts = %q, want none (regex server_name)", h)
	}
	if h := route(t, res, ".example.org:unix (server)").Route.Hosts; len(h) != 3 || h[0] != "example.org" || h[1] != "*.example.org" || h[2] != "*.example.com" {
		t.Errorf("hosts = %q", h)
	}
	if r := route(t, res, "nginx.conf:9000 location /"); r.API != "nginx.conf:9000" || r.Location != "nginx.conf:9" {
		t.Errorf("default server: API %q location %q", r.API, r.Location)
	}
	// Case-insensitive regex really matches.
	if s := route(t, res, "location ~* ^/Admin").Route.Match("GET", "/admin/users", nil, nil); s == 0 {
		t.Error("(?i) regex does not match /admin/users")
	}
	if s := route(t, res, `location ~ \.php$`).Route.Match("GET", "/x/index.php", nil, nil); s == 0 {
		t.Error("unanchored nginx regex does not match mid-path")
	}
}

// Includes: relative to the including file, then to the root (nginx's
// prefix); globs; the included content takes part in inheritance.
func TestIncludes(t *testing.T) {
	res := parse(t, `http { include conf.d/*.conf; include missing.conf; }`,
		"conf.d/a.conf", `server { server_name a; include snippets/auth.conf; location /x { include ../snippets/auth.conf; } }`,
		"conf.d/b.conf", `server { server_name b; include headers.conf; }`,
		"conf.d/headers.conf", `add_header X-Content-Type-Options nosniff; add_header X-Frame-Options DENY;`,
		"conf.d/.hidden.conf", `server { server_name hidden; }`,
		"snippets/auth.conf", `auth_basic "x"; auth_basic_user_file /etc/htpasswd;`)
	if len(res.Servers) != 2 {
		t.Fatalf("servers %+v", res.Servers)
	}
	a := route(t, res, "a:80 location /x")
	want(t, a, collectors.Facts{authF: true})
	if len(a.Unresolved) != 1 || a.Unresolved[0].Pattern != "missing.conf" || !hasPlugin(a, "unresolved-include:missing.conf") {
		t.Errorf("unresolved = %+v", a.Unresolved)
	}
	if a.Location != `conf.d/a.conf:1; warning: unresolved include "missing.conf" at nginx.conf:1 (not found under the source root)` {
		t.Errorf("location %q", a.Location)
	}
	want(t, route(t, res, "b:80 (server)"), collectors.Facts{hdrSet: []string{"x-content-type-options", "x-frame-options"}})
}

// One included snippet in two servers: its location inherits from each.
func TestSharedSnippet(t *testing.T) {
	res := parse(t, `http {
		server { listen 80; server_name a; add_header X-Content-Type-Options nosniff; add_header X-Frame-Options DENY; include snippets/loc.conf; }
		server { listen 80; server_name b; include snippets/loc.conf; } }`,
		"snippets/loc.conf", "location /shared { proxy_pass http://up; }")
	want(t, route(t, res, "a:80 location /shared"), collectors.Facts{hdrF: true, hdrSet: []string{"x-content-type-options", "x-frame-options"}})
	want(t, route(t, res, "b:80 location /shared"), collectors.Facts{hdrF: false, hdrSet: nil})
	if r := route(t, res, "b:80 location /shared"); r.Location != "snippets/loc.conf:1" {
		t.Errorf("location %q", r.Location)
	}
}

// Many unresolved includes are listed up to a cap, then counted.
func TestUnresolvedCap(t *testing.T) {
	conf := "server { server_name a;"
	for i := 0; i < maxUnresolved+4; i++ {
		conf += " include missing" + string(rune('a'+i)) + ".conf;"
	}
	r := parse(t, conf+" }").Routes[0]
	if len(r.Unresolved) != maxUnresolved || !hasPlugin(r, "unresolved-include:(4 more)") ||
		!strings.HasSuffix(r.Location, "; warning: 4 more unresolved includes") {
		t.Errorf("unresolved %d, plugins %v, location %q", len(r.Unresolved), r.Facts[collectors.FactGatewayPlugins], r.Location)
	}
}
