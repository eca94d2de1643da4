package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TransitionDunning stores a stage machine transition with its history
// step, journal row and events.
func (s *Store) TransitionDunning(ctx context.Context, tr ledger.DunningTransition, w ledger.Write[ledger.DunningOutcome]) (ledger.DunningOutcome, error) {
	if err := checkTransition(tr); err != nil {
		return ledger.DunningOutcome{}, err
	}
	now := s.now()
	var out ledger.DunningOutcome
	err := s.write(ctx, func(tx *sql.Tx) error {
		var prev ledger.DunningCase
		to := tr.To
		if tr.FromVersion == 0 {
			var customer string
			if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM invoices WHERE id = ?`, tr.InvoiceID).Scan(&customer); err != nil {
				return translate(err, "dunning of invoice "+tr.InvoiceID)
			}
			if to.CustomerID == "" {
				to.CustomerID = customer
			}
			c, err := scanCase(tx.QueryRowContext(ctx, `INSERT INTO dunning_cases (id, invoice_id, customer_id, scenario, stage, status, stage_since,
					pause_reason, paused_until, state, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING `+caseColumns,
				s.ids.New(now), tr.InvoiceID, to.CustomerID, to.Scenario, to.Stage, string(to.Status), dateArg(to.StageSince),
				to.PauseReason, dateArg(to.PausedUntil), jsonText(to.State), micros(now), micros(now)))
			if err != nil {
				err = translate(err, "dunning of invoice "+tr.InvoiceID)
				if errors.Is(err, ledger.ErrConflict) {
					return fmt.Errorf("dunning of invoice %s: the case exists already: %w", tr.InvoiceID, ledger.ErrConflict)
				}
				return err
			}
			out.Case = c
		} else {
			var err error
			if prev, err = scanCase(tx.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM dunning_cases WHERE invoice_id = ?`, tr.InvoiceID)); err != nil {
				return translate(err, "dunning of invoice "+tr.InvoiceID)
			}
			if prev.Version != tr.FromVersion {
				return fmt.Errorf("dunning of invoice %s: computed from version %d, case is at %d: %w", tr.InvoiceID, tr.FromVersion, prev.Version, ledger.ErrConflict)
			}
			if to.CustomerID == "" {
				to.CustomerID = prev.CustomerID
			}
			c, err := scanCase(tx.QueryRowContext(ctx, `UPDATE dunning_cases SET customer_id = ?, scenario = ?, stage = ?, status = ?, stage_since = ?,
					pause_reason = ?, paused_until = ?, state = ?, version = version + 1, updated_at = ?
				WHERE invoice_id = ? AND version = ? RETURNING `+caseColumns,
				to.CustomerID, to.Scenario, to.Stage, string(to.Status), dateArg(to.StageSince), to.PauseReason, dateArg(to.PausedUntil),
				jsonText(to.State), micros(now), tr.InvoiceID, tr.FromVersion))
			if err != nil {
				return translate(err, "dunning of invoice "+tr.InvoiceID)
			}
			out.Case = c
		}
		step := ledger.DunningStep{CaseID: out.Case.ID, InvoiceID: tr.InvoiceID, Version: out.Case.Version, AsOf: tr.AsOf, At: now,
			FromStage: prev.Stage, ToStage: out.Case.Stage, FromStatus: prev.Status, ToStatus: out.Case.Status,
			Action: tr.Action, Actor: w.Actor, Reason: w.Reason, Details: tr.Details}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dunning_steps (case_id, invoice_id, version, as_of, at, from_stage, to_stage, from_status, to_status,
				action, actor, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			step.CaseID, step.InvoiceID, step.Version, dateArg(step.AsOf), micros(now), step.FromStage, step.ToStage, string(step.FromStatus),
			string(step.ToStatus), step.Action, step.Actor, step.Reason, jsonText(step.Details)).Scan(&step.Seq); err != nil {
			return translate(err, "dunning of invoice "+tr.InvoiceID)
		}
		out.Step = step
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "dunning.transition", EntityType: "dunning_case", EntityID: out.Case.ID,
			InvoiceID: tr.InvoiceID, Reason: w.Reason, Details: details(map[string]any{"as_of": tr.AsOf.String(), "version": step.Version,
				"from_stage": step.FromStage, "to_stage": step.ToStage, "from_status": string(step.FromStatus), "to_status": string(step.ToStatus),
				"action": tr.Action, "details": json.RawMessage(orEmptyObject(tr.Details))})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, out)
	})
	return out, err
}

// checkTransition rejects transitions the store cannot keep.
func checkTransition(tr ledger.DunningTransition) error {
	switch {
	case tr.InvoiceID == "":
		return fmt.Errorf("dunning transition: no invoice: %w", ledger.ErrInvalid)
	case tr.FromVersion < 0:
		return fmt.Errorf("dunning of invoice %s: negative version: %w", tr.InvoiceID, ledger.ErrInvalid)
	case tr.To.Status != ledger.DunningActive && tr.To.Status != ledger.DunningPaused && tr.To.Status != ledger.DunningClosed:
		return fmt.Errorf("dunning of invoice %s: status %q: %w", tr.InvoiceID, tr.To.Status, ledger.ErrInvalid)
	case len(tr.Details) > 0 && !json.Valid(tr.Details):
		return fmt.Errorf("dunning of invoice %s: details are not JSON: %w", tr.InvoiceID, ledger.ErrInvalid)
	case len(tr.To.State) > 0 && !json.Valid(tr.To.State):
		return fmt.Errorf("dunning of invoice %s: state is not JSON: %w", tr.InvoiceID, ledger.ErrInvalid)
	}
	return nil
}

func orEmptyObject(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

const caseColumns = `id, invoice_id, customer_id, scenario, stage, status, stage_since, pause_reason, paused_until, state, version, created_at, updated_at`

func scanCase(sc interface{ Scan(...any) error }) (ledger.DunningCase, error) {
	var c ledger.DunningCase
	var since, until sql.NullString
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.InvoiceID, &c.CustomerID, &c.Scenario, &c.Stage, &c.Status, &since, &c.PauseReason, &until, &c.State,
		&c.Version, &created, &updated); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	var err error
	if c.StageSince, err = parseNullDate(since); err != nil {
		return c, err
	}
	c.PausedUntil, err = parseNullDate(until)
	return c, err
}

// GetDunningCase returns the case of an invoice.
func (s *Store) GetDunningCase(ctx context.Context, invoiceID string) (ledger.DunningCase, error) {
	c, err := scanCase(s.r.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM dunning_cases WHERE invoice_id = ?`, invoiceID))
	return c, translate(err, "dunning case of invoice "+invoiceID)
}

// ListDunningCases lists cases in invoice id order.
func (s *Store) ListDunningCases(ctx context.Context, f ledger.DunningFilter) ([]ledger.DunningCase, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Settled {
		where = append(where, settledCases)
	}
	if f.After != "" {
		where, args = append(where, "invoice_id > ?"), append(args, f.After)
	}
	q := `SELECT ` + caseColumns + ` FROM dunning_cases`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY invoice_id"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list dunning cases")
	}
	defer rows.Close()
	var out []ledger.DunningCase
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, translate(err, "list dunning cases")
		}
		out = append(out, c)
	}
	return out, translate(rows.Err(), "list dunning cases")
}

// settledCases restricts dunning cases to those whose invoice is paid in
// full or cancelled (through the invoices' status index).
const settledCases = "invoice_id IN (SELECT id FROM invoices WHERE status IN ('paid', 'cancelled'))"

// DunningHistory returns every step of an invoice's case, oldest first.
func (s *Store) DunningHistory(ctx context.Context, invoiceID string) ([]ledger.DunningStep, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, case_id, invoice_id, version, as_of, at, from_stage, to_stage, from_status, to_status,
			action, actor, reason, details FROM dunning_steps WHERE invoice_id = ? ORDER BY seq`, invoiceID)
	if err != nil {
		return nil, translate(err, "dunning history of invoice "+invoiceID)
	}
	defer rows.Close()
	var out []ledger.DunningStep
	for rows.Next() {
		var st ledger.DunningStep
		var asOf sql.NullString
		var at int64
		if err := rows.Scan(&st.Seq, &st.CaseID, &st.InvoiceID, &st.Version, &asOf, &at, &st.FromStage, &st.ToStage, &st.FromStatus, &st.ToStatus,
			&st.Action, &st.Actor, &st.Reason, &st.Details); err != nil {
			return nil, translate(err, "dunning history of invoice "+invoiceID)
		}
		st.At = fromMicros(at)
		if st.AsOf, err = parseNullDate(asOf); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, translate(rows.Err(), "dunning history of invoice "+invoiceID)
}
