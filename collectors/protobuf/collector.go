package protobuf

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "protobuf"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1.0.0"

// Collector reads .proto files: gRPC services and their HTTP transcoding.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

var (
	syntaxStmt = regexp.MustCompile(`(?m)^[ \t]*(?:syntax[ \t]*=[ \t]*(?:"proto[23]"|'proto[23]')|edition[ \t]*=[ \t]*(?:"[0-9]{4}"|'[0-9]{4}'))[ \t]*;`)
	declStmt   = regexp.MustCompile(`(?m)^[ \t]*(?:package|message|service)[ \t]+[A-Za-z_.]`)
)

// Detect implements collectors.Detector: the name ends in ".proto", or
// the head has a syntax = "proto2"/"proto3" (or edition = "2023")
// statement at the start of a line followed by a package, message or
// service declaration.
func (Collector) Detect(name string, head []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".proto") {
		return true
	}
	loc := syntaxStmt.FindIndex(head)
	return loc != nil && declStmt.Match(head[loc[1]:])
}

// options reads the collector settings of a source:
//
//	import_paths     comma-separated directories, relative to the source
//	                 root, searched for imports before the root (protoc -I)
//	max_bytes        size limit per file (default 64 MiB)
//	max_total_bytes  limit on all bytes one path reads (default 256 MiB)
//	max_depth        nesting limit of braces in a file (default 256)
func options(src collectors.Source) (Options, error) {
	opt := Options{API: src.API, APIMap: src.APIMap, Owner: src.Owner}
	for k, v := range src.Options {
		switch k {
		case "import_paths":
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				c, err := cleanRel(p)
				if err != nil {
					return opt, fmt.Errorf("protobuf: source %q: option import_paths: %q %v", src.Name, p, err)
				}
				opt.ImportPaths = append(opt.ImportPaths, c)
			}
		case "max_bytes", "max_total_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("protobuf: source %q: option %s=%q is not a positive integer", src.Name, k, v)
			}
			if k == "max_bytes" {
				opt.Limits.MaxBytes = n
			} else {
				opt.MaxTotalBytes = n
			}
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("protobuf: source %q: option max_depth=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxDepth = n
		}
	}
	return opt, nil
}

// Collect implements collectors.Collector. Each path is a .proto file or a
// directory tree (every *.proto in it, hidden directories skipped), read
// through src.FS when set, else from the OS. The path is the source root:
// imports resolve against it and the import_paths below it, never above
// it. Files that define services become APIs, one per package.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	opt, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 {
		return fmt.Errorf("protobuf: source %q: no paths to read", src.Name)
	}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := collectPath(ctx, src, p, opt, sink); err != nil {
			return err
		}
	}
	return nil
}

func collectPath(ctx context.Context, src collectors.Source, p string, opt Options, sink collectors.Sink) error {
	root, err := source.Open(src, p, true)
	if err != nil {
		return fmt.Errorf("protobuf: %w", err)
	}
	defer root.Close()
	rels := []string{root.Start}
	if root.IsDir {
		rels, err = root.List(func(rel string) bool { return strings.EqualFold(path.Ext(rel), ".proto") })
		if err != nil {
			return fmt.Errorf("protobuf: %w", err)
		}
	}
	lim := opt.Limits.Normalize()
	maxTotal := opt.MaxTotalBytes
	if maxTotal <= 0 {
		maxTotal = DefaultMaxTotalBytes
	}
	var total int64
	files := make([]File, 0, len(rels))
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return err
		}
		display := root.Display(rel)
		data, err := safedecode.ReadFile(root.FS, rel, lim)
		if err != nil {
			e := &Error{File: display, Msg: strings.TrimPrefix(err.Error(), rel+": "), Err: err}
			if errors.Is(err, safedecode.ErrTooLarge) {
				e.Kind = safedecode.ErrTooLarge
			}
			return e
		}
		total += int64(len(data))
		if total > maxTotal {
			return &Error{File: display, Kind: safedecode.ErrTooLarge,
				Msg: fmt.Sprintf("the files read exceed the total size limit of %d bytes", maxTotal)}
		}
		files = append(files, File{Name: rel, Display: display, Data: data})
	}
	opt.ImportFS, opt.DisplayName = root.FS, root.Display
	res, err := parse(ctx, files, opt)
	if err != nil {
		return err
	}
	// The warnings name their own files (a missing import, a duplicate
	// REST binding), so they go to the sink as they are.
	for _, w := range res.Warnings {
		if err := collectors.Warn(sink, w); err != nil {
			return err
		}
	}
	return emit(ctx, res, sink)
}

// emit streams a Result into the sink: per API the API, its API-scope
// evidence, then each endpoint followed by its evidence.
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	for _, a := range res.APIs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := collectors.EmitDescription(ctx, sink, a.API, a.Evidence, a.Endpoints); err != nil {
			return err
		}
	}
	return nil
}
