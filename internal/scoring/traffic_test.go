package scoring_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/logs/accesslog"
	"github.com/posture-dev/posture/internal/store"
)

// enforcingGateway says every /v1 request is authenticated and over TLS.
type enforcingGateway struct{}

func (enforcingGateway) Kind() string    { return "enforcing-gateway-scoring-test" }
func (enforcingGateway) Version() string { return "1" }
func (enforcingGateway) Origin() string  { return collectors.OriginGateway }
func (enforcingGateway) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "kong.yaml", Data: []byte("_format_version: '3.0'")}
	return sink.Evidence(collectors.Evidence{API: "Orders", Artifact: art, Location: "/routes/v1",
		Route: &collectors.Route{Name: "v1", Paths: []collectors.PathMatch{{Prefix: "/v1"}}},
		Facts: collectors.Facts{"auth.enforced": true, "tls.enforced": true}})
}

func init() { collectors.Register(enforcingGateway{}) }

// What traffic shows beats what configuration says, when it shows a
// violation: Kong logged an unauthenticated 200 on GET /orders/{id} (its
// description requires authentication) and a plaintext 200, so that
// endpoint's auth.enforced and the API's tls.enforced turn false, citing
// the traffic record; the other endpoints keep the gateway's true.
func TestTrafficViolationsOverrideConfiguration(t *testing.T) {
	ing, sc, st := setup(t, nil)
	ctx := context.Background()
	for _, src := range []collectors.Source{{Name: "spec", Kind: "orders-spec-scoring-test"}, {Name: "kong", Kind: "enforcing-gateway-scoring-test"}} {
		if _, err := ing.Run(ctx, src, store.TriggerManual); err != nil {
			t.Fatal(err)
		}
	}
	var api store.API
	st.DB.Where("name = ?", "Orders").First(&api)
	before, err := sc.Input(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v := before.APIFacts["tls.enforced"].Value; v != true {
		t.Fatalf("before traffic: tls.enforced = %v, want the gateway's true", v)
	}
	line := func(url, consumer string) string {
		c := ""
		if consumer != "" {
			c = fmt.Sprintf(`,"consumer":{"username":%q}`, consumer)
		}
		return fmt.Sprintf(`{"request":{"method":"GET","uri":"/v1/orders/7","url":%q,"headers":{"host":"api.example.com"}},"response":{"status":200},"client_ip":"10.0.0.1","started_at":1732356000000%s}`+"\n", url, c)
	}
	dir := t.TempDir()
	data := line("https://api.example.com/v1/orders/7", "alice") + line("https://api.example.com/v1/orders/7", "") + line("http://api.example.com/v1/orders/7", "alice")
	os.WriteFile(filepath.Join(dir, "kong.log"), []byte(data), 0o644)
	if _, err := ing.Run(ctx, collectors.Source{Name: "kong-logs", Kind: "accesslog", Paths: []string{dir}, API: "Orders", Options: map[string]string{"format": "kong-json"}}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	in, err := sc.Input(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	var trafficID int64
	st.DB.Model(&store.Evidence{}).Where("source = ?", "kong-logs").Select("id").Scan(&trafficID)
	if o := in.APIFacts["tls.enforced"]; o.Value != false || o.EvidenceID != trafficID {
		t.Errorf("tls.enforced = %+v, want false citing the traffic record %d", o, trafficID)
	}
	for _, ep := range in.Endpoints {
		o := ep.Facts["auth.enforced"]
		switch ep.Key {
		case "GET /orders/{id}":
			if o.Value != false || o.EvidenceID != trafficID {
				t.Errorf("%s auth.enforced = %+v, want false citing the traffic record", ep.Key, o)
			}
		default:
			if o.Value != true {
				t.Errorf("%s auth.enforced = %+v, want the gateway's true (no violation seen there)", ep.Key, o)
			}
		}
	}
}
