package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// DefaultWebhookTimeout bounds one webhook request (connect, upload,
// response) when Webhook.Timeout is zero.
const DefaultWebhookTimeout = 2 * time.Minute

// Webhook POSTs a Message as multipart/form-data: a "meta" JSON part, then
// one "attachment" file part per attachment, in order.
type Webhook struct {
	URL string // https, or http only to a loopback host
	// Header is added to the request, e.g. an Authorization token. Values
	// are never logged or put in errors.
	Header   map[string]string
	Timeout  time.Duration // 0 means DefaultWebhookTimeout
	Client   *http.Client  // nil means a plain client; its redirects are policed either way
	MaxBytes int64         // request body limit; 0 means DefaultMaxBytes
}

// WebhookMeta is the JSON of the "meta" part.
type WebhookMeta struct {
	MessageID   string           `json:"message_id"`
	Subject     string           `json:"subject"`
	To          []string         `json:"to"` // bare addresses, no display names
	Text        string           `json:"text"`
	SentAt      time.Time        `json:"sent_at"`
	Attachments []AttachmentHash `json:"attachments"`
}

// StatusError is a non-2xx webhook answer.
type StatusError struct {
	Code int
	Body string // at most the first 512 bytes
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d %s: %q", e.Code, http.StatusText(e.Code), e.Body)
}

// permanent: a 4xx means the request itself is wrong (auth, URL, size) and
// will be wrong again, except timeout, too-early and rate limiting.
func (e *StatusError) permanent() bool {
	return e.Code >= 400 && e.Code < 500 &&
		e.Code != http.StatusRequestTimeout && e.Code != http.StatusTooEarly && e.Code != http.StatusTooManyRequests
}

const maxErrorBody = 512

// Webhook URLs often carry their secret in the path or query (Slack,
// Teams), so errors name only scheme and host.
func redactURL(u *url.URL) string {
	if u == nil {
		return "?"
	}
	return u.Scheme + "://" + u.Host
}

func checkWebhookURL(u *url.URL) error {
	switch {
	case u.Host == "":
		return fmt.Errorf("%w: webhook URL has no host", ErrRefused)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%w: plain http to non-loopback host %q; use https", ErrRefused, u.Hostname())
	default:
		return fmt.Errorf("%w: webhook URL scheme %q", ErrRefused, u.Scheme)
	}
}

// reservedHeaders are set by the request itself; letting configuration
// override them would corrupt the multipart body.
var reservedHeaders = map[string]bool{"Content-Type": true, "Content-Length": true, "Transfer-Encoding": true, "Host": true}

// Send POSTs m. Recipients are optional and only reported in meta.
func (w Webhook) Send(ctx context.Context, m Message) (Receipt, error) {
	u, err := url.Parse(w.URL)
	if err != nil {
		// url.Parse errors quote the whole URL, secret included.
		return Receipt{}, fmt.Errorf("delivery: webhook: %w: URL does not parse", ErrRefused)
	}
	target := redactURL(u)
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("delivery: webhook %s: %w", target, err)
	}
	if err := checkWebhookURL(u); err != nil {
		return fail(err)
	}
	for k, v := range w.Header {
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n\x00") {
			return fail(fmt.Errorf("%w: header %q is not a valid HTTP header", ErrRefused, k))
		}
		if reservedHeaders[textproto.CanonicalMIMEHeaderKey(k)] {
			return fail(fmt.Errorf("%w: header %q is set by the sender itself", ErrRefused, k))
		}
	}
	c, err := checkMessage(m, false)
	if err != nil {
		return fail(err)
	}
	limit := maxBytes(w.MaxBytes)
	if n := c.rawSize(); n > limit {
		return fail(sizeError("message", n, limit))
	}
	rcpt := Receipt{MessageID: newMessageID(defaultHelloName()), SentAt: now(), Attachments: hashAttachments(c.attachments)}
	body, contentType, err := renderForm(c, rcpt)
	if err != nil {
		return fail(fmt.Errorf("render: %w", err))
	}
	if n := int64(len(body)); n > limit {
		return fail(sizeError("request body", n, limit))
	}

	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fail(fmt.Errorf("%w: cannot build request", ErrRefused))
	}
	for k, v := range w.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", contentType)

	resp, err := w.client().Do(req)
	if err != nil {
		// *url.Error repeats the full URL; keep only what it wraps.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return fail(&StatusError{Code: resp.StatusCode, Body: string(head)})
	}
	// Drain a little so the connection can be reused; what the receiver
	// says on success does not matter.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return rcpt, nil
}

// client returns a copy of the configured client whose redirect policy
// keeps the URL rules (no downgrade to http elsewhere) and refuses
// redirects that would turn the POST into a body-less GET, which would
// otherwise "succeed" without delivering anything.
func (w Webhook) client() *http.Client {
	var c http.Client
	if w.Client != nil {
		c = *w.Client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkWebhookURL(req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", redactURL(req.URL), err)
		}
		if req.Method != http.MethodPost {
			code := 0
			if req.Response != nil {
				code = req.Response.StatusCode
			}
			return fmt.Errorf("%w: redirect with status %d would resend the report as %s without a body", ErrRefused, code, req.Method)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func renderForm(c *checked, r Receipt) ([]byte, string, error) {
	// Bare addresses: display names would come RFC 2047-encoded, which
	// is noise in JSON.
	to := make([]string, len(c.to))
	for i, a := range c.to {
		to[i] = a.Address
	}
	meta, err := json.Marshal(WebhookMeta{
		MessageID: r.MessageID, Subject: c.subject, To: to, Text: c.text,
		SentAt: r.SentAt, Attachments: r.Attachments,
	})
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="meta"`},
		"Content-Type":        {"application/json"},
	})
	if err != nil {
		return nil, "", err
	}
	if _, err := pw.Write(meta); err != nil {
		return nil, "", err
	}
	for _, a := range c.attachments {
		// RFC 7578 4.2: the file name goes in as UTF-8 in a quoted
		// string; filename* must not be used in form data. The name has
		// no control characters (checkMessage), so quoting is enough.
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {`form-data; name="attachment"; filename="` + quoteEscaper.Replace(a.Name) + `"`},
			"Content-Type":        {a.ContentType},
		})
		if err != nil {
			return nil, "", err
		}
		if _, err := pw.Write(a.Data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mime.FormatMediaType("multipart/form-data", map[string]string{"boundary": mw.Boundary()}), nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
