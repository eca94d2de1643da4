package ingest

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// settler decides when an entry of inbox/ is complete. An entry is
// complete once it was renamed in (see observe), or once its type, size,
// modification time and identity (inode) have stayed as they are for the
// settle time, measured on our own clock from the first look that saw them
// so (a remote file system's clock plays no part). It is used by the
// watcher's goroutine only.
type settler struct {
	settle  time.Duration
	entries map[string]*entry
}

// entry is what was last seen of one name.
type entry struct {
	info    fs.FileInfo
	since   time.Time // first look with this state
	renamed bool      // seen arriving by a rename, with this state
}

func newSettler(settle time.Duration) *settler {
	return &settler{settle: settle, entries: map[string]*entry{}}
}

// sameState reports whether two looks at a name saw the same entry,
// unchanged.
func sameState(a, b fs.FileInfo) bool {
	return a.Mode() == b.Mode() && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && sameIdentity(a, b)
}

// sameIdentity reports whether two looks saw the same inode; true when the
// platform gives no identity to compare.
func sameIdentity(a, b fs.FileInfo) bool {
	if a.Sys() == nil || b.Sys() == nil {
		return true
	}
	return os.SameFile(a, b)
}

// observe records a look at name at now. renamed says the look follows a
// notification that the entry was renamed into inbox/ (its producer wrote
// it elsewhere and is done with it); it holds for as long as the entry
// stays as seen. A changed entry starts settling anew.
func (s *settler) observe(name string, info fs.FileInfo, now time.Time, renamed bool) {
	e, ok := s.entries[name]
	if ok && sameState(e.info, info) {
		e.renamed = e.renamed || renamed
		return
	}
	s.entries[name] = &entry{info: info, since: now, renamed: renamed}
}

// ready reports whether name is complete at now.
func (s *settler) ready(name string, now time.Time) bool {
	e, ok := s.entries[name]
	return ok && (e.renamed || now.Sub(e.since) >= s.settle)
}

// forget drops a name (taken, or gone).
func (s *settler) forget(name string) { delete(s.entries, name) }

// names returns the names being watched, oldest modification first (then
// by name), so that files dropped together are taken, and their statements
// stored, in the order they were written.
func (s *settler) names() []string {
	out := make([]string, 0, len(s.entries))
	for n := range s.entries {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := s.entries[a].info.ModTime().Compare(s.entries[b].info.ModTime()); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}
