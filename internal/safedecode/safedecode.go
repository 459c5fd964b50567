// Package safedecode bounds untrusted JSON and YAML before (or while) a
// library parses it: a size cap on reading, a nesting-depth cap, and an
// alias-expansion budget for YAML so that a "billion laughs" document is
// rejected in time linear in its size instead of expanding into gigabytes.
//
// The checks are independent of what the document means, so every
// collector that reads configuration or descriptions (OpenAPI, Kong, Envoy,
// Tyk...) can run them first and hand only bounded input to its parser:
//
//	data, err := safedecode.ReadFile(fsys, name, lim)    // size cap
//	if err == nil {
//		err = safedecode.Check(name, data, lim)          // depth, aliases, syntax
//	}
//
// Every error is an *Error naming the file and, where it is known, the line
// and column; errors.Is(err, ErrTooLarge) (ErrTooDeep, ErrAliasExpansion,
// ErrSyntax) tells the kinds apart.
package safedecode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Default limits. They are far above what real API descriptions and gateway
// configurations need (the 13 MB GitHub REST description nests 30 levels
// deep and uses no aliases) and far below what exhausts a server.
const (
	DefaultMaxBytes      int64 = 64 << 20 // 64 MiB
	DefaultMaxDepth            = 256
	DefaultMaxAliasNodes       = 100_000
	DefaultAliasRatio          = 10
)

// Limits bounds one input. The zero value of a field selects its default.
type Limits struct {
	// MaxBytes is the largest input accepted, in bytes.
	MaxBytes int64
	// MaxDepth is the deepest nesting of objects/arrays (JSON) or
	// mappings/sequences (YAML) accepted; the top-level container is depth 1.
	// For YAML it applies to the tree as seen after alias expansion.
	MaxDepth int
	// MaxAliasNodes and AliasRatio bound YAML alias expansion: the nodes
	// that expanding every alias would add to the document may not exceed
	// max(MaxAliasNodes, AliasRatio × the document's own node count).
	MaxAliasNodes int
	AliasRatio    int
}

// DefaultLimits returns the default limits with every field filled in.
func DefaultLimits() Limits { return Limits{}.Normalize() }

// Normalize returns l with every zero or negative field replaced by its
// default.
func (l Limits) Normalize() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAliasNodes <= 0 {
		l.MaxAliasNodes = DefaultMaxAliasNodes
	}
	if l.AliasRatio <= 0 {
		l.AliasRatio = DefaultAliasRatio
	}
	return l
}

// Kinds of error, for errors.Is.
var (
	ErrTooLarge       = errors.New("input too large")
	ErrTooDeep        = errors.New("nesting too deep")
	ErrAliasExpansion = errors.New("alias expansion too large")
	ErrSyntax         = errors.New("syntax error")
)

// Error is a rejected input. Error() reads "file: line L, column C: msg"
// (the position parts are left out when unknown).
type Error struct {
	File   string
	Line   int   // 1-based; 0 when unknown
	Column int   // 1-based; 0 when unknown
	Offset int64 // byte offset of the problem; -1 when unknown
	Kind   error // ErrTooLarge, ErrTooDeep, ErrAliasExpansion or ErrSyntax
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the error's kind, so errors.Is(err, ErrTooDeep) works.
func (e *Error) Unwrap() error { return e.Kind }

func tooLarge(name string, max int64) *Error {
	return &Error{File: name, Offset: -1, Kind: ErrTooLarge,
		Msg: fmt.Sprintf("input exceeds the size limit of %s", humanBytes(max))}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// CheckSize fails with ErrTooLarge, naming the input, when n bytes exceed
// lim.MaxBytes; for callers that already hold the data.
func CheckSize(name string, n int64, lim Limits) error {
	lim = lim.Normalize()
	if n > lim.MaxBytes {
		return tooLarge(name, lim.MaxBytes)
	}
	return nil
}

// ReadAll reads r up to lim.MaxBytes and fails with ErrTooLarge, naming
// the input, as soon as it holds more: it never buffers more than
// MaxBytes+1 bytes.
func ReadAll(r io.Reader, name string, lim Limits) ([]byte, error) {
	return readAll(r, name, lim.Normalize(), 0)
}

func readAll(r io.Reader, name string, lim Limits, sizeHint int64) ([]byte, error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= lim.MaxBytes {
		buf.Grow(int(sizeHint) + 1) // +1 so the EOF read does not reallocate
	}
	n, err := buf.ReadFrom(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if n > lim.MaxBytes {
		return nil, tooLarge(name, lim.MaxBytes)
	}
	return buf.Bytes(), nil
}

// ReadFile reads name from fsys under lim. A regular file whose size
// exceeds lim.MaxBytes is rejected from its metadata, before any read.
func ReadFile(fsys fs.FS, name string, lim Limits) ([]byte, error) {
	lim = lim.Normalize()
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hint int64
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory", name)
		}
		if st.Mode().IsRegular() {
			if st.Size() > lim.MaxBytes {
				return nil, tooLarge(name, lim.MaxBytes)
			}
			hint = st.Size()
		}
	}
	return readAll(f, name, lim, hint)
}

// LooksLikeJSON reports whether data starts (after white space and a UTF-8
// byte order mark) with '{' or '['.
func LooksLikeJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, utf8BOM)
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		default:
			return false
		}
	}
	return false
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Check runs CheckJSON when data looks like JSON and CheckYAML otherwise.
// A document that starts like JSON but is not valid JSON is retried as YAML
// (a YAML flow mapping also starts with '{') unless name ends in ".json";
// when both fail, the JSON error is returned.
func Check(name string, data []byte, lim Limits) error {
	if !LooksLikeJSON(data) {
		return CheckYAML(name, data, lim)
	}
	jerr := CheckJSON(name, data, lim)
	if jerr == nil || !errors.Is(jerr, ErrSyntax) || strings.HasSuffix(strings.ToLower(name), ".json") {
		return jerr
	}
	if CheckYAML(name, data, lim) == nil {
		return nil
	}
	return jerr
}

// position converts a byte offset into a 1-based line and column (in
// bytes). It is only called on the error path.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	head := data[:off]
	line = bytes.Count(head, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(head, '\n') + 1) + 1
	return line, col
}
