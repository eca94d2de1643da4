package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lettrage/lettrage/internal/ledger"
)

// SaveMatch records a new decision and applies it when it is lettrage.
func (s *Store) SaveMatch(ctx context.Context, m ledger.Match, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = s.saveMatch(ctx, tx, m, w, s.now())
		return err
	})
	return out, err
}

// SaveMatches records several new decisions in one transaction, each as
// SaveMatch does, all or nothing.
func (s *Store) SaveMatches(ctx context.Context, ms []ledger.Match, w ledger.Write[ledger.MatchOutcome]) ([]ledger.MatchOutcome, error) {
	var outs []ledger.MatchOutcome
	err := s.write(ctx, func(tx pgx.Tx) error {
		outs = make([]ledger.MatchOutcome, 0, len(ms))
		now := s.now()
		for i, m := range ms {
			out, err := s.saveMatch(ctx, tx, m, w, now)
			if err != nil {
				return fmt.Errorf("decision %d of %d: %w", i+1, len(ms), err)
			}
			outs = append(outs, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// saveMatch records a new decision in tx.
func (s *Store) saveMatch(ctx context.Context, tx pgx.Tx, m ledger.Match, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.MatchOutcome, error) {
	if m.DecidedBy == "" {
		m.DecidedBy = w.Actor
	}
	var out ledger.MatchOutcome
	bt, err := getTransaction(ctx, tx, m.TransactionID)
	if err != nil {
		return out, err
	}
	if err := m.CheckNew(bt.Signed()); err != nil {
		return out, err
	}
	if err := checkInvoices(ctx, tx, m.Allocations); err != nil {
		return out, err
	}
	m.ID, m.CreatedAt, m.UpdatedAt = s.ids.New(now), now, now
	reasons, _ := json.Marshal(nonNil(m.Reasons))
	// The partial unique index on active matches makes a concurrent
	// second decision on the same transaction wait, then fail.
	if _, err := tx.Exec(ctx, `INSERT INTO matches (id, transaction_id, decision, status, score, reasons, currency, unapplied, write_off,
			decided_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
		m.ID, m.TransactionID, string(m.Decision), string(m.Status), m.Score, string(reasons), string(bt.Transaction.Amount.Currency),
		m.Unapplied.Minor, m.WriteOff.Minor, m.DecidedBy, now); err != nil {
		err = translate(err, "save match of transaction "+m.TransactionID)
		if errors.Is(err, ledger.ErrConflict) {
			return out, fmt.Errorf("save match: transaction %s already has an active match: %w", m.TransactionID, ledger.ErrConflict)
		}
		return out, err
	}
	if err := insertAllocations(ctx, tx, m.ID, m.Allocations); err != nil {
		return out, err
	}
	out = ledger.MatchOutcome{Transaction: bt}
	if m.Status.Lettered() {
		if out.Invoices, err = s.letter(ctx, tx, m, w, +1, now); err != nil {
			return out, err
		}
	}
	if out.Match, err = getMatch(ctx, tx, m.ID, false); err != nil {
		return out, err
	}
	if err := s.auditMatch(ctx, tx, out.Match, "match."+string(m.Status), w); err != nil {
		return out, err
	}
	return out, emit(ctx, s, tx, w, out)
}

// ConfirmMatch confirms a proposal (applying it, possibly edited) or an
// automatic lettrage. The match row is locked first, so concurrent
// decisions on one match are serialised.
func (s *Store) ConfirmMatch(ctx context.Context, id string, edit *ledger.MatchEdit, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.ConfirmMatchLearning(ctx, id, edit, nil, w)
}

// ConfirmMatchLearning confirms a match and learns its payer in the same
// transaction.
func (s *Store) ConfirmMatchLearning(ctx context.Context, id string, edit *ledger.MatchEdit, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	now := s.now()
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = s.confirmMatch(ctx, tx, id, edit, learn, w, now)
		return err
	})
	return out, err
}

func (s *Store) confirmMatch(ctx context.Context, tx pgx.Tx, id string, edit *ledger.MatchEdit, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.MatchOutcome, error) {
	var out ledger.MatchOutcome
	m, err := getMatch(ctx, tx, id, true)
	if err != nil {
		return out, err
	}
	out.Previous = m.Status
	if out.Transaction, err = getTransaction(ctx, tx, m.TransactionID); err != nil {
		return out, err
	}
	switch m.Status {
	case ledger.MatchApplied:
		if edit != nil {
			return out, fmt.Errorf("confirm match %s: an applied match is confirmed as it is; reverse it to change it: %w", id, ledger.ErrInvalid)
		}
	case ledger.MatchProposed:
		if edit != nil {
			m.Allocations, m.Unapplied, m.WriteOff = edit.Allocations, edit.Unapplied, edit.WriteOff
			if err := m.CheckAmounts(out.Transaction.Signed()); err != nil {
				return out, err
			}
			if err := checkInvoices(ctx, tx, m.Allocations); err != nil {
				return out, err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM allocations WHERE match_id = $1`, id); err != nil {
				return out, translate(err, "confirm match "+id)
			}
			if err := insertAllocations(ctx, tx, id, m.Allocations); err != nil {
				return out, err
			}
		}
		if out.Invoices, err = s.letter(ctx, tx, m, w, +1, now); err != nil {
			return out, err
		}
	default:
		return out, fmt.Errorf("confirm match %s: it is %s: %w", id, m.Status, ledger.ErrConflict)
	}
	decidedBy := w.Actor
	if decidedBy == "" {
		decidedBy = m.DecidedBy
	}
	if _, err := tx.Exec(ctx, `UPDATE matches SET status = 'confirmed', decided_by = $1, unapplied = $2, write_off = $3, updated_at = $4 WHERE id = $5`,
		decidedBy, m.Unapplied.Minor, m.WriteOff.Minor, now, id); err != nil {
		return out, translate(err, "confirm match "+id)
	}
	if out.Match, err = getMatch(ctx, tx, id, false); err != nil {
		return out, err
	}
	if err := s.auditMatch(ctx, tx, out.Match, "match.confirmed", w); err != nil {
		return out, err
	}
	if learn != nil {
		if out.Learned, err = s.learnFrom(ctx, tx, out, learn, w, now); err != nil {
			return out, err
		}
	}
	return out, emit(ctx, s, tx, w, out)
}

// learnFrom asks learn what the confirmed outcome teaches about its payer,
// given the customers of its allocations' invoices (an applied match being
// confirmed has no Invoices in its outcome), and records it (learnPayer).
func (s *Store) learnFrom(ctx context.Context, tx pgx.Tx, out ledger.MatchOutcome, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.PayerLesson, error) {
	var customers []ledger.Customer
	seen := map[string]bool{}
	for _, al := range out.Match.Allocations {
		var customerID string
		if err := tx.QueryRow(ctx, `SELECT customer_id FROM invoices WHERE id = $1`, al.InvoiceID).Scan(&customerID); err != nil {
			return ledger.PayerLesson{}, translate(err, "invoice "+al.InvoiceID)
		}
		if seen[customerID] {
			continue
		}
		seen[customerID] = true
		c, err := getCustomer(ctx, tx, customerID)
		if err != nil {
			return ledger.PayerLesson{}, err
		}
		customers = append(customers, c)
	}
	lesson := learn(out, customers)
	lesson.IBAN, lesson.Alias = normalizeIBAN(lesson.IBAN), strings.TrimSpace(lesson.Alias)
	if lesson.CustomerID == "" || (lesson.IBAN == "" && lesson.Alias == "") {
		return ledger.PayerLesson{}, nil
	}
	if !seen[lesson.CustomerID] {
		return ledger.PayerLesson{}, fmt.Errorf("confirm match %s: learn payer of customer %s, who owns none of its invoices: %w", out.Match.ID, lesson.CustomerID, ledger.ErrInvalid)
	}
	_, changed, err := s.learnPayer(ctx, tx, lesson.CustomerID, lesson.IBAN, lesson.Alias,
		ledger.Write[ledger.Customer]{Actor: w.Actor, Reason: "payer seen on match " + out.Match.ID + " confirmed by " + w.Actor}, now)
	if err != nil || !changed {
		return ledger.PayerLesson{}, err
	}
	return lesson, nil
}

// RejectMatch refuses a proposal.
func (s *Store) RejectMatch(ctx context.Context, id string, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.endMatch(ctx, id, ledger.MatchRejected, w)
}

// ReverseMatch undoes an applied or confirmed match.
func (s *Store) ReverseMatch(ctx context.Context, id string, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.endMatch(ctx, id, ledger.MatchReversed, w)
}

// endMatch moves a match to rejected (from proposed) or reversed (from a
// lettered status, giving the invoices their open amounts back).
func (s *Store) endMatch(ctx context.Context, id string, to ledger.MatchStatus, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	now := s.now()
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx pgx.Tx) error {
		m, err := getMatch(ctx, tx, id, true)
		if err != nil {
			return err
		}
		out.Previous = m.Status
		if (to == ledger.MatchReversed && !m.Status.Lettered()) || (to == ledger.MatchRejected && m.Status != ledger.MatchProposed) {
			return fmt.Errorf("%s match %s: it is %s: %w", strings.TrimSuffix(string(to), "ed"), id, m.Status, ledger.ErrConflict)
		}
		if out.Transaction, err = getTransaction(ctx, tx, m.TransactionID); err != nil {
			return err
		}
		if to == ledger.MatchReversed {
			if out.Invoices, err = s.letter(ctx, tx, m, w, -1, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE matches SET status = $1, updated_at = $2 WHERE id = $3`, string(to), now, id); err != nil {
			return translate(err, string(to)+" match "+id)
		}
		if out.Match, err = getMatch(ctx, tx, id, false); err != nil {
			return err
		}
		if err := s.auditMatch(ctx, tx, out.Match, "match."+string(to), w); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, out)
	})
	return out, err
}

// checkInvoices verifies that allocated invoices exist, are not cancelled
// and are in the allocation's currency.
func checkInvoices(ctx context.Context, tx pgx.Tx, allocs []ledger.Allocation) error {
	for _, a := range allocs {
		var cur, status string
		if err := tx.QueryRow(ctx, `SELECT currency, status FROM invoices WHERE id = $1`, a.InvoiceID).Scan(&cur, &status); err != nil {
			return translate(err, "allocation to invoice "+a.InvoiceID)
		}
		if ledger.Currency(cur) != a.Amount.Currency {
			return fmt.Errorf("allocation to invoice %s: invoice in %s, allocation in %s: %w", a.InvoiceID, cur, a.Amount.Currency, ledger.ErrInvalid)
		}
		if status == string(ledger.InvoiceCancelled) {
			return fmt.Errorf("allocation to invoice %s: invoice is cancelled: %w", a.InvoiceID, ledger.ErrConflict)
		}
	}
	return nil
}

func insertAllocations(ctx context.Context, tx pgx.Tx, matchID string, allocs []ledger.Allocation) error {
	for i, a := range allocs {
		if _, err := tx.Exec(ctx, `INSERT INTO allocations (match_id, invoice_id, position, amount_minor, currency) VALUES ($1, $2, $3, $4, $5)`,
			matchID, a.InvoiceID, i, a.Amount.Minor, string(a.Amount.Currency)); err != nil {
			return translate(err, "allocation to invoice "+a.InvoiceID)
		}
	}
	return nil
}

// letter applies (dir +1) or takes back (dir -1) a match's allocations,
// invoice by invoice in id order (so that concurrent writers lock rows in
// one order and do not deadlock), journaling each invoice's move. The guard
// is in the UPDATE itself: a concurrent writer that got there first makes
// it match no row once its transaction commits (READ COMMITTED re-checks
// the condition on the new row version). It returns the invoices after.
func (s *Store) letter(ctx context.Context, tx pgx.Tx, m ledger.Match, w ledger.Write[ledger.MatchOutcome], dir int64, now time.Time) ([]ledger.Invoice, error) {
	allocs := slices.Clone(m.Allocations)
	slices.SortFunc(allocs, func(a, b ledger.Allocation) int { return strings.Compare(a.InvoiceID, b.InvoiceID) })
	var out []ledger.Invoice
	for _, a := range allocs {
		var inv ledger.Invoice
		var err error
		if dir > 0 {
			inv, err = scanInvoice(tx.QueryRow(ctx, `UPDATE invoices SET lettered_minor = lettered_minor + $1, open_minor = open_minor - $1,
					status = CASE WHEN open_minor - $1 = 0 THEN 'paid' WHEN open_minor - $1 = amount_minor THEN 'open' ELSE 'partially_paid' END,
					updated_at = $2
				WHERE id = $3 AND currency = $4 AND status <> 'cancelled'
					AND ((amount_minor >= 0 AND $1 > 0 AND open_minor - $1 >= 0) OR (amount_minor < 0 AND $1 < 0 AND open_minor - $1 <= 0))
				RETURNING `+invoiceColumns,
				a.Amount.Minor, now, a.InvoiceID, string(a.Amount.Currency)))
		} else {
			inv, err = scanInvoice(tx.QueryRow(ctx, `UPDATE invoices SET lettered_minor = lettered_minor - $1, open_minor = open_minor + $1,
					status = CASE WHEN status = 'cancelled' THEN 'cancelled' WHEN open_minor + $1 = 0 THEN 'paid'
						WHEN open_minor + $1 = amount_minor THEN 'open' ELSE 'partially_paid' END,
					updated_at = $2
				WHERE id = $3 AND currency = $4
					AND (($1 > 0 AND lettered_minor - $1 >= 0) OR ($1 < 0 AND lettered_minor - $1 <= 0))
				RETURNING `+invoiceColumns,
				a.Amount.Minor, now, a.InvoiceID, string(a.Amount.Currency)))
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, letterRefused(ctx, tx, a, dir)
		}
		if err != nil {
			return nil, translate(err, "letter invoice "+a.InvoiceID)
		}
		before := inv.Open.Minor + dir*a.Amount.Minor
		action := "invoice.lettered"
		if dir < 0 {
			action = "invoice.unlettered"
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: action, EntityType: "invoice", EntityID: a.InvoiceID, InvoiceID: a.InvoiceID,
			Reason: w.Reason, Details: details(map[string]any{"match_id": m.ID, "transaction_id": m.TransactionID, "currency": string(a.Amount.Currency),
				"amount_minor": a.Amount.Minor, "open_before_minor": before, "open_after_minor": inv.Open.Minor, "status": string(inv.Status)})}); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// letterRefused explains why an invoice update matched no row.
func letterRefused(ctx context.Context, tx pgx.Tx, a ledger.Allocation, dir int64) error {
	var cur, status string
	var open, lettered int64
	if err := tx.QueryRow(ctx, `SELECT currency, status, open_minor, lettered_minor FROM invoices WHERE id = $1`, a.InvoiceID).
		Scan(&cur, &status, &open, &lettered); err != nil {
		return translate(err, "letter invoice "+a.InvoiceID)
	}
	c := ledger.Currency(cur)
	switch {
	case c != a.Amount.Currency:
		return fmt.Errorf("letter invoice %s: invoice in %s, allocation in %s: %w", a.InvoiceID, c, a.Amount.Currency, ledger.ErrInvalid)
	case dir > 0 && status == string(ledger.InvoiceCancelled):
		return fmt.Errorf("letter invoice %s: invoice is cancelled: %w", a.InvoiceID, ledger.ErrConflict)
	case dir > 0:
		return fmt.Errorf("letter invoice %s: allocation %s exceeds open amount %s %s: %w", a.InvoiceID, a.Amount,
			ledger.FormatMinor(open, c.Exponent()), c, ledger.ErrConflict)
	}
	return fmt.Errorf("unletter invoice %s: allocation %s exceeds lettered %s %s: %w", a.InvoiceID, a.Amount,
		ledger.FormatMinor(lettered, c.Exponent()), c, ledger.ErrConflict)
}

// auditMatch journals a match change: one row per allocated invoice, so
// each invoice's history shows it, or one row without invoice.
func (s *Store) auditMatch(ctx context.Context, tx pgx.Tx, m ledger.Match, action string, w ledger.Write[ledger.MatchOutcome]) error {
	allocs := make([]map[string]any, len(m.Allocations))
	for i, a := range m.Allocations {
		allocs[i] = map[string]any{"invoice_id": a.InvoiceID, "amount_minor": a.Amount.Minor}
	}
	d := details(map[string]any{"transaction_id": m.TransactionID, "decision": string(m.Decision), "status": string(m.Status),
		"score": m.Score, "reasons": nonNil(m.Reasons), "allocations": allocs, "unapplied_minor": m.Unapplied.Minor,
		"write_off_minor": m.WriteOff.Minor, "decided_by": m.DecidedBy})
	invoices := []string{""}
	if len(m.Allocations) > 0 {
		invoices = invoices[:0]
		for _, a := range m.Allocations {
			invoices = append(invoices, a.InvoiceID)
		}
	}
	for _, inv := range invoices {
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: action, EntityType: "match", EntityID: m.ID, InvoiceID: inv,
			Reason: w.Reason, Details: d}); err != nil {
			return err
		}
	}
	return nil
}

const matchColumns = `id, transaction_id, decision, status, score, reasons, currency, unapplied, write_off, decided_by, created_at, updated_at`

func scanMatch(sc pgx.Row) (ledger.Match, error) {
	var m ledger.Match
	var reasons, cur string
	if err := sc.Scan(&m.ID, &m.TransactionID, &m.Decision, &m.Status, &m.Score, &reasons, &cur, &m.Unapplied.Minor, &m.WriteOff.Minor,
		&m.DecidedBy, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return m, err
	}
	m.Unapplied.Currency, m.WriteOff.Currency = ledger.Currency(cur), ledger.Currency(cur)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(reasons), &m.Reasons); err != nil {
		return m, fmt.Errorf("match %s: stored reasons: %w", m.ID, err)
	}
	return m, nil
}

// getMatch reads a match with its allocations; with lock, the match row is
// locked until the transaction ends.
func getMatch(ctx context.Context, q queryer, id string, lock bool) (ledger.Match, error) {
	query := `SELECT ` + matchColumns + ` FROM matches WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	m, err := scanMatch(q.QueryRow(ctx, query, id))
	if err != nil {
		return m, translate(err, "match "+id)
	}
	ms := []ledger.Match{m}
	if err := fillAllocations(ctx, q, ms); err != nil {
		return m, err
	}
	return ms[0], nil
}

// fillAllocations loads the allocations of matches, in their order.
func fillAllocations(ctx context.Context, q queryer, ms []ledger.Match) error {
	if len(ms) == 0 {
		return nil
	}
	idx := make(map[string]int, len(ms))
	ids := make([]string, len(ms))
	for i, m := range ms {
		idx[m.ID], ids[i] = i, m.ID
	}
	rows, err := q.Query(ctx, `SELECT match_id, invoice_id, amount_minor, currency FROM allocations WHERE match_id = ANY($1) ORDER BY match_id, position`, ids)
	if err != nil {
		return translate(err, "load allocations")
	}
	defer rows.Close()
	for rows.Next() {
		var id, cur string
		var a ledger.Allocation
		if err := rows.Scan(&id, &a.InvoiceID, &a.Amount.Minor, &cur); err != nil {
			return translate(err, "load allocations")
		}
		a.Amount.Currency = ledger.Currency(cur)
		m := &ms[idx[id]]
		m.Allocations = append(m.Allocations, a)
	}
	return translate(rows.Err(), "load allocations")
}

// GetMatch returns a match with its allocations.
func (s *Store) GetMatch(ctx context.Context, id string) (ledger.Match, error) {
	return getMatch(ctx, s.pool, id, false)
}

// ListMatches lists matches in id order.
func (s *Store) ListMatches(ctx context.Context, f ledger.MatchFilter) ([]ledger.Match, error) {
	var w filter
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.Decision != "" {
		w.add("decision = ?", string(f.Decision))
	}
	if f.TransactionID != "" {
		w.add("transaction_id = ?", f.TransactionID)
	}
	if f.InvoiceID != "" {
		w.add("id IN (SELECT match_id FROM allocations WHERE invoice_id = ?)", f.InvoiceID)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+matchColumns+` FROM matches`+w.where()+" ORDER BY id"+limitClause(f.Limit), w.args...)
	if err != nil {
		return nil, translate(err, "list matches")
	}
	var out []ledger.Match
	for rows.Next() {
		m, err := scanMatch(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "list matches")
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list matches")
	}
	return out, fillAllocations(ctx, s.pool, out)
}
