package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/scoring"
	"github.com/posture-dev/posture/internal/store"
)

// auditOf computes the audit of an API's current evidence: every fact that
// fails a control, where it was decided. It is computed on request from
// the stored evidence and its notes, so it always agrees with the scores.
func (s *Server) auditOf(c *gin.Context, apiID int64) ([]controls.Issue, error) {
	ctx := c.Request.Context()
	recs, err := s.opt.Scoring.CurrentEvidence(ctx, apiID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	var sums []string
	for _, r := range recs {
		if _, ok := names[r.ArtifactSHA256]; !ok {
			names[r.ArtifactSHA256] = ""
			sums = append(sums, r.ArtifactSHA256)
		}
	}
	var arts []store.Artifact
	if len(sums) > 0 {
		if err := s.opt.Store.DB.WithContext(ctx).Select("sha256", "name").Where("sha256 IN ?", sums).Find(&arts).Error; err != nil {
			return nil, fmt.Errorf("artifact names: %w", err)
		}
	}
	for _, a := range arts {
		names[a.SHA256] = a.Name
	}
	in := make([]controls.AuditRecord, 0, len(recs))
	for _, r := range recs {
		ar := controls.AuditRecord{EvidenceID: r.ID, Source: r.Source, Endpoint: r.EndpointKey,
			File: names[r.ArtifactSHA256], Location: r.Location}
		if err := json.Unmarshal([]byte(r.Facts), &ar.Facts); err != nil {
			return nil, fmt.Errorf("evidence %d: facts: %w", r.ID, err)
		}
		if r.Notes != "" {
			if err := json.Unmarshal([]byte(r.Notes), &ar.Notes); err != nil {
				return nil, fmt.Errorf("evidence %d: notes: %w", r.ID, err)
			}
		}
		if r.Route != "" {
			var rt collectors.Route
			if err := json.Unmarshal([]byte(r.Route), &rt); err != nil {
				return nil, fmt.Errorf("evidence %d: route: %w", r.ID, err)
			}
			ar.Route = scoring.DescribeRoute(r.Source, r.Location, rt)
		}
		in = append(in, ar)
	}
	return controls.Audit(s.opt.Catalog, in), nil
}

// auditFilter narrows an audit to one severity and/or one fact.
type auditFilter struct {
	Severity string
	Fact     string
}

func (f auditFilter) keep(is controls.Issue) bool {
	return (f.Severity == "" || is.Severity == f.Severity) && (f.Fact == "" || is.Fact == f.Fact)
}

// auditSummary counts issues by severity, most severe first.
type auditSummary struct {
	Severity string `json:"severity"`
	Count    int    `json:"count"`
}

func summarizeAudit(all []controls.Issue) []auditSummary {
	var out []auditSummary
	for _, sev := range collectors.Severities {
		n := 0
		for _, is := range all {
			if is.Severity == sev {
				n++
			}
		}
		if n > 0 {
			out = append(out, auditSummary{sev, n})
		}
	}
	return out
}

// filterAudit applies f and returns one page of the result and its size.
func filterAudit(all []controls.Issue, f auditFilter, limit, offset int) ([]controls.Issue, int) {
	var kept []controls.Issue
	for _, is := range all {
		if f.keep(is) {
			kept = append(kept, is)
		}
	}
	total := len(kept)
	if offset >= total {
		return []controls.Issue{}, total
	}
	return kept[offset:min(total, offset+limit)], total
}

// auditPage is the JSON of /api/v1/apis/:id/audit: a page of issues plus
// the counts by severity of the whole (unfiltered) audit.
type auditPage struct {
	page[controls.Issue]
	BySeverity []auditSummary `json:"by_severity"`
}

func (s *Server) getAudit(c *gin.Context) {
	a, ok := s.loadAPI(c, true)
	if !ok {
		return
	}
	all, err := s.auditOf(c, a.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	limit, offset := paging(c)
	items, total := filterAudit(all, auditFilter{c.Query("severity"), c.Query("fact")}, limit, offset)
	c.JSON(http.StatusOK, auditPage{page: page[controls.Issue]{Items: items, Total: int64(total), Limit: limit, Offset: offset},
		BySeverity: summarizeAudit(all)})
}

func (s *Server) auditPage(c *gin.Context) {
	a, ok := s.loadAPI(c, true)
	if !ok {
		return
	}
	all, err := s.auditOf(c, a.ID)
	if err != nil {
		s.internal(c, err)
		return
	}
	pg := pageNum(c)
	f := auditFilter{c.Query("severity"), c.Query("fact")}
	items, total := filterAudit(all, f, pageSize, (pg-1)*pageSize)
	s.render(c, http.StatusOK, "audit", map[string]any{
		"Title": a.Name + " · audit", "API": a, "Issues": items, "BySeverity": summarizeAudit(all),
		"All": len(all), "Filter": f, "Pager": makePager(c, pg, int64(total)),
	})
}
