package report_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/all" // the openapi and zap collectors
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/findings"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
	"github.com/posture-dev/posture/internal/testutil"
)

// The timeline the fixture imports along (all UTC):
//
//	t0       VAmPI's spec (team-a) and crAPI's spec (team-b)
//	t0+1d    a ZAP scan of VAmPI (juicy2.xml)
//	t0+10d   a ZAP scan of crAPI (dvwa_baseline_dojo.xml)
//	t0+12d   a person marks one VAmPI finding a false positive
//	t0+15d   the report is generated ("now")
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

type fixture struct {
	st      *store.Store
	cat     *catalog.Catalog
	scoring *scoring.Service
	vampi   string // API names as the specs give them
	crapi   string
	changed int64 // the finding marked a false positive at t0+12d
	primary int64 // a VAmPI finding a second tool also reported, fixed at t0+12d
	dup     int64 // the second tool's report, open throughout
}

// dupIssue gives a lone open VAmPI finding a second tool's report of the
// same issue (as ingest's correlation records one when two DAST tools hit
// the same operation with the same CWE), then fixes the first report at
// at, as the first tool's next import would when it no longer reports it:
// the duplicate, still open, then stands for the issue. Written with SQL
// because the shared corpus has no two tools' scans of one operation.
func (fx *fixture) dupIssue(t *testing.T, at time.Time) {
	t.Helper()
	db := fx.st.DB
	err := db.Raw(`SELECT f.id FROM findings f JOIN apis a ON a.id = f.api_id WHERE a.name = ? AND f.status = 'open'
		AND f.duplicate_of IS NULL AND NOT EXISTS (SELECT 1 FROM findings d WHERE d.duplicate_of = f.id) ORDER BY f.id DESC LIMIT 1`, fx.vampi).
		Scan(&fx.primary).Error
	if err != nil || fx.primary == 0 {
		t.Fatalf("no finding to duplicate (%v)", err)
	}
	must := func(res *gorm.DB) {
		t.Helper()
		if res.Error != nil {
			t.Fatal(res.Error)
		}
	}
	must(db.Exec(`INSERT INTO findings (api_id, endpoint_id, fingerprint, tool, rule_id, title, severity, cwe, owasp, location, status,
		due_at, first_seen, last_seen, updated_at, source, correlation, duplicate_of)
		SELECT api_id, endpoint_id, fingerprint || '-nuclei', 'nuclei', 'nuclei-' || rule_id, title, severity, cwe, owasp, location, 'open',
		due_at, first_seen, last_seen, updated_at, 'vampi-nuclei', 'corr-test', id FROM findings WHERE id = ?`, fx.primary))
	must(db.Raw("SELECT MAX(id) FROM findings").Scan(&fx.dup))
	var first time.Time
	must(db.Raw("SELECT first_seen FROM findings WHERE id = ?", fx.primary).Scan(&first))
	must(db.Create(&store.FindingEvent{FindingID: fx.dup, At: first, Actor: ingest.ActorPosture, Kind: "created", ToValue: "open"}))
	must(db.Exec("UPDATE findings SET status = 'fixed', fixed_at = ?, updated_at = ? WHERE id = ?", at, at, fx.primary))
	must(db.Create(&store.FindingEvent{FindingID: fx.primary, At: at, Actor: ingest.ActorPosture, Kind: "status",
		FromValue: "open", ToValue: "fixed", Note: "no longer reported by zap"}))
}

func (fx *fixture) source(page int) report.Source {
	return report.Source{Store: fx.st, Scoring: fx.scoring, Catalog: fx.cat, Now: func() time.Time { return t0.Add(15 * day) },
		Version: "v9.9.9 (test)", PageSize: page}
}

// newFixture fills a store through the real ingest path from the shared
// corpus, along the timeline above.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	clock := func() time.Time { return now }
	sc := &scoring.Service{Store: st, Catalog: cat, Now: clock}
	ing := &ingest.Service{Store: st, Scorer: sc, Catalog: cat, Now: clock, SLA: ingest.DefaultSLA,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	run := func(name, kind, path, api, owner string) {
		t.Helper()
		src := collectors.Source{Name: name, Kind: kind, Paths: []string{testutil.Corpus(t, path)}, API: api, Owner: owner}
		if _, err := ing.Run(ctx, src, store.TriggerIngest); err != nil {
			t.Fatalf("ingest %s: %v", path, err)
		}
	}
	run("vampi-spec", "openapi", "specs/openapi/vampi/openapi3.yml", "", "team-a")
	run("crapi-spec", "openapi", "specs/openapi/crapi/crapi-openapi-spec.json", "", "team-b")
	fx := &fixture{st: st, cat: cat, scoring: sc}
	var names []string
	st.DB.Model(&store.API{}).Order("id").Pluck("name", &names)
	if len(names) != 2 {
		t.Fatalf("the two specs made APIs %q, want 2", names)
	}
	fx.vampi, fx.crapi = names[0], names[1]
	now = t0.Add(day)
	run("vampi-zap", "zap", "scans/zap/juicy2.xml", fx.vampi, "")
	now = t0.Add(10 * day)
	run("crapi-zap", "zap", "scans/zap/dvwa_baseline_dojo.xml", fx.crapi, "")

	// A lone open finding of VAmPI (no other tool's report of it) that a
	// person marks a false positive at t0+12d.
	err = st.DB.Raw(`SELECT f.id FROM findings f JOIN apis a ON a.id = f.api_id WHERE a.name = ? AND f.status = 'open'
		AND f.duplicate_of IS NULL AND NOT EXISTS (SELECT 1 FROM findings d WHERE d.duplicate_of = f.id) ORDER BY f.id LIMIT 1`, fx.vampi).
		Scan(&fx.changed).Error
	if err != nil || fx.changed == 0 {
		t.Fatalf("no open VAmPI finding to change (%v)", err)
	}
	now = t0.Add(12 * day)
	fx.dupIssue(t, now)
	fp := store.FindingFalsePositive
	fs := &findings.Service{DB: st.DB, Now: clock}
	if _, err := fs.Apply(ctx, auth.Principal{Name: "alice", Role: auth.RoleAdmin}, fx.changed, findings.Change{Status: &fp, Reason: "test double"}); err != nil {
		t.Fatal(err)
	}
	return fx
}

func build(t *testing.T, fx *fixture, page int, scope report.Scope, asOf time.Time) report.Report {
	t.Helper()
	r, err := report.Build(context.Background(), fx.source(page), scope, asOf, time.Time{})
	if err != nil {
		t.Fatalf("Build(%v, %v): %v", scope, asOf, err)
	}
	return r
}

// sqlCounts are the figures a report must show, counted straight from
// the tables: one finding per issue as scoring counts them.
type sqlCounts struct {
	apis       []string
	openBySev  [5]int
	overdue    int
	total      int
	findingIDs []int64
	head       report.ChainHead
	levels     map[string]int
}

// countSQL counts what a report of the APIs matching scopeWhere (on
// apis a, with one argument scopeArg unless nil) must show at asOf; past
// replays findings' statuses from their history.
func countSQL(t *testing.T, fx *fixture, scopeWhere string, scopeArg any, asOf time.Time, past bool) sqlCounts {
	t.Helper()
	db := fx.st.DB
	var c sqlCounts
	args := func(more ...any) []any {
		if scopeArg == nil {
			return more
		}
		return append([]any{scopeArg}, more...)
	}
	apiCond := scopeWhere
	if past {
		apiCond += " AND a.created_at <= ?"
	}
	apiArgs := args()
	if past {
		apiArgs = args(asOf)
	}
	if err := db.Raw("SELECT a.name FROM apis a WHERE "+apiCond+" ORDER BY a.name", apiArgs...).Scan(&c.apis).Error; err != nil {
		t.Fatal(err)
	}
	// One finding per issue, decided in Go on the statuses at asOf
	// replayed from each finding's history: a finding no other tool
	// reported first, or a duplicate open while its first report is not.
	type row struct {
		ID          int64
		Severity    string
		Status      string
		DueAt       *time.Time
		DuplicateOf *int64
		InScope     bool
	}
	var rows []row
	if err := db.Raw(`SELECT f.id, f.severity, f.status, f.due_at, f.duplicate_of,
		(`+scopeWhere+` AND f.first_seen <= ?) AS in_scope FROM findings f JOIN apis a ON a.id = f.api_id ORDER BY f.id`, args(asOf)...).
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	for _, r := range rows {
		status[r.ID] = r.Status
		if past {
			var evs []store.FindingEvent
			db.Where("finding_id = ? AND kind IN ? AND at <= ?", r.ID, []string{"created", "status"}, asOf).Order("at, id").Find(&evs)
			if len(evs) > 0 {
				status[r.ID] = evs[len(evs)-1].ToValue
			}
		}
	}
	active := func(st string) bool { return st == "open" || st == "in_progress" }
	for _, r := range rows {
		st := status[r.ID]
		if !r.InScope || r.DuplicateOf != nil && !(active(st) && !active(status[*r.DuplicateOf])) {
			continue
		}
		c.total++
		c.findingIDs = append(c.findingIDs, r.ID)
		if active(st) {
			i := slices.Index(report.Severities[:], r.Severity)
			if i < 0 {
				i = 4
			}
			c.openBySev[i]++
			if r.DueAt != nil && r.DueAt.Before(asOf) {
				c.overdue++
			}
		}
	}
	var head []store.Evidence
	db.Where("recorded_at <= ?", asOf).Order("seq DESC").Limit(1).Find(&head)
	if len(head) == 1 {
		c.head = report.ChainHead{Seq: head[0].Seq, Hash: head[0].Hash}
	}
	c.levels = map[string]int{}
	var lv []struct {
		Name  string
		Level int
	}
	if past {
		db.Raw(`SELECT a.name, s.level FROM apis a JOIN score_snapshots s ON s.api_id = a.id
			WHERE s.day = (SELECT MAX(day) FROM score_snapshots x WHERE x.api_id = a.id AND x.day <= ?)`, asOf.Format(time.DateOnly)).Scan(&lv)
	} else {
		db.Raw(`SELECT a.name, s.level FROM apis a JOIN assessments s ON s.api_id = a.id`).Scan(&lv)
	}
	for _, x := range lv {
		c.levels[x.Name] = x.Level
	}
	return c
}

func collect(t *testing.T, r report.Report) ([]report.Finding, []report.EvidenceRecord) {
	t.Helper()
	var fs []report.Finding
	if r.Findings != nil {
		for f, err := range r.Findings {
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
	}
	var es []report.EvidenceRecord
	if r.Evidence != nil {
		for e, err := range r.Evidence {
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
	}
	return fs, es
}

func apiNames(r report.Report) []string {
	var out []string
	for _, a := range r.APIs {
		out = append(out, a.Name)
	}
	return out
}

// checkAgainstSQL compares a report's figures with the tables'.
func checkAgainstSQL(t *testing.T, fx *fixture, r report.Report, c sqlCounts) {
	t.Helper()
	if got := apiNames(r); !slices.Equal(got, c.apis) {
		t.Errorf("APIs = %q, want %q", got, c.apis)
	}
	if r.FindingCounts.OpenBySeverity != c.openBySev || r.FindingCounts.Total != c.total {
		t.Errorf("open by severity %v of %d, want %v of %d", r.FindingCounts.OpenBySeverity, r.FindingCounts.Total, c.openBySev, c.total)
	}
	open := 0
	for _, n := range c.openBySev {
		open += n
	}
	if r.FindingCounts.Open != open || r.FindingCounts.Overdue != c.overdue {
		t.Errorf("open = %d, overdue %d, want %d, %d", r.FindingCounts.Open, r.FindingCounts.Overdue, open, c.overdue)
	}
	overdue := 0
	for _, a := range r.APIs {
		overdue += a.Overdue
	}
	if overdue != c.overdue {
		t.Errorf("per-API overdue findings sum to %d, want %d", overdue, c.overdue)
	}
	var perAPI [5]int
	levels := 0
	for _, a := range r.APIs {
		for i, n := range a.OpenBySeverity {
			perAPI[i] += n
		}
		if want, ok := c.levels[a.Name]; ok && a.Level != want {
			t.Errorf("%s: level %d, want %d", a.Name, a.Level, want)
		}
		levels += r.Levels[a.Level]
	}
	if perAPI != c.openBySev {
		t.Errorf("per-API open findings sum to %v, want %v", perAPI, c.openBySev)
	}
	n := 0
	for _, k := range r.Levels {
		n += k
	}
	if n != len(c.apis) {
		t.Errorf("levels %v count %d APIs, want %d", r.Levels, n, len(c.apis))
	}
	if r.Chain != c.head || c.head.Seq == 0 {
		t.Errorf("chain head %+v, want %+v", r.Chain, c.head)
	}
	fs, _ := collect(t, r)
	var ids []int64
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, c.findingIDs) {
		t.Errorf("Findings yields %d findings %v, want %d %v", len(ids), ids, len(c.findingIDs), c.findingIDs)
	}
}

func TestBuildNow(t *testing.T) {
	fx := newFixture(t)
	asOf := t0.Add(15 * day)
	r := build(t, fx, 0, report.Scope{}, time.Time{})
	c := countSQL(t, fx, "1 = 1", nil, asOf, false)
	checkAgainstSQL(t, fx, r, c)
	if r.Scope.Kind != report.ScopeAll || !r.AsOf.Equal(asOf) || !r.From.Equal(asOf.Add(-report.DefaultPeriod)) ||
		!r.GeneratedAt.Equal(asOf) || !strings.Contains(r.Generator, "v9.9.9") {
		t.Errorf("header: scope %v, as of %v, from %v, generated %v by %q", r.Scope, r.AsOf, r.From, r.GeneratedAt, r.Generator)
	}
	if c.total == 0 || c.openBySev[1]+c.openBySev[2]+c.openBySev[3] == 0 {
		t.Fatalf("the fixture has no open findings to count: %+v", c)
	}
	// The chain head is what verify proves.
	v, err := evidence.Verify(context.Background(), fx.st.DB, nil)
	if err != nil || !v.OK || v.HeadSeq != r.Chain.Seq || v.HeadHash != r.Chain.Hash {
		t.Errorf("verify: %+v (%v); report head %+v", v, err, r.Chain)
	}

	// Every API has one result per catalog control, in catalog order,
	// as its stored assessment has them.
	if len(r.Controls) != len(fx.cat.Controls) {
		t.Fatalf("%d controls, catalog has %d", len(r.Controls), len(fx.cat.Controls))
	}
	if len(r.Results) != len(r.APIs)*len(fx.cat.Controls) {
		t.Fatalf("%d results for %d APIs x %d controls", len(r.Results), len(r.APIs), len(fx.cat.Controls))
	}
	unknown := 0
	for i, res := range r.Results {
		a := r.APIs[i/len(fx.cat.Controls)]
		if res.API != a.Name || res.ControlID != fx.cat.Controls[i%len(fx.cat.Controls)].ID {
			t.Fatalf("result %d is %s/%s, want %s/%s", i, res.API, res.ControlID, a.Name, fx.cat.Controls[i%len(fx.cat.Controls)].ID)
		}
		if res.Status == controls.StatusUnknown {
			unknown++
		}
		for _, e := range res.Evidence {
			var hash string
			fx.st.DB.Raw("SELECT hash FROM evidence WHERE id = ?", e.ID).Scan(&hash)
			if hash == "" || hash != e.Hash {
				t.Errorf("%s/%s cites evidence %d with hash %.12s, the log has %.12s", res.API, res.ControlID, e.ID, e.Hash, hash)
			}
		}
	}
	var stored int
	fx.st.DB.Raw("SELECT SUM(unknown) FROM assessments").Scan(&stored)
	if unknown != len(r.Gaps) || unknown != stored || unknown == 0 {
		t.Errorf("%d unknown results, %d gaps, assessments say %d", unknown, len(r.Gaps), stored)
	}
	// Cells are the portfolio page's means.
	var mean float64
	fx.st.DB.Raw("SELECT ROUND(AVG(pre_basic), 1) FROM assessments").Scan(&mean)
	if r.Cells.PreBasic != mean {
		t.Errorf("pre-runtime basic mean %v, want %v", r.Cells.PreBasic, mean)
	}

	// Each trend point is every API as its latest snapshot by that day
	// left it; the last one is today's portfolio.
	if len(r.Trend) == 0 {
		t.Fatal("no trend")
	}
	for _, p := range r.Trend {
		var want struct {
			N        int
			PreBasic float64
		}
		fx.st.DB.Raw(`SELECT COUNT(*) AS n, ROUND(AVG(pre_basic), 1) AS pre_basic FROM score_snapshots s
			WHERE s.day = (SELECT MAX(day) FROM score_snapshots x WHERE x.api_id = s.api_id AND x.day <= ?)`, p.Day.Format(time.DateOnly)).Scan(&want)
		if p.APIs != want.N || p.Cells.PreBasic != want.PreBasic {
			t.Errorf("trend %s: %d APIs, pre-runtime basic %v; want %d, %v", p.Day.Format(time.DateOnly), p.APIs, p.Cells.PreBasic, want.N, want.PreBasic)
		}
	}
	if last := r.Trend[len(r.Trend)-1]; last.Cells != r.Cells || last.APIs != len(r.APIs) {
		t.Errorf("last trend point %+v, portfolio %+v of %d APIs", last, r.Cells, len(r.APIs))
	}

	// A period starting after some APIs' last snapshot: they are carried
	// into it, not dropped, and nothing before it is a point.
	from := t0.Add(5 * day)
	fr, err := report.Build(context.Background(), fx.source(0), report.Scope{}, time.Time{}, from)
	if err != nil {
		t.Fatal(err)
	}
	var inPeriod []string
	fx.st.DB.Raw("SELECT DISTINCT day FROM score_snapshots WHERE day >= ? ORDER BY day", from.Format(time.DateOnly)).Scan(&inPeriod)
	if len(fr.Trend) != len(inPeriod) || len(inPeriod) == 0 || fr.Trend[0].Day.Format(time.DateOnly) != inPeriod[0] ||
		fr.Trend[0].APIs != len(fr.APIs) || !fr.From.Equal(from) {
		t.Errorf("trend from %v: %+v, want the days %q each with %d APIs", from, fr.Trend, inPeriod, len(fr.APIs))
	}

	// A hundred days on, the medium findings (90 days to fix) are late.
	late := fx.source(0)
	late.Now = func() time.Time { return t0.Add(100 * day) }
	lr, err := report.Build(context.Background(), late, report.Scope{}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	lc := countSQL(t, fx, "1 = 1", nil, t0.Add(100*day), false)
	if lc.overdue == 0 {
		t.Fatal("nothing overdue after 100 days")
	}
	checkAgainstSQL(t, fx, lr, lc)

	// Frameworks: the ten OWASP categories, then 800-53 families; every
	// OWASP row counts the results of its mapped controls.
	if len(r.Frameworks) < 11 || r.Frameworks[0].Framework != report.FrameworkOWASP || r.Frameworks[10].Framework != report.FrameworkNIST {
		t.Fatalf("frameworks: %+v", r.Frameworks)
	}
	for _, fw := range r.Frameworks[:10] {
		mapped := fx.cat.ForOWASP(fw.ID)
		if fw.Controls != len(mapped) {
			t.Errorf("%s: %d controls, catalog maps %d", fw.ID, fw.Controls, len(mapped))
		}
		want := 0
		for _, res := range r.Results {
			if slices.ContainsFunc(mapped, func(c catalog.Control) bool { return c.ID == res.ControlID }) && res.Status != controls.StatusNotApplicable {
				want++
			}
		}
		if got := fw.Pass + fw.Partial + fw.Fail + fw.Unknown; got != want {
			t.Errorf("%s: %d results counted, want %d", fw.ID, got, want)
		}
	}
	for _, fw := range r.Frameworks[10:] {
		if fw.Title == "" || strings.Contains(fw.ID, "-") {
			t.Errorf("800-53 family %+v", fw)
		}
	}

	// The evidence listed is what scoring counts for each API now.
	_, es := collect(t, r)
	var want []int64
	for _, name := range c.apis {
		var id int64
		fx.st.DB.Raw("SELECT id FROM apis WHERE name = ?", name).Scan(&id)
		cur, err := fx.scoring.CurrentEvidence(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cur {
			want = append(want, e.Seq)
		}
	}
	slices.Sort(want)
	var got []int64
	for _, e := range es {
		got = append(got, e.Seq)
	}
	if !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("evidence seqs %v, want %v", got, want)
	}

	// Top risks are open critical/high findings, worst first.
	var highs int
	fx.st.DB.Raw(`SELECT COUNT(*) FROM findings f ` + store.JoinPrimary + ` WHERE ` + store.StandsForIssue + `
		AND f.status IN ('open','in_progress') AND f.severity IN ('critical','high')`).Scan(&highs)
	if len(r.TopRisks) != min(highs, 20) {
		t.Errorf("%d top risks, want %d", len(r.TopRisks), min(highs, 20))
	}
	for i, k := range r.TopRisks {
		if k.Severity != "critical" && k.Severity != "high" || k.Status != "open" && k.Status != "in_progress" {
			t.Errorf("top risk %+v", k)
		}
		if i > 0 && slices.Index(report.Severities[:], k.Severity) < slices.Index(report.Severities[:], r.TopRisks[i-1].Severity) {
			t.Errorf("top risks not worst first at %d", i)
		}
	}

	// The changed finding shows its status now and its whole history.
	fs, _ := collect(t, r)
	i := slices.IndexFunc(fs, func(f report.Finding) bool { return f.ID == fx.changed })
	if i < 0 {
		t.Fatalf("finding %d not listed", fx.changed)
	}
	if f := fs[i]; f.Status != store.FindingFalsePositive || len(f.History) != 2 || f.History[1].Actor != "alice" || f.History[1].To != store.FindingFalsePositive {
		t.Errorf("changed finding: status %q, history %+v", f.Status, f.History)
	}
}

func TestBuildScope(t *testing.T) {
	fx := newFixture(t)
	asOf := t0.Add(15 * day)
	team := build(t, fx, 0, report.Scope{Kind: report.ScopeTeam, Name: "team-b"}, time.Time{})
	checkAgainstSQL(t, fx, team, countSQL(t, fx, "a.owner = ?", "team-b", asOf, false))
	if got := apiNames(team); !slices.Equal(got, []string{fx.crapi}) {
		t.Errorf("team-b's APIs = %q, want %q", got, fx.crapi)
	}
	for _, res := range team.Results {
		if res.API != fx.crapi {
			t.Fatalf("team-b's report has a result of %s", res.API)
		}
	}
	_, es := collect(t, team)
	for _, e := range es {
		if e.API != fx.crapi {
			t.Fatalf("team-b's report lists evidence %d of %s", e.ID, e.API)
		}
	}

	one := build(t, fx, 0, report.Scope{Kind: report.ScopeAPI, Name: fx.vampi}, time.Time{})
	checkAgainstSQL(t, fx, one, countSQL(t, fx, "a.name = ?", fx.vampi, asOf, false))
	fs, _ := collect(t, one)
	for _, f := range fs {
		if f.API != fx.vampi {
			t.Fatalf("%s's report lists finding %d of %s", fx.vampi, f.ID, f.API)
		}
	}
	if len(one.Results) != len(fx.cat.Controls) {
		t.Errorf("%d results for one API, catalog has %d controls", len(one.Results), len(fx.cat.Controls))
	}

	for _, sc := range []report.Scope{{Kind: report.ScopeAPI, Name: "no-such-api"}, {Kind: report.ScopeTeam, Name: "no-such-team"}} {
		_, err := report.Build(context.Background(), fx.source(0), sc, time.Time{}, time.Time{})
		if !errors.Is(err, report.ErrUnknownScope) || !strings.Contains(err.Error(), `"`+sc.Name+`"`) {
			t.Errorf("%v: error %v, want one naming %q", sc, err, sc.Name)
		}
	}
	if _, err := report.Build(context.Background(), fx.source(0), report.Scope{Kind: "planet"}, time.Time{}, time.Time{}); err == nil {
		t.Error("a scope kind that does not exist builds")
	}
	// An API that did not exist yet at the date is an error too.
	_, err := report.Build(context.Background(), fx.source(0), report.Scope{Kind: report.ScopeAPI, Name: fx.vampi}, t0.Add(-day), time.Time{})
	if !errors.Is(err, report.ErrUnknownScope) || !strings.Contains(err.Error(), "first recorded after") {
		t.Errorf("API before it existed: %v", err)
	}
}

// Pages of 7 rows: every finding and every evidence record comes exactly
// once, in order, however the pages fall.
func TestBuildPaging(t *testing.T) {
	fx := newFixture(t)
	big := build(t, fx, 0, report.Scope{}, time.Time{})
	small := build(t, fx, 7, report.Scope{}, time.Time{})
	bf, be := collect(t, big)
	sf, se := collect(t, small)
	if len(sf) <= 7*3 || len(se) <= 7 {
		t.Fatalf("%d findings and %d evidence records: too few to cross pages", len(sf), len(se))
	}
	seen := map[int64]int{}
	for i, f := range sf {
		seen[f.ID]++
		if i > 0 && slices.Index(report.Severities[:], f.Severity) < slices.Index(report.Severities[:], sf[i-1].Severity) &&
			slices.Contains(report.Severities[:], f.Severity) {
			t.Errorf("finding %d (%s) after %d (%s): not worst first", f.ID, f.Severity, sf[i-1].ID, sf[i-1].Severity)
		}
		var n int
		fx.st.DB.Raw("SELECT COUNT(*) FROM finding_events WHERE finding_id = ?", f.ID).Scan(&n)
		if len(f.History) != n || n == 0 {
			t.Errorf("finding %d: %d events, the table has %d", f.ID, len(f.History), n)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("finding %d yielded %d times", id, n)
		}
	}
	if len(sf) != small.FindingCounts.Total || len(sf) != len(bf) {
		t.Errorf("%d findings in pages of 7, %d in one page, total %d", len(sf), len(bf), small.FindingCounts.Total)
	}
	for i := range sf {
		if sf[i].ID != bf[i].ID {
			t.Fatalf("order differs at %d: %d vs %d", i, sf[i].ID, bf[i].ID)
		}
	}
	if len(se) != len(be) {
		t.Fatalf("%d evidence records in pages of 7, %d in one page", len(se), len(be))
	}
	for i := range se {
		if se[i].Seq != be[i].Seq || i > 0 && se[i].Seq <= se[i-1].Seq {
			t.Fatalf("evidence %d: seq %d (one page: %d), previous %d", i, se[i].Seq, be[i].Seq, se[max(i-1, 0)].Seq)
		}
	}
	// Stopping early stops the queries without error.
	n := 0
	for range small.Findings {
		n++
		if n == 10 {
			break
		}
	}
	if n != 10 {
		t.Errorf("ranged %d findings before breaking", n)
	}
}

func TestBuildAsOfPast(t *testing.T) {
	fx := newFixture(t)
	// Between the VAmPI scan (t0+1d) and the crAPI scan (t0+10d).
	asOf := t0.Add(5 * day)
	r := build(t, fx, 5, report.Scope{}, asOf)
	c := countSQL(t, fx, "1 = 1", nil, asOf, true)
	checkAgainstSQL(t, fx, r, c)
	fs, es := collect(t, r)
	var later int
	fx.st.DB.Raw("SELECT COUNT(*) FROM findings WHERE first_seen > ?", asOf).Scan(&later)
	if later == 0 {
		t.Fatal("the fixture has no finding first seen after the date")
	}
	for _, f := range fs {
		if f.FirstSeen.After(asOf) || f.API != fx.vampi {
			t.Errorf("finding %d of %s first seen %v is in a report as of %v", f.ID, f.API, f.FirstSeen, asOf)
		}
	}
	for _, e := range es {
		if e.RecordedAt.After(asOf) || e.Seq > r.Chain.Seq {
			t.Errorf("evidence seq %d recorded %v is in a report as of %v (head %d)", e.Seq, e.RecordedAt, asOf, r.Chain.Seq)
		}
	}
	var headNow int64
	fx.st.DB.Raw("SELECT MAX(seq) FROM evidence").Scan(&headNow)
	if r.Chain.Seq >= headNow {
		t.Errorf("head as of %v is seq %d, the latest is %d", asOf, r.Chain.Seq, headNow)
	}
	// crAPI was re-assessed after the date: its results then are not
	// known and none are shown; VAmPI's assessment (t0+1d) still held.
	for _, res := range r.Results {
		if res.API != fx.vampi {
			t.Fatalf("a result of %s, assessed after %v", res.API, asOf)
		}
	}
	if len(r.Results) != len(fx.cat.Controls) {
		t.Errorf("%d results as of %v, want VAmPI's %d", len(r.Results), asOf, len(fx.cat.Controls))
	}
	// The reader is told why crAPI has no results: one of the two APIs.
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "1 of 2 APIs") {
		t.Errorf("notes %q, want one saying 1 of 2 APIs lack control results", r.Notes)
	}
	if now := build(t, fx, 0, report.Scope{}, time.Time{}); len(now.Notes) != 0 {
		t.Errorf("a report of now has notes %q", now.Notes)
	}
	// The trend stops at the date: snapshots exist for t0 and t0+1d only.
	var days []string
	fx.st.DB.Raw("SELECT DISTINCT day FROM score_snapshots WHERE day <= ? ORDER BY day", asOf.Format(time.DateOnly)).Scan(&days)
	if len(r.Trend) != len(days) || len(days) == 0 {
		t.Fatalf("trend %+v, snapshot days %q", r.Trend, days)
	}
	for i, p := range r.Trend {
		if p.Day.Format(time.DateOnly) != days[i] {
			t.Errorf("trend day %d = %v, want %s", i, p.Day, days[i])
		}
	}

	// After the crAPI scan, before the change at t0+12d: the changed
	// finding was still open.
	before := build(t, fx, 0, report.Scope{}, t0.Add(11*day))
	now := build(t, fx, 0, report.Scope{}, time.Time{})
	checkAgainstSQL(t, fx, before, countSQL(t, fx, "1 = 1", nil, t0.Add(11*day), true))
	bf, _ := collect(t, before)
	i := slices.IndexFunc(bf, func(f report.Finding) bool { return f.ID == fx.changed })
	if i < 0 || bf[i].Status != store.FindingOpen || len(bf[i].History) != 1 {
		t.Fatalf("the changed finding as of t0+11d: %+v", bf[min(max(i, 0), len(bf)-1)])
	}
	if before.FindingCounts.Open != now.FindingCounts.Open+1 {
		t.Errorf("open before the change %d, now %d: want one more before", before.FindingCounts.Open, now.FindingCounts.Open)
	}
	// The issue two tools reported: before its first report was fixed,
	// that report stood for it; now the second tool's, still open, does
	// (and the fixed first report is listed as closed).
	ids := func(fs []report.Finding) (out []int64) {
		for _, f := range fs {
			if f.ID == fx.primary || f.ID == fx.dup {
				out = append(out, f.ID)
			}
		}
		return out
	}
	nf, _ := collect(t, now)
	if got := ids(bf); !slices.Equal(got, []int64{fx.primary}) {
		t.Errorf("as of t0+11d the issue is listed as %v, want [%d]", got, fx.primary)
	}
	if got := ids(nf); len(got) != 2 {
		t.Errorf("now the issue is listed as %v, want both %d and %d", got, fx.primary, fx.dup)
	}
}

func TestBuildEmptyStore(t *testing.T) {
	st := storetest.Open(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), report.Source{Store: st, Catalog: cat}, report.Scope{}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.APIs) != 0 || r.Findings != nil || r.Evidence != nil || r.Chain.Seq != 0 || len(r.Controls) != len(cat.Controls) ||
		len(r.Frameworks) == 0 {
		t.Errorf("empty store: %d APIs, findings %v, evidence %v, head %+v, %d controls, %d framework rows",
			len(r.APIs), r.Findings != nil, r.Evidence != nil, r.Chain, len(r.Controls), len(r.Frameworks))
	}
	if _, err := report.Build(context.Background(), report.Source{Store: st, Catalog: cat}, report.Scope{},
		time.Now().Add(-48*time.Hour), time.Now()); err == nil || !strings.Contains(err.Error(), "after its end") {
		t.Errorf("a period starting after its end: %v", err)
	}
}

// An error from the store ends the iterator with that error.
func TestBuildIteratorError(t *testing.T) {
	fx := newFixture(t)
	r := build(t, fx, 3, report.Scope{}, time.Time{})
	n := 0
	var got error
	for _, err := range r.Findings {
		if n == 2 {
			fx.st.DB.Exec("ALTER TABLE finding_events RENAME TO finding_events_gone")
		}
		if err != nil {
			got = err
			break
		}
		n++
	}
	if got == nil || !strings.Contains(got.Error(), "report:") {
		t.Fatalf("after the table vanished: %d findings, error %v", n, got)
	}
}

// benchStore is one API with n findings, a fifth of each severity, a third
// of them fixed, each with its "created" event. Written with SQL: the
// ingest path is what the tests above use; here only the volume matters.
func benchStore(b *testing.B, n int) (*store.Store, *catalog.Catalog) {
	b.Helper()
	st := storetest.Open(b)
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	at := t0
	db := st.DB
	for _, q := range []*gorm.DB{
		db.Create(&store.API{Name: "bench", Owner: "team", CreatedAt: at, UpdatedAt: at}),
		db.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			INSERT INTO findings (api_id, fingerprint, tool, rule_id, title, severity, status, first_seen, last_seen, updated_at, location, due_at)
			SELECT 1, 'fp-' || i, 'zap', 'rule-' || (i % 300), 'A weakness found by a scanner, number ' || i,
				CASE i % 5 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' WHEN 3 THEN 'low' ELSE 'info' END,
				CASE i % 3 WHEN 0 THEN 'fixed' ELSE 'open' END, ?, ?, ?, '/api/v1/resource/' || i, ? FROM seq`, n, at, at, at, at.Add(30*day)),
		db.Exec(`INSERT INTO finding_events (finding_id, at, actor, kind, to_value, note)
			SELECT id, first_seen, 'posture', 'created', 'open', 'reported by zap' FROM findings`),
	} {
		if q.Error != nil {
			b.Fatal(q.Error)
		}
	}
	return st, cat
}

// benchFindings builds a report of n findings and ranges over them,
// reporting the peak heap seen while ranging (sampled every 1,000
// findings): it must not grow with n.
func benchFindings(b *testing.B, n int, asOf time.Time) {
	st, cat := benchStore(b, n)
	src := report.Source{Store: st, Catalog: cat, Now: func() time.Time { return t0.Add(60 * day) }}
	var peak uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := report.Build(context.Background(), src, report.Scope{}, asOf, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for f, err := range r.Findings {
			if err != nil {
				b.Fatal(err)
			}
			if got++; got%1000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			_ = f
		}
		if got != n {
			b.Fatalf("ranged %d findings of %d", got, n)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

func BenchmarkBuildFindings10k(b *testing.B)      { benchFindings(b, 10_000, time.Time{}) }
func BenchmarkBuildFindings100k(b *testing.B)     { benchFindings(b, 100_000, time.Time{}) }
func BenchmarkBuildFindings100kPast(b *testing.B) { benchFindings(b, 100_000, t0.Add(45*day)) }
