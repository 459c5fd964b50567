// Package ui holds the dashboards' server-rendered templates and their
// small static assets, embedded in the binary: no build step, no CDN.
package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static returns the static assets (served under /static/).
func Static() fs.FS {
	sub, _ := fs.Sub(static, "static")
	return sub
}

// Pages are the parsed page templates, one set per page so that each
// page's "content" block does not collide with another's.
type Pages struct {
	byName map[string]*template.Template
}

// Funcs available in templates.
var Funcs = template.FuncMap{
	"score": func(f float64) string { return fmt.Sprintf("%.0f", f) },
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"time": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return "—"
	},
	"band": func(f float64) string { // colour band of a 0-100 score
		switch {
		case f >= 80:
			return "good"
		case f >= 50:
			return "fair"
		case f > 0:
			return "poor"
		}
		return "none"
	},
	"cellname": func(s string) string {
		return strings.NewReplacer("pre-runtime/", "Pre-runtime ", "runtime/", "Runtime ").Replace(s)
	},
	"join": strings.Join,
	// version shows "v2.4.1" for "2.4.1" and leaves "v1" or "2024-05-01" alone.
	"version": func(v string) string {
		if v != "" && v[0] >= '0' && v[0] <= '9' && !strings.Contains(v, "-") {
			return "v" + v
		}
		return v
	},
	"add": func(a, b int) int { return a + b },
	"statusLabel": func(s string) string {
		return strings.ReplaceAll(s, "_", " ")
	},
	// share is part/whole as a percentage, "—" when whole is 0.
	"share": func(part, whole int64) string {
		if whole == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", float64(part)*100/float64(whole))
	},
	// upto shows a histogram bucket bound: "≤ 20 ms"; "—" for none.
	"upto": func(d time.Duration) string {
		switch {
		case d <= 0:
			return "—"
		case d < time.Second:
			return fmt.Sprintf("≤ %d ms", d.Milliseconds())
		}
		return fmt.Sprintf("≤ %g s", d.Seconds())
	},
	"seconds": func(f float64) string {
		if f < 1 {
			return fmt.Sprintf("%.0f ms", f*1000)
		}
		return fmt.Sprintf("%.1f s", f)
	},
}

// Load parses every page.
func Load() (*Pages, error) {
	entries, err := fs.ReadDir(templates, "templates")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	p := &Pages{byName: map[string]*template.Template{}}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(Funcs).ParseFS(templates, "templates/layout.html", "templates/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("ui: page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// Render writes a page. It renders into a buffer first so a template error
// never leaves half a page behind.
func (p *Pages) Render(w io.Writer, name string, data any) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("ui: page %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}
