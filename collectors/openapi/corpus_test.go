package openapi

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

// corpusSpecs lists every OpenAPI/Swagger file of the shared corpus, so a
// file added there is covered without touching this test.
func corpusSpecs(t testing.TB) (root string, rels []string) {
	t.Helper()
	root = testutil.Corpus(t, "specs/openapi")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isSpecName(p) {
			rel, _ := filepath.Rel(root, p)
			rels = append(rels, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) == 0 {
		t.Fatalf("no specs under %s", root)
	}
	return root, rels
}

// Every real document parses without error, is detected, and yields a
// well-formed result.
func TestParseCorpus(t *testing.T) {
	root, rels := corpusSpecs(t)
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !(Collector{}).Detect(rel, head(data)) {
			t.Errorf("%s: not detected", rel)
		}
		res, err := Parse(rel, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		checkResult(t, res)
	}
}

func head(data []byte) []byte {
	if len(data) > 4096 {
		return data[:4096]
	}
	return data
}

// corpusWant holds properties of the real documents, derived independently
// of this package with Python (json + PyYAML) by /tmp/derive/derive.py:
//
//	d = json.load(f) or yaml.safe_load(f)
//	paths: keys of d["paths"] not starting with "x-"
//	ops:   keys get/put/post/delete/options/head/patch/trace of each path
//	       item (local path-item $refs followed)
//	schemes: type of each components.securitySchemes / securityDefinitions
//	       entry, "http-"+lower(scheme) for http, "http-basic" for basic
//	https: every "scheme://" server URL (root and operation servers) is
//	       https; 2.0: every root/operation scheme is https
//	declared: ops whose security (op's if the key exists, else root's) is
//	       non-empty and has no empty {} alternative
//	public: ops with their own security key whose entries are all {}
//	deprecated: ops with deprecated: true
//	errdoc: ops with a 4xx/4XX response and, when declared, a 401/403/4XX
//	ratelimit: ops with a 429 response or a response header
//	       x-ratelimit*/x-rate-limit*/ratelimit*/retry-after (local
//	       response $refs followed)
type corpusWant struct {
	ops, paths         int
	format, version    string
	schemes            []string
	https              bool
	declared, public   int
	deprecated, errdoc int
	ratelimit          int
}

var corpusTable = map[string]corpusWant{
	"crapi/crapi-openapi-spec.json":                    {44, 40, "openapi", "3.0.1", []string{"http-bearer"}, false, 34, 10, 0, 12, 0},
	"discord/openapi.json":                             {242, 150, "openapi", "3.1.0", []string{"apiKey", "oauth2"}, true, 220, 0, 0, 242, 242},
	"go-swagger-canary/docker-v1.41-swagger.yaml":      {106, 97, "swagger", "2.0", []string{}, false, 0, 0, 0, 75, 0},
	"go-swagger-canary/kubernetes-swagger.json":        {531, 260, "swagger", "2.0", []string{"apiKey"}, true, 531, 0, 0, 531, 0},
	"go-swagger-canary/quay.io-swagger.json":           {95, 64, "swagger", "2.0", []string{"oauth2"}, true, 81, 0, 0, 95, 0},
	"go-swagger-fixtures/giantswarm-fixture-1621.yaml": {22, 12, "swagger", "2.0", []string{"apiKey"}, true, 22, 0, 0, 22, 0},
	"learn-openapis/v2.0-uber.yaml":                    {5, 5, "swagger", "2.0", []string{"apiKey"}, true, 1, 0, 0, 0, 0},
	"learn-openapis/v3.0-petstore-expanded.yaml":       {4, 2, "openapi", "3.0.0", []string{}, true, 0, 0, 0, 0, 0},
	"learn-openapis/v3.1-tictactoe.yaml":               {3, 2, "openapi", "3.1.0", []string{"apiKey", "http-basic", "http-bearer", "oauth2"}, true, 3, 0, 0, 0, 0},
	"learn-openapis/v3.1-webhook-example.json":         {0, 0, "openapi", "3.1.0", []string{}, true, 0, 0, 0, 0, 0},
	"readme-oas-examples/3.0-security.json":            {15, 8, "openapi", "3.0.3", []string{"apiKey", "http-basic", "http-bearer", "oauth2", "openIdConnect"}, true, 13, 0, 0, 1, 0},
	"readme-oas-examples/3.1-train-travel.yaml":        {7, 5, "openapi", "3.1.0", []string{"oauth2"}, true, 7, 0, 0, 7, 7},
	"twilio/twilio_api_v2010.json":                     {197, 121, "openapi", "3.0.1", []string{"http-basic"}, true, 197, 0, 0, 0, 0},
	"twilio/twilio_studio_v2.yaml":                     {19, 12, "openapi", "3.0.1", []string{"http-basic"}, true, 19, 0, 0, 0, 0},
	"vampi/openapi3.yml":                               {14, 12, "openapi", "3.0.1", []string{"http-bearer"}, false, 6, 0, 0, 9, 0},
	// shared/bench, not the corpus (same derivation).
	"bench:api.github.com.json": {1223, 811, "openapi", "3.0.3", []string{}, true, 0, 0, 37, 841, 3},
}

func countTrue(res *Result, key string) int {
	n := 0
	for _, ev := range res.Evidence[1:] {
		if ev.Facts[key] == true {
			n++
		}
	}
	return n
}

func TestCorpusTable(t *testing.T) {
	root, rels := corpusSpecs(t)
	for _, rel := range rels {
		if _, ok := corpusTable[rel]; !ok {
			t.Logf("%s: no table entry (parsed by TestParseCorpus only)", rel)
		}
	}
	names := make([]string, 0, len(corpusTable))
	for k := range corpusTable {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		w := corpusTable[name]
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(root, filepath.FromSlash(name))
			if b, ok := strings.CutPrefix(name, "bench:"); ok {
				p = filepath.Join(testutil.SharedDir(t), "bench", b)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(name, data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			f := res.Evidence[0].Facts
			got := corpusWant{
				ops: len(res.Endpoints), paths: res.Paths, format: res.Format, version: res.Version,
				schemes:    f[collectors.FactSpecSecuritySchemes].([]string),
				https:      f[collectors.FactSpecServersHTTPS].(bool),
				declared:   countTrue(res, collectors.FactAuthDeclared),
				public:     countTrue(res, collectors.FactAuthPublic),
				deprecated: countTrue(res, collectors.FactDeprecated),
				errdoc:     countTrue(res, collectors.FactResponseErrorsDocumented),
				ratelimit:  countTrue(res, collectors.FactResponseRateLimitDocumented),
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			if f[collectors.FactSpecOperations] != int64(w.ops) || f[collectors.FactSpecFormat] != w.format || f[collectors.FactSpecVersion] != w.version {
				t.Errorf("API facts %v", f)
			}
			// Only the fixture whose external files are not in the corpus
			// has warnings; its facts that depend on them are unknown.
			if name == "go-swagger-fixtures/giantswarm-fixture-1621.yaml" {
				if len(res.Warnings) == 0 {
					t.Error("no warnings for unresolved external references")
				}
				if _, ok := res.Evidence[1].Facts[collectors.FactRequestSchemaDefined]; ok {
					t.Errorf("request.schema_defined known despite unresolved parameters: %v", res.Evidence[1].Facts)
				}
			} else if len(res.Warnings) != 0 {
				t.Errorf("warnings: %q", res.Warnings[:min(3, len(res.Warnings))])
			}
		})
	}
}

// Spot checks of real endpoints, verified by reading the documents.
func TestCorpusEndpoints(t *testing.T) {
	root, _ := corpusSpecs(t)
	read := func(rel string) *Result {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Parse(rel, data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// crAPI: login is explicitly public (security: [] under a bearer root).
	res := read("crapi/crapi-openapi-spec.json")
	want(t, "crapi login", endpointFacts(t, res, "POST /identity/api/auth/login"), map[string]any{
		collectors.FactAuthPublic: true, collectors.FactAuthDeclared: false, collectors.FactAuthSchemes: []string{},
	})
	// Train Travel: OAuth2 with scopes, 429 documented, https server.
	res = read("readme-oas-examples/3.1-train-travel.yaml")
	want(t, "train get-stations", endpointFacts(t, res, "GET /stations"), map[string]any{
		collectors.FactAuthDeclared: true, collectors.FactAuthSchemes: []string{"oauth2"},
		collectors.FactAuthScopesDeclared: true, collectors.FactResponseRateLimitDocumented: true,
	})
	if res.API.Contact != "support@example.com" || res.API.BaseURLs[0] != "https://api.example.com" {
		t.Errorf("train API %+v", res.API)
	}
	for _, ev := range res.Evidence[1:] {
		if !strings.HasPrefix(ev.Location, "/paths/~1") {
			t.Errorf("location %q", ev.Location)
		}
	}
	// Twilio: versioned by its /2010-04-01/ path prefix.
	res = read("twilio/twilio_api_v2010.json")
	want(t, "twilio api", res.Evidence[0].Facts, map[string]any{collectors.FactSpecVersionedURL: true})
	// Uber (2.0): host + basePath + schemes make the base URL.
	res = read("learn-openapis/v2.0-uber.yaml")
	if !reflect.DeepEqual(res.API.BaseURLs, []string{"https://api.uber.com/v1"}) {
		t.Errorf("uber base URLs %v", res.API.BaseURLs)
	}
}

// Collect over the real corpus directory: every document becomes an API,
// in lexical order, each file's evidence sharing one artifact.
func TestCollectCorpusDir(t *testing.T) {
	root, rels := corpusSpecs(t)
	sink := &memSink{}
	src := collectors.Source{Name: "corpus", Kind: Kind, Paths: []string{root}, Owner: "team-x"}
	if err := (Collector{}).Collect(context.Background(), src, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.APIs) != len(rels) {
		t.Fatalf("%d APIs for %d files", len(sink.APIs), len(rels))
	}
	total := 0
	for _, rel := range rels {
		if w, ok := corpusTable[rel]; ok {
			total += w.ops
		}
	}
	if len(sink.Endpoints) != total {
		t.Errorf("%d endpoints, table says %d", len(sink.Endpoints), total)
	}
	var arts []string
	var last *collectors.Artifact
	for _, ev := range sink.Evidences {
		if ev.Artifact != last {
			last = ev.Artifact
			arts = append(arts, ev.Artifact.Name)
		}
	}
	if len(arts) != len(rels) || !sort.StringsAreSorted(arts) {
		t.Errorf("artifacts not one per file in order: %v", arts)
	}
	for i, rel := range rels {
		if arts[i] != filepath.Join(root, filepath.FromSlash(rel)) {
			t.Errorf("artifact %d = %s, want %s", i, arts[i], rel)
		}
	}
	for _, a := range sink.APIs {
		if a.Owner != "team-x" {
			t.Errorf("API %s owner %q", a.Name, a.Owner)
		}
	}
}

func benchmarkParse(b *testing.B, p string) {
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(filepath.Base(p), data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures Parse on the 13 MB GitHub REST description and
// on Twilio's 1.9 MB one (compare with `vacuum lint` on the same files).
func BenchmarkParse(b *testing.B) {
	b.Run("github", func(b *testing.B) {
		benchmarkParse(b, filepath.Join(testutil.SharedDir(b), "bench", "api.github.com.json"))
	})
	b.Run("twilio_api_v2010", func(b *testing.B) {
		benchmarkParse(b, testutil.Corpus(b, "specs/openapi/twilio/twilio_api_v2010.json"))
	})
}

// Parse is safe to call concurrently (run with -race).
func TestParseConcurrent(t *testing.T) {
	root, rels := corpusSpecs(t)
	var datas [][]byte
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		datas = append(datas, data)
	}
	errs := make(chan error, len(rels))
	for i := range rels {
		go func() {
			_, err := Parse(rels[i], datas[i], Options{})
			errs <- err
		}()
	}
	for range rels {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
