package reporting_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// newService is a reporting service over a real store whose reports are
// reporttest samples (the store-backed Build has its own tests), scoped
// as asked so the files are named after the scope.
func newService(t *testing.T) *reporting.Service {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	var builds atomic.Int32
	return &reporting.Service{
		Store: storetest.Open(t), Catalog: cat, Backoff: time.Millisecond, Attempts: 3,
		Build: func(ctx context.Context, scope report.Scope, asOf, from time.Time) (report.Report, error) {
			builds.Add(1)
			r := reporttest.Sample(3, 40)
			r.Scope = scope
			return r, nil
		},
	}
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func deliveries(t *testing.T, s *reporting.Service) []reporting.Delivery {
	t.Helper()
	ds, _, err := s.Deliveries(context.Background(), "", nil, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// A schedule from the config file run once: every format rendered,
// archived, and written to the directory channel; the delivery records
// the channel's outcome and the archived files carry the same SHA-256 as
// the files delivered.
func TestRunScheduleDeliversAndRecords(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	out := t.TempDir()
	err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "weekly", Cron: "0 7 * * 1", TimeZone: "Europe/Paris", Team: "payments",
		Formats: []string{"pdf", "csv", "xlsx", "oscal"}, Directory: out}})
	if err != nil {
		t.Fatal(err)
	}
	scheds, _ := s.Schedules(ctx)
	if len(scheds) != 1 || scheds[0].Origin != reporting.OriginConfig || scheds[0].Team != "payments" {
		t.Fatalf("schedules %+v", scheds)
	}
	d, err := s.RunSchedule(ctx, scheds[0].ID, reporting.TriggerManual, "admin-test")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliverySucceeded || d.FinishedAt == nil {
		t.Fatalf("delivery %+v", d)
	}
	ds := deliveries(t, s)
	if len(ds) != 1 || len(ds[0].Files) != 4 || len(ds[0].ChannelResults) != 1 || ds[0].ChannelResults[0].Status != store.DeliverySucceeded {
		t.Fatalf("recorded %+v", ds)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 4 {
		t.Fatalf("%d files delivered to the directory, want 4", len(entries))
	}
	for _, f := range ds[0].Files {
		got, err := os.ReadFile(filepath.Join(out, f.Name))
		if err != nil {
			t.Fatalf("archived %s was not delivered: %v", f.Name, err)
		}
		if sum(got) != f.ArtifactSHA256 {
			t.Errorf("%s: delivered sha256 %s, archived %s", f.Name, sum(got), f.ArtifactSHA256)
		}
		_, _, data, err := s.File(ctx, f.ID)
		if err != nil || sum(data) != f.ArtifactSHA256 {
			t.Errorf("%s: archive read back: %v", f.Name, err)
		}
	}
	head := map[string]string{"pdf": "%PDF-", "xlsx": "PK", "oscal": "{", "csv": "api,"}
	for _, f := range ds[0].Files {
		got, _ := os.ReadFile(filepath.Join(out, f.Name))
		if len(got) < len(head[f.Format]) || string(got[:len(head[f.Format])]) != head[f.Format] {
			t.Errorf("%s (%s) starts with %q", f.Name, f.Format, got[:min(8, len(got))])
		}
	}
}

// A webhook that fails twice then accepts: retried with backoff, the
// attempts and their errors recorded. A second channel that always fails
// makes the delivery partial.
func TestRetriesAndPartialDelivery(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	var calls atomic.Int32
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ok.Close()
	if err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "hook", Cron: "@daily", Formats: []string{"csv"}, Webhook: ok.URL,
		Directory: "/proc/posture-cannot-write-here"}}); err != nil {
		t.Fatal(err)
	}
	scheds, _ := s.Schedules(ctx)
	d, err := s.RunSchedule(ctx, scheds[0].ID, reporting.TriggerManual, "admin-test")
	if err == nil {
		t.Fatal("a delivery with a failing channel reported no error")
	}
	if d.Status != store.DeliveryPartial {
		t.Fatalf("status %q, want partial", d.Status)
	}
	var res []reporting.ChannelResult
	json.Unmarshal([]byte(d.Channels), &res)
	byChan := map[string]reporting.ChannelResult{}
	for _, r := range res {
		byChan[r.Channel] = r
	}
	if w := byChan["webhook"]; w.Status != store.DeliverySucceeded || w.Attempts != 3 || len(w.Errors) != 2 {
		t.Errorf("webhook %+v: want success on the third attempt with two errors kept", w)
	}
	if dir := byChan["directory"]; dir.Status != store.DeliveryFailed || dir.Attempts != 3 {
		t.Errorf("directory %+v: want failed after 3 attempts", dir)
	}
	if calls.Load() != 3 {
		t.Errorf("webhook called %d times, want 3", calls.Load())
	}
}

func TestSchedulesFromConfigAndAPI(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	cfg := []config.ReportSchedule{{Name: "a", Cron: "@daily", Directory: "/tmp/x"}, {Name: "b", Cron: "@weekly", Directory: "/tmp/x"}}
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	api, err := s.CreateSchedule(ctx, config.ReportSchedule{Name: "c", Cron: "0 6 * * *", API: "Payments API", Formats: []string{"xlsx"}, Directory: "/tmp/y"}, "admin-test")
	if err != nil {
		t.Fatal(err)
	}
	// The config loses b and changes a; the API's c is untouched.
	if err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "a", Cron: "@monthly", Directory: "/tmp/x"}}); err != nil {
		t.Fatal(err)
	}
	scheds, _ := s.Schedules(ctx)
	got := map[string]string{}
	for _, sc := range scheds {
		got[sc.Name] = sc.Origin + " " + sc.Cron
	}
	if len(got) != 2 || got["a"] != "config @monthly" || got["c"] != "api 0 6 * * *" {
		t.Fatalf("schedules %v", got)
	}
	if err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "c", Cron: "@daily", Directory: "/tmp/x"}}); err == nil {
		t.Error("the config took over a schedule created through the API")
	}
	for _, sc := range scheds {
		if sc.Name == "a" {
			if err := s.DeleteSchedule(ctx, sc.ID); !errors.Is(err, reporting.ErrReadOnly) {
				t.Errorf("deleting a config schedule: %v, want ErrReadOnly", err)
			}
		}
	}
	if err := s.DeleteSchedule(ctx, api.ID); err != nil {
		t.Fatal(err)
	}
	var ve *reporting.ValidationError
	if _, err := s.CreateSchedule(ctx, config.ReportSchedule{Name: "bad", Cron: "@every 5m", Recipients: []string{"x@example.com"}}, "admin"); !errors.As(err, &ve) || len(ve.Errs) < 2 {
		t.Errorf("an interval and e-mail without SMTP: %v, want both named", err)
	}
}

// The scheduler fires a schedule on its own (a six-field cron with
// seconds, so the test does not wait for a minute).
func TestSchedulerRunsSchedules(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	out := t.TempDir()
	if err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "tick", Cron: "*/1 * * * * *", Formats: []string{"csv"}, Directory: out}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	scheds, _ := s.Schedules(ctx)
	if scheds[0].NextRun.IsZero() {
		t.Error("a started schedule has no next run")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ds := deliveries(t, s); len(ds) > 0 && ds[len(ds)-1].Status == store.DeliverySucceeded {
			if ds[len(ds)-1].Trigger != reporting.TriggerSchedule {
				t.Errorf("trigger %q, want schedule", ds[len(ds)-1].Trigger)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no scheduled delivery within 10s: %+v", deliveries(t, s))
}
