package envoy

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/internal/safedecode"
)

// Filters are identified by the protobuf type of their typed_config
// ("@type"), never by their free-form name: "envoy.extensions.filters.http.
// jwt_authn.v3.JwtAuthentication" is the jwt_authn filter whatever it is
// called. Only a filter without typed_config (older configs: "- name:
// envoy.filters.http.router") is identified by its well-known name.
var (
	extTypeRE = regexp.MustCompile(`^envoy\.(?:extensions\.filters|config\.filter)\.(http|network|listener|udp)\.([a-z0-9_]+)\.v[0-9][a-z0-9]*\.[A-Za-z0-9_]+$`)
	extNameRE = regexp.MustCompile(`^envoy\.filters\.(http|network)\.([a-z0-9_]+)$`)
)

// legacyNames are the pre-v3 short filter names.
var legacyNames = map[string]string{
	"envoy.router": "router", "envoy.cors": "cors", "envoy.lua": "lua", "envoy.buffer": "buffer",
	"envoy.ext_authz": "ext_authz", "envoy.rate_limit": "ratelimit", "envoy.ratelimit": "ratelimit",
	"envoy.http_connection_manager": "http_connection_manager", "envoy.health_check": "health_check",
	"envoy.grpc_web": "grpc_web", "envoy.gzip": "gzip", "envoy.fault": "fault", "envoy.csrf": "csrf",
	"envoy.filters.http.jwt_authn": "jwt_authn", "envoy.tcp_proxy": "tcp_proxy",
}

// filterID is what a filter is: its category ("http", "network"), its
// extension ("jwt_authn"; "" for a filter that is not Envoy's own) and its
// canonical name ("envoy.filters.http.jwt_authn", or the type for others).
type filterID struct {
	cat, ext, canonical string
}

// identify classifies a filter by its type, or by name when it has none.
func identify(typ, name, cat string) filterID {
	if typ != "" {
		if m := extTypeRE.FindStringSubmatch(typ); m != nil {
			return filterID{m[1], m[2], "envoy.filters." + m[1] + "." + m[2]}
		}
		return filterID{cat: cat, canonical: typ}
	}
	if m := extNameRE.FindStringSubmatch(name); m != nil {
		return filterID{m[1], m[2], name}
	}
	if ext, ok := legacyNames[name]; ok {
		return filterID{cat, ext, "envoy.filters." + cat + "." + ext}
	}
	if name == "" {
		name = "unnamed filter"
	}
	return filterID{cat: cat, canonical: name}
}

// opaqueExts are filters that run code or ask a service posture cannot see
// into: they may authenticate, authorise or validate, so the facts they
// could decide become unknown unless a known filter decides them.
var opaqueExts = map[string]bool{
	"lua": true, "wasm": true, "ext_proc": true, "golang": true, "dynamic_modules": true, "composite": true,
}

// httpFilter is one entry of an HTTP connection manager's http_filters.
type httpFilter struct {
	name    string
	id      filterID
	typ     string
	cfg     val  // typed_config body (a TypedStruct unwrapped)
	off     bool // disabled: true (off unless a route enables it)
	dynamic bool // config_discovery: the config comes from ECDS
	ptr     string
}

func (p *parser) httpFilters(v val) []*httpFilter {
	var out []*httpFilter
	for _, f := range p.objects(v) {
		hf := &httpFilter{name: p.str(f.get("name")), ptr: f.ptr}
		hf.off, _ = p.boolean(f.get("disabled"))
		if tc := f.get("typed_config"); tc.ok() {
			hf.typ, hf.cfg = p.unwrapAny(tc)
		} else if cd := f.get("config_discovery"); cd.ok() {
			hf.dynamic = true
			for _, u := range p.list(cd.get("type_urls")) {
				t := p.str(u)
				hf.typ = t[strings.LastIndexByte(t, '/')+1:]
				break
			}
		}
		hf.id = identify(hf.typ, hf.name, "http")
		if !hf.cfg.ok() {
			hf.cfg = val{n: &yaml.Node{Kind: yaml.MappingNode}, ptr: f.ptr + "/typed_config", line: f.line}
		}
		out = append(out, hf)
		if !p.seenFilter[hf.id.canonical] {
			p.seenFilter[hf.id.canonical] = true
			p.httpFilterNames = append(p.httpFilterNames, hf.id.canonical)
		}
	}
	return out
}

// perFilter is a typed_per_filter_config entry for one filter.
type perFilter struct {
	typ      string // the per-route config's type ("" for a bare FilterConfig)
	body     val
	disabled bool // FilterConfig{disabled: true}
}

const filterConfigType = "envoy.config.route.v3.FilterConfig"

// perFilterConfigs returns the typed_per_filter_config entries for f at
// each level (route, virtual host, route configuration: most specific
// first). Envoy looks entries up by the filter's configured name and
// falls back to its canonical extension name (route_components.proto,
// typed_per_filter_config).
func (p *parser) perFilterConfigs(f *httpFilter, levels []val) []perFilter {
	var out []perFilter
	for _, key := range []string{f.name, f.id.canonical} {
		if key == "" {
			continue
		}
		for _, lv := range levels {
			if !lv.ok() {
				continue
			}
			for _, e := range p.entries(lv) {
				if e.key != key {
					continue
				}
				t, body := p.unwrapAny(e.v)
				pf := perFilter{typ: t, body: body}
				if t == filterConfigType {
					pf.disabled, _ = p.boolean(body.get("disabled"))
					pf.typ, pf.body = "", val{ptr: body.ptr, line: body.line}
					if c := body.get("config"); c.ok() {
						pf.typ, pf.body = p.unwrapAny(c)
					}
				}
				out = append(out, pf)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// state decides whether f runs on a route and returns its most specific
// per-route config. The most specific typed_per_filter_config entry wins
// (route over virtual host over route configuration); a FilterConfig with
// disabled: true turns the filter off, and any other entry turns a filter
// that is disabled by default on (HttpFilter.disabled, FilterConfig).
func (p *parser) state(f *httpFilter, levels []val) (active bool, pr *perFilter) {
	active = !f.off
	all := p.perFilterConfigs(f, levels)
	if len(all) == 0 {
		return active, nil
	}
	e := all[0]
	if e.disabled {
		return false, nil
	}
	if e.typ == "" {
		return true, nil
	}
	return true, &e
}

// fraction reads a RuntimeFractionalPercent as a percentage (0-100); def
// when absent. A value in a static runtime layer overrides the default.
func (p *parser) fraction(v val, def float64) float64 {
	if !v.ok() {
		return def
	}
	dv := v.get("default_value")
	num, den := p.fractionalPercent(dv)
	if key := p.str(v.get("runtime_key")); key != "" {
		if rv, ok := p.runtime[key]; ok {
			if rv.n.Kind == yaml.MappingNode {
				num, den = p.fractionalPercent(rv)
			} else if f, err := strconv.ParseFloat(rv.n.Value, 64); err == nil && !math.IsNaN(f) {
				num = f // a runtime integer is the numerator over the default's denominator
			}
		}
	}
	pct := 100 * num / den
	return math.Max(0, math.Min(100, pct))
}

// fractionalPercent reads an envoy.type.v3.FractionalPercent.
func (p *parser) fractionalPercent(v val) (num, den float64) {
	n, _ := p.integer(v.get("numerator"))
	den = 100
	switch d := v.get("denominator"); strings.ToUpper(p.str(d)) {
	case "TEN_THOUSAND", "1":
		den = 10000
	case "MILLION", "2":
		den = 1000000
	}
	return float64(n), den
}

// authOutcome is what an authentication filter requires of a request.
type authOutcome struct {
	mech      string // "jwt", "oauth2"...
	enforcing bool   // a credential is required
	monitor   bool   // verified but never rejected (jwt allow_missing_or_failed)
	claims    []string
	algs      []string // nil when unknown
}

// authRule is one rule of an ordered, first-match rule list (jwt_authn
// rules, oauth2 pass-through matchers before its catch-all).
type authRule struct {
	spec matchSpec
	out  authOutcome
}

// authFilter is an authentication filter whose effect depends on the path.
type authFilter struct {
	rules []authRule
	fixed *authOutcome // a per-route requirement replacing the rules
}

// carve is a part of a route where an authentication filter requires
// something other than on the rest of the route.
type carve struct {
	sub matchSpec
	idx int // index of the filter evaluation
	out authOutcome
}

// resolve applies first-match rule semantics to a route: the first rule
// matching all of the route's requests decides for it; rules before it
// matching only part of it become carve-outs (sub-routes), or, when that
// part cannot be described, make the route's outcome not enforcing if
// they let requests through without a credential (bypass).
//
// At most limit carve-outs are made; past that, a partial rule is handled
// like one that cannot be described (a bypass when it requires nothing),
// so the route's facts stay on the safe side.
func (a *authFilter) resolve(route matchSpec, limit int) (def authOutcome, carves []carve) {
	if a.fixed != nil {
		return *a.fixed, nil
	}
	bypass := false
	found := false
	for _, r := range a.rules {
		k, sub := relate(r.spec, route)
		switch k {
		case relFull:
			def, found = r.out, true
		case relPartial:
			if len(carves) >= limit {
				if !r.out.enforcing {
					bypass = true
				}
				break
			}
			dup := false
			for _, c := range carves {
				if sameSpec(c.sub, sub) {
					dup = true
				}
			}
			if !dup {
				carves = append(carves, carve{sub: sub, out: r.out})
			}
		case relUnrep:
			if !r.out.enforcing {
				bypass = true
			}
		}
		if found {
			break
		}
	}
	if !found {
		def = authOutcome{}
	}
	if bypass {
		def.enforcing = false
	}
	return def, carves
}

func sameSpec(a, b matchSpec) bool {
	return a.kind == b.kind && a.value == b.value && a.ci == b.ci && strings.Join(a.methods, ",") == strings.Join(b.methods, ",")
}

// filterEval is what one HTTP filter does on one route.
type filterEval struct {
	f          *httpFilter
	active     bool
	auth       *authFilter // jwt_authn, oauth2
	def        authOutcome // auth's outcome on the route
	carves     []carve     // auth's carve-outs of the route
	authMech   string      // basic-auth, ext-authz, key-auth: enforcing whenever active
	authz      []string
	perCall    bool
	monitor    bool // monitor/shadow only
	protective bool
	opaque     bool
	noValidate bool // validation unknown (transcoder)
	rateLimit  bool
	perMinute  int64
	bodyLimit  int64
	cors       *corsEval
	headers    []string
}

// evalFilters evaluates every HTTP filter on a route.
func (p *parser) evalFilters(env *routeEnv) []filterEval {
	var out []filterEval
	for _, f := range env.hcm.filters {
		ev := filterEval{f: f}
		active, pr := p.state(f, env.levels)
		ev.active = active
		if !active {
			out = append(out, ev)
			continue
		}
		if f.dynamic {
			ev.opaque = true
			out = append(out, ev)
			continue
		}
		switch f.id.ext {
		case "jwt_authn":
			p.evalJWT(&ev, pr)
		case "ext_authz":
			p.evalExtAuthz(&ev, pr)
		case "oauth2":
			p.evalOAuth2(&ev)
		case "basic_auth":
			ev.authMech, ev.protective = "basic-auth", true
		case "api_key_auth":
			ev.authMech, ev.protective = "key-auth", true
			if pr != nil && len(p.list(pr.body.get("allowed_clients"))) > 0 {
				ev.authz = []string{"acl"}
			}
		case "rbac":
			cfg := f.cfg
			if pr != nil && strings.HasSuffix(pr.typ, ".RBACPerRoute") {
				// RBACPerRoute without rbac disables the filter on the route.
				cfg = pr.body.get("rbac")
				if !cfg.ok() {
					ev.active = false
					break
				}
			}
			enforcing, monitor := p.rbacMode(cfg)
			if enforcing {
				ev.authz, ev.perCall, ev.protective = []string{"rbac"}, true, true
			} else if monitor {
				ev.monitor, ev.protective = true, true
			}
		case "local_ratelimit":
			p.evalLocalRateLimit(&ev, pr, env)
		case "ratelimit":
			p.evalGlobalRateLimit(&ev, pr, env)
		case "cors":
			// Evaluated from all levels below (getAllPerFilterConfig).
			ev.cors = p.evalCORS(f, env)
		case "csrf":
			cfg := f.cfg
			if pr != nil {
				cfg = pr.body
			}
			enabled := p.fraction(cfg.get("filter_enabled"), 0)
			shadow := p.fraction(cfg.get("shadow_enabled"), 0)
			switch {
			case enabled > 0:
				ev.protective = true
			case shadow > 0:
				ev.protective, ev.monitor = true, true
			default:
				ev.active = false
			}
		case "buffer":
			cfg := f.cfg
			if pr != nil {
				if d, _ := p.boolean(pr.body.get("disabled")); d {
					ev.active = false
					break
				}
				if b := pr.body.get("buffer"); b.ok() {
					cfg = b
				}
			}
			if n, ok := p.integer(cfg.get("max_request_bytes")); ok && n > 0 {
				ev.bodyLimit, ev.protective = n, true
			}
		case "header_mutation":
			ev.headers = p.mutationHeaders(f.cfg)
			if pr != nil {
				ev.headers = append(ev.headers, p.mutationHeaders(pr.body)...)
			}
		case "lua", "ext_proc":
			if pr != nil {
				if d, _ := p.boolean(pr.body.get("disabled")); d {
					ev.active = false
					break
				}
			}
			ev.opaque = true
		case "grpc_json_transcoder":
			ev.noValidate = true
		default:
			if opaqueExts[f.id.ext] || f.id.ext == "" {
				ev.opaque = true
			}
		}
		if ev.auth != nil && ev.active {
			ev.def, ev.carves = ev.auth.resolve(env.spec, min(maxCarvesPerRoute, p.carveBudget))
			p.carveBudget -= len(ev.carves)
		}
		out = append(out, ev)
	}
	return out
}

// jwtBase is a jwt_authn filter's route-independent configuration.
type jwtBase struct {
	providers map[string]val
	reqMap    map[string]val
	rules     []authRule
}

// jwtConfig reads a jwt_authn filter's providers, requirement_map and
// rules once per document.
func (p *parser) jwtConfig(f *httpFilter) *jwtBase {
	if b, ok := p.jwtBases[f]; ok {
		return b
	}
	b := &jwtBase{providers: map[string]val{}, reqMap: map[string]val{}}
	p.jwtBases[f] = b
	for _, e := range p.entries(f.cfg.get("providers")) {
		b.providers[e.key] = e.v
	}
	for _, e := range p.entries(f.cfg.get("requirement_map")) {
		b.reqMap[e.key] = e.v
	}
	for _, r := range p.objects(f.cfg.get("rules")) {
		spec, ok := p.routeMatch(r.get("match"), "jwt_authn rule")
		if !ok {
			return b
		}
		var out authOutcome
		if req := r.get("requires"); req.ok() {
			out = p.jwtRequirement(req, b.providers, 0)
		} else if rn := r.get("requirement_name"); rn.ok() {
			out = p.namedRequirement(rn, b)
		}
		out.mech = "jwt"
		b.rules = append(b.rules, authRule{spec: spec, out: out})
	}
	return b
}

func (p *parser) namedRequirement(rn val, b *jwtBase) authOutcome {
	req, ok := b.reqMap[p.str(rn)]
	if !ok {
		p.fail(rn, "jwt_authn: requirement %q is not in requirement_map", clip(p.str(rn)))
		return authOutcome{mech: "jwt"}
	}
	return p.jwtRequirement(req, b.providers, 0)
}

// evalJWT reads a jwt_authn filter: providers, rules (first match) and
// requirement_map; a per-route PerRouteConfig either disables it or
// names one requirement for the whole route, replacing the rules.
func (p *parser) evalJWT(ev *filterEval, pr *perFilter) {
	b := p.jwtConfig(ev.f)
	if pr != nil {
		if d, _ := p.boolean(pr.body.get("disabled")); d {
			ev.active = false
			return
		}
		if rn := pr.body.get("requirement_name"); rn.ok() {
			out := p.namedRequirement(rn, b)
			ev.auth = &authFilter{fixed: &out}
			return
		}
	}
	ev.auth = &authFilter{rules: b.rules}
}

// jwtRequirement evaluates a JwtRequirement: provider_name and
// provider_and_audiences require a JWT; requires_any is enforcing only
// when every alternative is; requires_all when any member is;
// allow_missing and allow_missing_or_failed never require one. Claims
// verified are those every provider involved checks.
func (p *parser) jwtRequirement(v val, providers map[string]val, depth int) (res authOutcome) {
	out := authOutcome{mech: "jwt"}
	if depth > 32 || !p.obj(v) {
		return out
	}
	if r, ok := p.jwtReqs[v.n]; ok {
		return r
	}
	defer func() { p.jwtReqs[v.n] = res }()
	provider := func(nameV val, extraAud bool) authOutcome {
		name := p.str(nameV)
		pv, ok := providers[name]
		if !ok {
			p.fail(nameV, "jwt_authn: provider %q is not defined", clip(name))
			return out
		}
		o := authOutcome{mech: "jwt", enforcing: true}
		claims := map[string]bool{"exp": true, "nbf": true}
		if p.str(pv.get("issuer")) != "" {
			claims["iss"] = true
		}
		if len(p.list(pv.get("audiences"))) > 0 || extraAud {
			claims["aud"] = true
		}
		if pv.get("subjects").ok() {
			claims["sub"] = true
		}
		o.claims = sortedKeys(claims)
		o.algs = p.jwksAlgorithms(pv.get("local_jwks"))
		return o
	}
	switch {
	case v.get("provider_name").ok():
		return provider(v.get("provider_name"), false)
	case v.get("provider_and_audiences").ok():
		pa := v.get("provider_and_audiences")
		return provider(pa.get("provider_name"), len(p.list(pa.get("audiences"))) > 0)
	case v.get("requires_any").ok():
		var subs []authOutcome
		for _, r := range p.objects(v.get("requires_any").get("requirements")) {
			subs = append(subs, p.jwtRequirement(r, providers, depth+1))
		}
		return combineJWT(subs, true)
	case v.get("requires_all").ok():
		var subs []authOutcome
		for _, r := range p.objects(v.get("requires_all").get("requirements")) {
			subs = append(subs, p.jwtRequirement(r, providers, depth+1))
		}
		return combineJWT(subs, false)
	case v.get("allow_missing_or_failed").ok():
		out.monitor = true
	}
	return out
}

// combineJWT folds the outcomes of requires_any (any=true) or requires_all.
func combineJWT(subs []authOutcome, any bool) authOutcome {
	out := authOutcome{mech: "jwt"}
	if len(subs) == 0 {
		return out
	}
	var claims []string
	first := true
	algs := map[string]bool{}
	algsKnown := true
	out.enforcing = any
	for _, s := range subs {
		if any {
			out.enforcing = out.enforcing && s.enforcing
		} else {
			out.enforcing = out.enforcing || s.enforcing
		}
		if s.enforcing {
			if first {
				claims, first = s.claims, false
			} else {
				claims = intersect(claims, s.claims)
			}
			if s.algs == nil {
				algsKnown = false
			}
			for _, a := range s.algs {
				algs[a] = true
			}
		}
	}
	if !out.enforcing {
		return out
	}
	out.claims = claims
	if algsKnown && len(algs) > 0 {
		out.algs = sortedKeys(algs)
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// jwksAlgorithms reads the "alg" of every key of an inline JWKS; nil when
// the keys are fetched remotely, kept in another file, or a key has none.
func (p *parser) jwksAlgorithms(v val) []string {
	content, inline, _ := p.dataSource(v)
	if !inline {
		return nil
	}
	if safedecode.CheckJSON("jwks", []byte(content), safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 16}) != nil {
		return nil
	}
	var jwks struct {
		Keys []struct {
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if json.Unmarshal([]byte(content), &jwks) != nil || len(jwks.Keys) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, k := range jwks.Keys {
		if k.Alg == "" {
			return nil
		}
		set[k.Alg] = true
	}
	return sortedKeys(set)
}

// evalExtAuthz reads ext_authz: on unless filter_enabled is 0 or the route
// says ExtAuthzPerRoute{disabled: true}. A request body buffered with
// max_request_bytes (and allow_partial_message false) is answered 413
// when larger: a body size limit.
func (p *parser) evalExtAuthz(ev *filterEval, pr *perFilter) {
	cfg := ev.f.cfg
	if p.fraction(cfg.get("filter_enabled"), 100) == 0 {
		ev.active = false
		return
	}
	noBody := false
	if pr != nil {
		if d, _ := p.boolean(pr.body.get("disabled")); d {
			ev.active = false
			return
		}
		noBody, _ = p.boolean(pr.body.get("check_settings").get("disable_request_body_buffering"))
	}
	ev.authMech, ev.authz, ev.perCall, ev.protective = "ext-authz", []string{"ext-authz"}, true, true
	if wb := cfg.get("with_request_body"); wb.ok() && !noBody {
		partial, _ := p.boolean(wb.get("allow_partial_message"))
		if n, ok := p.integer(wb.get("max_request_bytes")); ok && n > 0 && !partial {
			ev.bodyLimit = n
		}
	}
}

// evalOAuth2 reads the oauth2 filter: every request needs a login, except
// those matching a pass_through_matcher. A pass-through on ":path" or
// ":method" is a carve-out; on any other header a client can add, it is a
// bypass of the whole route.
func (p *parser) evalOAuth2(ev *filterEval) {
	if a, ok := p.oauth2[ev.f]; ok {
		ev.auth = a
		return
	}
	a := &authFilter{}
	p.oauth2[ev.f] = a
	for _, h := range p.objects(ev.f.cfg.get("config").get("pass_through_matcher")) {
		spec, ok := p.headerSpec(h)
		if !ok {
			spec = matchSpec{kind: pAny, extra: true}
		}
		a.rules = append(a.rules, authRule{spec: spec, out: authOutcome{mech: "oauth2"}})
	}
	a.rules = append(a.rules, authRule{spec: matchSpec{kind: pAny}, out: authOutcome{mech: "oauth2", enforcing: true}})
	ev.auth = a
}

// headerSpec turns a HeaderMatcher on ":path" or ":method" into a match.
func (p *parser) headerSpec(h val) (matchSpec, bool) {
	name := strings.ToLower(p.str(h.get("name")))
	if inv, _ := p.boolean(h.get("invert_match")); inv {
		return matchSpec{}, false
	}
	switch name {
	case ":method":
		ms, ok := p.methodsOf(h)
		return matchSpec{kind: pAny, methods: ms}, ok
	case ":path":
		sm := h.get("string_match")
		if s := firstOK(h.get("exact_match"), sm.get("exact")); s.ok() {
			return matchSpec{kind: pExact, value: p.str(s)}, true
		}
		if s := firstOK(h.get("prefix_match"), sm.get("prefix")); s.ok() {
			return matchSpec{kind: pPrefix, value: p.str(s)}, true
		}
		if s := firstOK(h.get("safe_regex_match").get("regex"), sm.get("safe_regex").get("regex")); s.ok() {
			m := matchSpec{kind: pRegex, value: p.str(s)}
			return m, p.regexSpec(&m, s, "pass_through_matcher")
		}
	}
	return matchSpec{}, false
}

// rbacMode reads an RBAC filter config (http or network): rules with
// action ALLOW (even with no policies: then everything is denied) or DENY
// with policies enforce; a matcher tree enforces unless its only actions
// are LOG; LOG rules, shadow_rules or a shadow_matcher alone only
// monitor.
func (p *parser) rbacMode(cfg val) (enforcing, monitor bool) {
	if cfg.n != nil {
		if r, ok := p.rbac[cfg.n]; ok {
			return r[0], r[1]
		}
		defer func() { p.rbac[cfg.n] = [2]bool{enforcing, monitor} }()
	}
	if r := cfg.get("rules"); p.obj(r) {
		switch strings.ToUpper(p.str(r.get("action"))) {
		case "", "ALLOW", "0":
			enforcing = true
		case "DENY", "1":
			enforcing = len(p.entries(r.get("policies"))) > 0
		case "LOG", "2":
			monitor = true
		}
	}
	if m := cfg.get("matcher"); m.ok() {
		if actions := p.rbacActions(m, 0); len(actions) > 0 && allEqual(actions, "LOG") {
			monitor = true
		} else {
			enforcing = true
		}
	}
	if !enforcing && (cfg.get("shadow_rules").ok() || cfg.get("shadow_matcher").ok()) {
		monitor = true
	}
	return enforcing, monitor && !enforcing
}

// rbacActions collects the envoy.config.rbac.v3.Action actions of a
// matcher tree.
func (p *parser) rbacActions(v val, depth int) []string {
	if depth > 64 || !v.ok() {
		return nil
	}
	var out []string
	switch v.n.Kind {
	case yaml.MappingNode:
		if strings.HasSuffix(p.typeName(v), "rbac.v3.Action") {
			a := strings.ToUpper(p.str(v.get("action")))
			if a == "" {
				a = "ALLOW"
			}
			out = append(out, a)
		}
		for _, e := range p.entries(v) {
			out = append(out, p.rbacActions(e.v, depth+1)...)
		}
	case yaml.SequenceNode:
		for _, e := range p.list(v) {
			out = append(out, p.rbacActions(e, depth+1)...)
		}
	}
	return out
}

func allEqual(xs []string, s string) bool {
	for _, x := range xs {
		if x != s {
			return false
		}
	}
	return true
}

// evalLocalRateLimit reads local_ratelimit. The per-route LocalRateLimit
// replaces the filter's config. The limit applies only when the config has
// a token bucket (or descriptors the route's rate_limits can select),
// filter_enabled > 0 and filter_enforced > 0; both default to 0%
// ("for safety", local_rate_limit.proto). Enabled but not enforced is
// monitor-only.
func (p *parser) evalLocalRateLimit(ev *filterEval, pr *perFilter, env *routeEnv) {
	cfg := ev.f.cfg
	if pr != nil {
		cfg = pr.body
	}
	tb := cfg.get("token_bucket")
	descs := p.objects(cfg.get("descriptors"))
	hasDescActions := len(p.list(env.route.get("route").get("rate_limits"))) > 0 ||
		len(p.list(env.vh.get("rate_limits"))) > 0 || len(p.list(cfg.get("rate_limits"))) > 0
	if !tb.ok() && !(len(descs) > 0 && hasDescActions) {
		ev.active = false
		return
	}
	if p.fraction(cfg.get("filter_enabled"), 0) == 0 {
		ev.active = false
		return
	}
	ev.protective = true
	if p.fraction(cfg.get("filter_enforced"), 0) == 0 {
		ev.monitor = true
		return
	}
	ev.rateLimit = true
	var per []int64
	if tb.ok() {
		if n := p.tokenBucket(tb); n > 0 {
			per = append(per, n)
		}
	}
	if hasDescActions {
		for _, d := range descs {
			if n := p.tokenBucket(d.get("token_bucket")); n > 0 {
				per = append(per, n)
			}
		}
	}
	for _, n := range per {
		if ev.perMinute == 0 || n < ev.perMinute {
			ev.perMinute = n
		}
	}
}

// tokenBucket normalises a TokenBucket to requests per minute:
// tokens_per_fill (default 1) per fill_interval, rounded up.
func (p *parser) tokenBucket(tb val) int64 {
	if !p.obj(tb) {
		return 0
	}
	fi, ok := p.duration(tb.get("fill_interval"))
	if !ok {
		if p.err == nil {
			p.fail(tb, "token_bucket has no fill_interval")
		}
		return 0
	}
	tokens := int64(1)
	if n, ok := p.integer(tb.get("tokens_per_fill")); ok {
		tokens = n
	}
	if fi <= 0 || tokens <= 0 {
		return 0
	}
	perMin := math.Ceil(float64(tokens) * 60 / fi)
	if perMin > math.MaxInt32 {
		perMin = math.MaxInt32
	}
	return int64(perMin)
}

// evalGlobalRateLimit reads the ratelimit filter (an external rate limit
// service). It limits a route only when rate_limits actions produce
// descriptors for its stage: the route's (RouteAction.rate_limits, or a
// RateLimitPerRoute's rate_limits), and the virtual host's unless the
// route has any of its own (vh_rate_limits OVERRIDE, the default; INCLUDE always,
// IGNORE never; legacy include_vh_rate_limits: true = INCLUDE). The limits
// themselves live in the service, so no per-minute figure.
func (p *parser) evalGlobalRateLimit(ev *filterEval, pr *perFilter, env *routeEnv) {
	cfg := ev.f.cfg
	stage, _ := p.integer(cfg.get("stage"))
	count := func(v val) int {
		n := 0
		for _, rl := range p.objects(v) {
			if s, _ := p.integer(rl.get("stage")); s == stage {
				n++
			}
		}
		return n
	}
	routeN := count(env.route.get("route").get("rate_limits"))
	routeAny := len(p.list(env.route.get("route").get("rate_limits"))) > 0
	vhOpt := "OVERRIDE"
	if inc, _ := p.boolean(env.route.get("route").get("include_vh_rate_limits")); inc {
		vhOpt = "INCLUDE"
	}
	if pr != nil {
		routeN += count(pr.body.get("rate_limits"))
		routeAny = routeAny || len(p.list(pr.body.get("rate_limits"))) > 0
		if o := pr.body.get("vh_rate_limits"); o.ok() {
			switch strings.ToUpper(p.str(o)) {
			case "INCLUDE", "1":
				vhOpt = "INCLUDE"
			case "IGNORE", "2":
				vhOpt = "IGNORE"
			default:
				vhOpt = "OVERRIDE"
			}
		}
	}
	vhN := count(env.vh.get("rate_limits"))
	n := routeN
	// OVERRIDE: the virtual host's rate limits apply when the route has
	// none at all (RateLimitPolicy::empty(), whatever the stage).
	if vhOpt == "INCLUDE" || (vhOpt == "OVERRIDE" && !routeAny) {
		n += vhN
	}
	n += count(cfg.get("rate_limits"))
	if n == 0 {
		ev.active = false
		return
	}
	ev.protective = true
	if p.fraction(cfg.get("filter_enabled"), 100) == 0 {
		ev.active = false
		return
	}
	if p.fraction(cfg.get("filter_enforced"), 100) == 0 {
		ev.monitor = true
		return
	}
	ev.rateLimit = true
}

// mutationHeaders lists the response headers a header_mutation config adds.
func (p *parser) mutationHeaders(cfg val) []string {
	var out []string
	for _, m := range p.objects(cfg.get("mutations").get("response_mutations")) {
		h := m.get("append").get("header")
		if k := p.str(h.get("key")); k != "" && !disablingValue(k, p.str(h.get("value"))) {
			out = append(out, strings.ToLower(k))
		}
	}
	return out
}

// corsEval is the CORS policy in effect on a route.
type corsEval struct {
	enabled     bool
	origins     []string
	wildcard    bool
	credentials bool
}

// corsPolicy is one CorsPolicy (typed per-filter config or legacy block).
type corsPolicy struct{ v val }

// evalCORS follows Envoy's cors filter (cors_filter.cc): the policies are
// the CorsPolicy entries of typed_per_filter_config from the most to the
// least specific level, or, when there is none, the legacy cors blocks of
// the route and the virtual host. enabled() comes from the most specific
// policy (filter_enabled, else the legacy enabled flag, else on); each
// other field from the most specific policy that sets it. An allowed
// origin matcher that matches "*" allows every origin, and Envoy echoes
// the request's Origin back.
func (p *parser) evalCORS(f *httpFilter, env *routeEnv) *corsEval {
	var policies []corsPolicy
	for _, pf := range p.perFilterConfigs(f, env.levels) {
		if pf.disabled {
			break
		}
		if pf.typ != "" {
			policies = append(policies, corsPolicy{pf.body})
		}
	}
	if len(policies) == 0 {
		for _, v := range []val{env.route.get("route").get("cors"), env.vh.get("cors")} {
			if p.obj(v) {
				policies = append(policies, corsPolicy{v})
			}
		}
	}
	ce := &corsEval{}
	if len(policies) == 0 {
		return ce
	}
	top := policies[0].v
	switch {
	case top.get("filter_enabled").ok():
		ce.enabled = p.fraction(top.get("filter_enabled"), 100) > 0
	case top.get("enabled").ok():
		ce.enabled, _ = p.boolean(top.get("enabled"))
	default:
		ce.enabled = true // CorsPolicyImplBase::enabled(): on unless filter_enabled says otherwise
	}
	if !ce.enabled {
		return ce
	}
	for _, pol := range policies {
		if ms := p.objects(pol.v.get("allow_origin_string_match")); len(ms) > 0 {
			for _, m := range ms {
				desc, wild := p.originMatcher(m)
				ce.origins = append(ce.origins, desc)
				ce.wildcard = ce.wildcard || wild
			}
			break
		}
		legacy := p.list(pol.v.get("allow_origin"))
		legacyRE := p.list(pol.v.get("allow_origin_regex"))
		if len(legacy) > 0 || len(legacyRE) > 0 {
			for _, o := range legacy {
				s := p.str(o)
				ce.origins = append(ce.origins, s)
				ce.wildcard = ce.wildcard || s == "*" || s == "null"
			}
			for _, o := range legacyRE {
				desc, wild := p.originRegex(o, p.str(o), false)
				ce.origins = append(ce.origins, desc)
				ce.wildcard = ce.wildcard || wild
			}
			break
		}
	}
	for _, pol := range policies {
		if c, set := p.boolean(pol.v.get("allow_credentials")); set {
			ce.credentials = c
			break
		}
	}
	return ce
}

// probeOrigins are origins no allow-list should accept: "*" (Envoy treats
// a matcher matching "*" as allowing everything), an unrelated site, and
// "null" (sandboxed documents).
var probeOrigins = []string{"*", "https://posture-probe.invalid", "null"}

// originMatcher describes a StringMatcher of allowed origins and reports
// whether it lets any origin through.
func (p *parser) originMatcher(m val) (desc string, wildcard bool) {
	ic, _ := p.boolean(m.get("ignore_case"))
	fold := func(s string) string {
		if ic {
			return strings.ToLower(s)
		}
		return s
	}
	test := func(pred func(string) bool) bool {
		for _, o := range probeOrigins {
			if pred(fold(o)) {
				return true
			}
		}
		return false
	}
	switch {
	case m.get("exact").ok():
		s := p.str(m.get("exact"))
		return s, test(func(o string) bool { return o == fold(s) })
	case m.get("prefix").ok():
		s := p.str(m.get("prefix"))
		return "prefix:" + s, test(func(o string) bool { return strings.HasPrefix(o, fold(s)) })
	case m.get("suffix").ok():
		s := p.str(m.get("suffix"))
		return "suffix:" + s, test(func(o string) bool { return strings.HasSuffix(o, fold(s)) })
	case m.get("contains").ok():
		s := p.str(m.get("contains"))
		return "contains:" + s, test(func(o string) bool { return strings.Contains(o, fold(s)) })
	case m.get("safe_regex").ok():
		r := m.get("safe_regex").get("regex")
		return p.originRegex(r, p.str(r), ic)
	}
	return "unknown matcher", false
}

func (p *parser) originRegex(at val, src string, ic bool) (string, bool) {
	re, err := p.compile(anchored(src, ic))
	if err != nil {
		p.fail(at, "CORS origin regex %q does not compile: %v", clip(src), err)
		return "", false
	}
	for _, o := range probeOrigins {
		if re.MatchString(o) {
			return "regex:" + src, true
		}
	}
	return "regex:" + src, false
}

// securityHeaders are response headers that harden clients.
var securityHeaders = map[string]bool{
	"strict-transport-security": true, "x-content-type-options": true, "x-frame-options": true,
	"content-security-policy": true, "referrer-policy": true, "permissions-policy": true,
	"cache-control": true, "cross-origin-opener-policy": true, "cross-origin-resource-policy": true,
	"cross-origin-embedder-policy": true,
}

// disablingValue reports a header value that switches the protection off.
func disablingValue(name, value string) bool {
	return strings.EqualFold(name, "strict-transport-security") && hstsOffRE.MatchString(value)
}

var hstsOffRE = regexp.MustCompile(`(?i)(^|;)\s*max-age\s*=\s*"?0*"?\s*(;|$)`)

// responseHeaders lists the headers a response_headers_to_add adds.
func (p *parser) responseHeaders(v val) []string {
	var out []string
	for _, h := range p.objects(v) {
		hv := h.get("header")
		k := p.str(hv.get("key"))
		if k != "" && !disablingValue(k, p.str(hv.get("value"))) {
			out = append(out, strings.ToLower(k))
		}
	}
	sort.Strings(out)
	return out
}
