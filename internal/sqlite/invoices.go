package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// UpsertInvoices imports a batch: the invoices go to a temporary table
// through multi-row inserts and are classified (new, changed, same); then
// set-based statements check the lettrage, journal the changes, update the
// changed invoices, insert the new ones and, for a full import, mark the
// absent ones — all in one transaction (SQLite has one writer: imports
// never overlap). Invoices mentioned as they are cost a read, not a write,
// so re-importing a full export that barely changed is cheap.
func (s *Store) UpsertInvoices(ctx context.Context, imp ledger.InvoiceImport, w ledger.Write[ledger.ImportResult]) (ledger.ImportResult, error) {
	opens, err := ledger.CheckImport(imp)
	if err != nil {
		return ledger.ImportResult{}, fmt.Errorf("import invoices: %w", err)
	}
	now := s.now()
	res := ledger.ImportResult{At: now}
	step := importSteps(s.log, len(imp.Invoices))
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO imports (source, at, invoices) VALUES (?, ?, ?) RETURNING id`,
			imp.Source, micros(now), len(imp.Invoices)).Scan(&res.ImportID); err != nil {
			return translate(err, "import invoices")
		}
		if err := loadImportTable(ctx, tx, imp.Invoices, opens); err != nil {
			return err
		}
		step("load and classify")
		if err := importConflicts(ctx, tx); err != nil {
			return err
		}
		step("check lettrage")
		if err := tx.QueryRowContext(ctx, `SELECT
				count(*) FILTER (WHERE t.state = 'new'),
				count(*) FILTER (WHERE t.state = 'changed'),
				count(*) FILTER (WHERE t.state = 'same'),
				count(*) FILTER (WHERE t.cancel = 1 AND (i.id IS NULL OR i.status <> 'cancelled')),
				count(*) FILTER (WHERE t.cancel = 0 AND i.status = 'cancelled')
			FROM import_invoices t LEFT JOIN invoices i ON i.id = t.id`).Scan(&res.Created, &res.Changed, &res.Unchanged, &res.Cancelled, &res.KeptCancelled); err != nil {
			return translate(err, "import invoices: count")
		}
		res.Updated = res.Changed + res.Unchanged // known invoices: changed or as they were
		step("count")
		if err := importCustomers(ctx, tx, imp.Customers, now, &res); err != nil {
			return err
		}
		step("customers")
		if err := journalImport(ctx, tx, w, res.ImportID, now); err != nil {
			return err
		}
		step("journal")
		if err := writeImported(ctx, tx, res.ImportID, now); err != nil {
			return err
		}
		step("write invoices")
		if imp.Full {
			if err := markAbsent(ctx, tx, res.ImportID, &res); err != nil {
				return err
			}
			step("mark absent")
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE temp.import_invoices`); err != nil {
			return translate(err, "import invoices")
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "invoices.imported", EntityType: "import",
			EntityID: fmt.Sprint(res.ImportID), Reason: w.Reason, Details: details(map[string]any{"source": imp.Source, "full": imp.Full,
				"invoices": len(imp.Invoices), "created": res.Created, "updated": res.Updated, "changed": res.Changed, "unchanged": res.Unchanged,
				"cancelled": res.Cancelled, "absent": res.Absent})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, res)
	})
	step("commit")
	if err != nil {
		return ledger.ImportResult{}, err
	}
	return res, nil
}

// writeImported writes the batch: the changed invoices are updated
// (keeping their lettrage), the new ones inserted, and every invoice the
// batch mentions is no longer absent.
func writeImported(ctx context.Context, tx *sql.Tx, importID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE invoices SET
			number = t.number, customer_id = t.customer_id, customer_name = t.customer_name,
			currency = t.currency, amount_minor = t.amount, imported_open_minor = t.imported_open,
			open_minor = t.imported_open - invoices.lettered_minor,
			issue_date = t.issue_date, due_date = t.due_date, rf_reference = t.rf, segment = t.segment,
			status = CASE
				WHEN invoices.status = 'cancelled' OR t.cancel = 1 THEN 'cancelled'
				WHEN t.imported_open - invoices.lettered_minor = 0 THEN 'paid'
				WHEN t.imported_open - invoices.lettered_minor = t.amount THEN 'open'
				ELSE 'partially_paid' END,
			absent_since_import = NULL, updated_at = ?1
		FROM import_invoices t WHERE invoices.id = t.id AND t.state = 'changed'`, micros(now)); err != nil {
		return translate(err, "import invoices: update")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invoices SET absent_since_import = NULL
		WHERE absent_since_import IS NOT NULL AND id IN (SELECT id FROM import_invoices)`); err != nil {
		return translate(err, "import invoices: present again")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO invoices (id, number, customer_id, customer_name, currency, amount_minor, imported_open_minor,
			lettered_minor, open_minor, issue_date, due_date, rf_reference, segment, status, first_import_id, created_at, updated_at)
		SELECT id, number, customer_id, customer_name, currency, amount, imported_open, 0, imported_open, issue_date, due_date, rf, segment,
			CASE WHEN cancel = 1 THEN 'cancelled' WHEN imported_open = 0 THEN 'paid' WHEN imported_open = amount THEN 'open' ELSE 'partially_paid' END,
			?1, ?2, ?2
		FROM import_invoices WHERE state = 'new'`, importID, micros(now))
	return translate(err, "import invoices: insert")
}

// markAbsent marks, after a full import, the invoices it did not mention.
func markAbsent(ctx context.Context, tx *sql.Tx, importID int64, res *ledger.ImportResult) error {
	if _, err := tx.ExecContext(ctx, `UPDATE invoices SET absent_since_import = ?
		WHERE absent_since_import IS NULL AND status <> 'cancelled' AND id NOT IN (SELECT id FROM import_invoices)`, importID); err != nil {
		return translate(err, "import invoices: mark absent")
	}
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM invoices WHERE absent_since_import IS NOT NULL AND status <> 'cancelled'`).Scan(&res.Absent)
	return translate(err, "import invoices: count absent")
}

// importRowsPerInsert is how many invoices one INSERT carries into the
// temporary table: a statement per row would spend most of the time in
// per-statement overhead.
const importRowsPerInsert = 200

// loadImportTable fills temp.import_invoices with the batch.
func loadImportTable(ctx context.Context, tx *sql.Tx, invs []ledger.Invoice, opens []int64) error {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_invoices (
			ord INTEGER PRIMARY KEY, id TEXT NOT NULL, number TEXT NOT NULL, customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
			currency TEXT NOT NULL, amount INTEGER NOT NULL, imported_open INTEGER NOT NULL, issue_date TEXT, due_date TEXT,
			rf TEXT NOT NULL, segment TEXT NOT NULL, cancel INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'new')`); err != nil {
		return translate(err, "import invoices: temporary table")
	}
	const cols = 13
	insertSQL := func(n int) string {
		row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
		return `INSERT INTO import_invoices (ord, id, number, customer_id, customer_name, currency, amount, imported_open, issue_date, due_date,
			rf, segment, cancel) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	}
	full, err := tx.PrepareContext(ctx, insertSQL(importRowsPerInsert))
	if err != nil {
		return translate(err, "import invoices")
	}
	defer full.Close()
	args := make([]any, 0, cols*importRowsPerInsert)
	for start := 0; start < len(invs); start += importRowsPerInsert {
		end := min(start+importRowsPerInsert, len(invs))
		args = args[:0]
		for i := start; i < end; i++ {
			inv := &invs[i]
			cancel := 0
			if inv.Status == ledger.InvoiceCancelled {
				cancel = 1
			}
			args = append(args, i, inv.ID, inv.Number, inv.CustomerID, inv.CustomerName, string(inv.Amount.Currency),
				inv.Amount.Minor, opens[i], dateArg(inv.IssueDate), dateArg(inv.DueDate), inv.RFReference, inv.Segment, cancel)
		}
		if end-start == importRowsPerInsert {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(end-start), args...)
		}
		if err != nil {
			return translate(err, fmt.Sprintf("import invoices %d to %d", start+1, end))
		}
	}
	// Known invoices are "changed" when the batch differs from what is
	// stored, "same" otherwise; the rest stay "new".
	_, err = tx.ExecContext(ctx, `UPDATE import_invoices AS t SET state = CASE WHEN
			i.number <> t.number OR i.customer_id <> t.customer_id OR i.customer_name <> t.customer_name
			OR i.currency <> t.currency OR i.amount_minor <> t.amount OR i.imported_open_minor <> t.imported_open
			OR i.issue_date IS NOT t.issue_date OR i.due_date IS NOT t.due_date OR i.rf_reference <> t.rf OR i.segment <> t.segment
			OR (t.cancel = 1 AND i.status <> 'cancelled')
		THEN 'changed' ELSE 'same' END
		FROM invoices i WHERE i.id = t.id`)
	return translate(err, "import invoices: classify")
}

// importConflicts refuses the batch when it would break lettrage already
// made: a residual below what is lettered (the open amount would cross
// zero), a currency change, or a cancellation of a lettered invoice.
func importConflicts(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT t.id, i.currency, t.currency, i.lettered_minor, t.imported_open, t.amount, t.cancel
		FROM import_invoices t JOIN invoices i ON i.id = t.id
		WHERE i.lettered_minor <> 0 AND (t.currency <> i.currency OR t.cancel = 1
			OR NOT ((t.amount >= 0 AND i.lettered_minor > 0 AND t.imported_open - i.lettered_minor >= 0)
				OR (t.amount < 0 AND i.lettered_minor < 0 AND t.imported_open - i.lettered_minor <= 0)))
		ORDER BY t.id LIMIT 50`)
	if err != nil {
		return translate(err, "import invoices: check lettrage")
	}
	defer rows.Close()
	var conflicts []ledger.ImportConflict
	for rows.Next() {
		var id, oldCur, newCur string
		var lettered, open, amount int64
		var cancel int
		if err := rows.Scan(&id, &oldCur, &newCur, &lettered, &open, &amount, &cancel); err != nil {
			return translate(err, "import invoices: check lettrage")
		}
		conflicts = append(conflicts, ledger.ImportConflict{InvoiceID: id, Reason: ledger.ImportConflictReason(
			ledger.Currency(oldCur), ledger.Currency(newCur), lettered, open, cancel == 1)})
	}
	if err := rows.Err(); err != nil {
		return translate(err, "import invoices: check lettrage")
	}
	if len(conflicts) > 0 {
		return &ledger.ImportConflictError{Conflicts: conflicts}
	}
	return nil
}

// importCustomers creates or updates the customers the invoices name (name
// and segment of the batch's last invoice of each) and those listed.
func importCustomers(ctx context.Context, tx *sql.Tx, listed []ledger.Customer, now time.Time, res *ledger.ImportResult) error {
	// SQLite takes the bare columns of a max() aggregate from the row
	// holding the maximum: the customer's last invoice in the batch.
	r, err := tx.ExecContext(ctx, `INSERT INTO customers (id, name, segment, created_at, updated_at)
		SELECT customer_id, customer_name, segment, ?1, ?1 FROM (
			SELECT customer_id, customer_name, segment, max(ord) FROM import_invoices GROUP BY customer_id) WHERE true
		ON CONFLICT (id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
			segment = CASE WHEN excluded.segment <> '' THEN excluded.segment ELSE customers.segment END,
			updated_at = excluded.updated_at`, micros(now))
	if err != nil {
		return translate(err, "import invoices: customers")
	}
	n, _ := r.RowsAffected()
	res.Customers = int(n)
	for _, c := range listed {
		if err := upsertCustomer(ctx, tx, c, "imported", now); err != nil {
			return err
		}
	}
	res.Customers += len(listed)
	return nil
}

// journalImport writes one journal row per created invoice (its values)
// and per known invoice the batch changes (values before and after).
func journalImport(ctx context.Context, tx *sql.Tx, w ledger.Write[ledger.ImportResult], importID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details)
		SELECT ?1, ?2, 'invoice.created', 'invoice', t.id, t.id, ?3,
			json_object('import_id', ?4, 'number', t.number, 'customer_id', t.customer_id, 'currency', t.currency,
				'amount_minor', t.amount, 'imported_open_minor', t.imported_open, 'issue_date', t.issue_date, 'due_date', t.due_date,
				'cancelled', t.cancel = 1)
		FROM import_invoices t WHERE t.state = 'new'`,
		micros(now), w.Actor, w.Reason, importID)
	if err != nil {
		return translate(err, "import invoices: journal")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details)
		SELECT ?1, ?2, 'invoice.updated', 'invoice', t.id, t.id, ?3,
			json_object('import_id', ?4, 'number', json_array(i.number, t.number), 'customer_id', json_array(i.customer_id, t.customer_id),
				'currency', json_array(i.currency, t.currency),
				'amount_minor', json_array(i.amount_minor, t.amount),
				'imported_open_minor', json_array(i.imported_open_minor, t.imported_open),
				'open_minor', json_array(i.open_minor, t.imported_open - i.lettered_minor),
				'issue_date', json_array(i.issue_date, t.issue_date), 'due_date', json_array(i.due_date, t.due_date),
				'cancelled', t.cancel = 1)
		FROM import_invoices t JOIN invoices i ON i.id = t.id
		WHERE t.state = 'changed'`,
		micros(now), w.Actor, w.Reason, importID)
	return translate(err, "import invoices: journal")
}

const invoiceColumns = `id, number, customer_id, customer_name, currency, amount_minor, open_minor, issue_date, due_date, rf_reference, segment, status`

func scanInvoice(sc interface{ Scan(...any) error }) (ledger.Invoice, error) {
	var inv ledger.Invoice
	var cur string
	var issue, due sql.NullString
	if err := sc.Scan(&inv.ID, &inv.Number, &inv.CustomerID, &inv.CustomerName, &cur, &inv.Amount.Minor, &inv.Open.Minor,
		&issue, &due, &inv.RFReference, &inv.Segment, &inv.Status); err != nil {
		return inv, err
	}
	inv.Amount.Currency, inv.Open.Currency = ledger.Currency(cur), ledger.Currency(cur)
	var err error
	if inv.IssueDate, err = parseNullDate(issue); err != nil {
		return inv, err
	}
	inv.DueDate, err = parseNullDate(due)
	return inv, err
}

// GetInvoice returns an invoice.
func (s *Store) GetInvoice(ctx context.Context, id string) (ledger.Invoice, error) {
	inv, err := scanInvoice(s.r.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ?`, id))
	return inv, translate(err, "invoice "+id)
}

// ListInvoices lists invoices in id order.
func (s *Store) ListInvoices(ctx context.Context, f ledger.InvoiceFilter) ([]ledger.Invoice, error) {
	var where []string
	var args []any
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")+")")
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	if f.Currency != "" {
		where, args = append(where, "currency = ?"), append(args, string(f.Currency))
	}
	if !f.DueBefore.IsZero() {
		where, args = append(where, "due_date < ?"), append(args, f.DueBefore.String())
	}
	if f.Absent {
		where = append(where, "absent_since_import IS NOT NULL AND status <> 'cancelled'")
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := `SELECT ` + invoiceColumns + ` FROM invoices`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY id"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list invoices")
	}
	defer rows.Close()
	var out []ledger.Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, translate(err, "list invoices")
		}
		out = append(out, inv)
	}
	return out, translate(rows.Err(), "list invoices")
}

// OpenBalances sums open amounts by customer, currency and due date.
func (s *Store) OpenBalances(ctx context.Context, f ledger.OpenBalanceFilter) ([]ledger.OpenBalance, error) {
	where := []string{"status IN ('open', 'partially_paid')"}
	var args []any
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Currency != "" {
		where, args = append(where, "currency = ?"), append(args, string(f.Currency))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT customer_id, currency, due_date, sum(open_minor), count(*) FROM invoices
		WHERE `+strings.Join(where, " AND ")+`
		GROUP BY customer_id, currency, due_date ORDER BY customer_id, currency, due_date`, args...)
	if err != nil {
		return nil, translate(err, "open balances")
	}
	defer rows.Close()
	var out []ledger.OpenBalance
	for rows.Next() {
		var b ledger.OpenBalance
		var cur string
		var due sql.NullString
		if err := rows.Scan(&b.CustomerID, &cur, &due, &b.Open.Minor, &b.Invoices); err != nil {
			return nil, translate(err, "open balances")
		}
		b.Open.Currency = ledger.Currency(cur)
		if b.DueDate, err = parseNullDate(due); err != nil {
			return nil, fmt.Errorf("open balances: %w", err)
		}
		out = append(out, b)
	}
	return out, translate(rows.Err(), "open balances")
}

// CancelInvoice marks an invoice without lettrage cancelled.
func (s *Store) CancelInvoice(ctx context.Context, id string, w ledger.Write[ledger.Invoice]) (ledger.Invoice, error) {
	now := s.now()
	var inv ledger.Invoice
	err := s.write(ctx, func(tx *sql.Tx) error {
		var lettered int64
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT lettered_minor, status FROM invoices WHERE id = ?`, id).Scan(&lettered, &status); err != nil {
			return translate(err, "cancel invoice "+id)
		}
		var err error
		switch {
		case status == string(ledger.InvoiceCancelled):
			inv, err = scanInvoice(tx.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ?`, id))
			return translate(err, "cancel invoice "+id)
		case lettered != 0:
			return fmt.Errorf("cancel invoice %s: it has lettrage; reverse it first: %w", id, ledger.ErrConflict)
		}
		if inv, err = scanInvoice(tx.QueryRowContext(ctx, `UPDATE invoices SET status = 'cancelled', updated_at = ? WHERE id = ? RETURNING `+invoiceColumns,
			micros(now), id)); err != nil {
			return translate(err, "cancel invoice "+id)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "invoice.cancelled", EntityType: "invoice", EntityID: id, InvoiceID: id,
			Reason: w.Reason, Details: details(map[string]any{"previous_status": status})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, inv)
	})
	return inv, err
}

// LatestImport returns the most recent import.
func (s *Store) LatestImport(ctx context.Context) (ledger.ImportRecord, error) {
	var r ledger.ImportRecord
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT id, source, at, invoices FROM imports ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &r.Source, &at, &r.Invoices)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("latest import: none yet: %w", ledger.ErrNotFound)
	}
	r.At = fromMicros(at)
	return r, translate(err, "latest import")
}

// importSteps returns a function logging, at debug level, how long each
// step of an import took since the previous one: where a large import
// spends its time, without a profiler.
func importSteps(log zerolog.Logger, n int) func(step string) {
	last := time.Now()
	return func(step string) {
		now := time.Now()
		log.Debug().Str("step", step).Int("invoices", n).Dur("took", now.Sub(last)).Msg("invoice import step")
		last = now
	}
}
