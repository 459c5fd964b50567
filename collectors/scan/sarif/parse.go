package sarif

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	sl "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// levelSeverity maps SARIF's result levels to posture's scale, as GitHub
// code scanning ranks CodeQL's alerts without a security-severity: error
// (a problem) is high, warning medium, note (a recommendation) low, none
// (no problem stated) info.
var levelSeverity = map[string]string{
	sl.LevelError:   collectors.SeverityHigh,
	sl.LevelWarning: collectors.SeverityMedium,
	sl.LevelNote:    collectors.SeverityLow,
	sl.LevelNone:    collectors.SeverityInfo,
}

// problemSeverity maps CodeQL's rule property problem.severity, read
// only when the rule has no defaultConfiguration.level (CodeQL derives
// one from the other).
var problemSeverity = map[string]string{
	"error":          collectors.SeverityHigh,
	"warning":        collectors.SeverityMedium,
	"recommendation": collectors.SeverityLow,
}

// secretTool matches the names of secret scanners: their snippets hold
// the secret itself, so their findings carry no excerpt.
var secretTool = regexp.MustCompile(`(?i)leak|secret|truffle|ggshield|credential`)

// The log is decoded in parts with the library's types: the top level
// and each run's shape must be right (else Parse fails, naming the
// place), but a result, tool component or base URI table that does not
// match the schema is a warning, not the end of the log: SARIF
// producers are loose (the specification's own Appendix K example writes
// exception.message as an object, which sl.FromBytes rejects, failing the
// whole file). The wrappers below add what the library's int fields
// cannot tell: whether an index was written at all (an absent ruleIndex
// and ruleIndex 0 decode alike there, and gitleaks 7 writes none).

type logView struct {
	Version string            `json:"version"`
	Runs    []json.RawMessage `json:"runs"`
}

type runView struct {
	Tool                     *toolView         `json:"tool"`
	Results                  []json.RawMessage `json:"results"`
	OriginalURIBaseIDs       json.RawMessage   `json:"originalUriBaseIds"`
	VersionControlProvenance json.RawMessage   `json:"versionControlProvenance"`
	Invocations              json.RawMessage   `json:"invocations"`
	Artifacts                json.RawMessage   `json:"artifacts"`
	WebRequests              json.RawMessage   `json:"webRequests"`
	baseIDs                  map[string]sl.ArtifactLocation
	artifacts                []artifactView
	webRequests              []*sl.WebRequest
}

type toolView struct {
	Driver     json.RawMessage   `json:"driver"`
	Extensions []json.RawMessage `json:"extensions"`
	driver     *sl.ToolComponent
	extensions []*sl.ToolComponent
}

type artifactView struct {
	Location *sl.ArtifactLocation `json:"location"`
}

// invocationView is the part of an invocation read here (the rest,
// exception objects included, is left alone).
type invocationView struct {
	ExecutionSuccessful            *bool               `json:"executionSuccessful"`
	ExitCode                       *int                `json:"exitCode"`
	ToolExecutionNotifications     []*notificationView `json:"toolExecutionNotifications"`
	ToolConfigurationNotifications []*notificationView `json:"toolConfigurationNotifications"`
}

type notificationView struct {
	Level   string      `json:"level"`
	Message *sl.Message `json:"message"`
}

// result is a SARIF result with its indexes as written.
type result struct {
	sl.Result
	RuleIndex  *int        `json:"ruleIndex"`
	Rule       *ruleRef    `json:"rule"`
	Locations  []*location `json:"locations"`
	WebRequest *webRequest `json:"webRequest"`
}

type ruleRef struct {
	sl.ReportingDescriptorReference
	Index         *int `json:"index"`
	ToolComponent *struct {
		sl.ToolComponentReference
		Index *int `json:"index"`
	} `json:"toolComponent"`
}

type location struct {
	sl.Location
	PhysicalLocation *struct {
		sl.PhysicalLocation
		ArtifactLocation *struct {
			sl.ArtifactLocation
			Index *int `json:"index"`
		} `json:"artifactLocation"`
	} `json:"physicalLocation"`
}

type webRequest struct {
	sl.WebRequest
	Index *int `json:"index"`
}

// Parse reads one SARIF 2.1.0 log (name is how messages and the artifact
// call it) into findings, the tested evidence of each API and warnings.
// It never panics: a decoder panic becomes an ErrParserPanic error.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	var log logView
	if _, err := format.DecodeObject(name, data, &log); err != nil {
		return nil, err
	}
	if log.Runs == nil {
		return nil, format.Errorf(name, 1, 1, "", `not a SARIF log: no "runs" array`)
	}
	p := &parser{name: name, src: src, res: &Result{}}
	switch {
	case log.Version == "2.1.0":
	case log.Version == "":
		p.warn(`no "version"; read as SARIF 2.1.0`)
	case strings.HasPrefix(log.Version, "2."):
		p.warn(fmt.Sprintf("SARIF version %q read as 2.1.0", log.Version))
	default:
		return nil, format.Errorf(name, 0, 0, "version", "unsupported SARIF version %q (2.1.0 is read)", log.Version)
	}
	stored, _ := redactSecrets(data) // see redact.go; doc.go says so
	art := &collectors.Artifact{Name: name, ContentType: "application/sarif+json", Data: stored}
	// Each run is a scan by its tool of its API, results or not.
	var scopes []scan.Scope
	for i, raw := range log.Runs {
		at := fmt.Sprintf("runs[%d]", i)
		if scan.FirstByte(raw) != '{' {
			return nil, format.Errorf(name, 0, 0, at, "a run is not an object")
		}
		var run runView
		if err := json.Unmarshal(raw, &run); err != nil {
			path, msg := format.FieldError(err)
			if path != "" {
				at += "." + path
			}
			return nil, format.Errorf(name, 0, 0, at, "%s", msg)
		}
		rp := p.newRun(i, &run)
		scopes = append(scopes, scan.Scope{API: rp.api, Tool: rp.tool})
		rp.results()
	}
	if len(scopes) == 0 {
		// An empty log (no runs) still says a scan ran.
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: Kind})
	}
	return format.Finish(p.res, art, scopes...), nil
}

// part decodes one optional member of a run into v; a mismatch is a
// warning naming the member, and v keeps what decoded.
func (p *parser) part(at string, raw json.RawMessage, v any) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		p.warn(fmt.Sprintf("%s: %s; read in part", at, fieldMsg(err)))
	}
}

// fieldMsg describes a decoding error by field path, without the Go
// names of embedded structs ("Result.level" is "level"): SARIF's own
// member names are lower camel case.
func fieldMsg(err error) string {
	path, msg := format.FieldError(err)
	var segs []string
	for seg := range strings.SplitSeq(path, ".") {
		if seg != "" && (seg[0] < 'A' || seg[0] > 'Z') {
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return msg
	}
	return strings.Join(segs, ".") + ": " + msg
}

type parser struct {
	name string
	src  collectors.Source
	res  *Result
}

func (p *parser) warn(msg string) { p.res.Warnings = append(p.res.Warnings, msg) }

// runParser reads the results of one run.
type runParser struct {
	*parser
	i      int
	run    *runView
	tool   string
	api    string
	secret bool // a secret scanner: no excerpts
	byID   map[*sl.ToolComponent]map[string]*sl.ReportingDescriptor
	exts   map[string]*sl.ToolComponent // by "name:" and "guid:"
	infos  map[*sl.ReportingDescriptor]*ruleInfo
	// unknownLevels counts results with a level word SARIF does not
	// define, so the warning is given once per word.
	unknownLevels map[string]int
}

func (p *parser) newRun(i int, run *runView) *runParser {
	at := fmt.Sprintf("runs[%d]", i)
	rp := &runParser{parser: p, i: i, run: run, tool: Kind,
		byID: map[*sl.ToolComponent]map[string]*sl.ReportingDescriptor{}, unknownLevels: map[string]int{},
		infos: map[*sl.ReportingDescriptor]*ruleInfo{}}
	if t := run.Tool; t != nil {
		if len(t.Driver) > 0 && string(t.Driver) != "null" {
			t.driver = &sl.ToolComponent{}
			p.part(at+".tool.driver", t.Driver, t.driver)
		}
		for j, raw := range t.Extensions {
			var c *sl.ToolComponent
			if len(raw) > 0 && string(raw) != "null" {
				c = &sl.ToolComponent{}
				p.part(fmt.Sprintf("%s.tool.extensions[%d]", at, j), raw, c)
			}
			t.extensions = append(t.extensions, c)
		}
	}
	if d := rp.driver(); d != nil && strings.TrimSpace(str(d.Name)) != "" {
		rp.tool = scan.Clip(str(d.Name), 200)
	} else {
		p.warn(fmt.Sprintf("%s.tool.driver.name is missing; the tool is called %q", at, Kind))
	}
	rp.secret = secretTool.MatchString(rp.tool)
	p.part(at+".originalUriBaseIds", run.OriginalURIBaseIDs, &run.baseIDs)
	p.part(at+".artifacts", run.Artifacts, &run.artifacts)
	p.part(at+".webRequests", run.WebRequests, &run.webRequests)
	var vcs []*sl.VersionControlDetails
	p.part(at+".versionControlProvenance", run.VersionControlProvenance, &vcs)
	hint := ""
	for _, vc := range vcs {
		if vc != nil {
			if hint = repoName(str(vc.RepositoryURI)); hint != "" {
				break
			}
		}
	}
	rp.api = scan.APIName(p.src, hint, p.name)
	var invs []*invocationView
	p.part(at+".invocations", run.Invocations, &invs)
	for _, inv := range invs {
		if inv == nil || inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful {
			continue
		}
		msg := fmt.Sprintf("%s: %s reports an unsuccessful execution", at, rp.tool)
		if inv.ExitCode != nil {
			msg += fmt.Sprintf(" (exit code %d)", *inv.ExitCode)
		}
		for _, n := range append(slices.Clip(inv.ToolExecutionNotifications), inv.ToolConfigurationNotifications...) {
			if n != nil && n.Level == sl.LevelError && n.Message != nil && str(n.Message.Text) != "" {
				msg += ": " + scan.Clip(str(n.Message.Text), 300)
				break
			}
		}
		p.warn(msg + "; its results may be incomplete")
	}
	return rp
}

func (rp *runParser) driver() *sl.ToolComponent {
	if rp.run.Tool == nil {
		return nil
	}
	return rp.run.Tool.driver
}

// repoName is the last path segment of a repository URI without ".git":
// the project name a SAST report states.
func repoName(uri string) string {
	uri = strings.TrimRight(strings.TrimSpace(uri), "/")
	if i := strings.LastIndexAny(uri, "/:"); i >= 0 {
		uri = uri[i+1:]
	}
	return strings.TrimSuffix(uri, ".git")
}

func (rp *runParser) results() {
	for j, raw := range rp.run.Results {
		at := fmt.Sprintf("runs[%d].results[%d]", rp.i, j)
		if scan.FirstByte(raw) != '{' {
			rp.warn(at + " is not an object; skipped")
			continue
		}
		var r result
		if err := json.Unmarshal(raw, &r); err != nil {
			rp.warn(fmt.Sprintf("%s: %s; result skipped", at, fieldMsg(err)))
			continue
		}
		// pass and notApplicable say a rule found nothing; an "absent"
		// baseline state says a result of the previous run is gone.
		if r.Kind == "pass" || r.Kind == "notApplicable" || str(r.BaselineState) == "absent" {
			continue
		}
		rp.result(at, &r)
	}
}

func (rp *runParser) result(at string, r *result) {
	comp, rule, ruleID := rp.rule(at, r)
	msg := rp.message(r.Message, rule, comp)
	f := collectors.Finding{API: rp.api, Tool: rp.tool}
	if ruleID == "" {
		ruleID = scan.FirstLine(msg)
		if ruleID == "" {
			ruleID = "unknown"
		}
		rp.warn(fmt.Sprintf("%s: no ruleId; the rule is called %q", at, scan.Clip(ruleID, 80)))
	}
	f.RuleID = scan.Clip(ruleID, 500)

	title := ""
	if rule != nil {
		title = mtext(rule.ShortDescription)
		if title == "" {
			title = str(rule.Name)
		}
	}
	if title == "" {
		title = scan.FirstLine(msg)
	}
	if title == "" {
		title = f.RuleID
	}
	f.Title = scan.Clip(title, 500)
	// Tags, CWE, OWASP, confidence and the rule's texts are worked out
	// once per rule, the result's own tags and taxa here.
	ri := rp.ruleInfo(rule)
	desc := msg
	if ri.full != "" && ri.full != msg {
		desc = strings.TrimSpace(desc + "\n\n" + ri.full)
	}
	// Every result of a rule shares one remediation string: a rule's help
	// is often kilobytes of markdown, and a copy per result made a
	// 100,000-result import hold hundreds of megabytes of the same text.
	f.Remediation = ri.remediation
	f.Description = scan.ClipText(desc)
	f.Severity, f.RawSeverity = rp.severity(at, r, rule)

	f.Tags = slices.Clone(ri.tags)
	f.OWASP = ri.owasp
	cwes := slices.Clone(ri.cwes)
	var own []string
	if r.Properties != nil {
		own = r.Properties.Tags[:min(len(r.Properties.Tags), maxList)]
	}
	c, o, secret := classify(own, &f.Tags)
	cwes = append(cwes, c...)
	if f.OWASP == "" {
		f.OWASP = o
	}
	for _, t := range r.Taxa[:min(len(r.Taxa), maxList)] {
		cwes = append(cwes, taxonCWE(t)...)
	}
	scan.SetCWEs(&f, cwes)
	if r.Kind != "" && r.Kind != "fail" {
		f.Tags = scan.AddTag(f.Tags, "kind:"+r.Kind)
	}
	if kinds, ok := suppressed(r.Suppressions); ok {
		f.Tags = scan.AddTag(f.Tags, "suppressed")
		for _, k := range kinds {
			f.Tags = scan.AddTag(f.Tags, "suppression:"+k)
		}
	}
	secret = secret || ri.secret || rp.secret

	rp.where(&f, r, secret)
	f.Fingerprint = fingerprint(f, &r.Result)
	rp.res.Findings = append(rp.res.Findings, f)
}

// ruleInfo is what a rule says about all its results.
type ruleInfo struct {
	tags   []string // its tags but CWE references, and confidence:<precision>
	cwes   []int
	owasp  string
	secret bool // tagged secret/secrets
	// full is the rule's full description; remediation its help with its
	// help URI, clipped.
	full, remediation string
}

// ruleInfo works a rule's classification out once (a rule's lists would
// otherwise be read again for each of its results); bounded to maxList
// entries per list.
func (rp *runParser) ruleInfo(rule *sl.ReportingDescriptor) *ruleInfo {
	if rule == nil {
		return &ruleInfo{}
	}
	if ri, ok := rp.infos[rule]; ok {
		return ri
	}
	ri := &ruleInfo{full: mtext(rule.FullDescription)}
	help := mtext(rule.Help)
	if u := str(rule.HelpURI); u != "" && !strings.Contains(help, u) {
		help = strings.TrimSpace(help + "\n\n" + u)
	}
	ri.remediation = scan.ClipText(help)
	var tags []string
	if rule.Properties != nil {
		tags = rule.Properties.Tags[:min(len(rule.Properties.Tags), maxList)]
	}
	ri.cwes, ri.owasp, ri.secret = classify(tags, &ri.tags)
	ri.cwes = append(ri.cwes, propCWEs(rule.Properties)...)
	for _, rel := range rule.Relationships[:min(len(rule.Relationships), maxList)] {
		if rel != nil {
			ri.cwes = append(ri.cwes, taxonCWE(rel.Target)...)
		}
	}
	if p := prop(rule.Properties, "precision"); p != "" {
		ri.tags = scan.AddTag(ri.tags, "confidence:"+p)
	}
	// Only the first CWE and scan.MaxTags others can be kept: drop repeats
	// (in order) and the rest.
	seen := map[int]bool{}
	ri.cwes = slices.DeleteFunc(ri.cwes, func(n int) bool {
		dup := seen[n]
		seen[n] = true
		return dup
	})
	ri.cwes = ri.cwes[:min(len(ri.cwes), scan.MaxTags+1)]
	rp.infos[rule] = ri
	return ri
}

// classify sorts tags: CWE references ("external/cwe/cwe-079",
// "CWE-79: ...") give cwes, the first OWASP API Security 2023 tag gives
// owasp, the rest are appended to out; secret reports a secret/secrets
// tag.
func classify(tags []string, out *[]string) (cwes []int, owasp string, secret bool) {
	for _, t := range tags {
		if ids := scan.CWEs(t); len(ids) > 0 {
			cwes = append(cwes, ids...)
			continue // the CWE fields say it
		}
		if owasp == "" {
			owasp = scan.OWASPAPI(t)
		}
		if l := strings.ToLower(t); l == "secret" || l == "secrets" {
			secret = true
		}
		*out = scan.AddTag(*out, t)
	}
	return cwes, owasp, secret
}

// rule finds the reportingDescriptor of a result: through rule.toolComponent
// to a tool extension when given (else the driver), then ruleIndex (or
// rule.index), then ruleId (or rule.id, whose hierarchical "a/b" form
// falls back to "a"). A result with neither (gitleaks 7) takes the rule
// whose id its message text starts with. ruleID is "" when nothing names
// a rule.
func (rp *runParser) rule(at string, r *result) (comp *sl.ToolComponent, rule *sl.ReportingDescriptor, ruleID string) {
	comp = rp.driver()
	ruleID = str(r.RuleID)
	index := r.RuleIndex
	if ref := r.Rule; ref != nil {
		if ruleID == "" {
			ruleID = str(ref.ID)
		}
		if index == nil || *index < 0 {
			index = ref.Index
		}
		if tc := ref.ToolComponent; tc != nil {
			var exts []*sl.ToolComponent
			if rp.run.Tool != nil {
				exts = rp.run.Tool.extensions
			}
			comp = nil
			switch {
			case tc.Index != nil:
				if i := *tc.Index; i >= 0 && i < len(exts) {
					comp = exts[i]
				}
			case tc.Name != nil:
				comp = rp.extension("name:" + *tc.Name)
			case tc.GuID != nil:
				comp = rp.extension("guid:" + *tc.GuID)
			}
			if comp == nil {
				rp.warn(at + ".rule.toolComponent names no tool extension of the run")
			}
		}
	}
	if comp == nil {
		return nil, nil, ruleID
	}
	if index != nil && *index >= 0 {
		if *index < len(comp.Rules) && comp.Rules[*index] != nil {
			rule = comp.Rules[*index]
			id := str(rule.ID)
			if ruleID == "" || ruleID == id || strings.HasPrefix(ruleID, id+"/") {
				return comp, rule, cmp.Or(ruleID, id)
			}
			rp.warn(fmt.Sprintf("%s: ruleIndex %d is rule %q, not %q; the rule is looked up by id", at, *index, scan.Clip(id, 80), scan.Clip(ruleID, 80)))
			rule = nil
		} else {
			rp.warn(fmt.Sprintf("%s: ruleIndex %d is out of range (%d rules)", at, *index, len(comp.Rules)))
		}
	}
	ids := rp.rules(comp)
	if ruleID != "" {
		for id := ruleID; id != ""; {
			if d, ok := ids[id]; ok {
				return comp, d, ruleID
			}
			i := strings.LastIndexByte(id, '/')
			if i < 0 {
				break
			}
			id = id[:i]
		}
		return comp, nil, ruleID
	}
	// No rule named: the rule whose id (the longest) is the message's
	// text up to a space or its end. Only the first maxPrefix bytes are
	// tried, each through the id map, so this costs the same for a
	// thousand rules as for one.
	text := ""
	if r.Message != nil {
		text = str(r.Message.Text)
	}
	var best *sl.ReportingDescriptor
	for i := 1; i <= len(text) && i <= maxPrefix; i++ {
		if i == len(text) || text[i] == ' ' {
			if d, ok := ids[text[:i]]; ok {
				best = d
			}
		}
	}
	if best != nil {
		return comp, best, str(best.ID)
	}
	return comp, nil, ""
}

// maxList bounds how many tags, relationships and taxa of a rule or
// result are read.
const maxList = 256

// maxPrefix bounds the message prefix tried as a rule id.
const maxPrefix = 512

// rules maps the rule ids of a tool component to their first rule, built
// once per component.
func (rp *runParser) rules(comp *sl.ToolComponent) map[string]*sl.ReportingDescriptor {
	ids := rp.byID[comp]
	if ids == nil {
		ids = map[string]*sl.ReportingDescriptor{}
		for _, d := range comp.Rules {
			if d != nil && str(d.ID) != "" {
				if _, dup := ids[*d.ID]; !dup {
					ids[*d.ID] = d
				}
			}
		}
		rp.byID[comp] = ids
	}
	return ids
}

// extension finds a tool extension by "name:<name>" or "guid:<guid>"
// (the first of that name), through a map built once per run.
func (rp *runParser) extension(key string) *sl.ToolComponent {
	if rp.exts == nil {
		rp.exts = map[string]*sl.ToolComponent{}
		if rp.run.Tool != nil {
			for _, e := range rp.run.Tool.extensions {
				if e == nil {
					continue
				}
				for _, k := range []string{"name:" + str(e.Name), "guid:" + str(e.GuID)} {
					if _, dup := rp.exts[k]; !dup {
						rp.exts[k] = e
					}
				}
			}
		}
	}
	return rp.exts[key]
}

// severity is the result's severity and the raw value it came from: a
// security-severity score (result, then rule properties) first, else the
// level (the result's; for kind "fail" the rule's default configuration
// or CodeQL's problem.severity; "none" for other kinds), else SARIF's
// default level "warning" with an empty raw value.
func (rp *runParser) severity(at string, r *result, rule *sl.ReportingDescriptor) (sev, raw string) {
	for _, bag := range []*sl.PropertyBag{r.Properties, ruleProps(rule)} {
		s := prop(bag, "security-severity")
		if s == "" {
			continue
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 10 {
			return scan.FromScore(f), s
		}
		rp.warn(fmt.Sprintf("%s: security-severity %q is not a score from 0 to 10; the level is used", at, scan.Clip(s, 40)))
		break
	}
	level := r.Level
	if level == "" {
		if r.Kind != "" && r.Kind != "fail" {
			level = sl.LevelNone
		} else if rule != nil {
			if rule.DefaultConfiguration != nil {
				level = rule.DefaultConfiguration.Level
			}
			if level == "" {
				if ps := prop(rule.Properties, "problem.severity"); problemSeverity[ps] != "" {
					return problemSeverity[ps], ps
				}
			}
		}
	}
	if level == "" {
		return collectors.SeverityMedium, ""
	}
	if s, ok := levelSeverity[level]; ok {
		return s, level
	}
	if rp.unknownLevels[level] == 0 {
		rp.warn(fmt.Sprintf("%s: unknown level %q taken as info", at, scan.Clip(level, 40)))
	}
	rp.unknownLevels[level]++
	return collectors.SeverityInfo, scan.Clip(level, 100)
}

func ruleProps(rule *sl.ReportingDescriptor) *sl.PropertyBag {
	if rule == nil {
		return nil
	}
	return rule.Properties
}

// prop is a scalar property of a bag as text ("" when absent or not a
// string, number or boolean).
func prop(bag *sl.PropertyBag, key string) string {
	if bag == nil {
		return ""
	}
	switch v := bag.Properties[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// propCWEs reads a "cwe" or "cwes" rule property (Snyk and others), a
// string or a list of strings.
func propCWEs(bag *sl.PropertyBag) []int {
	if bag == nil {
		return nil
	}
	var out []int
	for _, key := range []string{"cwe", "cwes", "CWE"} {
		switch v := bag.Properties[key].(type) {
		case string:
			out = append(out, cweOf(v)...)
		case float64:
			out = append(out, int(v))
		case []any:
			for _, e := range v[:min(len(v), maxList)] {
				if s, ok := e.(string); ok {
					out = append(out, cweOf(s)...)
				}
			}
		}
	}
	return out
}

func cweOf(s string) []int {
	if ids := scan.CWEs(s); len(ids) > 0 {
		return ids
	}
	if n := scan.CWE(s); n > 0 {
		return []int{n}
	}
	return nil
}

// taxonCWE is the CWE a reference to the "CWE" taxonomy names.
func taxonCWE(ref *sl.ReportingDescriptorReference) []int {
	if ref == nil || ref.ToolComponent == nil || !strings.EqualFold(str(ref.ToolComponent.Name), "CWE") {
		return nil
	}
	return cweOf(str(ref.ID))
}

// suppressed reports whether a result is suppressed, SARIF §3.34: it has
// a suppression whose status is accepted (or absent) and none under
// review or rejected. kinds are the suppressions' kinds (inSource,
// external).
func suppressed(ss []*sl.Suppression) (kinds []string, ok bool) {
	for _, s := range ss {
		if s == nil {
			continue
		}
		switch str(s.Status) {
		case "", "accepted":
			ok = true
			if k := str(s.Kind); k != "" && !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		case "underReview", "rejected":
			return nil, false
		}
	}
	return kinds, ok
}

// where sets the finding's file, line, URL, method, location and excerpt
// from the result's first physical location and its web request.
func (rp *runParser) where(f *collectors.Finding, r *result, secret bool) {
	var region, around *sl.Region
	for _, l := range r.Locations {
		if l == nil || l.PhysicalLocation == nil || l.PhysicalLocation.ArtifactLocation == nil {
			continue
		}
		pl := l.PhysicalLocation
		al := pl.ArtifactLocation
		uri, base := str(al.URI), str(al.URIBaseID)
		if uri == "" && al.Index != nil {
			// The location only points at run.artifacts[index].
			if i := *al.Index; i >= 0 && i < len(rp.run.artifacts) && rp.run.artifacts[i].Location != nil {
				uri, base = str(rp.run.artifacts[i].Location.URI), str(rp.run.artifacts[i].Location.URIBaseID)
			}
		}
		if uri == "" {
			continue
		}
		ref := rp.resolve(uri, base)
		if isWebURL(ref) {
			f.URL = ref
		} else {
			f.File = ref
			if pl.Region != nil && pl.Region.StartLine != nil && *pl.Region.StartLine > 0 {
				f.Line = *pl.Region.StartLine
			}
		}
		region, around = pl.Region, pl.ContextRegion
		break
	}
	if wr := r.WebRequest; wr != nil {
		target, method := str(wr.Target), str(wr.Method)
		if target == "" && wr.Index != nil {
			if i := *wr.Index; i >= 0 && i < len(rp.run.webRequests) && rp.run.webRequests[i] != nil {
				target, method = str(rp.run.webRequests[i].Target), str(rp.run.webRequests[i].Method)
			}
		}
		if target != "" {
			f.URL = target
		}
		f.Method = scan.Clip(strings.ToUpper(strings.TrimSpace(method)), 20)
	}
	f.URL = scan.Clip(f.URL, 2000)
	f.File = scan.Clip(f.File, 1000)
	switch {
	case f.File != "":
		f.Location = scan.FileLocation(f.File, f.Line)
	case f.URL != "":
		f.Location = f.URL
	default:
		for _, l := range r.Locations {
			if l == nil {
				continue
			}
			for _, ll := range l.LogicalLocations {
				if ll != nil && cmp.Or(str(ll.FullyQualifiedName), str(ll.Name)) != "" {
					f.Location = scan.Clip(cmp.Or(str(ll.FullyQualifiedName), str(ll.Name)), 1000)
					break
				}
			}
			if f.Location != "" {
				break
			}
		}
	}
	if secret {
		return // the snippet is the secret
	}
	for _, rg := range []*sl.Region{region, around} {
		if rg != nil && rg.Snippet != nil && str(rg.Snippet.Text) != "" {
			f.Excerpt = scan.Excerpt(str(rg.Snippet.Text))
			return
		}
	}
}

// maxBaseHops bounds a chain of uriBaseIds (SRCROOT -> PROJECTROOT -> ...),
// so a cycle ends; maxRef the length of what is resolved.
const (
	maxBaseHops = 8
	maxRef      = 4096
)

// resolve makes a location's uri absolute through run.originalUriBaseIds
// when it is relative and its uriBaseId (or the base's own) is defined
// there; an undefined base (CodeQL's %SRCROOT%) leaves it relative. A
// file: URI on the local host becomes its path; a relative reference is
// percent-decoded, so it reads as the repository path.
func (rp *runParser) resolve(uri, base string) string {
	ref := scan.Clip(strings.TrimSpace(uri), maxRef)
	for hops := 0; base != "" && !hasScheme(ref) && hops < maxBaseHops && len(ref) <= maxRef; hops++ {
		b, ok := rp.run.baseIDs[base]
		if !ok {
			break
		}
		bu := scan.Clip(strings.TrimSpace(str(b.URI)), maxRef)
		if bu != "" && !strings.HasSuffix(bu, "/") {
			bu += "/"
		}
		ref, base = bu+strings.TrimPrefix(ref, "/"), str(b.URIBaseID)
	}
	if hasScheme(ref) {
		u, err := url.Parse(ref)
		if err == nil && u.Scheme == "file" && (u.Host == "" || u.Host == "localhost") && u.Path != "" {
			return u.Path
		}
		return ref
	}
	if s, err := url.PathUnescape(ref); err == nil {
		return s
	}
	return ref
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// hasScheme reports whether ref is an absolute URI ("file:", "https:"),
// not a Windows drive letter path.
func hasScheme(ref string) bool {
	m := schemeRE.FindString(ref)
	return len(m) > 2
}

func isWebURL(ref string) bool {
	l := strings.ToLower(ref)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// maxFingerprint is the longest fingerprint kept as written; a longer one
// is hashed.
const maxFingerprint = 256

// fingerprint is the result's identity across imports. fingerprints
// (stable on their own) give "sarif:<tool>|<key>=<value>" (the first
// key in sorted order); partialFingerprints (CodeQL's line hash, which is
// the same for equal lines in different files) are combined with the
// rule and the file: "sarif:<tool>|<rule>|<file>|k=v|...". Without either,
// "" lets ingest derive one.
func fingerprint(f collectors.Finding, r *sl.Result) string {
	var s string
	switch {
	case len(r.Fingerprints) > 0:
		k := sortedKeys(r.Fingerprints)[0]
		s = "sarif:" + f.Tool + "|" + k + "=" + r.Fingerprints[k]
	case len(r.PartialFingerprints) > 0:
		parts := []string{"sarif:" + f.Tool, f.RuleID, cmp.Or(f.File, f.URL)}
		for _, k := range sortedKeys(r.PartialFingerprints) {
			parts = append(parts, k+"="+r.PartialFingerprints[k])
		}
		s = strings.Join(parts, "|")
	default:
		return ""
	}
	if len(s) > maxFingerprint {
		h := sha256.Sum256([]byte(s))
		return "sarif:" + hex.EncodeToString(h[:16])
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// message is a result's message text: message.text (else markdown), or
// the message string message.id names in the rule (else the tool
// component's global strings), with {n} placeholders replaced by the
// message's arguments and {{ }} unescaped.
func (rp *runParser) message(m *sl.Message, rule *sl.ReportingDescriptor, comp *sl.ToolComponent) string {
	if m == nil {
		return ""
	}
	text := cmp.Or(str(m.Text), str(m.Markdown))
	if text == "" && m.ID != nil {
		if rule != nil {
			if ms, ok := rule.MessageStrings[*m.ID]; ok {
				text = cmp.Or(str(ms.Text), str(ms.Markdown))
			}
		}
		if text == "" && comp != nil {
			if ms, ok := comp.GlobalMessageStrings[*m.ID]; ok {
				text = cmp.Or(str(ms.Text), str(ms.Markdown))
			}
		}
	}
	return formatMessage(text, m.Arguments)
}

// formatMessage substitutes {n} placeholders, stopping at scan.MaxText bytes:
// a short template with many placeholders and a long argument must not
// multiply into gigabytes.
func formatMessage(text string, args []string) string {
	if !strings.ContainsAny(text, "{}") {
		return text
	}
	var b bytes.Buffer
	for i := 0; i < len(text) && b.Len() <= scan.MaxText; i++ {
		c := text[i]
		switch {
		case (c == '{' || c == '}') && i+1 < len(text) && text[i+1] == c:
			b.WriteByte(c)
			i++
		case c == '{':
			j := i + 1
			for j < len(text) && j-i <= 6 && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(text) && text[j] == '}' {
				n, _ := strconv.Atoi(text[i+1 : j])
				if n < len(args) {
					b.WriteString(args[n][:min(len(args[n]), scan.MaxText+1-min(b.Len(), scan.MaxText))])
					i = j
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mtext is a multiformat message string's text, else its markdown.
func mtext(m *sl.MultiformatMessageString) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(cmp.Or(str(m.Text), str(m.Markdown)))
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
