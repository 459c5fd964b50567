package envoy

import (
	"bytes"
	"context"
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
const Kind = "envoy"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1"

// Collector reads Envoy static bootstrap files.
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

var yamlTop = regexp.MustCompile(`(?m)^["']?(static_resources|dynamic_resources|staticResources|dynamicResources)["']?[ \t]*:`)

// Detect implements collectors.Detector: a bootstrap has a top-level
// static_resources or dynamic_resources key (YAML: at column 0; JSON: a
// member of the outermost object).
func (Collector) Detect(name string, head []byte) bool {
	if safedecode.LooksLikeJSON(head) {
		for _, k := range jsonTopKeys(head) {
			switch k {
			case "static_resources", "dynamic_resources", "staticResources", "dynamicResources":
				return true
			}
		}
		return false
	}
	return yamlTop.Match(head)
}

// jsonTopKeys lists the member names of the outermost object of a possibly
// truncated JSON text.
func jsonTopKeys(d []byte) []string {
	var keys []string
	depth := 0
	for i := 0; i < len(d); i++ {
		switch c := d[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			j := i + 1
			for j < len(d) && d[j] != '"' {
				if d[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(d) {
				return keys
			}
			if depth == 1 {
				k := bytes.TrimLeft(d[j+1:], " \t\r\n")
				if len(k) > 0 && k[0] == ':' {
					if s, err := strconv.Unquote(string(d[i : j+1])); err == nil {
						keys = append(keys, s)
					}
				}
			}
			i = j
		}
	}
	return keys
}

func isConfigName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// options reads the collector settings of a source:
//
//	max_bytes   size limit per file
//	max_depth   nesting limit
func options(src collectors.Source) (Options, error) {
	var opt Options
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("envoy: source %q: option max_bytes=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxBytes = n
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("envoy: source %q: option max_depth=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxDepth = n
		}
	}
	return opt, nil
}

// file is one file to parse.
type file struct {
	fsys     fs.FS
	rel      string // path in fsys
	display  string // name in messages and artifacts
	explicit bool   // named in src.Paths, not found by walking
}

// Collect implements collectors.Collector. Every path is a file or a
// directory, read through src.FS when set, else from the OS. A file named
// explicitly must be an Envoy bootstrap; in a directory the .yaml, .yml
// and .json files that Detect recognises are read in lexical order and
// the rest skipped, as are hidden directories. Each route becomes one
// Evidence with its Route; the file is the Artifact of all of them.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	opt, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 {
		return fmt.Errorf("envoy: source %q: no paths to read", src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
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
			if err := c.collectFile(ctx, src, f, opt, sink); err != nil {
				return err
			}
		}
	}
	return nil
}

func listFiles(src collectors.Source, p string) ([]file, error) {
	root, err := source.Open(src, p, false)
	if err != nil {
		return nil, fmt.Errorf("envoy: %w", err)
	}
	if !root.IsDir {
		return []file{{fsys: root.FS, rel: root.Start, display: root.Display(root.Start), explicit: true}}, nil
	}
	rels, err := root.List(isConfigName)
	if err != nil {
		return nil, fmt.Errorf("envoy: %w", err)
	}
	var out []file
	for _, rel := range rels {
		out = append(out, file{fsys: root.FS, rel: rel, display: root.Display(rel)})
	}
	return out, nil
}

func (c Collector) collectFile(ctx context.Context, src collectors.Source, f file, opt Options, sink collectors.Sink) error {
	if !f.explicit {
		ok, err := c.detectFile(f)
		if err != nil || !ok {
			return err
		}
	}
	data, err := safedecode.ReadFile(f.fsys, f.rel, opt.Limits)
	if err != nil {
		return wrapSafe(f.display, err)
	}
	res, err := Parse(f.display, data, opt)
	if err != nil {
		return err
	}
	if err := collectors.WarnFile(sink, f.display, res.Warnings); err != nil {
		return err
	}
	ct := "application/yaml"
	if safedecode.LooksLikeJSON(data) {
		ct = "application/json"
	}
	art := &collectors.Artifact{Name: f.display, ContentType: ct, Data: data}
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
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	return nil
}

// detectFile reads the head of a file found in a directory and runs Detect.
func (c Collector) detectFile(f file) (bool, error) {
	head, err := source.Head(f.fsys, f.rel, headSize)
	if err != nil {
		return false, fmt.Errorf("envoy: %s: %w", f.display, err)
	}
	return c.Detect(f.display, head), nil
}
