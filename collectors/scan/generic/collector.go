package generic

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "findings"

// CollectorVersion is recorded on the evidence; bump it when what a file
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads findings in posture's generic format (JSON or CSV).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Detect implements collectors.Detector. JSON: a top-level object whose
// "findings" is an array, with a "tool" string or a first finding that has
// rule_id, title or severity (a bare {"findings": [...]} of some other
// tool's shape is not claimed). CSV: a ".csv" name whose header row names
// severity and rule_id or title. Bare arrays and JSON Lines are read when
// the kind is given, never detected: they have nothing of their own to
// recognise.
func (Collector) Detect(name string, head []byte) bool {
	if isCSVName(name) {
		return csvHeaderOK(head)
	}
	sh := scan.HeadShape(head)
	if sh.Open != '{' || sh.Keys["/findings"] != '[' {
		return false
	}
	if sh.Keys["/tool"] == 's' {
		return true
	}
	for _, k := range []string{"rule_id", "title", "severity"} {
		if _, ok := sh.Keys["/findings[]/"+k]; ok {
			return true
		}
	}
	return false
}

func isCSVName(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".csv") }

// csvHeaderOK reports whether the first row of head names severity and
// rule_id or title (case-insensitively).
func csvHeaderOK(head []byte) bool {
	r := csv.NewReader(bytes.NewReader(scan.TrimBOM(head)))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil && err != io.EOF {
		return false
	}
	cols := map[string]bool{}
	for _, c := range rec {
		cols[strings.ToLower(strings.TrimSpace(c))] = true
	}
	return cols["severity"] && (cols["rule_id"] || cols["title"])
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be in the findings format
// (JSON document, bare array, JSON Lines or CSV), in a directory the files
// Detect recognises are read and the rest skipped.
func (Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, Collector{}.Detect, Parse)
}
