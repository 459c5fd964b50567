package graphql

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
)

func TestDetect(t *testing.T) {
	yes := []struct{ name, head string }{
		{"schema.graphql", ""}, // the extension is enough
		{"schema.graphqls", "type Query { a: Int }"},
		{"x.GQL", "garbage"},
		{"x", "type Query {\n  a: Int\n}"},
		{"x", "\xEF\xBB\xBF# comment\n\n\"\"\"\nThe root.\n\"\"\"\ntype Query @auth { a: Int }"},
		{"x", "\"desc\" type Node implements Entity & Other { id: ID! }"},
		{"x", "schema {\n  query: Root\n}"},
		{"x", "schema @link(url: \"x\") { query: Q }"},
		{"x", "directive @auth(requires: Role) on FIELD_DEFINITION"},
		{"x", "scalar DateTime"},
		{"x", "interface Node { id: ID! }"},
		{"x", "input Filter { a: Int }"},
		{"x", "enum Color { RED }"},
		{"x", "union SearchResult = A | B"},
		{"x", "extend type Query { b: Int }"},
		{"x", "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\")"},
		{"x", "type Empty\ntype Query { a: Int }"},
		{"x", "type Query"}, // cut after the name
		{"x", ",,, type Query {"},
	}
	no := []struct{ name, head string }{
		{"q.graphql", "query Viewer { viewer { login } }"},
		{"q.gql", "{ viewer { login } }"},
		{"f.graphql", "fragment F on User { login }"},
		{"x", ""},
		{"x", "query { a }"},
		{"x", "mutation M { a }"},
		{"x", `{"type": "object"}`},
		{"x", "[1, 2]"},
		{"x", "type: object\nproperties: {}\n"},
		{"x", "type:\n  - a\n"},
		{"x", "---\ntype Query {"},
		{"x", "# Title\n\ntype X is great"},
		{"x", "type Foo struct {\n}"},
		{"x", "type Foo = { a: string }"},
		{"x", "schema: 1"},
		{"x", "directive x"},
		{"x", "enum"},
		{"x", "extend the list"},
		{"x", "input.txt"},
		{"x", "types {\n  text/html html;\n}"},
		{"spec.yaml", "openapi: 3.0.0\n"},
		{"x", "scalar"},
	}
	c := Collector{}
	for _, tc := range yes {
		if !c.Detect(tc.name, []byte(tc.head)) {
			t.Errorf("Detect(%q, %q) = false", tc.name, tc.head)
		}
	}
	for _, tc := range no {
		if c.Detect(tc.name, []byte(tc.head)) {
			t.Errorf("Detect(%q, %q) = true", tc.name, tc.head)
		}
	}
}

const (
	queryFile = "\"\"\"The shop.\"\"\"\nschema { query: Query mutation: Mutation }\ntype Query {\n  product(id: ID!): Product\n}\n"
	typesFile = "type Product {\n  id: ID!\n  name: String\n}\n"
	mutFile   = "type Mutation {\n  buy(id: ID!): Product\n}\n"
	extFile   = "extend type Query {\n  products: [Product]\n}\n"
)

func shopFS() fstest.MapFS {
	return fstest.MapFS{
		"shop/a_query.graphql":        {Data: []byte(queryFile)},
		"shop/b_types.graphqls":       {Data: []byte(typesFile)},
		"shop/c/mutation.gql":         {Data: []byte(mutFile)},
		"shop/c/ext.GraphQL":          {Data: []byte(extFile)},
		"shop/client/queries.graphql": {Data: []byte("query Products { products { id } }\n")},
		"shop/client/long.graphql":    {Data: []byte(strings.Repeat("# licence header\n", 500) + "query Long { products { id } }\n")},
		"shop/.hidden/bad.graphql":    {Data: []byte("this is not parsed")},
		"shop/README.md":              {Data: []byte("type Query { not: Parsed }")},
		"other/single.graphql":        {Data: []byte("type Query { ping: Boolean }\n")},
	}
}

func TestCollectDirectory(t *testing.T) {
	sink := collectDir(t, collectors.Source{Name: "s", FS: shopFS(), Paths: []string{"shop", "other/single.graphql", "/shop/"},
		Owner: "team", Options: map[string]string{"endpoint": "https://shop.example.com/graphql"}})
	if len(sink.APIs) != 2 {
		t.Fatalf("APIs %+v", sink.APIs)
	}
	shop, single := sink.APIs[0], sink.APIs[1]
	if shop.Name != "shop" || shop.Description != "The shop." || shop.Owner != "team" ||
		!reflect.DeepEqual(shop.BaseURLs, []string{"https://shop.example.com/graphql"}) {
		t.Errorf("shop %+v", shop)
	}
	if single.Name != "single" {
		t.Errorf("single %+v", single)
	}
	var keys []string
	for _, ep := range sink.Endpoints {
		keys = append(keys, ep.API+" "+ep.Key())
	}
	wantKeys := []string{"shop QUERY product", "shop QUERY products", "shop MUTATION buy", "single QUERY ping"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("endpoints %q", keys)
	}
	// Order: API, API evidence, then endpoint + evidence pairs.
	wantOrder := "api evidence endpoint evidence endpoint evidence endpoint evidence api evidence endpoint evidence"
	if got := strings.Join(sink.Order, " "); got != wantOrder {
		t.Errorf("order %s", got)
	}
	arts := map[string]string{}
	for _, ev := range sink.Evidences {
		arts[ev.Endpoint+" "+ev.API] = ev.Artifact.Name
	}
	if arts[" shop"] != "shop/a_query.graphql" || arts["QUERY products shop"] != "shop/c/ext.GraphQL" ||
		arts["MUTATION buy shop"] != "shop/c/mutation.gql" || arts["QUERY ping single"] != "other/single.graphql" {
		t.Errorf("artifacts %v", arts)
	}
}

func TestCollectNaming(t *testing.T) {
	fsys := shopFS()
	sink := collectDir(t, collectors.Source{Name: "s", FS: fsys, Paths: []string{"shop"}, API: "Shop API"})
	if sink.APIs[0].Name != "Shop API" || sink.Endpoints[0].API != "Shop API" || sink.Evidences[0].API != "Shop API" {
		t.Errorf("API option: %+v", sink.APIs[0])
	}
	sink = collectDir(t, collectors.Source{Name: "s", FS: fsys, Paths: []string{"other/single.graphql"},
		APIMap: map[string]string{"single": "Ping Service"}})
	if sink.APIs[0].Name != "Ping Service" {
		t.Errorf("API map: %+v", sink.APIs[0])
	}
	// The root of an FS has no name of its own: the source's.
	sink = collectDir(t, collectors.Source{Name: "src-name", FS: fstest.MapFS{"s.graphql": {Data: []byte("type Query { a: Int }")}}, Paths: []string{"."}})
	if sink.APIs[0].Name != "src-name" {
		t.Errorf("root: %+v", sink.APIs[0])
	}
}

func TestCollectStops(t *testing.T) {
	src := collectors.Source{Name: "s", FS: shopFS(), Paths: []string{"shop"}}
	for n := 1; n <= 6; n++ {
		sink := &memSink{FailAfter: n}
		if err := (Collector{}).Collect(context.Background(), src, sink); !errors.Is(err, collectortest.ErrSinkFull) {
			t.Errorf("failAfter %d: %v", n, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// A broken file in the directory fails the whole source, naming it.
	fsys := shopFS()
	fsys["shop/d_broken.graphql"] = &fstest.MapFile{Data: []byte("type Broken {\n  a: Nope\n}\n")}
	err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", FS: fsys, Paths: []string{"shop"}}, &memSink{})
	if !errors.Is(err, ErrInvalid) || err.Error() != "graphql: shop/d_broken.graphql:2:6: Undefined type Nope." {
		t.Errorf("broken: %v", err)
	}
}

func TestCollectorIdentity(t *testing.T) {
	c, err := collectors.Get(Kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind() != "graphql" || c.Version() != CollectorVersion || collectors.OriginOf(c) != collectors.OriginSpec {
		t.Errorf("%s %s", c.Kind(), c.Version())
	}
	if _, ok := c.(collectors.Detector); !ok {
		t.Error("not a Detector")
	}
}
