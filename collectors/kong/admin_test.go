package kong

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
)

// replay serves an admin/<scenario> directory as a Kong Admin API (see
// testdata/README.md) and records the requests it saw.
type replay struct {
	dir string
	mu  sync.Mutex
	got []string
	// hooks for failure tests
	status  map[string]int
	headers http.Header
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rp.mu.Lock()
	rp.got = append(rp.got, r.URL.RequestURI())
	rp.headers = r.Header.Clone()
	code := rp.status[r.URL.Path]
	rp.mu.Unlock()
	if code != 0 {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"message":"forced"}`))
		return
	}
	name := strings.Trim(r.URL.Path, "/")
	if name == "" {
		name = "root"
	}
	if off := r.URL.Query().Get("offset"); off != "" {
		name += "." + off
	}
	if strings.ContainsAny(name, `/\`) {
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(filepath.Join(rp.dir, name+".json"))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Not found"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(data)
}

func serve(t *testing.T, scenario string) (*replay, *httptest.Server) {
	t.Helper()
	rp := &replay{dir: filepath.Join("testdata", "admin", scenario), status: map[string]int{}}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return rp, srv
}

func collectAdminURL(t *testing.T, url string, opts map[string]string) ([]collectors.Evidence, error) {
	t.Helper()
	o := map[string]string{"admin_url": url}
	for k, v := range opts {
		o[k] = v
	}
	sink := &memSink{}
	err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "live", Kind: Kind, Options: o}, sink)
	if sink.other != 0 {
		t.Fatalf("%d API/endpoint/finding calls", sink.other)
	}
	return sink.evidence, err
}

// Recorded Kong 2.1.4 responses: a service with one host-only route and a
// service-level key-auth plugin.
func TestAdminKong214(t *testing.T) {
	_, srv := serve(t, "kong-2.1.4")
	evs, err := collectAdminURL(t, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d records", len(evs))
	}
	ev := evs[0]
	wantRoute := collectors.Route{Name: "be9ad0a3-2beb-4019-8deb-3686ee60d39c", Hosts: []string{"example.com"}}
	if ev.API != "example-service" || !reflect.DeepEqual(*ev.Route, wantRoute) || ev.Location != "/routes/0" {
		t.Fatalf("API %q route %+v location %q", ev.API, ev.Route, ev.Location)
	}
	if ev.Artifact.Name != srv.URL || ev.Artifact.ContentType != "application/json" {
		t.Fatalf("artifact %q %q", ev.Artifact.Name, ev.Artifact.ContentType)
	}
	want(t, "kong 2.1.4", ev.Facts, map[string]any{
		collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"key-auth"},
		collectors.FactTLSEnforced:       false,
		collectors.FactTimeoutConfigured: false, // the Admin API writes the 60000 defaults
		collectors.FactUpstream:          "http://mockbin.org",
		collectors.FactMTLSUpstream:      false,
		collectors.FactGatewayPlugins:    []string{"key-auth"},
	})
}

// A recorded Kong 0.13 routes page (no route names, legacy path rules),
// services built around it, no consumers/upstreams endpoints.
func TestAdminKong013(t *testing.T) {
	rp, srv := serve(t, "kong-0.13")
	evs, err := collectAdminURL(t, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 7 {
		t.Fatalf("%d records", len(evs))
	}
	byName := map[string]collectors.Evidence{}
	for _, ev := range evs {
		byName[ev.Route.Name] = ev
	}
	r := byName["83a27bc6-e12c-4e84-985e-0c8955b21061"]
	if r.API != "a4a76e89-524d-4458-8ee4-3e47ed0293e9" || !reflect.DeepEqual(r.Route.Hosts, []string{"localhost"}) ||
		r.Route.Paths[0].Prefix != "/orders/v1" {
		t.Fatalf("%+v", r)
	}
	if m := byName["56d1538b-1c43-42d7-9838-ea7d60266821"].Route.Methods; !reflect.DeepEqual(m, []string{"GET", "POST"}) {
		t.Fatalf("methods %v", m)
	}
	if p := byName["6e85e1d0-b45c-4f8d-bcb2-36214fa295d1"].Route.Paths[0]; p.Prefix != "/index.html" {
		t.Fatalf("legacy plain path %+v", p) // '.' is in Kong 0.x's plain set
	}
	for _, ev := range evs {
		want(t, ev.Route.Name, ev.Facts, map[string]any{collectors.FactAuthEnforced: false, collectors.FactGatewayPlugins: nil})
	}
	if !strings.Contains(string(evs[0].Artifact.Data), `"_format_version": "1.1"`) {
		t.Error("a Kong < 3 must be read with 1.1 path rules")
	}
	joined := strings.Join(rp.got, " ")
	for _, p := range []string{"/ ", "/services?size=1000", "/routes?size=1000", "/plugins?size=1000", "/consumers?size=1000"} {
		if !strings.Contains(joined+" ", p) {
			t.Errorf("no request %q in %s", p, joined)
		}
	}
}

// Constructed Kong 3 pages with pagination give the same routes and facts
// as the equivalent decK file.
func TestAdminMatchesDeckFile(t *testing.T) {
	rp, srv := serve(t, "kong-3-constructed")
	evs, err := collectAdminURL(t, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "admin", "kong-3-constructed", "equivalent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := mustParse(t, "equivalent.yaml", string(data))
	if len(evs) != 2 || len(file.Evidence) != 2 {
		t.Fatalf("admin %d records, file %d", len(evs), len(file.Evidence))
	}
	for i, ev := range evs {
		fe := file.Evidence[i]
		if ev.API != fe.API || !reflect.DeepEqual(ev.Route, fe.Route) || !reflect.DeepEqual(ev.Facts, fe.Facts) {
			t.Errorf("route %d differs:\nadmin %s %+v %v\nfile  %s %+v %v", i, ev.API, ev.Route, ev.Facts, fe.API, fe.Route, fe.Facts)
		}
	}
	pay := evs[0]
	if pay.Route.Paths[1].Regex != "/payments/v2/[0-9]+$" {
		t.Errorf("regex path %+v", pay.Route.Paths)
	}
	want(t, "payments", pay.Facts, map[string]any{
		collectors.FactTLSEnforced: true, collectors.FactAuthMechanisms: []string{"oidc"},
		collectors.FactAuthzMechanisms: []string{"acl", "scopes"}, collectors.FactRateLimitPerMinute: 600,
		collectors.FactMTLSUpstream: true, collectors.FactTimeoutSeconds: 10,
		collectors.FactGatewayPlugins: []string{"acl", "http-log", "openid-connect", "rate-limiting", "rate-limiting@consumer:mobile-app"},
	})
	want(t, "accounts", evs[1].Facts, map[string]any{
		collectors.FactAuthMechanisms: []string{"jwt"}, // the disabled route key-auth does not count
		collectors.FactCORSWildcard:   true, collectors.FactCORSCredentials: true, collectors.FactCORSRestricted: false,
		collectors.FactUpstream: "http://accounts.internal.example.com:8080/api",
	})
	joined := strings.Join(rp.got, " ")
	for _, p := range []string{
		"/services?offset=WyIwZjRhN2MxZS0xMTExLTRhNWItOWMzZC0wMDAwMDAwMDAwMDIiXQ&size=1000",
		"/routes?offset=WyI3YzBkM2IyYS0yMjIyLTRiNmMtOGQ0ZS0wMDAwMDAwMDAwMDIiXQ&size=1000",
		"/plugins?offset=",
	} {
		if !strings.Contains(joined, p) {
			t.Errorf("page %q not requested: %s", p, joined)
		}
	}
}

func TestAdminFailures(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		rp, srv := serve(t, "kong-2.1.4")
		rp.status["/routes"] = http.StatusUnauthorized
		_, err := collectAdminURL(t, srv.URL, nil)
		if err == nil || !strings.Contains(err.Error(), srv.URL+"/routes: HTTP status 401") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("required collection missing", func(t *testing.T) {
		rp, srv := serve(t, "kong-2.1.4")
		rp.status["/services"] = http.StatusNotFound
		if _, err := collectAdminURL(t, srv.URL, nil); err == nil || !strings.Contains(err.Error(), "/services: HTTP status 404") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("response too large", func(t *testing.T) {
		_, srv := serve(t, "kong-0.13")
		_, err := collectAdminURL(t, srv.URL, map[string]string{"max_bytes": "1000"})
		if err == nil || !strings.Contains(err.Error(), srv.URL+"/") || !strings.Contains(err.Error(), "size limit") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("not an admin api", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`<html>hello</html>`))
		}))
		defer srv.Close()
		if _, err := collectAdminURL(t, srv.URL, nil); err == nil || !strings.Contains(err.Error(), srv.URL+"/services") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("pagination loop", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[],"offset":"same","next":"/services?offset=same"}`))
		}))
		defer srv.Close()
		if _, err := collectAdminURL(t, srv.URL, nil); err == nil || !strings.Contains(err.Error(), "repeats offset") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("next never leaves the admin host", func(t *testing.T) {
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("request sent to the host named in next: %s", r.URL)
		}))
		defer other.Close()
		n := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("offset") == "" && n < 3 {
				n++
				_, _ = w.Write([]byte(`{"data":[],"next":"` + other.URL + `/services?offset=x2"}`))
				return
			}
			_, _ = w.Write([]byte(`{"data":[],"next":null}`))
		}))
		defer srv.Close()
		if _, err := collectAdminURL(t, srv.URL, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("redirect not followed", func(t *testing.T) {
		srv := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest", http.StatusFound))
		defer srv.Close()
		if _, err := collectAdminURL(t, srv.URL, nil); err == nil || !strings.Contains(err.Error(), "HTTP status 302") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		start := time.Now()
		_, err := collectAdminURL(t, srv.URL, map[string]string{"admin_timeout": "100ms"})
		if err == nil || time.Since(start) > 1500*time.Millisecond {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
	t.Run("bad url", func(t *testing.T) {
		for _, u := range []string{"ftp://x", "not a url", "http://"} {
			if _, err := collectAdminURL(t, u, nil); err == nil || !strings.Contains(err.Error(), "admin_url") {
				t.Errorf("%s: %v", u, err)
			}
		}
	})
	t.Run("credentials stay out of names", func(t *testing.T) {
		_, srv := serve(t, "kong-2.1.4")
		u := strings.Replace(srv.URL, "http://", "http://admin:s3cret@", 1)
		evs, err := collectAdminURL(t, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(evs[0].Artifact.Name, "s3cret") || strings.Contains(string(evs[0].Artifact.Data), "s3cret") {
			t.Fatal("credentials leaked into the artifact")
		}
	})
}

func TestAdminToken(t *testing.T) {
	rp, srv := serve(t, "kong-2.1.4")
	t.Setenv("KONG_TOKEN_FOR_TEST", "tok-123")
	if _, err := collectAdminURL(t, srv.URL, map[string]string{"admin_token_env": "KONG_TOKEN_FOR_TEST"}); err != nil {
		t.Fatal(err)
	}
	if got := rp.headers.Get("Kong-Admin-Token"); got != "tok-123" {
		t.Fatalf("token header %q", got)
	}
	if _, err := collectAdminURL(t, srv.URL, map[string]string{"admin_token_env": "KONG_TOKEN_UNSET_FOR_TEST"}); err == nil {
		t.Fatal("empty token variable accepted")
	}
}
