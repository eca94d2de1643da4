package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Journal vocabulary of customer holds and scenario overrides. The hold
// rows keep the details older binaries read back from the journal.
const (
	holdEntity          = "dunning_customer_hold"
	holdPlacedAction    = "dunning.customer_hold.placed"
	holdLiftedAction    = "dunning.customer_hold.lifted"
	scenarioEntity      = "dunning_customer_scenario"
	scenarioSetAction   = "dunning.customer_scenario.set"
	scenarioClearAction = "dunning.customer_scenario.cleared"
)

// checkHold rejects holds the store cannot keep.
func checkHold(h ledger.DunningHold) error {
	switch {
	case h.CustomerID == "":
		return fmt.Errorf("dunning hold: no customer: %w", ledger.ErrInvalid)
	case h.Kind == "":
		return fmt.Errorf("dunning hold of customer %s: no kind: %w", h.CustomerID, ledger.ErrInvalid)
	case h.Since.IsZero():
		return fmt.Errorf("dunning hold of customer %s: no first day: %w", h.CustomerID, ledger.ErrInvalid)
	case !h.Until.IsZero() && !h.Until.After(h.Since):
		return fmt.Errorf("dunning hold of customer %s: until %s, want after %s: %w", h.CustomerID, h.Until, h.Since, ledger.ErrInvalid)
	}
	return nil
}

// holdDetails is the journal's details of a hold placed or lifted.
func holdDetails(h ledger.DunningHold, lifted bool) map[string]any {
	m := map[string]any{"hold_id": h.ID, "kind": h.Kind}
	if lifted {
		m["until"], m["reason"] = h.LiftedOn.String(), h.LiftNote
		return m
	}
	m["since"] = h.Since.String()
	for k, d := range map[string]ledger.Date{"until": h.Until, "published": h.Published} {
		if !d.IsZero() {
			m[k] = d.String()
		}
	}
	if h.Note != "" {
		m["reason"] = h.Note
	}
	return m
}

// PlaceDunningHold stores a customer-wide hold with its journal row.
func (s *Store) PlaceDunningHold(ctx context.Context, h ledger.DunningHold, w ledger.Write[ledger.DunningHold]) (ledger.DunningHold, error) {
	if err := checkHold(h); err != nil {
		return h, err
	}
	now := s.now()
	h.ID, h.PlacedAt, h.PlacedBy = s.ids.New(now), now, w.Actor
	h.LiftedOn, h.LiftedAt, h.LiftedBy, h.LiftNote = ledger.Date{}, time.Time{}, "", ""
	err := s.write(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM customers WHERE id = $1`, h.CustomerID).Scan(&one); err != nil {
			return translate(err, "dunning hold of customer "+h.CustomerID)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dunning_holds (id, customer_id, kind, note, since, until, published, placed_at, placed_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, h.ID, h.CustomerID, h.Kind, h.Note, dateArg(h.Since), dateArg(h.Until), dateArg(h.Published),
			now, h.PlacedBy); err != nil {
			return translate(err, "dunning hold of customer "+h.CustomerID)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: holdPlacedAction, EntityType: holdEntity, EntityID: h.CustomerID,
			Reason: orText(w.Reason, "customer hold ("+h.Kind+")"), Details: details(holdDetails(h, false))}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, h)
	})
	return h, err
}

// LiftDunningHold ends a hold from day on with its journal row. The row is
// locked, so two lifts of one hold cannot both apply.
func (s *Store) LiftDunningHold(ctx context.Context, id string, on ledger.Date, w ledger.Write[ledger.DunningHold]) (ledger.DunningHold, error) {
	if on.IsZero() {
		return ledger.DunningHold{}, fmt.Errorf("lift dunning hold %s: no day: %w", id, ledger.ErrInvalid)
	}
	now := s.now()
	var h ledger.DunningHold
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if h, err = scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM dunning_holds WHERE id = $1 FOR UPDATE`, id)); err != nil {
			return translate(err, "dunning hold "+id)
		}
		switch {
		case h.Lifted():
			return fmt.Errorf("dunning hold %s was lifted on %s: %w", id, h.LiftedOn, ledger.ErrConflict)
		case on.Before(h.Since):
			return fmt.Errorf("lift dunning hold %s on %s, before its first day %s: %w", id, on, h.Since, ledger.ErrInvalid)
		}
		h.LiftedOn, h.LiftedAt, h.LiftedBy, h.LiftNote = on, now, w.Actor, w.Reason
		tag, err := tx.Exec(ctx, `UPDATE dunning_holds SET lifted_on = $1, lifted_at = $2, lifted_by = $3, lift_note = $4
			WHERE id = $5 AND lifted_on IS NULL`, dateArg(on), now, h.LiftedBy, h.LiftNote, id)
		if err != nil {
			return translate(err, "lift dunning hold "+id)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("dunning hold %s was lifted meanwhile: %w", id, ledger.ErrConflict)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: holdLiftedAction, EntityType: holdEntity, EntityID: h.CustomerID,
			Reason: orText(w.Reason, "customer hold lifted"), Details: details(holdDetails(h, true))}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, h)
	})
	return h, err
}

// GetDunningHold returns a hold.
func (s *Store) GetDunningHold(ctx context.Context, id string) (ledger.DunningHold, error) {
	h, err := scanHold(s.pool.QueryRow(ctx, `SELECT `+holdColumns+` FROM dunning_holds WHERE id = $1`, id))
	return h, translate(err, "dunning hold "+id)
}

// ListDunningHolds lists holds in id order.
func (s *Store) ListDunningHolds(ctx context.Context, f ledger.DunningHoldFilter) ([]ledger.DunningHold, error) {
	var w filter
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if f.Active {
		w.add("lifted_on IS NULL")
		if !f.On.IsZero() {
			w.add("(until IS NULL OR until > ?)", dateArg(f.On))
		}
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+holdColumns+` FROM dunning_holds`+w.where()+" ORDER BY id"+limitClause(f.Limit), w.args...)
	if err != nil {
		return nil, translate(err, "list dunning holds")
	}
	defer rows.Close()
	var out []ledger.DunningHold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, translate(err, "list dunning holds")
		}
		out = append(out, h)
	}
	return out, translate(rows.Err(), "list dunning holds")
}

const holdColumns = `id, customer_id, kind, note, since, until, published, placed_at, placed_by, lifted_on, lifted_at, lifted_by, lift_note`

func scanHold(sc pgx.Row) (ledger.DunningHold, error) {
	var h ledger.DunningHold
	var since, until, published, liftedOn pgtype.Date
	var lifted pgtype.Timestamptz
	if err := sc.Scan(&h.ID, &h.CustomerID, &h.Kind, &h.Note, &since, &until, &published, &h.PlacedAt, &h.PlacedBy, &liftedOn, &lifted,
		&h.LiftedBy, &h.LiftNote); err != nil {
		return h, err
	}
	h.PlacedAt, h.LiftedAt = h.PlacedAt.UTC(), fromTS(lifted)
	h.Since, h.Until, h.Published, h.LiftedOn = fromDate(since), fromDate(until), fromDate(published), fromDate(liftedOn)
	return h, nil
}

// SetCustomerScenario sets or clears a customer's scenario override with
// its journal row. The customer row is locked: two changes of one
// customer's override are serialised and each journals the right previous.
func (s *Store) SetCustomerScenario(ctx context.Context, customerID, scenario string, w ledger.Write[ledger.CustomerScenarioChange]) (ledger.CustomerScenarioChange, error) {
	ch := ledger.CustomerScenarioChange{CustomerID: customerID, Scenario: scenario}
	if customerID == "" {
		return ch, fmt.Errorf("customer scenario: no customer: %w", ledger.ErrInvalid)
	}
	now := s.now()
	err := s.write(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, customerID).Scan(&one); err != nil {
			return translate(err, "scenario of customer "+customerID)
		}
		err := tx.QueryRow(ctx, `SELECT scenario FROM dunning_customer_scenarios WHERE customer_id = $1`, customerID).Scan(&ch.Previous)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return translate(err, "scenario of customer "+customerID)
		}
		action := scenarioSetAction
		if scenario == "" {
			action = scenarioClearAction
			_, err = tx.Exec(ctx, `DELETE FROM dunning_customer_scenarios WHERE customer_id = $1`, customerID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO dunning_customer_scenarios (customer_id, scenario, reason, set_at, set_by) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (customer_id) DO UPDATE SET scenario = excluded.scenario, reason = excluded.reason, set_at = excluded.set_at, set_by = excluded.set_by`,
				customerID, scenario, w.Reason, now, w.Actor)
		}
		if err != nil {
			return translate(err, "scenario of customer "+customerID)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: action, EntityType: scenarioEntity, EntityID: customerID,
			Reason: w.Reason, Details: details(map[string]any{"previous": ch.Previous, "scenario": scenario})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, ch)
	})
	return ch, err
}

// ListCustomerScenarios lists the overrides in customer id order.
func (s *Store) ListCustomerScenarios(ctx context.Context, f ledger.CustomerScenarioFilter) ([]ledger.CustomerScenario, error) {
	var w filter
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if f.After != "" {
		w.add("customer_id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT customer_id, scenario, reason, set_at, set_by FROM dunning_customer_scenarios`+w.where()+
		" ORDER BY customer_id"+limitClause(f.Limit), w.args...)
	if err != nil {
		return nil, translate(err, "list customer scenarios")
	}
	defer rows.Close()
	var out []ledger.CustomerScenario
	for rows.Next() {
		var c ledger.CustomerScenario
		if err := rows.Scan(&c.CustomerID, &c.Scenario, &c.Reason, &c.SetAt, &c.SetBy); err != nil {
			return nil, translate(err, "list customer scenarios")
		}
		c.SetAt = c.SetAt.UTC()
		out = append(out, c)
	}
	return out, translate(rows.Err(), "list customer scenarios")
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
