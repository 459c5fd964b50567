package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/app"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/fetch"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/schedule"
	"github.com/posture-dev/posture/internal/store"
)

func runCollect(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("collect", "[--config FILE] [--source NAME] [--db DSN]", `
Runs every configured source once (or only --source), one after another,
printing each result. A failing source is recorded as failed and the
others still run; the exit status is 1 if any failed.`, errOut)
	cfgPath := fs.String("config", "posture.yaml", "config file")
	only := fs.String("source", "", "run only this source")
	db := fs.String("db", "", "database (overrides the config)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, *db, "")
	if err != nil {
		return err
	}
	if len(cfg.Sources) == 0 {
		return fmt.Errorf("%s: no sources configured", *cfgPath)
	}
	a, err := app.Open(ctx, cfg, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	sched, err := schedule.New(a.Ingest, nil, cfg.Sources, a.Log)
	if err != nil {
		return err
	}
	defer sched.Shutdown()
	failed := 0
	err = sched.RunAll(ctx, *only, store.TriggerManual, func(name string, st ingest.Stats, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL  %-24s run %d: %v\n", name, st.RunID, err)
			return
		}
		fmt.Fprintf(out, "ok    %-24s run %d: %d APIs, %d endpoints, %d evidence, %d findings (%d new)\n",
			name, st.RunID, st.APIs, st.Endpoints, st.Evidence, st.Findings, st.NewFindings)
		if st.Lines > 0 {
			fmt.Fprintf(out, "      %-24s %d new log lines (%d malformed), %d requests\n", "", st.Lines, st.Malformed, st.Requests)
		}
	})
	if errors.Is(err, schedule.ErrUnknownSource) {
		return err
	}
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d source(s) failed", failed)}
	}
	return nil
}

// ingestResult is one line of `ingest --json`: the contract scripts rely on.
type ingestResult struct {
	File        string `json:"file"`
	Kind        string `json:"kind"`
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
	APIs        int    `json:"apis"`
	Endpoints   int    `json:"endpoints"`
	Evidence    int    `json:"evidence"`
	Findings    int    `json:"findings"`
	NewFindings int    `json:"new_findings"`
	// FixedFindings an earlier import of the same source reported and
	// this one no longer does.
	FixedFindings int `json:"fixed_findings"`
	// Access logs: lines read (resuming where the last import of the
	// same source stopped), malformed among them, requests counted.
	Lines     int64 `json:"lines,omitempty"`
	Malformed int64 `json:"malformed,omitempty"`
	Requests  int64 `json:"requests,omitempty"`
	// Warnings did not stop the import but left some facts unknown.
	Warnings []string `json:"warnings,omitempty"`
}

// shownWarnings is how many warnings per file the text output prints.
const shownWarnings = 5

// detectHead is how much of a file auto-detection reads.
const detectHead = 64 << 10

func runIngest(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("ingest", "[--kind KIND] [--api NAME] [--owner TEAM] [--json] PATH|URL...", `
Imports files (or http(s) URLs) directly. Each file is detected (or --kind), collected and
stored in its own transaction: a bad file is reported with the place at
fault and stores nothing, and the other files still import. Directories
are walked. With --json, one JSON object per file is printed:
  {"file","kind","ok","error","apis","endpoints","evidence","findings","new_findings","fixed_findings","warnings"}
Warnings (a reference not followed, an include outside the root) do not
fail a file; they are printed under it and kept with the run.
Exit status 1 if any file failed.`, errOut)
	kind := fs.String("kind", "", "collector kind (default: detected per file; known: "+strings.Join(collectors.Kinds(), ", ")+")")
	api := fs.String("api", "", "assign everything imported to this API name")
	owner := fs.String("owner", "", "owning team when the file does not name one")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	scope := fs.String("source", "", "the import's scope: a later import with the same --source marks the findings it no longer reports fixed (default: each file is its own scope)")
	db := fs.String("db", "", "database: SQLite file (default $POSTURE_DATA/posture.db)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2, err: errors.New("ingest: no PATH given")}
	}
	files, walked, err := expand(fs.Args())
	if err != nil {
		return err
	}
	cfg, _ := loadConfig("", *db, "")
	a, err := app.Open(ctx, cfg, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	enc := json.NewEncoder(out)
	failed := 0
	for i, f := range files {
		res := ingestResult{File: f, Kind: *kind}
		var src collectors.Source
		src, res.Kind, err = sourceFor(ctx, f, *kind, *scope)
		if err == nil && res.Kind == "" && walked[f] {
			// Found by walking a directory: not every file there is
			// evidence (READMEs, scripts). Say so and move on.
			fmt.Fprintf(errOut, "[%d/%d] skip  %s: not a recognised format\n", i+1, len(files), f)
			continue
		}
		if err == nil && res.Kind == "" {
			err = fmt.Errorf("%s: not a recognised format (use --kind; known: %s)", f, strings.Join(collectors.Kinds(), ", "))
		}
		var st ingest.Stats
		if err == nil {
			src.API, src.Owner = *api, *owner
			st, err = a.Ingest.Run(ctx, src, store.TriggerIngest)
		}
		res.OK = err == nil
		if err != nil {
			failed++
			res.Error = err.Error()
		}
		res.APIs, res.Endpoints, res.Evidence, res.Findings, res.NewFindings = st.APIs, st.Endpoints, st.Evidence, st.Findings, st.NewFindings
		res.Warnings, res.FixedFindings = st.Warnings, st.FixedFindings
		res.Lines, res.Malformed, res.Requests = st.Lines, st.Malformed, st.Requests
		if *asJSON {
			_ = enc.Encode(res)
		} else if res.OK {
			fmt.Fprintf(out, "[%d/%d] ok    %s (%s): %d APIs, %d endpoints, %d evidence, %d findings (%d new, %d no longer reported: fixed)\n",
				i+1, len(files), f, res.Kind, res.APIs, res.Endpoints, res.Evidence, res.Findings, res.NewFindings, res.FixedFindings)
			if res.Lines > 0 {
				fmt.Fprintf(out, "        %d lines read (%d malformed), %d requests\n", res.Lines, res.Malformed, res.Requests)
			}
		} else {
			fmt.Fprintf(out, "[%d/%d] FAIL  %s\n", i+1, len(files), res.Error)
		}
		if !*asJSON {
			printWarnings(out, res.Warnings)
		}
		err = nil
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d of %d file(s) failed", failed, len(files))}
	}
	return nil
}

// expand turns paths into files, walking directories (sorted, skipping
// hidden entries); walked marks the files found inside a directory.
func expand(paths []string) (files []string, walked map[string]bool, err error) {
	var out []string
	walked = map[string]bool{}
	for _, p := range paths {
		if fetch.IsURL(p) {
			out = append(out, p)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: %w", err)
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && path != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				out = append(out, path)
				walked[path] = true
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: %w", err)
		}
	}
	sort.Strings(out)
	return out, walked, nil
}

// sourceFor is the source that imports one file or URL: a URL is fetched
// first (bounded like a configured source), so its kind can be detected
// from its content and the collector reads it from memory.
//
// Its name is the scope of the import: a later import under the same name
// marks the findings it no longer reports fixed. By default that is the
// file itself ("ingest:/abs/path" or the URL), so reports of one target
// imported side by side do not fix each other; --source names a scope
// shared by successive reports with different file names.
func sourceFor(ctx context.Context, name, kind, scope string) (collectors.Source, string, error) {
	if scope == "" {
		scope = name
		if abs, err := filepath.Abs(name); err == nil && !fetch.IsURL(name) {
			scope = abs
		}
		scope = "ingest:" + scope
	}
	src := collectors.Source{Name: scope, Kind: kind, Paths: []string{name}}
	if !fetch.IsURL(name) {
		if kind != "" {
			return src, kind, nil
		}
		k, err := detect(name)
		src.Kind = k
		return src, k, err
	}
	src, err := (&fetch.Fetcher{UserAgent: "posture/" + version}).Resolve(ctx, src)
	if err != nil || kind != "" {
		return src, kind, err
	}
	head, err := source.Head(src.FS, src.Paths[0], detectHead)
	if err != nil {
		return src, "", err
	}
	k := collectors.Detect(src.Paths[0], head)
	src.Kind = k
	return src, k, nil
}

func detect(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, detectHead)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return collectors.Detect(path, head[:n]), nil
}

func runVerify(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("verify", "[--db DSN] [--json]", `
Walks the whole evidence log in order and checks that every record's hash
matches its content, every record links to the one before it, every raw
artifact matches its SHA-256, and the chain head matches the last record.
Exit status 1 when anything does not verify.`, errOut)
	db := fs.String("db", "", "database (default $POSTURE_DATA/posture.db)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, _ := loadConfig("", *db, "")
	a, err := app.Open(ctx, cfg, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	last := time.Now()
	rep, err := evidence.Verify(ctx, a.Store.DB, func(n int64) {
		if time.Since(last) > time.Second {
			fmt.Fprintf(errOut, "verified %d records…\n", n)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	if *asJSON {
		_ = json.NewEncoder(out).Encode(rep)
	} else {
		fmt.Fprintf(out, "%d evidence records, %d artifacts checked in %s\n", rep.Records, rep.Artifacts, time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(out, "chain head: seq %d, %s\n", rep.HeadSeq, orNone(rep.HeadHash))
		for _, p := range rep.Problems {
			fmt.Fprintln(out, "PROBLEM:", p)
		}
		if rep.OK {
			fmt.Fprintln(out, "OK: the evidence chain verifies")
		}
	}
	if !rep.OK {
		return exitError{code: 1, err: errors.New("evidence chain does NOT verify")}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(empty log)"
	}
	return s
}

func runMigrate(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("migrate", "[--db DSN] [--status]", `
Applies the embedded database migrations not yet applied (serve, collect
and ingest also do this at start). --status lists pending ones only.`, errOut)
	db := fs.String("db", "", "database (default $POSTURE_DATA/posture.db)")
	status := fs.Bool("status", false, "list pending migrations without applying them")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, _ := loadConfig("", *db, "")
	st, err := store.Open(ctx, cfg.DB, newLogger(errOut))
	if err != nil {
		return err
	}
	defer st.Close()
	if *status {
		pending, err := st.Pending(ctx)
		if err != nil {
			// No schema_migrations table yet: everything is pending.
			all, merr := st.Migrations()
			if merr != nil {
				return merr
			}
			for _, m := range all {
				pending = append(pending, m.Name)
			}
		}
		if len(pending) == 0 {
			fmt.Fprintln(out, "up to date:", st.Path)
		}
		for _, p := range pending {
			fmt.Fprintln(out, "pending:", p)
		}
		return nil
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(out, "up to date:", st.Path)
	}
	for _, m := range applied {
		fmt.Fprintln(out, "applied:", m)
	}
	return nil
}

func runToken(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprint(errOut, `Usage:
  posture token create --name NAME --role admin|auditor|team|viewer [--team TEAM] [--expires 90d]
  posture token list
  posture token revoke ID

Tokens authenticate API calls (Authorization: Bearer <token>) and log people
in to the dashboards. Only a hash is stored: the token is shown once.
`)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return exitError{code: 2, err: errors.New("token: create, list or revoke")}
	}
	fs := newFlags("token "+args[0], "", "Manage access tokens.", errOut)
	name := fs.String("name", "", "who or what the token is for")
	role := fs.String("role", "", "admin, auditor, team or viewer")
	team := fs.String("team", "", "team (owner) a team token is limited to")
	expires := fs.String("expires", "90d", "lifetime (e.g. 24h, 90d; 0 for none)")
	db := fs.String("db", "", "database (default $POSTURE_DATA/posture.db)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, _ := loadConfig("", *db, "")
	a, err := app.Open(ctx, cfg, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "create":
		if *name == "" || *role == "" {
			return exitError{code: 2, err: errors.New("token create: --name and --role are required")}
		}
		var ttl time.Duration
		if *expires != "0" {
			if ttl, err = config.ParseDuration(*expires); err != nil {
				return exitError{code: 2, err: fmt.Errorf("token create: --expires: %w", err)}
			}
		}
		secret, t, err := a.Auth.CreateToken(ctx, *name, *role, *team, ttl)
		if err != nil {
			return err
		}
		_ = auth.Audit(ctx, a.Store.DB, "cli", "token.create", fmt.Sprint(t.ID), "role="+t.Role, "")
		fmt.Fprintf(errOut, "token %d for %q (%s) created; it is shown once:\n", t.ID, t.Name, t.Role)
		fmt.Fprintln(out, secret)
	case "list":
		var toks []store.Token
		if err := a.Store.DB.WithContext(ctx).Order("id").Find(&toks).Error; err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tTEAM\tCREATED\tEXPIRES\tSTATE")
		for _, t := range toks {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked"
			} else if t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt) {
				state = "expired"
			}
			exp := "never"
			if t.ExpiresAt != nil {
				exp = t.ExpiresAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Team, t.CreatedAt.Format("2006-01-02"), exp, state)
		}
		tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return exitError{code: 2, err: errors.New("token revoke: give one token ID")}
		}
		res := a.Store.DB.WithContext(ctx).Model(&store.Token{}).Where("id = ? AND revoked_at IS NULL", fs.Arg(0)).Update("revoked_at", time.Now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("token revoke: no active token %s", fs.Arg(0))
		}
		_ = auth.Audit(ctx, a.Store.DB, "cli", "token.revoke", fs.Arg(0), "", "")
		fmt.Fprintln(out, "revoked", fs.Arg(0))
	}
	return nil
}

// printWarnings lists the first few warnings of a file under its line.
func printWarnings(out io.Writer, ws []string) {
	for i, w := range ws {
		if i == shownWarnings {
			fmt.Fprintf(out, "      warning: ... %d more (all of them with --json)\n", len(ws)-i)
			return
		}
		fmt.Fprintf(out, "      warning: %s\n", w)
	}
}
