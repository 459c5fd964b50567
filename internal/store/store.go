// Package store is posture's persistence: opening the database (embedded
// SQLite by default), applying the embedded migrations, and the typed
// queries the services use. Services own transactions; functions here take
// a *gorm.DB that may be a transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/posture-dev/posture/migrations"
)

// Store wraps the database handle.
type Store struct {
	DB      *gorm.DB
	Dialect string // "sqlite"
	// Path is the SQLite file, "" for other dialects.
	Path string
}

// DefaultDataDir is $POSTURE_DATA, else ~/.local/share/posture.
func DefaultDataDir() string {
	if d := os.Getenv("POSTURE_DATA"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "posture")
	}
	return "posture-data"
}

// Open opens the database named by dsn: a postgres:// URL selects
// PostgreSQL (not yet supported), anything else is an SQLite file path
// ("" means posture.db in the default data directory).
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, errors.New("store: PostgreSQL is not supported yet; use an SQLite path")
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if path == "" {
		path = filepath.Join(DefaultDataDir(), "posture.db")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
	}
	// WAL lets dashboards read while a collector writes; foreign keys are
	// off by default in SQLite; busy_timeout waits for the writer instead
	// of failing; _txlock=immediate takes the write lock at BEGIN so two
	// writers queue rather than deadlock on lock upgrade.
	q := "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate&_synchronous=NORMAL"
	full := "file:" + path + q
	if path == ":memory:" {
		full = "file::memory:?cache=shared&_foreign_keys=on&_txlock=immediate"
	}
	gl := logger.Discard
	db, err := gorm.Open(sqlite.Open(full), &gorm.Config{Logger: gl, NowFunc: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sqlDB.SetMaxOpenConns(8)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	var fk int
	if err := db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
		return nil, fmt.Errorf("store: sqlite %s: foreign keys could not be enabled", path)
	}
	_ = log
	return &Store{DB: db, Dialect: "sqlite", Path: path}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Migration is one embedded migration file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations for the store's dialect.
func (s *Store) Migrations() ([]Migration, error) {
	return loadMigrations(migrations.SQLite, "sqlite")
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migrations: %s: name must start with a number and '_'", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations: %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("migrations: %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the names it applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	db := s.DB.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	all, err := s.Migrations()
	if err != nil {
		return nil, err
	}
	var done []int
	if err := db.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	have := map[int]bool{}
	for _, v := range done {
		have[v] = true
	}
	var applied []string
	for _, m := range all {
		if have[m.Version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := execScript(tx, m.SQL); err != nil {
				return err
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UTC()).Error
		})
		if err != nil {
			return applied, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		applied = append(applied, m.Name)
	}
	return applied, nil
}

// Pending reports migrations not yet applied (readiness uses it).
func (s *Store) Pending(ctx context.Context) ([]string, error) {
	all, err := s.Migrations()
	if err != nil {
		return nil, err
	}
	var done []int
	if err := s.DB.WithContext(ctx).Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	have := map[int]bool{}
	for _, v := range done {
		have[v] = true
	}
	var out []string
	for _, m := range all {
		if !have[m.Version] {
			out = append(out, m.Name)
		}
	}
	return out, nil
}

// execScript runs a multi-statement SQL script. mattn/go-sqlite3 executes
// every statement of a multi-statement Exec, triggers included.
func execScript(tx *gorm.DB, script string) error {
	return tx.Exec(script).Error
}
