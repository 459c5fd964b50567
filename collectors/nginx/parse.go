package nginx

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Default bounds of one Parse call.
const (
	DefaultMaxIncludeDepth = 16
	DefaultMaxDirectives   = 1_000_000
	maxBlockDepth          = 64
)

// Options tune Parse.
type Options struct {
	// FS is the source root that include directives are resolved in; nil
	// leaves every include unresolved.
	FS fs.FS
	// Path is the parsed file's slash-separated path inside FS. A relative
	// include is looked up relative to the including file's directory
	// first, then relative to FS's root, which stands for nginx's prefix
	// (nginx itself resolves relative includes against the directory of
	// the main nginx.conf, so files under conf.d/ say "include h5bp/x.conf"
	// and mean the prefix). Nothing outside FS is ever read.
	Path string
	// AbsRoot is the absolute OS path FS stands for ("/etc/nginx"), so an
	// absolute include below it can be resolved; "" leaves absolute
	// includes unresolved.
	AbsRoot string
	// Limits bound every file read (MaxBytes); MaxDepth, when set, also
	// bounds block nesting.
	Limits safedecode.Limits
	// MaxIncludeDepth bounds nested includes (default 16);
	// MaxDirectives bounds the directives after include expansion
	// (default 1,000,000), so a file included a million times through
	// globs and nesting is an error rather than an explosion.
	MaxIncludeDepth int
	MaxDirectives   int
}

// Kinds of error, for errors.Is.
var (
	ErrNotNginx = errors.New("not an nginx configuration")
	ErrSyntax   = errors.New("syntax error")
	ErrInvalid  = errors.New("invalid configuration")
	ErrLimit    = errors.New("limit exceeded")
)

// Error is a configuration that could not be read. Its text is
// "nginx: FILE: [INCLUDED-FILE: ][line N: ]message".
type Error struct {
	File string // the file given to Parse
	In   string // the included file the problem is in; "" for File itself
	Line int
	Msg  string
	Kind error // one of the Err* kinds
	Err  error // the underlying error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("nginx: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.In != "" {
		b.WriteString(e.In)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
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

// Directive is one statement after include expansion.
type Directive struct {
	Name  string
	Args  []string
	File  string // "" for the parsed file itself, else the included file's path in FS
	Line  int
	Block []*Directive // children of a block directive
	// IsBlock tells "name {...}" from "name;" (an empty block has no
	// children but is still a block).
	IsBlock bool
	// Lua is the raw body of a *_by_lua_block directive.
	Lua string
	// Include is set on an include directive that could not be resolved
	// (resolved ones are replaced by the included directives).
	Include *Include
}

// Include is one include directive and what it resolved to.
type Include struct {
	Pattern string
	File    string // where the directive is ("" = the parsed file)
	Line    int
	Files   []string // resolved files (paths in FS)
	Reason  string   // why it is unresolved; "" when resolved
}

// Result is what Parse found in one file and the files it includes.
type Result struct {
	File       string
	Servers    []Server
	Routes     []Route
	Includes   []Include // every include directive met, resolved or not
	Directives int       // statements after include expansion
	// Tree is the file's top level after include expansion.
	Tree []*Directive
}

// Server is one server block of the http context.
type Server struct {
	API     string   // first server_name, or FILE:PORT for "_" / none
	Names   []string // server_name arguments as written
	Listens []Listen
	File    string // "" = the parsed file
	Line    int
	Routes  int // routes emitted for this server
}

// Listen is one listen directive.
type Listen struct {
	Address string
	Port    string
	SSL     bool // "ssl" parameter, or the deprecated "ssl on" directive
	QUIC    bool
	HTTP2   bool
}

// Route is one location block (or a server without locations): the unit
// nginx matches a request to, with its effective protection.
type Route struct {
	API    string // the server's API name
	Server int    // index into Result.Servers
	Route  collectors.Route
	File   string // "" = the parsed file
	Line   int
	// Location is "file:line", followed by warnings about includes that
	// could not be resolved.
	Location   string
	Facts      collectors.Facts
	Unresolved []Include // unresolved includes that could change Facts (at most 16 listed)
}

// parser holds the state of one Parse call.
type parser struct {
	name     string
	opt      Options
	lim      safedecode.Limits
	depthMax int
	cache    map[string][]*Directive // expanded trees of included files
	sizes    map[string]int          // their directive counts
	heights  map[string]int          // their block nesting
	stack    []string                // include chain, for cycle detection
	count    int
	includes []Include
	index    map[*Directive]*blockInfo
	zones    map[string]int64 // limit_req_zone name -> requests per minute (-1: unknown)
	maps     map[string]*varMap
	valCache map[string]valInfo     // header value -> what it resolves to
	mapCORS  map[string]*corsResult // map variable -> its CORS reading
	hdrMemo  map[hdrKey]*hdrInfo
}

// Parse reads one nginx configuration file. name is used in messages and
// as the display name of the file; data is its content. Includes are
// resolved through opt.FS (see Options). Parse never panics; every error is
// an *Error naming the file and, where there is one, the line.
func Parse(name string, data []byte, opt Options) (res *Result, err error) {
	p := &parser{name: name, opt: opt, lim: opt.Limits.Normalize(),
		cache: map[string][]*Directive{}, sizes: map[string]int{}, heights: map[string]int{},
		index: map[*Directive]*blockInfo{}, valCache: map[string]valInfo{}, mapCORS: map[string]*corsResult{}, hdrMemo: map[hdrKey]*hdrInfo{}}
	if p.opt.MaxIncludeDepth <= 0 {
		p.opt.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	if p.opt.MaxDirectives <= 0 {
		p.opt.MaxDirectives = DefaultMaxDirectives
	}
	p.depthMax = maxBlockDepth
	if opt.Limits.MaxDepth > 0 && opt.Limits.MaxDepth < p.depthMax {
		p.depthMax = opt.Limits.MaxDepth
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error: %v", r), Kind: ErrInvalid}
		}
	}()
	if err := safedecode.CheckSize(name, int64(len(data)), p.lim); err != nil {
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), name+": "), Kind: ErrLimit, Err: err}
	}
	self := path.Clean(opt.Path)
	if opt.Path == "" {
		self = ""
	}
	if self != "" {
		p.stack = append(p.stack, self)
	}
	tree, n, _, err := p.parseFile("", self, data, 0)
	if err != nil {
		return nil, err
	}
	res = &Result{File: name, Tree: tree, Directives: n}
	if err := p.validate(tree, "", 0); err != nil {
		return nil, err
	}
	if err := p.build(res); err != nil {
		return nil, err
	}
	res.Includes = p.includes
	return res, nil
}

func (p *parser) errAt(file string, line int, kind error, format string, args ...any) *Error {
	return &Error{File: p.name, In: file, Line: line, Msg: fmt.Sprintf(format, args...), Kind: kind}
}

// frame is an open block while a file is read.
type frame struct {
	d        *Directive
	children []*Directive
}

// blockOnly are directives nginx only accepts with a block; simpleOnly
// those it only accepts without one (the ones this package interprets).
var blockOnly = map[string]bool{
	"http": true, "events": true, "location": true, "if": true, "limit_except": true,
	"map": true, "types": true, "geo": true, "split_clients": true, "stream": true,
	"mail": true, "match": true, "charset_map": true,
}

var simpleOnly = map[string]bool{
	"include": true, "listen": true, "server_name": true, "add_header": true, "add_header_inherit": true,
	"proxy_pass": true, "grpc_pass": true, "fastcgi_pass": true, "uwsgi_pass": true, "scgi_pass": true,
	"memcached_pass": true, "return": true, "rewrite": true, "allow": true, "deny": true,
	"auth_basic": true, "auth_basic_user_file": true, "auth_request": true, "auth_jwt": true,
	"limit_req": true, "limit_req_zone": true, "limit_conn": true, "limit_conn_zone": true,
	"client_max_body_size": true, "access_log": true, "ssl_protocols": true, "ssl_verify_client": true,
	"satisfy": true, "ssl": true, "proxy_read_timeout": true, "proxy_connect_timeout": true,
	"proxy_send_timeout": true, "more_set_headers": true, "more_clear_headers": true,
	"limit_req_dry_run": true, "limit_conn_dry_run": true, "root": true, "index": true,
}

// opaque blocks hold data, not directives: nothing inside is checked or
// interpreted as a directive.
var opaque = map[string]bool{
	"map": true, "types": true, "geo": true, "split_clients": true, "charset_map": true, "match": true,
}

// parseFile reads one file's statements into a tree, expanding includes.
// file is its display name ("" for the parsed file), fsPath its path in FS
// ("" when unknown). It returns the tree, its directive count and its
// height (the deepest block nesting, included files counted), so nesting
// stays bounded however files include each other.
func (p *parser) parseFile(file, fsPath string, data []byte, incDepth int) (tree []*Directive, count, height int, err error) {
	lx := newLexer(data)
	stack := []*frame{{}}
	for {
		args, end, lerr := lx.statement()
		if lerr != nil {
			return nil, 0, 0, p.errAt(file, lerr.line, ErrSyntax, "%s", lerr.msg)
		}
		top := stack[len(stack)-1]
		switch end {
		case endEOF:
			if len(stack) > 1 {
				return nil, 0, 0, p.errAt(file, lx.line, ErrSyntax, `unexpected end of file, expecting "}" (block %q opened at line %d)`, stack[len(stack)-1].d.Name, stack[len(stack)-1].d.Line)
			}
			return top.children, count, height, nil
		case endClose:
			if len(stack) == 1 {
				return nil, 0, 0, p.errAt(file, lx.line, ErrSyntax, `unexpected "}"`)
			}
			top.d.Block = top.children
			stack = stack[:len(stack)-1]
			parent := stack[len(stack)-1]
			parent.children = append(parent.children, top.d)
			continue
		}
		d := &Directive{Name: args[0].text, File: file, Line: args[0].line}
		if len(args) > 1 {
			d.Args = make([]string, len(args)-1)
			for i, a := range args[1:] {
				d.Args[i] = a.text
			}
		}
		count++
		p.count++
		if p.count > p.opt.MaxDirectives {
			return nil, 0, 0, p.errAt(file, d.Line, ErrLimit, "more than %d directives after include expansion", p.opt.MaxDirectives)
		}
		inOpaque := top.d != nil && opaque[top.d.Name]
		if end == endBlock {
			if !inOpaque && simpleOnly[d.Name] && !(d.Name == "server" && top.d != nil && top.d.Name == "upstream") {
				return nil, 0, 0, p.errAt(file, d.Line, ErrSyntax, "directive %q is not terminated by \";\"", d.Name)
			}
			d.IsBlock = true
			if strings.HasSuffix(d.Name, "_by_lua_block") {
				body, lerr := lx.luaBlock(d.Line)
				if lerr != nil {
					return nil, 0, 0, p.errAt(file, lerr.line, ErrSyntax, "%s", lerr.msg)
				}
				d.Lua = body
				top.children = append(top.children, d)
				continue
			}
			height = max(height, len(stack))
			if len(stack) > p.depthMax {
				return nil, 0, 0, p.errAt(file, d.Line, ErrLimit, "blocks nested more than %d deep", p.depthMax)
			}
			stack = append(stack, &frame{d: d})
			continue
		}
		if !inOpaque && (blockOnly[d.Name] || (d.Name == "server" && (top.d == nil || top.d.Name != "upstream"))) {
			return nil, 0, 0, p.errAt(file, d.Line, ErrSyntax, "directive %q has no opening \"{\"", d.Name)
		}
		if d.Name == "include" {
			if len(d.Args) != 1 {
				return nil, 0, 0, p.errAt(file, d.Line, ErrInvalid, `invalid number of arguments in "include" directive`)
			}
			dirs, n, h, err := p.include(d, fsPath, incDepth)
			if err != nil {
				return nil, 0, 0, err
			}
			if len(stack)-1+h > p.depthMax {
				return nil, 0, 0, p.errAt(file, d.Line, ErrLimit, "blocks nested more than %d deep (through include %q)", p.depthMax, d.Args[0])
			}
			height = max(height, len(stack)-1+h)
			top.children = append(top.children, dirs...)
			count += n
			continue
		}
		top.children = append(top.children, d)
	}
}

// include resolves one include directive: its expanded content, or the
// directive itself marked unresolved.
func (p *parser) include(d *Directive, from string, incDepth int) (out []*Directive, total, height int, err error) {
	inc := Include{Pattern: d.Args[0], File: d.File, Line: d.Line}
	files, reason, err := p.resolve(inc.Pattern, from)
	if err != nil {
		return nil, 0, 0, p.errAt(d.File, d.Line, ErrInvalid, "include %q: %v", inc.Pattern, err)
	}
	if reason != "" {
		inc.Reason = reason
		p.includes = append(p.includes, inc)
		cp := inc
		d.Include = &cp
		return []*Directive{d}, 0, 0, nil
	}
	inc.Files = files
	p.includes = append(p.includes, inc)
	if incDepth+1 > p.opt.MaxIncludeDepth {
		return nil, 0, 0, p.errAt(d.File, d.Line, ErrLimit, "includes nested more than %d deep", p.opt.MaxIncludeDepth)
	}
	for _, f := range files {
		for _, s := range p.stack {
			if s == f {
				return nil, 0, 0, p.errAt(d.File, d.Line, ErrInvalid, "include cycle: %s -> %s", strings.Join(p.stack, " -> "), f)
			}
		}
		tree, ok := p.cache[f]
		n, h := p.sizes[f], p.heights[f]
		if ok {
			p.count += n
		} else {
			data, err := safedecode.ReadFile(p.opt.FS, f, p.lim)
			if err != nil {
				kind := ErrInvalid
				if errors.Is(err, safedecode.ErrTooLarge) {
					kind = ErrLimit
				}
				return nil, 0, 0, &Error{File: p.name, In: f, Msg: strings.TrimPrefix(err.Error(), f+": "), Kind: kind, Err: err}
			}
			p.stack = append(p.stack, f)
			tree, n, h, err = p.parseFile(f, f, data, incDepth+1)
			p.stack = p.stack[:len(p.stack)-1]
			if err != nil {
				return nil, 0, 0, err
			}
			p.cache[f], p.sizes[f], p.heights[f] = tree, n, h
		}
		total += n
		if p.count > p.opt.MaxDirectives {
			return nil, 0, 0, p.errAt(d.File, d.Line, ErrLimit, "more than %d directives after include expansion", p.opt.MaxDirectives)
		}
		out = append(out, tree...)
		height = max(height, h)
	}
	return out, total, height, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// resolve finds the files an include pattern names. reason is set when it
// cannot be resolved (not an error: h5bp-style fragments include files that
// live elsewhere); err only for a malformed pattern.
func (p *parser) resolve(pattern, from string) (files []string, reason string, err error) {
	if p.opt.FS == nil {
		return nil, "no source directory to resolve includes in", nil
	}
	if strings.Contains(pattern, "${") {
		return nil, "contains a template placeholder", nil
	}
	var candidates []string
	if strings.HasPrefix(pattern, "/") {
		root := strings.TrimRight(p.opt.AbsRoot, "/")
		if root == "" || !strings.HasPrefix(pattern, root+"/") {
			return nil, "absolute path outside the source root", nil
		}
		candidates = []string{path.Clean(strings.TrimPrefix(pattern, root+"/"))}
	} else {
		dir := "."
		if from != "" {
			dir = path.Dir(from)
		}
		candidates = append(candidates, path.Join(dir, pattern))
		if dir != "." {
			candidates = append(candidates, path.Clean(pattern))
		}
	}
	outside := false
	for _, c := range candidates {
		if !fs.ValidPath(c) {
			outside = true
			continue
		}
		if hasMeta(pattern) {
			matches, gerr := fs.Glob(p.opt.FS, c)
			if gerr != nil {
				return nil, "", gerr
			}
			var regular []string
			hiddenOK := strings.HasPrefix(path.Base(pattern), ".")
			for _, m := range matches {
				if !hiddenOK && strings.HasPrefix(path.Base(m), ".") {
					continue // glob(3), which nginx uses, skips dot files for "*"
				}
				if st, serr := fs.Stat(p.opt.FS, m); serr == nil && st.Mode().IsRegular() {
					regular = append(regular, m)
				}
			}
			if len(regular) > 0 {
				sort.Strings(regular)
				return regular, "", nil
			}
			continue
		}
		if st, serr := fs.Stat(p.opt.FS, c); serr == nil && st.Mode().IsRegular() {
			return []string{c}, "", nil
		}
	}
	switch {
	case outside:
		return nil, "outside the source root", nil
	case hasMeta(pattern):
		return nil, "matched no files under the source root", nil
	}
	return nil, "not found under the source root", nil
}

// blockInfo summarises a block's direct children once, so computing the
// facts of many routes under one server costs the size of the tree, not
// routes x server size.
type blockInfo struct {
	byName     map[string][]*Directive
	access     []*Directive // allow/deny, in order
	denies     bool         // the access list denies some client
	allows     bool         // the access list admits some client
	plugins    []string     // notable directives (any level)
	own        []string     // return/rewrite/limit_except: count on their own level only
	unresolved []Include
	redirect   bool         // redirects plain requests to https
	more       []*Directive // more_set_headers / more_clear_headers, in order
}

func (p *parser) info(b *Directive) *blockInfo {
	if bi, ok := p.index[b]; ok {
		return bi
	}
	bi := &blockInfo{byName: map[string][]*Directive{}}
	for _, c := range b.Block {
		bi.byName[c.Name] = append(bi.byName[c.Name], c)
		switch {
		case c.Name == "allow" || c.Name == "deny":
			bi.access = append(bi.access, c)
		case c.Name == "more_set_headers" || c.Name == "more_clear_headers":
			bi.more = append(bi.more, c)
		case c.Name == "return" || c.Name == "rewrite" || c.Name == "limit_except" || c.Name == "internal":
			bi.own = append(bi.own, c.Name)
		case strings.Contains(c.Name, "_by_lua"), strings.HasPrefix(c.Name, "js_"),
			c.Name == "sub_filter", c.Name == "perl":
			bi.plugins = append(bi.plugins, c.Name)
		}
		if c.Include != nil {
			bi.unresolved = append(bi.unresolved, *c.Include)
		}
	}
	bi.denies, bi.allows = restrictive(bi.access)
	bi.redirect = redirectsToHTTPS(b)
	p.index[b] = bi
	return bi
}

// children indexes a block's direct children by name.
func (p *parser) children(b *Directive) map[string][]*Directive { return p.info(b).byName }
