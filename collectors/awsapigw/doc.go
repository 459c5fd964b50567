// Package awsapigw collects an Amazon API Gateway export: a Swagger 2.0 or
// OpenAPI 3 document with x-amazon-apigateway-* extensions. Such a file is
// both an API description and the gateway's configuration, so the collector
// emits both: first exactly what the openapi collector emits for it (API,
// endpoints and their spec evidence, renamed through Source.APIName), then
// one gateway route evidence per operation (Route: Exact = the path template
// as exported, Methods = [method]; x-amazon-apigateway-any-method gives a
// route for any method). Location is the operation's JSON pointer.
//
// The collector is not registered here; collectors/all does it.
//
// Precedence: an operation's security replaces the document's security
// (OpenAPI semantics, which API Gateway's importer applies to set the
// method's authorizationType and apiKeyRequired); the legacy operation-level
// x-amazon-apigateway-auth {type: aws_iam} adds IAM on top of it; the
// operation's x-amazon-apigateway-request-validator replaces the
// document's; x-amazon-apigateway-integration is per operation; an HTTP
// API's root x-amazon-apigateway-cors overrides OPTIONS routes (API Gateway
// then answers preflights itself).
//
// Fact derivation per route:
//
//	fact                   derivation
//	tls.enforced           always true: API Gateway endpoints are HTTPS only ("API Gateway
//	                       doesn't support unencrypted (HTTP) endpoints", AWS API Gateway
//	                       developer guide, data protection)
//	auth.enforced          every alternative of the effective security requirement names at
//	                       least one scheme API Gateway enforces: x-amazon-apigateway-authtype
//	                       cognito_user_pools/custom/awsSigv4, an x-amazon-apigateway-authorizer
//	                       (token/request/jwt/cognito_user_pools) or an apiKey scheme in header
//	                       x-api-key; or x-amazon-apigateway-auth type aws_iam. No security,
//	                       an empty requirement {} or only other schemes: false. A reference to
//	                       an undeclared scheme: unknown.
//	auth.mechanisms        cognito -> oidc, jwt authorizer -> jwt, custom/Lambda -> custom,
//	                       awsSigv4/aws_iam -> aws-iam, API key -> key-auth
//	authz.enforced         true for aws_iam/awsSigv4 or cognito/jwt with scopes in the
//	                       requirement; unknown for custom authorizers (their policy decides);
//	                       false otherwise (API key only, cognito without scopes, no auth)
//	authz.mechanisms       aws-iam, scopes
//	validation.enforced    the effective x-amazon-apigateway-request-validator names a validator
//	                       in x-amazon-apigateway-request-validators with validateRequestBody or
//	                       validateRequestParameters true; no validator: false; an undeclared
//	                       name: unknown
//	timeout.configured     integration timeoutInMillis set (timeout.seconds rounded up);
//	                       false for an integration without it; absent without an integration
//	bodysize.limited       always true, bodysize.max_bytes 10485760: the service's 10 MB payload
//	                       quota (AWS "Amazon API Gateway quotas")
//	cors.restricted        OPTIONS method with a mock integration setting Access-Control-Allow-
//	                       Origin, or root x-amazon-apigateway-cors: false when "*" or a mapped
//	                       (reflected) origin, else true; unknown when there is no CORS setup
//	cors.origins/wildcard/credentials   from the same place
//	gateway.upstream       integration uri, else its type (mock)
//	gateway.plugins        the operation's x-amazon-apigateway-* extensions (prefix stripped),
//	                       integration:<type>, request-validator:<name>, options-mock / cors
//	ratelimit.*, logging.*, mtls.upstream
//	                       absent here: stage settings, not part of the export; the stage
//	                       evidence below sets them
//	headers.security, enforcement.enforcing
//	                       absent: API Gateway has no security-header or monitor-only
//	                       setting to read
//
// # Stage settings
//
// A source may also list stage files, alone or next to the export (a
// directory with both is fine): the output of `aws apigateway get-stage`
// / `get-stages` (REST APIs: camelCase, methodSettings keyed "*/*" or
// "{resource_path}/{METHOD}" with the path's "/" written "~1", e.g.
// "~1pets~1{petId}/GET"; get-stages wraps the stages in {"item": [...]})
// or `aws apigatewayv2 get-stage` / `get-stages` (HTTP APIs:
// defaultRouteSettings and routeSettings keyed by route key "GET /pets";
// the CLI prints PascalCase, the wire camelCase, both are read). Member
// names follow the AWS SDK for Go v2 models (ParseStages). Stage files are
// read after every export of the source and attached to an API
// (resolveStage): the "api" option (a name, or file=name pairs), else the
// source's API, else the export whose execute-api host has the stage's
// API id (the id is in a raw REST response's _links or a restApiId/apiId
// member; CLI output has none), else the source's only API, else the
// export taken from a stage of that name (its basePath); otherwise an
// error names the file. A stage named for an API the source has no export
// of still gives evidence (below, "without an export").
//
// Each stage gives route evidence (Artifact = the stage file, Location =
// the JSON pointer of the settings entry that applied, e.g.
// "/methodSettings/~01pets~01{petId}~1GET", Route.Name = stage and key,
// Notes = the members that decided each fact). With the API's export:
// one record per operation with the export route's shape (Exact path,
// method), because scoring keeps per source only the most specific routes
// serving an endpoint and would let the export's exact route hide a
// catch-all; a tie merges the two (and two stages of one API merge to the
// weaker value of each fact: both are reachable). The settings are the
// operation's override (path+METHOD, path+*, */METHOD; v2: its route key,
// "$default" for the exported $default route) merged member by member over
// the default ("*/*" / defaultRouteSettings). An override that names no
// operation of the export is a route of its own (it shows as a shadow
// route). Without an export: the default is a route for every path (no
// Paths, no Methods), each override a route for its path and method;
// "$default"-style route keys match every path and tie with the default,
// so the weaker value wins.
//
//	fact                   derivation (stage evidence)
//	ratelimit.enabled      effective throttlingRateLimit set and >= 0 (0 included). Unset, negative (-1 = "throttling disabled", as API
//	                       Gateway and Terraform write it) or Infinity: false; only the
//	                       account-level throttling applies then, which every API of the
//	                       account in the region shares (10,000 rps by default) and which is
//	                       not a limit of this API. 10000/5000, the values the console fills in,
//	                       count as set: ratelimit.per_minute shows how little they limit
//	ratelimit.per_minute   throttlingRateLimit (per second) x 60, rounded up
//	logging.enabled        accessLogSettings.destinationArn set, or execution logging at INFO
//	                       (loggingLevel, one entry per request); ERROR only logs failures: not a
//	                       record of the traffic, false. Whether the account has the CloudWatch
//	                       role execution logs need is not in the file
//	logging.sinks          "cloudwatch:<arn>" / "firehose:<arn>" for the access log destination,
//	                       "cloudwatch:API-Gateway-Execution-Logs_<api-id>/<stage>" for INFO
//	                       execution logs ("{api-id}" when the id is unknown)
//	mtls.upstream          clientCertificateId set: API Gateway presents that certificate to the
//	                       backend; false without one. Absent for operations whose integration
//	                       is aws, aws_proxy (Lambda, signed with SigV4) or mock: no HTTP backend
//	tls.enforced, bodysize.limited, bodysize.max_bytes
//	                       the service properties above, as for export routes
//	gateway.plugins        the export route's plugins plus stage:<name>, waf (webAclArn), xray
//	                       (tracingEnabled), cache (cachingEnabled with cacheClusterEnabled;
//	                       alone it caches nothing), canary (canarySettings), metrics
//	                       (metricsEnabled/detailedMetricsEnabled), data-trace (dataTraceEnabled:
//	                       request and response bodies in the logs), execution-log:info/error
//
// Usage plans (get-usage-plans) are not read: their throttle and quota
// apply per API key and only to methods that require one, which needs the
// key requirement per method and a plan-to-stage mapping by API id that
// CLI output rarely allows; AWS also calls them best effort.
package awsapigw
