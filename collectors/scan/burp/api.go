package burp

import (
	"fmt"
	"strings"

	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

// ---- REST API: GET /api/v0.1/scan/{task_id} ----

type restReport struct {
	TaskID      dast.Str             `json:"task_id"`
	ScanStatus  dast.Str             `json:"scan_status"`
	IssueEvents dast.List[restEvent] `json:"issue_events"`
}

type restEvent struct {
	ID    dast.Str   `json:"id"`
	Type  dast.Str   `json:"type"`
	Issue *restIssue `json:"issue"`
}

type restIssue struct {
	Name         dast.Str                `json:"name"`
	TypeIndex    dast.Str                `json:"type_index"`
	SerialNumber dast.Str                `json:"serial_number"`
	Origin       dast.Str                `json:"origin"`
	Path         dast.Str                `json:"path"`
	Severity     dast.Str                `json:"severity"`
	Confidence   dast.Str                `json:"confidence"`
	Description  dast.Str                `json:"description"`
	Remediation  dast.Str                `json:"remediation"`
	Caption      dast.Str                `json:"caption"`
	Evidence     dast.List[restEvidence] `json:"evidence"`
}

type restEvidence struct {
	Type            dast.Str `json:"type"`
	RequestResponse *struct {
		URL      dast.Str               `json:"url"`
		Request  dast.List[restSegment] `json:"request"`
		Response dast.List[restSegment] `json:"response"`
	} `json:"request_response"`
}

type restSegment struct {
	Type dast.Str `json:"type"`
	Data dast.Str `json:"data"`
}

// parseREST reads the scan status of Burp's REST API: issue_events[].issue
// with the request/response of its first evidence as base64 segments.
// The REST API gives no CWE (only type_index).
func parseREST(f scan.Format, name string, data []byte) ([]issue, []string, error) {
	var r restReport
	if _, err := f.DecodeObject(name, data, &r); err != nil {
		return nil, nil, err
	}
	var (
		out      []issue
		warnings []string
	)
	for i, ev := range r.IssueEvents {
		x := ev.Issue
		if x == nil {
			continue // an event without an issue (none seen, but the schema allows it)
		}
		is := issue{typ: x.TypeIndex.String(), name: x.Name.String(), origin: x.Origin.String(), path: x.Path.String(),
			location: x.Caption.String(), severity: x.Severity.String(), confidence: x.Confidence.String(),
			detail: string(x.Description), remDetail: string(x.Remediation),
			where: fmt.Sprintf("issue_events[%d]", i)}
		for _, e := range x.Evidence {
			if e.RequestResponse == nil {
				continue
			}
			is.request = segments(e.RequestResponse.Request, is.where+": request", &warnings)
			is.response = segments(e.RequestResponse.Response, is.where+": response", &warnings)
			break
		}
		out = append(out, is)
	}
	return out, warnings, nil
}

// segments joins the base64 data of a message's segments (data and
// highlight alike) up to the first snip, until there is enough for a head.
func segments(segs []restSegment, what string, warnings *[]string) string {
	var b strings.Builder
	for _, s := range segs {
		if strings.EqualFold(s.Type.String(), "SnipSegment") || b.Len() >= 64<<10 {
			break
		}
		text, ok := dast.Base64Prefix(string(s.Data))
		if !ok {
			*warnings = append(*warnings, what+": a segment is not valid base64, left out of the excerpt")
			break
		}
		b.WriteString(text)
	}
	return b.String()
}

// ---- Enterprise GraphQL: scan { issues { ... } } ----

type gqlReport struct {
	// "Issues" (the export as saved) or "issues"; encoding/json matches
	// either.
	Issues dast.List[gqlIssue] `json:"Issues"`
	Data   *struct {
		Scan *struct {
			Issues dast.List[gqlIssue] `json:"issues"`
		} `json:"scan"`
	} `json:"data"`
}

type gqlIssue struct {
	IssueType struct {
		Name            dast.Str `json:"name"`
		TypeIndex       dast.Str `json:"type_index"`
		DescriptionHTML dast.Str `json:"description_html"`
		RemediationHTML dast.Str `json:"remediation_html"`
		Classifications dast.Str `json:"vulnerability_classifications_html"`
		ReferencesHTML  dast.Str `json:"references_html"`
	} `json:"issue_type"`
	DescriptionHTML dast.Str               `json:"description_html"`
	RemediationHTML dast.Str               `json:"remediation_html"`
	Severity        dast.Str               `json:"severity"`
	Confidence      dast.Str               `json:"confidence"`
	Path            dast.Str               `json:"path"`
	Origin          dast.Str               `json:"origin"`
	SerialNumber    dast.Str               `json:"serial_number"`
	Evidence        dast.List[gqlEvidence] `json:"evidence"`
}

type gqlEvidence struct {
	RequestSegments  []gqlSegment `json:"request_segments"`
	ResponseSegments []gqlSegment `json:"response_segments"`
}

type gqlSegment struct {
	DataHTML      dast.Str `json:"data_html"`
	HighlightHTML dast.Str `json:"highlight_html"`
}

// parseGraphQL reads issues from Burp Suite Enterprise's GraphQL API:
// the issue type's name (and type_index when queried) is the rule, the
// type's HTML carries the CWE links, evidence has HTML segments.
func parseGraphQL(f scan.Format, name string, data []byte) ([]issue, error) {
	var r gqlReport
	if _, err := f.DecodeObject(name, data, &r); err != nil {
		return nil, err
	}
	list := r.Issues
	if len(list) == 0 && r.Data != nil && r.Data.Scan != nil {
		list = r.Data.Scan.Issues
	}
	out := make([]issue, 0, len(list))
	for i, x := range list {
		t := x.IssueType
		is := issue{typ: t.TypeIndex.String(), name: t.Name.String(), origin: x.Origin.String(), path: x.Path.String(),
			severity: x.Severity.String(), confidence: x.Confidence.String(),
			detail: string(x.DescriptionHTML), background: string(t.DescriptionHTML),
			remDetail: string(x.RemediationHTML), remBackground: string(t.RemediationHTML),
			references: string(t.ReferencesHTML), classes: string(t.Classifications),
			where: fmt.Sprintf("Issues[%d]", i)}
		for _, e := range x.Evidence {
			if is.request == "" && len(e.RequestSegments) > 0 {
				is.request = gqlSegments(e.RequestSegments)
			}
			if is.response == "" && len(e.ResponseSegments) > 0 {
				is.response = gqlSegments(e.ResponseSegments)
			}
		}
		out = append(out, is)
	}
	return out, nil
}

func gqlSegments(segs []gqlSegment) string {
	var b strings.Builder
	for _, s := range segs {
		if b.Len() >= 64<<10 {
			break
		}
		b.WriteString(dast.HTMLMessage(string(s.DataHTML)))
		b.WriteString(dast.HTMLMessage(string(s.HighlightHTML)))
	}
	return b.String()
}
