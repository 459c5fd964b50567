package openapi

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	yaml "github.com/pb33f/go-yaml"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// tri is a three-valued fact: unknown facts are left out of the evidence.
type tri uint8

const (
	yes tri = iota
	no
	unknown
)

// and combines: false wins, then unknown.
func (a tri) and(b tri) tri {
	if a == no || b == no {
		return no
	}
	if a == unknown || b == unknown {
		return unknown
	}
	return yes
}

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// flagTri turns "flag f set somewhere" into a fact that is true when it is
// not set, unknown when something could not be followed.
func flagTri(a agg, f flags) tri {
	if a.f&f != 0 {
		return no
	}
	if a.f&fUnresolved != 0 {
		return unknown
	}
	return yes
}

func (t tri) set(f collectors.Facts, key string) {
	if t != unknown {
		f[key] = t == yes
	}
}

// opRef is one operation found under /paths.
type opRef struct {
	method string // upper case
	path   string // path template as written
	item   loc    // the (resolved) path item
	op     loc    // the operation object
	ptr    string // where it is declared: /paths/~1a/get
}

var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true,
}

// operations lists the operations under /paths in document order and
// counts the path items.
func (p *parser) operations() ([]opRef, int, error) {
	root := p.main.root
	paths := get(root, "paths")
	if paths == nil || (paths.Kind == yaml.ScalarNode && paths.Tag == "!!null") {
		if p.minor < 1 {
			p.warnf(loc{}, "the document has no paths")
		}
		return nil, 0, nil
	}
	if !isMap(paths) {
		return nil, 0, p.errorf(ErrInvalid, nil, line(paths), "/paths", "must be an object, not %s", kindName(paths))
	}
	var ops []opRef
	n := 0
	seen := map[string]bool{}
	for _, kv := range pairs(paths) {
		if isExtension(kv.Key) {
			continue
		}
		n++
		itemPtr := child("/paths", kv.Key)
		it, ok, err := p.res.resolve(loc{p.main, kv.Value, itemPtr}, false)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			p.warnf(loc{p.main, nil, itemPtr}, "path item not available; its operations are not counted")
			continue
		}
		if it.node == nil || (it.node.Kind == yaml.ScalarNode && it.node.Tag == "!!null") {
			continue
		}
		if !isMap(it.node) {
			return nil, 0, p.errorf(ErrInvalid, it.doc, line(it.node), it.ptr, "path item must be an object, not %s", kindName(it.node))
		}
		addOp := func(method, key string, node *yaml.Node, base string) error {
			o := opRef{method: method, path: kv.Key, item: it,
				op: loc{it.doc, node, child(base, key)}, ptr: child(strings.Replace(base, it.ptr, itemPtr, 1), key)}
			if !isMap(node) {
				return p.errorf(ErrInvalid, it.doc, line(node), o.op.ptr, "operation must be an object, not %s", kindName(node))
			}
			// Swagger 2.0 and OpenAPI 3.0 require responses on every
			// operation (3.1 made them optional). A missing one is also
			// how a spec cut off mid-file usually shows: keep it an error.
			if p.minor <= 0 && get(node, "responses") == nil {
				return p.errorf(ErrInvalid, it.doc, line(node), o.op.ptr, "operation has no responses (required in %s)", p.versionName())
			}
			if ps := get(node, "parameters"); ps != nil && ps.Kind != yaml.SequenceNode {
				return p.errorf(ErrInvalid, it.doc, line(ps), child(o.op.ptr, "parameters"), "must be an array, not %s", kindName(ps))
			}
			if k := method + " " + kv.Key; seen[k] {
				p.warnf(o.op, "duplicate operation %s ignored", k)
				return nil
			} else {
				seen[k] = true
			}
			ops = append(ops, o)
			return nil
		}
		for _, okv := range pairs(it.node) {
			var err error
			switch {
			case httpMethods[okv.Key] || (okv.Key == "query" && p.minor >= 2):
				err = addOp(strings.ToUpper(okv.Key), okv.Key, okv.Value, it.ptr)
			case okv.Key == "additionalOperations" && p.minor >= 2:
				base := child(it.ptr, okv.Key)
				for _, m := range pairs(okv.Value) {
					if err = addOp(strings.ToUpper(m.Key), m.Key, m.Value, base); err != nil {
						break
					}
				}
			}
			if err != nil {
				return nil, 0, err
			}
		}
	}
	return ops, n, nil
}

// versionName is "Swagger 2.0" or "OpenAPI 3.x".
func (p *parser) versionName() string {
	if p.minor < 0 {
		return "Swagger 2.0"
	}
	return fmt.Sprintf("OpenAPI 3.%d", p.minor)
}

// securitySchemes maps each declared scheme name to its type label.
func (p *parser) securitySchemes() (map[string]string, error) {
	out := map[string]string{}
	var defs *yaml.Node
	var base string
	if p.format == "swagger" {
		defs, base = get(p.main.root, "securityDefinitions"), "/securityDefinitions"
	} else {
		defs, base = get(get(p.main.root, "components"), "securitySchemes"), "/components/securitySchemes"
	}
	for _, kv := range pairs(defs) {
		l, ok, err := p.res.resolve(loc{p.main, kv.Value, child(base, kv.Key)}, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			out[kv.Key] = ""
			continue
		}
		out[kv.Key] = schemeLabel(l.node)
	}
	return out, nil
}

// schemeLabel names a security scheme's type in the spec.security_schemes
// vocabulary: apiKey, http-<scheme> (http-basic, http-bearer...), oauth2,
// openIdConnect, mutualTLS; Swagger's basic is http-basic.
func schemeLabel(n *yaml.Node) string {
	t := str(n, "type")
	switch strings.ToLower(t) {
	case "apikey":
		return "apiKey"
	case "http":
		if s := strings.ToLower(str(n, "scheme")); s != "" {
			return "http-" + s
		}
		return "http"
	case "basic":
		return "http-basic"
	case "oauth2":
		return "oauth2"
	case "openidconnect":
		return "openIdConnect"
	case "mutualtls":
		return "mutualTLS"
	}
	return t
}

// security is the evaluation of an operation's effective requirement.
type security struct {
	declared bool
	public   bool
	schemes  []string
	scopes   tri
}

// evalSecurity applies the operation's security, or the root's when the
// operation has no "security" key, and notes where auth.declared,
// auth.public and auth.scopes_declared were decided.
func (p *parser) evalSecurity(op loc, schemes map[string]string, nl *noteList) security {
	var s security
	reqs := get(op.node, "security")
	explicit := has(op.node, "security")
	at := loc{op.doc, reqs, child(op.ptr, "security")}
	if !explicit {
		reqs = get(p.main.root, "security")
		at = loc{p.main, reqs, "/security"}
	}
	nonEmpty, anonymous := 0, false
	oauth, scopesMissing := false, false
	set := map[string]bool{}
	var empties []loc
	if isSeq(reqs) {
		for i, c := range reqs.Content {
			req := deref(c)
			if req == nil {
				continue
			}
			reqAt := loc{at.doc, req, childIndex(at.ptr, i)}
			ps := pairs(req)
			if len(ps) == 0 {
				anonymous = true
				empties = append(empties, reqAt)
				continue
			}
			nonEmpty++
			for _, kv := range ps {
				label, ok := schemes[kv.Key]
				if !ok {
					p.warnf(op, "security requirement names undeclared scheme %q", kv.Key)
				}
				if label != "" {
					set[label] = true
				}
				if label == "oauth2" || label == "openIdConnect" {
					oauth = true
					if len(scalars(kv.Value)) == 0 {
						scopesMissing = true
						nl.add(collectors.FactAuthScopesDeclared, loc{at.doc, kv.Value, child(reqAt.ptr, kv.Key)},
							fmt.Sprintf("%s requirement %s lists no scopes", label, quoteShort(kv.Key)))
					}
				}
			}
		}
	}
	s.declared = nonEmpty > 0 && !anonymous
	s.public = explicit && nonEmpty == 0
	s.schemes = sortedKeys(set)
	s.scopes = unknown
	if oauth {
		s.scopes = triOf(!scopesMissing)
	}
	switch {
	case s.declared:
	case nonEmpty > 0:
		for _, e := range empties {
			nl.add(collectors.FactAuthDeclared, e, "empty requirement {} makes authentication optional")
		}
	case explicit:
		nl.add(collectors.FactAuthDeclared, at, "the operation's security is empty: no authentication required")
	case has(p.main.root, "security"):
		nl.add(collectors.FactAuthDeclared, at, "the root security requires no authentication and the operation declares none")
	default:
		nl.add(collectors.FactAuthDeclared, op, "no security requirement applies (no root security and none on the operation)")
	}
	if !s.public {
		if explicit {
			nl.add(collectors.FactAuthPublic, at, "the operation's security is not empty (public needs security: [])")
		} else {
			nl.add(collectors.FactAuthPublic, op, "the operation does not declare security: [] (not explicitly public)")
		}
	}
	return s
}

// quoteShort quotes a value from the document for a message, cut to a
// readable length.
func quoteShort(v string) string {
	const max = 80
	if r := []rune(v); len(r) > max {
		v = string(r[:max]) + "..."
	}
	return fmt.Sprintf("%q", v)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// schemaUse is one place an operation uses a schema: a parameter, a media
// type of a body, a response. node nil means no schema is given; then
// owner (the parameter or media type) is what the notes point at, and
// missing says what is missing there.
type schemaUse struct {
	l       loc
	unres   bool // the media type was a $ref that could not be followed
	owner   loc
	missing string
}

// parameters merges path-item and operation parameters (the operation's
// win by name and location). unresolved reports a parameter $ref that
// could not be followed.
func (p *parser) parameters(o opRef) (params []loc, unresolved bool, err error) {
	index := map[string]int{}
	add := func(owner loc) error {
		list := get(owner.node, "parameters")
		base := child(owner.ptr, "parameters")
		for i, pn := range items(list) {
			r, ok, err := p.res.resolve(loc{owner.doc, pn, childIndex(base, i)}, false)
			if err != nil {
				return err
			}
			if !ok {
				unresolved = true
				continue
			}
			if !isMap(r.node) {
				return p.errorf(ErrInvalid, r.doc, line(r.node), r.ptr, "parameter must be an object, not %s", kindName(r.node))
			}
			key := str(r.node, "in") + "\x00" + str(r.node, "name")
			if j, dup := index[key]; dup {
				params[j] = r
				continue
			}
			index[key] = len(params)
			params = append(params, r)
		}
		return nil
	}
	if err := add(o.item); err != nil {
		return nil, false, err
	}
	if err := add(o.op); err != nil {
		return nil, false, err
	}
	return params, unresolved, nil
}

// mediaSchemas returns the schema of every media type under a "content"
// map (nil node when a media type has none). ok is false when there is no
// content map or it is empty.
// (OpenAPI 3.2 lets a media type be a $ref.)
func (p *parser) mediaSchemas(owner loc) (uses []schemaUse, ok bool, err error) {
	content := get(owner.node, "content")
	base := child(owner.ptr, "content")
	for _, kv := range pairs(content) {
		mt, ok, err := p.res.resolve(loc{owner.doc, kv.Value, child(base, kv.Key)}, false)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			uses = append(uses, schemaUse{unres: true})
			continue
		}
		uses = append(uses, schemaUse{l: loc{mt.doc, get(mt.node, "schema"), child(mt.ptr, "schema")}, owner: mt, missing: "media type without a schema"})
	}
	return uses, len(uses) > 0, nil
}

var (
	successCode = regexp.MustCompile(`^2(\d\d|XX|xx)$`)
	clientError = regexp.MustCompile(`^4(\d\d|XX|xx)$`)
)

// rateLimitHeader reports whether a response header documents rate
// limiting: X-RateLimit-*, X-Rate-Limit-*, RateLimit(-*), Retry-After.
func rateLimitHeader(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-ratelimit") || strings.HasPrefix(n, "x-rate-limit") ||
		strings.HasPrefix(n, "ratelimit") || n == "retry-after"
}

// endpointFacts computes one operation's facts, and the notes saying
// where each false one was decided; see doc.go for the definitions.
func (p *parser) endpointFacts(o opRef, schemes map[string]string) (collectors.Facts, []collectors.Note, error) {
	f := collectors.Facts{}
	nl := &p.notes
	sl := &p.eng.sites
	sec := p.evalSecurity(o.op, schemes, nl)
	f[collectors.FactAuthDeclared] = sec.declared
	f[collectors.FactAuthPublic] = sec.public
	f[collectors.FactAuthSchemes] = sec.schemes
	sec.scopes.set(f, collectors.FactAuthScopesDeclared)
	dep := get(o.op.node, "deprecated")
	f[collectors.FactDeprecated] = boolVal(dep)
	if !boolVal(dep) {
		if dep != nil {
			nl.add(collectors.FactDeprecated, loc{o.op.doc, dep, child(o.op.ptr, "deprecated")}, "deprecated is not true")
		} else {
			nl.add(collectors.FactDeprecated, o.op, "the operation is not marked deprecated")
		}
	}

	// ---- request ----
	params, unresolvedParam, err := p.parameters(o)
	if err != nil {
		return nil, nil, err
	}
	defined := yes
	if unresolvedParam {
		defined = unknown
	}
	var reqAgg, bodyAgg, respAgg agg
	if unresolvedParam {
		reqAgg.f |= fUnresolved
	}
	annotated := false
	typedUse := func(u schemaUse) (tri, error) {
		if u.unres {
			return unknown, nil
		}
		if u.l.node == nil {
			nl.add(collectors.FactRequestSchemaDefined, u.owner, u.missing)
			return no, nil
		}
		s, err := p.eng.node(u.l)
		if err != nil {
			return no, err
		}
		if s == p.eng.unres {
			return unknown, nil
		}
		sh, err := p.eng.shapeOf(s)
		if err != nil {
			return no, err
		}
		if !sh.typed() {
			nl.add(collectors.FactRequestSchemaDefined, s.l, "schema without type, properties, items or enum")
		}
		return triOf(sh.typed()), nil
	}
	useAgg := func(u schemaUse, v view, into *agg) error {
		if u.unres {
			into.f |= fUnresolved
			return nil
		}
		if u.l.node == nil {
			if v == viewRequest { // an input without a schema takes any value
				into.f |= fUnbounded | fUnsemantic
				into.at = sl.merge(into.at, sl.newSites(u.owner, fUnbounded|fUnsemantic, wNoSchema))
			}
			return nil
		}
		a, _, err := p.eng.schemaAgg(u.l, v)
		if err != nil {
			return err
		}
		into.merge(a, sl)
		return nil
	}
	var bodies []schemaUse
	for _, pl := range params {
		in := str(pl.node, "in")
		var uses []schemaUse
		switch {
		case p.format == "swagger" && in == "body":
			bodies = append(bodies, schemaUse{l: loc{pl.doc, get(pl.node, "schema"), child(pl.ptr, "schema")},
				owner: pl, missing: "body parameter without a schema"})
			continue
		case p.format == "swagger":
			// A 2.0 non-body parameter carries its schema keywords itself.
			if str(pl.node, "type") == "" {
				uses = []schemaUse{{l: loc{pl.doc, nil, pl.ptr}, owner: pl, missing: "parameter without a type"}}
			} else {
				uses = []schemaUse{{l: pl}}
			}
		case has(pl.node, "schema"):
			uses = []schemaUse{{l: loc{pl.doc, get(pl.node, "schema"), child(pl.ptr, "schema")}}}
		default:
			var ok bool
			if uses, ok, err = p.mediaSchemas(pl); err != nil {
				return nil, nil, err
			} else if !ok {
				uses = []schemaUse{{l: loc{pl.doc, nil, pl.ptr}, owner: pl, missing: "parameter without a schema or content"}}
			}
		}
		if p.format != "swagger" && hasSensitivity(pl.node) {
			annotated = true
			if sensitiveAnnotation(pl.node) {
				reqAgg.sensitive = mergeSorted(reqAgg.sensitive, []string{pl.String()})
			}
		}
		for _, u := range uses {
			t, err := typedUse(u)
			if err != nil {
				return nil, nil, err
			}
			defined = defined.and(t)
			if err := useAgg(u, viewRequest, &reqAgg); err != nil {
				return nil, nil, err
			}
		}
	}
	if p.format != "swagger" {
		if rb := get(o.op.node, "requestBody"); rb != nil {
			rl, ok, err := p.res.resolve(loc{o.op.doc, rb, child(o.op.ptr, "requestBody")}, false)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				defined = defined.and(unknown)
				bodyAgg.f |= fUnresolved
			} else {
				uses, ok, err := p.mediaSchemas(rl)
				if err != nil {
					return nil, nil, err
				}
				if !ok { // a body without content takes anything
					defined = no
					nl.add(collectors.FactRequestSchemaDefined, rl, "request body without content")
					bodyAgg.f |= fUnbounded | fUnsemantic | fOpenObject
					bodyAgg.at = sl.merge(bodyAgg.at, sl.newSites(rl, fUnbounded|fUnsemantic|fOpenObject, wNoContent))
				}
				bodies = append(bodies, uses...)
			}
		}
	}
	for _, u := range bodies {
		t, err := typedUse(u)
		if err != nil {
			return nil, nil, err
		}
		defined = defined.and(t)
		if err := useAgg(u, viewRequest, &bodyAgg); err != nil {
			return nil, nil, err
		}
	}
	defined.set(f, collectors.FactRequestSchemaDefined)
	var input agg
	input.merge(reqAgg, sl)
	input.merge(bodyAgg, sl)
	flagTri(input, fUnbounded).set(f, collectors.FactRequestBounded)
	flagTri(bodyAgg, fOpenObject).set(f, collectors.FactRequestStrict)
	nl.addSites(collectors.FactRequestBounded, input, fUnbounded)
	nl.addSites(collectors.FactRequestStrict, bodyAgg, fOpenObject)

	// ---- responses ----
	responses := get(o.op.node, "responses")
	rbase := child(o.op.ptr, "responses")
	respAt := loc{o.op.doc, responses, rbase}
	type resp struct {
		code string
		l    loc
		ok   bool
	}
	var rs []resp
	for _, kv := range pairs(responses) {
		if isExtension(kv.Key) {
			continue
		}
		rl, ok, err := p.res.resolve(loc{o.op.doc, kv.Value, child(rbase, kv.Key)}, false)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, resp{kv.Key, rl, ok})
	}
	respSchemas := func(r resp) (uses []schemaUse, noContent bool, err error) {
		if p.format == "swagger" {
			s := get(r.l.node, "schema")
			if s == nil {
				return nil, true, nil
			}
			return []schemaUse{{l: loc{r.l.doc, s, child(r.l.ptr, "schema")}}}, false, nil
		}
		uses, ok, err := p.mediaSchemas(r.l)
		return uses, !ok, err
	}
	success := []resp{}
	for _, r := range rs {
		if successCode.MatchString(r.code) {
			success = append(success, r)
		}
	}
	if len(success) == 0 {
		for _, r := range rs {
			if r.code == "default" {
				success = append(success, r)
			}
		}
	}
	respDefined := triOf(len(success) > 0)
	if len(success) == 0 {
		nl.add(collectors.FactResponseSchemaDefined, respAt, "no 2xx or default response")
	}
	for _, r := range success {
		if !r.ok {
			respDefined = respDefined.and(unknown)
			continue
		}
		uses, noContent, err := respSchemas(r)
		if err != nil {
			return nil, nil, err
		}
		if noContent {
			continue
		}
		for _, u := range uses {
			if u.unres {
				respDefined = respDefined.and(unknown)
				continue
			}
			if u.l.node == nil {
				respDefined = no
				nl.add(collectors.FactResponseSchemaDefined, u.owner, u.missing)
				continue
			}
			s, err := p.eng.node(u.l)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case s == p.eng.unres:
				respDefined = respDefined.and(unknown)
			case isMap(s.l.node) && len(s.l.node.Content) > 0, boolVal(s.l.node):
			case isMap(s.l.node):
				respDefined = no
				nl.add(collectors.FactResponseSchemaDefined, s.l, "empty schema")
			default:
				respDefined = no
				nl.add(collectors.FactResponseSchemaDefined, s.l, "schema is "+kindName(s.l.node)+", not a schema object")
			}
		}
	}
	respDefined.set(f, collectors.FactResponseSchemaDefined)

	has4xx, hasAuthErr, has429, rlHeader, respUnresolved := false, false, false, false, false
	for _, r := range rs {
		c := strings.ToUpper(r.code)
		if clientError.MatchString(r.code) {
			has4xx = true
		}
		if c == "401" || c == "403" || c == "4XX" {
			hasAuthErr = true
		}
		if c == "429" {
			has429 = true
		}
		if !r.ok {
			respUnresolved = true
			continue
		}
		for _, h := range pairs(get(r.l.node, "headers")) {
			if rateLimitHeader(h.Key) {
				rlHeader = true
			}
		}
		uses, _, err := respSchemas(r)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range uses {
			if err := useAgg(u, viewResponse, &respAgg); err != nil {
				return nil, nil, err
			}
		}
	}
	f[collectors.FactResponseErrorsDocumented] = has4xx && (!sec.declared || hasAuthErr)
	switch {
	case !has4xx && sec.declared:
		nl.add(collectors.FactResponseErrorsDocumented, respAt, "no 4xx response (and no 401/403 although the operation requires authentication)")
	case !has4xx:
		nl.add(collectors.FactResponseErrorsDocumented, respAt, "no 4xx response")
	case sec.declared && !hasAuthErr:
		nl.add(collectors.FactResponseErrorsDocumented, respAt, "no 401/403 although the operation requires authentication")
	}
	rl := triOf(has429 || rlHeader)
	if rl == no && respUnresolved {
		rl = unknown
	}
	rl.set(f, collectors.FactResponseRateLimitDocumented)
	nl.add(collectors.FactResponseRateLimitDocumented, respAt, "no 429 response and no RateLimit/X-RateLimit headers")

	// ---- data ----
	var all agg
	all.merge(reqAgg, sl)
	all.merge(bodyAgg, sl)
	all.merge(respAgg, sl)
	if respUnresolved {
		all.f |= fUnresolved
	}
	flagTri(all, fUnsemantic).set(f, collectors.FactDataSemanticTypes)
	nl.addSites(collectors.FactDataSemanticTypes, all, fUnsemantic)
	if hasSensitivity(o.op.node) {
		annotated = true
		if sensitiveAnnotation(o.op.node) {
			all.sensitive = mergeSorted(all.sensitive, []string{o.op.String()})
		}
	}
	switch {
	case annotated || all.f&fAnnotated != 0:
		f[collectors.FactDataSensitivityAnnotated] = true
	case all.f&fUnresolved == 0:
		f[collectors.FactDataSensitivityAnnotated] = false
		nl.add(collectors.FactDataSensitivityAnnotated, o.op, "no field carries x-pii / x-sensitive / x-data-classification")
	}
	if len(all.sensitive) > 0 {
		f[collectors.FactDataSensitiveFields] = slices.Clone(all.sensitive)
	}
	return f, p.finish(nl, f), nil
}

// hasSensitivity reports whether an object carries a sensitivity
// extension; sensitiveAnnotation whether one of them marks it sensitive.
func hasSensitivity(n *yaml.Node) bool {
	for _, kv := range pairs(n) {
		if isSensitivityKey(kv.Key) {
			return true
		}
	}
	return false
}

func sensitiveAnnotation(n *yaml.Node) bool {
	for _, kv := range pairs(n) {
		if isSensitivityKey(kv.Key) && sensitiveValue(kv.Value) {
			return true
		}
	}
	return false
}

var (
	versionSegment = regexp.MustCompile(`^[vV]\d+(\.\d+)*([a-zA-Z]+\d*)?$|^\d{4}-\d{2}-\d{2}$`)
	serverVar      = regexp.MustCompile(`\{([^{}]*)\}`)
)

// server is one declared server URL with its variables.
type server struct {
	url  string
	vars *yaml.Node
	at   loc // the url member, for notes
}

// servers lists the server URLs of a 3.x document: root, path items and
// operations (the root's first).
func (p *parser) servers(ops []opRef) (root, all []server) {
	collect := func(owner loc) []server {
		var out []server
		list := get(owner.node, "servers")
		if !isSeq(list) {
			return nil
		}
		base := child(owner.ptr, "servers")
		for i, c := range list.Content {
			s := deref(c)
			if s == nil {
				continue
			}
			if u := str(s, "url"); u != "" || isMap(s) {
				out = append(out, server{u, get(s, "variables"), loc{owner.doc, get(s, "url"), child(childIndex(base, i), "url")}})
			}
		}
		return out
	}
	root = collect(loc{p.main, p.main.root, ""})
	all = append(all, root...)
	seenItem := map[*yaml.Node]bool{}
	for _, o := range ops {
		if !seenItem[o.item.node] {
			seenItem[o.item.node] = true
			all = append(all, collect(o.item)...)
		}
		all = append(all, collect(o.op)...)
	}
	return root, all
}

// substitute replaces server variables by their defaults.
func (s server) substitute() string {
	return serverVar.ReplaceAllStringFunc(s.url, func(m string) string {
		if d := str(get(s.vars, m[1:len(m)-1]), "default"); d != "" {
			return d
		}
		return m
	})
}

// httpsOnly reports whether a server URL can only be https (or wss). A
// relative URL ("/v1", "//host/v1") does not count against; a templated
// scheme counts if every enum value and the default is https.
func (s server) httpsOnly() bool {
	scheme, _, ok := strings.Cut(s.url, "://")
	if !ok {
		return true
	}
	if !strings.Contains(scheme, "{") {
		return isSecureScheme(scheme)
	}
	m := serverVar.FindAllStringSubmatch(scheme, -1)
	if len(m) != 1 || m[0][0] != scheme {
		return false
	}
	v := get(s.vars, m[0][1])
	if v == nil {
		return false
	}
	cands := append(scalars(get(v, "enum")), str(v, "default"))
	for _, c := range cands {
		if !isSecureScheme(c) {
			return false
		}
	}
	return true
}

func isSecureScheme(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "https" || s == "wss"
}

// hasVersion reports whether a URL's host labels or path segments carry a
// version (v1, v2.1, v1beta1, 2010-04-01).
func hasVersion(raw string) bool {
	host, p := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		host, p, _ = strings.Cut(rest, "/")
	} else if strings.HasPrefix(raw, "//") {
		host, p, _ = strings.Cut(raw[2:], "/")
	}
	if u, err := url.Parse("http://" + host); err == nil {
		host = u.Hostname()
	}
	for _, l := range strings.FieldsFunc(host, func(r rune) bool { return r == '.' || r == '-' }) {
		if versionSegment.MatchString(l) {
			return true
		}
	}
	return pathHasVersion(p)
}

// pathHasVersion reports whether a path has a version segment before its
// first templated segment.
func pathHasVersion(p string) bool {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.Contains(seg, "{") {
			return false
		}
		if versionSegment.MatchString(seg) {
			return true
		}
	}
	return false
}

// ownerKeys and classificationKeys are the extensions read at the root and
// in info (root first).
var (
	ownerKeys          = []string{"x-owner", "x-team", "x-api-owner", "x-owner-team", "x-owning-team"}
	classificationKeys = []string{"x-data-classification", "x-classification"}
)

func extensionString(m *meta, keys []string) string {
	for _, k := range keys {
		for ek, v := range m.extensions {
			if strings.EqualFold(ek, k) {
				if s := firstScalar(v, 0); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

// firstScalar reads an owner-like value: a string, the name/team/email of
// an object, or the first element of a list.
func firstScalar(n *yaml.Node, depth int) string {
	n = deref(n)
	if n == nil || depth > 3 {
		return ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return ""
		}
		return strings.TrimSpace(n.Value)
	case yaml.MappingNode:
		for _, k := range []string{"name", "team", "id", "email"} {
			if s := firstScalar(get(n, k), depth+1); s != "" {
				return s
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if s := firstScalar(c, depth+1); s != "" {
				return s
			}
		}
	}
	return ""
}

// versionNotes notes why spec.versioned_url is false: one note on the
// servers (2.0: the basePath) saying what was looked for.
func (p *parser) versionNotes(nl *noteList, m *meta, ops []opRef) {
	var at loc
	var where string
	if p.format == "swagger" {
		at = loc{p.main, get(p.main.root, "basePath"), "/basePath"}
		where = "the host or basePath"
		if m.basePath == "" {
			where = "the host (no basePath)"
		}
	} else {
		list := get(p.main.root, "servers")
		at = loc{p.main, list, "/servers"}
		where = "any server URL"
		if len(items(list)) == 0 {
			where = "any server URL (none declared)"
		}
	}
	paths := "nor in every path before its first template"
	if len(ops) == 0 {
		paths = "and there are no paths"
	}
	nl.add(collectors.FactSpecVersionedURL, at, fmt.Sprintf("no version segment (v1, v2.1, v1beta1, 2010-04-01) in %s, %s", where, paths))
}

// collect turns the parsed document into the Result.
func (p *parser) collect(m *meta) (*Result, error) {
	res := &Result{Format: p.format, Version: p.version}
	ops, nPaths, err := p.operations()
	if err != nil {
		return nil, err
	}
	res.Paths = nPaths
	schemes, err := p.securitySchemes()
	if err != nil {
		return nil, err
	}

	api := collectors.API{
		Name:        p.apiName(m),
		Title:       m.title,
		Version:     m.version,
		Description: m.description,
		Contact:     m.contact,
		Tags:        m.tags,
	}
	ownerExt := extensionString(m, ownerKeys)
	api.Owner = ownerExt
	if api.Owner == "" {
		api.Owner = strings.TrimSpace(p.opt.Owner)
	}
	api.Classification = extensionString(m, classificationKeys)

	// Servers, base URLs and the URL facts.
	nl := &p.notes
	httpsOnly, versioned := true, false
	if p.format == "swagger" {
		checkSchemes := func(owner loc) {
			list := get(owner.node, "schemes")
			at := child(owner.ptr, "schemes")
			if list != nil && list.Kind == yaml.ScalarNode { // one scheme, not a list
				if list.Tag != "!!null" && !isSecureScheme(list.Value) {
					httpsOnly = false
					nl.add(collectors.FactSpecServersHTTPS, loc{owner.doc, list, at}, fmt.Sprintf("scheme %s is not https", quoteShort(list.Value)))
				}
				return
			}
			if !isSeq(list) {
				return
			}
			for i, c := range list.Content {
				if v := deref(c); v != nil && v.Kind == yaml.ScalarNode && !isSecureScheme(v.Value) {
					httpsOnly = false
					nl.add(collectors.FactSpecServersHTTPS, loc{owner.doc, v, childIndex(at, i)}, fmt.Sprintf("scheme %s is not https", quoteShort(v.Value)))
				}
			}
		}
		checkSchemes(loc{p.main, p.main.root, ""})
		for _, o := range ops {
			checkSchemes(o.op)
		}
		if m.host != "" {
			bs := m.schemes
			if len(bs) == 0 {
				bs = []string{""}
			}
			for _, s := range bs {
				if s == "" {
					api.BaseURLs = append(api.BaseURLs, "//"+m.host+m.basePath)
				} else {
					api.BaseURLs = append(api.BaseURLs, strings.ToLower(s)+"://"+m.host+m.basePath)
				}
			}
		} else if m.basePath != "" {
			api.BaseURLs = []string{m.basePath}
		}
		versioned = hasVersion("//"+m.host+m.basePath) || pathHasVersion(m.basePath)
	} else {
		rootServers, all := p.servers(ops)
		for _, s := range rootServers {
			if u := s.substitute(); u != "" {
				api.BaseURLs = append(api.BaseURLs, u)
			}
		}
		for _, s := range all {
			if !s.httpsOnly() {
				httpsOnly = false
				msg := fmt.Sprintf("server URL %s is not https", quoteShort(s.url))
				if scheme, _, _ := strings.Cut(s.url, "://"); strings.Contains(scheme, "{") {
					msg = fmt.Sprintf("server URL %s may resolve to a scheme other than https", quoteShort(s.url))
				}
				nl.add(collectors.FactSpecServersHTTPS, s.at, msg)
			}
			if hasVersion(s.substitute()) {
				versioned = true
			}
		}
	}
	if !versioned && len(ops) > 0 {
		versioned = true
		for _, o := range ops {
			if !pathHasVersion(o.path) {
				versioned = false
				break
			}
		}
	}
	if !versioned {
		p.versionNotes(nl, m, ops)
	}
	if m.version == "" {
		info := get(p.main.root, "info")
		switch {
		case info == nil:
			nl.add(collectors.FactSpecVersionDeclared, loc{p.main, nil, "/info"}, "no info object, so no info.version")
		case has(info, "version"):
			nl.add(collectors.FactSpecVersionDeclared, loc{p.main, get(info, "version"), "/info/version"}, "info.version is empty")
		default:
			nl.add(collectors.FactSpecVersionDeclared, loc{p.main, info, "/info"}, "info has no version")
		}
	}

	contentType := "application/yaml"
	if safedecode.LooksLikeJSON(p.data) {
		contentType = "application/json"
	}
	art := &collectors.Artifact{Name: p.name, ContentType: contentType, Data: p.data}

	var declared []string
	set := map[string]bool{}
	for _, l := range schemes {
		if l != "" {
			set[l] = true
		}
	}
	declared = sortedKeys(set)

	apiFacts := collectors.Facts{
		collectors.FactSpecPresent:         true,
		collectors.FactSpecFormat:          p.format,
		collectors.FactSpecVersion:         p.version,
		collectors.FactSpecOperations:      int64(len(ops)),
		collectors.FactSpecSecuritySchemes: declared,
		collectors.FactSpecServersHTTPS:    httpsOnly,
		collectors.FactSpecVersionDeclared: m.version != "",
		collectors.FactSpecVersionedURL:    versioned,
	}
	if ownerExt != "" {
		apiFacts[collectors.FactInventoryOwner] = ownerExt
	}
	res.Evidence = append(res.Evidence, collectors.Evidence{API: api.Name, Artifact: art, Location: "", Facts: apiFacts, Notes: p.finish(nl, apiFacts)})

	tagSeen := map[string]bool{}
	for _, t := range api.Tags {
		tagSeen[t] = true
	}
	var opTags []string
	for _, o := range ops {
		ep := collectors.Endpoint{
			API:         api.Name,
			Protocol:    collectors.ProtocolREST,
			Method:      o.method,
			Path:        o.path,
			OperationID: str(o.op.node, "operationId"),
			Summary:     str(o.op.node, "summary"),
			Deprecated:  boolVal(get(o.op.node, "deprecated")),
		}
		facts, notes, err := p.endpointFacts(o, schemes)
		if err != nil {
			return nil, err
		}
		res.Endpoints = append(res.Endpoints, ep)
		res.Evidence = append(res.Evidence, collectors.Evidence{
			API: api.Name, Endpoint: ep.Key(), Artifact: art, Location: o.ptr, Facts: facts, Notes: notes,
		})
		for _, t := range scalars(get(o.op.node, "tags")) {
			if !tagSeen[t] {
				tagSeen[t] = true
				opTags = append(opTags, t)
			}
		}
	}
	if len(api.Tags) == 0 {
		api.Tags = opTags
	}
	res.API = api
	res.Warnings = p.warnings
	return res, nil
}
