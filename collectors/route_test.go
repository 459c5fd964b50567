package collectors

import "testing"

func TestRouteMatch(t *testing.T) {
	cases := []struct {
		name      string
		route     Route
		method    string
		template  string
		basePaths []string
		hosts     []string
		match     bool
	}{
		{"any", Route{}, "GET", "/orders", nil, nil, true},
		{"prefix", Route{Paths: []PathMatch{{Prefix: "/orders"}}}, "GET", "/orders/{id}", nil, nil, true},
		{"prefix is a plain string prefix (as gateways match)", Route{Paths: []PathMatch{{Prefix: "/order"}}}, "GET", "/orders", nil, nil, true},
		{"prefix elsewhere", Route{Paths: []PathMatch{{Prefix: "/orders"}}}, "GET", "/customers/{id}/orders", nil, nil, false},
		{"prefix with base path", Route{Paths: []PathMatch{{Prefix: "/v2/orders"}}}, "GET", "/orders", []string{"/v2"}, nil, true},
		{"stripped prefix", Route{Paths: []PathMatch{{Prefix: "/orders"}}}, "GET", "/orders", []string{"/v2"}, nil, true},
		{"exact", Route{Paths: []PathMatch{{Exact: "/health"}}}, "GET", "/health", nil, nil, true},
		{"exact other", Route{Paths: []PathMatch{{Exact: "/health"}}}, "GET", "/healthz", nil, nil, false},
		{"regex with parameter", Route{Paths: []PathMatch{{Regex: `~/orders/[^/]+$`}}}, "GET", "/orders/{id}", nil, nil, true},
		{"regex anchored", Route{Paths: []PathMatch{{Regex: `/orders`}}}, "GET", "/v1/orders", nil, nil, false},
		{"method", Route{Methods: []string{"POST"}}, "get", "/x", nil, nil, false},
		{"method case", Route{Methods: []string{"get"}}, "GET", "/x", nil, nil, true},
		{"host mismatch", Route{Hosts: []string{"a.example.com"}}, "GET", "/x", nil, []string{"b.example.com"}, false},
		{"host wildcard", Route{Hosts: []string{"*.example.com"}}, "GET", "/x", nil, []string{"api.example.com"}, true},
		{"host suffix wildcard", Route{Hosts: []string{"api.*"}}, "GET", "/x", nil, []string{"api.example.com"}, true},
		{"no API hosts: hosts ignored", Route{Hosts: []string{"a.example.com"}}, "GET", "/x", nil, nil, true},
	}
	for _, tc := range cases {
		if got := tc.route.Match(tc.method, tc.template, tc.basePaths, tc.hosts) > 0; got != tc.match {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.match)
		}
	}
}

func TestRouteSpecificity(t *testing.T) {
	exact := Route{Paths: []PathMatch{{Exact: "/orders/x0"}}}.Match("GET", "/orders/{id}", nil, nil)
	long := Route{Paths: []PathMatch{{Prefix: "/orders"}}}.Match("GET", "/orders/{id}", nil, nil)
	short := Route{Paths: []PathMatch{{Prefix: "/"}}}.Match("GET", "/orders/{id}", nil, nil)
	re := Route{Paths: []PathMatch{{Regex: "/orders/.*"}}}.Match("GET", "/orders/{id}", nil, nil)
	if !(exact > long && long > short && short > re && re > 0) {
		t.Fatalf("specificity exact %d, long prefix %d, root %d, regex %d", exact, long, short, re)
	}
}

func TestValidateRoute(t *testing.T) {
	if err := ValidateRoute(Route{Name: "r", Paths: []PathMatch{{Regex: "(["}}}); err == nil {
		t.Fatal("broken regex accepted")
	}
	if err := ValidateRoute(Route{Name: "r", Paths: []PathMatch{{Prefix: "/a", Exact: "/a"}}}); err == nil {
		t.Fatal("two rules in one PathMatch accepted")
	}
}

func TestSplitBaseURLs(t *testing.T) {
	h, p := SplitBaseURLs([]string{"https://api.example.com/v2/", "https://sandbox.example.com/v2", "/relative"})
	if len(h) != 2 || h[0] != "api.example.com" || len(p) != 2 || p[0] != "/v2" || p[1] != "/relative" {
		t.Fatalf("hosts %v paths %v", h, p)
	}
}
