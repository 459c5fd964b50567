package reporting_test

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/delivery"
	"github.com/posture-dev/posture/internal/delivery/smtptest"
	"github.com/posture-dev/posture/internal/store"
)

// End to end: a schedule fires on its own (a cron with seconds), the
// report is rendered, archived and e-mailed through STARTTLS and AUTH to
// a real SMTP server on loopback; the message read back with net/mail and
// mime/multipart carries every attachment byte for byte (the SHA-256 the
// delivery archived), and the body names the evidence chain head.
func TestScheduledReportArrivesByEmail(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := newService(t)
	s.Mail = delivery.SMTP{Host: "127.0.0.1", Port: srv.Port, Username: smtptest.User, Password: smtptest.Password,
		From: "posture <reports@posture.example.com>", RootCAs: srv.Pool, Timeout: 30 * time.Second}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, []config.ReportSchedule{{Name: "ciso-weekly", Cron: "*/1 * * * * *", TimeZone: "Europe/Paris",
		Formats: []string{"pdf", "xlsx"}, Recipients: []string{"ciso@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var d store.ReportDelivery
	var files []store.ReportFile
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && len(srv.Messages(t)) == 0 {
		time.Sleep(200 * time.Millisecond)
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	for _, x := range deliveries(t, s) {
		if x.Status == store.DeliverySucceeded {
			d, files = x.ReportDelivery, x.Files
			break
		}
	}
	msgs := srv.Messages(t)
	if d.ID == 0 || len(msgs) == 0 {
		t.Fatalf("no delivery (%+v) or no message (%d) within 60s", deliveries(t, s), len(msgs))
	}
	raw, err := os.ReadFile(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if to, _ := m.Header.AddressList("To"); len(to) != 1 || to[0].Address != "ciso@example.com" {
		t.Errorf("To %v", to)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.HasPrefix(subject, "posture report: all APIs as of ") {
		t.Errorf("subject %q", subject)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{} // file name -> sha256 of the bytes received
	var text string
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.FileName() == "" {
			text = string(b)
			continue
		}
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))))
		if err != nil {
			t.Fatalf("%s: %v", p.FileName(), err)
		}
		got[p.FileName()] = sum(data)
	}
	if len(files) != 2 || len(got) != 2 {
		t.Fatalf("archived %d files, received %d attachments; want 2 and 2", len(files), len(got))
	}
	for _, f := range files {
		if got[f.Name] != f.ArtifactSHA256 {
			t.Errorf("%s: received sha256 %s, archived %s", f.Name, got[f.Name], f.ArtifactSHA256)
		}
		if !strings.Contains(text, f.ArtifactSHA256) {
			t.Errorf("the text does not list %s's sha256", f.Name)
		}
	}
	if !strings.Contains(text, "Evidence chain head: #") {
		t.Errorf("the text does not name the chain head:\n%s", text)
	}
}
