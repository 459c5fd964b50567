package nuclei

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic (a recovered
// panic counts as a failure), and either fail with an *Error naming the
// file or return findings that pass ingest's checks. The seeds are the
// corpus reports and the hand-made inputs of the other tests; `go test`
// runs them every time.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"many_findings.json", "many_findings_new.json", "multiple_v3.json"} {
		f.Add(corpusFile(f, name))
	}
	for _, s := range []string{
		okLine, "", "[]", "[1]", "{}", "null", `"x"`, okLine + "\n" + okLine,
		`{"template-id":"a","info":{"severity":"urgent","tags":["a",1,null]},"host":"h"}`,
		`{"templateID":"a","info":{"reference":"- a\n- b"},"matched":"x:1","matcher_name":"m","extracted_results":["e"]}`,
		`{"template-id":"t","info":{"name":7}}`, `{"template-id":"t","matcher-status":false}`,
		`[{"template-id":"sqli","request":"GET / HTTP/1.1","curl-command":"curl -X POST x"}]`,
		"{\"template-id\": \"t2\", }\n", "\ufeff[\n{\"template-id\":\"x\"}\n]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scantest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.json", data)
	})
}
