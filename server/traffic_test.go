package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/logs/accesslog"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/traffic"
)

// Traffic of the seed's orders API (endpoint GET /x) from an access log:
// the JSON view, the API page's table and the portfolio column.
func TestTrafficViews(t *testing.T) {
	f := newFixture(t, "")
	dir := t.TempDir()
	var b strings.Builder
	now := time.Now().UTC().Add(-time.Hour)
	for i, p := range []string{"/x", "/x", "/admin/1", "/nope"} {
		status := 200
		if p == "/nope" {
			status = 404
		}
		fmt.Fprintf(&b, "192.0.2.%d - - [%s] \"GET %s HTTP/1.1\" %d 1 \"-\" \"t\"\n", i, now.Add(time.Duration(i)*time.Second).Format("02/Jan/2006:15:04:05 -0700"), p, status)
	}
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(b.String()), 0o644)
	if _, err := f.srv.opt.Ingest.Run(context.Background(), collectors.Source{Name: "logs", Kind: "accesslog", Paths: []string{dir}, API: "orders"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	got := decode[traffic.API](t, f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/traffic", f.ids["orders"]), "auditor", nil, nil))
	if !got.Monitored || got.Requests != 4 || got.Unserved != 1 || got.Shadow != 1 {
		t.Fatalf("traffic %+v: want monitored, 4 requests, 1 unserved, 1 shadow", got)
	}
	if r := f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/traffic?days=0", f.ids["orders"]), "auditor", nil, nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("days=0: %d, want 400", r.StatusCode)
	}
	page, _ := io.ReadAll(f.do(t, "GET", fmt.Sprintf("/apis/%d", f.ids["orders"]), "auditor", nil, nil).Body)
	for _, want := range []string{`id="traffic-table"`, "/admin/{id}", ">shadow<"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("API page lacks %q", want)
		}
	}
	empty, _ := io.ReadAll(f.do(t, "GET", fmt.Sprintf("/apis/%d", f.ids["payments"]), "auditor", nil, nil).Body)
	if !strings.Contains(string(empty), `id="traffic-empty"`) {
		t.Errorf("an API without traffic lacks the empty state")
	}
	portfolio, _ := io.ReadAll(f.do(t, "GET", "/", "auditor", nil, nil).Body)
	if !strings.Contains(string(portfolio), "4 req") || !strings.Contains(string(portfolio), "1 shadow") || !strings.Contains(string(portfolio), "not monitored") {
		t.Errorf("portfolio lacks the traffic column's content")
	}
}
