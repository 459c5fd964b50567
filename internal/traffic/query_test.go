package traffic_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/all"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
	"github.com/posture-dev/posture/internal/traffic"
)

const spec = `openapi: 3.0.3
info: {title: Orders, version: "1.0"}
servers: [{url: "https://api.example.com/v1"}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /orders/{id}:
    get:
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /orders:
    get:
      deprecated: true
      responses: {"200": {description: ok}}
  /reports:
    get:
      responses: {"200": {description: ok}}
`

// Through the real collectors and store: the description, then a day of
// traffic. GET /orders/{id} is used, GET /orders is deprecated and still
// answers (zombie), GET /reports has no traffic (unused), GET /admin/{id}
// is served and described nowhere (shadow), and the scanner's 404 is not
// an endpoint at all.
func TestForAPIFlags(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(spec), 0o644)
	if _, err := svc.Run(context.Background(), collectors.Source{Name: "specs", Kind: "openapi", Paths: []string{filepath.Join(dir, "orders.yaml")}, API: "orders"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	var lines string
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i, l := range []struct {
		path   string
		status int
	}{{"/v1/orders/1", 200}, {"/v1/orders/2", 200}, {"/v1/orders/2", 404}, {"/v1/orders", 200}, {"/v1/admin/3", 200}, {"/.env", 404}} {
		lines += fmt.Sprintf("198.51.100.%d - - [%s] \"GET %s HTTP/1.1\" %d 5 \"-\" \"t\"\n", i%3, day.Add(time.Duration(i)*time.Hour).Format("02/Jan/2006:15:04:05 -0700"), l.path, l.status)
	}
	os.WriteFile(filepath.Join(logs, "access.log"), []byte(lines), 0o644)
	if _, err := svc.Run(context.Background(), collectors.Source{Name: "edge", Kind: "accesslog", Paths: []string{logs}, API: "orders"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	var api store.API
	st.DB.Where("name = ?", "orders").Take(&api)
	got, err := traffic.ForAPI(context.Background(), st.DB, api.ID, day.Add(48*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Monitored || got.Requests != 6 || got.Unserved != 1 {
		t.Fatalf("monitored %v, requests %d, unserved %d; want true, 6, 1", got.Monitored, got.Requests, got.Unserved)
	}
	flags := map[string]string{}
	for _, e := range got.Endpoints {
		flags[e.Method+" "+e.Path] = fmt.Sprintf("req=%d shadow=%v zombie=%v unused=%v auth=%v", e.Requests, e.Shadow, e.Zombie, e.Unused, e.AuthRequired)
	}
	want := map[string]string{
		"GET /orders/{id}": "req=3 shadow=false zombie=false unused=false auth=true",
		"GET /orders":      "req=1 shadow=false zombie=true unused=false auth=false",
		"GET /reports":     "req=0 shadow=false zombie=false unused=true auth=false",
		"GET /admin/{id}":  "req=1 shadow=true zombie=false unused=false auth=false",
	}
	for k, v := range want {
		if flags[k] != v {
			t.Errorf("%s: %s, want %s", k, flags[k], v)
		}
	}
	if len(flags) != len(want) {
		t.Errorf("endpoints %v, want exactly %v", flags, want)
	}
	if got.Shadow != 1 || got.Zombie != 1 || got.Unused != 1 {
		t.Errorf("counts shadow %d zombie %d unused %d, want 1 each", got.Shadow, got.Zombie, got.Unused)
	}
	// Read together with another API (the portfolio's way), the same view.
	many, err := traffic.ForAPIs(context.Background(), st.DB, []int64{api.ID, api.ID + 1000}, day.Add(48*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(many[api.ID])
	b, _ := json.Marshal(got)
	if string(a) != string(b) || many[api.ID+1000].Monitored {
		t.Errorf("ForAPIs differs from ForAPI:\n%+v\n%+v", many[api.ID], got)
	}
	// Outside the window nothing is monitored, and nothing is "unused".
	old, err := traffic.ForAPI(context.Background(), st.DB, api.ID, day.AddDate(0, 2, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	if old.Monitored || old.Unused != 0 {
		t.Errorf("two months later: monitored %v, unused %d; want false, 0", old.Monitored, old.Unused)
	}
}

// A GraphQL API served at its base URL: requests there are described by
// the schema (not shadow), and no field is "unused" for want of a path.
func TestGraphQLTraffic(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "schema.graphql"), []byte("type Query { products: [String] }\ntype Mutation { addProduct(name: String!): String }\n"), 0o644)
	src := collectors.Source{Name: "schema", Kind: "graphql", Paths: []string{filepath.Join(dir, "schema.graphql")}, API: "catalog",
		Options: map[string]string{"endpoint": "https://catalog.example.com/graphql"}}
	if _, err := svc.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var lines string
	for i, p := range []string{"POST /graphql", "POST /graphql", "POST /graphiql"} {
		lines += fmt.Sprintf("198.51.100.%d - - [%s] \"%s HTTP/1.1\" 200 5 \"-\" \"t\"\n", i, day.Add(time.Duration(i)*time.Hour).Format("02/Jan/2006:15:04:05 -0700"), p)
	}
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	os.WriteFile(filepath.Join(logs, "access.log"), []byte(lines), 0o644)
	if _, err := svc.Run(context.Background(), collectors.Source{Name: "edge", Kind: "accesslog", Paths: []string{logs}, API: "catalog"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	var api store.API
	st.DB.Where("name = ?", "catalog").Take(&api)
	got, err := traffic.ForAPI(context.Background(), st.DB, api.ID, day.Add(48*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]string{}
	for _, e := range got.Endpoints {
		flags[e.Method+" "+e.Path] = fmt.Sprintf("req=%d shadow=%v unused=%v", e.Requests, e.Shadow, e.Unused)
	}
	if flags["POST /graphql"] != "req=2 shadow=false unused=false" || flags["POST /graphiql"] != "req=1 shadow=true unused=false" ||
		flags["QUERY products"] != "req=0 shadow=false unused=false" {
		t.Errorf("flags %v", flags)
	}
	if got.Shadow != 1 {
		t.Errorf("shadow %d, want 1", got.Shadow)
	}
}
