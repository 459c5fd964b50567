package scan

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
)

func TestSeverity(t *testing.T) {
	for raw, want := range map[string]string{
		"Critical": "critical", "HIGH": "high", "error": "high", "Moderate": "medium", "warning": "medium",
		"low": "low", "Informational": "info", "note": "info", "9.8": "critical", "7.5": "high", "5": "medium",
		"0.1": "low", "0": "info",
	} {
		if got, ok := Severity(raw); !ok || got != want {
			t.Errorf("Severity(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"", "urgent", "11", "-1"} {
		if got, ok := Severity(raw); ok {
			t.Errorf("Severity(%q) = %q; want not ok", raw, got)
		}
	}
}

func TestCWEsAndOWASP(t *testing.T) {
	if got := CWEs("CWE-79: XSS; see also cwe_89 and CWE-79 again, CWE: 22"); len(got) != 3 || got[0] != 79 || got[1] != 89 || got[2] != 22 {
		t.Errorf("CWEs = %v", got)
	}
	if CWE("89") != 89 || CWE("no cwe here") != 0 || CWE("external/cwe/cwe-022") != 22 {
		t.Errorf("CWE: %d %d %d", CWE("89"), CWE("no cwe here"), CWE("external/cwe/cwe-022"))
	}
	for tag, want := range map[string]string{"API1:2023": "API1:2023", "owasp-api-top10-2023-api10": "API10:2023",
		"API3": "API3:2023", "API1:2019": "", "OWASP_2021_A01": "", "xapi1": ""} {
		if got := OWASPAPI(tag); got != want {
			t.Errorf("OWASPAPI(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestExcerptAndClipStayValidUTF8(t *testing.T) {
	long := strings.Repeat("é", collectors.MaxExcerpt)
	ex := Excerpt(long)
	if len(ex) > collectors.MaxExcerpt || !utf8.ValidString(ex) || !strings.HasSuffix(ex, "…") {
		t.Errorf("excerpt: %d bytes, valid %v", len(ex), utf8.ValidString(ex))
	}
	if c := Clip("ééé", 3); c != "é…" {
		t.Errorf("Clip = %q", c)
	}
}

func TestAPIName(t *testing.T) {
	src := collectors.Source{APIMap: map[string]string{"shop.example.com": "Shop"}}
	if got := APIName(src, "shop.example.com", "x.json"); got != "Shop" {
		t.Errorf("mapped host: %q", got)
	}
	if got := APIName(src, "", "reports/zap-baseline.xml"); got != "zap-baseline" {
		t.Errorf("from file name: %q", got)
	}
	src.API = "Orders"
	if got := APIName(src, "shop.example.com", "x.json"); got != "Orders" {
		t.Errorf("api setting: %q", got)
	}
}
