// Package reporting turns the report model into files and gets them to
// people: it renders a report in each requested format, archives what it
// generated, and runs report schedules (cron, time zone, scope, formats,
// recipients) that deliver by e-mail, webhook or directory with retries,
// recording every delivery.
package reporting

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/csvout"
	"github.com/posture-dev/posture/internal/report/oscal"
	"github.com/posture-dev/posture/internal/report/pdf"
	"github.com/posture-dev/posture/internal/report/xlsx"
)

// Formats a report renders in.
const (
	FormatPDF   = "pdf"
	FormatXLSX  = "xlsx"
	FormatOSCAL = "oscal"
	FormatCSV   = "csv"
)

// Kinds of PDF report.
const (
	KindExecutive = "executive"
	KindAuditor   = "auditor"
)

// Formats lists every format: the config's list, which validates
// schedules before this package is reached.
var Formats = config.ReportFormats

// Ext is the file extension of a format's files.
func Ext(format string) string {
	switch format {
	case FormatOSCAL:
		return ".json"
	case FormatPDF, FormatXLSX, FormatCSV:
		return "." + format
	}
	return ""
}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case FormatPDF:
		return "application/pdf"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatOSCAL:
		return "application/json"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	}
	return "application/octet-stream"
}

// ValidFormat reports whether f is a known format.
func ValidFormat(f string) bool { return slices.Contains(Formats, f) }

// Render writes r in format to w. kind chooses the PDF (executive by
// default; auditor for the per-control trail).
func Render(ctx context.Context, w io.Writer, format, kind string, r report.Report, cat *catalog.Catalog) error {
	switch format {
	case FormatPDF:
		if kind == KindAuditor {
			return pdf.Auditor(ctx, w, r)
		}
		return pdf.Executive(ctx, w, r)
	case FormatXLSX:
		return xlsx.Write(ctx, w, r)
	case FormatOSCAL:
		return oscal.Write(ctx, w, r, cat)
	case FormatCSV:
		return csvout.Write(ctx, w, r)
	}
	return fmt.Errorf("unknown report format %q (use %s)", format, strings.Join(Formats, ", "))
}

// File is one generated report file.
type File struct {
	Name        string
	Format      string
	ContentType string
	Data        []byte
	SHA256      string
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileName is the download name of a report: posture-<scope>-<kind>-<date>.<ext>.
func FileName(format, kind string, r report.Report) string {
	scope := "portfolio"
	if r.Scope.Kind != report.ScopeAll && r.Scope.Name != "" {
		scope = r.Scope.Kind + "-" + strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(r.Scope.Name), "-"), "-")
	}
	date := r.AsOf.UTC().Format("2006-01-02")
	what := ""
	switch format {
	case FormatPDF:
		if kind == "" {
			kind = KindExecutive
		}
		what = "-" + kind
	case FormatOSCAL:
		what = "-assessment-results"
	case FormatCSV:
		what = "-results"
	}
	return fmt.Sprintf("posture-%s-%s%s%s", scope, date, what, Ext(format))
}

// renderFiles renders r in every format into memory. A report is a few
// MB even for a large portfolio (the Excel findings sheet is streamed
// into excelize, which spills to disk); holding the files lets one
// delivery attach the same bytes to every channel and archive them once.
func renderFiles(ctx context.Context, formats []string, kind string, r report.Report, cat *catalog.Catalog) ([]File, error) {
	if len(formats) == 0 {
		formats = []string{FormatPDF}
	}
	var out []File
	for _, f := range formats {
		var buf bytes.Buffer
		if err := Render(ctx, &buf, f, kind, r, cat); err != nil {
			return nil, fmt.Errorf("reporting: %s: %w", f, err)
		}
		sum := sha256.Sum256(buf.Bytes())
		out = append(out, File{Name: FileName(f, kind, r), Format: f, ContentType: ContentType(f), Data: buf.Bytes(), SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}
