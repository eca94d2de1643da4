package ledger

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	a, b := NewID(t0), NewID(t0.Add(time.Millisecond))
	if len(a) != 26 || strings.Trim(a, crockford) != "" || a >= b {
		t.Fatalf("ids %s, %s: want 26 Crockford digits, increasing with time", a, b)
	}
	if NewID(t0) == NewID(t0) {
		t.Fatal("two ids of one millisecond are equal")
	}
}

func TestIDSourceIncreases(t *testing.T) {
	var g IDSource
	t0 := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	prev := ""
	for i, at := range []time.Time{t0, t0, t0, t0.Add(-time.Hour), t0.Add(time.Millisecond), t0} {
		id := g.New(at)
		if id <= prev {
			t.Fatalf("id %d %s not after %s", i, id, prev)
		}
		prev = id
	}
	// Concurrent callers get distinct ids.
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				id := g.New(t0)
				mu.Lock()
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 8000 {
		t.Fatalf("%d distinct ids of 8000", len(seen))
	}
}
