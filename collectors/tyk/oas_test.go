package tyk

import (
	"os"
	"reflect"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The Tyk OAS example of Tyk's Gateway API reference: the OpenAPI part
// declares bearer security, but x-tyk-api-gateway has no authentication
// section, so the gateway serves it keyless; without trafficLogs it
// records no analytics.
func TestOASReferenceExample(t *testing.T) {
	data := readTestdata(t, "oas/oasExample.json")
	if !(Collector{}).Detect("oasExample.json", data) {
		t.Fatal("not detected")
	}
	res := mustParse(t, "oasExample.json", string(data), Options{})
	if len(res.APIs) != 1 || res.APIs[0].Format != "oas" || res.APIs[0].Name != "user" || res.APIs[0].ListenPath != "/user-test/" {
		t.Fatalf("APIs %+v", res.APIs)
	}
	if got := routeNames(res); !reflect.DeepEqual(got, []string{"user"}) {
		t.Fatalf("routes %q", got)
	}
	ev := res.Evidence[0]
	if ev.Location != "/x-tyk-api-gateway/server/listenPath/value" {
		t.Errorf("location %s", ev.Location)
	}
	wantFacts(t, "user", ev.Facts, map[string]any{
		collectors.FactAuthEnforced:     false,
		collectors.FactLoggingEnabled:   false,
		collectors.FactRateLimitEnabled: false,
		collectors.FactUpstream:         "https://localhost:8080",
		collectors.FactMTLSUpstream:     nil,
	})
}

// The hand-made YAML Tyk OAS document (testdata/README.md): expected
// values follow from its x-tyk-api-gateway section read by hand.
func TestOASOrders(t *testing.T) {
	data := readTestdata(t, "oas/orders-tyk-oas.yaml")
	if !(Collector{}).Detect("orders-tyk-oas.yaml", data) {
		t.Fatal("not detected")
	}
	res := mustParse(t, "orders-tyk-oas.yaml", string(data), Options{})
	if res.Artifact.ContentType != "application/yaml" {
		t.Errorf("content type %s", res.Artifact.ContentType)
	}
	// Operations with middleware get routes; listOrders has none, and
	// deleteOrder's block is disabled (enforceTimeout still applies).
	want := []string{"orders-oas", "orders-oas GET /health", "orders-oas POST /orders", "orders-oas DELETE /orders/{id}"}
	if got := routeNames(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("routes %q, want %q", got, want)
	}
	api := byName(t, res, "orders-oas")
	if !reflect.DeepEqual(api.Route.Hosts, []string{"api.example.com"}) {
		t.Errorf("hosts %q", api.Route.Hosts)
	}
	wantFacts(t, "API", api.Facts, map[string]any{
		// jwtAuth enabled, apiKey declared but disabled.
		collectors.FactAuthEnforced:      true,
		collectors.FactAuthMechanisms:    []string{"jwt"},
		collectors.FactJWTAlgorithms:     []string{"PS256", "PS384", "PS512", "RS256", "RS384", "RS512"},
		collectors.FactJWTClaimsVerified: []string{"aud", "exp", "iat", "iss", "nbf"},
		// upstream.rateLimit 100 per "1s".
		collectors.FactRateLimitEnabled:   true,
		collectors.FactRateLimitPerMinute: 6000,
		collectors.FactCORSRestricted:     true,
		collectors.FactCORSCredentials:    true,
		collectors.FactCORSOrigins:        []string{"https://shop.example.com"},
		collectors.FactSecurityHeaders:    true,
		collectors.FactHeadersSet:         []string{"strict-transport-security", "x-content-type-options"},
		collectors.FactMTLSUpstream:       true,
		FactUpstreamTLSMinVersion:         "1.2",
		collectors.FactLoggingEnabled:     nil, // trafficLogs on, tyk.conf unknown
		collectors.FactValidationEnforced: false,
	})
	wantFacts(t, "health", byName(t, res, "orders-oas GET /health").Facts, map[string]any{
		collectors.FactAuthEnforced:   false,
		collectors.FactLoggingEnabled: false,
	})
	create := byName(t, res, "orders-oas POST /orders")
	wantFacts(t, "createOrder", create.Facts, map[string]any{
		collectors.FactValidationEnforced: true,
		collectors.FactBodySizeMaxBytes:   4096,
		collectors.FactRateLimitPerMinute: 10, // 10 per "1m"
	})
	if create.Location != "/x-tyk-api-gateway/middleware/operations/createOrder" {
		t.Errorf("location %s", create.Location)
	}
	wantFacts(t, "deleteOrder", byName(t, res, "orders-oas DELETE /orders/{id}").Facts, map[string]any{
		collectors.FactTimeoutSeconds: 5, collectors.FactAuthzEnforced: nil,
	})
	if r := byName(t, res, "orders-oas DELETE /orders/{id}").Route; r.Match("DELETE", "/orders/{orderId}", []string{"/orders-api"}, nil) == 0 {
		t.Errorf("route %+v does not match DELETE /orders/{orderId}", r)
	}
}

func TestOASVariants(t *testing.T) {
	base := `{"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {},
	 "components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": "X"}, "b": {"type": "http", "scheme": "basic"}}},
	 "x-tyk-api-gateway": {"info": {"name": "t", "state": {"active": true}}, "upstream": {"url": "http://u"},
	  "server": {"listenPath": {"value": "/t/"}, "authentication": {"enabled": true, "securitySchemes": {"k": {"enabled": true}, "b": {"enabled": true}}}},
	  "middleware": {"global": {"trafficLogs": {"enabled": true}, "skipRateLimit": true, "requestSizeLimit": {"enabled": true, "value": 64}}}}}`
	res := mustParse(t, "variants.json", base, Options{Gateway: &GatewayConfig{EnableAnalytics: true}})
	wantFacts(t, "t", res.Evidence[0].Facts, map[string]any{
		collectors.FactAuthMechanisms:   []string{"basic-auth", "key-auth"},
		collectors.FactLoggingEnabled:   true,
		collectors.FactRateLimitEnabled: false,
		collectors.FactBodySizeMaxBytes: 64,
	})
	inactive := `{"openapi": "3.0.3", "paths": {}, "x-tyk-api-gateway": {"info": {"name": "off", "state": {"active": false}}, "server": {"listenPath": {"value": "/off/"}}}}`
	res = mustParse(t, "inactive.json", inactive, Options{})
	if len(res.Evidence) != 0 || len(res.Skipped) != 1 {
		t.Errorf("inactive OAS: %d evidence, skipped %q", len(res.Evidence), res.Skipped)
	}
}
