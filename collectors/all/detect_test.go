package all_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/all"
	"github.com/posture-dev/posture/internal/testutil"
)

// Auto-detection over the whole shared corpus: every spec, gateway and
// scan and log file is claimed by the collector of its kind.
func TestDetectCorpus(t *testing.T) {
	want := map[string]string{
		"specs/openapi":            "openapi",
		"specs/graphql":            "graphql",
		"gateways/kong":            "kong",
		"gateways/tyk":             "tyk",
		"gateways/envoy":           "envoy",
		"gateways/nginx":           "nginx",
		"gateways/aws-apigateway":  "awsapigw",
		"scans/burp":               "burp",
		"scans/burp_api":           "burp",
		"scans/burp_graphql":       "burp",
		"scans/crunch42":           "crunch42",
		"scans/gitlab_api_fuzzing": "gitlab-api-fuzzing",
		"scans/gosec":              "gosec",
		"scans/nuclei":             "nuclei",
		"scans/sarif":              "sarif",
		"scans/semgrep":            "semgrep",
		"scans/trivy":              "trivy",
		"scans/wapiti":             "wapiti",
		"scans/zap":                "zap",
		"logs":                     "accesslog",
	}
	for dir, kind := range want {
		root := testutil.Corpus(t, dir)
		n := 0
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if len(data) > 64<<10 {
				data = data[:64<<10]
			}
			n++
			if got := collectors.Detect(p, data); got != kind {
				t.Errorf("%s: detected %q, want %q", p, got, kind)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s: no files", dir)
		}
	}
}
