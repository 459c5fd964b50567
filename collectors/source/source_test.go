package source

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
)

// tree is the layout both the OS and the fstest.MapFS cases hold, under
// the directory "cfg".
var tree = map[string]string{
	"cfg/b.yaml":        "b",
	"cfg/a.yaml":        "a",
	"cfg/a/z.yaml":      "z",
	"cfg/.hidden.yaml":  "hidden file",
	"cfg/.git/x.yaml":   "hidden dir",
	"cfg/notes.txt":     "not kept",
	"cfg/sub/c.yml":     "c",
	"cfg/sub/.d/e.yaml": "hidden dir below",
}

func yamlNotHidden(rel string) bool {
	return !strings.HasPrefix(path.Base(rel), ".") && (path.Ext(rel) == ".yaml" || path.Ext(rel) == ".yml")
}

func TestOpenList(t *testing.T) {
	osDir := t.TempDir()
	mfs := fstest.MapFS{}
	for name, data := range tree {
		mfs[name] = &fstest.MapFile{Data: []byte(data)}
		full := filepath.Join(osDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	osRoot := filepath.Join(osDir, "cfg")
	cases := []struct {
		name    string
		src     collectors.Source
		p       string
		confine bool
		want    []string // display names, in listing order
	}{
		{"os", collectors.Source{}, osRoot, false, []string{
			filepath.Join(osRoot, "a", "z.yaml"), filepath.Join(osRoot, "a.yaml"),
			filepath.Join(osRoot, "b.yaml"), filepath.Join(osRoot, "sub", "c.yml")}},
		{"os confined", collectors.Source{}, osRoot, true, []string{
			filepath.Join(osRoot, "a", "z.yaml"), filepath.Join(osRoot, "a.yaml"),
			filepath.Join(osRoot, "b.yaml"), filepath.Join(osRoot, "sub", "c.yml")}},
		{"mapfs", collectors.Source{FS: mfs}, "/cfg/", false, []string{
			"cfg/a/z.yaml", "cfg/a.yaml", "cfg/b.yaml", "cfg/sub/c.yml"}},
		{"mapfs confined", collectors.Source{FS: mfs}, "cfg", true, []string{
			"cfg/a/z.yaml", "cfg/a.yaml", "cfg/b.yaml", "cfg/sub/c.yml"}},
		{"mapfs file", collectors.Source{FS: mfs}, "cfg/sub/c.yml", true, []string{"cfg/sub/c.yml"}},
		{"os file", collectors.Source{}, filepath.Join(osRoot, "b.yaml"), false, []string{filepath.Join(osRoot, "b.yaml")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.src, tc.p, tc.confine)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rels := []string{r.Start}
			if r.IsDir {
				if rels, err = r.List(yamlNotHidden); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, rel := range rels {
				if _, err := fs.Stat(r.FS, rel); err != nil {
					t.Errorf("listed %s, not in FS: %v", rel, err)
				}
				got = append(got, r.Display(rel))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestOpenMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	for _, tc := range []struct {
		name string
		src  collectors.Source
		p    string
	}{
		{"os", collectors.Source{}, missing},
		{"mapfs", collectors.Source{FS: fstest.MapFS{}}, "specs/nope.yaml"},
	} {
		for _, confine := range []bool{false, true} {
			_, err := Open(tc.src, tc.p, confine)
			if err == nil || !strings.Contains(err.Error(), tc.p) || !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s confine=%v: err = %v, want a not-exist error naming %s", tc.name, confine, err, tc.p)
			}
		}
	}
}

func TestHead(t *testing.T) {
	mfs := fstest.MapFS{"f": {Data: []byte("0123456789")}}
	for _, tc := range []struct {
		n    int
		want string
	}{{4, "0123"}, {10, "0123456789"}, {64, "0123456789"}} {
		got, err := Head(mfs, "f", tc.n)
		if err != nil || string(got) != tc.want {
			t.Errorf("Head(%d) = %q, %v; want %q", tc.n, got, err, tc.want)
		}
	}
	if _, err := Head(mfs, "missing", 4); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Head(missing) err = %v", err)
	}
}
