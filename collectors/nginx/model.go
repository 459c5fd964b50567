package nginx

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// varMap is one map block: "map $source $name { key value; default value; }".
type varMap struct {
	source  string
	entries []mapEntry
	def     string
	hasDef  bool
	file    string
	line    int
}

type mapEntry struct{ key, value string }

var (
	timeoutDirectives = []string{
		"proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout",
		"grpc_connect_timeout", "grpc_read_timeout", "grpc_send_timeout",
		"fastcgi_connect_timeout", "fastcgi_read_timeout", "fastcgi_send_timeout",
		"uwsgi_connect_timeout", "uwsgi_read_timeout", "uwsgi_send_timeout",
		"scgi_connect_timeout", "scgi_read_timeout", "scgi_send_timeout",
		"memcached_connect_timeout", "memcached_read_timeout", "memcached_send_timeout",
		"client_body_timeout", "client_header_timeout", "send_timeout",
	}
	isTimeout = func() map[string]bool {
		m := map[string]bool{}
		for _, t := range timeoutDirectives {
			m[t] = true
		}
		return m
	}()
	onOff = map[string]bool{"on": true, "off": true}
)

// templated reports whether a value holds an envsubst placeholder or an
// nginx variable, so it cannot be checked or interpreted literally.
func templated(s string) bool { return strings.Contains(s, "$") }

// validate checks the directives this package interprets the way nginx
// would (argument counts, values, contexts), so a broken configuration is
// an error with its line rather than a silently wrong fact. Other
// directives (hundreds, from many modules) are accepted as written.
func (p *parser) validate(dirs []*Directive, parent string, depth int) error {
	for _, d := range dirs {
		if opaque[parent] {
			continue
		}
		if err := p.check(d, parent); err != nil {
			return err
		}
		if d.IsBlock && len(d.Block) > 0 {
			if err := p.validate(d.Block, d.Name, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) check(d *Directive, parent string) error {
	bad := func(format string, args ...any) error {
		return p.errAt(d.File, d.Line, ErrInvalid, format, args...)
	}
	nargs := func(min, max int) error {
		if len(d.Args) < min || (max >= 0 && len(d.Args) > max) {
			return bad("invalid number of arguments in %q directive", d.Name)
		}
		return nil
	}
	notHere := func(allowed ...string) error {
		for _, a := range allowed {
			if parent == a {
				return nil
			}
		}
		return bad("%q directive is not allowed here", d.Name)
	}
	oneOf := func(set map[string]bool) error {
		if err := nargs(1, 1); err != nil {
			return err
		}
		if !set[d.Args[0]] && !templated(d.Args[0]) {
			return bad("invalid value %q in %q directive", d.Args[0], d.Name)
		}
		return nil
	}
	switch d.Name {
	case "http":
		return notHere("")
	case "server":
		if d.IsBlock {
			return notHere("", "http", "stream", "mail")
		}
	case "location":
		if err := notHere("", "server", "location"); err != nil {
			return err
		}
		_, err := p.locationMatch(d)
		return err
	case "listen", "server_name", "access_log":
		return nargs(1, -1)
	case "add_header":
		if err := nargs(2, 3); err != nil {
			return err
		}
		if len(d.Args) == 3 && d.Args[2] != "always" {
			return bad("invalid parameter %q in \"add_header\" directive", d.Args[2])
		}
	case "add_header_inherit":
		return oneOf(map[string]bool{"on": true, "off": true, "merge": true})
	case "limit_req":
		_, err := p.limitReqZone(d)
		return err
	case "limit_req_zone":
		return p.defineZone(d)
	case "client_max_body_size":
		if err := nargs(1, 1); err != nil {
			return err
		}
		if !templated(d.Args[0]) {
			if _, ok := parseSize(d.Args[0]); !ok {
				return bad("invalid value %q in %q directive", d.Args[0], d.Name)
			}
		}
	case "ssl_protocols":
		if err := nargs(1, -1); err != nil {
			return err
		}
		for _, a := range d.Args {
			if _, ok := tlsVersions[a]; !ok && !templated(a) {
				return bad("invalid value %q in \"ssl_protocols\" directive", a)
			}
		}
	case "auth_basic", "auth_basic_user_file", "auth_request", "allow", "deny", "proxy_pass", "grpc_pass",
		"fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass":
		return nargs(1, 1)
	case "auth_jwt":
		return nargs(1, 2)
	case "return":
		return nargs(1, 2)
	case "rewrite":
		return nargs(2, 3)
	case "ssl_verify_client":
		return oneOf(map[string]bool{"on": true, "off": true, "optional": true, "optional_no_ca": true})
	case "satisfy":
		return oneOf(map[string]bool{"all": true, "any": true})
	case "ssl", "limit_req_dry_run", "limit_conn_dry_run":
		return oneOf(onOff)
	case "map":
		if err := nargs(2, 2); err != nil {
			return err
		}
		p.defineMap(d)
	default:
		if isTimeout[d.Name] {
			if err := nargs(1, 1); err != nil {
				return err
			}
			if !templated(d.Args[0]) {
				if _, ok := parseTime(d.Args[0]); !ok {
					return bad("invalid value %q in %q directive", d.Args[0], d.Name)
				}
			}
		}
	}
	return nil
}

// defineMap records a map block for resolving header values later.
func (p *parser) defineMap(d *Directive) {
	if p.maps == nil {
		p.maps = map[string]*varMap{}
	}
	m := &varMap{source: d.Args[0], file: d.File, line: d.Line}
	for _, e := range d.Block {
		if len(e.Args) == 0 {
			continue // hostnames, volatile
		}
		switch e.Name {
		case "default":
			m.def, m.hasDef = e.Args[0], true
		default:
			m.entries = append(m.entries, mapEntry{e.Name, e.Args[0]})
		}
	}
	p.maps[varName(d.Args[1])] = m
}

// varName returns "name" for "$name" or "${name}", "" for anything else.
func varName(s string) string {
	if !strings.HasPrefix(s, "$") {
		return ""
	}
	s = s[1:]
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = s[1 : len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return s
}

var rateRE = regexp.MustCompile(`^rate=([0-9]+)r/([sm])$`)

// defineZone records a limit_req_zone's rate, normalised to requests per
// minute (nginx accepts r/s and r/m only).
func (p *parser) defineZone(d *Directive) error {
	if len(d.Args) < 3 {
		return p.errAt(d.File, d.Line, ErrInvalid, "invalid number of arguments in \"limit_req_zone\" directive")
	}
	if p.zones == nil {
		p.zones = map[string]int64{}
	}
	name, rate := "", int64(-1)
	for _, a := range d.Args[1:] {
		switch {
		case strings.HasPrefix(a, "zone="):
			name, _, _ = strings.Cut(strings.TrimPrefix(a, "zone="), ":")
		case strings.HasPrefix(a, "rate="):
			m := rateRE.FindStringSubmatch(a)
			if m == nil {
				if templated(a) {
					continue
				}
				return p.errAt(d.File, d.Line, ErrInvalid, "invalid rate %q in \"limit_req_zone\" directive", a)
			}
			n, err := strconv.ParseInt(m[1], 10, 64)
			if err != nil || n <= 0 || n > math.MaxInt32 {
				return p.errAt(d.File, d.Line, ErrInvalid, "invalid rate %q in \"limit_req_zone\" directive", a)
			}
			if m[2] == "s" {
				n *= 60
			}
			rate = n
		}
	}
	if name == "" {
		return p.errAt(d.File, d.Line, ErrInvalid, "no zone in \"limit_req_zone\" directive")
	}
	p.zones[name] = rate
	return nil
}

// limitReqZone returns the zone a limit_req directive uses.
func (p *parser) limitReqZone(d *Directive) (string, error) {
	zone := ""
	for _, a := range d.Args {
		if strings.HasPrefix(a, "zone=") {
			zone = strings.TrimPrefix(a, "zone=")
		}
	}
	if zone == "" {
		return "", p.errAt(d.File, d.Line, ErrInvalid, "no zone in \"limit_req\" directive")
	}
	return zone, nil
}

// tlsVersions orders ssl_protocols values; the value is the fact's text.
var tlsVersions = map[string]struct {
	rank int
	name string
}{
	"SSLv2": {0, "ssl2"}, "SSLv3": {1, "ssl3"}, "TLSv1": {2, "1.0"},
	"TLSv1.1": {3, "1.1"}, "TLSv1.2": {4, "1.2"}, "TLSv1.3": {5, "1.3"},
}

// parseSize reads an nginx size ("1024", "8k", "50M", "1g") in bytes.
func parseSize(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, false
	}
	return n * mult, true
}

// parseTime reads an nginx time ("30", "30s", "500ms", "1h 30m", "1d")
// in milliseconds; a bare number is seconds.
func parseTime(s string) (int64, bool) {
	units := map[string]int64{"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
		"w": 7 * 86_400_000, "M": 30 * 86_400_000, "y": 365 * 86_400_000}
	var total int64
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, false
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 12 {
			return 0, false
		}
		n, _ := strconv.ParseInt(rest[:i], 10, 64)
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] == 'M') {
			j++
		}
		unit := rest[:j]
		rest = strings.TrimLeft(rest[j:], " ")
		mult := int64(1000)
		if unit != "" {
			m, ok := units[unit]
			if !ok {
				return 0, false
			}
			mult = m
		}
		if n > math.MaxInt64/mult/2 {
			return 0, false
		}
		total += n * mult
		if total < 0 || total > math.MaxInt64/2 {
			return 0, false
		}
	}
	return total, true
}

// parseListen reads a listen directive.
func parseListen(d *Directive, sslOn bool) Listen {
	l := Listen{SSL: sslOn}
	addr := d.Args[0]
	switch {
	case strings.HasPrefix(addr, "unix:"):
		l.Address, l.Port = addr, "unix"
	case strings.HasPrefix(addr, "["):
		host, port, found := strings.Cut(addr[1:], "]")
		l.Address = "[" + host + "]"
		l.Port = strings.TrimPrefix(port, ":")
		if !found || l.Port == "" {
			l.Port = "80"
		}
	default:
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			l.Address, l.Port = addr[:i], addr[i+1:]
		} else if isDigits(addr) || templated(addr) {
			l.Port = addr
		} else {
			l.Address, l.Port = addr, "80"
		}
	}
	for _, a := range d.Args[1:] {
		switch a {
		case "ssl":
			l.SSL = true
		case "quic":
			l.QUIC = true
		case "http2":
			l.HTTP2 = true
		}
	}
	return l
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// locationMatch turns a location's arguments into a path rule, following
// ngx_http_core_location: "= /x" exact, "^~ /x" and "/x" prefix, "~ re"
// regex, "~* re" case-insensitive regex, and the same modifiers written
// against the path ("=/x", "~re", "~*re"). Named locations ("@x") match no
// request (they are only reached internally) and return a zero PathMatch.
// nginx regexes are unanchored PCRE; the route contract anchors at the
// start, so a regex not starting with "^" gets ".*" in front.
func (p *parser) locationMatch(d *Directive) (collectors.PathMatch, error) {
	bad := func(format string, args ...any) (collectors.PathMatch, error) {
		return collectors.PathMatch{}, p.errAt(d.File, d.Line, ErrInvalid, format, args...)
	}
	var mod, name string
	switch len(d.Args) {
	case 2:
		mod, name = d.Args[0], d.Args[1]
		if mod != "=" && mod != "^~" && mod != "~" && mod != "~*" {
			return bad("invalid location modifier %q", mod)
		}
	case 1:
		name = d.Args[0]
		switch {
		case strings.HasPrefix(name, "="):
			mod, name = "=", name[1:]
		case strings.HasPrefix(name, "~*"):
			mod, name = "~*", name[2:]
		case strings.HasPrefix(name, "~"):
			mod, name = "~", name[1:]
		}
	default:
		return bad("invalid number of arguments in \"location\" directive")
	}
	if !d.IsBlock {
		return bad("directive \"location\" has no opening \"{\"")
	}
	if name == "" {
		return bad("empty location")
	}
	switch mod {
	case "=":
		return collectors.PathMatch{Exact: name}, nil
	case "~", "~*":
		re := name
		if !strings.HasPrefix(re, "^") {
			re = ".*(?:" + re + ")"
		}
		if mod == "~*" {
			re = "(?i)" + re
		}
		pm := collectors.PathMatch{Regex: re}
		if err := collectors.ValidateRoute(collectors.Route{Paths: []collectors.PathMatch{pm}}); err != nil {
			return bad("location regex %q does not compile as RE2: %v", name, err)
		}
		return pm, nil
	}
	if strings.HasPrefix(name, "@") && mod == "" {
		return collectors.PathMatch{}, nil
	}
	return collectors.PathMatch{Prefix: name}, nil
}

// locationSpec is how a location is written, for route names.
func locationSpec(d *Directive) string { return strings.Join(d.Args, " ") }

// build finds the servers and routes of the expanded tree.
func (p *parser) build(res *Result) error {
	root := &Directive{IsBlock: true, Block: res.Tree}
	for _, d := range res.Tree {
		switch {
		case d.Name == "http" && d.IsBlock:
			for _, s := range d.Block {
				if s.Name == "server" && s.IsBlock {
					if err := p.server(res, []*Directive{root, d}, s); err != nil {
						return err
					}
				}
			}
		case d.Name == "server" && d.IsBlock:
			// A server at the top level: a conf.d/sites-enabled file that
			// nginx.conf includes inside http.
			if err := p.server(res, []*Directive{root}, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// displayFile is the name of a file in messages and locations.
func (p *parser) displayFile(file string) string {
	if file == "" {
		return p.name
	}
	return file
}

func (p *parser) server(res *Result, chain []*Directive, s *Directive) error {
	chain = append(chain[:len(chain):len(chain)], s)
	kids := p.children(s)
	sslOn := false
	if d := p.inherited(chain, "ssl"); d != nil && d.Args[0] == "on" {
		sslOn = true
	}
	srv := Server{File: s.File, Line: s.Line}
	for _, d := range kids["listen"] {
		srv.Listens = append(srv.Listens, parseListen(d, sslOn))
	}
	if len(srv.Listens) == 0 {
		// nginx's default: listen *:80 (*:8000 when not run as root).
		srv.Listens = []Listen{{Address: "*", Port: "80", SSL: sslOn}}
	}
	for _, d := range kids["server_name"] {
		srv.Names = append(srv.Names, d.Args...)
	}
	first := ""
	if len(srv.Names) > 0 {
		first = srv.Names[0]
	}
	port := srv.Listens[0].Port
	host := first
	if first == "" || first == "_" {
		host = path.Base(p.displayFile(s.File))
		srv.API = host + ":" + port
	} else {
		srv.API = first
	}
	hosts := routeHosts(srv.Names)
	sc := &srvCtx{allTLS: true}
	for _, l := range srv.Listens {
		if l.SSL || l.QUIC {
			sc.anyTLS = true
		} else {
			sc.allTLS = false
		}
	}
	idx := len(res.Servers)
	res.Servers = append(res.Servers, srv)

	emitted := 0
	var walk func(chain []*Directive, b *Directive, prefix string) error
	walk = func(chain []*Directive, b *Directive, prefix string) error {
		for _, loc := range b.Block {
			if loc.Name != "location" || !loc.IsBlock {
				continue
			}
			pm, err := p.locationMatch(loc)
			if err != nil {
				return err
			}
			lchain := append(chain[:len(chain):len(chain)], loc)
			name := prefix + "location " + locationSpec(loc)
			if pm != (collectors.PathMatch{}) {
				r := collectors.Route{Name: host + ":" + port + " " + name, Hosts: hosts, Paths: []collectors.PathMatch{pm}}
				p.addRoute(res, idx, sc, lchain, r, loc)
				emitted++
			}
			if err := walk(lchain, loc, name+" > "); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(chain, s, ""); err != nil {
		return err
	}
	if emitted == 0 {
		r := collectors.Route{Name: host + ":" + port + " (server)", Hosts: hosts, Paths: []collectors.PathMatch{{Prefix: "/"}}}
		p.addRoute(res, idx, sc, chain, r, s)
		emitted++
	}
	res.Servers[idx].Routes = emitted
	return nil
}

// routeHosts turns server_name arguments into route hosts. A regex name
// ("~^www\d+\.") or a trailing wildcard ("www.example.*") cannot be
// expressed, so the route then matches any host rather than none; "_" and
// "" match no real host and are dropped, ".example.com" is both
// example.com and *.example.com.
func routeHosts(names []string) []string {
	var hosts []string
	seen := map[string]bool{}
	add := func(h string) {
		h = strings.ToLower(h)
		if !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, "~") || strings.HasSuffix(n, ".*"):
			return nil
		case n == "" || n == "_" || templated(n):
			continue
		case strings.HasPrefix(n, "."):
			add(n[1:])
			add("*" + n)
		default:
			add(n)
		}
	}
	return hosts
}

// srvCtx is what every route of a server shares.
type srvCtx struct {
	anyTLS, allTLS bool // some / every listener speaks TLS
}

func (p *parser) addRoute(res *Result, server int, sc *srvCtx, chain []*Directive, r collectors.Route, at *Directive) {
	srv := &res.Servers[server]
	facts, unresolved, more := p.effective(chain, sc)
	loc := fmt.Sprintf("%s:%d", p.displayFile(at.File), at.Line)
	for _, u := range unresolved {
		loc += fmt.Sprintf("; warning: unresolved include %q at %s:%d (%s)", u.Pattern, p.displayFile(u.File), u.Line, u.Reason)
	}
	if more > 0 {
		loc += fmt.Sprintf("; warning: %d more unresolved includes", more)
	}
	res.Routes = append(res.Routes, Route{
		API: srv.API, Server: server, Route: r, File: at.File, Line: at.Line,
		Location: loc, Facts: facts, Unresolved: unresolved,
	})
}
