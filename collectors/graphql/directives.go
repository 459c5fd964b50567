package graphql

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// This file holds the directive conventions the facts are read from. Names
// are matched exactly (GraphQL names are case-sensitive) unless noted.

// authDirective describes a directive that requires authentication.
type authDirective struct {
	scheme  string // auth.schemes vocabulary; "" when the SDL does not say
	appsync bool   // an AWS AppSync authorization mode
}

// authDirectives are the conventions of AWS AppSync, Apollo Federation
// (and Router), AWS Amplify, Hot Chocolate, RedwoodJS, gqlgen and
// graphql-tools examples.
var authDirectives = map[string]authDirective{
	// AppSync authorization modes. Cognito user pools issue OpenID
	// Connect tokens; a Lambda authorizer is AppSync's custom mode.
	"aws_iam":                {"aws-iam", true},
	"aws_cognito_user_pools": {"openIdConnect", true},
	"aws_auth":               {"openIdConnect", true}, // legacy Cognito directive
	"aws_oidc":               {"openIdConnect", true},
	"aws_lambda":             {"aws-lambda", true},
	"aws_api_key":            {"apiKey", true},
	// Apollo Federation 2.5+ (enforced by the Router from a JWT).
	"authenticated":  {},
	"requiresScopes": {},
	"policy":         {},
	// Amplify @auth(rules: ...) is read rule by rule (see amplifyRules);
	// other @auth directives (gqlgen, graphql-tools) say nothing about
	// the scheme.
	"auth": {},
	// Common custom directives.
	"isAuthenticated": {}, "hasRole": {}, "hasRoles": {}, "hasScope": {}, "hasScopes": {},
	"hasPermission": {}, "hasPermissions": {}, "requireAuth": {}, "requiresAuth": {},
	"authorize": {}, // Hot Chocolate
	"secured":   {},
}

// publicDirectives mark a field as deliberately open to anonymous callers
// (RedwoodJS @skipAuth, and the obvious spellings).
var publicDirectives = setOf("public", "allowAll", "skipAuth")

// scopeArgs are argument names through which an auth directive restricts
// callers to a scope, group, role, permission or policy.
var scopeArgs = setOf("scopes", "scope", "groups", "cognito_groups", "groupsField", "roles", "role",
	"requires", "permission", "permissions", "policies", "policy")

// amplifyProviders maps Amplify @auth rule providers to schemes.
var amplifyProviders = map[string]string{
	"userPools": "openIdConnect", "oidc": "openIdConnect", "iam": "aws-iam", "identityPool": "aws-iam",
	"apiKey": "apiKey", "function": "aws-lambda",
}

// amplifyDefaultProvider is the provider of a rule that names none
// (Amplify documentation, "Customize your auth rules").
var amplifyDefaultProvider = map[string]string{
	"owner": "userPools", "groups": "userPools", "private": "userPools", "public": "apiKey", "custom": "function",
}

// costDirectives bound what one query may cost: IBM's cost spec and
// Apollo/Federation (@cost, @listSize), graphql-query-complexity and
// Hot Chocolate (@complexity, @cost), depth limiters, rate limiters.
var costDirectives = setOf("cost", "listSize", "complexity", "maxComplexity", "depth", "maxDepth", "rateLimit", "throttle")

// sensitivityDirectives annotate fields with what data they hold.
var sensitivityDirectives = setOf("sensitive", "pii", "private", "redact", "redacted", "mask", "masked",
	"encrypted", "dataClassification", "classification", "personalData", "phi", "pci", "confidential", "gdpr")

// notSensitive are classification values that classify data as not
// sensitive (the annotation is still evidence of classification).
var notSensitive = setOf("public", "none", "unclassified", "false")

// contactDirective is Apollo GraphOS's convention for naming the team
// behind a (sub)graph: extend schema @contact(name: "...", url: "...").
const contactDirective = "contact"

// argValue returns the argument named name, or nil.
func argValue(d *ast.Directive, name string) *ast.Value {
	for _, a := range d.Arguments {
		if a.Name == name {
			return a.Value
		}
	}
	return nil
}

// hasLeaf reports whether v holds at least one non-null scalar or enum
// value (an empty list or "" names nothing).
func hasLeaf(v *ast.Value) bool {
	if v == nil {
		return false
	}
	switch v.Kind {
	case ast.NullValue:
		return false
	case ast.ListValue, ast.ObjectValue:
		for _, c := range v.Children {
			if hasLeaf(c.Value) {
				return true
			}
		}
		return false
	case ast.StringValue, ast.BlockValue:
		return v.Raw != ""
	}
	return true
}

// authUse is what one auth directive use says.
type authUse struct {
	schemes []string
	scoped  bool
	appsync bool
}

// readAuth interprets d as an auth directive; ok is false for other
// directives.
func readAuth(d *ast.Directive) (u authUse, ok bool) {
	info, ok := authDirectives[d.Name]
	if !ok {
		return u, false
	}
	u.appsync = info.appsync
	if info.scheme != "" {
		u.schemes = []string{info.scheme}
	}
	if d.Name == "auth" {
		if rules := argValue(d, "rules"); rules != nil {
			return amplifyRules(rules), true
		}
	}
	for _, a := range d.Arguments {
		if scopeArgs[a.Name] && hasLeaf(a.Value) {
			u.scoped = true
		}
	}
	return u, true
}

// amplifyRules reads an Amplify @auth(rules: [{allow: groups, groups:
// ["Admin"], provider: userPools}, ...]).
func amplifyRules(rules *ast.Value) authUse {
	u := authUse{appsync: true}
	var list []*ast.Value
	if rules.Kind == ast.ListValue {
		for _, c := range rules.Children {
			list = append(list, c.Value)
		}
	} else {
		list = append(list, rules) // a single rule, coerced to a list
	}
	for _, r := range list {
		if r == nil || r.Kind != ast.ObjectValue {
			continue
		}
		var allow, provider string
		for _, c := range r.Children {
			switch c.Name {
			case "allow":
				allow = c.Value.Raw
			case "provider":
				provider = c.Value.Raw
			default:
				if scopeArgs[c.Name] && hasLeaf(c.Value) {
					u.scoped = true
				}
			}
		}
		if provider == "" {
			provider = amplifyDefaultProvider[allow]
		}
		if s := amplifyProviders[provider]; s != "" {
			u.schemes = append(u.schemes, s)
		}
	}
	return u
}

// sensitiveUse reports whether a sensitivity directive use marks data as
// sensitive: any use, unless an argument classifies it as public, none or
// unclassified, or is false.
func sensitiveUse(d *ast.Directive) bool {
	for _, a := range d.Arguments {
		if a.Value == nil {
			continue
		}
		switch a.Value.Kind {
		case ast.BooleanValue, ast.EnumValue, ast.StringValue:
			if notSensitive[strings.ToLower(a.Value.Raw)] {
				return false
			}
		}
	}
	return true
}

// bounds says which kinds of input a set of directives bounds.
type bounds struct{ str, num, list bool }

// boundsOf reads the constraint directives of an argument or input
// field: graphql-constraint-directive's @constraint (maxLength, pattern,
// format; max, exclusiveMax; maxItems), @length/@size(max) and @range(max)
// (graphql-java-extended-validation also spells them @Size, @Range, @Max,
// @DecimalMax, @Pattern, @ContainerSize), and @listSize. Names are
// compared case-insensitively because the Java convention capitalises.
func boundsOf(ds ast.DirectiveList) bounds {
	var b bounds
	for _, d := range ds {
		has := func(names ...string) bool {
			for _, n := range names {
				if argValue(d, n) != nil {
					return true
				}
			}
			return false
		}
		switch strings.ToLower(d.Name) {
		case "constraint":
			b.str = b.str || has("maxLength", "pattern", "format")
			b.num = b.num || has("max", "exclusiveMax")
			b.list = b.list || has("maxItems")
		case "length", "size":
			if has("max") {
				b.str, b.list = true, true
			}
		case "containersize":
			b.list = b.list || has("max")
		case "range":
			b.num = b.num || has("max")
		case "max", "decimalmax", "negative", "negativeorzero":
			b.num = true
		case "maxlength", "pattern":
			b.str = true
		case "maxitems", "listsize":
			b.list = true
		}
	}
	return b
}

// formatted reports whether a String field carries a format-ish
// directive: @constraint(format|pattern), @format, @pattern.
func formatted(ds ast.DirectiveList) bool {
	for _, d := range ds {
		switch strings.ToLower(d.Name) {
		case "format", "pattern":
			return true
		case "constraint":
			if argValue(d, "format") != nil || argValue(d, "pattern") != nil {
				return true
			}
		}
	}
	return false
}
