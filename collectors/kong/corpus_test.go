package kong

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

// corpusFiles lists every file of the shared Kong corpus, so a file added
// there is covered without touching this test.
func corpusFiles(t testing.TB) (root string, rels []string) {
	t.Helper()
	root = testutil.Corpus(t, "gateways/kong")
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
	sort.Strings(rels)
	return root, rels
}

// Every real file parses, is detected, and gives a well-formed result.
func TestParseCorpus(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !(Collector{}).Detect(rel, data[:min(len(data), 4096)]) {
			t.Errorf("%s: not detected", rel)
		}
		res, err := Parse(rel, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		checkResult(t, res)
	}
}

type corpusRoute struct {
	name  string
	api   string
	route collectors.Route
	facts map[string]any // nil value: must be absent
}

type corpusCase struct {
	routes, services, plugins, consumers, groups int
	noRoutes                                     []string
	format                                       string
	warnings                                     int
	checks                                       []corpusRoute
}

// The expected values were derived by reading each file by hand (they are
// short; the counts below are of the YAML entries as written), applying
// Kong's rules as documented in doc.go, not by running the parser:
//
//   - routes: entries under services[].routes plus top-level routes[]
//   - plugins: every entry of every plugins list (top level, services,
//     routes, consumers, consumer_groups), disabled ones included
//   - facts: the plugins on the route, its service and at top level,
//     taking the most specific instance per plugin name
var corpusWant = map[string]corpusCase{
	// 7 services, 3 nested routes (s1: 2, s2: 1), 2 top-level routes
	// without a service. Plugins: 2 on s1, 2 on r3, 15 global, 2 on
	// consumer c1 = 21. The global list has key-auth and http-log twice
	// (Kong would refuse it: 2 warnings). Global auth plugins protect every
	// route; acme and aws-lambda are no protection.
	"deck-convert-11-input.yaml": {
		routes: 5, services: 7, plugins: 21, consumers: 1, format: "3.0", warnings: 2,
		noRoutes: []string{"s3-http", "s4-tls", "s5-grpcs", "s6-wss", "s7-https-tls-verify-set"},
		checks: []corpusRoute{
			{name: "r1-no-protocols", api: "s1",
				route: collectors.Route{Name: "r1-no-protocols", Paths: []collectors.PathMatch{{Prefix: "/test1"}}},
				facts: map[string]any{
					collectors.FactTLSEnforced:       false, // no protocols: http+https
					collectors.FactAuthEnforced:      true,
					collectors.FactAuthMechanisms:    []string{"basic-auth", "custom", "hmac", "key-auth", "ldap", "oauth2", "oidc"},
					collectors.FactLoggingEnabled:    true,
					collectors.FactLoggingSinks:      []string{"http:https://log.example.com"},
					collectors.FactUpstream:          "https://example.com",
					collectors.FactMTLSUpstream:      false, // https upstream, no client certificate
					collectors.FactTimeoutConfigured: false,
					collectors.FactRateLimitEnabled:  false,
					collectors.FactCORSRestricted:    true,
					collectors.FactEnforcementMode:   true,
					collectors.FactGatewayPlugins: []string{"acme", "aws-lambda", "basic-auth", "basic-auth@consumer:c1",
						"hmac-auth", "http-log", "key-auth", "key-auth-enc", "key-auth@consumer:c1", "ldap-auth",
						"ldap-auth-advanced", "oauth2", "oauth2-introspection", "openid-connect", "vault-auth"},
				}},
			{name: "r1-with-protocols", api: "s1", facts: map[string]any{collectors.FactTLSEnforced: true}},
			{name: "r2", api: "s2-https-no-tls-verify", facts: map[string]any{
				collectors.FactTLSEnforced: false, collectors.FactAuthEnforced: true,
				collectors.FactUpstream: "https://secure.example.com"}},
			// no service: API is the route's name; service facts unknown
			{name: "r3-no-protocols", api: "r3-no-protocols", facts: map[string]any{
				collectors.FactAuthEnforced: true, collectors.FactTimeoutConfigured: nil,
				collectors.FactMTLSUpstream: nil, collectors.FactUpstream: nil}},
			{name: "r4-with-protocols", api: "r4-with-protocols", facts: map[string]any{collectors.FactTLSEnforced: false}},
		},
	},
	// No _format_version (read as 3.0). One service with one route that
	// carries 14 plugins; the service 1, consumer 1, consumer group 1 = 17.
	"deck-kong2kic-input.yaml": {
		routes: 1, services: 1, plugins: 17, consumers: 1, groups: 1, format: "",
		checks: []corpusRoute{
			{name: "_route_thisISAveryvery_long_+name_toVALIDATEthat(the slugify functionality w0rks4s3xp3ct3d)_", api: "example-service",
				route: collectors.Route{
					Name:    "_route_thisISAveryvery_long_+name_toVALIDATEthat(the slugify functionality w0rks4s3xp3ct3d)_",
					Hosts:   []string{"example.com", "another-example.com", "yet-another-example.com"},
					Methods: []string{"GET", "POST"},
					Paths:   []collectors.PathMatch{{Regex: "/v1/example/?$"}, {Prefix: "/v1/another-example"}, {Prefix: "/v1/yet-another-example"}},
				},
				facts: map[string]any{
					// http+https with https_redirect_status_code 302: Kong only
					// redirects on https-only routes, so http is served.
					collectors.FactTLSEnforced:        false,
					collectors.FactAuthEnforced:       true,
					collectors.FactAuthMechanisms:     []string{"basic-auth", "jwt", "key-auth", "mtls"},
					collectors.FactJWTAlgorithms:      []string{"HS256"},      // example-user's jwt_secrets
					collectors.FactJWTClaimsVerified:  []string{"exp", "nbf"}, // claims_to_verify (+exp from maximum_expiration)
					collectors.FactAuthzEnforced:      true,
					collectors.FactAuthzMechanisms:    []string{"acl", "ip-restriction"},
					collectors.FactRateLimitEnabled:   true,
					collectors.FactRateLimitPerMinute: 10,   // 5 per 30 s window
					collectors.FactTimeoutConfigured:  true, // connect_timeout 5000
					collectors.FactTimeoutSeconds:     60,   // read/write 60000
					collectors.FactBodySizeLimited:    false,
					collectors.FactLoggingEnabled:     true,
					collectors.FactLoggingSinks:       []string{"file:/var/log/kong/kong.log", "http:http://example.com/logs", "tcp:example.com:1234"},
					collectors.FactCORSRestricted:     true,
					collectors.FactCORSOrigins:        []string{"example.com"},
					collectors.FactCORSWildcard:       false,
					collectors.FactCORSCredentials:    true,
					collectors.FactMTLSUpstream:       false, // client certificate, but protocol http
					collectors.FactUpstream:           "http://example-api.com/v1",
					collectors.FactValidationEnforced: false,
					collectors.FactSecurityHeaders:    false,
					collectors.FactGatewayPlugins: []string{"acl", "aws-lambda", "basic-auth", "cors", "file-log", "http-log",
						"ip-restriction", "jwt", "key-auth", "mtls-auth", "rate-limiting-advanced",
						"rate-limiting-advanced@consumer:example-user", "rate-limiting-advanced@consumer_group:example-consumer-group",
						"request-termination", "response-ratelimiting", "tcp-log"},
				}},
		},
	},
	// Two services, neither with routes; a cors plugin on one and a
	// top-level rate-limiting scoped to the other.
	"deck-kong2kic-service-input.yaml": {
		routes: 0, services: 2, plugins: 2, noRoutes: []string{"complex-service", "simple-service"},
	},
	// A decK dump: three http services whose timeouts are all Kong's
	// default 60000, one route each (http+https, redirect 301 ignored), a
	// global prometheus plugin (metrics, not an access log).
	"gdr-dump-001-entities-with-tags.yaml": {
		routes: 3, services: 3, plugins: 1, consumers: 1, format: "3.0",
		checks: []corpusRoute{
			{name: "r1", api: "svc1", route: collectors.Route{Name: "r1", Paths: []collectors.PathMatch{{Prefix: "/r1"}}},
				facts: map[string]any{
					collectors.FactTLSEnforced: false, collectors.FactAuthEnforced: false, collectors.FactAuthMechanisms: nil,
					collectors.FactTimeoutConfigured: false, collectors.FactTimeoutSeconds: nil,
					collectors.FactLoggingEnabled: nil, collectors.FactGatewayPlugins: []string{"prometheus"},
					collectors.FactEnforcementMode: false, collectors.FactUpstream: "http://mockbin.org",
				}},
			{name: "r3", api: "svc3", route: collectors.Route{Name: "r3", Methods: []string{"GET"}, Paths: []collectors.PathMatch{{Prefix: "/r3"}}}},
		},
	},
	// Global key-auth and rate-limiting-advanced (5 per 60 s); the two
	// consumer groups' own limits apply to their members only.
	"gdr-sync-017-consumer-groups-rla.yaml": {
		routes: 1, services: 1, plugins: 4, consumers: 3, groups: 2, format: "3.0",
		checks: []corpusRoute{
			{name: "r1", api: "svc1", facts: map[string]any{
				collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"key-auth"},
				collectors.FactRateLimitEnabled: true, collectors.FactRateLimitPerMinute: 5,
				collectors.FactGatewayPlugins: []string{"key-auth", "rate-limiting-advanced",
					"rate-limiting-advanced@consumer_group:gold", "rate-limiting-advanced@consumer_group:silver"},
				collectors.FactTimeoutConfigured: false, collectors.FactTLSEnforced: false,
			}},
		},
	},
}

func TestCorpusTable(t *testing.T) {
	root, rels := corpusFiles(t)
	for _, rel := range rels {
		t.Run(rel, func(t *testing.T) {
			wc, ok := corpusWant[rel]
			if !ok {
				t.Skipf("no expectations written for %s yet (TestParseCorpus covers it)", rel)
			}
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(rel, data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Routes) != wc.routes || res.Services != wc.services || res.Plugins != wc.plugins ||
				res.Consumers != wc.consumers || res.ConsumerGroups != wc.groups {
				t.Errorf("routes %d services %d plugins %d consumers %d groups %d; want %d %d %d %d %d",
					len(res.Routes), res.Services, res.Plugins, res.Consumers, res.ConsumerGroups,
					wc.routes, wc.services, wc.plugins, wc.consumers, wc.groups)
			}
			if res.FormatVersion != wc.format {
				t.Errorf("format %q, want %q", res.FormatVersion, wc.format)
			}
			if len(res.Warnings) != wc.warnings {
				t.Errorf("warnings %q, want %d", res.Warnings, wc.warnings)
			}
			if !reflect.DeepEqual(res.ServicesWithoutRoutes, wc.noRoutes) {
				t.Errorf("services without routes %v, want %v", res.ServicesWithoutRoutes, wc.noRoutes)
			}
			for _, c := range wc.checks {
				r := routeNamed(t, res, c.name)
				if r.API != c.api {
					t.Errorf("%s: API %q, want %q", c.name, r.API, c.api)
				}
				if c.route.Name != "" && !reflect.DeepEqual(r.Route, c.route) {
					t.Errorf("%s: route %+v, want %+v", c.name, r.Route, c.route)
				}
				want(t, rel+" "+c.name, r.Facts, c.facts)
			}
		})
	}
}

// Collect over the corpus directory finds every file and streams one
// evidence record per route, nothing else.
func TestCollectCorpusDir(t *testing.T) {
	root, _ := corpusFiles(t)
	sink := &memSink{}
	src := collectors.Source{Name: "corpus", Kind: Kind, Paths: []string{root}}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range corpusWant {
		total += c.routes
	}
	if len(sink.evidence) < total || sink.other != 0 {
		t.Fatalf("%d evidence records (want at least %d), %d other calls", len(sink.evidence), total, sink.other)
	}
	files := map[string]bool{}
	for _, ev := range sink.evidence {
		files[ev.Artifact.Name] = true
		if !strings.HasPrefix(ev.Artifact.Name, root) {
			t.Fatalf("artifact name %q not under %s", ev.Artifact.Name, root)
		}
	}
	if len(files) != 4 { // the service-only file has no routes
		t.Errorf("evidence from %d files: %v", len(files), files)
	}
}

// BenchmarkParse parses the largest corpus file.
func BenchmarkParse(b *testing.B) {
	root, rels := corpusFiles(b)
	var biggest []byte
	var name string
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			b.Fatal(err)
		}
		if len(data) > len(biggest) {
			biggest, name = data, rel
		}
	}
	b.SetBytes(int64(len(biggest)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(name, biggest, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
