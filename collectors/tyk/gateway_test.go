package tyk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

const testSecret = "s3cr3t-from-env"

// fakeGateway replays the documented responses of the Tyk Gateway API
// (testdata/gateway, see testdata/README.md): the API list for the right
// secret, the 403 body otherwise.
func fakeGateway(t *testing.T, list []byte) (*httptest.Server, *[]*http.Request) {
	t.Helper()
	forbidden := readTestdata(t, "gateway/listApis-403.json")
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/tyk/apis" || r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Header.Get("x-tyk-authorization") != testSecret {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(forbidden)
			return
		}
		_, _ = w.Write(list)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func gatewaySource(url string, opts map[string]string) collectors.Source {
	o := map[string]string{"gateway_url": url, "secret_env": "POSTURE_TEST_TYK_SECRET"}
	for k, v := range opts {
		o[k] = v
	}
	return collectors.Source{Name: "tyk-live", Kind: Kind, Options: o}
}

func TestGatewayList(t *testing.T) {
	t.Setenv("POSTURE_TEST_TYK_SECRET", testSecret)
	srv, seen := fakeGateway(t, readTestdata(t, "gateway/listApis-200.json"))
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), gatewaySource(srv.URL+"/", nil), sink); err != nil {
		t.Fatal(err)
	}
	if len(*seen) != 1 || (*seen)[0].URL.Query().Get("page") != "-1" {
		t.Fatalf("requests %v", *seen)
	}
	if len(sink.evidence) != 1 {
		t.Fatalf("%d evidence", len(sink.evidence))
	}
	ev := sink.evidence[0]
	// The documented example: "Tyk Test API", use_oauth2 on /tyk-api-test/.
	if ev.API != "Tyk Test API" || ev.Route.Name != "b84fe1a04e5648927971c0557971565c" || ev.Location != "/0/proxy/listen_path" {
		t.Errorf("evidence %s %+v at %s", ev.API, ev.Route, ev.Location)
	}
	wantFacts(t, "live", ev.Facts, map[string]any{
		collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"oauth2"},
		collectors.FactUpstream: "https://httpbin.org",
	})
	if ev.Artifact.Name != srv.URL+"/tyk/apis" || strings.Contains(ev.Artifact.Name, testSecret) {
		t.Errorf("artifact name %q", ev.Artifact.Name)
	}
}

func TestGatewayErrors(t *testing.T) {
	srv, _ := fakeGateway(t, readTestdata(t, "gateway/listApis-200.json"))
	ctx := context.Background()

	t.Setenv("POSTURE_TEST_TYK_SECRET", "wrong")
	err := Collector{}.Collect(ctx, gatewaySource(srv.URL, nil), &memSink{})
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") || !strings.Contains(err.Error(), "Attempted administrative access") ||
		!strings.Contains(err.Error(), "POSTURE_TEST_TYK_SECRET") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("403: %v", err)
	}

	t.Setenv("POSTURE_TEST_TYK_SECRET", "")
	err = Collector{}.Collect(ctx, gatewaySource(srv.URL, nil), &memSink{})
	if err == nil || !strings.Contains(err.Error(), "environment variable POSTURE_TEST_TYK_SECRET (secret_env) is not set") {
		t.Errorf("unset secret: %v", err)
	}
	err = Collector{}.Collect(ctx, collectors.Source{Name: "s", Options: map[string]string{"gateway_url": srv.URL}}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "needs secret_env") {
		t.Errorf("no secret_env: %v", err)
	}
	err = Collector{}.Collect(ctx, gatewaySource(srv.URL, map[string]string{"secret": "x"}), &memSink{})
	if err == nil || !strings.Contains(err.Error(), "must not be in the configuration file") {
		t.Errorf("secret in options: %v", err)
	}
	for _, u := range []string{"ftp://gw", "http://user:pw@gw", "not a url"} {
		if err := (Collector{}).Collect(ctx, gatewaySource(u, nil), &memSink{}); err == nil {
			t.Errorf("gateway_url %q accepted", u)
		}
	}
	if err := (Collector{}).Collect(ctx, gatewaySource(srv.URL, map[string]string{"timeout": "soon"}), &memSink{}); err == nil {
		t.Error("bad timeout accepted")
	}
	if err := (Collector{}).Collect(ctx, gatewaySource(srv.URL, map[string]string{"colour": "blue"}), &memSink{}); err == nil ||
		!strings.Contains(err.Error(), `unknown option "colour"`) {
		t.Errorf("unknown option: %v", err)
	}
}

func TestGatewayBounds(t *testing.T) {
	t.Setenv("POSTURE_TEST_TYK_SECRET", testSecret)
	ctx := context.Background()
	// Size bound.
	big := []byte("[" + strings.Repeat(apiDoc(nil)+",", 50) + apiDoc(nil) + "]")
	srv, _ := fakeGateway(t, big)
	err := Collector{}.Collect(ctx, gatewaySource(srv.URL, map[string]string{"max_bytes": "4096"}), &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "tyk: "+srv.URL+"/tyk/apis: ") {
		t.Errorf("size bound: %v", err)
	}
	// Timeout.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	start := time.Now()
	err = Collector{}.Collect(ctx, gatewaySource(slow.URL, map[string]string{"timeout": "100ms"}), &memSink{})
	if err == nil || !strings.Contains(err.Error(), "timeout") || time.Since(start) > time.Second {
		t.Errorf("timeout: %v after %s", err, time.Since(start))
	}
	// Redirects are refused: the secret stays with the configured host.
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("x-tyk-authorization") != ""
	}))
	defer other.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/tyk/apis", http.StatusFound)
	}))
	defer redir.Close()
	err = Collector{}.Collect(ctx, gatewaySource(redir.URL, nil), &memSink{})
	if err == nil || !strings.Contains(err.Error(), "HTTP 302") || leaked {
		t.Errorf("redirect: %v (secret leaked: %v)", err, leaked)
	}
	// A response that is not an API list.
	srv2, _ := fakeGateway(t, []byte(`{"status": "ok"}`))
	err = Collector{}.Collect(ctx, gatewaySource(srv2.URL, nil), &memSink{})
	if !errors.Is(err, ErrNotTyk) {
		t.Errorf("odd body: %v", err)
	}
}
