package kong

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
	"go.yaml.in/yaml/v3"
)

// Options tune Parse.
type Options struct {
	// Limits bound the input (zero fields take the safedecode defaults).
	Limits safedecode.Limits
}

// expansionBudget bounds the route × plugin entries a file may expand to
// (each route lists its effective plugins): MaxBytes/16, between 100 000
// and 8 000 000 (4 Mi at the default 64 MiB). A real gateway with
// 50 000 routes and 40 plugins each needs 2 000 000; a small hostile file
// with thousands of routes and thousands of global plugins is refused
// instead of expanding into gigabytes.
func expansionBudget(lim safedecode.Limits) int {
	b := lim.Normalize().MaxBytes / 16
	return int(min(max(b, 100_000), 8_000_000))
}

// Kinds of error, for errors.Is. The safedecode kinds (ErrTooLarge,
// ErrTooDeep, ErrAliasExpansion, ErrSyntax) are matched too.
var (
	// ErrNotKong: the input is not a Kong declarative configuration.
	ErrNotKong = errors.New("not a Kong declarative configuration")
	// ErrInvalid: the input is Kong configuration Kong itself would refuse
	// (a wrong type, a route that matches nothing, a bad regex).
	ErrInvalid = errors.New("invalid Kong configuration")
	// ErrParserPanic: a bug; the input is named in the error.
	ErrParserPanic = errors.New("parser panic")
)

// Error is an input that could not be read. Its text is
// "kong: FILE: [line L[, column C]: ][POINTER: ]message".
type Error struct {
	File    string
	Line    int
	Column  int
	Pointer string // JSON pointer of the place, when there is one
	Msg     string
	Kind    error // ErrNotKong, ErrInvalid, ErrParserPanic or nil
	Err     error // the underlying error (a *safedecode.Error...), or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kong: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes both the kind and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Result is what one configuration holds.
type Result struct {
	File string
	// FormatVersion is _format_version as declared ("" when absent: read
	// as "3.0", decK's current format).
	FormatVersion string
	// Legacy is true for _format_version 1.x/2.x (Kong < 3.0), where a path
	// with characters outside [a-zA-Z0-9.-_~/%] is a regex without "~".
	Legacy bool
	// Services, Plugins (every instance at every scope, disabled ones
	// included), Consumers and ConsumerGroups count what the file declares.
	Services       int
	Plugins        int
	Consumers      int
	ConsumerGroups int
	// Routes are the routes evidence is emitted for, in file order
	// (routes nested in services first, then top-level routes).
	Routes []RouteInfo
	// ServicesWithoutRoutes names services no route points at: no evidence
	// is emitted for them (nothing can reach them).
	ServicesWithoutRoutes []string
	// Skipped names routes that get no evidence, with the reason (stream
	// routes, routes of disabled services).
	Skipped []string
	// Warnings are problems that did not stop the parse.
	Warnings []string
	// Artifact is the raw input, shared by every Evidence.
	Artifact *collectors.Artifact
	// Evidence holds one record per Routes entry, in the same order.
	Evidence []collectors.Evidence
}

// RouteInfo is one route with its effective protection.
type RouteInfo struct {
	Pointer   string // JSON pointer of the route in the file
	Line      int
	API       string // the service's name (or id); the route's own for service-less routes
	Service   string // the service's name or id, "" when the route has none in this file
	Route     collectors.Route
	Protocols []string
	StripPath bool
	Plugins   []string // effective for every client (gateway.plugins without consumer-scoped ones)
	Facts     collectors.Facts
}

// ---- the model ----

type service struct {
	ptr      string
	line     int
	name, id string
	protocol string
	host     string
	port     int64
	path     string
	// timeouts set in the input, by field name
	timeouts   map[string]int64
	clientCert bool
	enabled    bool
	routes     int
}

func (s *service) label() string {
	switch {
	case s.name != "":
		return s.name
	case s.id != "":
		return s.id
	}
	return s.ptr
}

type route struct {
	ptr       string
	line      int
	name, id  string
	svc       *service
	svcRef    string // a reference to a service not in this file
	hosts     []string
	methods   []string
	paths     []collectors.PathMatch
	protocols []string
	stripPath bool
	hasExpr   bool
}

func (r *route) label() string {
	switch {
	case r.name != "":
		return r.name
	case r.id != "":
		return r.id
	}
	return r.ptr
}

type plugin struct {
	ptr     string
	line    int
	name    string
	enabled bool
	http    bool // runs in Kong's http subsystem (see applies)
	config  nd
	// scope; nil means "any"
	route    *route
	service  *service
	consumer *consumer
	group    *group
	// dangling is true when the plugin names a service, route, consumer or
	// group that is not in this file: it applies to nothing here.
	dangling bool
}

type consumer struct {
	username, id, customID string
	jwtAlgorithms          []string
}

func (c *consumer) label() string {
	if c.username != "" {
		return c.username
	}
	if c.id != "" {
		return c.id
	}
	return c.customID
}

type group struct{ name, id string }

func (g *group) label() string {
	if g.name != "" {
		return g.name
	}
	return g.id
}

type upstream struct {
	name       string
	clientCert bool
}

type parser struct {
	file      string
	legacy    bool
	res       *Result
	services  []*service
	routes    []*route
	plugins   []*plugin
	consumers []*consumer
	groups    []*group
	upstreams map[string]*upstream
	// pending plugin references, resolved once every entity is known
	refs []pluginRefs
	// lookup indexes (see findService)
	svcIdx   map[string]*service
	routeIdx map[string]*route
	consIdx  map[string]*consumer
	groupIdx map[string]*group
	// plugins by scope (see index in facts.go)
	idx *pluginIndex
	// budget is how many effective plugin entries (summed over routes) may
	// still be produced; see Options.
	budget int
}

type pluginRefs struct {
	p                          *plugin
	service, route, cons, grp  nd
	nestedService, nestedRoute bool
}

func (p *parser) errAt(x nd, format string, args ...any) *Error {
	e := &Error{File: p.file, Line: x.line(), Pointer: x.ptr, Msg: fmt.Sprintf(format, args...), Kind: ErrInvalid}
	if x.n != nil {
		e.Column = x.n.Column
	}
	return e
}

func (p *parser) warnf(format string, args ...any) {
	if len(p.res.Warnings) < 100 {
		p.res.Warnings = append(p.res.Warnings, fmt.Sprintf(format, args...))
	}
}

// Parse reads one decK declarative configuration (YAML or JSON,
// _format_version "1.1" or "3.0") named name and returns its routes with
// their effective protection. It never panics: a parser bug comes back as
// an *Error of kind ErrParserPanic naming the file.
func Parse(name string, data []byte, opt Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: name, Kind: ErrParserPanic, Msg: fmt.Sprintf("internal error while reading the configuration: %v", r)}
		}
	}()
	root, err := decode(name, data, opt.Limits)
	if err != nil {
		return nil, err
	}
	p := &parser{file: name, res: &Result{File: name}, upstreams: map[string]*upstream{}, budget: expansionBudget(opt.Limits)}
	ct := "application/yaml"
	if safedecode.LooksLikeJSON(data) {
		ct = "application/json"
	}
	p.res.Artifact = &collectors.Artifact{Name: name, ContentType: ct, Data: redactCredentials(name, data, opt.Limits)}
	if err := p.run(root); err != nil {
		return nil, err
	}
	return p.res, nil
}

// decode bounds and parses the input into its root node.
func decode(name string, data []byte, lim safedecode.Limits) (nd, error) {
	wrap := func(err error) error {
		var se *safedecode.Error
		if errors.As(err, &se) {
			return &Error{File: name, Line: se.Line, Column: se.Column, Msg: se.Msg, Err: err}
		}
		return &Error{File: name, Msg: err.Error(), Err: err}
	}
	if err := safedecode.CheckSize(name, int64(len(data)), lim); err != nil {
		return nd{}, wrap(err)
	}
	if safedecode.LooksLikeJSON(data) {
		jerr := safedecode.CheckJSON(name, data, lim)
		if jerr == nil {
			n, err := jsonNode(data)
			if err != nil {
				return nd{}, &Error{File: name, Msg: "JSON: " + err.Error(), Kind: ErrInvalid}
			}
			return mk(n, ""), nil
		}
		// A YAML flow mapping also starts with '{'.
		if !errors.Is(jerr, safedecode.ErrSyntax) || strings.HasSuffix(strings.ToLower(name), ".json") {
			return nd{}, wrap(jerr)
		}
		docs, yerr := safedecode.DecodeYAML(name, data, lim)
		if yerr != nil {
			return nd{}, wrap(jerr)
		}
		return firstDoc(name, docs)
	}
	docs, err := safedecode.DecodeYAML(name, data, lim)
	if err != nil {
		return nd{}, wrap(err)
	}
	return firstDoc(name, docs)
}

func firstDoc(name string, docs []*yaml.Node) (nd, error) {
	for _, d := range docs {
		if d.Kind == yaml.DocumentNode && len(d.Content) > 0 {
			return mk(d.Content[0], ""), nil
		}
	}
	return nd{}, &Error{File: name, Msg: "empty document: not a Kong declarative configuration", Kind: ErrNotKong}
}

// topKeys are the entity collections and metadata of decK files
// (go-database-reconciler pkg/file/types.go, Content).
var topKeys = map[string]bool{
	"services": true, "routes": true, "consumers": true, "consumer_groups": true, "plugins": true,
	"upstreams": true, "certificates": true, "ca_certificates": true, "vaults": true, "keys": true,
	"key_sets": true, "partials": true, "filter_chains": true, "licenses": true, "rbac_roles": true,
	"workspaces": true, "custom_entities": true, "degraphql_routes": true, "document_objects": true,
	"graphql_ratelimiting_cost_decorations": true, "service_packages": true, "snis": true,
}

// kongKeys are top-level keys only Kong configuration has.
var kongKeys = []string{"_format_version", "services", "routes", "consumers", "consumer_groups", "plugins", "upstreams", "certificates", "ca_certificates"}

func (p *parser) run(root nd) error {
	if !root.isMap() {
		return &Error{File: p.file, Line: root.line(), Msg: "not a Kong declarative configuration: the document is not a mapping", Kind: ErrNotKong}
	}
	isKong := false
	for _, k := range kongKeys {
		if !root.get(k).null() {
			isKong = true
		}
	}
	if !isKong {
		return &Error{File: p.file, Line: root.line(), Msg: "not a Kong declarative configuration: no _format_version, services, routes, consumers or plugins at the top level", Kind: ErrNotKong}
	}
	for _, k := range root.keys() {
		if !topKeys[k] && !strings.HasPrefix(k, "_") {
			p.warnf("unknown top-level key %q ignored", k)
		}
	}
	fv := root.get("_format_version")
	if !fv.null() {
		v, ok := fv.scalar()
		if !ok {
			return p.errAt(fv, "_format_version must be a string such as \"3.0\"")
		}
		p.res.FormatVersion = v
		major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
		switch n, err := strconv.Atoi(major); {
		case err != nil:
			p.warnf("_format_version %q not understood; read as 3.0", v)
		case n < 3:
			p.legacy = true
		}
	}
	p.res.Legacy = p.legacy

	// Entities first (services with their routes, top-level routes,
	// consumers, groups, upstreams), then plugins, whose references need
	// all of them.
	if err := p.readUpstreams(root.get("upstreams")); err != nil {
		return err
	}
	if err := p.readConsumers(root.get("consumers")); err != nil {
		return err
	}
	if err := p.readGroups(root.get("consumer_groups")); err != nil {
		return err
	}
	if err := p.readServices(root.get("services")); err != nil {
		return err
	}
	if err := p.readTopRoutes(root.get("routes")); err != nil {
		return err
	}
	if err := p.readPlugins(root.get("plugins"), pluginRefs{}); err != nil {
		return err
	}
	p.resolveRefs()
	p.checkDuplicates()
	p.res.Services = len(p.services)
	p.res.Plugins = len(p.plugins)
	p.res.Consumers = len(p.consumers)
	p.res.ConsumerGroups = len(p.groups)
	for _, s := range p.services {
		if s.routes == 0 {
			p.res.ServicesWithoutRoutes = append(p.res.ServicesWithoutRoutes, s.label())
		}
	}
	return p.emit()
}

func (p *parser) list(x nd, what string) ([]nd, error) {
	if x.null() {
		return nil, nil
	}
	if !x.isSeq() {
		return nil, p.errAt(x, "%s must be a list", what)
	}
	items := x.items()
	for _, it := range items {
		if !it.isMap() {
			return nil, p.errAt(it, "each of %s must be a mapping", what)
		}
	}
	return items, nil
}

func (p *parser) strings(x nd, what string) ([]string, error) {
	l, ok := x.strList()
	if !ok {
		return nil, p.errAt(x, "%s must be a list of strings", what)
	}
	return l, nil
}

// optInt reads an optional integer field.
func (p *parser) optInt(x nd, what string) (int64, bool, error) {
	if x.null() {
		return 0, false, nil
	}
	f, ok := x.num()
	if !ok || f != float64(int64(f)) {
		return 0, false, p.errAt(x, "%s must be an integer", what)
	}
	return int64(f), true, nil
}

func (p *parser) optBool(x nd, what string, def bool) (bool, error) {
	if x.null() {
		return def, nil
	}
	b, ok := x.boolean()
	if !ok {
		return def, p.errAt(x, "%s must be true or false", what)
	}
	return b, nil
}

func (p *parser) readUpstreams(x nd) error {
	items, err := p.list(x, "upstreams")
	if err != nil {
		return err
	}
	for _, it := range items {
		u := &upstream{name: it.get("name").str(), clientCert: hasRef(it.get("client_certificate"))}
		if u.name != "" {
			p.upstreams[strings.ToLower(u.name)] = u
		}
	}
	return nil
}

// hasRef reports a reference (an id string or a mapping with an id/name).
func hasRef(x nd) bool {
	if s, ok := x.scalar(); ok {
		return s != ""
	}
	return x.isMap() && (x.get("id").str() != "" || x.get("name").str() != "")
}

// refText returns what a reference names: the string itself, or the id
// (else name) of a mapping.
func refText(x nd) string {
	if s, ok := x.scalar(); ok {
		return s
	}
	if x.isMap() {
		if id := x.get("id").str(); id != "" {
			return id
		}
		return x.get("name").str()
	}
	return ""
}

func (p *parser) readConsumers(x nd) error {
	items, err := p.list(x, "consumers")
	if err != nil {
		return err
	}
	for _, it := range items {
		c := &consumer{username: it.get("username").str(), id: it.get("id").str(), customID: it.get("custom_id").str()}
		secrets, err := p.list(it.get("jwt_secrets"), "jwt_secrets")
		if err != nil {
			return err
		}
		for _, s := range secrets {
			alg := s.get("algorithm").str()
			if alg == "" {
				alg = "HS256" // the jwt plugin's credential default
			}
			c.jwtAlgorithms = append(c.jwtAlgorithms, alg)
		}
		p.consumers = append(p.consumers, c)
		if err := p.readPlugins(it.get("plugins"), pluginRefs{cons: it}); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) readGroups(x nd) error {
	items, err := p.list(x, "consumer_groups")
	if err != nil {
		return err
	}
	for _, it := range items {
		g := &group{name: it.get("name").str(), id: it.get("id").str()}
		p.groups = append(p.groups, g)
		if err := p.readPlugins(it.get("plugins"), pluginRefs{grp: it}); err != nil {
			return err
		}
	}
	return nil
}

// defaultPorts are the ports a URL need not spell out.
var defaultPorts = map[string]int64{"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 80, "grpcs": 443}

var timeoutFields = []string{"connect_timeout", "read_timeout", "write_timeout"}

func (p *parser) readServices(x nd) error {
	items, err := p.list(x, "services")
	if err != nil {
		return err
	}
	for _, it := range items {
		s := &service{ptr: it.ptr, line: it.line(), name: it.get("name").str(), id: it.get("id").str(), timeouts: map[string]int64{}}
		// url is shorthand for protocol, host, port and path; fields set
		// explicitly win (decK fills them from the url only when absent).
		if u := it.get("url"); !u.null() {
			raw, _ := u.scalar()
			pu, err := url.Parse(raw)
			if err != nil || pu.Host == "" {
				return p.errAt(u, "url %q is not an absolute URL", raw)
			}
			s.protocol, s.host, s.path = strings.ToLower(pu.Scheme), pu.Hostname(), pu.Path
			if ps := pu.Port(); ps != "" {
				s.port, _ = strconv.ParseInt(ps, 10, 64)
			}
		}
		if v := it.get("protocol").str(); v != "" {
			s.protocol = strings.ToLower(v)
		}
		if s.protocol == "" {
			s.protocol = "http" // Kong's default
		}
		if v := it.get("host").str(); v != "" {
			s.host = v
		}
		if v := it.get("path").str(); v != "" {
			s.path = v
		}
		port, ok, err := p.optInt(it.get("port"), "port")
		if err != nil {
			return err
		}
		if ok {
			s.port = port
		}
		for _, f := range timeoutFields {
			v, ok, err := p.optInt(it.get(f), f)
			if err != nil {
				return err
			}
			if ok {
				s.timeouts[f] = v
			}
		}
		s.clientCert = hasRef(it.get("client_certificate"))
		if s.enabled, err = p.optBool(it.get("enabled"), "enabled", true); err != nil {
			return err
		}
		p.services = append(p.services, s)
		routes, err := p.list(it.get("routes"), "routes")
		if err != nil {
			return err
		}
		for _, rt := range routes {
			r, err := p.readRoute(rt)
			if err != nil {
				return err
			}
			r.svc = s
			s.routes++
			p.routes = append(p.routes, r)
			if err := p.readPlugins(rt.get("plugins"), pluginRefs{route: rt, nestedRoute: true}); err != nil {
				return err
			}
		}
		if err := p.readPlugins(it.get("plugins"), pluginRefs{service: it, nestedService: true}); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) readTopRoutes(x nd) error {
	items, err := p.list(x, "routes")
	if err != nil {
		return err
	}
	for _, it := range items {
		r, err := p.readRoute(it)
		if err != nil {
			return err
		}
		if ref := it.get("service"); !ref.null() {
			name := refText(ref)
			if s := p.findService(name); s != nil {
				r.svc = s
				s.routes++
			} else {
				r.svcRef = name
				p.warnf("%s: route %s names service %q, which is not in this file: its service-level settings are unknown", it.ptr, r.label(), name)
			}
		}
		p.routes = append(p.routes, r)
		if err := p.readPlugins(it.get("plugins"), pluginRefs{route: it, nestedRoute: true}); err != nil {
			return err
		}
	}
	return nil
}

// The find functions look entities up by name or id (consumers also by
// custom_id); the first declared wins. Their indexes are built on first
// use, once the entities they index have all been read.

func (p *parser) findService(ref string) *service {
	if p.svcIdx == nil {
		p.svcIdx = map[string]*service{}
		for _, s := range p.services {
			addKeys(p.svcIdx, s, s.name, s.id)
		}
	}
	return p.svcIdx[ref]
}

func (p *parser) findRoute(ref string) *route {
	if p.routeIdx == nil {
		p.routeIdx = map[string]*route{}
		for _, r := range p.routes {
			addKeys(p.routeIdx, r, r.name, r.id)
		}
	}
	return p.routeIdx[ref]
}

func (p *parser) findConsumer(ref string) *consumer {
	if p.consIdx == nil {
		p.consIdx = map[string]*consumer{}
		for _, c := range p.consumers {
			addKeys(p.consIdx, c, c.username, c.id, c.customID)
		}
	}
	return p.consIdx[ref]
}

func (p *parser) findGroup(ref string) *group {
	if p.groupIdx == nil {
		p.groupIdx = map[string]*group{}
		for _, g := range p.groups {
			addKeys(p.groupIdx, g, g.name, g.id)
		}
	}
	return p.groupIdx[ref]
}

func addKeys[T any](idx map[string]*T, v *T, keys ...string) {
	for _, k := range keys {
		if _, dup := idx[k]; k != "" && !dup {
			idx[k] = v
		}
	}
}

// httpProtocols are the protocols of Kong's http subsystem; the others
// (tcp, tls, udp, tls_passthrough) are stream routes.
var httpProtocols = map[string]bool{"http": true, "https": true, "grpc": true, "grpcs": true, "ws": true, "wss": true}

func (p *parser) readRoute(it nd) (*route, error) {
	r := &route{ptr: it.ptr, line: it.line(), name: it.get("name").str(), id: it.get("id").str()}
	var err error
	if r.protocols, err = p.strings(it.get("protocols"), "protocols"); err != nil {
		return nil, err
	}
	if len(r.protocols) == 0 {
		r.protocols = []string{"http", "https"} // Kong's default
	}
	for i, v := range r.protocols {
		r.protocols[i] = strings.ToLower(v)
	}
	if r.hosts, err = p.strings(it.get("hosts"), "hosts"); err != nil {
		return nil, err
	}
	for i, h := range r.hosts {
		r.hosts[i] = stripPort(h)
	}
	if r.methods, err = p.strings(it.get("methods"), "methods"); err != nil {
		return nil, err
	}
	for i, m := range r.methods {
		r.methods[i] = strings.ToUpper(m)
	}
	paths, err := p.strings(it.get("paths"), "paths")
	if err != nil {
		return nil, err
	}
	pathItems := it.get("paths").items()
	for i, raw := range paths {
		at := it.get("paths")
		if i < len(pathItems) {
			at = pathItems[i]
		}
		pm, err := pathMatch(raw, p.legacy)
		if err == nil {
			err = collectors.ValidateRoute(collectors.Route{Name: r.label(), Paths: []collectors.PathMatch{pm}})
		}
		if err != nil {
			return nil, p.errAt(at, "%v", err)
		}
		r.paths = append(r.paths, pm)
	}
	if r.stripPath, err = p.optBool(it.get("strip_path"), "strip_path", true); err != nil {
		return nil, err
	}
	if expr := it.get("expression"); !expr.null() {
		src, _ := expr.scalar()
		m, err := parseExpression(src)
		if err != nil {
			return nil, p.errAt(expr, "expression: %v", err)
		}
		r.hasExpr = true
		r.paths, r.methods, r.hosts = m.paths, m.methods, m.hosts
	}
	if _, _, err := p.optInt(it.get("https_redirect_status_code"), "https_redirect_status_code"); err != nil {
		return nil, err
	}
	if isHTTPRoute(r.protocols) && !r.hasExpr && len(r.paths) == 0 && len(r.hosts) == 0 && len(r.methods) == 0 &&
		it.get("headers").null() && it.get("snis").null() {
		return nil, p.errAt(it, "route %s matches nothing: it needs paths, hosts, methods, headers or an expression", r.label())
	}
	return r, nil
}

func isHTTPRoute(protocols []string) bool {
	for _, pr := range protocols {
		if httpProtocols[pr] {
			return true
		}
	}
	return false
}

// stripPort drops a ":port" from a route host (Kong matches it, the
// inventory's hosts have none); IPv6 literals keep their brackets.
func stripPort(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i > 0 {
			return h[:i+1]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i > 0 && strings.Count(h, ":") == 1 {
		return h[:i]
	}
	return h
}

// readPlugins reads a plugins list; ctx says where it is nested.
func (p *parser) readPlugins(x nd, ctx pluginRefs) error {
	items, err := p.list(x, "plugins")
	if err != nil {
		return err
	}
	for _, it := range items {
		pl := &plugin{ptr: it.ptr, line: it.line(), name: strings.ToLower(it.get("name").str()), config: it.get("config")}
		if pl.name == "" {
			return p.errAt(it, "plugin without a name")
		}
		if !pl.config.null() && !pl.config.isMap() {
			return p.errAt(pl.config, "config of plugin %s must be a mapping", pl.name)
		}
		if pl.enabled, err = p.optBool(it.get("enabled"), "enabled", true); err != nil {
			return err
		}
		protos, err := p.strings(it.get("protocols"), "protocols")
		if err != nil {
			return err
		}
		// Kong loads a plugin for the http subsystem when any of its
		// protocols belongs to it (plugins_iterator.lua,
		// should_process_plugin); the default protocols all do.
		pl.http = len(protos) == 0
		for _, pr := range protos {
			if httpProtocols[strings.ToLower(pr)] {
				pl.http = true
			}
		}
		refs := pluginRefs{p: pl, service: it.get("service"), route: it.get("route"), cons: it.get("consumer"), grp: it.get("consumer_group")}
		// The entity a plugin is nested in scopes it; a field naming
		// another entity narrows it further (a plugin under a consumer
		// with service: S applies to that consumer on S).
		if ctx.nestedService {
			refs.service, refs.nestedService = ctx.service, true
		}
		if ctx.nestedRoute {
			refs.route, refs.nestedRoute = ctx.route, true
		}
		if !ctx.cons.null() {
			refs.cons = ctx.cons
		}
		if !ctx.grp.null() {
			refs.grp = ctx.grp
		}
		p.plugins = append(p.plugins, pl)
		p.refs = append(p.refs, refs)
	}
	return nil
}

// resolveRefs ties every plugin to the entities it is scoped to.
func (p *parser) resolveRefs() {
	byPtr := map[string]*route{}
	for _, r := range p.routes {
		byPtr[r.ptr] = r
	}
	svcByPtr := map[string]*service{}
	for _, s := range p.services {
		svcByPtr[s.ptr] = s
	}
	for i, rf := range p.refs {
		pl := rf.p
		dangle := func(kind, ref string) {
			pl.dangling = true
			p.warnf("%s: plugin %s names %s %q, which is not in this file: it applies to nothing here", pl.ptr, pl.name, kind, ref)
		}
		if rf.nestedService {
			pl.service = svcByPtr[rf.service.ptr]
		} else if !rf.service.null() {
			ref := refText(rf.service)
			if pl.service = p.findService(ref); pl.service == nil {
				dangle("service", ref)
			}
		}
		if rf.nestedRoute {
			pl.route = byPtr[rf.route.ptr]
		} else if !rf.route.null() {
			ref := refText(rf.route)
			if pl.route = p.findRoute(ref); pl.route == nil {
				dangle("route", ref)
			}
		}
		if !rf.cons.null() {
			if rf.cons.isMap() && rf.cons.get("username").str() != "" && rf.cons.get("id").str() == "" {
				pl.consumer = p.findConsumer(rf.cons.get("username").str())
			} else {
				pl.consumer = p.findConsumer(refText(rf.cons))
			}
			if pl.consumer == nil {
				dangle("consumer", refText(rf.cons))
			}
		}
		if !rf.grp.null() {
			if pl.group = p.findGroup(refText(rf.grp)); pl.group == nil {
				dangle("consumer group", refText(rf.grp))
			}
		}
		p.refs[i] = pluginRefs{}
	}
	p.refs = nil
}

// checkDuplicates warns about two enabled instances of one plugin at the
// same scope: Kong refuses such a configuration; here the later one wins.
func (p *parser) checkDuplicates() {
	type key struct {
		name string
		r    *route
		s    *service
		c    *consumer
		g    *group
	}
	seen := map[key]*plugin{}
	for _, pl := range p.plugins {
		if !pl.enabled || pl.dangling {
			continue
		}
		k := key{pl.name, pl.route, pl.service, pl.consumer, pl.group}
		if first, dup := seen[k]; dup {
			p.warnf("%s: plugin %s is configured twice at the same scope (also at %s); Kong would refuse this, the later one is used", pl.ptr, pl.name, first.ptr)
		}
		seen[k] = pl
	}
}

// emit builds the evidence, one record per http route.
func (p *parser) emit() error {
	for _, r := range p.routes {
		if !isHTTPRoute(r.protocols) {
			p.res.Skipped = append(p.res.Skipped, fmt.Sprintf("%s (%s): stream route (protocols %s), not an HTTP API route", r.label(), r.ptr, strings.Join(r.protocols, ", ")))
			continue
		}
		if r.svc != nil && !r.svc.enabled {
			p.res.Skipped = append(p.res.Skipped, fmt.Sprintf("%s (%s): service %s is disabled, Kong answers as if the route did not exist", r.label(), r.ptr, r.svc.label()))
			continue
		}
		info := RouteInfo{Pointer: r.ptr, Line: r.line, Protocols: r.protocols, StripPath: r.stripPath}
		switch {
		case r.svc != nil:
			info.Service = r.svc.label()
			info.API = info.Service
		case r.svcRef != "":
			info.Service = r.svcRef
			info.API = r.svcRef
		default:
			info.API = r.label()
		}
		info.Route = collectors.Route{Name: r.label(), Hosts: r.hosts, Methods: r.methods, Paths: r.paths}
		if p.budget -= p.cost(r); p.budget < 0 {
			return &Error{File: p.file, Pointer: r.ptr, Kind: ErrInvalid,
				Msg: "the configuration applies more plugins across its routes than posture expands (raise max_bytes to allow more)"}
		}
		info.Facts, info.Plugins = p.facts(r, p.effective(r), p.scopedLabels(r))
		if err := collectors.ValidateFacts(info.Facts); err != nil {
			return &Error{File: p.file, Pointer: r.ptr, Msg: err.Error(), Kind: ErrParserPanic}
		}
		rt := info.Route
		p.res.Routes = append(p.res.Routes, info)
		p.res.Evidence = append(p.res.Evidence, collectors.Evidence{
			API: info.API, Artifact: p.res.Artifact, Location: r.ptr, Facts: info.Facts, Route: &rt,
		})
	}
	return nil
}

// upstreamURL is where a service forwards to, without credentials.
func (s *service) upstreamURL() string {
	if s.host == "" {
		return ""
	}
	u := s.protocol + "://" + s.host
	if s.port != 0 && s.port != defaultPorts[s.protocol] {
		u += ":" + strconv.FormatInt(s.port, 10)
	}
	if s.path != "" && s.path != "/" {
		u += path.Clean("/" + s.path)
	}
	return u
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
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
