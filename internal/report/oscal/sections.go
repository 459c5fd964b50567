package oscal

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/internal/report"
)

// write streams the document. Elements are encoded one at a time; the
// only sets held are the ones prepare built (bounded by the results and
// by maxRisks).
func (d *doc) write(ctx context.Context, w *writer) error {
	root := w.open("", "{")
	root.key("assessment-results")
	ar := w.open(root.indent, "{")
	ar.field("uuid", d.uuid)
	ar.field("metadata", d.metadata())
	ar.field("import-ap", importAP{Href: ImportAPHref,
		Remarks: "posture has no assessment plan document yet: the plan is posture's control catalog and its " +
			"evidence rules, applied continuously. This relative reference names where an exported plan will go."})
	ar.key("results")
	results := w.open(ar.indent, "[")
	results.next()
	res := w.open(results.indent, "{")
	if err := d.result(ctx, res); err != nil {
		return err
	}
	res.close("}")
	results.close("]")
	ar.close("}")
	root.close("}")
	w.str("\n")
	if w.err != nil {
		return fmt.Errorf("oscal: write: %w", w.err)
	}
	return nil
}

func (d *doc) metadata() metadata {
	r := d.r
	m := metadata{
		Title:        orDefault(r.Title, "API security posture") + " — assessment results",
		Published:    d.published,
		LastModified: d.lastMod,
		Version:      "as-of " + d.asOf + ", chain seq " + strconv.FormatInt(r.Chain.Seq, 10),
		OSCALVersion: OSCALVersion,
		Props: props("scope", r.Scope.String(), "scope-kind", r.Scope.Kind, "scope-name", r.Scope.Name,
			"period-start", d.from, "period-end", d.asOf, "chain-seq", strconv.FormatInt(r.Chain.Seq, 10)),
		Remarks: strings.Join(d.timeNotes, "\n\n"),
	}
	m.Props = append(m.Props, hashProps("chain-head-hash", r.Chain.Hash)...)
	m.Props = append(m.Props, props("generator", r.Generator)...)
	return m
}

func (d *doc) result(ctx context.Context, res *block) error {
	r := d.r
	res.field("uuid", d.resultUUID)
	res.field("title", fmt.Sprintf("%s: %s, as of %s", orDefault(r.Title, "API security posture"), r.Scope.String(), d.asOf))
	res.field("description", fmt.Sprintf(
		"posture's control results for %s from %s to %s: %d APIs, %d control results, %d NIST SP 800-53 rev5 controls reviewed. "+
			"Evidence chain head at the report date: seq %d, hash %s; check it with `posture verify`.",
		r.Scope.String(), d.from, d.asOf, len(d.components), len(r.Results), len(d.reviewed), r.Chain.Seq, orDefault(r.Chain.Hash, "(none)")))
	res.field("start", d.from)
	res.field("end", d.asOf)
	rp := props("scope", r.Scope.String(), "chain-seq", strconv.FormatInt(r.Chain.Seq, 10))
	rp = append(rp, hashProps("chain-head-hash", r.Chain.Hash)...)
	rp = append(rp, props("api-count", strconv.Itoa(len(d.components)), "result-count", strconv.Itoa(len(r.Results)))...)
	res.field("props", rp)
	res.field("local-definitions", localDefinitions{
		Components: d.components,
		AssessmentAssets: &assessmentAssets{
			Components: []component{{UUID: d.toolUUID, Type: "software", Title: orDefault(r.Generator, "posture"),
				Description: "posture: collects evidence from API specifications, gateways, traffic and scanners into a " +
					"hash-chained log and evaluates its control catalog against it.",
				Status: status{State: "operational"}}},
			AssessmentPlatforms: []platform{{UUID: d.platformUUID, Title: "posture",
				UsesComponents: []usesComponent{{ComponentUUID: d.toolUUID}}}},
		},
	})
	res.field("reviewed-controls", d.reviewedControls())

	obs := res.list("observations")
	for i, e := range d.evidence {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("oscal: observations: %d: %w", i, err)
			}
		}
		obs.add(d.observation(e))
	}
	obs.close()

	risks := res.list("risks")
	for _, rk := range d.risks {
		risks.add(rk)
	}
	risks.close()

	findings, unmapped, err := d.findings(ctx, res)
	if err != nil {
		return err
	}
	res.field("remarks", d.remarks(obs.len(), findings, unmapped))
	return nil
}

func (d *doc) reviewedControls() reviewedControls {
	sel := controlSelection{
		Description: "The NIST SP 800-53 rev5 controls that posture's catalog controls map to.",
	}
	for _, id := range d.reviewed {
		sel.IncludeControls = append(sel.IncludeControls, selectControl{ControlID: id})
	}
	if len(sel.IncludeControls) == 0 {
		sel.Remarks = "No NIST SP 800-53 controls in scope: the report's controls map to none."
	}
	return reviewedControls{
		Description: "Controls reviewed by evaluating posture's control catalog (" + strconv.Itoa(len(d.r.Controls)) +
			" controls) against the evidence of each API in scope.",
		ControlSelections: []controlSelection{sel},
	}
}

// testCollectors are collector kinds whose evidence comes from exercising
// the running API (dynamic scanners): 800-53A's TEST method. Everything
// else (specifications, gateway configuration, access logs, static
// analysis) is reviewing an artefact: EXAMINE.
var testCollectors = map[string]bool{
	"zap": true, "wapiti": true, "burp": true, "nuclei": true, "gitlab-api-fuzzing": true,
}

func (d *doc) observation(e *evidence) observation {
	id := strconv.FormatInt(e.ref.ID, 10)
	kind := e.ref.Source
	if e.found && e.rec.Collector != "" {
		kind = e.rec.Collector
	}
	method := "EXAMINE"
	if testCollectors[strings.ToLower(kind)] {
		method = "TEST"
	}
	o := observation{
		UUID:    e.uuid,
		Title:   "Evidence record " + id,
		Methods: []string{method},
	}
	var desc strings.Builder
	desc.WriteString("Evidence record " + id)
	if e.found && e.rec.Seq > 0 {
		fmt.Fprintf(&desc, " (chain seq %d)", e.rec.Seq)
	}
	if e.ref.Source != "" {
		desc.WriteString(" from source " + e.ref.Source)
	}
	if e.found && e.rec.Collector != "" {
		desc.WriteString(", collected by the " + e.rec.Collector + " collector")
	}
	desc.WriteString(", for API " + strings.Join(e.apis, ", "))
	if e.found && e.rec.Endpoint != "" {
		desc.WriteString(", endpoint " + e.rec.Endpoint)
	}
	if e.found && e.rec.Location != "" {
		desc.WriteString(", at " + e.rec.Location)
	}
	desc.WriteString(".")
	o.Description = desc.String()
	o.Props = props("evidence-id", id, "source", e.ref.Source)
	if e.found {
		o.Props = append(o.Props, props("collector", e.rec.Collector, "chain-seq", nonZero(e.rec.Seq), "endpoint", e.rec.Endpoint)...)
	}
	for _, api := range e.apis {
		o.Subjects = append(o.Subjects, subjectRef{SubjectUUID: d.componentUUID[api], Type: "component", Title: orDefault(api, "(unnamed API)")})
	}
	ev := relevantEvidence{
		Description: "Evidence record " + id + " in posture's hash-chained evidence log; its chain hash (SHA-256) is " +
			orDefault(e.ref.Hash, "(none)") + ". Check the chain with `posture verify`.",
		Props: props("evidence-id", id),
	}
	ev.Props = append(ev.Props, hashProps("evidence-hash", e.ref.Hash)...)
	if e.found {
		ev.Props = append(ev.Props, hashProps("prev-hash", e.rec.PrevHash)...)
		ev.Props = append(ev.Props, hashProps("artifact-sha256", e.rec.ArtifactSHA256)...)
		ev.Props = append(ev.Props, props("location", e.rec.Location)...)
	}
	o.RelevantEvidence = []relevantEvidence{ev}
	var ok bool
	if o.Collected, ok = stamp(e.ref.ObservedAt); !ok {
		o.Collected = d.asOf
		o.Remarks = "The record has no valid observation time; collected is the report's as-of date."
	}
	return o
}

func hashProps(name, value string) []prop {
	p := props(name, value)
	for i := range p {
		p[i].Class = "sha-256"
	}
	return p
}

func nonZero(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// determination maps a posture status to OSCAL's objective status.
// OSCAL knows only satisfied and not-satisfied: partial is not satisfied
// (with implementation status partial), unknown is not satisfied because
// nothing shows it is, and not applicable is recorded as satisfied with
// implementation status not-applicable so it does not read as a gap.
func determination(st string) (s status, impl string) {
	switch st {
	case "pass":
		return status{State: "satisfied", Reason: "pass"}, ""
	case "fail":
		return status{State: "not-satisfied", Reason: "fail"}, ""
	case "partial":
		return status{State: "not-satisfied", Reason: "fail",
			Remarks: "Partially implemented: only some of the API's endpoints satisfy the control."}, "partial"
	case "not_applicable":
		return status{State: "satisfied", Reason: "other",
			Remarks: "Not applicable to this API; recorded as satisfied with implementation status not-applicable."}, "not-applicable"
	case "unknown":
		return status{State: "not-satisfied", Reason: "other",
			Remarks: "Unknown: no (fresh) evidence, so posture could not evaluate the control and counts it as not satisfied."}, ""
	default:
		return status{State: "not-satisfied", Reason: "other",
			Remarks: "Unrecognised status " + strconv.Quote(st) + ": counted as not satisfied."}, ""
	}
}

func outcome(res report.Result) string {
	switch res.Status {
	case "partial":
		s := fmt.Sprintf("partial, %.0f%% coverage", res.Coverage*100)
		if res.Total > 0 {
			s += fmt.Sprintf(" (%d of %d endpoints)", res.Covered, res.Total)
		}
		return s
	case "not_applicable":
		return "not applicable"
	case "":
		return "no status"
	}
	return res.Status
}

// findings writes one finding per (API, posture control, SP 800-53
// control) and returns how many it wrote and how many results had no
// SP 800-53 control to target.
func (d *doc) findings(ctx context.Context, res *block) (n, unmapped int, err error) {
	out := res.list("findings")
	seen := map[string]int{}
	for i, rs := range d.r.Results {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, 0, fmt.Errorf("oscal: findings: result %d: %w", i, err)
			}
		}
		ctl := d.controls[rs.ControlID]
		if ctl == nil || len(d.nist[rs.ControlID]) == 0 {
			unmapped++
			continue
		}
		st, impl := determination(rs.Status)
		postureStatus := orDefault(clean(rs.Status), "unknown")
		var related []relatedObservation
		for _, ref := range rs.Evidence {
			if e := d.evidenceKey[evidenceKey(ref)]; e != nil && !slices.ContainsFunc(related, func(r relatedObservation) bool { return r.ObservationUUID == e.uuid }) {
				related = append(related, relatedObservation{ObservationUUID: e.uuid})
			}
		}
		var risks []relatedRisk
		for _, id := range rs.CappedBy {
			if u, ok := d.riskUUID[id]; ok {
				risks = append(risks, relatedRisk{RiskUUID: u})
			}
		}
		coverage := ""
		if rs.Status == "partial" || rs.Total > 0 {
			coverage = strconv.FormatFloat(rs.Coverage, 'f', 4, 64)
		}
		for _, ref := range d.nist[rs.ControlID] {
			name := d.resultUUID + "|finding|" + rs.API + "|" + rs.ControlID + "|" + ref.id
			// A (API, control) pair listed twice (odd data) still gets
			// distinct UUIDs.
			if k := seen[name]; k > 0 {
				seen[name]++
				name += "#" + strconv.Itoa(k)
			} else {
				seen[name] = 1
			}
			f := finding{
				UUID:  uuid5(name),
				Title: fmt.Sprintf("%s: %s %s (%s)", orDefault(rs.API, "(unnamed API)"), ctl.ID, ctl.Title, ref.label),
				Description: fmt.Sprintf("posture control %s (%s) for API %s: %s. It maps to NIST SP 800-53 rev5 %s%s.",
					ctl.ID, ctl.Title, orDefault(rs.API, "(unnamed)"), outcome(rs), ref.label, titled(ref.title)),
				Props: props("api", rs.API, "posture-control-id", ctl.ID, "status", postureStatus, "coverage", coverage),
				Target: findingTarget{
					Type:     "objective-id",
					TargetID: ref.id,
					Title:    strings.TrimSpace(ref.label + " " + ref.title),
					Status:   st,
				},
				RelatedObservations: related,
				RelatedRisks:        risks,
				Remarks:             rs.Reason,
			}
			if impl != "" {
				f.Target.ImplementationStatus = &implementationStatus{State: impl}
			}
			out.add(f)
		}
	}
	out.close()
	return out.len(), unmapped, nil
}

func titled(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
}

// remarks says what the result leaves out or has none of, so an empty
// section is explained rather than silently missing.
func (d *doc) remarks(observations, findings, unmapped int) string {
	var notes []string
	if len(d.r.Results) == 0 {
		notes = append(notes, "No control results in scope: there are no findings.")
	} else if findings == 0 {
		notes = append(notes, "No findings: no control result maps to a NIST SP 800-53 control.")
	}
	if observations == 0 {
		notes = append(notes, "No evidence in scope: there are no observations.")
	}
	if len(d.risks) == 0 {
		notes = append(notes, "No open critical or high findings in scope: there are no risks.")
	}
	if d.risksCut > 0 {
		notes = append(notes, fmt.Sprintf("Risks are the %d worst open critical and high findings; %d more were left out "+
			"(the Excel report's Findings sheet lists every finding).", len(d.risks), d.risksCut))
	}
	if d.riskDup > 0 {
		notes = append(notes, fmt.Sprintf("%d open critical or high findings are duplicates of another tool's report of the same issue "+
			"and are not repeated as risks.", d.riskDup))
	}
	if unmapped > 0 {
		notes = append(notes, fmt.Sprintf("%d control results have no finding: their control maps to no known NIST SP 800-53 control.", unmapped))
	}
	if len(d.dropped) > 0 {
		notes = append(notes, "NIST SP 800-53 references left out (unknown to the catalog or withdrawn): "+strings.Join(d.dropped, ", ")+".")
	}
	if len(notes) == 0 {
		return "Every control result, its evidence and the open critical and high findings are included."
	}
	return strings.Join(notes, "\n\n")
}
