package scan

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrParserPanic marks an internal failure on hostile input (a bug): a
// panic while reading a report is turned into an error naming the file
// instead of killing ingest. Format.Recover makes it.
var ErrParserPanic = errors.New("parser panic")

// Error is a report that could not be read. Error() reads
// "<kind>: <file>:<line>:<column>: <path>: <message>", leaving out what is
// unknown, so every message of a collector starts with its kind and the
// file ("nuclei: scans/out.jsonl:4:23: ...").
type Error struct {
	Kind   string // the collector's kind ("nuclei"), the message's prefix
	File   string // the report's display name
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // field path in the report ("info.tags"), "" when none
	Msg    string
	// Err is the class of the error, for errors.Is: the format's
	// ErrFormat, ErrParserPanic, a safedecode kind (safedecode.ErrSyntax,
	// ErrTooLarge, ErrTooDeep), or nil.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind != "" {
		b.WriteString(e.Kind)
		b.WriteString(": ")
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the error's class, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Position converts a byte offset of data into a 1-based line and column
// (in bytes). An offset outside data is clamped to it.
func Position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	head := data[:off]
	line = bytes.Count(head, []byte{'\n'}) + 1
	col = off - (bytes.LastIndexByte(head, '\n') + 1) + 1
	return line, col
}
