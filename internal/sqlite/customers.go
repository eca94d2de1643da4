package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// UpsertCustomers creates or updates customers, adding IBANs and aliases.
func (s *Store) UpsertCustomers(ctx context.Context, cs []ledger.Customer) error {
	for _, c := range cs {
		if c.ID == "" {
			return fmt.Errorf("upsert customers: customer without id: %w", ledger.ErrInvalid)
		}
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := upsertCustomer(ctx, tx, c, "imported", now); err != nil {
				return err
			}
		}
		return nil
	})
}

// upsertCustomer writes one customer and adds its IBANs and aliases.
func upsertCustomer(ctx context.Context, tx *sql.Tx, c ledger.Customer, source string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, name, segment, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
			segment = CASE WHEN excluded.segment <> '' THEN excluded.segment ELSE segment END,
			updated_at = excluded.updated_at`,
		c.ID, c.Name, c.Segment, micros(now), micros(now)); err != nil {
		return translate(err, "upsert customer "+c.ID)
	}
	for _, iban := range c.IBANs {
		if err := addIBAN(ctx, tx, c.ID, iban, source, now); err != nil {
			return err
		}
	}
	for _, alias := range c.Aliases {
		if err := addAlias(ctx, tx, c.ID, alias, source, now); err != nil {
			return err
		}
	}
	return nil
}

// normalizeIBAN upper-cases an IBAN and drops its spaces.
func normalizeIBAN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

func addIBAN(ctx context.Context, tx *sql.Tx, customerID, iban, source string, now time.Time) error {
	if iban = normalizeIBAN(iban); iban == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_ibans (customer_id, iban, source, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		customerID, iban, source, micros(now))
	return translate(err, "add IBAN to customer "+customerID)
}

func addAlias(ctx context.Context, tx *sql.Tx, customerID, alias, source string, now time.Time) error {
	if alias = strings.TrimSpace(alias); alias == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_aliases (customer_id, alias, source, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		customerID, alias, source, micros(now))
	return translate(err, "add alias to customer "+customerID)
}

// LearnPayer records an IBAN and/or alias seen on a confirmed payment.
func (s *Store) LearnPayer(ctx context.Context, customerID, iban, alias string, w ledger.Write[ledger.Customer]) (ledger.Customer, error) {
	iban, alias = normalizeIBAN(iban), strings.TrimSpace(alias)
	if iban == "" && alias == "" {
		return ledger.Customer{}, fmt.Errorf("learn payer of customer %s: nothing to learn: %w", customerID, ledger.ErrInvalid)
	}
	now := s.now()
	var c ledger.Customer
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		c, _, err = s.learnPayer(ctx, tx, customerID, iban, alias, w, now)
		return err
	})
	return c, err
}

// learnPayer adds a normalised IBAN and/or trimmed alias to a customer in
// tx, with a journal row when something was new; changed tells.
func (s *Store) learnPayer(ctx context.Context, tx *sql.Tx, customerID, iban, alias string, w ledger.Write[ledger.Customer], now time.Time) (ledger.Customer, bool, error) {
	var c ledger.Customer
	before, err := getCustomer(ctx, tx, customerID)
	if err != nil {
		return c, false, err
	}
	if err := addIBAN(ctx, tx, customerID, iban, "learned", now); err != nil {
		return c, false, err
	}
	if err := addAlias(ctx, tx, customerID, alias, "learned", now); err != nil {
		return c, false, err
	}
	if c, err = getCustomer(ctx, tx, customerID); err != nil {
		return c, false, err
	}
	if len(c.IBANs) == len(before.IBANs) && len(c.Aliases) == len(before.Aliases) {
		return c, false, nil // already known: nothing changed, nothing to journal
	}
	if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "customer.learned", EntityType: "customer", EntityID: customerID,
		Reason: w.Reason, Details: details(map[string]any{"iban": iban, "alias": alias})}); err != nil {
		return c, false, err
	}
	return c, true, emit(ctx, s, tx, w, c)
}

// GetCustomer returns a customer with its IBANs and aliases.
func (s *Store) GetCustomer(ctx context.Context, id string) (ledger.Customer, error) {
	return getCustomer(ctx, s.r, id)
}

func getCustomer(ctx context.Context, q queryer, id string) (ledger.Customer, error) {
	c := ledger.Customer{ID: id}
	if err := q.QueryRowContext(ctx, `SELECT name, segment FROM customers WHERE id = ?`, id).Scan(&c.Name, &c.Segment); err != nil {
		return c, translate(err, "customer "+id)
	}
	cs := []ledger.Customer{c}
	if err := fillIdentities(ctx, q, cs); err != nil {
		return c, err
	}
	return cs[0], nil
}

// fillIdentities loads the IBANs and aliases of customers, a chunk of
// customers at a time.
func fillIdentities(ctx context.Context, q queryer, cs []ledger.Customer) error {
	for len(cs) > chunk {
		if err := fillIdentities(ctx, q, cs[:chunk]); err != nil {
			return err
		}
		cs = cs[chunk:]
	}
	if len(cs) == 0 {
		return nil
	}
	idx := make(map[string]int, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		idx[c.ID] = i
		args[i] = c.ID
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cs)), ",") + ")"
	for _, part := range []struct {
		query string
		add   func(c *ledger.Customer, v string)
	}{
		{`SELECT customer_id, iban FROM customer_ibans WHERE customer_id IN ` + in + ` ORDER BY customer_id, iban`,
			func(c *ledger.Customer, v string) { c.IBANs = append(c.IBANs, v) }},
		{`SELECT customer_id, alias FROM customer_aliases WHERE customer_id IN ` + in + ` ORDER BY customer_id, alias`,
			func(c *ledger.Customer, v string) { c.Aliases = append(c.Aliases, v) }},
	} {
		rows, err := q.QueryContext(ctx, part.query, args...)
		if err != nil {
			return translate(err, "load customer identities")
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return translate(err, "load customer identities")
			}
			part.add(&cs[idx[id]], v)
		}
		if err := rows.Close(); err != nil {
			return translate(err, "load customer identities")
		}
	}
	return nil
}

// ListCustomers lists customers in id order.
func (s *Store) ListCustomers(ctx context.Context, f ledger.CustomerFilter) ([]ledger.Customer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, segment FROM customers WHERE id > ? ORDER BY id`+limitClause(f.Limit), f.After)
	if err != nil {
		return nil, translate(err, "list customers")
	}
	var out []ledger.Customer
	for rows.Next() {
		var c ledger.Customer
		if err := rows.Scan(&c.ID, &c.Name, &c.Segment); err != nil {
			rows.Close()
			return nil, translate(err, "list customers")
		}
		out = append(out, c)
	}
	if err := rows.Close(); err != nil {
		return nil, translate(err, "list customers")
	}
	return out, fillIdentities(ctx, s.r, out)
}

// FindCustomersByIBAN returns the customers paying from iban.
func (s *Store) FindCustomersByIBAN(ctx context.Context, iban string) ([]ledger.Customer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.name, c.segment FROM customers c JOIN customer_ibans i ON i.customer_id = c.id
		WHERE i.iban = ? ORDER BY c.id`, normalizeIBAN(iban))
	if err != nil {
		return nil, translate(err, "find customers by IBAN")
	}
	var out []ledger.Customer
	for rows.Next() {
		var c ledger.Customer
		if err := rows.Scan(&c.ID, &c.Name, &c.Segment); err != nil {
			rows.Close()
			return nil, translate(err, "find customers by IBAN")
		}
		out = append(out, c)
	}
	if err := rows.Close(); err != nil {
		return nil, translate(err, "find customers by IBAN")
	}
	if err := fillIdentities(ctx, s.r, out); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ledger.Customer) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
