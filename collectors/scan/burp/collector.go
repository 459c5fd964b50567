package burp

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
const Kind = "burp"

// CollectorVersion is recorded on the evidence; bump it when a finding's
// meaning or computation changes.
const CollectorVersion = "1.0.0"

// ErrFormat is wrapped by the errors about a file that is not a Burp report.
var ErrFormat = errors.New("not a Burp report")

var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat, WhereExpected: true}

// Collector reads Burp Suite reports: the Scanner XML export, the REST
// API scan status JSON and the Enterprise GraphQL issues export.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

var (
	restKeys    = regexp.MustCompile(`"(?:task_id|scan_status)"\s*:`)
	restEvents  = regexp.MustCompile(`"issue_events"\s*:`)
	gqlIssues   = regexp.MustCompile(`"[Ii]ssues"\s*:`)
	gqlTypeKey  = regexp.MustCompile(`"issue_type"\s*:`)
	xmlSerialNo = []byte("<serialNumber>")
)

// output is which of Burp's outputs a file is.
type output int

const (
	outNone output = iota
	outXML
	outREST
	outGraphQL
)

// detectFormat tells Burp's outputs apart from a head: an XML document
// whose root is <issues> with a burpVersion attribute or a <serialNumber>
// element; JSON with "issue_events" and "task_id"/"scan_status" (REST
// API); JSON with "Issues"/"issues" and "issue_type" (GraphQL).
func detectFormat(head []byte) output {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if safedecode.LooksLikeJSON(head) {
		if bytes.TrimLeft(head, " \t\r\n")[0] != '{' {
			return outNone
		}
		switch {
		case restEvents.Match(head) && restKeys.Match(head):
			return outREST
		case gqlIssues.Match(head) && gqlTypeKey.Match(head):
			return outGraphQL
		}
		return outNone
	}
	root, attrs := dast.RootElement(head)
	if root != "issues" {
		return outNone
	}
	if _, ok := dast.Attr(attrs, "burpVersion"); ok || bytes.Contains(head, xmlSerialNo) {
		return outXML
	}
	return outNone
}

// Detect implements collectors.Detector (see detectFormat).
func (Collector) Detect(_ string, head []byte) bool { return detectFormat(head) != outNone }

// Collect implements collectors.Collector: scan.Format.Collect walks the
// paths (files, or directory trees whose files Detect recognises). Options:
// max_bytes (per file), max_depth (nesting); they are checked first.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	if _, err := dast.Options(format, src); err != nil {
		return err
	}
	return format.Collect(ctx, src, sink, c.Detect, Parse)
}
