package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // schedules name time zones; a minimal image has no zoneinfo
)

// Reports configures scheduled report delivery.
type Reports struct {
	SMTP      SMTP             `yaml:"smtp"`
	Schedules []ReportSchedule `yaml:"schedules"`
}

// SMTP is the mail server reports are sent through. The password never
// sits in the config file: it comes from an environment variable or a
// file (a mounted secret).
type SMTP struct {
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	From         string `yaml:"from"`
	// TLS: "starttls" (default; required, not opportunistic), "tls"
	// (implicit, port 465) or "none" (loopback relays only).
	TLS string `yaml:"tls"`
}

// Password reads the SMTP password from where the config says.
func (s SMTP) Password() (string, error) {
	switch {
	case s.PasswordEnv != "":
		v, ok := os.LookupEnv(s.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("reports.smtp.password_env: %s is not set", s.PasswordEnv)
		}
		return v, nil
	case s.PasswordFile != "":
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("reports.smtp.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

// ReportSchedule is one scheduled report.
type ReportSchedule struct {
	Name     string `yaml:"name"`
	Cron     string `yaml:"cron"`     // 5-field cron or @daily, @weekly...
	TimeZone string `yaml:"timezone"` // IANA name, default UTC
	// Scope: Team or API, or neither for the whole portfolio.
	Team string `yaml:"team"`
	API  string `yaml:"api"`
	// Formats: pdf, xlsx, oscal, csv (default pdf). Kind is the PDF's:
	// executive (default) or auditor.
	Formats    []string `yaml:"formats"`
	Kind       string   `yaml:"kind"`
	Recipients []string `yaml:"recipients"`
	Webhook    string   `yaml:"webhook"`
	Directory  string   `yaml:"directory"`
}

// ReportFormats are the formats a report can be rendered in.
var ReportFormats = []string{"pdf", "xlsx", "oscal", "csv"}

// ValidateReportSchedule checks one schedule (from the config file or the
// API), naming the field at fault.
func ValidateReportSchedule(s ReportSchedule) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !nameRE.MatchString(s.Name) {
		bad("name: %q must be 1-100 letters, digits, '.', '_' or '-'", s.Name)
	}
	sched, err := ParseSchedule(s.Cron)
	switch {
	case err != nil:
		bad("cron: %v", err)
	case sched.Every > 0:
		bad("cron: %q: reports run on a calendar (\"0 7 * * 1\", \"@weekly\"), not at an interval", s.Cron)
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			bad("timezone: %q is not an IANA time zone (\"Europe/Paris\")", s.TimeZone)
		}
	}
	if s.Team != "" && s.API != "" {
		bad("team and api: a report covers a team or an API, not both")
	}
	for _, f := range s.Formats {
		if !slices.Contains(ReportFormats, f) {
			bad("formats: %q is not one of %s", f, strings.Join(ReportFormats, ", "))
		}
	}
	switch s.Kind {
	case "", "executive", "auditor":
	default:
		bad("kind: %q (use executive or auditor)", s.Kind)
	}
	for _, r := range s.Recipients {
		if a, err := mail.ParseAddress(r); err != nil || a.Name != "" || strings.ContainsAny(r, "\r\n") {
			bad("recipients: %q is not a plain e-mail address", r)
		}
	}
	if s.Webhook != "" {
		u, err := url.Parse(s.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("webhook: %q is not an http(s) URL", s.Webhook)
		}
	}
	if len(s.Recipients) == 0 && s.Webhook == "" && s.Directory == "" {
		bad("a schedule needs somewhere to deliver: recipients, webhook or directory")
	}
	return errs
}

func (c *Config) validateReports() []error {
	var errs []error
	r := c.Reports
	if r.SMTP.Host != "" {
		if r.SMTP.Port < 0 || r.SMTP.Port > 65535 {
			errs = append(errs, fmt.Errorf("reports.smtp.port: %d is not a port", r.SMTP.Port))
		}
		if _, err := mail.ParseAddress(r.SMTP.From); err != nil {
			errs = append(errs, fmt.Errorf("reports.smtp.from: %q: %v", r.SMTP.From, err))
		}
		switch r.SMTP.TLS {
		case "", "starttls", "tls", "none":
		default:
			errs = append(errs, fmt.Errorf("reports.smtp.tls: %q (use starttls, tls or none)", r.SMTP.TLS))
		}
		if r.SMTP.PasswordEnv != "" && r.SMTP.PasswordFile != "" {
			errs = append(errs, fmt.Errorf("reports.smtp: password_env and password_file: set one"))
		}
	}
	seen := map[string]bool{}
	for i, s := range r.Schedules {
		where := fmt.Sprintf("reports.schedules[%d]", i)
		if s.Name != "" {
			where = fmt.Sprintf("reports.schedules[%d] (%s)", i, s.Name)
		}
		for _, err := range ValidateReportSchedule(s) {
			errs = append(errs, fmt.Errorf("%s.%w", where, err))
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("%s.name: duplicate schedule name", where))
		}
		seen[s.Name] = true
		if len(s.Recipients) > 0 && r.SMTP.Host == "" {
			errs = append(errs, fmt.Errorf("%s.recipients: e-mail needs reports.smtp.host", where))
		}
	}
	return errs
}
