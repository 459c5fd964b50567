package server

import (
	_ "embed"

	"github.com/gin-gonic/gin"
)

// openapiJSON describes /api/v1; a test checks it lists every route.
//
//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapiSpec(c *gin.Context) {
	c.Data(200, "application/json", openapiJSON)
}
