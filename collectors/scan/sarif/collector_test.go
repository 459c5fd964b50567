package sarif

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

func TestDetect(t *testing.T) {
	yes := []struct{ name, head string }{
		{"results.sarif", ""}, // the extension is enough
		{"x.SARIF", "garbage"},
		{"codeql.sarif.json", "{}"},
		{"x.json", `{"$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json", "version": "2.1.0"}`},
		{"x.json", `{"$schema": "https://json.schemastore.org/SARIF-2.1.0.json"}`},
		{"x.json", "\xEF\xBB\xBF{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"Checkov\"}}, \"results\": [{\"ruleId\": \"CKV_"},
		{"x", `{"runs": [], "version": "2.1.0"}`},
	}
	no := []struct{ name, head string }{
		{"x.json", ""},
		{"x.json", `{"version": "2.1.0"}`},             // no runs
		{"x.json", `{"version": "1.0.0", "runs": []}`}, // SARIF 1
		{"x.json", `{"runs": [], "$schema": "https://json-schema.org/draft/2020-12/schema"}`},
		{"x.json", `{"info": {"$schema": "sarif"}, "runs": []}`}, // nested, not top level
		{"x.json", `[{"$schema": "sarif"}]`},
		{"openapi.yaml", "openapi: 3.0.0\n$schema: sarif\n"},
		{"x.json", `{"SchemaVersion": 2, "Results": []}`},
	}
	for _, tc := range yes {
		if !(Collector{}).Detect(tc.name, []byte(tc.head)) {
			t.Errorf("Detect(%q, %q) = false, want true", tc.name, tc.head)
		}
	}
	for _, tc := range no {
		if (Collector{}).Detect(tc.name, []byte(tc.head)) {
			t.Errorf("Detect(%q, %q) = true, want false", tc.name, tc.head)
		}
	}
}

var miniLog = `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "gosec"}}, "results": [{"ruleId": "G101", "level": "error",
	"locations": [{"physicalLocation": {"artifactLocation": {"uri": "main.go"}, "region": {"startLine": 4}}}]}]}]}`

func TestCollectDirectory(t *testing.T) {
	fsys := fstest.MapFS{
		"scans/a.sarif":          {Data: []byte(miniLog)},
		"scans/b.json":           {Data: []byte(miniLog)},                       // SARIF saved as .json
		"scans/gosec.json":       {Data: []byte(`{"Issues": [], "Stats": {}}`)}, // not SARIF: skipped
		"scans/notes.txt":        {Data: []byte(miniLog)},                       // not a candidate name
		"scans/.cache/c.sarif":   {Data: []byte("broken")},                      // hidden directory
		"scans/sub/clean.sarif":  {Data: []byte(`{"version": "2.1.0", "runs": []}`)},
		"scans/sub/broken.sarif": {Data: []byte(`{"version": "2.1.0", "runs": [`)},
	}
	sink := &scantest.Sink{}
	err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans"}}, sink)
	// A file Detect claims must parse: broken.sarif fails the source,
	// after a.sarif, b.json and sub/ in lexical order.
	if err == nil || !strings.Contains(err.Error(), "sarif: scans/sub/broken.sarif:1:") || !errors.Is(err, safedecode.ErrSyntax) {
		t.Fatalf("err = %v", err)
	}
	delete(fsys, "scans/sub/broken.sarif")
	sink = &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"scans", "scans/a.sarif"}}, sink); err != nil {
		t.Fatal(err)
	}
	// a.sarif (named twice, read once), b.json, sub/clean.sarif.
	if len(sink.Evidences) != 3 || len(sink.Findings) != 2 {
		t.Fatalf("evidence %d findings %d", len(sink.Evidences), len(sink.Findings))
	}
	if got := strings.Join(sink.Order, ","); got != "evidence,finding,evidence,finding,evidence" {
		t.Errorf("order %s", got)
	}
	if a := sink.Evidences[0].Artifact; a.Name != "scans/a.sarif" || string(a.Data) != miniLog || a.ContentType != "application/sarif+json" {
		t.Errorf("artifact %+v", a)
	}
	if f := sink.Findings[0]; f.API != "a" || f.Tool != "gosec" || f.Location != "main.go:4" || f.Severity != "high" {
		t.Errorf("finding %+v", f)
	}
	if sink.Evidences[2].API != "clean" {
		t.Errorf("clean log API %q", sink.Evidences[2].API)
	}
}

func TestCollectExplicitFile(t *testing.T) {
	fsys := fstest.MapFS{"gosec.json": {Data: []byte(`{"Issues": [], "Stats": {}}`)}, "ok.txt": {Data: []byte(miniLog)}}
	// A file named explicitly is read whatever its name...
	sink := &scantest.Sink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"ok.txt"}}, sink); err != nil || len(sink.Findings) != 1 {
		t.Fatalf("err %v, %d findings", err, len(sink.Findings))
	}
	// ...and must be SARIF.
	err := (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"gosec.json"}}, &scantest.Sink{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `sarif: gosec.json:1:1: not a SARIF log: no "runs" array`) {
		t.Errorf("err = %v", err)
	}
	err = (Collector{}).Collect(context.Background(), collectors.Source{FS: fsys, Paths: []string{"missing.sarif"}}, &scantest.Sink{})
	if err == nil || !strings.Contains(err.Error(), "sarif: missing.sarif") {
		t.Errorf("missing file: %v", err)
	}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s"}, &scantest.Sink{}); err == nil || !strings.Contains(err.Error(), `source "s": no paths`) {
		t.Errorf("no paths: %v", err)
	}
}

func TestCollectStops(t *testing.T) {
	fsys := fstest.MapFS{"a.sarif": {Data: []byte(miniLog)}}
	src := collectors.Source{FS: fsys, Paths: []string{"a.sarif"}}
	// A sink error stops the collection and is returned as is.
	if err := (Collector{}).Collect(context.Background(), src, &scantest.Sink{FailAfter: 1}); !errors.Is(err, scantest.ErrSinkFull) {
		t.Errorf("sink error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, &scantest.Sink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRegistered(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil || c.Version() != CollectorVersion || c.Kind() != "sarif" {
		t.Errorf("registry: %v %v", c, err)
	}
}
