package scan

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Format is what the shared reading code needs to know of one collector's
// report format: its kind, which starts every error message, and the
// error a report of the wrong shape wraps; the other fields are where
// formats differ. A collector declares one and reads through its methods:
//
//	var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}
type Format struct {
	// Kind is the collector's kind ("nuclei", "crunch42").
	Kind string
	// ErrFormat is the collector's "not this format" error: Errorf and
	// Decode wrap it, so errors.Is(err, pkg.ErrFormat) holds.
	ErrFormat error
	// Limits bound one report (size, nesting) for SplitJSON, Document,
	// CheckSize and the dast package's XML decoding; the zero value is
	// safedecode's defaults (64 MiB, 256 levels).
	Limits safedecode.Limits
	// Candidate, when set, picks by base name the files of a directory
	// Collect looks at before Detect reads their head ("a .txt file is
	// never a SARIF log, however it starts"); nil looks at every file. A
	// file named explicitly is always read.
	Candidate func(name string) bool
	// WhereExpected words Decode's error about a JSON value of the wrong
	// type "a JSON number where a string is expected" instead of "want a
	// string, got number".
	WhereExpected bool
	// MergePlaces makes Finish merge the findings without a fingerprint
	// too, by the identity ingest would derive for them (tool, rule, API,
	// endpoint, location): they would be one stored finding anyway.
	MergePlaces bool
}

// Extensions is a Format.Candidate: a name whose extension is one of
// exts (".json"), in any case.
func Extensions(exts ...string) func(name string) bool {
	return func(name string) bool {
		ext := path.Ext(name)
		for _, e := range exts {
			if strings.EqualFold(ext, e) {
				return true
			}
		}
		return false
	}
}

// Errorf is an ErrFormat error at file:line:col (0 when unknown), at the
// field path (or ""), with the message fmt.Sprintf(format, args...).
func (f Format) Errorf(file string, line, col int, path, format string, args ...any) *Error {
	return &Error{Kind: f.Kind, File: file, Line: line, Column: col, Path: path,
		Msg: fmt.Sprintf(format, args...), Err: f.ErrFormat}
}

// Recover, deferred by a Parse function with named results, turns a panic
// into an ErrParserPanic error naming file and clears the result:
//
//	defer format.Recover(name, &res, &err)
func (f Format) Recover(file string, res **Result, err *error) {
	if r := recover(); r != nil {
		*res = nil
		*err = &Error{Kind: f.Kind, File: file, Err: ErrParserPanic,
			Msg: fmt.Sprintf("internal error while reading the file: %v", r)}
	}
}

// Scope is one (API, tool) pair a report covers. Ingest marks a stored
// finding fixed when a newer import of the same source covers its API
// and its tool but no longer reports it, so the tested evidence of a
// report names the tool exactly as its findings do (Finding.Tool), and
// names it even when the report has no findings.
type Scope struct{ API, Tool string }

// Finish completes what a report yields: the findings that are one
// issue merged (those sharing a fingerprint, and with MergePlaces those
// at the same place; see merge), one TestedEvidence per (API, tool) pair
// pointing at art (first the pairs of scopes, what the report says it
// scanned findings or not, then those of the findings, in order of first
// appearance), and the warnings bounded (MaxWarnings).
func (f Format) Finish(res *Result, art *collectors.Artifact, scopes ...Scope) *Result {
	seen := map[Scope]bool{}
	res.Evidence = nil
	add := func(s Scope) {
		if !seen[s] {
			seen[s] = true
			res.Evidence = append(res.Evidence, TestedEvidence(s.API, art, s.Tool))
		}
	}
	for _, s := range scopes {
		add(s)
	}
	for _, fd := range res.Findings {
		add(Scope{fd.API, fd.Tool})
	}
	res.Findings = merge(res.Findings, f.MergePlaces)
	res.Warnings = capWarnings(res.Warnings)
	return res
}

// CheckSize fails with an ErrTooLarge *Error naming file when data is
// over f.Limits, for readers that hold the data already.
func (f Format) CheckSize(file string, data []byte) error {
	if err := safedecode.CheckSize(file, int64(len(data)), f.Limits); err != nil {
		return f.fromSafe(file, data, 0, err)
	}
	return nil
}

// fromSafe turns a safedecode error about whole (or, when off > 0, about
// the slice of whole starting at byte off: a JSON Lines line) into an
// Error placed in whole.
func (f Format) fromSafe(file string, whole []byte, off int, err error) *Error {
	var se *safedecode.Error
	if !errors.As(err, &se) {
		return &Error{Kind: f.Kind, File: file, Msg: err.Error()}
	}
	e := &Error{Kind: f.Kind, File: file, Msg: se.Msg, Err: se.Kind}
	if se.Offset >= 0 && se.Line > 0 {
		e.Line, e.Column = Position(whole, off+int(se.Offset))
	}
	return e
}
