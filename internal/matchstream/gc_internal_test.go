package matchstream

import (
	"runtime/debug"
	"testing"
)

// TestGCPercents: while matching (GCPercent) and while reading
// (readingPercent), the default for small heaps, a bounded headroom for
// large ones (MaxGCHeadroom, MaxReadingHeadroom), never under 25.
func TestGCPercents(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(uint64) int
		live uint64
		want int
	}{
		{"matching", GCPercent, 0, 100},
		{"matching", GCPercent, 100 << 20, 100},
		{"matching", GCPercent, 512 << 20, 100},
		{"matching", GCPercent, 1 << 30, 50},
		{"matching", GCPercent, 2 << 30, 25},
		{"matching", GCPercent, 8 << 30, 25},
		{"reading", readingPercent, 0, 100},
		{"reading", readingPercent, 64 << 20, 100},
		{"reading", readingPercent, 256 << 20, 100},
		{"reading", readingPercent, 512 << 20, 50},
		{"reading", readingPercent, 1 << 30, 25},
		{"reading", readingPercent, 4 << 30, 25},
	} {
		if got := tc.f(tc.live); got != tc.want {
			t.Errorf("%s, live heap %d MiB: GOGC %d, want %d", tc.name, tc.live>>20, got, tc.want)
		}
	}
}

// TestReadingBookRestores: restore stops the adjustments and puts the GOGC
// of before back, even after built, and may be called twice.
func TestReadingBookRestores(t *testing.T) {
	t.Setenv("GOGC", "") // ReadingBook decides only when GOGC is unset
	before := debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	built, restore := ReadingBook()
	if p := debug.SetGCPercent(readingPercent(liveHeap())); p < 25 || p > 100 {
		t.Errorf("GOGC while reading = %d, want within [25, 100]", p)
	}
	built()
	restore()
	restore()
	if p := debug.SetGCPercent(77); p != 77 {
		t.Errorf("GOGC after restore = %d, want the 77 of before", p)
	}
}
