package scan

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
)

// Result is what one report file yields: its findings, the evidence that
// the APIs it concerns were tested (one TestedEvidence per (API, tool)
// pair, findings or not), and warnings about what did not stop the parse (an unknown
// severity word, a value left out), each naming its place in the file.
// Collectors declare `type Result = scan.Result` so that Parse keeps its
// own package's name for it.
type Result struct {
	Findings []collectors.Finding
	Evidence []collectors.Evidence
	Warnings []string
}

// MaxText bounds a finding's Description and Remediation.
const MaxText = 16 << 10

// ClipText trims s and bounds it to MaxText bytes on a rune boundary,
// marking the cut: descriptions and remediations stay readable but a
// hostile report cannot store megabytes per finding.
func ClipText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= MaxText {
		return s
	}
	cut := MaxText - len("\n…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n…"
}

// SeverityOrInfo is Severity for a report: a word Severity does not know,
// or none, is info, and warn says so (naming the word, clipped).
func SeverityOrInfo(raw string, warn func(msg string)) string {
	if sev, ok := Severity(raw); ok {
		return sev
	}
	if strings.TrimSpace(raw) == "" {
		warn("no severity; taken as info")
	} else {
		warn(fmt.Sprintf("unknown severity %q; taken as info", Clip(raw, 100)))
	}
	return collectors.SeverityInfo
}

// MaxTags bounds the tags AddTag and SetCWEs give one finding: a hostile
// report with a million tags per result must not make tagging quadratic
// nor store them all. Finish may add one more ("occurrences:<n>").
const MaxTags = 64

// SetCWEs gives f the CWEs a tool states, in order: the first positive
// id is f.CWE (unless f has one already), the others, without repeats,
// are tags "cwe:<n>" (through AddTag, so within MaxTags).
func SetCWEs(f *collectors.Finding, ids []int) {
	for _, id := range ids {
		switch {
		case id <= 0 || id == f.CWE:
		case f.CWE == 0:
			f.CWE = id
		default:
			f.Tags = AddTag(f.Tags, "cwe:"+strconv.Itoa(id))
		}
	}
}

// AddTag appends t, trimmed and clipped to 200 bytes, to tags unless it
// is empty, already there, or tags has MaxTags already.
func AddTag(tags []string, t string) []string {
	t = Clip(t, 200)
	if t == "" || len(tags) >= MaxTags || slices.Contains(tags, t) {
		return tags
	}
	return append(tags, t)
}

// mergeKey is the identity of a finding within one report: its API and
// fingerprint, or (places) what ingest derives a fingerprint from.
type mergeKey struct{ api, fp, tool, rule, endpoint, location string }

// merge makes the findings of one report that ingest would store as one
// finding one: those of an API that share a fingerprint and, with places,
// those without a fingerprint that share tool, rule, API, endpoint and
// location. The first is kept, with a tag "occurrences:<n>" counting
// them all; other findings without a fingerprint are all kept. The order
// of what is kept does not change, nor does fs.
func merge(fs []collectors.Finding, places bool) []collectors.Finding {
	out := fs[:0:0]
	at := map[mergeKey]int{}
	count := map[mergeKey]int{}
	for _, f := range fs {
		k := mergeKey{api: f.API, fp: f.Fingerprint}
		switch {
		case f.Fingerprint != "":
		case places:
			k = mergeKey{api: f.API, tool: f.Tool, rule: f.RuleID, endpoint: f.Endpoint, location: f.Location}
		default:
			out = append(out, f)
			continue
		}
		count[k]++
		if _, dup := at[k]; dup {
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	for k, i := range at {
		if n := count[k]; n > 1 {
			out[i].Tags = append(slices.Clip(out[i].Tags), "occurrences:"+strconv.Itoa(n))
		}
	}
	return out
}

// MaxWarnings bounds the warnings of one report: the first ones show what
// is wrong, and a hostile file with a million bad severities must not
// flood the sink.
const MaxWarnings = 100

// capWarnings cuts ws to MaxWarnings, adding one that counts the rest.
func capWarnings(ws []string) []string {
	if len(ws) <= MaxWarnings {
		return ws
	}
	return append(ws[:MaxWarnings:MaxWarnings], fmt.Sprintf("%d more warnings not shown", len(ws)-MaxWarnings))
}

// FileLocation is a SAST finding's Location: "file:line", the file alone
// when the line is unknown (0), "" without a file.
func FileLocation(file string, line int) string {
	if file != "" && line > 0 {
		return file + ":" + strconv.Itoa(line)
	}
	return file
}

// FirstLine is the first line of s, trimmed: a message's summary.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// HostHint is the APIName hint of a scanned target: its host name in
// lower case, with the port when it is not the scheme's default
// ("shop.example.com", "127.0.0.1:8080"). s is a URL or a bare
// host[:port][/path]; "" when it has no host.
func HostHint(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Hostname() == "" {
			return ""
		}
		host, port := strings.ToLower(u.Hostname()), u.Port()
		if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
			return host
		}
		return net.JoinHostPort(host, port)
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		if host == "" {
			return ""
		}
		return net.JoinHostPort(strings.ToLower(host), port)
	}
	if strings.ContainsAny(s, " \t") {
		return ""
	}
	return strings.ToLower(s)
}

// First returns the first of vs that is not blank, as it is (untrimmed);
// "" when all are blank.
func First(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// WithReferences is a description followed by a "References:" list of
// refs (links, documents), one "- " item each; blank refs are left out
// and a ref that already starts with "- " keeps it. With no refs it is
// desc; with no desc, the list alone.
func WithReferences(desc string, refs []string) string {
	desc = strings.TrimSpace(desc)
	var b strings.Builder
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !strings.HasPrefix(r, "- ") {
			r = "- " + r
		}
		b.WriteString("\n")
		b.WriteString(r)
	}
	if b.Len() == 0 {
		return desc
	}
	if desc == "" {
		return "References:" + b.String()
	}
	return desc + "\n\nReferences:" + b.String()
}
