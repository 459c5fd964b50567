package envoy

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// routeEnv is everything a route's facts depend on.
type routeEnv struct {
	chain  *chainInfo
	hcm    *hcmInfo
	levels []val // typed_per_filter_config: route, virtual host, route configuration
	route  val
	vh     val
	spec   matchSpec

	forward       bool     // the route forwards to a cluster (route action)
	clusters      []string // its clusters (nil for cluster_header and the like)
	timeout       float64  // route.timeout
	timeoutSet    bool
	msd           float64 // route.max_stream_duration.max_stream_duration
	redirect      bool
	httpsRedirect bool   // redirect with https_redirect / scheme_redirect: https
	requireTLS    string // the virtual host's require_tls
	headers       []string
}

// routeRec is one route entry's (or carve-out's) evidence before merging.
type routeRec struct {
	api     string
	route   collectors.Route
	ptr     string
	line    int
	facts   collectors.Facts
	serving bool   // not a redirect
	tlsChan bool   // served on a TLS filter chain
	key     string // API + what the route matches
	parent  string // for a carve-out: its route's key
}

func recKey(api string, r collectors.Route) string {
	b, _ := json.Marshal(struct {
		H []string               `json:"h"`
		M []string               `json:"m"`
		P []collectors.PathMatch `json:"p"`
	}{r.Hosts, r.Methods, r.Paths})
	return api + "\x00" + string(b)
}

// facts computes a route's effective protection. ov, when set, replaces
// one authentication filter's outcome (for a carve-out).
func (p *parser) facts(env *routeEnv, evals []filterEval, ov *carve) collectors.Facts {
	f := collectors.Facts{}
	var (
		opaque, noValidate, perCall, monitor, protective, rate bool
		perMin, body                                           int64
		plugins                                                []string
		cors                                                   *corsEval
		claims, algs                                           []string
		jwtSeen, algsUnknown                                   bool
	)
	authn, authz, headers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, h := range env.headers {
		headers[h] = true
	}
	for _, nf := range env.chain.net {
		plugins = appendUnique(plugins, nf.canonical)
		if nf.authz != "" {
			authz[nf.authz], protective = true, true
		}
		perCall = perCall || nf.perCall
		monitor = monitor || nf.monitor
		opaque = opaque || nf.opaque
	}
	if env.chain.clientCert {
		authn["mtls"], protective = true, true
	}
	for i, ev := range evals {
		if !ev.active {
			continue
		}
		if ev.f.id.ext != "router" {
			plugins = appendUnique(plugins, ev.f.id.canonical)
		}
		opaque = opaque || ev.opaque
		noValidate = noValidate || ev.noValidate
		if ev.authMech != "" {
			authn[ev.authMech] = true
		}
		if ev.auth != nil {
			out := ev.def
			if ov != nil && ov.idx == i {
				out = ov.out
			}
			if out.enforcing {
				authn[out.mech], protective = true, true
				if out.mech == "jwt" {
					if !jwtSeen {
						claims = out.claims
					} else {
						claims = intersect(claims, out.claims)
					}
					jwtSeen = true
					if out.algs == nil {
						algsUnknown = true
					}
					algs = appendUnique(algs, out.algs...)
				}
			}
			if out.monitor {
				monitor, protective = true, true
			}
		}
		for _, z := range ev.authz {
			authz[z] = true
		}
		perCall = perCall || ev.perCall
		monitor = monitor || ev.monitor
		protective = protective || ev.protective
		if ev.rateLimit {
			rate = true
			if ev.perMinute > 0 && (perMin == 0 || ev.perMinute < perMin) {
				perMin = ev.perMinute
			}
		}
		if ev.bodyLimit > 0 && (body == 0 || ev.bodyLimit < body) {
			body = ev.bodyLimit
		}
		if ev.cors != nil && cors == nil {
			cors = ev.cors
		}
		for _, h := range ev.headers {
			headers[h] = true
		}
	}

	// tls.enforced: TLS on the chain, or the route cannot be used over
	// plain HTTP (require_tls on the virtual host, an https redirect).
	// Folded over every listener serving the same route in finish().
	f[collectors.FactTLSEnforced] = env.chain.tls || env.httpsRedirect || env.requireTLS == "ALL" ||
		env.requireTLS == "EXTERNAL_ONLY" || env.requireTLS == "1" || env.requireTLS == "2"
	if env.chain.tls && env.chain.minVersion != "" {
		f[collectors.FactTLSMinVersion] = env.chain.minVersion
	}
	setBool(f, collectors.FactAuthEnforced, len(authn) > 0, opaque)
	if len(authn) > 0 {
		f[collectors.FactAuthMechanisms] = sortedKeys(authn)
	}
	if jwtSeen && len(claims) > 0 {
		f[collectors.FactJWTClaimsVerified] = claims
	}
	if jwtSeen && !algsUnknown && len(algs) > 0 {
		sort.Strings(algs)
		f[collectors.FactJWTAlgorithms] = algs
	}
	setBool(f, collectors.FactAuthzEnforced, len(authz) > 0, opaque)
	if len(authz) > 0 {
		f[collectors.FactAuthzMechanisms] = sortedKeys(authz)
	}
	setBool(f, collectors.FactPolicyPerCall, perCall, opaque)
	if !opaque && !noValidate {
		f[collectors.FactValidationEnforced] = false
	}
	if !opaque {
		f[collectors.FactResponseValidated] = false
	}
	f[collectors.FactRateLimitEnabled] = rate
	if perMin > 0 {
		f[collectors.FactRateLimitPerMinute] = perMin
	}
	f[collectors.FactBodySizeLimited] = body > 0
	if body > 0 {
		f[collectors.FactBodySizeMaxBytes] = body
	}
	f[collectors.FactLoggingEnabled] = len(env.hcm.logSinks) > 0
	if len(env.hcm.logSinks) > 0 {
		f[collectors.FactLoggingSinks] = slices.Clone(env.hcm.logSinks)
	}
	if cors == nil || !cors.enabled {
		f[collectors.FactCORSRestricted] = true
	} else {
		f[collectors.FactCORSRestricted] = !cors.wildcard
		f[collectors.FactCORSWildcard] = cors.wildcard
		f[collectors.FactCORSCredentials] = cors.credentials
		if len(cors.origins) > 0 {
			f[collectors.FactCORSOrigins] = cors.origins
		}
	}
	var set []string
	for h := range headers {
		if securityHeaders[h] {
			set = append(set, h)
		}
	}
	sort.Strings(set)
	if len(set) > 0 {
		f[collectors.FactHeadersSet] = set
	}
	f[collectors.FactSecurityHeaders] = headers["strict-transport-security"] && headers["x-content-type-options"] &&
		(headers["x-frame-options"] || headers["content-security-policy"])
	if env.forward {
		p.upstreamFacts(f, env)
	}
	switch {
	case monitor:
		f[collectors.FactEnforcementMode] = false
	case protective:
		f[collectors.FactEnforcementMode] = true
	}
	if len(plugins) > 0 {
		f[collectors.FactGatewayPlugins] = plugins
	}
	return f
}

// setBool sets a fact true when it holds, false when it does not and no
// opaque filter could make it hold, and leaves it unknown otherwise.
func setBool(f collectors.Facts, key string, holds, opaque bool) {
	switch {
	case holds:
		f[key] = true
	case !opaque:
		f[key] = false
	}
}

// upstreamFacts sets the facts of a forwarding route: its clusters,
// mutual TLS to them, and timeouts.
//
// timeout.configured: an explicit non-zero route timeout, route or
// connection-manager max_stream_duration, or request_timeout; else an
// explicit connect_timeout on every cluster. A route timeout of 0s
// disables the upstream timeout, so with nothing else bounding the
// request it is false. Envoy's implicit 15s route timeout is not
// explicit configuration. timeout.seconds is the route timeout, else the
// max_stream_duration, rounded up.
func (p *parser) upstreamFacts(f collectors.Facts, env *routeEnv) {
	known := len(env.clusters) > 0
	mtls, connect, dfp := true, true, false
	for _, c := range env.clusters {
		ci, ok := p.clusters[c]
		if !ok {
			known = false
			break
		}
		mtls = mtls && ci.mtls
		connect = connect && ci.connectSet
		dfp = dfp || ci.dfp
	}
	if known && dfp {
		f[collectors.FactEgressControlled] = false
	}
	if len(env.clusters) > 0 {
		f[collectors.FactUpstream] = strings.Join(env.clusters, ",")
	}
	if known {
		f[collectors.FactMTLSUpstream] = mtls
	}
	other := env.msd > 0 || env.hcm.msd > 0 || env.hcm.requestTimeout > 0
	switch {
	case env.timeoutSet && env.timeout <= 0 && !other:
		f[collectors.FactTimeoutConfigured] = false
	case (env.timeoutSet && env.timeout > 0) || other:
		f[collectors.FactTimeoutConfigured] = true
	default:
		f[collectors.FactTimeoutConfigured] = known && connect
	}
	for _, s := range []float64{env.timeout, env.msd, env.hcm.msd} {
		if s > 0 {
			f[collectors.FactTimeoutSeconds] = int64(math.Min(math.Ceil(s), math.MaxInt32))
			break
		}
	}
}

// authKeys are the facts a carve-out can change.
var authKeys = []string{collectors.FactAuthEnforced, collectors.FactAuthMechanisms, collectors.FactJWTClaimsVerified,
	collectors.FactJWTAlgorithms, collectors.FactEnforcementMode}

func sameAuth(a, b collectors.Facts) bool {
	for _, k := range authKeys {
		x, okx := a[k]
		y, oky := b[k]
		if okx != oky {
			return false
		}
		if okx {
			xs, _ := json.Marshal(x)
			ys, _ := json.Marshal(y)
			if string(xs) != string(ys) {
				return false
			}
		}
	}
	return true
}

// finish merges the route entries that describe the same requests.
//
// One bootstrap often serves a route on several listeners (plain HTTP and
// HTTPS, or a redirecting port 80 and a serving port 443). Scoring picks
// one route per source for an endpoint, so equivalent entries (same API
// name, hosts, methods and paths) become one evidence record:
// tls.enforced holds only when it holds on every entry (a route reachable
// in plain text somewhere is not TLS-only); the other facts come from the
// entries that serve the route (redirects aside), a protection holding
// only when it holds on each of them.
func (p *parser) finish() {
	order := []string{}
	groups := map[string][]*routeRec{}
	for _, r := range p.recs {
		if _, ok := groups[r.key]; !ok {
			order = append(order, r.key)
		}
		groups[r.key] = append(groups[r.key], r)
	}
	tls := map[string]any{} // key -> folded tls.enforced
	for _, k := range order {
		var v any = true
		for _, r := range groups[k] {
			if r.parent != "" {
				continue
			}
			if b, _ := r.facts[collectors.FactTLSEnforced].(bool); !b {
				v = false
			}
		}
		tls[k] = v
	}
	for _, k := range order {
		members := groups[k]
		for _, r := range members {
			if r.parent != "" {
				r.facts[collectors.FactTLSEnforced] = tls[r.parent]
			}
		}
		p.res.Routes = append(p.res.Routes, merge(members))
	}
}

func merge(members []*routeRec) RouteResult {
	base := members[:0:0]
	for _, r := range members {
		if r.serving {
			base = append(base, r)
		}
	}
	if len(base) == 0 {
		base = members
	}
	facts := maps(base[0].facts)
	for _, r := range base[1:] {
		facts = mergeFacts(facts, r.facts)
	}
	tlsAll, minV, minKnown := true, "", true
	for _, r := range members {
		b, _ := r.facts[collectors.FactTLSEnforced].(bool)
		tlsAll = tlsAll && b
		if v, ok := r.facts[collectors.FactTLSMinVersion].(string); ok {
			if minV == "" || v < minV {
				minV = v
			}
		} else if r.tlsChan {
			minKnown = false
		}
	}
	facts[collectors.FactTLSEnforced] = tlsAll
	delete(facts, collectors.FactTLSMinVersion)
	if minKnown && minV != "" {
		facts[collectors.FactTLSMinVersion] = minV
	}
	var ptrs []string
	for _, r := range members {
		ptrs = appendUnique(ptrs, r.ptr)
	}
	return RouteResult{API: base[0].api, Route: base[0].route, Location: strings.Join(ptrs, " "), Line: members[0].line, Facts: facts}
}

func maps(f collectors.Facts) collectors.Facts {
	out := make(collectors.Facts, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// mergeFacts combines two serving entries' facts: booleans hold when both
// hold (false wins, unknown beats true); cors.wildcard and
// cors.credentials when either; mechanism, claim and header lists are
// intersected, plugin, sink, origin and algorithm lists joined; numeric
// limits take the loosest.
func mergeFacts(a, b collectors.Facts) collectors.Facts {
	out := collectors.Facts{}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		x, okx := a[k]
		y, oky := b[k]
		switch k {
		case collectors.FactCORSWildcard, collectors.FactCORSCredentials:
			xb, _ := x.(bool)
			yb, _ := y.(bool)
			out[k] = xb || yb
		case collectors.FactAuthMechanisms, collectors.FactAuthzMechanisms, collectors.FactJWTClaimsVerified, collectors.FactHeadersSet:
			if okx && oky {
				if in := intersect(x.([]string), y.([]string)); len(in) > 0 {
					out[k] = in
				}
			}
		case collectors.FactGatewayPlugins, collectors.FactLoggingSinks, collectors.FactCORSOrigins, collectors.FactJWTAlgorithms:
			xs, _ := x.([]string)
			ys, _ := y.([]string)
			out[k] = appendUnique(slices.Clone(xs), ys...)
		case collectors.FactRateLimitPerMinute, collectors.FactTimeoutSeconds, collectors.FactBodySizeMaxBytes:
			if okx && oky {
				out[k] = max(x.(int64), y.(int64))
			}
		case collectors.FactUpstream:
			xs, _ := x.(string)
			ys, _ := y.(string)
			switch {
			case xs == ys || ys == "":
				out[k] = xs
			case xs == "":
				out[k] = ys
			default:
				out[k] = xs + "," + ys
			}
		default:
			xb, isBoolX := x.(bool)
			yb, isBoolY := y.(bool)
			switch {
			case (isBoolX && !xb) || (isBoolY && !yb):
				out[k] = false
			case isBoolX && isBoolY:
				out[k] = true
			case okx && oky && !isBoolX && !isBoolY:
				out[k] = x
			}
		}
	}
	return out
}
