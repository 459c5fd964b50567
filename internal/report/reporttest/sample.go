// Package reporttest builds report.Report values for renderer tests and
// benchmarks: the real catalog's controls with made-up APIs, results and
// findings from a seeded generator, so a test can know every figure.
package reporttest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/report"
)

// Epoch is the sample's AsOf.
var Epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

var teams = []string{"payments", "identity", "catalog", "logistics", "platform"}

var statuses = []string{"pass", "pass", "pass", "partial", "fail", "unknown", "not_applicable"}

var findingStatuses = []string{"open", "open", "in_progress", "fixed", "verified", "false_positive", "risk_accepted"}

func hash(parts ...any) string {
	s := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(s[:])
}

// Sample returns a report of apis APIs and findings findings. The same
// arguments always give the same report. Findings and Evidence can be
// ranged over any number of times.
func Sample(apis, findings int) report.Report {
	cat, err := catalog.Default()
	if err != nil {
		panic(fmt.Sprintf("reporttest: catalog: %v", err))
	}
	rng := rand.New(rand.NewPCG(uint64(apis), uint64(findings)))
	r := report.Report{
		Title:       "API security posture",
		Scope:       report.Scope{Kind: report.ScopeAll},
		AsOf:        Epoch,
		From:        Epoch.AddDate(0, 0, -90),
		GeneratedAt: Epoch.Add(time.Hour),
		Generator:   "posture test",
		Chain:       report.ChainHead{Seq: int64(apis*40 + 7), Hash: hash("head", apis)},
	}
	for _, c := range cat.Controls {
		r.Controls = append(r.Controls, report.Control{
			ID: c.ID, Title: c.Title, Tier: c.Tier, Level: c.Level, Weight: c.Weight, Objective: c.Objective,
			NIST80053: c.Refs.NIST80053, SP800228: c.Refs.SP800228, OWASP: c.Refs.OWASP2023,
		})
	}
	var sum report.Cells
	for i := range apis {
		name := fmt.Sprintf("api-%04d", i)
		a := report.APISummary{
			Name: name, Title: fmt.Sprintf("Sample API %d", i), Owner: teams[i%len(teams)], Environment: "production",
			Level: rng.IntN(5), ComputedAt: Epoch.Add(-time.Duration(rng.IntN(48)) * time.Hour),
			Cells: report.Cells{PreBasic: float64(rng.IntN(101)), PreAdv: float64(rng.IntN(101)), RunBasic: float64(rng.IntN(101)), RunAdv: float64(rng.IntN(101))},
		}
		if a.Level < 4 {
			a.Blockers = []string{fmt.Sprintf("runtime basic %.0f < 80", a.Cells.RunBasic)}
		}
		r.Levels[a.Level]++
		sum.PreBasic += a.Cells.PreBasic
		sum.PreAdv += a.Cells.PreAdv
		sum.RunBasic += a.Cells.RunBasic
		sum.RunAdv += a.Cells.RunAdv
		for _, c := range r.Controls {
			st := statuses[rng.IntN(len(statuses))]
			res := report.Result{API: name, ControlID: c.ID, Status: st, Reason: "sample: " + st}
			switch st {
			case "pass":
				res.Coverage = 1
			case "partial":
				res.Total = 10 + rng.IntN(40)
				res.Covered = rng.IntN(res.Total)
				res.Coverage = float64(res.Covered) / float64(res.Total)
				res.Reason = fmt.Sprintf("%d of %d endpoints", res.Covered, res.Total)
			case "unknown":
				a.Unknown++
				r.Gaps = append(r.Gaps, report.Gap{API: name, ControlID: c.ID, ControlTitle: c.Title, Reason: "no evidence"})
			}
			if st != "unknown" && st != "not_applicable" {
				id := int64(i*len(r.Controls) + len(r.Results) + 1)
				res.Evidence = []report.EvidenceRef{{ID: id, Hash: hash("ev", id), Source: "specs", ObservedAt: Epoch.AddDate(0, 0, -rng.IntN(20))}}
			}
			r.Results = append(r.Results, res)
		}
		r.APIs = append(r.APIs, a)
	}
	if apis > 0 {
		n := float64(apis)
		r.Cells = report.Cells{PreBasic: sum.PreBasic / n, PreAdv: sum.PreAdv / n, RunBasic: sum.RunBasic / n, RunAdv: sum.RunAdv / n}
	}
	mean := 0.0
	for l, n := range r.Levels {
		mean += float64(l * n)
	}
	if apis > 0 {
		mean /= float64(apis)
	}
	for d := 90; d >= 0; d -= 7 {
		f := 1 - float64(d)/180 // the last point (d = 0... 6) is close to today's
		if d < 7 {
			f = 1
		}
		r.Trend = append(r.Trend, report.TrendPoint{Day: Epoch.AddDate(0, 0, -d), APIs: apis, MeanLevel: mean * f,
			Cells: report.Cells{PreBasic: r.Cells.PreBasic * f, PreAdv: r.Cells.PreAdv * f, RunBasic: r.Cells.RunBasic * f, RunAdv: r.Cells.RunAdv * f}})
	}
	for _, o := range cat.OWASP {
		r.Frameworks = append(r.Frameworks, report.FrameworkCoverage{Framework: "OWASP API 2023", ID: o.ID, Title: o.Title,
			Controls: len(cat.ForOWASP(o.ID)), Score: float64(rng.IntN(101)), Pass: rng.IntN(apis + 1), Fail: rng.IntN(apis + 1)})
	}
	for _, fam := range []struct{ id, title string }{{"AC", "Access Control"}, {"AU", "Audit and Accountability"}, {"SC", "System and Communications Protection"}, {"SI", "System and Information Integrity"}} {
		r.Frameworks = append(r.Frameworks, report.FrameworkCoverage{Framework: "NIST SP 800-53 rev5", ID: fam.id, Title: fam.title,
			Controls: 3 + rng.IntN(6), Score: float64(rng.IntN(101)), Pass: rng.IntN(apis + 1), Partial: rng.IntN(apis + 1)})
	}

	gen := func(yield func(report.Finding, error) bool) {
		g := rand.New(rand.NewPCG(7, uint64(findings)))
		for i := range findings {
			sev := report.Severities[i*5/findings] // worst first, as Build yields them
			f := report.Finding{
				ID: int64(i + 1), API: fmt.Sprintf("api-%04d", g.IntN(max(apis, 1))), Tool: []string{"CodeQL", "ZAP", "Semgrep", "Nuclei"}[g.IntN(4)],
				RuleID: fmt.Sprintf("rule-%03d", g.IntN(300)), Title: fmt.Sprintf("Sample weakness %d", i%997),
				Severity: sev, Status: findingStatuses[g.IntN(len(findingStatuses))], CWE: []int{79, 89, 285, 639, 770, 918}[g.IntN(6)],
				OWASP: fmt.Sprintf("API%d:2023", 1+g.IntN(10)), Location: fmt.Sprintf("src/handler%d.go:%d", g.IntN(50), 1+g.IntN(400)),
				FirstSeen: Epoch.AddDate(0, 0, -g.IntN(120)), LastSeen: Epoch.AddDate(0, 0, -g.IntN(5)),
			}
			if f.Status == "open" || f.Status == "in_progress" {
				due := f.FirstSeen.AddDate(0, 0, 30)
				f.DueAt, f.Overdue = &due, due.Before(Epoch)
			}
			f.History = []report.Event{{At: f.FirstSeen, Actor: "ingest", Kind: "created", To: "open"}}
			if f.Status != "open" {
				f.History = append(f.History, report.Event{At: f.LastSeen, Actor: "team:" + teams[i%len(teams)], Kind: "status", From: "open", To: f.Status, Note: "sample"})
			}
			if !yield(f, nil) {
				return
			}
		}
	}
	if findings > 0 {
		r.Findings = gen
		for f := range gen {
			r.FindingCounts.Total++
			if f.Status == "open" || f.Status == "in_progress" {
				r.FindingCounts.Open++
				r.FindingCounts.OpenBySeverity[severityIndex(f.Severity)]++
				var idx int
				fmt.Sscanf(f.API, "api-%d", &idx)
				if idx < len(r.APIs) {
					r.APIs[idx].OpenBySeverity[severityIndex(f.Severity)]++
				}
				if f.Overdue {
					r.FindingCounts.Overdue++
					if idx < len(r.APIs) {
						r.APIs[idx].Overdue++
					}
				}
				if len(r.TopRisks) < 20 && (f.Severity == "critical" || f.Severity == "high") {
					r.TopRisks = append(r.TopRisks, report.Risk{FindingID: f.ID, API: f.API, Title: f.Title, Severity: f.Severity, Status: f.Status, OWASP: f.OWASP, DueAt: f.DueAt, Overdue: f.Overdue})
				}
			}
			if f.Status == "risk_accepted" {
				r.FindingCounts.RiskAccepted++
			}
		}
	}
	if apis > 0 {
		r.Evidence = evidence(apis)
	}
	return r
}

func severityIndex(s string) int {
	for i, v := range report.Severities {
		if v == s {
			return i
		}
	}
	return len(report.Severities) - 1
}

// evidence yields 3 records per API, chained.
func evidence(apis int) iter.Seq2[report.EvidenceRecord, error] {
	return func(yield func(report.EvidenceRecord, error) bool) {
		prev := strings.Repeat("0", 64)
		for i := range apis * 3 {
			h := hash("chain", i)
			e := report.EvidenceRecord{ID: int64(i + 1), Seq: int64(i + 1), API: fmt.Sprintf("api-%04d", i/3), Source: "specs", Collector: "openapi",
				Location: fmt.Sprintf("specs/api-%04d.yaml", i/3), Facts: `{"spec.present":true}`, ArtifactSHA256: hash("artifact", i/3),
				Hash: h, PrevHash: prev, ObservedAt: Epoch.AddDate(0, 0, -1), RecordedAt: Epoch.AddDate(0, 0, -1)}
			prev = h
			if !yield(e, nil) {
				return
			}
		}
	}
}
