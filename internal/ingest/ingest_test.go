package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// fake is a collector driven by the test: it emits what emit does.
type fake struct {
	kind string
	emit func(ctx context.Context, src collectors.Source, sink collectors.Sink) error
}

func (f *fake) Kind() string    { return f.kind }
func (f *fake) Version() string { return "test-1" }
func (f *fake) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return f.emit(ctx, src, sink)
}

var (
	regOnce sync.Once
	ctl     = &fake{kind: "fake-ingest"}
	ctlMu   sync.Mutex
)

func useFake(t *testing.T, emit func(ctx context.Context, src collectors.Source, sink collectors.Sink) error) collectors.Source {
	t.Helper()
	regOnce.Do(func() { collectors.Register(ctl) })
	ctlMu.Lock()
	t.Cleanup(ctlMu.Unlock)
	ctl.emit = emit
	return collectors.Source{Name: "src-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), Kind: "fake-ingest"}
}

func twoEndpoints(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	art := &collectors.Artifact{Name: "spec.yaml", ContentType: "application/yaml", Data: []byte("openapi: 3.0.0\n")}
	if err := sink.API(collectors.API{Name: "orders", Owner: "commerce", Title: "Orders"}); err != nil {
		return err
	}
	for _, p := range []string{"/orders", "/orders/{id}"} {
		if err := sink.Endpoint(collectors.Endpoint{API: "orders", Method: "GET", Path: p}); err != nil {
			return err
		}
		if err := sink.Evidence(collectors.Evidence{API: "orders", Endpoint: "GET " + p, Artifact: art,
			Location: "/paths/" + p, Facts: collectors.Facts{collectors.FactAuthDeclared: true}}); err != nil {
			return err
		}
	}
	return sink.Evidence(collectors.Evidence{API: "orders", Artifact: art, Facts: collectors.Facts{collectors.FactSpecPresent: true}})
}

func counts(t *testing.T, st *store.Store) (apis, eps, ev, arts int64) {
	t.Helper()
	db := st.DB
	db.Model(&store.API{}).Count(&apis)
	db.Model(&store.Endpoint{}).Count(&eps)
	db.Model(&store.Evidence{}).Count(&ev)
	db.Model(&store.Artifact{}).Count(&arts)
	return
}

func TestRunStoresEverythingAndChains(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, twoEndpoints)
	stats, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if stats.APIs != 1 || stats.Endpoints != 2 || stats.Evidence != 3 {
		t.Fatalf("stats = %+v, want 1 API, 2 endpoints, 3 evidence", stats)
	}
	apis, eps, ev, arts := counts(t, st)
	if apis != 1 || eps != 2 || ev != 3 || arts != 1 {
		t.Fatalf("stored apis=%d endpoints=%d evidence=%d artifacts=%d; want 1,2,3,1 (artifact stored once)", apis, eps, ev, arts)
	}
	var run store.Run
	st.DB.First(&run, stats.RunID)
	if run.Status != store.RunSucceeded || run.FinishedAt == nil || run.Evidence != 3 {
		t.Fatalf("run = %+v", run)
	}
	// A second run appends and the whole chain still verifies.
	if _, err := svc.Run(context.Background(), src, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.Verify(context.Background(), st.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Records != 6 || rep.HeadSeq != 6 {
		t.Fatalf("verify = %+v", rep)
	}
}

func TestFailedCollectionWritesNothingAndIsRecorded(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	boom := errors.New("spec.yaml: line 7: mapping values are not allowed here")
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		if err := twoEndpoints(ctx, src, sink); err != nil {
			return err
		}
		return boom // fails after emitting: nothing may be kept
	})
	stats, err := svc.Run(context.Background(), src, store.TriggerManual)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the collector's error", err)
	}
	apis, eps, ev, arts := counts(t, st)
	if apis+eps+ev+arts != 0 {
		t.Fatalf("a failed run left apis=%d endpoints=%d evidence=%d artifacts=%d", apis, eps, ev, arts)
	}
	var run store.Run
	st.DB.First(&run, stats.RunID)
	if run.Status != store.RunFailed || !strings.Contains(run.Error, "line 7") || run.FinishedAt == nil {
		t.Fatalf("run = %+v, want failed with the error naming the place", run)
	}
}

func TestPanickingCollectorIsAFailedRun(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		var spec []string
		_ = spec[len(src.Paths)+3] // an index out of range, as a parser bug would
		return nil
	})
	_, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("err = %v, want a panic turned into an error", err)
	}
}

func TestSameSourceNeverRunsTwiceAtOnce(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	started, release := make(chan struct{}), make(chan struct{})
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		close(started)
		<-release
		return nil
	})
	done := make(chan error)
	go func() { _, err := svc.Run(context.Background(), src, store.TriggerSchedule); done <- err }()
	<-started
	if !svc.Running(src.Name) {
		t.Fatal("Running = false during a run")
	}
	if _, err := svc.Run(context.Background(), src, store.TriggerManual); !errors.Is(err, ingest.ErrAlreadyRunning) {
		t.Fatalf("second concurrent run: err = %v, want ErrAlreadyRunning", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLimitsBoundACollection(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st, Limits: ingest.Limits{MaxRecords: 3, MaxArtifactBytes: 1 << 20}}
	src := useFake(t, twoEndpoints) // 1 API + 2 endpoints + 3 evidence
	_, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err == nil || !strings.Contains(err.Error(), "exceeds 3 records") {
		t.Fatalf("err = %v, want the record limit", err)
	}
}

func TestBadFactTypeIsRejected(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		return sink.Evidence(collectors.Evidence{API: "a", Artifact: &collectors.Artifact{Data: []byte("x")},
			Location: "/info", Facts: collectors.Facts{"x": map[string]int{}}})
	})
	_, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err == nil || !strings.Contains(err.Error(), `fact "x"`) || !strings.Contains(err.Error(), "/info") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindingsDedupAndSLA(t *testing.T) {
	st := storetest.Open(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := &ingest.Service{Store: st, Now: func() time.Time { return now }}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		for i := 0; i < 2; i++ { // the same finding twice in one report
			if err := sink.Finding(collectors.Finding{API: "a", Tool: "zap", RuleID: "10021", Title: "X-Content-Type-Options missing",
				Severity: collectors.SeverityHigh, Location: "https://a/x"}); err != nil {
				return err
			}
		}
		return nil
	})
	s1, err := svc.Run(context.Background(), src, store.TriggerIngest)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := svc.Run(context.Background(), src, store.TriggerIngest)
	if err != nil {
		t.Fatal(err)
	}
	var fs []store.Finding
	st.DB.Find(&fs)
	if len(fs) != 1 || s1.NewFindings != 1 || s2.NewFindings != 0 {
		t.Fatalf("findings=%d new=%d,%d; want 1 stored, 1 then 0 new", len(fs), s1.NewFindings, s2.NewFindings)
	}
	if fs[0].DueAt == nil || !fs[0].DueAt.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("due = %v, want 30 days (high) after %v", fs[0].DueAt, now)
	}
}

func TestWarningsAndNotesAreKept(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		art := &collectors.Artifact{Name: "spec.yaml", Data: []byte("openapi: 3.0.0\n")}
		if err := sink.API(collectors.API{Name: "orders"}); err != nil {
			return err
		}
		for i := range 150 {
			if err := collectors.Warn(sink, fmt.Sprintf("spec.yaml: $ref %d not followed", i)); err != nil {
				return err
			}
		}
		note := collectors.Note{Fact: collectors.FactSpecServersHTTPS, Pointer: "/servers/0/url", Line: 4, Message: "http://"}
		return sink.Evidence(collectors.Evidence{API: "orders", Artifact: art, Facts: collectors.Facts{collectors.FactSpecServersHTTPS: false},
			Notes: []collectors.Note{note}})
	})
	stats, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stats.Warnings); n != 101 || stats.Warnings[100] != "... and 50 more warnings" {
		t.Fatalf("%d warnings, last %q; want 100 kept and a count of the other 50", n, stats.Warnings[n-1])
	}
	var run store.Run
	st.DB.First(&run, stats.RunID)
	var kept []string
	if err := json.Unmarshal([]byte(run.Warnings), &kept); err != nil || len(kept) != 101 || kept[0] != "spec.yaml: $ref 0 not followed" {
		t.Fatalf("run warnings = %.200q (%v)", run.Warnings, err)
	}
	var ev store.Evidence
	st.DB.First(&ev)
	if !strings.Contains(ev.Notes, `"pointer":"/servers/0/url"`) || !strings.Contains(ev.Notes, `"line":4`) {
		t.Fatalf("notes = %q", ev.Notes)
	}
	rep, err := evidence.Verify(context.Background(), st.DB, nil)
	if err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

func TestNoteOnAFactNotStatedIsRejected(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		art := &collectors.Artifact{Name: "spec.yaml", Data: []byte("x")}
		if err := sink.API(collectors.API{Name: "orders"}); err != nil {
			return err
		}
		return sink.Evidence(collectors.Evidence{API: "orders", Artifact: art, Facts: collectors.Facts{collectors.FactSpecPresent: true},
			Notes: []collectors.Note{{Fact: collectors.FactRequestBounded, Message: "unbounded"}}})
	})
	if _, err := svc.Run(context.Background(), src, store.TriggerManual); err == nil || !strings.Contains(err.Error(), `note on fact "request.bounded"`) {
		t.Fatalf("err = %v", err)
	}
}

// The remediation lifecycle an import drives: a DAST URL is matched to the
// inventory's template, the CWE gives the OWASP category, a finding the
// next scan no longer reports is fixed, one that comes back is reopened,
// a clean scan fixes the rest, and people's decisions (risk accepted)
// are left alone. Every change is in the finding's history.
func TestScanLifecycle(t *testing.T) {
	st := storetest.Open(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	svc := &ingest.Service{Store: st, Catalog: cat, Now: func() time.Time { return now }}
	var report []string // rule ids the next scan reports
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		art := &collectors.Artifact{Name: src.Name + ".json", Data: []byte(fmt.Sprint(report))}
		if src.Name == "spec" {
			if err := sink.API(collectors.API{Name: "a", BaseURLs: []string{"https://a.example.com/v1"}}); err != nil {
				return err
			}
			return sink.Endpoint(collectors.Endpoint{API: "a", Method: "GET", Path: "/users/{id}"})
		}
		if err := sink.Evidence(collectors.Evidence{API: "a", Artifact: art, Location: "zap",
			Facts: collectors.Facts{collectors.FactScanPresent: true}}); err != nil {
			return err
		}
		for _, r := range report {
			if err := sink.Finding(collectors.Finding{API: "a", Tool: "zap", RuleID: r, Title: "rule " + r, Severity: collectors.SeverityMedium,
				CWE: 639, Method: "GET", URL: "https://a.example.com/v1/users/" + r, Location: "https://a.example.com/v1/users/" + r}); err != nil {
				return err
			}
		}
		return nil
	})
	spec := src
	spec.Name = "spec"
	scan := src
	scan.Name = "scan"
	if _, err := svc.Run(context.Background(), spec, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	run := func(rules ...string) ingest.Stats {
		t.Helper()
		report = rules
		now = now.Add(24 * time.Hour)
		s, err := svc.Run(context.Background(), scan, store.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	status := func(rule string) store.Finding {
		t.Helper()
		var f store.Finding
		if err := st.DB.Where("rule_id = ?", rule).Take(&f).Error; err != nil {
			t.Fatal(err)
		}
		return f
	}
	if s := run("1", "2"); s.NewFindings != 2 || s.FixedFindings != 0 {
		t.Fatalf("first scan: %+v", s)
	}
	f1 := status("1")
	var ep store.Endpoint
	st.DB.Where("path = ?", "/users/{id}").Take(&ep)
	if f1.EndpointID == nil || *f1.EndpointID != ep.ID || f1.OWASP != "API1:2023" || f1.Source != "scan" || f1.Method != "GET" {
		t.Fatalf("finding 1 = endpoint %v (want %d), owasp %q, source %q, method %q", f1.EndpointID, ep.ID, f1.OWASP, f1.Source, f1.Method)
	}
	if s := run("1"); s.FixedFindings != 1 || status("2").Status != store.FindingFixed || status("2").FixedAt == nil {
		t.Fatalf("rule 2 no longer reported: %+v, status %q", s, status("2").Status)
	}
	if s := run("1", "2"); s.NewFindings != 0 || status("2").Status != store.FindingOpen || !status("2").DueAt.Equal(now.Add(90*24*time.Hour)) {
		t.Fatalf("rule 2 back: %+v, status %q due %v", s, status("2").Status, status("2").DueAt)
	}
	st.DB.Model(&store.Finding{}).Where("rule_id = ?", "1").Update("status", store.FindingRiskAccepted)
	if s := run(); s.FixedFindings != 1 || status("2").Status != store.FindingFixed || status("1").Status != store.FindingRiskAccepted {
		t.Fatalf("clean scan: %+v, rule 1 %q, rule 2 %q", s, status("1").Status, status("2").Status)
	}
	// Re-importing the same clean scan changes nothing.
	if s := run(); s.FixedFindings != 0 || s.NewFindings != 0 {
		t.Fatalf("same clean scan again: %+v", s)
	}
	var evs []store.FindingEvent
	st.DB.Where("finding_id = ?", status("2").ID).Order("id").Find(&evs)
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind+":"+e.FromValue+">"+e.ToValue)
	}
	want := []string{"created:>open", "status:open>fixed", "status:fixed>open", "status:open>fixed"}
	if strings.Join(got, " ") != strings.Join(want, " ") || evs[1].Actor != ingest.ActorPosture || !strings.Contains(evs[1].Note, "no longer reported by zap") {
		t.Fatalf("history = %q (%+v), want %q", got, evs, want)
	}
	if err := st.DB.Model(&store.FindingEvent{}).Where("id = ?", evs[0].ID).Update("note", "x").Error; err == nil {
		t.Fatal("finding history must be append-only")
	}
}

func TestSuppressedFindingsAreStoredAsFalsePositives(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		return sink.Finding(collectors.Finding{API: "a", Tool: "gosec", RuleID: "G101", Title: "hard-coded credentials",
			Severity: collectors.SeverityHigh, File: "cmd/main.go", Line: 12, Tags: []string{"confidence:high", ingest.TagSuppressed}})
	})
	if _, err := svc.Run(context.Background(), src, store.TriggerIngest); err != nil {
		t.Fatal(err)
	}
	var f store.Finding
	st.DB.Take(&f)
	if f.Status != store.FindingFalsePositive || f.DueAt != nil || f.File != "cmd/main.go" || f.Line != 12 {
		t.Fatalf("suppressed finding stored as %q, due %v, at %s:%d", f.Status, f.DueAt, f.File, f.Line)
	}
}

// Two tools reporting the same weakness at the same operation are one
// issue: the second report points at the first, and while either tool
// still sees it, exactly one of them stands for the issue.
func TestCrossToolDuplicates(t *testing.T) {
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	reports := map[string]bool{"zap": true, "burp": true} // which tool reports the weakness this run
	src := useFake(t, func(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
		if src.Name == "spec" {
			if err := sink.API(collectors.API{Name: "a", BaseURLs: []string{"https://a.example.com"}}); err != nil {
				return err
			}
			return sink.Endpoint(collectors.Endpoint{API: "a", Method: "GET", Path: "/items/{id}"})
		}
		tool := src.Name
		art := &collectors.Artifact{Name: tool + ".xml", Data: []byte(tool)}
		if err := sink.Evidence(collectors.Evidence{API: "a", Artifact: art, Location: tool, Facts: collectors.Facts{collectors.FactScanPresent: true}}); err != nil {
			return err
		}
		if !reports[tool] {
			return nil
		}
		return sink.Finding(collectors.Finding{API: "a", Tool: tool, RuleID: tool + "-sqli", Title: "SQL injection", Severity: collectors.SeverityHigh,
			CWE: 89, Method: "GET", URL: "https://a.example.com/items/" + tool + "?q=1"})
	})
	run := func(name string) {
		t.Helper()
		s := src
		s.Name = name
		if _, err := svc.Run(context.Background(), s, store.TriggerManual); err != nil {
			t.Fatal(err)
		}
	}
	standing := func() []store.Finding {
		var fs []store.Finding
		st.DB.Table("findings AS f").Joins(store.JoinPrimary).Select("f.*").Where(store.StandsForIssue).Order("f.id").Scan(&fs)
		return fs
	}
	run("spec")
	run("zap")
	run("burp")
	var all []store.Finding
	st.DB.Order("id").Find(&all)
	if len(all) != 2 || all[1].DuplicateOf == nil || *all[1].DuplicateOf != all[0].ID || all[0].Correlation == "" || all[0].Correlation != all[1].Correlation {
		t.Fatalf("findings = %+v; want burp's pointing at zap's", all)
	}
	if s := standing(); len(s) != 1 || s[0].Tool != "zap" {
		t.Fatalf("standing for the issue: %+v, want zap's report only", s)
	}
	reports["zap"] = false
	run("zap") // zap no longer sees it; burp still does
	var active []store.Finding
	for _, f := range standing() {
		if f.Status == store.FindingOpen || f.Status == store.FindingInProgress {
			active = append(active, f)
		}
	}
	if len(active) != 1 || active[0].Tool != "burp" {
		t.Fatalf("active after zap's clean scan: %+v, want burp's report standing for the issue", active)
	}
}
