// Package matchstream letters the credits of a statement stream with a
// reconcile.Engine on two goroutines: one parses the file and prepares
// each credit (Engine.Prepare: its texts analysed, its payer names looked
// up in the engine's fixed name index), the caller's decides on them in
// file order (Engine.MatchPrepared). The decisions are those of calling
// Engine.Match on each credit in turn — the engine's changing state is
// touched by the caller's goroutine only — and the work that depends on a
// credit alone runs beside it, on the machine's second core.
//
// Memory stays bounded: at most a few thousand credits are in flight
// between the two goroutines, whatever the file's size.
package matchstream

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
)

// Func receives, on the caller's goroutine and in file order, every
// transaction of the file's entries (an entry without transaction details
// stands for one transaction): with the engine's decision when matched is
// true, or unmatched (matched false, r zero) when the engine does not
// letter it — a debit, a reversal, an entry not booked, a zero amount
// (reconcile.Matchable says why). An error stops the run and is returned.
type Func func(c reconcile.Credit, r reconcile.Result, matched bool) error

// ParseFunc parses one statement file into v, as detect.ParseFile or
// camt053.Parse do.
type ParseFunc func(ctx context.Context, v statement.Visitor) error

// Sizes of the hand-over between the goroutines: credits travel in
// batches (a channel operation per credit would cost more than some
// decisions), and at most queued batches wait.
const (
	batchSize = 64
	queued    = 16
)

// Run parses the file with parse and lets e decide on each credit, calling
// fn for each transaction. It returns the first error: fn's, the engine's
// (ctx's), or the parser's — a parse error after some credits were decided
// is returned after fn has seen them, as when the parser drives the engine
// directly, so a caller keeps its all-or-nothing handling (Checkpoint,
// Rollback) unchanged. e must not be used by anything else during Run.
func Run(ctx context.Context, e *reconcile.Engine, parse ParseFunc, fn Func) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &producer{
		e:     e,
		ctx:   pctx,
		out:   make(chan []*reconcile.Prepared, queued),
		spare: make(chan []*reconcile.Prepared, queued+2),
	}
	var parseErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(p.out)
		parseErr = parse(pctx, p)
		if parseErr == nil {
			parseErr = p.flush()
		}
	}()
	err := consume(ctx, e, p, fn)
	if err != nil {
		cancel()
		for range p.out { // let the parser see the cancellation and stop
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if errors.Is(parseErr, errStopped) {
		return ctx.Err()
	}
	return parseErr
}

// consume decides on the prepared credits in order.
func consume(ctx context.Context, e *reconcile.Engine, p *producer, fn Func) error {
	for batch := range p.out {
		for _, pc := range batch {
			c := pc.Credit()
			if pc.Matchable() != nil {
				if err := fn(c, reconcile.Result{}, false); err != nil {
					return err
				}
				continue
			}
			r, err := e.MatchPrepared(ctx, pc)
			if err != nil {
				return fmt.Errorf("match entry %d transaction %d: %w", entryIndex(c), c.Tx.Index, err)
			}
			if err := fn(c, r, true); err != nil {
				return err
			}
		}
		select {
		case p.spare <- batch:
		default:
		}
	}
	return nil
}

func entryIndex(c reconcile.Credit) int {
	if c.Entry == nil {
		return 0
	}
	return c.Entry.Index
}

// errStopped is the producer's answer once the run is cancelled.
var errStopped = errors.New("match stream stopped")

// producer is the statement.Visitor of the parsing goroutine.
type producer struct {
	e     *reconcile.Engine // Prepare only: it reads the engine's fixed indexes
	ctx   context.Context
	out   chan []*reconcile.Prepared
	spare chan []*reconcile.Prepared // decided batches, their space reused
	batch []*reconcile.Prepared
	n     int // used length of batch
	// header is the statement as BeginStatement gave it: the parser
	// updates its statement in place (totals, balances) while the engine
	// reads the credits' earlier, so the credits point to this copy.
	header *ledger.Statement
}

// BeginStatement takes a copy of the statement's header for its credits.
func (p *producer) BeginStatement(_ context.Context, s *ledger.Statement) error {
	h := *s
	p.header = &h
	return nil
}

// EndStatement does nothing: credits are handed over by batch.
func (p *producer) EndStatement(context.Context, *ledger.Statement) error { return nil }

// Entry prepares the entry's transactions and queues them.
func (p *producer) Entry(_ context.Context, s *ledger.Statement, en *ledger.Entry) error {
	hdr := p.header
	if hdr == nil {
		hdr = s
	}
	txs := en.Transactions
	if len(txs) == 0 {
		txs = []ledger.Transaction{{Index: 1, Amount: en.Amount, Direction: en.Direction, AcctSvcrRef: en.AcctSvcrRef, AdditionalInfo: en.AdditionalInfo}}
	}
	for k := range txs {
		if p.batch == nil {
			select {
			case b := <-p.spare:
				p.batch = b[:cap(b)]
			default:
				p.batch = make([]*reconcile.Prepared, batchSize)
			}
			p.n = 0
		}
		p.batch[p.n] = p.e.Prepare(reconcile.Credit{Statement: hdr, Entry: en, Tx: &txs[k]}, p.batch[p.n])
		p.n++
		if p.n == batchSize {
			if err := p.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush hands the current batch over.
func (p *producer) flush() error {
	if p.batch == nil || p.n == 0 {
		return nil
	}
	b := p.batch[:p.n]
	p.batch = nil
	select {
	case p.out <- b:
		return nil
	case <-p.ctx.Done():
		return errStopped
	}
}
