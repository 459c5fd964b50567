package tyk

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
)

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind() != "tyk" || c.Version() != CollectorVersion || collectors.OriginOf(c) != collectors.OriginGateway {
		t.Errorf("kind %q version %q origin %q", c.Kind(), c.Version(), collectors.OriginOf(c))
	}
}

func TestDetect(t *testing.T) {
	d := Collector{}
	cases := []struct {
		name, head string
		want       bool
	}{
		{"classic", apiDoc(nil), true},
		{"cut classic", `{"name": "x", "api_id": "1", "org_id": "default", "definition": {"loc`, true},
		{"wrapped", `{"api_definition": {"api_id": "x"}}`, true},
		{"list", `[{"api_id": "x", "proxy": {}}]`, true},
		{"dashboard list", `{"pages": 1, "apis": [{"api_definition": {"api_id": "x"}}]}`, true},
		{"tyk oas json", `{"openapi": "3.0.3", "x-tyk-api-gateway": {}}`, true},
		{"tyk oas yaml", "openapi: 3.0.3\nx-tyk-api-gateway:\n  info: {}\n", true},
		{"openapi", `{"openapi": "3.0.3", "paths": {}}`, false},
		{"policy", `{"id": "p", "rate": 1, "per": 1, "access_rights": {}}`, false},
		{"key session", `{"org_id": "o", "rate": 1, "allowance": 1}`, false},
		{"tyk.conf", `{"listen_port": 8080, "secret": "x", "app_path": "/apps"}`, false},
		{"kong", "_format_version: '3.0'\nservices: []\n", false},
		{"empty", "", false},
		{"garbage", "\x00\xff{", false},
	}
	for _, tc := range cases {
		if got := d.Detect(tc.name, []byte(tc.head)); got != tc.want {
			t.Errorf("%s: Detect = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCollectFS(t *testing.T) {
	conf := `{"enable_analytics": true, "http_server_options": {"use_ssl": true, "min_version": 772}}`
	fsys := fstest.MapFS{
		"gw/apps/a.json":         {Data: []byte(apiDoc(map[string]any{"name": "A", "api_id": "a"}))},
		"gw/apps/b.json":         {Data: []byte(apiDoc(map[string]any{"name": "B", "api_id": "b", "proxy": map[string]any{"listen_path": "/b/"}}))},
		"gw/apps/.old/c.json":    {Data: []byte(apiDoc(map[string]any{"name": "C", "api_id": "c"}))},
		"gw/policies/pols.json":  {Data: []byte(`{"p1": {"rate": 10, "per": 1}}`)},
		"gw/tyk.conf":            {Data: []byte(conf)},
		"gw/apps/readme.md":      {Data: []byte("# apps")},
		"gw/apps/sub/nested.yml": {Data: []byte("x-tyk-api-gateway:\n  info: {name: N}\n  server: {listenPath: {value: /n/}}\n")},
	}
	src := collectors.Source{Name: "gw", Kind: Kind, FS: fsys, Paths: []string{"gw/apps", "/gw/apps/a.json"},
		APIMap: map[string]string{"A": "inventory-a"}, Options: map[string]string{"tyk_conf": "gw/tyk.conf"}}
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	var apis []string
	for _, ev := range sink.evidence {
		apis = append(apis, ev.API)
	}
	// Lexical order, hidden directory skipped, a.json not read twice,
	// api_map applied.
	if want := []string{"inventory-a", "B", "N"}; !equalStrings(apis, want) {
		t.Fatalf("APIs %q, want %q", apis, want)
	}
	wantFacts(t, "with tyk.conf", sink.evidence[0].Facts, map[string]any{
		collectors.FactTLSEnforced: true, collectors.FactTLSMinVersion: "1.3",
		collectors.FactLoggingEnabled: true,
	})
	if sink.evidence[0].Artifact.Name != "gw/apps/a.json" {
		t.Errorf("artifact name %q", sink.evidence[0].Artifact.Name)
	}

	// The source's api setting overrides every name.
	src.API = "payments"
	sink = &memSink{}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	for _, ev := range sink.evidence {
		if ev.API != "payments" {
			t.Errorf("API %q, want payments", ev.API)
		}
	}

	// Sink errors stop the run.
	sink = &memSink{failAfter: 1}
	if err := (Collector{}).Collect(context.Background(), src, sink); !errors.Is(err, errSinkFull) {
		t.Errorf("sink error: %v", err)
	}
	// So does a cancelled context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Nothing to read.
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "empty"}, &memSink{}); err == nil {
		t.Error("no paths accepted")
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "o", FS: fsys, Paths: []string{"gw/apps"},
		Options: map[string]string{"max_depth": "0"}}, &memSink{}); err == nil {
		t.Error("max_depth 0 accepted")
	}
}

// The real tyk.conf example of the gateway repository (testdata/README.md):
// a plain listener with analytics off.
func TestGatewayConfigExample(t *testing.T) {
	conf, err := ParseGatewayConfig("tyk.conf.example", readTestdata(t, "conf/tyk.conf.example"), Options{}.Limits)
	if err != nil {
		t.Fatal(err)
	}
	res := mustParse(t, "a.json", apiDoc(nil), Options{Gateway: conf})
	wantFacts(t, "tyk.conf.example", res.Evidence[0].Facts, map[string]any{
		collectors.FactTLSEnforced: false, collectors.FactLoggingEnabled: false,
		collectors.FactTimeoutConfigured: nil, collectors.FactBodySizeLimited: nil,
		collectors.FactMTLSUpstream: false,
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
