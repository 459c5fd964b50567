package server

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/findings"
	"github.com/posture-dev/posture/internal/report/csvout"
	"github.com/posture-dev/posture/internal/store"
)

// findingView is a finding as the API and the pages show it.
type findingView struct {
	ID            int64      `json:"id"`
	APIID         int64      `json:"api_id"`
	API           string     `json:"api"`
	Team          string     `json:"team"`
	Endpoint      string     `json:"endpoint,omitempty"`
	Tool          string     `json:"tool"`
	RuleID        string     `json:"rule_id"`
	Title         string     `json:"title"`
	Severity      string     `json:"severity"`
	RawSeverity   string     `json:"raw_severity,omitempty"`
	CWE           int        `json:"cwe,omitempty"`
	OWASP         string     `json:"owasp,omitempty"`
	Status        string     `json:"status"`
	Assignee      string     `json:"assignee,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	Overdue       bool       `json:"overdue"`
	FirstSeen     time.Time  `json:"first_seen"`
	LastSeen      time.Time  `json:"last_seen"`
	Location      string     `json:"location,omitempty"`
	Method        string     `json:"method,omitempty"`
	URL           string     `json:"url,omitempty"`
	File          string     `json:"file,omitempty"`
	Line          int        `json:"line,omitempty"`
	Source        string     `json:"source,omitempty"`
	TrackerURL    string     `json:"tracker_url,omitempty"`
	DuplicateOf   *int64     `json:"duplicate_of,omitempty"`
	AcceptedUntil *time.Time `json:"accepted_until,omitempty"`
	AcceptReason  string     `json:"accept_reason,omitempty"`
	AcceptedBy    string     `json:"accepted_by,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
	// Detail only.
	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	Excerpt     string `json:"excerpt,omitempty"`
}

// findingRow is a finding joined with its API and endpoint.
type findingRow struct {
	store.Finding
	APIName string
	Owner   string
	EpKey   string
}

// active statuses count against a deadline.
var activeStatuses = []string{store.FindingOpen, store.FindingInProgress}

func (r findingRow) view(now time.Time, detail bool) findingView {
	f := r.Finding
	v := findingView{ID: f.ID, APIID: f.APIID, API: r.APIName, Team: r.Owner, Endpoint: strings.TrimSpace(r.EpKey),
		Tool: f.Tool, RuleID: f.RuleID, Title: f.Title, Severity: f.Severity, RawSeverity: f.RawSeverity, CWE: f.CWE,
		OWASP: f.OWASP, Status: f.Status, Assignee: f.Assignee, DueAt: f.DueAt, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
		Location: f.Location, Method: f.Method, URL: f.URL, File: f.File, Line: f.Line, Source: f.Source,
		TrackerURL: f.TrackerURL, AcceptedUntil: f.AcceptedUntil, AcceptReason: f.AcceptReason, AcceptedBy: f.AcceptedBy,
		DuplicateOf: f.DuplicateOf}
	v.Overdue = f.DueAt != nil && f.DueAt.Before(now) && (f.Status == store.FindingOpen || f.Status == store.FindingInProgress)
	if f.Tags != "" {
		_ = json.Unmarshal([]byte(f.Tags), &v.Tags)
	}
	if detail {
		v.Description, v.Remediation, v.Excerpt = f.Description, f.Remediation, f.Excerpt
	}
	return v
}

// findingFilter is what a findings list can be narrowed by; every field
// is a query parameter of the same name.
type findingFilter struct {
	API      int64  `form:"api"`
	Team     string `form:"team"`
	Severity string `form:"severity"`
	Status   string `form:"status"` // a status, or "active" (open + in progress)
	OWASP    string `form:"owasp"`
	Tool     string `form:"tool"`
	Assignee string `form:"assignee"`
	Overdue  bool   `form:"overdue"`
	// Duplicates lists every tool's report of an issue, not one per issue.
	Duplicates bool `form:"duplicates"`
}

func (f findingFilter) query() string {
	q := []string{}
	add := func(k, v string) {
		if v != "" {
			q = append(q, k+"="+v)
		}
	}
	if f.API > 0 {
		add("api", strconv.FormatInt(f.API, 10))
	}
	add("team", f.Team)
	add("severity", f.Severity)
	add("status", f.Status)
	add("owasp", f.OWASP)
	add("tool", f.Tool)
	add("assignee", f.Assignee)
	if f.Overdue {
		add("overdue", "true")
	}
	if f.Duplicates {
		add("duplicates", "true")
	}
	return strings.Join(q, "&")
}

// findingsQuery selects the findings the caller may see, narrowed by f.
// A team sees its own APIs' findings only; a viewer none (findings are
// evidence).
func (s *Server) findingsQuery(c *gin.Context, f findingFilter) (*gorm.DB, bool) {
	p := principal(c)
	q := s.opt.Store.DB.WithContext(c.Request.Context()).Table("findings AS f").
		Joins("JOIN apis AS a ON a.id = f.api_id").Joins("LEFT JOIN endpoints AS e ON e.id = f.endpoint_id").
		Joins(store.JoinPrimary)
	// The same rule as an API's evidence (auth.Principal.CanReadEvidence),
	// as a query: a team its own APIs, admins and auditors all, others none.
	switch team, scoped := p.TeamScope(); {
	case scoped && team != "":
		q = q.Where("a.owner = ?", team)
	case scoped || !p.CanReadEvidence(""):
		return nil, false
	}
	if !f.Duplicates {
		q = q.Where(store.StandsForIssue)
	}
	if f.API > 0 {
		q = q.Where("f.api_id = ?", f.API)
	}
	if f.Team != "" {
		q = q.Where("a.owner = ?", f.Team)
	}
	for col, v := range map[string]string{"f.severity": f.Severity, "f.owasp": f.OWASP, "f.tool": f.Tool, "f.assignee": f.Assignee} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	switch f.Status {
	case "":
	case "active":
		q = q.Where("f.status IN ?", activeStatuses)
	default:
		q = q.Where("f.status = ?", f.Status)
	}
	if f.Overdue {
		q = q.Where("f.status IN ? AND f.due_at IS NOT NULL AND f.due_at < ?", activeStatuses, time.Now().UTC())
	}
	return q, true
}

const findingColumns = "f.*, a.name AS api_name, a.owner AS owner, COALESCE(e.method || ' ' || e.path, '') AS ep_key"

// severityOrder sorts critical first in SQL.
const severityOrder = "CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.due_at IS NULL, f.due_at, f.id"

func (s *Server) queryFindings(c *gin.Context, f findingFilter, limit, offset int) ([]findingView, int64, bool, error) {
	q, ok := s.findingsQuery(c, f)
	if !ok {
		return nil, 0, false, nil
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, true, err
	}
	var rows []findingRow
	if err := q.Select(findingColumns).Order(severityOrder).Limit(limit).Offset(offset).Scan(&rows).Error; err != nil {
		return nil, 0, true, err
	}
	now := time.Now().UTC()
	out := make([]findingView, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.view(now, false))
	}
	return out, total, true, nil
}

func (s *Server) listFindings(c *gin.Context) {
	var f findingFilter
	if err := c.ShouldBindQuery(&f); err != nil {
		s.fail(c, http.StatusBadRequest, "bad filter: "+err.Error())
		return
	}
	limit, offset := paging(c)
	items, total, ok, err := s.queryFindings(c, f, limit, offset)
	switch {
	case !ok:
		s.fail(c, http.StatusForbidden, "findings are evidence: your role may not read them")
	case err != nil:
		s.internal(c, err)
	default:
		c.JSON(http.StatusOK, page[findingView]{Items: items, Total: total, Limit: limit, Offset: offset})
	}
}

// maxCSVRows bounds one CSV export.
const maxCSVRows = 100000

func (s *Server) exportFindingsCSV(c *gin.Context) {
	var f findingFilter
	if err := c.ShouldBindQuery(&f); err != nil {
		s.fail(c, http.StatusBadRequest, "bad filter: "+err.Error())
		return
	}
	items, _, ok, err := s.queryFindings(c, f, maxCSVRows, 0)
	switch {
	case !ok:
		s.fail(c, http.StatusForbidden, "findings are evidence: your role may not read them")
		return
	case err != nil:
		s.internal(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="findings.csv"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"id", "api", "team", "endpoint", "tool", "rule_id", "title", "severity", "cwe", "owasp", "status",
		"assignee", "due_at", "overdue", "first_seen", "last_seen", "location", "tracker_url"})
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, v := range items {
		cwe := ""
		if v.CWE > 0 {
			cwe = "CWE-" + strconv.Itoa(v.CWE)
		}
		_ = w.Write(csvout.Safe([]string{strconv.FormatInt(v.ID, 10), v.API, v.Team, v.Endpoint, v.Tool, v.RuleID, v.Title, v.Severity,
			cwe, v.OWASP, v.Status, v.Assignee, day(v.DueAt), strconv.FormatBool(v.Overdue), day(&v.FirstSeen), day(&v.LastSeen),
			v.Location, v.TrackerURL}))
	}
	w.Flush()
}

// findingDetail is GET /api/v1/findings/:id.
type findingDetail struct {
	findingView
	History []store.FindingEvent `json:"history"`
	// Related are the other tools' reports of the same weakness at the
	// same place (one issue; lists and scores count it once).
	Related []findingView `json:"related"`
}

func (s *Server) loadFinding(c *gin.Context) (findingDetail, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, http.StatusNotFound, "no such finding")
		return findingDetail{}, false
	}
	q, ok := s.findingsQuery(c, findingFilter{Duplicates: true})
	if !ok {
		s.fail(c, http.StatusNotFound, "no such finding")
		return findingDetail{}, false
	}
	var rows []findingRow
	if err := q.Select(findingColumns).Where("f.id = ?", id).Scan(&rows).Error; err != nil {
		s.internal(c, err)
		return findingDetail{}, false
	}
	if len(rows) == 0 {
		s.fail(c, http.StatusNotFound, "no such finding")
		return findingDetail{}, false
	}
	hist, err := s.findings.History(c.Request.Context(), id)
	if err != nil {
		s.internal(c, err)
		return findingDetail{}, false
	}
	d := findingDetail{findingView: rows[0].view(time.Now().UTC(), true), History: hist, Related: []findingView{}}
	if corr := rows[0].Correlation; corr != "" {
		rq, _ := s.findingsQuery(c, findingFilter{Duplicates: true})
		var rel []findingRow
		if err := rq.Select(findingColumns).Where("f.api_id = ? AND f.correlation = ? AND f.id <> ?", rows[0].APIID, corr, id).
			Order("f.id").Limit(50).Scan(&rel).Error; err != nil {
			s.internal(c, err)
			return findingDetail{}, false
		}
		for _, r := range rel {
			d.Related = append(d.Related, r.view(time.Now().UTC(), false))
		}
	}
	return d, true
}

func (s *Server) getFinding(c *gin.Context) {
	if d, ok := s.loadFinding(c); ok {
		c.JSON(http.StatusOK, d)
	}
}

// findingError maps the workflow's errors to HTTP statuses.
func (s *Server) findingError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, findings.ErrNotFound):
		s.fail(c, http.StatusNotFound, "no such finding")
	case errors.Is(err, findings.ErrForbidden):
		s.fail(c, http.StatusForbidden, err.Error())
	case errors.Is(err, findings.ErrInvalid):
		s.fail(c, http.StatusUnprocessableEntity, err.Error())
	default:
		s.internal(c, err)
	}
}

func (s *Server) patchFinding(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var ch findings.Change
	if err := c.ShouldBindJSON(&ch); err != nil {
		s.fail(c, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	p := principal(c)
	if _, err := s.findings.Apply(c.Request.Context(), p, id, ch); err != nil {
		s.findingError(c, err)
		return
	}
	s.audit(c, p.Name, "finding.change", fmt.Sprint("finding:", id), changeSummary(ch))
	s.getFinding(c)
}

func changeSummary(ch findings.Change) string {
	var parts []string
	if ch.Status != nil {
		parts = append(parts, "status="+*ch.Status)
	}
	if ch.Assignee != nil {
		parts = append(parts, "assignee="+*ch.Assignee)
	}
	if ch.TrackerURL != nil {
		parts = append(parts, "tracker_url="+*ch.TrackerURL)
	}
	return strings.Join(parts, " ")
}

type bulkChange struct {
	IDs []int64 `json:"ids"`
	findings.Change
}

func (s *Server) bulkFindings(c *gin.Context) {
	var b bulkChange
	if err := c.ShouldBindJSON(&b); err != nil {
		s.fail(c, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	p := principal(c)
	n, err := s.findings.ApplyAll(c.Request.Context(), p, b.IDs, b.Change)
	if err != nil {
		s.findingError(c, err)
		return
	}
	s.audit(c, p.Name, "finding.bulk_change", fmt.Sprintf("%d findings", n), changeSummary(b.Change))
	c.JSON(http.StatusOK, gin.H{"changed": n})
}

type commentBody struct {
	Text string `json:"text" form:"text"`
}

func (s *Server) commentFinding(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	var b commentBody
	if err := c.ShouldBindJSON(&b); err != nil {
		s.fail(c, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if err := s.findings.Comment(c.Request.Context(), principal(c), id, b.Text); err != nil {
		s.findingError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// importsPath is the upload endpoint; its body limit is MaxUploadBytes.
const importsPath = "/api/v1/imports"

// postImport takes one scan report (or any collector input) from a CI
// pipeline: multipart form with "file", and "api" (required: which API the
// report is about), "kind" (default: detected), "source" (default
// "upload-<kind>"; a newer upload of the same source, tool and API fixes
// what it no longer reports), "branch" and "commit" (recorded in the
// artifact's name).
func (s *Server) postImport(c *gin.Context) {
	p := principal(c)
	api := strings.TrimSpace(c.PostForm("api"))
	if api == "" || len(api) > 200 {
		s.fail(c, http.StatusBadRequest, `form field "api" is required: the API the report is about`)
		return
	}
	// The API must be one the caller may write: an existing API of their
	// team, or (admin) any name.
	var existing store.API
	err := s.opt.Store.DB.WithContext(c.Request.Context()).Where("name = ?", api).Limit(1).Find(&existing).Error
	if err != nil {
		s.internal(c, err)
		return
	}
	switch {
	case p.Role == auth.RoleAdmin:
	case p.Role == auth.RoleTeam && existing.ID != 0 && existing.Owner == p.Team:
	default:
		s.fail(c, http.StatusForbidden, "you may upload reports for your team's existing APIs only")
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		s.fail(c, http.StatusBadRequest, `form field "file" is required`)
		return
	}
	tmp, err := os.MkdirTemp("", "posture-upload-")
	if err != nil {
		s.internal(c, err)
		return
	}
	defer os.RemoveAll(tmp)
	name := filepath.Base(filepath.Clean("/" + fh.Filename))
	if name == "/" || name == "." {
		name = "report"
	}
	if branch, commit := c.PostForm("branch"), c.PostForm("commit"); branch != "" || commit != "" {
		name = strings.NewReplacer("/", "_", "\\", "_").Replace(strings.Trim(branch+"@"+commit, "@")) + "_" + name
	}
	path := filepath.Join(tmp, name)
	if err := c.SaveUploadedFile(fh, path); err != nil {
		s.fail(c, http.StatusBadRequest, "reading the upload: "+err.Error())
		return
	}
	kind := c.PostForm("kind")
	if kind == "" {
		head := make([]byte, 64<<10)
		fd, err := os.Open(path)
		if err != nil {
			s.internal(c, err)
			return
		}
		n, _ := fd.Read(head)
		fd.Close()
		kind = collectors.Detect(name, head[:n])
		if kind == "" {
			s.fail(c, http.StatusUnprocessableEntity, name+": not a recognised format (send kind)")
			return
		}
	}
	if _, err := collectors.Get(kind); err != nil {
		s.fail(c, http.StatusBadRequest, err.Error())
		return
	}
	source := c.PostForm("source")
	if source == "" {
		source = "upload-" + kind
	}
	if len(source) > 200 {
		s.fail(c, http.StatusBadRequest, "source name longer than 200 characters")
		return
	}
	owner := existing.Owner
	if owner == "" && p.Role == auth.RoleTeam {
		owner = p.Team
	}
	src := collectors.Source{Name: source, Kind: kind, Paths: []string{path}, API: api, Owner: owner}
	st, err := s.opt.Ingest.Run(c.Request.Context(), src, store.TriggerIngest)
	s.audit(c, p.Name, "import", "api:"+api, fmt.Sprintf("kind=%s source=%s file=%s ok=%v", kind, source, name, err == nil))
	if err != nil {
		// The file's name is ours (a temp dir): say it as the client sent it.
		s.fail(c, http.StatusUnprocessableEntity, strings.ReplaceAll(err.Error(), tmp+string(filepath.Separator), ""))
		return
	}
	c.JSON(http.StatusOK, gin.H{"kind": kind, "source": source, "run_id": st.RunID, "findings": st.Findings,
		"new_findings": st.NewFindings, "fixed_findings": st.FixedFindings, "warnings": st.Warnings})
}

// ---- pages ----

func (s *Server) findingsPage(c *gin.Context) {
	var f findingFilter
	_ = c.ShouldBindQuery(&f) // a bad value filters nothing rather than failing the page
	if c.Query("mine") == "1" && principal(c).Team != "" {
		f.Team = principal(c).Team
	}
	pg := pageNum(c)
	items, total, ok, err := s.queryFindings(c, f, pageSize, (pg-1)*pageSize)
	switch {
	case !ok:
		s.fail(c, http.StatusForbidden, "findings are evidence: your role may not read them")
		return
	case err != nil:
		s.internal(c, err)
		return
	}
	s.render(c, http.StatusOK, "findings", map[string]any{
		"Title": "Findings", "Findings": items, "Total": total, "Filter": f, "Query": f.query(),
		"Pager": makePager(c, pg, total), "Statuses": findings.Statuses,
		"Severities": collectors.Severities,
		"Flash":      c.Query("flash"), "FlashError": c.Query("error") != "", "Team": principal(c).Team,
	})
}

func (s *Server) findingPage(c *gin.Context) {
	d, ok := s.loadFinding(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "finding", map[string]any{
		"Title": d.Title, "F": d, "Next": findings.Next(d.Status),
		"Flash": c.Query("flash"), "FlashError": c.Query("error") != "",
	})
}

// back redirects to a page with a flash message.
// to may carry a query of its own (a list's filter).
func back(c *gin.Context, to, msg string, failed bool) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	q := sep + "flash=" + url.QueryEscape(msg)
	if failed {
		q += "&error=1"
	}
	c.Redirect(http.StatusSeeOther, to+q)
}

func formChange(c *gin.Context) (findings.Change, error) {
	var ch findings.Change
	if v := c.PostForm("status"); v != "" {
		ch.Status = &v
	}
	ch.Reason = c.PostForm("reason")
	if v := c.PostForm("accept_until"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return ch, fmt.Errorf("%w: accept_until %q is not a date (YYYY-MM-DD)", findings.ErrInvalid, v)
		}
		t = t.Add(24*time.Hour - time.Second) // the whole day
		ch.AcceptUntil = &t
	}
	if v, ok := c.GetPostForm("assignee"); ok {
		ch.Assignee = &v
	}
	if v, ok := c.GetPostForm("tracker_url"); ok {
		ch.TrackerURL = &v
	}
	return ch, nil
}

func (s *Server) findingForm(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	to := fmt.Sprintf("/findings/%d", id)
	ch, err := formChange(c)
	if err == nil {
		_, err = s.findings.Apply(c.Request.Context(), principal(c), id, ch)
	}
	if errors.Is(err, findings.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "no such finding")
		return
	}
	if err != nil {
		back(c, to, err.Error(), true)
		return
	}
	s.audit(c, principal(c).Name, "finding.change", fmt.Sprint("finding:", id), changeSummary(ch))
	back(c, to, "Saved.", false)
}

func (s *Server) findingComment(c *gin.Context) {
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	to := fmt.Sprintf("/findings/%d", id)
	err := s.findings.Comment(c.Request.Context(), principal(c), id, c.PostForm("text"))
	if errors.Is(err, findings.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "no such finding")
		return
	}
	if err != nil {
		back(c, to, err.Error(), true)
		return
	}
	back(c, to, "Comment added.", false)
}

func (s *Server) findingsBulkForm(c *gin.Context) {
	to := "/findings"
	if q := c.PostForm("query"); q != "" && !strings.ContainsAny(q, "\r\n") {
		to += "?" + q
	}
	var ids []int64
	for _, v := range c.PostFormArray("id") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			back(c, to, "bad finding id "+v, true)
			return
		}
		ids = append(ids, id)
	}
	ch, err := formChange(c)
	n := 0
	if err == nil {
		n, err = s.findings.ApplyAll(c.Request.Context(), principal(c), ids, ch)
	}
	msg, failed := fmt.Sprintf("Changed %d findings.", n), false
	if err != nil {
		msg, failed = err.Error(), true
	} else {
		s.audit(c, principal(c).Name, "finding.bulk_change", fmt.Sprintf("%d findings", n), changeSummary(ch))
	}
	back(c, to, msg, failed)
}
