package openapi

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// Hand-made documents, one true and one false case (and the unknown case
// where there is one) for every fact.

const securitySpec = `openapi: 3.0.3
info: {title: Sec, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://auth.example.com/t", scopes: {read: r}}}
    basic: {type: http, scheme: Basic}
    oidc: {$ref: '#/components/securitySchemes/oidcReal'}
    oidcReal: {type: openIdConnect, openIdConnectUrl: "https://auth.example.com/.well-known"}
    mtls: {type: mutualTLS}
paths:
  /inherit:
    get: {responses: {"200": {description: ok}, "400": {description: bad}, "401": {description: no}}}
  /public:
    get: {security: [], responses: {"200": {description: ok}, "400": {description: bad}}}
  /optional:
    get: {security: [{}, {key: []}], responses: {"200": {description: ok}}}
  /scoped:
    get: {security: [{oauth: [read]}, {oidc: [openid]}], responses: {"200": {description: ok}, "400": {description: x}}}
  /unscoped:
    get: {security: [{oauth: []}, {basic: []}], responses: {"200": {description: ok}, "4XX": {description: x}}}
  /both:
    get: {security: [{key: [], basic: []}], responses: {"200": {description: ok}, "404": {description: x}}}
`

func TestFactsSecurity(t *testing.T) {
	res := mustParse(t, "sec.yaml", securitySpec)
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecSecuritySchemes: []string{"apiKey", "http-basic", "mutualTLS", "oauth2", "openIdConnect"},
	})
	cases := map[string]map[string]any{
		"GET /inherit": {collectors.FactAuthDeclared: true, collectors.FactAuthPublic: false,
			collectors.FactAuthSchemes: []string{"apiKey"}, collectors.FactAuthScopesDeclared: nil,
			collectors.FactResponseErrorsDocumented: true},
		"GET /public": {collectors.FactAuthDeclared: false, collectors.FactAuthPublic: true,
			collectors.FactAuthSchemes: []string{}, collectors.FactResponseErrorsDocumented: true},
		"GET /optional": {collectors.FactAuthDeclared: false, collectors.FactAuthPublic: false,
			collectors.FactAuthSchemes: []string{"apiKey"}, collectors.FactResponseErrorsDocumented: false},
		"GET /scoped": {collectors.FactAuthDeclared: true, collectors.FactAuthScopesDeclared: true,
			collectors.FactAuthSchemes: []string{"oauth2", "openIdConnect"},
			// a 400 but no 401/403 on an authenticated operation
			collectors.FactResponseErrorsDocumented: false},
		"GET /unscoped": {collectors.FactAuthScopesDeclared: false, collectors.FactAuthSchemes: []string{"http-basic", "oauth2"},
			collectors.FactResponseErrorsDocumented: true},
		"GET /both": {collectors.FactAuthDeclared: true, collectors.FactAuthScopesDeclared: nil,
			collectors.FactAuthSchemes: []string{"apiKey", "http-basic"}},
	}
	for key, exp := range cases {
		want(t, key, endpointFacts(t, res, key), exp)
	}
}

const requestSpec = `openapi: 3.1.0
info: {title: Req, version: "1"}
paths:
  /typed/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    post:
      parameters:
        - {name: q, in: query, schema: {type: string, maxLength: 10, pattern: "^[a-z]+$"}}
        - {name: n, in: query, schema: {type: integer, maximum: 100}}
        - {name: tags, in: query, schema: {type: array, maxItems: 3, items: {type: string, enum: [a, b]}}}
        - {name: f, in: query, content: {application/json: {schema: {type: string, const: x}}}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Closed'}
      responses:
        "201": {description: created}
  /composed:
    put:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Composed'}
      responses: {"204": {description: done}}
  /untyped:
    post:
      parameters: [{name: q, in: query}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Open'}}}
      responses: {"204": {description: done}}
  /unbounded:
    get:
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {"204": {description: done}}
  /anything:
    post:
      requestBody:
        content: {application/json: {schema: {}}}
      responses: {"204": {description: done}}
  /nocontent:
    post:
      requestBody: {description: forgot the content}
      responses: {"204": {description: done}}
  /map:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, additionalProperties: {type: string, maxLength: 3, format: byte}}
      responses: {"204": {description: done}}
  /noinput:
    get:
      responses: {"204": {description: done}}
components:
  schemas:
    Closed:
      type: object
      additionalProperties: false
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, maxLength: 50, pattern: "^[A-Z]"}
        when: {type: string, format: date-time}
        child: {$ref: '#/components/schemas/Node'}
    Node:
      type: object
      unevaluatedProperties: false
      properties:
        label: {type: string, enum: [x, y]}
        children: {type: array, maxItems: 5, items: {$ref: '#/components/schemas/Node'}}
        parent: {$ref: '#/components/schemas/Node'}
    Base:
      type: object
      properties:
        name: {type: string, maxLength: 9, format: hostname}
    Composed:
      allOf:
        - {$ref: '#/components/schemas/Base'}
        - type: object
          properties:
            size: {type: number, exclusiveMaximum: 10}
      unevaluatedProperties: false
    Open:
      type: object
      properties:
        a: {type: string, format: email, maxLength: 5}
`

func TestFactsRequest(t *testing.T) {
	res := mustParse(t, "req.yaml", requestSpec)
	cases := map[string]map[string]any{
		// readOnly id needs no bound; recursion through Node terminates.
		"POST /typed/{id}": {collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: true,
			collectors.FactRequestStrict: true, collectors.FactDataSemanticTypes: true},
		"PUT /composed": {collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: true,
			collectors.FactRequestStrict: true, collectors.FactDataSemanticTypes: true},
		"POST /untyped": {collectors.FactRequestSchemaDefined: false, collectors.FactRequestBounded: false,
			collectors.FactRequestStrict: false},
		"GET /unbounded": {collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: false,
			collectors.FactRequestStrict: true, collectors.FactDataSemanticTypes: false},
		"POST /anything": {collectors.FactRequestSchemaDefined: false, collectors.FactRequestBounded: false,
			collectors.FactRequestStrict: true},
		"POST /nocontent": {collectors.FactRequestSchemaDefined: false},
		"POST /map":       {collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: true, collectors.FactRequestStrict: false},
		"GET /noinput": {collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: true,
			collectors.FactRequestStrict: true, collectors.FactDataSemanticTypes: true},
	}
	for key, exp := range cases {
		want(t, key, endpointFacts(t, res, key), exp)
	}
}

const responseSpec = `openapi: 3.0.3
info: {title: Resp, version: "1"}
paths:
  /ok:
    get:
      responses:
        "200":
          description: ok
          headers:
            X-RateLimit-Remaining: {schema: {type: integer}}
          content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}
        "204": {description: nothing}
        "404": {$ref: '#/components/responses/NotFound'}
  /empty-schema:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {}}}}
        "429": {description: slow down}
  /no-success:
    get:
      responses:
        "404": {description: nope}
  /default-only:
    get:
      responses:
        default: {description: whatever}
  /none:
    get:
      responses: {}
  /missing-media-schema:
    get:
      responses:
        "2XX": {description: ok, content: {text/plain: {}}}
        "503": {description: busy, headers: {Retry-After: {schema: {type: integer}}}}
components:
  responses:
    NotFound: {description: not found}
  schemas:
    Item: {type: object, properties: {id: {type: string, format: uuid}}}
`

func TestFactsResponse(t *testing.T) {
	res := mustParse(t, "resp.yaml", responseSpec)
	cases := map[string]map[string]any{
		"GET /ok": {collectors.FactResponseSchemaDefined: true, collectors.FactResponseErrorsDocumented: true,
			collectors.FactResponseRateLimitDocumented: true, collectors.FactDataSemanticTypes: true},
		"GET /empty-schema": {collectors.FactResponseSchemaDefined: false, collectors.FactResponseErrorsDocumented: true,
			collectors.FactResponseRateLimitDocumented: true},
		"GET /no-success":   {collectors.FactResponseSchemaDefined: false, collectors.FactResponseErrorsDocumented: true},
		"GET /default-only": {collectors.FactResponseSchemaDefined: true, collectors.FactResponseErrorsDocumented: false, collectors.FactResponseRateLimitDocumented: false},
		"GET /none":         {collectors.FactResponseSchemaDefined: false, collectors.FactResponseErrorsDocumented: false},
		"GET /missing-media-schema": {collectors.FactResponseSchemaDefined: false, collectors.FactResponseRateLimitDocumented: true,
			collectors.FactResponseErrorsDocumented: false},
	}
	for key, exp := range cases {
		want(t, key, endpointFacts(t, res, key), exp)
	}
}

const dataSpec = `openapi: 3.0.3
info:
  title: Data
  version: "2.1"
  x-owner: team-payments
  x-data-classification: confidential
  contact: {name: Payments, email: payments@example.com}
servers:
  - url: https://api.example.com/v2
  - url: "{scheme}://eu.example.com/v2"
    variables:
      scheme: {default: https, enum: [https]}
paths:
  /users/{id}:
    get:
      deprecated: true
      parameters:
        - {name: id, in: path, required: true, x-pii: true, schema: {type: string, format: uuid}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
  /public-only:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {nick: {type: string, pattern: ".+", x-data-classification: public}}}
  /op-annotated:
    post:
      x-sensitive: true
      responses: {"204": {description: ok}}
  /plain:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {type: string}}}}}
components:
  schemas:
    User:
      type: object
      properties:
        email: {type: string, format: email, x-pii: true}
        card: {$ref: '#/components/schemas/Card'}
        friends: {type: array, items: {$ref: '#/components/schemas/User'}}
    Card:
      type: object
      x-pci: {category: pan}
      properties:
        last4: {type: string, pattern: "^[0-9]{4}$"}
`

func TestFactsDataAndAPI(t *testing.T) {
	res := mustParse(t, "data.yaml", dataSpec)
	api := res.API
	if api.Name != "Data" || api.Owner != "team-payments" || api.Classification != "confidential" ||
		api.Contact != "payments@example.com" || api.Version != "2.1" ||
		len(api.BaseURLs) != 2 || api.BaseURLs[1] != "https://eu.example.com/v2" {
		t.Errorf("API = %+v", api)
	}
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecPresent: true, collectors.FactSpecFormat: "openapi", collectors.FactSpecVersion: "3.0.3",
		collectors.FactSpecOperations: int64(4), collectors.FactSpecServersHTTPS: true,
		collectors.FactSpecVersionDeclared: true, collectors.FactSpecVersionedURL: true,
		collectors.FactInventoryOwner: "team-payments", collectors.FactSpecSecuritySchemes: []string{},
	})
	cases := map[string]map[string]any{
		"GET /users/{id}": {collectors.FactDeprecated: true, collectors.FactDataSensitivityAnnotated: true,
			collectors.FactDataSensitiveFields: []string{
				"/components/schemas/Card",
				"/components/schemas/User/properties/email",
				"/paths/~1users~1{id}/get/parameters/0",
			},
			collectors.FactDataSemanticTypes: true},
		"GET /public-only": {collectors.FactDataSensitivityAnnotated: true, collectors.FactDataSensitiveFields: nil,
			collectors.FactDeprecated: false},
		"POST /op-annotated": {collectors.FactDataSensitivityAnnotated: true,
			collectors.FactDataSensitiveFields: []string{"/paths/~1op-annotated/post"}},
		"GET /plain": {collectors.FactDataSensitivityAnnotated: false, collectors.FactDataSensitiveFields: nil,
			collectors.FactDataSemanticTypes: false},
	}
	for key, exp := range cases {
		want(t, key, endpointFacts(t, res, key), exp)
	}
	var dep bool
	for _, ep := range res.Endpoints {
		if ep.Key() == "GET /users/{id}" {
			dep = ep.Deprecated
		}
	}
	if !dep {
		t.Error("endpoint GET /users/{id} not marked deprecated")
	}
}

func TestFactsServers(t *testing.T) {
	for _, c := range []struct {
		servers          string
		https, versioned bool
		paths            string
	}{
		{"[{url: 'https://api.example.com'}]", true, false, "/a: {get: {responses: {'200': {description: x}}}}"},
		{"[{url: 'http://api.example.com/v1'}]", false, true, "/a: {get: {responses: {'200': {description: x}}}}"},
		{"[{url: '/api'}]", true, true, "/v1/a: {get: {responses: {'200': {description: x}}}}\n  /v2/b/{id}: {get: {responses: {'200': {description: x}}}}"},
		{"[{url: '/api'}]", true, false, "/v1/a: {get: {responses: {'200': {description: x}}}}\n  /b/{id}/v1: {get: {responses: {'200': {description: x}}}}"},
		{"[{url: '{s}://x.example.com', variables: {s: {default: https, enum: [https, http]}}}]", false, false, "{}"},
		{"[{url: 'https://v2.api.example.com'}]", true, true, "{}"},
		{"[]", true, false, "{}"},
	} {
		doc := "openapi: 3.0.0\ninfo: {title: S, version: '1'}\nservers: " + c.servers + "\npaths:\n  " + c.paths + "\n"
		res := mustParse(t, "servers.yaml", doc)
		want(t, c.servers+" "+c.paths, res.Evidence[0].Facts, map[string]any{
			collectors.FactSpecServersHTTPS: c.https, collectors.FactSpecVersionedURL: c.versioned,
		})
	}
	// Operation-level servers count too.
	res := mustParse(t, "opserver.yaml", `openapi: 3.0.0
info: {title: S, version: ''}
servers: [{url: 'https://api.example.com'}]
paths:
  /a:
    get:
      servers: [{url: 'http://legacy.example.com'}]
      responses: {'200': {description: x}}
`)
	want(t, "op servers", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecServersHTTPS: false, collectors.FactSpecVersionDeclared: false,
	})
}

const swaggerSpec = `swagger: "2.0"
info: {title: Legacy, version: "0.9", x-team: legacy-team}
host: api.example.com
basePath: /v1
schemes: [http, https]
securityDefinitions:
  basic: {type: basic}
  key: {type: apiKey, in: header, name: X-Key}
security: [{basic: []}]
paths:
  /upload:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file}
        - {name: note, in: formData, type: string, maxLength: 10, x-pii: true}
      responses:
        "200": {description: ok}
        "401": {description: no}
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, type: integer, maximum: 99}
    put:
      security: []
      parameters:
        - name: body
          in: body
          schema: {$ref: '#/definitions/Item'}
      responses:
        "200": {description: ok, schema: {$ref: '#/definitions/Item'}}
        "400": {description: bad}
    get:
      parameters:
        - {name: q, in: query}
      responses:
        default: {description: x, schema: {type: object}}
definitions:
  Item:
    type: object
    additionalProperties: false
    properties:
      name: {type: string, enum: [a]}
`

func TestFactsSwagger(t *testing.T) {
	res := mustParse(t, "legacy.yaml", swaggerSpec)
	if res.Format != "swagger" || res.Paths != 2 || len(res.Endpoints) != 3 {
		t.Fatalf("format %s paths %d endpoints %d", res.Format, res.Paths, len(res.Endpoints))
	}
	api := res.API
	if api.Owner != "legacy-team" || len(api.BaseURLs) != 2 || api.BaseURLs[0] != "http://api.example.com/v1" {
		t.Errorf("API = %+v", api)
	}
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecFormat: "swagger", collectors.FactSpecVersion: "2.0",
		collectors.FactSpecSecuritySchemes: []string{"apiKey", "http-basic"},
		collectors.FactSpecServersHTTPS:    false, collectors.FactSpecVersionedURL: true,
		collectors.FactInventoryOwner: "legacy-team",
	})
	cases := map[string]map[string]any{
		"POST /upload": {collectors.FactAuthDeclared: true, collectors.FactAuthSchemes: []string{"http-basic"},
			collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: false,
			collectors.FactResponseSchemaDefined: true, collectors.FactResponseErrorsDocumented: true,
			collectors.FactDataSensitiveFields: []string{"/paths/~1upload/post/parameters/1"}},
		"PUT /items/{id}": {collectors.FactAuthPublic: true, collectors.FactAuthDeclared: false,
			collectors.FactRequestSchemaDefined: true, collectors.FactRequestBounded: true, collectors.FactRequestStrict: true,
			collectors.FactResponseSchemaDefined: true, collectors.FactResponseErrorsDocumented: true,
			collectors.FactDataSemanticTypes: true},
		"GET /items/{id}": {collectors.FactRequestSchemaDefined: false, collectors.FactResponseSchemaDefined: true,
			collectors.FactResponseErrorsDocumented: false},
	}
	for key, exp := range cases {
		want(t, key, endpointFacts(t, res, key), exp)
	}
}

// Options.API and Options.Owner override and default.
func TestOptionsNameOwner(t *testing.T) {
	res, err := Parse("x.yaml", []byte(securitySpec), Options{API: "payments", Owner: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if res.API.Name != "payments" || res.API.Owner != "team-a" || res.Endpoints[0].API != "payments" {
		t.Fatalf("API %+v", res.API)
	}
	if _, ok := res.Evidence[0].Facts[collectors.FactInventoryOwner]; ok {
		t.Fatal("inventory.owner set from the source default, not the document")
	}
	// The document's owner wins over the default.
	res, err = Parse("x.yaml", []byte(dataSpec), Options{Owner: "team-a"})
	if err != nil || res.API.Owner != "team-payments" {
		t.Fatalf("owner %q %v", res.API.Owner, err)
	}
}

// Structural variants: path item $refs, YAML anchors and merge keys, 3.2
// query/additionalOperations, webhooks (not endpoints of this API).
func TestParseVariants(t *testing.T) {
	res := mustParse(t, "variants.yaml", `openapi: 3.2.0
info: {title: V, version: "1"}
x-common: &common
  responses:
    "200": {description: ok}
    "401": {description: no}
paths:
  /a:
    get: *common
    post:
      <<: *common
      deprecated: true
    query:
      responses: {"200": {description: ok}}
    additionalOperations:
      LINK: {responses: {"200": {description: ok}}}
  /b: {$ref: '#/components/pathItems/B'}
  x-ignored: {get: {}}
webhooks:
  newPet: {post: {responses: {"200": {description: ok}}}}
components:
  pathItems:
    B:
      delete: {responses: {"204": {description: gone}}}
`)
	var keys []string
	for _, e := range res.Endpoints {
		keys = append(keys, e.Key())
	}
	wantKeys := []string{"GET /a", "POST /a", "QUERY /a", "LINK /a", "DELETE /b"}
	if strings.Join(keys, ",") != strings.Join(wantKeys, ",") || res.Paths != 2 {
		t.Fatalf("endpoints %v, paths %d", keys, res.Paths)
	}
	if !res.Endpoints[1].Deprecated || res.Endpoints[0].Deprecated {
		t.Errorf("deprecated flags %+v", res.Endpoints[:2])
	}
	locs := []string{res.Evidence[1].Location, res.Evidence[4].Location, res.Evidence[5].Location}
	if strings.Join(locs, " ") != "/paths/~1a/get /paths/~1a/additionalOperations/LINK /paths/~1b/delete" {
		t.Errorf("locations %v", locs)
	}
	want(t, "POST /a", endpointFacts(t, res, "POST /a"), map[string]any{
		collectors.FactDeprecated: true, collectors.FactResponseErrorsDocumented: true,
	})
	// query and additionalOperations are 3.2 only.
	res = mustParse(t, "v31.yaml", "openapi: 3.1.0\ninfo: {title: V, version: '1'}\npaths:\n  /a:\n    query: {}\n    get: {}\n")
	if len(res.Endpoints) != 1 {
		t.Errorf("3.1 endpoints %v", res.Endpoints)
	}
}
