// Package schedule runs each configured source on its own schedule with
// gocron v2, never two runs of one source at once, each attempt with its
// own timeout, plus a daily rescoring job. The scheduler owns timing;
// collectors never sleep.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
)

// DefaultTimeout bounds one collection attempt when the source sets none.
const DefaultTimeout = 10 * time.Minute

// Rescorer re-evaluates every API.
type Rescorer interface {
	RescoreAll(ctx context.Context) error
}

// Scheduler wraps gocron.
type Scheduler struct {
	cron    gocron.Scheduler
	ingest  *ingest.Service
	scorer  Rescorer
	log     *slog.Logger
	sources map[string]config.Source
	ctx     context.Context
	cancel  context.CancelFunc
}

// New creates a scheduler for the sources; nothing runs until Start.
func New(ing *ingest.Service, scorer Rescorer, sources []config.Source, log *slog.Logger) (*Scheduler, error) {
	c, err := gocron.NewScheduler(gocron.WithLocation(time.UTC), gocron.WithStopTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{cron: c, ingest: ing, scorer: scorer, log: log, sources: map[string]config.Source{}, ctx: ctx, cancel: cancel}
	for _, src := range sources {
		s.sources[src.Name] = src
		if src.Schedule == "" {
			continue
		}
		if err := s.add(src); err != nil {
			cancel()
			return nil, err
		}
	}
	if scorer != nil {
		// Freshness decays with time even when no evidence arrives, so
		// every API is re-evaluated daily (and a snapshot taken).
		_, err := c.NewJob(gocron.CronJob("7 0 * * *", false), gocron.NewTask(func(ctx context.Context) {
			if err := scorer.RescoreAll(ctx); err != nil {
				log.Error("daily rescoring failed", "err", err)
			}
		}), gocron.WithName("rescore"), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("schedule: rescore job: %w", err)
		}
	}
	return s, nil
}

func (s *Scheduler) add(src config.Source) error {
	sched, err := config.ParseSchedule(src.Schedule)
	if err != nil {
		return fmt.Errorf("schedule: source %q: %w", src.Name, err)
	}
	var def gocron.JobDefinition
	opts := []gocron.JobOption{
		gocron.WithName(src.Name),
		// A run that is still going when the next one is due makes the
		// next one wait for the following slot instead of piling up.
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithContext(s.ctx),
	}
	if sched.Every > 0 {
		def = gocron.DurationJob(sched.Every)
		// Spread sources with the same interval over it (derived from the
		// name, so stable across restarts) instead of firing together.
		offset := time.Duration(hash(src.Name) % uint64(sched.Every))
		opts = append(opts, gocron.WithStartAt(gocron.WithStartDateTime(time.Now().Add(offset+time.Second))))
	} else {
		def = gocron.CronJob(sched.Cron, sched.WithSeconds)
	}
	_, err = s.cron.NewJob(def, gocron.NewTask(func(ctx context.Context) {
		_, _ = s.runSource(ctx, src, store.TriggerSchedule)
	}), opts...)
	if err != nil {
		return fmt.Errorf("schedule: source %q: %w", src.Name, err)
	}
	return nil
}

func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// runSource runs one attempt with its timeout. Errors are recorded on the
// run by the ingest service and logged there.
func (s *Scheduler) runSource(ctx context.Context, src config.Source, trigger string) (ingest.Stats, error) {
	timeout := time.Duration(src.Timeout)
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.ingest.Run(ctx, src.Collector(), trigger)
}

// ErrUnknownSource is returned by RunNow for a name not in the config.
var ErrUnknownSource = errors.New("no such source")

// RunNow starts a run of the named source in the background and returns
// at once; ingest.ErrAlreadyRunning when it is running already.
func (s *Scheduler) RunNow(name string) error {
	src, ok := s.sources[name]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownSource, name)
	}
	if s.ingest.Running(name) {
		return fmt.Errorf("source %q: %w", name, ingest.ErrAlreadyRunning)
	}
	go func() { _, _ = s.runSource(s.ctx, src, store.TriggerManual) }()
	return nil
}

// Sources returns the configured sources.
func (s *Scheduler) Sources() map[string]config.Source { return s.sources }

// NextRuns returns the next scheduled time of each scheduled source.
func (s *Scheduler) NextRuns() map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range s.cron.Jobs() {
		if t, err := j.NextRun(); err == nil {
			out[j.Name()] = t
		}
	}
	return out
}

// RunAll runs every source once, sequentially, and returns per-source
// errors joined (posture collect, and start-up runs).
func (s *Scheduler) RunAll(ctx context.Context, only string, trigger string, each func(name string, st ingest.Stats, err error)) error {
	var errs []error
	names := make([]string, 0, len(s.sources))
	for n := range s.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	found := only == ""
	for _, n := range names {
		if only != "" && n != only {
			continue
		}
		found = true
		st, err := s.runSource(ctx, s.sources[n], trigger)
		if each != nil {
			each(n, st, err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if !found {
		return fmt.Errorf("%w %q", ErrUnknownSource, only)
	}
	return errors.Join(errs...)
}

// Start starts the scheduled jobs.
func (s *Scheduler) Start() { s.cron.Start() }

// Shutdown cancels running attempts and waits for them to stop.
func (s *Scheduler) Shutdown() error {
	s.cancel()
	return s.cron.Shutdown()
}
