package openapi

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
)

// ln is the 1-based line of the only line of doc containing marker: the
// expected lines below are found in the text, not taken from the parser.
func ln(t *testing.T, doc, marker string) int {
	t.Helper()
	found := 0
	for i, l := range strings.Split(doc, "\n") {
		if strings.Contains(l, marker) {
			if found != 0 {
				t.Fatalf("marker %q on lines %d and %d", marker, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("marker %q not in the document", marker)
	}
	return found
}

// note is an expected note; only the facts listed in a case are compared.
type note struct {
	fact, ptr string
	line      int
	msg       string
}

func (n note) String() string { return fmt.Sprintf("%s %s L%d %q", n.fact, n.ptr, n.line, n.msg) }

func notesOf(ev collectors.Evidence, facts map[string]bool) []note {
	var out []note
	for _, n := range ev.Notes {
		if facts == nil || facts[n.Fact] {
			out = append(out, note{n.Fact, n.Pointer, n.Line, n.Message})
		}
	}
	return out
}

func evidenceOf(t *testing.T, res *Result, key string) collectors.Evidence {
	t.Helper()
	for _, ev := range res.Evidence {
		if ev.Endpoint == key {
			return ev
		}
	}
	t.Fatalf("no evidence for %q", key)
	return collectors.Evidence{}
}

// wantNotes compares the notes of the facts named in exp (in the record's
// order) and checks that those facts are false.
func wantNotes(t *testing.T, where string, ev collectors.Evidence, exp []note) {
	t.Helper()
	facts := map[string]bool{}
	for _, n := range exp {
		facts[n.fact] = true
		if ev.Facts[n.fact] != false {
			t.Errorf("%s: %s = %v, want false", where, n.fact, ev.Facts[n.fact])
		}
	}
	got := notesOf(ev, facts)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("%s notes:\ngot  %v\nwant %v", where, got, exp)
	}
}

const notesSpec = `openapi: 3.1.0
info:
  title: Notes
servers:
  - url: https://api.example.com
  - url: http://api.example.com
  - url: "{s}://eu.example.com"
    variables:
      s: {default: https, enum: [https, http]}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://auth.example.com/t", scopes: {read: r}}}
  schemas:
    User:
      type: object
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
        age: {type: integer}
        email: {type: string, format: email, maxLength: 99}
        tags:
          type: array
          items: {type: string, maxLength: 5}
        nick: {type: string, maxLength: 9}
    Closed:
      type: object
      additionalProperties: false
      properties:
        a: {type: string, enum: [x]}
paths:
  /open:
    get:
      responses:
        "200": {description: ok}
  /optional:
    post:
      security: [{oauth: []}, {}]
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: raw, in: query}
        - {name: c, in: query, content: {text/plain: {}}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
      responses:
        "200":
          description: ok
          content:
            application/json: {}
        "404": {description: nf}
  /good:
    put:
      security: [{oauth: [read]}]
      deprecated: false
      x-pii: true
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Closed'}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Closed'}
          headers:
            RateLimit-Limit: {schema: {type: integer}}
        "401": {description: no}
`

const (
	msgString    = "string without maxLength, enum, pattern or a bounded format"
	msgPlain     = "string without format, pattern or enum"
	msgNoSchema  = "input without a schema accepts any value"
	msgNoSchemaS = "input without a schema is a string without format, pattern or enum"
	msgObject    = "object without additionalProperties: false or unevaluatedProperties: false"
	msgRateLimit = "no 429 response and no RateLimit/X-RateLimit headers"
	msgNoSec     = "no security requirement applies (no root security and none on the operation)"
	msgNotPublic = "the operation does not declare security: [] (not explicitly public)"
	msgNotDepr   = "the operation is not marked deprecated"
	msgNoAnnot   = "no field carries x-pii / x-sensitive / x-data-classification"
)

func TestNotesOpenAPI(t *testing.T) {
	d := notesSpec
	res := mustParse(t, "notes.yaml", d)
	L := func(marker string) int { return ln(t, d, marker) }

	api := res.Evidence[0]
	wantNotes(t, "api", api, []note{
		{collectors.FactSpecServersHTTPS, "/servers/1/url", L("url: http://api"), `server URL "http://api.example.com" is not https`},
		{collectors.FactSpecServersHTTPS, "/servers/2/url", L("{s}://eu"), `server URL "{s}://eu.example.com" may resolve to a scheme other than https`},
		{collectors.FactSpecVersionDeclared, "/info", L("info:"), "info has no version"},
		{collectors.FactSpecVersionedURL, "/servers", L("servers:"), "no version segment (v1, v2.1, v1beta1, 2010-04-01) in any server URL, nor in every path before its first template"},
	})
	if len(api.Notes) != 4 {
		t.Errorf("api notes %v", api.Notes)
	}

	open := "/paths/~1open/get"
	wantNotes(t, "GET /open", evidenceOf(t, res, "GET /open"), []note{
		{collectors.FactAuthDeclared, open, L("  /open:") + 1, msgNoSec},
		{collectors.FactAuthPublic, open, L("  /open:") + 1, msgNotPublic},
		{collectors.FactDataSensitivityAnnotated, open, L("  /open:") + 1, msgNoAnnot},
		{collectors.FactDeprecated, open, L("  /open:") + 1, msgNotDepr},
		{collectors.FactResponseErrorsDocumented, open + "/responses", L("  /open:") + 2, "no 4xx response"},
		{collectors.FactResponseRateLimitDocumented, open + "/responses", L("  /open:") + 2, msgRateLimit},
	})
	if n := len(evidenceOf(t, res, "GET /open").Notes); n != 6 {
		t.Errorf("GET /open: %d notes, want 6 (one per false fact)", n)
	}

	op := "/paths/~1optional/post"
	user := "/components/schemas/User/properties"
	ev := evidenceOf(t, res, "POST /optional")
	wantNotes(t, "POST /optional", ev, []note{
		{collectors.FactAuthDeclared, op + "/security/1", L("security: [{oauth: []}, {}]"), "empty requirement {} makes authentication optional"},
		{collectors.FactAuthPublic, op + "/security", L("security: [{oauth: []}, {}]"), "the operation's security is not empty (public needs security: [])"},
		{collectors.FactAuthScopesDeclared, op + "/security/0/oauth", L("security: [{oauth: []}, {}]"), `oauth2 requirement "oauth" lists no scopes`},
		{collectors.FactDataSemanticTypes, user + "/name", L("name: {type: string}"), msgPlain},
		{collectors.FactDataSemanticTypes, user + "/tags/items", L("items: {type: string, maxLength: 5}"), msgPlain},
		{collectors.FactDataSemanticTypes, user + "/nick", L("nick: {"), msgPlain},
		{collectors.FactDataSemanticTypes, op + "/parameters/0/schema", L("name: q,"), msgPlain},
		{collectors.FactDataSemanticTypes, op + "/parameters/1", L("name: raw"), msgNoSchemaS},
		// parameters/2 is the sixth: beyond the five kept per fact.
		{collectors.FactRequestBounded, user + "/name", L("name: {type: string}"), msgString},
		{collectors.FactRequestBounded, user + "/age", L("age: {"), "number without maximum"},
		{collectors.FactRequestBounded, user + "/tags", L("tags:"), "array without maxItems"},
		{collectors.FactRequestBounded, op + "/parameters/0/schema", L("name: q,"), msgString},
		{collectors.FactRequestBounded, op + "/parameters/1", L("name: raw"), msgNoSchema},
		{collectors.FactRequestSchemaDefined, op + "/parameters/1", L("name: raw"), "parameter without a schema or content"},
		{collectors.FactRequestSchemaDefined, op + "/parameters/2/content/text~1plain", L("name: c,"), "media type without a schema"},
		{collectors.FactRequestStrict, "/components/schemas/User", L("    User:"), msgObject},
		{collectors.FactResponseRateLimitDocumented, op + "/responses", L("application/json: {}") - 4, msgRateLimit},
		{collectors.FactResponseSchemaDefined, op + "/responses/200/content/application~1json", L("application/json: {}"), "media type without a schema"},
	})
	// errors are documented (a 404, and authentication is optional).
	want(t, "POST /optional", ev.Facts, map[string]any{collectors.FactResponseErrorsDocumented: true})

	// Every fact of /good holds but two: only those two have notes.
	good := "/paths/~1good/put"
	ev = evidenceOf(t, res, "PUT /good")
	wantNotes(t, "PUT /good", ev, []note{
		{collectors.FactAuthPublic, good + "/security", L("security: [{oauth: [read]}]"), "the operation's security is not empty (public needs security: [])"},
		{collectors.FactDeprecated, good + "/deprecated", L("deprecated: false"), "deprecated is not true"},
	})
	if len(ev.Notes) != 2 {
		t.Errorf("PUT /good notes %v", ev.Notes)
	}
}

// The other ways each fact is false, one small document each.
func TestNotesMore(t *testing.T) {
	cases := []struct {
		name, doc, key string
		exp            func(L func(string) int) []note
	}{
		{"root security empty", `openapi: 3.0.0
info: {title: T, version: "1"}
security: []
paths:
  /a:
    get:
      responses: {"200": {description: ok}, "400": {description: x}}
`, "GET /a", func(L func(string) int) []note {
			return []note{{collectors.FactAuthDeclared, "/security", L("security: []"), "the root security requires no authentication and the operation declares none"}}
		}},
		{"operation security empty", `openapi: 3.0.0
info: {title: T, version: "1"}
security: [{k: []}]
components: {securitySchemes: {k: {type: apiKey, in: header, name: K}}}
paths:
  /a:
    get:
      security: []
      responses: {"200": {description: ok}, "400": {description: x}}
`, "GET /a", func(L func(string) int) []note {
			return []note{{collectors.FactAuthDeclared, "/paths/~1a/get/security", L("      security: []"), "the operation's security is empty: no authentication required"}}
		}},
		{"root requirement without scopes, errors without 401", `openapi: 3.0.0
info: {title: T, version: "1"}
security:
  - oidc: []
components: {securitySchemes: {oidc: {type: openIdConnect, openIdConnectUrl: "https://x/.well-known"}}}
paths:
  /a:
    get:
      responses: {"200": {description: ok}, "400": {description: x}}
  /b:
    get:
      responses:
        "200": {description: ok}
`, "GET /a", func(L func(string) int) []note {
			return []note{
				{collectors.FactAuthScopesDeclared, "/security/0/oidc", L("- oidc: []"), `openIdConnect requirement "oidc" lists no scopes`},
				{collectors.FactResponseErrorsDocumented, "/paths/~1a/get/responses", L(`responses: {"200": {description: ok}, "400"`), "no 401/403 although the operation requires authentication"},
			}
		}},
		{"no 4xx on an authenticated operation", `openapi: 3.0.0
info: {title: T, version: "1"}
security:
  - oidc: [openid]
components: {securitySchemes: {oidc: {type: openIdConnect, openIdConnectUrl: "https://x/.well-known"}}}
paths:
  /b:
    get:
      responses:
        "200": {description: ok}
`, "GET /b", func(L func(string) int) []note {
			return []note{{collectors.FactResponseErrorsDocumented, "/paths/~1b/get/responses", L("      responses:"),
				"no 4xx response (and no 401/403 although the operation requires authentication)"}}
		}},
		{"responses", `openapi: 3.1.0
info: {title: T}
paths:
  /none:
    get:
      summary: no responses at all (3.1 allows it)
`, "GET /none", func(L func(string) int) []note {
			return []note{
				{collectors.FactResponseErrorsDocumented, "/paths/~1none/get/responses", 0, "no 4xx response"},
				{collectors.FactResponseSchemaDefined, "/paths/~1none/get/responses", 0, "no 2xx or default response"},
			}
		}},
		{"empty and odd response schemas", `openapi: 3.1.0
info: {title: T}
paths:
  /empty:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {}
            text/plain:
              schema: [not, a, schema]
`, "GET /empty", func(L func(string) int) []note {
			return []note{
				{collectors.FactResponseSchemaDefined, "/paths/~1empty/get/responses/200/content/application~1json/schema", L("schema: {}"), "empty schema"},
				{collectors.FactResponseSchemaDefined, "/paths/~1empty/get/responses/200/content/text~1plain/schema", L("schema: [not"), "schema is an array, not a schema object"},
			}
		}},
		{"request body without content, untyped schema", `openapi: 3.1.0
info: {title: T}
paths:
  /a:
    post:
      parameters:
        - name: any
          in: query
          schema: {description: anything goes}
      requestBody:
        description: no content
      responses: {"204": {description: ok}}
`, "POST /a", func(L func(string) int) []note {
			body := "/paths/~1a/post/requestBody"
			any := "/paths/~1a/post/parameters/0/schema"
			return []note{
				{collectors.FactDataSemanticTypes, body, L("requestBody:"), "request body without content has no typed fields"},
				{collectors.FactRequestBounded, any, L("schema: {description"), "schema without a type accepts any value"},
				{collectors.FactRequestBounded, body, L("requestBody:"), "request body without content accepts anything"},
				{collectors.FactRequestSchemaDefined, any, L("schema: {description"), "schema without type, properties, items or enum"},
				{collectors.FactRequestSchemaDefined, body, L("requestBody:"), "request body without content"},
				{collectors.FactRequestStrict, body, L("requestBody:"), "request body without content accepts any object"},
			}
		}},
		{"info without version, versioned paths", `openapi: 3.0.0
info: {title: T, version: ""}
paths:
  /v1/a: {get: {responses: {"200": {description: ok}}}}
`, "", func(L func(string) int) []note {
			return []note{{collectors.FactSpecVersionDeclared, "/info/version", L("info:"), "info.version is empty"}}
		}},
		{"no info at all, no paths", `openapi: 3.1.0
servers: [{url: "https://api.example.com"}]
webhooks: {}
`, "", func(L func(string) int) []note {
			return []note{
				{collectors.FactSpecVersionDeclared, "/info", 0, "no info object, so no info.version"},
				{collectors.FactSpecVersionedURL, "/servers", L("servers:"), "no version segment (v1, v2.1, v1beta1, 2010-04-01) in any server URL, and there are no paths"},
			}
		}},
		{"path item and operation servers", `openapi: 3.0.0
info: {title: T, version: "1"}
paths:
  /v1/a:
    servers:
      - url: ws://legacy.example.com
    get:
      servers: [{url: "https://ok.example.com"}, {url: "HTTP://shout.example.com"}]
      responses: {"200": {description: ok}}
`, "", func(L func(string) int) []note {
			return []note{
				{collectors.FactSpecServersHTTPS, "/paths/~1v1~1a/servers/0/url", L("ws://legacy"), `server URL "ws://legacy.example.com" is not https`},
				{collectors.FactSpecServersHTTPS, "/paths/~1v1~1a/get/servers/1/url", L("HTTP://shout"), `server URL "HTTP://shout.example.com" is not https`},
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustParse(t, "more.yaml", c.doc)
			wantNotes(t, c.name, evidenceOf(t, res, c.key), c.exp(func(m string) int { return ln(t, c.doc, m) }))
		})
	}
}

func TestNotesSwagger(t *testing.T) {
	d := `swagger: "2.0"
info: {title: S, version: "1"}
host: api.example.com
schemes: [https, http]
paths:
  /a:
    post:
      schemes: [ws]
      parameters:
        - {name: q, in: query}
        - {name: f, in: formData, type: file}
        - {name: b, in: body}
      responses:
        "200": {description: ok}
`
	res := mustParse(t, "s.yaml", d)
	L := func(m string) int { return ln(t, d, m) }
	wantNotes(t, "api", res.Evidence[0], []note{
		{collectors.FactSpecServersHTTPS, "/schemes/1", L("schemes: [https, http]"), `scheme "http" is not https`},
		{collectors.FactSpecServersHTTPS, "/paths/~1a/post/schemes/0", L("schemes: [ws]"), `scheme "ws" is not https`},
		{collectors.FactSpecVersionedURL, "/basePath", 0, "no version segment (v1, v2.1, v1beta1, 2010-04-01) in the host (no basePath), nor in every path before its first template"},
	})
	op := "/paths/~1a/post/parameters/"
	wantNotes(t, "POST /a", evidenceOf(t, res, "POST /a"), []note{
		{collectors.FactRequestBounded, op + "0", L("name: q"), msgNoSchema},
		{collectors.FactRequestBounded, op + "1", L("name: f"), "file upload without a size bound"},
		{collectors.FactRequestBounded, op + "2", L("name: b"), msgNoSchema},
		{collectors.FactRequestSchemaDefined, op + "0", L("name: q"), "parameter without a type"},
		{collectors.FactRequestSchemaDefined, op + "2", L("name: b"), "body parameter without a schema"},
	})
	// A basePath without a version is named, with its line.
	d2 := strings.Replace(d, "host: api.example.com", "host: api.example.com\nbasePath: /api", 1)
	res = mustParse(t, "s2.yaml", d2)
	wantNotes(t, "api", res.Evidence[0], []note{
		{collectors.FactSpecVersionedURL, "/basePath", ln(t, d2, "basePath:"), "no version segment (v1, v2.1, v1beta1, 2010-04-01) in the host or basePath, nor in every path before its first template"},
	})
}

// Lines in JSON documents; a note on a schema in another file names the
// file and the line there (of the key holding the schema).
func TestNotesJSONAndExternal(t *testing.T) {
	j := `{
  "openapi": "3.0.3",
  "info": {"title": "J", "version": "1"},
  "servers": [{"url": "https://api.example.com/v1"}],
  "paths": {
    "/e": {
      "post": {
        "parameters": [
          {"name": "q", "in": "query",
           "schema": {"type": "string", "format": "email"}}
        ],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "common.yaml#/Thing"}}}},
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}, "429": {"description": "slow"}}
      }
    }
  }
}
`
	common := `Thing:
  type: object
  additionalProperties: false
  properties:
    label:
      type: string
    size:
      type: integer
      maximum: 10
`
	fsys := fstest.MapFS{"api/main.json": {Data: []byte(j)}, "api/common.yaml": {Data: []byte(common)}}
	res, err := Parse("main.json", []byte(j), Options{RefFS: fsys, RefPath: "api/main.json"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	ev := evidenceOf(t, res, "POST /e")
	wantNotes(t, "POST /e", ev, []note{
		{collectors.FactDataSemanticTypes, "api/common.yaml#/Thing/properties/label", ln(t, common, "label:"), msgPlain},
		{collectors.FactRequestBounded, "/paths/~1e/post/parameters/0/schema", ln(t, j, `"schema": {"type": "string", "format": "email"}`), msgString},
		{collectors.FactRequestBounded, "api/common.yaml#/Thing/properties/label", ln(t, common, "label:"), msgString},
	})
	if _, ok := ev.Facts[collectors.FactRequestStrict]; !ok || ev.Facts[collectors.FactRequestStrict] != true {
		t.Errorf("request.strict %v", ev.Facts[collectors.FactRequestStrict])
	}
	// Without the file the facts depending on it are unknown: no notes
	// for them, the others keep theirs.
	res = mustParse(t, "main.json", j)
	ev = evidenceOf(t, res, "POST /e")
	for _, n := range ev.Notes {
		if n.Fact == collectors.FactDataSemanticTypes || strings.Contains(n.Pointer, "common.yaml") {
			t.Errorf("note on an unknown fact: %+v", n)
		}
	}
	wantNotes(t, "POST /e unresolved", ev, []note{
		{collectors.FactRequestBounded, "/paths/~1e/post/parameters/0/schema", ln(t, j, `"schema": {"type": "string", "format": "email"}`), msgString},
	})
}

// The schema sites kept are the first five in document order whichever
// operation reaches a recursive pair first: the aggregate of a strongly
// connected component does not depend on where the walk entered it.
func TestNotesSCCOrder(t *testing.T) {
	d := `openapi: 3.0.0
info: {title: T, version: "1"}
components:
  schemas:
    B:
      type: object
      additionalProperties: false
      properties:
        a: {$ref: '#/components/schemas/A'}
        t1: {type: string, format: x}
        t2: {type: string, format: x}
        t3: {type: string, format: x}
    A:
      type: object
      additionalProperties: false
      properties:
        b: {$ref: '#/components/schemas/B'}
        s1: {type: string, format: x}
        s2: {type: string, format: x}
        s3: {type: string, format: x}
paths:
  /a:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
      responses: {"200": {description: ok}}
  /b:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}
      responses: {"200": {description: ok}}
`
	res := mustParse(t, "scc.yaml", d)
	var exp []note
	for _, p := range []string{"B/properties/t1", "B/properties/t2", "B/properties/t3", "A/properties/s1", "A/properties/s2"} {
		exp = append(exp, note{collectors.FactRequestBounded, "/components/schemas/" + p, ln(t, d, p[len(p)-2:]+": {"), msgString})
	}
	wantNotes(t, "POST /a", evidenceOf(t, res, "POST /a"), exp)
	wantNotes(t, "POST /b", evidenceOf(t, res, "POST /b"), exp)
	// Same document, operations the other way round: same notes.
	swapped := strings.Replace(strings.Replace(d, "  /a:\n", "  /c:\n", 1), "  /b:\n", "  /a:\n", 1)
	res = mustParse(t, "scc2.yaml", swapped)
	got := notesOf(evidenceOf(t, res, "POST /a"), map[string]bool{collectors.FactRequestBounded: true})
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("entering by B:\ngot  %v\nwant %v", got, exp)
	}
}

// finish keeps five notes per fact and collectors.MaxNotes in all, taking
// the first note of every fact before any fact's second.
func TestNotesCaps(t *testing.T) {
	p := &parser{main: &document{name: "x", main: true}}
	p.res = newResolver(p)
	facts := collectors.Facts{"f.true": true, "f.string": "x"}
	var nl noteList
	for i := range 12 {
		fact := fmt.Sprintf("f%02d", i)
		facts[fact] = false
		for j := range 6 {
			// added in reverse, and each twice: finish sorts and dedupes
			nl.add(fact, loc{ptr: fmt.Sprintf("/p%d", 5-j)}, "m")
			nl.add(fact, loc{ptr: fmt.Sprintf("/p%d", 5-j)}, "m")
		}
	}
	nl.add("f.true", loc{ptr: "/t"}, "m")
	nl.add("f.string", loc{ptr: "/t"}, "m")
	nl.add("f.absent", loc{ptr: "/t"}, "m")
	notes := p.finish(&nl, facts)
	if len(notes) != collectors.MaxNotes {
		t.Fatalf("%d notes, want %d", len(notes), collectors.MaxNotes)
	}
	per := map[string][]string{}
	for i, n := range notes {
		per[n.Fact] = append(per[n.Fact], n.Pointer)
		if i > 0 && notes[i-1].Fact > n.Fact {
			t.Fatalf("not sorted by fact at %d: %v", i, notes)
		}
	}
	// 12 facts: 4 notes each is 48, and the 2 spare go to the first facts.
	for i := range 12 {
		fact := fmt.Sprintf("f%02d", i)
		want := []string{"/p0", "/p1", "/p2", "/p3"}
		if i < 2 {
			want = append(want, "/p4")
		}
		if !reflect.DeepEqual(per[fact], want) {
			t.Errorf("%s: %v, want %v", fact, per[fact], want)
		}
	}
	// Fewer facts: five each at most, no total cap.
	var small noteList
	for j := range 9 {
		small.add("f00", loc{ptr: fmt.Sprintf("/q%d", j)}, "m")
	}
	if got := p.finish(&small, facts); len(got) != maxSites || got[0].Pointer != "/q0" || got[4].Pointer != "/q4" {
		t.Errorf("per-fact cap: %v", got)
	}
}

// siteSlab.merge keeps the first maxSites sites of each flag in document
// order, drops duplicates and shares a list when the other adds nothing.
func TestMergeSites(t *testing.T) {
	main := &document{main: true}
	other := &document{name: "a.yaml"}
	mk := func(f flags, d *document, lines ...int) []site {
		var out []site
		for _, l := range lines {
			out = append(out, site{doc: d, ptr: fmt.Sprintf("/s%d", l), line: int32(l), flag: f})
		}
		return out
	}
	a := append(mk(fUnbounded, main, 1, 3, 5, 7, 9), mk(fUnsemantic, main, 2)...)
	b := append(append(mk(fUnbounded, main, 2, 3, 4), mk(fUnsemantic, main, 2)...), mk(fOpenObject, other, 1)...)
	var sl siteSlab
	got := sl.merge(a, b)
	exp := append(append(mk(fUnbounded, main, 1, 2, 3, 4, 5), mk(fUnsemantic, main, 2)...), mk(fOpenObject, other, 1)...)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("merge:\ngot  %v\nwant %v", got, exp)
	}
	if !reflect.DeepEqual(sl.merge(b, a), exp) {
		t.Error("merge is not commutative")
	}
	// Nothing new: the same list back, no copy.
	later := mk(fUnbounded, main, 11, 12)
	if r := sl.merge(a, later); &r[0] != &a[0] || len(r) != len(a) {
		t.Errorf("a list that adds nothing was not ignored: %v", r)
	}
	if r := sl.merge(later[:0], a); &r[0] != &a[0] {
		t.Error("an empty list did not take the other")
	}
	// The main document comes before referenced files, whatever the lines.
	m := sl.merge(mk(fUnbounded, other, 1), mk(fUnbounded, main, 50))
	if m[0].doc != main {
		t.Errorf("order across documents: %v", m)
	}
}

// Notes reach the sink with the evidence.
func TestCollectNotes(t *testing.T) {
	fsys := fstest.MapFS{"specs/notes.yaml": {Data: []byte(notesSpec)}}
	sink := &memSink{}
	src := collectors.Source{Name: "n", Kind: Kind, FS: fsys, Paths: []string{"specs"}}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range sink.Evidences {
		n += len(ev.Notes)
		for _, note := range ev.Notes {
			if _, ok := ev.Facts[note.Fact]; !ok {
				t.Errorf("note on a fact the record lacks: %+v", note)
			}
		}
	}
	res := mustParse(t, "notes.yaml", notesSpec)
	total := 0
	for _, ev := range res.Evidence {
		total += len(ev.Notes)
	}
	if n == 0 || n != total {
		t.Errorf("%d notes through Collect, %d from Parse", n, total)
	}
}
