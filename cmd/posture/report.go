package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/posture-dev/posture/internal/app"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/store"
)

func runReport(ctx context.Context, args []string, _, errOut io.Writer) error {
	fs := newFlags("report", "--out FILE [--format pdf|xlsx|oscal|csv] [--api NAME | --team NAME] [--as-of YYYY-MM-DD] [--from YYYY-MM-DD] [--kind executive|auditor] [--db DSN] [--config FILE]", `
Writes a report of the whole portfolio, one team's APIs (--team, the
owner recorded for each API) or one API (--api), from the database:

  pdf    executive summary for a CISO (levels, trend, framework coverage,
         top risks, overdue remediation, evidence gaps), or with --kind
         auditor every control result per API with the hashes of the
         evidence behind it, every finding with its history, and the
         evidence chain
  xlsx   Excel workbook: summary, APIs, controls, results, findings,
         evidence, framework mapping
  oscal  OSCAL 1.1.2 assessment results (JSON)
  csv    one row per API and control result

Every format carries the period, the scope, the generation time and the
evidence chain head (seq and hash) at the report's date, which 'posture
verify' prints for the same database. --format defaults from the --out
file's extension (.pdf, .xlsx, .json, .csv).

--as-of shows the state at the end of a past day: levels and scores from
that day's snapshots, findings first seen by then with the status their
history gave them, evidence recorded by then. Control results are kept for
the latest assessment only, so a past report shows them only for APIs not
re-assessed since. --from starts the trend (default 90 days before).

The report is written to a temporary file beside FILE and renamed when
complete, so a failed run never leaves a partial file. The file is
readable by its owner only (it lists weaknesses).

Examples:
  posture report --out posture.pdf
  posture report --team payments --out payments.xlsx
  posture report --api orders --out orders-audit.pdf     (auditor report)
  posture report --api orders --kind executive --out orders.pdf
  posture report --format oscal --as-of 2026-09-30 --out q3.json`, errOut)
	format := fs.String("format", "", "pdf, xlsx, oscal or csv (default: from the --out extension)")
	out := fs.String("out", "", "file to write (required)")
	api := fs.String("api", "", "report on this API only")
	team := fs.String("team", "", "report on this team's APIs only")
	asOfFlag := fs.String("as-of", "", "the day the report shows, YYYY-MM-DD UTC (default: now)")
	fromFlag := fs.String("from", "", "first day of the trend, YYYY-MM-DD UTC (default: 90 days before --as-of)")
	kind := fs.String("kind", "", "pdf only: executive or auditor (default executive; auditor with --api)")
	db := fs.String("db", "", "database: SQLite file (default $POSTURE_DATA/posture.db, or db in the config)")
	cfgPath := fs.String("config", "", "config file (database, thresholds)")
	if err := parse(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		return exitError{code: 2, err: fmt.Errorf("report: "+format, a...)}
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if *out == "" {
		fs.Usage()
		return usage("--out FILE is required")
	}
	if *format == "" {
		ext := strings.ToLower(filepath.Ext(*out))
		for _, f := range reporting.Formats {
			if reporting.Ext(f) == ext {
				*format = f
			}
		}
		if *format == "" {
			return usage("--format is required: %s does not end in .pdf, .xlsx, .json or .csv", *out)
		}
	}
	if !reporting.ValidFormat(*format) {
		return usage("--format %q: not a report format (pdf, xlsx, oscal, csv)", *format)
	}
	if *api != "" && *team != "" {
		return usage("--api and --team: give one")
	}
	switch {
	case *kind != "" && *format != "pdf":
		return usage("--kind applies to --format pdf only")
	case *kind == "" && *api != "":
		*kind = reporting.KindAuditor
	case *kind == "":
		*kind = reporting.KindExecutive
	case *kind != reporting.KindExecutive && *kind != reporting.KindAuditor:
		return usage("--kind %q: executive or auditor", *kind)
	}
	scope := report.Scope{Kind: report.ScopeAll}
	if *api != "" {
		scope = report.Scope{Kind: report.ScopeAPI, Name: *api}
	} else if *team != "" {
		scope = report.Scope{Kind: report.ScopeTeam, Name: *team}
	}
	now := time.Now().UTC()
	var asOf, from time.Time
	if *asOfFlag != "" {
		d, err := time.Parse(time.DateOnly, *asOfFlag)
		if err != nil {
			return usage("--as-of %q: not a date (YYYY-MM-DD)", *asOfFlag)
		}
		if d.After(now) {
			return usage("--as-of %s is in the future", *asOfFlag)
		}
		// The state at the end of that day; today's end is now.
		asOf = d.Add(24*time.Hour - time.Nanosecond)
	}
	if *fromFlag != "" {
		d, err := time.Parse(time.DateOnly, *fromFlag)
		if err != nil {
			return usage("--from %q: not a date (YYYY-MM-DD)", *fromFlag)
		}
		end := now
		if !asOf.IsZero() && asOf.Before(now) {
			end = asOf
		}
		if d.After(end) {
			return usage("--from %s is after the report's date %s", *fromFlag, end.Format(time.DateOnly))
		}
		from = d
	}

	cfg, err := loadConfig(*cfgPath, *db, "")
	if err != nil {
		return err
	}
	// A report of a database that does not exist would create an empty
	// one and report nothing: most likely a wrong --db.
	if path := sqlitePath(cfg.DB); path != "" {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("report: no database at %s (give --db, or import evidence first)", path)
		}
	}
	// The output's directory is checked before any work: the temporary
	// file is where the report is written.
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.tmp")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name means nothing to the reader
		}
		return fmt.Errorf("report: cannot write %s: %w", *out, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	a, err := app.Open(ctx, cfg, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := report.Build(ctx, report.Source{Store: a.Store, Scoring: a.Scoring, Catalog: a.Catalog, Version: version}, scope, asOf, from)
	if err != nil {
		return err
	}
	cw := &countingWriter{w: tmp}
	bw := bufio.NewWriterSize(cw, 256<<10)
	if err := reporting.Render(ctx, bw, *format, *kind, r, a.Catalog); err != nil {
		return fmt.Errorf("report: %s: %w", *out, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write %s: %w", *out, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("report: write %s: %w", *out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: write %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	done = true
	what := *format
	if *format == "pdf" {
		what += " " + *kind
	}
	fmt.Fprintf(errOut, "report: %s, %s, %s, %s, %d bytes: %s\n", what, r.Scope, plural(len(r.APIs), "API"),
		plural(r.FindingCounts.Total, "finding"), cw.n, *out)
	return nil
}

// sqlitePath is the file an SQLite DSN names, as store.Open reads it; ""
// for in-memory and other databases.
func sqlitePath(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return ""
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	switch path {
	case ":memory:":
		return ""
	case "":
		return filepath.Join(store.DefaultDataDir(), "posture.db")
	}
	return path
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
