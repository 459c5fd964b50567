// Package storetest opens a migrated throwaway SQLite store for tests.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/posture-dev/posture/internal/store"
)

// Open returns a migrated store in t.TempDir(), closed at cleanup.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
