package awsapigw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/internal/safedecode"
)

// Stage is one API Gateway stage as the AWS CLI prints it: `aws
// apigateway get-stage` (REST APIs, camelCase keys), `aws apigatewayv2
// get-stage` (HTTP and WebSocket APIs, PascalCase keys in the CLI,
// camelCase on the wire; both are read), or one item of get-stages.
// Field names follow the AWS SDK for Go v2 models (apigateway and
// apigatewayv2 types.Stage, MethodSetting, RouteSettings,
// AccessLogSettings).
type Stage struct {
	Name string // stageName
	// V2 is an apigatewayv2 stage (defaultRouteSettings/routeSettings
	// instead of methodSettings).
	V2 bool
	// Pointer is the JSON pointer of the stage object in its file: "" for
	// get-stage output, "/item/0" for the first stage of get-stages.
	Pointer string
	// APIID is the REST or HTTP API id when the file says it: the raw REST
	// API response's _links.self.href ("/restapis/{id}/stages/{name}") or
	// a restApiId/apiId member a script added. get-stage output does not
	// carry it, so it is usually "".
	APIID        string
	DeploymentID string
	// AccessLogARN is accessLogSettings.destinationArn: a CloudWatch Logs
	// log group or a Kinesis Data Firehose stream.
	AccessLogARN     string
	AccessLogPointer string
	// ClientCertificateID is the certificate API Gateway presents to HTTP
	// backends (REST APIs; WebSocket APIs in v2).
	ClientCertificateID string
	WebACLARN           string // AWS WAF web ACL associated with the stage (REST APIs)
	TracingEnabled      bool   // X-Ray active tracing
	CacheClusterEnabled bool   // a cache cluster exists; methods still opt in with cachingEnabled
	Canary              bool   // canarySettings present: part of the traffic goes to another deployment
	// Default holds the "*/*" method settings (v1) or defaultRouteSettings
	// (v2); nil when the stage has none.
	Default *Settings
	// Overrides are the per-method ("~1pets/GET") or per-route ("GET
	// /pets") settings, sorted by key.
	Overrides []Override

	namePtr, certPtr string // where stageName and clientCertificateId are
}

// Field is one setting as read: Set is false when the object does not
// have the member; Pointer is where it is.
type Field[T any] struct {
	Value   T
	Set     bool
	Pointer string
}

// Settings are method settings (v1 MethodSetting) or route settings (v2
// RouteSettings). Only the members that carry facts are kept.
type Settings struct {
	Pointer string // JSON pointer of the settings object
	// RateLimit is throttlingRateLimit, the steady-state requests per
	// second; negative means throttling disabled (the value API Gateway
	// and Terraform use for "not set").
	RateLimit  Field[float64]
	BurstLimit Field[int64]
	// LoggingLevel is the execution log level: OFF, ERROR or INFO.
	LoggingLevel Field[string]
	DataTrace    Field[bool] // full request/response bodies in the execution log
	Metrics      Field[bool] // metricsEnabled (v1) / detailedMetricsEnabled (v2)
	Caching      Field[bool] // cachingEnabled (v1 only)
}

// over returns s with every member it lacks taken from base: an override
// states what it changes, the rest comes from the stage default.
func (s Settings) over(base *Settings) Settings {
	if base == nil {
		return s
	}
	if !s.RateLimit.Set {
		s.RateLimit = base.RateLimit
	}
	if !s.BurstLimit.Set {
		s.BurstLimit = base.BurstLimit
	}
	if !s.LoggingLevel.Set {
		s.LoggingLevel = base.LoggingLevel
	}
	if !s.DataTrace.Set {
		s.DataTrace = base.DataTrace
	}
	if !s.Metrics.Set {
		s.Metrics = base.Metrics
	}
	if !s.Caching.Set {
		s.Caching = base.Caching
	}
	return s
}

// Override is the settings of one method (v1 key "{resource_path}/{METHOD}",
// the resource path's "/" written "~1") or one route (v2 route key "GET
// /pets", "$default").
type Override struct {
	Key string // as in the file
	// Path is the resource path with "~1" decoded ("/pets/{petId}"); "*"
	// for every path; "" for a v2 route key that is not METHOD PATH
	// ("$default", "$connect").
	Path string
	// Method is the upper-case method; "*" (v1) and "ANY" mean every method.
	Method   string
	Settings Settings
}

// ParseStages reads a stage file: get-stage output (one stage object) or
// get-stages output ({"item": [...]} for REST APIs, {"Items": [...]} /
// {"items": [...]} for apigatewayv2). It is a pure function, never panics,
// and returns an *Error naming the file and the JSON pointer of a member
// of the wrong type.
func ParseStages(name string, data []byte, lim safedecode.Limits) (stages []Stage, err error) {
	defer func() {
		if r := recover(); r != nil {
			stages, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error while reading the stage file: %v", r)}
		}
	}()
	lim = lim.Normalize()
	if err := safedecode.CheckSize(name, int64(len(data)), lim); err != nil {
		return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), name+": "), Err: err}
	}
	root, err := decode(name, data, lim)
	if err != nil {
		return nil, err
	}
	doc := obj(root)
	if doc == nil {
		return nil, &Error{File: name, Msg: "a stage file must be a JSON object (get-stage or get-stages output)", Err: ErrNotStage}
	}
	sp := &stageParser{name: name}
	if _, _, single := member(doc, "stageName"); !single {
		for _, k := range []string{"item", "items", "Items"} {
			v, ok := doc[k]
			if !ok {
				continue
			}
			items, isList := v.([]any)
			if !isList {
				return nil, sp.errf("/"+k, "must be a list of stages")
			}
			for i, it := range items {
				ptr := "/" + k + "/" + strconv.Itoa(i)
				m := obj(it)
				if m == nil {
					return nil, sp.errf(ptr, "must be a stage object")
				}
				st, err := sp.stage(m, ptr)
				if err != nil {
					return nil, err
				}
				stages = append(stages, st)
			}
			return stages, nil
		}
		return nil, &Error{File: name, Msg: "no stageName and no item list: not get-stage or get-stages output", Err: ErrNotStage}
	}
	st, err := sp.stage(doc, "")
	if err != nil {
		return nil, err
	}
	return []Stage{st}, nil
}

// ErrNotStage is returned for a file that is not a stage description.
var ErrNotStage = fmt.Errorf("not an API Gateway stage")

type stageParser struct{ name string }

func (sp *stageParser) errf(ptr, format string, args ...any) *Error {
	return &Error{File: sp.name, Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
}

// member finds a member by its camelCase name or the PascalCase the CLI
// prints for apigatewayv2, returning its value and the key found.
func member(m map[string]any, camel string) (any, string, bool) {
	if v, ok := m[camel]; ok && v != nil {
		return v, camel, true
	}
	pascal := strings.ToUpper(camel[:1]) + camel[1:]
	if v, ok := m[pascal]; ok && v != nil {
		return v, pascal, true
	}
	return nil, "", false
}

func (sp *stageParser) str(m map[string]any, ptr, camel string) (string, string, error) {
	v, k, ok := member(m, camel)
	if !ok {
		return "", "", nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", "", sp.errf(ptr+"/"+escape(k), "must be a string, not %s", kindOf(v))
	}
	return s, ptr + "/" + escape(k), nil
}

func (sp *stageParser) boolean(m map[string]any, ptr, camel string) (Field[bool], error) {
	v, k, ok := member(m, camel)
	if !ok {
		return Field[bool]{}, nil
	}
	b, isBool := boolean(v)
	if !isBool {
		return Field[bool]{}, sp.errf(ptr+"/"+escape(k), "must be a boolean, not %s", kindOf(v))
	}
	return Field[bool]{Value: b, Set: true, Pointer: ptr + "/" + escape(k)}, nil
}

func (sp *stageParser) object(m map[string]any, ptr, camel string) (map[string]any, string, error) {
	v, k, ok := member(m, camel)
	if !ok {
		return nil, "", nil
	}
	o := obj(v)
	if o == nil {
		return nil, "", sp.errf(ptr+"/"+escape(k), "must be an object, not %s", kindOf(v))
	}
	return o, ptr + "/" + escape(k), nil
}

// restAPIHref is the self link of a raw REST API stage resource.
var restAPIHref = regexp.MustCompile(`^/(?:restapis|v2/apis)/([^/]+)/stages/`)

func (sp *stageParser) stage(m map[string]any, ptr string) (Stage, error) {
	st := Stage{Pointer: ptr}
	var err error
	if st.Name, st.namePtr, err = sp.str(m, ptr, "stageName"); err != nil {
		return st, err
	}
	if st.Name == "" {
		return st, sp.errf(ptr, "stage without a stageName")
	}
	if st.DeploymentID, _, err = sp.str(m, ptr, "deploymentId"); err != nil {
		return st, err
	}
	for _, k := range []string{"restApiId", "apiId"} {
		id, _, err := sp.str(m, ptr, k)
		if err != nil {
			return st, err
		}
		if id != "" {
			st.APIID = id
		}
	}
	if links := obj(m["_links"]); links != nil && st.APIID == "" {
		if sm := restAPIHref.FindStringSubmatch(str(obj(links["self"])["href"])); sm != nil {
			st.APIID = sm[1]
		}
	}
	if st.ClientCertificateID, st.certPtr, err = sp.str(m, ptr, "clientCertificateId"); err != nil {
		return st, err
	}
	if st.WebACLARN, _, err = sp.str(m, ptr, "webAclArn"); err != nil {
		return st, err
	}
	for _, b := range []struct {
		key string
		to  *bool
	}{{"tracingEnabled", &st.TracingEnabled}, {"cacheClusterEnabled", &st.CacheClusterEnabled}} {
		f, err := sp.boolean(m, ptr, b.key)
		if err != nil {
			return st, err
		}
		*b.to = f.Value
	}
	canary, _, err := sp.object(m, ptr, "canarySettings")
	if err != nil {
		return st, err
	}
	st.Canary = len(canary) > 0
	logs, lptr, err := sp.object(m, ptr, "accessLogSettings")
	if err != nil {
		return st, err
	}
	if logs != nil {
		if st.AccessLogARN, st.AccessLogPointer, err = sp.str(logs, lptr, "destinationArn"); err != nil {
			return st, err
		}
		if _, _, err = sp.str(logs, lptr, "format"); err != nil {
			return st, err
		}
	}

	ms, msPtr, err := sp.object(m, ptr, "methodSettings")
	if err != nil {
		return st, err
	}
	drs, drsPtr, err := sp.object(m, ptr, "defaultRouteSettings")
	if err != nil {
		return st, err
	}
	rs, rsPtr, err := sp.object(m, ptr, "routeSettings")
	if err != nil {
		return st, err
	}
	_, _, hasAutoDeploy := member(m, "autoDeploy")
	_, _, hasStageVars := member(m, "stageVariables")
	st.V2 = ms == nil && (drs != nil || rs != nil || hasAutoDeploy || hasStageVars)
	if ms != nil && (drs != nil || rs != nil) {
		return st, sp.errf(ptr, "both methodSettings (REST API) and route settings (HTTP API): not one stage")
	}
	if !st.V2 {
		for _, key := range sortedKeys(ms) {
			kptr := msPtr + "/" + escape(key)
			sm := obj(ms[key])
			if sm == nil {
				return st, sp.errf(kptr, "method settings must be an object, not %s", kindOf(ms[key]))
			}
			s, err := sp.settings(sm, kptr)
			if err != nil {
				return st, err
			}
			if key == "*/*" {
				st.Default = &s
				continue
			}
			path, method, err := methodKey(key)
			if err != nil {
				return st, sp.errf(kptr, "%v", err)
			}
			st.Overrides = append(st.Overrides, Override{Key: key, Path: path, Method: method, Settings: s})
		}
		return st, nil
	}
	if drs != nil {
		s, err := sp.settings(drs, drsPtr)
		if err != nil {
			return st, err
		}
		st.Default = &s
	}
	for _, key := range sortedKeys(rs) {
		kptr := rsPtr + "/" + escape(key)
		sm := obj(rs[key])
		if sm == nil {
			return st, sp.errf(kptr, "route settings must be an object, not %s", kindOf(rs[key]))
		}
		s, err := sp.settings(sm, kptr)
		if err != nil {
			return st, err
		}
		path, method, err := routeKey(key)
		if err != nil {
			return st, sp.errf(kptr, "%v", err)
		}
		st.Overrides = append(st.Overrides, Override{Key: key, Path: path, Method: method, Settings: s})
	}
	return st, nil
}

func (sp *stageParser) settings(m map[string]any, ptr string) (Settings, error) {
	s := Settings{Pointer: ptr}
	if v, k, ok := member(m, "throttlingRateLimit"); ok {
		f, good := rate(v)
		if !good {
			return s, sp.errf(ptr+"/"+escape(k), "must be a number of requests per second, not %s", kindOf(v))
		}
		s.RateLimit = Field[float64]{Value: f, Set: true, Pointer: ptr + "/" + escape(k)}
	}
	if v, k, ok := member(m, "throttlingBurstLimit"); ok {
		n, good := number(v)
		if !good || !isInteger(v) {
			return s, sp.errf(ptr+"/"+escape(k), "must be an integer, not %s", kindOf(v))
		}
		s.BurstLimit = Field[int64]{Value: n, Set: true, Pointer: ptr + "/" + escape(k)}
	}
	if v, k, ok := member(m, "loggingLevel"); ok {
		l, isStr := v.(string)
		if !isStr {
			return s, sp.errf(ptr+"/"+escape(k), "must be OFF, ERROR or INFO, not %s", kindOf(v))
		}
		s.LoggingLevel = Field[string]{Value: strings.ToUpper(l), Set: true, Pointer: ptr + "/" + escape(k)}
	}
	var err error
	if s.DataTrace, err = sp.boolean(m, ptr, "dataTraceEnabled"); err != nil {
		return s, err
	}
	if s.Caching, err = sp.boolean(m, ptr, "cachingEnabled"); err != nil {
		return s, err
	}
	if s.Metrics, err = sp.boolean(m, ptr, "metricsEnabled"); err != nil {
		return s, err
	}
	if !s.Metrics.Set {
		if s.Metrics, err = sp.boolean(m, ptr, "detailedMetricsEnabled"); err != nil {
			return s, err
		}
	}
	return s, nil
}

// rate reads throttlingRateLimit: a JSON number, or the strings "NaN",
// "Infinity" and "-Infinity" the AWS JSON protocol allows for doubles.
// NaN is refused: it is no limit at all.
func rate(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = g
	case int64:
		f = float64(x)
	case float64:
		f = x
	case string:
		switch {
		case strings.EqualFold(x, "Infinity"):
			f = math.Inf(1)
		case strings.EqualFold(x, "-Infinity"):
			f = math.Inf(-1)
		default:
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}

func isInteger(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case float64:
		return x == math.Trunc(x)
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return false
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

var methodToken = regexp.MustCompile(`^(\*|[A-Z]+)$`)

// methodKey splits a v1 method settings key "{resource_path}/{METHOD}".
// The resource path is written with "/" as "~1" (a JSON pointer token, as
// in update-stage's patch paths: "~1resource~1subresource/POST"); "*"
// stands for every path or method.
func methodKey(key string) (path, method string, err error) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return "", "", fmt.Errorf("method settings key %q is not {resource_path}/{http_method}", key)
	}
	res, method := key[:i], strings.ToUpper(key[i+1:])
	if !methodToken.MatchString(method) {
		return "", "", fmt.Errorf("method settings key %q: %q is not an HTTP method", key, key[i+1:])
	}
	if res == "*" {
		return "*", method, nil
	}
	path = strings.ReplaceAll(strings.ReplaceAll(res, "~1", "/"), "~0", "~")
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("method settings key %q: resource path %q does not start with ~1 (/)", key, res)
	}
	return path, method, nil
}

// routeKey splits a v2 route key: "GET /pets", "ANY /{proxy+}", or a
// special key starting with "$" ("$default", "$connect").
func routeKey(key string) (path, method string, err error) {
	if strings.HasPrefix(key, "$") {
		return "", "", nil
	}
	m, p, ok := strings.Cut(key, " ")
	if !ok || !methodToken.MatchString(m) || !strings.HasPrefix(p, "/") {
		return "", "", fmt.Errorf("route key %q is not \"METHOD /path\" or $default", key)
	}
	return p, m, nil
}

// executeAPIHost is the default endpoint of a REST or HTTP API.
var executeAPIHost = regexp.MustCompile(`^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$`)

// exportIdentity reads the API id and stage an export was taken from:
// API Gateway writes its execute-api endpoint as the Swagger host and
// basePath ("/prod"), or as the OpenAPI 3 server URL with a basePath
// variable ("https://{id}.execute-api.{region}.amazonaws.com/{basePath}",
// default "/prod"). Other hosts (custom domains) say nothing.
func exportIdentity(doc map[string]any, swagger bool) (id, stage string) {
	firstSegment := func(p string) string {
		seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		return seg
	}
	if swagger {
		sm := executeAPIHost.FindStringSubmatch(strings.ToLower(str(doc["host"])))
		if sm == nil {
			return "", ""
		}
		return sm[1], firstSegment(str(doc["basePath"]))
	}
	for _, sv := range list(doc["servers"]) {
		s := obj(sv)
		raw := str(s["url"])
		for _, k := range sortedKeys(obj(s["variables"])) {
			raw = strings.ReplaceAll(raw, "{"+k+"}", strings.TrimPrefix(str(obj(obj(s["variables"])[k])["default"]), "/"))
		}
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if sm := executeAPIHost.FindStringSubmatch(strings.ToLower(u.Hostname())); sm != nil {
			return sm[1], firstSegment(u.Path)
		}
	}
	return "", ""
}

// stageShape reports whether head (the first bytes of a JSON file, maybe
// cut) looks like get-stage or get-stages output: a top-level stageName
// with a deploymentId, methodSettings or route settings member, or the
// same inside the first objects of an item/items/Items list. It reads
// tokens only as far as head goes, so a cut head still decides on what
// came before the cut.
func stageShape(head []byte) bool {
	if !safedecode.LooksLikeJSON(head) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})))
	var stack []shapeFrame
	top, item := map[string]bool{}, map[string]bool{}
	var lastKey string
	for n := 0; n < 1<<16; n++ {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		depth := len(stack)
		if depth > 0 && stack[depth-1].obj && stack[depth-1].wantKey {
			k, isKey := tok.(string)
			if !isKey { // '}'
				stack = stack[:depth-1]
				valueDone(stack)
				continue
			}
			stack[depth-1].wantKey = false
			lastKey = k
			switch {
			case depth == 1:
				top[k] = true
			case depth == 3 && isItemList(stack[1].key):
				item[k] = true
			}
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			key := ""
			if depth > 0 && stack[depth-1].obj {
				key = lastKey
			}
			stack = append(stack, shapeFrame{obj: tok == json.Delim('{'), wantKey: tok == json.Delim('{'), key: key})
		case json.Delim('}'), json.Delim(']'):
			if depth > 0 {
				stack = stack[:depth-1]
			}
			valueDone(stack)
		default:
			valueDone(stack)
		}
	}
	return isStageKeys(top) || isStageKeys(item)
}

// shapeFrame is an open object or list while stageShape reads tokens.
type shapeFrame struct {
	obj, wantKey bool
	key          string // the member this container is the value of
}

// valueDone marks the enclosing object as waiting for its next key.
func valueDone(stack []shapeFrame) {
	if len(stack) > 0 && stack[len(stack)-1].obj {
		stack[len(stack)-1].wantKey = true
	}
}

func isItemList(k string) bool { return k == "item" || k == "items" || k == "Items" }

func isStageKeys(keys map[string]bool) bool {
	if !keys["stageName"] && !keys["StageName"] {
		return false
	}
	for _, k := range []string{"deploymentId", "methodSettings", "defaultRouteSettings", "routeSettings"} {
		if keys[k] || keys[strings.ToUpper(k[:1])+k[1:]] {
			return true
		}
	}
	return false
}
