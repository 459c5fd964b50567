package nginx

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// How nginx merges configuration levels (main/http -> server -> location ->
// nested location), as each module's merge_loc_conf/merge_srv_conf does it
// and the module documentation states:
//
//   - Most directives are inherited from the previous level unless the
//     current level sets the same directive ("standard" inheritance):
//     auth_basic, auth_basic_user_file, auth_request, auth_jwt, satisfy,
//     client_max_body_size, the *_timeout directives, ssl_protocols,
//     ssl_verify_client, limit_req_dry_run, the lua *_by_lua* handlers.
//     inherited() returns the innermost one.
//   - Array directives are inherited as a whole, and only when the current
//     level has none of them: add_header ("inherited from the previous
//     configuration level if and only if there are no add_header
//     directives defined on the current level", ngx_http_headers_module;
//     1.29.3 adds add_header_inherit off|merge to change that),
//     access_log (and "access_log off" at a level turns off every log of
//     that level, ngx_http_log_module), limit_req and limit_conn
//     ("inherited from the previous configuration level if and only if
//     there are no limit_req directives defined on the current level"),
//     allow/deny (one rule list, ngx_http_access_module). unit() returns
//     the innermost level's list.
//   - headers-more's more_set_headers is merged instead: the outer
//     level's commands run first, then the inner ones
//     (ngx_http_headers_more_merge_loc_conf).
//   - Content handlers (proxy_pass, grpc_pass, fastcgi_pass, ...) and the
//     rewrite module (return, rewrite, if) are not inherited by nested
//     locations: only the route's own location counts, plus the server
//     level's return/rewrite, which run before a location is chosen.
//   - The directives of an "if" block apply only to requests that match its
//     condition; they are ignored except for CORS headers (a CORS header
//     sent for some requests still opens the route to cross-origin reads)
//     and for a plain-HTTP check that redirects to https.

// inherited returns the innermost directive called name along the chain
// (standard inheritance), or nil.
func (p *parser) inherited(chain []*Directive, name string) *Directive {
	for i := len(chain) - 1; i >= 0; i-- {
		if ds := p.children(chain[i])[name]; len(ds) > 0 {
			return ds[0]
		}
	}
	return nil
}

// unit returns the directives called name at the innermost level that has
// one (array inheritance), in document order.
func (p *parser) unit(chain []*Directive, name string) []*Directive {
	for i := len(chain) - 1; i >= 0; i-- {
		if ds := p.children(chain[i])[name]; len(ds) > 0 {
			return ds
		}
	}
	return nil
}

// accessRules returns the level whose allow/deny list is in effect: the
// innermost level with any rule (nil when there is none).
func (p *parser) accessRules(chain []*Directive) *blockInfo {
	for i := len(chain) - 1; i >= 0; i-- {
		if bi := p.info(chain[i]); len(bi.access) > 0 {
			return bi
		}
	}
	return nil
}

func isOn(d *Directive) bool { return d != nil && len(d.Args) > 0 && d.Args[0] == "on" }

func isOff(d *Directive) bool { return d == nil || len(d.Args) == 0 || d.Args[0] == "off" }

// tri is a three-valued truth: a fact that is true, false or unknown.
type tri int8

const (
	triNo tri = iota
	triYes
	triUnknown
)

func and(a, b tri) tri {
	switch {
	case a == triNo || b == triNo:
		return triNo
	case a == triUnknown || b == triUnknown:
		return triUnknown
	}
	return triYes
}

func or(a, b tri) tri {
	switch {
	case a == triYes || b == triYes:
		return triYes
	case a == triUnknown || b == triUnknown:
		return triUnknown
	}
	return triNo
}

func setTri(f collectors.Facts, key string, v tri) {
	if v != triUnknown {
		f[key] = v == triYes
	}
}

var redirectCodes = map[string]bool{"301": true, "302": true, "303": true, "307": true, "308": true}

// httpsRedirect reports whether a return or rewrite sends every request it
// handles to an https:// URL.
func httpsRedirect(d *Directive) bool {
	switch d.Name {
	case "return":
		switch len(d.Args) {
		case 1:
			return strings.HasPrefix(strings.ToLower(d.Args[0]), "https://")
		case 2:
			return redirectCodes[d.Args[0]] && strings.HasPrefix(strings.ToLower(d.Args[1]), "https://")
		}
	case "rewrite":
		if len(d.Args) < 2 || !strings.HasPrefix(strings.ToLower(d.Args[1]), "https://") {
			return false
		}
		if len(d.Args) == 3 && d.Args[2] != "permanent" && d.Args[2] != "redirect" {
			return false
		}
		re, err := regexp.Compile(d.Args[0])
		return err == nil && re.MatchString("/") && re.MatchString("/any/path.json")
	}
	return false
}

var schemeVars = regexp.MustCompile(`\$(scheme|https|server_port|http_x_forwarded_proto|http_x_forwarded_port)\b`)

// redirectsToHTTPS reports whether a server or location block redirects
// its plain-HTTP requests to https: a return/rewrite to https:// at the
// block's own level, or inside an "if" that tests the scheme ("if ($scheme
// = http) { return 301 https://$host$request_uri; }").
func redirectsToHTTPS(b *Directive) bool {
	for _, c := range b.Block {
		if httpsRedirect(c) {
			return true
		}
		if c.Name == "if" && c.IsBlock && schemeVars.MatchString(strings.Join(c.Args, " ")) {
			for _, in := range c.Block {
				if httpsRedirect(in) {
					return true
				}
			}
		}
	}
	return false
}

// handlers are the content handlers that forward a request upstream.
var handlers = []string{"proxy_pass", "grpc_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass"}

// securityHeaders are the response headers headers.set reports.
var securityHeaders = map[string]bool{
	"strict-transport-security": true, "x-content-type-options": true, "x-frame-options": true,
	"content-security-policy": true, "referrer-policy": true, "permissions-policy": true,
	"cross-origin-opener-policy": true, "cross-origin-embedder-policy": true,
	"cross-origin-resource-policy": true,
}

// header is one response header a route adds.
type header struct {
	name  string // lower case
	value string
	cond  string // the "if" condition it depends on, "" when unconditional
}

// hdrInfo is the response headers in effect at a block and what they mean.
// A block that changes nothing shares its parent's, so routes under one
// server evaluate the server's headers once.
type hdrInfo struct {
	add  []header     // add_header list in effect
	more []*Directive // headers-more commands in effect, outer first
	sec  map[string]tri
	cors corsResult
}

var noHeaders = &hdrInfo{sec: map[string]tri{}}

// hdrs returns the headers in effect at the chain's last block: add_header
// with its replace-as-a-whole inheritance (and add_header_inherit), then
// headers-more's merged more_set_headers/more_clear_headers.
func (p *parser) hdrs(chain []*Directive) *hdrInfo {
	if len(chain) == 0 {
		return noHeaders
	}
	b := chain[len(chain)-1]
	bi := p.info(b)
	parent := p.hdrs(chain[:len(chain)-1])
	mode := "on"
	if d := p.inherited(chain, "add_header_inherit"); d != nil {
		mode = d.Args[0]
	}
	// An included file's blocks can sit in several chains (the same
	// snippet included by two servers), so the memo is keyed on what the
	// result depends on, not on the block alone.
	key := hdrKey{parent, b, mode}
	if h, ok := p.hdrMemo[key]; ok {
		return h
	}
	var own []header
	for _, d := range bi.byName["add_header"] {
		own = append(own, header{name: strings.ToLower(d.Args[0]), value: d.Args[1]})
	}
	ownMore := bi.more
	if len(own) == 0 && len(ownMore) == 0 && mode != "off" {
		p.hdrMemo[key] = parent
		return parent
	}
	h := &hdrInfo{add: parent.add, more: parent.more}
	switch {
	case len(own) > 0 && mode == "merge":
		h.add = append(parent.add[:len(parent.add):len(parent.add)], own...)
	case len(own) > 0:
		h.add = own
	case mode == "off":
		h.add = nil
	}
	if len(ownMore) > 0 {
		h.more = append(parent.more[:len(parent.more):len(parent.more)], ownMore...)
	}
	final := h.add
	for _, d := range h.more {
		for _, mh := range moreHeaders(d) {
			final = dropHeader(final, mh.name)
			if d.Name == "more_set_headers" && mh.value != "" {
				final = append(final, mh)
			}
		}
	}
	h.sec = map[string]tri{}
	for name := range securityHeaders {
		h.sec[name] = p.headerState(final, name)
	}
	h.cors = p.cors(final)
	p.hdrMemo[key] = h
	return h
}

// hdrKey identifies the headers in effect at a block reached through a
// given parent.
type hdrKey struct {
	parent *hdrInfo
	block  *Directive
	mode   string
}

// moreHeaders reads the "Name: value" arguments of a headers-more
// directive; -s/-t filters make the headers conditional.
func moreHeaders(d *Directive) []header {
	var out []header
	cond := ""
	for i := 0; i < len(d.Args); i++ {
		a := d.Args[i]
		if a == "-s" || a == "-t" {
			if i+1 < len(d.Args) {
				cond = a + " " + d.Args[i+1]
			}
			i++
			continue
		}
		name, value, _ := strings.Cut(a, ":")
		out = append(out, header{name: strings.ToLower(strings.TrimSpace(name)), value: strings.TrimSpace(value), cond: cond})
	}
	return out
}

func dropHeader(hs []header, name string) []header {
	var out []header
	for _, h := range hs {
		match := h.name == name
		if strings.HasSuffix(name, "*") {
			match = strings.HasPrefix(h.name, strings.TrimSuffix(name, "*"))
		}
		if !match {
			out = append(out, h)
		}
	}
	return out
}

// valInfo is what a header value resolves to.
type valInfo struct {
	vals           []string // the values it can take
	sometimesEmpty bool     // some requests get "" (nginx then adds no header)
	known          bool     // false: a variable defined nowhere posture read
}

// values resolves a header value: a literal, or the values of the map that
// defines the variable. Results are cached: a map is read once however
// many routes use it.
func (p *parser) values(v string) valInfo {
	if vi, ok := p.valCache[v]; ok {
		return vi
	}
	var vi valInfo
	name := varName(v)
	switch {
	case name == "":
		vi = valInfo{[]string{v}, v == "", !strings.Contains(v, "$")}
	case name == "http_origin":
		vi = valInfo{[]string{v}, true, true}
	case p.maps[name] == nil:
		vi = valInfo{[]string{v}, false, false}
	default:
		m := p.maps[name]
		vi.known = true
		for _, e := range m.entries {
			vi.vals = append(vi.vals, e.value)
			if e.value == "" {
				vi.sometimesEmpty = true
			}
		}
		if !m.hasDef || m.def == "" {
			vi.sometimesEmpty = true
		}
		if m.hasDef && m.def != "" {
			vi.vals = append(vi.vals, m.def)
		}
	}
	p.valCache[v] = vi
	return vi
}

// headerState tells whether a header is added to every response of the
// route (a non-empty value on every request), to none, or cannot be told.
func (p *parser) headerState(hs []header, name string) tri {
	state := triNo
	for _, h := range hs {
		if h.name != name || h.cond != "" {
			continue
		}
		vi := p.values(h.value)
		switch {
		case !vi.known:
			state = or(state, triUnknown)
		case len(vi.vals) > 0 && !vi.sometimesEmpty:
			state = triYes
		}
	}
	return state
}

var originCond = regexp.MustCompile(`^\(?\s*\$http_origin\s*(~\*|~|=)\s*(.*?)\s*\)?$`)

// maxOrigins caps cors.origins: a map with thousands of entries is
// summarised, not copied into every route's facts.
const maxOrigins = 64

// corsResult is the reading of the Access-Control-Allow-* headers of a
// route (or part of them: results of separate header lists merge).
type corsResult struct {
	present     bool
	wildcard    tri
	origins     []string
	credentials bool
}

func (r corsResult) merge(o corsResult) corsResult {
	out := corsResult{present: r.present || o.present, wildcard: or(r.wildcard, o.wildcard),
		credentials: r.credentials || o.credentials}
	out.origins = appendOrigins(append([]string(nil), r.origins...), o.origins...)
	return out
}

func appendOrigins(list []string, add ...string) []string {
	for _, o := range add {
		if len(list) >= maxOrigins {
			break
		}
		dup := false
		for _, x := range list {
			if x == o {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, o)
		}
	}
	return list
}

// cors evaluates a list of response headers.
func (p *parser) cors(hs []header) corsResult {
	r := corsResult{wildcard: triNo}
	for _, h := range hs {
		switch h.name {
		case "access-control-allow-credentials":
			if strings.EqualFold(strings.Trim(h.value, `"' `), "true") {
				r.credentials = true
			}
			continue
		case "access-control-allow-origin":
		default:
			continue
		}
		if h.value == "" {
			continue
		}
		r.present = true
		// Reflection guarded by "if ($http_origin ~* PATTERN)" only
		// answers origins the pattern accepts: restricted.
		if m := originCond.FindStringSubmatch(h.cond); m != nil && varName(h.value) == "http_origin" {
			r.origins = appendOrigins(r.origins, strings.Trim(m[2], `"'`))
			continue
		}
		if name := varName(h.value); name != "" && name != "http_origin" && p.maps[name] != nil {
			r = r.merge(*p.mapCors(name))
			continue
		}
		vi := p.values(h.value)
		switch v := h.value; {
		case !vi.known:
			r.wildcard = or(r.wildcard, triUnknown)
			r.origins = appendOrigins(r.origins, v)
		default:
			r = r.merge(p.originValue(v, ""))
		}
	}
	return r
}

// originValue reads one possible Access-Control-Allow-Origin value; key is
// the map key that yields it, when it comes from a map keyed on the origin.
func (p *parser) originValue(v, key string) corsResult {
	r := corsResult{present: true, wildcard: triNo}
	switch {
	case v == "":
	case v == "*":
		r.wildcard = triYes
		r.origins = []string{"*"}
	case varName(v) == "http_origin" && key != "":
		r.origins = []string{key}
	case varName(v) == "http_origin":
		r.wildcard = triYes
		r.origins = []string{"$http_origin"}
	case strings.Contains(v, "$"):
		r.wildcard = triUnknown
		r.origins = []string{v}
	default:
		r.origins = []string{v}
	}
	return r
}

// mapCors reads a map used as Access-Control-Allow-Origin: every value it
// can yield. Reflecting $http_origin from an entry keyed on $http_origin
// answers only the origins that key accepts; from the default entry, or a
// map keyed on anything else, it answers every origin.
func (p *parser) mapCors(name string) *corsResult {
	if r, ok := p.mapCORS[name]; ok {
		return r
	}
	m := p.maps[name]
	r := corsResult{present: true, wildcard: triNo}
	for _, e := range m.entries {
		key := ""
		if m.source == "$http_origin" {
			key = e.key
		}
		r = r.merge(p.originValue(e.value, key))
	}
	if m.hasDef {
		r = r.merge(p.originValue(m.def, ""))
	}
	p.mapCORS[name] = &r
	return &r
}

// ifHeaders returns the headers added inside "if" blocks of a location,
// tagged with their condition.
func ifHeaders(loc *Directive) []header {
	var out []header
	for _, c := range loc.Block {
		if c.Name != "if" || !c.IsBlock {
			continue
		}
		cond := strings.Join(c.Args, " ")
		for _, d := range c.Block {
			switch d.Name {
			case "add_header":
				out = append(out, header{name: strings.ToLower(d.Args[0]), value: d.Args[1], cond: cond})
			case "more_set_headers":
				for _, h := range moreHeaders(d) {
					h.cond = cond
					out = append(out, h)
				}
			}
		}
	}
	return out
}

// restrictive reports whether an allow/deny list denies some client: a
// deny rule is reached before any "allow all" (rules apply in order, the
// first match wins).
func restrictive(rules []*Directive) (denies, allows bool) {
	for _, r := range rules {
		if r.Name == "allow" {
			allows = true
			if r.Args[0] == "all" {
				return denies, true
			}
			continue
		}
		denies = true
	}
	return denies, allows
}

var luaAccess = []string{"access_by_lua", "access_by_lua_block", "access_by_lua_file"}
var luaInspect = []string{"rewrite_by_lua", "rewrite_by_lua_block", "rewrite_by_lua_file",
	"access_by_lua", "access_by_lua_block", "access_by_lua_file"}

// maxUnresolved caps the unresolved includes listed per route (in
// gateway.plugins, the Location warnings and Route.Unresolved); the rest
// are counted.
const maxUnresolved = 16

// effective computes the facts of one route from its chain of levels
// (main, http, server, locations...). It also returns the unresolved
// includes met along the chain: their content could change the facts.
func (p *parser) effective(chain []*Directive, sc *srvCtx) (f collectors.Facts, unresolved []Include, more int) {
	f = collectors.Facts{}
	plugins := map[string]bool{}
	last := chain[len(chain)-1]
	isLoc := last.Name == "location"
	si := len(chain) - 1
	for si > 0 && chain[si].Name != "server" {
		si--
	}
	server := chain[si]
	srvChain := chain[:si+1]

	// Plugins: notable modules configured along the chain; return,
	// rewrite, limit_except and internal (the location answers only
	// internal redirects and subrequests) only on the route's own level,
	// plus the server's return/rewrite, which run before a location is
	// chosen.
	for _, b := range chain {
		bi := p.info(b)
		for _, n := range bi.plugins {
			plugins[n] = true
		}
		if b == last || b == server {
			for _, n := range bi.own {
				if b == last || n == "return" || n == "rewrite" {
					plugins[n] = true
				}
			}
		}
	}

	// ---- TLS ----
	anyTLS := sc.anyTLS
	redirect := p.info(server).redirect || (isLoc && p.info(last).redirect)
	tlsEnforced := sc.allTLS || redirect
	f[collectors.FactTLSEnforced] = tlsEnforced
	if anyTLS {
		plugins["ssl"] = true
		if d := p.inherited(srvChain, "ssl_protocols"); d != nil {
			best, name := 99, ""
			for _, a := range d.Args {
				if v, ok := tlsVersions[a]; ok && v.rank < best {
					best, name = v.rank, v.name
				}
			}
			if name != "" {
				f[collectors.FactTLSMinVersion] = name
			}
		}
	}

	// ---- authentication and authorization ----
	var authM, authzM []string
	custom := false
	if d := p.inherited(chain, "auth_basic"); !isOff(d) {
		if p.inherited(chain, "auth_basic_user_file") != nil {
			authM = append(authM, "basic-auth")
			plugins["auth_basic"] = true
		} else {
			// ngx_http_auth_basic_handler declines without a user file.
			plugins["auth_basic(no-user-file)"] = true
		}
	}
	if d := p.inherited(chain, "auth_request"); !isOff(d) {
		authM = append(authM, "ext-authz")
		authzM = append(authzM, "ext-authz")
		plugins["auth_request"] = true
		f[collectors.FactPolicyPerCall] = true
	}
	if d := p.inherited(chain, "auth_jwt"); !isOff(d) {
		authM = append(authM, "jwt")
		plugins["auth_jwt"] = true
	}
	if d := p.inherited(srvChain, "ssl_verify_client"); d != nil && d.Args[0] != "off" {
		if d.Args[0] == "on" && anyTLS {
			plugins["ssl_verify_client"] = true
			if tlsEnforced {
				authM = append(authM, "mtls")
			}
		} else {
			plugins["ssl_verify_client("+d.Args[0]+")"] = true
		}
	}
	for _, n := range luaAccess {
		if p.inherited(chain, n) != nil {
			custom = true
		}
	}
	acc := p.accessRules(chain)
	denies, allows := false, false
	if acc != nil {
		plugins["access"] = true
		denies, allows = acc.denies, acc.allows
	}
	if denies {
		authzM = append(authzM, "ip-restriction")
	}
	authOK, authzOK := len(authM) > 0, len(authzM) > 0
	if d := p.inherited(chain, "satisfy"); d != nil && d.Args[0] == "any" && acc != nil && len(authM) > 0 {
		// "satisfy any": access is granted when the access module OR an
		// auth module allows it. A client the allow list admits needs no
		// credential; a credential overrides the deny list.
		plugins["satisfy_any"] = true
		if allows {
			authOK, authzOK = false, false
		} else {
			authzOK = len(authzM) > 1 || (len(authzM) == 1 && authzM[0] != "ip-restriction")
		}
	}
	if custom {
		authM = append(authM, "custom")
	}
	switch {
	case authOK:
		f[collectors.FactAuthEnforced] = true
	case custom:
		// access_by_lua may or may not check a credential: unknown.
	default:
		f[collectors.FactAuthEnforced] = false
	}
	switch {
	case authzOK:
		f[collectors.FactAuthzEnforced] = true
	case custom:
	default:
		f[collectors.FactAuthzEnforced] = false
	}
	if len(authM) > 0 {
		f[collectors.FactAuthMechanisms] = sortedUnique(authM)
	}
	if len(authzM) > 0 {
		f[collectors.FactAuthzMechanisms] = sortedUnique(authzM)
	}

	// ---- request inspection ----
	inspected := false
	for _, n := range luaInspect {
		if p.inherited(chain, n) != nil {
			inspected = true
		}
	}
	if isOn(p.inherited(chain, "modsecurity")) {
		plugins["modsecurity"], inspected = true, true
	}
	if isOn(p.inherited(chain, "app_protect_enable")) {
		plugins["app_protect"], inspected = true, true
	}
	if !inspected {
		// Stock nginx has no request schema validation.
		f[collectors.FactValidationEnforced] = false
	}

	// ---- rate limits ----
	enforcing := triYes
	reqs := p.unit(chain, "limit_req")
	if len(reqs) > 0 {
		plugins["limit_req"] = true
		minRate, allKnown := int64(-1), true
		for _, d := range reqs {
			zone, _ := p.limitReqZone(d)
			rate, ok := p.zones[zone]
			if !ok || rate < 0 {
				allKnown = false
				continue
			}
			if minRate < 0 || rate < minRate {
				minRate = rate
			}
		}
		if allKnown && minRate > 0 {
			f[collectors.FactRateLimitPerMinute] = minRate
		}
		if isOn(p.inherited(chain, "limit_req_dry_run")) {
			plugins["limit_req_dry_run"] = true
			enforcing = triNo
			f[collectors.FactRateLimitEnabled] = false
		} else {
			f[collectors.FactRateLimitEnabled] = true
		}
	} else {
		f[collectors.FactRateLimitEnabled] = false
	}
	if len(p.unit(chain, "limit_conn")) > 0 {
		plugins["limit_conn"] = true
		if isOn(p.inherited(chain, "limit_conn_dry_run")) {
			plugins["limit_conn_dry_run"] = true
			enforcing = triNo
		}
	}
	if plugins["modsecurity"] {
		rulesText := ""
		for _, d := range p.unit(chain, "modsecurity_rules") {
			rulesText += strings.Join(d.Args, " ") + "\n"
		}
		switch {
		case strings.Contains(rulesText, "DetectionOnly"):
			enforcing = triNo
		case strings.Contains(rulesText, "SecRuleEngine On"):
		case enforcing == triYes:
			enforcing = triUnknown // the engine mode is in a rules file
		}
	}
	if plugins["app_protect"] && enforcing == triYes {
		enforcing = triUnknown // the enforcement mode is in the policy file
	}
	setTri(f, collectors.FactEnforcementMode, enforcing)

	// ---- upstream ----
	var handler *Directive
	if isLoc {
		kids := p.children(last)
		for _, h := range handlers {
			if ds := kids[h]; len(ds) > 0 {
				handler = ds[0]
				break
			}
		}
	}
	if handler != nil {
		plugins[handler.Name] = true
		f[collectors.FactUpstream] = handler.Args[0]
		if v := p.mtlsUpstream(chain, handler); v != triUnknown {
			f[collectors.FactMTLSUpstream] = v == triYes
		}
	}

	// ---- timeouts ----
	explicit := map[string]int64{}
	for _, n := range timeoutDirectives {
		if d := p.inherited(chain, n); d != nil && !templated(d.Args[0]) {
			if ms, ok := parseTime(d.Args[0]); ok {
				explicit[n] = ms
			}
		}
	}
	f[collectors.FactTimeoutConfigured] = len(explicit) > 0
	if len(explicit) > 0 {
		var longest int64
		if handler != nil {
			mod := strings.TrimSuffix(handler.Name, "_pass")
			for _, k := range []string{"_connect_timeout", "_read_timeout", "_send_timeout"} {
				v, ok := explicit[mod+k]
				if !ok {
					v = 60_000 // the documented default of each
				}
				longest = max(longest, v)
			}
		} else {
			for _, v := range explicit {
				longest = max(longest, v)
			}
		}
		f[collectors.FactTimeoutSeconds] = (longest + 999) / 1000
	}

	// ---- body size ----
	if d := p.inherited(chain, "client_max_body_size"); d == nil {
		// nginx applies 1m when unset; that default is not a deliberate,
		// auditable setting, so it does not count.
		f[collectors.FactBodySizeLimited] = false
	} else if n, ok := parseSize(d.Args[0]); ok {
		plugins["client_max_body_size"] = true
		f[collectors.FactBodySizeLimited] = n > 0
		if n > 0 {
			f[collectors.FactBodySizeMaxBytes] = n
		}
	}

	// ---- access logs ----
	logs := p.unit(chain, "access_log")
	switch {
	case len(logs) == 0:
		// No access_log anywhere: nginx writes logs/access.log in the
		// combined format (the compiled-in default).
		f[collectors.FactLoggingEnabled] = true
		f[collectors.FactLoggingSinks] = []string{"default"}
	default:
		var sinks []string
		off := false
		for _, d := range logs {
			switch a := d.Args[0]; {
			case a == "off":
				off = true
			case strings.HasPrefix(a, "syslog:"):
				sinks = append(sinks, "syslog")
			case a == "/dev/stdout":
				sinks = append(sinks, "stdout")
			case a == "/dev/stderr":
				sinks = append(sinks, "stderr")
			default:
				sinks = append(sinks, "file:"+a)
			}
		}
		f[collectors.FactLoggingEnabled] = !off
		if !off {
			f[collectors.FactLoggingSinks] = sortedUnique(sinks)
		}
	}

	// ---- response headers: CORS and security headers ----
	hi := p.hdrs(chain)
	if len(hi.add) > 0 {
		plugins["add_header"] = true
	}
	if len(hi.more) > 0 {
		plugins["more_set_headers"] = true
	}
	c := hi.cors
	if isLoc {
		if ih := ifHeaders(last); len(ih) > 0 {
			c = c.merge(p.cors(ih))
		}
	}
	if c.present {
		setTri(f, collectors.FactCORSWildcard, c.wildcard)
		switch c.wildcard {
		case triYes:
			f[collectors.FactCORSRestricted] = false
		case triNo:
			f[collectors.FactCORSRestricted] = true
		}
		if len(c.origins) > 0 {
			f[collectors.FactCORSOrigins] = c.origins
		}
		f[collectors.FactCORSCredentials] = c.credentials
	} else {
		f[collectors.FactCORSRestricted] = true
	}
	var set []string
	for name, st := range hi.sec {
		if st == triYes {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	if len(set) > 0 {
		f[collectors.FactHeadersSet] = set
	}
	sec := and(hi.sec["x-content-type-options"], or(hi.sec["x-frame-options"], hi.sec["content-security-policy"]))
	if anyTLS {
		sec = and(sec, hi.sec["strict-transport-security"])
	}
	setTri(f, collectors.FactSecurityHeaders, sec)

	// ---- includes that could not be read ----
	for _, b := range chain {
		for _, inc := range p.info(b).unresolved {
			if len(unresolved) == maxUnresolved {
				more++
				continue
			}
			unresolved = append(unresolved, inc)
			plugins["unresolved-include:"+inc.Pattern] = true
		}
	}
	if more > 0 {
		plugins[fmt.Sprintf("unresolved-include:(%d more)", more)] = true
	}

	if len(plugins) > 0 {
		names := make([]string, 0, len(plugins))
		for n := range plugins {
			names = append(names, n)
		}
		sort.Strings(names)
		f[collectors.FactGatewayPlugins] = names
	}
	return f, unresolved, more
}

// mtlsUpstream tells whether a handler talks TLS with a client certificate
// to its upstream: https:// (grpcs://, suwsgi://) plus the module's
// *_ssl_certificate and *_ssl_certificate_key. A scheme hidden in a
// variable is unknown.
func (p *parser) mtlsUpstream(chain []*Directive, h *Directive) tri {
	target := strings.ToLower(h.Args[0])
	var mod string
	switch h.Name {
	case "proxy_pass":
		switch {
		case strings.HasPrefix(target, "https://"):
			mod = "proxy"
		case strings.HasPrefix(target, "http://"):
			return triNo
		default:
			return triUnknown
		}
	case "grpc_pass":
		switch {
		case strings.HasPrefix(target, "grpcs://"):
			mod = "grpc"
		case strings.HasPrefix(target, "$"):
			return triUnknown
		default:
			return triNo
		}
	case "uwsgi_pass":
		switch {
		case strings.HasPrefix(target, "suwsgi://"):
			mod = "uwsgi"
		case strings.HasPrefix(target, "$"):
			return triUnknown
		default:
			return triNo
		}
	default:
		return triNo
	}
	if p.inherited(chain, mod+"_ssl_certificate") != nil && p.inherited(chain, mod+"_ssl_certificate_key") != nil {
		return triYes
	}
	return triNo
}

func sortedUnique(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
