package burp

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

type xmlIssues struct {
	XMLName     xml.Name
	BurpVersion string     `xml:"burpVersion,attr"`
	Issues      []xmlIssue `xml:"issue"`
}

type xmlIssue struct {
	SerialNumber          string   `xml:"serialNumber"`
	Type                  string   `xml:"type"`
	Name                  string   `xml:"name"`
	Host                  string   `xml:"host"`
	Path                  string   `xml:"path"`
	Location              string   `xml:"location"`
	Severity              string   `xml:"severity"`
	Confidence            string   `xml:"confidence"`
	IssueBackground       string   `xml:"issueBackground"`
	RemediationBackground string   `xml:"remediationBackground"`
	References            string   `xml:"references"`
	Classifications       string   `xml:"vulnerabilityClassifications"`
	IssueDetail           string   `xml:"issueDetail"`
	IssueDetailItems      []string `xml:"issueDetailItems>issueDetailItem"`
	RemediationDetail     string   `xml:"remediationDetail"`
	RequestResponse       []xmlRR  `xml:"requestresponse"`
}

type xmlRR struct {
	Request  *xmlMessage `xml:"request"`
	Response *xmlMessage `xml:"response"`
}

type xmlMessage struct {
	Method string `xml:"method,attr"`
	Base64 string `xml:"base64,attr"`
	Text   string `xml:",chardata"`
}

// parseXML reads the Scanner XML export (Burp's "Report selected issues"
// / "Save selected issues" in XML, DTD included).
func parseXML(f scan.Format, name string, data []byte) ([]issue, []string, error) {
	var r xmlIssues
	if err := dast.DecodeXML(f, name, data, &r); err != nil {
		return nil, nil, err
	}
	if r.XMLName.Local != "issues" {
		return nil, nil, format.Errorf(name, 1, 0, "", "not a Burp report: the root element is <%s>, want <issues>", r.XMLName.Local)
	}
	var warnings []string
	out := make([]issue, 0, len(r.Issues))
	for i, x := range r.Issues {
		is := issue{typ: x.Type, name: x.Name, origin: x.Host, path: x.Path, location: x.Location,
			severity: x.Severity, confidence: x.Confidence, detail: x.IssueDetail, background: x.IssueBackground,
			remDetail: x.RemediationDetail, remBackground: x.RemediationBackground, references: x.References,
			classes: x.Classifications, detailItems: x.IssueDetailItems, where: fmt.Sprintf("issue %d", i+1)}
		if sn := strings.TrimSpace(x.SerialNumber); sn != "" {
			is.where = fmt.Sprintf("issue %d (serial %s)", i+1, sn)
		}
		if len(x.RequestResponse) > 0 {
			rr := x.RequestResponse[0]
			if rr.Request != nil {
				is.method = rr.Request.Method
				is.request = message(rr.Request, is.where+": request", &warnings)
			}
			if rr.Response != nil {
				is.response = message(rr.Response, is.where+": response", &warnings)
			}
		}
		out = append(out, is)
	}
	return out, warnings, nil
}

// message is the text of a request or response, base64-decoded (its
// start only) when the export says so.
func message(m *xmlMessage, what string, warnings *[]string) string {
	if !strings.EqualFold(strings.TrimSpace(m.Base64), "true") {
		return m.Text
	}
	s, ok := dast.Base64Prefix(m.Text)
	if !ok {
		*warnings = append(*warnings, what+": not valid base64, left out of the excerpt")
		return ""
	}
	return s
}
