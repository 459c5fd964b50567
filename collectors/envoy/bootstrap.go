package envoy

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
)

// parser walks one bootstrap. Its first error sticks (p.err) and stops the
// walk; helpers return zero values once it is set.
type parser struct {
	name            string
	err             *Error
	runtime         map[string]val // static runtime layer values by key
	clusters        map[string]*clusterInfo
	seenFilter      map[string]bool
	httpFilterNames []string
	warnings        []string
	recs            []*routeRec
	res             *Result

	// Caches of route-independent work, so that evaluating every route
	// stays linear in the routes and the filter configurations.
	regexes  map[string]regexResult
	jwtBases map[*httpFilter]*jwtBase
	oauth2   map[*httpFilter]*authFilter
	rbac     map[*yaml.Node][2]bool
	jwtReqs  map[*yaml.Node]authOutcome

	carveBudget int // carve-outs left for the document
}

// Bounds on carve-outs, so that many routes times many partial rules
// cannot multiply into a flood of records.
const (
	maxCarvesPerRoute = 64
	maxCarves         = 4096
)

type regexResult struct {
	re  *regexp.Regexp
	err error
}

// compile compiles a regex once per document. A regex whose program
// would be very large is refused before it is compiled: Envoy's RE2
// rejects programs over re2.max_program_size.error_level (100 by
// default), and compiling thousands of huge ones would let a small file
// take minutes.
func (p *parser) compile(expr string) (*regexp.Regexp, error) {
	if r, ok := p.regexes[expr]; ok {
		return r.re, r.err
	}
	var re *regexp.Regexp
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err == nil && regexCost(tree, 0) > maxRegexCost {
		err = fmt.Errorf("the regex is too complex (over %d program steps; Envoy's own limit is 100 by default)", maxRegexCost)
	}
	if err == nil {
		re, err = regexp.Compile(expr)
	}
	p.regexes[expr] = regexResult{re, err}
	return re, err
}

const maxRegexCost = 1000

// regexCost estimates the size of a regex's program, counted repeats
// multiplied out; it saturates past maxRegexCost.
func regexCost(re *syntax.Regexp, depth int) int {
	if depth > 1000 {
		return maxRegexCost + 1
	}
	switch re.Op {
	case syntax.OpLiteral:
		return max(1, len(re.Rune))
	case syntax.OpRepeat:
		n := re.Max
		if n < 0 {
			n = re.Min
		}
		return min(maxRegexCost+1, max(1, n)*regexCost(re.Sub[0], depth+1)+1)
	}
	c := 1
	for _, s := range re.Sub {
		c = min(maxRegexCost+1, c+regexCost(s, depth+1))
	}
	return c
}

func newParser(name string) *parser {
	return &parser{
		name:       name,
		runtime:    map[string]val{},
		clusters:   map[string]*clusterInfo{},
		seenFilter: map[string]bool{},
		res:        &Result{},
		regexes:    map[string]regexResult{},
		jwtBases:   map[*httpFilter]*jwtBase{},
		oauth2:     map[*httpFilter]*authFilter{},
		rbac:       map[*yaml.Node][2]bool{},
		jwtReqs:    map[*yaml.Node]authOutcome{},

		carveBudget: maxCarves,
	}
}

func (p *parser) warn(v val, format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf("line %d: %s: ", v.line, v.ptr)+fmt.Sprintf(format, args...))
}

// run reads the bootstrap: static runtime layers, clusters, then every
// listener's filter chains down to the routes.
func (p *parser) run(root *yaml.Node) *Result {
	top := val{n: deref(root), line: line(root, 1)}
	if top.n == nil || top.n.Kind != yaml.MappingNode {
		what := "empty"
		if top.n != nil {
			what = kindName(top.n)
		}
		p.fail(top, "the document is %s, not an Envoy bootstrap object", what)
		p.err.Kind = ErrNotEnvoy
		return nil
	}
	sr, dr := top.get("static_resources"), top.get("dynamic_resources")
	if !sr.ok() && !dr.ok() {
		p.fail(top, "no static_resources or dynamic_resources: not an Envoy bootstrap")
		p.err.Kind = ErrNotEnvoy
		return nil
	}
	p.readRuntime(top.get("layered_runtime"))
	if p.obj(dr) {
		for _, k := range []string{"lds_config", "lds_resources_locator", "cds_config", "ads_config"} {
			if dr.get(k).ok() {
				p.warn(dr.get(k), "resources from xDS are not in this file")
			}
		}
	}
	if p.obj(sr) {
		p.readClusters(sr.get("clusters"))
		for li, l := range p.objects(sr.get("listeners")) {
			if p.err != nil {
				break
			}
			p.res.Listeners++
			p.listener(li, l)
		}
	}
	if p.err != nil {
		return nil
	}
	p.finish()
	p.res.HTTPFilters = p.httpFilterNames
	p.res.Warnings = p.warnings
	return p.res
}

// readRuntime keeps the values of static runtime layers (later layers
// override earlier ones), so a runtime_key in a fractional percent can be
// resolved. Disk, admin and RTDS layers change at run time: not read.
func (p *parser) readRuntime(lr val) {
	for _, layer := range p.objects(lr.get("layers")) {
		if sl := layer.get("static_layer"); p.obj(sl) {
			p.flatten("", sl, 0)
		}
	}
}

func (p *parser) flatten(prefix string, v val, depth int) {
	for _, e := range p.entries(v) {
		k := e.key
		if prefix != "" {
			k = prefix + "." + k
		}
		if !e.v.ok() {
			continue
		}
		p.runtime[k] = e.v
		if e.v.n.Kind == yaml.MappingNode && depth < 32 {
			p.flatten(k, e.v, depth+1)
		}
	}
}

// clusterInfo is what a statically defined cluster says about the upstream.
type clusterInfo struct {
	mtls       bool // every TLS context presents a client certificate
	connectSet bool // connect_timeout explicit (Envoy's default is 5s)
	dfp        bool // a dynamic forward proxy: the request picks the upstream host
}

func (p *parser) readClusters(v val) {
	for _, c := range p.objects(v) {
		p.res.Clusters++
		ci := &clusterInfo{}
		_, ci.connectSet = p.duration(c.get("connect_timeout"))
		ct := c.get("cluster_type")
		ctType, _ := p.unwrapAny(ct.get("typed_config"))
		ci.dfp = p.str(ct.get("name")) == "envoy.clusters.dynamic_forward_proxy" ||
			strings.HasSuffix(ctType, "dynamic_forward_proxy.v3.ClusterConfig")
		tls, cert := p.upstreamTLS(c.get("transport_socket"), 0)
		if lc := c.get("tls_context"); p.obj(lc) { // v2
			tls, cert = true, p.hasClientCert(lc)
		}
		ci.mtls = tls && cert
		for _, m := range p.objects(c.get("transport_socket_matches")) {
			t, cc := p.upstreamTLS(m.get("transport_socket"), 0)
			ci.mtls = ci.mtls && t && cc
		}
		p.clusters[p.str(c.get("name"))] = ci
	}
}

// upstreamTLS reads a cluster's transport socket: TLS (an
// UpstreamTlsContext, possibly inside a wrapping socket) and whether it
// presents a client certificate (mutual TLS).
func (p *parser) upstreamTLS(ts val, depth int) (tls, clientCert bool) {
	if !p.obj(ts) || depth > 8 {
		return false, false
	}
	t, body := p.unwrapAny(ts.get("typed_config"))
	switch {
	case strings.HasSuffix(t, ".UpstreamTlsContext"):
		return true, p.hasClientCert(body)
	case strings.HasSuffix(t, ".QuicUpstreamTransport"):
		return true, p.hasClientCert(body.get("upstream_tls_context"))
	case t == "" && p.str(ts.get("name")) == "envoy.transport_sockets.tls":
		return true, false
	case body.get("transport_socket").ok():
		return p.upstreamTLS(body.get("transport_socket"), depth+1)
	}
	return false, false
}

func (p *parser) hasClientCert(ctx val) bool {
	cc := ctx.get("common_tls_context")
	return len(p.list(cc.get("tls_certificates"))) > 0 ||
		len(p.list(cc.get("tls_certificate_sds_secret_configs"))) > 0 ||
		cc.get("tls_certificate_provider_instance").ok() ||
		cc.get("tls_certificate_certificate_provider_instance").ok()
}

// chainInfo is what a listener's filter chain contributes to its routes.
type chainInfo struct {
	listener   string // the listener's name ("" when unnamed)
	label      string // the listener's name or pointer, for API fallback names
	tls        bool   // a DownstreamTlsContext terminates TLS on this chain
	minVersion string // tls_minimum_protocol_version ("1.2"); "" when unset
	clientCert bool   // require_client_certificate
	net        []netFilter
}

// netFilter is a network filter in front of the HTTP connection manager.
type netFilter struct {
	canonical string
	authz     string
	perCall   bool
	monitor   bool
	opaque    bool
}

func (p *parser) listener(li int, l val) {
	ln := p.str(l.get("name"))
	label := ln
	if label == "" {
		label = fmt.Sprintf("listeners/%d", li)
	}
	if l.get("api_listener").ok() {
		p.warn(l.get("api_listener"), "API listeners (Envoy Mobile) are not read")
	}
	chains := p.objects(l.get("filter_chains"))
	if d := l.get("default_filter_chain"); p.obj(d) {
		chains = append(chains, d)
	}
	for _, c := range chains {
		if p.err != nil {
			return
		}
		p.chain(c, ln, label)
	}
}

var tlsVersions = map[string]string{
	"TLSV1_0": "1.0", "TLSV1_1": "1.1", "TLSV1_2": "1.2", "TLSV1_3": "1.3",
	"1": "1.0", "2": "1.1", "3": "1.2", "4": "1.3",
}

func (p *parser) chain(c val, ln, label string) {
	ci := &chainInfo{listener: ln, label: label}
	ts := c.get("transport_socket")
	ci.tls, ci.minVersion, ci.clientCert = p.downstreamTLS(ts, 0)
	if lc := c.get("tls_context"); p.obj(lc) { // v2
		ci.tls = true
		ci.minVersion = tlsVersions[strings.ToUpper(p.str(lc.get("common_tls_context").get("tls_params").get("tls_minimum_protocol_version")))]
		ci.clientCert, _ = p.boolean(lc.get("require_client_certificate"))
	}
	for _, f := range p.objects(c.get("filters")) {
		if p.err != nil {
			return
		}
		name := p.str(f.get("name"))
		var typ string
		body := f.get("config") // v2
		if tc := f.get("typed_config"); tc.ok() {
			typ, body = p.unwrapAny(tc)
		}
		id := identify(typ, name, "network")
		if id.ext == "http_connection_manager" {
			p.hcm(body, ci)
			return // the connection manager is terminal
		}
		nf := netFilter{canonical: id.canonical}
		switch id.ext {
		case "rbac":
			enforcing, monitor := p.rbacMode(body)
			if enforcing {
				nf.authz, nf.perCall = "rbac", true
			}
			nf.monitor = monitor
		case "ext_authz":
			nf.authz, nf.perCall = "ext-authz", true
		case "wasm", "golang", "dynamic_modules", "lua":
			nf.opaque = true
		}
		ci.net = append(ci.net, nf)
	}
}

// downstreamTLS reads a filter chain's transport socket: a
// DownstreamTlsContext (or QUIC, which is always TLS 1.3), possibly inside
// a wrapping socket such as tap.
func (p *parser) downstreamTLS(ts val, depth int) (tls bool, minVersion string, clientCert bool) {
	if !p.obj(ts) || depth > 8 {
		return false, "", false
	}
	t, body := p.unwrapAny(ts.get("typed_config"))
	ctx := body
	switch {
	case strings.HasSuffix(t, ".DownstreamTlsContext"):
	case strings.HasSuffix(t, ".QuicDownstreamTransport"):
		ctx, minVersion = body.get("downstream_tls_context"), "1.3"
	case t == "" && p.str(ts.get("name")) == "envoy.transport_sockets.tls":
		return true, "", false
	case body.get("transport_socket").ok():
		return p.downstreamTLS(body.get("transport_socket"), depth+1)
	default:
		return false, "", false
	}
	if v := tlsVersions[strings.ToUpper(p.str(ctx.get("common_tls_context").get("tls_params").get("tls_minimum_protocol_version")))]; v != "" {
		minVersion = v
	}
	clientCert, _ = p.boolean(ctx.get("require_client_certificate"))
	return true, minVersion, clientCert
}

// hcmInfo is what an HTTP connection manager contributes to its routes.
type hcmInfo struct {
	filters        []*httpFilter
	logSinks       []string // nil: no access log
	requestTimeout float64
	msd            float64 // common_http_protocol_options.max_stream_duration
}

func (p *parser) hcm(h val, ci *chainInfo) {
	if !p.obj(h) {
		return
	}
	hi := &hcmInfo{filters: p.httpFilters(h.get("http_filters"))}
	for _, al := range p.objects(h.get("access_log")) {
		if sink, on := p.accessLog(al); on {
			hi.logSinks = appendUnique(hi.logSinks, sink)
		}
	}
	hi.requestTimeout, _ = p.duration(h.get("request_timeout"))
	hi.msd, _ = p.duration(h.get("common_http_protocol_options").get("max_stream_duration"))
	rc := h.get("route_config")
	if !rc.ok() {
		for _, k := range []string{"rds", "scoped_routes"} {
			if h.get(k).ok() {
				p.warn(h.get(k), "routes come from %s, not from this file", k)
				return
			}
		}
		p.fail(h, "http_connection_manager has no route_config, rds or scoped_routes")
		return
	}
	if p.obj(rc) {
		p.routeConfig(rc, hi, ci)
	}
}

// accessLog names where an access log writes; on is false for a log whose
// runtime_filter samples 0% of requests.
func (p *parser) accessLog(al val) (sink string, on bool) {
	if rf := al.get("filter").get("runtime_filter"); rf.ok() {
		num, den := p.fractionalPercent(rf.get("percent_sampled"))
		if key := p.str(rf.get("runtime_key")); key != "" {
			if rv, ok := p.runtime[key]; ok && rv.n.Kind == yaml.ScalarNode {
				if n, ok := p.integer(rv); ok {
					num = float64(n)
				}
			}
		}
		if num <= 0 || den <= 0 {
			return "", false
		}
	}
	name := p.str(al.get("name"))
	t, body := p.unwrapAny(al.get("typed_config"))
	if t == "" {
		body = al.get("config") // v2
	}
	short := t[strings.LastIndexByte(t, '.')+1:]
	switch {
	case short == "StdoutAccessLog":
		return "stdout", true
	case short == "StderrAccessLog":
		return "stderr", true
	case short == "FileAccessLog" || (t == "" && (name == "envoy.access_loggers.file" || name == "envoy.file_access_log")):
		switch path := p.str(body.get("path")); path {
		case "/dev/stdout":
			return "stdout", true
		case "/dev/stderr":
			return "stderr", true
		case "":
			return "file", true
		default:
			return "file:" + path, true
		}
	case short == "HttpGrpcAccessLogConfig" || short == "TcpGrpcAccessLogConfig":
		if c := p.str(body.get("common_config").get("grpc_service").get("envoy_grpc").get("cluster_name")); c != "" {
			return "grpc:" + c, true
		}
		return "grpc", true
	case short == "OpenTelemetryAccessLogConfig":
		return "otel", true
	case short == "FluentdAccessLogConfig":
		return "fluentd:" + p.str(body.get("cluster")), true
	case short == "WasmAccessLog":
		return "wasm", true
	case t == "" && name == "envoy.access_loggers.stdout":
		return "stdout", true
	case t == "" && name == "envoy.access_loggers.stderr":
		return "stderr", true
	case t != "":
		return t, true
	case name != "":
		return name, true
	}
	return "unknown", true
}

func appendUnique(list []string, s ...string) []string {
outer:
	for _, x := range s {
		for _, y := range list {
			if x == y {
				continue outer
			}
		}
		list = append(list, x)
	}
	return list
}

func (p *parser) routeConfig(rc val, hi *hcmInfo, ci *chainInfo) {
	rcName := p.str(rc.get("name"))
	rcHeaders := p.responseHeaders(rc.get("response_headers_to_add"))
	for _, vh := range p.objects(rc.get("virtual_hosts")) {
		if p.err != nil {
			return
		}
		p.res.VirtualHosts++
		api := p.str(vh.get("name"))
		for _, alt := range []string{rcName, ci.listener, ci.label} {
			if api == "" {
				api = alt
			}
		}
		var domains []string
		for _, d := range p.list(vh.get("domains")) {
			domains = append(domains, p.str(d))
		}
		if len(domains) == 0 && p.err == nil {
			p.fail(vh.get("domains"), "virtual host %q has no domains", clip(api))
			return
		}
		hosts := hostsOf(domains)
		requireTLS := strings.ToUpper(p.str(vh.get("require_tls")))
		vhHeaders := p.responseHeaders(vh.get("response_headers_to_add"))
		if vh.get("matcher").ok() {
			p.warn(vh.get("matcher"), "routes selected by a generic matcher tree are not read")
		}
		for ri, r := range p.objects(vh.get("routes")) {
			if p.err != nil {
				return
			}
			env := &routeEnv{
				chain: ci, hcm: hi, route: r, vh: vh,
				levels:     []val{r.get("typed_per_filter_config"), vh.get("typed_per_filter_config"), rc.get("typed_per_filter_config")},
				requireTLS: requireTLS,
			}
			env.headers = append(append(append(env.headers, rcHeaders...), vhHeaders...), p.responseHeaders(r.get("response_headers_to_add"))...)
			name := p.str(r.get("name"))
			if name == "" {
				name = fmt.Sprintf("%s/routes/%d", api, ri)
			}
			p.route(api, name, hosts, env)
		}
	}
}

// route reads one route entry and records its evidence, plus the
// carve-outs its authentication rules make.
func (p *parser) route(api, name string, hosts []string, env *routeEnv) {
	r := env.route
	spec, ok := p.routeMatch(r.get("match"), "route")
	if !ok {
		return
	}
	env.spec = spec
	actions := 0
	if ra := r.get("route"); p.obj(ra) {
		actions++
		env.forward = true
		switch {
		case ra.get("cluster").ok():
			env.clusters = []string{p.str(ra.get("cluster"))}
		case ra.get("weighted_clusters").ok():
			for _, wc := range p.objects(ra.get("weighted_clusters").get("clusters")) {
				env.clusters = append(env.clusters, p.str(wc.get("name")))
			}
		}
		env.timeout, env.timeoutSet = p.duration(ra.get("timeout"))
		env.msd, _ = p.duration(ra.get("max_stream_duration").get("max_stream_duration"))
	}
	if rd := r.get("redirect"); p.obj(rd) {
		actions++
		https, _ := p.boolean(rd.get("https_redirect"))
		env.httpsRedirect = https || strings.EqualFold(p.str(rd.get("scheme_redirect")), "https")
		env.redirect = true
	}
	for _, k := range []string{"direct_response", "filter_action", "non_forwarding_action"} {
		if r.get(k).ok() {
			actions++
		}
	}
	if p.err != nil {
		return
	}
	if actions == 0 {
		p.fail(r, "route %q has no action (route, redirect or direct_response)", clip(name))
		return
	}
	rt := collectors.Route{Name: name, Hosts: hosts, Methods: spec.methods, Paths: spec.paths()}
	if err := collectors.ValidateRoute(rt); err != nil {
		p.fail(r.get("match"), "%v", err)
		return
	}
	evals := p.evalFilters(env)
	if p.err != nil {
		return
	}
	p.res.RouteEntries++
	main := &routeRec{api: api, route: rt, ptr: r.ptr, line: r.line, facts: p.facts(env, evals, nil), serving: !env.redirect, tlsChan: env.chain.tls}
	main.key = recKey(api, rt)
	p.recs = append(p.recs, main)
	for i, ev := range evals {
		for _, c := range ev.carves {
			c.idx = i
			f := p.facts(env, evals, &c)
			if sameAuth(f, main.facts) {
				continue
			}
			sub := collectors.Route{Name: fmt.Sprintf("%s [%s rule %s]", name, ev.f.id.ext, specDesc(c.sub)),
				Hosts: hosts, Methods: c.sub.methods, Paths: c.sub.paths()}
			if sub.Methods == nil {
				sub.Methods = spec.methods
			}
			if err := collectors.ValidateRoute(sub); err != nil {
				p.fail(r.get("match"), "%v", err)
				return
			}
			p.recs = append(p.recs, &routeRec{api: api, route: sub, ptr: r.ptr, line: r.line, facts: f,
				serving: main.serving, tlsChan: main.tlsChan, key: recKey(api, sub), parent: main.key})
		}
	}
}

func specDesc(m matchSpec) string {
	var s string
	switch m.kind {
	case pPrefix, pSep:
		s = "prefix " + m.value
	case pExact:
		s = "path " + m.value
	case pRegex:
		s = "regex " + m.value
	default:
		s = "any path"
	}
	if len(m.methods) > 0 {
		s = strings.Join(m.methods, ",") + " " + s
	}
	return s
}
