package sarif

import (
	"context"
	"errors"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "sarif"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// mapping changes.
const CollectorVersion = "1.0.0"

// Collector reads SARIF 2.1.0 logs from any tool.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// ErrFormat marks a file that is JSON but not a SARIF log (or has a
// member of the wrong type).
var ErrFormat = errors.New("not a SARIF log")

// ErrParserPanic marks a panic while reading a log, turned into an error
// naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a log that could not be read; its message starts with
// "sarif: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one log yields: the findings, one scan.TestedEvidence
// per (API, tool) of its runs, and warnings.
type Result = scan.Result

// format is what the shared scan code knows of SARIF: in a directory,
// ".sarif" and ".json" files (SARIF saved under the generic extension)
// are looked at; results at one place without a fingerprint are one.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, Candidate: scan.Extensions(".sarif", ".json"),
	WhereExpected: true, MergePlaces: true}

// Detect implements collectors.Detector: a ".sarif" file name (or
// ".sarif.json"), or a JSON object whose top level has a "$schema" naming
// SARIF, or "version": "2.1.0" with a "runs" member. Checkov, Trivy,
// gosec and Semgrep write this format too when asked to; it is read here,
// not by their own collectors.
func (Collector) Detect(name string, head []byte) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".sarif") || strings.HasSuffix(lower, ".sarif.json") {
		return true
	}
	sh := scan.HeadShape(head)
	if sh.Open != '{' {
		return false
	}
	if s, ok := sh.Strings["/$schema"]; ok && strings.Contains(strings.ToLower(s), "sarif") {
		return true
	}
	return sh.Strings["/version"] == "2.1.0" && sh.Has("/runs")
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a SARIF log, in a
// directory the ".sarif" and ".json" files Detect recognises are read
// and the rest skipped. Per log it emits the tested evidence of each
// (API, tool) pair, then the findings.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
