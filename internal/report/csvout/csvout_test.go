package csvout

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
)

func render(t *testing.T, r report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readBack parses the output with encoding/csv's reader in strict mode
// (every row the same width, no bare quotes).
func readBack(t *testing.T, b []byte) [][]string {
	t.Helper()
	rd := csv.NewReader(bytes.NewReader(b))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	return rows
}

func col(name string) int {
	for i, h := range Header {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

func TestRowsAndCells(t *testing.T) {
	r := reporttest.Sample(7, 0)
	out := render(t, r)
	rows := readBack(t, out)
	if len(rows) != len(r.Results)+1 {
		t.Fatalf("%d rows, want %d results + header", len(rows), len(r.Results))
	}
	if strings.Join(rows[0], ",") != "api,owner,api_level,control_id,title,tier,control_level,status,coverage,reason,evidence_ids,evidence_hashes,nist_800_53,owasp_api_2023" {
		t.Errorf("header %v", rows[0])
	}
	// RFC 4180: CRLF after every record, nothing else.
	if n, crlf := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != crlf || n != len(rows) {
		t.Errorf("%d line feeds, %d CRLF, %d rows: want CRLF line ends only", n, crlf, len(rows))
	}

	owner := map[string]report.APISummary{}
	for _, a := range r.APIs {
		owner[a.Name] = a
	}
	ctl := map[string]report.Control{}
	for _, c := range r.Controls {
		ctl[c.ID] = c
	}
	statuses := map[string]int{}
	for i, res := range r.Results {
		row := rows[i+1]
		a, c := owner[res.API], ctl[res.ControlID]
		var ids, hashes []string
		for _, e := range res.Evidence {
			ids = append(ids, fmt.Sprint(e.ID))
			hashes = append(hashes, e.Hash)
		}
		want := map[string]string{
			"api": res.API, "owner": a.Owner, "api_level": fmt.Sprint(a.Level), "control_id": res.ControlID,
			"title": c.Title, "tier": c.Tier, "control_level": c.Level, "status": res.Status, "reason": res.Reason,
			"evidence_ids": strings.Join(ids, ";"), "evidence_hashes": strings.Join(hashes, ";"),
			"nist_800_53": strings.Join(c.NIST80053, ";"), "owasp_api_2023": strings.Join(c.OWASP, ";"),
		}
		for name, v := range want {
			if got := row[col(name)]; got != v {
				t.Fatalf("row %d %s = %q, want %q", i+2, name, got, v)
			}
		}
		statuses[row[col("status")]]++
		cov := row[col("coverage")]
		switch res.Status {
		case "pass":
			if cov != "1" {
				t.Errorf("row %d: pass with coverage %q", i+2, cov)
			}
		case "not_applicable":
			if cov != "" {
				t.Errorf("row %d: not applicable with coverage %q", i+2, cov)
			}
		case "partial":
			var f float64
			if _, err := fmt.Sscan(cov, &f); err != nil || f < res.Coverage-0.00005 || f > res.Coverage+0.00005 {
				t.Errorf("row %d: coverage %q, want %.4f", i+2, cov, res.Coverage)
			}
		}
	}
	for _, s := range []string{"pass", "partial", "fail", "unknown", "not_applicable"} {
		if statuses[s] == 0 {
			t.Errorf("no %s row: the sample does not exercise it", s)
		}
	}
}

func TestFormulaInjection(t *testing.T) {
	r := reporttest.Sample(1, 0)
	r.APIs[0].Owner = "=HYPERLINK(\"http://evil\",\"x\")"
	hostile := []string{"+1+1", "-2-2", "@SUM(A1)", "\tcmd", "\rcmd", "=cmd|' /C calc'!A0"}
	for i, h := range hostile {
		r.Results[i].Reason = h
	}
	r.Results[len(hostile)].Reason = "a=b, \"quoted\"\nand a new line" // harmless: kept as is
	rows := readBack(t, render(t, r))
	if got := rows[1][col("owner")]; got != "'"+r.APIs[0].Owner {
		t.Errorf("owner %q, want it quoted with a leading '", got)
	}
	for i, h := range hostile {
		// In CRLF mode encoding/csv's writer drops a lone carriage
		// return; the quote still comes first.
		want := strings.ReplaceAll("'"+h, "\r", "")
		if got := rows[i+1][col("reason")]; got != want {
			t.Errorf("reason %q, want %q", got, want)
		}
	}
	if got := rows[len(hostile)+1][col("reason")]; got != r.Results[len(hostile)].Reason {
		t.Errorf("harmless reason %q changed", got)
	}
	// No cell a spreadsheet would evaluate.
	for i, row := range rows {
		for j, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %d col %s: %q starts a formula", i+1, Header[j], cell)
			}
		}
	}
}

func TestEmptyReport(t *testing.T) {
	rows := readBack(t, render(t, report.Report{}))
	if len(rows) != 1 || len(rows[0]) != len(Header) {
		t.Errorf("empty report: %v, want the header alone", rows)
	}
}

func TestOddData(t *testing.T) {
	r := report.Report{Results: []report.Result{{API: "ghost", ControlID: "NOPE", Status: "weird", Reason: "Zürich — 東京"}}}
	rows := readBack(t, render(t, r))
	if len(rows) != 2 || rows[1][col("owner")] != "" || rows[1][col("title")] != "" || rows[1][col("reason")] != "Zürich — 東京" {
		t.Errorf("odd row %q", rows)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, &bytes.Buffer{}, reporttest.Sample(1, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

var errBoom = errors.New("boom")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBoom }

func TestWriteError(t *testing.T) {
	err := Write(context.Background(), brokenWriter{}, reporttest.Sample(3, 0))
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "csvout: ") {
		t.Errorf("error %v, want the writer's, wrapped", err)
	}
}

func BenchmarkWrite(b *testing.B) {
	r := reporttest.Sample(200, 0) // 7,000 results
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		var w reporttest.CountingWriter
		if err := Write(context.Background(), &w, r); err != nil {
			b.Fatal(err)
		}
		n = w.N
	}
	b.ReportMetric(float64(n)/(1<<20), "file-MiB")
}
