package gosec

import (
	"context"
	"errors"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "gosec"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// mapping changes.
const CollectorVersion = "1.0.0"

// Collector reads gosec's JSON report (gosec -fmt=json).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// ErrFormat marks a file that is JSON but not a gosec report (or has a
// member of the wrong type).
var ErrFormat = errors.New("not a gosec report")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "gosec: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report yields: the findings, the tested evidence
// (scan.Format.Finish) and warnings.
type Result = scan.Result

// format is what the shared scan code knows of a gosec report: in a
// directory only ".json" files are looked at; results at one place
// without a fingerprint are one.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, Candidate: scan.Extensions(".json"),
	WhereExpected: true, MergePlaces: true}

// Detect implements collectors.Detector: a JSON object with an "Issues"
// array and gosec's "Stats" or "Golang errors" member, or whose first
// issue has a "rule_id" (Burp's GraphQL export also has "Issues").
func (Collector) Detect(name string, head []byte) bool {
	sh := scan.HeadShape(head)
	is, ok := sh.Keys["/Issues"]
	if _, str := sh.Strings["/Issues"]; sh.Open != '{' || !ok || is == '{' || str {
		return false
	}
	return sh.Has("/Stats") || sh.Has("/Golang errors") || sh.Has("/Issues[]/rule_id")
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a gosec report, in a
// directory the ".json" files Detect recognises are read and the rest
// skipped.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
