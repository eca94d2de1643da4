package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// AppendAudit appends a journal row.
func (s *Store) AppendAudit(ctx context.Context, r ledger.AuditRecord) (ledger.AuditRecord, error) {
	if r.Actor == "" || r.Action == "" {
		return r, fmt.Errorf("append audit: actor and action required: %w", ledger.ErrInvalid)
	}
	if len(r.Details) > 0 && !json.Valid(r.Details) {
		return r, fmt.Errorf("append audit %s: details are not JSON: %w", r.Action, ledger.ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.audit(ctx, tx, r)
		return err
	})
	return r, err
}

// audit appends r inside tx, stamping Seq and At.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, r ledger.AuditRecord) (ledger.AuditRecord, error) {
	r.At = s.now()
	err := s.q(tx).QueryRowContext(ctx, `INSERT INTO audit_journal (at, actor, action, entity_type, entity_id, invoice_id, reason, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		micros(r.At), r.Actor, r.Action, r.EntityType, r.EntityID, r.InvoiceID, r.Reason, jsonText(r.Details)).Scan(&r.Seq)
	return r, translate(err, "append audit "+r.Action)
}

// details marshals a journal row's details. The store passes maps of
// strings and numbers, which always marshal; should one not, the row still
// says so rather than losing the change.
func details(v map[string]any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"details_error": err.Error()})
	}
	return b
}

// ListAudit lists journal rows in Seq order.
func (s *Store) ListAudit(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditRecord, error) {
	var where []string
	var args []any
	f = auditIndexes(f)
	if f.InvoiceID != "" {
		// The redundant condition lets SQLite use the partial index.
		where, args = append(where, "invoice_id = ? AND invoice_id <> ''"), append(args, f.InvoiceID)
	}
	if f.EntityType != "" {
		cond := "entity_type = ?"
		if f.EntityType != "invoice" {
			cond += " AND entity_type <> 'invoice'"
		}
		where, args = append(where, cond), append(args, f.EntityType)
	}
	if f.EntityID != "" {
		where, args = append(where, "entity_id = ?"), append(args, f.EntityID)
	}
	if f.AfterSeq > 0 {
		where, args = append(where, "seq > ?"), append(args, f.AfterSeq)
	}
	q := `SELECT seq, at, actor, action, entity_type, entity_id, invoice_id, reason, details FROM audit_journal`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY seq"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list audit")
	}
	defer rows.Close()
	var out []ledger.AuditRecord
	for rows.Next() {
		var r ledger.AuditRecord
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.EntityType, &r.EntityID, &r.InvoiceID, &r.Reason, &r.Details); err != nil {
			return nil, translate(err, "list audit")
		}
		r.At = fromMicros(at)
		out = append(out, r)
	}
	return out, translate(rows.Err(), "list audit")
}

// auditIndexes rewrites a filter on an invoice entity as a filter on the
// invoice: rows about invoices are indexed by invoice_id only.
func auditIndexes(f ledger.AuditFilter) ledger.AuditFilter {
	if f.EntityType == "invoice" && f.EntityID != "" && f.InvoiceID == "" {
		f.InvoiceID = f.EntityID
	}
	return f
}
