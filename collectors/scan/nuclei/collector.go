package nuclei

import (
	"context"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kind is the source kind of this collector.
const Kind = "nuclei"

// CollectorVersion is recorded on the evidence; bump it when what a report
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads Nuclei JSON / JSON Lines output.
type Collector struct{}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Detect implements collectors.Detector: the first result (the first
// element of an array, or the first line of JSON Lines) has a
// "template-id" (v2.5+) or "templateID" (older) key next to "info",
// "matched-at"/"matched" or "host". The file name does not matter: Nuclei
// writes whatever -o says. An empty file is not claimed (it is accepted
// when named explicitly).
func (Collector) Detect(_ string, head []byte) bool {
	sh := scan.HeadShape(head)
	pre := "/"
	switch sh.Open {
	case '{':
	case '[':
		pre = "[]/"
	default:
		return false
	}
	has := func(k string) bool { _, ok := sh.Keys[pre+k]; return ok }
	return (has("template-id") || has("templateID")) &&
		(has("info") || has("matched-at") || has("matched") || has("host"))
}

// Collect implements collectors.Collector. Every path is a file or a
// directory tree; a file named explicitly must be a Nuclei report, in a
// directory the files Detect recognises are read and the rest skipped.
func (Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	return format.Collect(ctx, src, sink, Collector{}.Detect, Parse)
}
