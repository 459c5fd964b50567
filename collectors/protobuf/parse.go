package protobuf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// DefaultMaxTotalBytes bounds everything one Parse reads: the files given
// and the imports it loads.
const DefaultMaxTotalBytes int64 = 256 << 20

// File is one .proto file to inventory.
type File struct {
	// Name is the file's slash-separated path relative to the source root
	// ("protos/foo/v1/foo.proto"). Imports are resolved against it: an
	// import "foo/v1/foo.proto" finds this file when "protos" is an import
	// path, or when Name is "foo/v1/foo.proto" itself.
	Name string
	// Display names the file in messages, locations and artifacts; Name
	// when empty.
	Display string
	Data    []byte
}

// Options tune Parse.
type Options struct {
	// API, APIMap and Owner have the meaning of the collectors.Source
	// fields: the API name is Source.APIName(package).
	API    string
	APIMap map[string]string
	Owner  string
	// ImportPaths are directories (relative to the source root) searched
	// for imports before the root itself, like protoc's -I.
	ImportPaths []string
	// ImportFS, when set, is the source root: imports not among the Files
	// are read from it (through ImportPaths, then at the root). Nothing
	// outside it is read.
	ImportFS fs.FS
	// DisplayName names a file read from ImportFS (its path there) in
	// messages; nil keeps the path.
	DisplayName func(rel string) string
	// Limits bound each file: MaxBytes its size (64 MiB by default),
	// MaxDepth the nesting of braces in it (256).
	Limits safedecode.Limits
	// MaxTotalBytes bounds all bytes read by one Parse, imports included.
	MaxTotalBytes int64

	// noLink skips the linker (tests compare both paths).
	noLink bool
}

// Result is what one set of files yields.
type Result struct {
	// APIs holds one entry per protobuf package that defines a service
	// (everything in one entry when Options.API is set), sorted by name.
	APIs []APIResult
	// Warnings are problems that did not stop the parse: files that could
	// not be linked (a missing import), duplicate endpoints, unknown
	// security schemes. Facts they make uncertain are left out.
	Warnings []string
}

// APIResult is one API: its inventory entry, endpoints and evidence.
type APIResult struct {
	API       collectors.API
	Endpoints []collectors.Endpoint
	// Evidence holds the API-scope record first, then one record per
	// endpoint in the order of Endpoints.
	Evidence []collectors.Evidence
	// Packages are the protobuf packages in the API; Files the files
	// defining its services (display names), both sorted.
	Packages []string
	Files    []string
}

// Error kinds, for errors.Is. Size and depth errors also match
// safedecode.ErrTooLarge and safedecode.ErrTooDeep.
var (
	ErrSyntax      = errors.New("syntax error")
	ErrParserPanic = errors.New("parser panic")
	ErrInvalid     = errors.New("invalid input")
)

// Error is a file that could not be read. Its text is
// "protobuf: FILE:LINE:COL: message" (the position when known).
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
	Kind   error
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("protobuf: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes the kind and the cause to errors.Is/As.
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

// srcFile is a file known to one Parse: a target or an import.
type srcFile struct {
	name    string // import path: the name imports use
	rel     string // path relative to the source root
	display string
	data    []byte
	res     parser.Result
	target  bool
	art     *collectors.Artifact
}

// state is one Parse call.
type state struct {
	ctx      context.Context
	opt      Options
	lim      safedecode.Limits
	maxTotal int64
	total    int64

	byRel   map[string]*File    // the given files by Name
	files   map[string]*srcFile // by import name
	std     map[string]protoreflect.FileDescriptor
	missing map[string]bool // import names found nowhere
	targets []*srcFile

	mu     sync.Mutex
	linked map[string]linker.File // files linked so far, reused as dependencies

	stdProtos map[string]*descriptorpb.FileDescriptorProto // standard imports as protos

	warnings []string
}

var stdResolver = protocompile.WithStandardImports(protocompile.ResolverFunc(func(string) (protocompile.SearchResult, error) {
	return protocompile.SearchResult{}, fs.ErrNotExist
}))

// standardFile returns the descriptor of a standard import
// ("google/protobuf/timestamp.proto"), or nil.
func standardFile(name string) protoreflect.FileDescriptor {
	r, err := stdResolver.FindFileByPath(name)
	if err != nil {
		return nil
	}
	return r.Desc
}

// Parse reads .proto files and returns the gRPC APIs they define. Imports
// are resolved among files, then through opt.ImportFS; when every import
// of a file is found, the file is linked and its options interpreted by
// protocompile, otherwise it is read unlinked (with a warning naming the
// missing import). Syntax errors are errors naming the file, line and
// column.
func Parse(files []File, opt Options) (*Result, error) {
	return parse(context.Background(), files, opt)
}

func parse(ctx context.Context, files []File, opt Options) (res *Result, err error) {
	st := &state{
		ctx:      ctx,
		opt:      opt,
		lim:      opt.Limits.Normalize(),
		maxTotal: opt.MaxTotalBytes,
		byRel:    map[string]*File{},
		files:    map[string]*srcFile{},
		std:      map[string]protoreflect.FileDescriptor{},
		missing:  map[string]bool{},
		linked:   map[string]linker.File{},

		stdProtos: map[string]*descriptorpb.FileDescriptorProto{},
	}
	if st.maxTotal <= 0 {
		st.maxTotal = DefaultMaxTotalBytes
	}
	st.opt.ImportPaths = nil
	for _, ip := range opt.ImportPaths {
		c, err := cleanRel(ip)
		if err != nil {
			return nil, &Error{File: ip, Kind: ErrInvalid, Msg: "import path " + err.Error()}
		}
		st.opt.ImportPaths = append(st.opt.ImportPaths, c)
	}
	if err := st.loadTargets(files); err != nil {
		return nil, err
	}
	if err := st.loadImports(); err != nil {
		return nil, err
	}
	b := newBuilder(st)
	for _, t := range st.targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := st.addTarget(b, t); err != nil {
			return nil, err
		}
	}
	out := b.result()
	out.Warnings = append(st.warnings, out.Warnings...)
	return out, nil
}

// addTarget analyses one target; a panic while reading its descriptors
// becomes an error naming the file.
func (st *state) addTarget(b *builder, t *srcFile) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{File: t.display, Kind: ErrParserPanic, Msg: fmt.Sprintf("panic while reading the descriptors: %v", p)}
		}
	}()
	u, err := st.unitFor(t)
	if err != nil {
		return err
	}
	return b.addUnit(u)
}

// cleanRel cleans a slash-separated path relative to the source root and
// refuses one that leaves it.
func cleanRel(p string) (string, error) {
	c := path.Clean(strings.ReplaceAll(p, "\\", "/"))
	if c == "." {
		return ".", nil
	}
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", errors.New("leaves the source root")
	}
	return c, nil
}

// canonical is the import name of a file at rel: its path under the first
// import path containing it, else rel.
func (st *state) canonical(rel string) string {
	for _, ip := range st.opt.ImportPaths {
		if ip == "." {
			continue
		}
		if strings.HasPrefix(rel, ip+"/") {
			return rel[len(ip)+1:]
		}
	}
	return rel
}

func (st *state) charge(display string, n int) error {
	st.total += int64(n)
	if st.total > st.maxTotal {
		return &Error{File: display, Kind: safedecode.ErrTooLarge,
			Msg: fmt.Sprintf("the files read exceed the total size limit of %d bytes", st.maxTotal)}
	}
	return nil
}

func (st *state) loadTargets(files []File) error {
	sorted := make([]File, len(files))
	copy(sorted, files)
	for i := range sorted {
		if sorted[i].Display == "" {
			sorted[i].Display = sorted[i].Name
		}
		rel, err := cleanRel(sorted[i].Name)
		if err != nil || rel == "." {
			return &Error{File: sorted[i].Display, Kind: ErrInvalid, Msg: "file name must be a path inside the source root"}
		}
		sorted[i].Name = rel
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := range sorted {
		f := &sorted[i]
		if _, dup := st.byRel[f.Name]; dup {
			continue
		}
		st.byRel[f.Name] = f
	}
	for i := range sorted {
		f := &sorted[i]
		if st.byRel[f.Name] != f {
			continue
		}
		name := st.canonical(f.Name)
		if other, dup := st.files[name]; dup {
			st.warnf("%s: skipped: its import name %q is already taken by %s", f.Display, name, other.display)
			continue
		}
		sf, err := st.parseFile(name, f.Name, f.Display, f.Data)
		if err != nil {
			return err
		}
		sf.target = true
		sf.art = &collectors.Artifact{Name: f.Display, ContentType: "text/x-protobuf", Data: f.Data}
		st.files[name] = sf
		st.targets = append(st.targets, sf)
	}
	sort.SliceStable(st.targets, func(i, j int) bool { return st.targets[i].name < st.targets[j].name })
	return nil
}

// parseFile checks the limits and parses one file. A panic in the parser
// becomes an error naming the file.
func (st *state) parseFile(name, rel, display string, data []byte) (sf *srcFile, err error) {
	if err := safedecode.CheckSize(display, int64(len(data)), st.lim); err != nil {
		return nil, &Error{File: display, Kind: safedecode.ErrTooLarge, Msg: strings.TrimPrefix(err.Error(), display+": "), Err: err}
	}
	if err := st.charge(display, len(data)); err != nil {
		return nil, err
	}
	if err := prescan(display, data, st.lim.MaxDepth); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			sf, err = nil, &Error{File: display, Kind: ErrParserPanic, Msg: fmt.Sprintf("parser panic: %v", p)}
		}
	}()
	h := reporter.NewHandler(nil)
	node, err := parser.Parse(name, bytes.NewReader(data), h)
	if err != nil {
		return nil, posError(display, err)
	}
	pres, err := parser.ResultFromAST(node, true, h)
	if err != nil {
		return nil, posError(display, err)
	}
	return &srcFile{name: name, rel: rel, display: display, data: data, res: pres}, nil
}

// posError turns a protocompile error into an *Error at its position.
func posError(display string, err error) error {
	var ep reporter.ErrorWithPos
	if errors.As(err, &ep) {
		pos := ep.GetPosition()
		msg := err.Error()
		if u := ep.Unwrap(); u != nil {
			msg = u.Error()
		}
		return &Error{File: display, Line: pos.Line, Column: pos.Col, Kind: ErrSyntax, Msg: msg, Err: err}
	}
	return &Error{File: display, Kind: ErrSyntax, Msg: err.Error(), Err: err}
}

// loadImports reads and parses the import closure of every target, in
// order, so that a syntax error in an import is reported the same way
// every time and the linker only reads from memory.
func (st *state) loadImports() error {
	queue := append([]*srcFile(nil), st.targets...)
	for len(queue) > 0 {
		if err := st.ctx.Err(); err != nil {
			return err
		}
		f := queue[0]
		queue = queue[1:]
		for _, dep := range f.res.FileDescriptorProto().GetDependency() {
			if _, ok := st.files[dep]; ok || st.std[dep] != nil || st.missing[dep] {
				continue
			}
			nf, err := st.findImport(dep)
			if err != nil {
				return err
			}
			if nf != nil {
				st.files[dep] = nf
				queue = append(queue, nf)
			}
		}
	}
	return nil
}

// findImport looks an import name up: under each import path, then at the
// root, first among the given files, then in ImportFS; then among the
// standard imports. A name found nowhere is recorded as missing.
func (st *state) findImport(name string) (*srcFile, error) {
	if c, err := cleanRel(name); err == nil && c == name && fs.ValidPath(name) {
		cands := make([]string, 0, len(st.opt.ImportPaths)+1)
		for _, ip := range st.opt.ImportPaths {
			cands = append(cands, path.Join(ip, name))
		}
		cands = append(cands, name)
		for _, rel := range cands {
			if f, ok := st.byRel[rel]; ok {
				return st.parseFile(name, rel, f.Display, f.Data)
			}
			if st.opt.ImportFS == nil {
				continue
			}
			display := rel
			if st.opt.DisplayName != nil {
				display = st.opt.DisplayName(rel)
			}
			data, err := safedecode.ReadFile(st.opt.ImportFS, rel, st.lim)
			if err != nil {
				if errors.Is(err, safedecode.ErrTooLarge) {
					return nil, &Error{File: display, Kind: safedecode.ErrTooLarge, Msg: strings.TrimPrefix(err.Error(), rel+": "), Err: err}
				}
				continue // not there (or a directory): try the next place
			}
			return st.parseFile(name, rel, display, data)
		}
	}
	if d := standardFile(name); d != nil {
		st.std[name] = d
		return nil, nil
	}
	st.missing[name] = true
	return nil, nil
}

func (st *state) warnf(format string, args ...any) {
	st.warnings = append(st.warnings, fmt.Sprintf(format, args...))
}

// FindFileByPath implements protocompile.Resolver over what loadImports
// found; files linked by an earlier target are reused as they are.
func (st *state) FindFileByPath(name string) (protocompile.SearchResult, error) {
	st.mu.Lock()
	lf := st.linked[name]
	st.mu.Unlock()
	if lf != nil {
		return protocompile.SearchResult{Desc: lf}, nil
	}
	if f, ok := st.files[name]; ok {
		return protocompile.SearchResult{ParseResult: f.res}, nil
	}
	if d := st.std[name]; d != nil {
		return protocompile.SearchResult{Desc: d}, nil
	}
	return protocompile.SearchResult{}, fs.ErrNotExist
}

// missingImports lists, sorted, the imports in f's closure found nowhere,
// each with the file that imports it.
func (st *state) missingImports(f *srcFile) []string {
	var out []string
	seen := map[string]bool{f.name: true}
	queue := []*srcFile{f}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, dep := range g.res.FileDescriptorProto().GetDependency() {
			if st.missing[dep] {
				if g == f {
					out = append(out, fmt.Sprintf("import %q not found", dep))
				} else {
					out = append(out, fmt.Sprintf("import %q of %s not found", dep, g.display))
				}
				continue
			}
			if n, ok := st.files[dep]; ok && !seen[dep] {
				seen[dep] = true
				queue = append(queue, n)
			}
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// link compiles one target with protocompile. A failure is returned, not
// raised: the caller falls back to the unlinked descriptors.
func (st *state) link(f *srcFile) (res linker.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("linker panic: %v", p)
		}
	}()
	c := protocompile.Compiler{
		Resolver:       st,
		MaxParallelism: 1,
		RetainASTs:     true,
		Reporter:       reporter.NewReporter(nil, func(reporter.ErrorWithPos) {}),
	}
	out, err := c.Compile(st.ctx, f.name)
	if err != nil {
		return nil, err
	}
	r, ok := out[0].(linker.Result)
	if !ok {
		return nil, errors.New("the linker returned no source result")
	}
	// Keep every file of the closure for the next targets.
	st.mu.Lock()
	defer st.mu.Unlock()
	var walk func(linker.File)
	seen := map[string]bool{}
	walk = func(lf linker.File) {
		if seen[lf.Path()] {
			return
		}
		seen[lf.Path()] = true
		if _, std := st.std[lf.Path()]; !std {
			st.linked[lf.Path()] = lf
		}
		imps := lf.Imports()
		for i := 0; i < imps.Len(); i++ {
			if d := lf.FindImportByPath(imps.Get(i).Path()); d != nil {
				walk(d)
			}
		}
	}
	walk(r)
	return r, nil
}

// unitFor prepares one target for analysis: linked when possible, else
// from the parsed descriptors with a warning naming the reason.
func (st *state) unitFor(f *srcFile) (*unit, error) {
	if !st.opt.noLink {
		missing := st.missingImports(f)
		if len(missing) == 0 {
			r, err := st.link(f)
			if err == nil {
				return st.linkedUnit(f, r), nil
			}
			if ctxErr := st.ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			st.warnf("%s: not linked, read without linking: %s", f.display, linkMessage(st, err))
		} else {
			st.warnf("%s: not linked, read without linking: %s", f.display, strings.Join(missing, "; "))
		}
	}
	return st.unlinkedUnit(f), nil
}

// linkMessage names the file and position of a link error by display
// name.
func linkMessage(st *state, err error) string {
	var ep reporter.ErrorWithPos
	if errors.As(err, &ep) {
		pos := ep.GetPosition()
		display := pos.Filename
		if sf, ok := st.files[pos.Filename]; ok {
			display = sf.display
		}
		msg := err.Error()
		if u := ep.Unwrap(); u != nil {
			msg = u.Error()
		}
		return fmt.Sprintf("%s:%d:%d: %s", display, pos.Line, pos.Col, msg)
	}
	return err.Error()
}

// linkedUnit gathers the linked descriptors of f's closure.
func (st *state) linkedUnit(f *srcFile, r linker.Result) *unit {
	u := &unit{target: f, fd: r.FileDescriptorProto(), res: r, linked: true, syms: newSymtab()}
	seen := map[string]bool{}
	var walk func(lf protoreflect.FileDescriptor)
	walk = func(lf protoreflect.FileDescriptor) {
		if seen[lf.Path()] {
			return
		}
		seen[lf.Path()] = true
		var fd *descriptorpb.FileDescriptorProto
		var pres parser.Result
		if lr, ok := lf.(linker.Result); ok {
			fd, pres = lr.FileDescriptorProto(), lr
		} else {
			fd = st.stdProto(lf)
		}
		u.addFile(fd, pres)
		imps := lf.Imports()
		for i := 0; i < imps.Len(); i++ {
			if imp := imps.Get(i).FileDescriptor; imp != nil {
				walk(imp)
			}
		}
	}
	walk(r)
	return u
}

// stdProto converts a file without source (a standard import) to its
// descriptor proto once per Parse.
func (st *state) stdProto(d protoreflect.FileDescriptor) *descriptorpb.FileDescriptorProto {
	if fd, ok := st.stdProtos[d.Path()]; ok {
		return fd
	}
	fd := protodesc.ToFileDescriptorProto(d)
	st.stdProtos[d.Path()] = fd
	return fd
}

// unlinkedUnit gathers the parsed descriptors of f's closure (standard
// imports from their compiled-in descriptors).
func (st *state) unlinkedUnit(f *srcFile) *unit {
	u := &unit{target: f, fd: f.res.FileDescriptorProto(), res: f.res, syms: newSymtab()}
	seen := map[string]bool{f.name: true}
	queue := []*srcFile{f}
	u.addFile(f.res.FileDescriptorProto(), f.res)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, dep := range g.res.FileDescriptorProto().GetDependency() {
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if n, ok := st.files[dep]; ok {
				u.addFile(n.res.FileDescriptorProto(), n.res)
				queue = append(queue, n)
			} else if d := st.std[dep]; d != nil {
				u.addFile(st.stdProto(d), nil)
			}
		}
	}
	return u
}
