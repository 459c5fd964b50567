package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/logs/accesslog"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

func appendLog(t *testing.T, name string, paths ...string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, p := range paths {
		ts := time.Date(2026, 11, 20, 9, 0, i, 0, time.UTC).Format("02/Jan/2006:15:04:05 -0700")
		fmt.Fprintf(f, "192.0.2.%d - - [%s] \"GET %s HTTP/1.1\" 200 10 \"-\" \"curl/8\"\n", i+1, ts, p)
	}
}

func trafficRows(t *testing.T, st *store.Store) map[string]store.Traffic {
	t.Helper()
	var rows []store.Traffic
	if err := st.DB.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Traffic{}
	for _, r := range rows {
		out[r.Method+" "+r.Path] = r
	}
	return out
}

// Access logs through the real store: requests land on the described
// endpoints (which become seen in traffic), unknown served paths become
// shadow endpoints, a re-run counts nothing twice, appended lines are
// added to the same day's row, and a failed run leaves neither traffic
// nor read positions behind.
func TestAccessLogTraffic(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	spec := useFake(t, twoEndpoints) // orders: GET /orders, GET /orders/{id}
	if _, err := svc.Run(context.Background(), spec, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	appendLog(t, log, "/orders/1", "/orders/2", "/orders", "/admin/users/7")
	src := collectors.Source{Name: "edge-logs", Kind: "accesslog", Paths: []string{dir}, API: "orders"}
	stats, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Lines != 4 || stats.Requests != 4 || stats.Malformed != 0 {
		t.Fatalf("stats %+v, want 4 lines, 4 requests", stats)
	}
	rows := trafficRows(t, st)
	if r := rows["GET /orders/{id}"]; r.Requests != 2 || r.EndpointID == nil || r.S2xx != 2 {
		t.Fatalf("GET /orders/{id}: %+v", r)
	}
	var eps []store.Endpoint
	st.DB.Order("path").Find(&eps)
	flags := map[string]string{}
	for _, e := range eps {
		flags[e.Key()] = fmt.Sprintf("spec=%v traffic=%v", e.InSpec, e.InTraffic)
	}
	if flags["GET /orders/{id}"] != "spec=true traffic=true" || flags["GET /admin/users/{id}"] != "spec=false traffic=true" {
		t.Fatalf("endpoint flags %v", flags)
	}
	// Nothing new: nothing counted, no evidence.
	stats, err = svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil || stats.Requests != 0 || stats.Evidence != 0 {
		t.Fatalf("re-run: %+v, %v; want nothing", stats, err)
	}
	appendLog(t, log, "/orders/3")
	if _, err := svc.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	if r := trafficRows(t, st)["GET /orders/{id}"]; r.Requests != 3 {
		t.Fatalf("after append: %d requests on GET /orders/{id}, want 3", r.Requests)
	}

	// A run that fails after reading a file stores nothing: no traffic,
	// no position. Fixing the source counts those lines once.
	appendLog(t, log, "/orders/4", "/orders/5")
	bad := src
	bad.Paths = []string{dir, filepath.Join(dir, "missing.log")}
	if _, err := svc.Run(context.Background(), bad, store.TriggerManual); err == nil {
		t.Fatal("a source with a missing file succeeded")
	}
	if r := trafficRows(t, st)["GET /orders/{id}"]; r.Requests != 3 {
		t.Fatalf("after a failed run: %d requests, want still 3", r.Requests)
	}
	stats, err = svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil || stats.Requests != 2 {
		t.Fatalf("after fixing: %+v, %v; want the 2 new requests", stats, err)
	}
	if r := trafficRows(t, st)["GET /orders/{id}"]; r.Requests != 5 {
		t.Fatalf("in all: %d requests, want 5", r.Requests)
	}
	var cursors []store.LogCursor
	st.DB.Find(&cursors)
	if len(cursors) != 1 || cursors[0].Lines != 7 {
		t.Fatalf("cursors %+v, want one at line 7", cursors)
	}
}
