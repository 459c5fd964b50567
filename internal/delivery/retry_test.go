package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// recordSleeps replaces the real wait with one that records and returns
// at once (or fails like a cancelled wait when ctx is done).
func recordSleeps(t *testing.T) *[]time.Duration {
	t.Helper()
	var got []time.Duration
	orig := sleep
	sleep = func(ctx context.Context, d time.Duration) error {
		got = append(got, d)
		return ctx.Err()
	}
	t.Cleanup(func() { sleep = orig })
	return &got
}

var errTransient = &textproto.Error{Code: 451, Msg: "4.3.0 try again later"}

func TestRetryUntilSuccess(t *testing.T) {
	sleeps := recordSleeps(t)
	calls := 0
	want := Receipt{MessageID: "<ok@example.com>"}
	r, errs, err := WithRetry(context.Background(), 5, time.Second, func(context.Context) (Receipt, error) {
		calls++
		if calls < 3 {
			return Receipt{}, fmt.Errorf("attempt %d: %w", calls, errTransient)
		}
		return want, nil
	})
	if err != nil || r.MessageID != want.MessageID {
		t.Fatalf("r = %+v, err = %v", r, err)
	}
	if calls != 3 || len(errs) != 2 || !errors.Is(errs[0], errTransient) || !strings.HasPrefix(errs[0].Error(), "attempt 1:") || !strings.HasPrefix(errs[1].Error(), "attempt 2:") {
		t.Errorf("calls %d, errs %v", calls, errs)
	}
	if len(*sleeps) != 2 {
		t.Fatalf("sleeps %v", *sleeps)
	}
}

func TestRetryBackoffGrowsAndIsCapped(t *testing.T) {
	sleeps := recordSleeps(t)
	calls := 0
	_, errs, err := WithRetry(context.Background(), 7, time.Minute, func(context.Context) (Receipt, error) {
		calls++
		return Receipt{}, errTransient
	})
	if calls != 7 || len(errs) != 7 || err == nil || !errors.Is(err, errs[6]) {
		t.Fatalf("calls %d, errs %d, err %v", calls, len(errs), err)
	}
	// Ceilings: 1m, 2m, 4m, then the 5m cap; each wait in [ceiling/2, ceiling].
	ceilings := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	if len(*sleeps) != len(ceilings) {
		t.Fatalf("%d sleeps, want %d (none after the last attempt)", len(*sleeps), len(ceilings))
	}
	for i, d := range *sleeps {
		if d < ceilings[i]/2 || d > ceilings[i] {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i, d, ceilings[i]/2, ceilings[i])
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		d := backoff(100*time.Millisecond, 3) // ceiling 800ms
		if d < 400*time.Millisecond || d > 800*time.Millisecond {
			t.Fatalf("backoff = %v, want within [400ms, 800ms]", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits in 200: no real jitter", len(seen))
	}
	if d := backoff(time.Hour, 0); d > MaxBackoff || d < MaxBackoff/2 {
		t.Errorf("a base above the cap gives %v", d)
	}
	if d := backoff(time.Second, 1000); d > MaxBackoff {
		t.Errorf("attempt 1000 gives %v", d)
	}
}

func TestRetryRealWaits(t *testing.T) {
	calls := 0
	start := time.Now()
	var at []time.Duration
	_, errs, err := WithRetry(context.Background(), 4, 20*time.Millisecond, func(context.Context) (Receipt, error) {
		calls++
		at = append(at, time.Since(start))
		return Receipt{}, errTransient
	})
	if err == nil || calls != 4 || len(errs) != 4 {
		t.Fatalf("calls %d errs %d err %v", calls, len(errs), err)
	}
	// Minimum gaps: 10ms, 20ms, 40ms (the lower half of 20, 40, 80).
	for i, min := range []time.Duration{10, 20, 40} {
		if gap := at[i+1] - at[i]; gap < min*time.Millisecond {
			t.Errorf("gap %d = %v, want at least %vms", i, gap, min)
		}
	}
}

func TestRetryStopsOnPermanentErrors(t *testing.T) {
	for name, perm := range map[string]error{
		"550 rejected recipient": fmt.Errorf("rcpt: %w", &textproto.Error{Code: 550, Msg: "5.1.1 no such user"}),
		"535 bad credentials":    &textproto.Error{Code: 535, Msg: "5.7.8 bad credentials"},
		"refused configuration":  fmt.Errorf("delivery: smtp x: %w: no STARTTLS", ErrRefused),
		"invalid message":        fmt.Errorf("%w: too large", ErrInvalid),
		"webhook 401":            &StatusError{Code: 401},
	} {
		sleeps := recordSleeps(t)
		calls := 0
		_, errs, err := WithRetry(context.Background(), 5, time.Millisecond, func(context.Context) (Receipt, error) {
			calls++
			return Receipt{}, perm
		})
		if calls != 1 || len(errs) != 1 || len(*sleeps) != 0 || !errors.Is(err, perm) {
			t.Errorf("%s: calls %d, errs %v, sleeps %v, err %v", name, calls, errs, *sleeps, err)
		}
	}
	for name, transient := range map[string]error{
		"421 service unavailable": &textproto.Error{Code: 421, Msg: "closing"},
		"webhook 503":             &StatusError{Code: 503},
		"webhook 429":             &StatusError{Code: 429},
		"plain network error":     errors.New("connection reset"),
	} {
		recordSleeps(t)
		calls := 0
		_, _, _ = WithRetry(context.Background(), 3, time.Millisecond, func(context.Context) (Receipt, error) {
			calls++
			return Receipt{}, transient
		})
		if calls != 3 {
			t.Errorf("%s: %d calls, want 3", name, calls)
		}
	}
}

func TestRetryStopsOnContext(t *testing.T) {
	// Real sleep: the cancel must cut a long wait short.
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, errs, err := WithRetry(ctx, 10, time.Hour, func(context.Context) (Receipt, error) {
		calls++
		return Receipt{}, errTransient
	})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("returned after %v", d)
	}
	if calls != 1 || len(errs) != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, errTransient) {
		t.Errorf("calls %d, errs %v, err %v; want one attempt and both errors", calls, errs, err)
	}

	// Already cancelled: not attempted at all.
	calls = 0
	_, errs, err = WithRetry(ctx, 3, time.Millisecond, func(context.Context) (Receipt, error) {
		calls++
		return Receipt{}, nil
	})
	if calls != 0 || len(errs) != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before start: calls %d, errs %v, err %v", calls, errs, err)
	}
}

func TestRetryAtLeastOnce(t *testing.T) {
	calls := 0
	_, _, err := WithRetry(context.Background(), 0, 0, func(context.Context) (Receipt, error) {
		calls++
		return Receipt{}, nil
	})
	if err != nil || calls != 1 {
		t.Errorf("attempts 0: calls %d err %v", calls, err)
	}
}
