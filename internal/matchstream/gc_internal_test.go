package matchstream

import (
	"runtime/debug"
	"testing"
)

// TestReadingPercent: the default while the heap is small, at most
// MaxReadingHeadroom of growth as it grows, never under 25.
func TestReadingPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{64 << 20, 100},
		{256 << 20, 100},
		{512 << 20, 50},
		{1 << 30, 25},
		{4 << 30, 25},
	} {
		if got := readingPercent(tc.live); got != tc.want {
			t.Errorf("readingPercent(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
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
