package crunch42

import (
	"context"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "crunch42"

// CollectorVersion is recorded on the evidence; bump it when what a report
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads 42Crunch API Security Audit reports.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Detect implements collectors.Detector: a JSON object whose "report"
// (or, for a bare assessment, the object itself) has the audit's own keys:
// assessmentVersion or assessmentReportVersion, or both index and
// openapiState. A list of such wrappers (one per audited file) is
// recognised by its first element.
func (Collector) Detect(_ string, head []byte) bool {
	sh := scan.HeadShape(head)
	var pres []string
	switch sh.Open {
	case '{':
		pres = []string{"/report/", "/"}
	case '[':
		pres = []string{"[]/report/"}
	default:
		return false
	}
	for _, pre := range pres {
		has := func(k string) bool { _, ok := sh.Keys[pre+k]; return ok }
		if has("assessmentVersion") || has("assessmentReportVersion") || (has("index") && has("openapiState")) {
			return true
		}
	}
	return false
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a 42Crunch audit report,
// in a directory the files Detect recognises are read and the rest skipped.
func (Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, Collector{}.Detect, Parse)
}
