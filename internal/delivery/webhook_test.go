package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type receivedHook struct {
	header http.Header
	meta   WebhookMeta
	files  []parsedFile
	err    error
}

// hookServer records one parsed request per call, using only the stdlib
// multipart reader.
func hookServer(t *testing.T, tlsServer bool, status int) (*httptest.Server, func() []receivedHook) {
	t.Helper()
	var mu sync.Mutex
	var got []receivedHook
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := receivedHook{header: r.Header.Clone()}
		rec.err = func() error {
			if r.Method != http.MethodPost {
				return errors.New("method " + r.Method)
			}
			mr, err := r.MultipartReader()
			if err != nil {
				return err
			}
			for i := 0; ; i++ {
				p, err := mr.NextPart()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				data, err := io.ReadAll(p)
				if err != nil {
					return err
				}
				if i == 0 {
					if p.FormName() != "meta" || p.Header.Get("Content-Type") != "application/json" {
						return errors.New("first part is not meta")
					}
					if err := json.Unmarshal(data, &rec.meta); err != nil {
						return err
					}
					continue
				}
				if p.FormName() != "attachment" {
					return errors.New("part " + p.FormName())
				}
				rec.files = append(rec.files, parsedFile{name: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data})
			}
		}()
		mu.Lock()
		got = append(got, rec)
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.Repeat("x", 2000)))
	})
	var srv *httptest.Server
	if tlsServer {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, func() []receivedHook {
		mu.Lock()
		defer mu.Unlock()
		return append([]receivedHook(nil), got...)
	}
}

func checkHook(t *testing.T, got []receivedHook, m Message, r Receipt) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	g := got[0]
	if g.err != nil {
		t.Fatalf("server could not parse the request: %v", g.err)
	}
	if g.header.Get("Authorization") != "Bearer hook-token" {
		t.Errorf("Authorization header = %q", g.header.Get("Authorization"))
	}
	if g.meta.Subject != m.Subject || g.meta.MessageID != r.MessageID || !g.meta.SentAt.Equal(r.SentAt) || g.meta.Text != m.Text {
		t.Errorf("meta = %+v, receipt %+v", g.meta, r)
	}
	if len(g.meta.To) != 2 || g.meta.To[0] != "ciso@example.com" || g.meta.To[1] != "security-team@example.org" {
		t.Errorf("meta.to = %v", g.meta.To)
	}
	if len(g.files) != len(m.Attachments) || len(g.meta.Attachments) != len(m.Attachments) {
		t.Fatalf("%d files, %d hashes in meta, want %d", len(g.files), len(g.meta.Attachments), len(m.Attachments))
	}
	for i, a := range m.Attachments {
		f, h := g.files[i], g.meta.Attachments[i]
		if f.name != a.Name || f.contentType != a.ContentType {
			t.Errorf("file %d: %q %q, want %q %q", i, f.name, f.contentType, a.Name, a.ContentType)
		}
		if sha(f.data) != h.SHA256 || h.SHA256 != r.Attachments[i].SHA256 || h.Size != int64(len(a.Data)) || sha(f.data) != sha(a.Data) {
			t.Errorf("file %d: received sha256 %s, meta %s, receipt %s, sent %s", i, sha(f.data), h.SHA256, r.Attachments[i].SHA256, sha(a.Data))
		}
	}
}

func TestWebhookLoopbackHTTP(t *testing.T) {
	srv, got := hookServer(t, false, http.StatusNoContent)
	m := reportMessage(t)
	m.Attachments = append(m.Attachments, Attachment{Name: `quote "and" semi;colon=.csv`, ContentType: "text/csv", Data: []byte("a,b\n")})
	w := Webhook{URL: srv.URL + "/hooks/x", Header: map[string]string{"Authorization": "Bearer hook-token"}}
	r, err := w.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkHook(t, got(), m, r)
}

func TestWebhookHTTPS(t *testing.T) {
	srv, got := hookServer(t, true, http.StatusOK)
	m := reportMessage(t)
	w := Webhook{URL: srv.URL, Header: map[string]string{"Authorization": "Bearer hook-token"}, Client: srv.Client()}
	r, err := w.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkHook(t, got(), m, r)
}

func TestWebhookNon2xx(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{500, false}, {503, false}, {429, false}, {408, false}, {401, true}, {404, true}, {413, true}} {
		srv, _ := hookServer(t, false, tc.status)
		w := Webhook{URL: srv.URL + "/hooks/T0SECRETPATH?token=QUERYSECRET", Header: map[string]string{"Authorization": "Bearer HEADERSECRET"}}
		_, err := w.Send(context.Background(), Message{Subject: "x", Attachments: []Attachment{{Name: "a.txt", Data: []byte("a")}}})
		var se *StatusError
		if !errors.As(err, &se) || se.Code != tc.status {
			t.Fatalf("status %d: err = %v", tc.status, err)
		}
		if len(se.Body) != maxErrorBody {
			t.Errorf("status %d: body of %d bytes in the error, want the first %d", tc.status, len(se.Body), maxErrorBody)
		}
		if IsPermanent(err) != tc.permanent {
			t.Errorf("status %d: IsPermanent = %v", tc.status, IsPermanent(err))
		}
		for _, secret := range []string{"T0SECRETPATH", "QUERYSECRET", "HEADERSECRET"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks %s: %v", secret, err)
			}
		}
	}
}

func TestWebhookRefusals(t *testing.T) {
	m := Message{Attachments: []Attachment{{Name: "a.txt", Data: []byte("a")}}}
	for name, w := range map[string]Webhook{
		"http to a remote host":  {URL: "http://hooks.example.com/x"},
		"http to localhost.evil": {URL: "http://localhost.example.com/x"},
		"other scheme":           {URL: "ftp://hooks.example.com/x"},
		"no host":                {URL: "https:///x"},
		"unparsable":             {URL: "https://exa mple.com/%zz"},
		"CRLF in header":         {URL: "https://hooks.example.com/x", Header: map[string]string{"X-Token": "a\r\nX-Evil: 1"}},
		"bad header name":        {URL: "https://hooks.example.com/x", Header: map[string]string{"X Token": "a"}},
		"content type override":  {URL: "https://hooks.example.com/x", Header: map[string]string{"content-type": "text/plain"}},
	} {
		_, err := w.Send(context.Background(), m)
		if !errors.Is(err, ErrRefused) || !IsPermanent(err) {
			t.Errorf("%s: err = %v; want ErrRefused", name, err)
		}
	}
	_, err := Webhook{URL: "https://hooks.example.com/x", MaxBytes: 1000}.Send(context.Background(),
		Message{Attachments: []Attachment{{Name: "big.bin", Data: make([]byte, 900)}}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "over the limit of 1000 bytes") {
		t.Errorf("size: err = %v", err)
	}
}

func TestWebhookRedirects(t *testing.T) {
	final, got := hookServer(t, false, http.StatusOK)
	mux := http.NewServeMux()
	mux.Handle("/found", http.RedirectHandler(final.URL, http.StatusFound))
	mux.Handle("/permanent", http.RedirectHandler(final.URL+"/moved", http.StatusPermanentRedirect))
	mux.Handle("/downgrade", http.RedirectHandler("http://hooks.example.com/x", http.StatusTemporaryRedirect))
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	m := Message{Subject: "x", Attachments: []Attachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("a")}}}

	// 302 would turn the POST into a GET without the report.
	if _, err := (Webhook{URL: front.URL + "/found"}).Send(context.Background(), m); !errors.Is(err, ErrRefused) {
		t.Errorf("302: err = %v; want ErrRefused", err)
	}
	// A 307 to plain http elsewhere would leak the report.
	if _, err := (Webhook{URL: front.URL + "/downgrade"}).Send(context.Background(), m); !errors.Is(err, ErrRefused) {
		t.Errorf("downgrade: err = %v; want ErrRefused", err)
	}
	if n := len(got()); n != 0 {
		t.Fatalf("refused redirects still delivered %d requests", n)
	}
	// 308 keeps the POST and its body: fine.
	if _, err := (Webhook{URL: front.URL + "/permanent"}).Send(context.Background(), m); err != nil {
		t.Errorf("308: %v", err)
	}
	if g := got(); len(g) != 1 || g[0].err != nil || len(g[0].files) != 1 {
		t.Errorf("308: received %+v", g)
	}
}

func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	start := time.Now()
	_, err := Webhook{URL: srv.URL, Timeout: 200 * time.Millisecond}.Send(context.Background(),
		Message{Attachments: []Attachment{{Name: "a.txt", Data: []byte("a")}}})
	if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Errorf("err = %v; want a retryable deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}
