package semgrep

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Tool is Finding.Tool: the kind (the JSON output does not name itself).
const Tool = Kind

// report is the part of Semgrep's JSON output read here.
type report struct {
	Results []json.RawMessage `json:"results"`
	Errors  []json.RawMessage `json:"errors"`
	Version string            `json:"version"`
}

type result struct {
	CheckID string `json:"check_id"`
	Path    string `json:"path"`
	Start   struct {
		Line int `json:"line"`
		Col  int `json:"col"`
	} `json:"start"`
	Extra struct {
		Message     string         `json:"message"`
		Severity    string         `json:"severity"`
		Metadata    map[string]any `json:"metadata"`
		Lines       string         `json:"lines"`
		Fingerprint string         `json:"fingerprint"`
		IsIgnored   bool           `json:"is_ignored"`
		Fix         string         `json:"fix"`
		ScaInfo     *struct {
			DependencyMatch struct {
				FoundDependency struct {
					Package string `json:"package"`
					Version string `json:"version"`
				} `json:"found_dependency"`
			} `json:"dependency_match"`
		} `json:"sca_info"`
	} `json:"extra"`
}

type semgrepError struct {
	Level   string          `json:"level"`
	Type    json.RawMessage `json:"type"`
	Message string          `json:"message"`
	Path    string          `json:"path"`
	RuleID  string          `json:"rule_id"`
}

// loginPlaceholder is what Semgrep OSS writes in extra.lines and
// extra.fingerprint for users not logged in: not code, not an identity.
const loginPlaceholder = "requires login"

// severityOf maps Semgrep's levels: its documentation ("How does Semgrep
// assign severity levels to rules?") gives Critical, High, Medium and Low,
// and reads the older ERROR, WARNING and INFO as High, Medium and Low.
// INVENTORY and EXPERIMENT rules report facts, not problems.
var severityOf = map[string]string{
	"CRITICAL": collectors.SeverityCritical,
	"HIGH":     collectors.SeverityHigh, "ERROR": collectors.SeverityHigh,
	"MEDIUM": collectors.SeverityMedium, "WARNING": collectors.SeverityMedium,
	"LOW": collectors.SeverityLow, "INFO": collectors.SeverityLow,
	"INVENTORY": collectors.SeverityInfo, "EXPERIMENT": collectors.SeverityInfo,
}

// Parse reads one Semgrep JSON report (name is how messages and the
// artifact call it) into findings, the tested evidence and warnings. It
// never panics: a decoder panic becomes an ErrParserPanic error.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	var rep report
	if _, err := format.DecodeObject(name, data, &rep); err != nil {
		return nil, err
	}
	if rep.Results == nil {
		return nil, format.Errorf(name, 1, 1, "", `not Semgrep JSON output: no "results" array`)
	}
	res = &Result{}
	// Semgrep's errors are the rules or files it could not run: the scan
	// is incomplete there, which a reader should know.
	for i, raw := range rep.Errors {
		var e semgrepError
		if err := json.Unmarshal(raw, &e); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("errors[%d]: not an error object", i))
			continue
		}
		msg := fmt.Sprintf("errors[%d]: Semgrep reported", i)
		if e.Level != "" {
			msg += " " + strings.ToLower(e.Level)
		}
		if t := errorType(e.Type); t != "" {
			msg += " " + t
		}
		if e.Path != "" {
			msg += " in " + e.Path
		}
		if e.RuleID != "" {
			msg += " (rule " + e.RuleID + ")"
		}
		if m := scan.FirstLine(e.Message); m != "" {
			msg += ": " + m
		}
		res.Warnings = append(res.Warnings, scan.Clip(msg, 500))
	}
	api := scan.APIName(src, "", name)
	unknown := map[string]bool{}
	withID := 0
	for i, raw := range rep.Results {
		at := fmt.Sprintf("results[%d]", i)
		var r result
		if !format.DecodePart(at, raw, &r, &res.Warnings) {
			continue
		}
		if r.CheckID != "" {
			withID++
		}
		if strings.TrimSpace(r.CheckID) == "" {
			res.Warnings = append(res.Warnings, at+" has no check_id; skipped")
			continue
		}
		f := finding(api, &r)
		if _, ok := severityOf[strings.ToUpper(strings.TrimSpace(r.Extra.Severity))]; !ok && !unknown[r.Extra.Severity] {
			unknown[r.Extra.Severity] = true
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: unknown severity %q taken as info", at, scan.Clip(r.Extra.Severity, 40)))
		}
		res.Findings = append(res.Findings, f)
	}
	if len(rep.Results) > 0 && withID == 0 {
		return nil, format.Errorf(name, 1, 1, "", `not Semgrep JSON output: no result has a "check_id"`)
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	return format.Finish(res, art, scan.Scope{API: api, Tool: Tool}), nil
}

func finding(api string, r *result) collectors.Finding {
	x := &r.Extra
	f := collectors.Finding{API: api, Tool: Tool, RuleID: scan.Clip(r.CheckID, 500)}
	title := r.CheckID
	if i := strings.LastIndexByte(title, '.'); i >= 0 && i < len(title)-1 {
		title = title[i+1:] // the rule's own name; the rest is its registry path
	}
	f.Title = scan.Clip(title, 500)
	f.Description = scan.ClipText(x.Message)
	f.RawSeverity = scan.Clip(x.Severity, 100)
	f.Severity = severityOf[strings.ToUpper(strings.TrimSpace(x.Severity))]
	if f.Severity == "" {
		f.Severity = collectors.SeverityInfo
	}
	f.File = scan.Clip(strings.ReplaceAll(r.Path, `\`, "/"), 1000)
	if f.File != "" {
		f.Line = max(r.Start.Line, 0)
	}
	f.Location = scan.FileLocation(f.File, f.Line)

	md := x.Metadata
	var cwes []int
	for _, c := range strs(md["cwe"]) {
		cwes = append(cwes, scan.CWEs(c)...)
	}
	scan.SetCWEs(&f, cwes)
	for _, o := range strs(md["owasp"]) {
		if f.OWASP == "" {
			f.OWASP = scan.OWASPAPI(o)
		}
		f.Tags = scan.AddTag(f.Tags, "owasp:"+o)
	}
	for _, key := range []string{"confidence", "category", "subcategory", "technology", "likelihood", "impact", "vulnerability_class"} {
		for _, v := range strs(md[key]) {
			f.Tags = scan.AddTag(f.Tags, key+":"+v)
		}
	}
	if x.IsIgnored {
		// A nosemgrep comment: the developer accepted it.
		f.Tags = scan.AddTag(f.Tags, "suppressed")
		f.Tags = scan.AddTag(f.Tags, "suppression:inSource")
	}
	if x.ScaInfo != nil {
		d := x.ScaInfo.DependencyMatch.FoundDependency
		f.Tags = scan.AddTag(f.Tags, "sca")
		if d.Package != "" {
			f.Tags = scan.AddTag(f.Tags, "dependency:"+d.Package+"@"+d.Version)
		}
		for _, id := range strs(md["sca-vuln-database-identifier"]) {
			f.Tags = scan.AddTag(f.Tags, id)
		}
	}

	var rem []string
	if x.Fix != "" {
		rem = append(rem, "Suggested fix:\n"+x.Fix)
	}
	rem = append(rem, strs(md["references"])...)
	if s := strs(md["source"]); len(s) > 0 {
		rem = append(rem, s[0])
	}
	f.Remediation = scan.ClipText(strings.Join(rem, "\n"))

	if lines := strings.TrimSpace(x.Lines); lines != "" && lines != loginPlaceholder && !isSecretRule(r) {
		f.Excerpt = scan.Excerpt(lines)
	}
	if fp := strings.TrimSpace(x.Fingerprint); fp != "" && fp != loginPlaceholder {
		f.Fingerprint = "semgrep:" + scan.Clip(fp, 300)
	}
	return f
}

// isSecretRule reports whether a rule finds secrets (Semgrep Secrets,
// the registry's generic.secrets rules): the matched lines are the
// secret, so no excerpt is kept.
func isSecretRule(r *result) bool {
	if strings.Contains(strings.ToLower(r.CheckID), "secret") {
		return true
	}
	for _, key := range []string{"category", "subcategory", "product"} {
		for _, v := range strs(r.Extra.Metadata[key]) {
			if strings.Contains(strings.ToLower(v), "secret") {
				return true
			}
		}
	}
	return false
}

// strs reads a metadata value that is a string or a list of strings
// (numbers count as text).
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return []string{v}
		}
	case float64:
		return []string{fmt.Sprint(v)}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

// errorType is a Semgrep error's type: a string, or (newer versions) a
// list whose first element names it.
func errorType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var l []json.RawMessage
	if json.Unmarshal(raw, &l) == nil && len(l) > 0 && json.Unmarshal(l[0], &s) == nil {
		return s
	}
	return ""
}
