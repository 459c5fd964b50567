package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/schedule"
	"github.com/posture-dev/posture/internal/store"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz is ready when the database answers and no migration is pending.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	pending, err := s.opt.Store.Pending(ctx)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": "database not reachable"})
		return
	}
	if len(pending) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "pending_migrations": pending})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func (s *Server) listAPIs(c *gin.Context) {
	limit, offset := paging(c)
	f := apiFilter{Team: c.Query("team"), Query: c.Query("q")}
	if v := c.Query("level"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 || l > 4 {
			s.fail(c, http.StatusBadRequest, "level must be 0-4")
			return
		}
		f.Level = &l
	}
	items, total, err := s.queryAPIs(c, f, limit, offset)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[apiView]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) getAPI(c *gin.Context) {
	a, ok := s.loadAPI(c, false)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, a)
}

type resultsView struct {
	API        string               `json:"api"`
	AssessedAt time.Time            `json:"assessed_at"`
	Level      int                  `json:"level"`
	LevelName  string               `json:"level_name"`
	Reasons    []string             `json:"level_reasons"`
	Cells      []controls.CellScore `json:"cells"`
	Items      []controls.Result    `json:"items"`
	Total      int                  `json:"total"`
	// Gateway coverage: routes serving no described operation, and
	// operations no route serves (present when the API has gateway routes).
	ShadowRoutes      []string `json:"shadow_routes,omitempty"`
	UnroutedEndpoints []string `json:"unrouted_endpoints,omitempty"`
}

func (s *Server) getResults(c *gin.Context) {
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
	if !p.CanReadEvidence(a.Owner) {
		// Viewers see outcomes, not the evidence records behind them.
		for i := range as.Results {
			as.Results[i].Evidence = nil
		}
	}
	c.JSON(http.StatusOK, resultsView{API: a.Name, AssessedAt: at, Level: as.Level, LevelName: levelName(as.Level),
		Reasons: as.LevelReasons, Cells: as.Cells, Items: as.Results, Total: len(as.Results),
		ShadowRoutes: as.ShadowRoutes, UnroutedEndpoints: as.UnroutedEndpoints})
}

func (s *Server) getEndpoints(c *gin.Context) {
	a, ok := s.loadAPI(c, false)
	if !ok {
		return
	}
	limit, offset := paging(c)
	items, total, err := s.queryEndpoints(c, a.ID, limit, offset)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[endpointView]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) listAPIEvidence(c *gin.Context) {
	a, ok := s.loadAPI(c, true)
	if !ok {
		return
	}
	limit, offset := paging(c)
	items, total, err := s.queryEvidence(c, a.ID, c.Query("endpoint"), limit, offset)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[evidenceView]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) queryEvidence(c *gin.Context, apiID int64, endpoint string, limit, offset int) ([]evidenceView, int64, error) {
	q := s.opt.Store.DB.WithContext(c.Request.Context()).Model(&store.Evidence{}).Where("api_id = ?", apiID)
	if endpoint != "" {
		q = q.Where("endpoint_key = ?", endpoint)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []store.Evidence
	if err := q.Order("seq DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]evidenceView, 0, len(rows))
	for _, e := range rows {
		out = append(out, toEvidenceView(e))
	}
	return out, total, nil
}

type snapshotView struct {
	Day    string     `json:"day"`
	Level  int        `json:"level"`
	Scores []cellView `json:"scores"`
}

func (s *Server) snapshots(c *gin.Context, apiID int64) ([]snapshotView, error) {
	var rows []store.Snapshot
	if err := s.opt.Store.DB.WithContext(c.Request.Context()).Where("api_id = ?", apiID).Order("day").Limit(400).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]snapshotView, 0, len(rows))
	for _, r := range rows {
		sc := []float64{r.PreBasic, r.PreAdv, r.RunBasic, r.RunAdv}
		v := snapshotView{Day: r.Day, Level: r.Level}
		for i, cell := range catalog.Cells {
			v.Scores = append(v.Scores, cellView{Cell: cell.String(), Score: sc[i]})
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) getHistory(c *gin.Context) {
	a, ok := s.loadAPI(c, false)
	if !ok {
		return
	}
	items, err := s.snapshots(c, a.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[snapshotView]{Items: items, Total: int64(len(items)), Limit: len(items)})
}

func (s *Server) getEvidence(c *gin.Context) {
	e, ok := s.loadEvidence(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, e)
}

// controlView is a catalog control with its references resolved to titles.
type controlView struct {
	catalog.Control
	NIST  []refView `json:"nist_800_53_controls"`
	OWASP []refView `json:"owasp_api_2023_categories"`
}

type refView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func (s *Server) controlView(ctl catalog.Control) controlView {
	v := controlView{Control: ctl}
	for _, id := range ctl.Refs.NIST80053 {
		n, _ := s.opt.Catalog.NISTControl(id)
		v.NIST = append(v.NIST, refView{ID: id, Title: n.Title})
	}
	for _, id := range ctl.Refs.OWASP2023 {
		o, _ := s.opt.Catalog.OWASPCategory(id)
		v.OWASP = append(v.OWASP, refView{ID: id, Title: o.Title})
	}
	return v
}

func (s *Server) getCatalog(c *gin.Context) {
	items := make([]controlView, 0, len(s.opt.Catalog.Controls))
	for _, ctl := range s.opt.Catalog.Controls {
		items = append(items, s.controlView(ctl))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": len(items), "version": s.opt.Catalog.Version,
		"owasp_api_2023": s.opt.Catalog.OWASP})
}

func (s *Server) getControl(c *gin.Context) {
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
	c.JSON(http.StatusOK, gin.H{"control": s.controlView(ctl), "results": page[controlResultView]{Items: rows, Total: int64(len(rows)), Limit: len(rows)}})
}

type controlResultView struct {
	APIID  int64           `json:"api_id"`
	API    string          `json:"api"`
	Owner  string          `json:"owner"`
	Result controls.Result `json:"result"`
}

// controlResults lists one control's result for every API the caller may
// see.
func (s *Server) controlResults(c *gin.Context, controlID string) ([]controlResultView, error) {
	apis, _, err := s.queryAPIs(c, apiFilter{}, 100000, 0)
	if err != nil {
		return nil, err
	}
	var out []controlResultView
	for _, a := range apis {
		as, _, err := s.opt.Scoring.Current(c.Request.Context(), a.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range as.Results {
			if r.ControlID == controlID {
				if !principal(c).CanReadEvidence(a.Owner) {
					r.Evidence = nil
				}
				out = append(out, controlResultView{APIID: a.ID, API: a.Name, Owner: a.Owner, Result: r})
			}
		}
	}
	return out, nil
}

type portfolioView struct {
	APIs    int64      `json:"apis"`
	ByLevel [5]int     `json:"by_level"`
	Mean    []cellView `json:"mean_scores"`
	Gaps    int        `json:"evidence_gaps"`
	Teams   []teamView `json:"teams"`
}

type teamView struct {
	Team    string     `json:"team"`
	APIs    int        `json:"apis"`
	ByLevel [5]int     `json:"by_level"`
	Mean    []cellView `json:"mean_scores"`
}

// portfolio aggregates the APIs the caller may see, overall and by team.
func (s *Server) portfolio(c *gin.Context) (portfolioView, error) {
	apis, total, err := s.queryAPIs(c, apiFilter{}, 1_000_000, 0)
	if err != nil {
		return portfolioView{}, err
	}
	pv := portfolioView{APIs: total}
	sums := make([]float64, len(catalog.Cells))
	teams := map[string]*teamView{}
	teamSums := map[string][]float64{}
	for _, a := range apis {
		pv.ByLevel[a.Level]++
		pv.Gaps += a.EvidenceGaps
		team := a.Owner
		if team == "" {
			team = "(no owner)"
		}
		t := teams[team]
		if t == nil {
			t = &teamView{Team: team}
			teams[team] = t
			teamSums[team] = make([]float64, len(catalog.Cells))
		}
		t.APIs++
		t.ByLevel[a.Level]++
		for i, cv := range a.Cells {
			sums[i] += cv.Score
			teamSums[team][i] += cv.Score
		}
	}
	mean := func(sum []float64, n int) []cellView {
		out := make([]cellView, len(catalog.Cells))
		for i, cell := range catalog.Cells {
			out[i].Cell = cell.String()
			if n > 0 {
				out[i].Score = float64(int(sum[i]/float64(n)*10+0.5)) / 10
			}
		}
		return out
	}
	pv.Mean = mean(sums, len(apis))
	for name, t := range teams {
		t.Mean = mean(teamSums[name], t.APIs)
		pv.Teams = append(pv.Teams, *t)
	}
	sort.Slice(pv.Teams, func(i, j int) bool { return pv.Teams[i].Team < pv.Teams[j].Team })
	return pv, nil
}

func (s *Server) getPortfolio(c *gin.Context) {
	pv, err := s.portfolio(c)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, pv)
}

func (s *Server) listSources(c *gin.Context) {
	items, err := s.querySources(c)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[sourceView]{Items: items, Total: int64(len(items)), Limit: len(items)})
}

func (s *Server) listRuns(c *gin.Context) {
	limit, offset := paging(c)
	items, total, err := s.queryRuns(c, c.Param("name"), limit, offset)
	if err != nil {
		s.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, page[runView]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) getRun(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "no such run")
		return
	}
	var rows []runRow
	err = s.opt.Store.DB.WithContext(c.Request.Context()).Table("collector_runs AS r").
		Joins("JOIN sources AS src ON src.id = r.source_id").Where("r.id = ?", id).
		Select("r.*, src.name AS source_name").Scan(&rows).Error
	if err != nil {
		s.internal(c, err)
		return
	}
	if len(rows) == 0 {
		s.fail(c, http.StatusNotFound, "no such run")
		return
	}
	c.JSON(http.StatusOK, rows[0].view())
}

// runNow starts a run; the answer is 202 with where to watch it.
func (s *Server) runNow(c *gin.Context) (int, string) {
	name := c.Param("name")
	if s.opt.Runner == nil {
		return http.StatusConflict, "this server has no scheduler (posture serve runs one)"
	}
	err := s.opt.Runner.RunNow(name)
	switch {
	case errors.Is(err, schedule.ErrUnknownSource):
		return http.StatusNotFound, fmt.Sprintf("no configured source %q", name)
	case errors.Is(err, ingest.ErrAlreadyRunning):
		return http.StatusConflict, fmt.Sprintf("source %q is already running", name)
	case err != nil:
		s.opt.Log.Error("run now", "source", name, "err", err)
		return http.StatusInternalServerError, "internal error"
	}
	s.audit(c, principal(c).Name, "source.run", name, "")
	return http.StatusAccepted, fmt.Sprintf("run of %q started", name)
}

func (s *Server) runNowAPI(c *gin.Context) {
	code, msg := s.runNow(c)
	if code != http.StatusAccepted {
		s.fail(c, code, msg)
		return
	}
	c.Header("Location", "/api/v1/sources/"+c.Param("name")+"/runs")
	c.JSON(code, gin.H{"status": "started", "message": msg, "runs": "/api/v1/sources/" + c.Param("name") + "/runs"})
}

func (s *Server) verify(c *gin.Context) {
	rep, err := evidence.Verify(c.Request.Context(), s.opt.Store.DB, nil)
	if err != nil {
		s.internal(c, err)
		return
	}
	s.audit(c, principal(c).Name, "evidence.verify", "", fmt.Sprintf("ok=%v records=%d", rep.OK, rep.Records))
	c.JSON(http.StatusOK, rep)
}
