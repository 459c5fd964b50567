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
//	ratelimit.*, logging.*, headers.security, mtls.upstream, enforcement.enforcing
//	                       absent: stage settings, not part of the export
package awsapigw
