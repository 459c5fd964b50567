package nginx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "nginx"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1"

// ContentType of the artifacts this collector stores.
const ContentType = "text/x-nginx-conf"

// Collector reads nginx configuration files.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Origin implements collectors.Originator: routes come from a gateway.
func (Collector) Origin() string { return collectors.OriginGateway }

// headSize is how much of a file Detect looks at in a directory walk.
const headSize = 16 << 10

// knownDirectives are directive names common enough to recognise an nginx
// configuration by (core, http, ssl, proxy, log, limit, auth, lua).
var knownDirectives = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`user worker_processes worker_rlimit_nofile worker_connections error_log pid
		events http server location listen server_name root alias index include access_log log_format
		proxy_pass proxy_set_header proxy_redirect proxy_buffering proxy_http_version proxy_read_timeout
		proxy_connect_timeout proxy_send_timeout add_header ssl_certificate ssl_certificate_key ssl_protocols
		ssl_ciphers ssl_prefer_server_ciphers ssl_session_cache ssl_session_timeout ssl_session_tickets
		ssl_ecdh_curve ssl_stapling ssl_stapling_verify ssl_dhparam ssl_client_certificate ssl_verify_client
		ssl_trusted_certificate ssl_early_data gzip gzip_types gzip_vary gzip_comp_level sendfile tcp_nopush
		tcp_nodelay keepalive_timeout client_max_body_size client_body_timeout upstream map types
		default_type charset return rewrite try_files limit_req_zone limit_req limit_conn_zone limit_conn
		auth_basic auth_basic_user_file auth_request auth_jwt allow deny expires server_tokens load_module
		stream mail fastcgi_pass fastcgi_param uwsgi_pass grpc_pass set resolver error_page autoindex etag
		if_modified_since sub_filter sub_filter_once sub_filter_types real_ip_header set_real_ip_from
		more_set_headers lua_package_path content_by_lua_block access_by_lua_block rewrite_by_lua_block
		init_by_lua_block js_import js_content satisfy limit_except if daemon env worker_cpu_affinity
		multi_accept use open_file_cache server_names_hash_bucket_size variables_hash_max_size
		client_body_buffer_size large_client_header_buffers keepalive_requests reset_timedout_connection
		send_timeout proxy_cache proxy_cache_path`) {
		knownDirectives[n] = true
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Detect implements collectors.Detector. nginx configuration has no
// signature, so the head is read with the nginx tokenizer: its first
// complete statements (up to 16, outside data blocks such as map and
// types) must all be named like directives (identifiers), and at least
// one must be a well-known nginx directive. JSON, YAML ("key: value"),
// INI, Apache (<VirtualHost>) and log files fail the first test. A head
// cut in the middle of a statement is fine; a syntax error before any
// known directive is not.
func (Collector) Detect(name string, head []byte) bool {
	if safedecode.LooksLikeJSON(head) {
		return false
	}
	lx := newLexer(head)
	var blocks []string
	known := 0
	for n := 0; n < 16; {
		args, end, err := lx.statement()
		if err != nil {
			break
		}
		switch end {
		case endEOF:
			return known > 0
		case endClose:
			if len(blocks) == 0 {
				return false
			}
			blocks = blocks[:len(blocks)-1]
			continue
		}
		name := args[0].text
		inData := len(blocks) > 0 && opaque[blocks[len(blocks)-1]]
		if !inData {
			if !isIdent(name) {
				return false
			}
			n++
			if knownDirectives[name] || strings.HasPrefix(name, "ssl_") || strings.HasPrefix(name, "proxy_") ||
				strings.HasPrefix(name, "gzip_") || strings.HasPrefix(name, "limit_") {
				known++
			}
		}
		if end == endBlock {
			if strings.HasSuffix(name, "_by_lua_block") {
				if _, err := lx.luaBlock(args[0].line); err != nil {
					break
				}
				continue
			}
			blocks = append(blocks, name)
		}
	}
	return known > 0
}

// isConfName reports whether a file met in a directory walk may be an
// nginx configuration.
func isConfName(name string) bool {
	base := strings.ToLower(path.Base(name))
	for _, ext := range []string{".conf", ".conf.template", ".nginx", ".vhost"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return base == "nginx.conf" || strings.HasPrefix(base, "nginx.conf.")
}

// options reads the collector settings of a source:
//
//	max_bytes          size limit per file (default 64 MiB)
//	max_include_depth  nested include limit (default 16)
func options(src collectors.Source) (Options, error) {
	var opt Options
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("nginx: source %q: option max_bytes=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxBytes = n
		case "max_include_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("nginx: source %q: option max_include_depth=%q is not a positive integer", src.Name, v)
			}
			opt.MaxIncludeDepth = n
		}
	}
	return opt, nil
}

// confFile is one file to read.
type confFile struct {
	rel      string // path in the root FS
	display  string
	explicit bool
}

// Collect implements collectors.Collector. Every path is a file or a
// directory, read through src.FS when set, else from the OS; the directory
// given (or the named file's directory) is the root includes resolve in,
// never above it.
//
// A named file must be an nginx configuration. In a directory, files named
// *.conf, *.conf.template, *.nginx, *.vhost and nginx.conf* that Detect
// recognises are read in lexical order (hidden files and directories are
// skipped, as h5bp's convention "disable by prefixing with a dot" expects);
// a file that another file of the walk includes is reported as part of its
// includer, not on its own (so conf.d/site.conf gets the http-level
// settings of nginx.conf), unless nothing includes its includer either
// (include cycles), in which case the lexically first is taken.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	opt, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 {
		return fmt.Errorf("nginx: source %q: no paths to read", src.Name)
	}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.collectPath(ctx, src, p, opt, sink); err != nil {
			return err
		}
	}
	return nil
}

func (c Collector) collectPath(ctx context.Context, src collectors.Source, p string, opt Options, sink collectors.Sink) error {
	// Confined: includes resolve inside this root, never above it.
	root, err := source.Open(src, p, true)
	if err != nil {
		return fmt.Errorf("nginx: %w", err)
	}
	defer root.Close()
	rootFS := root.FS
	if root.Dir != "" {
		if abs, err := filepath.Abs(root.Dir); err == nil {
			opt.AbsRoot = filepath.ToSlash(abs)
		}
	}
	var files []confFile
	if !root.IsDir {
		files = append(files, confFile{root.Start, root.Display(root.Start), true})
	} else {
		// Hidden files are skipped too (h5bp's "disable by prefixing
		// with a dot"); source.List skips only hidden directories.
		rels, err := root.List(func(rel string) bool {
			return !strings.HasPrefix(path.Base(rel), ".") && isConfName(rel)
		})
		if err != nil {
			return fmt.Errorf("nginx: %w", err)
		}
		for _, rel := range rels {
			files = append(files, confFile{rel, root.Display(rel), false})
		}
	}
	lim := opt.Limits.Normalize()

	// Parse every file first, so the files others include are known.
	type parsed struct {
		f    confFile
		data []byte
		res  *Result
	}
	var all []parsed
	includedBy := map[string]bool{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.explicit {
			ok, err := detectFile(rootFS, f)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		data, err := safedecode.ReadFile(rootFS, f.rel, lim)
		if err != nil {
			kind := ErrInvalid
			if errors.Is(err, safedecode.ErrTooLarge) {
				kind = ErrLimit
			}
			return &Error{File: f.display, Msg: strings.TrimPrefix(err.Error(), f.rel+": "), Kind: kind, Err: err}
		}
		if f.explicit && !c.Detect(f.display, data[:min(len(data), headSize)]) {
			return &Error{File: f.display, Msg: "not an nginx configuration (no nginx directive found at its start)", Kind: ErrNotNginx}
		}
		o := opt
		o.FS, o.Path = rootFS, f.rel
		res, err := Parse(f.display, data, o)
		if err != nil {
			return err
		}
		for _, inc := range res.Includes {
			for _, inFile := range inc.Files {
				if inFile != f.rel {
					includedBy[inFile] = true
				}
			}
		}
		all = append(all, parsed{f, data, res})
	}
	// Roots: files nobody else includes, then (cycles) whatever is left
	// uncovered, lexically first.
	covered := map[string]bool{}
	cover := func(rel string, res *Result) {
		covered[rel] = true
		for _, inc := range res.Includes {
			for _, f := range inc.Files {
				covered[f] = true
			}
		}
	}
	var roots []parsed
	for _, pf := range all {
		if !includedBy[pf.f.rel] {
			roots = append(roots, pf)
			cover(pf.f.rel, pf.res)
		}
	}
	for _, pf := range all {
		if !covered[pf.f.rel] {
			roots = append(roots, pf)
			cover(pf.f.rel, pf.res)
		}
	}
	sort.SliceStable(roots, func(i, j int) bool { return roots[i].f.rel < roots[j].f.rel })
	for _, pf := range roots {
		if err := emit(ctx, src, pf.f.display, pf.data, pf.res, sink); err != nil {
			return err
		}
	}
	return nil
}

// detectFile reads the head of a file met in a walk and runs Detect.
func detectFile(root fs.FS, f confFile) (bool, error) {
	head, err := source.Head(root, f.rel, headSize)
	if err != nil {
		return false, fmt.Errorf("nginx: %s: %w", f.display, err)
	}
	return Collector{}.Detect(f.display, head), nil
}

// emit streams one file's routes into the sink: one evidence record per
// route, all sharing the file's artifact.
func emit(ctx context.Context, src collectors.Source, display string, data []byte, res *Result, sink collectors.Sink) error {
	if len(res.Routes) == 0 {
		return nil
	}
	art := &collectors.Artifact{Name: display, ContentType: ContentType, Data: data}
	for i, r := range res.Routes {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		route := r.Route
		ev := collectors.Evidence{
			API:      src.APIName(r.API),
			Artifact: art,
			Location: r.Location,
			Facts:    r.Facts,
			Route:    &route,
		}
		if err := collectors.ValidateFacts(ev.Facts); err != nil {
			return fmt.Errorf("nginx: %s: %s: %w", display, r.Location, err)
		}
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	return nil
}
