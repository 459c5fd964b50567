// Package dasttest holds what the tests of the DAST collectors (ZAP,
// Burp, Wapiti) share beyond scantest: the checks of a DAST result, the
// error and fuzz assertions with the source options those collectors
// take, and the hostile XML inputs every XML report collector is tested
// against with the check that runs them. Tests only.
package dasttest

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/collectors/scan/dast"
	"github.com/posture-dev/posture/collectors/scan/scantest"
	"github.com/posture-dev/posture/internal/safedecode"
)

var severities = []string{collectors.SeverityCritical, collectors.SeverityHigh, collectors.SeverityMedium,
	collectors.SeverityLow, collectors.SeverityInfo}

// Check asserts scantest.Check and what a DAST finding of the collector
// kind must be besides: the kind as its tool, a location and no
// endpoint, file or line, URLs within dast.MaxURL, text without NUL, and
// a fingerprint "<kind>:..." (never twice); every evidence record's facts
// valid.
func Check(t testing.TB, kind string, res *scan.Result) {
	t.Helper()
	scantest.Check(t, res)
	for _, ev := range res.Evidence {
		if err := collectors.ValidateFacts(ev.Facts); err != nil {
			t.Error(err)
		}
	}
	fps := map[string]bool{}
	for i, f := range res.Findings {
		if f.Tool != kind || !slices.Contains(severities, f.Severity) {
			t.Errorf("finding %d fails ingest's checks: %+v", i, f)
		}
		if f.Location == "" || f.Endpoint != "" || f.File != "" || f.Line != 0 {
			t.Errorf("finding %d: location %q endpoint %q file %q", i, f.Location, f.Endpoint, f.File)
		}
		if len(f.Title) > 510 || len(f.RuleID) > 510 || len(f.URL) > dast.MaxURL+10 {
			t.Errorf("finding %d: field over its bound", i)
		}
		for _, s := range []string{f.Title, f.Description, f.Remediation, f.Excerpt, f.URL, f.Location, f.Fingerprint} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Errorf("finding %d: invalid text %q", i, s)
			}
		}
		if !strings.HasPrefix(f.Fingerprint, kind+":") || fps[f.Fingerprint] {
			t.Errorf("finding %d: fingerprint %q missing or repeated", i, f.Fingerprint)
		}
		fps[f.Fingerprint] = true
	}
}

// ParseCorpus parses the shared corpus file scans/<dir>/<file> (its name
// is file) with the source "test", and checks the result (ParseOK and
// Check).
func ParseCorpus(t *testing.T, kind string, parse scan.ParseFunc, dir, file string) *scan.Result {
	t.Helper()
	data := scantest.CorpusFile(t, "scans/"+dir+"/"+file)
	res := scantest.ParseOK(t, parse, file, data, collectors.Source{Name: "test"})
	Check(t, kind, res)
	return res
}

// ParseErr is scantest.ParseErr with the source src, and a message that
// starts "<kind>: <name><where>" (where: ":1: ", or ": " without a line).
func ParseErr(t *testing.T, kind string, parse scan.ParseFunc, name string, data []byte, src collectors.Source,
	errKind error, where string, wants ...string) {
	t.Helper()
	scantest.ParseErr(t, kind, withSource(parse, src), name, data, errKind, append([]string{kind + ": " + name + where}, wants...)...)
}

// withSource is parse with the source fixed to src.
func withSource(parse scan.ParseFunc, src collectors.Source) scan.ParseFunc {
	return func(name string, data []byte, _ collectors.Source) (*scan.Result, error) {
		return parse(name, data, src)
	}
}

// Fuzz is scantest.Fuzz with tight source limits (1 MiB, 64 levels, so
// a fuzz input can reach them), detect also run on the first third, and
// a result checked with Check.
func Fuzz(t *testing.T, kind string, detect scan.DetectFunc, parse scan.ParseFunc, name string, data []byte) {
	t.Helper()
	_ = detect(name, data[:len(data)/3])
	src := collectors.Source{Options: map[string]string{"max_bytes": "1048576", "max_depth": "64"}}
	if res := scantest.Fuzz(t, kind, detect, withSource(parse, src), name, data); res != nil {
		Check(t, kind, res)
	}
}

// Doc builds a document with the given root element (and attributes
// text), a DTD when dtd is not "", and body inside the root.
func Doc(root, attrs, dtd, body string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if dtd != "" {
		b.WriteString("<!DOCTYPE " + root + " [\n" + dtd + "\n]>\n")
	}
	b.WriteString("<" + root)
	if attrs != "" {
		b.WriteString(" " + attrs)
	}
	b.WriteString(">" + body + "</" + root + ">\n")
	return []byte(b.String())
}

// BillionLaughs is the classic entity-expansion bomb: ten levels of ten
// references, a gigabyte of "lol" if anything expanded it.
func BillionLaughs(root string) []byte {
	var dtd strings.Builder
	dtd.WriteString(`<!ENTITY lol0 "lol">` + "\n")
	for i := 1; i <= 9; i++ {
		dtd.WriteString("<!ENTITY lol" + string(rune('0'+i)) + ` "`)
		for range 10 {
			dtd.WriteString("&lol" + string(rune('0'+i-1)) + ";")
		}
		dtd.WriteString("\">\n")
	}
	return Doc(root, "", dtd.String(), "&lol9;")
}

// Secret is what the XXE payloads point at; it must never show up.
const Secret = "posture-xxe-canary"

// XXE returns payloads that reference an external entity (a file the
// test wrote with Secret inside, and /etc/passwd) in text and in an
// attribute.
func XXE(t *testing.T, root string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	p := dir + "/secret.txt"
	if err := writeFile(p, Secret); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"xxe-text.xml":   Doc(root, "", `<!ENTITY xxe SYSTEM "file://`+p+`">`, "<x>&xxe;</x>"),
		"xxe-attr.xml":   Doc(root, `name="&xxe;"`, `<!ENTITY xxe SYSTEM "file://`+p+`">`, ""),
		"xxe-passwd.xml": Doc(root, "", `<!ENTITY xxe SYSTEM "file:///etc/passwd">`, "&xxe;"),
	}
}

// Deep nests n elements inside the root.
func Deep(root string, n int) []byte {
	return Doc(root, "", "", strings.Repeat("<a>", n)+strings.Repeat("</a>", n))
}

// CheckHostile runs the hostile inputs through parse: XXE and billion
// laughs fail fast with an ErrEntity error naming the file (and never
// contain the referenced file's text); 10000 nested elements fail with
// ErrTooDeep at a line; a DTD with an external subset or a parameter
// entity is not fetched. valid is a well-formed minimal report of the
// tool used with those DTDs.
func CheckHostile(t *testing.T, tool, root string, parse scan.ParseFunc) {
	t.Helper()
	check := func(name string, data []byte, kind error) {
		t.Helper()
		start := time.Now()
		res, err := parse(name, data, collectors.Source{})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		if err == nil {
			for _, f := range res.Findings {
				if strings.Contains(f.Description+f.Excerpt+f.URL+f.Location+f.Title, Secret) {
					t.Fatalf("%s: the external entity was expanded", name)
				}
			}
			t.Fatalf("%s: parsed (%d findings), want an error", name, len(res.Findings))
		}
		if !errors.Is(err, kind) {
			t.Errorf("%s: error %v, want kind %v", name, err, kind)
		}
		var e *scan.Error
		if !errors.As(err, &e) || e.File != name || e.Line == 0 {
			t.Errorf("%s: error %#v does not name the file and a line", name, err)
		}
		if !strings.HasPrefix(err.Error(), tool+": "+name+":") {
			t.Errorf("%s: message %q does not start with %q", name, err, tool+": "+name+":")
		}
		if strings.Contains(err.Error(), Secret) || strings.Contains(err.Error(), "root:x:0:0") {
			t.Errorf("%s: message shows the entity's target: %v", name, err)
		}
	}
	for name, data := range XXE(t, root) {
		check(name, data, dast.ErrEntity)
	}
	check("laughs.xml", BillionLaughs(root), dast.ErrEntity)
	check("deep.xml", Deep(root, 10000), safedecode.ErrTooDeep)
	// An external DTD or parameter entity: Go never fetches either, and
	// the document parses (or fails) on its own content alone.
	for name, data := range map[string][]byte{
		"ext-dtd.xml":   []byte(`<?xml version="1.0"?><!DOCTYPE ` + root + ` SYSTEM "http://127.0.0.1:1/evil.dtd"><` + root + `/>`),
		"param-ent.xml": Doc(root, "", `<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;`, ""),
	} {
		start := time.Now()
		res, err := parse(name, data, collectors.Source{})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		if err == nil && len(res.Findings) != 0 {
			t.Errorf("%s: %d findings from an empty report", name, len(res.Findings))
		}
	}
}

// CheckBigAttribute parses a document whose root carries one attribute
// of 20 MB (within the default size limit) and checks that parsing
// allocates at most a few times the input (TotalAlloc bounds the peak).
func CheckBigAttribute(t *testing.T, data []byte, parse scan.ParseFunc) *scan.Result {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := parse("big-attr.xml", data, collectors.Source{})
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("input %d MB, allocated %d MB (%.1fx)", len(data)>>20, alloc>>20, float64(alloc)/float64(len(data)))
	if alloc > uint64(8*len(data)) {
		t.Errorf("parsing a %d-byte file allocated %d bytes (> 8x)", len(data), alloc)
	}
	if err != nil {
		t.Fatalf("a 20 MB attribute within the size limit must parse: %v", err)
	}
	return res
}
