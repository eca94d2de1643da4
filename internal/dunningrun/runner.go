package dunningrun

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Store is what the runner reads and writes; a ledger.Store satisfies it.
type Store interface {
	ledger.InvoiceStore
	ledger.MatchStore
	ledger.CustomerStore
	ledger.DunningStore
	ledger.AuditStore
	// GetTransaction gives the dates of the payments and credits.
	GetTransaction(ctx context.Context, id string) (ledger.BankTransaction, error)
}

// Actor is the journal's actor of the transitions a run stores.
const Actor = "dunning"

// maxAttempts bounds the evaluations of one invoice that lose a race.
const maxAttempts = 3

// pageSize is how many rows a listing reads at a time.
const pageSize = 1000

// Config are the runner's dependencies.
type Config struct {
	Store  Store
	Policy dunning.Policy
	// Location is the dunning time zone: "today" of the API actions.
	Location *time.Location
	// Clock gives "now"; time.Now when nil.
	Clock  func() time.Time
	Logger zerolog.Logger
	// Metrics, when not nil, counts transitions and cases.
	Metrics *Metrics
	// OnEvents, when not nil, is called after events were stored (to wake
	// the webhook dispatcher).
	OnEvents func()
}

// Runner evaluates dunning cases and stores the transitions.
type Runner struct {
	cfg Config
}

// New returns a runner. The policy must be valid.
func New(cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("dunningrun: no store")
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("dunningrun: policy: %w", err)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Runner{cfg: cfg}, nil
}

// Policy returns the policy the runner applies.
func (r *Runner) Policy() dunning.Policy { return r.cfg.Policy }

// Today returns the civil date of now in the dunning time zone.
func (r *Runner) Today() ledger.Date { return dunning.Today(r.cfg.Clock(), r.cfg.Location) }

// Options change what Run does.
type Options struct {
	// DryRun computes and reports the transitions without storing anything.
	DryRun bool
	// Explain also reports the cases held now (as Held lines).
	Explain bool
}

// Report is what a run did (or, dry, would do).
type Report struct {
	AsOf   ledger.Date
	DryRun bool
	// Evaluated counts the invoices evaluated.
	Evaluated int
	// Steps are the changes stored (or that would be), in order.
	Steps []Step
	// Held are the cases held now, with the reason (Explain only).
	Held []Step
	// Skipped lists invoices not evaluated and why (another currency than
	// the policy's, a run dated before the case's last change).
	Skipped []Problem
	// Failed lists invoices whose evaluation failed; the run went on.
	Failed []Problem
	// Conflicts counts races lost and evaluated again.
	Conflicts int
}

// Problem is an invoice a run could not evaluate, and why.
type Problem struct {
	InvoiceID string
	Err       error
}

// Outcome summarises a report for metrics: "ok", or "partial" when some
// invoices failed.
func (rep Report) Outcome() string {
	if len(rep.Failed) > 0 {
		return "partial"
	}
	return "ok"
}

// Count returns how many steps have the given kind.
func (rep Report) Count(kind StepKind) int {
	n := 0
	for _, s := range rep.Steps {
		if s.Kind == kind {
			n++
		}
	}
	return n
}

// Run evaluates, as of asOf, every invoice that may need dunning: open or
// partially paid ones due before asOf plus the longest lead of a stage
// before the due date, and those with a case not closed yet. Each change is
// stored with its event unless opts.DryRun. Errors of one invoice are
// reported in Failed and do not stop the run; the error returned is one
// that stops it (the store unreachable, ctx cancelled).
func (r *Runner) Run(ctx context.Context, asOf ledger.Date, opts Options) (Report, error) {
	rep := Report{AsOf: asOf, DryRun: opts.DryRun}
	if asOf.IsZero() {
		return rep, fmt.Errorf("dunning run: no date: %w", ledger.ErrInvalid)
	}
	start := r.cfg.Clock()
	cases, err := r.loadCases(ctx)
	if err != nil {
		return rep, err
	}
	invs, err := r.candidates(ctx, asOf, cases)
	if err != nil {
		return rep, err
	}
	ctxData, err := r.loadRunData(ctx)
	if err != nil {
		return rep, err
	}
	for i := range invs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		inv := invs[i]
		if inv.Amount.Currency != r.cfg.Policy.Currency {
			rep.Skipped = append(rep.Skipped, Problem{inv.ID, fmt.Errorf("invoice in %s, policy in %s: not chased", inv.Amount.Currency, r.cfg.Policy.Currency)})
			continue
		}
		rep.Evaluated++
		var stored *ledger.DunningCase
		if c, ok := cases[inv.ID]; ok {
			stored = &c
		}
		res, err := r.evaluate(ctx, ctxData, inv, stored, asOf, opts, Actor, "")
		rep.Steps = append(rep.Steps, res.steps...)
		rep.Held = append(rep.Held, res.held...)
		rep.Conflicts += res.conflicts
		switch {
		case err == nil:
		case errors.Is(err, errBeforeLastChange):
			rep.Skipped = append(rep.Skipped, Problem{inv.ID, err})
		case ctx.Err() != nil:
			return rep, ctx.Err()
		default:
			rep.Failed = append(rep.Failed, Problem{inv.ID, err})
			r.cfg.Logger.Error().Err(err).Str("invoice_id", inv.ID).Str("as_of", asOf.String()).Msg("dunning evaluation failed")
		}
	}
	if !opts.DryRun {
		r.announce(rep.Steps)
		if r.cfg.Metrics != nil {
			if err := r.cfg.Metrics.refreshCases(ctx, r.cfg.Store); err != nil {
				r.cfg.Logger.Warn().Err(err).Msg("dunning case metrics not refreshed")
			}
		}
	}
	r.cfg.Logger.Info().Str("as_of", asOf.String()).Bool("dry_run", opts.DryRun).Int("evaluated", rep.Evaluated).
		Int("transitions", rep.Count(StepStage)).Int("paused", rep.Count(StepPause)).Int("resumed", rep.Count(StepResume)).
		Int("closed", rep.Count(StepClose)).Int("reopened", rep.Count(StepReopen)).Int("skipped", len(rep.Skipped)).
		Int("failed", len(rep.Failed)).Int("conflicts", rep.Conflicts).Dur("took", r.cfg.Clock().Sub(start)).Msg("dunning run")
	return rep, nil
}

// loadCases reads every stored case, by invoice id.
func (r *Runner) loadCases(ctx context.Context) (map[string]ledger.DunningCase, error) {
	out := map[string]ledger.DunningCase{}
	after := ""
	for {
		cs, err := r.cfg.Store.ListDunningCases(ctx, ledger.DunningFilter{After: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("dunning run: list cases: %w", err)
		}
		for _, c := range cs {
			out[c.InvoiceID] = c
		}
		if len(cs) < pageSize {
			return out, nil
		}
		after = cs[len(cs)-1].InvoiceID
	}
}

// lead returns how many days before the due date the earliest stage of
// any scenario may act.
func (r *Runner) lead() int {
	n := 0
	for _, sc := range r.cfg.Policy.Scenarios {
		for _, st := range sc.Stages {
			if st.From == dunning.FromDueDate && -st.OffsetDays > n {
				n = -st.OffsetDays
			}
		}
	}
	return n
}

// candidates returns the invoices to evaluate, in id order.
func (r *Runner) candidates(ctx context.Context, asOf ledger.Date, cases map[string]ledger.DunningCase) ([]ledger.Invoice, error) {
	seen := map[string]bool{}
	var out []ledger.Invoice
	f := ledger.InvoiceFilter{Statuses: []ledger.InvoiceStatus{ledger.InvoiceOpen, ledger.InvoicePartiallyPaid},
		DueBefore: asOf.AddDays(r.lead() + 1), Limit: pageSize}
	for {
		invs, err := r.cfg.Store.ListInvoices(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("dunning run: list invoices: %w", err)
		}
		for _, inv := range invs {
			seen[inv.ID] = true
			out = append(out, inv)
		}
		if len(invs) < pageSize {
			break
		}
		f.After = invs[len(invs)-1].ID
	}
	// Cases still running whose invoice the listing left out: paid,
	// cancelled, or due later (a dispute opened early).
	ids := make([]string, 0)
	for id, c := range cases {
		if !seen[id] && c.Status != ledger.DunningClosed {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		inv, err := r.cfg.Store.GetInvoice(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("dunning run: invoice %s of a running case: %w", id, err)
		}
		out = append(out, inv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
