package graphql

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/testutil"
)

func githubSchema(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, "specs/graphql/github/schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// count returns, per method, how many endpoints there are and how many of
// their evidence records have fact key set to true.
func count(res *Result, key string) (ops, isTrue map[string]int) {
	ops, isTrue = map[string]int{}, map[string]int{}
	for i, ep := range res.Endpoints {
		ops[ep.Method]++
		if res.Evidence[i+1].Facts[key] == true {
			isTrue[ep.Method]++
		}
	}
	return ops, isTrue
}

// GitHub's public schema (octokit/graphql-schema at 82ff2d4, MIT).
//
// Expected numbers, derived from the file without this package:
//
//   - root fields: inside "type Query {" (and "type Mutation {"), the
//     lines at two-space indentation that start a name followed by "(" or
//     ":", outside """ blocks (the awk below): Query 31, Mutation 247.
//     There is no "type Subscription", no "schema {" and no "extend".
//   - deprecated: the same, counting instead the lines at two-space
//     indentation (a field line, or the "): Type" line closing its
//     arguments) that carry @deprecated: Query 0, Mutation 16.
//   - directives: `grep -o '@[a-zA-Z_]*'` outside comments finds only
//     @deprecated, @requiredCapabilities (declared on line 3) and
//     "@mentioned" inside descriptions: no auth, cost or sensitivity
//     directive.
//   - EnterpriseOwnerInfo defines repositoryDeployKeySetting (lines 15003
//     and 15153) and repositoryDeployKeySettingOrganizations (15008, 15158)
//     twice, identically.
//
// The field count (mawk):
//
//	awk -v T=Query '$0 ~ "^type "T"( |$)" {inb=1; next} inb && /^}/ {inb=0}
//	  inb { q = gsub(/"""/, "&"); if (!d && q == 0 && /^  [A-Za-z_][A-Za-z0-9_]*[(:]/) n++;
//	        if (q % 2 == 1) d = !d }
//	  END {print n}' schema.graphql
func TestGitHubSchema(t *testing.T) {
	data := githubSchema(t)
	res, err := Parse("github", one("schema.graphql", string(data)), Options{Endpoint: "https://api.github.com/graphql"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	ops, deprecated := count(res, collectors.FactDeprecated)
	if !reflect.DeepEqual(ops, map[string]int{collectors.GraphQLQuery: 31, collectors.GraphQLMutation: 247}) {
		t.Errorf("operations %v", ops)
	}
	if !reflect.DeepEqual(deprecated, map[string]int{collectors.GraphQLMutation: 16}) {
		t.Errorf("deprecated %v", deprecated)
	}
	want(t, "api", res.Evidence[0].Facts, map[string]any{
		collectors.FactSpecPresent:           true,
		collectors.FactSpecFormat:            "graphql",
		collectors.FactSpecOperations:        int64(278),
		collectors.FactSpecVersion:           nil,
		collectors.FactSpecSecuritySchemes:   nil,
		collectors.FactGraphQLCostDirectives: nil,
		collectors.FactInventoryOwner:        nil,
	})
	if !reflect.DeepEqual(res.API.BaseURLs, []string{"https://api.github.com/graphql"}) || res.API.Name != "github" {
		t.Errorf("API %+v", res.API)
	}
	wantWarnings := []string{
		"schema.graphql:15153:3: field EnterpriseOwnerInfo.repositoryDeployKeySetting is defined twice with the same signature; the definition at line 15003 is used",
		"schema.graphql:15158:3: field EnterpriseOwnerInfo.repositoryDeployKeySettingOrganizations is defined twice with the same signature; the definition at line 15008 is used",
	}
	if !reflect.DeepEqual(res.Warnings, wantWarnings) {
		t.Errorf("warnings %q", res.Warnings)
	}
	// A plain SDL says nothing about auth or data sensitivity: unknown.
	for _, ev := range res.Evidence[1:] {
		want(t, ev.Endpoint, ev.Facts, map[string]any{
			authDeclared: nil, authPublic: nil, authSchemes: nil, authScopes: nil,
			annotated: nil, sensitive: nil,
			collectors.FactRequestSchemaDefined: true, collectors.FactRequestStrict: true,
			collectors.FactResponseSchemaDefined: true,
		})
	}
	factTable(t, res, map[string]map[string]any{
		// owner: String!, name: String! without constraints.
		"QUERY repository": {bounded: false, semantic: false, collectors.FactDeprecated: false},
		// No arguments; User has plain String fields (bio, company...).
		"QUERY viewer": {bounded: true, semantic: false},
		// dryRun: Boolean; RateLimit has only Int and DateTime fields.
		"QUERY rateLimit": {bounded: true, semantic: true},
		// url: URI! is a custom scalar.
		"QUERY resource": {bounded: true},
		// id: ID! without constraint.
		"QUERY node": {bounded: false},
		// Query.id: ID! itself, no String.
		"QUERY id":                {bounded: true, semantic: true},
		"MUTATION addProjectCard": {collectors.FactDeprecated: true},
	})
	for i, ep := range res.Endpoints {
		if ep.Key() == "QUERY repository" {
			if ep.Summary != "Lookup a given repository by the owner and repository name." {
				t.Errorf("summary %q", ep.Summary)
			}
			if loc := res.Evidence[i+1].Location; loc != "schema.graphql:40130 Query.repository" {
				t.Errorf("location %q", loc)
			}
		}
	}
}

func collectDir(t *testing.T, src collectors.Source) *memSink {
	t.Helper()
	sink := &memSink{}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	return sink
}

// sinkResult rebuilds a Result from what one Collect of one path sent.
func sinkResult(t *testing.T, s *memSink) *Result {
	t.Helper()
	if len(s.APIs) != 1 {
		t.Fatalf("%d APIs", len(s.APIs))
	}
	res := &Result{API: s.APIs[0], Endpoints: s.Endpoints, Evidence: s.Evidences}
	checkResult(t, res)
	return res
}

// gqlgen's followschema test server: one schema in 34 files (see
// testdata/gqlgen/README.md). Expected numbers, derived with awk over the
// files: in every "type T {" / "extend type T {" block for Query,
// Mutation and Subscription, the lines starting a name followed by "("
// or ":" at the block's field indentation (that of its first such line),
// outside """ blocks: Query 85, Mutation 6, Subscription 8:
//
//	awk '/^(extend )?type (Query|Mutation|Subscription)[ {]/ {inb=1; ind=""; t=($1=="extend")?$3:$2; next}
//	  inb && /^}/ {inb=0; next}
//	  inb { q = gsub(/"""/, "&")
//	    if (!d && q == 0 && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*[ ]*[(:]/) {
//	      match($0, /^[ \t]+/); l = substr($0, 1, RLENGTH); if (ind == "") ind = l; if (l == ind) n[t]++ }
//	    if (q % 2 == 1) d = !d }
//	  END { for (k in n) print k, n[k] }' *.graphql
//
// `grep -n @deprecated` finds one deprecated
// root field (schema.graphql:31, Query.deprecatedField); the other two
// are an argument and an input field.
func TestGqlgenFollowschema(t *testing.T) {
	dir := filepath.Join("testdata", "gqlgen", "followschema")
	res := sinkResult(t, collectDir(t, collectors.Source{Name: "gqlgen", Paths: []string{dir}}))
	ops, deprecated := count(res, collectors.FactDeprecated)
	if !reflect.DeepEqual(ops, map[string]int{collectors.GraphQLQuery: 85, collectors.GraphQLMutation: 6, collectors.GraphQLSubscription: 8}) {
		t.Errorf("operations %v", ops)
	}
	if !reflect.DeepEqual(deprecated, map[string]int{collectors.GraphQLQuery: 1}) {
		t.Errorf("deprecated %v", deprecated)
	}
	if res.API.Name != "followschema" {
		t.Errorf("API %+v", res.API)
	}
	files := map[string]bool{}
	for _, ev := range res.Evidence {
		files[ev.Artifact.Name] = true
	}
	if len(files) < 20 {
		t.Errorf("evidence from %d files only", len(files))
	}
	want(t, "api", res.Evidence[0].Facts, map[string]any{collectors.FactGraphQLCostDirectives: nil, collectors.FactSpecSecuritySchemes: nil})
	if a := res.Evidence[0].Artifact.Name; a != filepath.Join(dir, "schema.graphql") {
		t.Errorf("API artifact %s", a)
	}
	factTable(t, res, map[string]map[string]any{
		// arg: String! @length(min: 1, max: 255, ...)
		"QUERY directiveArg":        {bounded: true, authDeclared: nil},
		"SUBSCRIPTION directiveArg": {bounded: true},
		// @range(min: 0) has no max; @toNull bounds nothing.
		"QUERY directiveNullableArg": {bounded: false},
		// InputDirectives.nullableText: String @toNull
		"QUERY directiveInput": {bounded: false},
		// ret: String! and no constraint.
		"QUERY directiveFieldDef": {bounded: false},
		"QUERY deprecatedField":   {collectors.FactDeprecated: true},
	})
	for i, ep := range res.Endpoints {
		if ep.Key() == "QUERY directiveArg" {
			if loc := res.Evidence[i+1].Location; loc != filepath.Join(dir, "directive.graphql")+":17 Query.directiveArg" {
				t.Errorf("location %q", loc)
			}
		}
	}
}

// gqlgen's entitydirectives fixture: @auth(requires:) on an object type,
// Federation's @key used undeclared.
func TestGqlgenEntityDirectives(t *testing.T) {
	p := filepath.Join("testdata", "gqlgen", "entitydirectives.graphql")
	res := sinkResult(t, collectDir(t, collectors.Source{Name: "gqlgen", Paths: []string{p}}))
	if res.API.Name != "entitydirectives" || len(res.Endpoints) != 3 {
		t.Fatalf("API %+v, %d endpoints", res.API, len(res.Endpoints))
	}
	factTable(t, res, map[string]map[string]any{
		// Product @auth(requires: "admin"): returning it requires auth.
		"QUERY getProduct": {authDeclared: true, authScopes: true, authSchemes: nil},
		"QUERY getPerson":  {authDeclared: false, authScopes: false, authPublic: nil},
		"QUERY getBasic":   {authDeclared: false, authScopes: false},
	})
}

// gqlgen's federation2 fixture: @link imports, a renamed query root, an
// extension of a type defined in another subgraph.
func TestGqlgenFederation2(t *testing.T) {
	p := filepath.Join("testdata", "gqlgen", "federation2.graphql")
	res := sinkResult(t, collectDir(t, collectors.Source{Name: "gqlgen", Paths: []string{p}}))
	if len(res.Endpoints) != 1 || res.Endpoints[0].Key() != "QUERY hello" {
		t.Fatalf("endpoints %+v", res.Endpoints)
	}
	if loc := res.Evidence[1].Location; loc != p+":24 CustomQuery.hello" {
		t.Errorf("location %q", loc)
	}
	// @policy is imported, never used: the schema uses no auth directive.
	want(t, "hello", res.Evidence[1].Facts, map[string]any{authDeclared: nil, bounded: true, semantic: false}) // Hello.name: String!
}

// Every file of the shared corpus outside specs/graphql is not detected
// as GraphQL; every GraphQL file is, from its first 64 KiB, as in
// collectors/all's TestDetectCorpus. The testdata schemas are detected too.
func TestDetectCorpus(t *testing.T) {
	root := testutil.Corpus(t, ".")
	n, yes := 0, 0
	check := func(p string, wantGraphQL bool) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64<<10 {
			data = data[:64<<10]
		}
		n++
		got := (Collector{}).Detect(p, data)
		if got {
			yes++
		}
		if got != wantGraphQL {
			t.Errorf("%s: detected %v, want %v", p, got, wantGraphQL)
		}
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		check(p, strings.HasPrefix(filepath.ToSlash(rel), "specs/graphql/"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 || yes != 1 {
		t.Errorf("%d files, %d detected", n, yes)
	}
	matches, _ := filepath.Glob(filepath.Join("testdata", "gqlgen", "*", "*.graphql"))
	more, _ := filepath.Glob(filepath.Join("testdata", "gqlgen", "*.graphql"))
	matches = append(matches, more...)
	sort.Strings(matches)
	if len(matches) != 36 {
		t.Fatalf("%d testdata schemas", len(matches))
	}
	for _, p := range matches {
		check(p, true)
		// Without the extension, from the content alone.
		data, _ := os.ReadFile(p)
		if !(Collector{}).Detect("schema.txt", data) {
			t.Errorf("%s: content not detected", p)
		}
	}
}
