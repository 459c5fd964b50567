package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/posture-dev/posture/internal/store"
)

func TestOpenSetsPragmasAndMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "p.db")
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mode string
	st.DB.Raw("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk, busy int
	st.DB.Raw("PRAGMA foreign_keys").Scan(&fk)
	st.DB.Raw("PRAGMA busy_timeout").Scan(&busy)
	if fk != 1 || busy < 1000 {
		t.Errorf("foreign_keys=%d busy_timeout=%d", fk, busy)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := st.Migrations()
	if len(applied) != len(all) || len(all) == 0 {
		t.Fatalf("applied %v of %d migrations", applied, len(all))
	}
	again, err := st.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, err %v", again, err)
	}
	pending, err := st.Pending(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	// Foreign keys are enforced: an endpoint of a missing API is refused.
	if err := st.DB.Exec("INSERT INTO endpoints (api_id, protocol, method, path, first_seen, last_seen) VALUES (999, 'rest', 'GET', '/', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err == nil {
		t.Fatal("insert violating a foreign key succeeded")
	}
}

func TestPostgresDSNIsRefusedClearly(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://u@localhost/db", nil)
	if err == nil {
		t.Fatal("postgres DSN accepted")
	}
}
