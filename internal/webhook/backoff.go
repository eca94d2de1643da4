package webhook

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Rand is the random source of the backoff jitter: *rand.Rand of
// math/rand/v2 satisfies it (not safe for concurrent use; give each
// goroutine its own, or pass nil for the global, safe source).
type Rand interface {
	Int64N(n int64) int64
}

// Schedule says when a failed delivery is tried again and when it is
// given up (dead-lettered). It is a pure value; its methods never read the
// clock.
//
// After the n-th failed attempt the nominal delay is Delays[n-1], the last
// entry repeating. Jitter draws the delay from [nominal×(1−Jitter),
// nominal): 0 keeps the nominal delay, 1 is full jitter, the default 0.5
// ("equal jitter") spreads a burst of failures — every delivery of an
// endpoint that just went down — over half of each step while keeping the
// schedule's shape (a step of hours never shrinks to seconds).
//
// A delivery is given up (dead-lettered) once both hold: it has used the
// whole table (1 + len(Delays) attempts) and MaxAge has passed since its
// cycle started (its creation). While the span lasts, the last retry is
// moved to its end when the next step would overshoot it, so a delivery
// that keeps failing is tried one last time MaxAge after its creation. The
// attempt count guards the case of a delivery first tried late (the daemon
// was stopped for longer than MaxAge): it still gets the whole table.
type Schedule struct {
	Delays []time.Duration
	Jitter float64
	MaxAge time.Duration
	// MaxRetryAfter caps how long a Retry-After header may push an attempt
	// back; a shorter Retry-After than the scheduled delay is ignored.
	MaxRetryAfter time.Duration
}

// DefaultDelays is Svix's retry table: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 10 h, about 27½ hours from the first attempt to the last.
var DefaultDelays = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// DefaultMaxAge is the default retry span: the sum of DefaultDelays,
// rounded.
const DefaultMaxAge = 27*time.Hour + 35*time.Minute

// DefaultSchedule returns the default schedule: DefaultDelays with equal
// jitter over DefaultMaxAge, Retry-After honoured up to 10 h.
func DefaultSchedule() Schedule {
	return Schedule{
		Delays:        append([]time.Duration(nil), DefaultDelays...),
		Jitter:        0.5,
		MaxAge:        DefaultMaxAge,
		MaxRetryAfter: 10 * time.Hour,
	}
}

// Validate checks the schedule can be used.
func (s Schedule) Validate() error {
	var errs []error
	if len(s.Delays) == 0 {
		errs = append(errs, errors.New("backoff delays: need at least one"))
	}
	for i, d := range s.Delays {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("backoff delays[%d]: %s, must be positive", i, d))
		}
	}
	if s.Jitter < 0 || s.Jitter > 1 {
		errs = append(errs, fmt.Errorf("backoff jitter: %g, must be within [0, 1]", s.Jitter))
	}
	if s.MaxAge <= 0 {
		errs = append(errs, fmt.Errorf("backoff max age: %s, must be positive", s.MaxAge))
	}
	if s.MaxRetryAfter < 0 {
		errs = append(errs, fmt.Errorf("backoff max Retry-After: %s, must not be negative", s.MaxRetryAfter))
	}
	return errors.Join(errs...)
}

// Delay returns the jittered delay after the given number of failed
// attempts (1 after the first). rnd nil means the global random source.
func (s Schedule) Delay(failed int, rnd Rand) time.Duration {
	if len(s.Delays) == 0 {
		return 0
	}
	i := min(max(failed, 1), len(s.Delays)) - 1
	nominal := s.Delays[i]
	spread := time.Duration(float64(nominal) * s.Jitter)
	if spread <= 0 {
		return nominal
	}
	var r int64
	if rnd == nil {
		r = rand.Int64N(int64(spread))
	} else {
		r = rnd.Int64N(int64(spread))
	}
	return nominal - spread + time.Duration(r)
}

// Next decides what follows a failed attempt made at now, the failed-th
// (counting it) of a delivery whose cycle started at since, when the
// endpoint asked to wait retryAfter (0 if it did not): either the time of
// the next attempt, or dead = true when the delivery is given up.
//
// The delay is the larger of Delay(failed) and retryAfter (capped at
// MaxRetryAfter). The span since+MaxAge counts as over when less than the
// first step (Delays[0]) remains of it; before that, the next attempt is
// never after its end.
func (s Schedule) Next(failed int, since, now time.Time, retryAfter time.Duration, rnd Rand) (next time.Time, dead bool) {
	if len(s.Delays) == 0 {
		return time.Time{}, true
	}
	deadline := since.Add(s.MaxAge)
	spanOver := deadline.Sub(now) < s.Delays[0]
	if spanOver && failed > len(s.Delays) {
		return time.Time{}, true
	}
	d := s.Delay(failed, rnd)
	retryAfter = min(retryAfter, s.MaxRetryAfter)
	if retryAfter > d {
		d = retryAfter
	}
	next = now.Add(d)
	if !spanOver && next.After(deadline) {
		next = deadline
	}
	return next, false
}
