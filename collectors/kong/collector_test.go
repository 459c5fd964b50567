package kong

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind() != "kong" || c.Version() != CollectorVersion || collectors.OriginOf(c) != collectors.OriginGateway {
		t.Fatalf("kind %q version %q origin %q", c.Kind(), c.Version(), collectors.OriginOf(c))
	}
}

func TestDetect(t *testing.T) {
	yes := map[string]string{
		"format version":         "# comment\n_format_version: \"3.0\"\n",
		"services list":          "services:\n  - name: a\n    url: http://x\n",
		"routes flow list":       "routes: [{name: r, paths: [/a]}]\n",
		"zero-indent list":       "services:\n- name: a\n",
		"certificates first":     "ca_certificates:\n- cert: |\n    x\nservices:\n- name: a\n",
		"json":                   `{"_format_version": "1.1", "services": []}`,
		"json services":          `{"services": [{"name": "a"}], "plugins": []}`,
		"json truncated":         `{"services": [{"name": "a", "url": "http://x"`,
		"consumer groups only":   "consumer_groups:\n- name: gold\n",
		"upstreams with comment": "upstreams: # pools\n  - name: p\n",
	}
	no := map[string]string{
		"docker compose":     "version: '3'\nservices:\n  web:\n    image: nginx\n",
		"compose no version": "services:\n  web:\n    image: nginx\n",
		"openapi":            "openapi: 3.0.0\npaths: {}\nservices: []\n",
		"envoy":              "static_resources:\n  listeners: []\n",
		"k8s":                "apiVersion: v1\nkind: Service\n",
		"serverless":         "service: x\nprovider: {name: aws}\nplugins:\n- serverless-offline\n",
		"plugins alone":      "plugins:\n- name: cors\n",
		"json array":         `[{"services": []}]`,
		"json object":        `{"services": {"a": 1}}`,
		"empty":              "",
		"binary":             "\x00\x01\x02",
	}
	for name, h := range yes {
		if !(Collector{}).Detect("f", []byte(h)) {
			t.Errorf("%s: not detected", name)
		}
	}
	for name, h := range no {
		if (Collector{}).Detect("f", []byte(h)) {
			t.Errorf("%s: detected", name)
		}
	}
}

func TestCollectFS(t *testing.T) {
	kong := oneRoute("", "", "- name: key-auth\n", "", "")
	fsys := fstest.MapFS{
		"gw/kong.yaml":          {Data: []byte(kong)},
		"gw/sub/other.yml":      {Data: []byte("_format_version: \"3.0\"\nroutes: [{name: x, paths: [/x]}]\n")},
		"gw/openapi.yaml":       {Data: []byte("openapi: 3.0.0\npaths: {}\n")},
		"gw/compose.yaml":       {Data: []byte("version: '3'\nservices: {web: {image: nginx}}\n")},
		"gw/README.md":          {Data: []byte("# not read\n")},
		"gw/.hidden/kong.yaml":  {Data: []byte(kong)},
		"gw/lookalike.yaml":     {Data: []byte("services:\n- 1\n- 2\n")},
		"single/kong.json":      {Data: []byte(`{"_format_version": "3.0", "routes": [{"name": "j", "paths": ["/j"]}]}`)},
		"single/notkong.yaml":   {Data: []byte("version: '3'\n")},
		"single/broken.yaml":    {Data: []byte("_format_version: \"3.0\"\nroutes: [\n")},
		"single/lookalike.yaml": {Data: []byte("services:\n- 1\n")},
	}
	run := func(paths ...string) (*memSink, error) {
		sink := &memSink{}
		src := collectors.Source{Name: "t", Kind: Kind, FS: fsys, Paths: paths}
		return sink, (Collector{}).Collect(context.Background(), src, sink)
	}

	_, err := run("gw")
	if err == nil || !strings.Contains(err.Error(), "gw/lookalike.yaml") {
		// services: [1, 2] is detected but invalid: that is an error, not a skip
		t.Fatalf("err %v", err)
	}
	delete(fsys, "gw/lookalike.yaml")
	sink, err := run("gw")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range sink.evidence {
		names = append(names, ev.Artifact.Name+"#"+ev.Route.Name)
	}
	if strings.Join(names, " ") != "gw/kong.yaml#r gw/sub/other.yml#x" || sink.other != 0 {
		t.Fatalf("evidence %v, other %d", names, sink.other)
	}
	if ev := sink.evidence[0]; ev.API != "svc" || ev.Location != "/services/0/routes/0" || ev.Facts[collectors.FactAuthEnforced] != true {
		t.Fatalf("%+v", ev)
	}

	if sink, err = run("single/kong.json", "single/kong.json"); err != nil || len(sink.evidence) != 1 {
		t.Fatalf("explicit JSON file: %v, %d records (a file named twice is read once)", err, len(sink.evidence))
	}
	for _, bad := range []string{"single/notkong.yaml", "single/broken.yaml", "single/lookalike.yaml", "single/missing.yaml"} {
		if _, err := run(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: err %v does not name the file", bad, err)
		}
	}
	if _, err := run("single/notkong.yaml"); !errors.Is(err, ErrNotKong) {
		t.Errorf("not-Kong file: %v", err)
	}
}

func TestCollectOSPaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kong.yaml")
	if err := os.WriteFile(file, []byte(oneRoute("", "", "", "", "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, file} {
		sink := &memSink{}
		if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "t", Paths: []string{p}}, sink); err != nil {
			t.Fatal(err)
		}
		if len(sink.evidence) != 1 || sink.evidence[0].Artifact.Name != file {
			t.Fatalf("%s: %d records, artifact %q", p, len(sink.evidence), sink.evidence[0].Artifact.Name)
		}
	}
}

func TestCollectStops(t *testing.T) {
	doc := "_format_version: \"3.0\"\nroutes:\n- {name: a, paths: [/a]}\n- {name: b, paths: [/b]}\n- {name: c, paths: [/c]}\n"
	fsys := fstest.MapFS{"k.yaml": {Data: []byte(doc)}}
	src := collectors.Source{Name: "t", FS: fsys, Paths: []string{"k.yaml"}}
	sink := &memSink{failAfter: 2}
	if err := (Collector{}).Collect(context.Background(), src, sink); !errors.Is(err, errSinkFull) {
		t.Fatalf("sink error not returned: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []map[string]string{
		{"max_bytes": "x"}, {"max_bytes": "-1"}, {"max_depth": "0"}, {"admin_timeout": "soon"}, {"admin_timeout": "-1s"},
	} {
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "src", Paths: []string{"x"}, Options: o}, &memSink{})
		if err == nil || !strings.Contains(err.Error(), `source "src": option`) {
			t.Errorf("%v: %v", o, err)
		}
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "src"}, &memSink{}); err == nil {
		t.Error("no paths, no admin_url: no error")
	}
}

// The demo's gateway configuration (read by `posture demo`) parses and
// says what its comments say: Payments locked down, Accounts with JWT but
// no rate limit and a CORS policy open to any origin.
func TestDemoConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "internal", "demo", "data", "gateways", "kong.yaml"))
	if err != nil {
		t.Skipf("demo data not present: %v", err)
	}
	res := mustParse(t, "kong.yaml", string(data))
	want(t, "payments-v2", routeNamed(t, res, "payments-v2").Facts, map[string]any{
		collectors.FactTLSEnforced: true, collectors.FactAuthEnforced: true, collectors.FactAuthMechanisms: []string{"oidc"},
		collectors.FactAuthzMechanisms: []string{"acl", "scopes"}, collectors.FactRateLimitPerMinute: 600,
		collectors.FactBodySizeMaxBytes: 1 << 20, collectors.FactValidationEnforced: true, collectors.FactCORSRestricted: true,
		collectors.FactSecurityHeaders: true, collectors.FactMTLSUpstream: true, collectors.FactTimeoutSeconds: 10,
		collectors.FactLoggingEnabled: true,
	})
	want(t, "accounts-v1", routeNamed(t, res, "accounts-v1").Facts, map[string]any{
		collectors.FactTLSEnforced:  false, // http+https: the 308 redirect code applies to https-only routes only
		collectors.FactAuthEnforced: true, collectors.FactRateLimitEnabled: false,
		collectors.FactCORSRestricted: false, collectors.FactCORSWildcard: true, collectors.FactCORSCredentials: true,
		collectors.FactTimeoutConfigured: false, collectors.FactMTLSUpstream: false,
	})
}
