package scoring_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// spec emits an API with the given endpoints, each with auth.declared.
type spec struct{ paths map[string]bool }

func (s *spec) Kind() string    { return "spec-scoring-test" }
func (s *spec) Version() string { return "1" }
func (s *spec) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "s.yaml", Data: []byte(time.Now().String())}
	if err := sink.API(collectors.API{Name: "api", Owner: "team"}); err != nil {
		return err
	}
	if err := sink.Evidence(collectors.Evidence{API: "api", Artifact: art, Facts: collectors.Facts{collectors.FactSpecPresent: true}}); err != nil {
		return err
	}
	for p, auth := range s.paths {
		if err := sink.Endpoint(collectors.Endpoint{API: "api", Method: "GET", Path: p}); err != nil {
			return err
		}
		if err := sink.Evidence(collectors.Evidence{API: "api", Endpoint: "GET " + p, Artifact: art,
			Facts: collectors.Facts{collectors.FactAuthDeclared: auth, "spec.operations": int64(3)}}); err != nil {
			return err
		}
	}
	return nil
}

var fake = &spec{}

func init() { collectors.Register(fake) }

func setup(t *testing.T, now func() time.Time) (*ingest.Service, *scoring.Service, *store.Store) {
	st := storetest.Open(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	sc := &scoring.Service{Store: st, Catalog: cat, Now: now}
	return &ingest.Service{Store: st, Scorer: sc, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, sc, st
}

func TestCurrentEvidenceIsTheLatestRun(t *testing.T) {
	ing, sc, st := setup(t, nil)
	src := collectors.Source{Name: "s", Kind: fake.Kind()}
	fake.paths = map[string]bool{"/a": true, "/b": false}
	if _, err := ing.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	var api store.API
	st.DB.Where("name = ?", "api").First(&api)
	in, err := sc.Input(context.Background(), api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Endpoints) != 2 || in.Owner != "team" {
		t.Fatalf("input = %+v", in)
	}
	if v := in.Endpoints[0].Facts["spec.operations"].Value; v != int64(3) {
		t.Fatalf("numbers must come back as int64, got %T %v", v, v)
	}
	// /b is removed from the spec and /a loses auth: the next run's view
	// replaces the previous one, while the old evidence stays in the log.
	fake.paths = map[string]bool{"/a": false}
	if _, err := ing.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	in, _ = sc.Input(context.Background(), api.ID)
	if len(in.Endpoints) != 1 || in.Endpoints[0].Key != "GET /a" || in.Endpoints[0].Facts["auth.declared"].Value != false {
		t.Fatalf("after second run: %+v", in.Endpoints)
	}
	var n int64
	st.DB.Model(&store.Evidence{}).Count(&n)
	if n != 5 {
		t.Fatalf("evidence log has %d records, want all 5 kept", n)
	}
}

func TestRescoreStoresAssessmentAndDailySnapshot(t *testing.T) {
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := day
	ing, sc, st := setup(t, func() time.Time { return now })
	fake.paths = map[string]bool{"/a": true}
	src := collectors.Source{Name: "s", Kind: fake.Kind()}
	if _, err := ing.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	var api store.API
	st.DB.First(&api)
	a, at, err := sc.Current(context.Background(), api.ID)
	if err != nil || !at.Equal(day) || len(a.Results) == 0 || a.Level < 1 {
		t.Fatalf("assessment level %d at %v, err %v", a.Level, at, err)
	}
	now = day.Add(2 * time.Hour) // same day: snapshot replaced, not added
	if err := sc.RescoreAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = day.Add(24 * time.Hour)
	if err := sc.RescoreAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var snaps []store.Snapshot
	st.DB.Order("day").Find(&snaps)
	if len(snaps) != 2 || snaps[0].Day != "2026-03-01" || snaps[1].Day != "2026-03-02" {
		t.Fatalf("snapshots = %+v", snaps)
	}
	// 40 days later with no new evidence, everything is stale: unknown.
	now = day.Add(40 * 24 * time.Hour)
	a, err = sc.RescoreAPI(context.Background(), api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Level != 0 {
		t.Fatalf("level with only stale evidence = %d, want 0", a.Level)
	}
	stale := 0
	for _, r := range a.Results {
		if r.Stale {
			stale++
		}
		if r.Status == controls.StatusPass && r.ControlID != "PRE-A-05" {
			t.Errorf("%s passes on 40-day-old evidence: %s", r.ControlID, r.Reason)
		}
	}
	if stale == 0 {
		t.Fatal("no result flagged stale")
	}
}

// gateway emits two Kong-like routes for service "orders-svc": a
// rate-limited /orders prefix and an exact /orders/export without a limit,
// plus a route that serves nothing in the spec.
type gateway struct{}

func (gateway) Kind() string    { return "gateway-scoring-test" }
func (gateway) Version() string { return "1" }
func (gateway) Origin() string  { return collectors.OriginGateway }
func (gateway) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "kong.yaml", Data: []byte("_format_version: '3.0'")}
	emit := func(name string, p collectors.PathMatch, facts collectors.Facts) error {
		return sink.Evidence(collectors.Evidence{API: "orders-svc", Artifact: art, Location: "/routes/" + name,
			Route: &collectors.Route{Name: name, Paths: []collectors.PathMatch{p}}, Facts: facts})
	}
	if err := emit("orders", collectors.PathMatch{Prefix: "/v1/orders"}, collectors.Facts{"ratelimit.enabled": true, "tls.enforced": true}); err != nil {
		return err
	}
	if err := emit("export", collectors.PathMatch{Exact: "/v1/orders/export"}, collectors.Facts{"ratelimit.enabled": false, "tls.enforced": true}); err != nil {
		return err
	}
	return emit("admin", collectors.PathMatch{Prefix: "/admin"}, collectors.Facts{"ratelimit.enabled": false, "tls.enforced": false})
}

type ordersSpec struct{}

func (ordersSpec) Kind() string    { return "orders-spec-scoring-test" }
func (ordersSpec) Version() string { return "1" }
func (ordersSpec) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "orders.yaml", Data: []byte("openapi: 3.1.0")}
	if err := sink.API(collectors.API{Name: "Orders", Owner: "commerce", BaseURLs: []string{"https://api.example.com/v1"}}); err != nil {
		return err
	}
	for _, p := range []string{"/orders", "/orders/{id}", "/orders/export"} {
		if err := sink.Endpoint(collectors.Endpoint{API: "Orders", Method: "GET", Path: p}); err != nil {
			return err
		}
		if err := sink.Evidence(collectors.Evidence{API: "Orders", Endpoint: "GET " + p, Artifact: art,
			Facts: collectors.Facts{collectors.FactAuthDeclared: true}}); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	collectors.Register(gateway{})
	collectors.Register(ordersSpec{})
}

func TestGatewayRoutesApplyToMatchingEndpoints(t *testing.T) {
	ing, sc, st := setup(t, nil)
	ctx := context.Background()
	if _, err := ing.Run(ctx, collectors.Source{Name: "spec", Kind: "orders-spec-scoring-test"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	src := collectors.Source{Name: "kong", Kind: "gateway-scoring-test", APIMap: map[string]string{"orders-svc": "Orders"}}
	if _, err := ing.Run(ctx, src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	var api store.API
	st.DB.Where("name = ?", "Orders").First(&api)
	var n int64
	st.DB.Model(&store.API{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d APIs: the mapped gateway service must not create an API of its own", n)
	}
	in, err := sc.Input(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, ep := range in.Endpoints {
		got[ep.Key] = ep.Facts["ratelimit.enabled"].Value
	}
	// /orders and /orders/{id} fall under the prefix route (through the
	// /v1 base path); /orders/export has its own, more specific route.
	want := map[string]any{"GET /orders": true, "GET /orders/{id}": true, "GET /orders/export": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s ratelimit.enabled = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	// TLS at API scope: the admin route does not enforce it, so the API
	// as a whole does not.
	if v := in.APIFacts["tls.enforced"].Value; v != false {
		t.Errorf("API tls.enforced = %v, want false (one route does not enforce TLS)", v)
	}
	// /admin serves no described operation: a shadow route; every
	// described operation is routed.
	if len(in.ShadowRoutes) != 1 || in.ShadowRoutes[0] != "kong: admin (ANY /admin*)" || len(in.UnroutedEndpoints) != 0 {
		t.Errorf("shadow %q, unrouted %q; want the admin route only", in.ShadowRoutes, in.UnroutedEndpoints)
	}
	// A shadow route means gateway and description disagree (PRE-A-04).
	if o := in.APIFacts["gateway.in_sync"]; o.Value != false || o.EvidenceID == 0 {
		t.Errorf("gateway.in_sync = %+v, want false citing a gateway record", o)
	}
	a, err := sc.RescoreAPI(ctx, api.ID)
	if err != nil || len(a.ShadowRoutes) != 1 {
		t.Errorf("assessment shadow routes = %q (err %v)", a.ShadowRoutes, err)
	}
}

// tie emits two routes equally specific for /v1/orders: one over TLS, one
// not, in the order the test asks.
type tie struct{ tlsFirst bool }

func (t *tie) Kind() string    { return "tie-scoring-test" }
func (t *tie) Version() string { return "1" }
func (t *tie) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "envoy.yaml", Data: []byte("static_resources: {}")}
	vals := []bool{true, false}
	if !t.tlsFirst {
		vals = []bool{false, true}
	}
	for i, v := range vals {
		if err := sink.Evidence(collectors.Evidence{API: "Orders", Artifact: art, Location: fmt.Sprint("/listeners/", i),
			Route: &collectors.Route{Paths: []collectors.PathMatch{{Prefix: "/v1/orders"}}}, Facts: collectors.Facts{"tls.enforced": v}}); err != nil {
			return err
		}
	}
	return nil
}

var tieCollector = &tie{}

func init() { collectors.Register(tieCollector) }

func TestEquallySpecificRoutesTakeTheWeakerValue(t *testing.T) {
	for _, first := range []bool{true, false} {
		ing, sc, st := setup(t, nil)
		ctx := context.Background()
		if _, err := ing.Run(ctx, collectors.Source{Name: "spec", Kind: "orders-spec-scoring-test"}, store.TriggerManual); err != nil {
			t.Fatal(err)
		}
		tieCollector.tlsFirst = first
		if _, err := ing.Run(ctx, collectors.Source{Name: "envoy", Kind: "tie-scoring-test"}, store.TriggerManual); err != nil {
			t.Fatal(err)
		}
		var api store.API
		st.DB.Where("name = ?", "Orders").First(&api)
		in, err := sc.Input(ctx, api.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ep := range in.Endpoints {
			if v := ep.Facts["tls.enforced"].Value; v != false {
				t.Errorf("tlsFirst=%v: %s tls.enforced = %v, want false whatever the order", first, ep.Key, v)
			}
		}
	}
}
