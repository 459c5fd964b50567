package accesslog

import "bytes"

// Formats lists the built-in formats in Detect's order of preference
// (JSON first: they are the strictest; Combined last).
var Formats = []Format{EnvoyJSON, KongJSON, AWSAPIGatewayJSON, ALB, EnvoyDefault, Combined}

// Detect returns the built-in format that parses the most non-blank lines
// of sample, if it parses more than half of them. Earlier entries of
// Formats win ties. ApacheCombined is never returned: it is Combined under
// another name.
func Detect(sample [][]byte) (Format, bool) {
	var rec Record
	var best Format
	bestN, total := 0, 0
	for _, l := range sample {
		if len(bytes.TrimSpace(l)) > 0 {
			total++
		}
	}
	if total == 0 {
		return nil, false
	}
	for _, f := range Formats {
		n := 0
		for _, l := range sample {
			l = bytes.TrimRight(l, "\r\n")
			if len(bytes.TrimSpace(l)) > 0 && f.Parse(l, &rec) == nil {
				n++
			}
		}
		if n > bestN {
			best, bestN = f, n
		}
	}
	if bestN*2 <= total {
		return nil, false
	}
	return best, true
}
