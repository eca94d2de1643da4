package lettering

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Lock names given to Store.RunExclusive.
const (
	// lockRun serialises lettering runs across replicas: one engine at a
	// time decides, so two replicas never offer the same invoice to two
	// credits at once.
	lockRun = "lettering"
	// lockStatement records, with the statement id as slot, each
	// statement lettered to the end, so that it is never lettered again.
	lockStatement = "lettering.statement"
)

// Runner letters the credits of stored statements. Create it with New, run
// it with Run, wake it with Notify.
type Runner struct {
	cfg  Config
	log  zerolog.Logger
	m    *Metrics
	wake chan struct{}

	mu         sync.Mutex                        // one run at a time in this process
	done       map[string]bool                   // statements known lettered
	waiting    map[string]ledger.StoredStatement // statements seen, not yet lettered
	cursor     string                            // newest statement id seen
	scannedAll bool                              // every statement was looked at once
	lastFull   time.Time
}

// New checks cfg and returns a Runner.
func New(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Runner{
		cfg:     cfg,
		log:     cfg.Logger.With().Str("component", "lettering").Logger(),
		m:       cfg.Metrics,
		wake:    make(chan struct{}, 1),
		done:    map[string]bool{},
		waiting: map[string]ledger.StoredStatement{},
	}, nil
}

// Notify asks for a run soon, e.g. after ingestion stored statements. It
// never blocks.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run letters pending statements at start, on each Notify and every
// Interval, until ctx ends; then it returns nil. A failed run is logged and
// retried at the next occasion; what it recorded stays (each decision is
// its own transaction) and is not done again.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTimer(r.cfg.Interval)
	defer t.Stop()
	for {
		sum, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error().Err(err).Dur("retry_in", r.cfg.Interval).Msg("lettering run failed")
			r.m.failed()
		}
		// Another replica is lettering: it may have started before the
		// statements that woke this one were stored, so look again soon.
		wait := r.cfg.Interval
		if sum.Busy {
			wait = min(time.Second, wait)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-t.C:
		}
	}
}

// Summary counts what a run did.
type Summary struct {
	// Busy is set when another replica was lettering: this run did
	// nothing (that replica letters the pending statements).
	Busy       bool
	Statements int // statements lettered to the end
	Auto       int // credits lettered automatically
	Review     int // credits proposed for review
	Unmatched  int // credits without an acceptable proposal
	Skipped    int // credits not decided on (see the skipped metric)
	Reversed   int // lettrages undone by a reversal debit
}

// RunOnce letters every pending statement now, in batches, and returns
// what it did. It is what Run does at each occasion; tests and
// command-line tools call it directly.
func (r *Runner) RunOnce(ctx context.Context) (Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var sum Summary
	ran, err := r.cfg.Store.RunExclusive(ctx, lockRun, "", func(ctx context.Context) error {
		return r.runLocked(ctx, &sum)
	})
	if !ran && err == nil {
		sum.Busy = true
		return sum, nil
	}
	if err != nil {
		return sum, err
	}
	if err := r.updateBacklog(ctx); err != nil {
		r.log.Warn().Err(err).Msg("cannot count the review backlog")
	}
	return sum, nil
}

// runLocked finds the pending statements and letters them in order, a
// batch (one engine) at a time.
func (r *Runner) runLocked(ctx context.Context, sum *Summary) error {
	pending, err := r.pending(ctx)
	if err != nil {
		return err
	}
	for len(pending) > 0 {
		n := min(len(pending), r.cfg.BatchStatements)
		b := &batch{r: r}
		start := time.Now()
		err := r.letterBatch(ctx, b, pending[:n], sum)
		r.m.batchDone(time.Since(start))
		if b.events {
			r.eventsRecorded()
		}
		if err != nil {
			return err
		}
		pending = pending[n:]
	}
	return nil
}

// letterBatch letters statements with one engine, each under its
// statement record: a statement lettered to the end is recorded and never
// lettered again; one that fails is not, and the run stops there so that
// later statements wait (order matters).
func (r *Runner) letterBatch(ctx context.Context, b *batch, sts []ledger.StoredStatement, sum *Summary) error {
	for i := range sts {
		st := &sts[i]
		ran, err := r.cfg.Store.RunExclusive(ctx, lockStatement, st.ID, func(ctx context.Context) error {
			return r.letterStatement(ctx, b, st, sum)
		})
		if err != nil {
			return fmt.Errorf("letter statement %s: %w", st.ID, err)
		}
		if ran {
			sum.Statements++
		}
		r.done[st.ID] = true
		delete(r.waiting, st.ID)
	}
	return nil
}

// pending lists the statements not known to be lettered, in lettering
// order: those seen before and not lettered yet (a run that failed), plus
// what a look at the store finds. The first look after start covers every
// statement; then every FullScanInterval a look covers those stored in the
// last FullScanHorizon; in between a look covers those stored after the
// newest seen, less ScanOverlap.
func (r *Runner) pending(ctx context.Context) ([]ledger.StoredStatement, error) {
	now := r.cfg.Now()
	after, periodic := "", false
	last, ok := idTime(r.cursor)
	switch {
	case !r.scannedAll || !ok:
	case now.Sub(r.lastFull) >= r.cfg.FullScanInterval:
		after, periodic = idFloor(now.Add(-r.cfg.FullScanHorizon)), true
	default:
		after = idFloor(last.Add(-r.cfg.ScanOverlap))
	}
	for {
		page, err := r.cfg.Store.ListStatements(ctx, ledger.StatementFilter{After: after, Limit: 500})
		if err != nil {
			return nil, fmt.Errorf("list statements: %w", err)
		}
		for _, st := range page {
			if st.ID > r.cursor {
				r.cursor = st.ID
			}
			if !r.done[st.ID] {
				r.waiting[st.ID] = st
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !r.scannedAll || periodic {
		r.scannedAll, r.lastFull = true, now
		r.forgetOld(now)
	}
	out := make([]ledger.StoredStatement, 0, len(r.waiting))
	for _, st := range r.waiting {
		out = append(out, st)
	}
	slices.SortStableFunc(out, compareStatements)
	return out, nil
}

// forgetOld drops from memory the lettered statements no look will list
// again (older than both the horizon and the overlap behind the cursor).
func (r *Runner) forgetOld(now time.Time) {
	limit := now.Add(-r.cfg.FullScanHorizon)
	if last, ok := idTime(r.cursor); ok && last.Add(-r.cfg.ScanOverlap).Before(limit) {
		limit = last.Add(-r.cfg.ScanOverlap)
	}
	for id := range r.done {
		if t, ok := idTime(id); ok && t.Before(limit) {
			delete(r.done, id)
		}
	}
}

// compareStatements orders statements for lettering: by date (the first
// day they cover), then per account by electronic sequence number, then in
// storage order. Statement order decides which credit letters an invoice
// first.
func compareStatements(a, b ledger.StoredStatement) int {
	if c := statementDay(&a).Compare(statementDay(&b)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.AccountID, b.AccountID); c != 0 {
		return c
	}
	sa, oka := seqNumber(a.Header.ElectronicSeq)
	sb, okb := seqNumber(b.Header.ElectronicSeq)
	if oka && okb && sa != sb {
		return cmp.Compare(sa, sb)
	}
	return strings.Compare(a.ID, b.ID)
}

// statementDay is the first day a statement covers, else its last, else
// the day it was created.
func statementDay(s *ledger.StoredStatement) ledger.Date {
	switch {
	case !s.Header.From.IsZero():
		return s.Header.From
	case !s.Header.To.IsZero():
		return s.Header.To
	case !s.Header.CreatedAt.IsZero():
		return ledger.DateOf(s.Header.CreatedAt)
	}
	return ledger.DateOf(s.CreatedAt)
}

// seqNumber reads an electronic sequence number.
func seqNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// updateBacklog counts the proposals waiting for a person.
func (r *Runner) updateBacklog(ctx context.Context) error {
	review, unmatched := 0, 0
	after := ""
	for {
		ms, err := r.cfg.Store.ListMatches(ctx, ledger.MatchFilter{Status: ledger.MatchProposed, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Decision == ledger.DecisionUnmatched {
				unmatched++
			} else {
				review++
			}
		}
		if len(ms) < 1000 {
			break
		}
		after = ms[len(ms)-1].ID
	}
	r.m.backlogs(review, unmatched)
	return nil
}

// eventsRecorded tells whoever delivers events that there are new ones.
func (r *Runner) eventsRecorded() {
	if r.cfg.OnEvents != nil {
		r.cfg.OnEvents()
	}
}

// hook marks a point where tests simulate a crash.
func (r *Runner) hook(point string) {
	if r.cfg.testHook != nil {
		r.cfg.testHook(point)
	}
}
