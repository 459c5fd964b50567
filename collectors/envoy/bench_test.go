package envoy

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParse parses the largest file of the shared Envoy corpus.
func BenchmarkParse(b *testing.B) {
	root, rels := corpusFiles(b)
	var data []byte
	var name string
	for _, rel := range rels {
		d, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			b.Fatal(err)
		}
		if len(d) > len(data) {
			data, name = d, rel
		}
	}
	b.Logf("%s, %d bytes", name, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(name, data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
