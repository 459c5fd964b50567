package tyk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "tyk"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1"

// Collector reads Tyk API definitions (classic and Tyk OAS) from files and
// from a gateway's /tyk/apis endpoint.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Origin implements collectors.Originator: routes come from a gateway.
func (Collector) Origin() string { return collectors.OriginGateway }

// headSize is how much of a file in a directory is read to detect it.
const headSize = 64 << 10

var yamlTykKey = regexp.MustCompile(`(?m)^["']?x-tyk-api-gateway["']?[ \t]*:`)

// Detect implements collectors.Detector. JSON: the first object (at the
// top, inside a top-level array, or the first element of an "apis" list)
// is a classic definition (a "proxy" plus another classic key, or two
// classic keys such as "api_id" and "version_data", or "api_id" beside
// "org_id", "slug" or "definition" when the head is cut early), a
// Dashboard wrapper ("api_definition") or a Tyk OAS document
// ("x-tyk-api-gateway"). YAML: a top-level x-tyk-api-gateway key. The head
// may be cut anywhere.
func (Collector) Detect(name string, head []byte) bool {
	if !safedecode.LooksLikeJSON(head) {
		return yamlTykKey.Match(head)
	}
	keys, listFirst := headKeys(head)
	if detectKeys(keys) {
		return true
	}
	return detectKeys(listFirst)
}

func detectKeys(keys map[string]bool) bool {
	if keys["x-tyk-api-gateway"] || keys["api_definition"] {
		return true
	}
	// A head cut early may hold only the first keys: api_id beside the
	// organisation, slug or version "definition" is Tyk's own layout.
	if keys["api_id"] && (keys["org_id"] || keys["slug"] || keys["definition"]) {
		return true
	}
	obj := make(map[string]json.RawMessage, len(keys))
	for k := range keys {
		obj[k] = nil
	}
	return classify(obj) == "classic"
}

// headKeys lists the keys of the first object of a possibly truncated
// JSON text, and of the first element of its "apis" array if it has one.
func headKeys(head []byte) (keys, apisFirst map[string]bool) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})))
	t, err := dec.Token()
	if err != nil {
		return nil, nil
	}
	if t == json.Delim('[') {
		if t, err = dec.Token(); err != nil || t != json.Delim('{') {
			return nil, nil
		}
	} else if t != json.Delim('{') {
		return nil, nil
	}
	keys = map[string]bool{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return keys, apisFirst
		}
		ks, _ := k.(string)
		keys[ks] = true
		if ks == "apis" && apisFirst == nil {
			if t, err := dec.Token(); err == nil && t == json.Delim('[') {
				if t, err := dec.Token(); err == nil && t == json.Delim('{') {
					apisFirst = map[string]bool{}
					for dec.More() {
						k, err := dec.Token()
						if err != nil {
							return keys, apisFirst
						}
						if s, _ := k.(string); s != "" {
							apisFirst[s] = true
						}
						if !skipValue(dec) {
							return keys, apisFirst
						}
					}
				}
			}
			return keys, apisFirst
		}
		if !skipValue(dec) {
			return keys, apisFirst
		}
	}
	return keys, apisFirst
}

// settings are a source's options.
type settings struct {
	opt        Options
	gatewayURL string
	secretEnv  string
	timeout    time.Duration
}

// readSettings reads the collector options of a source:
//
//	max_bytes    size limit per file and per gateway response (bytes)
//	max_depth    nesting limit
//	tyk_conf     the gateway's tyk.conf, for the facts it decides
//	gateway_url  a Tyk Gateway to list /tyk/apis from
//	secret_env   the environment variable holding the gateway secret
//	timeout      the gateway request timeout ("30s" or seconds; default 30s)
//
// The secret itself is never read from the configuration file.
func readSettings(src collectors.Source) (settings, error) {
	s := settings{timeout: 30 * time.Second}
	bad := func(k, v, want string) error {
		return fmt.Errorf("tyk: source %q: option %s=%q is not %s", src.Name, k, v, want)
	}
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return s, bad(k, v, "a positive integer")
			}
			s.opt.Limits.MaxBytes = n
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return s, bad(k, v, "a positive integer")
			}
			s.opt.Limits.MaxDepth = n
		case "gateway_url":
			s.gatewayURL = v
		case "secret_env":
			s.secretEnv = v
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil {
				n, err2 := strconv.Atoi(v)
				if err2 != nil {
					return s, bad(k, v, `a duration ("30s") or a number of seconds`)
				}
				d = time.Duration(n) * time.Second
			}
			if d <= 0 {
				return s, bad(k, v, "a positive duration")
			}
			s.timeout = d
		case "secret", "gateway_secret":
			return s, fmt.Errorf("tyk: source %q: option %s: the gateway secret must not be in the configuration file; put it in an environment variable and name it with secret_env", src.Name, k)
		case "tyk_conf":
		default:
			return s, fmt.Errorf("tyk: source %q: unknown option %q (known: max_bytes, max_depth, tyk_conf, gateway_url, secret_env, timeout)", src.Name, k)
		}
	}
	if p := src.Options["tyk_conf"]; p != "" {
		data, err := readOne(src.FS, p, s.opt.Limits)
		if err != nil {
			return s, err
		}
		conf, err := ParseGatewayConfig(p, data, s.opt.Limits)
		if err != nil {
			return s, err
		}
		s.opt.Gateway = conf
	}
	return s, nil
}

// readOne reads one named file through fsys, or the OS when fsys is nil.
func readOne(fsys fs.FS, p string, lim safedecode.Limits) ([]byte, error) {
	rel := cleanFSPath(p)
	if fsys == nil {
		fsys, rel = os.DirFS(filepath.Dir(p)), filepath.Base(p)
	}
	data, err := safedecode.ReadFile(fsys, rel, lim)
	if err != nil {
		return nil, &Error{File: p, Msg: stripName(err, rel), Kind: ErrInvalid, Err: err}
	}
	return data, nil
}

func cleanFSPath(p string) string {
	fp := strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "/")
	if fp == "" {
		return "."
	}
	return fp
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree, read through src.FS when set, else from the OS. A file
// named explicitly must be a Tyk definition; in a directory the .json,
// .yaml and .yml files that Detect recognises are read in lexical order
// (policies, tyk.conf and the like are skipped), hidden directories are
// skipped. With the gateway_url option the gateway's /tyk/apis list is
// read as well.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	s, err := readSettings(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 && s.gatewayURL == "" {
		return fmt.Errorf("tyk: source %q: no paths to read and no gateway_url", src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		files, err := listFiles(src, p)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if done[f.display] {
				continue
			}
			done[f.display] = true
			if err := c.collectFile(ctx, src, f, s.opt, sink); err != nil {
				return err
			}
		}
	}
	if s.gatewayURL != "" {
		name, data, err := fetchAPIs(ctx, s, nil)
		if err != nil {
			return err
		}
		res, err := Parse(name, data, s.opt)
		if err != nil {
			return err
		}
		if err := emit(ctx, src, res, sink); err != nil {
			return err
		}
	}
	return nil
}

// file is one file to read.
type file struct {
	fsys     fs.FS
	rel      string
	display  string
	explicit bool
}

func listFiles(src collectors.Source, p string) ([]file, error) {
	root, err := source.Open(src, p, false)
	if err != nil {
		return nil, fmt.Errorf("tyk: %w", err)
	}
	if !root.IsDir {
		return []file{{root.FS, root.Start, root.Display(root.Start), true}}, nil
	}
	rels, err := root.List(func(rel string) bool {
		switch strings.ToLower(path.Ext(rel)) {
		case ".json", ".yaml", ".yml":
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("tyk: %w", err)
	}
	var out []file
	for _, rel := range rels {
		out = append(out, file{root.FS, rel, root.Display(rel), false})
	}
	return out, nil
}

func (c Collector) collectFile(ctx context.Context, src collectors.Source, f file, opt Options, sink collectors.Sink) error {
	if !f.explicit {
		head, err := source.Head(f.fsys, f.rel, headSize)
		if err != nil {
			return &Error{File: f.display, Msg: err.Error(), Kind: ErrInvalid, Err: err}
		}
		if !c.Detect(f.display, head) {
			return nil
		}
	}
	data, err := safedecode.ReadFile(f.fsys, f.rel, opt.Limits)
	if err != nil {
		return &Error{File: f.display, Msg: stripName(err, f.rel), Kind: ErrInvalid, Err: err}
	}
	res, err := Parse(f.display, data, opt)
	if err != nil {
		return err
	}
	return emit(ctx, src, res, sink)
}

// emit streams a result's evidence into the sink, with API names mapped
// through the source's api setting and api_map.
func emit(ctx context.Context, src collectors.Source, res *Result, sink collectors.Sink) error {
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
		ev.API = src.APIName(ev.API)
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	return nil
}
