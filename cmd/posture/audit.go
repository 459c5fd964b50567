package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/scoring"
)

// auditReport is the output of `audit --json`.
type auditReport struct {
	Issues   []controls.Issue `json:"issues"`
	Warnings []string         `json:"warnings"`
	Errors   []auditError     `json:"errors"`
	Counts   map[string]int   `json:"counts"` // by severity
}

type auditError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

func runAudit(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("audit", "[--kind KIND] [--json] [--fail-on SEVERITY] PATH|URL...", `
Audits API descriptions and gateway configuration without storing
anything: every fact that fails a control of the catalog is listed with
its file, line, JSON pointer, severity and the controls it fails, as on
the dashboards' audit page. Directories are walked; each file is detected
(or --kind). Exit status 1 when a file cannot be read or parsed, or when
--fail-on is given and an issue of that severity or worse is found.`, errOut)
	kind := fs.String("kind", "", "collector kind (default: detected per file; known: "+strings.Join(collectors.Kinds(), ", ")+")")
	asJSON := fs.Bool("json", false, "print one JSON document: {issues, warnings, errors, counts}")
	failOn := fs.String("fail-on", "", "exit 1 when an issue at or above this severity is found (critical, high, medium, low, info)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2, err: errors.New("audit: no PATH given")}
	}
	if *failOn != "" && controls.SeverityRank(*failOn) == controls.SeverityRank("") {
		return exitError{code: 2, err: fmt.Errorf("audit: --fail-on %q: not a severity (critical, high, medium, low, info)", *failOn)}
	}
	cat, err := catalog.Default()
	if err != nil {
		return err
	}
	files, walked, err := expand(fs.Args())
	if err != nil {
		return err
	}
	rep := auditReport{Issues: []controls.Issue{}, Warnings: []string{}, Errors: []auditError{}, Counts: map[string]int{}}
	for _, f := range files {
		src, k, err := sourceFor(ctx, f, *kind, "audit")
		if err != nil {
			rep.Errors = append(rep.Errors, auditError{f, err.Error()})
			continue
		}
		if k == "" {
			if !walked[f] {
				rep.Errors = append(rep.Errors, auditError{f, fmt.Sprintf("%s: not a recognised format (use --kind)", f)})
			}
			continue
		}
		issues, warnings, err := auditSource(ctx, cat, src)
		rep.Warnings = append(rep.Warnings, warnings...)
		if err != nil {
			rep.Errors = append(rep.Errors, auditError{f, err.Error()})
			continue
		}
		rep.Issues = append(rep.Issues, issues...)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	worst := controls.SeverityRank("")
	for _, is := range rep.Issues {
		rep.Counts[is.Severity]++
		worst = min(worst, controls.SeverityRank(is.Severity))
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printAudit(out, rep)
	}
	switch {
	case len(rep.Errors) > 0:
		return exitError{code: 1, err: fmt.Errorf("audit: %d of %d files failed", len(rep.Errors), len(files))}
	case *failOn != "" && worst <= controls.SeverityRank(*failOn):
		return exitError{code: 1, err: fmt.Errorf("audit: issues at or above %s found", *failOn)}
	}
	return nil
}

// auditSource collects one source into memory and audits what it said.
func auditSource(ctx context.Context, cat *catalog.Catalog, src collectors.Source) ([]controls.Issue, []string, error) {
	kind := src.Kind
	c, err := collectors.Get(kind)
	if err != nil {
		return nil, nil, err
	}
	got, err := ingest.Collect(ctx, c, src, ingest.Limits{})
	if err != nil {
		return nil, got.Warnings, err
	}
	recs := make([]controls.AuditRecord, 0, len(got.Evidence))
	for _, ev := range got.Evidence {
		r := controls.AuditRecord{Source: kind, Endpoint: ev.Endpoint, Location: ev.Location, Facts: ev.Facts, Notes: ev.Notes}
		if ev.Artifact != nil {
			r.File = ev.Artifact.Name
		}
		if ev.Route != nil {
			r.Route = scoring.DescribeRoute(kind, ev.Location, *ev.Route)
		}
		recs = append(recs, r)
	}
	return controls.Audit(cat, recs), got.Warnings, nil
}

// printAudit writes the issues as aligned columns, then warnings, errors
// and a summary line.
func printAudit(out io.Writer, rep auditReport) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, is := range rep.Issues {
		where := is.File
		if is.Line > 0 {
			where = fmt.Sprintf("%s:%d", is.File, is.Line)
		}
		ids := make([]string, 0, len(is.Controls))
		for _, c := range is.Controls {
			ids = append(ids, c.ID)
		}
		target := is.Endpoint
		if target == "" {
			target = is.Route
		}
		if target == "" {
			target = "(API)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", where, is.Severity, strings.Join(ids, ","), target, is.Message, is.Pointer)
	}
	tw.Flush()
	for _, w := range rep.Warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "error: %s\n", e.Error)
	}
	if len(rep.Issues) == 0 {
		if len(rep.Errors) == 0 {
			fmt.Fprintln(out, "no issues")
		}
		return
	}
	var parts []string
	for _, sev := range collectors.Severities {
		if n := rep.Counts[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	fmt.Fprintf(out, "%d issues: %s\n", len(rep.Issues), strings.Join(parts, ", "))
}
