package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/config"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// slow counts concurrent and total collections of each source.
type slow struct {
	mu      sync.Mutex
	active  map[string]int
	maxSeen map[string]int
	total   atomic.Int64
	fail    string // source name that always fails
	hold    time.Duration
}

func (s *slow) Kind() string    { return "slow-schedule-test" }
func (s *slow) Version() string { return "1" }
func (s *slow) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	s.mu.Lock()
	s.active[src.Name]++
	if s.active[src.Name] > s.maxSeen[src.Name] {
		s.maxSeen[src.Name] = s.active[src.Name]
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active[src.Name]--
		s.mu.Unlock()
	}()
	s.total.Add(1)
	select {
	case <-time.After(s.hold):
	case <-ctx.Done():
		return ctx.Err()
	}
	if src.Name == s.fail {
		return errors.New("broken.yaml: line 3: not an OpenAPI document")
	}
	return sink.API(collectors.API{Name: src.Name})
}

var (
	fake     = &slow{active: map[string]int{}, maxSeen: map[string]int{}}
	regOnce  sync.Once
	quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func TestScheduledSourcesRunNeverOverlapAndFailuresAreIsolated(t *testing.T) {
	regOnce.Do(func() { collectors.Register(fake) })
	fake.hold = 1500 * time.Millisecond // longer than the interval: runs would overlap
	fake.fail = "bad"
	st := storetest.Open(t)
	ing := &ingest.Service{Store: st, Log: quietLog}
	srcs := []config.Source{
		{Name: "good", Kind: fake.Kind(), Paths: []string{"x"}, Schedule: "@every 1s"},
		{Name: "bad", Kind: fake.Kind(), Paths: []string{"x"}, Schedule: "@every 1s"},
	}
	s, err := New(ing, nil, srcs, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	// A manual run while scheduled ones are going: refused or queued, never
	// concurrent with them.
	deadline := time.Now().Add(20 * time.Second)
	var runs []store.Run
	for time.Now().Before(deadline) {
		_ = s.RunNow("good")
		st.DB.Where("status <> ?", store.RunRunning).Find(&runs)
		good, bad := 0, 0
		for _, r := range runs {
			var src store.Source
			st.DB.First(&src, r.SourceID)
			if src.Name == "good" && r.Status == store.RunSucceeded {
				good++
			}
			if src.Name == "bad" && r.Status == store.RunFailed {
				bad++
			}
		}
		if good >= 2 && bad >= 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.maxSeen["good"] != 1 || fake.maxSeen["bad"] != 1 {
		t.Fatalf("max concurrent runs per source = %v, want 1", fake.maxSeen)
	}
	var good, bad int
	var badErr string
	for _, r := range runs {
		var src store.Source
		st.DB.First(&src, r.SourceID)
		switch {
		case src.Name == "good" && r.Status == store.RunSucceeded:
			good++
		case src.Name == "bad" && r.Status == store.RunFailed:
			bad++
			badErr = r.Error
		}
	}
	if good < 2 || bad < 2 {
		t.Fatalf("good succeeded %d times, bad failed %d times; want >= 2 each (a failing source must not stop others)", good, bad)
	}
	if badErr == "" || !strings.Contains(badErr, "broken.yaml: line 3") {
		t.Fatalf("failed run error = %q", badErr)
	}
}

func TestRunNowUnknownSource(t *testing.T) {
	st := storetest.Open(t)
	s, err := New(&ingest.Service{Store: st, Log: quietLog}, nil, nil, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if err := s.RunNow("nope"); !errors.Is(err, ErrUnknownSource) {
		t.Fatalf("err = %v", err)
	}
}

func TestBadScheduleFailsAtStart(t *testing.T) {
	st := storetest.Open(t)
	_, err := New(&ingest.Service{Store: st}, nil, []config.Source{{Name: "a", Kind: "x", Schedule: "61 * * * *"}}, quietLog)
	if err == nil {
		t.Fatal("an invalid cron expression was accepted")
	}
}
