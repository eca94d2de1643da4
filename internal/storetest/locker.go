package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

var lockerTests = []test{
	{"Locker/LastRun", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		last, err := s.LastRun(ctx, "report")
		ok(t, err)
		if !last.IsZero() {
			t.Fatalf("LastRun before any run = %v, want zero", last)
		}
		before := time.Now().Add(-time.Minute)
		for _, slot := range []string{"2026-11-03T08:00", "2026-11-04T08:00"} {
			_, err := s.RunExclusive(ctx, "report", slot, func(context.Context) error { return nil })
			ok(t, err)
		}
		// A run without a slot and a failed run are not recorded.
		_, err = s.RunExclusive(ctx, "other", "", func(context.Context) error { return nil })
		ok(t, err)
		_, _ = s.RunExclusive(ctx, "other", "2026-11-05T08:00", func(context.Context) error { return errors.New("boom") })
		last, err = s.LastRun(ctx, "report")
		ok(t, err)
		if last.Before(before) || last.After(time.Now().Add(time.Minute)) {
			t.Fatalf("LastRun = %v, want just now", last)
		}
		if other, err := s.LastRun(ctx, "other"); err != nil || !other.IsZero() {
			t.Fatalf("LastRun of a job never recorded = %v, %v; want zero", other, err)
		}
	}},
	{"Locker/Exclusive", func(t *testing.T, s ledger.Store) { ExclusiveRuns(t, []ledger.Store{s}) }},
	{"Locker/SlotRunsOnce", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		runs := 0
		fn := func(context.Context) error { runs++; return nil }
		boom := errors.New("boom")
		ran, err := s.RunExclusive(ctx, "dunning", "2026-11-03T08:00", func(context.Context) error { return boom })
		if !ran || !errors.Is(err, boom) {
			t.Fatalf("failing run: ran %v err %v", ran, err)
		}
		for range 2 {
			if _, err := s.RunExclusive(ctx, "dunning", "2026-11-03T08:00", fn); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RunExclusive(ctx, "dunning", "2026-11-04T08:00", fn); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RunExclusive(ctx, "other", "2026-11-03T08:00", fn); err != nil {
			t.Fatal(err)
		}
		if runs != 3 {
			t.Fatalf("%d runs, want 3 (a failed run is retried once, each slot and name once)", runs)
		}
	}},
}

// ExclusiveRuns has goroutines on every store try the same lock at once,
// each holding it a moment, and checks that holders never overlap, that a
// refused caller did not run, and that the lock is free afterwards.
func ExclusiveRuns(t *testing.T, stores []ledger.Store) {
	ctx := t.Context()
	var inside, maxInside, ran atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 6 * len(stores) {
		st := stores[i%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := st.RunExclusive(ctx, "dunning-run", "", func(context.Context) error {
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(50 * time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Errorf("RunExclusive: %v", err)
			}
			if r {
				ran.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Fatalf("%d holders at once, want 1", maxInside.Load())
	}
	if ran.Load() < 1 || ran.Load() == int32(6*len(stores)) {
		t.Fatalf("%d of %d calls ran: want at least one, and refusals while held", ran.Load(), 6*len(stores))
	}
	ran2, err := stores[len(stores)-1].RunExclusive(ctx, "dunning-run", "", func(context.Context) error { return nil })
	if err != nil || !ran2 {
		t.Fatalf("lock not free after the runs: ran %v err %v", ran2, err)
	}
}
