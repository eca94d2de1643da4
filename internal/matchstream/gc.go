package matchstream

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
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
	p := GCPercent(liveHeap())
	debug.SetGCPercent(p)
	return p
}

// ReadingBook sets the collector for a run's start, while an invoice book
// is read into an engine: the heap may grow by at most MaxReadingHeadroom
// between collections (GOGC 100 while the heap is small, down to 25 as it
// grows; the GOGC follows the live heap, checked every readingTick). A
// fixed GOGC 25 held the reading's peak as low, but collected every few
// megabytes at the start (about a hundred collections for 3 million
// invoices). built, called once the engine is built, collects the reading's
// garbage and sets the collector for the matching (TuneGC); restore puts
// the GOGC of before back. With GOGC set in the environment, it decides
// instead: built only hands the garbage back.
func ReadingBook() (built, restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() { debug.FreeOSMemory() }, func() {}
	}
	old := debug.SetGCPercent(readingPercent(liveHeap()))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(readingTick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				debug.SetGCPercent(readingPercent(liveHeap()))
			}
		}
	}()
	var once sync.Once
	halt := func() {
		once.Do(func() {
			close(stop)
			<-done
		})
	}
	return func() { halt(); TuneGC() }, func() { halt(); debug.SetGCPercent(old) }
}

// MaxReadingHeadroom bounds the heap's growth between two collections while
// a book is read: 256 MiB, half the matching's (the reading's garbage is
// most of what it allocates, and its peak adds to the book's).
const MaxReadingHeadroom = 256 << 20

// readingTick is how often ReadingBook adjusts the GOGC to the live heap.
const readingTick = 100 * time.Millisecond

// readingPercent is the GOGC for a book being read whose live heap is live
// bytes: at most MaxReadingHeadroom of growth, between 25 and 100.
func readingPercent(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(max(25, min(100, MaxReadingHeadroom*100/live)))
}

// liveHeap is the live heap the last collection measured.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
}
