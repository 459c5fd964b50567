package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/reporting"
)

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Who may generate which report: admins and auditors any scope, a team
// its own (by default) and not another's, a viewer none. What was
// generated is archived and downloadable by those who may see its scope.
func TestReportsAreScopedAndArchived(t *testing.T) {
	f := newFixture(t, "")
	post := func(role, js string) *http.Response {
		return f.do(t, "POST", "/api/v1/reports", role, strings.NewReader(js), map[string]string{"Content-Type": "application/json"})
	}
	r := post("auditor", `{"format":"csv"}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("auditor report: %d %s", r.StatusCode, body(t, r))
	}
	csv := body(t, r)
	sum := sha256.Sum256(csv)
	if got := r.Header.Get("X-Posture-SHA256"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 header %s, body hashes to %x", got, sum)
	}
	if !strings.Contains(string(csv), "payments") || !strings.Contains(string(csv), "orders") {
		t.Errorf("the portfolio CSV lacks an API")
	}
	// A team asking for everything gets its own team.
	r = post("team", `{"format":"csv"}`)
	own := string(body(t, r))
	if r.StatusCode != http.StatusOK || !strings.Contains(own, "payments") || strings.Contains(own, "orders") {
		t.Errorf("team report: %d, want only its own APIs:\n%s", r.StatusCode, own)
	}
	if r := post("team", `{"format":"pdf","api":"orders"}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("team report on another team's API: %d, want 404", r.StatusCode)
	}
	if r := post("team", `{"format":"pdf","team":"commerce"}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("team report on another team: %d, want 404", r.StatusCode)
	}
	if r := post("viewer", `{"format":"pdf"}`); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer report: %d, want 403", r.StatusCode)
	}
	if r := post("auditor", `{"format":"docx"}`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown format: %d, want 400", r.StatusCode)
	}
	if r := post("auditor", `{"api":"nope"}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown API: %d, want 404", r.StatusCode)
	}
	// The archive: the auditor's portfolio report is not the team's to see.
	list := decode[page[reporting.Delivery]](t, f.do(t, "GET", "/api/v1/reports/deliveries", "auditor", nil, nil))
	if list.Total != 2 {
		t.Fatalf("deliveries %d, want the 2 generated", list.Total)
	}
	var portfolioFile, teamFile int64
	for _, d := range list.Items {
		if d.ScopeKind == "all" {
			portfolioFile = d.Files[0].ID
		} else {
			teamFile = d.Files[0].ID
		}
	}
	if r := f.do(t, "GET", fmt.Sprintf("/api/v1/reports/files/%d", portfolioFile), "team", nil, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("team downloading the portfolio report: %d, want 404", r.StatusCode)
	}
	r = f.do(t, "GET", fmt.Sprintf("/api/v1/reports/files/%d", teamFile), "team", nil, nil)
	if got := body(t, r); r.StatusCode != http.StatusOK || !bytes.Equal(got, []byte(own)) {
		t.Errorf("team downloading its own report: %d, %d bytes (want the %d it was given)", r.StatusCode, len(got), len(own))
	}
	if tl := decode[page[reporting.Delivery]](t, f.do(t, "GET", "/api/v1/reports/deliveries", "team", nil, nil)); tl.Total != 1 {
		t.Errorf("team sees %d deliveries, want its own 1", tl.Total)
	}
}

func TestReportSchedulesAreAdminOnly(t *testing.T) {
	f := newFixture(t, "")
	js := `{"name":"weekly","cron":"0 7 * * 1","timezone":"Europe/Paris","team":"pay","formats":["csv"],"directory":"` + t.TempDir() + `"}`
	hdr := map[string]string{"Content-Type": "application/json"}
	if r := f.do(t, "POST", "/api/v1/reports/schedules", "team", strings.NewReader(js), hdr); r.StatusCode != http.StatusForbidden {
		t.Errorf("team creating a schedule: %d, want 403", r.StatusCode)
	}
	r := f.do(t, "POST", "/api/v1/reports/schedules", "admin", strings.NewReader(js), hdr)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("admin creating a schedule: %d %s", r.StatusCode, body(t, r))
	}
	sc := decode[reporting.Schedule](t, r)
	if r := f.do(t, "POST", "/api/v1/reports/schedules", "admin", strings.NewReader(`{"name":"x","cron":"every day"}`), hdr); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad schedule: %d, want 400", r.StatusCode)
	}
	// The team sees its team's schedule; the page too.
	if l := decode[page[reporting.Schedule]](t, f.do(t, "GET", "/api/v1/reports/schedules", "team", nil, nil)); l.Total != 1 {
		t.Errorf("team sees %d schedules, want 1", l.Total)
	}
	if b := string(body(t, f.do(t, "GET", "/reports", "admin", nil, nil))); !strings.Contains(b, "weekly") || !strings.Contains(b, "Europe/Paris") {
		t.Errorf("the reports page lacks the schedule")
	}
	if r := f.do(t, "POST", fmt.Sprintf("/api/v1/reports/schedules/%d/run", sc.ID), "team", nil, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("team running a schedule: %d, want 403", r.StatusCode)
	}
	if r := f.do(t, "DELETE", fmt.Sprintf("/api/v1/reports/schedules/%d", sc.ID), "admin", nil, nil); r.StatusCode != http.StatusNoContent {
		t.Errorf("admin deleting: %d, want 204", r.StatusCode)
	}
	if r := f.do(t, "DELETE", fmt.Sprintf("/api/v1/reports/schedules/%d", sc.ID), "admin", nil, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleting twice: %d, want 404", r.StatusCode)
	}
}
