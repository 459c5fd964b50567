package delivery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"
)

// DefaultMaxBytes bounds a whole encoded message (headers, text and base64
// attachments) when a sender sets no MaxBytes. 25 MiB is what most
// providers accept; reports larger than that belong in a download link.
const DefaultMaxBytes int64 = 25 << 20

// Sender delivers one message and says what was delivered.
type Sender interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

var (
	_ Sender = SMTP{}
	_ Sender = Webhook{}
	_ Sender = Directory{}
)

// Attachment is one file of a report.
type Attachment struct {
	Name        string // file name shown to the recipient; no control characters or path separators
	ContentType string // MIME type; empty means application/octet-stream
	Data        []byte
}

// Message is one delivery: the same message goes to every recipient.
type Message struct {
	To          []string // RFC 5322 addresses, e.g. "CISO <ciso@example.com>"
	Subject     string
	Text        string // plain-text body, UTF-8
	Attachments []Attachment
}

// AttachmentHash identifies exactly what was delivered, so a caller can
// record it as evidence and a recipient can check the file they received.
type AttachmentHash struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"` // lower-case hex
	Size   int64  `json:"size"`
	// Path is where Directory wrote the file (the name may carry a -N
	// suffix or be sanitised); empty for the other senders.
	Path string `json:"path,omitempty"`
}

// Receipt is what a successful Send returns.
type Receipt struct {
	// MessageID includes the angle brackets, e.g. "<3f…@example.com>",
	// exactly as in the Message-ID header, so it matches bounces.
	MessageID string `json:"message_id"`
	// SentAt is the time written into the message (Date header, webhook
	// meta sent_at): UTC, whole seconds.
	SentAt      time.Time        `json:"sent_at"`
	Attachments []AttachmentHash `json:"attachments"`
}

// ErrRefused marks a configuration the package will not act on because it
// would break the security policy (plaintext to a non-loopback host, a
// server that does not offer STARTTLS, an http webhook...). Retrying does
// not help.
var ErrRefused = errors.New("refused")

// ErrInvalid marks a message that cannot be sent as given (bad address,
// header injection, too large). Retrying does not help.
var ErrInvalid = errors.New("invalid message")

// IsPermanent reports whether retrying err cannot succeed: a refused
// configuration or invalid message, a 5xx SMTP reply, a server certificate
// that does not verify, or a webhook 4xx other than 408/425/429.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrRefused) || errors.Is(err, ErrInvalid) {
		return true
	}
	var perm interface{ permanent() bool }
	if errors.As(err, &perm) && perm.permanent() {
		return true
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return true
	}
	// An untrusted or mismatched certificate will be just as untrusted on
	// the next attempt; retrying only repeats the handshake.
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}

// isLoopbackHost reports whether host (a name or IP literal, no port) is
// certainly this machine. Only "localhost" is trusted by name: any other
// name could resolve anywhere.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newMessageID returns "<32 hex digits@domain>"; 128 random bits make
// collisions irrelevant without keeping any state.
func newMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	if !isDomain(domain) {
		domain = "posture.invalid"
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

func hashAttachments(atts []Attachment) []AttachmentHash {
	out := make([]AttachmentHash, 0, len(atts))
	for _, a := range atts {
		sum := sha256.Sum256(a.Data)
		out = append(out, AttachmentHash{Name: a.Name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(a.Data))})
	}
	return out
}

// now is the clock, truncated to the second because that is all a Date
// header carries and the Receipt must equal what the recipient sees.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

// sizeError names both sizes so the operator sees by how much it is over.
func sizeError(what string, size, limit int64) error {
	return fmt.Errorf("%w: %s is %d bytes (%s), over the limit of %d bytes (%s)",
		ErrInvalid, what, size, humanBytes(size), limit, humanBytes(limit))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func maxBytes(configured int64) int64 {
	if configured > 0 {
		return configured
	}
	return DefaultMaxBytes
}
