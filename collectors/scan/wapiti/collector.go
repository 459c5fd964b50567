package wapiti

import (
	"bytes"
	"context"
	"errors"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

// Kind is the source kind of this collector.
const Kind = "wapiti"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// meaning or computation changes.
const CollectorVersion = "1.0.0"

// ErrFormat is wrapped by the errors about a file that is not a Wapiti 3
// report.
var ErrFormat = errors.New("not a Wapiti report")

var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}

// Collector reads Wapiti 3 XML reports.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Detect implements collectors.Detector: an XML document whose root is
// <report> with a <report_infos> section that names Wapiti (its
// generatorName/generatorVersion infos come first in every Wapiti 3
// report). Wapiti 2's <bugTypeList> format is not read.
func (Collector) Detect(_ string, head []byte) bool {
	root, _ := dast.RootElement(head)
	if root != "report" || !bytes.Contains(head, []byte("<report_infos")) {
		return false
	}
	return bytes.Contains(bytes.ToLower(head), []byte("wapiti"))
}

// Collect implements collectors.Collector: scan.Format.Collect walks the
// paths (files, or directory trees whose files Detect recognises). Options:
// max_bytes (per file), max_depth (nesting); they are checked first.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	if _, err := dast.Options(format, src); err != nil {
		return err
	}
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
