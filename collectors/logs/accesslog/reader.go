package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
)

// Defaults for Reader.
const (
	DefaultMaxLineBytes = 64 << 10
	DefaultMaxBytes     = 4 << 30 // decompressed bytes per stream
	DefaultMaxRatio     = 100     // decompressed/compressed bytes for gzip
	MaxSamples          = 20
	sampleBytes         = 200
	detectLines         = 20
)

// ErrLimit is wrapped by the error Read returns when a size or ratio bound
// stopped it.
var ErrLimit = errors.New("limit exceeded")

// Reader streams access-log lines from a plain or gzip file into a
// callback. The zero value is usable; it detects the format.
type Reader struct {
	Name   string // file name for errors and samples
	Format Format // nil: Detect on the first 20 lines
	// MaxLineBytes bounds one line. Longer lines are skipped (counted as
	// malformed) without ever being held whole.
	MaxLineBytes int
	// MaxBytes bounds the decompressed bytes read; beyond it Read stops
	// with an ErrLimit error.
	MaxBytes int64
	// MaxRatio bounds decompressed/compressed bytes of gzip input (a
	// gzip bomb); it is checked once 1 MiB has come out.
	MaxRatio int64
	// BaseOffset is added to every offset reported: the offset at which
	// the caller positioned a plain file (a tailer resuming).
	BaseOffset int64
	// Skip is how many decompressed bytes to discard before the first
	// line: a tailer resuming inside a compressed file, which cannot seek.
	// Skipped bytes count toward the bounds and the reported offsets.
	Skip int64
	// BaseLine is added to line numbers (in callbacks and samples): the
	// lines before the resumed position.
	BaseLine int64
}

// Malformed is one line that did not parse.
type Malformed struct {
	Line int64  // 1-based line number
	Text string // the line, truncated to 200 bytes
	Err  string
}

// Stats counts what Read saw.
type Stats struct {
	Format    string
	Lines     int64 // all lines, blank ones included
	Blank     int64
	Parsed    int64
	Malformed int64 // includes Overlong
	Overlong  int64
	Bytes     int64 // decompressed bytes consumed (the offset after the last line, minus BaseOffset)
	Samples   []Malformed
}

// Func receives each parsed record and the byte offset just after its
// line (in decompressed bytes, plus BaseOffset). rec and its strings are
// only valid during the call (see Record.Clone). A non-nil error stops Read
// and is returned as is.
type Func func(rec *Record, line int64, offset int64) error

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type boundReader struct {
	r        io.Reader
	name     string
	in       *countReader // compressed bytes, nil for plain input
	n, max   int64
	maxRatio int64
}

func (b *boundReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		return n, fmt.Errorf("accesslog: %s: more than %d bytes: %w", b.name, b.max, ErrLimit)
	}
	if b.in != nil && b.n > 1<<20 && b.n > b.maxRatio*b.in.n {
		return n, fmt.Errorf("accesslog: %s: gzip expands more than %dx (%d bytes from %d): %w", b.name, b.maxRatio, b.n, b.in.n, ErrLimit)
	}
	return n, err
}

// Read streams src (gzip is recognised by its magic bytes) through the
// format, calling fn for every parsed line. Malformed lines are counted
// and sampled, never fatal. The error is non-nil only when the stream
// itself fails (I/O, truncated gzip, a bound, ctx, fn, or an undetectable
// format); Stats is valid up to that point either way.
func (rd *Reader) Read(ctx context.Context, src io.Reader, fn Func) (Stats, error) {
	maxLine := rd.MaxLineBytes
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	br := &boundReader{name: rd.Name, max: rd.MaxBytes, maxRatio: rd.MaxRatio}
	if br.max <= 0 {
		br.max = DefaultMaxBytes
	}
	if br.maxRatio <= 0 {
		br.maxRatio = DefaultMaxRatio
	}
	var st Stats
	cr := &countReader{r: src}
	peek := bufio.NewReaderSize(cr, 4096)
	if magic, _ := peek.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(peek)
		if err != nil {
			return st, fmt.Errorf("accesslog: %s: gzip header: %w", rd.Name, err)
		}
		defer zr.Close()
		br.r, br.in = zr, cr
	} else {
		br.r = peek
	}
	if rd.Skip > 0 {
		n, err := io.CopyN(io.Discard, br, rd.Skip)
		if err != nil {
			st.Bytes = n
			if err == io.EOF {
				err = fmt.Errorf("accesslog: %s: shorter (%d bytes) than the %d bytes already read: %w", rd.Name, n, rd.Skip, io.ErrUnexpectedEOF)
			}
			return st, err
		}
	}
	base := rd.BaseOffset + rd.Skip
	in := bufio.NewReaderSize(br, maxLine+1)

	format := rd.Format
	var pending []pendingLine // lines held for Detect
	var rec Record
	var off int64 // decompressed bytes consumed
	overlong := false
	handle := func(line []byte, end int64) error {
		st.Lines++
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			st.Blank++
			return nil
		}
		if err := format.Parse(line, &rec); err != nil {
			st.Malformed++
			if len(st.Samples) < MaxSamples {
				st.Samples = append(st.Samples, Malformed{Line: rd.BaseLine + st.Lines, Text: truncate(line), Err: err.Error()})
			}
			return nil
		}
		st.Parsed++
		return fn(&rec, rd.BaseLine+st.Lines, base+end)
	}
	flushPending := func() error {
		if format == nil {
			sample := make([][]byte, len(pending))
			for i := range pending {
				sample[i] = pending[i].text
			}
			f, ok := Detect(sample)
			if !ok {
				return fmt.Errorf("accesslog: %s: first %d lines match no known format", rd.Name, len(pending))
			}
			format = f
		}
		for _, p := range pending {
			if p.overlong {
				st.Lines++
				st.Malformed++
				st.Overlong++
				if len(st.Samples) < MaxSamples {
					st.Samples = append(st.Samples, Malformed{Line: rd.BaseLine + st.Lines, Text: truncate(p.text), Err: fmt.Sprintf("line longer than %d bytes", maxLine)})
				}
				continue
			}
			if err := handle(p.text, p.end); err != nil {
				return err
			}
		}
		pending = nil
		return nil
	}
	for {
		if st.Lines&1023 == 0 {
			if err := ctx.Err(); err != nil {
				st.Bytes = off
				return st, err
			}
		}
		chunk, err := in.ReadSlice('\n')
		off += int64(len(chunk))
		if errors.Is(err, bufio.ErrBufferFull) {
			if !overlong {
				// Keep the head for the sample, drop the rest as it comes.
				overlong = true
				if format == nil {
					pending = append(pending, pendingLine{text: bytes.Clone(chunk[:min(len(chunk), sampleBytes)]), overlong: true})
				} else {
					st.Lines++
					st.Malformed++
					st.Overlong++
					if len(st.Samples) < MaxSamples {
						st.Samples = append(st.Samples, Malformed{Line: rd.BaseLine + st.Lines, Text: truncate(chunk), Err: fmt.Sprintf("line longer than %d bytes", maxLine)})
					}
				}
			}
			continue
		}
		if len(chunk) > 0 || err == nil {
			if overlong {
				overlong = false // tail of an overlong line
			} else {
				line := bytes.TrimSuffix(chunk, []byte("\n"))
				if format == nil {
					pending = append(pending, pendingLine{text: bytes.Clone(line), end: off})
					if len(pending) >= detectLines {
						if ferr := flushPending(); ferr != nil {
							st.Bytes = off
							return st, ferr
						}
					}
				} else if ferr := handle(line, off); ferr != nil {
					st.Bytes = off
					return st, ferr
				}
			}
		}
		if err != nil {
			// Lines held for Detect are delivered even when the stream
			// broke after them (a truncated gzip still yields its lines).
			if len(pending) > 0 {
				if ferr := flushPending(); ferr != nil && err == io.EOF {
					st.Bytes = off
					return st, ferr
				}
			}
			st.Bytes = off
			if format != nil {
				st.Format = format.Name()
			}
			if err == io.EOF {
				return st, nil
			}
			if errors.Is(err, ErrLimit) {
				return st, fmt.Errorf("%w (after line %d)", err, st.Lines)
			}
			return st, fmt.Errorf("accesslog: %s: after line %d (offset %d): %w", rd.Name, rd.BaseLine+st.Lines, base+off, err)
		}
	}
}

type pendingLine struct {
	text     []byte
	end      int64
	overlong bool
}

func truncate(b []byte) string {
	if len(b) > sampleBytes {
		b = b[:sampleBytes]
	}
	return string(b)
}
