package crunch42

import (
	"regexp"
	"strings"

	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
)

// Credentials in a scan issue's curl command: the values of -H/--header
// arguments are redacted as dast redacts HTTP header lines (dast.Head:
// Authorization keeps its scheme, Cookie its cookie names, any header
// named like a token, key, secret or session loses its value), and the
// values of -b/--cookie and -u/--user are dropped whole. 42Crunch masks
// the credentials it was configured with ("X-Access-Token: ******"), but
// a scan configured with literal headers writes them as they are.
var (
	curlHeaderRE = regexp.MustCompile(`(-H|--header)(\s+)('[^']*'|"(?:[^"\\]|\\.)*")`)
	curlSecretRE = regexp.MustCompile(`(-b|--cookie|-u|--user)(\s+)('[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)`)
	// A JWT (three base64url parts, the first two JSON objects) or a
	// bearer token anywhere: in a request body, a URL, a response body.
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	bearerRE = regexp.MustCompile(`(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}`)
)

// redactCurl returns the curl command of a test request, clipped and with
// its credentials redacted.
func redactCurl(curl string) string {
	curl = dast.Sanitize(scan.Clip(curl, maxCurl))
	curl = curlHeaderRE.ReplaceAllStringFunc(curl, func(m string) string {
		sub := curlHeaderRE.FindStringSubmatch(m)
		q := sub[3][:1]
		return sub[1] + sub[2] + q + redactHeaderLine(sub[3][1:len(sub[3])-1]) + q
	})
	curl = curlSecretRE.ReplaceAllString(curl, "$1$2'"+dast.Redacted+"'")
	return redactTokens(curl)
}

// redactHeaderLine redacts one "Name: value" header through dast.Head,
// which redacts the header lines of an HTTP message (after its start
// line).
func redactHeaderLine(h string) string {
	if strings.ContainsAny(h, "\r\n") {
		return dast.Redacted // not one header: nothing to keep
	}
	_, line, ok := strings.Cut(dast.Head("-\n"+h), "\n")
	if !ok {
		return h
	}
	return line
}

// redactTokens replaces JWTs and bearer tokens in s.
func redactTokens(s string) string {
	s = jwtRE.ReplaceAllString(s, dast.Redacted)
	return bearerRE.ReplaceAllString(s, "$1$2"+dast.Redacted)
}
