// Package openapi is the collector for OpenAPI 3.0, 3.1 (and 3.2) and
// Swagger 2.0 descriptions: kind "openapi".
//
// Parse is a pure function from one document to an API, its endpoints and
// the evidence about them; Collector.Collect walks files and directories
// and streams Parse results into a collectors.Sink.
//
// # How a document is read
//
//  1. internal/safedecode bounds the bytes before any parser sees them:
//     size (64 MiB by default), nesting depth (256), YAML alias expansion
//     (a "billion laughs" document is rejected with the line of the alias),
//     JSON/YAML syntax (truncated input is an error with its line).
//  2. The top level must be an object with an "openapi" (3.0.x, 3.1.x,
//     3.2.x) or "swagger" ("2.0") field.
//  3. libopenapi's parser turns the bytes into a node tree (it also
//     rejects duplicate YAML keys); a panic inside it becomes an error
//     naming the file. libopenapi's model builder is deliberately not used:
//     it works in goroutines of its own, where a panic on hostile input
//     cannot be recovered and kills the process (FuzzParse found one: a
//     media type that is an external $ref), and this package needs exact
//     JSON pointers for every fact anyway.
//  4. Every local $ref is resolved once up front: a $ref to a pointer that
//     does not exist, or a chain of $refs that loops without reaching a
//     real object (A -> B -> A, or A -> A), is an error naming the JSON
//     pointers and the line. Recursive schemas are legal.
//  5. Operations and schemas are analysed on the tree, so every fact has an
//     exact JSON pointer. Schemas are a graph analysed once per view with
//     Tarjan's algorithm (see schema.go): recursive and shared schemas cost
//     nothing extra.
//
// External $refs ("common.yaml#/components/schemas/X") are followed only
// through Options.RefFS, relative to the referring file and never above
// the source root; http(s) references are never fetched. A reference that
// cannot be followed is a warning (Result.Warnings) and the facts that
// depend on it are left out, i.e. unknown, rather than guessed.
//
// # Facts
//
// API scope (Evidence.Endpoint == "", Location ""):
//
//   - spec.present: true.
//   - spec.format: "openapi" or "swagger".
//   - spec.version: the openapi/swagger field as written.
//   - spec.operations: operations under /paths (webhooks and callbacks are
//     not operations of this API).
//   - spec.security_schemes: sorted types of the declared schemes
//     (components.securitySchemes / securityDefinitions), used or not:
//     apiKey, http-<scheme> (http-basic, http-bearer...), oauth2,
//     openIdConnect, mutualTLS; Swagger "basic" is http-basic.
//   - spec.servers_https: no declared server can be plain http. 3.x: every
//     absolute server URL (root, path item and operation servers) has the
//     scheme https or wss, a {variable} scheme counting only when its enum
//     and default are all https; relative URLs and "no servers" do not
//     count against. 2.0: no http/ws in the root or operation schemes.
//   - spec.version_declared: info.version is non-empty.
//   - spec.versioned_url: a server URL (2.0: host or basePath) has a version
//     label or segment (v1, v2.1, v1beta1, 2010-04-01), or every operation
//     path has one before its first {template} segment.
//   - inventory.owner: the first of x-owner, x-team, x-api-owner,
//     x-owner-team, x-owning-team at the root or in info (a string, or the
//     name/team/id/email of an object, or a list's first); absent otherwise.
//
// Endpoint scope (one record per operation, Location "/paths/~1users~1{id}/get").
// The effective security requirement is the operation's "security" when
// the key is present (even empty), else the root's.
//
//   - auth.declared: the effective requirement has at least one non-empty
//     alternative and no empty one ({} makes authentication optional).
//   - auth.public: the operation itself says "security: []" (or only {}),
//     overriding the root or stating there is none; optional auth is not
//     public.
//   - auth.schemes: sorted types (vocabulary as above) of every scheme named
//     in the effective requirement; [] when none.
//   - auth.scopes_declared: every OAuth2/OpenID Connect scheme in the
//     effective requirement lists at least one scope. Left out (unknown)
//     when the operation uses no OAuth2/OIDC scheme: scopes do not apply.
//   - request.schema_defined: every parameter (path-item ones merged, the
//     operation's winning) has a typed schema (2.0: a type; 3.x: schema or
//     content), and a request body, when declared, has content and a typed
//     schema for every media type. Typed: type, properties/items, enum or
//     const, or oneOf/anyOf alternatives that are all typed, through $refs
//     and allOf. True when the operation takes no input.
//   - request.bounded: every schema reachable from the parameters and the
//     request body (request view: readOnly properties skipped) is bounded:
//     strings by maxLength, enum, const, pattern or a fixed-length format
//     (date, date-time, time, uuid, ipv4, ipv6); numbers and integers by
//     maximum/exclusiveMaximum or enum; arrays by maxItems; a schema with no
//     type at all (accepts anything), a parameter or body without a schema,
//     and 2.0 file uploads are unbounded.
//   - request.strict: every object schema reachable from the request body
//     has additionalProperties: false or unevaluatedProperties: false, on
//     itself or one of its allOf members (a map with a schema for
//     additionalProperties is not strict). True when there is no body.
//   - response.schema_defined: every success response (2xx/2XX, else
//     "default"; none at all is false) has, for each media type, a
//     non-empty schema, or has no content.
//   - response.errors_documented: a 4xx/4XX response is documented and,
//     when auth.declared, a 401, 403 or 4XX ("default" does not count).
//   - response.ratelimit_documented: a 429 response, or a response header
//     X-RateLimit-*, X-Rate-Limit-*, RateLimit*, or Retry-After.
//   - deprecated: the operation has deprecated: true.
//   - data.sensitivity_annotated: the operation, a parameter, or a schema
//     reachable from parameters, bodies or responses carries x-pii,
//     x-sensitive, x-sensitivity, x-data-sensitivity, x-data-classification,
//     x-classification, x-pci, x-phi, x-personal-data, x-gdpr or
//     x-confidential (any value, "public" and false included: the data has
//     been classified).
//   - data.sensitive_fields: sorted JSON pointers ("file#pointer" in a
//     referenced file) of the schemas, parameters or operations whose
//     annotation marks them sensitive (true, a non-empty object or list, or
//     a class other than public/none/unclassified/false); only when
//     non-empty.
//   - data.semantic_types: every string schema reachable from parameters,
//     request body and responses has a format, pattern, enum or const (a
//     parameter without a schema counts as a plain string).
//
// # Notes
//
// Every evidence record carries, for each boolean fact that is false, the
// places in the document that made it false (collectors.Note): the fact,
// a JSON pointer ("common.yaml#/Thing/properties/x" in a referenced file),
// the 1-based line, and a short message. A true or unknown (absent) fact
// has no notes; a false one always has at least one. The line is that of
// the key holding the node ("info:", not the first line of its value), of
// the element in an array, and 0 when the pointer names a member that is
// missing ("/servers" in a document without servers); in a referenced
// file it is a line of that file. Notes are sorted by fact, then document
// order (the specification first, then referenced files by name), at most
// 5 per fact and collectors.MaxNotes per record (when that cap bites,
// every fact keeps its first note before any keeps a second).
//
//   - spec.servers_https: each server URL that can be plain http
//     (/servers/1/url, /paths/~1a/servers/0/url...); 2.0: each non-https
//     entry of a schemes list (/schemes/0, /paths/~1a/get/schemes/0).
//   - spec.version_declared: /info ("info has no version"), /info/version
//     when empty, or /info without a line when there is no info object.
//   - spec.versioned_url: one note on /servers (2.0: /basePath) saying
//     what was looked for where.
//   - auth.declared: each empty {} alternative that makes authentication
//     optional; the operation's or the root's empty "security"; or the
//     operation itself when no requirement applies at all.
//   - auth.public: the operation's own "security" when it is not empty,
//     else the operation (it does not say security: []).
//   - auth.scopes_declared: each OAuth2/OIDC entry of the effective
//     requirement listing no scope (/paths/~1x/get/security/0/oauth, or
//     /security/0/oauth at the root).
//   - request.schema_defined: each parameter without a schema (2.0: a
//     type), media type without a schema, request body without content,
//     and untyped schema (at the schema's own pointer, after $refs).
//   - request.bounded, request.strict, data.semantic_types: the schemas
//     themselves, at their own pointers (/components/schemas/User/
//     properties/name): the string without maxLength/enum/pattern/bounded
//     format, the number without maximum, the array without maxItems, the
//     untyped schema, the file upload, the object not closed, the string
//     without format/pattern/enum; and inputs without a schema or body
//     without content. The schema aggregate keeps, per flag, the first 5
//     offending schemas in document order; merging keeps the first 5 of
//     the union, so the result does not depend on the order of the walk
//     (members of a recursive component get the same list).
//   - response.schema_defined: the responses object when there is no
//     success response; each success media type without a schema; each
//     empty or non-object schema.
//   - response.errors_documented, response.ratelimit_documented: the
//     responses object, naming what is missing ("no 4xx response", "no
//     401/403 although the operation requires authentication", "no 429
//     response and no RateLimit/X-RateLimit headers").
//   - deprecated: the operation (or its deprecated: false).
//   - data.sensitivity_annotated: the operation ("no field carries x-pii
//     / x-sensitive / x-data-classification").
//
// Schema-wide checks look through $refs, allOf (merged into one shape),
// oneOf/anyOf (each alternative on its own), properties, items,
// prefixItems, additionalProperties and patternProperties; "not",
// if/then/else and examples are ignored.
package openapi
