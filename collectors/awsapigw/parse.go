package awsapigw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/openapi"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Options tune Parse.
type Options struct {
	// Limits bound the input (zero fields take the safedecode defaults).
	Limits safedecode.Limits
	// API and APIMap name the API as collectors.Source.APIName does:
	// API overrides, APIMap renames info.title.
	API    string
	APIMap map[string]string
	// Owner is the owning team when the document does not name one.
	Owner string
	// RefFS and RefPath enable external $refs for the spec part (see
	// openapi.Options).
	RefFS   fs.FS
	RefPath string
}

// Route is one API Gateway operation with its effective configuration.
type Route struct {
	Method  string // upper-case method, "ANY" for x-amazon-apigateway-any-method
	Path    string // the path template as in the export
	Pointer string // JSON pointer of the operation
	// Integration is the lower-case x-amazon-apigateway-integration type
	// (http_proxy, aws_proxy, mock...); "" when the operation has none.
	// Stage routes use it to tell whether a client certificate reaches
	// the backend.
	Integration string
	// Evidence is what Collect sends to the sink for this route.
	Evidence collectors.Evidence
}

// Result is what one export yields: the spec part (exactly what the
// openapi collector emits for the document) and one route per operation.
type Result struct {
	Spec   *openapi.Result
	Routes []Route
	// Validators are the names declared in x-amazon-apigateway-request-validators.
	Validators []string
	// APIID and Stage identify the deployed API the export came from, when
	// its host (Swagger) or server URL (OpenAPI 3) is the execute-api
	// endpoint "https://{api-id}.execute-api.{region}.amazonaws.com/{stage}";
	// "" otherwise. Stage files are matched to exports by them.
	APIID string
	Stage string
}

// ErrNotAWS is returned for a document without x-amazon-apigateway-*
// extensions (it is a plain OpenAPI document: use the openapi kind).
var ErrNotAWS = errors.New("not an API Gateway export")

// Error is an export that could not be read: "awsapigw: FILE: POINTER: msg".
type Error struct {
	File    string
	Pointer string
	Msg     string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("awsapigw: ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// methods an operation may use, in output order.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

const anyMethod = "x-amazon-apigateway-any-method"

// Parse reads one API Gateway export (Swagger 2.0 or OpenAPI 3 with
// x-amazon-apigateway-* extensions). It is a pure function of its
// arguments, never panics, and returns *Error (or the openapi collector's
// *openapi.Error for the spec part) naming the file and the place.
func Parse(name string, data []byte, opt Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error while reading the export: %v", r)}
		}
	}()
	lim := opt.Limits.Normalize()
	if err := safedecode.CheckSize(name, int64(len(data)), lim); err != nil {
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), name+": "), Err: err}
	}
	spec, err := openapi.Parse(name, data, openapi.Options{Limits: opt.Limits, Owner: opt.Owner, RefFS: opt.RefFS, RefPath: opt.RefPath})
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(data, []byte("x-amazon-apigateway-")) {
		return nil, &Error{File: name, Msg: "no x-amazon-apigateway-* extension: a plain OpenAPI document (use the openapi kind)", Err: ErrNotAWS}
	}
	root, err := decode(name, data, lim)
	if err != nil {
		return nil, err
	}
	doc, ok := root.(map[string]any)
	if !ok {
		return nil, &Error{File: name, Msg: "the document is not an object", Err: ErrNotAWS}
	}
	apiName := collectors.Source{API: opt.API, APIMap: opt.APIMap}.APIName(spec.API.Name)
	rename(spec, apiName)
	p := &parser{name: name, doc: doc, swagger: spec.Format == "swagger"}
	res = &Result{Spec: spec}
	res.APIID, res.Stage = exportIdentity(doc, p.swagger)
	if err := p.run(res, apiName, spec.Evidence[0].Artifact); err != nil {
		return nil, err
	}
	return res, nil
}

// rename gives the spec part the inventory name of the API.
func rename(spec *openapi.Result, name string) {
	if spec.API.Name == name {
		return
	}
	spec.API.Name = name
	for i := range spec.Endpoints {
		spec.Endpoints[i].API = name
	}
	for i := range spec.Evidence {
		spec.Evidence[i].API = name
	}
}

// decode turns the (already checked) document into plain values:
// map[string]any, []any, string, bool, json.Number (JSON) or int64/float64
// (YAML). YAML aliases are followed; safedecode bounded their expansion.
func decode(name string, data []byte, lim safedecode.Limits) (any, error) {
	if safedecode.LooksLikeJSON(data) {
		if err := safedecode.CheckJSON(name, data, lim); err == nil {
			dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, &Error{File: name, Msg: err.Error(), Err: err}
			}
			return v, nil
		}
	}
	docs, err := safedecode.DecodeYAML(name, data, lim)
	if err != nil {
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), name+": "), Err: err}
	}
	if len(docs) == 0 {
		return nil, &Error{File: name, Msg: "empty document", Err: ErrNotAWS}
	}
	budget := lim.MaxAliasNodes*4 + len(data)
	return fromNode(docs[0], 0, lim.MaxDepth, &budget), nil
}

func fromNode(n *yaml.Node, depth, maxDepth int, budget *int) any {
	*budget--
	if n == nil || depth > maxDepth+2 || *budget < 0 {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return fromNode(n.Content[0], depth, maxDepth, budget)
	case yaml.AliasNode:
		return fromNode(n.Alias, depth+1, maxDepth, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Value == "<<" && k.Tag == "!!merge" {
				if sub, ok := fromNode(n.Content[i+1], depth+1, maxDepth, budget).(map[string]any); ok {
					for sk, sv := range sub {
						if _, dup := m[sk]; !dup {
							m[sk] = sv
						}
					}
				}
				continue
			}
			m[k.Value] = fromNode(n.Content[i+1], depth+1, maxDepth, budget)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, fromNode(c, depth+1, maxDepth, budget))
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!bool":
			b, _ := strconv.ParseBool(strings.ToLower(n.Value))
			return b
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return i
			}
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return f
			}
		case "!!null":
			return nil
		}
		return n.Value
	}
	return nil
}

// ---- value helpers ----

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { s, _ := v.([]any); return s }
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// boolean reads a boolean (or "true"/"false" string); ok is false when v
// is neither.
func boolean(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

// number reads an integer-valued number; ok is false otherwise.
func number(v any) (int64, bool) {
	var f float64
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		f = x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		g, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = g
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		return i, err == nil
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < math.MinInt64 || f > math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func setList(f collectors.Facts, key string, set map[string]bool) {
	if len(set) == 0 {
		return
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	f[key] = out
}
