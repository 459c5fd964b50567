package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "openapi"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1.1.0" // 1.1.0: evidence carries notes

// Collector reads OpenAPI 3.x and Swagger 2.0 documents.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// headSize is how much of a file Collect reads to detect it.
const headSize = 64 << 10

var yamlTopKey = regexp.MustCompile(`^["']?([A-Za-z_$][\w$.-]*)["']?[ \t]*:`)

// member is a top-level key and, for JSON, where its value starts (or,
// for YAML, the line after the key).
type member struct {
	key  string
	rest []byte
}

// topLevel lists the keys of the outermost object of a possibly truncated
// document: JSON members at depth 1, or YAML keys at column 0. complete
// reports that the whole JSON object was seen.
func topLevel(data []byte) (ms []member, complete bool) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return jsonMembers(trimmed)
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, true
	}
	for len(data) > 0 {
		var ln []byte
		ln, data, _ = bytes.Cut(data, []byte{'\n'})
		if m := yamlTopKey.FindSubmatch(ln); m != nil {
			ms = append(ms, member{string(m[1]), data})
		}
	}
	return ms, false
}

// jsonMembers scans the members of the outermost object of a possibly
// truncated JSON text.
func jsonMembers(d []byte) (ms []member, complete bool) {
	i := 1
	for {
		i = skipJSONSpace(d, i)
		if i >= len(d) {
			return ms, false
		}
		switch d[i] {
		case '}':
			return ms, true
		case ',':
			i++
			continue
		case '"':
		default:
			return ms, true // not JSON after all
		}
		end := skipJSONString(d, i)
		if end > len(d) || d[end-1] != '"' {
			return ms, false
		}
		var k string
		_ = json.Unmarshal(d[i:end], &k)
		i = skipJSONSpace(d, end)
		if i >= len(d) {
			return ms, false
		}
		if d[i] != ':' {
			return ms, true
		}
		v := skipJSONSpace(d, i+1)
		ms = append(ms, member{k, d[v:]})
		i = skipJSONValue(d, v)
	}
}

// componentKinds are the sections of an OpenAPI 3 components object.
var componentKinds = map[string]bool{
	"schemas": true, "responses": true, "parameters": true, "examples": true, "requestBodies": true,
	"headers": true, "securitySchemes": true, "links": true, "callbacks": true, "pathItems": true, "mediaTypes": true,
}

var yamlFirstKey = regexp.MustCompile(`^[ \t]+["']?([^"':#\s][^"':]*)["']?[ \t]*:`)

// firstChildKey returns the first key inside a member's object value.
func firstChildKey(m member, isJSON bool) string {
	if isJSON {
		v := m.rest
		if len(v) == 0 || v[0] != '{' {
			return ""
		}
		i := skipJSONSpace(v, 1)
		if i >= len(v) || v[i] != '"' {
			return ""
		}
		end := skipJSONString(v, i)
		var k string
		if json.Unmarshal(v[i:min(end, len(v))], &k) != nil {
			return ""
		}
		return k
	}
	rest := m.rest
	for len(rest) > 0 {
		var ln []byte
		ln, rest, _ = bytes.Cut(rest, []byte{'\n'})
		t := bytes.TrimSpace(ln)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if sm := yamlFirstKey.FindSubmatch(ln); sm != nil {
			return string(sm[1])
		}
		return ""
	}
	return ""
}

// Detect implements collectors.Detector: the input has a top-level
// "openapi" or "swagger" key (JSON: a member of the outermost object;
// YAML: a key at column 0). Real documents often put that key last, after
// a megabyte of components, so when the head is cut before it, a top-level
// "paths" whose first entry is a "/path", a "components" whose first entry
// is a components section, or "securityDefinitions" (and no "asyncapi")
// are taken as enough.
func (Collector) Detect(name string, head []byte) bool {
	ms, complete := topLevel(head)
	isJSON := safedecode.LooksLikeJSON(head)
	hint, declared := false, false
	for _, m := range ms {
		switch m.key {
		case "openapi", "swagger":
			declared = true
		case "x-tyk-api-gateway":
			// A Tyk OAS API definition: an OpenAPI document that is
			// first of all gateway configuration; the tyk collector
			// reads it (and its spec part).
			return false
		case "asyncapi":
			return false
		case "paths":
			k := firstChildKey(m, isJSON)
			hint = hint || strings.HasPrefix(k, "/")
		case "components":
			hint = hint || componentKinds[firstChildKey(m, isJSON)]
		case "securityDefinitions":
			hint = true
		}
	}
	return declared || (hint && !complete)
}

// declaresOpenAPI reports whether a whole document has a top-level
// "openapi" or "swagger" key.
func declaresOpenAPI(data []byte) bool {
	ms, _ := topLevel(data)
	for _, m := range ms {
		if m.key == "openapi" || m.key == "swagger" {
			return true
		}
	}
	return false
}

// isSpecName reports whether a file in a directory may be a description.
func isSpecName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// options reads the collector settings of a source:
//
//	max_bytes      size limit per file (and for the files its $refs pull in)
//	max_depth      nesting limit
//	external_refs  "false" to leave references to other files unresolved
func options(src collectors.Source) (Options, bool, error) {
	var opt Options
	opt.API, opt.Owner = src.API, src.Owner
	external := true
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return opt, false, fmt.Errorf("openapi: source %q: option max_bytes=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxBytes = n
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, false, fmt.Errorf("openapi: source %q: option max_depth=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxDepth = n
		case "external_refs":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return opt, false, fmt.Errorf("openapi: source %q: option external_refs=%q is not a boolean", src.Name, v)
			}
			external = b
		}
	}
	return opt, external, nil
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree, read through src.FS when set, else from the OS. A file
// named explicitly must be an OpenAPI/Swagger document; in a directory the
// .json/.yaml/.yml files that Detect recognises are taken (in lexical order)
// and the rest skipped, as are hidden directories. External $refs resolve
// inside the directory given (or the named file's directory), never above.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	opt, external, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 {
		return fmt.Errorf("openapi: source %q: no paths to read", src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.collectPath(ctx, src, p, opt, external, done, sink); err != nil {
			return err
		}
	}
	return nil
}

// specFile is one file to parse: where to read it and how to name it.
type specFile struct {
	root     fs.FS  // the source root the file and its $refs live in
	rel      string // the file's path in root
	display  string // the name in messages and artifacts
	explicit bool   // named in src.Paths, not found by walking
}

func (c Collector) collectPath(ctx context.Context, src collectors.Source, p string, opt Options, external bool, done map[string]bool, sink collectors.Sink) error {
	// Confined: external $refs resolve inside this root, never above it.
	root, err := source.Open(src, p, true)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	defer root.Close()
	var files []specFile
	if !root.IsDir {
		files = append(files, specFile{root.FS, root.Start, root.Display(root.Start), true})
	} else {
		rels, err := root.List(isSpecName)
		if err != nil {
			return fmt.Errorf("openapi: %w", err)
		}
		for _, rel := range rels {
			files = append(files, specFile{root.FS, rel, root.Display(rel), false})
		}
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if done[f.display] {
			continue
		}
		done[f.display] = true
		if err := c.collectFile(ctx, f, opt, external, sink); err != nil {
			return err
		}
	}
	return nil
}

func (c Collector) collectFile(ctx context.Context, f specFile, opt Options, external bool, sink collectors.Sink) error {
	lim := opt.Limits.Normalize()
	var data []byte
	if !f.explicit {
		d, ok, err := c.detectFile(f, lim)
		if err != nil || !ok {
			return err
		}
		data = d
	}
	if data == nil {
		var err error
		if data, err = safedecode.ReadFile(f.root, f.rel, lim); err != nil {
			return &Error{File: f.display, Msg: readMsg(err, f.rel), Err: err}
		}
	}
	if external {
		opt.RefFS, opt.RefPath = f.root, f.rel
	}
	res, err := Parse(f.display, data, opt)
	if err != nil {
		return err
	}
	if err := collectors.WarnFile(sink, f.display, res.Warnings); err != nil {
		return err
	}
	return emit(ctx, res, sink)
}

// readMsg strips the FS-relative name safedecode put in front of the
// message (the Error carries the display name).
func readMsg(err error, rel string) string {
	return strings.TrimPrefix(err.Error(), rel+": ")
}

// detectFile decides whether a file found in a directory is ours: its
// head must pass Detect, and then the whole file must have a top-level
// "openapi" or "swagger" key (so a look-alike is skipped, not failed).
// data is the whole file when it had to be read.
func (c Collector) detectFile(f specFile, lim safedecode.Limits) (data []byte, ok bool, err error) {
	head, err := source.Head(f.root, f.rel, headSize)
	if err != nil {
		return nil, false, fmt.Errorf("openapi: %s: %w", f.display, err)
	}
	n := len(head)
	if !c.Detect(f.display, head) {
		return nil, false, nil
	}
	if declaresOpenAPI(head) || n < headSize {
		return nil, declaresOpenAPI(head), nil
	}
	data, err = safedecode.ReadFile(f.root, f.rel, lim)
	if err != nil {
		return nil, false, &Error{File: f.display, Msg: readMsg(err, f.rel), Err: err}
	}
	return data, declaresOpenAPI(data), nil
}

// emit streams one Result into the sink (collectors.EmitDescription).
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	return collectors.EmitDescription(ctx, sink, res.API, res.Evidence, res.Endpoints)
}
