package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// operation is one method on one path of the spec, with what the
// generator needs to make requests for it.
type operation struct {
	Method   string // upper case
	Template string // base path + path key, e.g. /api/v2/videos/{video_id}
	pieces   []piece
	query    []param // query parameters the spec declares
	success  int     // lowest 2xx status declared (200 if none)
	median   float64 // median response body size in bytes (seeded)
	weight   float64 // popularity
}

// piece is a literal part of a path template or a path parameter.
type piece struct {
	lit string
	p   *param // nil for a literal
}

// param is a path or query parameter: enough of its schema to make a
// plausible value.
type param struct {
	Name   string
	Kind   valueKind
	Values []string // enum values, if any
}

type valueKind int

const (
	kindSlug valueKind = iota
	kindNumber
	kindUUID
	kindBool
)

// The spec documents, decoded from JSON with encoding/json or from YAML
// with go.yaml.in/yaml/v3: only the path keys, methods, parameters and
// response codes are read.
type specDoc struct {
	BasePath string `json:"basePath" yaml:"basePath"` // Swagger 2.0
	Servers  []struct {
		URL string `json:"url" yaml:"url"`
	} `json:"servers" yaml:"servers"` // OpenAPI 3
	Paths      map[string]pathDoc  `json:"paths" yaml:"paths"`
	Parameters map[string]paramDoc `json:"parameters" yaml:"parameters"` // Swagger 2.0
	Components struct {
		Parameters map[string]paramDoc `json:"parameters" yaml:"parameters"`
	} `json:"components" yaml:"components"`
}

type pathDoc struct {
	Parameters []paramDoc `json:"parameters" yaml:"parameters"`
	Get        *opDoc     `json:"get" yaml:"get"`
	Put        *opDoc     `json:"put" yaml:"put"`
	Post       *opDoc     `json:"post" yaml:"post"`
	Delete     *opDoc     `json:"delete" yaml:"delete"`
	Options    *opDoc     `json:"options" yaml:"options"`
	Head       *opDoc     `json:"head" yaml:"head"`
	Patch      *opDoc     `json:"patch" yaml:"patch"`
}

type opDoc struct {
	Parameters []paramDoc          `json:"parameters" yaml:"parameters"`
	Responses  map[string]struct{} `json:"responses" yaml:"responses"`
}

type paramDoc struct {
	Ref    string     `json:"$ref" yaml:"$ref"`
	Name   string     `json:"name" yaml:"name"`
	In     string     `json:"in" yaml:"in"`
	Type   any        `json:"type" yaml:"type"` // Swagger 2.0; a list in OpenAPI 3.1 schemas
	Format string     `json:"format" yaml:"format"`
	Enum   []any      `json:"enum" yaml:"enum"`
	Schema *schemaDoc `json:"schema" yaml:"schema"`
}

type schemaDoc struct {
	Type   any    `json:"type" yaml:"type"`
	Format string `json:"format" yaml:"format"`
	Enum   []any  `json:"enum" yaml:"enum"`
}

// parseSpec reads the operations of an OpenAPI 3 or Swagger 2.0
// document, JSON or YAML, sorted by template and method.
func parseSpec(data []byte) ([]*operation, error) {
	var doc specDoc
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, err
		}
	} else if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	base := strings.TrimRight(doc.BasePath, "/")
	if base == "" && len(doc.Servers) > 0 {
		if u, err := url.Parse(doc.Servers[0].URL); err == nil && !strings.Contains(u.Path, "{") {
			base = strings.TrimRight(u.Path, "/")
		}
	}
	resolve := func(p paramDoc) paramDoc {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			return doc.Components.Parameters[name]
		}
		if name, ok := strings.CutPrefix(p.Ref, "#/parameters/"); ok {
			return doc.Parameters[name]
		}
		return p
	}
	keys := make([]string, 0, len(doc.Paths))
	for k := range doc.Paths {
		if strings.HasPrefix(k, "/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var ops []*operation
	for _, k := range keys {
		item := doc.Paths[k]
		for _, m := range []struct {
			name string
			op   *opDoc
		}{{"GET", item.Get}, {"PUT", item.Put}, {"POST", item.Post}, {"DELETE", item.Delete}, {"OPTIONS", item.Options}, {"HEAD", item.Head}, {"PATCH", item.Patch}} {
			if m.op == nil {
				continue
			}
			// Operation parameters override path-item ones of the same name and location.
			byKey := map[string]paramDoc{}
			var order []string
			for _, list := range [][]paramDoc{item.Parameters, m.op.Parameters} {
				for _, p := range list {
					p = resolve(p)
					key := p.In + " " + p.Name
					if _, seen := byKey[key]; !seen {
						order = append(order, key)
					}
					byKey[key] = p
				}
			}
			op := &operation{Method: m.name, Template: base + k, success: 200}
			pathParams := map[string]*param{}
			for _, key := range order {
				p := byKey[key]
				switch p.In {
				case "path":
					pathParams[p.Name] = toParam(p)
				case "query":
					op.query = append(op.query, *toParam(p))
				}
			}
			op.pieces = splitTemplate(op.Template, pathParams)
			var codes []int
			for c := range m.op.Responses {
				if n, err := strconv.Atoi(c); err == nil && n >= 200 && n < 300 {
					codes = append(codes, n)
				}
			}
			if len(codes) > 0 {
				op.success = slices.Min(codes)
			}
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("no operations under paths")
	}
	return ops, nil
}

// toParam classifies a parameter's values: UUIDs by format or name,
// numbers by type (or an untyped *id name), enums as given, slugs otherwise.
func toParam(p paramDoc) *param {
	typ, format, enum := typeName(p.Type), p.Format, p.Enum
	if p.Schema != nil {
		typ, format, enum = typeName(p.Schema.Type), p.Schema.Format, p.Schema.Enum
	}
	out := &param{Name: p.Name}
	lower := strings.ToLower(p.Name)
	switch {
	case format == "uuid" || strings.Contains(lower, "uuid") || strings.Contains(lower, "guid"):
		out.Kind = kindUUID
	case typ == "integer" || typ == "number":
		out.Kind = kindNumber
	case typ == "boolean":
		out.Kind = kindBool
	case typ == "" && (lower == "id" || strings.HasSuffix(lower, "_id") || strings.HasSuffix(p.Name, "Id")):
		out.Kind = kindNumber
	default:
		out.Kind = kindSlug
	}
	for _, e := range enum {
		if s, ok := e.(string); ok && s != "" && !strings.ContainsAny(s, " \"?&#/%") {
			out.Values = append(out.Values, s)
		}
	}
	return out
}

// typeName is a schema's type: a string, or the first non-null entry of
// an OpenAPI 3.1 type list.
func typeName(t any) string {
	switch v := t.(type) {
	case string:
		return v
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s != "null" {
				return s
			}
		}
	}
	return ""
}

// splitTemplate cuts a path template into literals and parameters; a
// parameter the operation does not declare gets one from its name.
func splitTemplate(t string, params map[string]*param) []piece {
	var out []piece
	for t != "" {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[max(i, 0):], '}')
		if i < 0 || j < 0 {
			out = append(out, piece{lit: t})
			break
		}
		j += i
		if i > 0 {
			out = append(out, piece{lit: t[:i]})
		}
		name := t[i+1 : j]
		p := params[name]
		if p == nil {
			p = toParam(paramDoc{Name: name})
		}
		out = append(out, piece{p: p})
		t = t[j+1:]
	}
	return out
}
