package sarif

import (
	"bytes"
	"encoding/json"
	"regexp"

	"github.com/posture-dev/posture/collectors/scan"
)

// Secret scanners (gitleaks, trufflehog...) put the secret they found in
// the report: in a snippet, in properties such as gitleaks' "offender".
// posture keeps every report as evidence, so it keeps those reports with
// the secrets cut out: the raw artifact must not become a second place the
// secret leaks from.
const redacted = "[REDACTED by posture]"

// secretProperty names result properties that hold the secret itself.
var secretProperty = regexp.MustCompile(`(?i)^(offender|secret|match|matched|token|password|raw|rawv2|redacted)$`)

// redactSecrets returns the report with the secret values of secret
// scanners' runs replaced, and whether anything was replaced. A report
// without such a run is returned as it is, byte for byte.
func redactSecrets(data []byte) ([]byte, bool) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(scan.TrimBOM(data)))
	dec.UseNumber() // keep numbers as written
	if err := dec.Decode(&doc); err != nil {
		return data, false
	}
	changed := false
	runs, _ := doc["runs"].([]any)
	for _, r := range runs {
		run, _ := r.(map[string]any)
		if !secretTool.MatchString(driverName(run)) {
			continue
		}
		results, _ := run["results"].([]any)
		for _, x := range results {
			res, _ := x.(map[string]any)
			if props, ok := res["properties"].(map[string]any); ok {
				for k, v := range props {
					if _, isString := v.(string); isString && secretProperty.MatchString(k) {
						props[k], changed = redacted, true
					}
				}
			}
			locs, _ := res["locations"].([]any)
			for _, l := range locs {
				loc, _ := l.(map[string]any)
				phys, _ := loc["physicalLocation"].(map[string]any)
				for _, region := range []string{"region", "contextRegion"} {
					reg, _ := phys[region].(map[string]any)
					if snip, ok := reg["snippet"].(map[string]any); ok {
						if _, has := snip["text"]; has {
							snip["text"], changed = redacted, true
						}
					}
				}
			}
		}
	}
	if !changed {
		return data, false
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return data, false
	}
	return out, true
}

func driverName(run map[string]any) string {
	tool, _ := run["tool"].(map[string]any)
	driver, _ := tool["driver"].(map[string]any)
	name, _ := driver["name"].(string)
	return name
}
