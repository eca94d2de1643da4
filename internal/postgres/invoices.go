package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lettrage/lettrage/internal/ledger"
)

// UpsertInvoices imports a batch: the invoices are copied (COPY) into a
// temporary table and classified (new, changed, same); then set-based
// statements check the lettrage, journal the changes, update the changed
// invoices, insert the new ones and, for a full import, mark the absent
// ones — all in one transaction. Invoices mentioned as they are cost a
// read, not a write, so re-importing a full export that barely changed is
// cheap.
func (s *Store) UpsertInvoices(ctx context.Context, imp ledger.InvoiceImport, w ledger.Write[ledger.ImportResult]) (ledger.ImportResult, error) {
	opens, err := ledger.CheckImport(imp)
	if err != nil {
		return ledger.ImportResult{}, fmt.Errorf("import invoices: %w", err)
	}
	now := s.now()
	res := ledger.ImportResult{At: now}
	step := importSteps(s.log, len(imp.Invoices))
	err = s.write(ctx, func(tx pgx.Tx) error {
		// Imports run one at a time across replicas: a concurrent one would
		// fail on the new invoices' keys, and absence marks must follow the
		// imports' order.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockKey("invoice import")); err != nil {
			return translate(err, "import invoices: wait for other imports")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO imports (source, at, invoices) VALUES ($1, $2, $3) RETURNING id`,
			imp.Source, now, len(imp.Invoices)).Scan(&res.ImportID); err != nil {
			return translate(err, "import invoices")
		}
		// Their joins and sorts need more than the default 4 MB.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			return translate(err, "import invoices")
		}
		if err := loadImportTable(ctx, tx, imp.Invoices, opens); err != nil {
			return err
		}
		step("load and classify")
		// Lock the batch's lettered invoices so that no lettrage moves them
		// between the check and the upsert.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM invoices i JOIN import_invoices t ON t.id = i.id WHERE i.lettered_minor <> 0 FOR UPDATE OF i`); err != nil {
			return translate(err, "import invoices: lock lettered invoices")
		}
		if err := importConflicts(ctx, tx); err != nil {
			return err
		}
		step("check lettrage")
		if err := tx.QueryRow(ctx, `SELECT
				count(*) FILTER (WHERE t.state = 'new'),
				count(*) FILTER (WHERE t.state = 'changed'),
				count(*) FILTER (WHERE t.state = 'same'),
				count(*) FILTER (WHERE t.cancel AND (i.id IS NULL OR i.status <> 'cancelled')),
				count(*) FILTER (WHERE NOT t.cancel AND i.status = 'cancelled')
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
// batch mentions is no longer absent. Two plain set operations cost less
// than INSERT … ON CONFLICT, which probes and locks row by row.
func writeImported(ctx context.Context, tx pgx.Tx, importID int64, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE invoices inv SET
			number = t.number, customer_id = t.customer_id, customer_name = t.customer_name,
			currency = t.currency, amount_minor = t.amount, imported_open_minor = t.imported_open,
			open_minor = t.imported_open - inv.lettered_minor,
			issue_date = t.issue_date, due_date = t.due_date, rf_reference = t.rf, segment = t.segment,
			status = CASE
				WHEN inv.status = 'cancelled' OR t.cancel THEN 'cancelled'
				WHEN t.imported_open - inv.lettered_minor = 0 THEN 'paid'
				WHEN t.imported_open - inv.lettered_minor = t.amount THEN 'open'
				ELSE 'partially_paid' END,
			absent_since_import = NULL, updated_at = $1
		FROM import_invoices t WHERE inv.id = t.id AND t.state = 'changed'`, now); err != nil {
		return translate(err, "import invoices: update")
	}
	if _, err := tx.Exec(ctx, `UPDATE invoices inv SET absent_since_import = NULL
		FROM import_invoices t WHERE inv.id = t.id AND inv.absent_since_import IS NOT NULL`); err != nil {
		return translate(err, "import invoices: present again")
	}
	_, err := tx.Exec(ctx, `INSERT INTO invoices (id, number, customer_id, customer_name, currency, amount_minor, imported_open_minor,
			lettered_minor, open_minor, issue_date, due_date, rf_reference, segment, status, first_import_id, created_at, updated_at)
		SELECT id, number, customer_id, customer_name, currency, amount, imported_open, 0, imported_open, issue_date, due_date, rf, segment,
			CASE WHEN cancel THEN 'cancelled' WHEN imported_open = 0 THEN 'paid' WHEN imported_open = amount THEN 'open' ELSE 'partially_paid' END,
			$1, $2, $2
		FROM import_invoices WHERE state = 'new'`, importID, now)
	return translate(err, "import invoices: insert")
}

// markAbsent marks, after a full import, the invoices it did not mention.
func markAbsent(ctx context.Context, tx pgx.Tx, importID int64, res *ledger.ImportResult) error {
	if _, err := tx.Exec(ctx, `UPDATE invoices inv SET absent_since_import = $1
		WHERE absent_since_import IS NULL AND status <> 'cancelled'
		  AND NOT EXISTS (SELECT 1 FROM import_invoices t WHERE t.id = inv.id)`, importID); err != nil {
		return translate(err, "import invoices: mark absent")
	}
	err := tx.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE absent_since_import IS NOT NULL AND status <> 'cancelled'`).Scan(&res.Absent)
	return translate(err, "import invoices: count absent")
}

var importColumns = []string{"ord", "id", "number", "customer_id", "customer_name", "currency", "amount", "imported_open", "issue_date", "due_date",
	"rf", "segment", "cancel"}

// loadImportTable copies the batch into the temporary import_invoices.
func loadImportTable(ctx context.Context, tx pgx.Tx, invs []ledger.Invoice, opens []int64) error {
	// The batch is copied into import_raw, then classified into
	// import_invoices in one pass (CREATE TABLE AS over a join): "new" when
	// the store does not know the invoice, "changed" when the batch differs
	// from what is stored, "same" otherwise. Classifying with an UPDATE
	// would write every row a second time.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_raw (
			ord bigint NOT NULL, id text COLLATE "C" NOT NULL, number text NOT NULL, customer_id text COLLATE "C" NOT NULL,
			customer_name text NOT NULL, currency text NOT NULL, amount bigint NOT NULL, imported_open bigint NOT NULL,
			issue_date date, due_date date, rf text NOT NULL, segment text NOT NULL, cancel boolean NOT NULL) ON COMMIT DROP`); err != nil {
		return translate(err, "import invoices: temporary table")
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(invs) {
			return nil, nil
		}
		inv := &invs[i]
		row := []any{i, inv.ID, inv.Number, inv.CustomerID, inv.CustomerName, string(inv.Amount.Currency), inv.Amount.Minor, opens[i],
			dateArg(inv.IssueDate), dateArg(inv.DueDate), inv.RFReference, inv.Segment, inv.Status == ledger.InvoiceCancelled}
		i++
		return row, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_raw"}, importColumns, src); err != nil {
		return translate(err, "import invoices: copy")
	}
	if len(invs) > 10000 {
		if _, err := tx.Exec(ctx, `ANALYZE import_raw`); err != nil {
			return translate(err, "import invoices: analyze")
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_invoices ON COMMIT DROP AS
		SELECT t.*, CASE WHEN i.id IS NULL THEN 'new' WHEN
				i.number <> t.number OR i.customer_id <> t.customer_id OR i.customer_name <> t.customer_name
				OR i.currency <> t.currency OR i.amount_minor <> t.amount OR i.imported_open_minor <> t.imported_open
				OR i.issue_date IS DISTINCT FROM t.issue_date OR i.due_date IS DISTINCT FROM t.due_date
				OR i.rf_reference <> t.rf OR i.segment <> t.segment OR (t.cancel AND i.status <> 'cancelled')
			THEN 'changed' ELSE 'same' END AS state
		FROM import_raw t LEFT JOIN invoices i ON i.id = t.id`); err != nil {
		return translate(err, "import invoices: classify")
	}
	if _, err := tx.Exec(ctx, `DROP TABLE import_raw`); err != nil {
		return translate(err, "import invoices: classify")
	}
	var err error
	if len(invs) > 10000 {
		_, err = tx.Exec(ctx, `ANALYZE import_invoices`)
	}
	return translate(err, "import invoices: classify")
}

// importConflicts refuses the batch when it would break lettrage already
// made: a residual below what is lettered (the open amount would cross
// zero), a currency change, or a cancellation of a lettered invoice.
func importConflicts(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT t.id, i.currency, t.currency, i.lettered_minor, t.imported_open, t.cancel
		FROM import_invoices t JOIN invoices i ON i.id = t.id
		WHERE i.lettered_minor <> 0 AND (t.currency <> i.currency OR t.cancel
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
		var lettered, open int64
		var cancel bool
		if err := rows.Scan(&id, &oldCur, &newCur, &lettered, &open, &cancel); err != nil {
			return translate(err, "import invoices: check lettrage")
		}
		conflicts = append(conflicts, ledger.ImportConflict{InvoiceID: id, Reason: ledger.ImportConflictReason(
			ledger.Currency(oldCur), ledger.Currency(newCur), lettered, open, cancel)})
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
func importCustomers(ctx context.Context, tx pgx.Tx, listed []ledger.Customer, now time.Time, res *ledger.ImportResult) error {
	tag, err := tx.Exec(ctx, `INSERT INTO customers AS c (id, name, segment, created_at, updated_at)
		SELECT DISTINCT ON (customer_id) customer_id, customer_name, segment, $1::timestamptz, $1::timestamptz
		FROM import_invoices ORDER BY customer_id, ord DESC
		ON CONFLICT (id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE c.name END,
			segment = CASE WHEN excluded.segment <> '' THEN excluded.segment ELSE c.segment END,
			updated_at = excluded.updated_at`, now)
	if err != nil {
		return translate(err, "import invoices: customers")
	}
	res.Customers = int(tag.RowsAffected())
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
func journalImport(ctx context.Context, tx pgx.Tx, w ledger.Write[ledger.ImportResult], importID int64, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details)
		SELECT $1, $2, 'invoice.created', 'invoice', t.id, t.id, $3,
			-- the JSON of json_build_object, spelled out: a third cheaper
			'{"import_id":' || $4::bigint || ',"number":' || to_json(t.number) || ',"customer_id":' || to_json(t.customer_id) ||
				',"currency":' || to_json(t.currency) || ',"amount_minor":' || t.amount || ',"imported_open_minor":' || t.imported_open ||
				',"issue_date":' || COALESCE(to_json(t.issue_date)::text, 'null') || ',"due_date":' || COALESCE(to_json(t.due_date)::text, 'null') ||
				',"cancelled":' || t.cancel || '}'
		FROM import_invoices t WHERE t.state = 'new'`,
		now, w.Actor, w.Reason, importID)
	if err != nil {
		return translate(err, "import invoices: journal")
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details)
		SELECT $1, $2, 'invoice.updated', 'invoice', t.id, t.id, $3,
			json_build_object('import_id', $4::bigint, 'number', json_build_array(i.number, t.number),
				'customer_id', json_build_array(i.customer_id, t.customer_id), 'currency', json_build_array(i.currency, t.currency),
				'amount_minor', json_build_array(i.amount_minor, t.amount),
				'imported_open_minor', json_build_array(i.imported_open_minor, t.imported_open),
				'open_minor', json_build_array(i.open_minor, t.imported_open - i.lettered_minor),
				'issue_date', json_build_array(i.issue_date, t.issue_date), 'due_date', json_build_array(i.due_date, t.due_date),
				'cancelled', t.cancel)::text
		FROM import_invoices t JOIN invoices i ON i.id = t.id
		WHERE t.state = 'changed'`,
		now, w.Actor, w.Reason, importID)
	return translate(err, "import invoices: journal")
}

const invoiceColumns = `id, number, customer_id, customer_name, currency, amount_minor, open_minor, issue_date, due_date, rf_reference, segment, status`

func scanInvoice(sc pgx.Row) (ledger.Invoice, error) {
	var inv ledger.Invoice
	var cur string
	var issue, due pgtype.Date
	if err := sc.Scan(&inv.ID, &inv.Number, &inv.CustomerID, &inv.CustomerName, &cur, &inv.Amount.Minor, &inv.Open.Minor,
		&issue, &due, &inv.RFReference, &inv.Segment, &inv.Status); err != nil {
		return inv, err
	}
	inv.Amount.Currency, inv.Open.Currency = ledger.Currency(cur), ledger.Currency(cur)
	inv.IssueDate, inv.DueDate = fromDate(issue), fromDate(due)
	return inv, nil
}

// GetInvoice returns an invoice.
func (s *Store) GetInvoice(ctx context.Context, id string) (ledger.Invoice, error) {
	inv, err := scanInvoice(s.pool.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`, id))
	return inv, translate(err, "invoice "+id)
}

// ListInvoices lists invoices in id order.
func (s *Store) ListInvoices(ctx context.Context, f ledger.InvoiceFilter) ([]ledger.Invoice, error) {
	var w filter
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if len(f.Statuses) > 0 {
		sts := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = string(st)
		}
		w.add("status = ANY(?)", sts)
	}
	if f.Currency != "" {
		w.add("currency = ?", string(f.Currency))
	}
	if !f.DueBefore.IsZero() {
		w.add("due_date < ?", dateArg(f.DueBefore))
	}
	if f.Absent {
		w.add("absent_since_import IS NOT NULL AND status <> 'cancelled'")
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+invoiceColumns+` FROM invoices`+w.where()+" ORDER BY id"+limitClause(f.Limit), w.args...)
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
	rows, err := s.pool.Query(ctx, `SELECT customer_id, currency, due_date, sum(open_minor)::bigint, count(*) FROM invoices
		WHERE status IN ('open', 'partially_paid') AND ($1 = '' OR customer_id = $1) AND ($2 = '' OR currency = $2)
		GROUP BY customer_id, currency, due_date ORDER BY customer_id, currency COLLATE "C", due_date NULLS FIRST`,
		f.CustomerID, string(f.Currency))
	if err != nil {
		return nil, translate(err, "open balances")
	}
	defer rows.Close()
	var out []ledger.OpenBalance
	for rows.Next() {
		var b ledger.OpenBalance
		var cur string
		var due pgtype.Date
		if err := rows.Scan(&b.CustomerID, &cur, &due, &b.Open.Minor, &b.Invoices); err != nil {
			return nil, translate(err, "open balances")
		}
		b.Open.Currency, b.DueDate = ledger.Currency(cur), fromDate(due)
		out = append(out, b)
	}
	return out, translate(rows.Err(), "open balances")
}

// CancelInvoice marks an invoice without lettrage cancelled.
func (s *Store) CancelInvoice(ctx context.Context, id string, w ledger.Write[ledger.Invoice]) (ledger.Invoice, error) {
	now := s.now()
	var inv ledger.Invoice
	err := s.write(ctx, func(tx pgx.Tx) error {
		var lettered int64
		var status string
		if err := tx.QueryRow(ctx, `SELECT lettered_minor, status FROM invoices WHERE id = $1 FOR UPDATE`, id).Scan(&lettered, &status); err != nil {
			return translate(err, "cancel invoice "+id)
		}
		var err error
		switch {
		case status == string(ledger.InvoiceCancelled):
			inv, err = scanInvoice(tx.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`, id))
			return translate(err, "cancel invoice "+id)
		case lettered != 0:
			return fmt.Errorf("cancel invoice %s: it has lettrage; reverse it first: %w", id, ledger.ErrConflict)
		}
		if inv, err = scanInvoice(tx.QueryRow(ctx, `UPDATE invoices SET status = 'cancelled', updated_at = $1 WHERE id = $2 RETURNING `+invoiceColumns,
			now, id)); err != nil {
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
	err := s.pool.QueryRow(ctx, `SELECT id, source, at, invoices FROM imports ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &r.Source, &r.At, &r.Invoices)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("latest import: none yet: %w", ledger.ErrNotFound)
	}
	r.At = r.At.UTC()
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
