package gitlab

import (
	"context"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "gitlab-api-fuzzing"

// CollectorVersion is recorded on the evidence; bump it when what a report
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads GitLab security reports (API fuzzing, DAST and the other
// report types of the same schema).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Detect implements collectors.Detector: a JSON object with a
// "vulnerabilities" array and either the schema's "version" string, its
// "scan" object, or vulnerabilities whose "identifiers" is an array (the
// schema's shape; Snyk's identifiers are an object).
func (Collector) Detect(_ string, head []byte) bool {
	sh := scan.HeadShape(head)
	if sh.Open != '{' || sh.Keys["/vulnerabilities"] != '[' {
		return false
	}
	return sh.Keys["/version"] == 's' || sh.Keys["/scan"] == '{' || sh.Keys["/vulnerabilities[]/identifiers"] == '['
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a GitLab security
// report, in a directory the files Detect recognises are read and the rest
// skipped.
func (Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, Collector{}.Detect, Parse)
}
