package kong

import (
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// Plugin precedence (Kong 3.x kong/runloop/plugins_iterator.lua,
// lookup_cfg; the same order in 1.x/2.x load_plugin_configuration): for
// each plugin name at most one configuration runs on a request, the most
// specific one that matches:
//
//	consumer+route+service > consumer_group+route+service > consumer+route >
//	consumer+service > consumer_group+route > consumer_group+service >
//	route+service > consumer > consumer_group > route > service > global
//
// A disabled plugin (enabled: false) is never loaded (should_process_plugin
// and get_plugin_config skip it), so the lookup falls through to the next
// scope: disabling a route's copy of a plugin does NOT switch off the
// service-level or global one. What protects a route for every client is
// therefore, per plugin name, the enabled instance scoped to route+service,
// else route, else service, else global. Consumer and consumer-group
// scoped instances only run for requests of those consumers; they are
// listed in gateway.plugins ("name@consumer:alice") and never count as
// protection of the route.

// pluginIndex sorts the plugins that can run by scope, so a route's
// effective set costs what it contains, not the size of the file.
type pluginIndex struct {
	global    map[string]*plugin // effective global instance per name
	byService map[*service][]*plugin
	byRoute   map[*route][]*plugin // route and route+service scoped
	// consumer and consumer-group scoped, by the route/service they are
	// narrowed to (nil: any)
	scopedAny     []*plugin
	scopedService map[*service][]*plugin
	scopedRoute   map[*route][]*plugin
	// enabled request-termination plugins by consumer
	terminations map[*consumer][]*plugin
	jwtAlgs      []string
}

func (p *parser) index() *pluginIndex {
	if p.idx != nil {
		return p.idx
	}
	ix := &pluginIndex{
		global: map[string]*plugin{}, byService: map[*service][]*plugin{}, byRoute: map[*route][]*plugin{},
		scopedService: map[*service][]*plugin{}, scopedRoute: map[*route][]*plugin{},
		terminations: map[*consumer][]*plugin{},
	}
	for _, pl := range p.plugins {
		if !pl.enabled || !pl.http || pl.dangling {
			continue
		}
		if pl.consumer != nil || pl.group != nil {
			switch {
			case pl.route != nil:
				ix.scopedRoute[pl.route] = append(ix.scopedRoute[pl.route], pl)
			case pl.service != nil:
				ix.scopedService[pl.service] = append(ix.scopedService[pl.service], pl)
			default:
				ix.scopedAny = append(ix.scopedAny, pl)
			}
			if pl.consumer != nil && pl.name == "request-termination" {
				ix.terminations[pl.consumer] = append(ix.terminations[pl.consumer], pl)
			}
			continue
		}
		switch {
		case pl.route != nil:
			ix.byRoute[pl.route] = append(ix.byRoute[pl.route], pl)
		case pl.service != nil:
			ix.byService[pl.service] = append(ix.byService[pl.service], pl)
		default:
			ix.global[pl.name] = pl // the later declaration wins
		}
	}
	var algs []string
	for _, c := range p.consumers {
		algs = append(algs, c.jwtAlgorithms...)
	}
	ix.jwtAlgs = sortedUnique(algs)
	p.idx = ix
	return ix
}

// effective returns, per plugin name, the instance that runs for every
// client of r: route+service, else route, else service, else global.
// Among equals the last declared wins (Kong keeps one configuration per
// scope key; the later one replaces the earlier).
func (p *parser) effective(r *route) map[string]*plugin {
	ix := p.index()
	eff := make(map[string]*plugin, len(ix.global)+4)
	for n, pl := range ix.global {
		eff[n] = pl
	}
	if r.svc != nil {
		for _, pl := range ix.byService[r.svc] {
			eff[pl.name] = pl
		}
	}
	rs := ix.byRoute[r]
	for _, pl := range rs {
		if pl.service == nil {
			eff[pl.name] = pl
		}
	}
	for _, pl := range rs {
		if pl.service != nil && pl.service == r.svc {
			eff[pl.name] = pl
		}
	}
	return eff
}

// cost bounds the work and output of r's effective set before it is built.
func (p *parser) cost(r *route) int {
	ix := p.index()
	n := 1 + len(ix.global) + len(ix.byRoute[r]) + len(ix.scopedAny) + len(ix.scopedRoute[r])
	if r.svc != nil {
		n += len(ix.byService[r.svc]) + len(ix.scopedService[r.svc])
	}
	return n
}

// maxScopedLabels is how many consumer/group scopes of one plugin name are
// listed one by one; beyond it they are counted ("name@consumer-scoped:N").
const maxScopedLabels = 5

// scopedLabels lists the consumer and consumer-group scoped plugins that
// can run on r for some clients.
func (p *parser) scopedLabels(r *route) []string {
	ix := p.index()
	byName := map[string][]string{}
	var order []string
	add := func(pls []*plugin) {
		for _, pl := range pls {
			if pl.service != nil && pl.service != r.svc {
				continue // a consumer plugin narrowed to route+service
			}
			l := pl.name + "@consumer_group:"
			if pl.consumer != nil {
				l = pl.name + "@consumer:" + pl.consumer.label()
			} else {
				l += pl.group.label()
			}
			if _, ok := byName[pl.name]; !ok {
				order = append(order, pl.name)
			}
			byName[pl.name] = append(byName[pl.name], l)
		}
	}
	add(ix.scopedAny)
	if r.svc != nil {
		add(ix.scopedService[r.svc])
	}
	add(ix.scopedRoute[r])
	var out []string
	for _, n := range order {
		ls := sortedUnique(byName[n])
		if len(ls) > maxScopedLabels {
			out = append(out, n+"@consumer-scoped:"+strconv.Itoa(len(ls)))
			continue
		}
		out = append(out, ls...)
	}
	return out
}

// authMechanisms maps authentication plugins to auth.mechanisms values.
var authMechanisms = map[string]string{
	"key-auth": "key-auth", "key-auth-enc": "key-auth",
	"jwt": "jwt", "jwt-signer": "jwt",
	"basic-auth":           "basic-auth",
	"oauth2":               "oauth2",
	"oauth2-introspection": "oauth2",
	"hmac-auth":            "hmac",
	"mtls-auth":            "mtls", "header-cert-auth": "mtls",
	"openid-connect": "oidc",
	"ldap-auth":      "ldap", "ldap-auth-advanced": "ldap",
	"vault-auth": "custom", "saml": "custom",
}

// logSinks are the plugins that write an access log record per request.
// prometheus, statsd, datadog and zipkin report metrics or traces, not
// access logs; opentelemetry counts only when it exports logs
// (config.logs_endpoint, Kong 3.8+).
var logSinks = map[string]bool{
	"file-log": true, "http-log": true, "tcp-log": true, "udp-log": true, "syslog": true,
	"loggly": true, "kafka-log": true, "opentelemetry": true,
}

// coreSecurityHeaders decide headers.security; otherSecurityHeaders are
// listed in headers.set too.
var coreSecurityHeaders = map[string]bool{
	"strict-transport-security": true, "x-content-type-options": true,
	"x-frame-options": true, "content-security-policy": true,
}
var otherSecurityHeaders = map[string]bool{
	"referrer-policy": true, "permissions-policy": true, "cross-origin-opener-policy": true,
	"cross-origin-embedder-policy": true, "cross-origin-resource-policy": true,
	"content-security-policy-report-only": true,
}

// tlsProtocols are the route protocols that only accept TLS connections.
var tlsProtocols = map[string]bool{"https": true, "grpcs": true, "wss": true}

// facts computes the effective protection of r. See doc.go for the table.
func (p *parser) facts(r *route, eff map[string]*plugin, scoped []string) (collectors.Facts, []string) {
	f := collectors.Facts{}
	names := make([]string, 0, len(eff))
	for n := range eff {
		names = append(names, n)
	}
	sort.Strings(names)

	// tls.enforced: every protocol the route accepts is TLS. A route
	// accepting http is served in clear text: Kong answers an http request
	// with 426 or a redirect only when the route's protocols include https
	// but not http (kong/runloop/handler.lua, "protocols.https and not
	// protocols.http"; the Admin API reference: https_redirect_status_code
	// "applies only if the Route is configured to only accept the https
	// protocol"), so http+https with a redirect code still serves http.
	tlsOnly := true
	for _, pr := range r.protocols {
		if httpProtocols[pr] && !tlsProtocols[pr] {
			tlsOnly = false
		}
	}
	f[collectors.FactTLSEnforced] = tlsOnly

	var (
		authMech, authzMech, sinks, hdrs, origins []string
		authRequired, anyAuth                     bool
		rateLimited, validated, respValidated     bool
		monitorOnly, protective, perCall          bool
		perMinute                                       = math.Inf(1)
		bodyMax                                   int64 = -1
		corsSeen, corsWildcard, corsCreds         bool
		logging, jwtSeen                          bool
		claims                                    []string
	)
	for _, name := range names {
		pl := eff[name]
		c := pl.config
		if mech, ok := authMechanisms[name]; ok {
			anyAuth, protective = true, true
			authMech = append(authMech, mech)
			// With config.anonymous a failed authentication proceeds as the
			// anonymous consumer: a credential is optional. Several auth
			// plugins are an AND unless all have anonymous (Kong docs,
			// "Multiple authentication"). The documented way to still refuse
			// the anonymous consumer is a request-termination plugin scoped
			// to it.
			anon := c.get("anonymous").str()
			if anon == "" || p.terminatesConsumer(anon, r) {
				authRequired = true
			}
		}
		switch name {
		case "jwt":
			jwtSeen = true
			if l, ok := c.get("claims_to_verify").strList(); ok {
				claims = append(claims, l...)
			}
			if v, ok := c.get("maximum_expiration").num(); ok && v > 0 {
				claims = append(claims, "exp")
			}
		case "acl":
			if nonEmpty(c, "allow", "deny", "whitelist", "blacklist") {
				authzMech, protective = append(authzMech, "acl"), true
			}
		case "ip-restriction":
			if nonEmpty(c, "allow", "deny", "whitelist", "blacklist") {
				authzMech, protective = append(authzMech, "ip-restriction"), true
			}
		case "opa":
			authzMech, protective, perCall = append(authzMech, "opa"), true, true
		case "oauth2":
			if b, _ := c.get("mandatory_scope").boolean(); b && nonEmpty(c, "scopes") {
				authzMech = append(authzMech, "scopes")
			}
		case "openid-connect":
			if nonEmpty(c, "scopes_required") {
				authzMech = append(authzMech, "scopes")
			}
			if nonEmpty(c, "roles_required", "groups_required") {
				authzMech = append(authzMech, "rbac")
			}
		case "jwt-signer":
			if nonEmpty(c, "access_token_scopes_required") {
				authzMech = append(authzMech, "scopes")
			}
		case "request-validator":
			protective = true
			if nonEmpty(c, "body_schema", "parameter_schema") {
				validated = true
			}
		case "oas-validation":
			protective = true
			notify, _ := c.get("notify_only_request_validation_failure").boolean()
			if notify {
				monitorOnly = true
			} else if boolOr(c, "validate_request_body", true) || boolOr(c, "validate_request_header_params", true) ||
				boolOr(c, "validate_request_query_params", true) || boolOr(c, "validate_request_uri_params", true) {
				validated = true
			}
			if boolOr(c, "validate_response_body", false) {
				if boolOr(c, "notify_only_response_body_validation_failure", false) {
					monitorOnly = true
				} else {
					respValidated = true
				}
			}
		case "rate-limiting":
			protective = true
			for _, w := range []struct {
				k   string
				sec float64
			}{{"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}, {"month", 30 * 86400}, {"year", 365 * 86400}} {
				if v, ok := c.get(w.k).num(); ok && v > 0 {
					rateLimited = true
					perMinute = math.Min(perMinute, v*60/w.sec)
				}
			}
		case "rate-limiting-advanced", "service-protection":
			protective = true
			limits := c.get("limit").items()
			windows := c.get("window_size").items()
			for i, l := range limits {
				lv, ok := l.num()
				if !ok || lv <= 0 {
					continue
				}
				rateLimited = true
				if i < len(windows) {
					if wv, ok := windows[i].num(); ok && wv > 0 {
						perMinute = math.Min(perMinute, lv*60/wv)
					}
				}
			}
		case "graphql-rate-limiting-advanced":
			protective, rateLimited = true, true
		case "request-size-limiting":
			protective = true
			size := 128.0 // Kong's default allowed_payload_size
			if v, ok := c.get("allowed_payload_size").num(); ok {
				size = v
			}
			unit := map[string]float64{"megabytes": 1 << 20, "kilobytes": 1 << 10, "bytes": 1}[strings.ToLower(c.get("size_unit").str())]
			if unit == 0 {
				unit = 1 << 20 // default size_unit: megabytes
			}
			if size >= 0 && size*unit < math.MaxInt64/2 {
				bodyMax = int64(size * unit)
			}
		case "bot-detection":
			protective = true
		case "cors":
			corsSeen = true
			origins, _ = c.get("origins").strList()
			corsCreds, _ = c.get("credentials").boolean()
			corsWildcard = wildcardOrigins(origins)
		case "response-transformer", "response-transformer-advanced":
			for _, sect := range []string{"add", "append"} {
				l, _ := c.get(sect).get("headers").strList()
				for _, h := range l {
					hn, _, _ := strings.Cut(h, ":")
					hn = strings.ToLower(strings.TrimSpace(hn))
					if coreSecurityHeaders[hn] || otherSecurityHeaders[hn] {
						hdrs = append(hdrs, hn)
					}
				}
			}
		}
		if logSinks[name] {
			if s := sinkName(name, c); s != "" {
				logging = true
				sinks = append(sinks, s)
			}
		}
	}

	f[collectors.FactAuthEnforced] = authRequired
	if anyAuth {
		f[collectors.FactAuthMechanisms] = sortedUnique(authMech)
	}
	if jwtSeen {
		if cl := sortedUnique(claims); len(cl) > 0 {
			f[collectors.FactJWTClaimsVerified] = cl
		}
		// The jwt plugin accepts a token signed with any consumer's
		// credential; their algorithms are what it accepts.
		if a := p.index().jwtAlgs; len(a) > 0 {
			f[collectors.FactJWTAlgorithms] = append([]string(nil), a...)
		}
	}
	f[collectors.FactAuthzEnforced] = len(authzMech) > 0
	if len(authzMech) > 0 {
		f[collectors.FactAuthzMechanisms] = sortedUnique(authzMech)
	}
	f[collectors.FactValidationEnforced] = validated
	f[collectors.FactResponseValidated] = respValidated
	f[collectors.FactPolicyPerCall] = perCall
	f[collectors.FactRateLimitEnabled] = rateLimited
	if !math.IsInf(perMinute, 1) {
		f[collectors.FactRateLimitPerMinute] = perMinuteInt(perMinute)
	}
	f[collectors.FactBodySizeLimited] = bodyMax >= 0
	if bodyMax >= 0 {
		f[collectors.FactBodySizeMaxBytes] = bodyMax
	}
	// Without a log plugin Kong may still write its nginx access log
	// (proxy_access_log in kong.conf, on by default): the declarative
	// configuration cannot tell, so logging.enabled stays unknown.
	if logging {
		f[collectors.FactLoggingEnabled] = true
		f[collectors.FactLoggingSinks] = sortedUnique(sinks)
	}
	// No cors plugin: Kong adds no Access-Control-Allow-Origin, browsers
	// refuse cross-origin reads.
	f[collectors.FactCORSRestricted] = !corsSeen || !corsWildcard
	if corsSeen {
		f[collectors.FactCORSWildcard] = corsWildcard
		f[collectors.FactCORSCredentials] = corsCreds
		if len(origins) > 0 {
			f[collectors.FactCORSOrigins] = origins
		}
	}
	core := false
	for _, h := range hdrs {
		core = core || coreSecurityHeaders[h]
	}
	f[collectors.FactSecurityHeaders] = core
	if len(hdrs) > 0 {
		f[collectors.FactHeadersSet] = sortedUnique(hdrs)
	}
	f[collectors.FactEnforcementMode] = protective && !monitorOnly

	// Service-level settings: known only when the service is in the file.
	if s := r.svc; s != nil {
		// Kong fills unset timeouts with 60000 ms. Only a value that
		// differs from that default is an explicit choice: a decK dump and
		// the Admin API write every field, defaults included, so "present"
		// alone would call every service configured.
		configured := false
		longest := int64(0)
		for _, k := range timeoutFields {
			v, ok := s.timeouts[k]
			if !ok {
				v = 60000
			} else if v != 60000 {
				configured = true
			}
			longest = max(longest, v)
		}
		f[collectors.FactTimeoutConfigured] = configured
		if configured {
			f[collectors.FactTimeoutSeconds] = (longest + 999) / 1000
		}
		tlsUp := tlsProtocols[s.protocol] || s.protocol == "tls"
		cert := s.clientCert
		if u := p.upstreams[strings.ToLower(s.host)]; u != nil && u.clientCert {
			cert = true // an upstream's client_certificate is used when the service has none
		}
		f[collectors.FactMTLSUpstream] = tlsUp && cert
		if u := s.upstreamURL(); u != "" {
			f[collectors.FactUpstream] = u
		}
	}
	labels := append(append([]string{}, names...), scoped...)
	if l := sortedUnique(labels); len(l) > 0 {
		f[collectors.FactGatewayPlugins] = l
	}
	return f, names
}

// terminatesConsumer reports an enabled request-termination plugin scoped
// to the anonymous consumer (by username or id) and applicable to r: the
// pattern Kong documents for refusing requests that no auth plugin
// authenticated.
func (p *parser) terminatesConsumer(anon string, r *route) bool {
	c := p.findConsumer(anon)
	if c == nil {
		return false
	}
	for _, pl := range p.index().terminations[c] {
		if (pl.route != nil && pl.route != r) || (pl.service != nil && pl.service != r.svc) {
			continue
		}
		status := 503.0 // the plugin's default status_code
		if v, ok := pl.config.get("status_code").num(); ok {
			status = v
		}
		if status >= 400 {
			return true
		}
	}
	return false
}

// perMinuteInt rounds a rate to whole requests per minute, at least 1 (a
// limit of 30/hour is reported as 1/minute, never as 0).
func perMinuteInt(v float64) int64 {
	if v < 1 {
		return 1
	}
	if v > math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(math.Round(v))
}

func nonEmpty(c nd, keys ...string) bool {
	for _, k := range keys {
		v := c.get(k)
		switch {
		case v.isSeq():
			if len(v.n.Content) > 0 {
				return true
			}
		case v.isMap():
			if len(v.n.Content) > 0 {
				return true
			}
		default:
			if s, ok := v.scalar(); ok && s != "" {
				return true
			}
		}
	}
	return false
}

func boolOr(c nd, key string, def bool) bool {
	if b, ok := c.get(key).boolean(); ok {
		return b
	}
	return def
}

// Origins an attacker may use to probe a CORS policy: a regex origin that
// accepts them accepts any origin.
var probeOrigins = []string{"https://attacker.invalid", "http://evil-posture-probe.example"}

// plainOrigin is how the cors plugin tells a literal origin from a regex
// (kong/plugins/cors/handler.lua: entries with characters outside
// [A-Za-z0-9.:/-] are regexes, anchored at both ends, matched against the
// request's host alone when the entry has no ":").
var plainOrigin = regexp.MustCompile(`^[A-Za-z0-9.:/-]+$`)

// wildcardOrigins reports a CORS origin list that admits any origin: no
// origins at all (the plugin then sends "*"), a "*", or a regex that
// matches an arbitrary origin. With credentials the plugin reflects the
// request's Origin instead of sending "*", which is the worst case.
func wildcardOrigins(origins []string) bool {
	if len(origins) == 0 {
		return true
	}
	for _, o := range origins {
		if o == "*" {
			return true
		}
		if plainOrigin.MatchString(o) {
			continue
		}
		expr := strings.TrimPrefix(o, "^")
		expr = strings.TrimSuffix(expr, "$")
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			continue // PCRE-only syntax: cannot tell, not assumed open
		}
		byHost := !strings.Contains(o, ":")
		for _, probe := range probeOrigins {
			subject := probe
			if byHost {
				subject = strings.TrimPrefix(strings.TrimPrefix(probe, "https://"), "http://")
			}
			if re.MatchString(subject) {
				return true
			}
		}
	}
	return false
}

// sinkName describes where a log plugin sends records, without
// credentials or query strings; "" when the plugin exports no access log.
func sinkName(name string, c nd) string {
	switch name {
	case "file-log":
		return "file:" + c.get("path").str()
	case "http-log":
		return "http:" + cleanURL(c.get("http_endpoint").str())
	case "tcp-log", "udp-log":
		h := c.get("host").str()
		if v, ok := c.get("port").num(); ok {
			h += ":" + strconv.FormatInt(int64(v), 10)
		}
		return strings.TrimSuffix(name, "-log") + ":" + h
	case "syslog":
		return "syslog"
	case "loggly":
		return "loggly"
	case "kafka-log":
		return "kafka"
	case "opentelemetry":
		if e := c.get("logs_endpoint").str(); e != "" {
			return "opentelemetry:" + cleanURL(e)
		}
	}
	return ""
}

func cleanURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
