package envoy

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

// corpusFiles lists every file of the shared Envoy corpus, so a file added
// there is covered without touching this test.
func corpusFiles(t testing.TB) (root string, rels []string) {
	t.Helper()
	root = testutil.Corpus(t, "gateways/envoy")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			rels = append(rels, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) == 0 {
		t.Fatalf("no files under %s", root)
	}
	return root, rels
}

// Every real file is detected and parses into well-formed routes.
func TestCorpusParses(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !(Collector{}).Detect(rel, data) {
			t.Errorf("%s: not detected", rel)
		}
		res, err := Parse(rel, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(res.Routes) == 0 {
			t.Errorf("%s: no routes", rel)
		}
		checkResult(t, res)
	}
}

// corpusRoute is what one route of a corpus file must show; it is found by
// its API name and first path.
type corpusRoute struct {
	api, path string
	upstream  string // "" = no gateway.upstream (direct response)
	locations int    // route entries merged into it
	facts     map[string]any
}

// corpusWant is what a corpus file declares. The values were read off the
// files by hand (line numbers in the comments refer to the files as
// copied, see shared/corpus/SOURCES.md), not taken from Parse's output.
var corpusWant = map[string]struct {
	listeners, vhosts, clusters, entries int
	filters                              []string
	routes                               []corpusRoute
}{
	// One plaintext listener (no transport_socket), stdout access log
	// (l.14-17), cors filter (l.73-75). The virtual host "www" has a
	// CorsPolicy whose only origin matcher is safe_regex `\*` (l.24-40):
	// it matches the literal "*", which Envoy takes as "any origin".
	// /cors/disabled sets filter_enabled 0% (l.50-56); /cors/restricted
	// replaces the origins by `.*\.envoyproxy\.io` (l.61-67). Cluster
	// backend_service: plain, no connect_timeout (l.80-91).
	"cors_backend_envoy.yaml": {1, 1, 1, 4, []string{"envoy.filters.http.cors", "envoy.filters.http.router"}, []corpusRoute{
		{"www", "/cors/open", "backend_service", 1, map[string]any{
			"cors.restricted": false, "cors.wildcard": true, "cors.credentials": false, "cors.origins": []string{`regex:\*`},
			"tls.enforced": false, "auth.enforced": false, "logging.enabled": true, "logging.sinks": []string{"stdout"},
			"mtls.upstream": false, "timeout.configured": false, "gateway.plugins": []string{"envoy.filters.http.cors"}}},
		{"www", "/cors/disabled", "backend_service", 1, map[string]any{"cors.restricted": true, "cors.wildcard": nil, "cors.origins": nil}},
		{"www", "/cors/restricted", "backend_service", 1, map[string]any{
			"cors.restricted": true, "cors.wildcard": false, "cors.origins": []string{`regex:.*\.envoyproxy\.io`}}},
		{"www", "/", "backend_service", 1, map[string]any{"cors.restricted": false, "cors.wildcard": true}},
	}},
	// listener_0, plaintext, stdout access log (l.21-24); one route prefix
	// "/" with a direct_response (l.31-37). jwt_authn (l.39-71): provider
	// firebase with issuer (l.52) and audiences (l.53-54), remote JWKS
	// (camelCase remoteJwks, l.55); one rule prefix "/" requiring it. The
	// only cluster is the JWKS host.
	"envoy-configs-jwt_authn.yaml": {1, 1, 1, 1, []string{"envoy.filters.http.jwt_authn", "envoy.filters.http.router"}, []corpusRoute{
		{"default", "/", "", 1, map[string]any{
			"auth.enforced": true, "auth.mechanisms": []string{"jwt"}, "jwt.claims_verified": []string{"aud", "exp", "iss", "nbf"},
			"jwt.algorithms": nil, "enforcement.enforcing": true, "tls.enforced": false, "logging.enabled": true,
			"timeout.configured": nil, "mtls.upstream": nil, "authz.enforced": false}},
	}},
	// Plaintext listener, no access log; ext_authz with an http_service
	// (l.26-37), no with_request_body; route "/" to upstream-service
	// (l.20-24); two plain clusters without connect_timeout.
	"ext_authz_config_http-service.yaml": {1, 1, 2, 1, []string{"envoy.filters.http.ext_authz", "envoy.filters.http.router"}, []corpusRoute{
		{"upstream", "/", "upstream-service", 1, map[string]any{
			"auth.enforced": true, "auth.mechanisms": []string{"ext-authz"}, "authz.enforced": true, "authz.mechanisms": []string{"ext-authz"},
			"policy.per_call": true, "enforcement.enforcing": true, "logging.enabled": false, "bodysize.limited": false,
			"tls.enforced": false, "mtls.upstream": false, "timeout.configured": false}},
	}},
	// Two listeners with the same virtual host "backend" and routes
	// /service/1, /service/2: 8080 plaintext (l.3-32), 8443 with a
	// DownstreamTlsContext without tls_params (l.34-128). The routes are
	// reachable in plain text on 8080, so not TLS-only. Router only.
	"front-proxy_envoy.yaml": {2, 2, 2, 4, []string{"envoy.filters.http.router"}, []corpusRoute{
		{"backend", "/service/1", "service1-envoy", 2, map[string]any{
			"tls.enforced": false, "tls.min_version": nil, "auth.enforced": false, "gateway.plugins": nil,
			"enforcement.enforcing": nil, "mtls.upstream": false, "timeout.configured": false}},
		{"backend", "/service/2", "service2-envoy", 2, map[string]any{"tls.enforced": false}},
	}},
	// Two listeners, each with local_ratelimit: token bucket 2 tokens per
	// 5s (= 24/min), filter_enabled and filter_enforced 100% (l.25-48,
	// l.74-97). Routes /stats/prometheus -> envoy-stat and / -> service;
	// both clusters set connect_timeout 0.25s (l.103, l.115).
	"local_ratelimit_envoy.yaml": {2, 2, 2, 2, []string{"envoy.filters.http.local_ratelimit", "envoy.filters.http.router"}, []corpusRoute{
		{"backend", "/stats/prometheus", "envoy-stat", 1, map[string]any{
			"ratelimit.enabled": true, "ratelimit.per_minute": int64(24), "enforcement.enforcing": true,
			"timeout.configured": true, "timeout.seconds": nil, "auth.enforced": false}},
		{"backend", "/", "service", 1, map[string]any{"ratelimit.enabled": true, "ratelimit.per_minute": int64(24)}},
	}},
	// rbac with a matcher tree: DENY when the referer does not match,
	// on_no_match ALLOW (l.25-56). No authentication filter.
	"rbac_envoy.yaml": {1, 1, 1, 1, []string{"envoy.filters.http.rbac", "envoy.filters.http.router"}, []corpusRoute{
		{"service", "/", "local_service", 1, map[string]any{
			"authz.enforced": true, "authz.mechanisms": []string{"rbac"}, "policy.per_call": true,
			"enforcement.enforcing": true, "auth.enforced": false, "tls.enforced": false}},
	}},
	// One listener with a DownstreamTlsContext (l.29-32) and no tls_params;
	// the cluster's UpstreamTlsContext pins TLS 1.3 but has no client
	// certificate (l.107-114).
	"tls_envoy-https-https.yaml": {1, 1, 1, 1, []string{"envoy.filters.http.router"}, []corpusRoute{
		{"app", "/", "service-https", 1, map[string]any{
			"tls.enforced": true, "tls.min_version": nil, "mtls.upstream": false, "auth.enforced": false}},
	}},
}

func TestCorpusTable(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		t.Run(rel, func(t *testing.T) {
			want, ok := corpusWant[rel]
			if !ok {
				t.Fatalf("no expectations for %s: read the file and add them to corpusWant", rel)
			}
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(rel, data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Listeners != want.listeners || res.VirtualHosts != want.vhosts || res.Clusters != want.clusters || res.RouteEntries != want.entries {
				t.Errorf("listeners %d vhosts %d clusters %d entries %d, want %d %d %d %d", res.Listeners, res.VirtualHosts,
					res.Clusters, res.RouteEntries, want.listeners, want.vhosts, want.clusters, want.entries)
			}
			if strings.Join(res.HTTPFilters, " ") != strings.Join(want.filters, " ") {
				t.Errorf("filters %v, want %v", res.HTTPFilters, want.filters)
			}
			if len(res.Routes) != len(want.routes) {
				t.Errorf("routes %d, want %d", len(res.Routes), len(want.routes))
			}
			for _, wr := range want.routes {
				var got *RouteResult
				for i, r := range res.Routes {
					if r.API == wr.api && len(r.Route.Paths) > 0 && r.Route.Paths[0].Prefix == wr.path {
						got = &res.Routes[i]
					}
				}
				if got == nil {
					t.Errorf("no route %s %s", wr.api, wr.path)
					continue
				}
				if n := len(strings.Fields(got.Location)); n != wr.locations {
					t.Errorf("%s: %d locations (%s), want %d", wr.path, n, got.Location, wr.locations)
				}
				f := map[string]any{collectors.FactUpstream: nil}
				if wr.upstream != "" {
					f[collectors.FactUpstream] = wr.upstream
				}
				for k, v := range wr.facts {
					f[k] = v
				}
				t.Run(wr.path, func(t *testing.T) { wantFacts(t, got.Facts, f) })
			}
		})
	}
}

// Collect over the corpus directory: one evidence per route, every
// record of a file sharing one artifact.
func TestCollectCorpus(t *testing.T) {
	root, rels := corpusFiles(t)
	sink := &recorder{}
	err := Collector{}.Collect(context.Background(), collectors.Source{Name: "envoy", Kind: Kind, Paths: []string{root}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, rel := range rels {
		want += len(corpusWant[rel].routes)
	}
	if len(sink.evidence) != want {
		t.Errorf("evidence %d, want %d", len(sink.evidence), want)
	}
	arts := map[string]*collectors.Artifact{}
	for _, ev := range sink.evidence {
		if ev.Route == nil || ev.Endpoint != "" {
			t.Errorf("%s: evidence must carry a Route and no Endpoint", ev.Location)
		}
		if prev, ok := arts[ev.Artifact.Name]; ok && prev != ev.Artifact {
			t.Errorf("%s: artifact not shared", ev.Artifact.Name)
		}
		arts[ev.Artifact.Name] = ev.Artifact
	}
	if len(arts) != len(rels) {
		t.Errorf("artifacts %d, want %d", len(arts), len(rels))
	}
}

// recorder is a Sink keeping what it receives.
type recorder struct {
	evidence []collectors.Evidence
	failAt   int // fail the n-th evidence (1-based); 0 never
	calls    int
}

func (r *recorder) API(collectors.API) error           { return errUnexpected }
func (r *recorder) Endpoint(collectors.Endpoint) error { return errUnexpected }
func (r *recorder) Finding(collectors.Finding) error   { return errUnexpected }
func (r *recorder) Evidence(ev collectors.Evidence) error {
	r.calls++
	if r.failAt > 0 && r.calls == r.failAt {
		return errSinkFull
	}
	r.evidence = append(r.evidence, ev)
	return nil
}
