package protobuf

import (
	"os"
	"testing"
)

// BenchmarkParseExamples parses the grpc-gateway examplepb directory (22
// files) with the import paths that link most of it.
func BenchmarkParseExamples(b *testing.B) {
	files := readTree(b, "grpc-gateway/examples/internal/proto/examplepb")
	var n int64
	for _, f := range files {
		n += int64(len(f.Data))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Parse(files, Options{ImportFS: os.DirFS("testdata"), ImportPaths: append([]string(nil), testImportPaths...)})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.APIs) == 0 {
			b.Fatal("no APIs")
		}
	}
}
