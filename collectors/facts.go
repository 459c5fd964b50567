package collectors

import (
	"fmt"
	"sort"
)

// Facts are the typed key/values extracted from an artifact. A value is one
// of bool, int64, float64, string or []string; ValidateFacts rejects the
// rest so nothing untyped reaches the store or the evaluator.
//
// Keys are shared vocabulary between collectors (which set them) and the
// catalog (whose controls test them). A fact that was never collected is
// "unknown", which is different from false: the evaluator shows it as an
// evidence gap, not as a failure.
type Facts map[string]any

// Fact keys. Scope "endpoint" facts are emitted on Evidence with Endpoint
// set, "api" facts with Endpoint empty. Booleans unless stated.
const (
	// ---- pre-runtime, from API descriptions (OpenAPI, GraphQL, proto) ----

	// api: a machine-readable description exists and parsed.
	FactSpecPresent = "spec.present"
	// api (string): "openapi", "swagger", "graphql", "protobuf".
	FactSpecFormat = "spec.format"
	// api (string): the description's own version field ("3.0.3").
	FactSpecVersion = "spec.version"
	// api (int64): number of operations described.
	FactSpecOperations = "spec.operations"
	// api ([]string): security scheme types declared: apiKey, http-basic,
	// http-bearer, http-<scheme>, oauth2, openIdConnect, mutualTLS.
	FactSpecSecuritySchemes = "spec.security_schemes"
	// api: every server URL is https (relative URLs do not count against).
	FactSpecServersHTTPS = "spec.servers_https"
	// api: info.version (or equivalent) is declared.
	FactSpecVersionDeclared = "spec.version_declared"
	// api: the API version is visible to clients (in the server URL or a
	// /v1-style path prefix), so a breaking change can ship side by side.
	FactSpecVersionedURL = "spec.versioned_url"
	// api (string): owning team as declared by the description (x-owner,
	// x-team...). Evidence of ownership; the inventory owner may also come
	// from the source configuration.
	FactInventoryOwner = "inventory.owner"

	// endpoint: the operation requires authentication (effective security
	// requirement is non-empty).
	FactAuthDeclared = "auth.declared"
	// endpoint: the operation is explicitly declared public (an empty
	// security requirement overriding a global one); controls that need
	// authentication treat such an endpoint as not applicable.
	FactAuthPublic = "auth.public"
	// endpoint ([]string): scheme types the operation accepts (the
	// spec.security_schemes vocabulary; GraphQL adds aws-iam and
	// aws-lambda for AppSync's modes).
	FactAuthSchemes = "auth.schemes"
	// endpoint: every OAuth2/OIDC requirement on the operation names at
	// least one scope (an authorization model per operation).
	FactAuthScopesDeclared = "auth.scopes_declared"
	// endpoint: every parameter and request body has a schema with a type.
	FactRequestSchemaDefined = "request.schema_defined"
	// endpoint: every string input is bounded (maxLength, enum, pattern or
	// a bounded format), numbers have a maximum, arrays maxItems.
	FactRequestBounded = "request.bounded"
	// endpoint: object request bodies reject unknown properties
	// (additionalProperties: false or unevaluatedProperties: false).
	FactRequestStrict = "request.strict"
	// endpoint: success responses have a schema (or no content).
	FactResponseSchemaDefined = "response.schema_defined"
	// endpoint: error responses are documented (a 4xx, plus 401/403 when
	// the operation requires authentication).
	FactResponseErrorsDocumented = "response.errors_documented"
	// endpoint: a 429 response or rate-limit headers are documented.
	FactResponseRateLimitDocumented = "response.ratelimit_documented"
	// endpoint: the operation is marked deprecated.
	FactDeprecated = "deprecated"
	// endpoint: fields or the operation carry sensitivity annotations
	// (x-pii, x-sensitive, x-data-classification and similar).
	FactDataSensitivityAnnotated = "data.sensitivity_annotated"
	// endpoint ([]string): JSON pointers of fields annotated as sensitive.
	FactDataSensitiveFields = "data.sensitive_fields"
	// endpoint: every string field in request and response schemas has a
	// semantic type (format, pattern or enum).
	FactDataSemanticTypes = "data.semantic_types"

	// ---- runtime, from gateway configuration and traffic ----

	FactTLSEnforced         = "tls.enforced"
	FactAuthEnforced        = "auth.enforced"
	FactAuthzEnforced       = "authz.enforced"
	FactValidationEnforced  = "validation.enforced"
	FactRateLimitEnabled    = "ratelimit.enabled"
	FactTimeoutConfigured   = "timeout.configured"
	FactBodySizeLimited     = "bodysize.limited"
	FactLoggingEnabled      = "logging.enabled"
	FactCORSRestricted      = "cors.restricted"
	FactSecurityHeaders     = "headers.security"
	FactAuthzFieldLevel     = "authz.field_level"
	FactResponseValidated   = "response.validated"
	FactResponseRedacted    = "response.redacted"
	FactPolicyPerCall       = "policy.per_call"
	FactEnforcementMode     = "enforcement.enforcing" // not monitor-only
	FactMTLSUpstream        = "mtls.upstream"
	FactEgressControlled    = "egress.controlled"
	FactGatewayInSync       = "gateway.in_sync"     // gateway policy matches the spec
	FactTrafficMonitored    = "traffic.monitored"   // shadow/anomaly detection from traffic
	FactMaturityMetricsKept = "maturity.metrics"    // api: posture itself tracks this API
	FactScanPresent         = "security_testing.ci" // api: scan results imported
)

// Detail facts from gateway configuration. The catalog's controls test the
// boolean facts above; these carry the settings behind them so a reader
// (and a later control) sees what is configured, not only whether.
const (
	// []string: jwt, key-auth, basic-auth, oauth2, oidc, hmac, mtls,
	// ext-authz, ldap, custom (a plugin or filter posture cannot see into).
	FactAuthMechanisms = "auth.mechanisms"
	// []string: acl, rbac, opa, ext-authz, scopes, ip-restriction.
	FactAuthzMechanisms = "authz.mechanisms"
	// []string: JWT signing algorithms accepted ("RS256", "HS256"...).
	FactJWTAlgorithms = "jwt.algorithms"
	// []string: JWT claims verified ("exp", "nbf", "aud", "iss").
	FactJWTClaimsVerified = "jwt.claims_verified"
	// int64: the tightest request rate limit, normalized to per minute.
	FactRateLimitPerMinute = "ratelimit.per_minute"
	// int64: the request timeout in seconds (the longest of connect,
	// read and write, i.e. the most a caller can hold a connection).
	FactTimeoutSeconds = "timeout.seconds"
	// int64: maximum request body size in bytes.
	FactBodySizeMaxBytes = "bodysize.max_bytes"
	// []string: allowed CORS origins as configured.
	FactCORSOrigins = "cors.origins"
	// bool: CORS allows any origin ("*" or reflecting the Origin).
	FactCORSWildcard = "cors.wildcard"
	// bool: CORS allows credentials.
	FactCORSCredentials = "cors.credentials"
	// string: minimum TLS version accepted from clients ("1.2").
	FactTLSMinVersion = "tls.min_version"
	// []string: security response headers set (lower-case names).
	FactHeadersSet = "headers.set"
	// []string: where access logs go ("file:/var/log/x", "http", "stdout").
	FactLoggingSinks = "logging.sinks"
	// []string: the gateway plugins/filters in effect on the route.
	FactGatewayPlugins = "gateway.plugins"
	// string: the upstream the route forwards to (URL or cluster name).
	FactUpstream = "gateway.upstream"
)

// Detail facts from GraphQL and protobuf descriptions.
const (
	// api ([]string): directives the schema uses to bound what one query
	// may cost (@cost, @listSize, @complexity, @depth...), sorted names
	// without "@". Absent when the schema declares none.
	FactGraphQLCostDirectives = "graphql.cost_directives"
	// endpoint (string): gRPC streaming kind of an RPC: "unary",
	// "client", "server" or "bidi".
	FactRPCStreaming = "rpc.streaming"
)

// Detail facts from traffic (access logs), per API over the run's lines.
const (
	// int64: requests counted.
	FactTrafficRequests = "traffic.requests"
	// []string: served endpoints ("GET /admin/{id}") no description
	// declares: shadow endpoints. At most 50, sorted.
	FactTrafficShadow = "traffic.shadow_endpoints"
	// []string: endpoints the description deprecates that still answered
	// with success: zombie endpoints.
	FactTrafficZombie = "traffic.zombie_endpoints"
	// int64: plaintext (non-TLS) requests answered with 2xx. Absent when
	// the log does not say which requests came over TLS.
	FactTrafficPlaintextSuccess = "traffic.plaintext_success"
	// []string: endpoints whose description requires authentication that
	// answered 2xx to a caller the log records as unauthenticated. Absent
	// when the log does not record authentication.
	FactTrafficUnauthSuccess = "traffic.unauthenticated_success"
)

// ValidateFacts checks that every value has one of the allowed types and
// every key is non-empty, naming the first offender.
func ValidateFacts(f Facts) error {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" {
			return fmt.Errorf("fact with empty key")
		}
		switch v := f[k].(type) {
		case bool, int64, float64, string, []string:
		case int:
			f[k] = int64(v)
		default:
			return fmt.Errorf("fact %q: unsupported value type %T", k, v)
		}
	}
	return nil
}

// KnownFacts lists every fact key above; the catalog's validation uses it to
// reject a control that tests a fact no collector can ever set.
var KnownFacts = []string{
	FactSpecPresent, FactSpecFormat, FactSpecVersion, FactSpecOperations,
	FactSpecSecuritySchemes, FactSpecServersHTTPS, FactSpecVersionDeclared,
	FactSpecVersionedURL, FactInventoryOwner,
	FactAuthDeclared, FactAuthPublic, FactAuthSchemes, FactAuthScopesDeclared,
	FactRequestSchemaDefined, FactRequestBounded, FactRequestStrict,
	FactResponseSchemaDefined, FactResponseErrorsDocumented,
	FactResponseRateLimitDocumented, FactDeprecated,
	FactDataSensitivityAnnotated, FactDataSensitiveFields, FactDataSemanticTypes,
	FactTLSEnforced, FactAuthEnforced, FactAuthzEnforced, FactValidationEnforced,
	FactRateLimitEnabled, FactTimeoutConfigured, FactBodySizeLimited,
	FactLoggingEnabled, FactCORSRestricted, FactSecurityHeaders,
	FactAuthzFieldLevel, FactResponseValidated, FactResponseRedacted,
	FactPolicyPerCall, FactEnforcementMode, FactMTLSUpstream,
	FactEgressControlled, FactGatewayInSync, FactTrafficMonitored,
	FactMaturityMetricsKept, FactScanPresent,
	FactAuthMechanisms, FactAuthzMechanisms, FactJWTAlgorithms, FactJWTClaimsVerified,
	FactRateLimitPerMinute, FactTimeoutSeconds, FactBodySizeMaxBytes, FactCORSOrigins,
	FactCORSWildcard, FactCORSCredentials, FactTLSMinVersion, FactHeadersSet,
	FactLoggingSinks, FactGatewayPlugins, FactUpstream,
	FactGraphQLCostDirectives, FactRPCStreaming,
	FactTrafficRequests, FactTrafficShadow, FactTrafficZombie, FactTrafficPlaintextSuccess, FactTrafficUnauthSuccess,
}
