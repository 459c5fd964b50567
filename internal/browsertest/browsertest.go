// Package browsertest runs a headless Chromium for end-to-end tests of the
// dashboards through chromedp.
//
// New finds the browser ($POSTURE_CHROMIUM, /usr/bin/chromium,
// chromium-browser or google-chrome). Without one the test is skipped with
// an install hint, or fails when POSTURE_REQUIRE_E2E=1 (see testutil.Missing).
// Screenshot saves full-page PNGs to $POSTURE_SCREENSHOTS when it is set, so
// people can look at the pages a test visited.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/posture-dev/posture/internal/testutil"
)

// Timeout bounds everything one test does with its browser: start-up,
// navigation, queries and shutdown.
const Timeout = 60 * time.Second

// Viewport is the size of the emulated window (screenshots are as wide as
// this and as tall as the page).
const (
	ViewportWidth  = 1280
	ViewportHeight = 900
)

// FindChromium returns the path of a Chromium (or Chrome) binary, or ""
// when none is installed.
func FindChromium() string {
	if p := os.Getenv("POSTURE_CHROMIUM"); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
		return ""
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(name); err == nil {
			return full
		}
	}
	return ""
}

// Require returns the Chromium binary, or skips t with an install hint
// (fails it under POSTURE_REQUIRE_E2E=1) when there is none. Call it before
// expensive set-up that only a browser test needs.
func Require(t testing.TB) string {
	t.Helper()
	path := FindChromium()
	if path == "" {
		what := "chromium"
		if p := os.Getenv("POSTURE_CHROMIUM"); p != "" {
			what = "chromium (POSTURE_CHROMIUM=" + p + " not found)"
		}
		testutil.Missing(t, what, "apt-get install chromium chromium-driver")
	}
	return path
}

// New starts a headless Chromium for t and returns a chromedp context for
// one tab of it. The browser runs with a fresh profile in t.TempDir(), all
// of it is stopped at t.Cleanup, and the context ends after Timeout.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Require(t)
	profile := filepath.Join(t.TempDir(), "chromium-profile")

	// The browser's own output, shown when the test fails.
	var output lockedBuffer
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&output),
	}

	// chromedp may report errors from its own goroutines after the test
	// has returned; t.Logf must not be called then.
	var mu sync.Mutex
	done := false
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf("chromedp: "+format, args...)
		}
	}

	base, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))

	t.Cleanup(func() {
		if t.Failed() {
			if out := browserLog(output.String()); out != "" {
				t.Logf("chromium output:\n%s", out)
			}
		}
		// Close the browser gracefully (bounded), then free everything.
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		cancel()
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
		mu.Lock()
		done = true
		mu.Unlock()
		// Helper processes (crashpad) can write to the profile for a
		// moment after the browser exits; remove it here, retrying, so
		// that t.TempDir's own removal does not fail the test.
		removeAllRetry(profile, 5*time.Second)
	})

	// Start the browser now, so a broken installation fails here and not
	// in the middle of the test, and fix the window size for screenshots.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(ViewportWidth, ViewportHeight)); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return ctx
}

// ScreenshotDir is $POSTURE_SCREENSHOTS: where Screenshot writes, or ""
// when screenshots are off.
func ScreenshotDir() string { return os.Getenv("POSTURE_SCREENSHOTS") }

// Screenshot saves a full-page PNG of the current page as
// $POSTURE_SCREENSHOTS/<name>.png. It does nothing when the variable is
// unset. A failure to capture or write fails the test.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := ScreenshotDir()
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot dir: %v", err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("browsertest: write screenshot: %v", err)
	}
	t.Logf("screenshot: %s", file)
}

// removeAllRetry removes dir, retrying while something still writes in it.
func removeAllRetry(dir string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		err := os.RemoveAll(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// browserLog is the browser's output without the noise of a machine with
// no D-Bus (every container): the last 40 other lines.
func browserLog(out string) string {
	var keep []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "dbus") || strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	if len(keep) > 40 {
		keep = keep[len(keep)-40:]
	}
	return strings.Join(keep, "\n")
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
