package semgrep

import (
	"context"
	"errors"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "semgrep"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// mapping changes.
const CollectorVersion = "1.0.0"

// Collector reads Semgrep's JSON output (semgrep --json).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// ErrFormat marks a file that is JSON but not Semgrep JSON output (or has a
// member of the wrong type).
var ErrFormat = errors.New("not Semgrep JSON output")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "semgrep: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report yields: the findings, the tested evidence
// (scan.Format.Finish) and warnings.
type Result = scan.Result

// format is what the shared scan code knows of Semgrep JSON output: in a
// directory only ".json" files are looked at; results at one place
// without a fingerprint are one.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, Candidate: scan.Extensions(".json"),
	WhereExpected: true, MergePlaces: true}

// Detect implements collectors.Detector: a JSON object with a "results"
// array whose first element has a "check_id", or an empty "results" next
// to "errors" and Semgrep's "version" or "paths"; or, when a long errors
// list pushes the results past the head, "errors" and a "check_id" in the
// head.
func (Collector) Detect(name string, head []byte) bool {
	sh := scan.HeadShape(head)
	if sh.Open != '{' {
		return false
	}
	if r, ok := sh.Keys["/results"]; ok {
		if r != '[' {
			return false
		}
		if sh.Has("/results[]/check_id") {
			return true
		}
		return !sh.Has("/results[]") && sh.Has("/errors") && (sh.Has("/version") || sh.Has("/paths"))
	}
	return sh.Keys["/errors"] == '[' && strings.Contains(string(head), `"check_id"`)
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be Semgrep JSON output, in a
// directory the ".json" files Detect recognises are read and the rest
// skipped.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
