package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportsConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "posture.yaml")
	os.WriteFile(path, []byte(`
reports:
  smtp:
    host: smtp.example.com
    port: 587
    username: posture
    password_env: POSTURE_TEST_SMTP_PASSWORD
    from: "posture <posture@example.com>"
  schedules:
    - name: ciso-weekly
      cron: "0 7 * * 1"
      timezone: Europe/Paris
      formats: [pdf, xlsx]
      recipients: [ciso@example.com]
    - name: drop
      cron: "@monthly"
      team: payments
      directory: out/reports
`), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Reports.Schedules) != 2 || c.Reports.Schedules[1].Directory != filepath.Join(dir, "out/reports") {
		t.Fatalf("schedules %+v: the directory is relative to the config file", c.Reports.Schedules)
	}
	t.Setenv("POSTURE_TEST_SMTP_PASSWORD", "from-env")
	if pw, err := c.Reports.SMTP.Password(); err != nil || pw != "from-env" {
		t.Errorf("password %q, %v", pw, err)
	}
	os.Unsetenv("POSTURE_TEST_SMTP_PASSWORD")
	if _, err := c.Reports.SMTP.Password(); err == nil || strings.Contains(err.Error(), "from-env") {
		t.Errorf("an unset password variable: %v", err)
	}
}

// Every mistake is named with the schedule and the field.
func TestReportScheduleErrors(t *testing.T) {
	_, err := Parse([]byte(`
reports:
  schedules:
    - name: a
      cron: "@every 1h"
      timezone: Mars/Olympus
      team: x
      api: y
      formats: [docx]
      kind: summary
      recipients: ["Bob <bob@example.com>"]
      webhook: "ftp://x"
    - name: a
      cron: "0 7 * * 1"
`))
	if err == nil {
		t.Fatal("a schedule full of mistakes was accepted")
	}
	for _, want := range []string{
		"reports.schedules[0] (a).cron", "timezone", "team and api", `formats: "docx"`, `kind: "summary"`,
		"recipients", "webhook", "e-mail needs reports.smtp.host", "reports.schedules[1] (a).name: duplicate",
		"somewhere to deliver",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
