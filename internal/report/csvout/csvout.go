package csvout

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/internal/report"
)

// Header is the CSV's first row.
var Header = []string{"api", "owner", "api_level", "control_id", "title", "tier", "control_level", "status", "coverage",
	"reason", "evidence_ids", "evidence_hashes", "nist_800_53", "owasp_api_2023"}

// checkEvery is how many rows are written between checks of the context
// and of the writer's error: a failing writer or a cancelled export stops
// within a few hundred kilobytes rather than at the end.
const checkEvery = 1024

// Write writes r's control results as CSV to w, one row per result after
// the header. A cancelled ctx or a failing w stops it with an error
// saying at which row; the partial output must then be discarded.
func Write(ctx context.Context, w io.Writer, r report.Report) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line ends
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("csvout: header: %w", err)
	}
	apis := make(map[string]*report.APISummary, len(r.APIs))
	for i := range r.APIs {
		apis[r.APIs[i].Name] = &r.APIs[i]
	}
	controls := make(map[string]*report.Control, len(r.Controls))
	for i := range r.Controls {
		if _, dup := controls[r.Controls[i].ID]; !dup {
			controls[r.Controls[i].ID] = &r.Controls[i]
		}
	}
	row := make([]string, len(Header))
	var ids, hashes []string
	for i, res := range r.Results {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("csvout: row %d: %w", i+2, err)
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return fmt.Errorf("csvout: row %d: %w", i+2, err)
			}
		}
		clear(row)
		row[0], row[3], row[7], row[9] = res.API, res.ControlID, res.Status, res.Reason
		if a := apis[res.API]; a != nil {
			row[1], row[2] = a.Owner, strconv.Itoa(a.Level)
		}
		if c := controls[res.ControlID]; c != nil {
			row[4], row[5], row[6] = c.Title, c.Tier, c.Level
			row[12], row[13] = strings.Join(c.NIST80053, ";"), strings.Join(c.OWASP, ";")
		}
		if res.Status != "not_applicable" {
			row[8] = coverage(res.Coverage)
		}
		ids, hashes = ids[:0], hashes[:0]
		for _, e := range res.Evidence {
			ids = append(ids, strconv.FormatInt(e.ID, 10))
			hashes = append(hashes, e.Hash)
		}
		row[10], row[11] = strings.Join(ids, ";"), strings.Join(hashes, ";")
		if err := cw.Write(Safe(row)); err != nil {
			return fmt.Errorf("csvout: row %d: %w", i+2, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csvout: flush: %w", err)
	}
	return nil
}

// coverage prints a 0-1 fraction with at most 4 decimals ("1", "0",
// "0.4138"), as a spreadsheet reads a number.
func coverage(c float64) string {
	if math.IsNaN(c) || math.IsInf(c, 0) {
		return ""
	}
	return strconv.FormatFloat(math.Round(c*1e4)/1e4, 'f', -1, 64)
}

// Safe defuses, in place, cells a spreadsheet would run as a formula: a
// cell starting with = + - @ tab or carriage return gets a leading single
// quote. It is the rule of server/findings.go's csvSafe (private there;
// the two can merge into one exported helper).
func Safe(row []string) []string {
	for i, v := range row {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			row[i] = "'" + v
		}
	}
	return row
}
