package envoy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// cfg builds a small bootstrap around the parts a test cares about. Every
// part is YAML written at indentation 0; the builder indents it.
type cfg struct {
	filters  string // http_filters items (the router is appended)
	routes   string // routes items; default: prefix "/" to cluster backend
	vh       string // extra virtual host fields
	rc       string // extra route_config fields
	hcm      string // extra http_connection_manager fields
	chain    string // extra filter chain fields (transport_socket)
	netf     string // network filters before the connection manager
	clusters string // clusters items; default: backend, plain
	top      string // extra top-level fields
}

const defaultRoutes = "- match: {prefix: \"/\"}\n  route: {cluster: backend}\n"
const defaultClusters = "- name: backend\n  type: STRICT_DNS\n"

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	var b strings.Builder
	for _, ln := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if ln != "" {
			b.WriteString(pad)
		}
		b.WriteString(ln)
		b.WriteByte('\n')
	}
	return b.String()
}

func (c cfg) yaml() string {
	routes, clusters := c.routes, c.clusters
	if routes == "" {
		routes = defaultRoutes
	}
	if clusters == "" {
		clusters = defaultClusters
	}
	var b strings.Builder
	b.WriteString("static_resources:\n  listeners:\n  - name: main\n    filter_chains:\n    - filters:\n")
	if c.netf != "" {
		b.WriteString(indent(c.netf, 6))
	}
	b.WriteString("      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n")
	b.WriteString("          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n")
	b.WriteString("          stat_prefix: ingress\n")
	if c.hcm != "" {
		b.WriteString(indent(c.hcm, 10))
	}
	b.WriteString("          http_filters:\n")
	if c.filters != "" {
		b.WriteString(indent(c.filters, 10))
	}
	b.WriteString("          - name: envoy.filters.http.router\n            typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}\n")
	b.WriteString("          route_config:\n            name: rc\n")
	if c.rc != "" {
		b.WriteString(indent(c.rc, 12))
	}
	b.WriteString("            virtual_hosts:\n            - name: api\n              domains: [\"*\"]\n")
	if c.vh != "" {
		b.WriteString(indent(c.vh, 14))
	}
	b.WriteString("              routes:\n")
	b.WriteString(indent(routes, 14))
	if c.chain != "" {
		b.WriteString(indent(c.chain, 6))
	}
	b.WriteString("  clusters:\n")
	b.WriteString(indent(clusters, 2))
	if c.top != "" {
		b.WriteString(c.top)
	}
	return b.String()
}

// parse parses a built config and fails the test on error.
func (c cfg) parse(t *testing.T) *Result {
	t.Helper()
	res, err := Parse("test.yaml", []byte(c.yaml()), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, c.yaml())
	}
	checkResult(t, res)
	return res
}

// first returns the first route's facts.
func (c cfg) first(t *testing.T) collectors.Facts {
	t.Helper()
	res := c.parse(t)
	if len(res.Routes) == 0 {
		t.Fatalf("no routes\n%s", c.yaml())
	}
	return res.Routes[0].Facts
}

// checkResult asserts what every result must satisfy: routes the ingest
// accepts, typed facts, an API name and a location.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	for _, r := range res.Routes {
		if r.API == "" || r.Location == "" || r.Route.Name == "" {
			t.Errorf("route %+v: empty API, location or name", r.Route)
		}
		if err := collectors.ValidateRoute(r.Route); err != nil {
			t.Errorf("route %q: %v", r.Route.Name, err)
		}
		if err := collectors.ValidateFacts(r.Facts); err != nil {
			t.Errorf("route %q: %v", r.Route.Name, err)
		}
		for k, v := range r.Facts {
			switch v.(type) {
			case bool, int64, string, []string:
			default:
				t.Errorf("route %q: fact %s has type %T", r.Route.Name, k, v)
			}
		}
		if _, ok := r.Facts[collectors.FactTLSEnforced]; !ok {
			t.Errorf("route %q: tls.enforced not set", r.Route.Name)
		}
	}
}

// wantFacts compares the given facts; a nil want means "must be absent".
func wantFacts(t *testing.T, got collectors.Facts, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if w == nil {
			if ok {
				t.Errorf("%s = %v, want absent", k, g)
			}
			continue
		}
		if i, isInt := w.(int); isInt {
			w = int64(i)
		}
		if !ok {
			t.Errorf("%s absent, want %v", k, w)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", k, g, w)
		}
	}
	if t.Failed() {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Logf("facts: %s", b)
	}
}

// routeNamed finds a route by name.
func routeNamed(t *testing.T, res *Result, name string) RouteResult {
	t.Helper()
	var names []string
	for _, r := range res.Routes {
		if r.Route.Name == name {
			return r
		}
		names = append(names, r.Route.Name)
	}
	t.Fatalf("no route %q; have %q", name, names)
	return RouteResult{}
}

// Filter snippets.
const (
	routerType   = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
	extAuthzHTTP = `- name: authz
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
    http_service: {server_uri: {uri: "http://authz", cluster: authz, timeout: 1s}}
`
	tlsChain = `transport_socket:
  name: envoy.transport_sockets.tls
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
    common_tls_context:
      tls_params: {tls_minimum_protocol_version: TLSv1_2}
      tls_certificates: [{certificate_chain: {filename: /c.pem}, private_key: {filename: /k.pem}}]
`
)

func jwtFilter(rules string) string {
	return `- name: jwt
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
    providers:
      idp:
        issuer: https://idp.example.com
        audiences: [api]
        remote_jwks: {http_uri: {uri: "https://idp.example.com/jwks", cluster: idp, timeout: 1s}}
      other:
        local_jwks:
          inline_string: '{"keys": [{"kty": "RSA", "alg": "RS256", "n": "x", "e": "AQAB"}, {"kty": "EC", "alg": "ES256"}]}'
    rules:
` + indent(rules, 4)
}
