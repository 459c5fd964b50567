package crunch42

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// ErrFormat marks input that is not a 42Crunch audit or conformance scan
// report (or has a field of the wrong type, or an index or pointer
// outside the report's index, or is a scan report version this package
// does not read).
var ErrFormat = errors.New("not a 42Crunch audit or conformance scan report")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "crunch42: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report file yields: the findings, one
// scan.TestedEvidence per audited or scanned API, and warnings (a
// criticality off the scale, an operation whose happy path failed).
type Result = scan.Result

// format is what the shared scan code knows of 42Crunch audit reports.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}

// document is a report file: the audit API's {"taskId", "report": {...}}
// wrapper, or the assessment itself (what the IDE extensions and the CLI
// hand around).
type document struct {
	Report *assessment `json:"report"`
	assessment
}

type assessment struct {
	Index                   []string `json:"index"`
	AssessmentVersion       string   `json:"assessmentVersion"`
	AssessmentReportVersion string   `json:"assessmentReportVersion"`
	OpenapiState            string   `json:"openapiState"`
	Summary                 struct {
		APIName string `json:"apiName"`
	} `json:"summary"`
	// The issue groups, in the order the report lists them in.
	Security         *group `json:"security"`
	Data             *group `json:"data"`
	SemanticErrors   *group `json:"semanticErrors"`
	ValidationErrors *group `json:"validationErrors"`
	Warnings         *group `json:"warnings"`
}

// scanProbe tells a conformance scan report from an audit report without
// decoding either: raw members never fail to decode.
type scanProbe struct {
	Report            json.RawMessage `json:"report"`
	Data              json.RawMessage `json:"data"`
	ScanVersion       json.RawMessage `json:"scanVersion"`
	ScanReportVersion json.RawMessage `json:"scanReportVersion"`
}

func (p *scanProbe) hasVersion() bool {
	set := func(r json.RawMessage) bool { return len(r) > 0 && string(r) != "null" }
	return set(p.ScanVersion) || set(p.ScanReportVersion)
}

// isScanReport reports whether the JSON object v is a conformance scan
// report: it states a scanVersion or scanReportVersion, itself or in the
// platform wrapper's "data", and has no audit "report".
func isScanReport(v []byte) bool {
	var p scanProbe
	if scan.FirstByte(v) != '{' || json.Unmarshal(v, &p) != nil || len(p.Report) > 0 {
		return false
	}
	return p.hasVersion() || isScanWrapper(v)
}

// isScanWrapper reports whether the JSON object v is the platform's
// wrapper of a scan report: its "data" states a scan version.
func isScanWrapper(v []byte) bool {
	var p, d scanProbe
	return json.Unmarshal(v, &p) == nil && scan.FirstByte(p.Data) == '{' && json.Unmarshal(p.Data, &d) == nil && d.hasVersion()
}

func (a *assessment) isAudit() bool {
	return a.Index != nil || a.AssessmentVersion != "" || a.AssessmentReportVersion != "" || a.OpenapiState != "" ||
		a.Security != nil || a.Data != nil
}

type group struct {
	Issues map[string]issue `json:"issues"`
}

// issue is one rule of the audit with its instances.
type issue struct {
	Description string      `json:"description"`
	Criticality json.Number `json:"criticality"`
	Issues      []instance  `json:"issues"`
}

type instance struct {
	// Pointer is an index into report.index (a number), or in some
	// exports the JSON pointer itself (a string).
	Pointer             json.RawMessage `json:"pointer"`
	Criticality         json.Number     `json:"criticality"`
	SpecificDescription string          `json:"specificDescription"`
	Fingerprint         string          `json:"fingerprint"`
}

// criticalities maps the audit's criticality to posture's scale. The
// audit report counts its own issues under these names: its
// subgroupIssueCounter has none/info/low/medium/high/critical, and in the
// corpus report the 1, 5 and 2 instances of criticality 1, 3 and 4 are
// counted as 1 info, 5 medium and 2 high. 42Crunch's platform API
// (numInfos ... numCriticals) and DefectDojo's importer use the same
// scale.
var criticalities = map[int]string{
	1: collectors.SeverityInfo,
	2: collectors.SeverityLow,
	3: collectors.SeverityMedium,
	4: collectors.SeverityHigh,
	5: collectors.SeverityCritical,
}

// Parse reads one 42Crunch audit report (or a JSON array of them) or one
// conformance scan report. name is the file's display name, used in
// messages and as the artifact's name; src supplies the api / api_map
// settings.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	vals, form, err := format.SplitJSON(name, data)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 { // an empty file or list: no report at all
		return nil, format.Errorf(name, 0, 0, "", "%v: the file holds no report", ErrFormat)
	}
	if form == scan.FormValue && isScanReport(vals[0].Data) {
		return parseScan(name, data, vals[0], src)
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	res = &Result{}
	var scopes []scan.Scope
	for i, v := range vals {
		path := ""
		if form == scan.FormArray {
			path = fmt.Sprintf("[%d]", i)
		}
		line, col := scan.Position(data, v.Off)
		if scan.FirstByte(v.Data) != '{' {
			return nil, format.Errorf(name, line, col, path, "want an object: %v", ErrFormat)
		}
		var doc document
		if err := format.Decode(name, data, v, &doc); err != nil {
			return nil, err
		}
		a := doc.Report
		if a == nil {
			a = &doc.assessment
			if !a.isAudit() {
				return nil, format.Errorf(name, line, 0, path,
					`%v: no "report" object and no audit fields (index, assessmentVersion, security, data)`, ErrFormat)
			}
		} else {
			path += ".report"
		}
		api := scan.APIName(src, strings.TrimSpace(a.Summary.APIName), name)
		scopes = append(scopes, scan.Scope{API: api, Tool: Kind})
		fs, err := findings(name, line, strings.TrimPrefix(path, "."), a, api, func(msg string) {
			res.Warnings = append(res.Warnings, msg)
		})
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, fs...)
	}
	return format.Finish(res, art, scopes...), nil
}

// sections lists the issue groups with the criticality an issue without
// one has: 42Crunch's own VS Code extension takes 5 for every group but
// warnings, which it takes as 1.
func (a *assessment) sections() []struct {
	name string
	g    *group
	def  int
} {
	return []struct {
		name string
		g    *group
		def  int
	}{
		{"security", a.Security, 5}, {"data", a.Data, 5}, {"semanticErrors", a.SemanticErrors, 5},
		{"validationErrors", a.ValidationErrors, 5}, {"warnings", a.Warnings, 1},
	}
}

// findings turns every issue instance of one assessment into a finding.
// Issues are taken group by group, by issue id, so the order does not
// depend on Go's map order.
func findings(file string, line int, path string, a *assessment, api string, warn func(string)) ([]collectors.Finding, error) {
	var out []collectors.Finding
	for _, sec := range a.sections() {
		if sec.g == nil {
			continue
		}
		ids := make([]string, 0, len(sec.g.Issues))
		for id := range sec.g.Issues {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			iss := sec.g.Issues[id]
			if strings.TrimSpace(id) == "" && len(iss.Issues) > 0 {
				return nil, format.Errorf(file, line, 0, strings.TrimPrefix(path+"."+sec.name+".issues", "."), "an issue with an empty id")
			}
			for k, inst := range iss.Issues {
				at := fmt.Sprintf("%s.issues.%s.issues[%d]", sec.name, id, k)
				if path != "" {
					at = path + "." + at
				}
				f, err := finding(file, line, at, a, sec.name, sec.def, id, iss, inst, warn)
				if err != nil {
					return nil, err
				}
				f.API = api
				out = append(out, f)
			}
		}
	}
	return out, nil
}

func finding(file string, line int, at string, a *assessment, section string, def int, id string, iss issue, inst instance, warn func(string)) (collectors.Finding, error) {
	ptr, err := pointer(inst.Pointer, a.Index)
	if err != nil {
		return collectors.Finding{}, format.Errorf(file, line, 0, at+".pointer", "%v", err)
	}
	raw, crit := criticality(inst.Criticality, iss.Criticality, def)
	sev, ok := criticalities[crit]
	if !ok {
		sev = collectors.SeverityInfo
		warn(fmt.Sprintf("%s: criticality %q is not 1-5; taken as info", at, scan.Clip(raw, 50)))
	}
	f := collectors.Finding{
		Tool:        Kind,
		RuleID:      scan.Clip(id, 500),
		Title:       scan.Clip(scan.First(iss.Description, id), 500),
		Description: scan.ClipText(scan.First(inst.SpecificDescription, iss.Description)),
		Severity:    sev,
		RawSeverity: raw,
		Location:    scan.Clip(ptr, 4096),
		Tags:        []string{"section:" + section},
	}
	f.Method, f.Endpoint = operation(ptr)
	if fp := strings.TrimSpace(inst.Fingerprint); fp != "" {
		f.Fingerprint = "crunch42:" + scan.Clip(fp, 500)
	}
	return f, nil
}

// pointer resolves an instance's pointer: an index into report.index, or
// a JSON pointer given as is.
func pointer(raw json.RawMessage, index []string) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", errors.New(`missing: want an index into report.index`)
	case s[0] == '"':
		var p string
		if err := json.Unmarshal(raw, &p); err != nil {
			return "", err
		}
		return p, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return "", fmt.Errorf("%s is not an index into report.index", scan.Clip(s, 50))
	}
	if n < 0 || n >= len(index) {
		return "", fmt.Errorf("%d is outside report.index (%d entries)", n, len(index))
	}
	return index[n], nil
}

// criticality is the instance's criticality, else its issue's, else the
// group's default; raw is the value as written.
func criticality(inst, iss json.Number, def int) (raw string, crit int) {
	for _, n := range []json.Number{inst, iss} {
		if n == "" {
			continue
		}
		f, err := n.Float64()
		if err != nil || f == 0 {
			continue // 0 is what the report writes for "none"
		}
		if f != math.Trunc(f) || f < 1 || f > 5 {
			return n.String(), -1
		}
		return n.String(), int(f)
	}
	return strconv.Itoa(def), def
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// operation reads the operation a JSON pointer is in:
// "/paths/~1users~1{id}/get/..." is GET /users/{id}, the openapi
// collector's endpoint key for it (the path as written in the spec).
// Pointers elsewhere (components, a path item's parameters) give "".
func operation(ptr string) (method, endpoint string) {
	parts := strings.Split(ptr, "/")
	if len(parts) < 4 || parts[0] != "" || parts[1] != "paths" || !httpMethods[parts[3]] {
		return "", ""
	}
	p := strings.ReplaceAll(strings.ReplaceAll(parts[2], "~1", "/"), "~0", "~")
	if !strings.HasPrefix(p, "/") {
		return "", ""
	}
	m := strings.ToUpper(parts[3])
	return m, m + " " + p
}
