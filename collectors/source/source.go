// Package source resolves a collector Source's paths to files: the
// filesystem behind them, a deterministic listing, bounded reads.
package source

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/posture-dev/posture/collectors"
)

// Root is one path of a Source resolved to a filesystem: a file, or a
// directory tree to list.
type Root struct {
	// FS holds the files: src.FS (or a sub-tree of it) when the Source has
	// one, else the OS directory Dir.
	FS fs.FS
	// Start is the path's own name in FS: the directory to list, or the
	// named file.
	Start string
	// IsDir reports whether the path names a directory.
	IsDir bool
	// Dir is the OS directory FS reads (the path itself, or the named
	// file's directory); "" when the files come from src.FS.
	Dir string

	path   string // as given in src.Paths
	prefix string // src.FS mode: the directory FS is rooted at
	close  func() error
}

// Open resolves p, a path of src, read through src.FS when set (p is then
// cleaned to a slash-separated path inside it), else from the OS.
//
// With confine, FS is rooted at the directory p names (or p's directory)
// and Start is "." or the file's name in it; in the OS that root is an
// os.Root, so symlinks and ".." cannot lead out of it. This is for
// collectors that follow references between files (which must stay in the
// root). Without confine, FS is src.FS itself (Start being p's cleaned
// path), or os.DirFS of the directory.
//
// Errors are not prefixed with the collector's kind: a path missing from
// src.FS gives "p: <fs error>", a path missing from the OS the *fs.PathError
// of os.Stat. Close the Root when done with its files.
func Open(src collectors.Source, p string, confine bool) (*Root, error) {
	r := &Root{path: p, close: func() error { return nil }}
	if src.FS != nil {
		fp := strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "/")
		if fp == "" {
			fp = "."
		}
		st, err := fs.Stat(src.FS, fp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		r.IsDir = st.IsDir()
		r.FS, r.Start = src.FS, fp
		if confine {
			dir := fp
			r.Start = "."
			if !r.IsDir {
				dir, r.Start = path.Dir(fp), path.Base(fp)
			}
			if r.FS, err = fs.Sub(src.FS, dir); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			r.prefix = dir
		}
		return r, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	r.IsDir = st.IsDir()
	r.Dir, r.Start = p, "."
	if !r.IsDir {
		r.Dir, r.Start = filepath.Dir(p), filepath.Base(p)
	}
	if !confine {
		r.FS = os.DirFS(r.Dir)
		return r, nil
	}
	root, err := os.OpenRoot(r.Dir)
	if err != nil {
		return nil, err
	}
	r.FS, r.close = root.FS(), root.Close
	return r, nil
}

// Close releases the OS root of a confined Root.
func (r *Root) Close() error { return r.close() }

// Display is the name of a file of r (rel, a path in r.FS) in messages
// and artifacts: the path as given for a named file, else the file's path
// under it (in src.FS's slash form, or the OS's).
func (r *Root) Display(rel string) string {
	if r.Dir == "" {
		return path.Join(r.prefix, rel)
	}
	if !r.IsDir && rel == r.Start {
		return r.path
	}
	return filepath.Join(r.Dir, filepath.FromSlash(rel))
}

// List walks the directory tree at r.Start and returns the paths in r.FS of
// the regular files for which keep (given the path) reports true, in the
// order fs.WalkDir visits them (lexical within each directory). Hidden
// directories (".git", ".cache") below the start are skipped; hidden files
// are left to keep. An error names the file's display name.
func (r *Root) List(keep func(rel string) bool) ([]string, error) {
	var out []string
	err := fs.WalkDir(r.FS, r.Start, func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", r.Display(rel), err)
		}
		if d.IsDir() {
			if rel != r.Start && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && keep(rel) {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// Head reads at most n bytes from the start of the file rel in fsys: enough
// to detect its format without reading a large file whole.
func Head(fsys fs.FS, rel string, n int) ([]byte, error) {
	fh, err := fsys.Open(rel)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	head := make([]byte, n)
	m, err := io.ReadFull(fh, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return head[:m], nil
}
