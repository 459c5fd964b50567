package gitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// ErrFormat marks input that is not a GitLab security report (or has a
// field of the wrong type).
var ErrFormat = errors.New("not a GitLab security report")

// ErrParserPanic marks a panic while reading a report, turned into an
// error naming the file (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a report that could not be read; its message starts with
// "gitlab-api-fuzzing: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one report yields: the findings, one
// scan.TestedEvidence per API the report concerns, and warnings (an
// unknown severity word), each with the line of the vulnerability.
type Result = scan.Result

// format is what the shared scan code knows of GitLab security reports.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}

// report follows GitLab's security report schemas (dast-report-format,
// api fuzzing, coverage-fuzzing and the others share this shape).
type report struct {
	Version         string  `json:"version"`
	Vulnerabilities *[]vuln `json:"vulnerabilities"`
	Scan            struct {
		Analyzer         tool `json:"analyzer"`
		Scanner          tool `json:"scanner"`
		Type             str  `json:"type"`
		ScannedResources []struct {
			URL str `json:"url"`
		} `json:"scanned_resources"`
	} `json:"scan"`
}

type tool struct {
	ID   str `json:"id"`
	Name str `json:"name"`
}

type vuln struct {
	ID          str          `json:"id"`
	Category    str          `json:"category"`
	Name        str          `json:"name"`
	Message     str          `json:"message"`
	Description str          `json:"description"`
	CVE         str          `json:"cve"`
	Severity    str          `json:"severity"`
	Confidence  str          `json:"confidence"`
	Solution    str          `json:"solution"`
	Scanner     tool         `json:"scanner"`
	Identifiers []identifier `json:"identifiers"`
	Links       []struct {
		URL str `json:"url"`
	} `json:"links"`
	Location location  `json:"location"`
	Evidence *evidence `json:"evidence"`
}

type identifier struct {
	Type  str `json:"type"`
	Name  str `json:"name"`
	Value str `json:"value"`
}

// location is the union of the schemas' location objects: DAST and API
// fuzzing (hostname, method, path, param), SAST and secret detection
// (file, start_line), dependency and container scanning (file or image,
// dependency) and coverage fuzzing (crash_*). "method" is an HTTP method
// only next to a hostname or path; in SAST it names a function.
type location struct {
	Hostname          str `json:"hostname"`
	Method            str `json:"method"`
	Path              str `json:"path"`
	Param             str `json:"param"`
	File              str `json:"file"`
	StartLine         str `json:"start_line"`
	Image             str `json:"image"`
	CrashAddress      str `json:"crash_address"`
	CrashType         str `json:"crash_type"`
	CrashState        str `json:"crash_state"`
	StacktraceSnippet str `json:"stacktrace_snippet"`
	Dependency        *struct {
		Package struct {
			Name str `json:"name"`
		} `json:"package"`
		Version str `json:"version"`
	} `json:"dependency"`
}

type evidence struct {
	Summary  str      `json:"summary"`
	Request  *message `json:"request"`
	Response *message `json:"response"`
}

type message struct {
	Method       str `json:"method"`
	URL          str `json:"url"`
	StatusCode   str `json:"status_code"`
	ReasonPhrase str `json:"reason_phrase"`
	Headers      []struct {
		Name  str `json:"name"`
		Value str `json:"value"`
	} `json:"headers"`
	Body str `json:"body"`
}

// str is a JSON scalar read as text: reports from other tools put numbers
// where the schema says string (an identifier's value, a line), and null
// where it says nothing. Objects and arrays are an error.
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
	case b[0] == '{' || b[0] == '[':
		return &json.UnmarshalTypeError{Value: "object or array (want a string)"}
	default:
		*s = str(b)
	}
	return nil
}

func (s str) String() string { return strings.TrimSpace(string(s)) }

// Parse reads one GitLab security report. name is the file's display
// name, used in messages and as the artifact's name; src supplies the api
// / api_map settings.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	vals, form, err := format.SplitJSON(name, data)
	if err != nil {
		return nil, err
	}
	if form != scan.FormValue || scan.FirstByte(vals[0].Data) != '{' {
		return nil, format.Errorf(name, 1, 0, "", "%v: want one JSON object", ErrFormat)
	}
	var rep report
	if err := format.Decode(name, data, vals[0], &rep); err != nil {
		return nil, err
	}
	if rep.Vulnerabilities == nil {
		return nil, format.Errorf(name, 1, 0, "", `%v: no "vulnerabilities" array`, ErrFormat)
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	res = &Result{}
	// Where each vulnerability starts, for warnings only: a report
	// json.Unmarshal reads but that is odd here (a first "vulnerabilities"
	// that is null, a later one the array) just has warnings at line 0.
	elems, _ := format.ArrayMember(name, data, vals[0], "vulnerabilities")
	for i, v := range *rep.Vulnerabilities {
		line := 0
		if i < len(elems) {
			line, _ = scan.Position(data, elems[i].Off)
		}
		at := fmt.Sprintf("vulnerabilities[%d]", i)
		f := v.finding(&rep, func(msg string) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("line %d: %s: %s", line, at, msg))
		})
		f.API = scan.APIName(src, scan.HostHint(v.Location.Hostname.String()), name)
		res.Findings = append(res.Findings, f)
	}
	// A scan without vulnerabilities still tested what it scanned (else
	// the API the file is named after), with the tool its findings would
	// have named.
	var scopes []scan.Scope
	if len(res.Findings) == 0 {
		for _, r := range rep.Scan.ScannedResources {
			if h := scan.HostHint(r.URL.String()); h != "" {
				scopes = append(scopes, scan.Scope{API: scan.APIName(src, h, name), Tool: rep.tool("")})
			}
		}
		if len(scopes) == 0 {
			scopes = append(scopes, scan.Scope{API: scan.APIName(src, "", name), Tool: rep.tool("")})
		}
	}
	return format.Finish(res, art, scopes...), nil
}

// tool is the Tool of a finding whose own scanner is called scanner: it,
// else the report's scanner or analyzer, else the kind.
func (rep *report) tool(scanner string) string {
	return scan.Clip(scan.First(scanner, rep.Scan.Scanner.Name.String(), rep.Scan.Analyzer.Name.String(), Kind), 200)
}

func (v *vuln) finding(rep *report, warn func(string)) collectors.Finding {
	f := collectors.Finding{
		Tool:        rep.tool(v.Scanner.Name.String()),
		RawSeverity: scan.Clip(v.Severity.String(), 100),
		Remediation: scan.ClipText(v.Solution.String()),
	}
	f.Severity = scan.SeverityOrInfo(v.Severity.String(), warn)
	f.RuleID = scan.Clip(scan.First(v.ruleID(), v.Name.String(), v.Message.String(), v.Category.String(), "vulnerability"), 500)
	f.Title = scan.Clip(scan.First(v.Name.String(), v.Message.String(), f.RuleID), 500)
	var links []string
	for _, l := range v.Links {
		if u := l.URL.String(); u != "" {
			links = append(links, u)
		}
	}
	f.Description = scan.ClipText(scan.WithReferences(scan.First(v.Description.String(), v.Message.String()), links))

	var cwes []int
	for _, id := range v.Identifiers {
		typ, val := strings.ToLower(id.Type.String()), id.Value.String()
		switch typ {
		case "cwe":
			n := scan.CWE(val)
			if n == 0 {
				n = scan.CWE(id.Name.String())
			}
			if n > 0 {
				cwes = append(cwes, n)
			}
			continue
		case "owasp":
			if f.OWASP == "" {
				f.OWASP = scan.OWASPAPI(val)
			}
		}
		if typ != "" && val != "" {
			f.Tags = scan.AddTag(f.Tags, id.Type.String()+":"+val)
		}
	}
	if c := v.CVE.String(); strings.HasPrefix(strings.ToUpper(c), "CVE-") {
		f.Tags = scan.AddTag(f.Tags, "cve:"+strings.ToUpper(c))
	}
	if c := v.Category.String(); c != "" {
		f.Tags = scan.AddTag(f.Tags, "category:"+c)
	}
	if c := v.Confidence.String(); c != "" {
		f.Tags = scan.AddTag(f.Tags, "confidence:"+c)
	}
	scan.SetCWEs(&f, cwes)
	v.place(&f)
	return f
}

// ruleID is the primary identifier (the schema makes the first one
// primary): "CWE-129" for a CWE, else "<type>:<value>"
// ("ZAProxy_PluginId:10062").
func (v *vuln) ruleID() string {
	if len(v.Identifiers) == 0 {
		return ""
	}
	id := v.Identifiers[0]
	typ, val := id.Type.String(), id.Value.String()
	if strings.EqualFold(typ, "cwe") {
		if n := scan.CWE(val); n > 0 {
			return "CWE-" + strconv.Itoa(n)
		}
	}
	switch {
	case typ != "" && val != "":
		return typ + ":" + val
	case val != "":
		return val
	}
	return id.Name.String()
}

var httpMethodRE = regexp.MustCompile(`^[A-Za-z]{3,10}$`)

// place sets where the vulnerability is, from whichever location the
// report type has: an HTTP request (DAST, API fuzzing), a file and line,
// an image, a fuzzing crash; else the primary identifier.
func (v *vuln) place(f *collectors.Finding) {
	loc := v.Location
	pkg := ""
	if d := loc.Dependency; d != nil && d.Package.Name.String() != "" {
		pkg = d.Package.Name.String()
		if ver := d.Version.String(); ver != "" {
			pkg += "@" + ver
		}
	}
	switch {
	case loc.Hostname.String() != "" || (loc.Path.String() != "" && loc.File.String() == ""):
		f.URL = scan.Clip(strings.TrimSuffix(loc.Hostname.String(), "/")+loc.Path.String(), 4096)
		if m := loc.Method.String(); httpMethodRE.MatchString(m) {
			f.Method = strings.ToUpper(m)
		}
		f.Location = f.URL
		if p := loc.Param.String(); p != "" {
			f.Location += " param=" + scan.Clip(p, 200)
		}
		f.Excerpt = v.Evidence.excerpt()
	case loc.File.String() != "":
		f.File = scan.Clip(strings.ReplaceAll(loc.File.String(), `\`, "/"), 1024)
		f.Location = f.File
		if n, err := strconv.Atoi(loc.StartLine.String()); err == nil && n > 0 {
			f.Line = n
			f.Location += ":" + strconv.Itoa(n)
		}
		if pkg != "" {
			f.Location += " " + pkg
		}
	case loc.Image.String() != "":
		f.Location = scan.Clip(loc.Image.String(), 1024)
		if pkg != "" {
			f.Location += " " + pkg
		}
	case loc.CrashAddress.String() != "" || loc.CrashState.String() != "" || loc.CrashType.String() != "" || loc.StacktraceSnippet.String() != "":
		// Coverage fuzzing: the crash address when the fuzzer gives one,
		// else the top frame of the crash state (the crashing function).
		top, _, _ := strings.Cut(loc.CrashState.String(), "\n")
		f.Location = scan.Clip(scan.First(loc.CrashAddress.String(), strings.TrimSpace(top), loc.CrashType.String(), f.RuleID), 1024)
		if t := loc.CrashType.String(); t != "" {
			f.Tags = scan.AddTag(f.Tags, "crash_type:"+t)
		}
		f.Excerpt = scan.Excerpt(loc.StacktraceSnippet.String())
	default:
		f.Location = f.RuleID
	}
	if f.Excerpt == "" && v.Evidence != nil {
		f.Excerpt = v.Evidence.excerpt()
	}
}

// excerpt shows the evidence: its summary, the request and the response
// as HTTP text.
func (e *evidence) excerpt() string {
	if e == nil {
		return ""
	}
	var parts []string
	if s := e.Summary.String(); s != "" {
		parts = append(parts, s)
	}
	if r := e.Request; r != nil {
		parts = append(parts, r.text(strings.ToUpper(r.Method.String())+" "+r.URL.String()))
	}
	if r := e.Response; r != nil {
		parts = append(parts, r.text(strings.TrimSpace(r.StatusCode.String()+" "+r.ReasonPhrase.String())))
	}
	return scan.Excerpt(strings.Join(parts, "\n\n"))
}

func (m *message) text(first string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(first))
	for _, h := range m.Headers {
		fmt.Fprintf(&b, "\n%s: %s", h.Name, h.Value)
		if b.Len() > 2*collectors.MaxExcerpt {
			break
		}
	}
	if body := m.Body.String(); body != "" {
		b.WriteString("\n\n")
		b.WriteString(scan.Clip(body, collectors.MaxExcerpt))
	}
	return b.String()
}
