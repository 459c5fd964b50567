package scan

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
	"github.com/posture-dev/posture/internal/safedecode"
)

// HeadSize is how much of a file Detect sees when a directory is walked.
const HeadSize = 64 << 10

// DetectFunc is a collector's Detect: does the file (its name and its
// first HeadSize bytes, perhaps cut mid-value) hold a report of its kind?
type DetectFunc func(name string, head []byte) bool

// ParseFunc is a collector's Parse: one report file (its display name,
// its bytes, the source's settings) to what it yields.
type ParseFunc func(name string, data []byte, src collectors.Source) (*Result, error)

// Collect is a scan collector's Collect: it walks the source's paths,
// each a file or a directory tree. A file named explicitly must parse; in
// a directory only the files detect recognises from their first HeadSize
// bytes are read, of those f.Candidate keeps (and not in hidden
// directories). Files are read through safedecode (f.Limits); each file's
// warnings (prefixed with its name), then its evidence, then its findings
// go to sink. A file reached twice (two overlapping paths) is read once.
// The first error stops the walk.
func (f Format) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink, detect DetectFunc, parse ParseFunc) error {
	if len(src.Paths) == 0 {
		return fmt.Errorf("%s: source %q: no paths to read", f.Kind, src.Name)
	}
	done := map[string]bool{}
	for _, p := range src.Paths {
		if err := f.collectPath(ctx, src, p, sink, detect, parse, done); err != nil {
			return err
		}
	}
	return nil
}

func (f Format) collectPath(ctx context.Context, src collectors.Source, p string, sink collectors.Sink,
	detect DetectFunc, parse ParseFunc, done map[string]bool) error {
	root, err := source.Open(src, p, false)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Kind, err)
	}
	defer root.Close()
	rels := []string{root.Start}
	if root.IsDir {
		keep := func(rel string) bool { return f.Candidate == nil || f.Candidate(path.Base(rel)) }
		if rels, err = root.List(keep); err != nil {
			return fmt.Errorf("%s: %w", f.Kind, err)
		}
	}
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return err
		}
		display := root.Display(rel)
		if done[display] {
			continue
		}
		done[display] = true
		if root.IsDir {
			head, err := source.Head(root.FS, rel, HeadSize)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", f.Kind, display, err)
			}
			if !detect(display, head) {
				continue
			}
		}
		data, err := safedecode.ReadFile(root.FS, rel, f.Limits)
		if err != nil {
			var se *safedecode.Error
			if errors.As(err, &se) {
				return &Error{Kind: f.Kind, File: display, Msg: se.Msg, Err: se.Kind}
			}
			return fmt.Errorf("%s: %s: %w", f.Kind, display, err)
		}
		res, err := parse(display, data, src)
		if err != nil {
			return err
		}
		if err := emit(ctx, sink, display, res); err != nil {
			return err
		}
	}
	return nil
}

// emit sends one file's result to sink: warnings, evidence, findings.
func emit(ctx context.Context, sink collectors.Sink, display string, res *Result) error {
	if err := collectors.WarnFile(sink, display, res.Warnings); err != nil {
		return err
	}
	for _, ev := range res.Evidence {
		if err := sink.Evidence(ev); err != nil {
			return err
		}
	}
	for i, fd := range res.Findings {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sink.Finding(fd); err != nil {
			return err
		}
	}
	return nil
}
