package crunch42

import (
	"context"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "crunch42"

// CollectorVersion is recorded on the evidence; bump it when what a report
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads 42Crunch API Security Audit reports and API
// Conformance Scan reports.
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
// recognised by its first element. A conformance scan report is an
// object whose "data" (the platform's wrapper) or itself has the scan's
// own keys: see detectScan.
func (Collector) Detect(_ string, head []byte) bool {
	sh := scan.HeadShape(head)
	if sh.Open == '{' && (detectScan(sh, "/") || detectScan(sh, "/data/")) {
		return true
	}
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

// detectScan reports whether the object at pre ("/" or "/data/") is a 2.x
// conformance scan report: a scanVersion or scanReportVersion next to one
// of the report's other top-level keys (paths, summary, host, errorsOnly,
// indexed, index), or the index's injectionKeys table (an indexed report
// whose index fills the head). A 3.x report (scanReportVersion 3.x, or
// "operations" without "paths") is not claimed: Parse does not read it,
// and a directory walk must not fail on it.
func detectScan(sh scan.Shape, pre string) bool {
	has := func(k string) bool { return sh.Has(pre + k) }
	if v := strings.TrimSpace(sh.Strings[pre+"scanReportVersion"]); major(v) >= 3 || (has("operations") && !has("paths")) {
		return false
	}
	if has("index/injectionKeys") {
		return true
	}
	if !has("scanVersion") && !has("scanReportVersion") {
		return false
	}
	for _, k := range []string{"paths", "summary", "host", "errorsOnly", "indexed", "index"} {
		if has(k) {
			return true
		}
	}
	return false
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a 42Crunch audit or
// conformance scan report, in a directory the files Detect recognises are
// read and the rest skipped.
func (Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, Collector{}.Detect, Parse)
}
