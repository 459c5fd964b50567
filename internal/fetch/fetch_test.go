package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	_ "github.com/posture-dev/posture/collectors/openapi"
	"github.com/posture-dev/posture/internal/fetch"
	"github.com/posture-dev/posture/internal/testutil"
)

func readCorpus(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, "specs/openapi/vampi/openapi3.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestURLsAreFetchedIntoTheSourceFS(t *testing.T) {
	spec := readCorpus(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/specs/openapi3.yml", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(spec)
	})
	mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(spec)
		zw.Close()
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	t.Setenv("SPEC_AUTH", "Authorization: Bearer s3cret")

	f := &fetch.Fetcher{}
	src := collectors.Source{Name: "s", Kind: "openapi", Paths: []string{ts.URL + "/specs/openapi3.yml", ts.URL + "/gz"},
		Options: map[string]string{fetch.OptHeaderEnv: "SPEC_AUTH"}}
	got, err := f.Resolve(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Paths) != 2 || !strings.HasSuffix(got.Paths[0], "/specs/openapi3.yml") {
		t.Fatalf("paths = %q", got.Paths)
	}
	for _, p := range got.Paths {
		data, err := fs.ReadFile(got.FS, p)
		if err != nil || !bytes.Equal(data, spec) {
			t.Errorf("%s: %d bytes (%v), want the %d bytes served (gzip undone)", p, len(data), err, len(spec))
		}
	}

	// The fetched file is collected like a local one.
	c, err := collectors.Get("openapi")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c.Collect(context.Background(), got, countSink{&n}); err != nil || n == 0 {
		t.Fatalf("collecting the fetched spec: %d endpoints, %v", n, err)
	}
}

type countSink struct{ n *int }

func (s countSink) API(collectors.API) error           { return nil }
func (s countSink) Endpoint(collectors.Endpoint) error { *s.n++; return nil }
func (s countSink) Evidence(collectors.Evidence) error { return nil }
func (s countSink) Finding(collectors.Finding) error   { return nil }

func TestURLFailuresNameTheURLAndHideSecrets(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write(bytes.Repeat([]byte("a"), 4096))
			return
		}
		http.NotFound(w, r)
	}))
	defer ts.Close()
	f := &fetch.Fetcher{Limits: fetch.Limits{MaxFileBytes: 1024}}
	secretURL := strings.Replace(ts.URL, "http://", "http://user:hunter2@", 1) + "/missing.yaml"
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{secretURL}, "HTTP 404"},
		{[]string{ts.URL + "/big"}, "larger than 1024 bytes"},
		{[]string{ts.URL + "/big", "/etc/passwd"}, "takes only URLs"},
		{[]string{"http://127.0.0.1:1/x.yaml"}, "127.0.0.1:1/x.yaml"},
	} {
		_, err := f.Resolve(context.Background(), collectors.Source{Name: "s", Kind: "openapi", Paths: tc.paths})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to say %q", tc.paths, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the error leaks the password: %v", tc.paths, err)
		}
	}
}

// git runs git in dir for the test, with an identity and no user config.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// repoWithTwoCommits makes a repository whose first commit has the real
// VAmPI description and whose second changes its title.
func repoWithTwoCommits(t *testing.T) (dir, first, second string, v1, v2 []byte) {
	if _, err := exec.LookPath("git"); err != nil {
		testutil.Missing(t, "git", "apt-get install git")
	}
	dir = filepath.Join(t.TempDir(), "payments-api")
	os.MkdirAll(filepath.Join(dir, "specs"), 0o755)
	v1 = readCorpus(t)
	v2 = bytes.Replace(v1, []byte("title: VAmPI"), []byte("title: VAmPI v2"), 1)
	if bytes.Equal(v1, v2) {
		t.Fatal("test premise: the VAmPI title line changed")
	}
	git(t, dir, "init", "-q")
	os.WriteFile(filepath.Join(dir, "specs", "openapi3.yml"), v1, 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("readme"), 0o644)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "v1")
	first = git(t, dir, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, "specs", "openapi3.yml"), v2, 0o644)
	git(t, dir, "commit", "-q", "-am", "v2")
	git(t, dir, "tag", "v2")
	second = git(t, dir, "rev-parse", "HEAD")
	// An uncommitted edit: git sources read commits, never the work tree.
	os.WriteFile(filepath.Join(dir, "specs", "openapi3.yml"), []byte("uncommitted"), 0o644)
	return dir, first, second, v1, v2
}

func TestGitReadsTheCommitAtTheRef(t *testing.T) {
	dir, first, second, v1, v2 := repoWithTwoCommits(t)
	f := &fetch.Fetcher{}
	for _, tc := range []struct {
		name, repo, ref string
		commit          string
		want            []byte
	}{
		{"working copy at HEAD", dir, "", second, v2},
		{"working copy at the first commit", dir, first, first, v1},
		{"working copy at a tag", dir, "v2", second, v2},
		{"clone over file:// at HEAD", "file://" + dir, "", second, v2},
		{"clone over file:// at a tag", "file://" + dir, "v2", second, v2},
		{"clone over file:// at a commit", "file://" + dir, first, first, v1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := collectors.Source{Name: "s", Kind: "openapi", Paths: []string{"specs"},
				Options: map[string]string{fetch.OptGit: tc.repo, fetch.OptGitRef: tc.ref}}
			got, err := f.Resolve(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			wantDir := "payments-api@" + tc.commit[:12] + "/specs"
			if len(got.Paths) != 1 || got.Paths[0] != wantDir {
				t.Fatalf("paths = %q, want [%s]", got.Paths, wantDir)
			}
			data, err := fs.ReadFile(got.FS, wantDir+"/openapi3.yml")
			if err != nil || !bytes.Equal(data, tc.want) {
				t.Errorf("content at %s: %.40q (%v)", tc.commit[:12], data, err)
			}
			if _, err := fs.Stat(got.FS, "payments-api@"+tc.commit[:12]+"/README.md"); err == nil {
				t.Error("README.md was fetched although only specs/ was asked for")
			}
		})
	}
}

func TestGitErrors(t *testing.T) {
	dir, _, _, _, _ := repoWithTwoCommits(t)
	f := &fetch.Fetcher{}
	for _, tc := range []struct {
		paths []string
		ref   string
		want  string
	}{
		{[]string{"../outside"}, "", "must be relative to the repository root"},
		{[]string{"nope.yaml"}, "", "nope.yaml"},
		{[]string{"specs"}, "no-such-branch", `ref "no-such-branch"`},
		{[]string{"specs"}, "--upload-pack=touch /tmp/x", "not a ref"},
	} {
		src := collectors.Source{Name: "s", Paths: tc.paths, Options: map[string]string{fetch.OptGit: dir, fetch.OptGitRef: tc.ref}}
		if _, err := f.Resolve(context.Background(), src); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q at %q: err = %v, want %q", tc.paths, tc.ref, err, tc.want)
		}
	}
}
