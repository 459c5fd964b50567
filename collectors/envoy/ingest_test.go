package envoy

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// inventory is a test collector standing in for a spec: one API and its
// endpoints, each with endpoint evidence.
type inventory struct{}

const inventoryKind = "envoy-test-inventory"

var registerInventory sync.Once

var inventoryEndpoints = []string{"GET /api/users", "GET /healthz", "POST /orders", "GET /public/info"}

func (inventory) Kind() string    { return inventoryKind }
func (inventory) Version() string { return "1" }
func (inventory) Collect(_ context.Context, _ collectors.Source, sink collectors.Sink) error {
	if err := sink.API(collectors.API{Name: "shop", BaseURLs: []string{"https://shop.example.com"}}); err != nil {
		return err
	}
	art := &collectors.Artifact{Name: "spec", Data: []byte("spec")}
	for _, k := range inventoryEndpoints {
		e := collectors.Endpoint{API: "shop", Protocol: collectors.ProtocolREST}
		e.Method, e.Path, _ = strings.Cut(k, " ")
		if err := sink.Endpoint(e); err != nil {
			return err
		}
		if err := sink.Evidence(collectors.Evidence{API: "shop", Endpoint: e.Key(), Artifact: art,
			Facts: collectors.Facts{collectors.FactAuthDeclared: true}}); err != nil {
			return err
		}
	}
	return nil
}

// The evidence goes through the real ingest and the scoring's route
// matching: each endpoint gets the facts of the most specific route, the
// jwt_authn carve-outs included.
func TestIngestAndScore(t *testing.T) {
	registerInventory.Do(func() { collectors.Register(inventory{}) })
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st, Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	if _, err := svc.Run(ctx, collectors.Source{Name: "spec", Kind: inventoryKind}, "test"); err != nil {
		t.Fatal(err)
	}
	doc := cfg{
		filters: jwtFilter("- match: {path: /healthz}\n- match: {prefix: /public}\n- match: {prefix: /}\n  requires: {provider_name: idp}\n") + bufferF,
		routes:  "- match: {prefix: /orders, headers: [{name: \":method\", exact_match: POST}]}\n  route: {cluster: backend, timeout: 5s}\n- match: {prefix: /}\n  route: {cluster: backend}\n",
		chain:   tlsChain,
	}.yaml()
	src := collectors.Source{Name: "edge", Kind: Kind, FS: fstest.MapFS{"envoy.yaml": {Data: []byte(doc)}},
		Paths: []string{"envoy.yaml"}, APIMap: map[string]string{"api": "shop"}}
	stats, err := svc.Run(ctx, src, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Routes POST /orders and /; carve-outs /healthz and /public of "/"
	// (the rules do not touch /orders).
	if stats.Evidence != 4 || stats.APIs != 1 {
		t.Errorf("stats %+v", stats)
	}
	var id int64
	if err := st.DB.Model(&store.API{}).Where("name = ?", "shop").Pluck("id", &id).Error; err != nil {
		t.Fatal(err)
	}
	in, err := (&scoring.Service{Store: st}).Input(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"GET /api/users":   {collectors.FactAuthEnforced: true, collectors.FactTLSEnforced: true, collectors.FactTimeoutConfigured: false},
		"GET /healthz":     {collectors.FactAuthEnforced: false, collectors.FactBodySizeLimited: true},
		"GET /public/info": {collectors.FactAuthEnforced: false},
		"POST /orders":     {collectors.FactAuthEnforced: true, collectors.FactTimeoutConfigured: true, collectors.FactTimeoutSeconds: int64(5)},
	}
	seen := 0
	for _, ep := range in.Endpoints {
		w, ok := want[ep.Key]
		if !ok {
			continue
		}
		seen++
		for k, v := range w {
			if got := ep.Facts[k].Value; got != v {
				t.Errorf("%s: %s = %v, want %v", ep.Key, k, got, v)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("endpoints scored: %d, want %d", seen, len(want))
	}
}
