package kong

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "kong"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1"

// Collector reads Kong declarative configuration (decK files) and the
// Admin API of a running Kong.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Origin implements collectors.Originator: routes come from a gateway.
func (Collector) Origin() string { return collectors.OriginGateway }

// headSize is how much of a file found in a directory is read to detect it.
const headSize = 64 << 10

// ---- detection ----

var yamlKeyLine = regexp.MustCompile(`^["']?([A-Za-z_][\w.-]*)["']?[ \t]*:(.*)$`)

// foreignKeys are top-level keys of formats that also have a services or
// routes list.
var foreignKeys = map[string]bool{
	"openapi": true, "swagger": true, "asyncapi": true, "static_resources": true,
	"api_id": true, "apiVersion": true, "x-tyk-api-gateway": true, "version": true,
	"provider": true, "functions": true, "service": true, // serverless.yml
}

type topKey struct {
	key string
	seq bool // the value is a list
}

// topLevelKeys lists the top-level keys of a possibly truncated document.
func topLevelKeys(head []byte) []topKey {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return jsonTopKeys(t)
	}
	var out []topKey
	lines := bytes.Split(head, []byte{'\n'})
	for i, ln := range lines {
		m := yamlKeyLine.FindSubmatch(bytes.TrimRight(ln, "\r"))
		if m == nil {
			continue
		}
		k := topKey{key: string(m[1])}
		rest := bytes.TrimSpace(m[2])
		switch {
		case bytes.HasPrefix(rest, []byte("[")):
			k.seq = true
		case len(rest) == 0 || rest[0] == '#':
			for _, next := range lines[i+1:] {
				t := bytes.TrimSpace(next)
				if len(t) == 0 || t[0] == '#' {
					continue
				}
				k.seq = t[0] == '-' && (len(t) == 1 || t[1] == ' ' || t[1] == '\t')
				break
			}
		}
		out = append(out, k)
	}
	return out
}

// jsonTopKeys scans the members of the outermost object of a possibly
// truncated JSON text.
func jsonTopKeys(d []byte) []topKey {
	var out []topKey
	i := 1
	for {
		i = skipSpace(d, i)
		if i >= len(d) {
			return out
		}
		switch d[i] {
		case '}':
			return out
		case ',':
			i++
			continue
		case '"':
		default:
			return out
		}
		end := skipString(d, i)
		if end < 0 {
			return out
		}
		var k string
		if json.Unmarshal(d[i:end], &k) != nil {
			return out
		}
		i = skipSpace(d, end)
		if i >= len(d) || d[i] != ':' {
			return out
		}
		i = skipSpace(d, i+1)
		if i >= len(d) {
			return append(out, topKey{key: k})
		}
		out = append(out, topKey{key: k, seq: d[i] == '['})
		if i = skipValue(d, i); i < 0 {
			return out
		}
	}
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at i, -1 when
// truncated.
func skipString(d []byte, i int) int {
	for j := i + 1; j < len(d); j++ {
		switch d[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at i, -1 when
// truncated.
func skipValue(d []byte, i int) int {
	depth := 0
	for j := i; j < len(d); j++ {
		switch d[j] {
		case '"':
			if j = skipString(d, j); j < 0 {
				return -1
			}
			j--
			if depth == 0 {
				return j + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return j + 1
			}
		case ',':
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// strongKeys are top-level lists that, without a foreign key beside them,
// mark a Kong configuration (plugins and certificates alone are too
// common elsewhere).
var strongKeys = map[string]bool{
	"services": true, "routes": true, "consumers": true, "consumer_groups": true,
	"upstreams": true, "ca_certificates": true,
}

// Detect implements collectors.Detector: a top-level _format_version, or a
// top-level services, routes, consumers, consumer_groups, upstreams or
// ca_certificates list with none of the keys of other formats beside it
// (docker-compose's services is a mapping and comes with "version";
// OpenAPI, Envoy, Tyk and Kubernetes have their own markers).
func (Collector) Detect(name string, head []byte) bool {
	keys := topLevelKeys(head)
	list := false
	for _, k := range keys {
		if k.key == "_format_version" {
			return true
		}
		if foreignKeys[k.key] {
			return false
		}
		if strongKeys[k.key] && k.seq {
			list = true
		}
	}
	return list
}

// ---- options ----

// settings are the collector options of a source:
//
//	max_bytes        size limit per file / Admin API response (bytes)
//	max_depth        nesting limit
//	admin_url        read a running Kong's Admin API (http://127.0.0.1:8001)
//	admin_timeout    per-request timeout of the Admin API ("10s", or seconds)
//	admin_token_env  environment variable holding a Kong-Admin-Token
type settings struct {
	lim      safedecode.Limits
	adminURL string
	timeout  time.Duration
	tokenEnv string
}

func options(src collectors.Source) (settings, error) {
	st := settings{timeout: 10 * time.Second}
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return st, fmt.Errorf("kong: source %q: option max_bytes=%q is not a positive integer", src.Name, v)
			}
			st.lim.MaxBytes = n
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return st, fmt.Errorf("kong: source %q: option max_depth=%q is not a positive integer", src.Name, v)
			}
			st.lim.MaxDepth = n
		case "admin_url":
			st.adminURL = strings.TrimSpace(v)
		case "admin_timeout":
			d, err := time.ParseDuration(v)
			if err != nil {
				n, nerr := strconv.Atoi(v)
				if nerr != nil {
					return st, fmt.Errorf("kong: source %q: option admin_timeout=%q is not a duration", src.Name, v)
				}
				d = time.Duration(n) * time.Second
			}
			if d <= 0 {
				return st, fmt.Errorf("kong: source %q: option admin_timeout=%q must be positive", src.Name, v)
			}
			st.timeout = d
		case "admin_token_env":
			st.tokenEnv = v
		}
	}
	return st, nil
}

// ---- collection ----

// Collect implements collectors.Collector. Every path is a file or a
// directory tree, read through src.FS when set, else from the OS. A file
// named explicitly must be a Kong configuration; in a directory the
// .yaml/.yml/.json files Detect recognises are taken in lexical order, the
// rest (and hidden directories) skipped. With the admin_url option the
// Admin API of a running Kong is read as well. One evidence record is sent
// per HTTP route; nothing is sent for inventory (the gateway's routes are
// matched against the API inventory when scored).
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	st, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 && st.adminURL == "" {
		return fmt.Errorf("kong: source %q: no paths to read and no admin_url", src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		files, err := c.files(src, p)
		if err != nil {
			return err
		}
		for _, f := range files {
			if done[f.display] {
				continue
			}
			done[f.display] = true
			res, err := c.readFile(f, st.lim)
			if err != nil {
				return err
			}
			if res == nil {
				continue
			}
			if err := emit(ctx, res, sink); err != nil {
				return err
			}
		}
	}
	if st.adminURL != "" {
		res, err := collectAdmin(ctx, st)
		if err != nil {
			return err
		}
		if err := emit(ctx, res, sink); err != nil {
			return err
		}
	}
	return nil
}

type inputFile struct {
	fsys     fs.FS
	rel      string
	display  string
	explicit bool
}

// files lists what a path names: the file itself, or the candidate files
// of a directory tree.
func (c Collector) files(src collectors.Source, p string) ([]inputFile, error) {
	root, err := source.Open(src, p, false)
	if err != nil {
		return nil, fmt.Errorf("kong: %w", err)
	}
	if !root.IsDir {
		return []inputFile{{root.FS, root.Start, root.Display(root.Start), true}}, nil
	}
	rels, err := root.List(func(rel string) bool {
		switch strings.ToLower(path.Ext(rel)) {
		case ".yaml", ".yml", ".json":
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("kong: %w", err)
	}
	var out []inputFile
	for _, rel := range rels {
		out = append(out, inputFile{root.FS, rel, root.Display(rel), false})
	}
	return out, nil
}

// readFile parses one file; a file found by walking that is not Kong
// configuration gives (nil, nil).
func (c Collector) readFile(f inputFile, lim safedecode.Limits) (*Result, error) {
	if !f.explicit {
		head, err := source.Head(f.fsys, f.rel, headSize)
		if err != nil {
			return nil, fmt.Errorf("kong: %s: %w", f.display, err)
		}
		if !c.Detect(f.display, head) {
			return nil, nil
		}
	}
	data, err := safedecode.ReadFile(f.fsys, f.rel, lim)
	if err != nil {
		var se *safedecode.Error
		if errors.As(err, &se) {
			return nil, &Error{File: f.display, Msg: se.Msg, Err: err}
		}
		return nil, &Error{File: f.display, Msg: strings.TrimPrefix(err.Error(), f.rel+": "), Err: err}
	}
	res, err := Parse(f.display, data, Options{Limits: lim})
	if err != nil {
		if !f.explicit && errors.Is(err, ErrNotKong) {
			return nil, nil
		}
		return nil, err
	}
	return res, nil
}

// emit streams a result's evidence into the sink.
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	if res.Artifact != nil {
		if err := collectors.WarnFile(sink, res.Artifact.Name, res.Warnings); err != nil {
			return err
		}
	}
	for i, ev := range res.Evidence {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	return nil
}
