package zap

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
	"github.com/posture-dev/posture/internal/safedecode"
)

// Result is what one report yields.
type Result = scan.Result

// Tool is Finding.Tool. Reports name the program inconsistently ("OWASP
// ZAP" in JSON, "ZAP" in 2.16 XML, nothing in older XML) and the tool is
// part of an import's scope (which findings vanish when a later scan no
// longer reports them), so it is the kind, whatever the template wrote.
const Tool = Kind

// ---- XML report (OWASPZAPReport) ----

type xmlReport struct {
	XMLName     xml.Name
	ProgramName string    `xml:"programName,attr"`
	Version     string    `xml:"version,attr"`
	Sites       []xmlSite `xml:"site"`
}

type xmlSite struct {
	Name   string     `xml:"name,attr"`
	Host   string     `xml:"host,attr"`
	Port   string     `xml:"port,attr"`
	SSL    string     `xml:"ssl,attr"`
	Alerts []xmlAlert `xml:"alerts>alertitem"`
}

type xmlAlert struct {
	PluginID       string        `xml:"pluginid"`
	AlertRef       string        `xml:"alertRef"`
	Alert          string        `xml:"alert"`
	Name           string        `xml:"name"`
	RiskCode       string        `xml:"riskcode"`
	Confidence     string        `xml:"confidence"`
	RiskDesc       string        `xml:"riskdesc"`
	ConfidenceDesc string        `xml:"confidencedesc"`
	Desc           string        `xml:"desc"`
	Instances      []xmlInstance `xml:"instances>instance"`
	Count          string        `xml:"count"`
	Solution       string        `xml:"solution"`
	OtherInfo      string        `xml:"otherinfo"`
	Reference      string        `xml:"reference"`
	CWEID          string        `xml:"cweid"`
	WASCID         string        `xml:"wascid"`
	Tags           []xmlTag      `xml:"tags>tag"`
	// ZAP 2.9-era reports may put one instance at alert level.
	URI      string `xml:"uri"`
	Method   string `xml:"method"`
	Param    string `xml:"param"`
	Attack   string `xml:"attack"`
	Evidence string `xml:"evidence"`
}

// xmlInstance leaves out the bodies: an excerpt shows heads only.
type xmlInstance struct {
	URI            string `xml:"uri"`
	Method         string `xml:"method"`
	Param          string `xml:"param"`
	Attack         string `xml:"attack"`
	Evidence       string `xml:"evidence"`
	OtherInfo      string `xml:"otherinfo"`
	RequestHeader  string `xml:"requestheader"`
	ResponseHeader string `xml:"responseheader"`
}

type xmlTag struct {
	Tag string `xml:"tag"`
}

// ---- JSON report (traditional-json, -plus) ----

type jsonReport struct {
	ProgramName dast.Str            `json:"@programName"`
	Version     dast.Str            `json:"@version"`
	Generated   dast.Str            `json:"@generated"`
	Site        dast.List[jsonSite] `json:"site"`
}

type jsonSite struct {
	Name   dast.Str             `json:"@name"`
	Host   dast.Str             `json:"@host"`
	Port   dast.Str             `json:"@port"`
	SSL    dast.Str             `json:"@ssl"`
	Alerts dast.List[jsonAlert] `json:"alerts"`
}

type jsonAlert struct {
	PluginID       dast.Str                `json:"pluginid"`
	AlertRef       dast.Str                `json:"alertRef"`
	Alert          dast.Str                `json:"alert"`
	Name           dast.Str                `json:"name"`
	RiskCode       dast.Str                `json:"riskcode"`
	Confidence     dast.Str                `json:"confidence"`
	RiskDesc       dast.Str                `json:"riskdesc"`
	ConfidenceDesc dast.Str                `json:"confidencedesc"`
	Desc           dast.Str                `json:"desc"`
	Instances      dast.List[jsonInstance] `json:"instances"`
	Count          dast.Str                `json:"count"`
	Solution       dast.Str                `json:"solution"`
	OtherInfo      dast.Str                `json:"otherinfo"`
	Reference      dast.Str                `json:"reference"`
	CWEID          dast.Str                `json:"cweid"`
	WASCID         dast.Str                `json:"wascid"`
	Tags           json.RawMessage         `json:"tags"`
	URI            dast.Str                `json:"uri"`
	Method         dast.Str                `json:"method"`
	Param          dast.Str                `json:"param"`
	Attack         dast.Str                `json:"attack"`
	Evidence       dast.Str                `json:"evidence"`
}

type jsonInstance struct {
	URI             dast.Str `json:"uri"`
	Method          dast.Str `json:"method"`
	Param           dast.Str `json:"param"`
	Attack          dast.Str `json:"attack"`
	Evidence        dast.Str `json:"evidence"`
	OtherInfo       dast.Str `json:"otherinfo"`
	RequestHeader   dast.Str `json:"requestheader"`
	RequestHeader2  dast.Str `json:"request-header"`
	ResponseHeader  dast.Str `json:"responseheader"`
	ResponseHeader2 dast.Str `json:"response-header"`
}

// ---- the report as both formats give it ----

type site struct {
	name, host, port string
	ssl              bool
	alerts           []alert
}

type alert struct {
	pluginID, alertRef, name           string
	riskCode, riskDesc                 string
	confidence, confidenceDesc         string
	desc, solution, otherInfo, refText string
	cweID, wascID, count               string
	tags                               []string
	instances                          []instance
}

type instance struct {
	uri, method, param, attack, evidence, otherInfo string
	requestHeader, responseHeader                   string
}

// Parse reads one ZAP report, XML or traditional JSON (told apart by the
// first byte). name is used in messages and as the artifact's name; src
// gives the API naming (api, api_map) and limits (max_bytes, max_depth).
// Errors are *scan.Error naming the file and the line or field.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	f, err := dast.Options(format, src)
	if err != nil {
		return nil, err
	}
	var sites []site
	art := &collectors.Artifact{Name: name, Data: data}
	if safedecode.LooksLikeJSON(data) {
		art.ContentType = "application/json"
		sites, err = parseJSON(f, name, data)
	} else {
		art.ContentType = "application/xml"
		sites, err = parseXML(f, name, data)
	}
	if err != nil {
		return nil, err
	}
	return convert(name, sites, art, src), nil
}

func parseXML(f scan.Format, name string, data []byte) ([]site, error) {
	var r xmlReport
	if err := dast.DecodeXML(f, name, data, &r); err != nil {
		return nil, err
	}
	if r.XMLName.Local != "OWASPZAPReport" {
		return nil, format.Errorf(name, 1, 0, "", "not a ZAP report: the root element is <%s>, want <OWASPZAPReport>", r.XMLName.Local)
	}
	sites := make([]site, 0, len(r.Sites))
	for _, s := range r.Sites {
		out := site{name: s.Name, host: s.Host, port: s.Port, ssl: strings.EqualFold(strings.TrimSpace(s.SSL), "true")}
		for _, a := range s.Alerts {
			al := alert{pluginID: a.PluginID, alertRef: a.AlertRef, name: dast.FirstOf(a.Name, a.Alert),
				riskCode: a.RiskCode, riskDesc: a.RiskDesc, confidence: a.Confidence, confidenceDesc: a.ConfidenceDesc,
				desc: a.Desc, solution: a.Solution, otherInfo: a.OtherInfo, refText: a.Reference,
				cweID: a.CWEID, wascID: a.WASCID, count: a.Count}
			for _, t := range a.Tags {
				al.tags = append(al.tags, t.Tag)
			}
			for _, in := range a.Instances {
				al.instances = append(al.instances, instance{uri: in.URI, method: in.Method, param: in.Param,
					attack: in.Attack, evidence: in.Evidence, otherInfo: in.OtherInfo,
					requestHeader: in.RequestHeader, responseHeader: in.ResponseHeader})
			}
			if len(al.instances) == 0 && a.URI != "" {
				al.instances = []instance{{uri: a.URI, method: a.Method, param: a.Param, attack: a.Attack, evidence: a.Evidence}}
			}
			out.alerts = append(out.alerts, al)
		}
		sites = append(sites, out)
	}
	return sites, nil
}

func parseJSON(f scan.Format, name string, data []byte) ([]site, error) {
	var r jsonReport
	if _, err := f.DecodeObject(name, data, &r); err != nil {
		return nil, err
	}
	if r.Site == nil && r.ProgramName == "" && r.Version == "" && r.Generated == "" {
		return nil, format.Errorf(name, 0, 0, "", `not a ZAP JSON report: no "site", "@programName" or "@version" member`)
	}
	sites := make([]site, 0, len(r.Site))
	for _, s := range r.Site {
		out := site{name: s.Name.String(), host: s.Host.String(), port: s.Port.String(),
			ssl: strings.EqualFold(s.SSL.String(), "true")}
		for _, a := range s.Alerts {
			al := alert{pluginID: a.PluginID.String(), alertRef: a.AlertRef.String(), name: dast.FirstOf(a.Name.String(), a.Alert.String()),
				riskCode: a.RiskCode.String(), riskDesc: a.RiskDesc.String(),
				confidence: a.Confidence.String(), confidenceDesc: a.ConfidenceDesc.String(),
				desc: string(a.Desc), solution: string(a.Solution), otherInfo: string(a.OtherInfo), refText: string(a.Reference),
				cweID: a.CWEID.String(), wascID: a.WASCID.String(), count: a.Count.String(), tags: jsonTags(a.Tags)}
			for _, in := range a.Instances {
				al.instances = append(al.instances, instance{uri: in.URI.String(), method: in.Method.String(),
					param: in.Param.String(), attack: string(in.Attack), evidence: string(in.Evidence), otherInfo: string(in.OtherInfo),
					requestHeader:  dast.FirstOf(string(in.RequestHeader), string(in.RequestHeader2)),
					responseHeader: dast.FirstOf(string(in.ResponseHeader), string(in.ResponseHeader2))})
			}
			if len(al.instances) == 0 && a.URI != "" {
				al.instances = []instance{{uri: a.URI.String(), method: a.Method.String(), param: a.Param.String(),
					attack: string(a.Attack), evidence: string(a.Evidence)}}
			}
			out.alerts = append(out.alerts, al)
		}
		sites = append(sites, out)
	}
	return sites, nil
}

// jsonTags reads the tags of a -plus report in any of the shapes seen:
// [{"tag": "x", "link": "..."}], ["x"] or {"x": "link"}. Anything else
// is ignored (tags only add classification).
func jsonTags(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var objs []struct {
		Tag dast.Str `json:"tag"`
	}
	if json.Unmarshal(raw, &objs) == nil {
		var out []string
		for _, o := range objs {
			if t := o.Tag.String(); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	var strs []dast.Str
	if json.Unmarshal(raw, &strs) == nil {
		var out []string
		for _, s := range strs {
			if t := s.String(); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		out := slices.Sorted(maps.Keys(m))
		return out[:min(len(out), 50)]
	}
	return nil
}

// riskSeverity is ZAP's riskcode scale; ZAP has no critical.
var riskSeverity = map[string]string{
	"0": collectors.SeverityInfo, "1": collectors.SeverityLow,
	"2": collectors.SeverityMedium, "3": collectors.SeverityHigh,
}

// confidenceNames are ZAP's names of its confidence codes.
var confidenceNames = map[string]string{
	"0": "False Positive", "1": "Low", "2": "Medium", "3": "High", "4": "Confirmed",
}

func convert(name string, sites []site, art *collectors.Artifact, src collectors.Source) *Result {
	res := &Result{}
	var scopes []scan.Scope
	if len(sites) == 0 {
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: Tool})
		res.Warnings = append(res.Warnings, "the report names no site")
	}
	for si, s := range sites {
		hint := dast.HostPortHint(s.host, s.port, s.ssl)
		if hint == "" {
			hint = scan.HostHint(s.name)
		}
		api := scan.APIName(src, hint, name)
		scopes = append(scopes, scan.Scope{API: api, Tool: Tool})
		where := fmt.Sprintf("site %q", scan.Clip(s.name, 200))
		if s.name == "" {
			where = fmt.Sprintf("site %d", si+1)
		}
		for ai, a := range s.alerts {
			res.Findings = alertFindings(res.Findings, &res.Warnings, api, where, ai, a, s.name)
		}
	}
	return format.Finish(res, art, scopes...)
}

// alertFindings appends one finding per instance of alert a to out.
func alertFindings(out []collectors.Finding, warnings *[]string, api, where string, ai int, a alert, siteName string) []collectors.Finding {
	pluginID := strings.TrimSpace(a.pluginID)
	ref := strings.TrimSpace(a.alertRef)
	title := strings.TrimSpace(a.name)
	rule := dast.FirstOf(pluginID, ref, title)
	what := fmt.Sprintf("%s: alert %d", where, ai+1)
	if rule == "" {
		*warnings = append(*warnings, what+": no pluginid, alertRef or name: skipped")
		return out
	}
	what = fmt.Sprintf("%s: alert %d (%s)", where, ai+1, scan.Clip(rule, 100))
	if title == "" {
		title = "ZAP alert " + rule
	}
	if ref == "" {
		ref = rule
	}

	sev, ok := riskSeverity[strings.TrimSpace(a.riskCode)]
	if !ok {
		// riskdesc ("High (Medium)") is display text, sometimes an
		// unresolved template key: only its first word is tried.
		word, _, _ := strings.Cut(strings.TrimSpace(a.riskDesc), " ")
		if sev, ok = scan.Severity(word); !ok || word == "" {
			*warnings = append(*warnings, fmt.Sprintf("%s: unknown riskcode %q (riskdesc %q), taken as info",
				what, scan.Clip(a.riskCode, 50), scan.Clip(a.riskDesc, 100)))
			sev = collectors.SeverityInfo
		}
	}
	raw := dast.FirstOf(strings.TrimSpace(a.riskCode), strings.TrimSpace(a.riskDesc))

	var tags []string
	conf := strings.TrimSpace(a.confidence)
	if conf != "" || a.confidenceDesc != "" {
		word := confidenceNames[conf]
		if word == "" {
			word = dast.FirstOf(a.confidenceDesc, conf)
		}
		tags = scan.AddTag(tags, "confidence:"+scan.Clip(word, 50))
	}
	if conf == "0" {
		// The user marked the alert a false positive in ZAP: it stays
		// visible but does not count as a risk.
		sev = collectors.SeverityInfo
	}
	if ref != pluginID && pluginID != "" {
		tags = scan.AddTag(tags, "alertRef:"+ref)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(a.wascID)); err == nil && n > 0 {
		tags = scan.AddTag(tags, "wasc:"+strconv.Itoa(n))
	}
	var cwes []int
	if c := scan.CWE(a.cweID); c > 0 {
		cwes = append(cwes, c)
	}
	owasp := ""
	for i, t := range a.tags {
		if i >= 200 {
			break
		}
		tags = scan.AddTag(tags, t)
		cwes = append(cwes, scan.CWEs(t)...)
		if owasp == "" {
			owasp = scan.OWASPAPI(t)
		}
	}

	desc := dast.Text(a.desc)
	remediation := scan.ClipText(scan.WithReferences(dast.Text(a.solution), lines(dast.Text(a.refText))))
	if n, err := strconv.Atoi(strings.TrimSpace(a.count)); err == nil && n > len(a.instances) && len(a.instances) > 0 {
		*warnings = append(*warnings, fmt.Sprintf("%s: count is %d but the report lists %d instances; the others are not imported",
			what, n, len(a.instances)))
	}
	insts := a.instances
	if len(insts) == 0 {
		insts = []instance{{}}
	}
	for _, in := range insts {
		method := strings.ToUpper(strings.TrimSpace(in.method))
		url := scan.Clip(in.uri, dast.MaxURL)
		param := scan.Clip(in.param, 500)
		other := dast.FirstOf(in.otherInfo, a.otherInfo)
		f := collectors.Finding{
			API:         api,
			Tool:        Tool,
			RuleID:      scan.Clip(rule, 500),
			Title:       scan.Clip(title, 500),
			Description: scan.ClipText(dast.Join(desc, labelled("Other information:", dast.Text(other)))),
			Severity:    sev,
			RawSeverity: scan.Clip(raw, 100),
			OWASP:       owasp,
			Location:    scan.Clip(dast.Location(url, param, dast.FirstOf(siteName, api)), dast.MaxURL),
			Remediation: remediation,
			Method:      scan.Clip(method, 20),
			URL:         url,
			Excerpt:     excerpt(in),
			Tags:        append([]string(nil), tags...),
			Fingerprint: dast.Fingerprint(Tool, ref, method, strings.TrimSpace(in.uri), strings.TrimSpace(in.param)),
		}
		scan.SetCWEs(&f, cwes)
		out = append(out, f)
	}
	return out
}

// excerpt shows an instance: the attack and evidence ZAP recorded, then
// the request and response heads when the report has them (2.16+).
func excerpt(in instance) string {
	var lines []string
	if s := dast.Sanitize(strings.TrimSpace(in.attack)); s != "" {
		lines = append(lines, "Attack: "+scan.Clip(s, 1024))
	}
	if s := dast.Sanitize(strings.TrimSpace(in.evidence)); s != "" {
		lines = append(lines, "Evidence: "+scan.Clip(s, 1024))
	}
	return scan.Excerpt(dast.Join(strings.Join(lines, "\n"), dast.Head(in.requestHeader), dast.Head(in.responseHeader)))
}

// lines splits a text into its non-blank lines (ZAP's reference field
// has one URL per paragraph).
func lines(s string) []string {
	var out []string
	for _, ln := range strings.Split(s, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			out = append(out, ln)
		}
	}
	return out
}

func labelled(label, s string) string {
	if s == "" {
		return ""
	}
	return label + "\n" + s
}
