package protobuf

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/posture-dev/posture/collectors"
)

const (
	extHTTP      = "google.api.http"
	extSwagger   = "grpc.gateway.protoc_gen_openapiv2.options.openapiv2_swagger"
	extOperation = "grpc.gateway.protoc_gen_openapiv2.options.openapiv2_operation"
)

// builder assembles APIs from the analysed units.
type builder struct {
	st        *state
	apis      map[string]*apiAcc
	fieldOpts map[*descriptorpb.FieldDescriptorProto]*optNode
	msgOpts   map[*descriptorpb.DescriptorProto]*optNode
	fileSens  map[*descriptorpb.FileDescriptorProto]bool
	warnings  []string
}

// apiAcc accumulates one API.
type apiAcc struct {
	name      string
	pkgs      map[string]bool
	files     []string
	first     *unit // the first file with a service: syntax, artifact
	eps       []collectors.Endpoint
	evs       []collectors.Evidence
	sens      []sensInfo // per endpoint, finalised once all files are in
	keys      map[string]bool
	ops       int64
	usesSens  bool
	schemes   []string
	hasScheme bool
}

type sensInfo struct {
	annotated tri
	fields    []string
}

func newBuilder(st *state) *builder {
	return &builder{
		st:        st,
		apis:      map[string]*apiAcc{},
		fieldOpts: map[*descriptorpb.FieldDescriptorProto]*optNode{},
		msgOpts:   map[*descriptorpb.DescriptorProto]*optNode{},
		fileSens:  map[*descriptorpb.FileDescriptorProto]bool{},
	}
}

func (b *builder) warnf(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

func (b *builder) fieldOptions(m *msgDef, f *descriptorpb.FieldDescriptorProto) *optNode {
	return b.fieldOptionsOf(f, m.res)
}

func (b *builder) fieldOptionsOf(f *descriptorpb.FieldDescriptorProto, res parser.Result) *optNode {
	if n, ok := b.fieldOpts[f]; ok {
		return n
	}
	var n *optNode
	if f.Options != nil {
		n = optionTree(f.Options, res)
	} else {
		n = &optNode{isMsg: true}
	}
	b.fieldOpts[f] = n
	return n
}

func (b *builder) msgOptions(m *msgDef) *optNode {
	if n, ok := b.msgOpts[m.d]; ok {
		return n
	}
	var n *optNode
	if m.d.Options != nil {
		n = optionTree(m.d.Options, m.res)
	} else {
		n = &optNode{isMsg: true}
	}
	b.msgOpts[m.d] = n
	return n
}

// apiKey is the name an API gets before Source.APIName: the package, or
// for a file without a package its path without ".proto".
func apiKey(u *unit) string {
	if p := u.fd.GetPackage(); p != "" {
		return p
	}
	return strings.TrimSuffix(u.target.name, ".proto")
}

// addUnit adds the services of one target file.
func (b *builder) addUnit(u *unit) error {
	if len(u.fd.GetService()) == 0 {
		return nil
	}
	src := collectors.Source{API: b.st.opt.API, APIMap: b.st.opt.APIMap}
	name := src.APIName(apiKey(u))
	a := b.apis[name]
	if a == nil {
		a = &apiAcc{name: name, pkgs: map[string]bool{}, keys: map[string]bool{}, first: u}
		b.apis[name] = a
	}
	a.pkgs[apiKey(u)] = true
	a.files = append(a.files, u.target.display)
	for _, fv := range u.files {
		if b.usesSensitivity(fv) {
			a.usesSens = true
			break
		}
	}
	an := newAnalyzer(b, u.syms)
	fileOpts := optionTree(u.fd.GetOptions(), u.res)
	swagger := fileOpts.get(extSwagger)
	defs := securityDefinitions(swagger)
	if len(defs) > 0 {
		a.hasScheme = true
		for _, t := range defs {
			if t != "" {
				a.schemes = append(a.schemes, t)
			}
		}
	}
	pkg := u.fd.GetPackage()
	for _, svc := range u.fd.GetService() {
		svcOpts := optionTree(svc.GetOptions(), u.res)
		svcDeprecated := svcOpts.get("deprecated").isTrue()
		for _, md := range svc.GetMethod() {
			a.ops++
			b.addMethod(u, a, an, pkg, svc, md, svcDeprecated, swagger, defs)
		}
	}
	return nil
}

func (b *builder) addMethod(u *unit, a *apiAcc, an *analyzer, pkg string, svc *descriptorpb.ServiceDescriptorProto,
	md *descriptorpb.MethodDescriptorProto, svcDeprecated bool, swagger *optNode, defs map[string]string) {
	opts := optionTree(md.GetOptions(), u.res)
	op := opts.get(extOperation)
	line, summary := nodeInfo(u.res, u.res.MethodNode(md))
	where := svc.GetName() + "." + md.GetName()
	loc := fmt.Sprintf("%s:%d %s", u.target.display, line, where)
	scope := join(pkg, svc.GetName())
	in := an.of(u.syms.message(scope, md.GetInputType()))
	out := an.of(u.syms.message(scope, md.GetOutputType()))

	deprecated := svcDeprecated || opts.get("deprecated").isTrue() || op.get("deprecated").isTrue()
	facts := collectors.Facts{
		collectors.FactRPCStreaming: streaming(md),
		collectors.FactDeprecated:   deprecated,
	}
	setTri(facts, collectors.FactRequestSchemaDefined, in.typed)
	setTri(facts, collectors.FactRequestBounded, in.bounded)
	setTri(facts, collectors.FactResponseSchemaDefined, out.typed)
	setTri(facts, collectors.FactDataSemanticTypes, minTri(in.semantic, out.semantic))
	b.authFacts(facts, u.target.display+" "+where, swagger, op, defs)
	sens := sensInfo{annotated: maxTri(in.annotated, out.annotated), fields: unionCap(in.sensitive, out.sensitive)}

	grpcPath := "/" + join(pkg, svc.GetName()) + "/" + md.GetName()
	grpcFacts := copyFacts(facts)
	// A protobuf parser keeps the fields it does not know (proto3 since
	// 3.5) instead of rejecting them: the request is never strict.
	grpcFacts[collectors.FactRequestStrict] = false
	b.addEndpoint(u, a, collectors.Endpoint{
		API: a.name, Protocol: collectors.ProtocolGRPC, Method: "POST", Path: grpcPath,
		OperationID: where, Summary: summary, Deprecated: deprecated,
	}, grpcFacts, loc, sens)

	rule := opts.get(extHTTP)
	if rule == nil {
		return
	}
	bindings := append([]*optNode{rule}, rule.all("additional_bindings")...)
	for _, r := range bindings {
		verb, tmpl := httpBinding(r)
		if verb == "" {
			continue
		}
		// The transcoded request's strictness depends on the gateway's JSON
		// settings, not on the .proto: request.strict stays unknown.
		b.addEndpoint(u, a, collectors.Endpoint{
			API: a.name, Protocol: collectors.ProtocolREST, Method: verb, Path: restPath(tmpl),
			OperationID: where, Summary: summary, Deprecated: deprecated,
		}, copyFacts(facts), loc, sens)
	}
}

func (b *builder) addEndpoint(u *unit, a *apiAcc, ep collectors.Endpoint, facts collectors.Facts, loc string, sens sensInfo) {
	key := ep.Key()
	if a.keys[key] {
		b.warnf("%s: endpoint %s already defined in API %q; skipped", loc, key, a.name)
		return
	}
	a.keys[key] = true
	a.eps = append(a.eps, ep)
	a.evs = append(a.evs, collectors.Evidence{
		API: a.name, Endpoint: key, Artifact: u.target.art, Location: loc, Facts: facts,
	})
	a.sens = append(a.sens, sens)
}

func copyFacts(f collectors.Facts) collectors.Facts {
	out := make(collectors.Facts, len(f)+1)
	for k, v := range f {
		if s, ok := v.([]string); ok {
			v = append([]string{}, s...)
		}
		out[k] = v
	}
	return out
}

func setTri(f collectors.Facts, key string, t tri) {
	switch t {
	case triYes:
		f[key] = true
	case triNo:
		f[key] = false
	}
}

func streaming(md *descriptorpb.MethodDescriptorProto) string {
	switch {
	case md.GetClientStreaming() && md.GetServerStreaming():
		return "bidi"
	case md.GetClientStreaming():
		return "client"
	case md.GetServerStreaming():
		return "server"
	}
	return "unary"
}

// nodeInfo returns a declaration's line and the first line of its leading
// comment.
func nodeInfo(res parser.Result, n ast.Node) (line int, summary string) {
	file := res.AST()
	if file == nil || n == nil {
		return 0, ""
	}
	if _, ok := n.(*ast.NoSourceNode); ok {
		return 0, ""
	}
	info := file.NodeInfo(n)
	line = info.Start().Line
	cs := info.LeadingComments()
	for i := 0; i < cs.Len(); i++ {
		if s := firstCommentLine(cs.Index(i).RawText()); s != "" {
			return line, s
		}
	}
	return line, ""
}

func firstCommentLine(raw string) string {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "/*") {
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "/*"), "*/")
	}
	for _, l := range strings.Split(raw, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimLeft(l, "/*")
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// httpBinding reads one google.api.HttpRule: its verb and path template.
func httpBinding(r *optNode) (verb, tmpl string) {
	for _, v := range []string{"get", "put", "post", "delete", "patch"} {
		if p := r.get(v); p != nil && !p.isMsg {
			return strings.ToUpper(v), p.scalar
		}
	}
	if c := r.get("custom"); c != nil && c.isMsg {
		if k := strings.TrimSpace(c.get("kind").text()); k != "" {
			return strings.ToUpper(k), c.get("path").text()
		}
	}
	return "", ""
}

var templateVar = regexp.MustCompile(`\{([^{}=]+)=[^{}]*\}`)

// restPath turns an HttpRule template into an inventory path:
// "/v1/{name=projects/*/books/*}:cancel" becomes "/v1/{name}:cancel".
func restPath(t string) string {
	t = templateVar.ReplaceAllString(strings.TrimSpace(t), "{$1}")
	if !strings.HasPrefix(t, "/") {
		t = "/" + t
	}
	return t
}

// securityDefinitions maps the schemes of an openapiv2_swagger option to
// the vocabulary of spec.security_schemes ("" for a type not mapped).
func securityDefinitions(swagger *optNode) map[string]string {
	out := map[string]string{}
	for _, e := range swagger.path("security_definitions").all("security") {
		name := e.get("key").text()
		if name == "" {
			continue
		}
		out[name] = schemeType(e.path("value", "type").text())
	}
	return out
}

func schemeType(t string) string {
	switch t {
	case "TYPE_BASIC", "1":
		return "http-basic"
	case "TYPE_API_KEY", "2":
		return "apiKey"
	case "TYPE_OAUTH2", "3":
		return "oauth2"
	}
	return ""
}

// authFacts maps grpc-gateway's OpenAPI v2 security options like an
// OpenAPI description: the operation's security replaces the file's.
// Without any such option the auth facts stay absent (unknown): protobuf
// itself has no way to declare authentication.
func (b *builder) authFacts(facts collectors.Facts, where string, swagger, op *optNode, defs map[string]string) {
	opSec := op.all("security")
	fileSec := swagger.all("security")
	if len(opSec) == 0 && len(fileSec) == 0 && len(defs) == 0 {
		return
	}
	eff := fileSec
	if len(opSec) > 0 {
		eff = opSec
	}
	declared := len(eff) > 0
	schemes := []string{}
	oauth, scoped := false, true
	for _, req := range eff {
		entries := req.all("security_requirement")
		if len(entries) == 0 {
			declared = false
		}
		for _, e := range entries {
			name := e.get("key").text()
			t, ok := defs[name]
			if !ok {
				b.warnf("%s: security requirement names %q, which security_definitions does not declare", where, name)
				continue
			}
			if t != "" {
				schemes = append(schemes, t)
			}
			if t == "oauth2" {
				oauth = true
				if len(e.path("value").all("scope")) == 0 {
					scoped = false
				}
			}
		}
	}
	facts[collectors.FactAuthDeclared] = declared
	public := len(opSec) > 0
	for _, req := range opSec {
		if len(req.all("security_requirement")) > 0 {
			public = false
		}
	}
	facts[collectors.FactAuthPublic] = public
	facts[collectors.FactAuthSchemes] = sortedUnique(schemes)
	if oauth {
		facts[collectors.FactAuthScopesDeclared] = scoped
	}
}

var versionSuffix = regexp.MustCompile(`^v(\d+)(?:test.*|(?:alpha|beta)(\d*)|p(\d+)(?:alpha|beta)(\d*))?$`)

// packageVersion returns the version component ending a package, as buf's
// PACKAGE_VERSION_SUFFIX lint rule defines it: v\d+, v\d+test.*,
// v\d+(alpha|beta)\d* or v\d+p\d+(alpha|beta)\d*, numbers >= 1.
func packageVersion(pkg string) string {
	last := pkg[strings.LastIndexByte(pkg, '.')+1:]
	m := versionSuffix.FindStringSubmatch(last)
	if m == nil {
		return ""
	}
	for _, n := range m[1:] {
		if n == "" {
			continue
		}
		if v, err := strconv.ParseUint(n, 10, 64); err != nil || v == 0 {
			return ""
		}
	}
	return last
}

// syntaxName is spec.version: "proto2", "proto3" or "edition-2023".
func syntaxName(fd *descriptorpb.FileDescriptorProto) string {
	switch fd.GetSyntax() {
	case "", "proto2":
		return "proto2"
	case "editions":
		return "edition-" + strings.ToLower(strings.TrimPrefix(fd.GetEdition().String(), "EDITION_"))
	}
	return fd.GetSyntax()
}

// packageLine is the line of the package statement.
func packageLine(u *unit) int {
	f := u.res.AST()
	if f == nil {
		return 0
	}
	for _, d := range f.Decls {
		if p, ok := d.(*ast.PackageNode); ok {
			return f.NodeInfo(p).Start().Line
		}
	}
	return 0
}

// result finalises the APIs, sorted by name.
func (b *builder) result() *Result {
	out := &Result{Warnings: b.warnings}
	names := make([]string, 0, len(b.apis))
	for n := range b.apis {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := b.apis[n]
		pkgs := make([]string, 0, len(a.pkgs))
		for p := range a.pkgs {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		versioned := true
		for _, p := range pkgs {
			versioned = versioned && packageVersion(p) != ""
		}
		u := a.first
		loc := u.target.display
		if l := packageLine(u); l > 0 {
			loc = fmt.Sprintf("%s:%d package %s", loc, l, u.fd.GetPackage())
		}
		facts := collectors.Facts{
			collectors.FactSpecPresent:         true,
			collectors.FactSpecFormat:          "protobuf",
			collectors.FactSpecVersion:         syntaxName(u.fd),
			collectors.FactSpecOperations:      a.ops,
			collectors.FactSpecVersionedURL:    versioned,
			collectors.FactSpecVersionDeclared: versioned,
		}
		if a.hasScheme {
			facts[collectors.FactSpecSecuritySchemes] = sortedUnique(a.schemes)
		}
		api := collectors.API{
			Name:    a.name,
			Title:   strings.Join(pkgs, ", "),
			Version: packageVersion(pkgs[0]),
			Owner:   b.st.opt.Owner,
		}
		ar := APIResult{API: api, Packages: pkgs, Files: a.files}
		ar.Evidence = append(ar.Evidence, collectors.Evidence{API: a.name, Artifact: u.target.art, Location: loc, Facts: facts})
		for i := range a.eps {
			ev := a.evs[i]
			if a.usesSens {
				s := a.sens[i]
				if s.annotated != triUnknown {
					ev.Facts[collectors.FactDataSensitivityAnnotated] = s.annotated == triYes
				}
				if len(s.fields) > 0 {
					ev.Facts[collectors.FactDataSensitiveFields] = append([]string(nil), s.fields...)
				}
			}
			ar.Endpoints = append(ar.Endpoints, a.eps[i])
			ar.Evidence = append(ar.Evidence, ev)
		}
		out.APIs = append(out.APIs, ar)
	}
	return out
}
