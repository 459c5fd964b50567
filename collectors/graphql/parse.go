package graphql

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// File is one schema file: its display name (used in messages, evidence
// locations and the artifact) and its bytes.
type File struct {
	Name string
	Data []byte
}

// Options tune Parse.
type Options struct {
	// API, when set, names the API instead of the name given to Parse.
	API string
	// Owner is the owning team when the schema does not name one.
	Owner string
	// Endpoint is the GraphQL HTTP URL the schema is served at
	// ("https://api.github.com/graphql"); it becomes the API's base URL.
	Endpoint string
	// Limits bound the input. MaxBytes applies to all files together (a
	// schema split across files is one document to the parser), MaxDepth
	// to the nesting of brackets, braces and parentheses. Zero fields take
	// the safedecode defaults (64 MiB, 256).
	Limits safedecode.Limits
}

// Result is what one schema yields.
type Result struct {
	API       collectors.API
	Endpoints []collectors.Endpoint
	// Evidence holds the API-scope record first, then one record per
	// endpoint in the order of Endpoints. Records share the Artifact of
	// the file they come from.
	Evidence []collectors.Evidence
	// Warnings are problems that did not stop the parse: duplicate field
	// definitions tolerated, built-in scalars redeclared, no Query type.
	Warnings []string
}

// Error kinds, for errors.Is. Size and depth errors also match
// safedecode.ErrTooLarge and safedecode.ErrTooDeep.
var (
	ErrNotGraphQL  = errors.New("not a GraphQL schema")
	ErrSyntax      = errors.New("syntax error")
	ErrInvalid     = errors.New("invalid schema")
	ErrTooComplex  = errors.New("schema too complex")
	ErrParserPanic = errors.New("parser panic")
)

// Error is a schema that could not be read. Its text is
// "graphql: FILE[:LINE[:COLUMN]]: message".
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int // 1-based, in characters; 0 when unknown
	Msg    string
	Kind   error // one of the Err* kinds or a safedecode kind
	Err    error // the underlying error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("graphql: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes both the kind and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// contentType is the artifact type of SDL files. There is no registered
// media type for SDL; application/graphql is what tools serve it as.
const contentType = "application/graphql"

// Parse reads one GraphQL schema made of files (one, or several that
// together form one schema, e.g. with "extend type Query") and returns the
// API named name (or opt.API), one endpoint per root field and the
// evidence about them. It is a pure function of its arguments, never
// panics and bounds its work by opt.Limits. Errors are *Error values naming
// the file and, where there is one, the line and column.
func Parse(name string, files []File, opt Options) (res *Result, err error) {
	p := &parse{name: name, files: files, opt: opt, lim: opt.Limits.Normalize()}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: p.current(), Kind: ErrParserPanic,
				Msg: fmt.Sprintf("internal error while reading the schema: %v", r)}
		}
	}()
	return p.run()
}

// parse holds the state of one Parse call.
type parse struct {
	name     string
	files    []File
	opt      Options
	lim      safedecode.Limits
	warnings []string
	at       string // the file being read, for a recovered panic
}

func (p *parse) current() string {
	if p.at != "" {
		return p.at
	}
	if len(p.files) > 0 {
		return p.files[0].Name
	}
	return p.name
}

func (p *parse) warnf(pos *ast.Position, format string, args ...any) {
	if len(p.warnings) >= 1000 {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if pos != nil && pos.Src != nil {
		msg = fmt.Sprintf("%s:%d:%d: %s", pos.Src.Name, pos.Line, pos.Column, msg)
	}
	p.warnings = append(p.warnings, msg)
}

func (p *parse) run() (*Result, error) {
	if len(p.files) == 0 {
		return nil, &Error{File: p.name, Kind: ErrNotGraphQL, Msg: "no schema files"}
	}
	var total int64
	srcs := make([]*ast.Source, 0, len(p.files)+1)
	srcs = append(srcs, validator.Prelude)
	names := make(map[string]bool, len(p.files))
	for _, f := range p.files {
		p.at = f.Name
		// Names identify files in messages, locations and artifacts.
		if names[f.Name] || f.Name == "" || f.Name == platformSource {
			return nil, &Error{File: f.Name, Kind: ErrNotGraphQL, Msg: "file name empty, reserved or given twice"}
		}
		names[f.Name] = true
		total += int64(len(f.Data))
		if err := safedecode.CheckSize(f.Name, total, p.lim); err != nil {
			msg := fmt.Sprintf("input exceeds the size limit of %s", humanBytes(p.lim.MaxBytes))
			if len(p.files) > 1 {
				msg = fmt.Sprintf("the schema files exceed the size limit of %s in total", humanBytes(p.lim.MaxBytes))
			}
			return nil, &Error{File: f.Name, Kind: safedecode.ErrTooLarge, Msg: msg, Err: err}
		}
		if err := checkNesting(f.Name, f.Data, p.lim.MaxDepth); err != nil {
			return nil, err
		}
		if classify(f.Data) == docExecutable {
			return nil, &Error{File: f.Name, Kind: ErrNotGraphQL,
				Msg: "an executable document (query, mutation, subscription or fragment), not a schema"}
		}
		srcs = append(srcs, &ast.Source{Name: f.Name, Input: string(f.Data)})
	}
	p.at = ""
	sd, err := parser.ParseSchemas(srcs...)
	if err != nil {
		return nil, p.fromGQL(err, ErrSyntax)
	}
	if empty(sd) {
		return nil, &Error{File: p.files[0].Name, Kind: ErrNotGraphQL, Msg: "no type system definitions"}
	}
	p.lenient(sd)
	u := scanUsage(sd)
	synthesize(sd, u)
	if err := p.checkComplexity(sd); err != nil {
		return nil, err
	}
	schema, err := validator.ValidateSchemaDocument(sd)
	if err != nil {
		return nil, p.fromGQL(err, ErrInvalid)
	}
	return p.build(sd, schema, u), nil
}

// empty reports whether a parsed document holds nothing but the prelude.
func empty(sd *ast.SchemaDocument) bool {
	user := func(pos *ast.Position) bool { return pos != nil && pos.Src != nil && !pos.Src.BuiltIn }
	for _, d := range sd.Definitions {
		if user(d.Position) {
			return false
		}
	}
	for _, d := range sd.Directives {
		if user(d.Position) {
			return false
		}
	}
	return len(sd.Extensions) == 0 && len(sd.Schema) == 0 && len(sd.SchemaExtension) == 0 && len(sd.DirectiveExtensions) == 0
}

// fromGQL turns a gqlparser error into an *Error with the file, line and
// column it carries.
func (p *parse) fromGQL(err error, kind error) *Error {
	e := &Error{File: p.current(), Kind: kind, Msg: err.Error(), Err: err}
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		e.Msg = ge.Message
		if f, ok := ge.Extensions["file"].(string); ok && f != "" {
			e.File = f
		}
		if len(ge.Locations) > 0 && ge.Locations[0].Line > 0 {
			e.Line, e.Column = ge.Locations[0].Line, max(ge.Locations[0].Column, 0)
		}
		if strings.HasPrefix(ge.Message, "Unexpected <Invalid>") {
			p.lexError(e)
		}
	}
	return e
}

// lexError replaces the parser's "Unexpected <Invalid>", which is all
// gqlparser says about a bad token, by the lexer's own message and place
// ("Unterminated string."): the file is lexed again up to its first error.
// This only runs on the error path.
func (p *parse) lexError(e *Error) {
	for _, f := range p.files {
		if f.Name != e.File {
			continue
		}
		lx := lexer.New(&ast.Source{Name: f.Name, Input: string(f.Data)})
		for {
			tok, err := lx.ReadToken()
			var ge *gqlerror.Error
			if errors.As(err, &ge) {
				e.Msg = ge.Message
				if len(ge.Locations) > 0 && ge.Locations[0].Line > 0 {
					e.Line, e.Column = ge.Locations[0].Line, max(ge.Locations[0].Column, 0)
				}
				return
			}
			if err != nil || tok.Kind == lexer.EOF {
				return
			}
		}
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// builtinScalars are the scalars of the GraphQL prelude.
var builtinScalars = map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}

// lenient repairs two defects of real published schemas that the
// validator would reject although every server and client accepts them:
//
//   - a field defined twice in one type with the same signature (GitHub's
//     public schema, octokit/graphql-schema at 82ff2d4, defines
//     EnterpriseOwnerInfo.repositoryDeployKeySetting and
//     ...SettingOrganizations twice, identically): the later copy is
//     dropped with a warning. Different signatures stay an error;
//   - a "scalar String" (or Int, Float, Boolean, ID) declaration, which some
//     schema printers emit: dropped with a warning.
func (p *parse) lenient(sd *ast.SchemaDocument) {
	type key struct{ typ, field string }
	first := map[key]*ast.FieldDefinition{}
	dedupe := func(d *ast.Definition) {
		if !userPos(d.Position) {
			return
		}
		keep := d.Fields[:0]
		for _, f := range d.Fields {
			k := key{d.Name, f.Name}
			prev, dup := first[k]
			if !dup {
				first[k] = f
			} else if fieldSignature(prev) == fieldSignature(f) {
				p.warnf(f.Position, "field %s.%s is defined twice with the same signature; the definition at line %d is used",
					d.Name, f.Name, prev.Position.Line)
				continue
			}
			keep = append(keep, f)
		}
		clear(d.Fields[len(keep):])
		d.Fields = keep
	}
	defs := sd.Definitions[:0]
	for _, d := range sd.Definitions {
		if d.Kind == ast.Scalar && builtinScalars[d.Name] && userPos(d.Position) {
			p.warnf(d.Position, "built-in scalar %s redeclared; the declaration is ignored", d.Name)
			continue
		}
		defs = append(defs, d)
	}
	clear(sd.Definitions[len(defs):])
	sd.Definitions = defs
	for _, d := range sd.Definitions {
		dedupe(d)
	}
	for _, d := range sd.Extensions {
		dedupe(d)
	}
}

// fieldSignature is what must match for two definitions of a field to be
// the same: type, arguments (with defaults) and directives.
func fieldSignature(f *ast.FieldDefinition) string {
	var b strings.Builder
	b.WriteString(f.Type.String())
	for _, a := range f.Arguments {
		b.WriteString("|")
		b.WriteString(a.Name)
		b.WriteString(":")
		b.WriteString(a.Type.String())
		if a.DefaultValue != nil {
			b.WriteString("=")
			b.WriteString(a.DefaultValue.String())
		}
		writeDirectives(&b, a.Directives)
	}
	b.WriteString("|")
	writeDirectives(&b, f.Directives)
	return b.String()
}

func writeDirectives(b *strings.Builder, ds ast.DirectiveList) {
	for _, d := range ds {
		b.WriteString("@")
		b.WriteString(d.Name)
		for _, a := range d.Arguments {
			b.WriteString(" ")
			b.WriteString(a.Name)
			b.WriteString(":")
			b.WriteString(a.Value.String())
		}
	}
}

// complexityBudget bounds the work of the validator's pairwise checks
// (see checkComplexity). GitHub's 1.2 MB schema costs about 0.37 million.
const complexityBudget = 50_000_000

// checkComplexity refuses schemas on which gqlparser's validator would
// take quadratic time: it compares every field of a type with every other
// field (and likewise enum values, union members, interfaces, arguments,
// and the fields of each implemented interface with the implementing
// type's), so one type with 200,000 fields (2 MB of SDL) would keep it
// busy for minutes. The estimate is the sum of those pair counts; it is
// computed with maps in linear time.
func (p *parse) checkComplexity(sd *ast.SchemaDocument) error {
	// The definition and extensions of each type, merged as the validator
	// merges them.
	type shape struct {
		defs                                    []*ast.Definition
		fields, enums, members, ifaces, maxArgs int
	}
	shapes := map[string]*shape{}
	add := func(d *ast.Definition) {
		s := shapes[d.Name]
		if s == nil {
			s = &shape{}
			shapes[d.Name] = s
		}
		s.defs = append(s.defs, d)
		s.fields += len(d.Fields)
		s.enums += len(d.EnumValues)
		s.members += len(d.Types)
		s.ifaces += len(d.Interfaces)
		for _, f := range d.Fields {
			s.maxArgs = max(s.maxArgs, len(f.Arguments))
		}
	}
	for _, d := range sd.Definitions {
		add(d)
	}
	for _, d := range sd.Extensions {
		add(d)
	}
	dirArgs := map[string]int{}
	for _, d := range sd.Directives {
		dirArgs[d.Name] = len(d.Arguments)
	}
	// Members of each interface or union, for isCovariant's loop.
	possible := map[string]int{}
	for name, s := range shapes {
		for _, d := range s.defs {
			for _, in := range d.Interfaces {
				possible[in]++
			}
		}
		possible[name] += s.members
	}
	var cost int64
	var worst *ast.Position
	var worstWhat string
	var worstCost int64
	// charge adds c and reports whether it is the largest share so far
	// (the caller then describes it: formatting every share would cost
	// more than the estimate saves).
	charge := func(c int64, pos *ast.Position) bool {
		cost += c
		if c > worstCost {
			worst, worstCost = pos, c
			return true
		}
		return false
	}
	sq := func(n int) int64 { return int64(n) * int64(n) }
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := shapes[n]
		pos := s.defs[0].Position
		if charge(sq(s.fields)+sq(s.enums)+sq(s.members)+sq(s.ifaces), pos) {
			worstWhat = fmt.Sprintf("type %s (%d fields, %d enum values, %d union members)", n, s.fields, s.enums, s.members)
		}
		for _, d := range s.defs {
			for _, in := range d.Interfaces {
				is := shapes[in]
				if is == nil {
					continue
				}
				// Each interface field is looked up among the type's
				// fields, its arguments among the field's, and its type
				// among the possible types of the interface field's type.
				c := int64(is.fields)*int64(s.fields) + int64(is.ifaces)*int64(s.ifaces)
				for _, id := range is.defs {
					for _, f := range id.Fields {
						c += int64(len(f.Arguments)) * int64(len(f.Arguments)+s.maxArgs)
						c += int64(possible[f.Type.Name()])
					}
				}
				if charge(c, pos) {
					worstWhat = fmt.Sprintf("type %s implementing %s", n, in)
				}
			}
		}
	}
	field := func(d *ast.Definition) {
		for _, f := range d.Fields {
			if charge(sq(len(f.Arguments)), f.Position) {
				worstWhat = fmt.Sprintf("field %s.%s (%d arguments)", d.Name, f.Name, len(f.Arguments))
			}
		}
	}
	for _, d := range sd.Definitions {
		field(d)
	}
	for _, d := range sd.Extensions {
		field(d)
	}
	for _, d := range sd.Directives {
		if charge(sq(len(d.Arguments)), d.Position) {
			worstWhat = fmt.Sprintf("directive @%s (%d arguments)", d.Name, len(d.Arguments))
		}
	}
	eachDirective(sd, func(d *ast.Directive, _ site) {
		n := len(d.Arguments)
		if charge(sq(n)+int64(n)*int64(dirArgs[d.Name]), d.Position) {
			worstWhat = fmt.Sprintf("@%s (%d arguments)", d.Name, n)
		}
	})
	if cost <= complexityBudget {
		return nil
	}
	e := &Error{File: p.current(), Kind: ErrTooComplex,
		Msg: fmt.Sprintf("schema too complex to validate: %d pairwise checks exceed the limit of %d; the largest share comes from %s",
			cost, int64(complexityBudget), worstWhat)}
	if worst != nil && worst.Src != nil {
		e.File, e.Line, e.Column = worst.Src.Name, worst.Line, worst.Column
	}
	return e
}
