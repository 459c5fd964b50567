package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/posture-dev/posture/internal/traffic"
)

// trafficDays reads ?days= (1-366, default 30): the traffic window.
func trafficDays(c *gin.Context) (int, bool) {
	v := c.Query("days")
	if v == "" {
		return 30, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 366 {
		return 0, false
	}
	return n, true
}

func (s *Server) trafficOf(c *gin.Context, apiID int64, days int) (traffic.API, error) {
	return traffic.ForAPI(c.Request.Context(), s.opt.Store.DB, apiID, time.Now().UTC(), time.Duration(days)*24*time.Hour)
}

// getTraffic is GET /api/v1/apis/:id/traffic: requests per endpoint over
// the window, with the shadow, zombie and unused flags.
func (s *Server) getTraffic(c *gin.Context) {
	a, ok := s.loadAPI(c, false)
	if !ok {
		return
	}
	days, ok := trafficDays(c)
	if !ok {
		s.fail(c, http.StatusBadRequest, "days must be a whole number from 1 to 366")
		return
	}
	t, err := s.trafficOf(c, a.ID, days)
	if err != nil {
		s.internal(c, err)
		return
	}
	if t.Endpoints == nil {
		t.Endpoints = []traffic.Endpoint{}
	}
	c.JSON(http.StatusOK, t)
}

// trafficRows is what the API page lists: every flagged endpoint, then
// the busiest others, at most n in all.
func trafficRows(t traffic.API, n int) []traffic.Endpoint {
	var flagged, rest []traffic.Endpoint
	for _, e := range t.Endpoints {
		if e.Shadow || e.Zombie || e.Unused || e.BrokenAuth() {
			flagged = append(flagged, e)
		} else {
			rest = append(rest, e)
		}
	}
	out := append(flagged, rest...)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
