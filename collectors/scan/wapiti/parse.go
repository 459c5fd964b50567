package wapiti

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

// Result is what one report yields.
type Result = scan.Result

// Tool is Finding.Tool: the kind (Wapiti's generatorName, "wapiti").
const Tool = Kind

type xmlReport struct {
	XMLName         xml.Name
	Infos           []xmlInfo     `xml:"report_infos>info"`
	Vulnerabilities []xmlCategory `xml:"vulnerabilities>vulnerability"`
	Anomalies       []xmlCategory `xml:"anomalies>anomaly"`
	Additionals     []xmlCategory `xml:"additionals>additional"`
}

type xmlInfo struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type xmlCategory struct {
	Name        string     `xml:"name,attr"`
	Description string     `xml:"description"`
	Solution    string     `xml:"solution"`
	References  []xmlRef   `xml:"references>reference"`
	Entries     []xmlEntry `xml:"entries>entry"`
}

type xmlRef struct {
	Title string   `xml:"title"`
	URL   string   `xml:"url"`
	WSTG  []string `xml:"wstg>code"`
}

type xmlEntry struct {
	Method      string   `xml:"method"`
	Path        string   `xml:"path"`
	Level       string   `xml:"level"`
	Parameter   string   `xml:"parameter"`
	Info        string   `xml:"info"`
	Module      string   `xml:"module"`
	HTTPRequest string   `xml:"http_request"`
	WSTG        []string `xml:"wstg>code"`
	// --detailed-report (3.1.3+): the response; its body is not decoded.
	Status  string      `xml:"detail>response>status_code"`
	Headers []xmlHeader `xml:"detail>response>headers>header"`
}

type xmlHeader struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

// Wapiti's entry levels. Wapiti 3.0.4 and later (wapitiCore/language/
// vulnerability.py): INFO 0, LOW 1, MEDIUM 2, HIGH 3, CRITICAL 4. Up to
// 3.0.3 the scale ran the other way: HIGH "1", MEDIUM "2", LOW "3".
var (
	levels = map[string]string{
		"0": collectors.SeverityInfo, "1": collectors.SeverityLow, "2": collectors.SeverityMedium,
		"3": collectors.SeverityHigh, "4": collectors.SeverityCritical,
	}
	oldLevels = map[string]string{
		"1": collectors.SeverityHigh, "2": collectors.SeverityMedium, "3": collectors.SeverityLow,
	}
)

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// oldScale reports whether generatorVersion ("Wapiti 3.0.4") is before
// 3.0.4, where level 1 meant high. An unknown version is taken as new.
func oldScale(version string) bool {
	m := versionRE.FindStringSubmatch(version)
	if m == nil {
		return false
	}
	v := [3]int{}
	for i := range 3 {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	switch {
	case v[0] != 3:
		return v[0] < 3
	case v[1] != 0:
		return false
	}
	return v[2] < 4
}

// Parse reads one Wapiti 3 XML report. name is used in messages and as
// the artifact's name; src gives the API naming (api, api_map) and limits
// (max_bytes, max_depth). Errors are *scan.Error naming the file and line.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	f, err := dast.Options(format, src)
	if err != nil {
		return nil, err
	}
	var r xmlReport
	if err := dast.DecodeXML(f, name, data, &r); err != nil {
		return nil, err
	}
	infos := map[string]string{}
	for _, in := range r.Infos {
		if _, dup := infos[in.Name]; !dup {
			infos[in.Name] = strings.TrimSpace(in.Value)
		}
	}
	if r.XMLName.Local != "report" || (len(r.Infos) == 0 && len(r.Vulnerabilities) == 0) {
		return nil, format.Errorf(name, 1, 0, "", "not a Wapiti 3 report: root element <%s> without <report_infos> or <vulnerabilities>", r.XMLName.Local)
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/xml", Data: data}
	target := infos["target"]
	api := scan.APIName(src, scan.HostHint(target), name)
	res = &Result{}
	scale, scaleName := levels, "0 info .. 4 critical (Wapiti 3.0.4+)"
	if oldScale(infos["generatorVersion"]) {
		scale, scaleName = oldLevels, "1 high, 2 medium, 3 low (Wapiti before 3.0.4)"
	}
	for _, sec := range []struct {
		kind string
		cats []xmlCategory
	}{{"vulnerability", r.Vulnerabilities}, {"anomaly", r.Anomalies}, {"additional", r.Additionals}} {
		for ci, c := range sec.cats {
			res.Findings = category(res.Findings, &res.Warnings, api, target, sec.kind, ci, c, scale, scaleName)
		}
	}
	return format.Finish(res, art, scan.Scope{API: api, Tool: Tool}), nil
}

// category appends one finding per entry of category c to out.
func category(out []collectors.Finding, warnings *[]string, api, target, kind string, ci int, c xmlCategory,
	scale map[string]string, scaleName string) []collectors.Finding {
	rule := strings.TrimSpace(c.Name)
	where := fmt.Sprintf("%s %d", kind, ci+1)
	if rule == "" {
		if len(c.Entries) > 0 {
			*warnings = append(*warnings, where+": no name: its entries are skipped")
		}
		return out
	}
	where = fmt.Sprintf("%s %q", kind, scan.Clip(rule, 100))
	var (
		cwes []int
		tags []string
		refs []string
	)
	if kind != "vulnerability" {
		tags = scan.AddTag(tags, "wapiti:"+kind)
	}
	for i, ref := range c.References {
		if i >= 50 {
			break
		}
		title, url := strings.TrimSpace(ref.Title), strings.TrimSpace(ref.URL)
		cwes = append(cwes, scan.CWEs(title)...)
		for _, w := range ref.WSTG {
			tags = scan.AddTag(tags, w)
		}
		switch {
		case title != "" && url != "":
			refs = append(refs, scan.Clip(title, 500)+": "+scan.Clip(url, 2000))
		case title+url != "":
			refs = append(refs, scan.Clip(title+url, 2000))
		}
	}
	desc := dast.Text(c.Description)
	remediation := scan.ClipText(scan.WithReferences(dast.Text(c.Solution), refs))
	for ei, e := range c.Entries {
		lvl := strings.TrimSpace(e.Level)
		sev, ok := scale[lvl]
		if !ok {
			*warnings = append(*warnings, fmt.Sprintf("%s: entry %d: unknown level %q (scale %s), taken as info",
				where, ei+1, scan.Clip(lvl, 50), scaleName))
			sev = collectors.SeverityInfo
		}
		method := strings.ToUpper(strings.TrimSpace(e.Method))
		path := strings.TrimSpace(e.Path)
		url := dast.JoinURL(target, path)
		param := strings.TrimSpace(e.Parameter)
		info := strings.TrimSpace(e.Info)
		etags := append([]string(nil), tags...)
		if mod := strings.TrimSpace(e.Module); mod != "" {
			etags = scan.AddTag(etags, "module:"+mod)
		}
		for i, w := range e.WSTG {
			if i >= 50 {
				break
			}
			etags = scan.AddTag(etags, w)
		}
		f := collectors.Finding{
			API:         api,
			Tool:        Tool,
			RuleID:      scan.Clip(rule, 500),
			Title:       scan.Clip(rule, 500),
			Description: scan.ClipText(dast.Join(dast.Sanitize(info), desc)),
			Severity:    sev,
			RawSeverity: scan.Clip(lvl, 100),
			Location:    scan.Clip(dast.Location(url, scan.Clip(param, 500), dast.FirstOf(target, api)), dast.MaxURL),
			Remediation: remediation,
			Method:      scan.Clip(method, 20),
			URL:         scan.Clip(url, dast.MaxURL),
			Excerpt:     scan.Excerpt(dast.Join(dast.Message(e.HTTPRequest), response(e))),
			Tags:        etags,
			// Wapiti gives no id; its info tells apart findings of one
			// category at one place (each missing security header).
			Fingerprint: dast.Fingerprint(Tool, rule, method, url, param, info),
		}
		scan.SetCWEs(&f, cwes)
		out = append(out, f)
	}
	return out
}

// response is the status line and headers of a detailed report's entry.
func response(e xmlEntry) string {
	st := strings.TrimSpace(e.Status)
	if st == "" && len(e.Headers) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("HTTP " + st)
	for i, h := range e.Headers {
		if i >= 100 {
			break
		}
		b.WriteString("\n" + strings.TrimSpace(h.Name) + ": " + strings.TrimSpace(h.Value))
	}
	return dast.Head(b.String())
}
