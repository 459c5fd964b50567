package delivery

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that keep every header line under RFC 5322's hard 998-octet limit
// whatever the input, so no header ever needs ad-hoc folding decisions.
const (
	maxSubjectRunes = 250
	maxNameRunes    = 200 // display name of an address
	maxAddressBytes = 254 // RFC 5321 path limit
	maxFileName     = 255 // bytes, the usual file-system limit
	maxContentType  = 100
	maxRecipients   = 100
)

// checked is a Message after validation: addresses parsed, content types
// normalised. Only checked messages are ever rendered, so the renderer
// can assume no CR/LF reaches a header.
type checked struct {
	to          []*mail.Address
	subject     string
	text        string
	attachments []Attachment
}

// checkMessage validates m. needTo is false for senders that have no use
// for recipients (webhook, directory), where they are optional.
func checkMessage(m Message, needTo bool) (*checked, error) {
	if needTo && len(m.To) == 0 {
		return nil, fmt.Errorf("%w: no recipients", ErrInvalid)
	}
	if len(m.To) > maxRecipients {
		return nil, fmt.Errorf("%w: %d recipients, at most %d", ErrInvalid, len(m.To), maxRecipients)
	}
	c := &checked{subject: m.Subject, text: m.Text}
	for _, s := range m.To {
		a, err := parseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("recipient %q: %w", s, err)
		}
		c.to = append(c.to, a)
	}
	if err := checkHeaderText(m.Subject, maxSubjectRunes); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	if !utf8.ValidString(m.Text) {
		return nil, fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	for i, a := range m.Attachments {
		if err := checkFileName(a.Name); err != nil {
			return nil, fmt.Errorf("attachment %d %q: %w", i, a.Name, err)
		}
		ct, err := normaliseContentType(a.ContentType)
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.Name, err)
		}
		a.ContentType = ct
		c.attachments = append(c.attachments, a)
	}
	return c, nil
}

// rawSize is a lower bound of the encoded size, used to refuse absurd
// messages before spending memory on encoding them.
func (c *checked) rawSize() int64 {
	n := int64(len(c.text))
	for _, a := range c.attachments {
		n += int64(len(a.Data))
	}
	return n
}

// parseAddress accepts what net/mail accepts, narrowed to what can be
// put on an SMTP command line and into a header without surprises: no
// control characters anywhere (also not hidden in an RFC 2047 encoded
// display name), an ASCII dot-atom local part and a host-name domain, and
// an address that survives formatting and re-parsing unchanged.
func parseAddress(s string) (*mail.Address, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty address", ErrInvalid)
	}
	if len(s) > maxAddressBytes+4*maxNameRunes+8 {
		return nil, fmt.Errorf("%w: address is %d bytes long", ErrInvalid, len(s))
	}
	if err := checkNoControl(s); err != nil {
		return nil, err
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := checkNoControl(a.Name); err != nil {
		return nil, fmt.Errorf("display name: %w", err)
	}
	if n := utf8.RuneCountInString(a.Name); n > maxNameRunes {
		return nil, fmt.Errorf("%w: display name has %d characters, at most %d", ErrInvalid, n, maxNameRunes)
	}
	if len(a.Address) > maxAddressBytes {
		return nil, fmt.Errorf("%w: address is %d bytes, at most %d", ErrInvalid, len(a.Address), maxAddressBytes)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 || !isDotAtom(a.Address[:at]) || !isDomain(a.Address[at+1:]) {
		// Quoted local parts, domain literals and internationalised
		// addresses are legal but would need quoting on the SMTP command
		// line or SMTPUTF8; no report recipient needs them.
		return nil, fmt.Errorf("%w: %q is not a plain ASCII user@host address", ErrInvalid, a.Address)
	}
	again, err := mail.ParseAddress(a.String())
	if err != nil || again.Name != a.Name || again.Address != a.Address {
		return nil, fmt.Errorf("%w: address does not survive formatting", ErrInvalid)
	}
	return a, nil
}

// checkNoControl rejects invalid UTF-8 and every control character (C0,
// DEL, C1): CR and LF would inject headers, the others have no business
// in a header and confuse mail clients.
func checkNoControl(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("%w: control character %U", ErrInvalid, r)
		}
	}
	return nil
}

func checkHeaderText(s string, maxRunes int) error {
	if err := checkNoControl(s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%w: %d characters, at most %d", ErrInvalid, n, maxRunes)
	}
	return nil
}

func checkFileName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty file name", ErrInvalid)
	}
	if len(name) > maxFileName {
		return fmt.Errorf("%w: file name is %d bytes, at most %d", ErrInvalid, len(name), maxFileName)
	}
	if err := checkNoControl(name); err != nil {
		return err
	}
	// An attachment is a file, not a path; receivers would strip the
	// directories anyway, each in its own way.
	if strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("%w: file name contains a path separator", ErrInvalid)
	}
	return nil
}

// normaliseContentType re-formats ct through the mime package so whatever
// reaches the header is canonical; multipart and message types are refused
// because base64 encoding them is not allowed (RFC 2045 6.4).
func normaliseContentType(ct string) (string, error) {
	if ct == "" {
		return "application/octet-stream", nil
	}
	if len(ct) > maxContentType {
		return "", fmt.Errorf("%w: content type is %d bytes, at most %d", ErrInvalid, len(ct), maxContentType)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("%w: content type %q: %w", ErrInvalid, ct, err)
	}
	if !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		return "", fmt.Errorf("%w: content type %q not allowed for an attachment", ErrInvalid, mt)
	}
	delete(params, "name") // the file name comes from Attachment.Name only
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", fmt.Errorf("%w: content type %q cannot be formatted", ErrInvalid, ct)
	}
	return out, nil
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' || isAlnum(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// isDomain accepts LDH host names with at least one dot or "localhost".
func isDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 && !strings.EqualFold(s, "localhost") {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// encodeHeaderText encodes an unstructured header value (RFC 2047). Plain
// short ASCII stays readable; anything else becomes Q encoded-words
// folded onto their own lines. mime.QEncoding is not used because it
// leaves ASCII text that merely looks like an encoded word ("=?utf-8?q?x?=")
// alone, which the recipient would then decode into something else.
func encodeHeaderText(s string) string {
	if isPlainHeaderText(s) {
		return s
	}
	const prefix, suffix = "=?utf-8?q?", "?="
	const room = 75 - len(prefix) - len(suffix) // RFC 2047: a word is at most 75 chars
	var words []string
	var cur strings.Builder
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		// Encode a whole character at a time: RFC 2047 forbids splitting
		// one across encoded words.
		var enc strings.Builder
		switch {
		case r == ' ':
			enc.WriteByte('_')
		case r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("!*+-/", r)):
			enc.WriteRune(r)
		default:
			n := utf8.EncodeRune(buf[:], r)
			for _, b := range buf[:n] {
				fmt.Fprintf(&enc, "=%02X", b)
			}
		}
		if cur.Len()+enc.Len() > room {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc.String())
	}
	if cur.Len() > 0 || len(words) == 0 {
		words = append(words, prefix+cur.String()+suffix)
	}
	return strings.Join(words, "\r\n ")
}

func isPlainHeaderText(s string) bool {
	if len(s) > 60 || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") ||
		strings.Contains(s, "  ") || strings.Contains(s, "=?") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// formatAddress renders a for a header; long encoded display names are
// folded between their encoded words so no line grows past the limits.
func formatAddress(a *mail.Address) string {
	return strings.ReplaceAll(a.String(), "?= =?", "?=\r\n =?")
}

// renderMIME writes the complete RFC 5322 message: headers, then a
// multipart/mixed body with the UTF-8 text and base64 attachments.
func renderMIME(from *mail.Address, c *checked, messageID string, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)

	to := make([]string, len(c.to))
	for i, a := range c.to {
		to[i] = formatAddress(a)
	}
	hdr := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	hdr("From", formatAddress(from))
	if len(to) > 0 {
		hdr("To", strings.Join(to, ",\r\n "))
	}
	hdr("Subject", encodeHeaderText(c.subject))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", messageID)
	// Scheduled reports are machine-sent; this keeps vacation responders
	// from answering them (RFC 3834).
	hdr("Auto-Submitted", "auto-generated")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")

	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(c.text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}

	for _, a := range c.attachments {
		mt, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil {
			return nil, err // normalised in checkMessage; cannot happen
		}
		params["name"] = a.Name // legacy clients read the name from here
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(mt, params)},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeBase64Lines(pw, a.Data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeBase64Lines writes data base64-encoded in 76-character CRLF lines
// (RFC 2045 6.8).
func writeBase64Lines(w io.Writer, data []byte) error {
	const lineChars = 76
	const chunk = lineChars / 4 * 3 // 57 input bytes make one full line
	line := make([]byte, lineChars+2)
	for len(data) > 0 {
		n := min(chunk, len(data))
		m := base64.StdEncoding.EncodedLen(n)
		base64.StdEncoding.Encode(line, data[:n])
		line[m], line[m+1] = '\r', '\n'
		if _, err := w.Write(line[:m+2]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
