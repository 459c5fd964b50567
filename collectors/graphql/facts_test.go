package graphql

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// Keys used throughout.
const (
	authDeclared = collectors.FactAuthDeclared
	authPublic   = collectors.FactAuthPublic
	authSchemes  = collectors.FactAuthSchemes
	authScopes   = collectors.FactAuthScopesDeclared
	bounded      = collectors.FactRequestBounded
	semantic     = collectors.FactDataSemanticTypes
	annotated    = collectors.FactDataSensitivityAnnotated
	sensitive    = collectors.FactDataSensitiveFields
)

// factTable checks the facts of several endpoints of one result.
func factTable(t *testing.T, res *Result, table map[string]map[string]any) {
	t.Helper()
	for key, exp := range table {
		want(t, key, endpointFacts(t, res, key), exp)
	}
}

// AppSync: authorization modes as directives on types and fields, written
// as in the AWS AppSync developer guide ("Using additional authorization
// modes"); AWS scalars and @aws_subscribe are not declared, as in AppSync.
const appsyncSchema = `
schema {
  query: Query
  mutation: Mutation
  subscription: Subscription
}

type Query @aws_api_key @aws_cognito_user_pools {
  getPost(id: ID!): Post
  listPosts: [Post] @aws_iam
  adminStats: Stats @aws_cognito_user_pools(cognito_groups: ["Admins"])
}

type Mutation {
  addPost(id: ID!, title: String!): Post @aws_iam
  ping: String
  callback(token: String): String @aws_lambda
  legacy: String @aws_auth(cognito_groups: ["Bloggers"])
  federated: String @aws_oidc
}

type Subscription {
  onAddPost: Post @aws_subscribe(mutations: ["addPost"])
}

type Post @aws_api_key @aws_iam {
  id: ID!
  body: AWSJSON
  createdAt: AWSDateTime
}

type Stats @aws_cognito_user_pools {
  count: Int
}
`

func TestFactsAppSync(t *testing.T) {
	res := mustParse(t, "appsync.graphql", appsyncSchema)
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecSecuritySchemes:   []string{"apiKey", "aws-iam", "aws-lambda", "openIdConnect"},
		collectors.FactGraphQLCostDirectives: nil,
		collectors.FactSpecOperations:        int64(9),
	})
	factTable(t, res, map[string]map[string]any{
		// The root type's modes apply to a field without its own.
		"QUERY getPost": {authDeclared: true, authSchemes: []string{"apiKey", "openIdConnect"}, authScopes: false, authPublic: nil,
			semantic: true, bounded: false},
		// A field's directive overrides the type's (AppSync semantics).
		"QUERY listPosts":  {authDeclared: true, authSchemes: []string{"aws-iam"}, authScopes: false},
		"QUERY adminStats": {authDeclared: true, authSchemes: []string{"openIdConnect"}, authScopes: true},
		"MUTATION addPost": {authDeclared: true, authSchemes: []string{"aws-iam"}, bounded: false},
		// No directive anywhere: the API's default mode applies, which the
		// SDL does not show; AppSync has no unauthenticated mode.
		"MUTATION ping":      {authDeclared: nil, authPublic: nil, authSchemes: nil, authScopes: nil, semantic: false, bounded: true},
		"MUTATION callback":  {authDeclared: true, authSchemes: []string{"aws-lambda"}, authScopes: false},
		"MUTATION legacy":    {authDeclared: true, authSchemes: []string{"openIdConnect"}, authScopes: true},
		"MUTATION federated": {authDeclared: true, authSchemes: []string{"openIdConnect"}},
		// The subscription's return type carries the modes.
		"SUBSCRIPTION onAddPost": {authDeclared: true, authSchemes: []string{"apiKey", "aws-iam"}},
	})
}

// API key only is a credential, not public.
func TestFactsAppSyncAPIKeyNotPublic(t *testing.T) {
	res := mustParse(t, "k.graphql", "type Query {\n  open: Int @aws_api_key\n}\n")
	want(t, "open", endpointFacts(t, res, "QUERY open"), map[string]any{
		authDeclared: true, authPublic: nil, authSchemes: []string{"apiKey"}, authScopes: false})
}

// Apollo Federation 2: directives imported with @link (not declared), as
// in Apollo's "Authorization in the GraphOS Router" and "Demand control"
// documentation; team ownership with GraphOS's @contact directive.
const apolloSchema = `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9",
        import: ["@key", "@authenticated", "@requiresScopes", "@policy", "@cost", "@listSize"])
  @contact(name: "Accounts Team", url: "https://chat.example.com/accounts", description: "send urgent issues to #oncall")

directive @contact(name: String!, url: String, description: String) on SCHEMA

type Query {
  me: User @authenticated
  user(id: ID!): User @requiresScopes(scopes: [["read:users"]])
  post(id: ID!): Post
  topProducts(first: Int = 5): [Product] @listSize(assumedSize: 50) @cost(weight: 5)
  billing: Billing @policy(policies: [["finance"]])
  secret: Secret
}

type User @key(fields: "id") {
  id: ID!
  email: String! @requiresScopes(scopes: [["read:email"]])
}

type Post {
  id: ID!
  title: String
}

type Product {
  upc: ID!
}

type Billing {
  total: Int
}

type Secret @authenticated {
  value: Int
}
`

func TestFactsApolloFederation(t *testing.T) {
	res := mustParse(t, "accounts.graphql", apolloSchema)
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecSecuritySchemes:   nil, // the directives do not name a scheme
		collectors.FactGraphQLCostDirectives: []string{"cost", "listSize"},
		collectors.FactInventoryOwner:        "Accounts Team",
	})
	if res.API.Owner != "Accounts Team" || res.API.Contact != "https://chat.example.com/accounts" {
		t.Errorf("API %+v", res.API)
	}
	factTable(t, res, map[string]map[string]any{
		"QUERY me":          {authDeclared: true, authScopes: false, authSchemes: nil, authPublic: nil},
		"QUERY user":        {authDeclared: true, authScopes: true},
		"QUERY post":        {authDeclared: false, authScopes: false, authPublic: nil},
		"QUERY topProducts": {authDeclared: false, bounded: false, semantic: true},
		"QUERY billing":     {authDeclared: true, authScopes: true},
		// @authenticated on the returned type protects every field returning it.
		"QUERY secret": {authDeclared: true, authScopes: false},
	})
}

// Amplify @auth(rules: ...), as in the Amplify documentation ("Customize
// your auth rules"); @model and @auth are provided by the transformer.
const amplifySchema = `
type Todo @model @auth(rules: [{ allow: owner }, { allow: public, operations: [read] }]) {
  id: ID!
  content: String
}

type Query {
  listMine: [Todo]
  adminReport: String @auth(rules: [{ allow: groups, groups: ["Admin"] }])
  iamOnly: String @auth(rules: [{ allow: private, provider: iam }])
  anyone: String @auth(rules: [{ allow: public }])
}
`

func TestFactsAmplify(t *testing.T) {
	res := mustParse(t, "amplify.graphql", amplifySchema)
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecSecuritySchemes: []string{"apiKey", "aws-iam", "openIdConnect"}})
	factTable(t, res, map[string]map[string]any{
		"QUERY listMine":    {authDeclared: true, authSchemes: []string{"apiKey", "openIdConnect"}, authScopes: false},
		"QUERY adminReport": {authDeclared: true, authSchemes: []string{"openIdConnect"}, authScopes: true},
		"QUERY iamOnly":     {authDeclared: true, authSchemes: []string{"aws-iam"}, authScopes: false},
		// {allow: public} is an API key: declared, not public.
		"QUERY anyone": {authDeclared: true, authPublic: nil, authSchemes: []string{"apiKey"}},
	})
}

// RedwoodJS: every field carries @requireAuth or @skipAuth.
const redwoodSchema = `
directive @requireAuth(roles: [String]) on FIELD_DEFINITION
directive @skipAuth on FIELD_DEFINITION

type Post {
  id: Int!
  title: String!
}

type Query {
  posts: [Post!]! @skipAuth
  post(id: Int!): Post @requireAuth
  adminPosts: [Post!]! @requireAuth(roles: ["admin"])
  emptyRoles: [Post!]! @requireAuth(roles: [])
  unguarded: Post
}
`

func TestFactsRedwood(t *testing.T) {
	res := mustParse(t, "posts.sdl.graphql", redwoodSchema)
	want(t, "api", res.Evidence[0].Facts, map[string]any{collectors.FactSpecSecuritySchemes: nil})
	factTable(t, res, map[string]map[string]any{
		"QUERY posts":      {authDeclared: false, authPublic: true, authScopes: nil, authSchemes: nil},
		"QUERY post":       {authDeclared: true, authPublic: nil, authScopes: false},
		"QUERY adminPosts": {authDeclared: true, authScopes: true},
		"QUERY emptyRoles": {authDeclared: true, authScopes: false},
		"QUERY unguarded":  {authDeclared: false, authPublic: nil, authScopes: false},
	})
}

func TestFactsAuthPrecedence(t *testing.T) {
	cases := []struct {
		name, schema string
		exp          map[string]any
	}{
		{"plain SDL: unknown", "type Query { a: Int }",
			map[string]any{authDeclared: nil, authPublic: nil, authScopes: nil, authSchemes: nil}},
		{"declared but unused directive: false",
			"directive @hasRole(role: Role!) on FIELD_DEFINITION\nenum Role { ADMIN }\ntype Query { a: Int }",
			map[string]any{authDeclared: false, authScopes: false, authPublic: nil}},
		{"root type directive", "directive @isAuthenticated on OBJECT | FIELD_DEFINITION\ntype Query @isAuthenticated { a: Int }",
			map[string]any{authDeclared: true, authScopes: false}},
		{"field public overrides root type", "directive @auth(requires: String) on OBJECT | FIELD_DEFINITION\ndirective @public on FIELD_DEFINITION\ntype Query @auth(requires: \"USER\") { a: Int @public }",
			map[string]any{authDeclared: false, authPublic: true, authScopes: nil}},
		{"gqlgen @auth(requires:) scopes", "directive @auth(requires: Role) on FIELD_DEFINITION\nenum Role { ADMIN }\ntype Query { a: Int @auth(requires: ADMIN) }",
			map[string]any{authDeclared: true, authScopes: true, authSchemes: nil}},
		{"hasScope", "directive @hasScope(scope: [String]) on FIELD_DEFINITION\ntype Query { a: Int @hasScope(scope: [\"read\"]) }",
			map[string]any{authDeclared: true, authScopes: true}},
		{"Hot Chocolate authorize policy", "directive @authorize(policy: String, roles: [String!]) repeatable on OBJECT | FIELD_DEFINITION\ntype Query { a: Int @authorize(policy: \"AtLeast21\") b: Int }",
			map[string]any{authDeclared: true, authScopes: true}},
		{"scopes on root type and field", "directive @authenticated on OBJECT | FIELD_DEFINITION\ndirective @requiresScopes(scopes: [[String!]!]!) on OBJECT | FIELD_DEFINITION\ntype Query @requiresScopes(scopes: [[\"a\"]]) { a: Int @authenticated }",
			map[string]any{authDeclared: true, authScopes: true}},
		{"allowAll", "directive @allowAll on FIELD_DEFINITION\ntype Query { a: Int @allowAll }",
			map[string]any{authDeclared: false, authPublic: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustParse(t, "s.graphql", c.schema)
			want(t, c.name, endpointFacts(t, res, "QUERY a"), c.exp)
		})
	}
}

const boundedSchema = `
directive @constraint(minLength: Int, maxLength: Int, pattern: String, format: String, min: Float, max: Float, exclusiveMax: Float, maxItems: Int) on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
directive @Size(min: Int, max: Int) on ARGUMENT_DEFINITION
directive @range(min: Int, max: Int) on ARGUMENT_DEFINITION
directive @length(min: Int, max: Int) on ARGUMENT_DEFINITION

scalar DateTime
enum Color { RED GREEN }

input Filter {
  name: String @constraint(maxLength: 50)
  tags: [String!] @constraint(maxItems: 10, maxLength: 20)
  color: Color
  since: DateTime
  next: Filter
}

input Loose {
  name: String
  next: Loose
}

input A {
  b: B
  ok: Boolean
}

input B {
  a: A
  s: String
}

input ListOfObjs {
  items: [Filter!]
}

input BoundedListOfObjs {
  items: [Filter!] @constraint(maxItems: 3)
}

type Query {
  noArgs(): Int
  boolArg(b: Boolean): Int
  enumArg(c: Color!): Int
  scalarArg(d: DateTime): Int
  str(s: String): Int
  strMax(s: String @constraint(maxLength: 10)): Int
  strPattern(s: String @constraint(pattern: "^[a-z]+$")): Int
  strMin(s: String @constraint(minLength: 10)): Int
  idArg(id: ID!): Int
  intMax(n: Int @constraint(max: 100)): Int
  intExclusiveMax(n: Float @constraint(exclusiveMax: 1.5)): Int
  intMin(n: Int @constraint(min: 1)): Int
  javaSize(s: String @Size(max: 10)): Int
  rangeMax(n: Int @range(min: 0, max: 10)): Int
  rangeNoMax(n: Int @range(min: 0)): Int
  lengthMax(s: String @length(max: 3)): Int
  list(l: [Color!]): Int
  listMax(l: [Color!] @constraint(maxItems: 5)): Int
  listStr(l: [String] @constraint(maxItems: 5)): Int
  listStrBoth(l: [[String]] @constraint(maxItems: 5, maxLength: 3)): Int
  filter(f: Filter): Int
  loose(f: Loose): Int
  viaB(b: B): Int
  viaA(a: A): Int
  listObjs(x: ListOfObjs): Int
  boundedListObjs(x: BoundedListOfObjs): Int
  mixed(ok: Boolean, bad: String): Int
}
`

func TestFactsBounded(t *testing.T) {
	// "noArgs()" is not valid SDL; the test below uses the schema without it.
	res := mustParse(t, "b.graphql", strings.Replace(boundedSchema, "noArgs(): Int", "noArgs: Int", 1))
	exp := map[string]bool{
		"noArgs": true, "boolArg": true, "enumArg": true, "scalarArg": true,
		"str": false, "strMax": true, "strPattern": true, "strMin": false, "idArg": false,
		"intMax": true, "intExclusiveMax": true, "intMin": false,
		"javaSize": true, "rangeMax": true, "rangeNoMax": false, "lengthMax": true,
		"list": false, "listMax": true, "listStr": false, "listStrBoth": true,
		"filter": true, "loose": false, "viaB": false, "viaA": false,
		"listObjs": false, "boundedListObjs": true, "mixed": false,
	}
	for field, b := range exp {
		want(t, field, endpointFacts(t, res, "QUERY "+field), map[string]any{
			bounded: b, collectors.FactRequestSchemaDefined: true, collectors.FactRequestStrict: true,
			collectors.FactResponseSchemaDefined:    true,
			collectors.FactResponseErrorsDocumented: nil, collectors.FactResponseRateLimitDocumented: nil})
	}
	if len(res.Endpoints) != len(exp) {
		t.Errorf("%d endpoints, want %d", len(res.Endpoints), len(exp))
	}
}

const semanticSchema = `
scalar Email
directive @format(as: String) on FIELD_DEFINITION
enum Status { A B }

interface Node {
  id: ID!
}

type Bad implements Node {
  id: ID!
  s: String
}

type Good {
  id: ID!
  e: Email
  st: Status
  f: String @format(as: "uuid")
  next: Good
  list: [[Good!]]
}

type User {
  name: String
}

union SearchResult = Good | User

type Rec {
  r: Rec
  e: Email
  other: Rec2
}

type Rec2 {
  back: Rec
  plain: String
}

type Query {
  name: String
  email: Email
  formatted: String @format(as: "uuid")
  user: User
  good: Good
  node: Node
  search: [SearchResult]
  rec: Rec
  rec2: Rec2
  count: Int
}
`

func TestFactsSemanticTypes(t *testing.T) {
	res := mustParse(t, "s.graphql", semanticSchema)
	exp := map[string]bool{
		"name": false, "email": true, "formatted": true, "user": false, "good": true,
		"node":   false, // Bad implements Node and has a plain String
		"search": false, "rec": false, "rec2": false, "count": true,
	}
	for field, s := range exp {
		want(t, field, endpointFacts(t, res, "QUERY "+field), map[string]any{semantic: s, annotated: nil, sensitive: nil})
	}
}

const sensitivitySchema = `
directive @pii on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
directive @dataClassification(level: String!) on FIELD_DEFINITION

type Query {
  user(email: String @pii): User
  pub: Pub
  plain: Plain
  find(f: Finder): Int
  me: User @pii
}

type User {
  name: String @pii
  ssn: String @dataClassification(level: "restricted")
  friend: User
  card: Card
}

type Card @pii {
  number: String
}

type Pub {
  x: String @dataClassification(level: "public")
}

type Plain {
  y: Int
}

input Finder {
  phone: String @pii
}
`

func TestFactsSensitivity(t *testing.T) {
	res := mustParse(t, "p.graphql", sensitivitySchema)
	factTable(t, res, map[string]map[string]any{
		"QUERY user":  {annotated: true, sensitive: []string{"Card", "Query.user(email:)", "User.name", "User.ssn"}},
		"QUERY pub":   {annotated: true, sensitive: nil}, // classified, as public
		"QUERY plain": {annotated: false, sensitive: nil},
		"QUERY find":  {annotated: true, sensitive: []string{"Finder.phone"}},
		"QUERY me":    {annotated: true, sensitive: []string{"Card", "Query.me", "User.name", "User.ssn"}},
	})
}

// data.sensitive_fields keeps the first 100 coordinates in sort order,
// also when they come from several types.
func TestFactsSensitiveFieldsCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("directive @sensitive on FIELD_DEFINITION\ntype Query { a: A }\ntype A {\n  b: B\n")
	var all []string
	for i := range 80 {
		fmt.Fprintf(&b, "  f%03d: Int @sensitive\n", i)
		all = append(all, fmt.Sprintf("A.f%03d", i))
	}
	b.WriteString("}\ntype B {\n")
	for i := range 80 {
		fmt.Fprintf(&b, "  g%03d: Int @sensitive\n", i)
		all = append(all, fmt.Sprintf("B.g%03d", i))
	}
	b.WriteString("}\n")
	res := mustParse(t, "cap.graphql", b.String())
	got, _ := endpointFacts(t, res, "QUERY a")[sensitive].([]string)
	if !reflect.DeepEqual(got, all[:100]) {
		t.Fatalf("sensitive fields: %d entries, first %v, last %v", len(got), got[:min(3, len(got))], got[max(0, len(got)-3):])
	}
}

func TestFactsCostDirectives(t *testing.T) {
	declaredOnly := "directive @cost(weight: Int) on FIELD_DEFINITION\ntype Query { a: Int }"
	res := mustParse(t, "c.graphql", declaredOnly)
	want(t, "declared only", res.Evidence[0].Facts, map[string]any{collectors.FactGraphQLCostDirectives: nil})
	used := `directive @cost(weight: Int) on FIELD_DEFINITION | ARGUMENT_DEFINITION | OBJECT
directive @complexity(value: Int, multipliers: [String!]) on FIELD_DEFINITION
directive @rateLimit(limit: Int, duration: Int) on FIELD_DEFINITION
type Query @cost(weight: 1) {
  a(n: Int @cost(weight: 2)): Int @complexity(value: 3, multipliers: ["n"])
  b: Int @rateLimit(limit: 10, duration: 60)
}`
	res = mustParse(t, "c.graphql", used)
	want(t, "used", res.Evidence[0].Facts, map[string]any{
		collectors.FactGraphQLCostDirectives: []string{"complexity", "cost", "rateLimit"}})
}

// A schema split over files: the schema definition renames the roots,
// extensions add fields, each record points at the file defining it.
func TestFactsMultiFile(t *testing.T) {
	a := `"""
The shop API.
"""
schema {
  query: RootQ
  mutation: RootM
}

type RootQ {
  """
  Look up a thing.
  More text.
  """
  thing: Int
  old: Int @deprecated(reason: "use thing")
}
`
	b := `extend type RootQ {
  more: Int
}

type RootM {
  do(x: Int): Int
}

type Query {
  notRoot: Int
}
`
	files := fileList("shop/a.graphql", a, "shop/b.graphql", b)
	res, err := Parse("shop", files, Options{Owner: "team-shop", Endpoint: "https://shop.example.com/graphql"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	var keys []string
	for _, ep := range res.Endpoints {
		keys = append(keys, ep.Key())
	}
	if !reflect.DeepEqual(keys, []string{"QUERY thing", "QUERY old", "QUERY more", "MUTATION do"}) {
		t.Fatalf("endpoints %v", keys)
	}
	if res.Endpoints[0].Summary != "Look up a thing." || !res.Endpoints[1].Deprecated || res.Endpoints[0].Deprecated {
		t.Errorf("endpoints %+v", res.Endpoints[:2])
	}
	api := res.API
	if api.Name != "shop" || api.Title != "shop" || api.Description != "The shop API." || api.Owner != "team-shop" ||
		!reflect.DeepEqual(api.BaseURLs, []string{"https://shop.example.com/graphql"}) {
		t.Errorf("API %+v", api)
	}
	wantArt := []string{"shop/a.graphql", "shop/a.graphql", "shop/a.graphql", "shop/b.graphql", "shop/b.graphql"}
	for i, ev := range res.Evidence {
		if ev.Artifact.Name != wantArt[i] || string(ev.Artifact.Data) != map[string]string{"shop/a.graphql": a, "shop/b.graphql": b}[wantArt[i]] {
			t.Errorf("evidence %d (%s): artifact %s", i, ev.Endpoint, ev.Artifact.Name)
		}
	}
	if loc := res.Evidence[3].Location; loc != "shop/b.graphql:2 RootQ.more" {
		t.Errorf("location %q", loc)
	}
	if loc := res.Evidence[1].Location; loc != "shop/a.graphql:14 RootQ.thing" {
		t.Errorf("location %q", loc)
	}
	// opt.API renames the API everywhere.
	res, err = Parse("shop", files, Options{API: "Shop API"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if res.API.Name != "Shop API" || res.Endpoints[0].API != "Shop API" {
		t.Errorf("renamed: %+v %+v", res.API, res.Endpoints[0])
	}
}

// A schema without Query (types only) still parses, with a warning.
func TestFactsNoQuery(t *testing.T) {
	res := mustParse(t, "types.graphql", "type User { id: ID! }")
	if len(res.Endpoints) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "no Query root type") {
		t.Fatalf("endpoints %v warnings %q", res.Endpoints, res.Warnings)
	}
}
