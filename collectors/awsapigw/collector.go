package awsapigw

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/openapi"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "awsapigw"

// CollectorVersion is recorded on the evidence; bump it when facts change meaning.
const CollectorVersion = "1"

// Collector reads API Gateway exports.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Origin implements collectors.Originator: the routes are gateway
// configuration (the spec part's endpoints come with it).
func (Collector) Origin() string { return collectors.OriginGateway }

const headSize = 64 << 10

// Detect implements collectors.Detector: an OpenAPI/Swagger head (as the
// openapi collector detects it) that also carries an x-amazon-apigateway-
// extension, or get-stage / get-stages output (see stageShape).
func (Collector) Detect(name string, head []byte) bool {
	return isExport(name, head) || stageShape(head)
}

func isExport(name string, head []byte) bool {
	return bytes.Contains(head, []byte(ext)) && (openapi.Collector{}).Detect(name, head)
}

func isSpecName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Collect implements collectors.Collector. Each path is a file or a
// directory walked in lexical order, taking the .json/.yaml/.yml files
// Detect recognises. A file is an export (API Gateway's OpenAPI/Swagger)
// or a stage file (get-stage/get-stages output); a file named explicitly
// that is neither is an error. For every export it emits the spec part as
// the openapi collector does (API, API evidence, endpoints with their
// evidence), then one gateway route evidence per operation. Stage files
// come last, once every export of the source is known: each stage is
// matched to an API (see resolveStage) and its settings emitted as route
// evidence (see StageRoutes).
//
// Option "api" names the API stage files belong to: one name for all, or
// "file=name" pairs separated by commas (file is the stage file's path as
// listed or its base name).
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	if len(src.Paths) == 0 {
		return fmt.Errorf("awsapigw: source %q: no paths to read", src.Name)
	}
	cs := &collectState{opt: Options{API: src.API, APIMap: src.APIMap, Owner: src.Owner}, src: src, done: map[string]bool{}}
	for k, v := range src.Options {
		switch k {
		case "api":
			if err := cs.parseAPIOption(v); err != nil {
				return err
			}
		default:
			return fmt.Errorf("awsapigw: source %q: unknown option %q (known: api)", src.Name, k)
		}
	}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		root, err := source.Open(src, p, true)
		if err != nil {
			return fmt.Errorf("awsapigw: %w", err)
		}
		err = c.collectRoot(ctx, root, cs, sink)
		root.Close()
		if err != nil {
			return err
		}
	}
	for _, sf := range cs.stages {
		for i := range sf.stages {
			if err := ctx.Err(); err != nil {
				return err
			}
			st := &sf.stages[i]
			api, err := cs.resolveStage(sf, st)
			if err != nil {
				return err
			}
			routes, err := StageRoutes(st, api, sf.art)
			if err != nil {
				return err
			}
			for _, r := range routes {
				if err := sink.Evidence(r.Evidence); err != nil {
					return err
				}
			}
		}
	}
	unused := map[string]bool{}
	for f := range cs.apiFiles {
		unused[f] = !cs.apiUsed[f]
	}
	for _, f := range sortedSet(unused) {
		if unused[f] {
			return fmt.Errorf("awsapigw: source %q: option api names %q, which is not a stage file of the source", src.Name, f)
		}
	}
	return nil
}

// collectState is what one Collect call has read so far.
type collectState struct {
	opt     Options
	src     collectors.Source
	done    map[string]bool
	exports []*Result
	stages  []*stageFile
	// apiAll names the API of every stage file; apiFiles per file.
	apiAll   string
	apiFiles map[string]string
	apiUsed  map[string]bool
}

type stageFile struct {
	display string
	art     *collectors.Artifact
	stages  []Stage
}

func (cs *collectState) parseAPIOption(v string) error {
	if !strings.Contains(v, "=") {
		cs.apiAll = strings.TrimSpace(v)
		if cs.apiAll == "" {
			return fmt.Errorf("awsapigw: source %q: option api is empty", cs.src.Name)
		}
		return nil
	}
	cs.apiFiles, cs.apiUsed = map[string]string{}, map[string]bool{}
	for _, pair := range strings.Split(v, ",") {
		f, name, ok := strings.Cut(pair, "=")
		f, name = strings.TrimSpace(f), strings.TrimSpace(name)
		if !ok || f == "" || name == "" {
			return fmt.Errorf("awsapigw: source %q: option api=%q: %q is not file=name", cs.src.Name, v, pair)
		}
		cs.apiFiles[f] = name
	}
	return nil
}

func (c Collector) collectRoot(ctx context.Context, root *source.Root, cs *collectState, sink collectors.Sink) error {
	rels := []string{root.Start}
	if root.IsDir {
		var err error
		if rels, err = root.List(isSpecName); err != nil {
			return fmt.Errorf("awsapigw: %w", err)
		}
	}
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return err
		}
		display := root.Display(rel)
		if cs.done[display] {
			continue
		}
		cs.done[display] = true
		head, err := source.Head(root.FS, rel, headSize)
		if err != nil {
			return fmt.Errorf("awsapigw: %s: %w", display, err)
		}
		stage := !isExport(display, head) && stageShape(head)
		if root.IsDir && !stage && !isExport(display, head) {
			continue
		}
		data, err := safedecode.ReadFile(root.FS, rel, cs.opt.Limits)
		if err != nil {
			return &Error{File: display, Msg: strings.TrimPrefix(err.Error(), rel+": "), Err: err}
		}
		if stage {
			stages, err := ParseStages(display, data, cs.opt.Limits)
			if err != nil {
				return err
			}
			cs.stages = append(cs.stages, &stageFile{display: display, stages: stages,
				art: &collectors.Artifact{Name: display, ContentType: contentType(data), Data: data}})
			continue
		}
		o := cs.opt
		o.RefFS, o.RefPath = root.FS, rel
		res, err := Parse(display, data, o)
		if err != nil {
			return err
		}
		cs.exports = append(cs.exports, res)
		if err := emit(ctx, res, sink); err != nil {
			return err
		}
	}
	return nil
}

func contentType(data []byte) string {
	if safedecode.LooksLikeJSON(data) {
		return "application/json"
	}
	return "application/yaml"
}

// resolveStage finds the API a stage belongs to. A stage file has no API
// title, so, in order: the api option for the file (or for all files),
// the source's API, the stage's own API id matched to an export's
// execute-api host, the one API the source's exports describe, the
// export taken from a stage of the same name. Anything else is an error
// naming the file: settings attached to the wrong API would be worse than
// none.
func (cs *collectState) resolveStage(sf *stageFile, st *Stage) (StageAPI, error) {
	fail := func(format string, args ...any) (StageAPI, error) {
		return StageAPI{}, &Error{File: sf.display, Pointer: st.namePtr, Msg: fmt.Sprintf(format, args...)}
	}
	var name string
	for _, f := range []string{sf.display, filepath.Base(sf.display)} {
		if n, ok := cs.apiFiles[f]; ok && name == "" {
			name = n
			cs.apiUsed[f] = true
		}
	}
	if name == "" {
		name = cs.apiAll
	}
	if name == "" {
		name = cs.src.API
	}
	names := map[string]bool{}
	for _, e := range cs.exports {
		names[e.Spec.API.Name] = true
	}
	if name == "" && st.APIID != "" {
		for _, e := range cs.exports {
			if e.APIID == st.APIID {
				name = e.Spec.API.Name
			}
		}
	}
	if name == "" && len(names) == 1 {
		for n := range names {
			name = n
		}
		for _, e := range cs.exports {
			if st.APIID != "" && e.APIID != "" && e.APIID != st.APIID {
				return fail("stage %q belongs to API id %s, but the source's export %q is API id %s; set the api option to attach it anyway", st.Name, st.APIID, e.Spec.API.Name, e.APIID)
			}
		}
	}
	if name == "" {
		var match []string
		for _, e := range cs.exports {
			if e.Stage != "" && e.Stage == st.Name && !contains(match, e.Spec.API.Name) {
				match = append(match, e.Spec.API.Name)
			}
		}
		if len(match) == 1 {
			name = match[0]
		}
	}
	if name == "" {
		if len(names) == 0 {
			return fail("stage %q: the source has no API Gateway export to attach it to; add the export or set the api option", st.Name)
		}
		return fail("stage %q: which API? the source's exports describe %s; set the api option (api: NAME or api: FILE=NAME,...)", st.Name, strings.Join(sortedSet(names), ", "))
	}
	api := StageAPI{Name: name, ID: st.APIID}
	seen := map[string]bool{}
	for _, e := range cs.exports {
		if e.Spec.API.Name != name {
			continue
		}
		if api.ID == "" {
			api.ID = e.APIID
		}
		for _, r := range e.Routes {
			if k := r.Method + " " + r.Path; !seen[k] {
				seen[k] = true
				api.Routes = append(api.Routes, r)
			}
		}
	}
	return api, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// emit streams the spec part exactly as the openapi collector's emit does
// (its warnings, API, API evidence, then each endpoint and its evidence),
// then the routes.
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	spec := res.Spec
	if art := spec.Evidence[0].Artifact; art != nil {
		if err := collectors.WarnFile(sink, art.Name, spec.Warnings); err != nil {
			return err
		}
	}
	if err := sink.API(spec.API); err != nil {
		return err
	}
	if err := sink.Evidence(spec.Evidence[0]); err != nil {
		return err
	}
	for i, ep := range spec.Endpoints {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sink.Endpoint(ep); err != nil {
			return err
		}
		if err := sink.Evidence(spec.Evidence[i+1]); err != nil {
			return err
		}
	}
	for i, r := range res.Routes {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sink.Evidence(r.Evidence); err != nil {
			return err
		}
	}
	return nil
}
