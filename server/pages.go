package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/traffic"
)

// render executes a page template with the fields every page shows.
func (s *Server) render(c *gin.Context, code int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	p := principal(c)
	data["Principal"] = p
	data["CanOperate"] = p.CanOperate()
	data["Banner"] = s.opt.Banner
	data["Version"] = s.opt.Version
	data["Path"] = c.Request.URL.Path
	c.Status(code)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := s.pages.Render(c.Writer, name, data); err != nil {
		s.opt.Log.Error("render", "page", name, "err", err)
	}
}

const pageSize = 50

func pageNum(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is what the pagination partial needs.
type pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

func makePager(c *gin.Context, page int, total int64) pager {
	pages := int((total + pageSize - 1) / pageSize)
	if pages == 0 {
		pages = 1
	}
	p := pager{Page: page, Pages: pages, Total: total}
	link := func(n int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

func (s *Server) portfolioPage(c *gin.Context) {
	page := pageNum(c)
	f := apiFilter{Team: c.Query("team"), Query: c.Query("q")}
	apis, total, err := s.queryAPIs(c, f, pageSize, (page-1)*pageSize)
	if err != nil {
		s.internal(c, err)
		return
	}
	pv, err := s.portfolio(c)
	if err != nil {
		s.internal(c, err)
		return
	}
	// Traffic flags of this page's APIs, counted as the API page counts
	// them, read in one go.
	ids := make([]int64, len(apis))
	for i, a := range apis {
		ids[i] = a.ID
	}
	tr, err := traffic.ForAPIs(c.Request.Context(), s.opt.Store.DB, ids, time.Now().UTC(), traffic.DefaultWindow)
	if err != nil {
		s.internal(c, err)
		return
	}
	s.render(c, http.StatusOK, "portfolio", map[string]any{
		"Title": "Portfolio", "APIs": apis, "Portfolio": pv, "Pager": makePager(c, page, total),
		"Filter": f, "Levels": controls.LevelNames, "Cells": catalog.Cells, "Traffic": tr,
	})
}

// cellGroup is one cell's results on the API page.
type cellGroup struct {
	Cell    catalog.Cell
	Score   float64
	Unknown int
	Results []resultRow
}

type resultRow struct {
	controls.Result
	Title string
}

func (s *Server) apiPage(c *gin.Context) {
	a, ok := s.loadAPI(c, false)
	if !ok {
		return
	}
	as, at, err := s.opt.Scoring.Current(c.Request.Context(), a.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	p := principal(c)
	showEvidence := p.CanReadEvidence(a.Owner)
	var groups []cellGroup
	for _, cs := range as.Cells {
		g := cellGroup{Cell: cs.Cell, Score: cs.Score, Unknown: cs.Unknown}
		for _, r := range as.Results {
			if r.Tier == cs.Cell.Tier && r.Level == cs.Cell.Level {
				ctl, _ := s.opt.Catalog.Control(r.ControlID)
				if !showEvidence {
					r.Evidence = nil
				}
				g.Results = append(g.Results, resultRow{Result: r, Title: ctl.Title})
			}
		}
		groups = append(groups, g)
	}
	eps, epTotal, err := s.queryEndpoints(c, a.ID, 200, 0)
	if err != nil {
		s.internal(c, err)
		return
	}
	hist, err := s.snapshots(c, a.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	var findings []store.Finding
	var audit []auditSummary
	auditTotal := 0
	if showEvidence {
		issues, err := s.auditOf(c, a.ID)
		if err != nil {
			s.internal(c, err)
			return
		}
		audit, auditTotal = summarizeAudit(issues), len(issues)
		if err := s.opt.Store.DB.WithContext(c.Request.Context()).Table("findings AS f").Joins(store.JoinPrimary).Select("f.*").
			Where("f.api_id = ? AND f.status IN ? AND "+store.StandsForIssue, a.ID, []string{"open", "in_progress", "risk_accepted"}).
			Order("f.id DESC").Limit(100).Scan(&findings).Error; err != nil {
			s.internal(c, err)
			return
		}
	}
	tr, err := s.trafficOf(c, a.ID, 30)
	if err != nil {
		s.internal(c, err)
		return
	}
	s.render(c, http.StatusOK, "api", map[string]any{
		"Title": a.Name, "API": a, "Assessment": as, "AssessedAt": at, "Groups": groups, "Endpoints": eps,
		"EndpointTotal": epTotal, "History": hist, "ShowEvidence": showEvidence, "Findings": findings,
		"LevelName": levelName(as.Level), "Audit": audit, "AuditTotal": auditTotal,
		"Traffic": tr, "TrafficRows": trafficRows(tr, 100),
	})
}

func (s *Server) controlPage(c *gin.Context) {
	ctl, ok := s.opt.Catalog.Control(c.Param("id"))
	if !ok {
		s.fail(c, http.StatusNotFound, "no such control")
		return
	}
	rows, err := s.controlResults(c, ctl.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	s.render(c, http.StatusOK, "control", map[string]any{"Title": ctl.ID, "Control": s.controlView(ctl), "Rows": rows})
}

type owaspRow struct {
	catalog.OWASPCategory
	Controls []catalog.Control
}

func (s *Server) catalogPage(c *gin.Context) {
	type group struct {
		Cell     catalog.Cell
		Controls []controlView
	}
	var groups []group
	for _, cell := range catalog.Cells {
		g := group{Cell: cell}
		for _, ctl := range s.opt.Catalog.ByCell(cell) {
			g.Controls = append(g.Controls, s.controlView(ctl))
		}
		groups = append(groups, g)
	}
	var owasp []owaspRow
	for _, o := range s.opt.Catalog.OWASP {
		owasp = append(owasp, owaspRow{OWASPCategory: o, Controls: s.opt.Catalog.ForOWASP(o.ID)})
	}
	s.render(c, http.StatusOK, "catalog", map[string]any{"Title": "Catalog", "Groups": groups, "OWASP": owasp,
		"Count": len(s.opt.Catalog.Controls)})
}

func (s *Server) evidencePage(c *gin.Context) {
	e, ok := s.loadEvidence(c)
	if !ok {
		return
	}
	keys := make([]string, 0, len(e.Facts))
	for k := range e.Facts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type fact struct {
		Key   string
		Value string
	}
	facts := make([]fact, 0, len(keys))
	for _, k := range keys {
		facts = append(facts, fact{k, formatFact(e.Facts[k])})
	}
	s.render(c, http.StatusOK, "evidence", map[string]any{"Title": fmt.Sprintf("Evidence %d", e.ID), "E": e, "Facts": facts})
}

func formatFact(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, fmt.Sprint(p))
		}
		if len(parts) == 0 {
			return "(none)"
		}
		return strings.Join(parts, ", ")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// artifactRaw serves the raw artifact as a download, never rendered inline:
// it is untrusted input and must not run as HTML in posture's origin.
func (s *Server) artifactRaw(c *gin.Context) {
	e, ok := s.loadEvidence(c)
	if !ok {
		return
	}
	var a store.Artifact
	err := s.opt.Store.DB.WithContext(c.Request.Context()).Where("sha256 = ?", e.Artifact.SHA256).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		s.fail(c, http.StatusNotFound, "artifact missing")
		return
	}
	if err != nil {
		s.internal(c, err)
		return
	}
	name := a.Name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sanitizeFilename(name)))
	c.Header("X-Artifact-SHA256", a.SHA256)
	c.Data(http.StatusOK, "application/octet-stream", a.Data)
}

func sanitizeFilename(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == 0x7f {
			return '_'
		}
		return r
	}, n)
	if n == "" {
		return "artifact"
	}
	return n
}

func (s *Server) sourcesPage(c *gin.Context) {
	srcs, err := s.querySources(c)
	if err != nil {
		s.internal(c, err)
		return
	}
	page := pageNum(c)
	runs, total, err := s.queryRuns(c, c.Query("source"), pageSize, (page-1)*pageSize)
	if err != nil {
		s.internal(c, err)
		return
	}
	s.render(c, http.StatusOK, "sources", map[string]any{"Title": "Sources", "Sources": srcs, "Runs": runs,
		"Pager": makePager(c, page, total), "Flash": c.Query("flash"), "FlashError": c.Query("error") != "",
		"Only": c.Query("source")})
}

func (s *Server) runNowForm(c *gin.Context) {
	code, msg := s.runNow(c)
	q := url.Values{"flash": {msg}}
	if code != http.StatusAccepted {
		q.Set("error", "1")
	}
	c.Redirect(http.StatusSeeOther, "/sources?"+q.Encode())
}

func (s *Server) loginPage(c *gin.Context) {
	msg := ""
	if c.Query("why") == "operate" {
		msg = "Running collectors needs an admin token."
	}
	s.render(c, http.StatusOK, "login", map[string]any{"Title": "Log in", "Next": safeNext(c.Query("next")), "Message": msg})
}

// safeNext keeps post-login redirects on this site (no open redirect).
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, `/\`) {
		return "/"
	}
	return n
}

func (s *Server) loginSubmit(c *gin.Context) {
	next := safeNext(c.PostForm("next"))
	if !s.login.allow(clientIP(c), time.Now()) {
		s.audit(c, "anonymous", "login.throttled", "", "")
		s.render(c, http.StatusTooManyRequests, "login", map[string]any{"Title": "Log in", "Next": next,
			"Error": "Too many attempts; wait a minute and try again."})
		return
	}
	sid, p, err := s.opt.Auth.Login(c.Request.Context(), strings.TrimSpace(c.PostForm("token")))
	if err != nil {
		s.audit(c, "anonymous", "login.failed", "", "")
		s.render(c, http.StatusUnauthorized, "login", map[string]any{"Title": "Log in", "Next": next,
			"Error": "That token is not valid (unknown, revoked or expired)."})
		return
	}
	s.audit(c, p.Name, "login", "", "role="+p.Role)
	ttl := s.opt.Auth.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
		Secure: isTLS(c.Request), SameSite: http.SameSiteStrictMode, MaxAge: int(ttl.Seconds())})
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c *gin.Context) {
	if sid, err := c.Cookie(sessionCookie); err == nil {
		_ = s.opt.Auth.Logout(c.Request.Context(), sid)
		s.audit(c, principal(c).Name, "logout", "", "")
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteStrictMode, Secure: isTLS(c.Request)})
	c.Redirect(http.StatusSeeOther, "/")
}
