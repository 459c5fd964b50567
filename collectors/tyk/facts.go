package tyk

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// FactUpstreamTLSMinVersion is the minimum TLS version the gateway accepts
// from the upstream (proxy.transport.ssl_min_version). The shared
// vocabulary's tls.min_version is about clients, so this Tyk setting gets
// a key of its own.
const FactUpstreamTLSMinVersion = "tls.upstream_min_version"

// tlsVersionNames maps crypto/tls version constants, which Tyk uses in
// ssl_min_version and tyk.conf's min_version, to version numbers.
var tlsVersionNames = map[int]string{769: "1.0", 770: "1.1", 771: "1.2", 772: "1.3"}

// rule is one endpoint entry of a version's (extended) paths.
type rule struct {
	kind       string // the extended_paths key: "white_list", "validate_json"...
	path       string
	methods    []string // upper case; empty = every method
	ignoreCase bool
	ptr        string // JSON pointer of the entry
	re         *regexp.Regexp
	size       int64   // size_limits
	timeout    int64   // hard_timeouts
	rate, per  float64 // rate_limit
	add        map[string]string
	del        []string
}

// version is one version of an API definition that requests can reach.
type version struct {
	key    string
	ptr    string
	info   versionInfo
	prefix string // "/v2" when the version is chosen by the first path segment
	rules  []rule
	byPath map[string][]int // rule indices by path string
	allow  bool             // a white list exists: what it does not list is refused
}

// Work limits for one API definition (see buildAPI).
const (
	maxEvaluations = 200_000   // endpoint routes x versions serving them
	maxRulePairs   = 2_000_000 // route evaluations x rules tested against them
)

// apiCtx holds what applies to every route of one API definition.
type apiCtx struct {
	def         *apiDefinition
	conf        *GatewayConfig
	base        collectors.Facts
	authz       []string // API-wide authorization mechanisms
	sessionAuth bool     // requests carry a Tyk session (key, token...)
	rateOff     bool     // disable_rate_limit
	perMinute   int64    // API-wide rate limit, 0 = none
	headers     map[string]string
	warnings    *[]string
	// samePathOnly limits rule matching to rules with the route's own
	// path string, when testing every rule would cost too much.
	samePathOnly bool
}

// buildAPI derives the routes of one definition and their facts.
func buildAPI(doc *document, ptr, format string, def *apiDefinition, conf *GatewayConfig, res *Result) error {
	ptrs := pointersFor(format, ptr)
	name := def.Name
	if name == "" {
		name = def.APIID
	}
	if name == "" {
		return doc.errorf(ptrs.info, "the API definition has neither a name nor an api_id")
	}
	where := ptr
	if where == "" {
		where = "/"
	}
	if def.Active != nil && !*def.Active {
		res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): inactive (active is false), the gateway does not serve it", name, where))
		return nil
	}
	if def.Internal {
		res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): internal, reachable only from other APIs (tyk://), not from clients", name, where))
		return nil
	}
	lp := def.Proxy.ListenPath
	if lp == "" {
		return doc.errorf(ptrs.listenPath, "no listen path: the gateway cannot route requests to this API")
	}
	if !strings.HasPrefix(lp, "/") {
		return doc.errorf(ptrs.listenPath, "listen path %q does not start with \"/\"", lp)
	}
	mode := conf.pathMode()
	versions, err := selectVersions(doc, ptrs, def, res)
	if err != nil {
		return err
	}
	for i := range versions {
		if err := collectRules(doc, &versions[i], mode, conf, res); err != nil {
			return err
		}
	}
	ctx := newAPICtx(def, conf, &res.Warnings)
	hosts := routeHosts(def, conf)
	apiID := def.APIID
	if apiID == "" {
		apiID = name
	}
	summary := API{Name: name, ID: def.APIID, Format: format, Pointer: ptr, ListenPath: lp}
	plugins := map[string]bool{}
	emit := func(route collectors.Route, loc string, facts collectors.Facts) error {
		if err := collectors.ValidateRoute(route); err != nil {
			return doc.errorf(loc, "%v", err)
		}
		for _, p := range listFact(facts, collectors.FactGatewayPlugins) {
			plugins[p] = true
		}
		res.Evidence = append(res.Evidence, collectors.Evidence{API: name, Artifact: res.Artifact,
			Location: loc, Facts: facts, Route: &route})
		summary.Routes++
		return nil
	}

	// The API route: every request under the listen path.
	states := make([]versionState, len(versions))
	for i := range versions {
		states[i] = ctx.version(&versions[i])
	}
	var all []collectors.Facts
	for i := range versions {
		f := cloneFacts(states[i].f)
		if versions[i].allow {
			// Requests that no white_list entry matches are refused.
			addAuthz(f, "allow-list")
		}
		all = append(all, f)
	}
	route := collectors.Route{Name: apiID, Hosts: hosts, Paths: []collectors.PathMatch{listenPathMatch(lp)}}
	if err := emit(route, ptrs.listenPath, combine(all)); err != nil {
		return err
	}

	// Endpoint routes: one per path (and method) listed under the
	// version's paths, with the API's settings plus every endpoint rule
	// that matches it.
	type pathRoute struct {
		key routeKey
		ptr string
	}
	seen := map[routeKey]bool{}
	var routes []pathRoute
	for _, v := range versions {
		for _, r := range v.rules {
			ms := r.methods
			if len(ms) == 0 {
				ms = []string{""}
			}
			for _, m := range ms {
				k := routeKey{prefix: v.prefix, path: r.path, method: m, ignoreCase: r.ignoreCase}
				if !seen[k] {
					seen[k] = true
					routes = append(routes, pathRoute{k, r.ptr})
				}
			}
		}
	}
	sort.SliceStable(routes, func(i, j int) bool {
		a, b := routes[i].key, routes[j].key
		if a.prefix != b.prefix {
			return a.prefix < b.prefix
		}
		if a.path != b.path {
			return a.path < b.path
		}
		return a.method < b.method
	})
	// Bound the work: every endpoint route is evaluated in every version
	// that serves it, against that version's rules.
	evals, pairs := 0, 0
	for _, pr := range routes {
		for i := range versions {
			if versions[i].prefix == pr.key.prefix {
				evals++
				pairs += len(versions[i].rules)
			}
		}
	}
	if evals > maxEvaluations {
		return doc.errorf(ptrs.versions, "%d endpoint routes across %d versions: evaluating them takes %d steps, over the limit of %d",
			len(routes), len(versions), evals, maxEvaluations)
	}
	if pairs > maxRulePairs {
		ctx.samePathOnly = true
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %d endpoint rules: only rules with the same path string are combined on a route (over %d route/rule pairs)",
			name, pairs/max(evals, 1), maxRulePairs))
	}
	for _, pr := range routes {
		var fs []collectors.Facts
		for i := range versions {
			if versions[i].prefix != pr.key.prefix {
				continue
			}
			fs = append(fs, ctx.routeFacts(&versions[i], states[i], pr.key))
		}
		route := collectors.Route{Name: routeName(apiID, pr.key), Hosts: hosts,
			Paths: []collectors.PathMatch{publicMatch(lp, pr.key.prefix, pr.key.path, mode, pr.key.ignoreCase)}}
		if pr.key.method != "" {
			route.Methods = []string{pr.key.method}
		}
		if err := emit(route, pr.ptr, combine(fs)); err != nil {
			return err
		}
	}
	summary.Plugins = sortedKeys(plugins)
	res.APIs = append(res.APIs, summary)
	return nil
}

type routeKey struct {
	prefix, path, method string
	ignoreCase           bool
}

func routeName(id string, k routeKey) string {
	m := k.method
	if m == "" {
		m = "*"
	}
	return id + " " + m + " " + k.prefix + k.path
}

// pointers are where a format keeps the settings errors point at.
type pointers struct {
	info, listenPath, versions string
	oas                        bool
}

func pointersFor(format, ptr string) pointers {
	if format == "oas" {
		x := ptr + "/x-tyk-api-gateway"
		return pointers{info: x + "/info", listenPath: x + "/server/listenPath/value", versions: x, oas: true}
	}
	return pointers{info: ptr, listenPath: ptr + "/proxy/listen_path", versions: ptr + "/version_data/versions"}
}

// selectVersions returns the versions requests can reach, as the gateway
// picks them (APISpec.Version): with not_versioned, the only version, else
// the one named "Default", "default" or ""; otherwise every version (the
// request chooses by header, query parameter or first path segment).
// Version expiry dates are not applied: they depend on when the gateway
// runs, and Parse is a pure function of the file.
func selectVersions(doc *document, ptrs pointers, def *apiDefinition, res *Result) ([]version, error) {
	vd := def.VersionData
	vptr := func(k string) string {
		if ptrs.oas {
			return ptrs.versions
		}
		return ptrs.versions + "/" + escapePointer(k)
	}
	keys := make([]string, 0, len(vd.Versions))
	for k := range vd.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no version_data.versions; read as one version without endpoint rules", ptrs.versions))
		return []version{{ptr: ptrs.versions}}, nil
	}
	if vd.NotVersioned {
		pick := ""
		if len(keys) == 1 {
			pick = keys[0]
		} else {
			found := false
			for _, k := range []string{"Default", "default", ""} {
				if _, ok := vd.Versions[k]; ok {
					pick, found = k, true
					break
				}
			}
			if !found {
				return nil, doc.errorf(ptrs.versions, "not_versioned is true but none of the %d versions is named \"Default\": the gateway cannot choose one", len(keys))
			}
		}
		return []version{{key: pick, ptr: vptr(pick), info: vd.Versions[pick]}}, nil
	}
	byURL := strings.EqualFold(def.Definition.Location, "url")
	out := make([]version, 0, len(keys))
	for _, k := range keys {
		v := version{key: k, ptr: vptr(k), info: vd.Versions[k]}
		if byURL {
			v.prefix = "/" + k
		}
		out = append(out, v)
	}
	return out, nil
}

// collectRules compiles a version's endpoint entries. Disabled entries are
// left out, as the gateway leaves them out.
func collectRules(doc *document, v *version, mode pathMode, conf *GatewayConfig, res *Result) error {
	info := &v.info
	globalIC := info.IgnoreEndpointCase || (conf != nil && conf.IgnoreEndpointCase)
	add := func(kind, list string, i int, pm pathMeta, methods []string, fill func(*rule)) error {
		if pm.Disabled {
			return nil
		}
		ptr, pathPtr := pm.src, pm.src
		if ptr == "" {
			ptr = fmt.Sprintf("%s/%s/%d", v.ptr, list, i)
			pathPtr = ptr + "/path"
		}
		ic := pm.IgnoreCase || globalIC
		re, err := regexp.Compile(prepared(pm.Path, mode, ic))
		if err != nil {
			return doc.errorf(pathPtr, "path %q is not a regular expression the gateway can compile: %v", pm.Path, reErr(err))
		}
		if len(methods) == 0 && pm.Method != "" {
			methods = []string{strings.ToUpper(pm.Method)}
		}
		r := rule{kind: kind, path: pm.Path, methods: methods, ignoreCase: ic, ptr: ptr, re: re}
		if fill != nil {
			fill(&r)
		}
		route := collectors.Route{Paths: []collectors.PathMatch{publicMatch("/", v.prefix, pm.Path, mode, ic)}}
		if err := collectors.ValidateRoute(route); err != nil {
			return doc.errorf(pathPtr, "path %q: %v", pm.Path, err)
		}
		if v.byPath == nil {
			v.byPath = map[string][]int{}
		}
		v.byPath[r.path] = append(v.byPath[r.path], len(v.rules))
		v.rules = append(v.rules, r)
		if kind == "white_list" {
			v.allow = true
		}
		return nil
	}
	ep := &info.ExtendedPaths
	if !info.UseExtendedPaths {
		if n := ep.count(); n > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %d extended_paths entries ignored because use_extended_paths is false (the gateway then reads only the legacy \"paths\" lists)", v.ptr, n))
		}
		legacy := []struct {
			kind string
			list []string
		}{{"ignored", info.Paths.Ignored}, {"black_list", info.Paths.BlackList}, {"white_list", info.Paths.WhiteList}}
		for _, l := range legacy {
			for i, p := range l.list {
				if err := add(l.kind, "paths/"+l.kind, i, pathMeta{Path: p}, nil, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	x := "extended_paths/"
	lists := []struct {
		kind string
		list []endpointMeta
	}{{"ignored", ep.Ignored}, {"black_list", ep.BlackList}, {"white_list", ep.WhiteList}}
	for _, l := range lists {
		for i, e := range l.list {
			var ms []string
			for m := range e.MethodActions {
				ms = append(ms, strings.ToUpper(m))
			}
			if e.Method != "" {
				ms = append(ms, strings.ToUpper(e.Method))
			}
			slices.Sort(ms)
			ms = slices.Compact(ms)
			reply := false
			for _, a := range e.MethodActions {
				reply = reply || a.Action == "reply"
			}
			var fill func(*rule)
			if reply {
				fill = func(r *rule) { r.add = map[string]string{"mock_reply": ""} }
			}
			if err := add(l.kind, x+l.kind, i, e.pathMeta, ms, fill); err != nil {
				return err
			}
		}
	}
	simple := []struct {
		kind string
		list []pathMeta
	}{
		{"internal", ep.Internal}, {"validate_json", ep.ValidateJSON},
		{"do_not_track_endpoints", ep.DoNotTrackEndpoints}, {"track_endpoints", ep.TrackEndpoints},
		{"transform", ep.Transform}, {"transform_response", ep.TransformResponse},
		{"transform_jq", ep.TransformJQ}, {"transform_jq_response", ep.TransformJQResponse},
		{"url_rewrites", ep.URLRewrite}, {"virtual", ep.Virtual}, {"mock_response", ep.MockResponse},
		{"method_transforms", ep.MethodTransforms}, {"circuit_breakers", ep.CircuitBreaker},
		{"advance_cache_config", ep.AdvanceCacheConfig}, {"go_plugin", ep.GoPlugin},
		{"persist_graphql", ep.PersistGraphQL},
	}
	for _, l := range simple {
		for i, pm := range l.list {
			if err := add(l.kind, x+l.kind, i, pm, nil, nil); err != nil {
				return err
			}
		}
	}
	for i, c := range ep.Cached {
		if err := add("cache", x+"cache", i, pathMeta{Path: c}, nil, nil); err != nil {
			return err
		}
	}
	for i, vr := range ep.ValidateRequest {
		if err := add("validate_request", x+"validate_request", i, pathMeta{Disabled: !vr.Enabled, Path: vr.Path, Method: vr.Method, src: vr.src}, nil, nil); err != nil {
			return err
		}
	}
	for i, s := range ep.SizeLimit {
		if err := add("size_limits", x+"size_limits", i, s.pathMeta, nil, func(r *rule) { r.size = s.SizeLimit }); err != nil {
			return err
		}
	}
	for i, h := range ep.HardTimeouts {
		if err := add("hard_timeouts", x+"hard_timeouts", i, h.pathMeta, nil, func(r *rule) { r.timeout = h.TimeOut }); err != nil {
			return err
		}
	}
	for i, rl := range ep.RateLimit {
		if err := add("rate_limit", x+"rate_limit", i, rl.pathMeta, nil, func(r *rule) { r.rate, r.per = rl.Rate, rl.Per }); err != nil {
			return err
		}
	}
	for i, h := range ep.TransformResponseHeaders {
		if err := add("transform_response_headers", x+"transform_response_headers", i, h.pathMeta, nil,
			func(r *rule) { r.add, r.del = h.AddHeaders, h.DeleteHeaders }); err != nil {
			return err
		}
	}
	for i, h := range ep.TransformHeaders {
		if err := add("transform_headers", x+"transform_headers", i, h.pathMeta, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

func (ep *extendedPaths) count() int {
	return len(ep.Ignored) + len(ep.WhiteList) + len(ep.BlackList) + len(ep.Internal) + len(ep.ValidateJSON) +
		len(ep.ValidateRequest) + len(ep.SizeLimit) + len(ep.HardTimeouts) + len(ep.RateLimit) +
		len(ep.DoNotTrackEndpoints) + len(ep.TrackEndpoints) + len(ep.TransformResponseHeaders) +
		len(ep.TransformHeaders) + len(ep.Transform) + len(ep.TransformResponse) + len(ep.TransformJQ) +
		len(ep.TransformJQResponse) + len(ep.URLRewrite) + len(ep.Virtual) + len(ep.MockResponse) +
		len(ep.MethodTransforms) + len(ep.CircuitBreaker) + len(ep.AdvanceCacheConfig) + len(ep.GoPlugin) +
		len(ep.PersistGraphQL) + len(ep.Cached)
}

func reErr(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// authMechanisms lists the authentication the gateway chains for the API
// (api_loader.go processSpec): with use_keyless nothing but static mTLS;
// otherwise every enabled method is added and all must pass, and the auth
// token check is added when use_standard_auth is set or when nothing else
// is (a definition that is not keyless and names no method gets token
// auth). base_identity_provided_by only chooses whose session is kept.
func authMechanisms(def *apiDefinition) (mechs, plugins []string) {
	if def.UseMutualTLSAuth {
		mechs = append(mechs, "mtls")
		plugins = append(plugins, "mutual_tls")
	}
	if def.UseKeyless {
		return mechs, plugins
	}
	n := 0
	on := func(m, p string) {
		mechs = append(mechs, m)
		plugins = append(plugins, p)
		n++
	}
	if def.UseOauth2 {
		on("oauth2", "oauth2")
	}
	if def.ExternalOAuth.Enabled {
		on("oauth2", "external_oauth")
	}
	if def.UseBasicAuth {
		on("basic-auth", "basic_auth")
	}
	if def.EnableSignatureChecking {
		on("hmac", "hmac")
	}
	if def.EnableJWT {
		on("jwt", "jwt")
	}
	if def.UseOpenID {
		on("oidc", "openid")
	}
	driver := strings.ToLower(def.CustomMiddleware.Driver)
	goPlugin := def.UseGoPluginAuth || (def.CustomPluginAuthEnabled && driver == "goplugin")
	coprocess := (def.EnableCoProcessAuth || def.CustomPluginAuthEnabled) && driver != "goplugin"
	if (goPlugin || coprocess) && !def.CustomMiddleware.AuthCheck.Disabled {
		p := "custom_auth"
		if driver != "" {
			p += ":" + driver
		}
		if def.CustomMiddleware.AuthCheck.Name != "" {
			p += ":" + def.CustomMiddleware.AuthCheck.Name
		}
		on("custom", p)
	}
	if def.UseStandardAuth || n == 0 {
		on("key-auth", "auth_token")
		if def.Auth.UseCertificate || def.AuthConfigs["authToken"].UseCertificate {
			mechs = append(mechs, "mtls") // the client certificate is the key
		}
	}
	if strings.EqualFold(def.AuthProvider.StorageEngine, "ldap") {
		mechs = append(mechs, "ldap")
	}
	return sortedUnique(mechs), plugins
}

// jwtAlgorithms are the algorithms the JWT middleware accepts for a
// signing method (mw_jwt.go assertSigningMethod): "rsa" takes RSA and
// RSA-PSS, "ecdsa" ECDSA, and "hmac", empty or anything else HMAC.
func jwtAlgorithms(method string) []string {
	switch strings.ToLower(method) {
	case "rsa":
		return []string{"PS256", "PS384", "PS512", "RS256", "RS384", "RS512"}
	case "ecdsa":
		return []string{"ES256", "ES384", "ES512"}
	}
	return []string{"HS256", "HS384", "HS512"}
}

func newAPICtx(def *apiDefinition, conf *GatewayConfig, warnings *[]string) *apiCtx {
	c := &apiCtx{def: def, conf: conf, warnings: warnings, sessionAuth: !def.UseKeyless}
	f := collectors.Facts{}
	var plugins []string

	// Authentication.
	mechs, authPlugins := authMechanisms(def)
	plugins = append(plugins, authPlugins...)
	f[collectors.FactAuthEnforced] = len(mechs) > 0
	if len(mechs) > 0 {
		f[collectors.FactAuthMechanisms] = mechs
	}
	if def.EnableJWT && !def.UseKeyless {
		f[collectors.FactJWTAlgorithms] = jwtAlgorithms(def.JWTSigningMethod)
		// timeValidateJWTClaims checks exp, iat and nbf when present;
		// Tyk OAS adds issuer, audience, subject and jti checks.
		claims := []string{"exp", "iat", "nbf"}
		if def.oas != nil {
			claims = append(claims, def.oas.jwtClaims...)
		}
		f[collectors.FactJWTClaimsVerified] = sortedUnique(claims)
	}

	// Authorization decided by the definition itself. Per-key access
	// rights and policies (which APIs and paths a key may call) live in
	// keys and policies, not here.
	if def.EnableIPWhitelisting && len(def.AllowedIPs) > 0 {
		c.authz = append(c.authz, "ip-restriction")
		plugins = append(plugins, "ip_whitelist")
	}
	if def.EnableIPBlacklisting && len(def.BlacklistedIPs) > 0 {
		c.authz = append(c.authz, "ip-restriction")
		plugins = append(plugins, "ip_blacklist")
	}
	if !def.UseKeyless && ((def.EnableJWT && (len(def.JWTScopeToPolicyMapping) > 0 || len(def.Scopes.JWT.ScopeToPolicy) > 0)) ||
		(def.UseOpenID && len(def.Scopes.OIDC.ScopeToPolicy) > 0)) {
		c.authz = append(c.authz, "scopes")
	}
	setAuthz(f, c.authz, c.sessionAuth)

	// Validation: Tyk validates requests only where validate_json /
	// validate_request list them (endpoint routes), and GraphQL APIs
	// against their schema.
	f[collectors.FactValidationEnforced] = def.GraphQL.Enabled
	if def.GraphQL.Enabled {
		plugins = append(plugins, "graphql")
	}
	f[collectors.FactResponseValidated] = false

	// Rate limiting.
	c.rateOff = def.DisableRateLimit
	if gl := def.GlobalRateLimit; !gl.Disabled && gl.Rate > 0 && gl.Per > 0 {
		c.perMinute = perMinute(gl.Rate, gl.Per)
		if !c.rateOff {
			plugins = append(plugins, "global_rate_limit")
		}
	}
	c.setRate(f, c.perMinute, c.sessionAuth)

	// Timeouts: the gateway-wide default from tyk.conf.
	if conf != nil && conf.ProxyDefaultTimeout > 0 {
		f[collectors.FactTimeoutConfigured] = true
		f[collectors.FactTimeoutSeconds] = conf.ProxyDefaultTimeout
	}

	// Logging: analytics records, unless do_not_track.
	switch {
	case def.DoNotTrack:
		f[collectors.FactLoggingEnabled] = false
	case conf != nil:
		var sinks []string
		if conf.EnableAnalytics {
			sinks = append(sinks, "analytics")
		}
		if conf.AccessLogs.Enabled {
			sinks = append(sinks, "gateway-log")
		}
		f[collectors.FactLoggingEnabled] = len(sinks) > 0
		if len(sinks) > 0 {
			f[collectors.FactLoggingSinks] = sinks
		}
	}
	if def.EnableDetailedRecording {
		plugins = append(plugins, "detailed_recording")
	}
	if def.AnalyticsPlugin.Enable {
		plugins = append(plugins, "analytics_plugin")
	}

	// CORS (rs/cors): an empty allowed_origins list allows every origin.
	if !def.CORS.Enable {
		f[collectors.FactCORSRestricted] = true
		f[collectors.FactCORSWildcard] = false
	} else {
		plugins = append(plugins, "cors")
		origins := def.CORS.AllowedOrigins
		wild := len(origins) == 0
		for _, o := range origins {
			wild = wild || anyOrigin(o)
		}
		if len(origins) == 0 {
			origins = []string{"*"}
		}
		f[collectors.FactCORSOrigins] = slices.Clone(origins)
		f[collectors.FactCORSWildcard] = wild
		f[collectors.FactCORSCredentials] = def.CORS.AllowCredentials
		f[collectors.FactCORSRestricted] = !wild
	}

	// TLS towards clients.
	if tls, ok := clientTLS(def, conf); ok {
		f[collectors.FactTLSEnforced] = tls
		if tls && conf != nil {
			if v, ok := tlsVersionNames[conf.HTTPServerOptions.MinVersion]; ok {
				f[collectors.FactTLSMinVersion] = v
			}
		}
	}

	// Upstream.
	targets := []string{def.Proxy.TargetURL}
	if def.Proxy.EnableLoadBalancing && len(def.Proxy.TargetList) > 0 {
		targets = def.Proxy.TargetList
	}
	c.upstreamFacts(f, targets)

	f[collectors.FactEnforcementMode] = true

	// Everything else the API runs.
	cm := def.CustomMiddleware
	for _, l := range []struct {
		stage string
		list  []middlewareDefinition
	}{{"pre", cm.Pre}, {"post_key_auth", cm.PostKeyAuth}, {"post", cm.Post}, {"response", cm.Response}} {
		for _, m := range l.list {
			if !m.Disabled {
				plugins = append(plugins, "custom_"+l.stage+":"+m.Name)
			}
		}
	}
	c.headers = map[string]string{}
	for _, rp := range def.ResponseProcessors {
		plugins = append(plugins, "response_processor:"+rp.Name)
		if rp.Name == "header_injector" && len(rp.Options) > 0 {
			var o struct {
				AddHeaders map[string]string `json:"add_headers"`
			}
			if err := json.Unmarshal(rp.Options, &o); err != nil {
				*warnings = append(*warnings, fmt.Sprintf("%s: header_injector options unreadable: %v", def.Name, err))
			}
			for k, v := range o.AddHeaders {
				c.headers[k] = v
			}
		}
	}
	if def.CacheOptions.EnableCache {
		plugins = append(plugins, "cache")
	}
	if def.EnableBatchRequestSupport {
		plugins = append(plugins, "batch_requests")
	}
	setList(f, collectors.FactGatewayPlugins, plugins)
	c.base = f
	return c
}

// perMinute normalises rate per `per` seconds to a per-minute figure,
// rounding up so a slow limit (1 per hour) is not reported as none.
func perMinute(rate, per float64) int64 {
	v := math.Ceil(rate * 60 / per)
	if v >= 1e15 || v != v {
		return 1e15
	}
	if v < 1 {
		return 1
	}
	return int64(v)
}

// setRate sets the rate limit facts: disable_rate_limit switches off both
// the API limiter and the per-key limiter; an API or endpoint limit is
// known; without one, keys and policies carry the limit (unknown here)
// unless no session applies (keyless, or an ignored path), when no limit
// applies at all.
func (c *apiCtx) setRate(f collectors.Facts, pm int64, session bool) {
	delete(f, collectors.FactRateLimitPerMinute)
	switch {
	case c.rateOff:
		f[collectors.FactRateLimitEnabled] = false
	case pm > 0:
		f[collectors.FactRateLimitEnabled] = true
		f[collectors.FactRateLimitPerMinute] = pm
	case !session:
		f[collectors.FactRateLimitEnabled] = false
	default:
		delete(f, collectors.FactRateLimitEnabled)
	}
}

func setAuthz(f collectors.Facts, mechs []string, session bool) {
	delete(f, collectors.FactAuthzMechanisms)
	switch {
	case len(mechs) > 0:
		f[collectors.FactAuthzEnforced] = true
		f[collectors.FactAuthzMechanisms] = sortedUnique(mechs)
	case !session:
		f[collectors.FactAuthzEnforced] = false
	default:
		delete(f, collectors.FactAuthzEnforced)
	}
}

func addAuthz(f collectors.Facts, mech string) {
	f[collectors.FactAuthzEnforced] = true
	f[collectors.FactAuthzMechanisms] = sortedUnique(append(listFact(f, collectors.FactAuthzMechanisms), mech))
}

// anyOrigin tells whether a CORS origin pattern admits any origin: "*",
// or a scheme followed only by a wildcard ("https://*").
func anyOrigin(o string) bool {
	o = strings.TrimSpace(o)
	if o == "*" {
		return true
	}
	if strings.Count(o, "*") == 1 && strings.HasSuffix(o, "*") {
		rest := strings.TrimSuffix(o, "*")
		return rest == "" || rest == "http://" || rest == "https://"
	}
	return false
}

// clientTLS tells whether clients must use TLS: an API with a port of its
// own says so by its protocol; otherwise the gateway's main listener does
// (tyk.conf http_server_options.use_ssl). Unknown without tyk.conf.
func clientTLS(def *apiDefinition, conf *GatewayConfig) (tls, known bool) {
	if def.ListenPort > 0 && def.Protocol != "" {
		switch strings.ToLower(def.Protocol) {
		case "https", "tls":
			return true, true
		case "http", "h2c", "tcp":
			return false, true
		}
	}
	if conf != nil {
		return conf.HTTPServerOptions.UseSSL, true
	}
	return false, false
}

// upstreamFacts sets gateway.upstream, mtls.upstream and the upstream TLS
// version.
func (c *apiCtx) upstreamFacts(f collectors.Facts, targets []string) {
	def := c.def
	var kept []string
	allPlain, anyTLS := true, false
	var hosts []string
	for _, t := range targets {
		if t == "" {
			continue
		}
		kept = append(kept, t)
		u, err := url.Parse(t)
		if err != nil || u.Scheme == "" {
			allPlain = false
			continue
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "wss", "tls":
			anyTLS, allPlain = true, false
			hosts = append(hosts, u.Hostname())
		case "http", "ws", "tcp", "h2c":
		default:
			allPlain = false
		}
	}
	if len(kept) == 0 {
		return
	}
	f[collectors.FactUpstream] = strings.Join(kept, " ")
	switch {
	case allPlain:
		f[collectors.FactMTLSUpstream] = false
	case anyTLS:
		certs := def.UpstreamCertificates
		if def.UpstreamCertificatesDisabled {
			certs = nil
		}
		all := len(hosts) > 0
		for _, h := range hosts {
			ok := certFor(certs, h)
			if !ok && c.conf != nil {
				ok = certFor(c.conf.Security.Certificates.Upstream, h)
			}
			all = all && ok
		}
		if all {
			f[collectors.FactMTLSUpstream] = true
		} else if c.conf != nil {
			f[collectors.FactMTLSUpstream] = false
		}
		if v := def.Proxy.Transport.SSLMinVersion; v != 0 {
			if name, ok := tlsVersionNames[v]; ok {
				f[FactUpstreamTLSMinVersion] = name
			} else {
				*c.warnings = append(*c.warnings, fmt.Sprintf("%s: proxy.transport.ssl_min_version %d is not a TLS version constant (769-772)", def.Name, v))
			}
		}
	}
}

// certFor tells whether an upstream certificate map (domain -> cert id)
// has a client certificate for host: "*", the host itself (with or
// without port) or a "*.domain" wildcard.
func certFor(certs map[string]string, host string) bool {
	for d := range certs {
		if h, _, err := net.SplitHostPort(d); err == nil {
			d = h
		}
		if d == "*" || strings.EqualFold(d, host) {
			return true
		}
		if strings.HasPrefix(d, "*.") && strings.HasSuffix(strings.ToLower(host), strings.ToLower(d[1:])) {
			return true
		}
	}
	return false
}

// routeHosts are the hosts an API answers on: its custom domain, which the
// gateway honours only with enable_custom_domains (assumed when tyk.conf is
// not given). A leading "{sub}." template becomes "*."; other templates
// cannot be described and leave the route host-less.
func routeHosts(def *apiDefinition, conf *GatewayConfig) []string {
	d := strings.TrimSpace(def.Domain)
	if d == "" || def.DomainDisabled || (conf != nil && !conf.EnableCustomDomains) {
		return nil
	}
	if isMuxTemplate(d) {
		loc := muxParam.FindStringIndex(d)
		if loc == nil || loc[0] != 0 {
			return nil
		}
		rest := d[loc[1]:]
		if !strings.HasPrefix(rest, ".") || strings.ContainsAny(rest, "{}") {
			return nil
		}
		d = "*" + rest
	}
	if h, _, err := net.SplitHostPort(d); err == nil {
		d = h
	}
	return []string{strings.ToLower(d)}
}

// securityHeaders are the response headers headers.security looks for;
// otherHeaders are reported in headers.set too.
var (
	securityHeaders = []string{"content-security-policy", "strict-transport-security", "x-content-type-options", "x-frame-options"}
	otherHeaders    = []string{"cross-origin-embedder-policy", "cross-origin-opener-policy", "cross-origin-resource-policy",
		"permissions-policy", "referrer-policy", "x-xss-protection"}
)

func setHeaders(f collectors.Facts, hdrs map[string]bool) {
	var set []string
	sec := false
	for _, h := range securityHeaders {
		if hdrs[h] {
			set = append(set, h)
			sec = true
		}
	}
	for _, h := range otherHeaders {
		if hdrs[h] {
			set = append(set, h)
		}
	}
	f[collectors.FactSecurityHeaders] = sec
	delete(f, collectors.FactHeadersSet)
	if len(set) > 0 {
		sort.Strings(set)
		f[collectors.FactHeadersSet] = set
	}
}

// versionState is what a version adds to the API-wide settings: the facts
// of the requests it serves that no endpoint rule singles out.
type versionState struct {
	f       collectors.Facts
	headers map[string]bool
	sizes   []int64
}

func (c *apiCtx) version(v *version) versionState {
	f := cloneFacts(c.base)
	info := &v.info
	var plugins []string
	hdrs := map[string]bool{}
	for k, val := range c.headers {
		if val != "" {
			hdrs[strings.ToLower(k)] = true
		}
	}
	if !info.GlobalResponseHeadersDisabled && len(info.GlobalResponseHeaders) > 0 {
		plugins = append(plugins, "global_response_headers")
		for k, val := range info.GlobalResponseHeaders {
			if val != "" {
				hdrs[strings.ToLower(k)] = true
			}
		}
	}
	if !info.GlobalHeadersDisabled && len(info.GlobalHeaders) > 0 {
		plugins = append(plugins, "global_headers")
	}
	var sizes []int64
	if info.GlobalSizeLimit > 0 && !info.GlobalSizeLimitDisabled {
		sizes = append(sizes, info.GlobalSizeLimit)
		plugins = append(plugins, "global_size_limit")
	}
	if c.conf != nil && c.conf.HTTPServerOptions.MaxRequestBodySize > 0 {
		sizes = append(sizes, c.conf.HTTPServerOptions.MaxRequestBodySize)
	}
	setSizes(f, sizes)
	setHeaders(f, hdrs)
	if info.OverrideTarget != "" {
		c.upstreamFacts(f, []string{info.OverrideTarget})
	}
	setList(f, collectors.FactGatewayPlugins, append(listFact(f, collectors.FactGatewayPlugins), plugins...))
	return versionState{f: f, headers: hdrs, sizes: sizes}
}

// setSizes: the tightest of the limits that apply (the gateway checks the
// global limit and then the endpoint's, so the smaller wins). No limit in
// the definition leaves the fact unknown without tyk.conf, which may set
// http_server_options.max_request_body_size for every API.
func setSizes(f collectors.Facts, sizes []int64) {
	delete(f, collectors.FactBodySizeMaxBytes)
	if len(sizes) == 0 {
		delete(f, collectors.FactBodySizeLimited)
		return
	}
	f[collectors.FactBodySizeLimited] = true
	f[collectors.FactBodySizeMaxBytes] = slices.Min(sizes)
}

// routeFacts are the facts of the requests one endpoint route matches in
// one version. Precedence follows the gateway:
//
//   - ignored, black_list and white_list (and internal) are checked in
//     that order and the first entry matching the path and method decides
//     (URLAllowedAndIgnored): ignored skips authentication and the per-key
//     rate limiter (the API rate limit still applies), black_list and
//     internal refuse the request, and when a white list exists anything it
//     does not match is refused;
//   - validate_json / validate_request add schema validation;
//   - the first matching size_limits entry adds its limit to the global
//     one (both are checked, the smaller wins);
//   - the first matching hard_timeouts entry sets the upstream timeout;
//   - the first matching rate_limit entry replaces the API rate limit for
//     the endpoint (RateLimitForAPI.getSession);
//   - do_not_track_endpoints switches analytics off for the endpoint;
//   - transform_response_headers adds or removes response headers.
func (c *apiCtx) routeFacts(v *version, vs versionState, k routeKey) collectors.Facts {
	f := cloneFacts(vs.f)
	rules := v.rules
	if c.samePathOnly {
		rules = nil
		for _, i := range v.byPath[k.path] {
			rules = append(rules, v.rules[i])
		}
	}
	smp, sampleable := sample(k.path)
	applies := func(r *rule) bool {
		if len(r.methods) > 0 && (k.method == "" || !slices.Contains(r.methods, k.method)) {
			return false
		}
		if r.path == k.path {
			return true
		}
		return sampleable && r.re.MatchString(smp)
	}
	var plugins []string
	status := ""
	for _, kind := range []string{"ignored", "black_list", "white_list", "internal"} {
		for i := range rules {
			if r := &rules[i]; r.kind == kind && applies(r) {
				status = kind
				break
			}
		}
		if status != "" {
			break
		}
	}
	if status == "" && v.allow {
		status = "not_white_listed"
	}
	session := c.sessionAuth
	switch status {
	case "ignored":
		session = false
		f[collectors.FactAuthEnforced] = false
		delete(f, collectors.FactAuthMechanisms)
		delete(f, collectors.FactJWTAlgorithms)
		delete(f, collectors.FactJWTClaimsVerified)
		var keep []string
		for _, m := range c.authz {
			if m != "scopes" {
				keep = append(keep, m)
			}
		}
		setAuthz(f, keep, false)
	case "black_list":
		addAuthz(f, "deny-list")
	case "internal":
		addAuthz(f, "internal-only")
	case "not_white_listed":
		addAuthz(f, "allow-list")
	}

	pm := c.perMinute
	sizes := vs.sizes
	hdrs := vs.headers
	sizeSet, timeoutSet, rateSet, hdrsCloned := false, false, false, false
	for i := range rules {
		r := &rules[i]
		if !applies(r) {
			continue
		}
		plugins = append(plugins, r.kind)
		switch r.kind {
		case "white_list", "black_list", "ignored":
			if _, ok := r.add["mock_reply"]; ok {
				plugins = append(plugins, "mock_reply")
			}
		case "validate_json", "validate_request":
			f[collectors.FactValidationEnforced] = true
		case "size_limits":
			if !sizeSet && r.size > 0 {
				sizeSet = true
				sizes = append(slices.Clone(sizes), r.size)
			}
		case "hard_timeouts":
			if !timeoutSet && r.timeout > 0 {
				timeoutSet = true
				f[collectors.FactTimeoutConfigured] = true
				f[collectors.FactTimeoutSeconds] = r.timeout
			}
		case "rate_limit":
			if !rateSet && r.rate > 0 && r.per > 0 {
				rateSet = true
				pm = perMinute(r.rate, r.per)
			}
		case "do_not_track_endpoints":
			f[collectors.FactLoggingEnabled] = false
			delete(f, collectors.FactLoggingSinks)
		case "transform_response_headers":
			if !hdrsCloned {
				hdrs, hdrsCloned = cloneSet(vs.headers), true
			}
			for h, val := range r.add {
				if val != "" {
					hdrs[strings.ToLower(h)] = true
				}
			}
			for _, h := range r.del {
				delete(hdrs, strings.ToLower(h))
			}
		}
	}
	c.setRate(f, pm, session)
	setSizes(f, sizes)
	setHeaders(f, hdrs)
	setList(f, collectors.FactGatewayPlugins, append(listFact(f, collectors.FactGatewayPlugins), plugins...))
	return f
}

// combine merges the facts of several versions serving the same route
// (the request picks the version): a protection counts only when every
// version has it. A false anywhere decides; otherwise a fact unknown in
// one version is unknown. Numbers take the loosest value, lists the
// union (headers.set the intersection).
func combine(list []collectors.Facts) collectors.Facts {
	if len(list) == 1 {
		return list[0]
	}
	worstTrue := map[string]bool{collectors.FactCORSWildcard: true, collectors.FactCORSCredentials: true}
	keys := map[string]bool{}
	for _, f := range list {
		for k := range f {
			keys[k] = true
		}
	}
	out := collectors.Facts{}
	for k := range keys {
		var vals []any
		missing := false
		for _, f := range list {
			if v, ok := f[k]; ok {
				vals = append(vals, v)
			} else {
				missing = true
			}
		}
		switch vals[0].(type) {
		case bool:
			anyT, anyF := false, false
			for _, v := range vals {
				b, _ := v.(bool)
				anyT, anyF = anyT || b, anyF || !b
			}
			bad, good := anyF, true
			if worstTrue[k] {
				bad, good = anyT, false
			}
			switch {
			case bad:
				out[k] = !good
			case !missing:
				out[k] = good
			}
		case int64:
			if missing {
				continue
			}
			m := int64(math.MinInt64)
			for _, v := range vals {
				if n, ok := v.(int64); ok && n > m {
					m = n
				}
			}
			out[k] = m
		case string:
			if missing {
				continue
			}
			s, same := vals[0].(string), true
			lowest := s
			for _, v := range vals {
				x, _ := v.(string)
				same = same && x == s
				if x < lowest {
					lowest = x
				}
			}
			if same {
				out[k] = s
			} else if k == collectors.FactTLSMinVersion || k == FactUpstreamTLSMinVersion {
				out[k] = lowest
			}
		case []string:
			if k == collectors.FactHeadersSet {
				if missing {
					continue
				}
				inter := vals[0].([]string)
				for _, v := range vals[1:] {
					l, _ := v.([]string)
					inter = slices.DeleteFunc(slices.Clone(inter), func(s string) bool { return !slices.Contains(l, s) })
				}
				if len(inter) > 0 {
					out[k] = inter
				}
				continue
			}
			var u []string
			for _, v := range vals {
				l, _ := v.([]string)
				u = append(u, l...)
			}
			out[k] = sortedUnique(u)
		}
	}
	// Details only accompany a protection that holds.
	details := map[string][]string{
		collectors.FactAuthEnforced:      {collectors.FactAuthMechanisms, collectors.FactJWTAlgorithms, collectors.FactJWTClaimsVerified},
		collectors.FactAuthzEnforced:     {collectors.FactAuthzMechanisms},
		collectors.FactRateLimitEnabled:  {collectors.FactRateLimitPerMinute},
		collectors.FactBodySizeLimited:   {collectors.FactBodySizeMaxBytes},
		collectors.FactTimeoutConfigured: {collectors.FactTimeoutSeconds},
		collectors.FactLoggingEnabled:    {collectors.FactLoggingSinks},
	}
	for b, ds := range details {
		if v, _ := out[b].(bool); !v {
			for _, d := range ds {
				delete(out, d)
			}
		}
	}
	return out
}

func cloneFacts(f collectors.Facts) collectors.Facts {
	out := make(collectors.Facts, len(f)+4)
	for k, v := range f {
		if l, ok := v.([]string); ok {
			v = slices.Clone(l)
		}
		out[k] = v
	}
	return out
}

func cloneSet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func listFact(f collectors.Facts, k string) []string {
	l, _ := f[k].([]string)
	return slices.Clone(l)
}

// setList sets a list fact (sorted, without duplicates), or removes it
// when the list is empty.
func setList(f collectors.Facts, k string, l []string) {
	if len(l) == 0 {
		delete(f, k)
		return
	}
	f[k] = sortedUnique(l)
}

func sortedUnique(l []string) []string {
	out := slices.Clone(l)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
