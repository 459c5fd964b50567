package delivery

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Directory writes each attachment of a Message as a file in Path (for a
// shared drive, an SFTP drop or a document system that watches a folder).
// Recipients, subject and text are not written.
type Directory struct {
	Path string
}

const (
	maxDirName     = 200 // bytes of a sanitised name, leaving room for "-NNNN"
	maxNameSuffix  = 9999
	dirFileMode    = 0o640
	dirCreateMode  = 0o750
	tempFilePrefix = ".posture-" // sanitised names never start with a dot
)

// Send writes every attachment or none. Each file appears complete or not
// at all (written to a temporary file, synced, then linked into place), and
// an existing file is never replaced: "report.pdf" becomes "report-1.pdf",
// "report-2.pdf"... Receipt.Attachments[i].Path says where each went.
func (d Directory) Send(ctx context.Context, m Message) (Receipt, error) {
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("delivery: directory %s: %w", d.Path, err)
	}
	if d.Path == "" {
		return fail(fmt.Errorf("%w: no path", ErrRefused))
	}
	c, err := checkMessage(m, false)
	if err != nil {
		return fail(err)
	}
	if len(c.attachments) == 0 {
		return fail(fmt.Errorf("%w: no attachments to write", ErrInvalid))
	}
	if err := os.MkdirAll(d.Path, dirCreateMode); err != nil {
		return fail(err)
	}

	// Phase 1: every attachment into its own temporary file. Nothing is
	// visible under a real name yet, so a failure leaves no trace.
	temps := make([]string, 0, len(c.attachments))
	defer func() {
		for _, t := range temps {
			_ = os.Remove(t) // after linking the data lives on under its final name
		}
	}()
	for _, a := range c.attachments {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		t, err := writeTemp(d.Path, a.Data)
		if t != "" {
			temps = append(temps, t)
		}
		if err != nil {
			return fail(fmt.Errorf("attachment %q: %w", a.Name, err))
		}
	}

	// Phase 2: link each into place under a free name; on failure take
	// back the ones already placed so the delivery is all or nothing.
	hashes := hashAttachments(c.attachments)
	var placed []string
	for i, a := range c.attachments {
		final, err := place(temps[i], d.Path, sanitiseName(a.Name))
		if err != nil {
			for _, p := range placed {
				_ = os.Remove(p)
			}
			return fail(fmt.Errorf("attachment %q: %w", a.Name, err))
		}
		placed = append(placed, final)
		hashes[i].Path = final
	}
	syncDir(d.Path)
	return Receipt{MessageID: newMessageID(defaultHelloName()), SentAt: now(), Attachments: hashes}, nil
}

func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, tempFilePrefix+"*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(dirFileMode)
	}
	if err == nil {
		// Without the sync a crash right after linking could leave a
		// complete-looking name with missing data.
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return name, err
}

// place gives temp its final name without ever replacing a file. A hard
// link fails atomically if the name exists, which a rename does not; on
// file systems without hard links it falls back to check-then-rename,
// which is only racy against another writer choosing the same name at the
// same instant.
func place(temp, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 0; i <= maxNameSuffix; i++ {
		candidate := name
		if i > 0 {
			candidate = base + "-" + strconv.Itoa(i) + ext
		}
		final := filepath.Join(dir, candidate)
		err := os.Link(temp, final)
		if err == nil {
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if _, serr := os.Lstat(final); serr == nil {
			continue
		} else if !errors.Is(serr, fs.ErrNotExist) {
			return "", serr
		}
		if rerr := os.Rename(temp, final); rerr != nil {
			return "", fmt.Errorf("link: %w; rename: %w", err, rerr)
		}
		return final, nil
	}
	return "", fmt.Errorf("no free name for %q after %d tries", name, maxNameSuffix)
}

// syncDir makes the new directory entries durable; it is best effort
// because some systems (Windows) cannot sync a directory.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
}

// sanitiseName turns an attachment name into a safe plain file name: no
// path separators or characters Windows forbids, no control characters,
// no leading dots (hidden files, "..") or spaces, no trailing dots or
// spaces, not a Windows device name, at most maxDirName bytes with the
// extension kept.
func sanitiseName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == utf8.RuneError:
			b.WriteByte('_')
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimRight(strings.TrimLeft(b.String(), ". "), ". ")
	if s == "" {
		s = "attachment"
	}
	stem := s
	if i := strings.IndexByte(s, '.'); i >= 0 {
		stem = s[:i]
	}
	if isWindowsDevice(stem) {
		s = "_" + s
	}
	if len(s) > maxDirName {
		ext := filepath.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		s = truncateUTF8(strings.TrimSuffix(s, ext), maxDirName-len(ext)) + ext
	}
	return s
}

func isWindowsDevice(stem string) bool {
	switch u := strings.ToUpper(strings.TrimRight(stem, " ")); u {
	case "CON", "PRN", "AUX", "NUL":
		return true
	default:
		return len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '0' && u[3] <= '9'
	}
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
