// Package config loads posture.yaml: the server's settings and the sources
// the scheduler collects. Errors surface at start-up, naming the file, the
// line and the field, never at 3 a.m. when a job fires.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
)

// Config is the whole file.
type Config struct {
	Addr       string         `yaml:"addr"`
	DB         string         `yaml:"db"`
	Freshness  Duration       `yaml:"freshness"`
	Thresholds Thresholds     `yaml:"thresholds"`
	SLADays    map[string]int `yaml:"sla_days"`
	Auth       Auth           `yaml:"auth"`
	Sources    []Source       `yaml:"sources"`
	Reports    Reports        `yaml:"reports"`
	// Dir is the directory of the config file; relative source paths are
	// resolved against it.
	Dir string `yaml:"-"`
}

// Thresholds for maturity levels, 0-100.
type Thresholds struct {
	Basic    float64 `yaml:"basic"`
	Advanced float64 `yaml:"advanced"`
}

// Auth settings.
type Auth struct {
	// AnonymousRole is the role of requests without credentials: "" (none:
	// log in), "viewer" or "auditor". The demo uses "auditor".
	AnonymousRole string   `yaml:"anonymous_role"`
	SessionTTL    Duration `yaml:"session_ttl"`
	// AdminTokenFile names a file holding an admin token to accept
	// (created on start if the token is not known yet): how a fresh
	// deployment gets its first credential without a secret in the config.
	AdminTokenFile string `yaml:"admin_token_file"`
}

// Source is one configured source.
type Source struct {
	Name       string            `yaml:"name"`
	Kind       string            `yaml:"kind"`
	Paths      []string          `yaml:"paths"`
	API        string            `yaml:"api"`
	Owner      string            `yaml:"owner"`
	APIMap     map[string]string `yaml:"api_map"`
	Schedule   string            `yaml:"schedule"`
	Timeout    Duration          `yaml:"timeout"`
	RunAtStart bool              `yaml:"run_at_start"`
	Options    map[string]string `yaml:"options"`
	// FS, when set, is read instead of the OS (the demo's embedded data).
	FS fs.FS `yaml:"-"`
}

// Collector returns the collector's view of the source.
func (s Source) Collector() collectors.Source {
	return collectors.Source{Name: s.Name, Kind: s.Kind, Paths: s.Paths, FS: s.FS, API: s.API, APIMap: s.APIMap, Owner: s.Owner, Options: s.Options}
}

// Duration is a time.Duration written as "30m", "720h" or "30d".
type Duration time.Duration

// UnmarshalYAML accepts Go durations plus a "d" (days) suffix.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// ParseDuration parses "90s", "15m", "2h", "30d".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err != nil || days < 0 || fmt.Sprintf("%dd", days) != s {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use e.g. 90s, 15m, 2h, 30d)", s)
	}
	return v, nil
}

// Default returns the settings used without a config file.
func Default() *Config {
	return &Config{
		Addr:       ":8080",
		Freshness:  Duration(30 * 24 * time.Hour),
		Thresholds: Thresholds{Basic: 80, Advanced: 80},
		Auth:       Auth{SessionTTL: Duration(12 * time.Hour)},
	}
}

// maxConfigBytes bounds the config file; a real one is a few KB.
const maxConfigBytes = 4 << 20

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("config: %s: larger than %d bytes", path, maxConfigBytes)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.Dir = filepath.Dir(abs)
	for i := range c.Sources {
		if c.Sources[i].Options["git"] != "" {
			continue // paths inside the repository, not on this machine
		}
		for j, p := range c.Sources[i].Paths {
			if !filepath.IsAbs(p) && !strings.Contains(p, "://") {
				c.Sources[i].Paths[j] = filepath.Join(c.Dir, p)
			}
		}
	}
	for i, rs := range c.Reports.Schedules {
		if rs.Directory != "" && !filepath.IsAbs(rs.Directory) {
			c.Reports.Schedules[i].Directory = filepath.Join(c.Dir, rs.Directory)
		}
	}
	return c, nil
}

// Parse decodes and validates config YAML (strictly: an unknown field is
// an error, so a typo does not silently disable a setting).
func Parse(data []byte) (*Config, error) {
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes as io.EOF: all defaults.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Validate checks every setting, returning all problems.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Auth.AnonymousRole {
	case "", "viewer", "auditor":
	default:
		bad("auth.anonymous_role: %q is not allowed (use \"\", \"viewer\" or \"auditor\")", c.Auth.AnonymousRole)
	}
	if c.Thresholds.Basic < 0 || c.Thresholds.Basic > 100 || c.Thresholds.Advanced < 0 || c.Thresholds.Advanced > 100 {
		bad("thresholds: must be between 0 and 100")
	}
	for sev, d := range c.SLADays {
		switch sev {
		case collectors.SeverityCritical, collectors.SeverityHigh, collectors.SeverityMedium, collectors.SeverityLow, collectors.SeverityInfo:
		default:
			bad("sla_days: unknown severity %q", sev)
		}
		if d < 0 {
			bad("sla_days.%s: must not be negative", sev)
		}
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		if s.Name != "" {
			where = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
		}
		if !nameRE.MatchString(s.Name) {
			bad("%s.name: %q must be 1-100 letters, digits, '.', '_' or '-'", where, s.Name)
		}
		if seen[s.Name] {
			bad("%s.name: duplicate source name", where)
		}
		seen[s.Name] = true
		if _, err := collectors.Get(s.Kind); err != nil {
			bad("%s.kind: %v", where, err)
		}
		if len(s.Paths) == 0 {
			bad("%s.paths: at least one file or directory is required", where)
		}
		if s.Schedule != "" {
			if _, err := ParseSchedule(s.Schedule); err != nil {
				bad("%s.schedule: %v", where, err)
			}
		}
		if s.Timeout < 0 {
			bad("%s.timeout: must not be negative", where)
		}
	}
	errs = append(errs, c.validateReports()...)
	return errors.Join(errs...)
}

// Schedule is a parsed schedule: either an interval or a cron expression.
type Schedule struct {
	Every       time.Duration
	Cron        string
	WithSeconds bool
}

// ParseSchedule accepts "@every 15m", "every 15m", a 5-field cron
// expression ("0 */6 * * *"), a 6-field one with seconds, or a descriptor
// such as "@hourly" / "@daily".
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"@every ", "every "} {
		if strings.HasPrefix(s, p) {
			d, err := ParseDuration(strings.TrimPrefix(s, p))
			if err != nil {
				return Schedule{}, err
			}
			if d < time.Second {
				return Schedule{}, fmt.Errorf("interval %s is shorter than a second", d)
			}
			return Schedule{Every: d}, nil
		}
	}
	switch s {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return Schedule{Cron: s}, nil
	}
	fields := strings.Fields(s)
	switch len(fields) {
	case 5:
		return Schedule{Cron: s}, nil
	case 6:
		return Schedule{Cron: s, WithSeconds: true}, nil
	}
	return Schedule{}, fmt.Errorf("%q is neither an interval (\"@every 15m\") nor a cron expression (\"0 */6 * * *\")", s)
}
