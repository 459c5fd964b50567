package findings_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/findings"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

func seed(t *testing.T) (*findings.Service, *store.Store, int64, *time.Time) {
	t.Helper()
	st := storetest.Open(t)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	api := store.API{Name: "payments", Owner: "pay", CreatedAt: now, UpdatedAt: now}
	if err := st.DB.Create(&api).Error; err != nil {
		t.Fatal(err)
	}
	f := store.Finding{APIID: api.ID, Fingerprint: "fp", Tool: "zap", RuleID: "1", Title: "t", Severity: "high",
		Status: store.FindingOpen, FirstSeen: now, LastSeen: now, UpdatedAt: now}
	if err := st.DB.Create(&f).Error; err != nil {
		t.Fatal(err)
	}
	svc := &findings.Service{DB: st.DB, Now: func() time.Time { return now }}
	return svc, st, f.ID, &now
}

func str(s string) *string { return &s }

var (
	admin   = auth.Principal{Name: "alice", Role: auth.RoleAdmin}
	auditor = auth.Principal{Name: "aud", Role: auth.RoleAuditor}
	team    = auth.Principal{Name: "bob", Role: auth.RoleTeam, Team: "pay"}
	other   = auth.Principal{Name: "eve", Role: auth.RoleTeam, Team: "commerce"}
	viewer  = auth.Principal{Name: "v", Role: auth.RoleViewer}
)

func TestWhoMayDoWhat(t *testing.T) {
	ctx := context.Background()
	svc, _, id, now := seed(t)
	until := now.Add(90 * 24 * time.Hour)
	for _, tc := range []struct {
		p    auth.Principal
		c    findings.Change
		want error
	}{
		{other, findings.Change{Status: str("in_progress")}, findings.ErrNotFound}, // another team's finding does not exist
		{viewer, findings.Change{Status: str("in_progress")}, findings.ErrNotFound},
		{team, findings.Change{Status: str("risk_accepted"), Reason: "r", AcceptUntil: &until}, findings.ErrForbidden},
		{team, findings.Change{Status: str("verified")}, findings.ErrInvalid}, // open -> verified is no transition
		{auditor, findings.Change{Status: str("in_progress")}, findings.ErrForbidden},
		{admin, findings.Change{Status: str("risk_accepted")}, findings.ErrInvalid}, // no reason, no expiry
		{admin, findings.Change{Status: str("false_positive")}, findings.ErrInvalid},
		{team, findings.Change{Status: str("done")}, findings.ErrInvalid},
		{team, findings.Change{TrackerURL: str("javascript:alert(1)")}, findings.ErrInvalid},
	} {
		if _, err := svc.Apply(ctx, tc.p, id, tc.c); !errors.Is(err, tc.want) {
			t.Errorf("%s %+v: err = %v, want %v", tc.p.Name, tc.c, err, tc.want)
		}
	}
	// The team works it, fixes it; the auditor verifies.
	steps := []struct {
		p  auth.Principal
		to string
	}{{team, "in_progress"}, {team, "fixed"}, {auditor, "verified"}}
	for _, s := range steps {
		f, err := svc.Apply(ctx, s.p, id, findings.Change{Status: str(s.to), Assignee: str("bob")})
		if err != nil || f.Status != s.to {
			t.Fatalf("%s -> %s: %v (status %q)", s.p.Name, s.to, err, f.Status)
		}
	}
	evs, _ := svc.History(ctx, id)
	var got []string
	for _, e := range evs {
		got = append(got, e.Actor+":"+e.Kind+":"+e.ToValue)
	}
	if strings.Join(got, " ") != "bob:status:in_progress bob:assignee:bob bob:status:fixed aud:status:verified" {
		t.Errorf("history = %q", got)
	}
}

func TestRiskAcceptanceExpires(t *testing.T) {
	ctx := context.Background()
	svc, st, id, now := seed(t)
	until := now.Add(30 * 24 * time.Hour)
	f, err := svc.Apply(ctx, admin, id, findings.Change{Status: str("risk_accepted"), Reason: "compensating WAF rule", AcceptUntil: &until})
	if err != nil || f.AcceptedBy != "alice" || f.AcceptReason != "compensating WAF rule" || !f.AcceptedUntil.Equal(until) {
		t.Fatalf("accept: %v %+v", err, f)
	}
	if n, err := svc.ExpireAcceptances(ctx); n != 0 || err != nil {
		t.Fatalf("before expiry: %d %v", n, err)
	}
	*now = until.Add(time.Hour)
	if n, err := svc.ExpireAcceptances(ctx); n != 1 || err != nil {
		t.Fatalf("after expiry: %d %v", n, err)
	}
	f = store.Finding{}
	st.DB.First(&f, id)
	if f.Status != store.FindingOpen || f.AcceptedUntil != nil || f.DueAt == nil || !f.DueAt.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("expired acceptance: status %q until %v due %v; want open with a new 30-day (high) deadline", f.Status, f.AcceptedUntil, f.DueAt)
	}
	far := now.Add(400 * 24 * time.Hour)
	if _, err := svc.Apply(ctx, admin, id, findings.Change{Status: str("risk_accepted"), Reason: "r", AcceptUntil: &far}); !errors.Is(err, findings.ErrInvalid) {
		t.Errorf("acceptance beyond a year: %v", err)
	}
}

func TestBulkIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	svc, st, id, now := seed(t)
	var otherAPI store.API = store.API{Name: "orders", Owner: "commerce", CreatedAt: *now, UpdatedAt: *now}
	st.DB.Create(&otherAPI)
	f2 := store.Finding{APIID: otherAPI.ID, Fingerprint: "fp2", Tool: "zap", RuleID: "2", Title: "t", Severity: "low",
		Status: store.FindingOpen, FirstSeen: *now, LastSeen: *now, UpdatedAt: *now}
	st.DB.Create(&f2)
	if _, err := svc.ApplyAll(ctx, team, []int64{id, f2.ID}, findings.Change{Status: str("in_progress")}); !errors.Is(err, findings.ErrNotFound) {
		t.Fatalf("bulk over another team's finding: %v", err)
	}
	var f store.Finding
	st.DB.First(&f, id)
	if f.Status != store.FindingOpen {
		t.Fatalf("a failed bulk change changed finding %d to %q", id, f.Status)
	}
	if n, err := svc.ApplyAll(ctx, admin, []int64{id, f2.ID}, findings.Change{Status: str("in_progress")}); n != 2 || err != nil {
		t.Fatalf("admin bulk: %d %v", n, err)
	}
	if err := svc.Comment(ctx, other, id, "hi"); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("comment on another team's finding: %v", err)
	}
	if err := svc.Comment(ctx, team, id, "looking at it"); err != nil {
		t.Errorf("comment: %v", err)
	}
}

func TestADecisionOnTheFirstReportCoversTheDuplicates(t *testing.T) {
	ctx := context.Background()
	svc, st, id, now := seed(t)
	var primary store.Finding
	st.DB.First(&primary, id)
	dup := store.Finding{APIID: primary.APIID, Fingerprint: "fp-burp", Tool: "burp", RuleID: "x", Title: "t", Severity: "high",
		Status: store.FindingOpen, FirstSeen: *now, LastSeen: *now, UpdatedAt: *now, DuplicateOf: &primary.ID}
	st.DB.Create(&dup)
	until := now.Add(30 * 24 * time.Hour)
	if _, err := svc.Apply(ctx, admin, id, findings.Change{Status: str("risk_accepted"), Reason: "WAF rule 942100", AcceptUntil: &until}); err != nil {
		t.Fatal(err)
	}
	var got store.Finding
	st.DB.First(&got, dup.ID)
	if got.Status != store.FindingRiskAccepted || got.AcceptedUntil == nil || got.AcceptReason != "WAF rule 942100" {
		t.Fatalf("duplicate after accepting the primary: %q until %v reason %q", got.Status, got.AcceptedUntil, got.AcceptReason)
	}
	evs, _ := svc.History(ctx, dup.ID)
	if len(evs) != 1 || evs[0].Actor != "alice" || !strings.Contains(evs[0].Note, "with finding") {
		t.Fatalf("duplicate's history = %+v", evs)
	}
}
