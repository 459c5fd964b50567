package awsapigw

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// StageAPI is what a stage's settings apply to.
type StageAPI struct {
	// Name is the inventory name of the API.
	Name string
	// ID is the API id when known (from the stage file or the export);
	// it names the execution log group.
	ID string
	// Routes are the operations of the API's export in the same source;
	// nil when the source has no export for the API.
	Routes []Route
}

// StageRoutes builds the gateway route evidence of one stage, tied to the
// stage file's artifact. With the API's export (api.Routes) it emits one
// route per operation, shaped like the export's own route (Exact path,
// the method) so that scoring, which keeps per source only the most
// specific routes serving an endpoint, merges the two instead of letting
// the export's exact route hide a catch-all; its settings are the
// operation's override merged over the stage default. Overrides that
// name no operation of the export follow as routes of their own (they
// show as shadow routes). Without an export the stage default is a route
// for every path (no Paths, no Methods) and each override a route for its
// path and method.
func StageRoutes(st *Stage, api StageAPI, art *collectors.Artifact) ([]Route, error) {
	b := stageBuilder{st: st, api: api, art: art}
	var out []Route
	used := make([]bool, len(st.Overrides))
	if len(api.Routes) > 0 {
		for _, r := range api.Routes {
			s, key, idx := st.effective(r.Method, r.Path)
			if idx >= 0 {
				used[idx] = true
			}
			rt := collectors.Route{Name: st.Name + " " + key, Paths: []collectors.PathMatch{{Exact: r.Path}}}
			if r.Method != "ANY" {
				rt.Methods = []string{r.Method}
			}
			var plugins []string
			if p, ok := r.Evidence.Facts[collectors.FactGatewayPlugins].([]string); ok {
				plugins = p
			}
			route, err := b.route(r.Method, r.Path, s, rt, r.Integration, plugins)
			if err != nil {
				return nil, err
			}
			out = append(out, route)
		}
		for i, o := range st.Overrides {
			// An override that matched nothing is still a setting of the
			// stage; only concrete paths become routes (a wildcard one
			// would reach endpoints the export does not serve).
			if used[i] || o.Path == "" || o.Path == "*" {
				continue
			}
			route, err := b.override(o)
			if err != nil {
				return nil, err
			}
			out = append(out, route)
		}
		return out, nil
	}
	def := Settings{Pointer: st.namePtr}
	key := "default"
	if st.Default != nil {
		def, key = *st.Default, defaultKey(st)
	}
	route, err := b.route("", "", def, collectors.Route{Name: st.Name + " " + key}, "", nil)
	if err != nil {
		return nil, err
	}
	out = append(out, route)
	for _, o := range st.Overrides {
		route, err := b.override(o)
		if err != nil {
			return nil, err
		}
		out = append(out, route)
	}
	return out, nil
}

func defaultKey(st *Stage) string {
	if st.V2 {
		return "defaultRouteSettings"
	}
	return "*/*"
}

// effective is the settings that apply to one operation of the export:
// the most specific override (exact path and method, then the path with
// any method, then any path with the method) merged over the default.
// idx is the override used, -1 for the default alone.
func (st *Stage) effective(method, path string) (Settings, string, int) {
	var want [][2]string
	if st.V2 {
		key := method + " " + path
		if method == "ANY" && (path == "/$default" || path == "$default") {
			key = "$default"
		}
		for i, o := range st.Overrides {
			if o.Key == key {
				return o.Settings.over(st.Default), o.Key, i
			}
		}
	} else {
		want = [][2]string{{path, method}, {path, "*"}, {"*", method}}
	}
	for _, w := range want {
		for i, o := range st.Overrides {
			if o.Path == w[0] && o.Method == w[1] {
				return o.Settings.over(st.Default), o.Key, i
			}
		}
	}
	if st.Default != nil {
		return *st.Default, defaultKey(st), -1
	}
	return Settings{Pointer: st.namePtr}, "default", -1
}

// override is the route of one override on its own.
func (b *stageBuilder) override(o Override) (Route, error) {
	rt := collectors.Route{Name: b.st.Name + " " + o.Key}
	if o.Path != "" && o.Path != "*" {
		rt.Paths = []collectors.PathMatch{{Exact: o.Path}}
	}
	if o.Method != "" && o.Method != "*" && o.Method != "ANY" {
		rt.Methods = []string{o.Method}
	}
	return b.route(o.Method, o.Path, o.Settings.over(b.st.Default), rt, "", nil)
}

type stageBuilder struct {
	st  *Stage
	api StageAPI
	art *collectors.Artifact
}

// route builds one evidence record from the effective settings s.
// integration is the operation's integration type from the export ("" when
// unknown); plugins are the export route's gateway.plugins, repeated so the
// merged record lists everything in effect on the route.
func (b *stageBuilder) route(method, path string, s Settings, rt collectors.Route, integration string, exportPlugins []string) (Route, error) {
	st := b.st
	f := collectors.Facts{}
	var notes []collectors.Note
	note := func(fact, ptr, format string, args ...any) {
		notes = append(notes, collectors.Note{Fact: fact, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
	plugins := map[string]bool{"stage:" + st.Name: true}
	for _, p := range exportPlugins {
		plugins[p] = true
	}

	// Service properties: every API Gateway endpoint is HTTPS only and
	// takes at most 10 MB, whatever the stage says.
	f[collectors.FactTLSEnforced] = true
	f[collectors.FactBodySizeLimited] = true
	f[collectors.FactBodySizeMaxBytes] = int64(maxPayloadBytes)

	// Throttling. Unset or negative (-1, "throttling disabled") leaves
	// only the account-level limit, which every API of the account in the
	// region shares: not a limit of this API.
	if r := s.RateLimit; r.Set && r.Value >= 0 && !math.IsInf(r.Value, 1) {
		pm := perMinute(r.Value)
		f[collectors.FactRateLimitEnabled] = true
		f[collectors.FactRateLimitPerMinute] = pm
		burst := "no burst limit"
		if s.BurstLimit.Set && s.BurstLimit.Value >= 0 {
			burst = "burst " + strconv.FormatInt(s.BurstLimit.Value, 10)
		}
		note(collectors.FactRateLimitEnabled, r.Pointer, "throttlingRateLimit %s requests per second (%d per minute), %s", strconv.FormatFloat(r.Value, 'g', -1, 64), pm, burst)
	} else {
		f[collectors.FactRateLimitEnabled] = false
		ptr, why := s.Pointer, "no throttlingRateLimit"
		if r.Set {
			ptr, why = r.Pointer, "throttlingRateLimit "+strconv.FormatFloat(r.Value, 'g', -1, 64)+" (throttling disabled)"
		}
		note(collectors.FactRateLimitEnabled, ptr, "%s: only the account-level throttling shared by every API of the account applies", why)
	}

	// Logging: access logs to CloudWatch Logs or Firehose, or execution
	// logs at INFO (one entry per request). ERROR-level execution logs
	// record failures only: not a record of the traffic.
	sinks := map[string]bool{}
	if st.AccessLogARN != "" {
		sinks[logSink(st.AccessLogARN)] = true
		note(collectors.FactLoggingEnabled, st.AccessLogPointer, "access log to %s", st.AccessLogARN)
	}
	switch lvl := s.LoggingLevel; {
	case lvl.Set && lvl.Value == "INFO":
		id := b.api.ID
		if id == "" {
			id = st.APIID
		}
		if id == "" {
			id = "{api-id}"
		}
		sinks["cloudwatch:API-Gateway-Execution-Logs_"+id+"/"+st.Name] = true
		plugins["execution-log:info"] = true
		note(collectors.FactLoggingEnabled, lvl.Pointer, "execution logging at INFO: every request is logged to CloudWatch Logs")
	case lvl.Set && lvl.Value == "ERROR":
		plugins["execution-log:error"] = true
	}
	f[collectors.FactLoggingEnabled] = len(sinks) > 0
	setList(f, collectors.FactLoggingSinks, sinks)
	if len(sinks) == 0 {
		ptr := s.Pointer
		if s.LoggingLevel.Set {
			ptr = s.LoggingLevel.Pointer
		}
		note(collectors.FactLoggingEnabled, ptr, "no accessLogSettings.destinationArn and no INFO execution logging")
	}
	if s.DataTrace.Set && s.DataTrace.Value {
		plugins["data-trace"] = true
	}
	if s.Metrics.Set && s.Metrics.Value {
		plugins["metrics"] = true
	}

	// Client certificate: API Gateway presents it to HTTP backends. AWS
	// service, Lambda and mock integrations do not use it (they are
	// signed with SigV4 or have no backend), so the fact is left out.
	switch integration {
	case "aws", "aws_proxy", "mock":
	default:
		f[collectors.FactMTLSUpstream] = st.ClientCertificateID != ""
		if st.ClientCertificateID != "" {
			note(collectors.FactMTLSUpstream, st.certPtr, "client certificate %s presented to the backend", st.ClientCertificateID)
		} else {
			note(collectors.FactMTLSUpstream, st.namePtr, "no clientCertificateId: the backend cannot tell API Gateway's calls from others")
		}
	}

	if st.WebACLARN != "" {
		plugins["waf"] = true
	}
	if st.TracingEnabled {
		plugins["xray"] = true
	}
	if st.Canary {
		plugins["canary"] = true
	}
	// cachingEnabled caches only when the stage has a cache cluster.
	if s.Caching.Set && s.Caching.Value && st.CacheClusterEnabled {
		plugins["cache"] = true
	}
	setList(f, collectors.FactGatewayPlugins, plugins)

	loc := s.Pointer
	if loc == "" {
		loc = st.namePtr
	}
	if err := collectors.ValidateRoute(rt); err != nil {
		return Route{}, &Error{File: b.art.Name, Pointer: loc, Msg: err.Error()}
	}
	if err := collectors.ValidateFacts(f); err != nil {
		return Route{}, &Error{File: b.art.Name, Pointer: loc, Msg: err.Error()}
	}
	return Route{Method: method, Path: path, Pointer: loc, Integration: integration, Evidence: collectors.Evidence{
		API: b.api.Name, Artifact: b.art, Location: loc, Facts: f, Route: &rt, Notes: notes,
	}}, nil
}

// perMinute converts a per-second rate to whole requests per minute,
// rounding up (0.01/s allows one request a minute, not zero). The
// rounding to micro-requests first keeps 0.1*60 from becoming 7.
func perMinute(perSecond float64) int64 {
	m := math.Ceil(math.Round(perSecond*60*1e6) / 1e6)
	if m >= math.MaxInt64 || math.IsNaN(m) {
		return math.MaxInt64
	}
	return int64(m)
}

// logSink names an access log destination by its service: a CloudWatch
// Logs log group ("arn:aws:logs:...") or a Kinesis Data Firehose stream
// ("arn:aws:firehose:..."), the two API Gateway accepts.
func logSink(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return "arn:" + arn
	}
	switch parts[2] {
	case "logs":
		return "cloudwatch:" + arn
	case "firehose":
		return "firehose:" + arn
	}
	return parts[2] + ":" + arn
}
