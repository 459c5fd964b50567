package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/delivery/smtptest"
)

const testFrom = "Posture Reports <reports@example.com>"

// The test server's account.
const (
	testUser     = smtptest.User
	testPassword = smtptest.Password
)

// smtpd is a running test server (internal/delivery/smtptest).
type smtpd struct{ *smtptest.Server }

type smtpdOptions struct {
	mode    string // starttls, implicit, plain
	slow    bool
	maxSize int
}

func startSMTPD(t *testing.T, o smtpdOptions) *smtpd {
	t.Helper()
	return &smtpd{smtptest.Start(t, smtptest.Options{Mode: o.mode, Slow: o.slow, MaxSize: o.maxSize})}
}

func (s *smtpd) client(tlsMode string) SMTP {
	return SMTP{
		Host: "127.0.0.1", Port: s.Port, Username: testUser, Password: testPassword,
		From: testFrom, TLS: tlsMode, Timeout: 20 * time.Second, RootCAs: s.Pool, HelloName: "posture.test",
	}
}

func (s *smtpd) messages(t *testing.T) []string { return s.Messages(t) }

func (s *smtpd) authLog(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, "auth.log"))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func reportMessage(t *testing.T) Message {
	t.Helper()
	return Message{
		To:      []string{"Zoë Müller <ciso@example.com>", "security-team@example.org"},
		Subject: "Posture-Bericht Q3 — Übersicht ✓",
		Text: "Guten Tag,\n\nanbei der Bericht für Q3: 12 APIs, 3 kritische Befunde.\n" +
			strings.Repeat("A long line that quoted-printable has to wrap. ", 6) + "\n" +
			"Trailing spaces stay   \n.\n.. a line that is only dots must survive SMTP dot-stuffing\n",
		Attachments: []Attachment{
			{Name: "posture-report.pdf", ContentType: "application/pdf", Data: randomBytes(t, 150_003)},
			{Name: "übersicht.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: randomBytes(t, 4097)},
		},
	}
}

// parsedMail is what an independent reader (net/mail + mime/multipart,
// not this package's builder) sees in a delivered message.
type parsedMail struct {
	header mail.Header
	from   []*mail.Address
	to     []*mail.Address
	subj   string
	text   string
	files  []parsedFile
	raw    []byte
}

type parsedFile struct {
	name, contentType string
	data              []byte
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	p := parsedMail{header: msg.Header, raw: raw}
	if p.from, err = msg.Header.AddressList("From"); err != nil {
		t.Fatalf("From: %v", err)
	}
	if p.to, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("To: %v", err)
	}
	if p.subj, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for i := 0; ; i++ {
		part, err := mr.NextPart() // decodes quoted-printable, not base64
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if i == 0 {
			if ct := part.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Fatalf("text part Content-Type %q", ct)
			}
			p.text = string(body)
			continue
		}
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "base64" {
			t.Fatalf("part %d Content-Transfer-Encoding %q", i, cte)
		}
		if d, _, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err != nil || d != "attachment" {
			t.Fatalf("part %d Content-Disposition %q: %v", i, part.Header.Get("Content-Disposition"), err)
		}
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("part %d base64: %v", i, err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.files = append(p.files, parsedFile{name: part.FileName(), contentType: ct, data: data})
	}
	return p
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestSMTPEndToEndSTARTTLS(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	m := reportMessage(t)
	r, err := srv.client("").Send(context.Background(), m) // "" must mean starttls
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	files := srv.messages(t)
	if len(files) != 1 {
		t.Fatalf("server stored %d messages, want 1", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	got := parseMail(t, raw)
	checkDelivered(t, got, m, r)

	if log := srv.authLog(t); !strings.Contains(log, "PLAIN "+testUser+" tls=True ok") {
		t.Errorf("auth.log %q: want one successful PLAIN login over TLS", log)
	}
}

func checkDelivered(t *testing.T, got parsedMail, m Message, r Receipt) {
	t.Helper()
	if len(got.from) != 1 || got.from[0].Address != "reports@example.com" || got.from[0].Name != "Posture Reports" {
		t.Errorf("From = %v", got.from)
	}
	var to []string
	for _, a := range got.to {
		to = append(to, a.String())
	}
	if len(got.to) != 2 || got.to[0].Name != "Zoë Müller" || got.to[0].Address != "ciso@example.com" || got.to[1].Address != "security-team@example.org" {
		t.Errorf("To = %v", to)
	}
	if got.subj != m.Subject {
		t.Errorf("Subject = %q, want %q", got.subj, m.Subject)
	}
	if id := got.header.Get("Message-ID"); id != r.MessageID || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q, receipt %q, want at the From domain", id, r.MessageID)
	}
	if d, err := got.header.Date(); err != nil || !d.Equal(r.SentAt) {
		t.Errorf("Date = %v (%v), receipt SentAt %v", d, err, r.SentAt)
	}
	if v := got.header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q", v)
	}
	if got := crlfToLF(got.text); got != m.Text {
		t.Errorf("text =\n%q\nwant\n%q", got, m.Text)
	}
	if len(got.files) != len(m.Attachments) || len(r.Attachments) != len(m.Attachments) {
		t.Fatalf("%d attachments delivered, %d in receipt, want %d", len(got.files), len(r.Attachments), len(m.Attachments))
	}
	for i, a := range m.Attachments {
		f, h := got.files[i], r.Attachments[i]
		if f.name != a.Name || h.Name != a.Name {
			t.Errorf("attachment %d name %q, receipt %q, want %q", i, f.name, h.Name, a.Name)
		}
		if f.contentType != a.ContentType {
			t.Errorf("attachment %d type %q, want %q", i, f.contentType, a.ContentType)
		}
		if !bytes.Equal(f.data, a.Data) {
			t.Errorf("attachment %d: %d bytes delivered differ from the %d sent", i, len(f.data), len(a.Data))
		}
		if sha(f.data) != h.SHA256 || h.Size != int64(len(a.Data)) {
			t.Errorf("attachment %d: delivered sha256 %s size %d, receipt %s %d", i, sha(f.data), len(f.data), h.SHA256, h.Size)
		}
	}
	checkLines(t, got.raw)
}

// checkLines: CRLF only, no line over 998 octets, base64 lines at most 76.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("message has a bare LF")
	}
	inBase64, pending := false, false
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i+1, len(line))
		}
		switch {
		case strings.HasPrefix(line, "Content-Transfer-Encoding: base64"):
			pending = true
		case line == "" && pending:
			inBase64, pending = true, false
		case strings.HasPrefix(line, "--"):
			inBase64 = false
		}
		if inBase64 && len(line) > 76 {
			t.Errorf("base64 line %d is %d chars", i+1, len(line))
		}
	}
}

func TestSMTPEndToEndImplicitTLS(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{mode: "implicit"})
	m := reportMessage(t)
	r, err := srv.client(TLSImplicit).Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	files := srv.messages(t)
	if len(files) != 1 {
		t.Fatalf("server stored %d messages, want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	checkDelivered(t, parseMail(t, raw), m, r)
}

func TestSMTPNoneAllowedOnLoopback(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{mode: "plain"})
	m := reportMessage(t)
	r, err := srv.client(TLSNone).Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	files := srv.messages(t)
	if len(files) != 1 {
		t.Fatalf("server stored %d messages, want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	checkDelivered(t, parseMail(t, raw), m, r)
}

func TestSMTPRefusesServerWithoutSTARTTLS(t *testing.T) {
	// This server would accept AUTH in the clear: only the client's policy
	// stands between the password and the wire.
	srv := startSMTPD(t, smtpdOptions{mode: "plain"})
	_, err := srv.client(TLSStartTLS).Send(context.Background(), reportMessage(t))
	if err == nil {
		t.Fatal("Send succeeded against a server without STARTTLS")
	}
	if !errors.Is(err, ErrRefused) || !IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("err = %v; want a permanent ErrRefused naming STARTTLS", err)
	}
	if log := srv.authLog(t); log != "" {
		t.Errorf("client attempted AUTH without TLS: %q", log)
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	c := srv.client("")
	c.Password = "wrong-" + testPassword
	_, err := c.Send(context.Background(), reportMessage(t))
	if err == nil {
		t.Fatal("Send succeeded with a wrong password")
	}
	for _, secret := range []string{c.Password, testPassword, base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + c.Password))} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error contains a secret: %v", err)
		}
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code != 535 || !IsPermanent(err) {
		t.Errorf("err = %v; want a permanent 535", err)
	}
	if !strings.Contains(err.Error(), "auth as") {
		t.Errorf("err = %v; want it to say the step", err)
	}
	if log := srv.authLog(t); !strings.Contains(log, "tls=True fail") {
		t.Errorf("auth.log %q: want one failed login over TLS", log)
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	c := srv.client("")
	c.RootCAs = x509.NewCertPool() // trusts nothing, like a system pool would not trust our self-signed cert
	_, err := c.Send(context.Background(), reportMessage(t))
	if err == nil {
		t.Fatal("Send succeeded with an untrusted certificate")
	}
	if !IsPermanent(err) || !strings.Contains(err.Error(), "starttls") {
		t.Errorf("err = %v; want a permanent starttls certificate error", err)
	}
	if log := srv.authLog(t); log != "" {
		t.Errorf("credentials sent to an unverified server: %q", log)
	}
}

func TestSMTPRecipientRejectedIsPermanent(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	m := reportMessage(t)
	m.To = []string{"ciso@example.com", "reject-me@example.com"}
	calls := 0
	_, errs, err := WithRetry(context.Background(), 4, 10*time.Millisecond, func(ctx context.Context) (Receipt, error) {
		calls++
		return srv.client("").Send(ctx, m)
	})
	if err == nil {
		t.Fatal("Send succeeded with a rejected recipient")
	}
	if calls != 1 || len(errs) != 1 {
		t.Errorf("%d attempts, %d errors; a 550 must not be retried", calls, len(errs))
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code != 550 {
		t.Errorf("err = %v; want the 550", err)
	}
	if !strings.Contains(err.Error(), `rcpt "reject-me@example.com"`) {
		t.Errorf("err = %v; want it to name the recipient", err)
	}
	// All or nothing: the accepted first recipient got nothing either.
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestSMTPServerSizeLimit(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{maxSize: 50_000})
	_, err := srv.client("").Send(context.Background(), reportMessage(t))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "server SIZE") || !strings.Contains(err.Error(), "50000 bytes") {
		t.Fatalf("err = %v; want the server's SIZE named", err)
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

func TestSMTPContextCancelledDuringData(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{slow: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Time, 1)
	go func() {
		// Cancel once the client has logged in and is sending; the server
		// then sits on DATA for a minute, so only cancellation can end it.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && !strings.Contains(srv.authLog(t), "ok") {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		cancelled <- time.Now()
		cancel()
	}()
	_, err := srv.client("").Send(ctx, reportMessage(t))
	returned := time.Now()
	if !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Fatalf("err = %v; want a retryable context.Canceled", err)
	}
	if d := returned.Sub(<-cancelled); d > 2*time.Second {
		t.Errorf("Send returned %v after the cancel", d)
	}
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server stored %d messages", n)
	}
}

// blackhole accepts connections and never says a word, like a firewall
// that lets the SYN through to a dead service.
func blackhole(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestSMTPContextCancelledWhileWaitingForGreeting(t *testing.T) {
	port := blackhole(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	s := SMTP{Host: "127.0.0.1", Port: port, From: testFrom, Timeout: time.Minute}
	start := time.Now()
	_, err := s.Send(ctx, reportMessage(t))
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Send returned %v after cancel", elapsed)
	}
	if !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Errorf("err = %v; want a retryable context.Canceled", err)
	}
}

func TestSMTPTimeout(t *testing.T) {
	port := blackhole(t)
	s := SMTP{Host: "127.0.0.1", Port: port, From: testFrom, Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err := s.Send(context.Background(), reportMessage(t))
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Send took %v with a 300ms timeout", elapsed)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || IsPermanent(err) {
		t.Errorf("err = %v; want a retryable timeout", err)
	}
}

func TestSMTPConfigRefusals(t *testing.T) {
	m := Message{To: []string{"ciso@example.com"}, Subject: "x", Text: "x"}
	cases := []struct {
		name string
		s    SMTP
		want string
	}{
		{"none to a remote host", SMTP{Host: "mail.example.com", TLS: "none", From: testFrom}, "only allowed for a loopback host"},
		{"none to a name that is not localhost", SMTP{Host: "localhost.example.com", TLS: "none", From: testFrom}, "only allowed for a loopback host"},
		{"unknown mode", SMTP{Host: "mail.example.com", TLS: "ssl", From: testFrom}, "TLS mode"},
		{"no host", SMTP{From: testFrom}, "host"},
		{"bad port", SMTP{Host: "mail.example.com", Port: 70000, From: testFrom}, "port"},
		{"bad from", SMTP{Host: "mail.example.com", From: "reports"}, "from"},
		{"injected from", SMTP{Host: "mail.example.com", From: "a@example.com\r\nBcc: x@example.net"}, "from"},
		{"bad hello", SMTP{Host: "mail.example.com", From: testFrom, HelloName: "bad name\r\nMAIL FROM:<x@y.z>"}, "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Send(context.Background(), m)
			if !errors.Is(err, ErrRefused) || !IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want ErrRefused mentioning %q", err, tc.want)
			}
		})
	}
	// Loopback forms are fine for "none" (these fail to connect, not by policy).
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "[::1]", "127.1.2.3"} {
		if _, err := (SMTP{Host: h, TLS: "none", From: testFrom}).config(); err != nil {
			t.Errorf("host %q: %v", h, err)
		}
	}
}

func TestSMTPMessageTooLarge(t *testing.T) {
	s := SMTP{Host: "mail.invalid", From: testFrom, MaxBytes: 100_000}
	m := Message{To: []string{"ciso@example.com"}, Attachments: []Attachment{{Name: "big.bin", Data: make([]byte, 90_000)}}}
	_, err := s.Send(context.Background(), m) // refused before any dial: mail.invalid does not resolve
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "over the limit of 100000 bytes") {
		t.Fatalf("err = %v; want the encoded size refused", err)
	}
	m.Attachments[0].Data = make([]byte, 200_000)
	_, err = s.Send(context.Background(), m)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "200000 bytes") {
		t.Fatalf("err = %v; want the size named", err)
	}
}

func TestSMTPPasswordNotPrinted(t *testing.T) {
	s := SMTP{Host: "mail.example.com", Username: "u", Password: "hunter2-very-secret", From: testFrom}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("config", "smtp", s)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("config", "smtp", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), logBuf.String()} {
		if strings.Contains(out, s.Password) {
			t.Errorf("password printed: %s", out)
		}
	}
	if !strings.Contains(logBuf.String(), "mail.example.com") {
		t.Errorf("log lost the useful fields: %s", logBuf.String())
	}
}

func TestRedactKeepsPermanence(t *testing.T) {
	s := SMTP{Username: "u", Password: "hunter2-very-secret"}
	echo := fmt.Errorf("auth: %w", &textproto.Error{Code: 535, Msg: "bad password hunter2-very-secret"})
	err := s.redact(echo)
	if strings.Contains(err.Error(), s.Password) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("redact = %v", err)
	}
	if !IsPermanent(err) {
		t.Error("redacted 535 became retryable")
	}
	if err := s.redact(errors.New("421 try later")); err.Error() != "421 try later" || IsPermanent(err) {
		t.Errorf("clean error changed: %v", err)
	}
}
