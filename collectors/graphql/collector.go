package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "graphql"

// CollectorVersion is recorded on the evidence; bump it when a fact's
// meaning or computation changes.
const CollectorVersion = "1.0.0"

// Collector reads GraphQL schema definition language files.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// isSchemaName reports whether a file name has a GraphQL extension.
func isSchemaName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".graphql", ".graphqls", ".gql":
		return true
	}
	return false
}

// Detect implements collectors.Detector: a .graphql, .graphqls or .gql
// file that is not an executable document (a query), or any file whose
// first definition, after comments and descriptions, is a type system
// definition ("type X {", "schema {", "directive @x", "extend type"...).
// JSON and YAML never qualify: they start with "{", "[", a key and ":", or
// "---".
func (Collector) Detect(name string, head []byte) bool {
	c := classify(head)
	if isSchemaName(name) {
		return c != docExecutable
	}
	return c == docSDL
}

// options reads the collector settings of a source:
//
//	endpoint   the GraphQL HTTP URL (http or https), recorded as base URL
//	max_bytes  size limit for the schema (all its files together)
func options(src collectors.Source) (Options, error) {
	opt := Options{Owner: src.Owner}
	for k, v := range src.Options {
		switch k {
		case "endpoint":
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return opt, fmt.Errorf("graphql: source %q: option endpoint=%q is not an http(s) URL", src.Name, v)
			}
			opt.Endpoint = v
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return opt, fmt.Errorf("graphql: source %q: option max_bytes=%q is not a positive integer", src.Name, v)
			}
			opt.Limits.MaxBytes = n
		}
	}
	return opt, nil
}

// Collect implements collectors.Collector. Every path of the source is one
// API: a file, or a directory tree whose .graphql, .graphqls and .gql files
// (in lexical order, hidden directories skipped) together form one schema.
// In a directory, executable documents (client queries kept beside the
// schema) are skipped. The API is named by Source.API, else the file's
// base name without extension or the directory's base name, through
// Source.APIName.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	opt, err := options(src)
	if err != nil {
		return err
	}
	if len(src.Paths) == 0 {
		return fmt.Errorf("graphql: source %q: no paths to read", src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.collectPath(ctx, src, p, opt, done, sink); err != nil {
			return err
		}
	}
	return nil
}

func (c Collector) collectPath(ctx context.Context, src collectors.Source, p string, opt Options, done map[string]bool, sink collectors.Sink) error {
	root, err := source.Open(src, p, false)
	if err != nil {
		return fmt.Errorf("graphql: %w", err)
	}
	defer root.Close()
	display := root.Display(root.Start)
	if done[display] {
		return nil
	}
	done[display] = true
	name := apiBaseName(src, p, root.IsDir)
	lim := opt.Limits.Normalize()
	var files []File
	if !root.IsDir {
		data, err := safedecode.ReadFile(root.FS, root.Start, lim)
		if err != nil {
			return readError(display, root.Start, err)
		}
		files = append(files, File{Name: display, Data: data})
	} else {
		rels, err := root.List(isSchemaName)
		if err != nil {
			return fmt.Errorf("graphql: %w", err)
		}
		var total int64
		for _, rel := range rels {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn := root.Display(rel)
			// Read under what is left of the budget, so a directory cannot
			// make us hold more than MaxBytes in total.
			left := lim
			left.MaxBytes = lim.MaxBytes - total
			if left.MaxBytes <= 0 {
				return &Error{File: fn, Kind: safedecode.ErrTooLarge,
					Msg: fmt.Sprintf("the schema files exceed the size limit of %s in total", humanBytes(lim.MaxBytes))}
			}
			data, err := safedecode.ReadFile(root.FS, rel, left)
			if err != nil {
				if errors.Is(err, safedecode.ErrTooLarge) {
					return &Error{File: fn, Kind: safedecode.ErrTooLarge, Err: err,
						Msg: fmt.Sprintf("the schema files exceed the size limit of %s in total", humanBytes(lim.MaxBytes))}
				}
				return readError(fn, rel, err)
			}
			if classify(data) == docExecutable {
				continue // a client query kept beside the schema
			}
			total += int64(len(data))
			files = append(files, File{Name: fn, Data: data})
		}
		if len(files) == 0 {
			return &Error{File: display, Kind: ErrNotGraphQL, Msg: "no .graphql, .graphqls or .gql schema files"}
		}
	}
	opt.API = src.APIName(name)
	res, err := Parse(name, files, opt)
	if err != nil {
		return err
	}
	if err := collectors.WarnFile(sink, display, res.Warnings); err != nil {
		return err
	}
	return emit(ctx, res, sink)
}

// apiBaseName derives the API's name from the path: the file's base name
// without extension, or the directory's base name.
func apiBaseName(src collectors.Source, p string, isDir bool) string {
	clean := filepath.Clean(p)
	if src.FS != nil {
		clean = path.Clean(filepath.ToSlash(p))
	} else if clean == "." || clean == string(filepath.Separator) {
		if abs, err := filepath.Abs(clean); err == nil {
			clean = abs
		}
	}
	base := path.Base(filepath.ToSlash(clean))
	if !isDir {
		base = strings.TrimSuffix(base, path.Ext(base))
	}
	if base == "." || base == "/" || base == "" {
		base = src.Name
	}
	return base
}

// readError names the file in a read error (safedecode put the
// FS-relative name in front of its message).
func readError(display, rel string, err error) error {
	msg := strings.TrimPrefix(err.Error(), rel+": ")
	var kind error
	if errors.Is(err, safedecode.ErrTooLarge) {
		kind = safedecode.ErrTooLarge
	}
	return &Error{File: display, Kind: kind, Msg: msg, Err: err}
}

// emit streams one Result into the sink (collectors.EmitDescription).
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	return collectors.EmitDescription(ctx, sink, res.API, res.Evidence, res.Endpoints)
}
