package dast

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
	"github.com/posture-dev/posture/internal/safedecode"
)

var (
	errTestFormat = errors.New("not a test report")
	testFormat    = scan.Format{Kind: "zap", ErrFormat: errTestFormat, WhereExpected: true}
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"<p>One.</p><p>Two &amp; three.</p>", "One.\n\nTwo & three."},
		{"<p>a</p><p></p><p></p><p>b</p>", "a\n\nb"},
		{"Intro:<ul>\n<li>Cache-control: no-store</li><li>Pragma: no-cache</li></ul>After", "Intro:\n\n- Cache-control: no-store\n- Pragma: no-cache\n\nAfter"},
		{"line<br>next<BR/>last", "line\nnext\nlast"},
		{"<b>bold</b>   and\n\n  <i>spaced</i>", "bold and spaced"},
		{"x<script>alert('<p>')</script>y<STYLE>p{}</style>z", "xyz"},
		{"a < b and c > d", "a < b and c > d"}, // not a tag
		{"<p>&lt;script&gt; &apos;q&apos; &#39;n&#39;</p>", "<script> 'q' 'n'"},
		{"<a href=\"https://cwe.mitre.org/data/definitions/79.html\">CWE-79: XSS</a>", "CWE-79: XSS"},
		// Plain text keeps its lines, trimmed; blank runs squeezed.
		{"\n   userParam=a\n   userValue=b\n\n\n\n  end  ", "userParam=a\nuserValue=b\n\nend"},
		{"<p>unterminated <b", "unterminated"},
		{"nbsp&nbsp;<b>x</b>", "nbsp x"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Hostile: many '<' without '>' and many unclosed scripts stay linear.
	big := strings.Repeat("<a", 1<<20)
	if got := Text(big); len(got) > 4*scan.MaxText {
		t.Errorf("Text of 2 MB: %d bytes", len(got))
	}
	if got := Text(strings.Repeat("<script>", 1<<16)); got != "" {
		t.Errorf("unclosed scripts: %q", got[:20])
	}
}

func TestHeadAndRedaction(t *testing.T) {
	msg := "GET /a?x=1 HTTP/1.1\r\n" +
		"Host: shop.example\r\n" +
		"Authorization: Bearer eyJhbGciOi.secret\r\n" +
		"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n" +
		"authorization: token123\r\n" +
		"Cookie: sid=abc123; theme=dark\r\n" +
		"X-Api-Key: k-123\r\n" +
		"X-Auth-Token: t-9\r\n" +
		"Accept: */*\r\n" +
		"\r\n" +
		"password=hunter2"
	want := "GET /a?x=1 HTTP/1.1\nHost: shop.example\nAuthorization: Bearer [redacted]\nProxy-Authorization: Basic [redacted]\n" +
		"authorization: [redacted]\nCookie: sid=[redacted]; theme=[redacted]\nX-Api-Key: [redacted]\nX-Auth-Token: [redacted]\nAccept: */*"
	if got := Head(msg); got != want {
		t.Errorf("Head:\n%s\nwant\n%s", got, want)
	}
	resp := "   HTTP/1.1 200 OK\n   Set-Cookie: JSESSIONID=ABC; Path=/; HttpOnly\n   Set-Cookie: flag\n   Content-Type: text/html\n\n<html>"
	if got := Head(resp); got != "HTTP/1.1 200 OK\nSet-Cookie: JSESSIONID=[redacted]; Path=/; HttpOnly\nSet-Cookie: [redacted]\nContent-Type: text/html" {
		t.Errorf("Head(resp) = %q", got)
	}
	// Message keeps the body (Wapiti's payloads), headers still redacted.
	if got := Message("POST /login HTTP/1.1\nCookie: a=b\n\nuser=admin'--"); got != "POST /login HTTP/1.1\nCookie: a=[redacted]\n\nuser=admin'--" {
		t.Errorf("Message = %q", got)
	}
	// Binary and control bytes never reach the store.
	if got := Head("GET / HTTP/1.1\nX-Bin: a\x00b\x01c\xff\n"); got != "GET / HTTP/1.1\nX-Bin: abc\uFFFD" {
		t.Errorf("Head(binary) = %q", got)
	}
	// The start line is not a header, even with a colon.
	if got := Head("token: not-a-start-line\nA: b"); !strings.HasPrefix(got, "token: not-a-start-line") {
		t.Errorf("Head = %q", got)
	}
	if got := Head(strings.Repeat("X: y\n", 1<<20)); len(got) > maxMessage {
		t.Errorf("Head of 5 MB: %d bytes", len(got))
	}
}

func TestBase64AndMethod(t *testing.T) {
	req := "PUT /items/1 HTTP/1.1\r\nHost: h\r\n\r\n" + strings.Repeat("body", 100000)
	enc := base64.StdEncoding.EncodeToString([]byte(req))
	// Burp wraps base64 in lines sometimes.
	var wrapped strings.Builder
	for i := 0; i < len(enc); i += 76 {
		wrapped.WriteString(enc[i:min(i+76, len(enc))] + "\n")
	}
	got, ok := Base64Prefix(wrapped.String())
	if !ok || !strings.HasPrefix(got, "PUT /items/1 HTTP/1.1\r\nHost: h\r\n\r\nbody") || len(got) > maxMessage {
		t.Errorf("Base64Prefix: ok %v, %d bytes", ok, len(got))
	}
	if RequestMethod(got) != "PUT" {
		t.Errorf("RequestMethod = %q", RequestMethod(got))
	}
	if _, ok := Base64Prefix("not base64 !!!"); ok {
		t.Error("Base64Prefix accepted garbage")
	}
	if s, ok := Base64Prefix(""); !ok || s != "" {
		t.Errorf("empty: %q %v", s, ok)
	}
	for in, want := range map[string]string{
		"GET / HTTP/1.1": "GET", "  DELETE /x HTTP/2\n": "DELETE", "M-SEARCH * HTTP/1.1": "M-SEARCH",
		"get / HTTP/1.1": "", "request data 1/": "", "": "", "HTTP/1.1 200 OK": "",
	} {
		if got := RequestMethod(in); got != want {
			t.Errorf("RequestMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	for _, tt := range []struct {
		host, port string
		tls        bool
		want       string
	}{{"A.example", "443", true, "a.example"}, {"a", "80", false, "a"}, {"a", "443", false, "a:443"}, {"a", "", true, "a"},
		{"", "80", false, ""}, {"::1", "8080", false, "[::1]:8080"}, {"[::1]", "443", true, "::1"}} {
		if got := HostPortHint(tt.host, tt.port, tt.tls); got != tt.want {
			t.Errorf("HostPortHint(%q, %q, %v) = %q, want %q", tt.host, tt.port, tt.tls, got, tt.want)
		}
	}
	for _, tt := range []struct{ origin, path, want string }{
		{"https://example.com", "/test/v4", "https://example.com/test/v4"},
		{"https://example.org/", "/", "https://example.org/"},
		{"https://example.org/app/", "/x?y=1", "https://example.org/x?y=1"},
		{"http://bwa", "bodgeit/", "http://bwa/bodgeit/"},
		{"https://a", "https://b/c", "https://b/c"},
		{"", "/p", "/p"},
		{"https://a", "", "https://a"},
	} {
		if got := JoinURL(tt.origin, tt.path); got != tt.want {
			t.Errorf("JoinURL(%q, %q) = %q, want %q", tt.origin, tt.path, got, tt.want)
		}
	}
	if got := Location("https://a/x", "q", "f"); got != "https://a/x param=q" {
		t.Errorf("Location = %q", got)
	}
	if got := Location("", "", "site"); got != "site" {
		t.Errorf("Location = %q", got)
	}
}

func TestFingerprint(t *testing.T) {
	if got := Fingerprint("zap", "1", "GET", "https://a/", ""); got != "zap:1|GET|https://a/|" {
		t.Errorf("Fingerprint = %q", got)
	}
	long := Fingerprint("zap", strings.Repeat("u", 600))
	if !strings.HasPrefix(long, "zap:sha256:") || len(long) != len("zap:sha256:")+64 || long != Fingerprint("zap", strings.Repeat("u", 600)) {
		t.Errorf("long fingerprint %q", long)
	}
}

func TestTooDeep(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want int
	}{
		{"<a><b><c/></b></a>", 2, -1},
		{"<a><b><c></c></b></a>", 2, 6},
		{"<a><!-- <b><c><d> --><![CDATA[<x><y><z>]]><?pi <q><r>?></a>", 1, -1},
		{`<!DOCTYPE a [<!ELEMENT a (b)> <!-- <x> --> <!ENTITY e "<y>">]><a x="<b><c>"></a>`, 1, -1},
		{`<a><b x='>'><c>`, 2, 12},
	}
	for _, tt := range tests {
		if got := tooDeep([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("tooDeep(%q, %d) = %d, want %d", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestRootElement(t *testing.T) {
	tests := []struct{ in, name, attr string }{
		{`<?xml version="1.0"?><OWASPZAPReport version="2.10.0">`, "OWASPZAPReport", "version=2.10.0"},
		{"\xEF\xBB\xBF<!-- c -->\n<!DOCTYPE issues [\n<!ELEMENT issues (issue*)>\n]>\n<issues burpVersion=\"2020.12.1\" exportTime=\"x\">", "issues", "burpVersion=2020.12.1"},
		{`<report type="security"`, "report", ""}, // cut inside the tag: name only
		{`<ns:report xmlns:ns="u">`, "report", ""},
		{`  {"a": 1}`, "", ""},
		{`text <a>`, "", ""},
		{``, "", ""},
		{`<?xml version="1.0"?>`, "", ""},
	}
	for _, tt := range tests {
		name, attrs := RootElement([]byte(tt.in))
		got := ""
		if tt.attr != "" {
			k, _, _ := strings.Cut(tt.attr, "=")
			v, _ := Attr(attrs, k)
			got = k + "=" + v
		}
		if name != tt.name || got != tt.attr {
			t.Errorf("RootElement(%q) = %q %v, want %q %q", tt.in, name, attrs, tt.name, tt.attr)
		}
	}
}

func TestDecodeXML(t *testing.T) {
	type doc struct {
		Name string `xml:"name,attr"`
		Text string `xml:"t"`
	}
	var d doc
	if err := DecodeXML(testFormat, "a.xml", []byte(`<?xml version="1.0" encoding="latin1"?><r name="caf`+"\xe9"+`"><t>x &amp; &#233;</t></r><!-- end -->`), &d); err != nil ||
		d.Name != "café" || d.Text != "x & é" {
		t.Errorf("latin1: %v %+v", err, d)
	}
	for _, tt := range []struct {
		in    string
		kind  error
		where string
	}{
		{"<r>\n<t>\n&nbsp;</t></r>", ErrEntity, "zap: b.xml:3:"},
		{"<r>\n<t>x</u></r>", safedecode.ErrSyntax, "zap: b.xml:2:"},
		{"<r><t>x</t>", safedecode.ErrSyntax, "zap: b.xml:1:"},
		{"<r/><r/>", safedecode.ErrSyntax, "zap: b.xml:1:"},
		{"   ", errTestFormat, "zap: b.xml:1:"},
	} {
		err := DecodeXML(testFormat, "b.xml", []byte(tt.in), &d)
		if !errors.Is(err, tt.kind) || !strings.HasPrefix(fmt.Sprint(err), tt.where) {
			t.Errorf("DecodeXML(%q) = %v, want %v at %q", tt.in, err, tt.kind, tt.where)
		}
	}
}

// decode is how the collectors read JSON reports into these types.
func decode(f scan.Format, name string, data []byte, v any) error {
	_, err := f.DecodeObject(name, data, v)
	return err
}

// The flexible types decode as they should through scan's DecodeObject;
// its errors are scan's (see collectors/scan's tests).
func TestFlexibleJSON(t *testing.T) {
	type doc struct {
		A Str       `json:"a"`
		L List[Str] `json:"l"`
		M List[struct {
			X Str `json:"x"`
		}] `json:"m"`
	}
	var d doc
	if err := decode(testFormat, "a.json", []byte(`{"a": 3, "l": "one", "m": [{"x": true}, {"x": null}]}`), &d); err != nil ||
		d.A != "3" || len(d.L) != 1 || d.L[0] != "one" || len(d.M) != 2 || d.M[0].X != "true" || d.M[1].X != "" {
		t.Errorf("%v %+v", err, d)
	}
	d = doc{}
	if err := decode(testFormat, "a.json", []byte(`{"l": null, "a": null}`), &d); err != nil || d.L != nil || d.A != "" {
		t.Errorf("nulls: %v %+v", err, d)
	}
	err := decode(testFormat, "b.json", []byte("{\n  \"a\": [1]\n}"), &d)
	var e *scan.Error
	if !errors.As(err, &e) || e.Path != "a" || !errors.Is(err, errTestFormat) ||
		!strings.Contains(err.Error(), "zap: b.json:1: a: a JSON array where a string is expected") {
		t.Errorf("type error: %v", err)
	}
	err = decode(testFormat, "c.json", []byte("{\n  \"a\": \"x\",\n  \"l\": ["), &d)
	if !errors.Is(err, safedecode.ErrSyntax) || !strings.HasPrefix(fmt.Sprint(err), "zap: c.json:3:") {
		t.Errorf("truncated: %v", err)
	}
	err = decode(testFormat, "d.json", []byte("{\"a\": "+strings.Repeat("[", 300)+strings.Repeat("]", 300)+"}"), &d)
	if !errors.Is(err, safedecode.ErrTooDeep) {
		t.Errorf("deep: %v", err)
	}
	small := testFormat
	small.Limits.MaxBytes = 1
	var raw json.RawMessage
	if err := decode(small, "e.json", []byte(`{}`), &raw); !errors.Is(err, safedecode.ErrTooLarge) ||
		fmt.Sprint(err) != "zap: e.json: input exceeds the size limit of 1 bytes" {
		t.Errorf("size: %v", err)
	}
}

func TestSmallHelpers(t *testing.T) {
	if Join(" a ", "", "b") != "a\n\nb" || FirstOf(" ", "\t x ", "y") != "x" {
		t.Error("Join, FirstOf")
	}
	if got := HTMLMessage("GET / HTTP/1.1<br>Host: a&amp;b<br/><span>x</span>"); got != "GET / HTTP/1.1\nHost: a&b\nx" {
		t.Errorf("HTMLMessage = %q", got)
	}
	if _, err := Options(testFormat, collectors.Source{Name: "s", Options: map[string]string{"max_depth": "0"}}); !errors.Is(err, ErrOption) ||
		err.Error() != `zap: source "s": option max_depth="0" is not a positive integer: bad option` {
		t.Errorf("Options: %v", err)
	}
	f, err := Options(testFormat, collectors.Source{Options: map[string]string{"max_depth": "9", "max_bytes": "99", "other": "x"}})
	if err != nil || f.Limits.MaxDepth != 9 || f.Limits.MaxBytes != 99 || f.Kind != "zap" || testFormat.Limits.MaxDepth != 0 {
		t.Errorf("Options: %v %+v", err, f)
	}
}
