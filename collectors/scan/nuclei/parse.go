package nuclei

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// ErrFormat marks input that is JSON but not Nuclei output (or has a
// field of the wrong type).
var ErrFormat = errors.New("not Nuclei output")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "nuclei: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report yields: the findings, one
// scan.TestedEvidence per API the report concerns, and warnings (an
// unknown severity word), each with the line of the result.
type Result = scan.Result

// Tool is Finding.Tool: the kind (Nuclei output does not name itself).
const Tool = Kind

// format is what the shared scan code knows of Nuclei output.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}

// result is one line (or array element) of Nuclei output. Both key
// generations are read: v2.5+/v3 (template-id, matched-at, matcher-name,
// extracted-results) and older output (templateID, matched, matcher_name,
// extracted_results).
type result struct {
	TemplateID     string       `json:"template-id"`
	TemplateIDOld  string       `json:"templateID"`
	Info           info         `json:"info"`
	MatcherName    string       `json:"matcher-name"`
	MatcherNameOld string       `json:"matcher_name"`
	MatchedAt      string       `json:"matched-at"`
	Matched        string       `json:"matched"`
	Extracted      scan.StrList `json:"extracted-results"`
	ExtractedOld   scan.StrList `json:"extracted_results"`
	Request        string       `json:"request"`
	Response       string       `json:"response"`
	CurlCommand    string       `json:"curl-command"`
	Type           string       `json:"type"`
	Host           string       `json:"host"`
	// MatcherStatus is false on the non-matches -matcher-status writes
	// too: those are not findings.
	MatcherStatus *bool `json:"matcher-status"`
}

type info struct {
	Name           string         `json:"name"`
	Severity       string         `json:"severity"`
	Description    string         `json:"description"`
	Remediation    string         `json:"remediation"`
	Tags           scan.StrList   `json:"tags"`
	Reference      scan.StrList   `json:"reference"`
	Classification classification `json:"classification"`
}

type classification struct {
	CVEID     scan.StrList `json:"cve-id"`
	CWEID     scan.StrList `json:"cwe-id"`
	CVSSScore scan.StrList `json:"cvss-score"` // a number, sometimes a string
}

// Parse reads one Nuclei report (a JSON array of results, JSON Lines, or a
// single result object; an empty file is a scan without results). name is
// the file's display name, used in messages and as the artifact's name;
// src supplies the api / api_map settings.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	vals, form, err := format.SplitJSON(name, data)
	if err != nil {
		return nil, err
	}
	ctype := "application/json"
	if form == scan.FormLines || strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson") {
		ctype = "application/x-ndjson"
	}
	art := &collectors.Artifact{Name: name, ContentType: ctype, Data: data}
	res = &Result{}
	for _, v := range vals {
		var r result
		if scan.FirstByte(v.Data) != '{' {
			line, col := scan.Position(data, v.Off)
			return nil, format.Errorf(name, line, col, "", "a Nuclei result must be a JSON object")
		}
		if err := format.Decode(name, data, v, &r); err != nil {
			return nil, err
		}
		line, _ := scan.Position(data, v.Off)
		if r.MatcherStatus != nil && !*r.MatcherStatus {
			continue
		}
		f, err := r.finding(name, line, src, func(msg string) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("line %d: %s", line, msg))
		})
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, f)
	}
	// A scan without results still tested something: the API the
	// file is named after.
	var scopes []scan.Scope
	if len(res.Findings) == 0 {
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: Tool})
	}
	return format.Finish(res, art, scopes...), nil
}

func (r *result) finding(file string, line int, src collectors.Source, warn func(string)) (collectors.Finding, error) {
	id := strings.TrimSpace(scan.First(r.TemplateID, r.TemplateIDOld))
	if id == "" {
		return collectors.Finding{}, format.Errorf(file, line, 0, "", `not a Nuclei result: no "template-id" (or "templateID")`)
	}
	matched := strings.TrimSpace(scan.First(r.MatchedAt, r.Matched))
	matcher := strings.TrimSpace(scan.First(r.MatcherName, r.MatcherNameOld))
	hint := scan.HostHint(r.Host)
	if hint == "" {
		hint = scan.HostHint(matched)
	}
	f := collectors.Finding{
		API:         scan.APIName(src, hint, file),
		Tool:        Tool,
		RuleID:      scan.Clip(id, 500),
		Title:       scan.Clip(scan.First(r.Info.Name, id), 500),
		RawSeverity: scan.Clip(r.Info.Severity, 100),
		Remediation: scan.ClipText(r.Info.Remediation),
		Location:    scan.Clip(scan.First(matched, r.Host), 4096),
	}
	f.Severity = r.severity(id, warn)
	f.Description = scan.ClipText(scan.WithReferences(r.Info.Description, r.Info.Reference))

	// Only an HTTP target is a URL ingest can match against endpoints;
	// network, dns and ssl templates report host:port or a name.
	if isHTTPURL(matched) {
		f.URL = f.Location
	}
	f.Method = requestMethod(r.Request)
	if f.Method == "" {
		f.Method = curlMethod(r.CurlCommand)
	}

	for _, t := range r.Info.Tags {
		for _, part := range strings.Split(t, ",") {
			f.Tags = scan.AddTag(f.Tags, strings.TrimSpace(part))
			if f.OWASP == "" {
				f.OWASP = scan.OWASPAPI(part)
			}
		}
	}
	if r.Type != "" {
		f.Tags = scan.AddTag(f.Tags, "type:"+r.Type)
	}
	if matcher != "" {
		f.Tags = scan.AddTag(f.Tags, "matcher:"+matcher)
	}
	for _, c := range r.Info.Classification.CVEID {
		if c = strings.TrimSpace(c); c != "" {
			f.Tags = scan.AddTag(f.Tags, "cve:"+strings.ToUpper(c))
		}
	}
	scan.SetCWEs(&f, cwes(r.Info.Classification.CWEID))

	extracted := r.Extracted
	if len(extracted) == 0 {
		extracted = r.ExtractedOld
	}
	f.Excerpt = excerpt(extracted, r.Request, r.Response, r.CurlCommand)
	f.Fingerprint = fingerprint(id + "|" + matched + "|" + matcher)
	return f, nil
}

// severity is info.severity on posture's scale; without one, the CVSS
// score of info.classification decides.
func (r *result) severity(id string, warn func(string)) string {
	raw := strings.TrimSpace(r.Info.Severity)
	if raw == "" && len(r.Info.Classification.CVSSScore) > 0 {
		if f, err := strconv.ParseFloat(strings.TrimSpace(r.Info.Classification.CVSSScore[0]), 64); err == nil && f >= 0 && f <= 10 {
			return scan.FromScore(f)
		}
	}
	return scan.SeverityOrInfo(raw, func(msg string) { warn(fmt.Sprintf("template %s: %s", scan.Clip(id, 200), msg)) })
}

// cwes reads info.classification.cwe-id: ["cwe-362"], "CWE-79", "79".
func cwes(list scan.StrList) []int {
	var out []int
	seen := map[int]bool{}
	for _, s := range list {
		ids := scan.CWEs(s)
		if len(ids) == 0 {
			if n := scan.CWE(s); n > 0 {
				ids = []int{n}
			}
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

var (
	requestLineRE = regexp.MustCompile(`^([A-Za-z]{3,10}) \S+ HTTP/\d(\.\d)?$`)
	curlMethodRE  = regexp.MustCompile(`(?:^|\s)(?:-X|--request)\s*'?"?([A-Za-z]{3,10})\b`)
)

// requestMethod is the method of an HTTP request's first line
// ("POST /login HTTP/1.1"); "" when the request is not HTTP (a DNS query,
// raw network bytes) or absent.
func requestMethod(req string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(req, "\r\n "), "\n")
	m := requestLineRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

// curlMethod is the -X of a curl command line, for results that carry
// curl-command but no request.
func curlMethod(cmd string) string {
	if !strings.HasPrefix(strings.TrimSpace(cmd), "curl") {
		return ""
	}
	m := curlMethodRE.FindStringSubmatch(cmd)
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// excerpt shows what matched: the extracted values, then the request and
// response (or the curl command when there is no request).
func excerpt(extracted []string, req, resp, curl string) string {
	var parts []string
	if len(extracted) > 0 {
		parts = append(parts, "extracted-results: "+strings.Join(extracted, ", "))
	}
	if strings.TrimSpace(req) != "" {
		parts = append(parts, strings.TrimSpace(req))
	} else if strings.TrimSpace(curl) != "" {
		parts = append(parts, strings.TrimSpace(curl))
	}
	if strings.TrimSpace(resp) != "" {
		parts = append(parts, strings.TrimSpace(resp))
	}
	return scan.Excerpt(strings.Join(parts, "\n\n"))
}

// fingerprint prefixes the identity with the tool; an identity longer than
// a stored fingerprint should be is replaced by its hash, which is as
// stable.
func fingerprint(id string) string {
	if len(id) <= 500 {
		return "nuclei:" + id
	}
	h := sha256.Sum256([]byte(id))
	return "nuclei:sha256:" + hex.EncodeToString(h[:])
}
