// Package server is posture's HTTP front: the gin router with every route
// and its access rule declared in routes.go, thin handlers for the JSON API
// (/api/v1) and the server-rendered dashboards, authentication, security
// middleware, health and metrics endpoints.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/findings"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/ui"
)

// Runner is what the server needs of the scheduler.
type Runner interface {
	RunNow(name string) error
	Sources() map[string]config.Source
	NextRuns() map[string]time.Time
}

// Options configure the server; all but Runner and Registry are required.
type Options struct {
	Store    *store.Store
	Catalog  *catalog.Catalog
	Scoring  *scoring.Service
	Ingest   *ingest.Service
	Reports  *reporting.Service
	Runner   Runner
	Auth     *auth.Service
	Log      *slog.Logger
	Registry *prometheus.Registry
	// AnonymousRole applies to requests without credentials ("" = none).
	AnonymousRole string
	Version       string
	// Banner is shown on every page (the demo says it is a demo).
	Banner string
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// MaxUploadBytes bounds a report uploaded to /api/v1/imports; default
	// 64 MiB, the collectors' own file limit.
	MaxUploadBytes int64
}

// Server holds the router and its dependencies.
type Server struct {
	opt     Options
	engine  *gin.Engine
	pages   *ui.Pages
	metrics *metrics
	login   *limiter
	started time.Time
	// findings applies people's changes to findings.
	findings *findings.Service
}

// New builds the server and its routes.
func New(opt Options) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MaxBodyBytes == 0 {
		opt.MaxBodyBytes = 1 << 20
	}
	if opt.MaxUploadBytes == 0 {
		opt.MaxUploadBytes = 64 << 20
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	pages, err := ui.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opt: opt, engine: gin.New(), pages: pages,
		metrics: newMetrics(opt.Registry),
		login:   newLimiter(10, time.Minute),
		started: time.Now(),
	}
	s.findings = &findings.Service{DB: opt.Store.DB}
	if opt.Ingest != nil {
		s.findings.SLA = opt.Ingest.SLA
	}
	if opt.Ingest != nil {
		prev := opt.Ingest.OnRun
		opt.Ingest.OnRun = func(src sourceInfo, run store.Run) {
			s.metrics.observeRun(src.Name, run)
			if prev != nil {
				prev(src, run)
			}
		}
	}
	s.routes()
	return s, nil
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }
