package accesslog

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/sketch"
)

// Bounds of one run's aggregation. A crawler or an attack can send any
// number of distinct paths; past these bounds requests still count, under
// a catch-all path, with a warning.
const (
	// MaxShadowPaths is how many distinct unknown served paths one API
	// keeps per run; the rest count under collectors.TrafficOtherPath.
	MaxShadowPaths = 1000
	// maxResolveCache bounds the request → endpoint cache; it is cleared
	// when full. Keys are normalized paths, so a busy API needs about as
	// many entries as it has endpoints.
	maxResolveCache = 50_000
)

// endpointInfo is what a request resolved to.
type endpointInfo struct {
	api, method, path string
	matched           bool
	inSpec            bool
	deprecated        bool // or removed from its description
	authRequired      bool
}

type apiIndex struct {
	name      string
	bases     []string // base paths ("/v1"), longest first
	graphql   []string // where a GraphQL API is served; nil for others
	templates *collectors.PathTemplates
	endpoints map[string]collectors.InventoryEndpoint // by key
}

type cacheKey struct{ host, method, path string }

// resolver maps requests to inventory endpoints: by the API named in the
// source, else by the Host header against the APIs' base URLs, else by
// path against every API's templates.
type resolver struct {
	fixed    string // Source.API
	fallback string // API name for unknown requests without a Host
	apis     []apiIndex
	byName   map[string]int
	byHost   map[string][]int
	cache    map[cacheKey]*endpointInfo
}

func newResolver(inv []collectors.InventoryAPI, fixedAPI, fallback string) *resolver {
	r := &resolver{fixed: fixedAPI, fallback: fallback, byName: map[string]int{}, byHost: map[string][]int{}, cache: map[cacheKey]*endpointInfo{}}
	sort.Slice(inv, func(i, j int) bool { return inv[i].Name < inv[j].Name })
	for _, a := range inv {
		idx := apiIndex{name: a.Name, endpoints: map[string]collectors.InventoryEndpoint{}}
		keys := make([]string, 0, len(a.Endpoints))
		gql := false
		for _, e := range a.Endpoints {
			k := e.Method + " " + e.Path
			keys = append(keys, k)
			idx.endpoints[k] = e
			gql = gql || collectors.IsGraphQLMethod(e.Method)
		}
		var bases []string
		for _, u := range a.BaseURLs {
			pu, err := url.Parse(u)
			if err != nil {
				continue
			}
			bases = append(bases, pu.Path)
			if h := strings.ToLower(pu.Hostname()); h != "" {
				r.byHost[h] = append(r.byHost[h], len(r.apis))
			}
		}
		idx.templates = collectors.NewPathTemplates(keys, bases)
		for _, b := range bases {
			if b = strings.TrimRight(b, "/"); b != "" {
				idx.bases = append(idx.bases, b)
			}
		}
		sort.Slice(idx.bases, func(i, j int) bool { return len(idx.bases[i]) > len(idx.bases[j]) })
		if gql {
			idx.graphql = collectors.GraphQLPaths(bases)
		}
		r.byName[a.Name] = len(r.apis)
		r.apis = append(r.apis, idx)
	}
	return r
}

// resolve returns the endpoint a request resolves to. The result is
// cached and must not be modified.
//
// Matching works on the normalized path: ids, UUIDs and hashes become
// placeholders, which a template's {param} matches as it would the value,
// and requests for /orders/1 and /orders/2 share one cache entry. (A
// template whose literal segment looks like an id, "/reports/2024", would
// not match; descriptions name such segments as parameters.)
func (r *resolver) resolve(host, method, path string) *endpointInfo {
	host = strings.ToLower(hostOnly(host))
	path = NormalizePath(path)
	ck := cacheKey{host, method, path}
	if e, ok := r.cache[ck]; ok {
		return e
	}
	e := r.lookup(host, method, path)
	if len(r.cache) >= maxResolveCache {
		clear(r.cache)
	}
	// host and method may alias a log line: keep copies.
	r.cache[cacheKey{strings.Clone(host), strings.Clone(method), path}] = e
	return e
}

func (r *resolver) lookup(host, method, path string) *endpointInfo {
	var cands []int
	switch {
	case r.fixed != "":
		if i, ok := r.byName[r.fixed]; ok {
			cands = []int{i}
		}
	case len(r.byHost[host]) > 0:
		cands = r.byHost[host]
	default:
		cands = make([]int, len(r.apis))
		for i := range cands {
			cands[i] = i
		}
	}
	if method != "" {
		for _, i := range cands {
			a := &r.apis[i]
			// A GraphQL API's fields share one URL: a request to it is
			// described by the schema, whatever operation it carries.
			if (method == "POST" || method == "GET") && slices.Contains(a.graphql, path) {
				return &endpointInfo{api: a.name, method: method, path: path, matched: true, inSpec: true}
			}
			if k, ok := a.templates.Match(method, path); ok {
				ie := a.endpoints[k]
				m, p, _ := strings.Cut(k, " ")
				return &endpointInfo{api: a.name, method: m, path: p, matched: true,
					inSpec: ie.InSpec || ie.Removed, deprecated: ie.Deprecated || ie.Removed, authRequired: ie.AuthRequired}
			}
		}
	}
	e := &endpointInfo{method: strings.Clone(method)}
	switch {
	case r.fixed != "":
		e.api = r.fixed
	case len(r.byHost[host]) == 1:
		e.api = r.apis[r.byHost[host][0]].name
	case host != "":
		e.api = strings.Clone(host) // an API nobody described: a shadow API
	default:
		e.api = r.fallback
	}
	// An unknown path of a known API is named like its endpoints: under
	// the API's base path.
	if i, ok := r.byName[e.api]; ok {
		for _, b := range r.apis[i].bases {
			if rest, found := strings.CutPrefix(path, b); found && (rest == "" || rest[0] == '/') {
				path = rest
				break
			}
		}
	}
	e.path = NormalizePath(path)
	return e
}

// served reports whether a response means the server has something at
// that path: not "not found", "method not allowed", "gone", "not
// implemented", and a status was logged.
func served(status int) bool {
	switch status {
	case 0, 404, 405, 410, 501:
		return false
	}
	return true
}

type aggKey struct {
	api, method, path string
	day               int64 // Unix seconds of the UTC day
}

type aggregate struct {
	info    *endpointInfo
	first   time.Time
	last    time.Time
	stats   collectors.TrafficStats
	latency sketch.Histogram
	clients sketch.HLL
}

// aggregator counts requests per API, endpoint and day.
type aggregator struct {
	res      *resolver
	now      time.Time
	buckets  map[aggKey]*aggregate
	shadow   map[string]map[string]bool // api -> distinct unknown served "METHOD path"
	overflow map[string]bool            // APIs that hit MaxShadowPaths
	requests int64
}

func newAggregator(res *resolver, now time.Time) *aggregator {
	return &aggregator{res: res, now: now, buckets: map[aggKey]*aggregate{}, shadow: map[string]map[string]bool{}, overflow: map[string]bool{}}
}

var unserved = &endpointInfo{method: "*", path: collectors.TrafficUnservedPath}

// add counts one request. rec's strings may alias the line being read.
func (g *aggregator) add(rec *Record) {
	t := rec.Time
	if t.IsZero() {
		t = g.now
	}
	info := g.res.resolve(rec.Host, rec.Method, rec.Path)
	method, path := info.method, info.path
	if !info.matched {
		if rec.Method == "" || !served(rec.Status) {
			method, path = unserved.method, unserved.path
		} else {
			set := g.shadow[info.api]
			if set == nil {
				set = map[string]bool{}
				g.shadow[info.api] = set
			}
			k := method + " " + path
			if !set[k] {
				if len(set) >= MaxShadowPaths {
					g.overflow[info.api] = true
					method, path = "*", collectors.TrafficOtherPath
				} else {
					set[k] = true
				}
			}
		}
	}
	day := t.UTC().Truncate(24 * time.Hour).Unix()
	key := aggKey{api: info.api, method: method, path: path, day: day}
	a := g.buckets[key]
	if a == nil {
		a = &aggregate{info: info, first: t, last: t}
		g.buckets[key] = a
	}
	if t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
	s := &a.stats
	s.Requests++
	g.requests++
	ok := rec.Status >= 200 && rec.Status < 300
	switch {
	case ok:
		s.S2xx++
	case rec.Status >= 300 && rec.Status < 400:
		s.S3xx++
	case rec.Status >= 400 && rec.Status < 500:
		s.S4xx++
	case rec.Status >= 500:
		s.S5xx++
	}
	switch rec.Status {
	case 401:
		s.S401++
	case 403:
		s.S403++
	case 429:
		s.S429++
	}
	if rec.TLS >= 0 {
		s.TLSKnown++
		if rec.TLS == 1 {
			s.TLS++
		} else if ok {
			s.PlainOK++
		}
	}
	if rec.Authenticated >= 0 {
		s.AuthKnown++
		if rec.Authenticated == 0 && ok {
			s.UnauthOK++
		}
	}
	if rec.Duration > 0 {
		a.latency.Observe(rec.Duration)
	}
	if rec.ClientIP != "" {
		a.clients.AddString(rec.ClientIP)
	}
}

// apiSummary is one API's traffic in the run, for its evidence facts.
type apiSummary struct {
	requests          int64
	tlsKnown, plainOK int64
	authKnown         int64
	shadow, zombie    map[string]bool
	unauthOK          map[string]bool
	first, last       time.Time
	endpoints         map[string]collectors.Endpoint // to report, by key
}

func (g *aggregator) summaries() map[string]*apiSummary {
	out := map[string]*apiSummary{}
	for k, a := range g.buckets {
		s := out[k.api]
		if s == nil {
			s = &apiSummary{shadow: map[string]bool{}, zombie: map[string]bool{}, unauthOK: map[string]bool{}, endpoints: map[string]collectors.Endpoint{}, first: a.first, last: a.last}
			out[k.api] = s
		}
		st := a.stats
		s.requests += st.Requests
		s.tlsKnown += st.TLSKnown
		s.plainOK += st.PlainOK
		s.authKnown += st.AuthKnown
		if a.first.Before(s.first) {
			s.first = a.first
		}
		if a.last.After(s.last) {
			s.last = a.last
		}
		if k.path == collectors.TrafficUnservedPath || k.path == collectors.TrafficOtherPath {
			continue
		}
		key := k.method + " " + k.path
		s.endpoints[key] = collectors.Endpoint{API: k.api, Protocol: collectors.ProtocolREST, Method: k.method, Path: k.path}
		info := a.info
		switch {
		case !info.matched || !info.inSpec:
			if st.S2xx+st.S3xx > 0 || !info.matched {
				s.shadow[key] = true
			}
		case info.deprecated && st.S2xx+st.S3xx > 0:
			s.zombie[key] = true
		}
		if info.matched && info.authRequired && st.UnauthOK > 0 {
			s.unauthOK[key] = true
		}
	}
	return out
}

func sortedKeys(m map[string]bool, limit int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
