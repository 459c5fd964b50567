package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/testutil"
)

// reportDB imports a real spec (owner team-a) and a real ZAP scan of it
// through `posture ingest` and returns the database.
func reportDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "p.db")
	if code, _, errOut := runCLI(t, "ingest", "--db", db, "--owner", "team-a", testutil.Corpus(t, "specs/openapi/vampi/openapi3.yml")); code != 0 {
		t.Fatalf("ingest spec: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "ingest", "--db", db, "--api", "VAmPI", testutil.Corpus(t, "scans/zap/juicy2.xml")); code != 0 {
		t.Fatalf("ingest scan: exit %d: %s", code, errOut)
	}
	return db
}

// files lists a directory's entries.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

var summaryRE = regexp.MustCompile(`^report: (\S+(?: \S+)?), (.+), (\d+) APIs?, (\d+) findings?, (\d+) bytes: (.+)\n$`)

func TestReportFormats(t *testing.T) {
	db := reportDB(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		file  string
		magic string
		what  string
		scope string
	}{
		{nil, "all.pdf", "%PDF-", "pdf executive", "all APIs"},
		{[]string{"--api", "VAmPI"}, "vampi.pdf", "%PDF-", "pdf auditor", `API VAmPI`},
		{[]string{"--team", "team-a", "--kind", "auditor"}, "team.pdf", "%PDF-", "pdf auditor", "team team-a"},
		{[]string{"--format", "xlsx"}, "book.xlsx", "PK\x03\x04", "xlsx", "all APIs"},
		{nil, "results.json", "{", "oscal", "all APIs"},
		{[]string{"--format", "csv", "--team", "team-a"}, "results.csv", "api,owner,", "csv", "team team-a"},
	} {
		out := filepath.Join(dir, tc.file)
		code, stdout, errOut := runCLI(t, append([]string{"report", "--db", db, "--out", out}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, errOut)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(bytes.TrimLeft(data, " \r\n\t"), []byte(tc.magic)) {
			t.Errorf("%s starts with %q, want %q", tc.file, data[:min(len(data), 16)], tc.magic)
		}
		m := summaryRE.FindStringSubmatch(errOut)
		if m == nil || stdout != "" {
			t.Fatalf("%s: stderr %q, stdout %q: want one summary line", tc.file, errOut, stdout)
		}
		if m[1] != tc.what || m[2] != tc.scope || m[3] != "1" || m[4] == "0" || m[5] != strconv.Itoa(len(data)) || m[6] != out {
			t.Errorf("%s: summary %q: want %s, %s, 1 API, some findings, %d bytes, %s", tc.file, errOut, tc.what, tc.scope, len(data), out)
		}
		if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", tc.file, info.Mode().Perm())
		}
	}
	// Nothing but the reports: no temporary file left behind.
	want := []string{"all.pdf", "book.xlsx", "results.csv", "results.json", "team.pdf", "vampi.pdf"}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
	// The CSV lists every control result of the one API, the same as
	// the workbook: its rows are the catalog's controls.
	csv, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if n := strings.Count(string(csv), "\r\nVAmPI,"); n < 20 {
		t.Errorf("CSV has %d VAmPI rows", n)
	}

	// A past date before anything was imported: an empty portfolio.
	out := filepath.Join(dir, "past.pdf")
	code, _, errOut := runCLI(t, "report", "--db", db, "--out", out, "--as-of", "2020-01-31", "--from", "2020-01-01")
	if m := summaryRE.FindStringSubmatch(errOut); code != 0 || m == nil || m[3] != "0" || m[4] != "0" {
		t.Errorf("as of 2020-01-31: exit %d, %q", code, errOut)
	}
}

func TestReportFailures(t *testing.T) {
	db := reportDB(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  []string
	}{
		{"unknown format", []string{"--format", "docx", "--out", filepath.Join(dir, "r.docx")}, 2, []string{`--format "docx"`, "pdf, xlsx, oscal, csv"}},
		{"no format from the name", []string{"--out", filepath.Join(dir, "r.txt")}, 2, []string{"--format is required", "r.txt"}},
		{"no --out", nil, 2, []string{"--out FILE is required"}},
		{"unknown API", []string{"--api", "no-such-api", "--out", filepath.Join(dir, "r.pdf")}, 1, []string{`no API named "no-such-api"`}},
		{"unknown team", []string{"--team", "nobody", "--out", filepath.Join(dir, "r.xlsx")}, 1, []string{`team "nobody"`}},
		{"unwritable directory", []string{"--out", filepath.Join(notDir, "r.pdf")}, 1, []string{"cannot write", filepath.Join(notDir, "r.pdf")}},
		{"missing directory", []string{"--out", filepath.Join(dir, "nope", "r.pdf")}, 1, []string{"cannot write", filepath.Join(dir, "nope", "r.pdf")}},
		{"api and team", []string{"--api", "VAmPI", "--team", "team-a", "--out", filepath.Join(dir, "r.pdf")}, 2, []string{"--api and --team"}},
		{"kind with xlsx", []string{"--kind", "auditor", "--out", filepath.Join(dir, "r.xlsx")}, 2, []string{"--kind applies to --format pdf"}},
		{"bad kind", []string{"--kind", "ciso", "--out", filepath.Join(dir, "r.pdf")}, 2, []string{`--kind "ciso"`}},
		{"bad date", []string{"--as-of", "31/01/2026", "--out", filepath.Join(dir, "r.pdf")}, 2, []string{`--as-of "31/01/2026"`, "YYYY-MM-DD"}},
		{"future date", []string{"--as-of", future, "--out", filepath.Join(dir, "r.pdf")}, 2, []string{"in the future"}},
		{"from after as-of", []string{"--as-of", "2026-01-01", "--from", "2026-02-01", "--out", filepath.Join(dir, "r.pdf")}, 2, []string{"--from 2026-02-01 is after"}},
		{"no database", []string{"--out", filepath.Join(dir, "r.pdf"), "--db", filepath.Join(dir, "missing.db")}, 1, []string{"no database at", "missing.db"}},
	} {
		args := append([]string{"report"}, tc.args...)
		if !slices.Contains(tc.args, "--db") {
			args = append(args, "--db", db)
		}
		code, _, errOut := runCLI(t, args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d (%q)", tc.name, code, tc.code, errOut)
		}
		for _, m := range tc.msg {
			if !strings.Contains(errOut, m) {
				t.Errorf("%s: stderr %q does not say %q", tc.name, errOut, m)
			}
		}
	}
	// No report, no temporary file, no database created by a wrong --db.
	if got := files(t, dir); !slices.Equal(got, []string{"plain-file"}) {
		t.Errorf("after the failures the directory holds %q", got)
	}
	if code, _, errOut := runCLI(t, "report", "--help"); code != 0 || !strings.Contains(errOut, "Usage: posture report") || !strings.Contains(errOut, "Examples:") {
		t.Errorf("report --help: exit %d, %q", code, errOut)
	}
}
