package graphql

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/posture-dev/posture/collectors"
)

// maxSensitiveFields caps data.sensitive_fields per endpoint.
const maxSensitiveFields = 100

// schemaFacts is what the whole schema says, gathered once.
type schemaFacts struct {
	usesAuth        bool // an auth or public directive is declared or used
	appsync         bool // AppSync authorization modes are in use
	usesSensitivity bool
	schemes         map[string]bool
	cost            map[string]bool
	owner, contact  string
}

func gatherSchema(sd *ast.SchemaDocument, u *usage) *schemaFacts {
	sf := &schemaFacts{schemes: map[string]bool{}, cost: map[string]bool{}}
	note := func(name string) {
		if _, ok := authDirectives[name]; ok || publicDirectives[name] {
			sf.usesAuth = true
		}
		if info, ok := authDirectives[name]; ok && info.appsync {
			sf.appsync = true
		}
		if sensitivityDirectives[name] {
			sf.usesSensitivity = true
		}
	}
	eachDirective(sd, func(d *ast.Directive, s site) {
		note(d.Name)
		if a, ok := readAuth(d); ok {
			sf.appsync = sf.appsync || a.appsync
			for _, sc := range a.schemes {
				sf.schemes[sc] = true
			}
		}
		if costDirectives[d.Name] {
			sf.cost[d.Name] = true
		}
		if s == siteSchema && d.Name == contactDirective {
			if v := argValue(d, "name"); v != nil && v.Raw != "" && sf.owner == "" {
				sf.owner = v.Raw
			}
			if v := argValue(d, "url"); v != nil && v.Raw != "" && sf.contact == "" {
				sf.contact = v.Raw
			}
		}
	})
	for name := range u.userDefined {
		note(name)
		if info, ok := authDirectives[name]; ok && info.scheme != "" {
			sf.schemes[info.scheme] = true
		}
	}
	return sf
}

// typeGraph holds the per-type results of one pass over the schema's
// type graph: output types lead to their fields' types and, for
// interfaces and unions, to their possible types; input objects to their
// fields' types. Strongly connected components (recursive types) are
// condensed so every type is evaluated once, in time linear in the
// number of fields.
type typeGraph struct {
	s     *ast.Schema
	index map[string]int32
	comp  []int32
	// Per component: every String field is semantic; every input field is
	// bounded; something reachable is annotated; the smallest sensitive
	// coordinates reachable.
	semantic, bounded, annotated []bool
	sensitive                    [][]string
}

func newTypeGraph(s *ast.Schema, withSensitivity bool) *typeGraph {
	names := make([]string, 0, len(s.Types))
	for n := range s.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	g := &typeGraph{s: s, index: make(map[string]int32, len(names))}
	for i, n := range names {
		g.index[n] = int32(i)
	}
	succ := make([][]int32, len(names))
	for i, n := range names {
		def := s.Types[n]
		add := func(t string) {
			if j, ok := g.index[t]; ok {
				succ[i] = append(succ[i], j)
			}
		}
		switch def.Kind {
		case ast.Object, ast.Interface, ast.InputObject:
			for _, f := range def.Fields {
				if !strings.HasPrefix(f.Name, "__") {
					add(f.Type.Name())
				}
			}
		}
		if def.Kind == ast.Interface || def.Kind == ast.Union {
			for _, pt := range s.PossibleTypes[n] {
				add(pt.Name)
			}
		}
	}
	var ncomp int32
	g.comp, ncomp = sccs(succ)
	members := make([][]int32, ncomp)
	for v, c := range g.comp {
		members[c] = append(members[c], int32(v))
	}
	g.semantic = make([]bool, ncomp)
	g.bounded = make([]bool, ncomp)
	g.annotated = make([]bool, ncomp)
	g.sensitive = make([][]string, ncomp)
	seen := make([]int32, ncomp) // successor components already merged into c, marked c+1
	for c := range ncomp {
		sem, bnd, ann := true, true, false
		var sens []string
		for _, v := range members[c] {
			def := s.Types[names[v]]
			sem = sem && semanticLocal(def)
			bnd = bnd && g.boundedLocal(def)
			if withSensitivity {
				a, l := sensitivityLocal(def)
				ann = ann || a
				sens = mergeCapped(sens, l)
			}
			for _, w := range succ[v] {
				wc := g.comp[w]
				if wc == c || seen[wc] == c+1 {
					continue
				}
				seen[wc] = c + 1
				sem = sem && g.semantic[wc]
				bnd = bnd && g.bounded[wc]
				ann = ann || g.annotated[wc]
				sens = mergeCapped(sens, g.sensitive[wc])
			}
		}
		g.semantic[c], g.bounded[c], g.annotated[c], g.sensitive[c] = sem, bnd, ann, sens
	}
	return g
}

// semanticLocal: every String field of an object or interface has a
// format-ish directive.
func semanticLocal(def *ast.Definition) bool {
	if def.Kind != ast.Object && def.Kind != ast.Interface {
		return true
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if f.Type.Name() == "String" && !formatted(f.Directives) {
			return false
		}
	}
	return true
}

// boundedLocal: every field of an input object is bounded, input objects
// it refers to being checked as successors.
func (g *typeGraph) boundedLocal(def *ast.Definition) bool {
	if def.Kind != ast.InputObject {
		return true
	}
	for _, f := range def.Fields {
		if !g.inputBounded(f.Type, f.Directives, nil) {
			return false
		}
	}
	return true
}

// inputBounded reports whether an argument or input field of type t with
// directives ds is bounded. A list needs a list bound; its elements (or
// the value) then need one of their kind: String and ID a length,
// pattern or format; Int and Float a maximum. Boolean, enums and custom
// scalars are bounded; an input object is bounded when object says so
// (nil: assumed, its fields being checked on their own).
func (g *typeGraph) inputBounded(t *ast.Type, ds ast.DirectiveList, object func(name string) bool) bool {
	b := boundsOf(ds)
	if t.Elem != nil && !b.list {
		return false
	}
	for t.Elem != nil {
		t = t.Elem
	}
	switch t.NamedType {
	case "String", "ID":
		return b.str
	case "Int", "Float":
		return b.num
	case "Boolean":
		return true
	}
	def := g.s.Types[t.NamedType]
	if def == nil {
		return false
	}
	switch def.Kind {
	case ast.Enum, ast.Scalar:
		return true
	case ast.InputObject:
		return object == nil || object(t.NamedType)
	}
	return false
}

// sensitivityLocal returns whether a type or its fields carry
// sensitivity annotations, and the schema coordinates ("Type",
// "Type.field") of those that mark data sensitive, sorted.
func sensitivityLocal(def *ast.Definition) (annotated bool, coords []string) {
	check := func(ds ast.DirectiveList, coord string) {
		marked := false
		for _, d := range ds {
			if sensitivityDirectives[d.Name] {
				annotated = true
				marked = marked || sensitiveUse(d)
			}
		}
		if marked {
			coords = append(coords, coord)
		}
	}
	check(def.Directives, def.Name)
	if def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.InputObject {
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				check(f.Directives, def.Name+"."+f.Name)
			}
		}
	}
	sort.Strings(coords)
	if len(coords) > maxSensitiveFields {
		coords = coords[:maxSensitiveFields]
	}
	return annotated, coords
}

// mergeCapped returns the sorted union of two sorted lists, cut to the
// first maxSensitiveFields. Keeping only the smallest entries per
// component is exact: an entry among the smallest of a union is among
// the smallest of the list it came from.
func mergeCapped(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, min(len(a)+len(b), maxSensitiveFields))
	i, j := 0, 0
	for len(out) < maxSensitiveFields && (i < len(a) || j < len(b)) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default: // equal
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// sccs numbers the strongly connected components of the graph (Tarjan's
// algorithm, iterative so that a chain of a million types cannot exhaust
// the stack). Components are numbered in reverse topological order: every
// edge leads to a component with the same or a smaller number.
func sccs(succ [][]int32) (comp []int32, ncomp int32) {
	n := len(succ)
	index := make([]int32, n) // 0: not visited yet
	low := make([]int32, n)
	onStack := make([]bool, n)
	comp = make([]int32, n)
	var stack []int32
	type frame struct {
		v    int32
		next int
	}
	var call []frame
	var counter int32
	visit := func(v int32) {
		counter++
		index[v], low[v] = counter, counter
		stack = append(stack, v)
		onStack[v] = true
		call = append(call, frame{v: v})
	}
	for root := range int32(n) {
		if index[root] != 0 {
			continue
		}
		visit(root)
		for len(call) > 0 {
			top := &call[len(call)-1]
			v := top.v
			if top.next < len(succ[v]) {
				w := succ[v][top.next]
				top.next++
				if index[w] == 0 {
					visit(w)
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				ncomp++
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				if u := call[len(call)-1].v; low[v] < low[u] {
					low[u] = low[v]
				}
			}
		}
	}
	return comp, ncomp
}

// authLevel is what the directives at one level (the field, its root
// type, its return type) say about authentication.
type authLevel struct {
	uses   []authUse
	public bool
}

func readLevel(ds ast.DirectiveList) authLevel {
	var l authLevel
	for _, d := range ds {
		if a, ok := readAuth(d); ok {
			l.uses = append(l.uses, a)
		}
		if publicDirectives[d.Name] {
			l.public = true
		}
	}
	return l
}

// authFacts sets the auth.* facts of a root field; see doc.go.
func authFacts(f collectors.Facts, sf *schemaFacts, levels ...authLevel) {
	var first *authLevel
	for i := range levels {
		if len(levels[i].uses) > 0 || levels[i].public {
			first = &levels[i]
			break
		}
	}
	switch {
	case first == nil:
		if sf.usesAuth && !sf.appsync {
			f[collectors.FactAuthDeclared] = false
			f[collectors.FactAuthScopesDeclared] = false
		}
	case len(first.uses) == 0:
		f[collectors.FactAuthDeclared] = false
		f[collectors.FactAuthPublic] = true
	default:
		f[collectors.FactAuthDeclared] = true
		schemes := map[string]bool{}
		for _, u := range first.uses {
			for _, s := range u.schemes {
				schemes[s] = true
			}
		}
		if len(schemes) > 0 {
			f[collectors.FactAuthSchemes] = sortedKeys(schemes)
		}
		scoped := false
		for _, l := range levels {
			for _, u := range l.uses {
				scoped = scoped || u.scoped
			}
		}
		f[collectors.FactAuthScopesDeclared] = scoped
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// firstLine returns the first non-empty line of a description, trimmed.
func firstLine(s string) string {
	for ln := range strings.SplitSeq(s, "\n") {
		if t := strings.TrimSpace(ln); t != "" {
			return t
		}
	}
	return ""
}

// build turns the validated schema into the result.
func (p *parse) build(sd *ast.SchemaDocument, s *ast.Schema, u *usage) *Result {
	name := p.opt.API
	if name == "" {
		name = p.name
	}
	sf := gatherSchema(sd, u)
	arts := make(map[string]*collectors.Artifact, len(p.files))
	for _, f := range p.files {
		arts[f.Name] = &collectors.Artifact{Name: f.Name, ContentType: contentType, Data: f.Data}
	}
	artOf := func(pos *ast.Position) *collectors.Artifact {
		if pos != nil && pos.Src != nil {
			if a := arts[pos.Src.Name]; a != nil {
				return a
			}
		}
		return arts[p.files[0].Name]
	}

	res := &Result{API: collectors.API{Name: name, Title: name, Description: strings.TrimSpace(s.Description),
		Owner: p.opt.Owner, Contact: sf.contact}}
	if sf.owner != "" {
		res.API.Owner = sf.owner
	}
	if p.opt.Endpoint != "" {
		res.API.BaseURLs = []string{p.opt.Endpoint}
	}
	// The API record points at the file with the schema definition, else
	// the one defining Query, else the first.
	apiPos := (*ast.Position)(nil)
	if len(sd.Schema) > 0 {
		apiPos = sd.Schema[0].Position
	} else if s.Query != nil {
		apiPos = s.Query.Position
	}
	apiArt := artOf(apiPos)
	if s.Query == nil {
		p.warnf(nil, "the schema defines no Query root type")
	}

	g := newTypeGraph(s, sf.usesSensitivity)
	compOf := func(t string) (int32, bool) {
		i, ok := g.index[t]
		if !ok {
			return 0, false
		}
		return g.comp[i], true
	}
	roots := []struct {
		def    *ast.Definition
		method string
	}{{s.Query, collectors.GraphQLQuery}, {s.Mutation, collectors.GraphQLMutation}, {s.Subscription, collectors.GraphQLSubscription}}
	var evidence []collectors.Evidence
	for _, r := range roots {
		if r.def == nil {
			continue
		}
		rootLevel := readLevel(r.def.Directives)
		for _, f := range r.def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			ep := collectors.Endpoint{API: name, Protocol: collectors.ProtocolGraphQL, Method: r.method, Path: f.Name,
				Summary: firstLine(f.Description), Deprecated: f.Directives.ForName("deprecated") != nil}
			facts := collectors.Facts{
				collectors.FactRequestSchemaDefined:  true,
				collectors.FactRequestStrict:         true,
				collectors.FactResponseSchemaDefined: true,
				collectors.FactDeprecated:            ep.Deprecated,
			}
			// request.bounded
			bounded := true
			for _, a := range f.Arguments {
				ok := g.inputBounded(a.Type, a.Directives, func(t string) bool {
					c, ok := compOf(t)
					return ok && g.bounded[c]
				})
				if !ok {
					bounded = false
					break
				}
			}
			facts[collectors.FactRequestBounded] = bounded
			// data.semantic_types
			ret := f.Type.Name()
			semantic := ret != "String" || formatted(f.Directives)
			if c, ok := compOf(ret); ok {
				semantic = semantic && g.semantic[c]
			}
			facts[collectors.FactDataSemanticTypes] = semantic
			// auth.*
			levels := []authLevel{readLevel(f.Directives), rootLevel}
			if rd := s.Types[ret]; rd != nil {
				levels = append(levels, readLevel(rd.Directives))
			}
			authFacts(facts, sf, levels...)
			// data.sensitivity_annotated / data.sensitive_fields
			if sf.usesSensitivity {
				coord := r.def.Name + "." + f.Name
				ann, sens := sensitivityOf(f.Directives, coord)
				if c, ok := compOf(ret); ok {
					ann = ann || g.annotated[c]
					sens = mergeCapped(sens, g.sensitive[c])
				}
				for _, a := range f.Arguments {
					aa, as := sensitivityOf(a.Directives, fmt.Sprintf("%s(%s:)", coord, a.Name))
					ann = ann || aa
					sens = mergeCapped(sens, as)
					if c, ok := compOf(a.Type.Name()); ok {
						ann = ann || g.annotated[c]
						sens = mergeCapped(sens, g.sensitive[c])
					}
				}
				facts[collectors.FactDataSensitivityAnnotated] = ann
				if len(sens) > 0 {
					facts[collectors.FactDataSensitiveFields] = sens
				}
			}
			loc := fmt.Sprintf("%s.%s", r.def.Name, f.Name)
			if f.Position != nil && f.Position.Src != nil {
				loc = fmt.Sprintf("%s:%d %s", f.Position.Src.Name, f.Position.Line, loc)
			}
			res.Endpoints = append(res.Endpoints, ep)
			evidence = append(evidence, collectors.Evidence{API: name, Endpoint: ep.Key(), Artifact: artOf(f.Position),
				Location: loc, Facts: facts})
		}
	}

	apiFacts := collectors.Facts{
		collectors.FactSpecPresent:    true,
		collectors.FactSpecFormat:     "graphql",
		collectors.FactSpecOperations: int64(len(res.Endpoints)),
	}
	if len(sf.schemes) > 0 {
		apiFacts[collectors.FactSpecSecuritySchemes] = sortedKeys(sf.schemes)
	}
	if len(sf.cost) > 0 {
		apiFacts[collectors.FactGraphQLCostDirectives] = sortedKeys(sf.cost)
	}
	if sf.owner != "" {
		apiFacts[collectors.FactInventoryOwner] = sf.owner
	}
	res.Evidence = make([]collectors.Evidence, 0, len(evidence)+1)
	res.Evidence = append(res.Evidence, collectors.Evidence{API: name, Artifact: apiArt, Location: apiArt.Name, Facts: apiFacts})
	res.Evidence = append(res.Evidence, evidence...)
	res.Warnings = p.warnings
	return res
}

// sensitivityOf reads the sensitivity directives of one field or
// argument at coord.
func sensitivityOf(ds ast.DirectiveList, coord string) (annotated bool, coords []string) {
	for _, d := range ds {
		if sensitivityDirectives[d.Name] {
			annotated = true
			if sensitiveUse(d) {
				return true, []string{coord}
			}
		}
	}
	return annotated, nil
}
