package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// MaxBackoff caps the wait between two attempts.
const MaxBackoff = 5 * time.Minute

// sleep waits d or until ctx ends; a variable so tests can record the
// waits instead of sitting through them.
var sleep = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait after failed attempt n (0-based): base·2ⁿ capped at
// MaxBackoff, then "equal jitter", a uniform pick in [d/2, d], so
// schedulers that fail together do not retry in lockstep while the wait
// still grows.
func backoff(base time.Duration, n int) time.Duration {
	d := base
	for i := 0; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	half := d / 2
	return half + rand.N(d-half+1)
}

// WithRetry calls send up to attempts times (at least once) until it
// succeeds, waiting backoff(base, n) between attempts. It stops early on a
// permanent error (IsPermanent: 5xx SMTP reply, refused configuration,
// invalid message...) and when ctx ends. It returns the receipt of the
// successful attempt, every failed attempt's error in order (for the
// delivery record), and the final error: nil on success, otherwise the
// last attempt's error (wrapped with ctx's error if that is what stopped
// it).
func WithRetry(ctx context.Context, attempts int, base time.Duration, send func(context.Context) (Receipt, error)) (Receipt, []error, error) {
	attempts = max(attempts, 1)
	if base <= 0 {
		base = time.Second
	}
	var errs []error
	for n := 0; n < attempts; n++ {
		if err := ctx.Err(); err != nil {
			return Receipt{}, errs, stopped(err, errs)
		}
		r, err := send(ctx)
		if err == nil {
			return r, errs, nil
		}
		errs = append(errs, err)
		if IsPermanent(err) {
			return Receipt{}, errs, fmt.Errorf("delivery: attempt %d of %d failed permanently, not retrying: %w", n+1, attempts, err)
		}
		if n == attempts-1 {
			break
		}
		if err := sleep(ctx, backoff(base, n)); err != nil {
			return Receipt{}, errs, stopped(err, errs)
		}
	}
	return Receipt{}, errs, fmt.Errorf("delivery: all %d attempts failed, last: %w", len(errs), errs[len(errs)-1])
}

func stopped(ctxErr error, errs []error) error {
	if len(errs) == 0 {
		return fmt.Errorf("delivery: not attempted: %w", ctxErr)
	}
	return fmt.Errorf("delivery: stopped after %d attempts: %w; last: %w", len(errs), ctxErr, errs[len(errs)-1])
}
