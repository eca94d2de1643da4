package webhook

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDefaultScheduleSpansAboutADay(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	for _, d := range s.Delays {
		sum += d
	}
	if sum < 24*time.Hour || sum > 28*time.Hour || s.MaxAge < 24*time.Hour || s.MaxAge > 28*time.Hour {
		t.Errorf("delays sum to %s, MaxAge %s: want about a day", sum, s.MaxAge)
	}
}

func TestDelayWithoutJitterIsTheTable(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule()
	s.Jitter = 0
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		if got := s.Delay(i+1, nil); got != w {
			t.Errorf("Delay(%d) = %s, want %s", i+1, got, w)
		}
	}
	if got := s.Delay(0, nil); got != 5*time.Second {
		t.Errorf("Delay(0) = %s, want the first step", got)
	}
}

func TestDelayJitterBounds(t *testing.T) {
	t.Parallel()
	for _, jitter := range []float64{0.5, 1, 0.1} {
		s := DefaultSchedule()
		s.Jitter = jitter
		rnd := rand.New(rand.NewPCG(1, 2))
		for failed := 1; failed <= 9; failed++ {
			nominal := s.Delays[min(failed, len(s.Delays))-1]
			lo := nominal - time.Duration(float64(nominal)*jitter)
			seenLow, seenHigh := false, false
			for i := 0; i < 2000; i++ {
				d := s.Delay(failed, rnd)
				if d < lo || d >= nominal {
					t.Fatalf("jitter %g: Delay(%d) = %s, outside [%s, %s)", jitter, failed, d, lo, nominal)
				}
				spread := nominal - lo
				seenLow = seenLow || d < lo+spread/10
				seenHigh = seenHigh || d > nominal-spread/10
			}
			if !seenLow || !seenHigh {
				t.Errorf("jitter %g: Delay(%d) does not spread over [%s, %s)", jitter, failed, lo, nominal)
			}
		}
	}
}

func TestDelayIsReproducibleWithASeededSource(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule()
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for i := 1; i < 20; i++ {
		if x, y := s.Delay(i, a), s.Delay(i, b); x != y {
			t.Fatalf("Delay(%d) = %s then %s with the same seed", i, x, y)
		}
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	s := Schedule{Delays: []time.Duration{10 * time.Second, time.Minute, time.Hour}, Jitter: 0, MaxAge: 2 * time.Hour, MaxRetryAfter: 30 * time.Minute}
	since := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		failed     int
		now        time.Time
		retryAfter time.Duration
		next       time.Time
		dead       bool
	}{
		{"first failure", 1, since, 0, since.Add(10 * time.Second), false},
		{"second failure", 2, since.Add(10 * time.Second), 0, since.Add(70 * time.Second), false},
		{"last step repeats", 5, since.Add(20 * time.Minute), 0, since.Add(80 * time.Minute), false},
		{"moved to the deadline", 4, since.Add(90 * time.Minute), 0, since.Add(2 * time.Hour), false},
		{"failure at the deadline is final", 5, since.Add(2 * time.Hour), 0, time.Time{}, true},
		{"failure after the deadline is final", 5, since.Add(3 * time.Hour), 0, time.Time{}, true},
		{"less than the first step left", 5, since.Add(2*time.Hour - 5*time.Second), 0, time.Time{}, true},
		{"longer Retry-After honoured", 1, since, 5 * time.Minute, since.Add(5 * time.Minute), false},
		{"shorter Retry-After ignored", 2, since, 5 * time.Second, since.Add(time.Minute), false},
		{"Retry-After capped", 1, since, 10 * time.Hour, since.Add(30 * time.Minute), false},
		{"Retry-After never beyond the deadline", 1, since.Add(100 * time.Minute), 30 * time.Minute, since.Add(2 * time.Hour), false},
		{"first tried after the span: the table still runs", 1, since.Add(3 * time.Hour), 0, since.Add(3*time.Hour + 10*time.Second), false},
		{"after the span, last step of the table", 3, since.Add(3 * time.Hour), 0, since.Add(4 * time.Hour), false},
		{"after the span and the table", 4, since.Add(3 * time.Hour), 0, time.Time{}, true},
		{"table used but span not over", 7, since.Add(time.Hour), 0, since.Add(2 * time.Hour), false},
	}
	for _, tc := range tests {
		next, dead := s.Next(tc.failed, since, tc.now, tc.retryAfter, nil)
		if dead != tc.dead || !next.Equal(tc.next) {
			t.Errorf("%s: Next = %s, dead %v; want %s, dead %v", tc.name, next, dead, tc.next, tc.dead)
		}
	}
}

// TestScheduleOfAFailingDelivery plays a delivery that fails every time
// under the default schedule: attempts move forward, never pass the
// deadline, the last one is at the deadline, and it is then dead.
func TestScheduleOfAFailingDelivery(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule()
	for seed := uint64(0); seed < 200; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 42))
		since := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
		now, attempts := since, 0
		for {
			attempts++
			next, dead := s.Next(attempts, since, now, 0, rnd)
			if dead {
				break
			}
			if !next.After(now) {
				t.Fatalf("seed %d: attempt %d at %s is not after %s", seed, attempts+1, next, now)
			}
			if next.After(since.Add(s.MaxAge)) {
				t.Fatalf("seed %d: attempt %d at %s is past the deadline", seed, attempts+1, next)
			}
			now = next
			if attempts > 100 {
				t.Fatalf("seed %d: never dead", seed)
			}
		}
		if !now.Equal(since.Add(s.MaxAge)) {
			t.Errorf("seed %d: last attempt at %s, want at the deadline %s", seed, now.Sub(since), s.MaxAge)
		}
		if attempts < len(s.Delays) || attempts > 2*len(s.Delays)+2 {
			t.Errorf("seed %d: %d attempts", seed, attempts)
		}
	}
}

// TestScheduleOfALateDelivery plays a delivery first attempted long after
// it was recorded (the daemon was stopped): it still gets every step of
// the table, then is dead.
func TestScheduleOfALateDelivery(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule()
	since := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	now := since.Add(3 * 24 * time.Hour)
	attempts := 0
	for {
		attempts++
		next, dead := s.Next(attempts, since, now, 0, rand.New(rand.NewPCG(3, uint64(attempts))))
		if dead {
			break
		}
		now = next
	}
	if attempts != 1+len(s.Delays) {
		t.Errorf("%d attempts, want %d", attempts, 1+len(s.Delays))
	}
}

func TestScheduleValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mut  func(*Schedule)
		ok   bool
	}{
		{"default", func(*Schedule) {}, true},
		{"no delays", func(s *Schedule) { s.Delays = nil }, false},
		{"zero delay", func(s *Schedule) { s.Delays = []time.Duration{time.Second, 0} }, false},
		{"jitter above 1", func(s *Schedule) { s.Jitter = 1.5 }, false},
		{"negative jitter", func(s *Schedule) { s.Jitter = -0.1 }, false},
		{"no max age", func(s *Schedule) { s.MaxAge = 0 }, false},
		{"negative Retry-After cap", func(s *Schedule) { s.MaxRetryAfter = -1 }, false},
	} {
		s := DefaultSchedule()
		tc.mut(&s)
		if err := s.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
	}
	var empty Schedule
	if _, dead := empty.Next(1, time.Now(), time.Now(), 0, nil); !dead {
		t.Error("an empty schedule must give up")
	}
}

func BenchmarkNext(b *testing.B) {
	s := DefaultSchedule()
	rnd := rand.New(rand.NewPCG(1, 2))
	since := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		s.Next(i%9+1, since, since.Add(time.Duration(i%9)*time.Hour), 0, rnd)
	}
}
