package awsapigw

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// FuzzParseStages feeds ParseStages and StageRoutes arbitrary bytes. They
// must never panic (a recovered panic is an "internal error" and fails
// here), and either fail with an *Error naming the file or give stages
// whose route evidence passes what ingest checks. The seeds are the stage
// fixtures and the bad inputs of TestStageBadInput's kind; `go test` runs
// them every time.
func FuzzParseStages(f *testing.F) {
	_ = filepath.WalkDir(filepath.Join("testdata", "stages"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	for _, s := range []string{
		`{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": "Infinity", "throttlingBurstLimit": 1e30}}}`,
		`{"stageName": "p", "methodSettings": {"~1a/*": {"throttlingRateLimit": 1e308}, "*/GET": {"loggingLevel": "info"}, "~1/ANY": {}}}`,
		`{"StageName": "p", "RouteSettings": {"$default": {"ThrottlingRateLimit": -0.0}, "ANY /a": {}}, "DefaultRouteSettings": {"LoggingLevel": "INFO"}}`,
		`{"item": [{"stageName": "a", "_links": {"self": {"href": "/restapis/x/stages/a"}}}, {"stageName": "b", "clientCertificateId": "c"}]}`,
		`{"stageName": "p", "accessLogSettings": {"destinationArn": ":"}, "canarySettings": {"a": 1}}`,
		`{"item": [[[[[[`, `[]`, ``, "\x00", `{"stageName": "p", "stageName": 3}`,
	} {
		f.Add([]byte(s))
	}
	exportRoutes := []Route{
		{Method: "GET", Path: "/a", Integration: "http"},
		{Method: "ANY", Path: "/$default"},
		{Method: "POST", Path: "/pets/{id}", Integration: "aws_proxy",
			Evidence: collectors.Evidence{Facts: collectors.Facts{collectors.FactGatewayPlugins: []string{"integration"}}}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range []int{len(data), len(data) / 2, len(data) / 3} {
			_ = stageShape(data[:n])
		}
		lim := safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}
		stages, err := ParseStages("fuzz.json", data, lim)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "awsapigw: fuzz.json: ") || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		art := &collectors.Artifact{Name: "fuzz.json", Data: data}
		for i := range stages {
			st := &stages[i]
			if st.Name == "" {
				t.Fatalf("stage without a name: %+v", st)
			}
			for _, api := range []StageAPI{{Name: "x", Routes: exportRoutes}, {Name: "x"}} {
				routes, err := StageRoutes(st, api, art)
				if err != nil {
					t.Fatalf("routes: %v", err)
				}
				min := 1 + len(st.Overrides)
				if api.Routes != nil {
					min = len(api.Routes)
				}
				if len(routes) < min {
					t.Fatalf("%d routes for %d operations / %d overrides", len(routes), len(api.Routes), len(st.Overrides))
				}
				for _, r := range routes {
					e := r.Evidence
					if err := collectors.ValidateFacts(e.Facts); err != nil || e.Route == nil || collectors.ValidateRoute(*e.Route) != nil || e.Artifact != art {
						t.Fatalf("bad evidence %+v: %v", e, err)
					}
					if _, ok := e.Facts[collectors.FactRateLimitEnabled].(bool); !ok {
						t.Fatalf("no ratelimit.enabled: %+v", e.Facts)
					}
					for _, n := range e.Notes {
						if _, ok := e.Facts[n.Fact]; !ok {
							t.Fatalf("note on unstated fact %s", n.Fact)
						}
					}
				}
			}
		}
	})
}
