package protobuf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
	"github.com/posture-dev/posture/internal/safedecode"
)

// parseErr parses files expecting an error of kind whose text is exactly
// msg (when msg starts with "protobuf: ") or contains every part.
func parseErr(t *testing.T, files []File, opt Options, kind error, msg string) error {
	t.Helper()
	res, err := Parse(files, opt)
	if err == nil {
		t.Fatalf("Parse succeeded with %d APIs, want an error", len(res.APIs))
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %v is not %v", err, kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("error %T %v is not an *Error", err, err)
	}
	if err.Error() != msg {
		t.Errorf("error\n %q\nwant\n %q", err.Error(), msg)
	}
	return err
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		name, src, msg string
	}{
		{"brace.proto", "syntax = \"proto3\";\nmessage A {\n  string s = 1;\n}\n}\n",
			"protobuf: brace.proto:5:1: syntax error: unexpected '}'"},
		{"semi.proto", "syntax = \"proto3\";\nmessage A {\n  string s = 1\n}\n",
			"protobuf: semi.proto:4:1: syntax error: expecting ';'"},
		{"syntax4.proto", "syntax = \"proto4\";\n",
			`protobuf: syntax4.proto:1:10: syntax value must be "proto2" or "proto3"`},
		{"required.proto", "syntax = \"proto3\";\nmessage A {\n  required string s = 1;\n}\n",
			"protobuf: required.proto:3:3: field A.s: label 'required' is not allowed in proto3 or editions"},
		{"rpc.proto", "syntax = \"proto3\";\nservice S {\n  rpc X(A) returns B;\n}\n",
			"protobuf: rpc.proto:3:20: syntax error: unexpected identifier, expecting '('"},
	} {
		t.Run(c.name, func(t *testing.T) {
			parseErr(t, []File{{Name: c.name, Data: []byte(c.src)}}, Options{}, ErrSyntax, c.msg)
		})
	}
}

// A syntax error in an import (found through ImportFS) is an error naming
// the import's display name.
func TestSyntaxErrorInImport(t *testing.T) {
	fsys := fstest.MapFS{
		"lib/common.proto": {Data: []byte("syntax = \"proto3\";\npackage lib;\nmessage C { int32 x = 1 }\n")},
	}
	main := File{Name: "api.proto", Display: "root/api.proto", Data: []byte("syntax = \"proto3\";\nimport \"common.proto\";\nservice S { rpc X(lib.C) returns (lib.C); }\n")}
	parseErr(t, []File{main}, Options{ImportFS: fsys, ImportPaths: []string{"lib"}, DisplayName: func(rel string) string { return "root/" + rel }},
		ErrSyntax, "protobuf: root/lib/common.proto:3:25: syntax error: expecting ';'")
}

func TestSizeLimits(t *testing.T) {
	src := []byte("syntax = \"proto3\";\npackage p;\nservice S { rpc X(M) returns (M); }\nmessage M {}\n")
	parseErr(t, []File{{Name: "big.proto", Data: src}}, Options{Limits: safedecode.Limits{MaxBytes: 20}},
		safedecode.ErrTooLarge, "protobuf: big.proto: input exceeds the size limit of 20 bytes")
	two := []File{{Name: "a.proto", Data: src}, {Name: "b.proto", Data: src}}
	parseErr(t, two, Options{MaxTotalBytes: int64(len(src)) + 10}, safedecode.ErrTooLarge,
		fmt.Sprintf("protobuf: b.proto: the files read exceed the total size limit of %d bytes", len(src)+10))

	// A file over the default 64 MiB is refused from its size alone (a
	// sparse file: nothing is read).
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.proto")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(65 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{dir}}, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || err.Error() != "protobuf: "+p+": input exceeds the size limit of 64 MiB" {
		t.Errorf("huge file: %v", err)
	}
	// max_total_bytes counts every file read.
	fsys := fstest.MapFS{"a.proto": {Data: src}, "b.proto": {Data: src}}
	err = Collector{}.Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"."},
		Options: map[string]string{"max_total_bytes": fmt.Sprint(len(src) + 1)}}, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "protobuf: b.proto: ") {
		t.Errorf("total: %v", err)
	}
}

func TestNestingAndTokenLimits(t *testing.T) {
	deep := "syntax = \"proto3\";\n" + strings.Repeat("message A {\n", 300) + strings.Repeat("}\n", 300)
	// The 257th "{" opens on line 258 (line 1 is the syntax statement),
	// column 11.
	parseErr(t, []File{{Name: "deep.proto", Data: []byte(deep)}}, Options{}, safedecode.ErrTooDeep,
		"protobuf: deep.proto:258:11: nesting exceeds the depth limit of 256")
	lit := "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\noption (x) = " + strings.Repeat("{a:", 100) + strings.Repeat("}", 100) + ";\n"
	parseErr(t, []File{{Name: "lit.proto", Data: []byte(lit)}}, Options{Limits: safedecode.Limits{MaxDepth: 50}}, safedecode.ErrTooDeep,
		"protobuf: lit.proto:3:164: nesting exceeds the depth limit of 50")
	// Braces in strings and comments do not count.
	quoted := "syntax = \"proto3\";\n// {{{{{{\n/* {{{{{{ */\nmessage A { string s = 1 [json_name = \"{{{{{{{{\"]; }\n"
	if _, err := Parse([]File{{Name: "q.proto", Data: []byte(quoted)}}, Options{Limits: safedecode.Limits{MaxDepth: 3}}); err != nil {
		t.Errorf("quoted braces: %v", err)
	}
	long := "syntax = \"proto3\";\npackage " + strings.Repeat("a.", 3000) + "b;\n"
	parseErr(t, []File{{Name: "long.proto", Data: []byte(long)}}, Options{}, ErrSyntax,
		"protobuf: long.proto:2:9: identifier or number longer than 4096 characters")
}

// A long chain of message types (M0 holds M1 holds M2 ...) is walked
// without recursion and in linear time.
func TestLongTypeChain(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage chain;\nservice S { rpc X(M0) returns (M0); }\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "message M%d { M%d next = 1; }\n", i, i+1)
	}
	fmt.Fprintf(&b, "message M%d { string end = 1; }\n", n)
	start := time.Now()
	res, err := Parse([]File{{Name: "chain.proto", Data: []byte(b.String())}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, ev := endpoint(t, api(t, res, "chain"), "POST /chain.S/X")
	want(t, "X", ev.Facts, map[string]any{collectors.FactRequestBounded: false})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestImportPathsStayInRoot(t *testing.T) {
	parseErr(t, []File{{Name: "a.proto", Data: []byte("syntax = \"proto3\";\n")}}, Options{ImportPaths: []string{"../up"}},
		ErrInvalid, "protobuf: ../up: import path leaves the source root")
	parseErr(t, []File{{Name: "../a.proto", Data: []byte("syntax = \"proto3\";\n")}}, Options{},
		ErrInvalid, "protobuf: ../a.proto: file name must be a path inside the source root")
	err := Collector{}.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"testdata"},
		Options: map[string]string{"import_paths": "ok, /etc"}}, &memSink{})
	if err == nil || err.Error() != `protobuf: source "s": option import_paths: "/etc" leaves the source root` {
		t.Errorf("import_paths /etc: %v", err)
	}
	// An import naming a path above the root is not read: it is missing.
	fsys := fstest.MapFS{
		"api/a.proto":  {Data: []byte("syntax = \"proto3\";\nimport \"../secret.proto\";\nservice S { rpc X(M) returns (M); }\nmessage M {}\n")},
		"secret.proto": {Data: []byte("syntax = \"proto3\";\nmessage Hidden {}\n")},
	}
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"api"}}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Endpoints) != 1 {
		t.Errorf("endpoints %v", sink.Endpoints)
	}
}

func TestCollectErrors(t *testing.T) {
	ctx := context.Background()
	if err := (Collector{}).Collect(ctx, collectors.Source{Name: "s"}, &memSink{}); err == nil || err.Error() != `protobuf: source "s": no paths to read` {
		t.Errorf("no paths: %v", err)
	}
	err := Collector{}.Collect(ctx, collectors.Source{Name: "s", Paths: []string{"testdata/nope"}}, &memSink{})
	if err == nil || !strings.HasPrefix(err.Error(), "protobuf: ") || !strings.Contains(err.Error(), "testdata/nope") {
		t.Errorf("missing path: %v", err)
	}
	for _, o := range []string{"max_bytes", "max_total_bytes", "max_depth"} {
		err := Collector{}.Collect(ctx, collectors.Source{Name: "s", Paths: []string{"testdata"}, Options: map[string]string{o: "-1"}}, &memSink{})
		if err == nil || err.Error() != fmt.Sprintf(`protobuf: source "s": option %s="-1" is not a positive integer`, o) {
			t.Errorf("%s: %v", o, err)
		}
	}
	// A syntax error in a directory fails the whole source, naming the file
	// as the source shows it.
	fsys := fstest.MapFS{
		"ok.proto":  {Data: []byte("syntax = \"proto3\";\nservice S { rpc X(M) returns (M); }\nmessage M {}\n")},
		"bad.proto": {Data: []byte("syntax = \"proto3\";\nmessage {\n")},
	}
	err = Collector{}.Collect(ctx, collectors.Source{Name: "s", FS: fsys, Paths: []string{"."}}, &memSink{})
	if !errors.Is(err, ErrSyntax) || err.Error() != "protobuf: bad.proto:2:9: syntax error: unexpected '{'" {
		t.Errorf("bad file: %v", err)
	}
	// The sink's error stops the collection.
	sink := &memSink{FailAfter: 3}
	err = Collector{}.Collect(ctx, collectors.Source{Name: "s", Paths: []string{"testdata/grpc"}}, sink)
	if !errors.Is(err, collectortest.ErrSinkFull) {
		t.Errorf("sink error: %v", err)
	}
	// A cancelled context stops it too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = Collector{}.Collect(cctx, collectors.Source{Name: "s", Paths: []string{"testdata"}}, &memSink{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A single file named in Paths is read with its directory as the root.
func TestCollectSingleFile(t *testing.T) {
	p := filepath.Join("testdata", "grpc", "examples", "route_guide", "routeguide", "route_guide.proto")
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{p}, API: "routes"}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.APIs) != 1 || sink.APIs[0].Name != "routes" || len(sink.Endpoints) != 4 {
		t.Fatalf("apis %v, %d endpoints", sink.APIs, len(sink.Endpoints))
	}
	for _, ev := range sink.Evidences {
		if ev.Artifact.Name != p || ev.API != "routes" || ev.Artifact != sink.Evidences[0].Artifact {
			t.Errorf("evidence %s: artifact %q (%p), API %q", ev.Location, ev.Artifact.Name, ev.Artifact, ev.API)
		}
	}
	if !strings.HasPrefix(sink.Evidences[1].Location, p+":") {
		t.Errorf("location %q", sink.Evidences[1].Location)
	}
}
