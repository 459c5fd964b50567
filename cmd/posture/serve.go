package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/posture-dev/posture/internal/app"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/demo"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/schedule"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/server"
)

// loadConfig reads --config when given, else the defaults; --db and
// --addr override the file.
func loadConfig(path, db, addr string) (*config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	if db != "" {
		cfg.DB = db
	}
	if addr != "" {
		cfg.Addr = addr
	}
	return cfg, nil
}

func runServe(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("serve", "[--config FILE] [--addr :8080] [--db DSN]", `
Runs the HTTP server (dashboards, /api/v1, /healthz, /readyz, /metrics) and
the scheduler, which collects every configured source on its schedule.
Migrations are applied at start.`, errOut)
	cfgPath := fs.String("config", "", "config file (posture.yaml); without it no source is collected")
	addr := fs.String("addr", "", "listen address (default :8080, or addr in the config)")
	db := fs.String("db", "", "database: an SQLite file path (default $POSTURE_DATA/posture.db)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, *db, *addr)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, serveOptions{}, out, errOut)
}

func runDemo(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("demo", "[--addr :8080] [--db FILE]", `
Serves the dashboards on built-in sample data: four sample API descriptions
(one strong, one weak, one without an owner) and the Kong and nginx
configurations in front of them, collected once at start and every 15
minutes, into a fresh embedded SQLite database. Anyone reaching the
server can browse as an auditor; an admin token for "Run now" is printed.`, errOut)
	addr := fs.String("addr", ":8080", "listen address")
	db := fs.String("db", "", "SQLite file (default: a fresh temporary database)")
	if err := parse(fs, args); err != nil {
		return err
	}
	dbPath := *db
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "posture-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "demo.db")
	}
	cfg, err := demoConfig(*addr, dbPath)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, serveOptions{demo: true}, out, errOut)
}

// demoConfig is the configuration `posture demo` serves: the sample
// sources read from the embedded demo data, anonymous visitors browsing as
// auditors. The end-to-end test builds the demo with it too.
func demoConfig(addr, db string) (*config.Config, error) {
	cfg := config.Default()
	cfg.Addr = addr
	cfg.Auth.AnonymousRole = auth.RoleAuditor
	cfg.DB = db
	srcs, err := demo.Sources()
	if err != nil {
		return nil, err
	}
	for i := range srcs {
		srcs[i].FS = demo.FS()
	}
	cfg.Sources = srcs
	return cfg, nil
}

type serveOptions struct {
	demo bool
	// ready, when set, receives the bound address once the server
	// listens (tests use it with --addr 127.0.0.1:0).
	ready func(addr string)
}

func serve(ctx context.Context, cfg *config.Config, so serveOptions, out, errOut io.Writer) error {
	log := newLogger(errOut)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Version = version
	for _, s := range cfg.Sources {
		if _, err := a.Ingest.EnsureSource(ctx, s.Collector(), s.Schedule); err != nil {
			return err
		}
	}
	if err := a.Reports.SyncConfig(ctx, cfg.Reports.Schedules); err != nil {
		return fmt.Errorf("reports.schedules: %w", err)
	}
	sched, err := schedule.New(a.Ingest, a, cfg.Sources, log)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	banner := ""
	if so.demo {
		banner = "Demo: sample APIs in a temporary database."
	}
	srv, err := server.New(server.Options{
		Store: a.Store, Catalog: a.Catalog, Scoring: a.Scoring, Ingest: a.Ingest, Runner: sched, Reports: a.Reports,
		Auth: a.Auth, Log: log, Registry: reg, AnonymousRole: cfg.Auth.AnonymousRole,
		Version: version, Banner: banner,
	})
	if err != nil {
		return err
	}
	// Start-up collection: the demo (and sources with run_at_start) get
	// data before the first page is served.
	for _, s := range cfg.Sources {
		if !s.RunAtStart {
			continue
		}
		st, err := runWithTimeout(ctx, a.Ingest, s)
		if err != nil {
			log.Warn("start-up collection failed; other sources continue", "source", s.Name, "err", err)
			continue
		}
		log.Info("collected", "source", s.Name, "apis", st.APIs, "endpoints", st.Endpoints, "evidence", st.Evidence)
	}
	if so.demo {
		secret, _, err := a.Auth.CreateToken(ctx, "demo-admin", auth.RoleAdmin, "", 24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nposture demo: dashboards at http://localhost%s/\n", displayAddr(cfg.Addr))
		fmt.Fprintf(out, "admin token (for Run now; valid 24h, this database only): %s\n\n", secret)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	sched.Start()
	if err := a.Reports.Start(ctx); err != nil {
		_ = sched.Shutdown()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "db", a.Store.Path, "sources", len(cfg.Sources))
	if so.ready != nil {
		so.ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		_ = sched.Shutdown()
		_ = a.Reports.Shutdown()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	// Ordered shutdown: stop taking requests, then stop the scheduler
	// (cancelling running collections, which roll back), then the store.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := sched.Shutdown(); err != nil {
		log.Warn("scheduler shutdown", "err", err)
	}
	if err := a.Reports.Shutdown(); err != nil {
		log.Warn("report scheduler shutdown", "err", err)
	}
	return nil
}

// displayAddr turns a listen address into a port suffix for a localhost
// URL (":8080" and "0.0.0.0:8080" both print ":8080").
func displayAddr(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return ":" + port
	}
	return addr
}

func runWithTimeout(ctx context.Context, ing *ingest.Service, s config.Source) (ingest.Stats, error) {
	timeout := time.Duration(s.Timeout)
	if timeout <= 0 {
		timeout = schedule.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return ing.Run(ctx, s.Collector(), store.TriggerStartup)
}
