// Package scan holds what every scan-result collector (SARIF, ZAP, Burp,
// Nuclei, Semgrep, Trivy, ...) needs in the same way: severity
// normalization, CWE parsing, excerpt bounds, the API a report's findings
// belong to, and the evidence record that says "this API has security
// testing in CI". Each tool's own collector lives in a subpackage.
//
// The other files hold the reading code those collectors share, keyed by a
// Format (the collector's kind, its "wrong format" error, and where
// formats differ: limits, candidate file names, the wording of type
// errors, how findings merge): Error, which names kind, file, line,
// column and field path (errors.go); bounded JSON documents, arrays and
// JSON Lines, typed decoding with field paths, and head sniffing for
// Detect (json.go); the Collect walk over files and directory trees
// (walk.go); and the Result a report yields with its text bounds, tags,
// CWEs, merging, locations and host hints (report.go, with Format.Finish
// and Format.Recover in format.go). Package dast holds what the DAST
// collectors share beyond this (XML, HTML, HTTP messages); packages
// scantest and dast/dasttest the shared test helpers.
package scan

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
)

// Severity maps a tool's severity word to posture's five levels. It knows
// the words the common tools use: critical, high, medium/moderate, low,
// info/informational/note/none/negligible/unknown; SARIF's error, warning
// and note; and numeric CVSS-style scores ("9.8"). ok is false for a word
// it does not know (the caller decides, and should keep the raw value).
func Severity(raw string) (sev string, ok bool) {
	w := strings.ToLower(strings.TrimSpace(raw))
	switch w {
	case "critical", "crit", "blocker", "very high", "veryhigh":
		return collectors.SeverityCritical, true
	case "high", "error", "major", "severe":
		return collectors.SeverityHigh, true
	case "medium", "moderate", "warning", "warn", "med":
		return collectors.SeverityMedium, true
	case "low", "minor":
		return collectors.SeverityLow, true
	case "info", "informational", "information", "note", "none", "negligible", "unknown", "trivial", "false positive":
		return collectors.SeverityInfo, true
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil && f >= 0 && f <= 10 {
		return FromScore(f), true
	}
	return "", false
}

// FromScore maps a 0-10 score (CVSS v3 qualitative ranges) to a severity.
func FromScore(f float64) string {
	switch {
	case f >= 9:
		return collectors.SeverityCritical
	case f >= 7:
		return collectors.SeverityHigh
	case f >= 4:
		return collectors.SeverityMedium
	case f > 0:
		return collectors.SeverityLow
	}
	return collectors.SeverityInfo
}

var cweRE = regexp.MustCompile(`(?i)\bCWE[-_ :]{0,2}(\d{1,5})\b`)

// CWEs returns the CWE ids named in s ("CWE-79", "cwe_89", "CWE: 22"),
// in order and without repeats.
func CWEs(s string) []int {
	var out []int
	seen := map[int]bool{}
	for _, m := range cweRE.FindAllStringSubmatch(s, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// CWE returns the first CWE id in s, or 0. A bare number ("79") counts.
func CWE(s string) int {
	if ids := CWEs(s); len(ids) > 0 {
		return ids[0]
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 && n < 100000 {
		return n
	}
	return 0
}

var owaspAPIRE = regexp.MustCompile(`(?i)\bAPI(10|[1-9])(?::?2023)?\b`)

// OWASPAPI returns the OWASP API Security Top 10 2023 category ("API1:2023")
// named in a tag such as "API1:2023", "owasp-api-top10-2023-API1" or
// "API1"; "" when there is none. Only tags that name the 2023 list or no
// year count: "API1:2019" is a different list.
func OWASPAPI(tag string) string {
	if strings.Contains(tag, "2019") {
		return ""
	}
	m := owaspAPIRE.FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return "API" + m[1] + ":2023"
}

// Excerpt trims s and cuts it to collectors.MaxExcerpt bytes on a rune
// boundary, marking the cut.
func Excerpt(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= collectors.MaxExcerpt {
		return s
	}
	cut := collectors.MaxExcerpt - len("\n…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n…"
}

// Clip cuts a one-line field (a title, a rule id) to n bytes on a rune
// boundary, so a hostile report cannot store megabyte titles.
func Clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// APIName is the inventory API a report's findings belong to: the
// source's api setting when given, else hint (a scanned host, a project
// or repository name) mapped through the source's api_map, else the
// report's file name without extension.
func APIName(src collectors.Source, hint, file string) string {
	if src.API != "" {
		return src.API
	}
	if hint != "" {
		return src.APIName(hint)
	}
	base := file
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return src.APIName(base)
}

// TestedEvidence is the API-scope evidence that tool scanned api:
// security_testing.ci true, pointing at the report, with the tool as its
// Location. Ingest scopes an import by (API, tool) from these records and
// from its findings' Tool, so tool is the string the report's findings
// carry ("CodeQL", not "sarif"). Collectors emit one per (API, tool) pair
// per report, findings or not (a clean scan is evidence too): see
// Format.Finish.
func TestedEvidence(api string, art *collectors.Artifact, tool string) collectors.Evidence {
	return collectors.Evidence{API: api, Artifact: art, Location: tool,
		Facts: collectors.Facts{collectors.FactScanPresent: true}}
}
