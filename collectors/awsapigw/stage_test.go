package awsapigw

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

func readStage(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "stages", rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The AWS documentation examples parse, and yield what reading them says.
func TestParseStagesDocs(t *testing.T) {
	type ov struct{ key, path, method string }
	cases := []struct {
		file      string
		name, ptr string
		v2        bool
		apiID     string
		defRate   float64 // -2: no default
		overrides []ov
		check     func(t *testing.T, st Stage)
	}{
		{file: "get-stage.json", name: "dev", defRate: 500, overrides: []ov{{"~1resource/GET", "/resource", "GET"}},
			check: func(t *testing.T, st Stage) {
				d := st.Default
				if d.BurstLimit.Value != 1000 || d.LoggingLevel.Value != "INFO" || !d.Metrics.Value || d.DataTrace.Value || d.Caching.Value ||
					d.RateLimit.Pointer != "/methodSettings/*~1*/throttlingRateLimit" || st.DeploymentID != "rbh1fj" || st.CacheClusterEnabled {
					t.Errorf("default %+v", *d)
				}
				if o := st.Overrides[0]; o.Settings.Pointer != "/methodSettings/~01resource~1GET" || o.Settings.RateLimit.Value != 500 {
					t.Errorf("override %+v", o)
				}
			}},
		{file: "get-stages.json", name: "dev", ptr: "/item/0", defRate: -2, overrides: []ov{{"~1resource~1subresource/POST", "/resource/subresource", "POST"}},
			check: func(t *testing.T, st Stage) {
				s := st.Overrides[0].Settings
				if !s.DataTrace.Value || !st.CacheClusterEnabled || s.Pointer != "/item/0/methodSettings/~01resource~01subresource~1POST" {
					t.Errorf("%+v", st)
				}
			}},
		{file: "update-stage-method.json", name: "dev", defRate: -2, overrides: []ov{{"~1resourceName/GET", "/resourceName", "GET"}},
			check: func(t *testing.T, st Stage) {
				if s := st.Overrides[0].Settings; s.RateLimit.Value != 10000 || s.BurstLimit.Value != 5000 || s.Metrics.Value || st.TracingEnabled {
					t.Errorf("%+v", st)
				}
			}},
		{file: "update-stage-all.json", name: "dev", defRate: 10000, check: func(t *testing.T, st Stage) {
			if !st.Default.DataTrace.Value || st.Default.LoggingLevel.Set {
				t.Errorf("%+v", st.Default)
			}
		}},
		{file: "v2-update-stage.json", name: "dev", v2: true, defRate: -1, overrides: []ov{{"GET /pets", "/pets", "GET"}},
			check: func(t *testing.T, st Stage) {
				if !st.Default.Metrics.Set || st.Default.Metrics.Value || st.Default.Pointer != "/DefaultRouteSettings" {
					t.Errorf("default %+v", st.Default)
				}
				s := st.Overrides[0].Settings
				if s.RateLimit.Value != 2000 || s.BurstLimit.Value != 100 || s.RateLimit.Pointer != "/RouteSettings/GET ~1pets/ThrottlingRateLimit" {
					t.Errorf("route %+v", s)
				}
			}},
		{file: "stage-by-name.json", name: "prod", apiID: "uycll6xg9a", defRate: -2},
	}
	for _, c := range cases {
		data := readStage(t, "aws-docs/"+c.file)
		if !(Collector{}).Detect(c.file, data) {
			t.Errorf("%s: not detected", c.file)
		}
		sts, err := ParseStages(c.file, data, safedecode.Limits{})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if len(sts) != 1 {
			t.Errorf("%s: %d stages", c.file, len(sts))
			continue
		}
		st := sts[0]
		if st.Name != c.name || st.Pointer != c.ptr || st.V2 != c.v2 || st.APIID != c.apiID {
			t.Errorf("%s: stage %q at %q v2=%v id=%q", c.file, st.Name, st.Pointer, st.V2, st.APIID)
		}
		switch {
		case c.defRate == -2 && st.Default != nil:
			t.Errorf("%s: unexpected default %+v", c.file, st.Default)
		case c.defRate == -1 && (st.Default == nil || st.Default.RateLimit.Set):
			t.Errorf("%s: default should exist without a rate: %+v", c.file, st.Default)
		case c.defRate >= 0 && (st.Default == nil || st.Default.RateLimit.Value != c.defRate):
			t.Errorf("%s: default %+v, want rate %v", c.file, st.Default, c.defRate)
		}
		var got []ov
		for _, o := range st.Overrides {
			got = append(got, ov{o.Key, o.Path, o.Method})
		}
		if !reflect.DeepEqual(got, c.overrides) {
			t.Errorf("%s: overrides %v, want %v", c.file, got, c.overrides)
		}
		if c.check != nil && !t.Failed() {
			c.check(t, st)
		}
	}
}

// stageSink collects what Collect emits, keeping stage evidence apart.
type stageSink struct {
	sink
	warnings []string
}

func (s *stageSink) Warning(msg string) error { s.warnings = append(s.warnings, msg); return nil }

func (s *stageSink) stageRoutes(artifact string) map[string]collectors.Evidence {
	out := map[string]collectors.Evidence{}
	for _, e := range s.ev {
		if e.Route == nil || e.Artifact == nil || !strings.HasSuffix(e.Artifact.Name, artifact) {
			continue
		}
		key := "*"
		if len(e.Route.Paths) > 0 {
			key = e.Route.Paths[0].Exact
		}
		m := "ANY"
		if len(e.Route.Methods) > 0 {
			m = e.Route.Methods[0]
		}
		out[m+" "+key] = e
	}
	return out
}

// checkEvidence asserts what ingest would: valid facts and route, notes
// only on stated facts.
func checkEvidence(t *testing.T, e collectors.Evidence) {
	t.Helper()
	if err := collectors.ValidateFacts(e.Facts); err != nil {
		t.Error(err)
	}
	if e.Route == nil || collectors.ValidateRoute(*e.Route) != nil || e.Artifact == nil || e.API == "" {
		t.Errorf("bad evidence %+v", e)
	}
	for _, n := range e.Notes {
		if _, ok := e.Facts[n.Fact]; !ok {
			t.Errorf("%s: note on unstated fact %s", e.Location, n.Fact)
		}
	}
}

type factCase struct {
	route string
	want  collectors.Facts
	unset []string
	loc   string
	has   []string // gateway.plugins that must be present
	hasnt []string
}

func checkFacts(t *testing.T, got map[string]collectors.Evidence, cases []factCase) {
	t.Helper()
	for _, c := range cases {
		e, ok := got[c.route]
		if !ok {
			t.Errorf("%s: no stage route (have %v)", c.route, keys(got))
			continue
		}
		checkEvidence(t, e)
		for k, v := range c.want {
			if !reflect.DeepEqual(e.Facts[k], v) {
				t.Errorf("%s: %s = %#v, want %#v", c.route, k, e.Facts[k], v)
			}
		}
		for _, k := range c.unset {
			if v, ok := e.Facts[k]; ok {
				t.Errorf("%s: %s = %#v, want unknown", c.route, k, v)
			}
		}
		if c.loc != "" && e.Location != c.loc {
			t.Errorf("%s: location %q, want %q", c.route, e.Location, c.loc)
		}
		plugins, _ := e.Facts[collectors.FactGatewayPlugins].([]string)
		for _, p := range c.has {
			if !contains(plugins, p) {
				t.Errorf("%s: plugins %v lack %s", c.route, plugins, p)
			}
		}
		for _, p := range c.hasnt {
			if contains(plugins, p) {
				t.Errorf("%s: plugins %v have %s", c.route, plugins, p)
			}
		}
	}
}

func keys(m map[string]collectors.Evidence) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The composed petstore directory (export + prod stage), read from disk
// as a user's source would be. Expected values come from reading the two
// files: five operations; */* 100/s with ERROR execution logs; GET
// /pets/{petId} overridden to 0.5/s, INFO, caching; POST /pets throttling
// -1; ~1admin/GET names no operation; CloudWatch access logs, client
// certificate, WAF, X-Ray, cache cluster.
func TestStagePetstore(t *testing.T) {
	var s stageSink
	src := collectors.Source{Name: "pets", Paths: []string{filepath.Join("testdata", "stages", "petstore")}}
	if err := (Collector{}).Collect(context.Background(), src, &s); err != nil {
		t.Fatal(err)
	}
	// 1 API evidence + 5 endpoint evidence + 5 export routes + 5 stage
	// routes + 1 stage route for ~1admin/GET.
	if s.apis != 1 || s.endpoints != 5 || len(s.ev) != 17 {
		t.Fatalf("%d apis %d endpoints %d evidence", s.apis, s.endpoints, len(s.ev))
	}
	got := s.stageRoutes("prod-stage.json")
	if len(got) != 6 {
		t.Fatalf("stage routes %v", keys(got))
	}
	accessLog := "cloudwatch:arn:aws:logs:us-east-1:123456789012:log-group:petstore-prod-access"
	checkFacts(t, got, []factCase{
		{route: "GET /health", want: collectors.Facts{"ratelimit.enabled": true, "ratelimit.per_minute": int64(6000),
			"logging.enabled": true, "logging.sinks": []string{accessLog}, "tls.enforced": true},
			unset: []string{"mtls.upstream"}, loc: "/methodSettings/*~1*",
			has: []string{"stage:prod", "waf", "xray", "metrics", "execution-log:error", "integration:mock"}, hasnt: []string{"cache", "execution-log:info"}},
		{route: "GET /pets", want: collectors.Facts{"ratelimit.per_minute": int64(6000), "mtls.upstream": true}},
		{route: "POST /pets", want: collectors.Facts{"ratelimit.enabled": false, "mtls.upstream": true}, unset: []string{"ratelimit.per_minute"},
			loc: "/methodSettings/~01pets~1POST", has: []string{"data-trace", "integration:http_proxy"}},
		{route: "GET /pets/{petId}", want: collectors.Facts{"ratelimit.enabled": true, "ratelimit.per_minute": int64(30),
			"logging.sinks": []string{"cloudwatch:API-Gateway-Execution-Logs_a1b2c3d4e5/prod", accessLog}},
			loc: "/methodSettings/~01pets~01{petId}~1GET", has: []string{"cache", "execution-log:info"}, hasnt: []string{"execution-log:error"}},
		{route: "DELETE /pets/{petId}", want: collectors.Facts{"ratelimit.per_minute": int64(6000)}, unset: []string{"mtls.upstream"}},
		{route: "GET /admin", want: collectors.Facts{"ratelimit.per_minute": int64(60), "mtls.upstream": true}, loc: "/methodSettings/~01admin~1GET"},
	})
	e := got["GET /pets/{petId}"]
	if e.API != "PetStore" || e.Route.Name != "prod ~1pets~1{petId}/GET" || e.Artifact.ContentType != "application/json" {
		t.Errorf("route %+v api %q", e.Route, e.API)
	}
	// The stage route has the shape of the export's route for the same
	// operation, so scoring sees a tie and merges them.
	for _, ev := range s.ev {
		if ev.Route != nil && ev.Artifact != e.Artifact && ev.Location == "/paths/~1pets~1{petId}/get" && !reflect.DeepEqual(ev.Route.Paths, e.Route.Paths) {
			t.Errorf("export route %+v vs stage route %+v", ev.Route, e.Route)
		}
	}
	var ratelimitNote bool
	for _, n := range e.Notes {
		if n.Fact == "ratelimit.enabled" && n.Pointer == "/methodSettings/~01pets~01{petId}~1GET/throttlingRateLimit" && strings.Contains(n.Message, "0.5 requests per second") {
			ratelimitNote = true
		}
	}
	if !ratelimitNote {
		t.Errorf("notes %+v", e.Notes)
	}
}

// The corpus export with a composed stage for it: the stage maps to the
// source's only API, the export's facts are untouched.
func TestStageCorpus(t *testing.T) {
	var export []byte
	for _, d := range corpusFiles(t) {
		export = d
	}
	fsys := fstest.MapFS{
		"src/export.json": {Data: export},
		"src/stage.json":  {Data: readStage(t, "corpus-products-stage.json")},
	}
	var s stageSink
	if err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "c", Paths: []string{"src"}, FS: fsys}, &s); err != nil {
		t.Fatal(err)
	}
	firehose := "firehose:arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-products"
	checkFacts(t, s.stageRoutes("stage.json"), []factCase{
		// integration aws (Lambda): no client certificate question.
		{route: "GET /products", want: collectors.Facts{"ratelimit.per_minute": int64(3000), "logging.enabled": true, "logging.sinks": []string{firehose}},
			unset: []string{"mtls.upstream"}, has: []string{"auth", "integration:aws", "stage:v1"}},
		// integration http, no clientCertificateId.
		{route: "POST /products/child", want: collectors.Facts{"ratelimit.per_minute": int64(300), "mtls.upstream": false}, loc: "/methodSettings/~01products~01child~1POST"},
	})
	if n := len(s.stageRoutes("stage.json")); n != 2 {
		t.Errorf("%d stage routes", n)
	}
	if n := len(s.stageRoutes("export.json")); n != 2 {
		t.Errorf("%d export routes", n)
	}
}

// Without an export the stage default covers every path and each
// override its own path and method.
func TestStageOnly(t *testing.T) {
	fsys := fstest.MapFS{
		"get-stage.json": {Data: readStage(t, "aws-docs/get-stage.json")},
		"v2.json":        {Data: readStage(t, "aws-docs/v2-update-stage.json")},
		"hal.json":       {Data: readStage(t, "aws-docs/stage-by-name.json")},
	}
	var s stageSink
	src := collectors.Source{Name: "s", Paths: []string{"."}, FS: fsys, Options: map[string]string{"api": "get-stage.json=orders, v2.json=pets,hal.json=hal"}}
	if err := (Collector{}).Collect(context.Background(), src, &s); err != nil {
		t.Fatal(err)
	}
	if s.apis != 0 || s.endpoints != 0 || len(s.ev) != 2+2+1 {
		t.Fatalf("%d apis %d endpoints %d evidence", s.apis, s.endpoints, len(s.ev))
	}
	v1 := s.stageRoutes("get-stage.json")
	checkFacts(t, v1, []factCase{
		{route: "ANY *", want: collectors.Facts{"ratelimit.per_minute": int64(30000), "logging.enabled": true,
			"logging.sinks": []string{"cloudwatch:API-Gateway-Execution-Logs_{api-id}/dev"}, "mtls.upstream": false}, loc: "/methodSettings/*~1*"},
		{route: "GET /resource", want: collectors.Facts{"ratelimit.per_minute": int64(30000)}, loc: "/methodSettings/~01resource~1GET"},
	})
	if v1["ANY *"].API != "orders" || v1["ANY *"].Route.Name != "dev */*" {
		t.Errorf("%+v", v1["ANY *"])
	}
	checkFacts(t, s.stageRoutes("v2.json"), []factCase{
		{route: "ANY *", want: collectors.Facts{"ratelimit.enabled": false, "logging.enabled": false}, unset: []string{"logging.sinks"}, loc: "/DefaultRouteSettings"},
		{route: "GET /pets", want: collectors.Facts{"ratelimit.per_minute": int64(120000)}, loc: "/RouteSettings/GET ~1pets"},
	})
	// No method settings at all: throttling and logging are known false.
	checkFacts(t, s.stageRoutes("hal.json"), []factCase{
		{route: "ANY *", want: collectors.Facts{"ratelimit.enabled": false, "logging.enabled": false}, loc: "/stageName"},
	})
}

// export is a one-operation Swagger export of API title served at host
// (an execute-api endpoint) under stage.
func export(title, host, stage string) []byte {
	return fmt.Appendf(nil, `{"swagger": "2.0", "info": {"title": %q, "version": "1"}, "host": %q, "basePath": "/%s",
 "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {"type": "mock"}}}}}`, title, host, stage)
}

func TestStageMapping(t *testing.T) {
	hal := readStage(t, "aws-docs/stage-by-name.json") // prod, API id uycll6xg9a
	beta := []byte(`{"stageName": "beta", "deploymentId": "x"}`)
	two := fstest.MapFS{
		"a.json": {Data: export("A", "uycll6xg9a.execute-api.us-east-1.amazonaws.com", "prod")},
		"b.json": {Data: export("B", "zzzzzzzzzz.execute-api.eu-west-1.amazonaws.com", "beta")},
	}
	with := func(extra map[string][]byte) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range two {
			m[k] = v
		}
		for k, v := range extra {
			m["st/"+k] = &fstest.MapFile{Data: v}
		}
		return m
	}
	cases := []struct {
		name    string
		fsys    fstest.MapFS
		opt     map[string]string
		api     string // the API the stage routes carry
		wantErr string
	}{
		{name: "by id", fsys: with(map[string][]byte{"s.json": hal}), api: "A"},
		{name: "by stage name", fsys: with(map[string][]byte{"s.json": beta}), api: "B"},
		{name: "ambiguous", fsys: with(map[string][]byte{"s.json": []byte(`{"stageName": "gamma", "deploymentId": "x"}`)}),
			wantErr: "st/s.json: /stageName: stage \"gamma\": which API? the source's exports describe A, B"},
		{name: "option pair", fsys: with(map[string][]byte{"s.json": beta}), opt: map[string]string{"api": "s.json=A"}, api: "A"},
		{name: "option all", fsys: with(map[string][]byte{"s.json": beta}), opt: map[string]string{"api": "B"}, api: "B"},
		{name: "id conflict", fsys: fstest.MapFS{"b.json": two["b.json"], "st/s.json": {Data: hal}},
			wantErr: "belongs to API id uycll6xg9a, but the source's export \"B\" is API id zzzzzzzzzz"},
		{name: "single", fsys: fstest.MapFS{"b.json": two["b.json"], "st/s.json": {Data: []byte(`{"stageName": "x", "methodSettings": {}}`)}}, api: "B"},
		{name: "nothing", fsys: fstest.MapFS{"st/s.json": {Data: beta}}, wantErr: "st/s.json: /stageName: stage \"beta\": the source has no API Gateway export"},
		{name: "unused option", fsys: with(map[string][]byte{"s.json": beta}), opt: map[string]string{"api": "s.json=A,t.json=B"},
			wantErr: `option api names "t.json", which is not a stage file`},
		{name: "bad option", fsys: two, opt: map[string]string{"api": "x=,y"}, wantErr: "is not file=name"},
		{name: "unknown option", fsys: two, opt: map[string]string{"colour": "red"}, wantErr: `unknown option "colour"`},
	}
	for _, c := range cases {
		var s stageSink
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "m", Paths: []string{"."}, FS: c.fsys, Options: c.opt}, &s)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := s.stageRoutes("s.json")
		if len(got) != 1 || got["GET /a"].API != c.api {
			t.Errorf("%s: stage routes %v, API %q want %q", c.name, keys(got), got["GET /a"].API, c.api)
		}
	}
}

func TestStageBadInput(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"name.json", `{"stageName": 3, "deploymentId": "x"}`, "name.json: /stageName: must be a string, not a number"},
		{"rate.json", `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": "fast"}}}`, "/methodSettings/*~1*/throttlingRateLimit: must be a number"},
		{"nan.json", `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": "NaN"}}}`, "/methodSettings/*~1*/throttlingRateLimit"},
		{"burst.json", `{"stageName": "p", "methodSettings": {"*/*": {"throttlingBurstLimit": 1.5}}}`, "/methodSettings/*~1*/throttlingBurstLimit: must be an integer"},
		{"key.json", `{"stageName": "p", "methodSettings": {"~1pets": {}}}`, `/methodSettings/~01pets: method settings key "~1pets" is not {resource_path}/{http_method}`},
		{"rel.json", `{"stageName": "p", "methodSettings": {"pets/GET": {}}}`, "/methodSettings/pets~1GET: method settings key \"pets/GET\": resource path \"pets\" does not start with ~1"},
		{"verb.json", `{"stageName": "p", "methodSettings": {"~1pets/g e t": {}}}`, "is not an HTTP method"},
		{"ms.json", `{"stageName": "p", "methodSettings": []}`, "/methodSettings: must be an object, not a list"},
		{"entry.json", `{"stageName": "p", "methodSettings": {"*/*": 3}}`, "/methodSettings/*~1*: method settings must be an object"},
		{"item.json", `{"item": {}}`, "item.json: /item: must be a list of stages"},
		{"item0.json", `{"item": [3]}`, "/item/0: must be a stage object"},
		{"noname.json", `{"item": [{"deploymentId": "x"}]}`, "/item/0: stage without a stageName"},
		{"route.json", `{"StageName": "p", "RouteSettings": {"pets": {}}}`, `/RouteSettings/pets: route key "pets" is not`},
		{"level.json", `{"stageName": "p", "methodSettings": {"*/*": {"loggingLevel": 3}}}`, "/methodSettings/*~1*/loggingLevel: must be OFF, ERROR or INFO"},
		{"trace.json", `{"stageName": "p", "methodSettings": {"*/*": {"dataTraceEnabled": "yes"}}}`, "/methodSettings/*~1*/dataTraceEnabled: must be a boolean"},
		{"arn.json", `{"stageName": "p", "accessLogSettings": {"destinationArn": 5}}`, "/accessLogSettings/destinationArn: must be a string"},
		{"both.json", `{"stageName": "p", "methodSettings": {}, "routeSettings": {}}`, "both methodSettings"},
		{"syntax.json", "{\"stageName\": \"p\",\n \"deploymentId\": ", "syntax.json: line 2"},
		{"list.json", `[]`, "list.json: a stage file must be a JSON object"},
		{"other.json", `{"a": 1}`, "other.json: no stageName"},
		{"size.json", `{"stageName": "` + strings.Repeat("p", 200) + `"}`, "size.json: input exceeds the size limit"},
	}
	for _, c := range cases {
		lim := safedecode.Limits{}
		if c.name == "size.json" {
			lim.MaxBytes = 100
		}
		_, err := ParseStages(c.name, []byte(c.data), lim)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "awsapigw: "+c.name+": ") {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := ParseStages("other.json", []byte(`{"a": 1}`), safedecode.Limits{}); !errors.Is(err, ErrNotStage) {
		t.Errorf("ErrNotStage: %v", err)
	}
	// A stage file named explicitly is read as one and its error names it.
	fsys := fstest.MapFS{"bad.json": {Data: []byte(`{"stageName": "p", "deploymentId": "d", "methodSettings": {"*/*": {"throttlingRateLimit": true}}}`)}}
	err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "s", Paths: []string{"bad.json"}, FS: fsys, API: "x"}, &stageSink{})
	if err == nil || !strings.Contains(err.Error(), "bad.json: /methodSettings/*~1*/throttlingRateLimit") {
		t.Errorf("collect: %v", err)
	}
}

func TestStageDetect(t *testing.T) {
	c := Collector{}
	getStages := readStage(t, "aws-docs/get-stages.json")
	cut := strings.Index(string(getStages), `"deploymentId"`) + 20
	yes := map[string][]byte{
		"cut get-stages":  getStages[:cut],
		"petstore stage":  readStage(t, "petstore/prod-stage.json"),
		"wire v2 items":   []byte(`{"items": [{"stageName": "$default", "autoDeploy": true, "defaultRouteSettings": {}}]}`),
		"v2 get-stage":    readStage(t, "aws-docs/v2-update-stage.json"),
		"petstore export": readStage(t, "petstore/export.json"),
	}
	for n, d := range yes {
		if !c.Detect(n, d) {
			t.Errorf("%s: not detected", n)
		}
	}
	no := map[string][]byte{
		"cut before deploymentId": getStages[:cut-25],
		"cloudformation":          []byte(`{"Resources": {"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "prod", "DeploymentId": {"Ref": "D"}}}}}`),
		"name only":               []byte(`{"stageName": "prod"}`),
		"yaml":                    []byte("stageName: prod\ndeploymentId: x\n"),
		"plain openapi":           []byte(swaggerHead + "paths: {}\n"),
		"garbage":                 []byte("{\"stageName\": \"a\", \x00"),
	}
	for n, d := range no {
		if c.Detect(n, d) {
			t.Errorf("%s: detected", n)
		}
	}
}

func TestPerMinute(t *testing.T) {
	for in, want := range map[float64]int64{500: 30000, 0.5: 30, 0.1: 6, 0.01: 1, 0: 0, 2000: 120000, 1e300: math.MaxInt64, 1.0 / 3: 20} {
		if got := perMinute(in); got != want {
			t.Errorf("perMinute(%v) = %d, want %d", in, got, want)
		}
	}
}

func TestKeys(t *testing.T) {
	for key, want := range map[string][2]string{
		"~1pets~1{petId}/GET": {"/pets/{petId}", "GET"},
		"~1/GET":              {"/", "GET"},
		"*/*":                 {"*", "*"},
		"~1a~0b~01/post":      {"/a~b~1", "POST"},
		"/pets/GET":           {"/pets", "GET"}, // unescaped: still the path
	} {
		p, m, err := methodKey(key)
		if err != nil || p != want[0] || m != want[1] {
			t.Errorf("methodKey(%q) = %q %q %v, want %v", key, p, m, err, want)
		}
	}
	for key, want := range map[string][2]string{"GET /pets": {"/pets", "GET"}, "ANY /{proxy+}": {"/{proxy+}", "ANY"}, "$default": {"", ""}} {
		p, m, err := routeKey(key)
		if err != nil || p != want[0] || m != want[1] {
			t.Errorf("routeKey(%q) = %q %q %v, want %v", key, p, m, err, want)
		}
	}
	for _, bad := range []string{"GET", "get /pets", "GET pets", ""} {
		if _, _, err := routeKey(bad); err == nil {
			t.Errorf("routeKey(%q): no error", bad)
		}
	}
}

func TestExportIdentity(t *testing.T) {
	res, err := Parse("e.json", readStage(t, "petstore/export.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.APIID != "a1b2c3d4e5" || res.Stage != "prod" {
		t.Errorf("swagger: %q %q", res.APIID, res.Stage)
	}
	oas := `{"openapi": "3.0.1", "info": {"title": "H", "version": "1"},
 "servers": [{"url": "https://api.example.com"}, {"url": "https://q9w8e7r6t5.execute-api.eu-west-1.amazonaws.com/{basePath}", "variables": {"basePath": {"default": "/live"}}}],
 "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {"type": "mock"}}}}}`
	if res, err = Parse("o.json", []byte(oas), Options{}); err != nil || res.APIID != "q9w8e7r6t5" || res.Stage != "live" {
		t.Errorf("openapi 3: %+v %v", res, err)
	}
	for _, data := range corpusFiles(t) {
		// host api.uber.com: a custom domain says nothing.
		if res, err := Parse("c.json", data, Options{}); err != nil || res.APIID != "" || res.Stage != "" {
			t.Errorf("corpus: %q %q %v", res.APIID, res.Stage, err)
		}
	}
}

func TestLogSink(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:logs:us-east-1:1:log-group:x":                                "cloudwatch:arn:aws:logs:us-east-1:1:log-group:x",
		"arn:aws-cn:firehose:cn-north-1:1:deliverystream/amazon-apigateway-x": "firehose:arn:aws-cn:firehose:cn-north-1:1:deliverystream/amazon-apigateway-x",
		"arn:aws:s3:::bucket":                                                 "s3:arn:aws:s3:::bucket",
		"nonsense":                                                            "arn:nonsense",
	} {
		if got := logSink(arn); got != want {
			t.Errorf("logSink(%q) = %q, want %q", arn, got, want)
		}
	}
}

// Facts of stage settings, one stage-only route per case (the default's,
// or the override's when key is set).
func TestStageFactsTable(t *testing.T) {
	cases := []struct {
		name, stage, key string
		want             collectors.Facts
		unset            []string
		has, hasnt       []string
	}{
		{name: "caching without a cache cluster caches nothing",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"cachingEnabled": true}}}`, hasnt: []string{"cache"}},
		{name: "caching with a cache cluster",
			stage: `{"stageName": "p", "cacheClusterEnabled": true, "methodSettings": {"*/*": {"cachingEnabled": true}}}`, has: []string{"cache", "stage:p"}},
		{name: "infinite rate is no limit",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": "Infinity"}}}`,
			want:  collectors.Facts{"ratelimit.enabled": false}, unset: []string{"ratelimit.per_minute"}},
		{name: "zero rate is a limit",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": 0, "throttlingBurstLimit": 0}}}`,
			want:  collectors.Facts{"ratelimit.enabled": true, "ratelimit.per_minute": int64(0)}},
		{name: "INFO execution logs, id from _links",
			stage: `{"stageName": "p", "_links": {"self": {"href": "/restapis/abc/stages/p"}}, "methodSettings": {"*/*": {"loggingLevel": "INFO"}}}`,
			want:  collectors.Facts{"logging.enabled": true, "logging.sinks": []string{"cloudwatch:API-Gateway-Execution-Logs_abc/p"}}, has: []string{"execution-log:info"}},
		{name: "ERROR execution logs only",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"loggingLevel": "ERROR", "dataTraceEnabled": true}}}`,
			want:  collectors.Facts{"logging.enabled": false}, unset: []string{"logging.sinks"}, has: []string{"execution-log:error", "data-trace"}},
		{name: "empty destination",
			stage: `{"stageName": "p", "accessLogSettings": {"destinationArn": "", "format": "$context.requestId"}}`,
			want:  collectors.Facts{"logging.enabled": false}},
		{name: "client certificate, WAF, X-Ray, canary",
			stage: `{"stageName": "p", "clientCertificateId": "c1", "webAclArn": "arn:aws:wafv2:x", "tracingEnabled": true, "canarySettings": {"percentTraffic": 10}}`,
			want:  collectors.Facts{"mtls.upstream": true}, has: []string{"waf", "xray", "canary"}},
		{name: "empty canary settings",
			stage: `{"stageName": "p", "canarySettings": {}}`, want: collectors.Facts{"mtls.upstream": false}, hasnt: []string{"canary"}},
		{name: "v2 wire format",
			stage: `{"stageName": "$default", "autoDeploy": true, "defaultRouteSettings": {"detailedMetricsEnabled": true, "throttlingRateLimit": 10, "throttlingBurstLimit": 20}}`,
			want:  collectors.Facts{"ratelimit.per_minute": int64(600)}, has: []string{"metrics", "stage:$default"}},
		{name: "override inherits what it does not say",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": 100, "loggingLevel": "INFO"}, "~1a/GET": {"metricsEnabled": true}}}`,
			key:   "GET /a", want: collectors.Facts{"ratelimit.per_minute": int64(6000), "logging.enabled": true}, has: []string{"metrics"}},
		{name: "override disables throttling",
			stage: `{"stageName": "p", "methodSettings": {"*/*": {"throttlingRateLimit": 100}, "~1a/GET": {"throttlingRateLimit": -1}}}`,
			key:   "GET /a", want: collectors.Facts{"ratelimit.enabled": false}},
		{name: "v2 route override over the default",
			stage: `{"StageName": "p", "DefaultRouteSettings": {"ThrottlingRateLimit": 1}, "RouteSettings": {"POST /a": {"ThrottlingBurstLimit": 3}}}`,
			key:   "POST /a", want: collectors.Facts{"ratelimit.per_minute": int64(60)}},
	}
	for _, c := range cases {
		sts, err := ParseStages("s.json", []byte(c.stage), safedecode.Limits{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		routes, err := StageRoutes(&sts[0], StageAPI{Name: "x"}, &collectors.Artifact{Name: "s.json"})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := map[string]collectors.Evidence{}
		for _, r := range routes {
			k := "ANY *"
			if r.Path != "" && r.Path != "*" {
				k = r.Method + " " + r.Path
			}
			got[k] = r.Evidence
		}
		key := c.key
		if key == "" {
			key = "ANY *"
		}
		t.Run(c.name, func(t *testing.T) {
			checkFacts(t, got, []factCase{{route: key, want: c.want, unset: c.unset, has: c.has, hasnt: c.hasnt}})
		})
	}
}
