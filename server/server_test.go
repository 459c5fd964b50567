package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// seedCollector emits two APIs owned by two teams.
type seedCollector struct{}

func (seedCollector) Kind() string    { return "seed-server-test" }
func (seedCollector) Version() string { return "1" }
func (seedCollector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	for _, a := range []struct{ name, owner string }{{"payments", "pay"}, {"orders", "commerce"}} {
		art := &collectors.Artifact{Name: a.name + ".yaml", ContentType: "application/yaml", Data: []byte("<script>alert(1)</script> " + a.name)}
		if err := sink.API(collectors.API{Name: a.name, Owner: a.owner}); err != nil {
			return err
		}
		if err := sink.Endpoint(collectors.Endpoint{API: a.name, Method: "GET", Path: "/x"}); err != nil {
			return err
		}
		if err := sink.Evidence(collectors.Evidence{API: a.name, Artifact: art, Facts: collectors.Facts{collectors.FactSpecPresent: true}}); err != nil {
			return err
		}
		ev := collectors.Evidence{API: a.name, Endpoint: "GET /x", Artifact: art, Location: "/paths/~1x/get",
			Facts: collectors.Facts{collectors.FactAuthDeclared: a.owner == "pay"}}
		if a.owner != "pay" {
			ev.Notes = []collectors.Note{{Fact: collectors.FactAuthDeclared, Pointer: "/paths/~1x/get", Line: 3, Message: "no security requirement applies"}}
		}
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	for _, a := range []string{"payments", "orders"} {
		if err := sink.Finding(collectors.Finding{API: a, Tool: "zap", RuleID: "10038", Title: "=HYPERLINK(\"http://evil\") " + a,
			Severity: collectors.SeverityLow, Method: "GET", URL: "https://" + a + ".example.com/x"}); err != nil {
			return err
		}
	}
	return collectors.Warn(sink, "orders.yaml: $ref \"common.yaml#/X\": file does not exist; not followed")
}

var registerOnce sync.Once

// fakeRunner records RunNow calls.
type fakeRunner struct {
	mu   sync.Mutex
	runs []string
}

func (f *fakeRunner) RunNow(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "seed" {
		return fmt.Errorf("%w %q", errUnknownForTest, name)
	}
	f.runs = append(f.runs, name)
	return nil
}
func (f *fakeRunner) Sources() map[string]config.Source {
	return map[string]config.Source{"seed": {Name: "seed", Kind: "seed-server-test", Schedule: "@every 1h", Paths: []string{"/secret/path"}}}
}
func (f *fakeRunner) NextRuns() map[string]time.Time { return nil }

var errUnknownForTest = fmt.Errorf("no such source")

type fixture struct {
	srv    *Server
	ts     *httptest.Server
	st     *store.Store
	auth   *auth.Service
	tokens map[string]string // role name -> secret
	ids    map[string]int64  // api name -> id
	runner *fakeRunner
}

func newFixture(t *testing.T, anonymous string) *fixture {
	t.Helper()
	registerOnce.Do(func() { collectors.Register(seedCollector{}) })
	st := storetest.Open(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	sc := &scoring.Service{Store: st, Catalog: cat}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ing := &ingest.Service{Store: st, Scorer: sc, Log: quiet}
	if _, err := ing.Run(context.Background(), collectors.Source{Name: "seed", Kind: "seed-server-test"}, store.TriggerManual); err != nil {
		t.Fatal(err)
	}
	au := &auth.Service{DB: st.DB}
	f := &fixture{st: st, auth: au, tokens: map[string]string{}, ids: map[string]int64{}, runner: &fakeRunner{}}
	for _, tk := range []struct{ role, team string }{{"admin", ""}, {"auditor", ""}, {"viewer", ""}, {"team", "pay"}} {
		secret, _, err := au.CreateToken(context.Background(), tk.role+"-test", tk.role, tk.team, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[tk.role] = secret
	}
	var apis []store.API
	st.DB.Find(&apis)
	for _, a := range apis {
		f.ids[a.Name] = a.ID
	}
	reports := &reporting.Service{Store: st, Catalog: cat, Log: quiet, Backoff: time.Millisecond, Attempts: 2,
		Build: func(ctx context.Context, scope report.Scope, asOf, from time.Time) (report.Report, error) {
			return report.Build(ctx, report.Source{Store: st, Scoring: sc, Catalog: cat, Version: "test"}, scope, asOf, from)
		}}
	srv, err := New(Options{Store: st, Catalog: cat, Scoring: sc, Ingest: ing, Runner: f.runner, Auth: au, AnonymousRole: anonymous, Version: "test", Log: quiet, Reports: reports})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, role string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decode[T any](t *testing.T, r *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", r.Request.URL, err)
	}
	return v
}

func TestUnauthenticatedIsRefused(t *testing.T) {
	f := newFixture(t, "")
	for _, p := range []string{"/api/v1/apis", "/api/v1/catalog", "/api/v1/sources", fmt.Sprintf("/api/v1/apis/%d", f.ids["orders"])} {
		if r := f.do(t, "GET", p, "", nil, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", p, r.StatusCode)
		}
	}
	if r := f.do(t, "GET", "/", "", nil, nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("GET / without a session: %d %s, want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
	}
	req := map[string]string{"Authorization": "Bearer pst_notavalidtokenatallxxxxxxxxxx"}
	if r := f.do(t, "GET", "/api/v1/apis", "", nil, req); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d, want 401", r.StatusCode)
	}
	if r := f.do(t, "GET", "/healthz", "", nil, nil); r.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d", r.StatusCode)
	}
	if r := f.do(t, "GET", "/readyz", "", nil, nil); r.StatusCode != http.StatusOK {
		t.Errorf("readyz: %d", r.StatusCode)
	}
}

// Object-level authorization: a team token sees its own team's API and
// nothing of another team's, not even its existence.
func TestTeamTokenSeesOnlyItsTeam(t *testing.T) {
	f := newFixture(t, "")
	list := decode[page[apiView]](t, f.do(t, "GET", "/api/v1/apis", "team", nil, nil))
	if list.Total != 1 || len(list.Items) != 1 || list.Items[0].Name != "payments" {
		t.Fatalf("team list = %+v, want only payments", list)
	}
	other := f.ids["orders"]
	for _, p := range []string{"/api/v1/apis/%d", "/api/v1/apis/%d/results", "/api/v1/apis/%d/endpoints", "/api/v1/apis/%d/evidence", "/api/v1/apis/%d/history", "/api/v1/apis/%d/traffic", "/apis/%d"} {
		path := fmt.Sprintf(p, other)
		if r := f.do(t, "GET", path, "team", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("team GET %s (other team's API): %d, want 404", path, r.StatusCode)
		}
		own := fmt.Sprintf(p, f.ids["payments"])
		if r := f.do(t, "GET", own, "team", nil, nil); r.StatusCode != http.StatusOK {
			t.Errorf("team GET %s (own API): %d, want 200", own, r.StatusCode)
		}
	}
	// Evidence records of the other team's API, by id.
	var ev []store.Evidence
	f.st.DB.Where("api_id = ?", other).Find(&ev)
	for _, e := range ev {
		for _, p := range []string{"/api/v1/evidence/%d", "/evidence/%d", "/evidence/%d/artifact"} {
			if r := f.do(t, "GET", fmt.Sprintf(p, e.ID), "team", nil, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("team GET %s: %d, want 404", fmt.Sprintf(p, e.ID), r.StatusCode)
			}
		}
	}
	// The control page lists only the team's own API.
	body, _ := io.ReadAll(f.do(t, "GET", "/api/v1/catalog/controls/PRE-B-01", "team", nil, nil).Body)
	if strings.Contains(string(body), `"orders"`) {
		t.Errorf("control results leak another team's API: %s", body)
	}
}

func TestViewerSeesScoresNotEvidence(t *testing.T) {
	f := newFixture(t, "")
	id := f.ids["orders"]
	if r := f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/evidence", id), "viewer", nil, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("viewer evidence list: %d, want 404", r.StatusCode)
	}
	res := decode[resultsView](t, f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/results", id), "viewer", nil, nil))
	if len(res.Items) == 0 {
		t.Fatal("viewer got no results")
	}
	for _, r := range res.Items {
		if len(r.Evidence) != 0 {
			t.Fatalf("viewer sees evidence refs on %s", r.ControlID)
		}
	}
	aud := decode[resultsView](t, f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/results", id), "auditor", nil, nil))
	n := 0
	for _, r := range aud.Items {
		n += len(r.Evidence)
	}
	if n == 0 {
		t.Fatal("auditor sees no evidence refs: the viewer check above proves nothing")
	}
}

func TestOnlyAdminRunsSources(t *testing.T) {
	f := newFixture(t, "")
	for _, role := range []string{"auditor", "viewer", "team"} {
		if r := f.do(t, "POST", "/api/v1/sources/seed/run", role, nil, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s run now: %d, want 403", role, r.StatusCode)
		}
	}
	if r := f.do(t, "POST", "/api/v1/sources/seed/run", "admin", nil, nil); r.StatusCode != http.StatusAccepted {
		t.Fatalf("admin run now: %d, want 202", r.StatusCode)
	}
	if len(f.runner.runs) != 1 {
		t.Fatalf("runner saw %v", f.runner.runs)
	}
	var audit []store.AuditEntry
	f.st.DB.Where("action = ?", "source.run").Find(&audit)
	if len(audit) != 1 || audit[0].Actor != "admin-test" {
		t.Fatalf("audit log = %+v, want one source.run by admin-test", audit)
	}
	// Source paths are operational detail, hidden from viewers.
	body, _ := io.ReadAll(f.do(t, "GET", "/api/v1/sources", "viewer", nil, nil).Body)
	if strings.Contains(string(body), "/secret/path") {
		t.Error("viewer sees source paths")
	}
}

func TestSecurityHeadersAndArtifactDownload(t *testing.T) {
	f := newFixture(t, "auditor")
	r := f.do(t, "GET", "/", "", nil, nil)
	if r.StatusCode != 200 {
		t.Fatalf("anonymous auditor GET /: %d", r.StatusCode)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	var e store.Evidence
	f.st.DB.First(&e)
	a := f.do(t, "GET", fmt.Sprintf("/evidence/%d/artifact", e.ID), "", nil, nil)
	if ct := a.Header.Get("Content-Type"); ct != "application/octet-stream" || !strings.HasPrefix(a.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("artifact served as %q / %q: untrusted content must be a download", ct, a.Header.Get("Content-Disposition"))
	}
}

func TestAnonymousCannotOperate(t *testing.T) {
	f := newFixture(t, "auditor")
	hdr := map[string]string{"Origin": f.ts.URL}
	r := f.do(t, "POST", "/sources/seed/run", "", nil, hdr)
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous run now: %d %s, want redirect to login", r.StatusCode, r.Header.Get("Location"))
	}
	if len(f.runner.runs) != 0 {
		t.Fatal("anonymous request ran a source")
	}
}

func login(t *testing.T, f *fixture, token, origin string) *http.Response {
	t.Helper()
	form := url.Values{"token": {token}, "next": {"/sources"}}
	return f.do(t, "POST", "/login", "", strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
}

func TestLoginSessionAndCSRF(t *testing.T) {
	f := newFixture(t, "")
	if r := login(t, f, f.tokens["admin"], "https://evil.example"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin login: %d, want 403", r.StatusCode)
	}
	r := login(t, f, f.tokens["admin"], f.ts.URL)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/sources" {
		t.Fatalf("login: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie = %+v", cookie)
	}
	// The session id is stored hashed only.
	var n int64
	f.st.DB.Model(&store.Session{}).Where("id_hash = ?", cookie.Value).Count(&n)
	if n != 0 {
		t.Fatal("session id stored in clear")
	}
	withCookie := map[string]string{"Cookie": sessionCookie + "=" + cookie.Value}
	if r := f.do(t, "GET", "/sources", "", nil, withCookie); r.StatusCode != 200 {
		t.Fatalf("GET /sources with session: %d", r.StatusCode)
	}
	// A cross-site form post with a valid session cookie is refused.
	cross := map[string]string{"Cookie": sessionCookie + "=" + cookie.Value, "Origin": "https://evil.example"}
	if r := f.do(t, "POST", "/sources/seed/run", "", nil, cross); r.StatusCode != http.StatusForbidden {
		t.Fatalf("CSRF run now: %d, want 403", r.StatusCode)
	}
	same := map[string]string{"Cookie": sessionCookie + "=" + cookie.Value, "Origin": f.ts.URL}
	if r := f.do(t, "POST", "/sources/seed/run", "", nil, same); r.StatusCode != http.StatusSeeOther || len(f.runner.runs) != 1 {
		t.Fatalf("same-origin run now: %d, runs %v", r.StatusCode, f.runner.runs)
	}
	// Browsers mark requests with Sec-Fetch-Site, which wins over Origin.
	fetchCross := map[string]string{"Cookie": sessionCookie + "=" + cookie.Value, "Sec-Fetch-Site": "cross-site", "Origin": f.ts.URL}
	if r := f.do(t, "POST", "/sources/seed/run", "", nil, fetchCross); r.StatusCode != http.StatusForbidden {
		t.Fatalf("Sec-Fetch-Site cross-site: %d, want 403", r.StatusCode)
	}
	fetchSame := map[string]string{"Cookie": sessionCookie + "=" + cookie.Value, "Sec-Fetch-Site": "same-origin", "Origin": "null"}
	if r := f.do(t, "POST", "/sources/seed/run", "", nil, fetchSame); r.StatusCode != http.StatusSeeOther || len(f.runner.runs) != 2 {
		t.Fatalf("Sec-Fetch-Site same-origin with Origin null: %d, runs %v", r.StatusCode, f.runner.runs)
	}
	if r := f.do(t, "POST", "/logout", "", nil, same); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if r := f.do(t, "GET", "/sources", "", nil, withCookie); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("session still valid after logout: %d", r.StatusCode)
	}
}

func TestLoginIsThrottled(t *testing.T) {
	f := newFixture(t, "")
	codes := map[int]int{}
	for i := 0; i < 12; i++ {
		codes[login(t, f, "pst_wrongwrongwrongwrongwrong", f.ts.URL).StatusCode]++
	}
	if codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 2 {
		t.Fatalf("status counts = %v, want 10x401 then 429", codes)
	}
	var n int64
	f.st.DB.Model(&store.AuditEntry{}).Where("action IN ?", []string{"login.failed", "login.throttled"}).Count(&n)
	if n != 12 {
		t.Fatalf("audit entries for failed logins = %d, want 12", n)
	}
}

func TestTokensAreStoredHashed(t *testing.T) {
	f := newFixture(t, "")
	var toks []store.Token
	f.st.DB.Find(&toks)
	for _, tk := range toks {
		for _, secret := range f.tokens {
			if tk.TokenHash == secret || strings.Contains(tk.TokenHash, secret) {
				t.Fatal("a token is stored in clear")
			}
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tk.TokenHash) {
			t.Fatalf("token hash %q is not a SHA-256", tk.TokenHash)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, "")
	big := strings.NewReader(strings.Repeat("a", 2<<20))
	r := f.do(t, "POST", "/login", "", big, map[string]string{"Origin": f.ts.URL, "Content-Type": "application/x-www-form-urlencoded"})
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: %d, want 413", r.StatusCode)
	}
}

func TestCollectionsArePaginated(t *testing.T) {
	f := newFixture(t, "")
	p := decode[page[apiView]](t, f.do(t, "GET", "/api/v1/apis?limit=1&offset=1", "auditor", nil, nil))
	if p.Total != 2 || len(p.Items) != 1 || p.Limit != 1 || p.Offset != 1 || p.Items[0].Name != "payments" {
		t.Fatalf("page = %+v", p)
	}
	huge := decode[page[apiView]](t, f.do(t, "GET", "/api/v1/apis?limit=100000", "auditor", nil, nil))
	if huge.Limit != maxLimit {
		t.Fatalf("limit not capped: %d", huge.Limit)
	}
	if r := f.do(t, "GET", "/api/v1/apis?level=9", "auditor", nil, nil); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("level=9: %d, want 400", r.StatusCode)
	}
}

func TestResultsExplainThemselves(t *testing.T) {
	f := newFixture(t, "")
	res := decode[resultsView](t, f.do(t, "GET", fmt.Sprintf("/api/v1/apis/%d/results", f.ids["orders"]), "auditor", nil, nil))
	if len(res.Cells) != 4 || len(res.Reasons) == 0 {
		t.Fatalf("results = %+v", res)
	}
	for _, r := range res.Items {
		if r.Reason == "" {
			t.Errorf("control %s has no reason", r.ControlID)
		}
	}
	// orders declares no authentication on its endpoint: the auth control
	// fails with the endpoint named.
	found := false
	for _, r := range res.Items {
		if strings.Contains(strings.Join(r.Failing, " "), "GET /x") {
			found = true
			if r.Status != "fail" || len(r.Evidence) == 0 {
				t.Errorf("%s: %+v", r.ControlID, r)
			}
		}
	}
	if !found {
		t.Fatal("no control names GET /x as failing")
	}
}

// Every /api/v1 route the router serves is described in openapi.json, and
// the description names no route that does not exist.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t, "")
	var spec struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiJSON, &spec); err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for p, ops := range spec.Paths {
		for m := range ops {
			described[strings.ToUpper(m)+" "+p] = true
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	served := map[string]bool{}
	for _, r := range f.srv.engine.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") && r.Path != "/api/v1/openapi.json" || r.Path == "/healthz" || r.Path == "/readyz" {
			served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
		}
	}
	var missing, extra []string
	for k := range served {
		if !described[k] {
			missing = append(missing, k)
		}
	}
	for k := range described {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("openapi.json out of date: undocumented %v; documented but not served %v", missing, extra)
	}
}

func TestPagesRender(t *testing.T) {
	f := newFixture(t, "")
	var e store.Evidence
	f.st.DB.First(&e)
	for _, p := range []string{"/", "/catalog", "/sources", fmt.Sprintf("/apis/%d", f.ids["payments"]), "/controls/PRE-B-01", fmt.Sprintf("/evidence/%d", e.ID), "/?q=pay", "/?q=nomatch",
		"/findings", "/findings?severity=critical", "/findings?status=active&overdue=true"} {
		r := f.do(t, "GET", p, "auditor", nil, nil)
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 || !strings.Contains(string(body), "</html>") {
			t.Errorf("GET %s: %d, %d bytes", p, r.StatusCode, len(body))
		}
		if p == "/?q=nomatch" && !strings.Contains(string(body), "No API matches") {
			t.Errorf("empty filter result has no empty state")
		}
		if strings.Contains(string(body), "<script>alert(1)</script>") {
			t.Errorf("GET %s renders an artifact unescaped", p)
		}
	}
	if r := f.do(t, "GET", "/apis/999999", "auditor", nil, nil); r.StatusCode != 404 {
		t.Errorf("missing API: %d", r.StatusCode)
	}
	if r := f.do(t, "GET", "/nope", "auditor", nil, nil); r.StatusCode != 404 {
		t.Errorf("unknown route: %d", r.StatusCode)
	}
}

func TestMetricsExposeRuns(t *testing.T) {
	f := newFixture(t, "")
	f.do(t, "GET", "/api/v1/apis", "auditor", nil, nil)
	body, _ := io.ReadAll(f.do(t, "GET", "/metrics", "", nil, nil).Body)
	if !strings.Contains(string(body), `posture_http_requests_total{code="200",route="/api/v1/apis"} 1`) {
		t.Fatalf("metrics lack request counters:\n%.500s", body)
	}
}

func TestAuditIsPerAPIWithEvidenceRights(t *testing.T) {
	f := newFixture(t, "")
	orders := fmt.Sprintf("/api/v1/apis/%d/audit", f.ids["orders"])
	for _, role := range []string{"team", "viewer"} {
		if r := f.do(t, "GET", orders, role, nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s reading another team's audit / without evidence rights: %d, want 404", role, r.StatusCode)
		}
	}
	type issue struct {
		Severity, Fact, Endpoint, File, Pointer, Message string
		Line                                             int
		Controls                                         []struct{ ID string }
		EvidenceID                                       int64 `json:"evidence_id"`
	}
	type auditJSON struct {
		Items      []issue
		Total      int
		BySeverity []struct {
			Severity string
			Count    int
		} `json:"by_severity"`
	}
	r := f.do(t, "GET", orders, "auditor", nil, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("auditor: %d", r.StatusCode)
	}
	a := decode[auditJSON](t, r)
	if a.Total != 1 || len(a.Items) != 1 || len(a.BySeverity) != 1 || a.BySeverity[0].Severity != "high" {
		t.Fatalf("audit = %+v, want the one unauthenticated operation as a high issue", a)
	}
	is := a.Items[0]
	if is.Fact != "auth.declared" || is.Endpoint != "GET /x" || is.File != "orders.yaml" || is.Pointer != "/paths/~1x/get" ||
		is.Line != 3 || len(is.Controls) != 1 || is.Controls[0].ID != "PRE-B-08" || is.EvidenceID == 0 {
		t.Errorf("issue = %+v", is)
	}
	low := decode[auditJSON](t, f.do(t, "GET", orders+"?severity=low", "auditor", nil, nil))
	if low.Total != 0 || len(low.Items) != 0 || len(low.BySeverity) != 1 {
		t.Errorf("severity=low: %+v, want no items and the unfiltered counts", low)
	}
	page := f.do(t, "GET", fmt.Sprintf("/apis/%d/audit", f.ids["orders"]), "auditor", nil, nil)
	body, _ := io.ReadAll(page.Body)
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "no security requirement applies") || !strings.Contains(string(body), "orders.yaml:3") {
		t.Errorf("audit page: %d\n%s", page.StatusCode, body)
	}
	page = f.do(t, "GET", fmt.Sprintf("/apis/%d/audit", f.ids["payments"]), "auditor", nil, nil)
	body, _ = io.ReadAll(page.Body)
	if !strings.Contains(string(body), `id="no-issues"`) {
		t.Errorf("payments audit page lacks the empty state:\n%s", body)
	}
}

func TestRunsCarryWarnings(t *testing.T) {
	f := newFixture(t, "")
	r := f.do(t, "GET", "/api/v1/sources/seed/runs", "auditor", nil, nil)
	runs := decode[struct {
		Items []struct{ Warnings []string }
	}](t, r)
	if len(runs.Items) != 1 || len(runs.Items[0].Warnings) != 1 || !strings.Contains(runs.Items[0].Warnings[0], "common.yaml") {
		t.Fatalf("runs = %+v, want the seed run with its warning", runs)
	}
}

// reportCollector turns each line of an uploaded file into a finding.
type reportCollector struct{}

func (reportCollector) Kind() string    { return "report-server-test" }
func (reportCollector) Version() string { return "1" }
func (reportCollector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	data, err := os.ReadFile(src.Paths[0])
	if err != nil {
		return err
	}
	art := &collectors.Artifact{Name: src.Paths[0], Data: data}
	if err := sink.Evidence(collectors.Evidence{API: src.API, Artifact: art, Location: "t", Facts: collectors.Facts{collectors.FactScanPresent: true}}); err != nil {
		return err
	}
	for _, l := range strings.Fields(string(data)) {
		if err := sink.Finding(collectors.Finding{API: src.API, Tool: "t", RuleID: l, Title: "rule " + l, Severity: collectors.SeverityMedium}); err != nil {
			return err
		}
	}
	return nil
}

var registerReport sync.Once

func upload(t *testing.T, f *fixture, role, api, body string) *http.Response {
	t.Helper()
	registerReport.Do(func() { collectors.Register(reportCollector{}) })
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("api", api)
	mw.WriteField("kind", "report-server-test")
	mw.WriteField("commit", "abc123")
	fw, _ := mw.CreateFormFile("file", "../../etc/report.txt")
	fw.Write([]byte(body))
	mw.Close()
	return f.do(t, "POST", "/api/v1/imports", role, &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

func TestFindingsAreScopedAndWorkedThroughTheAPI(t *testing.T) {
	f := newFixture(t, "")
	type list struct {
		Items []struct {
			ID     int64
			API    string
			Status string
		}
		Total int
	}
	if all := decode[list](t, f.do(t, "GET", "/api/v1/findings", "auditor", nil, nil)); all.Total != 2 {
		t.Fatalf("auditor sees %d findings, want 2", all.Total)
	}
	mine := decode[list](t, f.do(t, "GET", "/api/v1/findings", "team", nil, nil))
	if mine.Total != 1 || mine.Items[0].API != "payments" {
		t.Fatalf("team pay sees %+v, want only payments' finding", mine)
	}
	if r := f.do(t, "GET", "/api/v1/findings", "viewer", nil, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer listing findings: %d, want 403", r.StatusCode)
	}
	var ordersID int64
	for _, it := range decode[list](t, f.do(t, "GET", "/api/v1/findings?team=commerce", "auditor", nil, nil)).Items {
		ordersID = it.ID
	}
	own := mine.Items[0].ID
	patch := func(role string, id int64, body string) *http.Response {
		return f.do(t, "PATCH", fmt.Sprintf("/api/v1/findings/%d", id), role, strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
	}
	if r := patch("team", ordersID, `{"status":"in_progress"}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("team changing another team's finding: %d, want 404", r.StatusCode)
	}
	if r := patch("team", own, `{"status":"risk_accepted","reason":"x","accept_until":"2099-01-01T00:00:00Z"}`); r.StatusCode != http.StatusForbidden {
		t.Errorf("team accepting its own risk: %d, want 403", r.StatusCode)
	}
	r := patch("team", own, `{"status":"in_progress","assignee":"bob"}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("team starting work: %d", r.StatusCode)
	}
	d := decode[struct {
		Status, Assignee string
		History          []struct{ Actor, Kind, ToValue string }
	}](t, r)
	if d.Status != "in_progress" || d.Assignee != "bob" || len(d.History) != 3 || d.History[1].Actor != "team-test" {
		t.Errorf("after the change: %+v", d)
	}
	csv := f.do(t, "GET", "/api/v1/findings.csv", "auditor", nil, nil)
	body, _ := io.ReadAll(csv.Body)
	if csv.StatusCode != 200 || !strings.Contains(string(body), `'=HYPERLINK`) || strings.Contains(string(body), `,=HYPERLINK`) {
		t.Errorf("CSV must defuse formulas:\n%s", body)
	}
	if r := f.do(t, "POST", "/api/v1/findings/bulk", "team", strings.NewReader(fmt.Sprintf(`{"ids":[%d,%d],"status":"fixed"}`, own, ordersID)),
		map[string]string{"Content-Type": "application/json"}); r.StatusCode != http.StatusNotFound {
		t.Errorf("bulk over another team's finding: %d, want 404", r.StatusCode)
	}
	if got := decode[struct{ Status string }](t, f.do(t, "GET", fmt.Sprintf("/api/v1/findings/%d", own), "team", nil, nil)); got.Status != "in_progress" {
		t.Errorf("a refused bulk change still changed the finding to %q", got.Status)
	}
}

func TestImportUpload(t *testing.T) {
	f := newFixture(t, "")
	if r := upload(t, f, "team", "orders", "a b"); r.StatusCode != http.StatusForbidden {
		t.Errorf("team uploading for another team's API: %d, want 403", r.StatusCode)
	}
	if r := upload(t, f, "viewer", "payments", "a b"); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer uploading: %d, want 403", r.StatusCode)
	}
	r := upload(t, f, "team", "payments", "a b")
	if r.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("upload: %d %s", r.StatusCode, b)
	}
	res := decode[struct {
		NewFindings   int `json:"new_findings"`
		FixedFindings int `json:"fixed_findings"`
	}](t, r)
	if res.NewFindings != 2 {
		t.Fatalf("upload: %+v, want 2 new findings", res)
	}
	res = decode[struct {
		NewFindings   int `json:"new_findings"`
		FixedFindings int `json:"fixed_findings"`
	}](t, upload(t, f, "team", "payments", "a"))
	if res.NewFindings != 0 || res.FixedFindings != 1 {
		t.Fatalf("second upload without b: %+v, want b fixed", res)
	}
	var art store.Artifact
	f.st.DB.Where("name LIKE ?", "%report.txt").Take(&art)
	if !strings.Contains(art.Name, "abc123_report.txt") || strings.Contains(art.Name, "..") {
		t.Errorf("artifact name %q: want the commit and no path from the client", art.Name)
	}
}

// The finding page's forms work with a session and refuse cross-site posts.
func TestFindingFormsAndPage(t *testing.T) {
	f := newFixture(t, "")
	var fd store.Finding
	f.st.DB.Joins("JOIN apis ON apis.id = findings.api_id").Where("apis.owner = ?", "pay").Take(&fd)
	page := fmt.Sprintf("/findings/%d", fd.ID)
	r := f.do(t, "GET", page, "team", nil, nil)
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.Contains(string(body), `id="history"`) || !strings.Contains(string(body), "=HYPERLINK") {
		t.Fatalf("finding page: %d", r.StatusCode)
	}
	// Forms are posted by a browser with a session cookie: that is what
	// the same-origin check protects.
	var cookie string
	for _, c := range login(t, f, f.tokens["team"], f.ts.URL).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	form := func(hdr map[string]string, vals url.Values) *http.Response {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
		for k, v := range hdr {
			h[k] = v
		}
		return f.do(t, "POST", page, "", strings.NewReader(vals.Encode()), h)
	}
	if r := form(map[string]string{"Origin": "https://evil.example"}, url.Values{"status": {"fixed"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form post: %d, want 403", r.StatusCode)
	}
	r = form(map[string]string{"Origin": f.ts.URL}, url.Values{"status": {"false_positive"}})
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "error=1") {
		t.Errorf("false positive without a reason: %d %s, want a redirect with the error", r.StatusCode, r.Header.Get("Location"))
	}
	r = form(map[string]string{"Origin": f.ts.URL}, url.Values{"status": {"false_positive"}, "reason": {"the header is set by the CDN"}})
	if r.StatusCode != http.StatusSeeOther || strings.Contains(r.Header.Get("Location"), "error=1") {
		t.Errorf("false positive with a reason: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var after store.Finding
	f.st.DB.First(&after, fd.ID)
	if after.Status != store.FindingFalsePositive {
		t.Errorf("status after the form = %q", after.Status)
	}
	// The bulk form returns to the list with its filter and one flash.
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Origin": f.ts.URL}
	r = f.do(t, "POST", "/findings-bulk", "", strings.NewReader(url.Values{"query": {"severity=low"}, "id": {"x"}}.Encode()), h)
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/findings?severity=low&flash=") || !strings.HasSuffix(loc, "&error=1") {
		t.Errorf("bulk form with a bad id: %d %q", r.StatusCode, loc)
	}
}

func TestDuplicatesAreListedOncePerIssue(t *testing.T) {
	f := newFixture(t, "")
	var first store.Finding
	f.st.DB.Where("api_id = ?", f.ids["payments"]).Take(&first)
	f.st.DB.Model(&store.Finding{}).Where("id = ?", first.ID).Update("correlation", "c1")
	dup := first
	dup.ID, dup.Fingerprint, dup.Tool, dup.DuplicateOf, dup.Correlation = 0, "other", "burp", &first.ID, "c1"
	if err := f.st.DB.Create(&dup).Error; err != nil {
		t.Fatal(err)
	}
	type list struct{ Total int }
	if n := decode[list](t, f.do(t, "GET", fmt.Sprintf("/api/v1/findings?api=%d", f.ids["payments"]), "auditor", nil, nil)).Total; n != 1 {
		t.Errorf("one issue reported by two tools lists %d times, want once", n)
	}
	if n := decode[list](t, f.do(t, "GET", fmt.Sprintf("/api/v1/findings?api=%d&duplicates=true", f.ids["payments"]), "auditor", nil, nil)).Total; n != 2 {
		t.Errorf("with duplicates=true: %d, want both reports", n)
	}
	d := decode[struct {
		Related []struct{ ID int64 }
	}](t, f.do(t, "GET", fmt.Sprintf("/api/v1/findings/%d", first.ID), "auditor", nil, nil))
	if len(d.Related) != 1 || d.Related[0].ID != dup.ID {
		t.Errorf("related = %+v, want the other tool's report", d.Related)
	}
	if r := f.do(t, "GET", fmt.Sprintf("/findings/%d", dup.ID), "auditor", nil, nil); r.StatusCode != 200 {
		t.Errorf("a duplicate's own page: %d", r.StatusCode)
	}
}
