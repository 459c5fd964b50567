package trivy

import (
	"cmp"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Tool is Finding.Tool: the kind (the report does not name itself).
const Tool = Kind

// report is a Trivy JSON report: schema 2 (Results) or the Kubernetes
// shape (ClusterName with workloads).
type report struct {
	SchemaVersion     *int       `json:"SchemaVersion"`
	ArtifactName      string     `json:"ArtifactName"`
	ArtifactType      string     `json:"ArtifactType"`
	Results           []result   `json:"Results"`
	ClusterName       *string    `json:"ClusterName"`
	Resources         []workload `json:"Resources"`
	Vulnerabilities   []workload `json:"Vulnerabilities"`
	Misconfigurations []workload `json:"Misconfigurations"`
}

// workload is a Kubernetes object of a cluster report and what was found
// in it.
type workload struct {
	Namespace string   `json:"Namespace"`
	Kind      string   `json:"Kind"`
	Name      string   `json:"Name"`
	Results   []result `json:"Results"`
}

type result struct {
	Target            string          `json:"Target"`
	Class             string          `json:"Class"`
	Type              string          `json:"Type"`
	Vulnerabilities   []vulnerability `json:"Vulnerabilities"`
	Misconfigurations []misconfig     `json:"Misconfigurations"`
	Secrets           []secret        `json:"Secrets"`
}

type vulnerability struct {
	VulnerabilityID  string   `json:"VulnerabilityID"`
	PkgName          string   `json:"PkgName"`
	InstalledVersion string   `json:"InstalledVersion"`
	FixedVersion     string   `json:"FixedVersion"`
	Status           string   `json:"Status"`
	Severity         string   `json:"Severity"`
	SeveritySource   string   `json:"SeveritySource"`
	Title            string   `json:"Title"`
	Description      string   `json:"Description"`
	CweIDs           []string `json:"CweIDs"`
	PrimaryURL       string   `json:"PrimaryURL"`
	CVSS             map[string]struct {
		V3Score float64 `json:"V3Score"`
	} `json:"CVSS"`
}

type misconfig struct {
	Type          string `json:"Type"`
	ID            string `json:"ID"`
	AVDID         string `json:"AVDID"`
	Title         string `json:"Title"`
	Description   string `json:"Description"`
	Message       string `json:"Message"`
	Resolution    string `json:"Resolution"`
	Severity      string `json:"Severity"`
	PrimaryURL    string `json:"PrimaryURL"`
	Status        string `json:"Status"`
	CauseMetadata struct {
		Provider  string `json:"Provider"`
		Service   string `json:"Service"`
		StartLine int    `json:"StartLine"`
		Code      struct {
			Lines []struct {
				Number    int    `json:"Number"`
				Content   string `json:"Content"`
				Truncated bool   `json:"Truncated"`
			} `json:"Lines"`
		} `json:"Code"`
	} `json:"CauseMetadata"`
}

type secret struct {
	RuleID    string `json:"RuleID"`
	Category  string `json:"Category"`
	Severity  string `json:"Severity"`
	Title     string `json:"Title"`
	StartLine int    `json:"StartLine"`
	Match     string `json:"Match"`
	// Code (the lines around the match) is not read: it may show the
	// secret; Match is what Trivy redacts.
}

// Parse reads one Trivy JSON report (name is how messages and the
// artifact call it) into findings, the tested evidence and warnings. It
// never panics: a decoder panic becomes an ErrParserPanic error.
func Parse(name string, data []byte, src collectors.Source) (res *Result, err error) {
	defer format.Recover(name, &res, &err)
	doc, err := format.Document(name, data)
	if err != nil {
		return nil, err
	}
	var rep report
	switch scan.FirstByte(doc.Data) {
	case '{':
		if err := format.Decode(name, data, doc, &rep); err != nil {
			return nil, err
		}
		if rep.ClusterName == nil && rep.SchemaVersion == nil && rep.Results == nil {
			return nil, format.Errorf(name, 1, 1, "", `not a Trivy report: no "SchemaVersion", "Results" or "ClusterName"`)
		}
		if rep.SchemaVersion != nil && *rep.SchemaVersion != 2 {
			// Trivy has written schema 2 since v0.20; read what matches.
			defer func() {
				if res != nil {
					res.Warnings = append(res.Warnings, fmt.Sprintf("SchemaVersion %d read as 2", *rep.SchemaVersion))
				}
			}()
		}
	case '[':
		// Before schema 2 (Trivy < 0.20) a report was the list of results.
		if err := format.Decode(name, data, doc, &rep.Results); err != nil {
			return nil, err
		}
		for i, r := range rep.Results {
			if r.Target == "" {
				return nil, format.Errorf(name, 0, 0, fmt.Sprintf("[%d]", i), `not a Trivy report: a result without "Target"`)
			}
		}
	case 'n':
		// An empty legacy report is "null".
	default:
		return nil, format.Errorf(name, 1, 1, "", "not a Trivy report: the top level is not an object or array")
	}
	p := &parser{res: &Result{}, unknown: map[string]bool{}}
	p.api = scan.APIName(src, projectName(rep.ArtifactType, rep.ArtifactName), name)
	for i := range rep.Results {
		p.result(fmt.Sprintf("Results[%d]", i), &rep.Results[i], nil)
	}
	for _, list := range []struct {
		at string
		ws []workload
	}{{"Resources", rep.Resources}, {"Vulnerabilities", rep.Vulnerabilities}, {"Misconfigurations", rep.Misconfigurations}} {
		for i := range list.ws {
			w := &list.ws[i]
			for j := range w.Results {
				p.result(fmt.Sprintf("%s[%d].Results[%d]", list.at, i, j), &w.Results[j], w)
			}
		}
	}
	art := &collectors.Artifact{Name: name, ContentType: "application/json", Data: data}
	return format.Finish(p.res, art, scan.Scope{API: p.api, Tool: Tool}), nil
}

// projectName is the project a report names: a container image's
// repository name (registry, path, tag and digest cut), a repository's
// last path segment, or a scanned directory's base name; "" for "." and
// for what is not a project (a VM, an SBOM, a cluster).
func projectName(typ, name string) string {
	name = strings.TrimSpace(name)
	switch typ {
	case "container_image":
		if i := strings.IndexByte(name, '@'); i >= 0 {
			name = name[:i]
		}
		name = path.Base(name)
		if i := strings.IndexByte(name, ':'); i >= 0 {
			name = name[:i]
		}
	case "repository":
		name = strings.TrimSuffix(path.Base(strings.TrimRight(name, "/")), ".git")
	case "filesystem":
		name = path.Base(strings.ReplaceAll(strings.TrimRight(name, `/\`), `\`, "/"))
	default:
		return ""
	}
	switch name {
	case ".", "/", "..":
		return ""
	}
	return name
}

type parser struct {
	res     *Result
	api     string
	unknown map[string]bool // severity words warned about
}

func (p *parser) warn(msg string) { p.res.Warnings = append(p.res.Warnings, msg) }

// severity maps Trivy's UNKNOWN/LOW/MEDIUM/HIGH/CRITICAL.
func (p *parser) severity(at, raw string) string {
	if s, ok := scan.Severity(raw); ok {
		return s
	}
	if !p.unknown[raw] {
		p.unknown[raw] = true
		p.warn(fmt.Sprintf("%s: unknown severity %q taken as info", at, scan.Clip(raw, 40)))
	}
	return collectors.SeverityInfo
}

func (p *parser) result(at string, r *result, w *workload) {
	target := scan.Clip(strings.ReplaceAll(r.Target, `\`, "/"), 1000)
	if target == "" {
		if len(r.Vulnerabilities)+len(r.Misconfigurations)+len(r.Secrets) > 0 {
			p.warn(at + " has no Target; skipped")
		}
		return
	}
	base := func() collectors.Finding {
		f := collectors.Finding{API: p.api, Tool: Tool, File: target}
		f.Tags = scan.AddTag(f.Tags, "class:"+r.Class)
		if r.Type != "" {
			f.Tags = scan.AddTag(f.Tags, "type:"+r.Type)
		}
		if w != nil {
			f.Tags = scan.AddTag(f.Tags, "workload:"+w.Namespace+"/"+w.Kind+"/"+w.Name)
		}
		return f
	}
	// where is a finding's location: in a cluster report the namespace
	// comes first, since workloads of two namespaces may share a name.
	where := func(s string) string {
		if w != nil && w.Namespace != "" {
			return w.Namespace + "/" + s
		}
		return s
	}
	for i := range r.Vulnerabilities {
		v := &r.Vulnerabilities[i]
		vat := fmt.Sprintf("%s.Vulnerabilities[%d]", at, i)
		if v.VulnerabilityID == "" {
			p.warn(vat + " has no VulnerabilityID; skipped")
			continue
		}
		f := base()
		f.RuleID = scan.Clip(v.VulnerabilityID, 500)
		title := v.Title
		if title == "" {
			title = v.VulnerabilityID + " in " + v.PkgName
		}
		f.Title = scan.Clip(title, 500)
		f.Description = scan.ClipText(v.Description)
		f.Severity, f.RawSeverity = p.severity(vat, v.Severity), scan.Clip(v.Severity, 100)
		var cwes []int
		for _, c := range v.CweIDs {
			cwes = append(cwes, scan.CWEs(c)...)
		}
		scan.SetCWEs(&f, cwes)
		pkg := v.PkgName + "@" + v.InstalledVersion
		// The package's place is the image or file: the same in every
		// workload that runs it, so no namespace here.
		f.Location = scan.Clip(target+" "+pkg, 2000)
		rem := ""
		if v.FixedVersion != "" {
			rem = fmt.Sprintf("Upgrade %s from %s to %s.", v.PkgName, v.InstalledVersion, v.FixedVersion)
		}
		if v.PrimaryURL != "" {
			rem = strings.TrimSpace(rem + "\n\n" + v.PrimaryURL)
		}
		f.Remediation = scan.ClipText(rem)
		f.Tags = scan.AddTag(f.Tags, "pkg:"+pkg)
		if v.Status != "" {
			f.Tags = scan.AddTag(f.Tags, "status:"+v.Status)
		}
		if c, ok := v.CVSS[v.SeveritySource]; ok && c.V3Score > 0 {
			f.Tags = scan.AddTag(f.Tags, "cvss:"+strconv.FormatFloat(c.V3Score, 'f', -1, 64))
		} else if c, ok := v.CVSS["nvd"]; ok && c.V3Score > 0 {
			f.Tags = scan.AddTag(f.Tags, "cvss:"+strconv.FormatFloat(c.V3Score, 'f', -1, 64))
		}
		f.Fingerprint = "trivy:" + strings.Join([]string{v.VulnerabilityID, v.PkgName, v.InstalledVersion, r.Target}, "|")
		if len(f.Fingerprint) > 1000 {
			f.Fingerprint = "" // a hostile report; ingest derives one
		}
		p.res.Findings = append(p.res.Findings, f)
	}
	for i := range r.Misconfigurations {
		m := &r.Misconfigurations[i]
		mat := fmt.Sprintf("%s.Misconfigurations[%d]", at, i)
		if m.Status == "PASS" {
			continue // a check that found nothing (--include-non-failures)
		}
		id := m.ID
		if id == "" {
			id = m.AVDID
		}
		if id == "" {
			p.warn(mat + " has no ID; skipped")
			continue
		}
		f := base()
		f.RuleID = scan.Clip(id, 500)
		f.Title = scan.Clip(cmp.Or(m.Title, id), 500)
		f.Description = scan.ClipText(strings.TrimSpace(m.Description + "\n\n" + m.Message))
		f.Severity, f.RawSeverity = p.severity(mat, m.Severity), scan.Clip(m.Severity, 100)
		f.Line = max(m.CauseMetadata.StartLine, 0)
		f.Location = scan.Clip(where(scan.FileLocation(target, f.Line)), 2000)
		f.Remediation = scan.ClipText(strings.TrimSpace(m.Resolution + "\n\n" + m.PrimaryURL))
		if m.AVDID != "" && m.AVDID != id {
			f.Tags = scan.AddTag(f.Tags, "avd:"+m.AVDID)
		}
		for _, t := range [][2]string{{"check", m.Type}, {"provider", m.CauseMetadata.Provider}, {"service", m.CauseMetadata.Service}} {
			if t[1] != "" {
				f.Tags = scan.AddTag(f.Tags, t[0]+":"+t[1])
			}
		}
		if m.Status == "EXCEPTION" {
			// Excepted by a Trivy policy: accepted, kept with a tag.
			f.Tags = scan.AddTag(f.Tags, "suppressed")
			f.Tags = scan.AddTag(f.Tags, "suppression:exception")
		}
		var code strings.Builder
		for _, l := range m.CauseMetadata.Code.Lines {
			if l.Truncated || code.Len() > 2*collectors.MaxExcerpt {
				break
			}
			fmt.Fprintf(&code, "%d: %s\n", l.Number, l.Content)
		}
		f.Excerpt = scan.Excerpt(code.String())
		p.res.Findings = append(p.res.Findings, f)
	}
	for i := range r.Secrets {
		s := &r.Secrets[i]
		sat := fmt.Sprintf("%s.Secrets[%d]", at, i)
		if s.RuleID == "" {
			p.warn(sat + " has no RuleID; skipped")
			continue
		}
		f := base()
		f.RuleID = scan.Clip(s.RuleID, 500)
		f.Title = scan.Clip(cmp.Or(s.Title, s.RuleID), 500)
		f.Description = scan.ClipText(f.Title + " found in " + target)
		f.Severity, f.RawSeverity = p.severity(sat, s.Severity), scan.Clip(s.Severity, 100)
		f.Line = max(s.StartLine, 0)
		f.Location = scan.Clip(where(scan.FileLocation(target, f.Line)), 2000)
		if s.Category != "" {
			f.Tags = scan.AddTag(f.Tags, "category:"+s.Category)
		}
		// Trivy replaces the secret in Match with asterisks; a match
		// without any is not redacted, so it is not kept.
		switch {
		case strings.Contains(s.Match, "*"):
			f.Excerpt = scan.Excerpt(s.Match)
		case s.Match != "":
			p.warn(sat + ": Match is not redacted; not kept")
		}
		p.res.Findings = append(p.res.Findings, f)
	}
}
