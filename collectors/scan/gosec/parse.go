package gosec

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Tool is Finding.Tool: the kind (the report does not name itself).
const Tool = Kind

// report is gosec's JSON report.
type report struct {
	GolangErrors map[string][]struct {
		Line   int    `json:"line"`
		Column int    `json:"column"`
		Error  string `json:"error"`
	} `json:"Golang errors"`
	Issues       []json.RawMessage `json:"Issues"`
	GosecVersion string            `json:"GosecVersion"`
}

type issue struct {
	Severity   string `json:"severity"`
	Confidence string `json:"confidence"`
	CWE        *struct {
		ID  text   `json:"id"`
		URL string `json:"url"`
	} `json:"cwe"`
	RuleID       string `json:"rule_id"`
	Details      string `json:"details"`
	File         string `json:"file"`
	Code         string `json:"code"`
	Line         text   `json:"line"`
	Column       text   `json:"column"`
	Nosec        bool   `json:"nosec"`
	Suppressions []struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
	Autofix string `json:"autofix"`
}

// text is a JSON string or number as text: gosec writes line, column and
// cwe.id as strings ("12", "12-14"), other producers as numbers.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		// A type error, so the decoder adds the field's path to it.
		kind := map[byte]string{'[': "array", '{': "object", 't': "bool", 'f': "bool", 'n': "null"}[b[0]]
		return &json.UnmarshalTypeError{Value: cmp.Or(kind, "value"), Type: reflect.TypeFor[string]()}
	}
	*t = text(n)
	return nil
}

// lineOf is the first line of "12" or "12-14"; 0 when there is none.
func lineOf(t text) int {
	s, _, _ := strings.Cut(strings.TrimSpace(string(t)), "-")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Parse reads one gosec JSON report (name is how messages and the
// artifact call it) into findings, the tested evidence and warnings. It
// never panics: a decoder panic becomes an ErrParserPanic error.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	var rep report
	if _, err := format.DecodeObject(name, data, &rep); err != nil {
		return nil, err
	}
	if rep.Issues == nil {
		return nil, format.Errorf(name, 1, 1, "", `not a gosec report: no "Issues" array`)
	}
	res = &Result{}
	// Packages gosec could not type-check were not (fully) analysed.
	files := make([]string, 0, len(rep.GolangErrors))
	for f := range rep.GolangErrors {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		for _, e := range rep.GolangErrors[f] {
			res.Warnings = append(res.Warnings, scan.Clip(fmt.Sprintf("gosec could not analyse %s:%d:%d: %s", f, e.Line, e.Column, scan.FirstLine(e.Error)), 500))
		}
	}
	var issues []issue
	var ats []string
	withRule := 0
	for i, raw := range rep.Issues {
		at := fmt.Sprintf("Issues[%d]", i)
		var is issue
		if !format.DecodePart(at, raw, &is, &res.Warnings) {
			continue
		}
		if strings.TrimSpace(is.RuleID) == "" {
			res.Warnings = append(res.Warnings, at+" has no rule_id; skipped")
			continue
		}
		withRule++
		issues = append(issues, is)
		ats = append(ats, at)
	}
	if len(rep.Issues) > 0 && withRule == 0 {
		return nil, format.Errorf(name, 1, 1, "", `not a gosec report: no issue has a "rule_id"`)
	}
	// Older gosec versions state a rule's CWE on some of its issues only:
	// the CWE the report gives a rule holds for all its issues.
	ruleCWE := map[string]int{}
	for _, is := range issues {
		if is.CWE != nil {
			if n := scan.CWE(string(is.CWE.ID)); n > 0 && ruleCWE[is.RuleID] == 0 {
				ruleCWE[is.RuleID] = n
			}
		}
	}
	api := scan.APIName(src, "", name)
	unknown := map[string]bool{}
	for i, is := range issues {
		f := collectors.Finding{API: api, Tool: Tool, RuleID: scan.Clip(is.RuleID, 500)}
		f.Title = scan.Clip(cmp.Or(scan.FirstLine(is.Details), is.RuleID), 500)
		f.Description = scan.ClipText(is.Details)
		var ok bool
		f.RawSeverity = scan.Clip(is.Severity, 100)
		if f.Severity, ok = scan.Severity(is.Severity); !ok {
			f.Severity = collectors.SeverityInfo
			if !unknown[is.Severity] {
				unknown[is.Severity] = true
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: unknown severity %q taken as info", ats[i], scan.Clip(is.Severity, 40)))
			}
		}
		cwe := ruleCWE[is.RuleID]
		if is.CWE != nil {
			if n := scan.CWE(string(is.CWE.ID)); n > 0 {
				cwe = n
			}
			if u := strings.TrimSpace(is.CWE.URL); u != "" {
				f.Description = scan.ClipText(f.Description + "\n\n" + u)
			}
		}
		scan.SetCWEs(&f, []int{cwe})
		f.File = scan.Clip(strings.ReplaceAll(is.File, `\`, "/"), 1000)
		if f.File != "" {
			f.Line = lineOf(is.Line)
		}
		f.Location = scan.FileLocation(f.File, f.Line)
		f.Excerpt = scan.Excerpt(is.Code)
		f.Remediation = scan.ClipText(is.Autofix)
		if c := strings.TrimSpace(is.Confidence); c != "" {
			f.Tags = scan.AddTag(f.Tags, "confidence:"+c)
		}
		if is.Nosec || len(is.Suppressions) > 0 {
			// A #nosec annotation (or an external suppression): accepted.
			f.Tags = scan.AddTag(f.Tags, "suppressed")
			for _, s := range is.Suppressions {
				if s.Kind != "" {
					f.Tags = scan.AddTag(f.Tags, "suppression:"+s.Kind)
				}
			}
		}
		res.Findings = append(res.Findings, f)
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	return format.Finish(res, art, scan.Scope{API: api, Tool: Tool}), nil
}
