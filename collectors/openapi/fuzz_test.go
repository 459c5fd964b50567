package openapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic (a recovered
// panic counts as a failure here), never hang, and either fail with an
// *Error naming the file or return a well-formed result. The seeds are the
// small corpus documents, the hand-made ones and the bad inputs of the
// other tests; `go test` runs them every time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{securitySpec, requestSpec, responseSpec, dataSpec, swaggerSpec, userSpec, aliasBomb,
		"openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
		"openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses: {'200': {content: {a/b: {schema: {$ref: '#/x'}}}}}\n",
		"swagger: '2.0'\npaths:\n  /a: {$ref: '#/paths/~1a'}\n",
		"openapi: 3.0.0\npaths:\n  /a: &a {get: {parameters: [*a]}}\n",
		`{"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/paths/~1a/get/responses/200"}}}}}}`,
		`{"openapi": "3.0.0", "x": [[[[[[`,
		"openapi: 4.0.0\n", "swagger: [2]\n", "", "\x00\xff", "openapi: 3.0.0\n<<: {paths: {}}\n",
	} {
		f.Add([]byte(s))
	}
	root := testutil.Corpus(f, "specs/openapi")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if info, err := d.Info(); err == nil && info.Size() <= 20<<10 {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Detect sees heads cut anywhere.
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = (Collector{}).Detect("fuzz", data[:n])
		}
		opt := Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}}
		res, err := Parse("fuzz.yaml", data, opt)
		if err != nil {
			if errors.Is(err, ErrParserPanic) {
				t.Fatalf("panic: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "openapi: fuzz.yaml: ") {
				t.Fatalf("error %T %q does not name the file", err, err)
			}
			return
		}
		checkResult(t, res)
	})
}
