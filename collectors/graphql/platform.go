package graphql

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// site is where a directive is used.
type site int

const (
	siteSchema site = iota
	siteType
	siteField // object, interface or input object field
	siteArg
	siteEnumValue
	siteDirective // on a directive definition
)

// userPos reports whether pos is in a file of the schema (not the prelude
// or the synthesized platform definitions).
func userPos(pos *ast.Position) bool {
	return pos != nil && pos.Src != nil && !pos.Src.BuiltIn
}

// eachDirective calls fn for every directive used in the schema's own
// files, in document order. It runs before validation, while extensions
// are still apart from the types they extend, so each use is seen once.
func eachDirective(sd *ast.SchemaDocument, fn func(*ast.Directive, site)) {
	list := func(ds ast.DirectiveList, s site) {
		for _, d := range ds {
			fn(d, s)
		}
	}
	for _, sch := range sd.Schema {
		list(sch.Directives, siteSchema)
	}
	for _, sch := range sd.SchemaExtension {
		list(sch.Directives, siteSchema)
	}
	defs := func(dl ast.DefinitionList) {
		for _, d := range dl {
			if !userPos(d.Position) {
				continue
			}
			list(d.Directives, siteType)
			for _, f := range d.Fields {
				list(f.Directives, siteField)
				for _, a := range f.Arguments {
					list(a.Directives, siteArg)
				}
			}
			for _, v := range d.EnumValues {
				list(v.Directives, siteEnumValue)
			}
		}
	}
	defs(sd.Definitions)
	defs(sd.Extensions)
	dirs := func(dl ast.DirectiveDefinitionList) {
		for _, d := range dl {
			if !userPos(d.Position) {
				continue
			}
			list(d.Directives, siteDirective)
			for _, a := range d.Arguments {
				list(a.Directives, siteArg)
			}
		}
	}
	dirs(sd.Directives)
	dirs(sd.DirectiveExtensions)
}

// usage is what the schema's files use and define, by name.
type usage struct {
	used        map[string]map[string]bool // directive -> argument names used with it
	userDefined map[string]bool            // directives defined in the schema's files
	defined     map[string]bool            // directives defined anywhere (prelude included)
	refTypes    map[string]bool            // type names referenced
	defTypes    map[string]bool            // type names defined or extended
	synthesized []string                   // platform directives and types added
}

func scanUsage(sd *ast.SchemaDocument) *usage {
	u := &usage{used: map[string]map[string]bool{}, userDefined: map[string]bool{}, defined: map[string]bool{},
		refTypes: map[string]bool{}, defTypes: map[string]bool{}}
	eachDirective(sd, func(d *ast.Directive, _ site) {
		args := u.used[d.Name]
		if args == nil {
			args = map[string]bool{}
			u.used[d.Name] = args
		}
		for _, a := range d.Arguments {
			args[a.Name] = true
		}
	})
	for _, d := range sd.Directives {
		u.defined[d.Name] = true
		if userPos(d.Position) {
			u.userDefined[d.Name] = true
		}
		for _, a := range d.Arguments {
			u.refTypes[a.Type.Name()] = true
		}
	}
	defs := func(dl ast.DefinitionList) {
		for _, d := range dl {
			u.defTypes[d.Name] = true
			for _, f := range d.Fields {
				u.refTypes[f.Type.Name()] = true
				for _, a := range f.Arguments {
					u.refTypes[a.Type.Name()] = true
				}
			}
			for _, t := range d.Types {
				u.refTypes[t] = true
			}
			for _, t := range d.Interfaces {
				u.refTypes[t] = true
			}
		}
	}
	defs(sd.Definitions)
	defs(sd.Extensions)
	return u
}

// platformDirectives are directives that a platform provides without the
// schema declaring them: AWS AppSync (and its Amplify transformer), and
// Apollo Federation (imported with @link, or implicit in Federation 1
// subgraphs). A schema written for those platforms uses them undeclared;
// the validator, which follows the spec, would reject every such schema.
var platformDirectives = setOf(
	// AWS AppSync
	"aws_iam", "aws_cognito_user_pools", "aws_oidc", "aws_lambda", "aws_api_key", "aws_auth",
	"aws_subscribe", "aws_publish", "canonical", "hidden", "renamed",
	// AWS Amplify GraphQL transformer
	"model", "auth", "primaryKey", "index", "hasOne", "hasMany", "belongsTo", "manyToMany",
	"searchable", "function", "http", "predictions", "default", "mapsTo", "connection", "key",
	"versioned", "refersTo", "sql",
	// Apollo Federation 1 and 2
	"external", "requires", "provides", "extends", "shareable", "inaccessible", "override", "tag",
	"link", "composeDirective", "interfaceObject", "authenticated", "requiresScopes", "policy",
	"cost", "listSize", "context", "fromContext",
)

// platformTypes are scalars those platforms provide: AppSync's AWS*
// scalars and the Federation/link scalars their directives take.
var platformTypes = setOf(
	"AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL",
	"AWSPhone", "AWSIPAddress",
	"_Any", "_FieldSet", "FieldSet", "link__Import", "link__Purpose", "federation__FieldSet",
	"federation__Scope", "federation__Policy", "federation__ContextFieldValue",
)

// anyScalar types the arguments of synthesized directives: the validator
// checks argument names against the definition, not value types.
const anyScalar = "_PostureAny"

// platformSource names the synthesized definitions in messages.
const platformSource = "(platform definitions)"

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// isPlatformDirective reports whether name is provided by a platform,
// including Federation's namespaced form "federation__key".
func isPlatformDirective(name string) bool {
	if rest, ok := strings.CutPrefix(name, "federation__"); ok {
		return platformDirectives[rest]
	}
	return platformDirectives[name]
}

// synthesize declares the platform directives and scalars that the
// schema uses without declaring them: directives as repeatable, allowed
// everywhere, with the arguments the schema passes them; types as
// scalars. Anything else undeclared is left for the validator to report.
func synthesize(sd *ast.SchemaDocument, u *usage) {
	var b strings.Builder
	var dirs []string
	for name := range u.used {
		if !u.defined[name] && isPlatformDirective(name) {
			dirs = append(dirs, name)
		}
	}
	var types []string
	for name := range u.refTypes {
		if !u.defTypes[name] && platformTypes[name] {
			types = append(types, name)
		}
	}
	if len(dirs) == 0 && len(types) == 0 {
		return
	}
	sort.Strings(dirs)
	sort.Strings(types)
	for _, t := range types {
		b.WriteString("scalar " + t + "\n")
		u.synthesized = append(u.synthesized, t)
	}
	needAny := false
	for _, name := range dirs {
		b.WriteString("directive @" + name)
		args := make([]string, 0, len(u.used[name]))
		for a := range u.used[name] {
			// A reserved "__" name is left undeclared, so the validator
			// reports it where it is used.
			if !strings.HasPrefix(a, "__") {
				args = append(args, a)
			}
		}
		sort.Strings(args)
		if len(args) > 0 {
			needAny = true
			b.WriteString("(")
			for i, a := range args {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a + ": " + anyScalar)
			}
			b.WriteString(")")
		}
		b.WriteString(" repeatable on SCHEMA | SCALAR | OBJECT | FIELD_DEFINITION | ARGUMENT_DEFINITION | INTERFACE | UNION | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n")
		u.synthesized = append(u.synthesized, "@"+name)
	}
	if needAny && !u.defTypes[anyScalar] {
		b.WriteString("scalar " + anyScalar + "\n")
	}
	extra, err := parser.ParseSchema(&ast.Source{Name: platformSource, Input: b.String(), BuiltIn: true})
	if err != nil {
		// Names come from parsed input, so this cannot happen; if it did,
		// the validator reports the undeclared names instead.
		return
	}
	sd.Definitions = append(sd.Definitions, extra.Definitions...)
	sd.Directives = append(sd.Directives, extra.Directives...)
}
