// Package demo ships the sample evidence `posture demo` runs on: a few
// OpenAPI specs of fictional APIs, from strong to weak, a GraphQL schema, a
// gRPC service, gateway configurations and scan reports, embedded in the
// binary so the demo needs nothing but the binary.
package demo

import (
	"embed"
	"io/fs"
	"path"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/config"
)

//go:embed data
var data embed.FS

// FS is the demo data, rooted at data/, plus an access log generated
// when the demo starts (AccessLogPath).
func FS() fs.FS {
	sub, _ := fs.Sub(data, "data")
	return withLogs(sub)
}

// gateways are the demo's gateway configurations and how their services
// map onto the sample APIs.
var gateways = []config.Source{
	{Name: "demo-kong", Kind: "kong", Paths: []string{"gateways/kong.yaml"},
		APIMap: map[string]string{"payments-svc": "Payments API", "accounts-svc": "Accounts API"}},
	{Name: "demo-nginx", Kind: "nginx", Paths: []string{"gateways/nginx.conf"},
		APIMap: map[string]string{"orders.internal.example.com": "Legacy Orders API"}},
}

// descriptions in other formats than OpenAPI, with the team owning each.
var descriptions = []config.Source{
	{Name: "demo-catalog-graphql", Kind: "graphql", Paths: []string{"graphql/catalog.graphql"}, API: "Product Catalog API",
		Owner: "catalog", Options: map[string]string{"endpoint": "https://catalog.example.com/graphql"}},
	{Name: "demo-inventory-grpc", Kind: "protobuf", Paths: []string{"proto"}, API: "Inventory gRPC API", Owner: "fulfilment"},
}

// scans are the demo's CI scan reports, each about one sample API.
var scans = []config.Source{
	{Name: "demo-zap-legacy-orders", Kind: "zap", Paths: []string{"scans/legacy-orders-zap.json"}, API: "Legacy Orders API"},
	{Name: "demo-semgrep-payments", Kind: "sarif", Paths: []string{"scans/payments-semgrep.sarif"}, API: "Payments API"},
	// The gateway's access log, read from where the last run stopped.
	{Name: "demo-edge-logs", Kind: "accesslog", Paths: []string{AccessLogPath}, API: "Legacy Orders API",
		Options: map[string]string{"log_format": AccessLogFormat}},
}

// Sources returns one source per sample spec and one per sample gateway
// configuration whose collector is built in, each collected every 15
// minutes: enough to show the scheduler at work. Specs come first so
// gateway routes find the inventory they apply to.
func Sources() ([]config.Source, error) {
	entries, err := fs.ReadDir(FS(), "specs")
	if err != nil {
		return nil, err
	}
	var out []config.Source
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		out = append(out, config.Source{
			Name:       "demo-" + strings.TrimSuffix(e.Name(), ext),
			Kind:       "openapi",
			Paths:      []string{"specs/" + e.Name()},
			Schedule:   "@every 15m",
			RunAtStart: true,
		})
	}
	for _, d := range descriptions {
		if _, err := collectors.Get(d.Kind); err != nil {
			continue
		}
		d.Schedule, d.RunAtStart = "@every 15m", true
		out = append(out, d)
	}
	for _, g := range append(gateways, scans...) {
		if _, err := collectors.Get(g.Kind); err != nil {
			continue
		}
		g.Schedule, g.RunAtStart = "@every 15m", true
		out = append(out, g)
	}
	return out, nil
}
