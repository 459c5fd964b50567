package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/store"
)

type sourceInfo = collectors.Source

const (
	principalKey  = "principal"
	sessionCookie = "posture_session"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	runs     *prometheus.CounterVec
	runTime  *prometheus.HistogramVec
	lastRun  *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posture_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "posture_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posture_collector_runs_total", Help: "Collector runs by source and status.",
		}, []string{"source", "status"}),
		runTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "posture_collector_run_duration_seconds", Help: "Collector run duration by source.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"source"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "posture_collector_last_success_timestamp_seconds", Help: "Unix time of the last successful run by source.",
		}, []string{"source"}),
	}
	reg.MustRegister(m.requests, m.latency, m.runs, m.runTime, m.lastRun)
	return m
}

func (m *metrics) observeRun(source string, r store.Run) {
	m.runs.WithLabelValues(source, r.Status).Inc()
	if r.FinishedAt != nil {
		m.runTime.WithLabelValues(source).Observe(r.FinishedAt.Sub(r.StartedAt).Seconds())
		if r.Status == store.RunSucceeded {
			m.lastRun.WithLabelValues(source).Set(float64(r.FinishedAt.Unix()))
		}
	}
}

func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				s.opt.Log.Error("panic serving request", "path", c.Request.URL.Path, "panic", r, "stack", string(debug.Stack()))
				s.fail(c, http.StatusInternalServerError, "internal error")
			}
		}()
		c.Next()
	}
}

func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		code := c.Writer.Status()
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		// The query string is not logged: it may carry filters with
		// personal data; tokens never travel in URLs.
		s.opt.Log.Info("http", "method", c.Request.Method, "path", c.Request.URL.Path, "status", code,
			"ms", time.Since(start).Milliseconds(), "who", principal(c).Name)
	}
}

// securityHeaders are the headers the platform's own OWASP checks expect.
func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: with no-referrer browsers send
		// "Origin: null" on same-origin form posts, which the CSRF check
		// cannot tell from a cross-site one.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if isTLS(c.Request) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if strings.HasPrefix(c.Request.URL.Path, "/api/") || c.Request.Method != http.MethodGet {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}

func isTLS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func (s *Server) bodyLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := s.opt.MaxBodyBytes
		if c.Request.URL.Path == importsPath {
			limit = s.opt.MaxUploadBytes // a scan report, not a form
		}
		if c.Request.ContentLength > limit {
			s.fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// authenticate resolves the caller from a bearer token or a session
// cookie, else the anonymous role. It never rejects: the route groups do.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		if h := c.GetHeader("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.fail(c, http.StatusUnauthorized, "Authorization must be \"Bearer <token>\"")
				c.Abort()
				return
			}
			p, err := s.opt.Auth.Authenticate(ctx, strings.TrimSpace(tok))
			if err != nil {
				s.audit(c, "anonymous", "auth.failed", "", "bearer token rejected")
				s.fail(c, http.StatusUnauthorized, "invalid or expired token")
				c.Abort()
				return
			}
			c.Set(principalKey, p)
			c.Next()
			return
		}
		if sid, err := c.Cookie(sessionCookie); err == nil && sid != "" {
			if p, err := s.opt.Auth.Session(ctx, sid); err == nil {
				c.Set(principalKey, p)
				c.Next()
				return
			}
		}
		if s.opt.AnonymousRole != "" {
			c.Set(principalKey, auth.Principal{Name: "anonymous", Role: s.opt.AnonymousRole, Anonymous: true})
		}
		c.Next()
	}
}

// principal returns the caller; the zero Principal (no role) when none.
func principal(c *gin.Context) auth.Principal {
	if v, ok := c.Get(principalKey); ok {
		return v.(auth.Principal)
	}
	return auth.Principal{}
}

func (s *Server) requireUI() gin.HandlerFunc {
	return func(c *gin.Context) {
		if principal(c).Role == "" {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		c.Next()
	}
}

func (s *Server) requireAPI() gin.HandlerFunc {
	return func(c *gin.Context) {
		if principal(c).Role == "" {
			c.Header("WWW-Authenticate", `Bearer realm="posture"`)
			s.fail(c, http.StatusUnauthorized, "authentication required")
			c.Abort()
			return
		}
		c.Next()
	}
}

func (s *Server) requireOperator() gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		if !p.CanOperate() {
			if p.Anonymous && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
				c.Redirect(http.StatusSeeOther, "/login?next=/sources&why=operate")
				c.Abort()
				return
			}
			s.fail(c, http.StatusForbidden, "this action needs the admin role")
			c.Abort()
			return
		}
		c.Next()
	}
}

func (s *Server) requireAuditor() gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		if p.Role != auth.RoleAdmin && p.Role != auth.RoleAuditor {
			s.fail(c, http.StatusForbidden, "this needs the auditor or admin role")
			c.Abort()
			return
		}
		c.Next()
	}
}

// sameOrigin rejects cross-site form posts (CSRF). Browsers send
// Sec-Fetch-Site on every request; when it is there it decides. Older
// clients without it must send an Origin (or Referer) naming this host.
// Bearer requests carry no ambient credential and are exempt.
func (s *Server) sameOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if strings.HasPrefix(c.GetHeader("Authorization"), "Bearer ") {
			c.Next()
			return
		}
		switch c.GetHeader("Sec-Fetch-Site") {
		case "same-origin":
			c.Next()
			return
		case "":
		default: // cross-site, same-site (another subdomain), none
			s.fail(c, http.StatusForbidden, "cross-site request refused")
			c.Abort()
			return
		}
		origin := c.GetHeader("Origin")
		if origin == "" || origin == "null" {
			origin = c.GetHeader("Referer")
		}
		u, err := url.Parse(origin)
		if origin == "" || err != nil || u.Host != c.Request.Host {
			s.fail(c, http.StatusForbidden, "cross-origin or origin-less form post refused")
			c.Abort()
			return
		}
		c.Next()
	}
}

// limiter is a fixed-window counter per key (client address) used to slow
// down token guessing on /login.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, per time.Duration) *limiter {
	return &limiter{max: max, window: per, hits: map[string]*window{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > 10000 { // bound memory under a spray of addresses
		for k, w := range l.hits {
			if now.Sub(w.start) > l.window {
				delete(l.hits, k)
			}
		}
	}
	w := l.hits[key]
	if w == nil || now.Sub(w.start) > l.window {
		l.hits[key] = &window{start: now, n: 1}
		return true
	}
	w.n++
	return w.n <= l.max
}

func clientIP(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}

func (s *Server) audit(c *gin.Context, actor, action, object, detail string) {
	if err := auth.Audit(c.Request.Context(), s.opt.Store.DB, actor, action, object, detail, clientIP(c)); err != nil {
		s.opt.Log.Error("audit log write failed", "action", action, "err", err)
	}
}

// errorBody is every JSON error's shape.
type errorBody struct {
	Error string `json:"error"`
}

// fail answers with an error: JSON under /api/, an HTML page elsewhere.
func (s *Server) fail(c *gin.Context, code int, msg string) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || strings.Contains(c.GetHeader("Accept"), "application/json") {
		c.JSON(code, errorBody{Error: msg})
		return
	}
	s.render(c, code, "error", map[string]any{"Title": http.StatusText(code), "Code": code, "Message": msg})
}

func (s *Server) notFound(c *gin.Context) { s.fail(c, http.StatusNotFound, "not found") }
