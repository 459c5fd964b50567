package delivery

import (
	"bytes"
	"errors"
	"mime"
	"mime/multipart"
	"net/mail"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestCheckMessageRejectsInjection(t *testing.T) {
	ok := Message{To: []string{"ciso@example.com"}, Subject: "Q3", Attachments: []Attachment{{Name: "r.pdf"}}}
	if _, err := checkMessage(ok, true); err != nil {
		t.Fatalf("valid message refused: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Message)
	}{
		{"CRLF in subject", func(m *Message) { m.Subject = "Q3\r\nBcc: attacker@evil.example" }},
		{"LF in subject", func(m *Message) { m.Subject = "Q3\nBcc: attacker@evil.example" }},
		{"bare CR in subject", func(m *Message) { m.Subject = "Q3\rX" }},
		{"NUL in subject", func(m *Message) { m.Subject = "Q3\x00" }},
		{"invalid UTF-8 subject", func(m *Message) { m.Subject = "Q3 \xff" }},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("ü", maxSubjectRunes+1) }},
		{"CRLF after address", func(m *Message) { m.To = []string{"ciso@example.com\r\nBcc: attacker@evil.example"} }},
		{"CRLF in display name", func(m *Message) { m.To = []string{"\"CISO\r\nBcc: x@evil.example\" <ciso@example.com>"} }},
		{"CRLF hidden in encoded display name", func(m *Message) { m.To = []string{"=?utf-8?q?CISO=0D=0ABcc:_x@evil.example?= <ciso@example.com>"} }},
		{"two addresses in one", func(m *Message) { m.To = []string{"a@example.com, b@example.com"} }},
		{"no domain", func(m *Message) { m.To = []string{"ciso"} }},
		{"quoted local part", func(m *Message) { m.To = []string{`"ci so"@example.com`} }},
		{"domain literal", func(m *Message) { m.To = []string{"ciso@[127.0.0.1]"} }},
		{"non-ASCII address", func(m *Message) { m.To = []string{"zoë@example.com"} }},
		{"no recipients", func(m *Message) { m.To = nil }},
		{"CRLF in file name", func(m *Message) { m.Attachments[0].Name = "r.pdf\r\nContent-Type: text/html" }},
		{"path in file name", func(m *Message) { m.Attachments[0].Name = "../../etc/passwd" }},
		{"backslash path in file name", func(m *Message) { m.Attachments[0].Name = `..\..\boot.ini` }},
		{"empty file name", func(m *Message) { m.Attachments[0].Name = "" }},
		{"CRLF in content type", func(m *Message) { m.Attachments[0].ContentType = "text/plain\r\nX-Evil: 1" }},
		{"multipart content type", func(m *Message) { m.Attachments[0].ContentType = "multipart/mixed; boundary=x" }},
		{"invalid UTF-8 text", func(m *Message) { m.Text = "\xff" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			m.To = append([]string(nil), ok.To...)
			m.Attachments = append([]Attachment(nil), ok.Attachments...)
			tc.edit(&m)
			if _, err := checkMessage(m, true); !errors.Is(err, ErrInvalid) || !IsPermanent(err) {
				t.Errorf("err = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestEncodeHeaderText(t *testing.T) {
	for _, s := range []string{
		"", "Q3 report", "Posture-Bericht für Q3 ✓", "=?utf-8?q?looks_encoded?=", " leading", "trailing ", "two  spaces",
		strings.Repeat("long ascii subject ", 12), strings.Repeat("日本語", 80), "underscore_and=equals?question",
	} {
		enc := encodeHeaderText(s)
		for _, line := range strings.Split(enc, "\r\n") {
			if len(line) > 76 && strings.Contains(line, "=?") {
				t.Errorf("%q: encoded line of %d chars", s, len(line))
			}
		}
		// Unfold as a reader would, then decode.
		unfolded := strings.ReplaceAll(enc, "\r\n ", " ")
		got, err := new(mime.WordDecoder).DecodeHeader(unfolded)
		if err != nil || got != s {
			t.Errorf("%q encoded as %q decodes to %q (%v)", s, enc, got, err)
		}
	}
	if got := encodeHeaderText("Q3 report"); got != "Q3 report" {
		t.Errorf("plain subject encoded: %q", got)
	}
}

func TestContentTypeNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "application/octet-stream",
		"application/PDF":               "application/pdf",
		"text/csv; charset=UTF-8":       "text/csv; charset=UTF-8",
		"text/csv; name=\"evil\r\n\"":   "",
		"application/pdf; name=x.pdf":   "application/pdf",
		"not a type":                    "",
		"message/rfc822":                "",
		"text/plain; charset=\"utf-8\"": "text/plain; charset=utf-8",
	} {
		got, err := normaliseContentType(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q accepted as %q", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestWriteBase64Lines(t *testing.T) {
	for _, n := range []int{0, 1, 56, 57, 58, 114, 1000} {
		var buf bytes.Buffer
		data := bytes.Repeat([]byte{0xfb}, n)
		if err := writeBase64Lines(&buf, data); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
		for i, l := range lines {
			if len(l) > 76 || (i < len(lines)-1 && len(l) != 76) {
				t.Errorf("n=%d: line %d has %d chars", n, i, len(l))
			}
		}
	}
}

// FuzzMessageHeaders: whatever subject, recipient and attachment name come
// in, either the message is refused as invalid, or an independent parser
// (net/mail, mime) reads back exactly the expected headers with exactly the
// given values: no injected header, no lost or altered character.
func FuzzMessageHeaders(f *testing.F) {
	for _, s := range []struct{ subject, to, name string }{
		{"Q3 report", "ciso@example.com", "report.pdf"},
		{"Posture-Bericht für Q3 ✓", "Zoë Müller <ciso@example.com>", "übersicht.xlsx"},
		{"x\r\nBcc: evil@example.net", "a@example.com\r\nBcc: evil@example.net", "r.pdf\r\nX: y"},
		{"=?utf-8?q?=0D=0ABcc:_x?=", "=?utf-8?q?a=0D=0Ab?= <a@example.com>", "=?utf-8?q?a.pdf?="},
		{" spaced  out ", `"Doe, John (CISO)" <john.doe+reports@sub.example.co.uk>`, `a "quoted" \ name.pdf`},
		{strings.Repeat("é", 250), strings.Repeat("名", 200) + " <x@example.com>", strings.Repeat("ü", 127)},
		{"", "<ciso@example.com>", ".hidden"},
		{"?= =?", `"?= =?" <a@example.com>`, "a;b=c.pdf"},
	} {
		f.Add(s.subject, s.to, s.name)
	}
	from, err := mail.ParseAddress(testFrom)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, subject, to, name string) {
		m := Message{To: []string{to}, Subject: subject, Text: "body", Attachments: []Attachment{{Name: name, Data: []byte("data")}}}
		c, err := checkMessage(m, true)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refusal is not ErrInvalid: %v", err)
			}
			return
		}
		raw, err := renderMIME(from, c, "<id@example.com>", time.Unix(1700000000, 0).UTC())
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("accepted message does not parse: %v\n%s", err, raw)
		}
		var keys []string
		for k := range msg.Header {
			keys = append(keys, k)
			if len(msg.Header[k]) != 1 {
				t.Fatalf("header %s appears %d times", k, len(msg.Header[k]))
			}
		}
		sort.Strings(keys)
		want := "Auto-Submitted Content-Type Date From Message-Id Mime-Version Subject To"
		if strings.Join(keys, " ") != want {
			t.Fatalf("headers %v, want %s\n%s", keys, want, raw)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 {
				t.Fatalf("line of %d octets", len(line))
			}
		}
		gotSubject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || gotSubject != subject {
			t.Fatalf("subject %q came back as %q (%v)", subject, gotSubject, err)
		}
		addrs, err := msg.Header.AddressList("To")
		if err != nil || len(addrs) != 1 || addrs[0].Address != c.to[0].Address || addrs[0].Name != c.to[0].Name {
			t.Fatalf("To %q (%+v) came back as %+v (%v)", to, c.to[0], addrs, err)
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		if _, err := mr.NextPart(); err != nil {
			t.Fatalf("text part: %v", err)
		}
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("attachment part: %v", err)
		}
		if got := p.FileName(); got != name {
			t.Fatalf("file name %q came back as %q (%q)", name, got, p.Header.Get("Content-Disposition"))
		}

		// The webhook's form data must carry the same name just as safely.
		body, ct, err := renderForm(c, Receipt{})
		if err != nil {
			t.Fatalf("render form: %v", err)
		}
		_, params, err = mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		fr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		if p, err := fr.NextPart(); err != nil || p.FormName() != "meta" {
			t.Fatalf("meta part: %v", err)
		}
		p, err = fr.NextPart()
		if err != nil {
			t.Fatalf("form file part: %v", err)
		}
		if p.FormName() != "attachment" || p.FileName() != name || len(p.Header) != 2 {
			t.Fatalf("form file %q came back as %q %q (%v)", name, p.FormName(), p.FileName(), p.Header)
		}
	})
}
