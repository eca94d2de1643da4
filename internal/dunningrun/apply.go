package dunningrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// errBeforeLastChange refuses an evaluation dated before the case's last
// stored change: it would undo pauses and stages recorded later.
var errBeforeLastChange = errors.New("dated before the case's last stored change")

// StepKind is what a stored step of a case is.
type StepKind string

// Step kinds.
const (
	StepStage  StepKind = "stage"  // a stage entered (dunning.stage_changed)
	StepPause  StepKind = "pause"  // a hold placed (dunning.paused)
	StepResume StepKind = "resume" // a hold lifted (dunning.resumed)
	StepClose  StepKind = "close"  // paid in full or cancelled (dunning.stage_changed to "closed")
	StepReopen StepKind = "reopen" // open again after a reversed lettrage (dunning.stage_changed from "closed")
	StepRecord StepKind = "record" // a dispute or a payment plan recorded by a person (no event)
	StepHeld   StepKind = "held"   // a case held now, nothing stored (Explain lines only)
)

// Step is one change of a case, stored (or, dry, that would be).
type Step struct {
	Kind       StepKind
	InvoiceID  string
	CustomerID string
	AsOf       ledger.Date
	// From and To are stage ids; "closed" for a closed case; To is "" for
	// a pause and a held line.
	From, To string
	// Action is the stage's action (email, phone_task, letter,
	// registered_letter, legal_handoff, none for a lapsed stage) or the
	// step's kind for the others.
	Action    string
	AmountDue ledger.Money
	// Penalties are accrued to date when PenaltiesNote is empty; otherwise
	// they are unknown and the note says why.
	Penalties     ledger.Money
	PenaltiesNote string
	Indemnity     ledger.Money
	Deadline      ledger.Date
	Route         string
	Reason        string
	// Event is the outbox event type ("" for none) and Data its payload.
	Event string
	Data  json.RawMessage
	// Version is the case version the step produced (0 when dry).
	Version int64
}

// planned is a step with the case record it leaves behind.
type planned struct {
	step   Step
	record ledger.DunningCase
}

// evalResult is what evaluating one invoice produced.
type evalResult struct {
	steps     []Step
	held      []Step
	conflicts int
}

// EvaluateInvoice evaluates one invoice as of a day (no earlier than its
// case's last change) and stores what changes, as a run would.
func (r *Runner) EvaluateInvoice(ctx context.Context, invoiceID string, asOf ledger.Date, actor string) (Report, error) {
	rep := Report{AsOf: asOf}
	inv, err := r.cfg.Store.GetInvoice(ctx, invoiceID)
	if err != nil {
		return rep, err
	}
	if inv.Amount.Currency != r.cfg.Policy.Currency {
		rep.Skipped = append(rep.Skipped, Problem{inv.ID, fmt.Errorf("invoice in %s, policy in %s: not chased", inv.Amount.Currency, r.cfg.Policy.Currency)})
		return rep, nil
	}
	stored, err := r.storedCase(ctx, invoiceID)
	if err != nil {
		return rep, err
	}
	d, err := r.loadRunData(ctx)
	if err != nil {
		return rep, err
	}
	rep, err = r.evaluateInvoiceWith(ctx, d, inv, stored, asOf, actor)
	if len(rep.Steps) > 0 && r.cfg.OnEvents != nil {
		r.cfg.OnEvents()
	}
	return rep, err
}

// evaluateInvoiceWith is EvaluateInvoice with the run data in hand.
func (r *Runner) evaluateInvoiceWith(ctx context.Context, d *runData, inv ledger.Invoice, stored *ledger.DunningCase, asOf ledger.Date, actor string) (Report, error) {
	rep := Report{AsOf: asOf}
	invoiceID := inv.ID
	if stored != nil {
		var st dunning.State
		if len(stored.State) > 0 {
			if err := json.Unmarshal(stored.State, &st); err != nil {
				return rep, fmt.Errorf("case state of %s: %w", invoiceID, err)
			}
		}
		if st.AsOf.After(asOf) {
			asOf = st.AsOf
		}
		if e, ok := (dunning.Case{}.WithState(st)).Current(); ok && e.Entered.After(asOf) {
			asOf = e.Entered
		}
	}
	rep.AsOf, rep.Evaluated = asOf, 1
	res, err := r.evaluate(ctx, d, inv, stored, asOf, Options{}, actor, "")
	rep.Steps, rep.Conflicts = res.steps, res.conflicts
	return rep, err
}

// storedCase returns the case of an invoice, nil when it has none.
func (r *Runner) storedCase(ctx context.Context, invoiceID string) (*ledger.DunningCase, error) {
	c, err := r.cfg.Store.GetDunningCase(ctx, invoiceID)
	switch {
	case isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &c, nil
}

// evaluate decides and stores the changes of one invoice, evaluating it
// again after a lost race.
func (r *Runner) evaluate(ctx context.Context, d *runData, inv ledger.Invoice, stored *ledger.DunningCase, asOf ledger.Date, opts Options, actor, reason string) (evalResult, error) {
	var res evalResult
	for attempt := 0; ; attempt++ {
		c, st, err := r.buildCase(ctx, d, inv, stored, asOf)
		if err != nil {
			return res, err
		}
		if st.AsOf.After(asOf) {
			return res, fmt.Errorf("invoice %s: run as of %s %w (%s)", inv.ID, asOf, errBeforeLastChange, st.AsOf)
		}
		if e, ok := c.Current(); ok && e.Entered.After(asOf) {
			return res, fmt.Errorf("invoice %s: run as of %s %w (%s entered %s)", inv.ID, asOf, errBeforeLastChange, e.Stage, e.Entered)
		}
		dec, err := dunning.Next(c, asOf, r.cfg.Policy)
		if err != nil {
			return res, err
		}
		plan, err := r.plan(c, st, stored, dec)
		if err != nil {
			return res, err
		}
		if opts.Explain && len(dec.Holds) > 0 && dec.Close == nil {
			res.held = append(res.held, heldStep(dec))
		}
		if opts.DryRun {
			for _, p := range plan {
				res.steps = append(res.steps, p.step)
			}
			return res, nil
		}
		conflict := false
		var version int64
		if stored != nil {
			version = stored.Version
		}
		for _, p := range plan {
			out, err := r.store(ctx, inv.ID, version, p, actor, reason)
			if errors.Is(err, ledger.ErrConflict) {
				conflict = true
				break
			}
			if err != nil {
				return res, err
			}
			version = out.Case.Version
			p.step.Version = version
			res.steps = append(res.steps, p.step)
		}
		if !conflict {
			return res, nil
		}
		res.conflicts++
		if attempt+1 >= maxAttempts {
			return res, fmt.Errorf("invoice %s: the case kept changing under %d evaluations: %w", inv.ID, maxAttempts, ledger.ErrConflict)
		}
		if stored, err = r.storedCase(ctx, inv.ID); err != nil {
			return res, err
		}
		if inv, err = r.cfg.Store.GetInvoice(ctx, inv.ID); err != nil {
			return res, err
		}
	}
}

// store writes one planned step with its event.
func (r *Runner) store(ctx context.Context, invoiceID string, fromVersion int64, p planned, actor, reason string) (ledger.DunningOutcome, error) {
	s := p.step
	w := ledger.Write[ledger.DunningOutcome]{Actor: actor, Reason: orText(reason, s.Reason), Events: func(o ledger.DunningOutcome) ([]ledger.EventDraft, error) {
		if s.Event == "" {
			return nil, nil
		}
		data, err := withVersion(s.Data, o.Case.Version)
		if err != nil {
			return nil, err
		}
		return []ledger.EventDraft{{Type: s.Event, AggregateType: "invoice", AggregateID: invoiceID, Data: data}}, nil
	}}
	return r.cfg.Store.TransitionDunning(ctx, ledger.DunningTransition{InvoiceID: invoiceID, FromVersion: fromVersion, To: p.record,
		AsOf: s.AsOf, Action: s.Action, Details: s.Data}, w)
}

// withVersion adds the case version to an event payload.
func withVersion(data json.RawMessage, version int64) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("event payload: %w", err)
	}
	m["case_version"] = version
	return json.Marshal(m)
}

// plan turns a decision into the steps to store, each with the case
// record it leaves: reopening, holds lifted, holds placed, stage
// transitions, closing — the order in which they happened.
func (r *Runner) plan(c dunning.Case, st dunning.State, stored *ledger.DunningCase, d dunning.Decision) ([]planned, error) {
	inv := c.Invoice
	cur := st
	cur.AsOf = d.AsOf
	var out []planned
	base := func(kind StepKind, action string) Step {
		return Step{Kind: kind, InvoiceID: inv.ID, CustomerID: inv.CustomerID, AsOf: d.AsOf, Action: action, AmountDue: inv.Open,
			Penalties: d.Penalties, Indemnity: d.Indemnity, PenaltiesNote: accruedNote(d)}
	}
	holdsOf := map[dunning.HoldKey]dunning.Hold{}
	for _, h := range d.Holds {
		holdsOf[h.HoldKey] = h
	}
	add := func(s Step, eventData map[string]any) error {
		rec, err := caseRecord(cur, d, holdsOf)
		if err != nil {
			return err
		}
		if s.Data, err = eventPayload(s, inv, d, eventData); err != nil {
			return err
		}
		out = append(out, planned{step: s, record: rec})
		return nil
	}
	stage := c.Stage()
	if d.Reopen {
		cur.Closed = false
		s := base(StepReopen, "reopen")
		s.From, s.To, s.Event = dunning.StageClosed, stage, ledger.EventDunningStageChanged
		s.Reason = "reopened: the invoice is open again (lettrage reversed)"
		if err := add(s, nil); err != nil {
			return nil, err
		}
	}
	for _, k := range d.Lifted {
		cur.ActiveHolds = without(cur.ActiveHolds, k)
		s := base(StepResume, "resume")
		s.From, s.To, s.Event = stage, stage, ledger.EventDunningResumed
		s.Reason = fmt.Sprintf("%s %s lifted", k.Reason, k.Ref)
		if err := add(s, map[string]any{"hold": map[string]any{"reason": k.Reason, "ref": k.Ref}}); err != nil {
			return nil, err
		}
	}
	for _, h := range d.Placed {
		cur.ActiveHolds = append(without(cur.ActiveHolds, h.HoldKey), h.HoldKey)
		s := base(StepPause, "pause")
		s.From, s.Event = stage, ledger.EventDunningPaused
		s.Reason = string(h.Reason) + ": " + h.Detail
		hold := map[string]any{"reason": h.Reason, "ref": h.Ref, "kind": h.Kind, "detail": h.Detail, "since": dateOrNil(h.Since), "until": dateOrNil(h.Until)}
		if err := add(s, map[string]any{"hold": hold}); err != nil {
			return nil, err
		}
	}
	for _, t := range d.Transitions {
		cur.History = append(append([]dunning.StageEntry(nil), cur.History...), dunning.StageEntry{Stage: t.To, Entered: d.AsOf, Deadline: t.Deadline, Lapsed: t.Lapsed})
		s := base(StepStage, string(t.Action))
		s.From, s.To, s.Event = t.From, t.To, ledger.EventDunningStageChanged
		s.AmountDue, s.Penalties, s.Indemnity, s.PenaltiesNote = t.Letter.AmountDue, t.Letter.Penalties, t.Letter.Indemnity, t.Letter.PenaltiesUnavailable
		s.Deadline, s.Route, s.Reason = t.Deadline, string(t.Route), t.Reason
		if d.Reopen {
			s.Reason = "reopened (lettrage reversed); " + s.Reason
		}
		if err := add(s, transitionData(t)); err != nil {
			return nil, err
		}
		stage = t.To
	}
	if cl := d.Close; cl != nil {
		cur.Closed, cur.ActiveHolds = true, nil
		s := base(StepClose, "close")
		s.From, s.To, s.Event = stage, dunning.StageClosed, ledger.EventDunningStageChanged
		s.Penalties, s.Indemnity, s.PenaltiesNote, s.Reason = cl.Penalties, cl.Indemnity, cl.PenaltiesUnavailable, cl.Note
		if s.Penalties.Currency == "" {
			s.Penalties.Currency = inv.Open.Currency
		}
		if s.Indemnity.Currency == "" {
			s.Indemnity.Currency = inv.Open.Currency
		}
		if err := add(s, map[string]any{"closure": map[string]any{"reason": cl.Reason, "paid_on": dateOrNil(cl.PaidOn), "days_late": cl.DaysLate,
			"disposition": cl.Disposition}}); err != nil {
			return nil, err
		}
	}
	if stored == nil && len(out) > 0 && len(d.Transitions) == 0 && d.Close == nil {
		// Holds alone do not open a case before its first stage is due:
		// there is nothing to pause yet.
		sc, err := r.cfg.Policy.ScenarioFor(c)
		if err != nil {
			return nil, err
		}
		if d.AsOf.Before(inv.DueDate.AddDays(sc.Stages[0].OffsetDays)) {
			return nil, nil
		}
	}
	if stored == nil && d.Close != nil && len(d.Transitions) == 0 {
		// A case never opened is not closed either.
		return nil, nil
	}
	return out, nil
}

// without returns ks without k.
func without(ks []dunning.HoldKey, k dunning.HoldKey) []dunning.HoldKey {
	var out []dunning.HoldKey
	for _, x := range ks {
		if x != k {
			out = append(out, x)
		}
	}
	return out
}

// caseRecord is the case row for a state.
func caseRecord(st dunning.State, d dunning.Decision, holdsOf map[dunning.HoldKey]dunning.Hold) (ledger.DunningCase, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return ledger.DunningCase{}, fmt.Errorf("case state: %w", err)
	}
	rec := ledger.DunningCase{CustomerID: d.CustomerID, Scenario: d.Scenario, State: b, Status: ledger.DunningActive}
	if n := len(st.History); n > 0 {
		rec.Stage, rec.StageSince = st.History[n-1].Stage, st.History[n-1].Entered
	}
	switch {
	case st.Closed:
		rec.Status = ledger.DunningClosed
	case len(st.ActiveHolds) > 0:
		rec.Status = ledger.DunningPaused
		var hs []dunning.Hold
		for _, k := range st.ActiveHolds {
			if h, ok := holdsOf[k]; ok {
				hs = append(hs, h)
			} else {
				hs = append(hs, dunning.Hold{HoldKey: k})
			}
		}
		rec.PauseReason, rec.PausedUntil = dunning.Decision{Holds: hs}.Pause()
	}
	return rec, nil
}

// accruedNote is the note of a decision's accrued amounts ("" when known).
func accruedNote(d dunning.Decision) string {
	if d.AccruedKnown {
		return ""
	}
	return d.AccruedNote
}

// heldStep is the Explain line of a held case.
func heldStep(d dunning.Decision) Step {
	s := Step{Kind: StepHeld, InvoiceID: d.InvoiceID, CustomerID: d.CustomerID, AsOf: d.AsOf, From: d.Stage, Action: "hold",
		AmountDue: d.AmountDue, Penalties: d.Penalties, Indemnity: d.Indemnity, PenaltiesNote: accruedNote(d)}
	for i, h := range d.Holds {
		if i > 0 {
			s.Reason += "; "
		}
		s.Reason += string(h.Reason) + ": " + h.Detail
	}
	return s
}

// transitionData is what a stage_changed event adds about the transition.
func transitionData(t dunning.Transition) map[string]any {
	l := t.Letter
	m := map[string]any{
		"lapsed":            t.Lapsed,
		"letter_bearing":    t.Action.LetterBearing(),
		"mention_penalties": t.MentionPenalties,
		"due_since":         dateOrNil(t.DueSince),
		"days_late":         l.DaysLate,
		"total":             moneyOrNil(l.Total),
		"route":             strOrNil(string(t.Route)),
	}
	m["rate_percent"] = nil
	if l.PenaltiesUnavailable == "" && l.DaysLate > 0 {
		m["rate_percent"] = l.Rate.String()
	}
	if l.PenaltiesUnavailable != "" {
		// The total leaves the unknown penalties out: say so.
		m["total"] = nil
		m["total_without_penalties"] = l.Total.String()
	}
	return m
}

// eventPayload is the JSON of a step's event: what every dunning event
// says about the invoice and the case, the step, and extra.
func eventPayload(s Step, inv ledger.Invoice, d dunning.Decision, extra map[string]any) (json.RawMessage, error) {
	m := map[string]any{
		"invoice_id":     inv.ID,
		"invoice_number": inv.Number,
		"customer_id":    inv.CustomerID,
		"customer_name":  inv.CustomerName,
		"scenario":       d.Scenario,
		"as_of":          s.AsOf.String(),
		"kind":           s.Kind,
		"from":           strOrNil(s.From),
		"to":             strOrNil(s.To),
		"action":         s.Action,
		"issue_date":     dateOrNil(inv.IssueDate),
		"due_date":       dateOrNil(inv.DueDate),
		"amount":         inv.Amount.String(),
		"amount_due":     s.AmountDue.String(),
		"currency":       inv.Amount.Currency,
		"penalties":      s.Penalties.String(),
		"penalties_note": strOrNil(s.PenaltiesNote),
		"indemnity":      s.Indemnity.String(),
		"deadline":       dateOrNil(s.Deadline),
		"reason":         s.Reason,
	}
	if s.PenaltiesNote != "" {
		m["penalties"] = nil
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("event payload: %w", err)
	}
	return b, nil
}

func dateOrNil(d ledger.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func moneyOrNil(m ledger.Money) any {
	if m.Currency == "" {
		return nil
	}
	return m.String()
}
