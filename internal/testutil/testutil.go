// Package testutil holds helpers shared by tests: where the shared corpus
// lives, and the policy for tests that need an external component
// (skip with an install hint on a laptop, fail in CI).
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireE2E reports whether tests that need external components
// (chromium, postgresql, the shared corpus) must fail instead of skip.
// CI sets POSTURE_REQUIRE_E2E=1.
func RequireE2E() bool { return os.Getenv("POSTURE_REQUIRE_E2E") == "1" }

// Missing skips the test naming what to install, or fails it when
// POSTURE_REQUIRE_E2E=1.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if RequireE2E() {
		t.Fatalf("%s is required (POSTURE_REQUIRE_E2E=1) but not available; install: %s", what, install)
	}
	t.Skipf("%s not available; install %s to run this test", what, install)
}

// RepoRoot returns the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testutil: go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// SharedDir returns the shared directory (corpus, data, bench): $POSTURE_SHARED
// or ../shared from the repository root. It skips (or fails under
// POSTURE_REQUIRE_E2E=1) when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("POSTURE_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "corpus")); err != nil {
		Missing(t, "the shared corpus ("+dir+")", "a checkout of shared/ beside the repository, or set POSTURE_SHARED")
	}
	return dir
}

// Corpus returns the path of a file or directory under shared/corpus.
func Corpus(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(SharedDir(t), "corpus", filepath.FromSlash(rel))
}
