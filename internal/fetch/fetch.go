// Package fetch brings remote inputs of a source into memory before its
// collector runs: paths that are http(s) URLs, and sources that name a git
// repository (a local working copy or a remote) and a ref. Collectors then
// read everything through Source.FS as they read local files, so every
// collector gains URLs and git for free and none of them does network I/O
// of its own.
//
// Everything fetched is bounded (bytes per file, bytes in total, files,
// time), and what was fetched is named in the artifact: a URL's host and
// path, or "<repo>@<commit>/<path>" for git, so an auditor can tell which
// commit a score came from.
package fetch

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/posture-dev/posture/collectors"
)

// Limits bound what one source may fetch.
type Limits struct {
	MaxFileBytes  int64         // one file (one URL, one file of a git tree)
	MaxTotalBytes int64         // everything fetched for the source
	MaxFiles      int           // files taken from a git tree
	Timeout       time.Duration // one HTTP request, one git command
}

// DefaultLimits match the collectors' own file limit (64 MiB) with room
// for a repository of many descriptions.
var DefaultLimits = Limits{MaxFileBytes: 64 << 20, MaxTotalBytes: 256 << 20, MaxFiles: 20000, Timeout: 2 * time.Minute}

// Options read from a source's options.
const (
	// OptGit names a repository: a local working copy (a directory) or a
	// URL git can clone (https://, ssh://, file://, git@host:path).
	OptGit = "git"
	// OptGitRef is the commit, branch or tag to read (default HEAD).
	OptGitRef = "git_ref"
	// OptHeaderEnv names an environment variable holding one HTTP header
	// sent with URL fetches ("Authorization: Bearer ..."), so a secret
	// never sits in the configuration file.
	OptHeaderEnv = "http_header_env"
)

// IsURL reports whether a source path is an http(s) URL.
func IsURL(p string) bool {
	return strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://")
}

// Needed reports whether src has anything to fetch.
func Needed(src collectors.Source) bool {
	if src.FS != nil {
		return false
	}
	if src.Options[OptGit] != "" {
		return true
	}
	for _, p := range src.Paths {
		if IsURL(p) {
			return true
		}
	}
	return false
}

// Fetcher fetches remote inputs.
type Fetcher struct {
	Limits Limits
	Client *http.Client // nil: a client with Limits.Timeout
	// UserAgent is sent with HTTP requests.
	UserAgent string
}

// Resolve returns src with its remote inputs fetched into an in-memory
// Source.FS and its paths rewritten to name them there. A source with
// nothing remote is returned as it is. With git, every path is a path in
// the repository (a file or a directory, "." for all of it); a source may
// not mix git with local paths or URLs.
func (f *Fetcher) Resolve(ctx context.Context, src collectors.Source) (collectors.Source, error) {
	if !Needed(src) {
		return src, nil
	}
	lim := f.limits()
	mfs := fstest.MapFS{}
	b := &budget{lim: lim}
	out := src
	out.Paths = nil
	if repo := src.Options[OptGit]; repo != "" {
		paths, err := f.git(ctx, repo, cmp.Or(src.Options[OptGitRef], "HEAD"), src.Paths, mfs, b)
		if err != nil {
			return src, fmt.Errorf("git %s: %w", repo, err)
		}
		out.Paths = paths
	} else {
		for _, p := range src.Paths {
			if !IsURL(p) {
				return src, fmt.Errorf("%s: a source with URLs takes only URLs (local paths belong in a source of their own)", p)
			}
		}
		for _, p := range src.Paths {
			name, err := f.get(ctx, p, src.Options[OptHeaderEnv], mfs, b)
			if err != nil {
				return src, err
			}
			out.Paths = append(out.Paths, name)
		}
	}
	out.FS = mfs
	return out, nil
}

func (f *Fetcher) limits() Limits {
	lim := f.Limits
	d := DefaultLimits
	if lim.MaxFileBytes <= 0 {
		lim.MaxFileBytes = d.MaxFileBytes
	}
	if lim.MaxTotalBytes <= 0 {
		lim.MaxTotalBytes = d.MaxTotalBytes
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = d.MaxFiles
	}
	if lim.Timeout <= 0 {
		lim.Timeout = d.Timeout
	}
	return lim
}

// budget counts what a source has fetched so far.
type budget struct {
	lim   Limits
	bytes int64
	files int
}

func (b *budget) take(name string, n int64) error {
	b.bytes += n
	b.files++
	if b.bytes > b.lim.MaxTotalBytes {
		return fmt.Errorf("%s: the source exceeds %d bytes in total", name, b.lim.MaxTotalBytes)
	}
	if b.files > b.lim.MaxFiles {
		return fmt.Errorf("%s: the source exceeds %d files", name, b.lim.MaxFiles)
	}
	return nil
}

// get fetches one URL into mfs and returns its name there: host and path,
// so a file's own name (and extension) survives for detection and display.
func (f *Fetcher) get(ctx context.Context, raw, headerEnv string, mfs fstest.MapFS, b *budget) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%s: not a URL", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, b.lim.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", redact(u), err)
	}
	req.Header.Set("Accept", "application/json, application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.5")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if headerEnv != "" {
		h := os.Getenv(headerEnv)
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return "", fmt.Errorf("%s: option %s: environment variable %s must hold one header, \"Name: value\"", redact(u), OptHeaderEnv, headerEnv)
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: b.lim.Timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the URL, userinfo included: say it once, redacted.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("%s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: HTTP %s", redact(u), resp.Status)
	}
	// The transport undoes gzip itself; the limit applies to the bytes
	// after decompression, which bounds a compression bomb too.
	data, err := io.ReadAll(io.LimitReader(resp.Body, b.lim.MaxFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("%s: reading the body: %w", redact(u), err)
	}
	if int64(len(data)) > b.lim.MaxFileBytes {
		return "", fmt.Errorf("%s: larger than %d bytes", redact(u), b.lim.MaxFileBytes)
	}
	name := fsName(u)
	if err := b.take(name, int64(len(data))); err != nil {
		return "", err
	}
	mfs[name] = &fstest.MapFile{Data: data, Mode: 0o444, ModTime: time.Now()}
	return name, nil
}

// redact drops a URL's password, which must never reach a log or a run.
func redact(u *url.URL) string { return u.Redacted() }

// fsName is where a URL's body lives in the source FS: "host/path", with
// a query folded into the last element so two URLs never collide and a
// path ending in "/" still names a file.
func fsName(u *url.URL) string {
	p := path.Clean("/" + u.EscapedPath())
	if p == "/" {
		p = "/index"
	}
	name := strings.TrimPrefix(u.Host+p, "/")
	name = strings.ReplaceAll(name, ":", "_") // host:port
	if u.RawQuery != "" {
		name += "_" + strings.NewReplacer("/", "_", "&", "_", "=", "-").Replace(u.RawQuery)
	}
	return name
}

// git reads paths of repo at ref into mfs under "<name>@<commit12>/" and
// returns them as paths in mfs.
func (f *Fetcher) git(ctx context.Context, repo, ref string, paths []string, mfs fstest.MapFS, b *budget) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("git is not installed (apt-get install git)")
	}
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("ref %q: not a ref", ref)
	}
	dir := repo
	if !isLocalDir(repo) {
		tmp, err := os.MkdirTemp("", "posture-git-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if err := f.clone(ctx, repo, ref, tmp, b.lim); err != nil {
			return nil, err
		}
		dir = tmp
	}
	sha, err := run(ctx, b.lim, dir, "rev-parse", "--verify", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("ref %q: %w", ref, err)
	}
	commit := strings.TrimSpace(string(sha))
	var rels []string
	for _, p := range paths {
		rel := path.Clean(filepath.ToSlash(p))
		if path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, fmt.Errorf("path %q: must be relative to the repository root", p)
		}
		rels = append(rels, rel)
	}
	args := append([]string{"archive", "--format=tar", commit, "--"}, rels...)
	tarball, err := run(ctx, b.lim, dir, args...)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", strings.Join(rels, ", "), commit[:12], err)
	}
	prefix := repoName(repo) + "@" + commit[:12]
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive of %s: %w", commit[:12], err)
		}
		if h.Typeflag != tar.TypeReg {
			continue // directories are implied; symlinks are not followed
		}
		name := path.Join(prefix, path.Clean(h.Name))
		if !fs.ValidPath(name) {
			continue
		}
		if h.Size > b.lim.MaxFileBytes {
			return nil, fmt.Errorf("%s: larger than %d bytes", name, b.lim.MaxFileBytes)
		}
		if err := b.take(name, h.Size); err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		mfs[name] = &fstest.MapFile{Data: data, Mode: 0o444, ModTime: h.ModTime}
	}
	out := make([]string, 0, len(rels))
	for _, rel := range rels {
		out = append(out, path.Join(prefix, rel))
	}
	return out, nil
}

// clone makes a shallow clone of ref when ref is a branch or tag, else a
// full clone (a commit id cannot be fetched shallowly from every server).
func (f *Fetcher) clone(ctx context.Context, repo, ref, dir string, lim Limits) error {
	if ref != "HEAD" && !looksLikeCommit(ref) {
		if _, err := run(ctx, lim, "", "clone", "--quiet", "--no-checkout", "--depth", "1", "--branch", ref, "--end-of-options", repo, dir); err == nil {
			return nil
		}
	}
	if ref == "HEAD" {
		_, err := run(ctx, lim, "", "clone", "--quiet", "--no-checkout", "--depth", "1", "--end-of-options", repo, dir)
		return err
	}
	_, err := run(ctx, lim, "", "clone", "--quiet", "--no-checkout", "--end-of-options", repo, dir)
	return err
}

func looksLikeCommit(ref string) bool {
	if len(ref) < 7 || len(ref) > 64 {
		return false
	}
	_, err := strconv.ParseUint(ref[:7], 16, 64)
	return err == nil && strings.Trim(ref, "0123456789abcdef") == ""
}

func isLocalDir(repo string) bool {
	if strings.Contains(repo, "://") || (strings.Contains(repo, "@") && strings.Contains(repo, ":")) {
		return false
	}
	st, err := os.Stat(repo)
	return err == nil && st.IsDir()
}

// repoName is the last element of a repository path or URL without
// ".git": the name a person knows the repository by.
func repoName(repo string) string {
	r := strings.TrimRight(filepath.ToSlash(repo), "/")
	if i := strings.LastIndexAny(r, "/:"); i >= 0 {
		r = r[i+1:]
	}
	r = strings.TrimSuffix(r, ".git")
	if r == "" || r == "." || r == ".." {
		return "repo"
	}
	return r
}

// run runs git with a bounded time and output, no terminal prompts and
// no user or system configuration that could run hooks or helpers.
func run(ctx context.Context, lim Limits, dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &stdout, n: lim.MaxTotalBytes + 1<<20}
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.Bytes(), nil
}

// limitedWriter fails once more than n bytes were written, which stops a
// git process whose output would not fit the budget anyway.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errors.New("output exceeds the fetch limit")
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
