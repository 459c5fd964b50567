package protobuf

import (
	"errors"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
)

// FuzzParse feeds Parse arbitrary bytes as one file. It must never panic
// (a recovered panic counts as a failure here), never hang, and either
// fail with an *Error naming the file or return a well-formed result.
// Inputs of even length are also read unlinked, so both paths are fuzzed.
// The seeds are the small testdata files and the inputs of the other
// tests; `go test` runs them every time.
func FuzzParse(f *testing.F) {
	for _, file := range readTree(f, ".") {
		if len(file.Data) <= 20<<10 {
			f.Add(file.Data)
		}
	}
	for _, s := range []string{
		"", "\x00\xff", "syntax = \"proto3\";", "edition = \"2023\";\nservice S { rpc X(M) returns (M); }\nmessage M {}\n",
		"syntax = \"proto3\";\nservice S { rpc X(M) returns (stream M) { option (google.api.http) = { get: \"/v1/{a=*}\" additional_bindings [{post: \"/x\"}] }; } }\nmessage M { map<string, M> m = 1 [(validate.rules).map.max_pairs = 2]; }\n",
		"syntax = \"proto2\";\npackage p.v1;\nmessage A { optional group G = 1 { optional string s = 2; } }\nservice S { rpc X(A) returns (A); }\n",
		"syntax = \"proto3\";\nimport \"google/protobuf/any.proto\";\nservice S { rpc X(google.protobuf.Any) returns (.google.protobuf.Any) { option deprecated = true; } }\n",
		"syntax = \"proto3\";\nmessage A { A a = 1; B b = 2; }\nmessage B { A a = 1; string s = 2 [debug_redact = true]; }\nservice S { rpc X(A) returns (B); }\n",
		"syntax = \"proto3\";\nimport \"self.proto\";\nservice S {}\n",
		"syntax = \"proto3\";\noption (a).b.c = {d: [1, 2, {e: f}]};\n",
		"syntax = \"proto3\";\nservice S { option deprecated = true; rpc X(.A) returns (A.B.C); }\n",
		"syntax = \"proto3\";\nmessage A {\n" + strings.Repeat("message A {", 70) + strings.Repeat("}", 70) + "}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Detect sees heads cut anywhere.
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64}, noLink: len(data)%2 == 0}
		res, err := Parse([]File{{Name: "fuzz.proto", Data: data}}, opt)
		if err != nil {
			if errors.Is(err, ErrParserPanic) {
				t.Fatalf("panic: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "protobuf: fuzz.proto") {
				t.Fatalf("error %T %q does not name the file", err, err)
			}
			return
		}
		checkResult(t, res)
	})
}
