package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Watcher watches the inbox of a data directory and ingests the statement
// files dropped there (see the package documentation). Create it with New
// and run it with Run.
type Watcher struct {
	cfg     Config
	log     zerolog.Logger
	m       *Metrics
	absDir  string
	procDir string // processing/<replica>, relative to the data directory
	ids     ledger.IDSource
	wake    chan struct{}
	running atomic.Bool

	root *os.Root // the data directory, while Run runs

	// Used by the watching goroutine only.
	settler      *settler
	temps        map[string]fs.FileInfo // ignored (temporary) names of inbox/, as last seen
	renamedTemps []fs.FileInfo          // temporary files recently renamed within inbox/
	tempRenamed  bool                   // the last notification was a temporary file renamed away
	known        map[string]string      // own processing/ file → content hash, once read
	orphans      map[string]*orphan     // other replicas' processing/ files seen

	// Used by the processing goroutine only.
	seq *sequences

	mu   sync.Mutex
	busy map[string]bool // processing/ files the processing goroutine has in hand
}

// orphan is a file seen in another replica's processing/ directory.
type orphan struct {
	firstSeen time.Time
	sha       string
}

// New checks cfg and returns a Watcher. Nothing is touched on disk before
// Run.
func New(cfg Config) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("ingest: data directory %s: %w", cfg.DataDir, err)
	}
	return &Watcher{
		cfg:     cfg,
		log:     cfg.Logger.With().Str("component", "ingest").Logger(),
		m:       cfg.Metrics,
		absDir:  abs,
		procDir: path.Join(dirProcessing, cfg.Replica),
		wake:    make(chan struct{}, 1),
		settler: newSettler(cfg.SettleTime),
		temps:   map[string]fs.FileInfo{},
		known:   map[string]string{},
		orphans: map[string]*orphan{},
		seq:     newSequences(cfg.Store),
		busy:    map[string]bool{},
	}, nil
}

// Notify wakes the processing goroutine, e.g. when another component knows
// a job was recorded. It never blocks.
func (w *Watcher) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run watches inbox/ and processes files until ctx ends, then finishes or
// releases the file in hand (a job interrupted by the end of ctx is given
// back to the queue, due at once) and returns nil. It first recovers what
// a previous run of this replica left in its processing/ directory. It
// returns an error only when the data directory cannot be used. A Watcher
// runs once at a time.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("ingest: watcher already running")
	}
	defer w.running.Store(false)
	if err := w.open(); err != nil {
		return err
	}
	defer w.close()

	var events <-chan fsnotify.Event
	var errs <-chan error
	inbox := filepath.Join(w.absDir, dirInbox)
	if fw, err := fsnotify.NewWatcher(); err != nil {
		w.log.Warn().Err(err).Dur("rescan_interval", w.cfg.RescanInterval).Msg("file notifications unavailable; relying on rescans")
	} else {
		defer fw.Close()
		if err := fw.Add(inbox); err != nil {
			w.log.Warn().Err(err).Dur("rescan_interval", w.cfg.RescanInterval).Msg("cannot watch inbox; relying on rescans")
		} else {
			events, errs = fw.Events, fw.Errors
		}
	}

	// Jobs this replica held when it last stopped (killed, crashed) are
	// ours again at once instead of after their lease: replica names are
	// unique among running replicas, and this one has just started.
	if n, err := w.cfg.Store.ReleaseIngestJobs(ctx, w.cfg.Replica, w.cfg.Now()); err != nil {
		w.log.Warn().Err(err).Msg("cannot release the jobs of a previous run; they wait for their leases")
	} else if n > 0 {
		w.log.Info().Int("jobs", n).Msg("released the jobs of a previous run")
	}
	w.rescan(ctx) // recovers own processing/ first, then lists inbox/
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.processLoop(ctx)
	}()
	defer wg.Wait()
	w.hook("started")

	rescan := time.NewTicker(w.cfg.RescanInterval)
	defer rescan.Stop()
	poll := time.NewTicker(w.cfg.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.event(ctx, ev)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflow or a watch error: events were lost.
			w.log.Warn().Err(err).Msg("file notification error; rescanning")
			w.rescan(ctx)
		case <-poll.C:
			w.poll(ctx)
		case <-rescan.C:
			w.rescan(ctx)
		}
	}
}

// open opens the data directory and makes its layout, refusing
// subdirectories that are symbolic links (they would lead outside it).
func (w *Watcher) open() error {
	if err := os.MkdirAll(w.absDir, 0o750); err != nil {
		return fmt.Errorf("ingest: data directory: %w", err)
	}
	root, err := os.OpenRoot(w.absDir)
	if err != nil {
		return fmt.Errorf("ingest: data directory: %w", err)
	}
	for _, d := range []string{dirInbox, dirArchive, dirRejected, dirProcessing, w.procDir} {
		info, err := root.Lstat(d)
		if errors.Is(err, fs.ErrNotExist) {
			if err = root.Mkdir(d, 0o750); err == nil || errors.Is(err, fs.ErrExist) {
				info, err = root.Lstat(d)
			}
		}
		if err != nil {
			root.Close()
			return fmt.Errorf("ingest: data directory %s: %s: %w", w.absDir, d, err)
		}
		if !info.IsDir() {
			root.Close()
			return fmt.Errorf("ingest: data directory %s: %s must be a directory, not %s (symbolic links are refused)", w.absDir, d, describeMode(info.Mode()))
		}
	}
	w.root = root
	return nil
}

func (w *Watcher) close() {
	if w.root != nil {
		w.root.Close()
		w.root = nil
	}
}

// describeMode names the type of a file system entry.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "an entry of mode " + m.String()
}

// hook marks a point of the processing where tests simulate a crash.
func (w *Watcher) hook(point string) {
	if w.cfg.testHook != nil {
		w.cfg.testHook(point)
	}
}

// event handles one notification about inbox/.
func (w *Watcher) event(ctx context.Context, ev fsnotify.Event) {
	if filepath.Dir(ev.Name) != filepath.Join(w.absDir, dirInbox) {
		return
	}
	name := filepath.Base(ev.Name)
	afterTempRename := w.tempRenamed
	w.tempRenamed = false
	if ignoredName(name) {
		w.trackTemp(name, ev)
		w.tempRenamed = ev.Has(fsnotify.Rename)
		return
	}
	// A rename within a watched directory is notified as a Rename of the
	// old name immediately followed by a Create of the new one.
	w.look(ctx, name, ev.Has(fsnotify.Create), afterTempRename && ev.Has(fsnotify.Create))
}

// trackTemp remembers the identity of temporary files, so that the file a
// temporary one is renamed to is recognised as complete.
func (w *Watcher) trackTemp(name string, ev fsnotify.Event) {
	switch {
	case ev.Has(fsnotify.Create):
		if info, err := w.root.Lstat(path.Join(dirInbox, name)); err == nil && info.Mode().IsRegular() {
			w.temps[name] = info
		}
	case ev.Has(fsnotify.Rename), ev.Has(fsnotify.Remove):
		if info, ok := w.temps[name]; ok {
			delete(w.temps, name)
			if ev.Has(fsnotify.Rename) {
				w.renamedTemps = append(w.renamedTemps, info)
				if len(w.renamedTemps) > 64 {
					w.renamedTemps = w.renamedTemps[1:]
				}
			}
		}
	}
}

// renamedIn reports whether a file that just appeared in inbox/ arrived
// complete: renamed from a temporary file of inbox/ (same inode as one
// seen, or notified right after a temporary file was renamed away), or
// moved in from elsewhere with content last modified at least the settle
// time ago (a file being written has a fresh modification time).
func (w *Watcher) renamedIn(info fs.FileInfo, now time.Time, afterTempRename bool) bool {
	if !info.Mode().IsRegular() {
		return false
	}
	if afterTempRename {
		return true
	}
	if info.Size() == 0 {
		return false
	}
	for i, t := range w.renamedTemps {
		if os.SameFile(t, info) {
			w.renamedTemps = append(w.renamedTemps[:i], w.renamedTemps[i+1:]...)
			return true
		}
	}
	return now.Sub(info.ModTime()) >= w.cfg.SettleTime
}

// look examines one name of inbox/ and takes it when it is complete.
// created says a notification reported it as just created (or renamed in);
// afterTempRename that the notification came right after a temporary file
// was renamed away.
func (w *Watcher) look(ctx context.Context, name string, created, afterTempRename bool) {
	info, err := w.root.Lstat(path.Join(dirInbox, name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.log.Warn().Err(err).Str("file", name).Msg("cannot look at inbox file")
		}
		w.settler.forget(name)
		w.m.inboxFiles(len(w.settler.entries))
		return
	}
	now := w.cfg.Now()
	w.settler.observe(name, info, now, created && w.renamedIn(info, now, afterTempRename))
	if w.settler.ready(name, now) {
		w.take(ctx, name)
	}
	w.m.inboxFiles(len(w.settler.entries))
}

// poll looks again at the names waiting to settle.
func (w *Watcher) poll(ctx context.Context) {
	for _, name := range w.settler.names() {
		if ctx.Err() != nil {
			return
		}
		w.look(ctx, name, false, false)
	}
}

// rescan lists processing/ (own files first: recovery; then other
// replicas' orphans) and inbox/ in full.
func (w *Watcher) rescan(ctx context.Context) {
	w.scanOwn(ctx)
	w.scanOrphans(ctx)
	entries, err := w.readDir(dirInbox)
	if err != nil {
		w.log.Error().Err(err).Msg("cannot list inbox")
		return
	}
	seen := map[string]bool{}
	temps := map[string]fs.FileInfo{}
	now := w.cfg.Now()
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		if err != nil {
			continue // gone since listed
		}
		if ignoredName(name) {
			if info.Mode().IsRegular() {
				temps[name] = info
			}
			continue
		}
		seen[name] = true
		w.settler.observe(name, info, now, false)
	}
	w.temps = temps
	for _, name := range w.settler.names() {
		if !seen[name] {
			w.settler.forget(name)
		}
	}
	// Look again at each (a fresh stat), oldest first.
	w.poll(ctx)
	w.m.inboxFiles(len(w.settler.entries))
}

// readDir lists a directory of the data directory.
func (w *Watcher) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := w.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// take claims a complete entry of inbox/ by renaming it into this
// replica's processing/ directory under a unique name. The rename is
// atomic: of several replicas taking the same file one succeeds, the
// others find it gone.
func (w *Watcher) take(ctx context.Context, name string) {
	w.settler.forget(name)
	intake := w.ids.New(w.cfg.Now())
	rel := path.Join(w.procDir, processingName(intake, name))
	if err := w.root.Rename(path.Join(dirInbox, name), rel); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.log.Error().Err(err).Str("file", name).Msg("cannot take inbox file; will try again")
			w.m.failed("take")
		}
		return
	}
	syncDirs(w.root, dirInbox, w.procDir)
	w.log.Debug().Str("file", name).Str("intake_id", intake).Msg("file taken")
	w.adopt(ctx, rel)
}
