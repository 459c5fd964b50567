package collectors

import "testing"

func TestPathTemplatesMatchLikeARouter(t *testing.T) {
	m := NewPathTemplates([]string{"GET /users/{id}", "GET /users/me", "POST /users", "GET /", "QUERY viewer", "DELETE /users/{id}/keys/{key}"},
		[]string{"/v1", ""})
	for _, tc := range []struct{ method, url, want string }{
		{"GET", "https://api.example.com/v1/users/42?expand=1", "GET /users/{id}"},
		{"GET", "/users/me", "GET /users/me"}, // literal beats {param}
		{"get", "/v1/users", ""},              // only POST /users exists
		{"POST", "/v1/users/", "POST /users"},
		{"", "/users/7/keys/k1", "DELETE /users/{id}/keys/{key}"}, // DAST without a method
		{"GET", "/v1", "GET /"},
		{"GET", "/v2/users/42", ""}, // another base path
		{"GET", "/users//x", ""},    // an empty segment is no {param}
	} {
		got, ok := m.Match(tc.method, tc.url)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Match(%q, %q) = %q, %v; want %q", tc.method, tc.url, got, ok, tc.want)
		}
	}
}
