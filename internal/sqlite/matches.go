package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// SaveMatch records a new decision and applies it when it is lettrage.
func (s *Store) SaveMatch(ctx context.Context, m ledger.Match, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx *sql.Tx) error {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
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
func (s *Store) saveMatch(ctx context.Context, tx *sql.Tx, m ledger.Match, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.MatchOutcome, error) {
	if m.DecidedBy == "" {
		m.DecidedBy = w.Actor
	}
	var out ledger.MatchOutcome
	bt, err := getTransaction(ctx, s.q(tx), m.TransactionID)
	if err != nil {
		return out, err
	}
	if err := m.CheckNew(bt.Signed()); err != nil {
		return out, err
	}
	if err := checkInvoices(ctx, s.q(tx), m.Allocations); err != nil {
		return out, err
	}
	m.ID, m.CreatedAt, m.UpdatedAt = s.ids.New(now), now, now
	reasons, _ := json.Marshal(nonNil(m.Reasons))
	if _, err := s.q(tx).ExecContext(ctx, `INSERT INTO matches (id, transaction_id, decision, status, score, reasons, currency, unapplied, write_off,
			decided_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.TransactionID, string(m.Decision), string(m.Status), m.Score, string(reasons), string(bt.Transaction.Amount.Currency),
		m.Unapplied.Minor, m.WriteOff.Minor, m.DecidedBy, micros(now), micros(now)); err != nil {
		err = translate(err, "save match of transaction "+m.TransactionID)
		if errors.Is(err, ledger.ErrConflict) {
			return out, fmt.Errorf("save match: transaction %s already has an active match: %w", m.TransactionID, ledger.ErrConflict)
		}
		return out, err
	}
	if err := insertAllocations(ctx, s.q(tx), m.ID, m.Allocations); err != nil {
		return out, err
	}
	out = ledger.MatchOutcome{Transaction: bt}
	if m.Status.Lettered() {
		if out.Invoices, err = s.letter(ctx, tx, m, w, +1, now); err != nil {
			return out, err
		}
	}
	if out.Match, err = getMatch(ctx, s.q(tx), m.ID); err != nil {
		return out, err
	}
	if err := s.auditMatch(ctx, tx, out.Match, "match."+string(m.Status), w); err != nil {
		return out, err
	}
	return out, emit(ctx, s, tx, w, out)
}

// ConfirmMatch confirms a proposal (applying it, possibly edited) or an
// automatic lettrage.
func (s *Store) ConfirmMatch(ctx context.Context, id string, edit *ledger.MatchEdit, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.ConfirmMatchLearning(ctx, id, edit, nil, w)
}

// ConfirmMatchLearning confirms a match and learns its payer in the same
// transaction.
func (s *Store) ConfirmMatchLearning(ctx context.Context, id string, edit *ledger.MatchEdit, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	now := s.now()
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.confirmMatch(ctx, tx, id, edit, learn, w, now)
		return err
	})
	return out, err
}

func (s *Store) confirmMatch(ctx context.Context, tx *sql.Tx, id string, edit *ledger.MatchEdit, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.MatchOutcome, error) {
	var out ledger.MatchOutcome
	m, err := getMatch(ctx, tx, id)
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
			if _, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE match_id = ?`, id); err != nil {
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
	if _, err := tx.ExecContext(ctx, `UPDATE matches SET status = 'confirmed', decided_by = ?, unapplied = ?, write_off = ?, updated_at = ? WHERE id = ?`,
		cmpOr(w.Actor, m.DecidedBy), m.Unapplied.Minor, m.WriteOff.Minor, micros(now), id); err != nil {
		return out, translate(err, "confirm match "+id)
	}
	if out.Match, err = getMatch(ctx, tx, id); err != nil {
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
func (s *Store) learnFrom(ctx context.Context, tx *sql.Tx, out ledger.MatchOutcome, learn ledger.PayerLearner, w ledger.Write[ledger.MatchOutcome], now time.Time) (ledger.PayerLesson, error) {
	var customers []ledger.Customer
	seen := map[string]bool{}
	for _, al := range out.Match.Allocations {
		var customerID string
		if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM invoices WHERE id = ?`, al.InvoiceID).Scan(&customerID); err != nil {
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RejectMatch refuses a proposal.
func (s *Store) RejectMatch(ctx context.Context, id string, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.endMatch(ctx, id, ledger.MatchProposed, ledger.MatchRejected, w)
}

// ReverseMatch undoes an applied or confirmed match.
func (s *Store) ReverseMatch(ctx context.Context, id string, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	return s.endMatch(ctx, id, "", ledger.MatchReversed, w)
}

// endMatch moves a match to rejected (from proposed) or reversed (from a
// lettered status, giving the invoices their open amounts back).
func (s *Store) endMatch(ctx context.Context, id string, from, to ledger.MatchStatus, w ledger.Write[ledger.MatchOutcome]) (ledger.MatchOutcome, error) {
	now := s.now()
	var out ledger.MatchOutcome
	err := s.write(ctx, func(tx *sql.Tx) error {
		m, err := getMatch(ctx, tx, id)
		if err != nil {
			return err
		}
		out.Previous = m.Status
		ok := m.Status == from
		if to == ledger.MatchReversed {
			ok = m.Status.Lettered()
		}
		if !ok {
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
		if _, err := tx.ExecContext(ctx, `UPDATE matches SET status = ?, updated_at = ? WHERE id = ?`, string(to), micros(now), id); err != nil {
			return translate(err, string(to)+" match "+id)
		}
		if out.Match, err = getMatch(ctx, tx, id); err != nil {
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
func checkInvoices(ctx context.Context, tx queryer, allocs []ledger.Allocation) error {
	for _, a := range allocs {
		var cur, status string
		if err := tx.QueryRowContext(ctx, `SELECT currency, status FROM invoices WHERE id = ?`, a.InvoiceID).Scan(&cur, &status); err != nil {
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

func insertAllocations(ctx context.Context, tx queryer, matchID string, allocs []ledger.Allocation) error {
	for i, a := range allocs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (match_id, invoice_id, position, amount_minor, currency) VALUES (?, ?, ?, ?, ?)`,
			matchID, a.InvoiceID, i, a.Amount.Minor, string(a.Amount.Currency)); err != nil {
			return translate(err, "allocation to invoice "+a.InvoiceID)
		}
	}
	return nil
}

// letter applies (dir +1) or takes back (dir -1) a match's allocations,
// invoice by invoice in id order (so that concurrent writers lock in one
// order), journaling each invoice's move. It returns the invoices after.
func (s *Store) letter(ctx context.Context, tx *sql.Tx, m ledger.Match, w ledger.Write[ledger.MatchOutcome], dir int64, now time.Time) ([]ledger.Invoice, error) {
	allocs := slices.Clone(m.Allocations)
	slices.SortFunc(allocs, func(a, b ledger.Allocation) int { return strings.Compare(a.InvoiceID, b.InvoiceID) })
	var out []ledger.Invoice
	for _, a := range allocs {
		var inv ledger.Invoice
		var err error
		if dir > 0 {
			inv, err = scanInvoice(s.q(tx).QueryRowContext(ctx, `UPDATE invoices SET lettered_minor = lettered_minor + ?1, open_minor = open_minor - ?1,
					status = CASE WHEN open_minor - ?1 = 0 THEN 'paid' WHEN open_minor - ?1 = amount_minor THEN 'open' ELSE 'partially_paid' END,
					updated_at = ?2
				WHERE id = ?3 AND currency = ?4 AND status <> 'cancelled'
					AND ((amount_minor >= 0 AND ?1 > 0 AND open_minor - ?1 >= 0) OR (amount_minor < 0 AND ?1 < 0 AND open_minor - ?1 <= 0))
				RETURNING `+invoiceColumns,
				a.Amount.Minor, micros(now), a.InvoiceID, string(a.Amount.Currency)))
		} else {
			inv, err = scanInvoice(s.q(tx).QueryRowContext(ctx, `UPDATE invoices SET lettered_minor = lettered_minor - ?1, open_minor = open_minor + ?1,
					status = CASE WHEN status = 'cancelled' THEN 'cancelled' WHEN open_minor + ?1 = 0 THEN 'paid'
						WHEN open_minor + ?1 = amount_minor THEN 'open' ELSE 'partially_paid' END,
					updated_at = ?2
				WHERE id = ?3 AND currency = ?4
					AND ((?1 > 0 AND lettered_minor - ?1 >= 0) OR (?1 < 0 AND lettered_minor - ?1 <= 0))
				RETURNING `+invoiceColumns,
				a.Amount.Minor, micros(now), a.InvoiceID, string(a.Amount.Currency)))
		}
		if errors.Is(err, sql.ErrNoRows) {
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
func letterRefused(ctx context.Context, tx *sql.Tx, a ledger.Allocation, dir int64) error {
	var cur, status string
	var open, lettered int64
	if err := tx.QueryRowContext(ctx, `SELECT currency, status, open_minor, lettered_minor FROM invoices WHERE id = ?`, a.InvoiceID).
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
func (s *Store) auditMatch(ctx context.Context, tx *sql.Tx, m ledger.Match, action string, w ledger.Write[ledger.MatchOutcome]) error {
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

func scanMatch(sc interface{ Scan(...any) error }) (ledger.Match, error) {
	var m ledger.Match
	var reasons, cur string
	var created, updated int64
	if err := sc.Scan(&m.ID, &m.TransactionID, &m.Decision, &m.Status, &m.Score, &reasons, &cur, &m.Unapplied.Minor, &m.WriteOff.Minor,
		&m.DecidedBy, &created, &updated); err != nil {
		return m, err
	}
	m.Unapplied.Currency, m.WriteOff.Currency = ledger.Currency(cur), ledger.Currency(cur)
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(reasons), &m.Reasons); err != nil {
		return m, fmt.Errorf("match %s: stored reasons: %w", m.ID, err)
	}
	return m, nil
}

func getMatch(ctx context.Context, q queryer, id string) (ledger.Match, error) {
	m, err := scanMatch(q.QueryRowContext(ctx, `SELECT `+matchColumns+` FROM matches WHERE id = ?`, id))
	if err != nil {
		return m, translate(err, "match "+id)
	}
	ms := []ledger.Match{m}
	if err := fillAllocations(ctx, q, ms); err != nil {
		return m, err
	}
	return ms[0], nil
}

// fillAllocations loads the allocations of matches, in their order, a
// chunk of matches at a time.
func fillAllocations(ctx context.Context, q queryer, ms []ledger.Match) error {
	for len(ms) > chunk {
		if err := fillAllocations(ctx, q, ms[:chunk]); err != nil {
			return err
		}
		ms = ms[chunk:]
	}
	if len(ms) == 0 {
		return nil
	}
	idx := make(map[string]int, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		idx[m.ID], args[i] = i, m.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT match_id, invoice_id, amount_minor, currency FROM allocations WHERE match_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(ms)), ",")+`) ORDER BY match_id, position`, args...)
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
	return getMatch(ctx, s.r, id)
}

// ListMatches lists matches in id order.
func (s *Store) ListMatches(ctx context.Context, f ledger.MatchFilter) ([]ledger.Match, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Decision != "" {
		where, args = append(where, "decision = ?"), append(args, string(f.Decision))
	}
	if f.TransactionID != "" {
		where, args = append(where, "transaction_id = ?"), append(args, f.TransactionID)
	}
	if f.InvoiceID != "" {
		where, args = append(where, "id IN (SELECT match_id FROM allocations WHERE invoice_id = ?)"), append(args, f.InvoiceID)
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := `SELECT ` + matchColumns + ` FROM matches`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY id"+limitClause(f.Limit), args...)
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
	if err := rows.Close(); err != nil {
		return nil, translate(err, "list matches")
	}
	return out, fillAllocations(ctx, s.r, out)
}
