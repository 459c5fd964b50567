package kong

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
)

// aliasBomb expands to 10^9 nodes; safedecode rejects it in linear time.
const aliasBomb = `_format_version: "3.0"
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
services: *h
`

var badInputs = []struct {
	name string
	file string
	doc  string
	kind error
	// the error text must contain every one of these (file and place)
	has []string
}{
	{"yaml syntax", "bad.yaml", "_format_version: \"3.0\"\nservices:\n- name: a\n  routes: [\n", safedecode.ErrSyntax,
		[]string{"kong: bad.yaml: line "}},
	{"json syntax", "bad.json", "{\"_format_version\": \"3.0\",\n \"services\": [ {\"name\": \"a\",, } ]}", safedecode.ErrSyntax,
		[]string{"kong: bad.json: line 2, column "}},
	{"alias bomb", "bomb.yaml", aliasBomb, safedecode.ErrAliasExpansion, []string{"kong: bomb.yaml: line "}},
	{"too deep", "deep.json", `{"services":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}", safedecode.ErrTooDeep,
		[]string{"kong: deep.json: line 1, column "}},
	{"not kong", "compose.yaml", "version: '3'\nx: {image: nginx}\n", ErrNotKong, []string{"kong: compose.yaml: line 1: ", "not"}},
	{"not a mapping", "list.yaml", "- a\n- b\n", ErrNotKong, []string{"kong: list.yaml: line 1: "}},
	{"empty", "empty.yaml", "", ErrNotKong, []string{"kong: empty.yaml: empty document"}},
	{"services not a list", "s.yaml", "_format_version: \"3.0\"\nservices: {a: 1}\n", ErrInvalid,
		[]string{"kong: s.yaml: line 2, ", "/services: services must be a list"}},
	{"route matches nothing", "r.yaml", "_format_version: \"3.0\"\nservices:\n- name: a\n  host: h\n  routes:\n  - name: r0\n    paths: [/x]\n  - name: nothing\n    strip_path: true\n", ErrInvalid,
		[]string{"kong: r.yaml: line 8, column 5: /services/0/routes/1: route nothing matches nothing"}},
	{"bad regex", "re.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  paths:\n  - /ok\n  - ~/users/(\\d+\n", ErrInvalid,
		[]string{"kong: re.yaml: line 6", "/routes/0/paths/1: ", "regex"}},
	{"legacy bad regex", "re1.yaml", "_format_version: \"1.1\"\nroutes:\n- name: r\n  paths: ['/a[']\n", ErrInvalid,
		[]string{"kong: re1.yaml: line 4", "/routes/0/paths"}},
	{"path without slash", "p.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  paths: [users]\n", ErrInvalid,
		[]string{"kong: p.yaml: line 4", "/routes/0/paths/0: path \"users\" must start with /"}},
	{"paths not a list", "p2.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  paths: /users\n", ErrInvalid,
		[]string{"kong: p2.yaml: line 4", "/routes/0/paths: paths must be a list of strings"}},
	{"timeout not a number", "t.yaml", "_format_version: \"3.0\"\nservices:\n- name: a\n  host: h\n  read_timeout: soon\n", ErrInvalid,
		[]string{"kong: t.yaml: line 5", "/services/0/read_timeout: read_timeout must be an integer"}},
	{"plugin without name", "pl.yaml", "_format_version: \"3.0\"\nplugins:\n- config: {}\n", ErrInvalid,
		[]string{"kong: pl.yaml: line 3", "/plugins/0: plugin without a name"}},
	{"plugin config not a mapping", "pc.yaml", "_format_version: \"3.0\"\nplugins:\n- name: cors\n  config: [1]\n", ErrInvalid,
		[]string{"kong: pc.yaml: line 4", "/plugins/0/config: "}},
	{"enabled not a bool", "en.json", `{"_format_version": "3.0", "plugins": [{"name": "cors", "enabled": "yes"}]}`, ErrInvalid,
		[]string{"kong: en.json: line 1, column ", "/plugins/0/enabled: enabled must be true or false"}},
	{"bad service url", "u.yaml", "_format_version: \"3.0\"\nservices:\n- name: a\n  url: not a url\n", ErrInvalid,
		[]string{"kong: u.yaml: line 4", "/services/0/url: "}},
	{"bad expression", "ex.yaml", "_format_version: \"3.0\"\nroutes:\n- name: r\n  expression: 'http.path ^= \"/a\" &&'\n", ErrInvalid,
		[]string{"kong: ex.yaml: line 4", "/routes/0/expression: expression: "}},
	{"bad format version", "fv.yaml", "_format_version: [3]\nservices: []\n", ErrInvalid,
		[]string{"kong: fv.yaml: line 1", "/_format_version: "}},
}

func TestBadInput(t *testing.T) {
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file, []byte(c.doc), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) || e.File != c.file {
				t.Fatalf("error %T %v does not name the file", err, err)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %v is not %v", err, c.kind)
			}
			for _, h := range c.has {
				if !strings.Contains(err.Error(), h) {
					t.Errorf("error %q lacks %q", err, h)
				}
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	doc := oneRoute("", "", "", "", "")
	_, err := Parse("big.yaml", []byte(doc), Options{Limits: safedecode.Limits{MaxBytes: 64}})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.HasPrefix(err.Error(), "kong: big.yaml: ") {
		t.Fatalf("err %v", err)
	}
	// Through Collect the size comes from the file's metadata.
	fsys := fstest.MapFS{"gw/big.yaml": {Data: []byte(doc)}}
	src := collectors.Source{Name: "s", FS: fsys, Paths: []string{"gw/big.yaml"}, Options: map[string]string{"max_bytes": "64"}}
	err = (Collector{}).Collect(context.Background(), src, &memSink{})
	if !errors.Is(err, safedecode.ErrTooLarge) || !strings.Contains(err.Error(), "kong: gw/big.yaml: ") {
		t.Fatalf("err %v", err)
	}
}

// Parse never returns a half-filled result with an error, and a result's
// routes all validate (a regex that does not compile is an error, not a
// route that matches nothing).
func TestErrorsLeaveNoResult(t *testing.T) {
	for _, c := range badInputs {
		res, err := Parse(c.file, []byte(c.doc), Options{})
		if err == nil || res != nil {
			t.Errorf("%s: res %v err %v", c.name, res, err)
		}
	}
}

// A small file with thousands of routes and thousands of global plugins
// would expand to millions of route × plugin entries: it is refused with
// an error naming the route where the budget ran out.
func TestExpansionBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\nroutes:\n")
	for i := range 2000 {
		b.WriteString("- {name: r" + strconv.Itoa(i) + ", paths: [/a]}\n")
	}
	b.WriteString("plugins:\n")
	for i := range 2000 {
		b.WriteString("- {name: p" + strconv.Itoa(i) + "}\n")
	}
	_, err := Parse("wide.yaml", []byte(b.String()), Options{Limits: safedecode.Limits{MaxBytes: 1 << 20}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "kong: wide.yaml: /routes/") {
		t.Fatalf("err %v", err)
	}
	if got := expansionBudget(safedecode.Limits{}); got != 4<<20 {
		t.Errorf("default budget %d", got)
	}
}
