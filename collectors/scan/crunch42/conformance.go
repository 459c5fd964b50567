package crunch42

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

// ScanTool is the Tool of the findings (and the Location of the tested
// evidence) of a conformance scan report: the product's name, so that
// audit findings (Tool "crunch42") and scan findings of one API stay two
// import scopes.
const ScanTool = "42Crunch API Conformance Scan"

// scanReport is a 2.x scan report (scanReportVersion 2.2.0-2.2.2, and the
// older reports that only state scanVersion "2.2.0"). Indexed reports
// write injectionKey, descriptions, response keys and JSON pointers as
// indexes into Index; the others write the strings themselves.
type scanReport struct {
	ScanVersion       *string                              `json:"scanVersion"`
	ScanReportVersion *string                              `json:"scanReportVersion"`
	Host              string                               `json:"host"`
	Index             *scanIndex                           `json:"index"`
	Paths             map[string]map[string]*scanOperation `json:"paths"`
	// Operations is the 3.x report's map of operations (not read: no real
	// 3.x report was available to test against).
	Operations json.RawMessage `json:"operations"`
}

type scanIndex struct {
	JSONPointers          []string `json:"jsonPointers"`
	InjectionKeys         []string `json:"injectionKeys"`
	InjectionDescriptions []string `json:"injectionDescriptions"`
	ResponseKeys          []string `json:"responseKeys"`
	ResponseDescriptions  []string `json:"responseDescriptions"`
}

// scanOperation is one method of a path. A failed happy path shows as
// reason "operation-happy-path-failed" and a happyPath whose key is not
// "happy-path-success" (platform reports), or as happyPaths[] entries
// whose happyPathKey is not "happy.path.success" (2.2.1 IDE reports).
type scanOperation struct {
	Reason            string       `json:"reason"`
	SkipReasonDetails scan.StrList `json:"skipReasonDetails"`
	HappyPath         *happyPath   `json:"happyPath"`
	HappyPaths        []happyPath  `json:"happyPaths"`
	Issues            []scanIssue  `json:"issues"`
}

type happyPath struct {
	Key            string `json:"key"`
	HappyPathKey   string `json:"happyPathKey"`
	StatusExpected *bool  `json:"statusExpected"`
}

// scanIssue is one test request. Fields that indexed reports write as an
// index into the report's index are raw JSON (a number or a string).
type scanIssue struct {
	InjectionKey               json.RawMessage `json:"injectionKey"`
	InjectionDescription       json.RawMessage `json:"injectionDescription"`
	InjectionDescriptionParams scan.StrList    `json:"injectionDescriptionParams"`
	Status                     string          `json:"status"`
	APIResponseAnalysis        []analysis      `json:"apiResponseAnalysis"`
	OwaspMapping               dast.Str        `json:"owaspMapping"`
	Criticality                dast.Str        `json:"criticality"`
	URL                        string          `json:"url"`
	Curl                       string          `json:"curl"`
	ResponseHTTPStatusCode     dast.Str        `json:"responseHttpStatusCode"`
	ResponseHTTP               string          `json:"responseHttp"`
	JSONPointer                json.RawMessage `json:"jsonPointer"`
}

type analysis struct {
	ResponseKey               json.RawMessage `json:"responseKey"`
	ResponseDescription       json.RawMessage `json:"responseDescription"`
	ResponseDescriptionParams scan.StrList    `json:"responseDescriptionParams"`
}

// Bounds on what one issue can pull out of the report's index: an indexed
// report lets a 50-byte issue point at any index string, so the strings
// and the parameters spliced into them are clipped (real ones are under
// 300 bytes) before they are copied into a finding.
const (
	maxIndexString = 1 << 10
	maxParam       = 256
	maxParams      = 16
	maxAnalyses    = 16
	maxCurl        = 16 << 10
)

// Scan issue statuses and response keys that mean the API behaved as its
// contract says: the 2.2.1 IDE reports write status "expected"; the
// others write response analyses whose keys are "response-expected-scan"
// (42Crunch's IntegralScanReportIssueStatus CodeExpectedConformitySuccess:
// the expected status code and a single, conforming analysis).
const (
	statusExpected      = "expected"
	responseExpectedKey = "response-expected-scan"
)

// scanParser holds what parsing one scan report needs.
type scanParser struct {
	file string
	line int // where the report starts
	rep  *scanReport
	idx  scanIndex
	warn func(string)
}

// parseScan reads a conformance scan report: v is the file's single JSON
// object, the platform's wrapper {"tid", "aid", "date", "data": {...}} or
// the report itself (what the scan CLI and the IDE extensions write).
func parseScan(name string, data []byte, v scan.JSONValue, src collectors.Source) (*Result, error) {
	// Decoded without embedding, so that type errors name the field path
	// as it is in the file ("data.paths.issues.url").
	var wrapper struct {
		Data *scanReport `json:"data"`
	}
	rep, at := &scanReport{}, ""
	if isScanWrapper(v.Data) {
		if err := format.Decode(name, data, v, &wrapper); err != nil {
			return nil, err
		}
		rep, at = wrapper.Data, "data."
	} else if err := format.Decode(name, data, v, rep); err != nil {
		return nil, err
	}
	line, _ := scan.Position(data, v.Off)
	if ver := strings.TrimSpace(deref(rep.ScanReportVersion)); major(ver) >= 3 || (rep.Paths == nil && rep.Operations != nil) {
		return nil, format.Errorf(name, line, 0, strings.TrimSuffix(at, "."),
			`%v: the 3.x scan report (scanReportVersion %q, "operations") is not supported`, ErrFormat, scan.Clip(ver, 50))
	}
	res := &Result{}
	p := &scanParser{file: name, line: line, rep: rep, warn: func(m string) { res.Warnings = append(res.Warnings, m) }}
	if rep.Index != nil {
		p.idx = *rep.Index
	}
	hint := ""
	acc := merger{at: map[string]int{}, count: map[string]int{}}
	at += "paths."
	for _, path := range sortedKeys(rep.Paths) {
		for _, m := range methodKeys(rep.Paths[path]) {
			op := rep.Paths[path][m]
			opAt := at + scan.Clip(path, 500) + "." + scan.Clip(m, 50)
			method := strings.ToUpper(m)
			if !httpMethods[strings.ToLower(m)] {
				p.warn(fmt.Sprintf("%s: %q is not an HTTP method; skipped", opAt, scan.Clip(m, 50)))
				continue
			}
			if op == nil {
				continue
			}
			if msg := happyPathFailure(op); msg != "" {
				p.warn(fmt.Sprintf("%s %s: %s; the operation was not tested", method, scan.Clip(path, 500), msg))
			}
			for i := range op.Issues {
				iss := &op.Issues[i]
				if hint == "" && strings.TrimSpace(iss.URL) != "" {
					hint = scan.HostHint(iss.URL)
				}
				f, ok, err := p.finding(fmt.Sprintf("%s.issues[%d]", opAt, i), path, method, iss)
				if err != nil {
					return nil, err
				}
				if ok {
					res.Findings = acc.add(res.Findings, f)
				}
			}
		}
	}
	api := scan.APIName(src, hint, name)
	for i := range res.Findings {
		res.Findings[i].API = api
	}
	acc.tag(res.Findings)
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	return format.Finish(res, art, scan.Scope{API: api, Tool: ScanTool}), nil
}

// finding turns one issue into a finding; ok is false for a test where
// the API behaved as its contract says (and for an issue without a key,
// with a warning).
func (p *scanParser) finding(at, path, method string, iss *scanIssue) (f collectors.Finding, ok bool, err error) {
	key, err := p.lookup(at+".injectionKey", iss.InjectionKey, p.idx.InjectionKeys, "injectionKeys")
	if err != nil {
		return f, false, err
	}
	tmpl, err := p.lookup(at+".injectionDescription", iss.InjectionDescription, p.idx.InjectionDescriptions, "injectionDescriptions")
	if err != nil {
		return f, false, err
	}
	desc := fill(tmpl, iss.InjectionDescriptionParams)
	var keys, lines []string
	conforms := true
	for k, a := range iss.APIResponseAnalysis {
		if k == maxAnalyses {
			break
		}
		aAt := fmt.Sprintf("%s.apiResponseAnalysis[%d]", at, k)
		rk, err := p.lookup(aAt+".responseKey", a.ResponseKey, p.idx.ResponseKeys, "responseKeys")
		if err != nil {
			return f, false, err
		}
		rd, err := p.lookup(aAt+".responseDescription", a.ResponseDescription, p.idx.ResponseDescriptions, "responseDescriptions")
		if err != nil {
			return f, false, err
		}
		if rk != responseExpectedKey {
			conforms = false
		}
		keys = append(keys, rk)
		if rd = fill(rd, a.ResponseDescriptionParams); rd != "" {
			lines = append(lines, rd)
		}
	}
	status := strings.TrimSpace(iss.Status)
	rawCrit := iss.Criticality.String()
	switch {
	case status != "" && !strings.EqualFold(status, statusExpected):
		conforms = false
	case status == "" && len(keys) == 0:
		// Neither a status nor an analysis: the report lists the issue
		// but says nothing of the outcome; 42Crunch gives a test that
		// passed criticality 0 (or none).
		conforms = rawCrit == "" || rawCrit == "0"
	}
	if conforms {
		return f, false, nil
	}
	if strings.TrimSpace(key) == "" {
		p.warn(at + ": no injectionKey; skipped")
		return f, false, nil
	}
	ptr, err := p.lookup(at+".jsonPointer", iss.JSONPointer, p.idx.JSONPointers, "jsonPointers")
	if err != nil {
		return f, false, err
	}
	if status != "" {
		lines = append(lines, "Test status: "+status)
	}
	if code := iss.ResponseHTTPStatusCode.String(); code != "" {
		lines = append(lines, "HTTP status received: "+scan.Clip(code, 20))
	}
	if ptr != "" {
		lines = append(lines, "JSON pointer: "+scan.Clip(ptr, 1024))
	}
	url := strings.TrimSpace(iss.URL)
	if url == "" && strings.TrimSpace(p.rep.Host) != "" {
		url = strings.TrimRight(strings.TrimSpace(p.rep.Host), "/") + path
	}
	url = scan.Clip(url, dast.MaxURL)
	f = collectors.Finding{
		Tool:        ScanTool,
		RuleID:      scan.Clip(key, 500),
		Title:       scan.Clip(scan.First(desc, key), 500),
		Description: scan.ClipText(strings.Join(lines, "\n")),
		Method:      method,
		URL:         url,
		Location:    dast.Location(url, "", scan.Clip(path, dast.MaxURL)),
		Excerpt:     excerpt(iss),
		Fingerprint: dast.Fingerprint("crunch42-scan", method+" "+path, key, desc),
	}
	f.RawSeverity, f.Severity = scanSeverity(rawCrit, at, p.warn)
	var owasp2019 string
	f.OWASP, owasp2019 = owaspMapping(iss.OwaspMapping.String())
	if status != "" {
		f.Tags = scan.AddTag(f.Tags, "status:"+status)
	}
	for _, k := range keys {
		f.Tags = scan.AddTag(f.Tags, "response:"+k)
	}
	if owasp2019 != "" {
		f.Tags = scan.AddTag(f.Tags, "owasp:"+owasp2019)
	}
	return f, true, nil
}

// lookup resolves a field that indexed reports write as an index into
// one of the report's index tables and the others as the string itself;
// absent or null is "". An index outside the table, or a value of another
// type, is an ErrFormat error naming the field.
func (p *scanParser) lookup(at string, raw json.RawMessage, table []string, name string) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", nil
	case s[0] == '"':
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", format.Errorf(p.file, p.line, 0, at, "%v", err)
		}
		return scan.Clip(v, maxIndexString), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return "", format.Errorf(p.file, p.line, 0, at, "%s is neither a string nor an index into index.%s", scan.Clip(s, 50), name)
	}
	if n < 0 || n >= len(table) {
		return "", format.Errorf(p.file, p.line, 0, at, "%d is outside index.%s (%d entries)", n, name, len(table))
	}
	return scan.Clip(table[n], maxIndexString), nil
}

// fill puts params into the "%s" placeholders of an indexed description,
// in order, as 42Crunch's own report viewer does; placeholders without a
// parameter stay.
func fill(tmpl string, params []string) string {
	if len(params) == 0 || !strings.Contains(tmpl, "%s") {
		return tmpl
	}
	var b strings.Builder
	for i, part := range strings.SplitN(tmpl, "%s", maxParams+1) {
		if i > 0 {
			if i-1 < len(params) {
				b.WriteString(scan.Clip(params[i-1], maxParam))
			} else {
				b.WriteString("%s")
			}
		}
		b.WriteString(part)
	}
	return b.String()
}

// scanCriticalities is 42Crunch's criticality scale: the report viewer of its
// VS Code extension names 0 None, 1 Info, 2 Low, 3 Medium, 4 High and 5
// Critical, and the report's summary counts infoIssues ... criticalIssues
// by it. None (a test that raised nothing) is info here.
var scanCriticalities = map[int]string{
	0: collectors.SeverityInfo,
	1: collectors.SeverityInfo,
	2: collectors.SeverityLow,
	3: collectors.SeverityMedium,
	4: collectors.SeverityHigh,
	5: collectors.SeverityCritical,
}

// scanSeverity maps an issue's criticality (as written, "" when absent:
// None) to a severity; a value off the 0-5 scale is info with a warning.
func scanSeverity(raw, at string, warn func(string)) (rawSev, sev string) {
	if raw == "" {
		return "", collectors.SeverityInfo
	}
	if f, err := strconv.ParseFloat(raw, 64); err == nil && f >= 0 && f <= 5 && f == math.Trunc(f) {
		return raw, scanCriticalities[int(f)]
	}
	warn(fmt.Sprintf("%s: criticality %q is not 0-5; taken as info", at, scan.Clip(raw, 50)))
	return scan.Clip(raw, 50), collectors.SeverityInfo
}

// owaspMapping decodes an issue's owaspMapping: a number of 42Crunch's
// SupportedOwaspTopTenIssueList (0 None, 1-10 API1-API10 of the 2019
// list, 11-20 API1-API10 of the 2023 list). owasp is the 2023 category
// ("API3:2023"); the 2019 one comes back as other ("API8:2019") for a
// tag, since the two lists number different risks.
func owaspMapping(raw string) (owasp, other string) {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	switch {
	case err != nil || n <= 0 || n > 20:
		return "", ""
	case n <= 10:
		return "", "API" + strconv.Itoa(n) + ":2019"
	}
	return scan.OWASPAPI("API" + strconv.Itoa(n-10) + ":2023"), ""
}

// happyPathFailure says why an operation's happy path failed ("" when it
// did not): the scan could not establish a baseline, so the operation
// was not tested. That is no finding about the API, but the gap in
// coverage is worth a warning.
func happyPathFailure(op *scanOperation) string {
	failed := op.Reason == "operation-happy-path-failed"
	why := ""
	if hp := op.HappyPath; hp != nil && hp.Key != "" && hp.Key != "happy-path-success" {
		failed, why = true, hp.Key
	}
	for _, hp := range op.HappyPaths {
		if (hp.HappyPathKey != "" && hp.HappyPathKey != "happy.path.success") || (hp.StatusExpected != nil && !*hp.StatusExpected) {
			failed, why = true, scan.First(hp.HappyPathKey, hp.Key)
		}
	}
	if !failed {
		return ""
	}
	msg := "happy path failed"
	if why = strings.TrimSpace(why); why != "" {
		msg += " (" + scan.Clip(why, 100) + ")"
	}
	if len(op.SkipReasonDetails) > 0 && strings.TrimSpace(op.SkipReasonDetails[0]) != "" {
		msg += ": " + scan.Clip(op.SkipReasonDetails[0], 300)
	}
	return msg
}

// excerpt is the test request (the curl command) and the API's response
// (responseHttp, base64), credentials redacted.
func excerpt(iss *scanIssue) string {
	req := redactCurl(iss.Curl)
	resp := ""
	if raw := strings.TrimSpace(iss.ResponseHTTP); raw != "" {
		if msg, ok := dast.Base64Prefix(raw); ok {
			resp = redactTokens(dast.Message(msg))
		} else {
			resp = "(response not decodable)"
		}
	}
	return scan.Excerpt(dast.Join(req, resp))
}

// merger merges the findings of one report that share a fingerprint into
// the first, as they are read (an indexed report can repeat one issue
// cheaply, and the copies must not pile up before Finish), and then tags
// it "occurrences:<n>".
type merger struct {
	at    map[string]int // fingerprint: index of its finding
	count map[string]int // fingerprint: issues seen
}

// add appends f to fs unless a finding with its fingerprint is there.
func (m merger) add(fs []collectors.Finding, f collectors.Finding) []collectors.Finding {
	m.count[f.Fingerprint]++
	if _, dup := m.at[f.Fingerprint]; dup {
		return fs
	}
	m.at[f.Fingerprint] = len(fs)
	return append(fs, f)
}

// tag marks the findings that stand for several issues.
func (m merger) tag(fs []collectors.Finding) {
	for fp, i := range m.at {
		if n := m.count[fp]; n > 1 {
			fs[i].Tags = append(fs[i].Tags, "occurrences:"+strconv.Itoa(n))
		}
	}
}

// methodOrder is the order of operations in an OpenAPI path item.
var methodOrder = map[string]int{"get": 0, "put": 1, "post": 2, "delete": 3, "options": 4, "head": 5, "patch": 6, "trace": 7}

// methodKeys returns the method keys of a path: HTTP methods in OpenAPI
// order, then the other keys sorted.
func methodKeys(ops map[string]*scanOperation) []string {
	ks := make([]string, 0, len(ops))
	for k := range ops {
		ks = append(ks, k)
	}
	rank := func(k string) int {
		if r, ok := methodOrder[strings.ToLower(k)]; ok {
			return r
		}
		return len(methodOrder)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ri, rj := rank(ks[i]), rank(ks[j]); ri != rj {
			return ri < rj
		}
		return ks[i] < ks[j]
	})
	return ks
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// major is the major number of a version ("2.2.1" is 2), 0 when there is
// none.
func major(v string) int {
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(strings.TrimSpace(head))
	if err != nil {
		return 0
	}
	return n
}
