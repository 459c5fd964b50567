package protobuf

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/testutil"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       bool
	}{
		{"api.proto", "", true},
		{"API.PROTO", "garbage", true},
		{"x.txt", "syntax = \"proto3\";\npackage a;\n", true},
		{"x", "// c\nsyntax='proto2';\n\nmessage M {}\n", true},
		{"x", "edition = \"2023\";\nservice S {}\n", true},
		{"x", "  syntax = \"proto3\" ;\n  package a.b;\n", true},
		{"x", "syntax = \"proto3\";\n", false},                    // nothing declared after it
		{"x", "package a;\nsyntax = \"proto3\";\n", false},        // declaration before the syntax
		{"x", "syntax = \"proto4\";\npackage a;\n", false},        // not a protobuf syntax
		{"x", "# syntax = \"proto3\";\npackage a;\n", false},      // not at line start
		{"x.yaml", "openapi: 3.0.0\nsyntax: proto3\n", false},     // YAML
		{"x.json", `{"syntax": "proto3", "package": "a"}`, false}, // JSON
		{"Dockerfile", "# syntax=docker/dockerfile:1\nFROM x\n", false},
	} {
		if got := (Collector{}).Detect(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Detect(%q, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// Detect claims no file of the shared corpus (there is no .proto there);
// every testdata .proto is claimed from its head alone too.
func TestDetectCorpus(t *testing.T) {
	root := testutil.Corpus(t, ".")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		head, err := source.Head(os.DirFS(root), filepath.ToSlash(rel), 64<<10)
		if err != nil {
			return err
		}
		n++
		if (Collector{}).Detect(rel, head) {
			t.Errorf("Detect claims corpus file %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("only %d corpus files seen", n)
	}
	for _, f := range readTree(t, ".") {
		head := f.Data[:min(len(f.Data), 4096)]
		if !(Collector{}).Detect("file", head) {
			t.Errorf("%s: not detected from its head", f.Name)
		}
	}
}
