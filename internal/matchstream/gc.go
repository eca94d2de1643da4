package matchstream

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// MaxGCHeadroom bounds the memory the garbage collector lets the heap grow
// by between two collections during a run: 512 MiB.
const MaxGCHeadroom = 512 << 20

// GCPercent returns the GOGC for a run whose live heap, the engine built,
// is live bytes: Go's default 100 while the headroom it gives (live ×
// GOGC / 100) stays within MaxGCHeadroom — a small book's run pays no more
// collections than any program — and less for a large book, whose indexes
// do not change during the run (a million invoices would otherwise double
// a gigabyte), never under 25, below which the collector's work grows
// faster than the memory it saves.
func GCPercent(live uint64) int {
	if live == 0 {
		return 100
	}
	p := MaxGCHeadroom * 100 / live
	return int(max(25, min(100, p)))
}

// TuneGC sets the collector for the matching phase of a run: it collects
// the building's garbage, hands it back to the system, measures the live
// heap and sets GCPercent of it. It returns the GOGC it set.
func TuneGC() int {
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	p := GCPercent(live)
	debug.SetGCPercent(p)
	return p
}

// ReadingBook sets the collector for a run's start: the heap grows by a
// quarter (GOGC 25, not the default double) between collections while an
// invoice book is read into an engine. built, called once the engine is
// built, collects the reading's garbage and sets the collector for the
// matching (TuneGC); restore puts the GOGC of before back. With GOGC set in
// the environment, it decides instead: built only hands the garbage back.
func ReadingBook() (built, restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() { debug.FreeOSMemory() }, func() {}
	}
	old := debug.SetGCPercent(25)
	return func() { TuneGC() }, func() { debug.SetGCPercent(old) }
}
