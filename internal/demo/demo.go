// Package demo ships the sample evidence `posture demo` runs on: a few
// OpenAPI specs of fictional APIs, from strong to weak, embedded in the
// binary so the demo needs nothing but the binary.
package demo

import (
	"embed"
	"io/fs"
	"path"
	"strings"

	"github.com/posture-dev/posture/internal/config"
)

//go:embed data
var data embed.FS

// FS is the demo data, rooted at data/.
func FS() fs.FS {
	sub, _ := fs.Sub(data, "data")
	return sub
}

// Sources returns one source per sample spec, each collected every 15
// minutes: enough to show the scheduler at work.
func Sources() ([]config.Source, error) {
	entries, err := fs.ReadDir(FS(), "specs")
	if err != nil {
		return nil, err
	}
	var out []config.Source
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		out = append(out, config.Source{
			Name:       "demo-" + strings.TrimSuffix(e.Name(), ext),
			Kind:       "openapi",
			Paths:      []string{"specs/" + e.Name()},
			Schedule:   "@every 15m",
			RunAtStart: true,
		})
	}
	return out, nil
}
