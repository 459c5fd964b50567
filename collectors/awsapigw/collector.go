package awsapigw

import (
	"bytes"
	"context"
	"fmt"
	"path"
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
// extension.
func (Collector) Detect(name string, head []byte) bool {
	return bytes.Contains(head, []byte(ext)) && (openapi.Collector{}).Detect(name, head)
}

func isSpecName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Collect implements collectors.Collector. Each path is a file (which must
// be an API Gateway export) or a directory walked in lexical order, taking
// the .json/.yaml/.yml files Detect recognises. For every file it emits the
// spec part as the openapi collector does (API, API evidence, endpoints
// with their evidence), then one gateway route evidence per operation.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	if len(src.Paths) == 0 {
		return fmt.Errorf("awsapigw: source %q: no paths to read", src.Name)
	}
	opt := Options{API: src.API, APIMap: src.APIMap, Owner: src.Owner}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		root, err := source.Open(src, p, true)
		if err != nil {
			return fmt.Errorf("awsapigw: %w", err)
		}
		err = c.collectRoot(ctx, root, opt, done, sink)
		root.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (c Collector) collectRoot(ctx context.Context, root *source.Root, opt Options, done map[string]bool, sink collectors.Sink) error {
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
		if done[display] {
			continue
		}
		done[display] = true
		if root.IsDir {
			head, err := source.Head(root.FS, rel, headSize)
			if err != nil {
				return fmt.Errorf("awsapigw: %s: %w", display, err)
			}
			if !c.Detect(display, head) {
				continue
			}
		}
		data, err := safedecode.ReadFile(root.FS, rel, opt.Limits)
		if err != nil {
			return &Error{File: display, Msg: strings.TrimPrefix(err.Error(), rel+": "), Err: err}
		}
		o := opt
		o.RefFS, o.RefPath = root.FS, rel
		res, err := Parse(display, data, o)
		if err != nil {
			return err
		}
		if err := emit(ctx, res, sink); err != nil {
			return err
		}
	}
	return nil
}

// emit streams the spec part exactly as the openapi collector's emit does
// (API, API evidence, then each endpoint and its evidence), then the routes.
func emit(ctx context.Context, res *Result, sink collectors.Sink) error {
	spec := res.Spec
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
