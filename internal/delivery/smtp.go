package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"
)

// TLS modes of SMTP.TLS.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS; required, never skipped
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, port 465)
	TLSNone     = "none"     // no TLS; only for a loopback host
)

// DefaultSMTPTimeout bounds a whole SMTP conversation (dial to QUIT) when
// SMTP.Timeout is zero. It is generous because it includes uploading up to
// DefaultMaxBytes over a slow uplink.
const DefaultSMTPTimeout = 5 * time.Minute

// SMTP sends a Message as one MIME email through an SMTP submission server.
// The zero TLS value means TLSStartTLS.
type SMTP struct {
	Host      string
	Port      int // 0: 587 for starttls, 465 for tls, 25 for none
	Username  string
	Password  string // never logged, never in an error
	From      string // e.g. "Posture <posture@example.com>"
	TLS       string
	Timeout   time.Duration  // whole conversation; 0 means DefaultSMTPTimeout
	RootCAs   *x509.CertPool // nil means the system roots
	HelloName string         // EHLO name; empty means this host's FQDN or "localhost"
	MaxBytes  int64          // encoded message limit; 0 means DefaultMaxBytes
}

// String keeps the password out of logs and fmt output.
func (s SMTP) String() string {
	pw := ""
	if s.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("SMTP{Host:%s Port:%d TLS:%s Username:%s Password:%s From:%s}", s.Host, s.Port, s.TLS, s.Username, pw, s.From)
}

// GoString is String: %#v must not print the password either.
func (s SMTP) GoString() string { return s.String() }

// LogValue keeps the password out of slog output.
func (s SMTP) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", s.Host), slog.Int("port", s.Port), slog.String("tls", s.TLS),
		slog.String("username", s.Username), slog.String("from", s.From))
}

type smtpConfig struct {
	mode    string
	addr    string // host:port, for dialing and for errors
	from    *mail.Address
	hello   string
	timeout time.Duration
	tls     *tls.Config
}

// config validates s without touching the network, so a bad configuration
// is refused (permanently) before anything is sent anywhere.
func (s SMTP) config() (smtpConfig, error) {
	c := smtpConfig{mode: strings.ToLower(strings.TrimSpace(s.TLS)), timeout: s.Timeout}
	if c.mode == "" {
		c.mode = TLSStartTLS
	}
	port := s.Port
	switch c.mode {
	case TLSStartTLS:
		port = orDefault(port, 587)
	case TLSImplicit:
		port = orDefault(port, 465)
	case TLSNone:
		port = orDefault(port, 25)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s.Host, "["), "]")
	c.addr = net.JoinHostPort(host, strconv.Itoa(port))
	switch c.mode {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return c, fmt.Errorf("%w: TLS mode %q (want %q, %q or %q)", ErrRefused, s.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if host == "" || strings.ContainsAny(host, " \t\r\n/") {
		return c, fmt.Errorf("%w: host %q", ErrRefused, s.Host)
	}
	if port < 1 || port > 65535 {
		return c, fmt.Errorf("%w: port %d", ErrRefused, port)
	}
	if c.mode == TLSNone && !isLoopbackHost(host) {
		return c, fmt.Errorf("%w: TLS %q is only allowed for a loopback host, not %q: credentials and reports would cross the network in the clear", ErrRefused, TLSNone, host)
	}
	from, err := parseAddress(s.From)
	if err != nil {
		return c, fmt.Errorf("%w: from %q: %w", ErrRefused, s.From, err)
	}
	c.from = from
	c.hello = s.HelloName
	if c.hello == "" {
		c.hello = defaultHelloName()
	}
	if !isDomain(c.hello) && !isAddressLiteral(c.hello) {
		return c, fmt.Errorf("%w: hello name %q is neither a host name nor an [address] literal", ErrRefused, c.hello)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultSMTPTimeout
	}
	c.tls = &tls.Config{ServerName: host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	return c, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// defaultHelloName is this host's name when it is a FQDN; many servers
// reject a bare or invalid EHLO name, and "localhost" is what net/smtp
// would say anyway.
func defaultHelloName() string {
	if h, err := os.Hostname(); err == nil && isDomain(h) {
		return h
	}
	return "localhost"
}

func isAddressLiteral(s string) bool {
	return strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && net.ParseIP(s[1:len(s)-1]) != nil
}

// Send delivers m to every recipient or to none: a rejected recipient
// aborts before DATA. The returned error never contains the password.
func (s SMTP) Send(ctx context.Context, m Message) (r Receipt, err error) {
	cfg, err := s.config()
	if err != nil {
		return Receipt{}, fmt.Errorf("delivery: smtp %s: %w", cfg.addr, err)
	}
	defer func() {
		if err != nil {
			err = s.redact(fmt.Errorf("delivery: smtp %s: %w", cfg.addr, err))
		}
	}()
	c, err := checkMessage(m, true)
	if err != nil {
		return Receipt{}, err
	}
	limit := maxBytes(s.MaxBytes)
	if n := c.rawSize(); n > limit {
		return Receipt{}, sizeError("message", n, limit)
	}
	date := now()
	domain := cfg.from.Address[strings.LastIndexByte(cfg.from.Address, '@')+1:]
	id := newMessageID(domain)
	raw, err := renderMIME(cfg.from, c, id, date)
	if err != nil {
		return Receipt{}, fmt.Errorf("render: %w", err)
	}
	if n := int64(len(raw)); n > limit {
		return Receipt{}, sizeError("encoded message", n, limit)
	}
	if err := s.deliver(ctx, cfg, c, raw); err != nil {
		return Receipt{}, err
	}
	return Receipt{MessageID: id, SentAt: date, Attachments: hashAttachments(c.attachments)}, nil
}

func (s SMTP) deliver(ctx context.Context, cfg smtpConfig, c *checked, msg []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.Now().Add(cfg.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	// "localhost" could be mapped anywhere; check where we actually are.
	if cfg.mode == TLSNone {
		if ta, ok := conn.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
			return fmt.Errorf("%w: TLS %q but connected to non-loopback %s", ErrRefused, TLSNone, conn.RemoteAddr())
		}
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	// net/smtp takes no context: when ctx ends, a deadline in the past
	// makes whatever read or write is blocked fail at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}()

	var nc net.Conn = conn
	if cfg.mode == TLSImplicit {
		tc := tls.Client(conn, cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		nc = tc
	}
	client, err := smtp.NewClient(nc, cfg.tls.ServerName)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	defer client.Close()
	if err := client.Hello(cfg.hello); err != nil {
		return fmt.Errorf("ehlo: %w", err)
	}
	if cfg.mode == TLSStartTLS {
		if ok, _ := client.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w: server does not offer STARTTLS; not sending credentials or reports in the clear (use TLS %q if it speaks implicit TLS)", ErrRefused, TLSImplicit)
		}
		// StartTLS verifies the certificate against RootCAs and Host and
		// repeats EHLO over TLS, so later extensions are the trusted ones.
		if err := client.StartTLS(cfg.tls); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.Username != "" {
		if ok, _ := client.Extension("AUTH"); !ok {
			return fmt.Errorf("%w: server offers no AUTH but a username is configured", ErrRefused)
		}
		// PlainAuth itself refuses an unencrypted connection unless the
		// server name is localhost, a second lock on the policy above.
		if err := client.Auth(smtp.PlainAuth("", s.Username, s.Password, cfg.tls.ServerName)); err != nil {
			return fmt.Errorf("auth as %q: %w", s.Username, err)
		}
	}
	if ok, p := client.Extension("SIZE"); ok {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil && n > 0 && int64(len(msg)) > n {
			return fmt.Errorf("server SIZE: %w", sizeError("encoded message", int64(len(msg)), n))
		}
	}
	if err := client.Mail(cfg.from.Address); err != nil {
		return fmt.Errorf("mail from %q: %w", cfg.from.Address, err)
	}
	for _, a := range c.to {
		if err := client.Rcpt(a.Address); err != nil {
			return fmt.Errorf("rcpt %q: %w", a.Address, err)
		}
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// Close sends the final dot and returns the server's verdict on the
	// message: only after this is it accepted.
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// The message is accepted; a failed QUIT changes nothing about that.
	_ = client.Quit()
	return nil
}

// redact is the last guard for the promise that the password never
// appears in an error, whatever a server chooses to echo back. The error
// keeps its permanence so retries behave the same.
func (s SMTP) redact(err error) error {
	if s.Password == "" {
		return err
	}
	msg := err.Error()
	secrets := []string{
		s.Password,
		base64.StdEncoding.EncodeToString([]byte("\x00" + s.Username + "\x00" + s.Password)),
		base64.StdEncoding.EncodeToString([]byte(s.Password)),
	}
	found := false
	for _, sec := range secrets {
		if strings.Contains(msg, sec) {
			msg = strings.ReplaceAll(msg, sec, "[redacted]")
			found = true
		}
	}
	if !found {
		return err
	}
	return &redactedError{msg: msg, perm: IsPermanent(err)}
}

type redactedError struct {
	msg  string
	perm bool
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) permanent() bool { return e.perm }
