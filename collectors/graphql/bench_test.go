package graphql

import "testing"

// BenchmarkParseGitHub parses GitHub's public schema (1.2 MB) and derives
// every fact.
func BenchmarkParseGitHub(b *testing.B) {
	files := []File{{Name: "schema.graphql", Data: githubSchema(b)}}
	b.SetBytes(int64(len(files[0].Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("github", files, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
