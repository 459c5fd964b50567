// Package protobuf is the collector for Protocol Buffers service
// definitions: kind "protobuf". It inventories gRPC services from .proto
// files and derives design-time evidence from their messages and options.
//
// Parse is a pure function from a set of files to APIs, endpoints and
// evidence; Collector.Collect walks files and directories and streams Parse
// results into a collectors.Sink. The collector is not registered in
// collectors/all here; the lead does that.
//
// # How files are read
//
//  1. Every path of the source is a source root: a .proto file (its
//     directory is the root) or a directory tree (every *.proto in it,
//     hidden directories skipped). Imports resolve like protoc's -I: under
//     each import_paths entry (comma-separated, relative to the root), then
//     at the root, then among the standard imports (google/protobuf/*) that
//     protocompile carries. Nothing outside the root is read (the root is
//     an os.Root or a sub-FS). A file's import name is its path under the
//     first import path containing it, else its path under the root.
//  2. Before any parser sees a file: its size (max_bytes, 64 MiB by
//     default), the total read per path (max_total_bytes, 256 MiB), the
//     nesting of braces, brackets, parentheses and angle brackets outside
//     strings and comments (max_depth, 256: protocompile converts the AST,
//     links and interprets option literals recursively), and the length of
//     identifiers (4096: package prefixes are registered one by one) are
//     checked, with the line and column of the offence.
//  3. protocompile's parser (parser.Parse + parser.ResultFromAST) reads
//     every file and the closure of its imports. Syntax and descriptor
//     errors are errors: "protobuf: foo.proto:12:5: syntax error: ...".
//     Panics are recovered and reported naming the file.
//  4. A file whose imports are all found is linked by protocompile (one
//     compilation per file, files linked earlier reused), so types are
//     resolved exactly and options are interpreted. Otherwise, or when
//     linking fails, the file is read unlinked, with a warning naming the
//     file and the missing import (or the linker's message): types resolve
//     by protobuf's scoping rules over the files that were found, and
//     options are read from the source of the uninterpreted option
//     statements. Both paths feed one analysis through the same option tree
//     (see opts.go), and a test checks that they agree on every real file
//     that links. A type that cannot be resolved makes the facts that depend
//     on it unknown, never true or false by guess.
//
// # Inventory
//
// One collectors.API per protobuf package that defines a service, named
// Source.APIName(package) (a file without a package is its own API, named
// by its path without ".proto"; with Source.API set everything is one API).
// Title: the package(s); Version: the package's version suffix; Owner:
// Source.Owner.
//
// One gRPC endpoint per RPC: Method "POST", Path "/<package>.<Service>/<Method>"
// (the wire path, so gateway routes such as Envoy's prefix
// "/helloworld.Greeter/" match it), OperationID "<Service>.<Method>",
// Summary the first line of the RPC's leading comment, Deprecated as below.
// An RPC with a google.api.http annotation (gRPC transcoding) also gets one
// REST endpoint per binding (the rule and its additional_bindings): the
// verb (get/put/post/delete/patch, or custom's kind) and the path template
// with "{name=projects/*}" reduced to "{name}". An endpoint key defined
// twice in one API is kept once, with a warning.
//
// Evidence: Artifact is the file that defines the service (one pointer per
// file), Location "file.proto:LINE Service.Method" for endpoints and
// "file.proto:LINE package PKG" for the API (its first file).
//
// # Facts
//
// API scope:
//
//	fact                   derivation
//	spec.present           true
//	spec.format            "protobuf"
//	spec.version           the first file's syntax: "proto2", "proto3", or "edition-2023"
//	spec.operations        number of RPCs (REST bindings not counted)
//	spec.versioned_url     the package ends in a version component as buf's
//	spec.version_declared  PACKAGE_VERSION_SUFFIX lint rule defines it: v\d+,
//	                       v\d+test.*, v\d+(alpha|beta)\d*, v\d+p\d+(alpha|beta)\d*,
//	                       numbers >= 1 (every package of the API); false otherwise
//	spec.security_schemes  sorted types of grpc-gateway's openapiv2_swagger
//	                       security_definitions (TYPE_BASIC http-basic, TYPE_API_KEY
//	                       apiKey, TYPE_OAUTH2 oauth2); absent without definitions
//
// Endpoint scope (the same facts on an RPC's gRPC and REST endpoints, but
// request.strict):
//
//	fact                     derivation
//	rpc.streaming            "unary", "client", "server" or "bidi" from the stream keywords
//	deprecated               option deprecated = true on the method or its service, or
//	                         deprecated: true in the method's openapiv2_operation
//	request.schema_defined   false when google.protobuf.Any, Struct, Value, ListValue or
//	                         google.api.HttpBody is reachable from the request message
//	                         (fields, list elements, map values, recursively); true
//	                         otherwise; unknown when an unresolved type is reachable
//	response.schema_defined  the same test on the response message
//	request.bounded          every value reachable in the request is bounded: a string by
//	                         a protoc-gen-validate (validate.rules) or protovalidate
//	                         (buf.validate.field) rule max_len, len, max_bytes, len_bytes,
//	                         pattern, in, const, or a format of bounded length (email,
//	                         hostname, ip, ipv4, ipv6, uuid, tuuid, address, ulid, the
//	                         ip prefix forms, host_and_port: the validators reject an
//	                         e-mail over 254 bytes and a hostname over 253), or a
//	                         google.api.field_info format UUID4/IPV4/IPV6; bytes by max_len,
//	                         len, pattern, in, const, ip/ipv4/ipv6/uuid; a repeated field by
//	                         max_items (and its items by their rules); a map by max_pairs
//	                         (and its keys and values); StringValue/BytesValue by the string
//	                         or bytes rules of the field; FieldMask by field_mask in/const.
//	                         Numbers, bools, enums, Timestamp, Duration and Empty are bounded:
//	                         a protobuf number is a fixed-width value on the wire (at most
//	                         10 bytes), so it cannot carry an unbounded payload; a range is
//	                         business validation, not a size bound. A message with no
//	                         fields is bounded. uri, uri_ref and CEL expressions do not
//	                         bound a length. A rule switched off (protovalidate ignore:
//	                         IGNORE_ALWAYS, PGV message.skip, (validate.disabled),
//	                         (buf.validate.message).disabled) does not count, nor do the
//	                         rules nested under it. Unknown when an unresolved type is
//	                         reachable and nothing reachable is definitely unbounded.
//	request.strict           gRPC endpoints: false. Protobuf parsers do not reject fields
//	                         they do not know: since protobuf 3.5 proto3, like proto2,
//	                         retains unknown fields during parsing and includes them in
//	                         the serialized output (protobuf.dev, Language Guide (proto3),
//	                         "Unknown Fields"), so a proxy that re-serializes a request
//	                         forwards fields the schema does not declare. REST endpoints:
//	                         absent, since whether unknown JSON fields are rejected is a
//	                         setting of the transcoder (grpc-gateway's default marshaler
//	                         discards them), not of the .proto.
//	data.semantic_types      every string reachable in the request and the response (and
//	                         map keys) has a format (the bounded formats above, uri,
//	                         uri_ref, well_known_regex), pattern, in or const rule, or a
//	                         google.api.field_info format; Timestamp and Duration count as
//	                         typed; bytes are not strings here
//	data.sensitivity_annotated
//	                         a field reachable in the request or response carries the
//	                         standard debug_redact option (descriptor.proto, protobuf 22+)
//	                         or a custom option whose name contains sensitive, pii, redact
//	                         or secret (any value: the data was classified); false when none
//	                         does; absent when no file of the API (its service files and
//	                         their imports) uses any such option
//	data.sensitive_fields    "pkg.Message.field" of those fields whose option marks them
//	                         sensitive (true, a non-zero number, a non-empty message, an
//	                         enum/string other than NONE, PUBLIC, UNSPECIFIED, UNKNOWN,
//	                         NOT_SENSITIVE), sorted, at most 100; absent when empty
//	auth.declared            only when grpc-gateway's openapiv2 options are present
//	auth.public              (openapiv2_operation.security on the method, or the file's
//	auth.schemes             openapiv2_swagger security / security_definitions), mapped as the
//	auth.scopes_declared     openapi collector maps OpenAPI: the operation's security replaces
//	                         the file's; declared = at least one requirement and none empty;
//	                         public = the operation's own security is only empty requirements
//	                         (security: {}); schemes = sorted types of the named schemes
//	                         ([] when none; an undeclared name is warned about and left out);
//	                         scopes_declared = every OAuth2 requirement lists a scope (absent
//	                         without OAuth2). Without those options protobuf has no way to
//	                         declare authentication and the facts are absent (unknown), never
//	                         false.
//
// Not derived: response.errors_documented and response.ratelimit_documented
// (gRPC status codes are not declared in .proto files), inventory.owner.
package protobuf
