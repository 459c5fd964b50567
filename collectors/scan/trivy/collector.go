package trivy

import (
	"context"
	"errors"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "trivy"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// mapping changes.
const CollectorVersion = "1.0.0"

// Collector reads Trivy's JSON reports (trivy image|fs|repo|config
// --format json, and trivy k8s --format json).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// ErrFormat marks a file that is JSON but not a Trivy report (or has a
// member of the wrong type).
var ErrFormat = errors.New("not a Trivy report")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "trivy: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report yields: the findings, the tested evidence
// (scan.Format.Finish) and warnings.
type Result = scan.Result

// format is what the shared scan code knows of a Trivy report: in a
// directory only ".json" files are looked at; results at one place
// without a fingerprint are one.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, Candidate: scan.Extensions(".json"),
	WhereExpected: true, MergePlaces: true}

// Detect implements collectors.Detector: a JSON object with Trivy's
// "SchemaVersion" next to "Results" or "ArtifactName"; a Kubernetes report
// ("ClusterName" with "Resources", "Vulnerabilities" or
// "Misconfigurations"); or a legacy report, a top-level array whose first
// element has "Target" and "Vulnerabilities" (or "Type").
func (Collector) Detect(name string, head []byte) bool {
	sh := scan.HeadShape(head)
	switch sh.Open {
	case '{':
		if sh.Has("/SchemaVersion") && (sh.Has("/Results") || sh.Has("/ArtifactName")) {
			return true
		}
		return sh.Has("/ClusterName") && (sh.Has("/Resources") || sh.Has("/Vulnerabilities") || sh.Has("/Misconfigurations"))
	case '[':
		return sh.Has("[]/Target") && (sh.Has("[]/Vulnerabilities") || sh.Has("[]/Type"))
	}
	return false
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a Trivy report, in a
// directory the ".json" files Detect recognises are read and the rest
// skipped.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
