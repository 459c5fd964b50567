package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"strings"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v3yaml "go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Options tune Parse.
type Options struct {
	// Limits bound the input (zero fields take the safedecode defaults:
	// 64 MiB, depth 256, alias budget). MaxBytes also bounds the total size
	// of the files that external $refs pull in.
	Limits safedecode.Limits
	// API, when set, names the API instead of info.title.
	API string
	// Owner is the owning team when the document does not name one.
	Owner string
	// RefFS and RefPath enable external $refs: RefPath is the document's
	// path inside RefFS, and "other.yaml#/x" is read from RefFS relative to
	// path.Dir(RefPath). Nothing outside RefFS is ever read (so RefFS is
	// the source root), and remote (http) references are never fetched.
	// With RefFS nil, external references are reported as warnings and the
	// facts that depend on them are left unknown.
	RefFS   fs.FS
	RefPath string
}

// Result is what one specification yields.
type Result struct {
	API       collectors.API
	Endpoints []collectors.Endpoint
	// Evidence holds the API-scope record first, then one record per
	// endpoint in the order of Endpoints. All share one Artifact.
	Evidence []collectors.Evidence
	Format   string // "openapi" or "swagger"
	Version  string // the document's openapi/swagger field
	Paths    int    // path items under /paths
	// Warnings are problems that did not stop the parse: references not
	// followed, circular schemas libopenapi reported, undeclared security
	// schemes. Facts they make uncertain are left out (unknown).
	Warnings []string
}

// Error kinds, for errors.Is. Size, depth, alias and syntax errors from
// the safedecode checks also match safedecode.ErrTooLarge and friends.
var (
	ErrNotOpenAPI         = errors.New("not an OpenAPI or Swagger document")
	ErrUnsupportedVersion = errors.New("unsupported version")
	ErrInvalid            = errors.New("invalid document")
	ErrParserPanic        = errors.New("parser panic")
)

// Error is a specification that could not be read. Its text is
// "openapi: FILE: [REF-FILE: ][line N: ][POINTER: ]message".
type Error struct {
	File    string // the specification
	In      string // the referenced file the problem is in; "" for File itself
	Line    int
	Column  int
	Pointer string // JSON pointer of the place, when there is one
	Msg     string
	Kind    error // one of the Err* kinds, or nil
	Err     error // the underlying error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("openapi: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.In != "" {
		b.WriteString(e.In)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
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

// parser holds the state of one Parse call.
type parser struct {
	name     string
	data     []byte
	opt      Options
	lim      safedecode.Limits
	main     *document
	res      *resolver
	eng      *engine
	format   string // "openapi" | "swagger"
	version  string
	minor    int // 3.x minor version (0, 1, 2); -1 for Swagger
	warnings []string
	warned   map[string]bool
	keyIndex map[*yaml.Node]map[string]pair // members of large mappings, for lineAt
	lines    map[lineKey]int                // lines of pointers outside /paths, for lineAt
	notes    noteList                       // candidate notes of the record being built, reused
}

func (p *parser) errorf(kind error, d *document, line int, ptr, format string, args ...any) *Error {
	e := &Error{File: p.name, Line: line, Pointer: ptr, Msg: fmt.Sprintf(format, args...), Kind: kind}
	if d != nil && !d.main {
		e.In = d.name
	}
	return e
}

// wrapf wraps err (from safedecode or a parser) found while at ptr.
func (p *parser) wrapf(err error, d *document, line int, ptr, format string, args ...any) *Error {
	e := p.errorf(nil, d, line, ptr, format, args...)
	e.Msg += ": " + err.Error()
	e.Err = err
	return e
}

func (p *parser) warnf(at loc, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if at.ptr != "" || (at.doc != nil && !at.doc.main) {
		msg = at.String() + ": " + msg
	}
	if p.warned[msg] {
		return
	}
	if p.warned == nil {
		p.warned = map[string]bool{}
	}
	p.warned[msg] = true
	if len(p.warnings) < 1000 {
		p.warnings = append(p.warnings, msg)
	}
}

// Parse reads one OpenAPI 3.x or Swagger 2.0 document and returns the API,
// its endpoints and the evidence about them. It is a pure function of its
// arguments (external $refs are read only through opt.RefFS), never panics,
// and bounds its work by opt.Limits. Errors are *Error values naming the
// file and, where there is one, the line and JSON pointer.
func Parse(name string, data []byte, opt Options) (res *Result, err error) {
	p := &parser{name: name, data: data, opt: opt, lim: opt.Limits.Normalize()}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: name, Kind: ErrParserPanic, Msg: fmt.Sprintf("internal error while reading the document: %v", r)}
		}
	}()
	return p.run()
}

func (p *parser) run() (*Result, error) {
	if err := safedecode.CheckSize(p.name, int64(len(p.data)), p.lim); err != nil {
		return nil, p.fromSafedecode(err)
	}
	if _, err := p.precheck(); err != nil {
		return nil, err
	}
	doc, err := p.load()
	if err != nil {
		return nil, err
	}
	defer doc.Release()

	info := doc.GetSpecInfo()
	if info == nil || info.RootNode == nil || len(info.RootNode.Content) == 0 || !isMap(info.RootNode.Content[0]) {
		return nil, p.errorf(ErrNotOpenAPI, nil, 0, "", "the document is not an object")
	}
	p.main = &document{name: p.name, path: p.opt.RefPath, root: deref(info.RootNode.Content[0]), main: true}
	if p.opt.RefFS == nil {
		p.main.path = ""
	}
	p.res = newResolver(p)
	p.eng = newEngine(p)
	if err := p.res.checkRefs(p.main); err != nil {
		return nil, err
	}
	return p.collect(p.readMeta())
}

// top is what precheck learnt from the top level of the document.
type top struct {
	format, version string
	line            int
}

var (
	openAPIVersionRe = regexp.MustCompile(`^3\.([0-2])(\.\d+)?(-[0-9A-Za-z.-]+)?$`)
	swaggerVersionRe = regexp.MustCompile(`^2(\.0){0,2}$`)
)

// precheck bounds the input with safedecode (size, depth, aliases, syntax)
// before any third-party parser sees it, then makes sure it is an
// OpenAPI/Swagger document of a supported version.
func (p *parser) precheck() (top, error) {
	var t top
	var found bool
	var kind string
	// Cheap first: a document that never says "openapi" or "swagger"
	// cannot be one, whatever it is (50 MB of garbage is refused here
	// without parsing it).
	if !bytes.Contains(p.data, []byte("openapi")) && !bytes.Contains(p.data, []byte("swagger")) {
		if safedecode.LooksLikeJSON(p.data) { // a syntax error says more
			if err := safedecode.CheckJSON(p.name, p.data, p.lim); err != nil {
				return t, p.fromSafedecode(err)
			}
		}
		return t, p.errorf(ErrNotOpenAPI, nil, 0, "", `%s: no "openapi" or "swagger" field`, ErrNotOpenAPI)
	}
	if safedecode.LooksLikeJSON(p.data) {
		err := safedecode.CheckJSON(p.name, p.data, p.lim)
		if err == nil {
			t, found, kind = jsonTop(p.data)
		} else if !errors.Is(err, safedecode.ErrSyntax) || strings.HasSuffix(strings.ToLower(p.name), ".json") {
			return t, p.fromSafedecode(err)
		} else if t, found, kind, err = p.yamlTop(); err != nil {
			return t, err
		}
	} else {
		var err error
		if t, found, kind, err = p.yamlTop(); err != nil {
			return t, err
		}
	}
	if kind != "object" {
		return t, p.errorf(ErrNotOpenAPI, nil, 0, "", "%s: the top level is %s, not an object", ErrNotOpenAPI, kind)
	}
	if !found {
		return t, p.errorf(ErrNotOpenAPI, nil, 0, "", `%s: no top-level "openapi" or "swagger" field`, ErrNotOpenAPI)
	}
	switch t.format {
	case "openapi":
		if m := openAPIVersionRe.FindStringSubmatch(t.version); m == nil {
			return t, p.errorf(ErrUnsupportedVersion, nil, t.line, "/openapi",
				"unsupported OpenAPI version %q (supported: 3.0.x, 3.1.x, 3.2.x; Swagger 2.0)", t.version)
		} else {
			p.minor = int(m[1][0] - '0')
		}
	case "swagger":
		if !swaggerVersionRe.MatchString(t.version) {
			return t, p.errorf(ErrUnsupportedVersion, nil, t.line, "/swagger",
				"unsupported Swagger version %q (supported: 2.0; OpenAPI 3.0.x, 3.1.x, 3.2.x)", t.version)
		}
		p.minor = -1
	}
	p.format, p.version = t.format, t.version
	return t, nil
}

func (p *parser) fromSafedecode(err error) *Error {
	e := &Error{File: p.name, Msg: err.Error(), Err: err}
	var se *safedecode.Error
	if errors.As(err, &se) {
		e.Line, e.Column, e.Msg = se.Line, se.Column, se.Msg
	}
	return e
}

func (p *parser) yamlTop() (top, bool, string, error) {
	var t top
	docs, err := safedecode.DecodeYAML(p.name, p.data, p.lim)
	if err != nil {
		return t, false, "", p.fromSafedecode(err)
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return t, false, "empty", nil
	}
	root := docs[0].Content[0]
	for root.Kind == v3yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	switch root.Kind {
	case v3yaml.MappingNode:
	case v3yaml.SequenceNode:
		return t, false, "an array", nil
	default:
		if root.Tag == "!!null" {
			return t, false, "empty", nil
		}
		return t, false, "a scalar", nil
	}
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != v3yaml.ScalarNode || (k.Value != "openapi" && k.Value != "swagger") {
			continue
		}
		if found && t.format == "openapi" {
			continue // openapi wins when both are present
		}
		found = true
		t.format, t.line = k.Value, k.Line
		if v.Kind == v3yaml.ScalarNode && v.Tag != "!!null" {
			t.version = strings.TrimSpace(v.Value)
		} else {
			t.version = fmt.Sprintf("<%s>", map[v3yaml.Kind]string{v3yaml.MappingNode: "object", v3yaml.SequenceNode: "array"}[v.Kind])
		}
	}
	return t, found, "object", nil
}

// jsonTop scans the top-level members of a valid JSON document for
// "openapi"/"swagger" without decoding the rest.
func jsonTop(data []byte) (top, bool, string) {
	var t top
	i := skipJSONSpace(data, 0)
	if i < len(data) && data[i] == 0xEF { // BOM
		i = skipJSONSpace(data, i+3)
	}
	if i >= len(data) {
		return t, false, "empty"
	}
	switch data[i] {
	case '{':
	case '[':
		return t, false, "an array"
	default:
		return t, false, "a scalar"
	}
	found := false
	i++
	for {
		i = skipJSONSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return t, found, "object"
		}
		if data[i] == ',' {
			i++
			continue
		}
		kEnd := skipJSONValue(data, i)
		var key string
		_ = json.Unmarshal(data[i:kEnd], &key)
		i = skipJSONSpace(data, kEnd)
		i = skipJSONSpace(data, i+1) // ':'
		vEnd := skipJSONValue(data, i)
		if (key == "openapi" || key == "swagger") && !(found && t.format == "openapi") {
			found = true
			t.format = key
			t.line = bytes.Count(data[:i], []byte{'\n'}) + 1
			raw := data[i:vEnd]
			var s string
			switch {
			case json.Unmarshal(raw, &s) == nil:
				t.version = strings.TrimSpace(s)
			case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
				t.version = string(raw)
			default:
				t.version = "<" + string(firstRune(raw)) + "...>"
			}
			if key == "openapi" {
				return t, true, "object" // it wins; no need to scan the rest
			}
		}
		i = vEnd
	}
}

func firstRune(b []byte) []byte {
	if len(b) > 1 {
		return b[:1]
	}
	return b
}

func skipJSONSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n') {
		i++
	}
	return i
}

// skipJSONValue returns the end of the (valid) JSON value at i.
func skipJSONValue(d []byte, i int) int {
	if i >= len(d) {
		return i
	}
	switch d[i] {
	case '"':
		return skipJSONString(d, i)
	case '{', '[':
		depth := 0
		for i < len(d) {
			switch d[i] {
			case '"':
				i = skipJSONString(d, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(d) && d[i] != ',' && d[i] != '}' && d[i] != ']' && d[i] != ' ' && d[i] != '\n' && d[i] != '\r' && d[i] != '\t' {
			i++
		}
		return i
	}
}

func skipJSONString(d []byte, i int) int {
	i++
	for i < len(d) {
		switch d[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return i
}

// load hands the checked bytes to libopenapi's parser, converting a panic
// inside it into an error naming the file.
//
// Only the parser is used, not libopenapi's model builder: the builder
// indexes and builds in goroutines of its own, where a panic cannot be
// recovered and kills the whole process. FuzzParse found one within a
// minute: with external references off, a media type that is an external
// $ref ("content: {application/json: {$ref: 'other.yaml#/x'}}") crashes
// low/v3.(*Response).Build with a nil pointer (libopenapi v0.42.4). The
// parser is synchronous, so its panics are caught here.
func (p *parser) load() (doc libopenapi.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &Error{File: p.name, Kind: ErrParserPanic, Msg: fmt.Sprintf("libopenapi failed on this document: %v", r)}
		}
	}()
	cfg := libopenapiConfig()
	// JSON validity was established by safedecode; libopenapi's own check
	// (json.Valid again) would only cost time. For YAML it also rejects
	// duplicate keys, so it stays.
	cfg.SkipJSONConversion = safedecode.LooksLikeJSON(p.data)
	doc, err = libopenapi.NewDocumentWithConfiguration(p.data, cfg)
	if err != nil {
		return nil, p.libopenapiError(err)
	}
	return doc, nil
}

func libopenapiConfig() *datamodel.DocumentConfiguration {
	return &datamodel.DocumentConfiguration{
		Logger: slog.New(slog.DiscardHandler),
		// External references are followed by this package (bounded, inside
		// the source root); libopenapi must never touch the file system or
		// the network.
		SkipExternalRefResolution: true,
		AllowFileReferences:       false,
		AllowRemoteReferences:     false,
		ExcludeExtensionRefs:      true,
		// Schemas are analysed on the raw tree; do not rewrite it.
		TransformSiblingRefs:      false,
		MergeReferencedProperties: false,
	}
}

var libopenapiLineRe = regexp.MustCompile(`(?:line (\d+)|L(\d+)\.C\d+|\[(\d+):\d+\])`)

// libopenapiError makes a libopenapi error readable and names the file.
func (p *parser) libopenapiError(err error) *Error {
	msg := err.Error()
	e := &Error{File: p.name, Kind: ErrInvalid, Msg: msg, Err: err}
	if m := libopenapiLineRe.FindStringSubmatch(msg); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				fmt.Sscan(g, &e.Line)
				break
			}
		}
	}
	return e
}

// meta is the API-level information: info, tags, the root and info
// extensions, and for Swagger 2.0 host, basePath and schemes.
type meta struct {
	title, version, description, contact string
	tags                                 []string
	extensions                           map[string]*yaml.Node // root, then info (root wins)
	host, basePath                       string                // Swagger 2.0
	schemes                              []string              // Swagger 2.0
}

// readMeta reads the API metadata from the document.
func (p *parser) readMeta() *meta {
	root := p.main.root
	m := &meta{extensions: map[string]*yaml.Node{}}
	info := get(root, "info")
	m.title, m.version, m.description = str(info, "title"), str(info, "version"), str(info, "description")
	contact := get(info, "contact")
	for _, k := range []string{"email", "url", "name"} {
		if v := str(contact, k); v != "" {
			m.contact = v
			break
		}
	}
	for _, tg := range items(get(root, "tags")) {
		if n := str(tg, "name"); n != "" {
			m.tags = append(m.tags, n)
		}
	}
	for _, n := range []*yaml.Node{root, info} {
		for _, kv := range pairs(n) {
			if _, dup := m.extensions[kv.Key]; isExtension(kv.Key) && !dup {
				m.extensions[kv.Key] = kv.Value
			}
		}
	}
	if p.format == "swagger" {
		m.host, m.basePath = str(root, "host"), str(root, "basePath")
		m.schemes = scalars(get(root, "schemes"))
	}
	return m
}

// apiName is the API's inventory name.
func (p *parser) apiName(m *meta) string {
	if n := strings.TrimSpace(p.opt.API); n != "" {
		return n
	}
	if m.title != "" {
		return m.title
	}
	b := path.Base(strings.ReplaceAll(p.name, "\\", "/"))
	return strings.TrimSuffix(b, path.Ext(b))
}
