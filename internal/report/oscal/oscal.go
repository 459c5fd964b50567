package oscal

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/internal/report"
)

// OSCALVersion is the OSCAL model version the document declares and
// follows.
const OSCALVersion = "1.1.2"

// NS qualifies posture's own property names (OSCAL property names are
// NCName tokens, so "posture:status" is written as name "status" in this
// namespace).
const NS = "https://github.com/posture-dev/posture/ns/oscal"

// ImportAPHref is import-ap's href. posture has no assessment plan
// document yet; see doc.go.
const ImportAPHref = "./assessment-plan.json"

// maxRisks bounds the risks taken from the findings stream. A variable so
// a test can lower it instead of generating thousands of findings.
var maxRisks = 1000

// ctxEvery is how many elements are written between checks of the
// context: often enough to stop promptly, rarely enough to cost nothing.
const ctxEvery = 1024

// epoch stands in for a report without any time at all: OSCAL requires
// last-modified and start, and the same report must give the same
// document, so the current time is not an option.
const epoch = "1970-01-01T00:00:00Z"

// Write renders r as an OSCAL 1.1.2 assessment-results document (JSON) to
// w. cat resolves NIST SP 800-53 titles and drops references the catalog
// does not know or marks withdrawn; with a nil cat every syntactically
// valid reference is kept, without titles.
//
// The findings and evidence streams are read before the first byte is
// written, so an error from either (wrapped with where it was met) leaves
// w untouched. An error writing to w or a cancelled ctx stops the
// rendering half way; the partial output must then be discarded.
func Write(ctx context.Context, w io.Writer, r report.Report, cat *catalog.Catalog) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("oscal: %w", err)
	}
	d, err := prepare(ctx, r, cat)
	if err != nil {
		return err
	}
	out := newWriter(w)
	if err := d.write(ctx, out); err != nil {
		return err
	}
	if err := out.flush(); err != nil {
		return fmt.Errorf("oscal: write: %w", err)
	}
	return nil
}

// nistRef is one SP 800-53 control a posture control maps to.
type nistRef struct {
	id    string // OSCAL id: "sc-7.5"
	label string // as the catalog writes it: "SC-7(5)"
	title string // "Boundary Protection | Deny by Default — Allow by Exception"; "" without a catalog
}

// evidence is one distinct evidence record referenced by the results:
// one observation.
type evidence struct {
	uuid string
	ref  report.EvidenceRef
	apis []string // APIs whose results rest on it, in first-seen order
	// From the Evidence stream when the record is current at AsOf.
	rec   report.EvidenceRecord
	found bool
}

// doc is everything the document shows, computed before writing.
type doc struct {
	r                 report.Report
	uuid, resultUUID  string
	toolUUID          string
	platformUUID      string
	published, asOf   string
	from, lastMod     string
	timeNotes         []string
	components        []component
	componentUUID     map[string]string
	controls          map[string]*report.Control
	nist              map[string][]nistRef // by posture control id
	reviewed          []string             // OSCAL ids, catalog order
	dropped           []string             // references the catalog does not know
	evidence          []*evidence          // by record id
	evidenceKey       map[string]*evidence // by evidenceKey
	risks             []risk
	riskUUID          map[int64]string // by finding id, for the risks written
	risksCut, riskDup int
}

func evidenceKey(e report.EvidenceRef) string { return strconv.FormatInt(e.ID, 10) + "|" + e.Hash }

func prepare(ctx context.Context, r report.Report, cat *catalog.Catalog) (*doc, error) {
	d := &doc{r: r, componentUUID: map[string]string{}, controls: map[string]*report.Control{},
		nist: map[string][]nistRef{}, evidenceKey: map[string]*evidence{}, riskUUID: map[int64]string{}}
	d.times()
	scope := r.Scope.Kind + "|" + r.Scope.Name + "|" + d.from + "|" + d.asOf + "|" +
		strconv.FormatInt(r.Chain.Seq, 10) + "|" + r.Chain.Hash
	// The result is the assessment (scope, period, chain state); the
	// document is one rendering of it, so it also names its time.
	d.resultUUID = uuid5("result|" + scope)
	d.uuid = uuid5("assessment-results|" + scope + "|" + d.lastMod)
	d.toolUUID = uuid5("component|tool|posture")
	d.platformUUID = uuid5("assessment-platform|posture")

	d.mapControls(cat)
	d.apiComponents()
	d.collectEvidence()
	if err := d.readEvidence(ctx); err != nil {
		return nil, err
	}
	if err := d.readRisks(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// stamp formats t for OSCAL's date-time-with-timezone: UTC, RFC 3339,
// and a year the schema's pattern accepts (1900-2999); false otherwise.
func stamp(t time.Time) (string, bool) {
	if t.IsZero() {
		return "", false
	}
	u := t.UTC()
	if u.Year() < 1900 || u.Year() > 2999 {
		return "", false
	}
	return u.Format(time.RFC3339Nano), true
}

// times picks the document's times, falling back so that every required
// date is valid and the fallback is said in the metadata's remarks.
func (d *doc) times() {
	var ok bool
	if d.asOf, ok = stamp(d.r.AsOf); !ok {
		if d.asOf, ok = stamp(d.r.GeneratedAt); ok {
			d.timeNotes = append(d.timeNotes, "The report has no valid as-of date; the generation time stands in for it.")
		} else {
			d.asOf = epoch
			d.timeNotes = append(d.timeNotes, "The report has no valid as-of date or generation time; "+epoch+" stands in for both.")
		}
	}
	if d.from, ok = stamp(d.r.From); !ok {
		d.from = d.asOf
		d.timeNotes = append(d.timeNotes, "The report has no valid period start; the period starts at the as-of date.")
	}
	if d.lastMod, ok = stamp(d.r.GeneratedAt); ok {
		d.published = d.lastMod
	} else {
		d.lastMod = d.asOf
		if d.asOf != epoch {
			d.timeNotes = append(d.timeNotes, "The report has no valid generation time; last-modified is the as-of date.")
		}
	}
}

// mapControls indexes the report's controls and their SP 800-53
// references, converted to OSCAL ids.
func (d *doc) mapControls(cat *catalog.Catalog) {
	reviewed := map[string]bool{}
	dropped := map[string]bool{}
	for i := range d.r.Controls {
		c := &d.r.Controls[i]
		if _, dup := d.controls[c.ID]; dup {
			continue
		}
		d.controls[c.ID] = c
		var refs []nistRef
		seen := map[string]bool{}
		for _, raw := range c.NIST80053 {
			id, ok := controlID(raw)
			label, _ := canonical(raw)
			var title string
			if ok && cat != nil {
				n, known := cat.NIST[label]
				ok = known && !n.Withdrawn
				title = n.Title
			}
			if !ok {
				dropped[strings.TrimSpace(raw)] = true
				continue
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			refs = append(refs, nistRef{id: id, label: label, title: title})
			reviewed[id] = true
		}
		d.nist[c.ID] = refs
	}
	for id := range reviewed {
		d.reviewed = append(d.reviewed, id)
	}
	slices.SortFunc(d.reviewed, compareIDs)
	for id := range dropped {
		d.dropped = append(d.dropped, id)
	}
	slices.Sort(d.dropped)
}

// apiComponents defines one component per API: the subjects the
// observations point at. APIs named only by a result (odd data) get one
// too, so no reference dangles.
func (d *doc) apiComponents() {
	add := func(name string, a *report.APISummary) {
		if _, ok := d.componentUUID[name]; ok {
			return
		}
		c := component{UUID: uuid5("component|api|" + name), Type: "service", Title: orDefault(name, "(unnamed API)"),
			Status: status{State: "operational"}}
		desc := "API " + orDefault(name, "(unnamed)")
		if a != nil {
			if a.Title != "" {
				desc += " (" + a.Title + ")"
			}
			if a.Owner != "" {
				desc += ", owned by " + a.Owner
			}
			if a.Environment != "" {
				desc += ", " + a.Environment + " environment"
			}
			desc += ", maturity level " + report.LevelName(a.Level)
			c.Props = props("api", name, "owner", a.Owner, "environment", a.Environment, "maturity-level", strconv.Itoa(a.Level))
		} else {
			c.Props = props("api", name)
		}
		c.Description = desc + "."
		d.componentUUID[name] = c.UUID
		d.components = append(d.components, c)
	}
	for i := range d.r.APIs {
		add(d.r.APIs[i].Name, &d.r.APIs[i])
	}
	for _, res := range d.r.Results {
		add(res.API, nil)
	}
}

// collectEvidence gathers the distinct evidence records the results rest
// on, ordered by record id (then hash) so the observations read in chain
// order.
func (d *doc) collectEvidence() {
	for _, res := range d.r.Results {
		for _, ref := range res.Evidence {
			k := evidenceKey(ref)
			e, ok := d.evidenceKey[k]
			if !ok {
				e = &evidence{uuid: uuid5("observation|evidence|" + k), ref: ref}
				d.evidenceKey[k] = e
				d.evidence = append(d.evidence, e)
			}
			if !slices.Contains(e.apis, res.API) {
				e.apis = append(e.apis, res.API)
			}
		}
	}
	slices.SortFunc(d.evidence, func(a, b *evidence) int {
		if a.ref.ID != b.ref.ID {
			if a.ref.ID < b.ref.ID {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ref.Hash, b.ref.Hash)
	})
}

// readEvidence takes, from the Evidence stream, the details (sequence
// number, collector, location, artifact hash) of the records the results
// reference; the others pass by without being kept.
func (d *doc) readEvidence(ctx context.Context) error {
	if d.r.Evidence == nil || len(d.evidence) == 0 {
		return nil
	}
	byID := map[int64][]*evidence{}
	for _, e := range d.evidence {
		byID[e.ref.ID] = append(byID[e.ref.ID], e)
	}
	n := 0
	for rec, err := range d.r.Evidence {
		n++
		if err != nil {
			return fmt.Errorf("oscal: evidence: record %d: %w", n, err)
		}
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("oscal: evidence: record %d: %w", n, err)
			}
		}
		for _, e := range byID[rec.ID] {
			if e.ref.Hash == "" || e.ref.Hash == rec.Hash {
				e.rec, e.found = rec, true
			}
		}
	}
	return nil
}

func isOpen(status string) bool { return status == "open" || status == "in_progress" }

// readRisks takes the open critical and high findings, worst first as the
// stream gives them, up to maxRisks; the rest are only counted. A
// duplicate (another tool's report of the same issue) is one issue, so it
// is not a second risk.
func (d *doc) readRisks(ctx context.Context) error {
	if d.r.Findings == nil {
		return nil
	}
	n := 0
	for f, err := range d.r.Findings {
		n++
		if err != nil {
			return fmt.Errorf("oscal: findings: finding %d: %w", n, err)
		}
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("oscal: findings: finding %d: %w", n, err)
			}
		}
		sev := strings.ToLower(f.Severity)
		if !isOpen(f.Status) || (sev != "critical" && sev != "high") {
			continue
		}
		if f.DuplicateOf != nil {
			d.riskDup++
			continue
		}
		if _, dup := d.riskUUID[f.ID]; dup {
			continue
		}
		if len(d.risks) >= maxRisks {
			d.risksCut++
			continue
		}
		rk := d.risk(f, sev)
		d.riskUUID[f.ID] = rk.UUID
		d.risks = append(d.risks, rk)
	}
	return nil
}

func (d *doc) risk(f report.Finding, sev string) risk {
	id := strconv.FormatInt(f.ID, 10)
	rk := risk{
		UUID:   uuid5("risk|finding|" + id),
		Title:  orDefault(f.Title, "Finding "+id),
		Status: "open",
		Props: props("finding-id", id, "severity", sev, "api", f.API, "tool", f.Tool, "rule-id", f.RuleID,
			"owasp-api-2023", f.OWASP, "location", f.Location, "assignee", f.Assignee, "finding-status", f.Status),
	}
	if f.Status == "in_progress" {
		rk.Status = "remediating"
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "Open %s finding %s", sev, id)
	if f.Tool != "" {
		fmt.Fprintf(&desc, " reported by %s", f.Tool)
		if f.RuleID != "" {
			fmt.Fprintf(&desc, " (rule %s)", f.RuleID)
		}
	}
	fmt.Fprintf(&desc, " on API %s", orDefault(f.API, "(unnamed)"))
	if f.Location != "" {
		fmt.Fprintf(&desc, " at %s", f.Location)
	}
	desc.WriteString(".")
	if s, ok := stamp(f.FirstSeen); ok {
		desc.WriteString(" First seen " + s)
		if l, ok := stamp(f.LastSeen); ok {
			desc.WriteString(", last seen " + l)
		}
		desc.WriteString(".")
	}
	rk.Description = desc.String()
	stmt := fmt.Sprintf("A %s weakness", sev)
	if f.CWE > 0 {
		stmt += fmt.Sprintf(" (CWE-%d)", f.CWE)
	}
	stmt += " is open on API " + orDefault(f.API, "(unnamed)")
	if f.OWASP != "" {
		stmt += ", in OWASP API Security Top 10 category " + f.OWASP
	}
	rk.Statement = stmt + "."
	if f.CWE > 0 {
		cwe := strconv.Itoa(f.CWE)
		rk.ThreatIDs = []threatID{{System: "https://cwe.mitre.org", ID: "https://cwe.mitre.org/data/definitions/" + cwe + ".html"}}
	}
	if f.DueAt != nil {
		if s, ok := stamp(*f.DueAt); ok {
			rk.Deadline = s
		}
	}
	if f.Overdue {
		rk.Props = append(rk.Props, props("overdue", "true")...)
		rk.Remarks = "Overdue: past its due date."
	}
	if u, err := url.Parse(strings.TrimSpace(f.TrackerURL)); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		rk.Links = []link{{Href: u.String(), Rel: "tracker", Text: "Issue tracker"}}
	}
	return rk
}

// props builds properties in posture's namespace from name, value pairs,
// leaving out empty values (the schema requires a non-empty value).
func props(kv ...string) []prop {
	var out []prop
	for i := 0; i+1 < len(kv); i += 2 {
		if v := clean(kv[i+1]); v != "" {
			out = append(out, prop{Name: kv[i], NS: NS, Value: v})
		}
	}
	return out
}

// clean makes s a valid OSCAL string value (no leading, trailing or line
// breaking white space; ECMA regexes' "." stops at line breaks): runs of
// white space and control characters become one space.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\ufeff' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
