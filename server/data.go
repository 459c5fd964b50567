package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/store"
)

// Response types: database rows never reach JSON directly.

type cellView struct {
	Cell  string  `json:"cell"`
	Score float64 `json:"score"`
}

type apiView struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Title          string     `json:"title"`
	Version        string     `json:"version"`
	Owner          string     `json:"owner"`
	Contact        string     `json:"contact,omitempty"`
	Description    string     `json:"description,omitempty"`
	BaseURLs       []string   `json:"base_urls"`
	Tags           []string   `json:"tags"`
	Classification string     `json:"classification,omitempty"`
	Level          int        `json:"level"`
	LevelName      string     `json:"level_name"`
	Cells          []cellView `json:"scores"`
	EvidenceGaps   int        `json:"evidence_gaps"`
	Endpoints      int        `json:"endpoints"`
	AssessedAt     *time.Time `json:"assessed_at"`
}

type page[T any] struct {
	Items  []T   `json:"items"`
	Total  int64 `json:"total"`
	Limit  int   `json:"limit"`
	Offset int   `json:"offset"`
}

const (
	defaultLimit = 50
	maxLimit     = 500
)

// paging reads ?limit=&offset= with bounds.
func paging(c *gin.Context) (limit, offset int) {
	limit, offset = defaultLimit, 0
	if v, err := strconv.Atoi(c.Query("limit")); err == nil && v > 0 {
		limit = min(v, maxLimit)
	}
	if v, err := strconv.Atoi(c.Query("offset")); err == nil && v > 0 {
		offset = v
	}
	return limit, offset
}

func levelName(l int) string {
	if l >= 0 && l < len(controls.LevelNames) {
		return controls.LevelNames[l]
	}
	return "?"
}

type apiRow struct {
	store.API
	Level      int
	PreBasic   float64
	PreAdv     float64
	RunBasic   float64
	RunAdv     float64
	Unknown    int
	ComputedAt *time.Time
	Endpoints  int
}

func (r apiRow) view() apiView {
	v := apiView{
		ID: r.ID, Name: r.Name, Title: r.Title, Version: r.Version, Owner: r.Owner, Contact: r.Contact,
		Description: r.Description, Classification: r.Classification, Level: r.Level, LevelName: levelName(r.Level),
		EvidenceGaps: r.Unknown, Endpoints: r.Endpoints, AssessedAt: r.ComputedAt,
		BaseURLs: decodeList(r.BaseURLs), Tags: decodeList(r.Tags),
	}
	scores := []float64{r.PreBasic, r.PreAdv, r.RunBasic, r.RunAdv}
	for i, cell := range catalog.Cells {
		v.Cells = append(v.Cells, cellView{Cell: cell.String(), Score: scores[i]})
	}
	return v
}

func decodeList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

// apiFilter is what list queries accept.
type apiFilter struct {
	Team  string // owner
	Query string // substring of name or title
	Level *int
}

// apiSummaryColumns are an apiRow's columns over apiSummaries.
const apiSummaryColumns = `a.*, COALESCE(s.level, 0) AS level, COALESCE(s.pre_basic, 0) AS pre_basic,
		COALESCE(s.pre_adv, 0) AS pre_adv, COALESCE(s.run_basic, 0) AS run_basic, COALESCE(s.run_adv, 0) AS run_adv,
		COALESCE(s.unknown, 0) AS unknown, s.computed_at AS computed_at,
		(SELECT COUNT(*) FROM endpoints e WHERE e.api_id = a.id) AS endpoints`

// apiSummaries joins every API with its latest assessment; an API not
// assessed yet reads as level 0 with zero scores.
func (s *Server) apiSummaries(c *gin.Context) *gorm.DB {
	return s.opt.Store.DB.WithContext(c.Request.Context()).
		Table("apis AS a").Joins("LEFT JOIN assessments AS s ON s.api_id = a.id")
}

func (s *Server) queryAPIs(c *gin.Context, f apiFilter, limit, offset int) ([]apiView, int64, error) {
	q := s.apiSummaries(c)
	if team, scoped := principal(c).TeamScope(); scoped {
		q = q.Where("a.owner = ?", team)
	}
	if f.Team != "" {
		q = q.Where("a.owner = ?", f.Team)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(strings.ToLower(f.Query)) + "%"
		q = q.Where(`(LOWER(a.name) LIKE ? ESCAPE '\' OR LOWER(a.title) LIKE ? ESCAPE '\')`, like, like)
	}
	if f.Level != nil {
		q = q.Where("COALESCE(s.level, 0) = ?", *f.Level)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []apiRow
	err := q.Select(apiSummaryColumns).Order("a.name").Limit(limit).Offset(offset).Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	out := make([]apiView, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.view())
	}
	return out, total, nil
}

// loadAPI fetches an API by the :id parameter and applies the object-level
// check. A caller who may not see it gets 404, not 403: the existence of
// another team's API is not disclosed.
func (s *Server) loadAPI(c *gin.Context, needEvidence bool) (apiView, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, http.StatusNotFound, "no such API")
		return apiView{}, false
	}
	var rows []apiRow
	err = s.apiSummaries(c).Where("a.id = ?", id).Select(apiSummaryColumns).Scan(&rows).Error
	if err != nil {
		s.internal(c, err)
		return apiView{}, false
	}
	p := principal(c)
	if len(rows) == 0 || !p.CanReadAPI(rows[0].Owner) || (needEvidence && !p.CanReadEvidence(rows[0].Owner)) {
		s.fail(c, http.StatusNotFound, "no such API")
		return apiView{}, false
	}
	return rows[0].view(), true
}

func (s *Server) internal(c *gin.Context, err error) {
	s.opt.Log.Error("request failed", "path", c.Request.URL.Path, "err", err)
	s.fail(c, http.StatusInternalServerError, "internal error")
}

type endpointView struct {
	ID          int64     `json:"id"`
	Protocol    string    `json:"protocol"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	OperationID string    `json:"operation_id,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	Deprecated  bool      `json:"deprecated"`
	InSpec      bool      `json:"in_spec"`
	InGateway   bool      `json:"in_gateway"`
	InTraffic   bool      `json:"in_traffic"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}

func (s *Server) queryEndpoints(c *gin.Context, apiID int64, limit, offset int) ([]endpointView, int64, error) {
	q := s.opt.Store.DB.WithContext(c.Request.Context()).Model(&store.Endpoint{}).Where("api_id = ?", apiID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []store.Endpoint
	if err := q.Order("path, method").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]endpointView, 0, len(rows))
	for _, e := range rows {
		out = append(out, endpointView{ID: e.ID, Protocol: e.Protocol, Method: e.Method, Path: e.Path,
			OperationID: e.OperationID, Summary: e.Summary, Deprecated: e.Deprecated, InSpec: e.InSpec,
			InGateway: e.InGateway, InTraffic: e.InTraffic, FirstSeen: e.FirstSeen, LastSeen: e.LastSeen})
	}
	return out, total, nil
}

type evidenceView struct {
	ID               int64          `json:"id"`
	Seq              int64          `json:"seq"`
	API              string         `json:"api"`
	APIID            int64          `json:"api_id"`
	Endpoint         string         `json:"endpoint,omitempty"`
	Source           string         `json:"source"`
	Collector        string         `json:"collector"`
	CollectorVersion string         `json:"collector_version"`
	RunID            int64          `json:"run_id"`
	Location         string         `json:"location,omitempty"`
	Facts            map[string]any `json:"facts"`
	ObservedAt       time.Time      `json:"observed_at"`
	RecordedAt       time.Time      `json:"recorded_at"`
	Hash             string         `json:"hash"`
	PrevHash         string         `json:"prev_hash"`
	Artifact         artifactView   `json:"artifact"`
}

type artifactView struct {
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

func toEvidenceView(e store.Evidence) evidenceView {
	v := evidenceView{ID: e.ID, Seq: e.Seq, API: e.APIName, APIID: e.APIID, Endpoint: e.EndpointKey,
		Source: e.Source, Collector: e.Collector, CollectorVersion: e.CollectorVersion, Location: e.Location,
		ObservedAt: e.ObservedAt, RecordedAt: e.RecordedAt, Hash: e.Hash, PrevHash: e.PrevHash,
		Artifact: artifactView{SHA256: e.ArtifactSHA256}}
	if e.RunID != nil {
		v.RunID = *e.RunID
	}
	_ = json.Unmarshal([]byte(e.Facts), &v.Facts)
	return v
}

// loadEvidence fetches an evidence record by :id with the object-level
// check on its API.
func (s *Server) loadEvidence(c *gin.Context) (evidenceView, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, http.StatusNotFound, "no such evidence")
		return evidenceView{}, false
	}
	db := s.opt.Store.DB.WithContext(c.Request.Context())
	var e store.Evidence
	if err := db.Where("id = ?", id).Take(&e).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			s.fail(c, http.StatusNotFound, "no such evidence")
		} else {
			s.internal(c, err)
		}
		return evidenceView{}, false
	}
	var owner string
	if err := db.Model(&store.API{}).Where("id = ?", e.APIID).Select("owner").Scan(&owner).Error; err != nil {
		s.internal(c, err)
		return evidenceView{}, false
	}
	if !principal(c).CanReadEvidence(owner) {
		s.fail(c, http.StatusNotFound, "no such evidence")
		return evidenceView{}, false
	}
	v := toEvidenceView(e)
	var a store.Artifact
	if err := db.Select("sha256", "name", "content_type", "size").Where("sha256 = ?", e.ArtifactSHA256).Take(&a).Error; err == nil {
		v.Artifact = artifactView{SHA256: a.SHA256, Name: a.Name, ContentType: a.ContentType, Size: a.Size}
	}
	return v, true
}

type runView struct {
	ID         int64      `json:"id"`
	Source     string     `json:"source"`
	Trigger    string     `json:"trigger"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Seconds    float64    `json:"seconds"`
	APIs       int        `json:"apis"`
	Endpoints  int        `json:"endpoints"`
	Evidence   int        `json:"evidence"`
	Findings   int        `json:"findings"`
	Error      string     `json:"error,omitempty"`
	// Warnings did not stop the run but left some facts unknown.
	Warnings []string `json:"warnings,omitempty"`
}

type runRow struct {
	store.Run
	SourceName string
}

func (r runRow) view() runView {
	v := runView{ID: r.ID, Source: r.SourceName, Trigger: r.Trigger, Status: r.Status, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, APIs: r.APIs, Endpoints: r.Endpoints, Evidence: r.Evidence, Findings: r.Findings, Error: r.Error}
	if r.FinishedAt != nil {
		v.Seconds = r.FinishedAt.Sub(r.StartedAt).Seconds()
	}
	if r.Run.Warnings != "" {
		// Written by ingest from a []string; a row that does not decode
		// is shown as it is rather than hidden.
		if err := json.Unmarshal([]byte(r.Run.Warnings), &v.Warnings); err != nil {
			v.Warnings = []string{r.Run.Warnings}
		}
	}
	return v
}

func (s *Server) queryRuns(c *gin.Context, source string, limit, offset int) ([]runView, int64, error) {
	q := s.opt.Store.DB.WithContext(c.Request.Context()).Table("collector_runs AS r").Joins("JOIN sources AS src ON src.id = r.source_id")
	if source != "" {
		q = q.Where("src.name = ?", source)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []runRow
	if err := q.Select("r.*, src.name AS source_name").Order("r.id DESC").Limit(limit).Offset(offset).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]runView, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.view())
	}
	return out, total, nil
}

type sourceView struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Schedule string     `json:"schedule"`
	NextRun  *time.Time `json:"next_run,omitempty"`
	Running  bool       `json:"running"`
	LastRun  *runView   `json:"last_run,omitempty"`
	Runnable bool       `json:"runnable"` // configured, so "Run now" works
	Paths    []string   `json:"paths,omitempty"`
}

func (s *Server) querySources(c *gin.Context) ([]sourceView, error) {
	db := s.opt.Store.DB.WithContext(c.Request.Context())
	var rows []store.Source
	if err := db.Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []sourceView
	add := func(v sourceView) {
		out = append(out, v)
	}
	var next map[string]time.Time
	if s.opt.Runner != nil {
		next = s.opt.Runner.NextRuns()
		for name, src := range s.opt.Runner.Sources() {
			v := sourceView{Name: name, Kind: src.Kind, Schedule: src.Schedule, Runnable: true}
			if principal(c).CanOperate() || principal(c).Role == auth.RoleAuditor {
				v.Paths = src.Paths // file locations are operational detail
			}
			add(v)
		}
	}
	configured := map[string]bool{}
	for _, v := range out {
		configured[v.Name] = true
	}
	for _, r := range rows {
		if !configured[r.Name] {
			add(sourceView{Name: r.Name, Kind: r.Kind, Schedule: r.Schedule})
		}
	}
	for i := range out {
		if t, ok := next[out[i].Name]; ok {
			t := t
			out[i].NextRun = &t
		}
		if s.opt.Ingest != nil {
			out[i].Running = s.opt.Ingest.Running(out[i].Name)
		}
		runs, _, err := s.queryRuns(c, out[i].Name, 1, 0)
		if err != nil {
			return nil, err
		}
		if len(runs) > 0 {
			out[i].LastRun = &runs[0]
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
