package awsapigw

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

func corpusFiles(t testing.TB) map[string][]byte {
	root := testutil.Corpus(t, "gateways/aws-apigateway")
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[filepath.Base(p)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func routeBy(t *testing.T, res *Result, key string) collectors.Facts {
	t.Helper()
	for _, r := range res.Routes {
		if r.Method+" "+r.Path == key {
			return r.Evidence.Facts
		}
	}
	t.Fatalf("route %s not found", key)
	return nil
}

// Every corpus file parses, and Detect recognises it.
func TestCorpusAllParse(t *testing.T) {
	for name, data := range corpusFiles(t) {
		if !(Collector{}).Detect(name, data) {
			t.Errorf("%s: not detected", name)
		}
		res, err := Parse(name, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(res.Routes) == 0 {
			t.Errorf("%s: no routes", name)
		}
	}
}

// Expected values come from reading the file: two operations, GET /products
// (security [api_key] + x-amazon-apigateway-auth aws_iam, integration aws to
// a Lambda ARN) and POST /products/child (security [api_key], auth none,
// integration http to https://api.github.com); no request validators, no
// OPTIONS/CORS, no timeoutInMillis.
func TestCorpusTable(t *testing.T) {
	files := corpusFiles(t)
	type want struct {
		routes     int
		validators int
		facts      map[string]collectors.Facts
		absent     map[string][]string
	}
	tests := map[string]want{
		"aws-apigateway-importer-apigateway.json": {
			routes: 2,
			facts: map[string]collectors.Facts{
				"GET /products": {
					"tls.enforced": true, "auth.enforced": true, "authz.enforced": true,
					"auth.mechanisms": []string{"aws-iam", "key-auth"}, "authz.mechanisms": []string{"aws-iam"},
					"validation.enforced": false, "timeout.configured": false,
					"gateway.upstream": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:ACCOUNT_ID:function:myFunction/invocations",
					"gateway.plugins":  []string{"auth", "integration", "integration:aws"},
				},
				"POST /products/child": {
					"auth.enforced": true, "authz.enforced": false, "auth.mechanisms": []string{"key-auth"},
					"gateway.upstream": "https://api.github.com", "validation.enforced": false,
				},
			},
			absent: map[string][]string{"GET /products": {"cors.restricted", "ratelimit.enabled", "logging.enabled"}},
		},
	}
	for name := range files {
		if _, ok := tests[name]; !ok {
			t.Errorf("corpus file %s has no table entry", name)
		}
	}
	for name, w := range tests {
		data, ok := files[name]
		if !ok {
			t.Errorf("%s missing from corpus", name)
			continue
		}
		res, err := Parse(name, data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Routes) != w.routes || len(res.Validators) != w.validators {
			t.Errorf("%s: %d routes %d validators", name, len(res.Routes), len(res.Validators))
		}
		if len(res.Spec.Endpoints) != w.routes || res.Spec.API.Name != "API Gateway Test API" {
			t.Errorf("%s: spec part %d endpoints, API %q", name, len(res.Spec.Endpoints), res.Spec.API.Name)
		}
		for key, facts := range w.facts {
			got := routeBy(t, res, key)
			for k, v := range facts {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s %s: %s = %#v, want %#v", name, key, k, got[k], v)
				}
			}
		}
		for key, ks := range w.absent {
			got := routeBy(t, res, key)
			for _, k := range ks {
				if _, ok := got[k]; ok {
					t.Errorf("%s %s: %s set, want unknown", name, key, k)
				}
			}
		}
		for _, r := range res.Routes {
			if r.Evidence.Artifact != res.Spec.Evidence[0].Artifact || r.Evidence.API != res.Spec.API.Name {
				t.Errorf("%s: route %s not tied to the spec artifact/API", name, r.Path)
			}
		}
	}
}

const swaggerHead = "swagger: '2.0'\ninfo: {title: T, version: '1'}\n"

const factsSpec = swaggerHead + `securityDefinitions:
  key: {type: apiKey, name: x-api-key, in: header}
  other: {type: apiKey, name: token, in: query}
  cognito:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: [arn]}
  lambda:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer: {type: token, authorizerUri: arn}
  sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
security: [{key: []}]
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  none: {validateRequestBody: false, validateRequestParameters: false}
x-amazon-apigateway-request-validator: all
paths:
  /inherit:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://b.example', timeoutInMillis: 2500}
  /public:
    get:
      security: []
      x-amazon-apigateway-request-validator: none
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration: {type: mock}
    options:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default:
            statusCode: '200'
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
  /scoped:
    post:
      security: [{cognito: [orders/write]}]
      responses: {'200': {description: ok}}
    options:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default:
            statusCode: '200'
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'https://a.example'"
              method.response.header.Access-Control-Allow-Credentials: "'true'"
  /unscoped:
    get:
      security: [{cognito: []}]
      responses: {'200': {description: ok}}
  /custom:
    get:
      security: [{lambda: []}]
      responses: {'200': {description: ok}}
  /iam:
    get:
      security: [{sigv4: []}]
      responses: {'200': {description: ok}}
  /either:
    get:
      security: [{key: []}, {}]
      responses: {'200': {description: ok}}
  /ignored:
    get:
      security: [{other: []}]
      responses: {'200': {description: ok}}
  /undeclared:
    get:
      security: [{nope: []}]
      responses: {'200': {description: ok}}
  /reflect:
    get:
      responses: {'200': {description: ok}}
    options:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default:
            statusCode: '200'
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: method.request.header.Origin
`

func TestFacts(t *testing.T) {
	res, err := Parse("facts.yaml", []byte(factsSpec), Options{APIMap: map[string]string{"T": "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Spec.API.Name != "orders" || res.Routes[0].Evidence.API != "orders" {
		t.Errorf("API name not mapped: %q", res.Spec.API.Name)
	}
	cases := []struct {
		route string
		want  collectors.Facts
		unset []string
	}{
		// root security and root validator inherited
		{"GET /inherit", collectors.Facts{"auth.enforced": true, "authz.enforced": false, "auth.mechanisms": []string{"key-auth"},
			"validation.enforced": true, "timeout.configured": true, "timeout.seconds": int64(3), "gateway.upstream": "https://b.example",
			"tls.enforced": true, "bodysize.limited": true}, []string{"cors.restricted"}},
		// operation overrides: security [] and validator "none"
		{"GET /public", collectors.Facts{"auth.enforced": false, "authz.enforced": false, "validation.enforced": false,
			"cors.restricted": false, "cors.wildcard": true, "cors.origins": []string{"*"}, "gateway.upstream": "mock", "timeout.configured": false}, []string{"auth.mechanisms"}},
		{"OPTIONS /public", collectors.Facts{"cors.wildcard": true}, nil},
		{"POST /scoped", collectors.Facts{"auth.enforced": true, "authz.enforced": true, "auth.mechanisms": []string{"oidc"}, "authz.mechanisms": []string{"scopes"},
			"cors.restricted": true, "cors.wildcard": false, "cors.credentials": true, "cors.origins": []string{"https://a.example"}}, []string{"timeout.configured"}},
		{"GET /unscoped", collectors.Facts{"auth.enforced": true, "authz.enforced": false, "auth.mechanisms": []string{"oidc"}}, nil},
		{"GET /custom", collectors.Facts{"auth.enforced": true, "auth.mechanisms": []string{"custom"}}, []string{"authz.enforced"}},
		{"GET /iam", collectors.Facts{"auth.enforced": true, "authz.enforced": true, "auth.mechanisms": []string{"aws-iam"}}, nil},
		{"GET /either", collectors.Facts{"auth.enforced": false}, nil},
		{"GET /ignored", collectors.Facts{"auth.enforced": false}, nil},
		{"GET /undeclared", collectors.Facts{}, []string{"auth.enforced", "authz.enforced"}},
		{"GET /reflect", collectors.Facts{"cors.restricted": false, "cors.wildcard": true}, nil},
	}
	for _, c := range cases {
		got := routeBy(t, res, c.route)
		for k, v := range c.want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %#v, want %#v", c.route, k, got[k], v)
			}
		}
		for _, k := range c.unset {
			if _, ok := got[k]; ok {
				t.Errorf("%s: %s = %#v, want unknown", c.route, k, got[k])
			}
		}
	}
	r := res.Routes[0]
	if r.Evidence.Route == nil || r.Evidence.Route.Paths[0].Exact != r.Path || r.Evidence.Route.Methods[0] != r.Method || !strings.HasPrefix(r.Evidence.Location, "/paths/~1") {
		t.Errorf("route shape: %+v %q", r.Evidence.Route, r.Evidence.Location)
	}
}

func TestOpenAPI3AndHTTPAPICors(t *testing.T) {
	spec := `{"openapi": "3.0.1", "info": {"title": "H", "version": "1"},
 "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "allowCredentials": true},
 "components": {"securitySchemes": {"jwt": {"type": "oauth2", "flows": {},
   "x-amazon-apigateway-authorizer": {"type": "jwt", "jwtConfiguration": {"issuer": "i"}}}}},
 "paths": {"/a": {"x-amazon-apigateway-any-method": {"security": [{"jwt": ["read"]}],
   "x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "arn:x", "timeoutInMillis": 30000}}}}}`
	res, err := Parse("h.json", []byte(spec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Routes) != 1 || res.Routes[0].Evidence.Route.Methods != nil {
		t.Fatalf("routes: %+v", res.Routes)
	}
	f := res.Routes[0].Evidence.Facts
	want := collectors.Facts{"auth.mechanisms": []string{"jwt"}, "authz.enforced": true, "cors.wildcard": true, "cors.credentials": true,
		"cors.restricted": false, "timeout.seconds": int64(30)}
	for k, v := range want {
		if !reflect.DeepEqual(f[k], v) {
			t.Errorf("%s = %#v, want %#v", k, f[k], v)
		}
	}
}

func TestBadInput(t *testing.T) {
	big := strings.Repeat(" ", 100)
	cases := []struct {
		name, data, want string
		lim              safedecode.Limits
	}{
		{"plain.yaml", swaggerHead + "paths: {}\n", "plain.yaml", safedecode.Limits{}},
		{"size.yaml", swaggerHead + big, "size.yaml", safedecode.Limits{MaxBytes: 50}},
		{"syntax.yaml", swaggerHead + "x-amazon-apigateway-cors: [\n  a: b\n", "line", safedecode.Limits{}},
		{"op.yaml", swaggerHead + "paths:\n  /a:\n    get: 3\n x-amazon-apigateway-cors: {}\n", "op.yaml", safedecode.Limits{}},
		{"integ.yaml", swaggerHead + "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n      x-amazon-apigateway-integration: 3\n", "/paths/~1a/get/x-amazon-apigateway-integration", safedecode.Limits{}},
		{"validators.yaml", swaggerHead + "x-amazon-apigateway-request-validators: 3\npaths: {}\n", "/x-amazon-apigateway-request-validators", safedecode.Limits{}},
		{"bomb.yaml", swaggerHead + "x-amazon-apigateway-x: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "bomb.yaml", safedecode.Limits{MaxAliasNodes: 100}},
		{"garbage.bin", "\x00\xffgarbage", "garbage.bin", safedecode.Limits{}},
	}
	for _, c := range cases {
		_, err := Parse(c.name, []byte(c.data), Options{Limits: c.lim})
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not name %q", c.name, err, c.want)
		}
	}
	var e *Error
	if _, err := Parse("plain.yaml", []byte(swaggerHead+"paths: {}\n"), Options{}); !errors.As(err, &e) || !errors.Is(err, ErrNotAWS) {
		t.Errorf("plain: %v", err)
	}
}

type sink struct {
	apis, endpoints int
	ev              []collectors.Evidence
}

func (s *sink) API(collectors.API) error           { s.apis++; return nil }
func (s *sink) Endpoint(collectors.Endpoint) error { s.endpoints++; return nil }
func (s *sink) Evidence(e collectors.Evidence) error {
	s.ev = append(s.ev, e)
	return nil
}
func (s *sink) Finding(collectors.Finding) error { return nil }

func TestCollectAndDetect(t *testing.T) {
	fsys := fstest.MapFS{
		"d/facts.yaml":  {Data: []byte(factsSpec)},
		"d/plain.yaml":  {Data: []byte(swaggerHead + "paths: {}\n")},
		"d/notes.txt":   {Data: []byte("x")},
		"bad/kong.yaml": {Data: []byte("_format_version: '3.0'\n")},
	}
	var s sink
	c := Collector{}
	if err := c.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"d"}, FS: fsys, API: "forced"}, &s); err != nil {
		t.Fatal(err)
	}
	if s.apis != 1 || s.endpoints != 13 || len(s.ev) != 1+13+13 || s.ev[len(s.ev)-1].API != "forced" || s.ev[len(s.ev)-1].Route == nil {
		t.Errorf("collect: %d apis %d endpoints %d evidence", s.apis, s.endpoints, len(s.ev))
	}
	err := c.Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"bad/kong.yaml"}, FS: fsys}, &s)
	if err == nil || !strings.Contains(err.Error(), "kong.yaml") {
		t.Errorf("non-AWS file: %v", err)
	}
	if c.Detect("k.yaml", []byte("_format_version: '3.0'\n")) || c.Detect("p.yaml", []byte(swaggerHead)) || !c.Detect("f.yaml", []byte(factsSpec)) {
		t.Error("detect")
	}
	if c.Kind() != "awsapigw" || c.Version() != "1" || collectors.OriginOf(c) != collectors.OriginGateway {
		t.Error("identity")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{factsSpec, swaggerHead + "paths: {}\n", "\x00", "", "swagger: '2.0'\nx-amazon-apigateway-cors: &a [*a]\n",
		`{"openapi": "3.0.0", "x-amazon-apigateway-cors": {"allowOrigins": 3}, "paths": {"/a": {"get": {"security": 3}}}}`,
		swaggerHead + "paths:\n  /a:\n    get: {x-amazon-apigateway-integration: {timeoutInMillis: 1e300}}\n"} {
		f.Add([]byte(s))
	}
	for _, data := range corpusFiles(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = (Collector{}).Detect("fuzz", data)
		res, err := Parse("fuzz.yaml", data, Options{Limits: safedecode.Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxAliasNodes: 10_000}})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		for _, r := range res.Routes {
			if err := collectors.ValidateFacts(r.Evidence.Facts); err != nil || r.Evidence.Route == nil {
				t.Fatalf("bad route %+v: %v", r, err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	var name string
	var data []byte
	for n, d := range corpusFiles(b) {
		if len(d) > len(data) {
			name, data = n, d
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(name, data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
