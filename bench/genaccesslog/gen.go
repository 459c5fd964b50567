package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is what one log is made from.
type config struct {
	Lines   int
	Seed    uint64
	Day     time.Time // local midnight of the logged day, in the log's zone
	Clients int       // distinct client addresses, scanners included
	Shadow  float64   // share of requests to paths the spec does not have
	Scanner float64   // share of scanner noise
}

// clientKind says how a client behaves.
type clientKind int

const (
	browser clientKind = iota // the web app: referers, HTTP/2, CORS preflights
	mobile                    // a mobile app
	script                    // curl, SDKs, integrations
	bot                       // crawlers and monitors: GETs only
	scanner                   // vulnerability scanners: noise paths
)

type client struct {
	addr  string
	kind  clientKind
	ua    string
	user  string // $remote_user: "-" unless the client uses HTTP basic auth
	proto string
}

// shadowPath is a path the service answers but the spec does not list.
type shadowPath struct {
	kind   byte // 'a' admin, 'i' internal, 'v' an old version
	pieces []piece
}

// generator writes the log; all randomness comes from r, seeded, so a seed
// always gives the same bytes.
type generator struct {
	cfg      config
	r        *rand.Rand
	ops      []*operation
	opCum    []float64 // cumulative popularity over ops
	getOps   []*operation
	getCum   []float64
	shadow   []shadowPath
	clients  []client
	scanners []int // indexes into clients
	zipf     *rand.Zipf
	minute   []float64 // cumulative traffic over the day's 1440 minutes
	uuids    []string
	slugs    []string
	pages    []string // referer pages of the web app

	scanClient, scanLeft int
	pending              *request // the real request after a CORS preflight
}

// request is one line before formatting.
type request struct {
	c      *client
	method string
	path   string // with the query
	status int
	bytes  int64
	ref    string
	user   string
}

func newGenerator(ops []*operation, cfg config) *generator {
	g := &generator{cfg: cfg, ops: ops, r: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))}
	r := g.r
	// Popularity: a Zipf-like weight over a seeded ranking of the
	// operations, reads three times as likely as writes.
	rank := r.Perm(len(ops))
	total := 0.0
	for i, op := range ops {
		w := 1 / math.Pow(float64(rank[i]+1), 1.1)
		if op.Method == "GET" {
			w *= 3
		}
		op.weight = w
		total += w
		g.opCum = append(g.opCum, total)
		// Median body: lists are big, single objects medium, writes small.
		switch {
		case op.Method == "GET" && (len(op.pieces) == 0 || op.pieces[len(op.pieces)-1].p == nil):
			op.median = 800 + r.Float64()*12000
		case op.Method == "GET":
			op.median = 250 + r.Float64()*2500
		default:
			op.median = 40 + r.Float64()*600
		}
		if op.Method == "GET" {
			g.getOps = append(g.getOps, op)
		}
	}
	for i, op := range g.getOps {
		g.getCum = append(g.getCum, op.weight)
		if i > 0 {
			g.getCum[i] += g.getCum[i-1]
		}
	}
	if len(g.getOps) == 0 { // a spec without GETs: bots fetch what there is
		g.getOps, g.getCum = ops, g.opCum
	}
	g.shadow = shadowPaths(ops)

	for range 4096 {
		g.uuids = append(g.uuids, uuid(r))
	}
	for range 2048 {
		s := adjectives[r.IntN(len(adjectives))] + "-" + nouns[r.IntN(len(nouns))]
		if r.IntN(3) == 0 {
			s += "-" + strconv.Itoa(r.IntN(100))
		}
		g.slugs = append(g.slugs, s)
	}
	seen := map[string]bool{}
	for _, op := range ops {
		seg, _, _ := strings.Cut(strings.TrimPrefix(op.Template, "/"), "/")
		if seg != "" && !strings.Contains(seg, "{") && !seen[seg] {
			seen[seg] = true
			g.pages = append(g.pages, seg)
		}
	}
	g.pages = append(g.pages, "", "login", "dashboard")

	g.makeClients()
	g.makeDay()
	return g
}

// makeClients draws the client addresses (about one in eight IPv6) and
// what each runs; scanners are kept apart, the rest are drawn by a Zipf
// law so a few clients make much of the traffic.
func (g *generator) makeClients() {
	r := g.r
	n := max(g.cfg.Clients, 10)
	nScan := max(n/125, 2)
	seen := map[string]bool{}
	for len(g.clients) < n {
		var addr string
		if r.IntN(8) == 0 {
			addr = ipv6(r)
		} else {
			addr = ipv4(r)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		c := client{addr: addr, user: "-", proto: "HTTP/1.1"}
		i := len(g.clients)
		x := r.Float64()
		switch {
		case i >= n-nScan:
			c.kind, c.ua = scanner, pick(r, scannerUAs)
		case i < 5: // the heaviest clients are integrations
			c.kind, c.ua = script, pick(r, scriptUAs)
		case x < 0.55:
			c.kind, c.ua = browser, pick(r, browserUAs)
			if r.IntN(10) < 6 {
				c.proto = "HTTP/2.0"
			}
		case x < 0.70:
			c.kind, c.ua = mobile, pick(r, mobileUAs)
			if r.IntN(2) == 0 {
				c.proto = "HTTP/2.0"
			}
		case x < 0.93:
			c.kind, c.ua = script, pick(r, scriptUAs)
			if r.IntN(40) == 0 {
				c.user = pick(r, basicUsers)
			}
		default:
			c.kind, c.ua = bot, pick(r, botUAs)
		}
		if c.kind == scanner {
			g.scanners = append(g.scanners, i)
			if r.IntN(4) == 0 {
				c.proto = "HTTP/1.0"
			}
		}
		g.clients = append(g.clients, c)
	}
	g.zipf = rand.NewZipf(r, 1.07, 8, uint64(n-nScan-1))
}

// makeDay spreads the traffic over the day: a trough around 04:00 and a
// peak in the afternoon, with minute-to-minute noise and a few bursts.
func (g *generator) makeDay() {
	r := g.r
	total := 0.0
	g.minute = make([]float64, 1440)
	for m := range 1440 {
		h := float64(m) / 60
		w := 0.15 + 0.85*(1-math.Cos(2*math.Pi*(h-4)/24))/2
		w *= 0.85 + 0.3*r.Float64()
		if r.IntN(200) == 0 {
			w *= 3 // a batch job, a retry storm
		}
		total += w
		g.minute[m] = total
	}
}

// write writes cfg.Lines lines to w.
func (g *generator) write(w io.Writer) (stats, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var st stats
	var line []byte
	var stamp []byte
	lastSec := int64(-1)
	m := 0
	n := g.cfg.Lines
	for i := range n {
		// Stratified positions (i+u)/n never go back, nor do the times
		// drawn from them through the day's cumulative traffic.
		pos := (float64(i) + g.r.Float64()) / float64(n) * g.minute[1439]
		for m < 1439 && g.minute[m] < pos {
			m++
		}
		lo := 0.0
		if m > 0 {
			lo = g.minute[m-1]
		}
		frac := min(max((pos-lo)/(g.minute[m]-lo), 0), 0.999999)
		sec := int64(m)*60 + int64(frac*60)
		if sec != lastSec {
			lastSec = sec
			stamp = g.cfg.Day.Add(time.Duration(sec)*time.Second).AppendFormat(stamp[:0], "02/Jan/2006:15:04:05 -0700")
		}
		req := g.next(&st)
		line = append(line[:0], req.c.addr...)
		line = append(line, " - "...)
		line = append(line, req.user...)
		line = append(line, " ["...)
		line = append(line, stamp...)
		line = append(line, "] \""...)
		line = append(line, req.method...)
		line = append(line, ' ')
		line = append(line, req.path...)
		line = append(line, ' ')
		line = append(line, req.c.proto...)
		line = append(line, "\" "...)
		line = strconv.AppendInt(line, int64(req.status), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, req.bytes, 10)
		line = append(line, " \""...)
		line = append(line, req.ref...)
		line = append(line, "\" \""...)
		line = append(line, req.c.ua...)
		line = append(line, "\"\n"...)
		if _, err := bw.Write(line); err != nil {
			return st, err
		}
		st.Lines++
	}
	return st, bw.Flush()
}

// stats counts what was written, by kind of request.
type stats struct {
	Lines, Spec, Preflight, Shadow, Scanner int
}

// next makes the next request.
func (g *generator) next(st *stats) request {
	if p := g.pending; p != nil {
		g.pending = nil
		st.Spec++
		return *p
	}
	r := g.r
	x := r.Float64()
	switch {
	case x < g.cfg.Scanner:
		st.Scanner++
		return g.scan()
	case x < g.cfg.Scanner+g.cfg.Shadow && len(g.shadow) > 0:
		st.Shadow++
		return g.shadowRequest()
	}
	c := &g.clients[g.zipf.Uint64()]
	var op *operation
	if c.kind == bot {
		op = g.getOps[pickCum(r, g.getCum)]
	} else {
		op = g.ops[pickCum(r, g.opCum)]
	}
	req := request{c: c, method: op.Method, user: c.user, ref: "-"}
	req.path = g.fill(op.pieces)
	if op.Method == "GET" {
		if q := g.query(op); q != "" {
			req.path += "?" + q
		}
	}
	if c.kind == browser && r.IntN(100) < 35 {
		req.ref = "https://app.example.com/" + g.pages[r.IntN(len(g.pages))]
	}
	req.status, req.bytes = g.outcome(op, c)
	if c.kind == browser && op.Method != "GET" && op.Method != "HEAD" && op.Method != "OPTIONS" && r.IntN(100) < 20 {
		// The browser asks first (CORS preflight); the request follows.
		g.pending = &req
		st.Preflight++
		return request{c: c, method: "OPTIONS", path: req.path, status: 204, user: "-", ref: req.ref}
	}
	st.Spec++
	return req
}

// outcome is a status plausible for the method, and a body size for it.
func (g *generator) outcome(op *operation, c *client) (int, int64) {
	r := g.r
	x := r.Float64()
	loginish := strings.Contains(op.Template, "login") || strings.Contains(op.Template, "/auth/") || strings.Contains(op.Template, "token")
	var status int
	switch op.Method {
	case "GET", "HEAD":
		status = table(x, op.success, getMix)
		if status == 304 && (c.kind == script || c.kind == bot && r.IntN(2) == 0) {
			status = op.success // few scripts send If-None-Match
		}
	case "DELETE":
		status = table(x, op.success, deleteMix)
	default:
		if loginish && r.IntN(100) < 7 {
			status = 401 // wrong passwords
		} else {
			status = table(x, op.success, writeMix)
		}
	}
	if status == 404 && !hasParam(op.pieces) && r.IntN(2) == 0 {
		status = op.success // a fixed path is rarely not found
	}
	var size int64
	switch {
	case op.Method == "HEAD" || status == 204 || status == 304:
		size = 0
	case status < 300:
		size = int64(op.median * math.Exp(r.NormFloat64()*0.6))
	case status == 502:
		size = 157 // nginx's own error pages
	case status == 503:
		size = 197
	case status == 504:
		size = 167
	default:
		size = 30 + r.Int64N(190) // a JSON error body
	}
	return status, size
}

// Status mixes: cumulative probabilities; 0 stands for the operation's
// success status.
type mix []struct {
	p      float64
	status int
}

var (
	getMix = mix{{0.855, 0}, {0.905, 304}, {0.910, 400}, {0.935, 401}, {0.943, 403}, {0.978, 404}, {0.988, 429},
		{0.992, 500}, {0.995, 502}, {0.998, 503}, {1, 504}}
	writeMix = mix{{0.870, 0}, {0.910, 400}, {0.940, 401}, {0.950, 403}, {0.960, 404}, {0.968, 409}, {0.980, 422},
		{0.990, 429}, {0.995, 500}, {0.998, 502}, {1, 503}}
	deleteMix = mix{{0.880, 0}, {0.910, 401}, {0.940, 403}, {0.985, 404}, {0.990, 409}, {0.995, 429}, {1, 500}}
)

func table(x float64, success int, m mix) int {
	for _, e := range m {
		if x < e.p {
			if e.status == 0 {
				return success
			}
			return e.status
		}
	}
	return success
}

func hasParam(ps []piece) bool {
	return slices.ContainsFunc(ps, func(p piece) bool { return p.p != nil })
}

// fill makes a concrete path from a template's pieces.
func (g *generator) fill(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		if p.p == nil {
			b.WriteString(p.lit)
		} else {
			b.WriteString(g.value(p.p))
		}
	}
	return b.String()
}

// value is a parameter value: small ids and popular objects come up more.
func (g *generator) value(p *param) string {
	r := g.r
	if len(p.Values) > 0 {
		return p.Values[r.IntN(len(p.Values))]
	}
	switch p.Kind {
	case kindNumber:
		return strconv.Itoa(1 + int(r.ExpFloat64()*3000))
	case kindUUID:
		return g.uuids[min(int(r.ExpFloat64()*600), len(g.uuids)-1)]
	case kindBool:
		if r.IntN(2) == 0 {
			return "true"
		}
		return "false"
	}
	return g.slugs[min(int(r.ExpFloat64()*300), len(g.slugs)-1)]
}

// query is a query string for some GETs: the spec's own query
// parameters when it declares any, paging otherwise.
func (g *generator) query(op *operation) string {
	r := g.r
	if len(op.query) > 0 {
		if r.IntN(100) >= 35 {
			return ""
		}
		var parts []string
		for _, i := range r.Perm(len(op.query))[:1+r.IntN(min(len(op.query), 3))] {
			p := op.query[i]
			parts = append(parts, escapeQuery(p.Name)+"="+g.queryValue(&p))
		}
		return strings.Join(parts, "&")
	}
	if r.IntN(100) >= 12 {
		return ""
	}
	switch r.IntN(4) {
	case 0:
		return "page=" + strconv.Itoa(1+int(r.ExpFloat64()*2))
	case 1:
		return "limit=" + pick(r, []string{"10", "20", "25", "50", "100"}) + "&offset=" + strconv.Itoa(r.IntN(20)*10)
	case 2:
		return "sort=" + pick(r, []string{"created_at", "-created_at", "name", "updated_at"})
	}
	return "q=" + nouns[r.IntN(len(nouns))]
}

func (g *generator) queryValue(p *param) string {
	if p.Kind == kindNumber && len(p.Values) == 0 {
		n := strings.ToLower(p.Name)
		if strings.Contains(n, "limit") || strings.Contains(n, "size") || strings.Contains(n, "count") {
			return pick(g.r, []string{"10", "20", "25", "50", "100"})
		}
		if strings.Contains(n, "offset") || strings.Contains(n, "skip") {
			return strconv.Itoa(g.r.IntN(30) * 10)
		}
		return strconv.Itoa(1 + int(g.r.ExpFloat64()*5))
	}
	return g.value(p)
}

// escapeQuery escapes the few characters of parameter names that may not appear
// in a query as is.
func escapeQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "&", "%26", "=", "%3D", "#", "%23", "\"", "%22", "[", "%5B", "]", "%5D").Replace(s)
}

// shadowRequest is a request to a path the spec does not have.
func (g *generator) shadowRequest() request {
	r := g.r
	c := &g.clients[g.zipf.Uint64()]
	s := g.shadow[r.IntN(len(g.shadow))]
	req := request{c: c, method: "GET", user: "-", ref: "-", path: g.fill(s.pieces)}
	x := r.Float64()
	switch s.kind {
	case 'a':
		if r.IntN(4) == 0 {
			req.method = pick(r, []string{"POST", "PUT", "DELETE"})
		}
		switch {
		case x < 0.55:
			req.status = 200
			if r.IntN(3) == 0 {
				req.user = pick(r, basicUsers) // nginx auth_basic in front of it
			}
		case x < 0.70:
			req.status = 401
		case x < 0.95:
			req.status = 403
		default:
			req.status = 404
		}
	case 'i':
		req.status = 200
		if x > 0.9 {
			req.status = 403
		}
	default:
		if r.IntN(5) == 0 {
			req.method = "POST"
		}
		switch {
		case x < 0.7:
			req.status = 200
		case x < 0.8:
			req.status = 301
		case x < 0.9:
			req.status = 404
		default:
			req.status = 410
		}
	}
	switch {
	case req.status == 200:
		req.bytes = int64(300 + r.IntN(6000))
	case req.status == 301:
		req.bytes = 169
	default:
		req.bytes = int64(30 + r.IntN(150))
	}
	return req
}

// scan is scanner noise: one scanner at a time works through its list.
func (g *generator) scan() request {
	r := g.r
	if g.scanLeft == 0 {
		g.scanClient = g.scanners[r.IntN(len(g.scanners))]
		g.scanLeft = 10 + r.IntN(60)
	}
	g.scanLeft--
	c := &g.clients[g.scanClient]
	p := scannerPaths[r.IntN(len(scannerPaths))]
	req := request{c: c, method: "GET", path: p, user: "-", ref: "-", status: 404, bytes: 153}
	switch x := r.Float64(); {
	case strings.HasSuffix(p, ".php") && x < 0.3:
		req.method = "POST"
		req.status, req.bytes = 405, 157
	case x < 0.05:
		req.method = "HEAD"
		req.bytes = 0
	case x < 0.12:
		req.status, req.bytes = 403, 153
	case x < 0.15:
		req.status, req.bytes = 400, 157
	}
	return req
}

// shadowPaths are endpoints the service answers but the spec leaves out:
// admin and internal routes, and an older version of some documented
// operations. None matches a spec template.
func shadowPaths(ops []*operation) []shadowPath {
	ids := &param{Name: "id", Kind: kindNumber}
	var out []shadowPath
	for _, s := range []string{"/admin/users", "/admin/users/{id}", "/admin/config", "/admin/audit-log", "/admin/feature-flags",
		"/internal/debug", "/internal/debug/vars", "/internal/debug/pprof/heap", "/internal/metrics", "/internal/cache/stats"} {
		out = append(out, shadowPath{kind: s[1], pieces: splitTemplate(s, map[string]*param{"id": ids})})
	}
	version := regexp.MustCompile(`/v[0-9]+(\.[0-9]+)?/`)
	n := 0
	for _, op := range ops {
		if op.Method != "GET" && op.Method != "POST" || n == 8 {
			continue
		}
		t := op.Template
		if loc := version.FindStringIndex(t); loc != nil {
			t = t[:loc[0]] + "/v0/" + t[loc[1]:]
		} else {
			t = "/v0" + t
		}
		ps := make([]piece, 0, len(op.pieces)+1)
		for _, p := range splitTemplate(t, nil) {
			if p.p != nil { // keep the operation's own parameter kinds
				for _, q := range op.pieces {
					if q.p != nil && q.p.Name == p.p.Name {
						p.p = q.p
					}
				}
			}
			ps = append(ps, p)
		}
		out = append(out, shadowPath{kind: 'v', pieces: ps})
		n++
	}
	// Drop any that a spec template matches (a spec with /admin or /v0).
	match := specMatcher(ops)
	return slices.DeleteFunc(out, func(s shadowPath) bool {
		var b strings.Builder
		for _, p := range s.pieces {
			if p.p == nil {
				b.WriteString(p.lit)
			} else {
				b.WriteString("1")
			}
		}
		return match(b.String())
	})
}

// specMatcher reports whether a concrete path matches one of the spec's
// templates (a parameter matches one non-empty segment part).
func specMatcher(ops []*operation) func(string) bool {
	var parts []string
	for _, op := range ops {
		var b strings.Builder
		for _, p := range op.pieces {
			if p.p == nil {
				b.WriteString(regexp.QuoteMeta(p.lit))
			} else {
				b.WriteString(`[^/]+`)
			}
		}
		parts = append(parts, b.String())
	}
	re := regexp.MustCompile(`^(?:` + strings.Join(parts, "|") + `)$`)
	return re.MatchString
}

func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	b = b&^(0xc000<<48) | 0x8000<<48 // variant 10
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48, b&0xffffffffffff)
}

// ipv4 is a public-looking address: no private, loopback, link-local,
// CGNAT, documentation, multicast or unrouted (DoD) ranges.
func ipv4(r *rand.Rand) string {
	for {
		a, b := 1+r.IntN(223), r.IntN(256)
		switch {
		case a == 6 || a == 7 || a == 10 || a == 11 || a == 21 || a == 22 || a == 26 || a >= 28 && a <= 30 || a == 33 || a == 55 || a == 127 || a == 214 || a == 215,
			a == 100 && b >= 64 && b < 128,
			a == 169 && b == 254,
			a == 172 && b >= 16 && b < 32,
			a == 192 && (b == 168 || b == 0),
			a == 198 && (b == 18 || b == 19 || b == 51),
			a == 203 && b == 0:
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, b, r.IntN(256), 1+r.IntN(254))
	}
}

// ipv6 is a global unicast address under prefixes ISPs and clouds use,
// written the way nginx logs it (compressed).
func ipv6(r *rand.Rand) string {
	prefix := pick(r, []string{"2a01", "2a02", "2a00", "2600", "2601", "2603", "2604", "2804", "2405", "2409", "2a0a"})
	if r.IntN(4) == 0 { // a server: ::N
		return fmt.Sprintf("%s:%x:%x:%x::%x", prefix, r.IntN(0x10000), r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0x20))
	}
	return fmt.Sprintf("%s:%x:%x:%x:%x:%x:%x:%x", prefix, r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff),
		1+r.IntN(0xffff), 1+r.IntN(0xffff), 1+r.IntN(0xffff), 1+r.IntN(0xffff))
}
