package scan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

var errToy = errors.New("not a toy report")

var toy = scan.Format{Kind: "toy", ErrFormat: errToy}

// toyDetect claims JSON objects with a "toy" key.
func toyDetect(_ string, head []byte) bool {
	sh := scan.HeadShape(head)
	return sh.Open == '{' && sh.Keys["/toy"] != 0
}

// toyParse reads {"toy": [{"api", "rule", "fp", "sev"}...]}: a finding per
// element, a warning per unknown severity.
func toyParse(name string, data []byte, src collectors.Source) (res *scan.Result, err error) {
	defer toy.Recover(name, &res, &err)
	vals, form, err := toy.SplitJSON(name, data)
	if err != nil {
		return nil, err
	}
	if form != scan.FormValue {
		return nil, toy.Errorf(name, 1, 0, "", "want one object")
	}
	var doc struct {
		Toy []struct{ API, Rule, FP, Sev string } `json:"toy"`
	}
	if err := toy.Decode(name, data, vals[0], &doc); err != nil {
		return nil, err
	}
	if doc.Toy == nil {
		return nil, toy.Errorf(name, 1, 0, "", `no "toy"`)
	}
	res = &scan.Result{}
	for _, r := range doc.Toy {
		if r.Rule == "panic" {
			panic("toy panic")
		}
		f := collectors.Finding{API: scan.APIName(src, r.API, name), Tool: "toy", RuleID: r.Rule, Fingerprint: r.FP}
		f.Severity = scan.SeverityOrInfo(r.Sev, func(m string) { res.Warnings = append(res.Warnings, r.Rule+": "+m) })
		res.Findings = append(res.Findings, f)
	}
	var scopes []scan.Scope
	if len(res.Findings) == 0 {
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: "toy"})
	}
	return toy.Finish(res, &collectors.Artifact{Name: name, Data: data}, scopes...), nil
}

func collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return toy.Collect(ctx, src, sink, toyDetect, toyParse)
}

const toyReport = `{"toy": [{"api": "a", "rule": "r1", "sev": "high", "fp": "x"}, {"api": "b", "rule": "r2", "sev": "urgent"},
  {"api": "a", "rule": "r1", "sev": "high", "fp": "x"}]}`

// A directory: only detected files, each once even when two paths reach
// it; per file its warnings, evidence and then findings.
func TestCollectDirectory(t *testing.T) {
	fsys := fstest.MapFS{
		"in/r.json":         {Data: []byte(toyReport)},
		"in/sub/clean.json": {Data: []byte(`{"toy": []}`)},
		"in/other.json":     {Data: []byte(`{"site": []}`)},
		"in/broken.json":    {Data: []byte(`{"site": [`)},
		"in/.hidden/r.json": {Data: []byte(toyReport)},
	}
	sink := &scantest.Sink{}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"in", "in/r.json"}}
	if err := collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	want := []string{"evidence", "evidence", "finding", "finding", "evidence"}
	if !reflect.DeepEqual(sink.Order, want) {
		t.Fatalf("order %v, want %v", sink.Order, want)
	}
	if sink.Evidences[2].API != "clean" || sink.Evidences[0].Artifact.Name != "in/r.json" || sink.Evidences[0].Location != "toy" {
		t.Errorf("evidence %+v", sink.Evidences)
	}
	if !reflect.DeepEqual(sink.Warnings, []string{`in/r.json: r2: unknown severity "urgent"; taken as info`}) {
		t.Errorf("warnings %q", sink.Warnings)
	}
	if !reflect.DeepEqual(sink.Findings[0].Tags, []string{"occurrences:2"}) {
		t.Errorf("merged %+v", sink.Findings[0])
	}
}

// A file named explicitly must parse: no detection, its errors returned.
func TestCollectNamedFile(t *testing.T) {
	fsys := fstest.MapFS{
		"other.json": {Data: []byte(`{"site": []}`)},
		"cut.json":   {Data: []byte("{\"toy\": [\n{\"rule\": ")},
		"boom.json":  {Data: []byte(`{"toy": [{"rule": "panic"}]}`)},
		"empty.json": {Data: nil},
	}
	src := collectors.Source{Name: "s", FS: fsys}
	for _, c := range []struct {
		path string
		kind error
		msg  string
	}{
		{"other.json", errToy, `toy: other.json:1: no "toy"`},
		{"cut.json", safedecode.ErrSyntax, "toy: cut.json:2:10: "},
		{"boom.json", scan.ErrParserPanic, "toy: boom.json: internal error while reading the file: toy panic"},
		{"empty.json", errToy, "toy: empty.json:1: want one object"},
		{"nope", nil, "toy: "},
	} {
		src.Paths = []string{c.path}
		err := collect(context.Background(), src, &scantest.Sink{})
		if err == nil || (c.kind != nil && !errors.Is(err, c.kind)) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v %q", c.path, err, c.kind, c.msg)
		}
	}
	src.Paths = nil
	if err := collect(context.Background(), src, &scantest.Sink{}); err == nil || err.Error() != `toy: source "s": no paths to read` {
		t.Errorf("no paths: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src.Paths = []string{"other.json"}
	if err := collect(ctx, src, &scantest.Sink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A file over the 64 MiB limit is refused from its size (a sparse file:
// nothing is read), with the file's name.
func TestCollectTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = collect(context.Background(), collectors.Source{Name: "s", Paths: []string{p}}, &scantest.Sink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "toy: "+p+": ") || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("huge file: %v", err)
	}
}

// The scantest helpers pass a good result and catch a bad one.
func TestScantestCheck(t *testing.T) {
	res, err := toyParse("r.json", []byte(toyReport), collectors.Source{})
	if err != nil {
		t.Fatal(err)
	}
	scantest.Check(t, res)
	e := scantest.ParseErr(t, "toy", toyParse, "x.json", []byte(`{"toy": 1}`), errToy, "x.json:1:", "toy: want an array, got number")
	if e.Path != "toy" {
		t.Errorf("%+v", e)
	}
	scantest.Fuzz(t, "toy", toyDetect, toyParse, "f.json", []byte(toyReport))
	scantest.Fuzz(t, "toy", toyDetect, toyParse, "f.json", []byte("{"))
	for _, bad := range []*scan.Result{
		{},
		{Evidence: res.Evidence, Findings: []collectors.Finding{{API: "a", Tool: "toy", RuleID: "r", Severity: "urgent"}}},
		{Evidence: res.Evidence, Findings: []collectors.Finding{{API: "zzz", Tool: "toy", RuleID: "r", Severity: "low"}}},
		{Evidence: res.Evidence, Findings: []collectors.Finding{{API: "a", Tool: "toy", RuleID: "r", Severity: "low", Method: "get"}}},
		{Evidence: res.Evidence, Findings: []collectors.Finding{res.Findings[0], res.Findings[0]}},
	} {
		ft := &fakeT{TB: t}
		func() {
			defer func() { _ = recover() }()
			scantest.Check(ft, bad)
		}()
		if !ft.failed {
			t.Errorf("Check passed %+v", bad)
		}
	}
}

// fakeT records a failure instead of failing the test; Fatalf stops the
// checked function with a panic the caller recovers.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }

func (f *fakeT) Fatal(...any) { f.failed = true; panic(f) }

func (f *fakeT) Errorf(string, ...any) { f.failed = true }
