package burp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Result is what one report yields.
type Result = scan.Result

// Tool is Finding.Tool: the kind. The XML export names no program (only
// burpVersion), and the tool is part of an import's scope, so all three
// formats say the same.
const Tool = Kind

// issue is one Burp issue as the three formats give it. The HTML fields
// are converted to text when the finding is built.
type issue struct {
	typ, name                string
	origin, path, location   string // location: XML <location> / REST caption
	severity, confidence     string
	detail, background       string // HTML
	remDetail, remBackground string // HTML
	references, classes      string // HTML
	detailItems              []string
	method                   string
	request, response        string // decoded messages (heads are enough)
	where                    string // for warnings: "issue 3"
}

// Parse reads one Burp report: the Scanner XML export, the REST API scan
// JSON or the GraphQL issues JSON (told apart by content). name is used in
// messages and as the artifact's name; src gives the API naming (api,
// api_map) and limits (max_bytes, max_depth). Errors are *scan.Error
// naming the file and the line or field.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	f, err := dast.Options(format, src)
	if err != nil {
		return nil, err
	}
	head := data[:min(len(data), scan.HeadSize)]
	art := &collectors.Artifact{Name: name, Data: data, ContentType: "application/json"}
	var (
		issues   []issue
		warnings []string
	)
	switch detectFormat(head) {
	case outREST:
		issues, warnings, err = parseREST(f, name, data)
	case outGraphQL:
		issues, err = parseGraphQL(f, name, data)
	default:
		if safedecode.LooksLikeJSON(head) {
			return nil, format.Errorf(name, 0, 0, "", `not a Burp report: JSON without "issue_events" and "task_id" (REST API) or "Issues" with "issue_type" (GraphQL)`)
		}
		// XML, or nothing we know: the XML decoder says which.
		art.ContentType = "application/xml"
		issues, warnings, err = parseXML(f, name, data)
	}
	if err != nil {
		return nil, err
	}
	return convert(name, issues, warnings, art, src), nil
}

// paramRE finds Burp's insertion point at the end of a location
// ("/search.jsp [q parameter]", "/basket.jsp [b_id cookie]").
var paramRE = regexp.MustCompile(`\s\[([^\[\]]+)\]\s*$`)

// param is the parameter a location names: "q" for "[q parameter]", the
// bracket's text otherwise ("b_id cookie", "URL path filename").
func param(location string) string {
	m := paramRE.FindStringSubmatch(location)
	if m == nil {
		return ""
	}
	p := strings.TrimSpace(m[1])
	if name, ok := strings.CutSuffix(p, " parameter"); ok && !strings.ContainsAny(name, " \t") {
		return name
	}
	return p
}

func convert(name string, issues []issue, warnings []string, art *collectors.Artifact, src collectors.Source) *Result {
	res := &Result{Warnings: warnings}
	var scopes []scan.Scope
	if len(issues) == 0 {
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: Tool})
	}
	for _, is := range issues {
		origin := strings.TrimSpace(is.origin)
		api := scan.APIName(src, scan.HostHint(origin), name)
		// The API was scanned even if this issue is left out.
		scopes = append(scopes, scan.Scope{API: api, Tool: Tool})
		rule := dast.FirstOf(is.typ, is.name)
		if rule == "" {
			res.Warnings = append(res.Warnings, is.where+": no type or name: skipped")
			continue
		}
		title := dast.FirstOf(is.name, "Burp issue "+rule)
		where := fmt.Sprintf("%s (%s)", is.where, scan.Clip(title, 100))
		sev := scan.SeverityOrInfo(strings.ReplaceAll(is.severity, "_", " "), func(msg string) {
			res.Warnings = append(res.Warnings, where+": "+msg)
		})

		var tags []string
		if c := strings.TrimSpace(is.confidence); c != "" {
			tags = scan.AddTag(tags, "confidence:"+scan.Clip(c, 50))
		}
		url := dast.JoinURL(origin, is.path)
		p := param(is.location)
		method := strings.ToUpper(strings.TrimSpace(is.method))
		if method == "" {
			method = dast.RequestMethod(is.request)
		}
		var items []string
		for i, it := range is.detailItems {
			if i >= 50 {
				break
			}
			if t := dast.Text(it); t != "" {
				items = append(items, "- "+t)
			}
		}
		f := collectors.Finding{
			API:         api,
			Tool:        Tool,
			RuleID:      scan.Clip(rule, 500),
			Title:       scan.Clip(title, 500),
			Description: scan.ClipText(dast.Join(dast.Text(is.detail), strings.Join(items, "\n"), dast.Text(is.background))),
			Severity:    sev,
			RawSeverity: scan.Clip(is.severity, 100),
			Location:    scan.Clip(dast.Location(url, p, dast.FirstOf(origin, api)), dast.MaxURL),
			Remediation: scan.ClipText(scan.WithReferences(dast.Join(dast.Text(is.remDetail), dast.Text(is.remBackground)), refs(is.references))),
			Method:      scan.Clip(method, 20),
			URL:         scan.Clip(url, dast.MaxURL),
			Excerpt:     scan.Excerpt(dast.Join(dast.Head(is.request), dast.Head(is.response))),
			Tags:        tags,
			Fingerprint: dast.Fingerprint(Tool, rule, method, url, p),
		}
		scan.SetCWEs(&f, scan.CWEs(is.classes))
		res.Findings = append(res.Findings, f)
	}
	return format.Finish(res, art, scopes...)
}

// refs are the items of Burp's references HTML (a list of links), one
// per line of its text.
func refs(html string) []string {
	var out []string
	for _, ln := range strings.Split(dast.Text(html), "\n") {
		if ln = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ln), "- ")); ln != "" {
			out = append(out, ln)
		}
	}
	return out
}
