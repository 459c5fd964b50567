// Package scantest holds what the tests of the scan-report collectors
// share: a Sink that records what a collector sends (and can fail), the
// checks every Result must pass (what ingest checks of a finding, the
// bounds the collectors promise, one tested evidence per (API, tool)),
// the parse, collect and error assertions, the property a fuzz target
// checks with its corpus seeds, and Detect's cases and walk over the
// shared corpus.
package scantest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/internal/testutil"
)

// Sink records what a collector sends, in order. A scan collector sends
// no APIs nor endpoints: those are errors.
type Sink struct {
	Evidences []collectors.Evidence
	Findings  []collectors.Finding
	Warnings  []string
	// Order is "evidence" or "finding" per record sent, in order.
	Order []string
	// FailAfter, when positive, fails every record after the first
	// FailAfter with ErrSinkFull (a store that went away mid-import).
	FailAfter int
}

// ErrSinkFull is what a Sink with FailAfter returns.
var ErrSinkFull = errors.New("sink full")

// record notes one record of kind what, or refuses it.
func (s *Sink) record(what string) error {
	if s.FailAfter > 0 && len(s.Order) >= s.FailAfter {
		return ErrSinkFull
	}
	s.Order = append(s.Order, what)
	return nil
}

// API implements collectors.Sink: a scan collector must not send one.
func (s *Sink) API(collectors.API) error {
	return errors.New("a scan collector sent an API")
}

// Endpoint implements collectors.Sink: a scan collector must not send one.
func (s *Sink) Endpoint(collectors.Endpoint) error {
	return errors.New("a scan collector sent an endpoint")
}

// Evidence implements collectors.Sink.
func (s *Sink) Evidence(e collectors.Evidence) error {
	if err := s.record("evidence"); err != nil {
		return err
	}
	s.Evidences = append(s.Evidences, e)
	return nil
}

// Finding implements collectors.Sink.
func (s *Sink) Finding(f collectors.Finding) error {
	if err := s.record("finding"); err != nil {
		return err
	}
	s.Findings = append(s.Findings, f)
	return nil
}

// Warning records a warning (collectors.Warn sends them here).
func (s *Sink) Warning(msg string) error {
	s.Warnings = append(s.Warnings, msg)
	return nil
}

// Collect runs c.Collect on src into a new Sink and returns both.
func Collect(c collectors.Collector, src collectors.Source) (*Sink, error) {
	sink := &Sink{}
	err := c.Collect(context.Background(), src, sink)
	return sink, err
}

// CollectOK runs c.Collect on src into a new Sink, fails the test on an
// error, and returns the Sink.
func CollectOK(t testing.TB, c collectors.Collector, src collectors.Source) *Sink {
	t.Helper()
	sink, err := Collect(c, src)
	if err != nil {
		t.Fatal(err)
	}
	return sink
}

// CollectErr runs c.Collect on src expecting an error of class errKind
// (nil: any) whose message starts with prefix and contains every want.
func CollectErr(t testing.TB, c collectors.Collector, src collectors.Source, errKind error, prefix string, wants ...string) {
	t.Helper()
	_, err := Collect(c, src)
	if err == nil || (errKind != nil && !errors.Is(err, errKind)) || !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("Collect(%v) = %v, want %v starting %q", src.Paths, err, errKind, prefix)
		return
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}
}

// CorpusFile returns the bytes of a file of the shared corpus (rel is
// relative to its root: "scans/nuclei/multiple_v3.json").
func CorpusFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ParseOK runs parse on data, fails the test on an error and returns the
// Result after Check, and after checking that its evidence points at the
// report by name.
func ParseOK(t testing.TB, parse scan.ParseFunc, name string, data []byte, src collectors.Source) *scan.Result {
	t.Helper()
	res, err := parse(name, data, src)
	if err != nil {
		t.Fatal(err)
	}
	Check(t, res)
	for _, ev := range res.Evidence {
		if ev.Artifact.Name != name {
			t.Fatalf("evidence of %s points at %q", name, ev.Artifact.Name)
		}
	}
	return res
}

// Check asserts what ingest checks of every finding (API, tool and rule
// id set, one of the five severities), the bounds of the scan package
// (excerpt, title, rule id, description, remediation; valid UTF-8; an
// upper-case method; a line only with a file; no fingerprint twice on an
// API: duplicates are merged), and the import scope: exactly one tested
// evidence per (API, tool) pair, and one for the API and Tool of every
// finding (its Location is the tool).
func Check(t testing.TB, res *scan.Result) {
	t.Helper()
	tested := map[scan.Scope]bool{}
	for _, ev := range res.Evidence {
		if ev.API == "" || ev.Location == "" || ev.Artifact == nil || ev.Facts[collectors.FactScanPresent] != true || ev.Endpoint != "" {
			t.Fatalf("evidence %+v", ev)
		}
		s := scan.Scope{API: ev.API, Tool: ev.Location}
		if tested[s] {
			t.Fatalf("API %q tested by %q twice", s.API, s.Tool)
		}
		tested[s] = true
	}
	if len(res.Evidence) == 0 {
		t.Fatal("no tested evidence")
	}
	type apiFP struct{ api, fp string }
	fps := map[apiFP]bool{}
	for _, f := range res.Findings {
		if f.API == "" || f.Tool == "" || f.RuleID == "" {
			t.Fatalf("finding without API, tool or rule id: %+v", f)
		}
		switch f.Severity {
		case collectors.SeverityCritical, collectors.SeverityHigh, collectors.SeverityMedium, collectors.SeverityLow, collectors.SeverityInfo:
		default:
			t.Fatalf("severity %q", f.Severity)
		}
		if !tested[scan.Scope{API: f.API, Tool: f.Tool}] {
			t.Fatalf("finding for API %q by %q without tested evidence", f.API, f.Tool)
		}
		if len(f.Excerpt) > collectors.MaxExcerpt || len(f.Title) > 504 || len(f.RuleID) > 504 ||
			len(f.Description) > scan.MaxText || len(f.Remediation) > scan.MaxText || len(f.Tags) > scan.MaxTags+1 {
			t.Fatalf("unbounded field in %q", f.RuleID)
		}
		for _, s := range []string{f.Title, f.RuleID, f.Excerpt, f.Description, f.Remediation, f.Location} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", f.RuleID)
			}
		}
		if f.Method != strings.ToUpper(f.Method) {
			t.Fatalf("method %q not upper case", f.Method)
		}
		if f.Line < 0 || (f.Line > 0 && f.File == "") {
			t.Fatalf("line %d of file %q", f.Line, f.File)
		}
		if f.Fingerprint != "" {
			k := apiFP{f.API, f.Fingerprint}
			if fps[k] {
				t.Fatalf("fingerprint %q twice: duplicates must be merged", f.Fingerprint)
			}
			fps[k] = true
		}
	}
}

// ParseErr runs parse on data expecting an *scan.Error that names the
// file (its message starts with "<kind>: <name>:"), is errKind (unless
// errKind is nil), and whose message contains every want string.
func ParseErr(t testing.TB, kind string, parse scan.ParseFunc, name string, data []byte, errKind error, wants ...string) *scan.Error {
	t.Helper()
	res, err := parse(name, data, collectors.Source{})
	if err == nil {
		t.Fatalf("Parse(%s) succeeded with %d findings, want an error", name, len(res.Findings))
	}
	var e *scan.Error
	if !errors.As(err, &e) || e.File != name {
		t.Fatalf("Parse(%s) = %T %v, want a *scan.Error naming the file", name, err, err)
	}
	if errKind != nil && !errors.Is(err, errKind) {
		t.Errorf("Parse(%s) = %v, want kind %v", name, err, errKind)
	}
	if !strings.HasPrefix(err.Error(), kind+": "+name+":") {
		t.Errorf("message %q does not start with the kind and file name", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not contain %q", err, w)
		}
	}
	return e
}

// Fuzz is the property a fuzz target of a scan collector checks on one
// input: detect never panics (on data and on its first half), and parse
// either fails with a *scan.Error naming the file, never ErrParserPanic
// (a recovered panic is a bug), or returns a Result that passes Check.
// It returns that Result (nil after an error) for further checks.
func Fuzz(t *testing.T, kind string, detect scan.DetectFunc, parse scan.ParseFunc, name string, data []byte) *scan.Result {
	t.Helper()
	for _, n := range []int{len(data), len(data) / 2} {
		_ = detect(name, data[:n])
	}
	res, err := parse(name, data, collectors.Source{})
	if err != nil {
		if errors.Is(err, scan.ErrParserPanic) {
			t.Fatalf("panic: %v", err)
		}
		var e *scan.Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), kind+": "+name+":") {
			t.Fatalf("error %T %q does not name the file", err, err)
		}
		return nil
	}
	Check(t, res)
	return res
}

// DetectCases asserts that detect claims every head of yes and none of
// no, for a file called name.
func DetectCases(t testing.TB, detect scan.DetectFunc, name string, yes, no []string) {
	t.Helper()
	for _, h := range yes {
		if !detect(name, []byte(h)) {
			t.Errorf("Detect(%q, %.80q) = false", name, h)
		}
	}
	for _, h := range no {
		if detect(name, []byte(h)) {
			t.Errorf("Detect(%q, %.80q) = true", name, h)
		}
	}
}

// DetectCorpus runs detect on the first scan.HeadSize bytes of every file
// of the shared corpus and asserts it claims exactly the files under dir
// (a slash-separated path relative to the corpus root, "scans/nuclei/");
// dir "" means it claims none. It returns how many files there were and
// how many were claimed, for the caller's count.
func DetectCorpus(t testing.TB, detect scan.DetectFunc, dir string) (files, claimed int) {
	t.Helper()
	root := testutil.Corpus(t, ".")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(data) > scan.HeadSize {
			data = data[:scan.HeadSize]
		}
		rel, _ := filepath.Rel(root, p)
		want := dir != "" && strings.HasPrefix(filepath.ToSlash(rel), dir)
		got := detect(p, data)
		files++
		if got {
			claimed++
		}
		if got != want {
			t.Errorf("%s: detected %v, want %v", rel, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, claimed
}

// Severities counts findings per severity.
func Severities(fs []collectors.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

// FindingAt returns the finding with rule id rule at location loc, and
// fails the test when there is none.
func FindingAt(t testing.TB, fs []collectors.Finding, rule, loc string) collectors.Finding {
	t.Helper()
	for _, f := range fs {
		if f.RuleID == rule && f.Location == loc {
			return f
		}
	}
	t.Fatalf("no finding %s at %s", rule, loc)
	return collectors.Finding{}
}

// Occurrences is the number of report results a finding stands for: its
// "occurrences:<n>" tag, else 1.
func Occurrences(f collectors.Finding) int {
	for _, tag := range f.Tags {
		if n, ok := strings.CutPrefix(tag, "occurrences:"); ok {
			k, _ := strconv.Atoi(n)
			return k
		}
	}
	return 1
}

// HasTag reports whether f has tag.
func HasTag(f collectors.Finding, tag string) bool { return slices.Contains(f.Tags, tag) }

// AddCorpusSeeds adds the files of the shared corpus directory dir (slash
// path under its root) that match pattern ("*.json") and are at most max
// bytes to a fuzz target's seed corpus, so `go test` runs them each time.
func AddCorpusSeeds(f *testing.F, dir, pattern string, max int64) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join(testutil.Corpus(f, dir), pattern))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no corpus files %s/%s: %v", dir, pattern, err)
	}
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.Size() <= max {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}
