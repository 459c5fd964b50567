// Package graphql is the collector for GraphQL schemas written in the
// schema definition language (SDL): kind "graphql".
//
// Parse is a pure function from the files of one schema to an API, one
// endpoint per root field and the evidence about them; Collector.Collect
// turns each path of a source into one schema (a file, or every .graphql,
// .graphqls and .gql file under a directory, which together may form one
// schema through "extend type Query") and streams the result into a
// collectors.Sink. Options: "endpoint" (the GraphQL HTTP URL, recorded as
// the API's base URL) and "max_bytes".
//
// # How a schema is read
//
//  1. Size: all files of a schema together are limited to max_bytes
//     (default 64 MiB, internal/safedecode's); a directory is read file by
//     file under what is left of that budget.
//  2. Nesting: a byte scan (strings and comments skipped) rejects
//     brackets, braces and parentheses nested more than 256 deep, with the
//     line and column. gqlparser itself stops at 1000 levels, but type
//     printing, value validation and this package's walks recurse too;
//     real schemas nest a handful of levels (GitHub's: 3).
//  3. gqlparser (github.com/vektah/gqlparser/v2) parses the files together
//     with its prelude (built-in scalars, directives, introspection).
//     Syntax errors carry file, line and column. An executable document (a
//     query) is refused as such; in a directory it is skipped.
//  4. Leniency for real published schemas: a field defined twice in one
//     type with an identical signature (GitHub's public schema does this)
//     keeps its first definition, and "scalar String" style redeclarations
//     of built-in scalars are dropped, each with a warning.
//  5. Platform definitions: directives and scalars that AWS AppSync, the
//     Amplify transformer or Apollo Federation provide without the schema
//     declaring them (@aws_iam, AWSDateTime, @key, @link, @requiresScopes,
//     federation__Scope...) are declared for the validator when used and
//     not declared. Any other undeclared directive or type is an error, as
//     the spec requires.
//  6. Complexity: gqlparser's validator compares fields, enum values,
//     union members, interfaces and arguments pairwise, so a type with
//     200,000 fields would take minutes. Those pair counts are summed in
//     linear time first and a schema over 50 million is refused, naming
//     the largest contributor (GitHub's schema: well under 1 million).
//  7. The validator checks the schema (undefined types, interface
//     conformance, directive locations...); its errors carry file, line and
//     column: "graphql: schema.graphql:12:5: Undefined type Foo."
//  8. The facts below are computed on the validated schema. Types form a
//     graph (object and interface fields, interface and union members,
//     input object fields) whose strongly connected components are
//     condensed once (iterative Tarjan), so recursive types cost nothing
//     extra and the whole pass is linear in the number of fields.
//
// Root types are those of "schema { query: ... }" (and its extensions),
// else the types named Query, Mutation and Subscription. Introspection
// fields (__schema, __type) are not endpoints.
//
// # Facts
//
// API scope (Evidence.Endpoint "", Location the file holding the schema
// definition, else the Query type, else the first file):
//
//	fact                     derivation
//	spec.present             true
//	spec.format              "graphql"
//	spec.version             absent: GraphQL schemas are not versioned
//	spec.operations          number of root fields (Query + Mutation + Subscription)
//	spec.security_schemes    sorted schemes of the auth directives declared or used (table
//	                         below); absent when none names a scheme
//	graphql.cost_directives  sorted names of the cost-bounding directives used anywhere
//	                         (declared but unused ones do not count): cost, listSize,
//	                         complexity, maxComplexity, depth, maxDepth, rateLimit, throttle;
//	                         absent when none
//	inventory.owner          name of Apollo GraphOS's @contact(name:, url:) on the schema or a
//	                         schema extension (url becomes API.Contact); absent otherwise
//
// Endpoint scope, one record per root field (Method QUERY, MUTATION or
// SUBSCRIPTION, Path the field name, Location "file:line Type.field",
// Artifact the file defining the field):
//
//	fact                     derivation
//	auth.declared            The directives at three levels are read in order: the field,
//	                         its root type (type Query @auth...), its return type (Apollo's
//	                         @authenticated on an OBJECT protects every field returning it;
//	                         AppSync checks the returned type's modes too). The first level
//	                         with an auth or public directive decides: an auth directive ->
//	                         true; only a public marker -> false (and auth.public true).
//	                         No level has one: absent when the schema declares and uses no
//	                         auth directive at all (a plain SDL says nothing about auth);
//	                         absent too for AppSync schemas (an aws_* directive or Amplify
//	                         @auth(rules:) is used), where a field without a directive falls
//	                         under the API's default authorization mode, configured outside
//	                         the SDL, and AppSync has no unauthenticated mode; false otherwise.
//	auth.public              true only for an explicit public marker (@public, @allowAll,
//	                         RedwoodJS @skipAuth) deciding as above; absent otherwise. AppSync
//	                         @aws_api_key and Amplify {allow: public} (an API key) are not
//	                         public: a key is a credential.
//	auth.schemes             sorted schemes of the deciding level's directives: aws_iam ->
//	                         aws-iam, aws_cognito_user_pools/aws_auth/aws_oidc ->
//	                         openIdConnect, aws_lambda -> aws-lambda, aws_api_key -> apiKey;
//	                         Amplify rules by provider (userPools/oidc -> openIdConnect,
//	                         iam/identityPool -> aws-iam, apiKey -> apiKey, function ->
//	                         aws-lambda; default provider by allow: owner/groups/private ->
//	                         userPools, public -> apiKey, custom -> function). Absent when the
//	                         directives do not say (@authenticated, @auth, @hasRole...).
//	auth.scopes_declared     when auth.declared is true: an auth directive at any level names
//	                         a scope, group, role, permission or policy with a non-empty
//	                         value (@requiresScopes(scopes:), @policy(policies:), @hasScope,
//	                         @hasRole(role:), @auth(requires:), @aws_cognito_user_pools(
//	                         cognito_groups:), an Amplify rule with groups/groupsField) ->
//	                         true, else false. false when auth.declared is false without a
//	                         public marker; absent otherwise.
//	request.schema_defined   true: every GraphQL argument has a declared type (the grammar
//	                         requires "name: Type"; GraphQL spec, October 2021 edition,
//	                         §3.6.1 Field Arguments; section numbers below are that edition's)
//	request.strict           true: spec-compliant servers reject unknown arguments (§5.4.1
//	                         Argument Names) and unknown input object fields, in literals
//	                         (§5.6.2 Input Object Field Names) and in variables (§3.10
//	                         Input Objects, "Input Coercion": an entry whose name is not a
//	                         field of the input object type is an error)
//	request.bounded          every argument, and recursively every field of the input objects
//	                         they take (cycles condensed), is bounded: String and ID by a
//	                         maximum length, pattern or format; Int and Float by a maximum;
//	                         lists by a maximum size (and their elements as above). Bounds are
//	                         read from @constraint(maxLength|pattern|format, max|exclusiveMax,
//	                         maxItems) (graphql-constraint-directive), @length/@size(max),
//	                         @range(max), @containerSize(max), @max, @maxLength, @pattern,
//	                         @listSize (names case-insensitive: graphql-java-extended-
//	                         validation capitalises them). Boolean, enums and custom scalars
//	                         are bounded: a custom scalar (DateTime, URI, AWSEmail...) is
//	                         parsed by its own coercion, which rejects what does not fit its
//	                         format. A field without arguments: true.
//	response.schema_defined  true: every field has a declared output type
//	data.semantic_types      every String-typed field reachable from the field (the field
//	                         itself, then its return type's fields, through objects,
//	                         interfaces and their implementations, unions and their members,
//	                         cycles condensed) has a format-ish directive (@constraint(format
//	                         or pattern), @format, @pattern); enums, ID and custom scalars
//	                         carry their meaning. A plain String anywhere: false.
//	data.sensitivity_annotated  a sensitivity directive (@sensitive, @pii, @private, @redact,
//	                         @redacted, @mask, @masked, @encrypted, @dataClassification,
//	                         @classification, @personalData, @phi, @pci, @confidential,
//	                         @gdpr) is on the field, one of its arguments, or a type or field
//	                         reachable from its return type or its arguments' input types;
//	                         false when none is; absent when the schema uses none at all.
//	data.sensitive_fields    sorted schema coordinates ("Type", "Type.field",
//	                         "Query.user(email:)") of those annotations that mark data
//	                         sensitive (any, unless an argument says public, none,
//	                         unclassified or false), the first 100; absent when empty.
//	deprecated               the field has @deprecated
//	response.errors_documented, response.ratelimit_documented
//	                         absent: SDL cannot express them (GraphQL reports errors in the
//	                         response body, not by status)
//
// Auth directives recognised: AppSync @aws_iam, @aws_cognito_user_pools,
// @aws_auth, @aws_oidc, @aws_lambda, @aws_api_key; Apollo Federation
// @authenticated, @requiresScopes, @policy; Amplify @auth(rules:); and
// @auth, @isAuthenticated, @hasRole(s), @hasScope(s), @hasPermission(s),
// @requireAuth, @requiresAuth, @authorize (Hot Chocolate), @secured.
// Directives renamed through @link(import: [{name:, as:}]) are not
// followed.
//
// The collector is not registered in collectors/all here; collectors/all
// does it.
package graphql
