package scoring

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/store"
)

func TestGraphQLFieldsAreServedByTheRouteToTheGraphQLURL(t *testing.T) {
	route := func(id int64, src string, r collectors.Route, facts collectors.Facts) routeRecord {
		return routeRecord{rec: store.Evidence{ID: id, Source: src}, route: r, facts: facts}
	}
	for _, tc := range []struct {
		name     string
		baseURLs []string
		gqlPath  string
	}{
		{"no base URL: /graphql", nil, "/graphql"},
		{"host-only base URL: /graphql", []string{"https://api.example.com"}, "/graphql"},
		{"base URL names the endpoint", []string{"https://api.example.com/api/gql"}, "/api/gql"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := []string{"QUERY viewer", "MUTATION addStar"}
			eps := map[string]*controls.EndpointInput{}
			for _, k := range keys {
				eps[k] = &controls.EndpointInput{Key: k, Facts: map[string]controls.Observation{}}
			}
			routes := []routeRecord{
				route(1, "kong", collectors.Route{Name: "gql", Methods: []string{"POST"}, Paths: []collectors.PathMatch{{Exact: tc.gqlPath}}},
					collectors.Facts{"ratelimit.enabled": true}),
				route(2, "kong", collectors.Route{Name: "admin", Paths: []collectors.PathMatch{{Prefix: "/admin"}}},
					collectors.Facts{"ratelimit.enabled": false}),
			}
			cov := applyRoutes(map[string]controls.Observation{}, eps, keys, routes, tc.baseURLs)
			for _, k := range keys {
				if v := eps[k].Facts["ratelimit.enabled"].Value; v != true {
					t.Errorf("%s ratelimit.enabled = %v, want true from the POST %s route", k, v, tc.gqlPath)
				}
			}
			if len(cov.unrouted) != 0 || len(cov.shadow) != 1 || !strings.Contains(cov.shadow[0], "admin") {
				t.Errorf("unrouted %q shadow %q; want only the admin route shadow", cov.unrouted, cov.shadow)
			}
		})
	}
}

func TestGatewayInSyncWhenRoutesAndOperationsMatch(t *testing.T) {
	keys := []string{"GET /orders", "GET /orders/{id}"}
	mk := func() map[string]*controls.EndpointInput {
		eps := map[string]*controls.EndpointInput{}
		for _, k := range keys {
			eps[k] = &controls.EndpointInput{Key: k, Facts: map[string]controls.Observation{}}
		}
		return eps
	}
	orders := routeRecord{rec: store.Evidence{ID: 7, Source: "kong"}, route: collectors.Route{Paths: []collectors.PathMatch{{Prefix: "/orders"}}}}
	only := routeRecord{rec: store.Evidence{ID: 8, Source: "kong"}, route: collectors.Route{Paths: []collectors.PathMatch{{Exact: "/orders"}}}}
	for _, tc := range []struct {
		name   string
		routes []routeRecord
		want   bool
	}{
		{"every operation routed, no shadow route", []routeRecord{orders}, true},
		{"an operation no route serves", []routeRecord{only}, false},
	} {
		api := map[string]controls.Observation{}
		applyRoutes(api, mk(), keys, tc.routes, nil)
		if o := api["gateway.in_sync"]; o.Value != tc.want || o.EvidenceID == 0 {
			t.Errorf("%s: gateway.in_sync = %+v, want %v citing the route", tc.name, o, tc.want)
		}
	}
}
