package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/reporting"
	"github.com/posture-dev/posture/internal/store"
)

// Reports carry evidence hashes and findings: admins and auditors may
// have any scope, a team its own team or one of its APIs, viewers none.

// reportScope checks the requested scope against the principal. A team
// asking for "all" gets its own team.
func (s *Server) reportScope(c *gin.Context, team, api string) (report.Scope, int, error) {
	p := principal(c)
	if team != "" && api != "" {
		return report.Scope{}, http.StatusBadRequest, errors.New("a report covers a team or an API, not both")
	}
	scope := reporting.ScopeOf(team, api)
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAuditor:
		return scope, 0, nil
	case auth.RoleTeam:
		switch scope.Kind {
		case report.ScopeAll:
			return report.Scope{Kind: report.ScopeTeam, Name: p.Team}, 0, nil
		case report.ScopeTeam:
			if team == p.Team {
				return scope, 0, nil
			}
		case report.ScopeAPI:
			if s.teamOwns(c, p.Team, api) {
				return scope, 0, nil
			}
		}
		// Another team's scope does not exist for this caller.
		return report.Scope{}, http.StatusNotFound, errors.New("no such team or API")
	}
	return report.Scope{}, http.StatusForbidden, errors.New("reports need an auditor, admin or team token")
}

// canSeeDelivery is the object-level check on a delivery's scope.
func (s *Server) canSeeDelivery(c *gin.Context, kind, name string) bool {
	p := principal(c)
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAuditor:
		return true
	case auth.RoleTeam:
		switch kind {
		case report.ScopeTeam:
			return name == p.Team && p.Team != ""
		case report.ScopeAPI:
			return s.teamOwns(c, p.Team, name)
		}
	}
	return false
}

// teamOwns reports whether the API named api belongs to team.
func (s *Server) teamOwns(c *gin.Context, team, api string) bool {
	var a store.API
	err := s.opt.Store.DB.WithContext(c.Request.Context()).Where("name = ?", api).Take(&a).Error
	return err == nil && team != "" && a.Owner == team
}

// visibleSchedules keeps the schedules whose scope the caller may see.
func (s *Server) visibleSchedules(c *gin.Context, all []reporting.Schedule) []reporting.Schedule {
	out := make([]reporting.Schedule, 0, len(all))
	for _, sc := range all {
		if scope := sc.Scope(); s.canSeeDelivery(c, scope.Kind, scope.Name) {
			out = append(out, sc)
		}
	}
	return out
}

// teamAPIs are the names of the APIs a team owns.
func (s *Server) teamAPIs(c *gin.Context, team string) []string {
	var names []string
	s.opt.Store.DB.WithContext(c.Request.Context()).Model(&store.API{}).Where("owner = ?", team).Pluck("name", &names)
	return names
}

type reportRequest struct {
	Format string `json:"format" form:"format"`
	Kind   string `json:"kind" form:"kind"`
	Team   string `json:"team" form:"team"`
	API    string `json:"api" form:"api"`
	AsOf   string `json:"as_of" form:"as_of"`
}

func (s *Server) reportRequest(c *gin.Context, in reportRequest) (reporting.Request, int, error) {
	if in.Format == "" {
		in.Format = reporting.FormatPDF
	}
	if !reporting.ValidFormat(in.Format) {
		return reporting.Request{}, http.StatusBadRequest, fmt.Errorf("format %q: use %s", in.Format, strings.Join(reporting.Formats, ", "))
	}
	switch in.Kind {
	case "", reporting.KindExecutive, reporting.KindAuditor:
	default:
		return reporting.Request{}, http.StatusBadRequest, fmt.Errorf("kind %q: use executive or auditor", in.Kind)
	}
	scope, code, err := s.reportScope(c, in.Team, in.API)
	if err != nil {
		return reporting.Request{}, code, err
	}
	req := reporting.Request{Scope: scope, Formats: []string{in.Format}, Kind: in.Kind}
	if in.AsOf != "" {
		t, err := time.Parse("2006-01-02", in.AsOf)
		if err != nil {
			return req, http.StatusBadRequest, fmt.Errorf("as_of %q is not a date (YYYY-MM-DD)", in.AsOf)
		}
		req.AsOf = t.Add(24*time.Hour - time.Second) // the end of that day
		if req.AsOf.After(time.Now()) {
			req.AsOf = time.Time{}
		}
	}
	return req, 0, nil
}

// generate renders one report for the caller and sends it as a download.
func (s *Server) generate(c *gin.Context, in reportRequest) {
	req, code, err := s.reportRequest(c, in)
	if err != nil {
		s.fail(c, code, err.Error())
		return
	}
	p := principal(c)
	d, files, err := s.opt.Reports.OnDemand(c.Request.Context(), req, p.Name)
	if err != nil {
		if errors.Is(err, report.ErrUnknownScope) {
			s.fail(c, http.StatusNotFound, err.Error())
			return
		}
		s.internal(c, err)
		return
	}
	f := files[0]
	s.audit(c, p.Name, "report.generate", fmt.Sprintf("delivery %d", d.ID), fmt.Sprintf("%s %s sha256 %s", f.Name, req.Scope, f.SHA256))
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name))
	c.Header("X-Posture-Delivery", strconv.FormatInt(d.ID, 10))
	c.Header("X-Posture-SHA256", f.SHA256)
	c.Data(http.StatusOK, f.ContentType, f.Data)
}

// postReport is POST /api/v1/reports: generate and download.
func (s *Server) postReport(c *gin.Context) {
	var in reportRequest
	if err := c.ShouldBindJSON(&in); err != nil {
		s.fail(c, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	s.generate(c, in)
}

// reportForm is POST /reports/generate from the page.
func (s *Server) reportForm(c *gin.Context) {
	var in reportRequest
	_ = c.ShouldBind(&in)
	s.generate(c, in)
}

func (s *Server) listReportSchedules(c *gin.Context) {
	all, err := s.opt.Reports.Schedules(c.Request.Context())
	if err != nil {
		s.internal(c, err)
		return
	}
	out := s.visibleSchedules(c, all)
	c.JSON(http.StatusOK, page[reporting.Schedule]{Items: out, Total: int64(len(out)), Limit: len(out)})
}

type scheduleRequest struct {
	Name       string   `json:"name" form:"name"`
	Cron       string   `json:"cron" form:"cron"`
	TimeZone   string   `json:"timezone" form:"timezone"`
	Team       string   `json:"team" form:"team"`
	API        string   `json:"api" form:"api"`
	Formats    []string `json:"formats" form:"formats"`
	Kind       string   `json:"kind" form:"kind"`
	Recipients []string `json:"recipients" form:"recipients"`
	Webhook    string   `json:"webhook" form:"webhook"`
	Directory  string   `json:"directory" form:"directory"`
}

func (r scheduleRequest) config() config.ReportSchedule {
	var rc []string
	for _, x := range r.Recipients {
		// The form gives one field, "a@x, b@y"; JSON a list.
		rc = append(rc, strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })...)
	}
	return config.ReportSchedule{Name: strings.TrimSpace(r.Name), Cron: strings.TrimSpace(r.Cron), TimeZone: strings.TrimSpace(r.TimeZone),
		Team: r.Team, API: r.API, Formats: r.Formats, Kind: r.Kind, Recipients: rc, Webhook: r.Webhook, Directory: r.Directory}
}

func (s *Server) createSchedule(c *gin.Context, in scheduleRequest) (reporting.Schedule, int, error) {
	p := principal(c)
	sc, err := s.opt.Reports.CreateSchedule(c.Request.Context(), in.config(), p.Name)
	var ve *reporting.ValidationError
	switch {
	case errors.As(err, &ve):
		return sc, http.StatusBadRequest, err
	case err != nil:
		return sc, http.StatusInternalServerError, err
	}
	s.audit(c, p.Name, "report.schedule.create", fmt.Sprintf("schedule %d", sc.ID), fmt.Sprintf("%s %s %s", sc.Name, sc.Cron, sc.TimeZone))
	return sc, http.StatusCreated, nil
}

func (s *Server) postReportSchedule(c *gin.Context) {
	var in scheduleRequest
	if err := c.ShouldBindJSON(&in); err != nil {
		s.fail(c, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	sc, code, err := s.createSchedule(c, in)
	if err != nil {
		if code == http.StatusInternalServerError {
			s.internal(c, err)
			return
		}
		s.fail(c, code, err.Error())
		return
	}
	c.JSON(code, sc)
}

func scheduleID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) deleteSchedule(c *gin.Context) (int, error) {
	id, ok := scheduleID(c)
	if !ok {
		return http.StatusNotFound, errors.New("no such schedule")
	}
	err := s.opt.Reports.DeleteSchedule(c.Request.Context(), id)
	switch {
	case errors.Is(err, reporting.ErrNotFound):
		return http.StatusNotFound, errors.New("no such schedule")
	case errors.Is(err, reporting.ErrReadOnly):
		return http.StatusConflict, fmt.Errorf("%v: edit posture.yaml to change it", err)
	case err != nil:
		return http.StatusInternalServerError, err
	}
	s.audit(c, principal(c).Name, "report.schedule.delete", fmt.Sprintf("schedule %d", id), "")
	return http.StatusNoContent, nil
}

func (s *Server) deleteReportSchedule(c *gin.Context) {
	code, err := s.deleteSchedule(c)
	switch {
	case code == http.StatusInternalServerError:
		s.internal(c, err)
	case err != nil:
		s.fail(c, code, err.Error())
	default:
		c.Status(code)
	}
}

// runSchedule starts a delivery in the background: it may retry for
// minutes.
func (s *Server) runSchedule(c *gin.Context) (int, string) {
	id, ok := scheduleID(c)
	if !ok {
		return http.StatusNotFound, "no such schedule"
	}
	sc, err := s.opt.Reports.Schedule(c.Request.Context(), id)
	if err != nil {
		return http.StatusNotFound, "no such schedule"
	}
	by := principal(c).Name
	ctx := context.WithoutCancel(c.Request.Context()) // the run outlives the request
	go func() {
		if _, err := s.opt.Reports.RunSchedule(ctx, id, reporting.TriggerManual, by); err != nil {
			s.opt.Log.Warn("report run", "schedule", sc.Name, "err", err)
		}
	}()
	s.audit(c, by, "report.schedule.run", fmt.Sprintf("schedule %d", id), sc.Name)
	return http.StatusAccepted, fmt.Sprintf("Report %q is being generated and delivered; its delivery appears below.", sc.Name)
}

func (s *Server) runReportSchedule(c *gin.Context) {
	code, msg := s.runSchedule(c)
	if code != http.StatusAccepted {
		s.fail(c, code, msg)
		return
	}
	c.JSON(code, gin.H{"message": msg})
}

func (s *Server) listDeliveries(c *gin.Context) {
	limit, offset := paging(c)
	items, total, err := s.deliveriesFor(c, limit, offset)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[reporting.Delivery]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) deliveriesFor(c *gin.Context, limit, offset int) ([]reporting.Delivery, int64, error) {
	p := principal(c)
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAuditor:
		return s.opt.Reports.Deliveries(c.Request.Context(), "", nil, limit, offset)
	case auth.RoleTeam:
		return s.opt.Reports.Deliveries(c.Request.Context(), p.Team, s.teamAPIs(c, p.Team), limit, offset)
	}
	return []reporting.Delivery{}, 0, nil
}

// reportFile is GET /reports/files/:id and /api/v1/reports/files/:id.
func (s *Server) reportFile(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(c, http.StatusNotFound, "no such report file")
		return
	}
	f, d, data, err := s.opt.Reports.File(c.Request.Context(), id)
	if errors.Is(err, reporting.ErrNotFound) || (err == nil && !s.canSeeDelivery(c, d.ScopeKind, d.ScopeName)) {
		s.fail(c, http.StatusNotFound, "no such report file")
		return
	}
	if err != nil {
		s.internal(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name))
	c.Header("X-Posture-SHA256", f.ArtifactSHA256)
	c.Data(http.StatusOK, f.ContentType, data)
}

// reportsPage is /reports: generate now, schedules, past deliveries.
func (s *Server) reportsPage(c *gin.Context) {
	p := principal(c)
	scheds, err := s.opt.Reports.Schedules(c.Request.Context())
	if err != nil {
		s.internal(c, err)
		return
	}
	visible := s.visibleSchedules(c, scheds)
	pg := pageNum(c)
	deliveries, total, err := s.deliveriesFor(c, pageSize, (pg-1)*pageSize)
	if err != nil {
		s.internal(c, err)
		return
	}
	var teams []string
	s.opt.Store.DB.WithContext(c.Request.Context()).Model(&store.API{}).Where("owner <> ''").Distinct().Order("owner").Pluck("owner", &teams)
	var apis []string
	q := s.opt.Store.DB.WithContext(c.Request.Context()).Model(&store.API{}).Order("name")
	if team, ok := p.TeamScope(); ok {
		q = q.Where("owner = ?", team)
		teams = []string{team}
	}
	q.Pluck("name", &apis)
	canReport := p.Role == auth.RoleAdmin || p.Role == auth.RoleAuditor || p.Role == auth.RoleTeam
	s.render(c, http.StatusOK, "reports", map[string]any{
		"Title": "Reports", "Schedules": visible, "Deliveries": deliveries, "Pager": makePager(c, pg, total),
		"Teams": teams, "APIs": apis, "CanReport": canReport, "CanManage": p.CanOperate(), "Formats": reporting.Formats,
		"Flash": c.Query("flash"), "FlashError": c.Query("error") != "",
	})
}

func (s *Server) scheduleForm(c *gin.Context) {
	var in scheduleRequest
	_ = c.ShouldBind(&in)
	in.Recipients = []string{c.PostForm("recipients")}
	sc, code, err := s.createSchedule(c, in)
	if err != nil {
		if code == http.StatusInternalServerError {
			s.internal(c, err)
			return
		}
		back(c, "/reports", err.Error(), true)
		return
	}
	back(c, "/reports", fmt.Sprintf("Schedule %q created.", sc.Name), false)
}

func (s *Server) scheduleDeleteForm(c *gin.Context) {
	code, err := s.deleteSchedule(c)
	if code == http.StatusInternalServerError {
		s.internal(c, err)
		return
	}
	if err != nil {
		back(c, "/reports", err.Error(), true)
		return
	}
	back(c, "/reports", "Schedule deleted.", false)
}

func (s *Server) scheduleRunForm(c *gin.Context) {
	code, msg := s.runSchedule(c)
	q := url.Values{"flash": {msg}}
	if code != http.StatusAccepted {
		q.Set("error", "1")
	}
	c.Redirect(http.StatusSeeOther, "/reports?"+q.Encode())
}
