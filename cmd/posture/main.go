// Command posture collects API security evidence, scores every API's
// control maturity against NIST SP 800-228, NIST SP 800-53 rev5 and the
// OWASP API Security Top 10 2023, and serves the dashboards and the API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the server, the scheduler and the dashboards", runServe},
		{"demo", "serve the dashboards on built-in sample data (embedded SQLite)", runDemo},
		{"collect", "run the configured collectors once", runCollect},
		{"ingest", "import files (kind auto-detected)", runIngest},
		{"audit", "audit files against the catalog without storing them", runAudit},
		{"report", "write a PDF, Excel, OSCAL or CSV report", runReport},
		{"verify", "check the evidence hash chain", runVerify},
		{"migrate", "apply database migrations", runMigrate},
		{"token", "create, list or revoke access tokens", runToken},
		{"version", "print the version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			fmt.Fprintln(out, "posture", version)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `posture: control-maturity reporting for APIs

Usage:
  posture <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'posture <command> --help' for a command's flags.

Environment:
  POSTURE_DATA        data directory (default ~/.local/share/posture)
  POSTURE_LOG_LEVEL   debug, info (default), warn, error
`)
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], out, errOut)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ee exitError
		if errors.As(err, &ee) {
			if ee.err != nil && ee.err.Error() != "" {
				fmt.Fprintln(errOut, "posture:", ee.err)
			}
			return ee.code
		}
		fmt.Fprintln(errOut, "posture:", err)
		return 1
	}
	fmt.Fprintf(errOut, "posture: unknown command %q\n\n", args[0])
	usage(errOut)
	return 2
}

// newFlags builds a flag set whose --help prints a usage line, a
// description and the flags.
func newFlags(name, synopsis, description string, errOut io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "Usage: posture %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning usage errors into exit status 2.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{code: 2, err: errors.New("")}
	}
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	lvl := slog.LevelInfo
	switch strings.ToLower(os.Getenv("POSTURE_LOG_LEVEL")) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}
