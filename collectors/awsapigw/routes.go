package awsapigw

import (
	"fmt"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

const ext = "x-amazon-apigateway-"

// maxPayloadBytes is API Gateway's documented request payload quota (10 MB
// for REST and HTTP APIs), which no setting raises.
const maxPayloadBytes = 10 << 20

type parser struct {
	name    string
	doc     map[string]any
	swagger bool
	schemes map[string]any
}

func (p *parser) errf(ptr, format string, args ...any) *Error {
	return &Error{File: p.name, Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
}

// resolve follows a local "$ref" (a few hops at most); other references
// give nil.
func (p *parser) resolve(v any) any {
	for hops := 0; hops < 8; hops++ {
		m := obj(v)
		ref, ok := m["$ref"].(string)
		if m == nil || !ok {
			return v
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil
		}
		var cur any = p.doc
		for _, tok := range strings.Split(ref[2:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			cur = obj(cur)[tok]
		}
		v = cur
	}
	return nil
}

func (p *parser) run(res *Result, apiName string, art *collectors.Artifact) error {
	if p.swagger {
		p.schemes = obj(p.doc["securityDefinitions"])
	} else {
		p.schemes = obj(obj(p.doc["components"])["securitySchemes"])
	}
	if v, ok := p.doc[ext+"request-validators"]; ok && v != nil && obj(v) == nil {
		return p.errf("/"+ext+"request-validators", "must be an object of validators")
	}
	res.Validators = sortedKeys(obj(p.doc[ext+"request-validators"]))
	pv, ok := p.doc["paths"]
	if !ok || pv == nil {
		return nil
	}
	paths := obj(pv)
	if paths == nil {
		return p.errf("/paths", "must be an object")
	}
	for _, path := range sortedKeys(paths) {
		if strings.HasPrefix(path, "x-") {
			continue
		}
		pptr := "/paths/" + escape(path)
		if !strings.HasPrefix(path, "/") {
			return p.errf(pptr, "path %q does not start with /", path)
		}
		item := obj(p.resolve(paths[path]))
		if item == nil {
			if paths[path] == nil {
				continue
			}
			if _, isRef := obj(paths[path])["$ref"]; isRef {
				continue // external path item: the spec part reports it
			}
			return p.errf(pptr, "path item must be an object")
		}
		cors := p.cors(item)
		for _, m := range append(append([]string{}, methods...), anyMethod) {
			ov, ok := item[m]
			if !ok {
				continue
			}
			optr := pptr + "/" + escape(m)
			op := obj(ov)
			if op == nil {
				return p.errf(optr, "operation must be an object")
			}
			r, err := p.route(path, m, optr, op, cors)
			if err != nil {
				return err
			}
			r.Evidence.API, r.Evidence.Artifact = apiName, art
			res.Routes = append(res.Routes, r)
		}
	}
	return nil
}

// corsSetup is what a path's CORS configuration says; nil when there is none.
type corsSetup struct {
	origins     map[string]bool
	wildcard    bool
	credentials bool
	from        string
}

// cors finds the CORS setup for a path. Precedence: an HTTP API's
// x-amazon-apigateway-cors applies to every route and API Gateway then
// answers preflight requests itself, ignoring OPTIONS routes and backend
// CORS headers (AWS, "Configuring CORS for an HTTP API"); otherwise a REST
// API's CORS is the path's OPTIONS method with a mock integration whose
// integration responses set Access-Control-Allow-* (AWS, "Enabling CORS
// for a REST API resource"). An OPTIONS method proxied to a backend leaves
// CORS to the backend: unknown.
func (p *parser) cors(item map[string]any) *corsSetup {
	if c := obj(p.doc[ext+"cors"]); c != nil {
		s := &corsSetup{origins: map[string]bool{}, from: "cors"}
		for _, o := range list(c["allowOrigins"]) {
			if o := str(o); o != "" {
				s.origins[o] = true
				s.wildcard = s.wildcard || o == "*"
			}
		}
		s.credentials, _ = boolean(c["allowCredentials"])
		return s
	}
	integ := obj(obj(item["options"])[ext+"integration"])
	if integ == nil || !strings.EqualFold(str(integ["type"]), "mock") {
		return nil
	}
	var s *corsSetup
	resps := obj(integ["responses"])
	for _, k := range sortedKeys(resps) {
		params := obj(obj(resps[k])["responseParameters"])
		for _, pk := range sortedKeys(params) {
			header := strings.ToLower(strings.TrimPrefix(strings.ToLower(pk), "method.response.header."))
			val := str(params[pk])
			lit, quoted := strings.CutPrefix(val, "'")
			lit, _ = strings.CutSuffix(lit, "'")
			switch header {
			case "access-control-allow-origin":
				if s == nil {
					s = &corsSetup{origins: map[string]bool{}, from: "options-mock"}
				}
				if !quoted {
					// A mapping such as method.request.header.Origin
					// reflects the caller's origin: any origin.
					s.wildcard = true
					s.origins[val] = true
					continue
				}
				for _, o := range strings.Split(lit, ",") {
					if o = strings.TrimSpace(o); o != "" {
						s.origins[o] = true
						s.wildcard = s.wildcard || o == "*"
					}
				}
			case "access-control-allow-credentials":
				if quoted && strings.EqualFold(strings.TrimSpace(lit), "true") {
					if s == nil {
						s = &corsSetup{origins: map[string]bool{}, from: "options-mock"}
					}
					s.credentials = true
				}
			}
		}
	}
	if s != nil && len(s.origins) == 0 {
		return nil // credentials without an origin: no CORS response
	}
	return s
}

// authAlt is what one alternative of a security requirement enforces.
type authAlt struct {
	enforced bool
	authz    int // 1 yes, 0 no, -1 unknown
}

// route builds the evidence for one operation. Precedence follows API
// Gateway's import rules: an operation's security replaces the document's
// (OpenAPI semantics, which API Gateway import follows to set the method's
// authorizationType and apiKeyRequired); the operation's
// x-amazon-apigateway-request-validator replaces the document's; the
// integration is per operation only.
func (p *parser) route(path, method, ptr string, op map[string]any, cors *corsSetup) (Route, error) {
	f := collectors.Facts{}
	plugins := map[string]bool{}
	for k := range op {
		if name, ok := strings.CutPrefix(k, ext); ok {
			plugins[name] = true
		}
	}

	// TLS: execute-api endpoints accept HTTPS only (AWS, "Amazon API
	// Gateway ... exposes HTTPS endpoints only"; no HTTP listener exists).
	f[collectors.FactTLSEnforced] = true

	// Authentication and authorization.
	mechs, authzMechs := map[string]bool{}, map[string]bool{}
	reqs, hasReq := op["security"]
	if !hasReq {
		reqs, hasReq = p.doc["security"]
	}
	if hasReq && reqs != nil && list(reqs) == nil {
		return Route{}, p.errf(ptr+"/security", "security must be a list of requirements")
	}
	known := true
	var alts []authAlt
	for _, a := range list(reqs) {
		alt, ok := p.alternative(obj(a), mechs, authzMechs)
		known = known && ok
		alts = append(alts, alt)
	}
	legacyIAM := false
	if la := obj(op[ext+"auth"]); la != nil && strings.EqualFold(str(la["type"]), "aws_iam") {
		legacyIAM = true
		mechs["aws-iam"] = true
		authzMechs["aws-iam"] = true
	}
	switch {
	case legacyIAM:
		// x-amazon-apigateway-auth sets the method's authorization type;
		// an API key in security is required on top of it.
		f[collectors.FactAuthEnforced] = true
		f[collectors.FactAuthzEnforced] = true
	case !known:
		// a requirement names a scheme the export does not declare.
	case len(alts) == 0:
		f[collectors.FactAuthEnforced] = false
		f[collectors.FactAuthzEnforced] = false
	default:
		enforced, authz := true, 1
		for _, a := range alts {
			enforced = enforced && a.enforced
			authz = min(authz, a.authz)
		}
		if !enforced {
			authz = 0
		}
		f[collectors.FactAuthEnforced] = enforced
		if authz >= 0 {
			f[collectors.FactAuthzEnforced] = authz == 1
		}
	}
	setList(f, collectors.FactAuthMechanisms, mechs)
	setList(f, collectors.FactAuthzMechanisms, authzMechs)

	// Request validation.
	vname, vset := op[ext+"request-validator"]
	if !vset {
		vname, vset = p.doc[ext+"request-validator"]
		if vset {
			plugins["request-validator"] = true
		}
	}
	if !vset || vname == nil {
		f[collectors.FactValidationEnforced] = false
	} else if v := obj(obj(p.doc[ext+"request-validators"])[str(vname)]); v != nil {
		body, _ := boolean(v["validateRequestBody"])
		params, _ := boolean(v["validateRequestParameters"])
		f[collectors.FactValidationEnforced] = body || params
		plugins["request-validator:"+str(vname)] = true
	}
	// A validator name that is not declared stays unknown (import fails).

	// Integration: upstream and timeout.
	integration := ""
	if iv, ok := op[ext+"integration"]; ok && iv != nil {
		integ := obj(iv)
		if integ == nil {
			return Route{}, p.errf(ptr+"/"+ext+"integration", "must be an object")
		}
		typ := strings.ToLower(str(integ["type"]))
		integration = typ
		up := str(integ["uri"])
		if up == "" {
			up = typ
		}
		if up != "" {
			f[collectors.FactUpstream] = up
		}
		if typ != "" {
			plugins["integration:"+typ] = true
		}
		if ms, ok := number(integ["timeoutInMillis"]); ok && ms > 0 {
			f[collectors.FactTimeoutConfigured] = true
			f[collectors.FactTimeoutSeconds] = (ms + 999) / 1000
		} else {
			f[collectors.FactTimeoutConfigured] = false
		}
	}

	// Body size: the service quota applies to every route.
	f[collectors.FactBodySizeLimited] = true
	f[collectors.FactBodySizeMaxBytes] = int64(maxPayloadBytes)

	if cors != nil {
		plugins[cors.from] = true
		f[collectors.FactCORSRestricted] = !cors.wildcard
		f[collectors.FactCORSWildcard] = cors.wildcard
		f[collectors.FactCORSCredentials] = cors.credentials
		setList(f, collectors.FactCORSOrigins, cors.origins)
	}
	setList(f, collectors.FactGatewayPlugins, plugins)

	m := strings.ToUpper(method)
	rt := &collectors.Route{Paths: []collectors.PathMatch{{Exact: path}}}
	if method == anyMethod {
		m = "ANY"
	} else {
		rt.Methods = []string{m}
	}
	rt.Name = str(op["operationId"])
	if rt.Name == "" {
		rt.Name = m + " " + path
	}
	if err := collectors.ValidateRoute(*rt); err != nil {
		return Route{}, p.errf(ptr, "%v", err)
	}
	if err := collectors.ValidateFacts(f); err != nil {
		return Route{}, p.errf(ptr, "%v", err)
	}
	return Route{Method: m, Path: path, Pointer: ptr, Integration: integration, Evidence: collectors.Evidence{Location: ptr, Facts: f, Route: rt}}, nil
}

// alternative evaluates one security requirement object (its schemes are
// ANDed). ok is false when it names an undeclared scheme.
func (p *parser) alternative(req map[string]any, mechs, authzMechs map[string]bool) (authAlt, bool) {
	alt := authAlt{authz: 0}
	ok := true
	for _, name := range sortedKeys(req) {
		sv, declared := p.schemes[name]
		s := obj(p.resolve(sv))
		if !declared || s == nil {
			ok = false
			continue
		}
		scoped := len(list(req[name])) > 0
		authtype := strings.ToLower(str(s[ext+"authtype"]))
		atype := strings.ToLower(str(obj(s[ext+"authorizer"])["type"]))
		var mech string
		z := 0
		switch {
		case authtype == "cognito_user_pools" || atype == "cognito_user_pools":
			mech = "oidc"
			if scoped {
				z = 1
			}
		case atype == "jwt":
			mech = "jwt"
			if scoped {
				z = 1
			}
		case authtype == "custom" || atype == "token" || atype == "request":
			mech, z = "custom", -1 // the Lambda's policy decides
		case authtype == "awssigv4" || authtype == "aws_iam":
			mech, z = "aws-iam", 1
		case strings.EqualFold(str(s["type"]), "apiKey") && strings.EqualFold(str(s["in"]), "header") && strings.EqualFold(str(s["name"]), "x-api-key"):
			mech = "key-auth"
		default:
			continue // API Gateway ignores other schemes on import
		}
		mechs[mech] = true
		if z == 1 {
			if mech == "aws-iam" {
				authzMechs["aws-iam"] = true
			} else {
				authzMechs["scopes"] = true
			}
		}
		alt.enforced = true
		// Schemes of one requirement all apply: one that decides access
		// (IAM policy, scopes) makes the alternative authorizing; else a
		// custom authorizer leaves it unknown.
		switch {
		case z == 1:
			alt.authz = 1
		case z == -1 && alt.authz == 0:
			alt.authz = -1
		}
	}
	return alt, ok
}
