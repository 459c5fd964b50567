package graphql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
)

// FuzzParse feeds Parse arbitrary bytes, as one file and split into two.
// It must never panic (a recovered panic counts as a failure here), never
// hang, and either fail with an *Error naming a file or return a
// well-formed result. The seeds are the hand-made schemas, the small real
// ones from testdata and the bad inputs of the other tests; `go test` runs
// them every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{appsyncSchema, apolloSchema, amplifySchema, redwoodSchema, boundedSchema,
		semanticSchema, sensitivitySchema, queryFile + typesFile + mutFile + extFile,
		"", "type Query { a: Int }", "query { a }", "{", "[[[[", `"""`, "\"\\u", "# c\n",
		"type Query { a(x: [[[Int]]] = [[[1]]]): Int }",
		"input I { a: I! }\ntype Query { a(i: I): Int }",
		"type Query { a: Int @nope }",
		"type Query @aws_api_key { a: AWSJSON @aws_iam }",
		"schema { query: Q }\ntype Q { a: Q }",
		"extend schema @link(url: \"x\", import: [\"@key\"])\ntype Query { a: Int @key }",
		"interface I { a: I }\ntype T implements I { a: T }\ntype Query { t: I }\nunion U = T\n",
		"directive @d(a: Int = {x: [1]}) repeatable on FIELD_DEFINITION\ntype Query { a: Int @d @d }",
		"type Query {\n  a: Int\n  a: Int\n}\nscalar String\n",
		"type Query { a: String @sensitive }",
	} {
		f.Add([]byte(s))
	}
	matches, _ := filepath.Glob(filepath.Join("testdata", "gqlgen", "*", "*.graphql"))
	more, _ := filepath.Glob(filepath.Join("testdata", "gqlgen", "*.graphql"))
	for _, p := range append(matches, more...) {
		if data, err := os.ReadFile(p); err == nil && len(data) <= 4<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range []int{len(data), len(data) / 2} {
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64}}
		half := len(data) / 2
		for _, files := range [][]File{
			{{Name: "fuzz.graphql", Data: data}},
			{{Name: "a.graphql", Data: data[:half]}, {Name: "b.graphql", Data: data[half:]}},
		} {
			res, err := Parse("fuzz", files, opt)
			if err != nil {
				if errors.Is(err, ErrParserPanic) {
					t.Fatalf("panic: %v", err)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %T %q is not an *Error", err, err)
				}
				if !strings.HasPrefix(err.Error(), "graphql: fuzz.graphql") && !strings.HasPrefix(err.Error(), "graphql: a.graphql") &&
					!strings.HasPrefix(err.Error(), "graphql: b.graphql") {
					t.Fatalf("error %q does not name a file", err)
				}
				continue
			}
			checkResult(t, res)
		}
	})
}
