package generic

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// ErrFormat marks input that does not follow the findings format: a
// missing required field, an unknown field or column, a value of the
// wrong type.
var ErrFormat = errors.New("not in the findings format")

// ErrParserPanic marks a panic while reading a file, turned into an
// error naming it (scan.ErrParserPanic).
var ErrParserPanic = scan.ErrParserPanic

// Error is a file that could not be read; its message starts with
// "findings: <file>:<line>:<column>:".
type Error = scan.Error

// Result is what one file yields: the findings, one scan.TestedEvidence
// per API the file concerns, and warnings (an unknown severity word, an
// owasp value that is not an OWASP API Security 2023 category), each with
// its line.
type Result = scan.Result

// format is what the shared scan code knows of the findings format.
var format = scan.Format{Kind: Kind, ErrFormat: ErrFormat}

// Fields are the names of a finding's fields, in the order the format
// documents them: the JSON keys of a finding object and the CSV columns.
var Fields = []string{"rule_id", "title", "severity", "description", "cwe", "owasp", "api", "method", "url",
	"file", "line", "remediation", "fingerprint", "tags", "tool"}

// docFields are the keys of a JSON document's top-level object.
var docFields = []string{"$schema", "tool", "api", "findings"}

// DefaultTool is the Tool of findings whose file and source name none.
const DefaultTool = "findings"

// record is one finding as read, before it is mapped; place says where it
// is ("line 4", "findings[2]") for messages.
type record struct {
	line   int
	col    int
	path   string
	fields map[string]string
	tags   []string
}

// Parse reads one file of the findings format: a JSON document
// {"tool", "api", "findings": [...]}, a JSON array of findings, JSON
// Lines (one finding per line), or CSV (a header row naming the columns).
// A name ending in ".csv", or content that does not start like JSON, is
// read as CSV. name is the display name, used in messages and as the
// artifact's name; src supplies the api / api_map settings and the "tool"
// option (the tool of files that do not name one).
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	p := &parser{file: name, data: data, src: src, tool: DefaultTool}
	if t := strings.TrimSpace(src.Options["tool"]); t != "" {
		p.tool = t
	}
	var recs []record
	ctype := "application/json"
	fb := scan.FirstByte(data)
	if isCSVName(name) || (fb != 0 && fb != '{' && fb != '[') {
		ctype = "text/csv"
		recs, err = p.readCSV()
	} else {
		var lines bool
		recs, lines, err = p.readJSON()
		if lines {
			ctype = "application/x-ndjson"
		}
	}
	if err != nil {
		return nil, err
	}
	res = &Result{}
	for _, r := range recs {
		f, err := p.finding(r, func(msg string) {
			res.Warnings = append(res.Warnings, p.where(r)+msg)
		})
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, f)
	}
	// A file without findings still says its tool tested its API: the
	// pair a finding would have had.
	var scopes []scan.Scope
	if len(res.Findings) == 0 {
		scopes = append(scopes, scan.Scope{API: scan.APIName(src, p.api, name), Tool: p.findingTool("")})
	}
	art := &collectors.Artifact{Name: name, ContentType: ctype, Data: data}
	return format.Finish(res, art, scopes...), nil
}

type parser struct {
	file string
	data []byte
	src  collectors.Source
	tool string // the document's tool, else the source's, else DefaultTool
	api  string // the document's api
}

// findingTool is the Tool of a finding whose own tool field is tool: it,
// else the file's or the source's tool, else DefaultTool.
func (p *parser) findingTool(tool string) string {
	return scan.Clip(scan.First(tool, p.tool, DefaultTool), 200)
}

// where is a warning's place: "line 4: findings[2]: ".
func (p *parser) where(r record) string {
	s := fmt.Sprintf("line %d: ", r.line)
	if r.path != "" {
		s += r.path + ": "
	}
	return s
}

func (p *parser) errAt(r record, field, msg string) *Error {
	path := field
	if r.path != "" && field != "" {
		path = r.path + "." + field
	} else if r.path != "" {
		path = r.path
	}
	return format.Errorf(p.file, r.line, r.col, path, "%s", msg)
}

// readJSON reads the JSON forms. lines reports JSON Lines.
func (p *parser) readJSON() (recs []record, lines bool, err error) {
	vals, form, err := format.SplitJSON(p.file, p.data)
	if err != nil {
		return nil, false, err
	}
	if form == scan.FormValue {
		var keys map[string]json.RawMessage
		if scan.FirstByte(vals[0].Data) == '{' && json.Unmarshal(vals[0].Data, &keys) == nil {
			if _, ok := keys["findings"]; ok {
				recs, err := p.readDocument(vals[0], keys)
				return recs, false, err
			}
		}
	}
	for i, v := range vals {
		path := ""
		if form == scan.FormArray {
			path = fmt.Sprintf("[%d]", i)
		}
		r, err := p.readObject(v, path)
		if err != nil {
			return nil, false, err
		}
		recs = append(recs, r)
	}
	return recs, form == scan.FormLines, nil
}

// readDocument reads {"$schema", "tool", "api", "findings": [...]}.
func (p *parser) readDocument(v scan.JSONValue, keys map[string]json.RawMessage) ([]record, error) {
	line, col := scan.Position(p.data, v.Off)
	top := record{line: line, col: col}
	for k := range keys {
		if !slices.Contains(docFields, k) {
			return nil, p.errAt(top, scan.Clip(k, 100), fmt.Sprintf("unknown field (a document has %s)", strings.Join(docFields, ", ")))
		}
	}
	for _, k := range []string{"tool", "api"} {
		s, err := jsonString(keys[k])
		if err != nil {
			return nil, p.errAt(top, k, err.Error())
		}
		if k == "tool" && s != "" {
			p.tool = s
		}
		if k == "api" {
			p.api = s
		}
	}
	elems, err := format.ArrayMember(p.file, p.data, v, "findings")
	if err != nil {
		return nil, err
	}
	recs := make([]record, 0, len(elems))
	for i, e := range elems {
		r, err := p.readObject(e, fmt.Sprintf("findings[%d]", i))
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// readObject reads one finding object.
func (p *parser) readObject(v scan.JSONValue, path string) (record, error) {
	line, col := scan.Position(p.data, v.Off)
	r := record{line: line, col: col, path: path, fields: map[string]string{}}
	if scan.FirstByte(v.Data) != '{' {
		return r, p.errAt(r, "", "a finding must be a JSON object")
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(v.Data, &keys); err != nil {
		return r, p.errAt(r, "", err.Error())
	}
	for k, raw := range keys {
		if !slices.Contains(Fields, k) {
			return r, p.errAt(r, scan.Clip(k, 100), "unknown field (a finding has "+strings.Join(Fields, ", ")+")")
		}
		raw = bytes.TrimSpace(raw)
		if string(raw) == "null" {
			continue
		}
		switch k {
		case "tags":
			var tags []string
			if raw[0] != '[' || json.Unmarshal(raw, &tags) != nil {
				return r, p.errAt(r, k, "want an array of strings")
			}
			r.tags = tags
		case "cwe", "line":
			// A number, or a string ("CWE-79", "12").
			if raw[0] == '"' {
				s, _ := jsonString(raw)
				r.fields[k] = s
			} else if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
				r.fields[k] = string(raw)
			} else {
				return r, p.errAt(r, k, "want a number or a string")
			}
		default:
			s, err := jsonString(raw)
			if err != nil {
				return r, p.errAt(r, k, err.Error())
			}
			r.fields[k] = s
		}
	}
	return r, nil
}

// jsonString reads a JSON string (or null, or nothing) as text.
func jsonString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", errors.New("want a string")
	}
	return s, nil
}

// readCSV reads a header row and one finding per row.
func (p *parser) readCSV() ([]record, error) {
	data := scan.TrimBOM(p.data)
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, format.Errorf(p.file, 1, 0, "", "CSV: no header row")
	}
	if err != nil {
		return nil, p.csvErr(err)
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToValidUTF8(h, "\uFFFD")
		c := strings.ToLower(strings.TrimSpace(h))
		_, col := cr.FieldPos(i)
		if !slices.Contains(Fields, c) {
			return nil, format.Errorf(p.file, 1, col, "", "CSV: unknown column %q (the columns are %s)", scan.Clip(h, 100), strings.Join(Fields, ", "))
		}
		if seen[c] {
			return nil, format.Errorf(p.file, 1, col, "", "CSV: column %q appears twice", c)
		}
		seen[c] = true
		cols[i] = c
	}
	if !seen["severity"] || !(seen["rule_id"] || seen["title"]) {
		return nil, format.Errorf(p.file, 1, 0, "", "CSV: the header must name severity and rule_id or title")
	}
	cr.FieldsPerRecord = len(cols)
	var recs []record
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, p.csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		r := record{line: line, fields: map[string]string{}}
		for i, v := range row {
			// JSON text is valid UTF-8 once decoded; CSV bytes are not
			// checked by encoding/csv, and stored text must be.
			v = strings.ToValidUTF8(v, "\uFFFD")
			switch cols[i] {
			case "tags":
				for _, t := range strings.Split(v, ";") {
					if t = strings.TrimSpace(t); t != "" {
						r.tags = append(r.tags, t)
					}
				}
			default:
				if v = strings.TrimSpace(v); v != "" {
					r.fields[cols[i]] = v
				}
			}
		}
		recs = append(recs, r)
	}
}

func (p *parser) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return format.Errorf(p.file, pe.Line, pe.Column, "", "CSV: %v", pe.Err)
	}
	return format.Errorf(p.file, 0, 0, "", "CSV: %v", err)
}

var methodRE = regexp.MustCompile(`^[A-Za-z]{1,20}$`)

// finding maps one record to a Finding.
func (p *parser) finding(r record, warn func(string)) (collectors.Finding, error) {
	fl := r.fields
	rule, title := scan.Clip(fl["rule_id"], 500), scan.Clip(fl["title"], 500)
	if rule == "" && title == "" {
		return collectors.Finding{}, p.errAt(r, "", "rule_id or title is required")
	}
	if strings.TrimSpace(fl["severity"]) == "" {
		return collectors.Finding{}, p.errAt(r, "severity", "required")
	}
	f := collectors.Finding{
		Tool:        p.findingTool(fl["tool"]),
		RuleID:      scan.First(rule, title),
		Title:       scan.First(title, rule),
		Description: scan.ClipText(fl["description"]),
		RawSeverity: scan.Clip(fl["severity"], 100),
		Remediation: scan.ClipText(fl["remediation"]),
		URL:         scan.Clip(fl["url"], 4096),
		File:        scan.Clip(strings.ReplaceAll(fl["file"], `\`, "/"), 1024),
	}
	f.Severity = scan.SeverityOrInfo(fl["severity"], warn)
	if m := fl["method"]; m != "" {
		if !methodRE.MatchString(m) {
			return f, p.errAt(r, "method", fmt.Sprintf("%q is not an HTTP method", scan.Clip(m, 50)))
		}
		f.Method = strings.ToUpper(m)
	}
	if c := fl["cwe"]; c != "" {
		if f.CWE = scan.CWE(c); f.CWE == 0 {
			return f, p.errAt(r, "cwe", fmt.Sprintf("%q is not a CWE id (79 or \"CWE-79\")", scan.Clip(c, 50)))
		}
	}
	if l := fl["line"]; l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return f, p.errAt(r, "line", fmt.Sprintf("%q is not a line number", scan.Clip(l, 50)))
		}
		f.Line = n
	}
	if o := fl["owasp"]; o != "" {
		if f.OWASP = scan.OWASPAPI(o); f.OWASP == "" {
			warn(fmt.Sprintf("owasp %q is not an OWASP API Security 2023 category (API1:2023 ... API10:2023); left out", scan.Clip(o, 100)))
		}
	}
	switch {
	case f.URL != "":
		f.Location = f.URL
	case f.File != "" && f.Line > 0:
		f.Location = f.File + ":" + strconv.Itoa(f.Line)
	case f.File != "":
		f.Location = f.File
	}
	for _, t := range r.tags {
		f.Tags = scan.AddTag(f.Tags, strings.TrimSpace(t))
	}
	hint := strings.TrimSpace(scan.First(fl["api"], p.api))
	if hint == "" {
		hint = scan.HostHint(f.URL)
	}
	f.API = scan.APIName(p.src, hint, p.file)
	if fp := strings.TrimSpace(fl["fingerprint"]); fp != "" {
		f.Fingerprint = scan.Clip(f.Tool+":"+fp, 1000)
	}
	return f, nil
}
