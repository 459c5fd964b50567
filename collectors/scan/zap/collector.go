package zap

import (
	"bytes"
	"context"
	"errors"
	"regexp"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Kind is the source kind of this collector.
const Kind = "zap"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// meaning or computation changes.
const CollectorVersion = "1.0.0"

// ErrFormat is wrapped by the errors about a file that is not a ZAP report.
var ErrFormat = errors.New("not a ZAP report")

var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, WhereExpected: true}

// Collector reads OWASP ZAP reports (XML and traditional JSON).
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// jsonHead matches the start of a ZAP JSON report: its first member is
// one of the report's "@" attributes.
var jsonHead = regexp.MustCompile(`^\s*\{\s*"@(?:programName|version|generated)"\s*:`)

// Detect implements collectors.Detector: an XML document whose root
// element is <OWASPZAPReport>, or a JSON object that starts with ZAP's
// "@programName"/"@version"/"@generated" members and has a "site" member.
func (Collector) Detect(_ string, head []byte) bool {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if safedecode.LooksLikeJSON(head) {
		return jsonHead.Match(head) && bytes.Contains(head, []byte(`"site"`))
	}
	root, _ := dast.RootElement(head)
	return root == "OWASPZAPReport"
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
