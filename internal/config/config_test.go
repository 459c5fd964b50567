package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
)

type nopCollector struct{}

func (nopCollector) Kind() string    { return "nop-config-test" }
func (nopCollector) Version() string { return "1" }
func (nopCollector) Collect(context.Context, collectors.Source, collectors.Sink) error {
	return nil
}

func init() { collectors.Register(nopCollector{}) }

func TestLoadResolvesPathsAndDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "posture.yaml")
	os.WriteFile(path, []byte(`
addr: ":9090"
freshness: 14d
sources:
  - name: specs
    kind: nop-config-test
    paths: [specs/, /abs/file.yaml]
    schedule: "@every 30m"
    timeout: 2m
  - name: repo
    kind: nop-config-test
    paths: [specs, api/openapi.yaml]
    options: {git: "https://git.example.com/payments.git", git_ref: main}
  - name: remote
    kind: nop-config-test
    paths: ["https://api.example.com/openapi.json"]
`), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9090" || time.Duration(c.Freshness) != 14*24*time.Hour || c.Thresholds.Basic != 80 {
		t.Fatalf("config = %+v", c)
	}
	s := c.Sources[0]
	if s.Paths[0] != filepath.Join(dir, "specs") || s.Paths[1] != "/abs/file.yaml" || time.Duration(s.Timeout) != 2*time.Minute {
		t.Fatalf("source = %+v", s)
	}
	// Paths in a git repository and URLs are not paths on this machine.
	if p := c.Sources[1].Paths; p[0] != "specs" || p[1] != "api/openapi.yaml" {
		t.Errorf("git source paths = %q, want them as written", p)
	}
	if p := c.Sources[2].Paths; p[0] != "https://api.example.com/openapi.json" {
		t.Errorf("URL source paths = %q", p)
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	c, err := Parse([]byte(""))
	if err != nil || c.Addr != ":8080" {
		t.Fatalf("c=%+v err=%v", c, err)
	}
}

func TestErrorsNameTheFieldAndLine(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"typo field":      {"adr: x\n", "line 1: field adr not found"},
		"bad duration":    {"freshness: soon\n", `line 1: invalid duration "soon"`},
		"unknown kind":    {"sources:\n  - name: a\n    kind: nope\n    paths: [x]\n", `sources[0] (a).kind: unknown collector kind "nope"`},
		"bad schedule":    {"sources:\n  - name: a\n    kind: nop-config-test\n    paths: [x]\n    schedule: sometimes\n", `sources[0] (a).schedule: "sometimes" is neither`},
		"duplicate":       {"sources:\n  - {name: a, kind: nop-config-test, paths: [x]}\n  - {name: a, kind: nop-config-test, paths: [y]}\n", "sources[1] (a).name: duplicate"},
		"no paths":        {"sources:\n  - {name: a, kind: nop-config-test}\n", "sources[0] (a).paths: at least one"},
		"bad name":        {"sources:\n  - {name: 'a b/c', kind: nop-config-test, paths: [x]}\n", "must be 1-100 letters"},
		"anonymous admin": {"auth: {anonymous_role: admin}\n", `anonymous_role: "admin" is not allowed`},
		"bad sla":         {"sla_days: {urgent: 1}\n", `unknown severity "urgent"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	for in, want := range map[string]Schedule{
		"@every 15m":    {Every: 15 * time.Minute},
		"every 2h":      {Every: 2 * time.Hour},
		"every 1d":      {Every: 24 * time.Hour},
		"0 */6 * * *":   {Cron: "0 */6 * * *"},
		"0 0 */6 * * *": {Cron: "0 0 */6 * * *", WithSeconds: true},
		"@daily":        {Cron: "@daily"},
	} {
		got, err := ParseSchedule(in)
		if err != nil || got != want {
			t.Errorf("ParseSchedule(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "every", "every 10ms", "* *", "@fortnightly"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}
