package sarif

import (
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

func TestErrors(t *testing.T) {
	full := scantest.CorpusFile(t, "scans/sarif/gitleaks_7.5.0.sarif")
	// Cut in the middle of line 200: the error names the end of the input.
	cut := full[:len(strings.Join(strings.SplitAfterN(string(full), "\n", 200)[:199], ""))+5]
	e := scantest.ParseErr(t, Kind, Parse, "gitleaks.sarif", cut, safedecode.ErrSyntax, "gitleaks.sarif:200:6: ", "truncated?")
	if e.Line != 200 {
		t.Errorf("line %d", e.Line)
	}
	scantest.ParseErr(t, Kind, Parse, "x.sarif", []byte("{\n  \"version\": \"2.1.0\",\n  \"runs\": [}\n"), safedecode.ErrSyntax, "x.sarif:3:12: invalid character '}'")
	scantest.ParseErr(t, Kind, Parse, "x.sarif", nil, safedecode.ErrSyntax, "x.sarif:1:1: unexpected end of JSON input")
	scantest.ParseErr(t, Kind, Parse, "gosec.json", scantest.CorpusFile(t, "scans/gosec/many_vulns.json"), ErrFormat, `gosec.json:1:1: not a SARIF log: no "runs" array`)
	scantest.ParseErr(t, Kind, Parse, "list.json", []byte(`[{"runs": []}]`), ErrFormat, "list.json:1:1: not a SARIF log: the top level is not an object")
	scantest.ParseErr(t, Kind, Parse, "v1.sarif", []byte(`{"version": "1.0.0", "runs": []}`), ErrFormat, `v1.sarif: version: unsupported SARIF version "1.0.0"`)
	scantest.ParseErr(t, Kind, Parse, "t.sarif", []byte("{\"version\": \"2.1.0\",\n \"runs\": {\"a\": 1}}"), nil, "t.sarif:2:11: runs: a JSON object where an array is expected")
	scantest.ParseErr(t, Kind, Parse, "t.sarif", []byte("{\"version\": 2.1,\n \"runs\": []}"), nil, "t.sarif:1:16: version: a JSON number where a string is expected")
	scantest.ParseErr(t, Kind, Parse, "r.sarif", []byte(`{"version": "2.1.0", "runs": [{}, 3]}`), ErrFormat, "r.sarif: runs[1]: a run is not an object")
	scantest.ParseErr(t, Kind, Parse, "r.sarif", []byte(`{"version": "2.1.0", "runs": [{"results": {}}]}`), nil, "r.sarif: runs[0].results: a JSON object where an array is expected")
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	scantest.ParseErr(t, Kind, Parse, "deep.sarif", []byte(`{"version": "2.1.0", "runs": [{"properties": {"x": `+deep+`}}]}`), safedecode.ErrTooDeep,
		"deep.sarif:1:", "depth limit of 256")
}

// Versions SARIF may yet publish are read with a warning.
func TestVersionWarnings(t *testing.T) {
	for doc, want := range map[string]string{
		`{"runs": []}`:                   `no "version"; read as SARIF 2.1.0`,
		`{"version": "2.2", "runs": []}`: `SARIF version "2.2" read as 2.1.0`,
	} {
		res := scantest.ParseOK(t, Parse, "v.sarif", []byte(doc), collectors.Source{})
		if len(res.Warnings) != 1 || res.Warnings[0] != want {
			t.Errorf("%s: warnings %q", doc, res.Warnings)
		}
	}
}
