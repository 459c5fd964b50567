package envoy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
)

var (
	errUnexpected = errors.New("a gateway collector must only send evidence")
	errSinkFull   = errors.New("sink full")
)

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() == "" || collectors.OriginOf(c) != collectors.OriginGateway {
		t.Errorf("version %q origin %q", c.Version(), collectors.OriginOf(c))
	}
	if got := collectors.Detect("envoy.yaml", []byte(cfg{}.yaml())); got != Kind {
		t.Errorf("registry detects %q", got)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head string
		want       bool
	}{
		{"yaml bootstrap", cfg{}.yaml(), true},
		{"yaml, static_resources after admin", "# comment\nadmin:\n  address: {}\nstatic_resources:\n", true},
		{"yaml xDS only", "node: {id: a}\ndynamic_resources:\n  lds_config: {ads: {}}\n", true},
		{"yaml nested key is not top-level", "x:\n  static_resources: {}\n", false},
		{"json", `{"admin": {"address": {}}, "static_resources": {"listeners": [`, true},
		{"json camelCase, truncated", `{"node": {"id": "a\"b"}, "staticResources": {"listeners": [{"name": "l`, true},
		{"json nested key", `{"a": {"static_resources": {}}}`, false},
		{"kong", "_format_version: \"3.0\"\nservices:\n- name: s\n", false},
		{"openapi", "openapi: 3.0.0\ninfo: {title: t}\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		if got := (Collector{}).Detect("f", []byte(tc.head)); got != tc.want {
			t.Errorf("%s: Detect = %v", tc.name, got)
		}
	}
}

func TestCollect(t *testing.T) {
	good := cfg{filters: extAuthzHTTP, routes: "- name: orders\n  match: {prefix: /orders}\n  route: {cluster: backend}\n- match: {path: /health}\n  direct_response: {status: 200}\n"}.yaml()
	fsys := fstest.MapFS{
		"gw/envoy.yaml":          {Data: []byte(good)},
		"gw/sub/second.json":     {Data: []byte(`{"static_resources": {"listeners": []}}`)},
		"gw/kong.yaml":           {Data: []byte("_format_version: \"3.0\"\nservices: []\n")},
		"gw/notes.txt":           {Data: []byte("static_resources:\n")},
		"gw/.hidden/envoy.yaml":  {Data: []byte("static_resources: [broken")},
		"bad/broken.yaml":        {Data: []byte("static_resources:\n  listeners:\n  - filter_chains: [\n")},
		"other/kong.yaml":        {Data: []byte("_format_version: \"3.0\"\nservices: []\n")},
		"limits/envoy-big.yaml":  {Data: []byte(good)},
		"gw2/envoy.yaml":         {Data: []byte(good)},
		"gw2/envoy-routes2.yaml": {Data: []byte(strings.ReplaceAll(good, "name: api", "name: billing"))},
	}
	t.Run("directory, api_map", func(t *testing.T) {
		sink := &recorder{}
		src := collectors.Source{Name: "edge", Kind: Kind, FS: fsys, Paths: []string{"gw"}, APIMap: map[string]string{"api": "payments"}}
		if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
			t.Fatal(err)
		}
		if len(sink.evidence) != 2 {
			t.Fatalf("evidence %d, want 2 (the kong file, notes.txt and the hidden directory are skipped)", len(sink.evidence))
		}
		ev := sink.evidence[0]
		if ev.API != "payments" || ev.Route == nil || ev.Route.Name != "orders" || ev.Route.Paths[0].Prefix != "/orders" {
			t.Errorf("evidence %+v route %+v", ev, ev.Route)
		}
		if ev.Artifact.Name != "gw/envoy.yaml" || ev.Artifact.ContentType != "application/yaml" || ev.Artifact != sink.evidence[1].Artifact {
			t.Errorf("artifact %q %q", ev.Artifact.Name, ev.Artifact.ContentType)
		}
		if !strings.HasSuffix(ev.Location, "/virtual_hosts/0/routes/0") {
			t.Errorf("location %q", ev.Location)
		}
		if sink.evidence[1].Route.Paths[0].Exact != "/health" {
			t.Errorf("second route %+v", sink.evidence[1].Route)
		}
	})
	t.Run("src.API overrides", func(t *testing.T) {
		sink := &recorder{}
		src := collectors.Source{Name: "edge", Kind: Kind, FS: fsys, Paths: []string{"gw2"}, API: "everything", APIMap: map[string]string{"api": "payments"}}
		if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
			t.Fatal(err)
		}
		if len(sink.evidence) != 4 {
			t.Fatalf("evidence %d", len(sink.evidence))
		}
		for _, ev := range sink.evidence {
			if ev.API != "everything" {
				t.Errorf("API %q", ev.API)
			}
		}
	})
	t.Run("explicit file that is not Envoy", func(t *testing.T) {
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", FS: fsys, Paths: []string{"other/kong.yaml"}}, &recorder{})
		if !errors.Is(err, ErrNotEnvoy) || !strings.HasPrefix(err.Error(), "envoy: other/kong.yaml: ") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("broken file in a directory fails the run, naming it", func(t *testing.T) {
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", FS: fsys, Paths: []string{"bad"}}, &recorder{})
		if err == nil || !strings.HasPrefix(err.Error(), "envoy: bad/broken.yaml: line ") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("size limit option", func(t *testing.T) {
		src := collectors.Source{Name: "x", FS: fsys, Paths: []string{"limits/envoy-big.yaml"}, Options: map[string]string{"max_bytes": "100"}}
		err := (Collector{}).Collect(context.Background(), src, &recorder{})
		if err == nil || !strings.HasPrefix(err.Error(), "envoy: limits/envoy-big.yaml: ") || !strings.Contains(err.Error(), "size limit") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad option", func(t *testing.T) {
		src := collectors.Source{Name: "x", FS: fsys, Paths: []string{"gw"}, Options: map[string]string{"max_depth": "deep"}}
		if err := (Collector{}).Collect(context.Background(), src, &recorder{}); err == nil || !strings.Contains(err.Error(), "max_depth") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", FS: fsys, Paths: []string{"nope"}}, &recorder{}); err == nil {
			t.Error("no error")
		}
		if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x"}, &recorder{}); err == nil {
			t.Error("no error without paths")
		}
	})
	t.Run("sink error stops the run", func(t *testing.T) {
		sink := &recorder{failAt: 2}
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", FS: fsys, Paths: []string{"gw2"}}, sink)
		if !errors.Is(err, errSinkFull) || len(sink.evidence) != 1 {
			t.Errorf("err = %v, evidence %d", err, len(sink.evidence))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := (Collector{}).Collect(ctx, collectors.Source{Name: "x", FS: fsys, Paths: []string{"gw"}}, &recorder{}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("from the OS", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "envoy.yaml"), []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{dir, filepath.Join(dir, "envoy.yaml")} {
			sink := &recorder{}
			if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", Paths: []string{p}}, sink); err != nil {
				t.Fatal(err)
			}
			if len(sink.evidence) != 2 || sink.evidence[0].Artifact.Name != filepath.Join(dir, "envoy.yaml") {
				t.Errorf("%s: evidence %d", p, len(sink.evidence))
			}
		}
	})
}
