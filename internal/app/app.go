// Package app wires posture's components together from a config: the
// store (migrated), the catalog, scoring, ingest and auth services. The
// commands in cmd/posture build on it so serve, demo, collect and ingest
// behave the same way.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/posture-dev/posture/catalog"
	_ "github.com/posture-dev/posture/collectors/all" // register every collector
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/delivery"
	"github.com/posture-dev/posture/internal/fetch"
	"github.com/posture-dev/posture/internal/findings"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
)

// App is the wired set of services.
type App struct {
	Config  *config.Config
	Store   *store.Store
	Catalog *catalog.Catalog
	Scoring *scoring.Service
	Ingest  *ingest.Service
	Auth    *auth.Service
	Reports *reporting.Service
	Log     *slog.Logger
	// Version is printed on reports as their generator.
	Version string
}

// RescoreAll is the daily job: risk acceptances that expired reopen their
// findings (with a new deadline), then every API is re-evaluated, so an
// expiry is in the scores the same day.
func (a *App) RescoreAll(ctx context.Context) error {
	fs := &findings.Service{DB: a.Store.DB, SLA: a.Ingest.SLA}
	n, err := fs.ExpireAcceptances(ctx)
	if err != nil {
		a.Log.Error("expiring risk acceptances", "err", err)
	} else if n > 0 {
		a.Log.Info("risk acceptances expired", "findings", n)
	}
	return a.Scoring.RescoreAll(ctx)
}

// Open opens the database, applies pending migrations and builds the
// services.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := controls.CheckCatalog(cat); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	st, err := store.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", strings.Join(applied, ", "), "db", st.Path)
	}
	sc := &scoring.Service{Store: st, Catalog: cat, Options: controls.Options{
		Freshness:         time.Duration(cfg.Freshness),
		BasicThreshold:    cfg.Thresholds.Basic,
		AdvancedThreshold: cfg.Thresholds.Advanced,
	}}
	sla := ingest.DefaultSLA
	if len(cfg.SLADays) > 0 {
		sla = map[string]int{}
		for k, v := range ingest.DefaultSLA {
			sla[k] = v
		}
		for k, v := range cfg.SLADays {
			sla[k] = v
		}
	}
	ing := &ingest.Service{Store: st, Scorer: sc, Log: log, SLA: sla, Catalog: cat,
		Fetcher: &fetch.Fetcher{UserAgent: "posture"}}
	au := &auth.Service{DB: st.DB, SessionTTL: time.Duration(cfg.Auth.SessionTTL)}
	a := &App{Config: cfg, Store: st, Catalog: cat, Scoring: sc, Ingest: ing, Auth: au, Log: log}
	a.Reports = &reporting.Service{Store: st, Catalog: cat, Log: log,
		Build: func(ctx context.Context, scope report.Scope, asOf, from time.Time) (report.Report, error) {
			return report.Build(ctx, report.Source{Store: st, Scoring: sc, Catalog: cat, Version: "posture " + a.Version}, scope, asOf, from)
		}}
	if m := cfg.Reports.SMTP; m.Host != "" {
		pw, err := m.Password()
		if err != nil {
			st.Close()
			return nil, err
		}
		a.Reports.Mail = delivery.SMTP{Host: m.Host, Port: m.Port, Username: m.Username, Password: pw, From: m.From, TLS: m.TLS, Timeout: time.Minute}
	}
	if cfg.Auth.AdminTokenFile != "" {
		if err := a.bootstrapAdmin(ctx, cfg.Auth.AdminTokenFile); err != nil {
			st.Close()
			return nil, err
		}
	}
	return a, nil
}

// bootstrapAdmin accepts the admin token held in a file (a mounted
// secret), so a fresh deployment has a first credential without a secret
// in the config or the repository.
func (a *App) bootstrapAdmin(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("auth.admin_token_file: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if _, err := a.Auth.AddToken(ctx, "bootstrap-admin", auth.RoleAdmin, "", secret, 0); err != nil {
		return fmt.Errorf("auth.admin_token_file %s: %w", path, err)
	}
	return nil
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }
