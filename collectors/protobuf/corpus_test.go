package protobuf

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// The expectations below are derived from the files themselves with
// regular expressions over their text (a grep, independent of
// protocompile and of this package), or read by eye from the named lines.

var (
	rpcDecl     = regexp.MustCompile(`(?m)^\s*rpc\s+(\w+)\s*\(`)
	pkgDecl     = regexp.MustCompile(`(?m)^package\s+([\w.]+)\s*;`)
	httpVerb    = regexp.MustCompile(`\b(get|put|post|delete|patch)\s*:\s*"([^"]*)"`)
	httpCustom  = regexp.MustCompile(`custom\s*:?\s*\{\s*kind\s*:\s*"([^"]*)"\s*path\s*:\s*"([^"]*)"`)
	editionDecl = regexp.MustCompile(`(?m)^edition\s*=\s*"(\d+)"\s*;`)
)

// grepPackages counts, per package, the rpc declarations and the distinct
// HTTP bindings (verb + path with {var=pattern} reduced to {var}) of the
// files under testdata/dir.
func grepPackages(t *testing.T, dir string) (rpcs map[string]int, rest map[string]map[string]bool) {
	t.Helper()
	rpcs, rest = map[string]int{}, map[string]map[string]bool{}
	for _, f := range readTree(t, dir) {
		text := string(f.Data)
		n := len(rpcDecl.FindAllString(text, -1))
		if n == 0 {
			continue
		}
		m := pkgDecl.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s: no package", f.Name)
		}
		rpcs[m[1]] += n
		if rest[m[1]] == nil {
			rest[m[1]] = map[string]bool{}
		}
		for _, b := range httpVerb.FindAllStringSubmatch(text, -1) {
			rest[m[1]][strings.ToUpper(b[1])+" "+reduceTemplate(b[2])] = true
		}
		for _, b := range httpCustom.FindAllStringSubmatch(text, -1) {
			rest[m[1]][b[1]+" "+reduceTemplate(b[2])] = true
		}
	}
	return rpcs, rest
}

// reduceTemplate drops "=pattern" inside braces, character by character.
func reduceTemplate(p string) string {
	var b strings.Builder
	in, skip := false, false
	for _, c := range p {
		switch {
		case c == '{':
			in, skip = true, false
		case c == '}':
			in, skip = false, false
		case in && c == '=':
			skip = true
		}
		if !skip || c == '}' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func TestReduceTemplate(t *testing.T) {
	for in, out := range map[string]string{
		"/v1/{name=projects/*/books/*}:cancel": "/v1/{name}:cancel",
		"/v1/{parent=publishers/*}/books":      "/v1/{parent}/books",
		"/v1/{a}/{b.c=x/**}":                   "/v1/{a}/{b.c}",
	} {
		if got := reduceTemplate(in); got != out {
			t.Errorf("reduceTemplate(%q) = %q", in, got)
		}
		if got := restPath(in); got != out {
			t.Errorf("restPath(%q) = %q", in, got)
		}
	}
}

func TestHelloworld(t *testing.T) {
	res := parseTree(t, "grpc/examples/helloworld", nil, false)
	data, _ := os.ReadFile("testdata/grpc/examples/helloworld/helloworld/helloworld.proto")
	a := api(t, res, "helloworld")
	if len(res.APIs) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("APIs %d, warnings %v", len(res.APIs), res.Warnings)
	}
	n := len(rpcDecl.FindAllString(string(data), -1))
	want(t, "api", a.Evidence[0].Facts, map[string]any{
		collectors.FactSpecPresent:         true,
		collectors.FactSpecFormat:          "protobuf",
		collectors.FactSpecVersion:         "proto3",
		collectors.FactSpecOperations:      int64(n),
		collectors.FactSpecVersionedURL:    false,
		collectors.FactSpecVersionDeclared: false,
		collectors.FactSpecSecuritySchemes: nil,
	})
	if a.API.Title != "helloworld" || a.API.Version != "" {
		t.Errorf("API %+v", a.API)
	}
	// helloworld.proto:27: `rpc SayHello (HelloRequest) returns (HelloReply) {}`
	// under "// Sends a greeting"; HelloRequest is `string name = 1;`.
	ep, ev := endpoint(t, a, "POST /helloworld.Greeter/SayHello")
	if ep.Protocol != collectors.ProtocolGRPC || ep.OperationID != "Greeter.SayHello" || ep.Summary != "Sends a greeting" || ep.Deprecated {
		t.Errorf("endpoint %+v", ep)
	}
	if !strings.HasSuffix(ev.Location, "helloworld.proto:27 Greeter.SayHello") {
		t.Errorf("location %q", ev.Location)
	}
	want(t, "SayHello", ev.Facts, map[string]any{
		collectors.FactRPCStreaming:             "unary",
		collectors.FactRequestSchemaDefined:     true,
		collectors.FactRequestBounded:           false, // string name, no rules
		collectors.FactRequestStrict:            false,
		collectors.FactResponseSchemaDefined:    true,
		collectors.FactDataSemanticTypes:        false,
		collectors.FactDeprecated:               false,
		collectors.FactAuthDeclared:             nil, // protobuf has no auth declaration
		collectors.FactAuthSchemes:              nil,
		collectors.FactDataSensitivityAnnotated: nil,
	})
}

func TestRouteGuide(t *testing.T) {
	res := parseTree(t, "grpc/examples/route_guide", nil, false)
	data, _ := os.ReadFile("testdata/grpc/examples/route_guide/routeguide/route_guide.proto")
	a := api(t, res, "routeguide")
	ed := editionDecl.FindStringSubmatch(string(data))
	if ed == nil {
		t.Fatal("route_guide.proto has no edition statement")
	}
	want(t, "api", a.Evidence[0].Facts, map[string]any{
		collectors.FactSpecVersion:    "edition-" + ed[1],
		collectors.FactSpecOperations: int64(len(rpcDecl.FindAllString(string(data), -1))),
	})
	// Streaming from the declarations (`stream` before the request and/or
	// the response type); bounds from the messages: Point and Rectangle
	// hold int32s only, RouteNote a string message.
	for _, c := range []struct {
		method, stream string
		bounded        bool
		semantic       bool
	}{
		{"GetFeature", "unary", true, false},    // Point -> Feature{string name}
		{"ListFeatures", "server", true, false}, // Rectangle -> stream Feature
		{"RecordRoute", "client", true, true},   // stream Point -> RouteSummary (int32s)
		{"RouteChat", "bidi", false, false},     // stream RouteNote{string message}
	} {
		_, ev := endpoint(t, a, "POST /routeguide.RouteGuide/"+c.method)
		want(t, c.method, ev.Facts, map[string]any{
			collectors.FactRPCStreaming:      c.stream,
			collectors.FactRequestBounded:    c.bounded,
			collectors.FactDataSemanticTypes: c.semantic,
		})
	}
	ep, _ := endpoint(t, a, "POST /routeguide.RouteGuide/ListFeatures")
	if ep.Summary != "A server-to-client streaming RPC." {
		t.Errorf("summary %q", ep.Summary)
	}
}

// The grpc-gateway examples with the import paths that make them link.
func TestGatewayExamples(t *testing.T) {
	res := parseTree(t, "grpc-gateway", testImportPaths, false)
	rpcs, rest := grepPackages(t, "grpc-gateway")
	if len(res.APIs) != len(rpcs) {
		t.Fatalf("%d APIs, %d packages with rpcs: %v", len(res.APIs), len(rpcs), rpcs)
	}
	for pkg, n := range rpcs {
		a := api(t, res, pkg)
		if got := a.Evidence[0].Facts[collectors.FactSpecOperations]; got != int64(n) {
			t.Errorf("%s: spec.operations %v, grep counts %d rpcs", pkg, got, n)
		}
		var gotREST []string
		for _, ep := range a.Endpoints {
			if ep.Protocol == collectors.ProtocolREST {
				gotREST = append(gotREST, ep.Key())
			}
		}
		var wantREST []string
		for k := range rest[pkg] {
			wantREST = append(wantREST, k)
		}
		sort.Strings(gotREST)
		sort.Strings(wantREST)
		if strings.Join(gotREST, "\n") != strings.Join(wantREST, "\n") {
			t.Errorf("%s: REST endpoints differ from the grep:\n got %d %v\nwant %d %v", pkg, len(gotREST), gotREST, len(wantREST), wantREST)
		}
	}

	a := api(t, res, "grpc.gateway.examples.internal.proto.examplepb")
	// echo_service.proto: Echo is `post: "/v1/example/echo/{id}"` plus six
	// additional_bindings (all GET).
	for _, key := range []string{
		"POST /grpc.gateway.examples.internal.proto.examplepb.EchoService/Echo",
		"POST /v1/example/echo/{id}",
		"GET /v1/example/echo/{id}/{num}",
		"GET /v1/example/echo/{id}/{num}/{lang}",
		"GET /v1/example/echo1/{id}/{line_num}/{status.note}",
		"GET /v1/example/echo2/{no.note}",
		"GET /v1/example/echo/resource/{resource_id}",
		"GET /v1/example/echo/nested/{n_id.n_id}",
	} {
		ep, ev := endpoint(t, a, key)
		if ep.OperationID != "EchoService.Echo" || !strings.Contains(ev.Location, "echo_service.proto:") {
			t.Errorf("%s: %+v at %s", key, ep, ev.Location)
		}
	}
	// a_bit_of_everything.proto:606 UpdateV2: PUT plus two PATCH bindings;
	// :573 CreateBook `post: "/v1/{parent=publishers/*}/books"`;
	// :779 Exists `custom: {kind: "HEAD" ...}`.
	for key, op := range map[string]string{
		"PUT /v2/example/a_bit_of_everything/{abe.uuid}":     "ABitOfEverythingService.UpdateV2",
		"PATCH /v2/example/a_bit_of_everything/{abe.uuid}":   "ABitOfEverythingService.UpdateV2",
		"PATCH /v2a/example/a_bit_of_everything/{abe.uuid}":  "ABitOfEverythingService.UpdateV2",
		"POST /v1/{parent}/books":                            "ABitOfEverythingService.CreateBook",
		"HEAD /v1/example/a_bit_of_everything/{uuid}":        "ABitOfEverythingService.Exists",
		"POST /v1/example/a_bit_of_everything/{uuid}:custom": "ABitOfEverythingService.Custom",
	} {
		ep, _ := endpoint(t, a, key)
		if ep.OperationID != op {
			t.Errorf("%s: operation %q, want %q", key, ep.OperationID, op)
		}
	}

	// a_bit_of_everything.proto imports google/api/field_behavior.proto,
	// which is not in testdata: it is read unlinked, with a warning, and
	// so are the files importing it.
	if !hasWarning(res, "a_bit_of_everything.proto: not linked", `import "google/api/field_behavior.proto" not found`) {
		t.Errorf("no missing-import warning for a_bit_of_everything.proto: %v", res.Warnings)
	}
	if !hasWarning(res, "stream.proto: not linked", `"google/api/field_behavior.proto" of `, "a_bit_of_everything.proto") {
		t.Errorf("no missing-import warning for stream.proto: %v", res.Warnings)
	}
	if hasWarning(res, "examplepb/echo_service.proto") {
		t.Errorf("echo_service.proto has all its imports but was not linked: %v", res.Warnings)
	}

	// Security from the openapiv2 options of a_bit_of_everything.proto
	// (lines 20-131): BasicAuth (TYPE_BASIC), ApiKeyAuth (TYPE_API_KEY),
	// OAuth2 (TYPE_OAUTH2, scopes); file-level security is
	// [{BasicAuth, ApiKeyAuth}, {OAuth2: [read, write], ApiKeyAuth}].
	want(t, "api", a.Evidence[0].Facts, map[string]any{
		collectors.FactSpecSecuritySchemes: []string{"apiKey", "http-basic", "oauth2"},
		collectors.FactSpecVersionedURL:    false,
	})
	_, lookup := endpoint(t, a, "GET /v1/example/a_bit_of_everything/{uuid}")
	want(t, "Lookup", lookup.Facts, map[string]any{
		collectors.FactAuthDeclared:       true,
		collectors.FactAuthPublic:         false,
		collectors.FactAuthSchemes:        []string{"apiKey", "http-basic", "oauth2"},
		collectors.FactAuthScopesDeclared: true,
	})
	// :629 Delete overrides: {ApiKeyAuth, OAuth2: [read, write]}.
	_, del := endpoint(t, a, "POST /grpc.gateway.examples.internal.proto.examplepb.ABitOfEverythingService/Delete")
	want(t, "Delete", del.Facts, map[string]any{
		collectors.FactAuthDeclared:       true,
		collectors.FactAuthSchemes:        []string{"apiKey", "oauth2"},
		collectors.FactAuthScopesDeclared: true,
	})
	// :651 GetQuery: `deprecated: true` and `security: {}` in its
	// openapiv2_operation.
	ep, gq := endpoint(t, a, "GET /v1/example/a_bit_of_everything/query/{uuid}")
	if !ep.Deprecated {
		t.Errorf("GetQuery not deprecated")
	}
	want(t, "GetQuery", gq.Facts, map[string]any{
		collectors.FactDeprecated:         true,
		collectors.FactAuthDeclared:       false,
		collectors.FactAuthPublic:         true,
		collectors.FactAuthSchemes:        []string{},
		collectors.FactAuthScopesDeclared: nil,
	})
	// echo_service.proto has no openapiv2 options: auth unknown.
	_, echo := endpoint(t, a, "POST /v1/example/echo/{id}")
	want(t, "Echo", echo.Facts, map[string]any{collectors.FactAuthDeclared: nil, collectors.FactAuthSchemes: nil})
	// :775 CheckStatus returns CheckStatusResponse{google.rpc.Status
	// status}, and Status holds `repeated google.protobuf.Any details`.
	_, cs := endpoint(t, a, "GET /v1/example/checkStatus")
	want(t, "CheckStatus", cs.Facts, map[string]any{
		collectors.FactResponseSchemaDefined: false,
		collectors.FactRequestSchemaDefined:  true, // google.protobuf.Empty
		collectors.FactRequestBounded:        true,
	})
	// Duplicate bindings across services are reported, not emitted twice.
	if !hasWarning(res, "remove_internal_comment.proto", "POST /v1/example/foo already defined") {
		t.Errorf("no duplicate-endpoint warning: %v", res.Warnings)
	}
}

// Without import paths nothing of the gateway examples links (every file
// imports google/api/annotations.proto by a name not at the root), yet
// the same endpoints come out of the uninterpreted options.
func TestGatewayExamplesUnlinked(t *testing.T) {
	linked := parseTree(t, "grpc-gateway", testImportPaths, false)
	bare := parseTree(t, "grpc-gateway/examples/internal/proto/examplepb", nil, false)
	if !hasWarning(bare, "echo_service.proto: not linked", `import "google/api/annotations.proto" not found`) {
		t.Errorf("no missing-import warning: %v", bare.Warnings)
	}
	for _, name := range []string{"grpc.gateway.examples.internal.proto.examplepb", "grpc.gateway.examples.internal.examplepb"} {
		la, ba := api(t, linked, name), api(t, bare, name)
		if len(la.Endpoints) != len(ba.Endpoints) {
			t.Fatalf("%s: %d endpoints linked, %d unlinked", name, len(la.Endpoints), len(ba.Endpoints))
		}
		for i := range la.Endpoints {
			if la.Endpoints[i] != ba.Endpoints[i] {
				t.Errorf("endpoint %d: %+v vs %+v", i, la.Endpoints[i], ba.Endpoints[i])
			}
		}
	}
}

// Every real file that links gives the same facts when read unlinked:
// the two paths share the analysis, and this checks that the option trees
// and type resolution they feed it agree.
func TestLinkedAndUnlinkedAgree(t *testing.T) {
	linked := parseTree(t, ".", testImportPaths, false)
	unlinked := parseTree(t, ".", testImportPaths, true)
	notLinked := map[string]bool{}
	for _, w := range linked.Warnings {
		if f, _, ok := strings.Cut(w, ": not linked"); ok {
			notLinked[f] = true
		}
	}
	compared := 0
	for _, la := range linked.APIs {
		ua := api(t, unlinked, la.API.Name)
		if len(la.Evidence) != len(ua.Evidence) {
			t.Fatalf("%s: %d vs %d records", la.API.Name, len(la.Evidence), len(ua.Evidence))
		}
		for i := range la.Evidence {
			l, u := la.Evidence[i], ua.Evidence[i]
			if l.Endpoint != u.Endpoint || l.Location != u.Location {
				t.Fatalf("%s: record %d: %s@%s vs %s@%s", la.API.Name, i, l.Endpoint, l.Location, u.Endpoint, u.Location)
			}
			if notLinked[l.Artifact.Name] {
				continue
			}
			compared++
			want(t, la.API.Name+" "+l.Endpoint, u.Facts, l.Facts)
			for k := range u.Facts {
				if _, ok := l.Facts[k]; !ok {
					t.Errorf("%s %s: %s only when unlinked", la.API.Name, l.Endpoint, k)
				}
			}
		}
	}
	if compared < 150 {
		t.Errorf("only %d records compared", compared)
	}
}

// The validation examples: request.bounded per file, read from the rules.
func TestValidationExamples(t *testing.T) {
	res := parseTree(t, ".", testImportPaths, false)
	for _, c := range []struct {
		api, key string
		bounded  bool
		semantic bool
		why      string
	}{
		{"protovalidate/examples/option_bool", "POST /PingService/Ping", true, true, "bool const"},
		{"protovalidate/examples/option_bytes_len", "POST /BlogService/PublishBlog", true, true, "bytes len, max_len"},
		{"protovalidate/examples/option_repeated", "POST /WaitlistService/UpdateWaitlist", true, false, "max_items and items.string.max_len"},
		{"protovalidate/examples/option_enum_allow_values", "POST /OnlineStatusService/SetOnlineStatus", true, true, "an enum"},
		{"protovalidate/examples/option_number_range", "POST /MovieReviewService/CreateReview", false, false, "string comment has no rule"},
		{"protovalidate/examples/option_field_ignore_empty", "POST /FeedbackService/SubmitFeedback", false, false, "string feedback has no rule"},
		{"protovalidate/examples/cel_string_is_email", "POST /MailingListService/AddEmailToMailingList", false, false, "a CEL rule is not a declared bound"},
		{"protovalidate/examples/option_duration_range", "POST /SoundTrackService/UploadSoundTrack", false, true, "bytes data has no rule"},
		{"protovalidate/examples/option_field_skip_validation", "POST /HealthService/UpdateHealthInfo", false, true, "google.protobuf.FieldMask paths"},
		{"io.envoyproxy.pgv.grpc", "POST /io.envoyproxy.pgv.grpc.Greeter/SayHello", true, false, "PGV string.const; reply string unannotated"},
	} {
		a := api(t, res, c.api)
		_, ev := endpoint(t, a, c.key)
		want(t, c.api+" ("+c.why+")", ev.Facts, map[string]any{
			collectors.FactRequestBounded:    c.bounded,
			collectors.FactDataSemanticTypes: c.semantic,
		})
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "protovalidate/") || strings.Contains(w, "protoc-gen-validate/") {
			t.Errorf("validation example not linked: %s", w)
		}
	}
}

// Collect over the OS tree with the import_paths option gives what Parse
// gives, and streams API, API evidence, then endpoint + evidence pairs.
func TestCollectTestdata(t *testing.T) {
	sink := &memSink{}
	src := collectors.Source{Name: "protos", Paths: []string{"testdata"}, Owner: "team-rpc",
		Options: map[string]string{"import_paths": strings.Join(testImportPaths, ", ")}}
	if err := (Collector{}).Collect(t.Context(), src, sink); err != nil {
		t.Fatal(err)
	}
	res := parseTree(t, ".", testImportPaths, false)
	if len(sink.APIs) != len(res.APIs) {
		t.Fatalf("%d APIs collected, %d parsed", len(sink.APIs), len(res.APIs))
	}
	eps := 0
	for _, a := range res.APIs {
		eps += len(a.Endpoints)
	}
	if len(sink.Endpoints) != eps || len(sink.Evidences) != eps+len(res.APIs) {
		t.Fatalf("%d endpoints, %d evidence; want %d, %d", len(sink.Endpoints), len(sink.Evidences), eps, eps+len(res.APIs))
	}
	i := 0
	for _, a := range res.APIs {
		if sink.Order[i] != "api" || sink.Order[i+1] != "evidence" {
			t.Fatalf("order at %d: %v", i, sink.Order[i:i+2])
		}
		i += 2
		for range a.Endpoints {
			if sink.Order[i] != "endpoint" || sink.Order[i+1] != "evidence" {
				t.Fatalf("order at %d: %v", i, sink.Order[i:i+2])
			}
			i += 2
		}
	}
	for _, a := range sink.APIs {
		if a.Owner != "team-rpc" {
			t.Errorf("%s: owner %q", a.Name, a.Owner)
		}
	}
	want := filepath.Join("testdata", "grpc", "examples", "helloworld", "helloworld", "helloworld.proto")
	found := false
	for _, ev := range sink.Evidences {
		if ev.Artifact.Name == want {
			found = true
		}
	}
	if !found {
		t.Errorf("no artifact named %s", want)
	}
}
