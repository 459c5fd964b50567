package scan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors"
)

func TestHostHint(t *testing.T) {
	for in, want := range map[string]string{
		"https://nuclei-example.com":     "nuclei-example.com",
		"http://127.0.0.1:8080/WebGoat":  "127.0.0.1:8080",
		"https://Shop.Example.com:443/x": "shop.example.com",
		"http://a.example:80":            "a.example",
		"http://a.example:443":           "a.example:443",
		"nuclei-example.com:22":          "nuclei-example.com:22",
		"www.asdf.de":                    "www.asdf.de",
		"[::1]:8080":                     "[::1]:8080",
		"":                               "",
		"http://":                        "",
		"not a host":                     "",
		"host.example/path?q":            "host.example",
		":8080":                          "",
	} {
		if got := HostHint(in); got != want {
			t.Errorf("HostHint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClipText(t *testing.T) {
	if got := ClipText("  short \n"); got != "short" {
		t.Errorf("%q", got)
	}
	long := strings.Repeat("é", MaxText)
	got := ClipText(long)
	if len(got) > MaxText || !utf8.ValidString(got) || !strings.HasSuffix(got, "\n…") {
		t.Errorf("%d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if exact := strings.Repeat("a", MaxText); ClipText(exact) != exact {
		t.Error("a text of exactly MaxText bytes is cut")
	}
}

func TestSeverityOrInfo(t *testing.T) {
	var warns []string
	warn := func(m string) { warns = append(warns, m) }
	got := []string{SeverityOrInfo("High", warn), SeverityOrInfo(" ", warn), SeverityOrInfo("urgent", warn),
		SeverityOrInfo(strings.Repeat("x", 300), warn), SeverityOrInfo("9.8", warn)}
	if !reflect.DeepEqual(got, []string{"high", "info", "info", "info", "critical"}) {
		t.Errorf("%v", got)
	}
	if len(warns) != 3 || warns[0] != "no severity; taken as info" || warns[1] != `unknown severity "urgent"; taken as info` ||
		len(warns[2]) > 150 {
		t.Errorf("%q", warns)
	}
}

func TestSetCWEsAndAddTag(t *testing.T) {
	f := collectors.Finding{Tags: []string{"a"}}
	SetCWEs(&f, []int{89, 20, 89, 20, 79})
	if f.CWE != 89 || !reflect.DeepEqual(f.Tags, []string{"a", "cwe:20", "cwe:79"}) {
		t.Errorf("%d %q", f.CWE, f.Tags)
	}
	g := collectors.Finding{}
	SetCWEs(&g, nil)
	if g.CWE != 0 || g.Tags != nil {
		t.Errorf("no CWEs: %+v", g)
	}
	// Ids that are not CWEs are skipped; a CWE the finding has stays.
	SetCWEs(&g, []int{0, -3, 22})
	SetCWEs(&g, []int{36, 22})
	if g.CWE != 22 || !reflect.DeepEqual(g.Tags, []string{"cwe:36"}) {
		t.Errorf("%d %q", g.CWE, g.Tags)
	}
	tags := AddTag(nil, "  x ")
	tags = AddTag(tags, "x")
	tags = AddTag(tags, "   ")
	tags = AddTag(tags, strings.Repeat("é", 200))
	if len(tags) != 2 || tags[0] != "x" || len(tags[1]) > 204 || !utf8.ValidString(tags[1]) {
		t.Errorf("%q", tags)
	}
	// A hostile report's endless tags stop at MaxTags.
	tags = nil
	for i := range 10 * MaxTags {
		tags = AddTag(tags, fmt.Sprint("t", i))
	}
	if len(tags) != MaxTags || tags[MaxTags-1] != fmt.Sprint("t", MaxTags-1) {
		t.Errorf("%d tags, last %q", len(tags), tags[len(tags)-1])
	}
}

func TestMerge(t *testing.T) {
	in := []collectors.Finding{
		{API: "p", RuleID: "a", Fingerprint: "x:1", Location: "first"},
		{API: "p", RuleID: "b", Location: "l"},
		{API: "p", RuleID: "a", Fingerprint: "x:1", Location: "second"},
		{API: "p", RuleID: "c", Fingerprint: "x:2", Tags: []string{"t"}},
		{API: "p", RuleID: "b", Location: "l"},
		{API: "p", RuleID: "a", Fingerprint: "x:1", Location: "third"},
		// Another API: ingest stores it apart, so it stays apart.
		{API: "q", RuleID: "a", Fingerprint: "x:1", Location: "fourth"},
		{API: "p", RuleID: "b", Location: "elsewhere"},
	}
	show := func(fs []collectors.Finding) []string {
		var got []string
		for _, f := range fs {
			got = append(got, f.RuleID+"|"+f.Location+"|"+strings.Join(f.Tags, ","))
		}
		return got
	}
	// The first of x:1 on p kept and counted; findings without a
	// fingerprint are not merged; a single x:2 gets no count.
	want := []string{"a|first|occurrences:3", "b|l|", "c||t", "b|l|", "a|fourth|", "b|elsewhere|"}
	if got := show(merge(in, false)); !reflect.DeepEqual(got, want) {
		t.Errorf("%q", got)
	}
	// With places, those without one at the same place (and the same
	// tool, rule, API, endpoint) are one too.
	want = []string{"a|first|occurrences:3", "b|l|occurrences:2", "c||t", "a|fourth|", "b|elsewhere|"}
	if got := show(merge(in, true)); !reflect.DeepEqual(got, want) {
		t.Errorf("places: %q", got)
	}
	if in[0].Tags != nil || in[2].Location != "second" {
		t.Error("the input was changed")
	}
	if out := merge(nil, true); len(out) != 0 {
		t.Errorf("%v", out)
	}
}

func TestFirstAndWithReferences(t *testing.T) {
	if First("", " \t", " a ", "b") != " a " || First() != "" || First(" ") != "" {
		t.Error("First")
	}
	for _, c := range []struct {
		desc string
		refs []string
		want string
	}{
		{" d ", nil, "d"},
		{"d", []string{" ", "https://a", "- https://b"}, "d\n\nReferences:\n- https://a\n- https://b"},
		{"", []string{"https://a"}, "References:\n- https://a"},
		{"", nil, ""},
	} {
		if got := WithReferences(c.desc, c.refs); got != c.want {
			t.Errorf("WithReferences(%q, %q) = %q, want %q", c.desc, c.refs, got, c.want)
		}
	}
}

func TestFinishAndRecover(t *testing.T) {
	art := &collectors.Artifact{Name: "r.json"}
	res := &Result{
		Findings: []collectors.Finding{{API: "a", Tool: "CodeQL", Fingerprint: "f"}, {API: "a", Tool: "toy"},
			{API: "a", Tool: "CodeQL", Fingerprint: "f"}, {API: "c", Tool: "toy"}},
		Warnings: make([]string, 250),
	}
	// The report's scopes first (findings or not), then the findings'
	// (API, tool) pairs, each once, the tool as Location.
	res = toy.Finish(res, art, Scope{"b", "gitleaks"}, Scope{"a", "CodeQL"}, Scope{"b", "gitleaks"})
	var pairs []string
	for _, ev := range res.Evidence {
		pairs = append(pairs, ev.API+"|"+ev.Location)
		if ev.Artifact != art || ev.Facts[collectors.FactScanPresent] != true {
			t.Errorf("%+v", ev)
		}
	}
	if !reflect.DeepEqual(pairs, []string{"b|gitleaks", "a|CodeQL", "a|toy", "c|toy"}) {
		t.Errorf("%v", pairs)
	}
	if len(res.Findings) != 3 || !reflect.DeepEqual(res.Findings[0].Tags, []string{"occurrences:2"}) {
		t.Errorf("merged %+v", res.Findings)
	}
	if len(res.Warnings) != MaxWarnings+1 || res.Warnings[MaxWarnings] != "150 more warnings not shown" {
		t.Errorf("%d warnings, last %q", len(res.Warnings), res.Warnings[len(res.Warnings)-1])
	}
	// MergePlaces merges the two on c.
	places := toy
	places.MergePlaces = true
	res = places.Finish(&Result{Findings: []collectors.Finding{{API: "c", Tool: "toy"}, {API: "c", Tool: "toy"}}, Warnings: []string{"w"}}, art)
	if len(res.Findings) != 1 || len(res.Evidence) != 1 || len(res.Warnings) != 1 {
		t.Errorf("%+v", res)
	}
	parse := func() (res *Result, err error) {
		defer toy.Recover("p.json", &res, &err)
		res = &Result{}
		panic("boom")
	}
	res, err := parse()
	if res != nil {
		t.Error("result kept after a panic")
	}
	e := wantErr(t, err, ErrParserPanic, "toy: p.json: internal error while reading the file: boom")
	if e.File != "p.json" {
		t.Errorf("%+v", e)
	}
	// No panic: nothing changes.
	ok := func() (res *Result, err error) {
		defer toy.Recover("p.json", &res, &err)
		return &Result{Warnings: []string{"w"}}, nil
	}
	if res, err := ok(); err != nil || len(res.Warnings) != 1 {
		t.Errorf("%v %v", res, err)
	}
}

func TestFileLocationAndFirstLine(t *testing.T) {
	if FileLocation("a.go", 7) != "a.go:7" || FileLocation("a.go", 0) != "a.go" || FileLocation("", 3) != "" {
		t.Error("FileLocation")
	}
	if FirstLine("  one \n two") != "one" || FirstLine("") != "" {
		t.Error("FirstLine")
	}
	if c := Extensions(".sarif", ".json"); !c("a/B.SARIF") || !c("x.sarif.json") || c("x.txt") || c("json") {
		t.Error("Extensions")
	}
}
