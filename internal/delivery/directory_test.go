package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestDirectoryWritesAndNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports", "q3") // created on demand
	d := Directory{Path: dir}
	m := reportMessage(t)

	var receipts []Receipt
	for i := 0; i < 3; i++ {
		if i > 0 {
			// Different bytes under the same names: an overwrite would show.
			m.Attachments = []Attachment{
				{Name: m.Attachments[0].Name, Data: randomBytes(t, 1000+i)},
				{Name: m.Attachments[1].Name, Data: randomBytes(t, 2000+i)},
			}
		}
		r, err := d.Send(context.Background(), m)
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		receipts = append(receipts, r)
		for j, h := range r.Attachments {
			data, err := os.ReadFile(h.Path)
			if err != nil {
				t.Fatalf("send %d attachment %d: %v", i, j, err)
			}
			if !bytes.Equal(data, m.Attachments[j].Data) || sha(data) != h.SHA256 || h.Name != m.Attachments[j].Name {
				t.Errorf("send %d attachment %d: file %s does not hold what was sent", i, j, h.Path)
			}
			if fi, _ := os.Stat(h.Path); fi.Mode().Perm() != dirFileMode {
				t.Errorf("%s mode %v", h.Path, fi.Mode().Perm())
			}
		}
	}
	want := []string{"posture-report-1.pdf", "posture-report-2.pdf", "posture-report.pdf", "übersicht-1.xlsx", "übersicht-2.xlsx", "übersicht.xlsx"}
	if got := listDir(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("directory holds %v, want %v (no temp files left)", got, want)
	}
	// The first delivery's files are untouched.
	for j, h := range receipts[0].Attachments {
		data, _ := os.ReadFile(filepath.Join(dir, filepath.Base(h.Path)))
		if sha(data) != receipts[0].Attachments[j].SHA256 {
			t.Errorf("%s was overwritten", h.Path)
		}
	}
}

func TestDirectorySameNameTwiceInOneMessage(t *testing.T) {
	dir := t.TempDir()
	r, err := Directory{Path: dir}.Send(context.Background(), Message{Attachments: []Attachment{
		{Name: "r.pdf", Data: []byte("one")}, {Name: "r.pdf", Data: []byte("two")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(r.Attachments[0].Path) != "r.pdf" || filepath.Base(r.Attachments[1].Path) != "r-1.pdf" {
		t.Errorf("paths %s %s", r.Attachments[0].Path, r.Attachments[1].Path)
	}
}

func TestDirectoryConcurrentWritersNeverClobber(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := []byte(fmt.Sprintf("writer %d", i))
			r, err := Directory{Path: dir}.Send(context.Background(), Message{Attachments: []Attachment{{Name: "report.pdf", Data: payload}}})
			if err != nil {
				errs <- err
				return
			}
			if got, _ := os.ReadFile(r.Attachments[0].Path); !bytes.Equal(got, payload) {
				errs <- fmt.Errorf("%s holds %q, want %q", r.Attachments[0].Path, got, payload)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := listDir(t, dir); len(got) != n {
		t.Errorf("%d files for %d writers: %v", len(got), n, got)
	}
}

func TestDirectorySanitisesNames(t *testing.T) {
	dir := t.TempDir()
	names := []string{"..hidden.pdf", " .x", "a:b*c?d<e>f|g\"h.pdf", "CON.txt", "...", "trailing. . ", "Übersicht Q3.xlsx"}
	var atts []Attachment
	for _, n := range names {
		atts = append(atts, Attachment{Name: n, Data: []byte(n)})
	}
	r, err := Directory{Path: dir}.Send(context.Background(), Message{Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hidden.pdf", "x", "a_b_c_d_e_f_g_h.pdf", "_CON.txt", "attachment", "trailing", "Übersicht Q3.xlsx"}
	for i, h := range r.Attachments {
		if got := filepath.Base(h.Path); got != want[i] || filepath.Dir(h.Path) != dir {
			t.Errorf("%q written as %q, want %q in %s", names[i], h.Path, want[i], dir)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"../../etc/passwd", "_.._etc_passwd"},
		{`..\..\boot.ini`, `_.._boot.ini`},
		{"a\x00b\nc", "a_b_c"},
		{"lpt1", "_lpt1"},
		{"com10.txt", "com10.txt"},
		{strings.Repeat("ü", 150) + ".pdf", strings.Repeat("ü", 98) + ".pdf"},
	} {
		if got := sanitiseName(tc.in); got != tc.want {
			t.Errorf("sanitiseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDirectoryRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := (Directory{}).Send(context.Background(), Message{Attachments: []Attachment{{Name: "a"}}}); !errors.Is(err, ErrRefused) {
		t.Errorf("no path: %v", err)
	}
	if _, err := (Directory{Path: dir}).Send(context.Background(), Message{Text: "no files"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no attachments: %v", err)
	}
	if _, err := (Directory{Path: dir}).Send(context.Background(), Message{Attachments: []Attachment{{Name: "../x"}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("path in name: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Directory{Path: dir}).Send(ctx, Message{Attachments: []Attachment{{Name: "a", Data: []byte("a")}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (Directory{Path: file}).Send(context.Background(), Message{Attachments: []Attachment{{Name: "a", Data: []byte("a")}}}); err == nil {
		t.Error("wrote into a file path")
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("failed sends left %v", got)
	}
}

// A failure while placing the second file takes back the first, and no
// temporary file is left: a delivery is all or nothing.
func TestDirectoryAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	// Occupy every name the second attachment could take.
	if err := os.WriteFile(filepath.Join(dir, "b.pdf"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= maxNameSuffix; i++ {
		if err := os.Link(filepath.Join(dir, "b.pdf"), filepath.Join(dir, fmt.Sprintf("b-%d.pdf", i))); err != nil {
			t.Skipf("no hard links here: %v", err)
		}
	}
	_, err := Directory{Path: dir}.Send(context.Background(), Message{Attachments: []Attachment{
		{Name: "a.pdf", Data: []byte("new a")}, {Name: "b.pdf", Data: []byte("new b")},
	}})
	if err == nil || !strings.Contains(err.Error(), "no free name") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a.pdf left behind after the delivery failed")
	}
	for _, n := range listDir(t, dir) {
		if strings.HasPrefix(n, tempFilePrefix) {
			t.Errorf("temporary file %s left behind", n)
		}
	}
	if old, _ := os.ReadFile(filepath.Join(dir, "b.pdf")); string(old) != "old" {
		t.Error("existing b.pdf was overwritten")
	}
}
