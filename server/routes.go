package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/posture-dev/posture/ui"
)

// routes declares every route and who may call it. Reading this function
// tells the whole surface: object-level checks (an API's owner against
// the caller's team) happen in the handlers named here, through
// s.loadAPI / s.loadEvidence.
func (s *Server) routes() {
	r := s.engine
	r.Use(s.recoverer(), s.requestLog(), s.securityHeaders(), s.bodyLimit(), s.authenticate())

	// Unauthenticated: probes, metrics, static assets, login.
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.opt.Registry, promhttp.HandlerOpts{})))
	r.StaticFS("/static", http.FS(ui.Static()))
	r.GET("/login", s.loginPage)
	r.POST("/login", s.sameOrigin(), s.loginSubmit)
	r.POST("/logout", s.sameOrigin(), s.logout)
	r.GET("/api/v1/openapi.json", s.openapiSpec)

	// Dashboards: any authenticated principal (or the anonymous role).
	pages := r.Group("/", s.requireUI())
	pages.GET("/", s.portfolioPage)
	pages.GET("/apis/:id", s.apiPage)                  // object-level: API owner
	pages.GET("/apis/:id/audit", s.auditPage)          // object-level, evidence rights
	pages.GET("/controls/:id", s.controlPage)          // per-API rows filtered by team
	pages.GET("/catalog", s.catalogPage)               // public catalog data
	pages.GET("/evidence/:id", s.evidencePage)         // object-level: evidence of the API
	pages.GET("/evidence/:id/artifact", s.artifactRaw) // object-level: evidence of the API
	pages.GET("/sources", s.sourcesPage)
	pages.GET("/findings", s.findingsPage)                                 // filtered to the caller's team
	pages.GET("/findings/:id", s.findingPage)                              // object-level
	pages.POST("/findings/:id", s.sameOrigin(), s.findingForm)             // object-level, workflow rules
	pages.POST("/findings/:id/comments", s.sameOrigin(), s.findingComment) // object-level
	pages.POST("/findings-bulk", s.sameOrigin(), s.findingsBulkForm)       // every id checked
	pages.POST("/sources/:name/run", s.sameOrigin(), s.requireOperator(), s.runNowForm)
	pages.GET("/reports", s.reportsPage)                                                  // schedules and deliveries filtered by scope
	pages.POST("/reports/generate", s.sameOrigin(), s.reportForm)                         // scope checked against the caller
	pages.GET("/reports/files/:id", s.reportFile)                                         // object-level: the delivery's scope
	pages.POST("/reports/schedules", s.sameOrigin(), s.requireOperator(), s.scheduleForm) // admin
	pages.POST("/reports/schedules/:id/delete", s.sameOrigin(), s.requireOperator(), s.scheduleDeleteForm)
	pages.POST("/reports/schedules/:id/run", s.sameOrigin(), s.requireOperator(), s.scheduleRunForm)

	// JSON API: same rules, bearer tokens or a session.
	api := r.Group("/api/v1", s.requireAPI())
	api.GET("/apis", s.listAPIs)
	api.GET("/apis/:id", s.getAPI)                   // object-level
	api.GET("/apis/:id/results", s.getResults)       // object-level
	api.GET("/apis/:id/endpoints", s.getEndpoints)   // object-level
	api.GET("/apis/:id/evidence", s.listAPIEvidence) // object-level, evidence rights
	api.GET("/apis/:id/audit", s.getAudit)           // object-level, evidence rights
	api.GET("/apis/:id/history", s.getHistory)       // object-level
	api.GET("/apis/:id/traffic", s.getTraffic)       // object-level
	api.GET("/evidence/:id", s.getEvidence)          // object-level, evidence rights
	api.GET("/catalog", s.getCatalog)
	api.GET("/catalog/controls/:id", s.getControl)
	api.GET("/portfolio", s.getPortfolio)
	api.GET("/sources", s.listSources)
	api.GET("/sources/:name/runs", s.listRuns)
	api.GET("/runs/:id", s.getRun)
	api.POST("/sources/:name/run", s.requireOperator(), s.runNowAPI)
	api.GET("/verify", s.requireAuditor(), s.verify)
	api.GET("/findings", s.listFindings)                 // filtered to the caller's team
	api.GET("/findings.csv", s.exportFindingsCSV)        // same filter
	api.GET("/findings/:id", s.getFinding)               // object-level
	api.PATCH("/findings/:id", s.patchFinding)           // object-level, workflow rules
	api.POST("/findings/:id/comments", s.commentFinding) // object-level
	api.POST("/findings/bulk", s.bulkFindings)           // every id checked, all or nothing
	api.POST("/imports", s.postImport)                   // team: own APIs; admin: any
	api.POST("/reports", s.postReport)                   // scope checked against the caller
	api.GET("/reports/schedules", s.listReportSchedules) // filtered by scope
	api.POST("/reports/schedules", s.requireOperator(), s.postReportSchedule)
	api.DELETE("/reports/schedules/:id", s.requireOperator(), s.deleteReportSchedule)
	api.POST("/reports/schedules/:id/run", s.requireOperator(), s.runReportSchedule)
	api.GET("/reports/deliveries", s.listDeliveries) // filtered by scope
	api.GET("/reports/files/:id", s.reportFile)      // object-level: the delivery's scope

	r.NoRoute(s.notFound)
}
