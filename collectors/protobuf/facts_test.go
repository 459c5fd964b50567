package protobuf

import (
	"os"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
)

// parseBoth parses one hand-made file linked (against the validation and
// googleapis protos of testdata) and unlinked, and returns both results;
// the caller checks the same expectations on each. When linkable, the
// linked parse must not have fallen back.
func parseBoth(t *testing.T, src string, linkable bool) map[string]*Result {
	t.Helper()
	out := map[string]*Result{}
	for mode, noLink := range map[string]bool{"linked": false, "unlinked": true} {
		res, err := Parse([]File{{Name: "inline/test.proto", Data: []byte(src)}}, Options{
			ImportFS: os.DirFS("testdata"), ImportPaths: append([]string(nil), testImportPaths...), noLink: noLink,
		})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		checkResult(t, res)
		if linkable && !noLink && hasWarning(res, "not linked") {
			t.Fatalf("linked parse fell back: %v", res.Warnings)
		}
		out[mode] = res
	}
	return out
}

const validateHeader = `syntax = "proto3";
package acme.shop.v1;
import "validate/validate.proto";
import "buf/validate/validate.proto";
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/empty.proto";
`

// Each case is a request message M (and what it needs) for
// `rpc Do(M) returns (google.protobuf.Empty)`.
func TestRequestFacts(t *testing.T) {
	cases := []struct {
		name     string
		msgs     string
		bounded  any // true, false or nil (unknown)
		semantic any
		typed    any
	}{
		{"no fields", `message M {}`, true, true, true},
		{"numbers, bool, enum", `enum E { E_UNSPECIFIED = 0; } message M { int64 a = 1; double b = 2; bool c = 3; E d = 4; fixed32 e = 5; }`, true, true, true},
		{"plain string", `message M { string s = 1; }`, false, false, true},
		{"pgv max_len", `message M { string s = 1 [(validate.rules).string.max_len = 64]; }`, true, false, true},
		{"pgv pattern", `message M { string s = 1 [(validate.rules).string.pattern = "^[a-z]+$"]; }`, true, true, true},
		{"pgv email", `message M { string s = 1 [(validate.rules).string.email = true]; }`, true, true, true},
		{"pgv email false", `message M { string s = 1 [(validate.rules).string.email = false]; }`, false, false, true},
		{"pgv uri is semantic, not bounded", `message M { string s = 1 [(validate.rules).string.uri = true]; }`, false, true, true},
		{"pgv in", `message M { string s = 1 [(validate.rules).string = {in: ["a", "b"]}]; }`, true, true, true},
		{"pgv header regex", `message M { string s = 1 [(validate.rules).string.well_known_regex = HTTP_HEADER_NAME]; }`, false, true, true},
		{"protovalidate literal", `message M { string s = 1 [(buf.validate.field).string = {min_len: 1, max_len: 10}]; }`, true, false, true},
		{"protovalidate uuid", `message M { string s = 1 [(buf.validate.field).string.uuid = true]; }`, true, true, true},
		{"protovalidate cel only", `message M { string s = 1 [(buf.validate.field).cel = {id: "x", expression: "size(this) < 5"}]; }`, false, false, true},
		{"bytes plain", `message M { bytes b = 1; }`, false, true, true},
		{"bytes max_len", `message M { bytes b = 1 [(validate.rules).bytes.max_len = 16]; }`, true, true, true},
		{"repeated int no max_items", `message M { repeated int32 r = 1; }`, false, true, true},
		{"repeated int max_items", `message M { repeated int32 r = 1 [(validate.rules).repeated.max_items = 5]; }`, true, true, true},
		{"repeated string items unbounded", `message M { repeated string r = 1 [(buf.validate.field).repeated.max_items = 5]; }`, false, false, true},
		{"repeated string items bounded", `message M { repeated string r = 1 [(buf.validate.field).repeated = {max_items: 5, items: {string: {max_len: 3}}}]; }`, true, false, true},
		{"map without max_pairs", `message M { map<string, int32> m = 1 [(validate.rules).map.keys.string.max_len = 3]; }`, false, false, true},
		{"map bounded", `message M { map<string, string> m = 1 [(validate.rules).map = {max_pairs: 4, keys: {string: {max_len: 3}}, values: {string: {in: ["x"]}}}]; }`, true, false, true},
		{"map value unbounded", `message M { map<int32, string> m = 1 [(buf.validate.field).map.max_pairs = 4]; }`, false, false, true},
		{"nested message", `message N { string s = 1; } message M { N n = 1; }`, false, false, true},
		{"nested bounded", `message M { message N { string s = 1 [(validate.rules).string.len = 2]; } N n = 1; }`, true, false, true},
		{"recursive bounded", `message M { string s = 1 [(validate.rules).string.max_len = 2]; repeated M kids = 2 [(validate.rules).repeated.max_items = 3]; }`, true, false, true},
		{"cycle through an unbounded field", `message M { A a = 1; } message A { B b = 1; } message B { A a = 1; string s = 2; }`, false, false, true},
		{"any", `message M { google.protobuf.Any x = 1; }`, false, false, false},
		{"struct deep", `message N { google.protobuf.Struct s = 1; } message M { N n = 1; }`, false, false, false},
		{"timestamp", `message M { google.protobuf.Timestamp at = 1; }`, true, true, true},
		{"string wrapper with rules", `message M { google.protobuf.StringValue s = 1 [(validate.rules).string.max_len = 5]; }`, true, false, true},
		{"string wrapper without", `message M { google.protobuf.StringValue s = 1; }`, false, false, true},
		{"int wrapper", `message M { google.protobuf.Int64Value s = 1; }`, true, true, true},
		{"field mask", `message M { google.protobuf.FieldMask mask = 1; }`, false, true, true},
		{"pgv message skip", `message N { string s = 1; } message M { N n = 1 [(validate.rules).message.skip = true]; }`, false, false, true},
		{"skip turns nested rules off", `message N { string s = 1 [(validate.rules).string.max_len = 2]; } message M { N n = 1 [(validate.rules).message.skip = true]; }`, false, false, true},
		{"ignore always", `message M { string s = 1 [(buf.validate.field).ignore = IGNORE_ALWAYS, (buf.validate.field).string.max_len = 3]; }`, false, false, true},
		{"disabled message", `message M { option (validate.disabled) = true; string s = 1 [(validate.rules).string.max_len = 3]; }`, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := validateHeader + "service S { rpc Do(M) returns (google.protobuf.Empty); }\n" + c.msgs + "\n"
			for mode, res := range parseBoth(t, src, true) {
				a := api(t, res, "acme.shop.v1")
				_, ev := endpoint(t, a, "POST /acme.shop.v1.S/Do")
				want(t, mode, ev.Facts, map[string]any{
					collectors.FactRequestBounded:        c.bounded,
					collectors.FactDataSemanticTypes:     c.semantic,
					collectors.FactRequestSchemaDefined:  c.typed,
					collectors.FactResponseSchemaDefined: true,
					collectors.FactRequestStrict:         false,
				})
			}
		})
	}
}

// Memoised results must not depend on which message was asked first: B
// is part of the cycle A -> B -> A whose unbounded string is in B, and A
// reaches it only through B.
func TestCycleOrder(t *testing.T) {
	src := validateHeader + `
service S {
  rpc First(A) returns (google.protobuf.Empty);
  rpc Second(B) returns (google.protobuf.Empty);
  rpc Third(C) returns (google.protobuf.Empty);
}
message A { B b = 1; int32 n = 2; }
message B { A a = 1; string s = 2; }
message C { A a = 1; }
`
	for mode, res := range parseBoth(t, src, true) {
		a := api(t, res, "acme.shop.v1")
		for _, m := range []string{"First", "Second", "Third"} {
			_, ev := endpoint(t, a, "POST /acme.shop.v1.S/"+m)
			want(t, mode+" "+m, ev.Facts, map[string]any{collectors.FactRequestBounded: false})
		}
	}
}

func TestUnresolvedTypes(t *testing.T) {
	src := `syntax = "proto3";
package acme.v2;
import "acme/missing.proto";
import "google/protobuf/empty.proto";
service S {
  rpc Known(Req) returns (google.protobuf.Empty);
  rpc Unknown(acme.other.Thing) returns (google.protobuf.Empty);
  rpc Mixed(Mix) returns (google.protobuf.Empty);
}
message Req { int32 n = 1; }
message Mix { acme.other.Thing t = 1; string s = 2; }
`
	res, err := Parse([]File{{Name: "s.proto", Data: []byte(src)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if !hasWarning(res, "s.proto: not linked", `import "acme/missing.proto" not found`) {
		t.Fatalf("warnings %v", res.Warnings)
	}
	a := api(t, res, "acme.v2")
	if a.API.Version != "v2" || a.Evidence[0].Facts[collectors.FactSpecVersionedURL] != true {
		t.Errorf("version %q, facts %v", a.API.Version, a.Evidence[0].Facts)
	}
	_, known := endpoint(t, a, "POST /acme.v2.S/Known")
	want(t, "Known", known.Facts, map[string]any{collectors.FactRequestBounded: true, collectors.FactRequestSchemaDefined: true})
	_, unknown := endpoint(t, a, "POST /acme.v2.S/Unknown")
	want(t, "Unknown", unknown.Facts, map[string]any{
		collectors.FactRequestBounded: nil, collectors.FactRequestSchemaDefined: nil, collectors.FactDataSemanticTypes: nil,
		collectors.FactResponseSchemaDefined: true, collectors.FactRPCStreaming: "unary",
	})
	// An unbounded string is a definite "no" whatever the unknown type
	// holds; whether anything reachable is untyped stays unknown.
	_, mixed := endpoint(t, a, "POST /acme.v2.S/Mixed")
	want(t, "Mixed", mixed.Facts, map[string]any{
		collectors.FactRequestBounded: false, collectors.FactRequestSchemaDefined: nil, collectors.FactDataSemanticTypes: false,
	})
}

func TestSensitivity(t *testing.T) {
	src := `syntax = "proto3";
package acme.people.v1;
import "google/protobuf/descriptor.proto";
import "google/protobuf/empty.proto";
extend google.protobuf.FieldOptions {
  bool pii = 50001;
  string secret_class = 50002;
}
service People {
  rpc Get(GetRequest) returns (Person);
  rpc Ping(google.protobuf.Empty) returns (Pong);
  rpc Note(NoteRequest) returns (google.protobuf.Empty);
}
message GetRequest { string id = 1; }
message Person {
  string name = 1 [(pii) = true];
  string token = 2 [debug_redact = true];
  Address address = 3;
  string nickname = 4 [(pii) = false];
}
message Address { string street = 1 [(acme.people.v1.secret_class) = "RESTRICTED"]; }
message Pong { int32 n = 1; }
message NoteRequest { string text = 1 [(pii) = false]; }
`
	for mode, res := range parseBoth(t, src, true) {
		a := api(t, res, "acme.people.v1")
		_, get := endpoint(t, a, "POST /acme.people.v1.People/Get")
		want(t, mode+" Get", get.Facts, map[string]any{
			collectors.FactDataSensitivityAnnotated: true,
			collectors.FactDataSensitiveFields: []string{
				"acme.people.v1.Address.street", "acme.people.v1.Person.name", "acme.people.v1.Person.token",
			},
		})
		_, ping := endpoint(t, a, "POST /acme.people.v1.People/Ping")
		want(t, mode+" Ping", ping.Facts, map[string]any{
			collectors.FactDataSensitivityAnnotated: false,
			collectors.FactDataSensitiveFields:      nil,
		})
		// Classified, but as not sensitive.
		_, note := endpoint(t, a, "POST /acme.people.v1.People/Note")
		want(t, mode+" Note", note.Facts, map[string]any{
			collectors.FactDataSensitivityAnnotated: true,
			collectors.FactDataSensitiveFields:      nil,
		})
	}
	// No file of the API uses such an option: the facts are unknown.
	for mode, res := range parseBoth(t, validateHeader+`service S { rpc Do(M) returns (M); } message M { string s = 1; }`, true) {
		_, ev := endpoint(t, api(t, res, "acme.shop.v1"), "POST /acme.shop.v1.S/Do")
		want(t, mode, ev.Facts, map[string]any{
			collectors.FactDataSensitivityAnnotated: nil,
			collectors.FactDataSensitiveFields:      nil,
		})
	}
}

func TestDeprecatedStreamingAndHTTP(t *testing.T) {
	src := `syntax = "proto3";
package acme.library.v1beta1;
import "google/api/annotations.proto";
import "google/protobuf/empty.proto";

// Library keeps books.
service Library {
  /* GetBook returns one book.
   * More detail. */
  rpc GetBook(Book) returns (Book) {
    option (google.api.http) = {
      get: "/v1beta1/{name=shelves/*/books/*}"
      additional_bindings { get: "/v1beta1/books/{id}" }
      additional_bindings { custom { kind: "HEAD" path: "/v1beta1/{name=shelves/*/books/*}" } }
    };
  }
  rpc OldList(Book) returns (stream Book) {
    option deprecated = true;
    option (google.api.http).post = "/v1beta1/books:list";
    option (google.api.http).body = "*";
  }
  rpc Upload(stream Book) returns (google.protobuf.Empty);
}
service Legacy {
  option deprecated = true;
  rpc Sync(stream Book) returns (stream Book);
}
message Book { string name = 1; int64 id = 2; }
`
	for mode, res := range parseBoth(t, src, true) {
		a := api(t, res, "acme.library.v1beta1")
		if a.API.Version != "v1beta1" || a.API.Title != "acme.library.v1beta1" {
			t.Errorf("%s: API %+v", mode, a.API)
		}
		want(t, mode+" api", a.Evidence[0].Facts, map[string]any{
			collectors.FactSpecVersionedURL: true, collectors.FactSpecVersionDeclared: true,
			collectors.FactSpecOperations: int64(4), collectors.FactSpecVersion: "proto3",
		})
		keys := []string{}
		for _, ep := range a.Endpoints {
			keys = append(keys, ep.Key())
		}
		wantKeys := []string{
			"POST /acme.library.v1beta1.Library/GetBook",
			"GET /v1beta1/{name}",
			"GET /v1beta1/books/{id}",
			"HEAD /v1beta1/{name}",
			"POST /acme.library.v1beta1.Library/OldList",
			"POST /v1beta1/books:list",
			"POST /acme.library.v1beta1.Library/Upload",
			"POST /acme.library.v1beta1.Legacy/Sync",
		}
		if strings.Join(keys, "|") != strings.Join(wantKeys, "|") {
			t.Errorf("%s: endpoints\n%v\nwant\n%v", mode, keys, wantKeys)
		}
		ep, ev := endpoint(t, a, "HEAD /v1beta1/{name}")
		if ep.Summary != "GetBook returns one book." || ep.OperationID != "Library.GetBook" || ep.Protocol != collectors.ProtocolREST {
			t.Errorf("%s: %+v", mode, ep)
		}
		want(t, mode+" HEAD", ev.Facts, map[string]any{collectors.FactRPCStreaming: "unary", collectors.FactDeprecated: false, collectors.FactRequestStrict: nil})
		for key, w := range map[string][2]any{
			"POST /acme.library.v1beta1.Library/OldList": {"server", true},
			"POST /v1beta1/books:list":                   {"server", true},
			"POST /acme.library.v1beta1.Library/Upload":  {"client", false},
			"POST /acme.library.v1beta1.Legacy/Sync":     {"bidi", true},
		} {
			ep, ev := endpoint(t, a, key)
			want(t, mode+" "+key, ev.Facts, map[string]any{collectors.FactRPCStreaming: w[0], collectors.FactDeprecated: w[1]})
			if ep.Deprecated != w[1] {
				t.Errorf("%s %s: Deprecated %v", mode, key, ep.Deprecated)
			}
		}
	}
}

// An openapiv2 operation naming a scheme its file does not declare is
// warned about; the scheme is left out of auth.schemes.
func TestAuthUndeclaredScheme(t *testing.T) {
	src := `syntax = "proto3";
package acme.auth.v1;
import "protoc-gen-openapiv2/options/annotations.proto";
import "google/protobuf/empty.proto";
option (grpc.gateway.protoc_gen_openapiv2.options.openapiv2_swagger) = {
  security_definitions: { security: { key: "Bearer" value: { type: TYPE_API_KEY in: IN_HEADER name: "Authorization" } } }
};
service S {
  rpc Open(google.protobuf.Empty) returns (google.protobuf.Empty);
  rpc Mystery(google.protobuf.Empty) returns (google.protobuf.Empty) {
    option (grpc.gateway.protoc_gen_openapiv2.options.openapiv2_operation) = {
      security: { security_requirement: { key: "Nope" value: {} } }
    };
  }
  rpc Keyed(google.protobuf.Empty) returns (google.protobuf.Empty) {
    option (grpc.gateway.protoc_gen_openapiv2.options.openapiv2_operation) = {
      security: { security_requirement: { key: "Bearer" value: {} } }
    };
  }
}
`
	for mode, res := range parseBoth(t, src, true) {
		a := api(t, res, "acme.auth.v1")
		want(t, mode, a.Evidence[0].Facts, map[string]any{collectors.FactSpecSecuritySchemes: []string{"apiKey"}})
		_, open := endpoint(t, a, "POST /acme.auth.v1.S/Open")
		want(t, mode+" Open", open.Facts, map[string]any{
			collectors.FactAuthDeclared: false, collectors.FactAuthPublic: false, collectors.FactAuthSchemes: []string{},
		})
		_, keyed := endpoint(t, a, "POST /acme.auth.v1.S/Keyed")
		want(t, mode+" Keyed", keyed.Facts, map[string]any{
			collectors.FactAuthDeclared: true, collectors.FactAuthSchemes: []string{"apiKey"}, collectors.FactAuthScopesDeclared: nil,
		})
		_, myst := endpoint(t, a, "POST /acme.auth.v1.S/Mystery")
		want(t, mode+" Mystery", myst.Facts, map[string]any{collectors.FactAuthSchemes: []string{}})
		if !hasWarning(res, "S.Mystery", `"Nope"`) {
			t.Errorf("%s: warnings %v", mode, res.Warnings)
		}
	}
}

func TestPackageVersion(t *testing.T) {
	for pkg, v := range map[string]string{
		"foo.v1": "v1", "foo.bar.v2": "v2", "foo.v1alpha": "v1alpha", "foo.v1beta1": "v1beta1",
		"foo.v1p1alpha2": "v1p1alpha2", "foo.v1test": "v1test", "foo.v1testfoo": "v1testfoo", "v3": "v3",
		"foo": "", "foo.v0": "", "foo.v1gamma": "", "foo.v1beta0": "", "foo.version1": "", "foo.v": "", "": "",
		"foo.v1.bar": "", "foo.V1": "",
	} {
		if got := packageVersion(pkg); got != v {
			t.Errorf("packageVersion(%q) = %q, want %q", pkg, got, v)
		}
	}
}

func TestOptionsRouting(t *testing.T) {
	files := []File{
		{Name: "a.proto", Data: []byte("syntax = \"proto3\";\npackage a.v1;\nservice A { rpc X(M) returns (M); }\nmessage M {}\n")},
		{Name: "b.proto", Data: []byte("syntax = \"proto2\";\npackage b;\nservice B { rpc Y(N) returns (N); }\nmessage N {}\n")},
		{Name: "c.proto", Data: []byte("syntax = \"proto3\";\nmessage Only {}\n")},
		{Name: "nopkg.proto", Data: []byte("syntax = \"proto3\";\nservice Z { rpc W(P) returns (P); }\nmessage P {}\n")},
	}
	res, err := Parse(files, Options{APIMap: map[string]string{"b": "billing"}, Owner: "team"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	var names []string
	for _, a := range res.APIs {
		names = append(names, a.API.Name)
		if a.API.Owner != "team" {
			t.Errorf("%s: owner %q", a.API.Name, a.API.Owner)
		}
	}
	if strings.Join(names, ",") != "a.v1,billing,nopkg" {
		t.Fatalf("APIs %v", names)
	}
	if v := api(t, res, "billing").Evidence[0].Facts[collectors.FactSpecVersion]; v != "proto2" {
		t.Errorf("spec.version %v", v)
	}
	endpoint(t, api(t, res, "nopkg"), "POST /Z/W")
	res, err = Parse(files, Options{API: "everything"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if len(res.APIs) != 1 || res.APIs[0].API.Name != "everything" || len(res.APIs[0].Endpoints) != 3 {
		t.Fatalf("%+v", res.APIs)
	}
	a := res.APIs[0]
	if a.API.Title != "a.v1, b, nopkg" || a.Evidence[0].Facts[collectors.FactSpecVersionedURL] != false {
		t.Errorf("title %q, facts %v", a.API.Title, a.Evidence[0].Facts)
	}
}
