package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// SaveStatementFile stores a file's statements and transactions together.
func (s *Store) SaveStatementFile(ctx context.Context, f ledger.StatementFile, w ledger.Write[ledger.StatementFileResult]) (ledger.StatementFileResult, error) {
	if err := checkStatementFile(f); err != nil {
		return ledger.StatementFileResult{}, err
	}
	res := ledger.StatementFileResult{FileHash: f.Hash}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM statement_files WHERE hash = ?`, f.Hash).Scan(&n); err != nil {
			return translate(err, "save statement file "+f.Name)
		}
		if n > 0 {
			res.Duplicate = true
			var err error
			res.Statements, err = listStatements(ctx, tx, ledger.StatementFilter{FileHash: f.Hash})
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_files (hash, name, size, format, created_at) VALUES (?, ?, ?, ?, ?)`,
			f.Hash, f.Name, f.Size, string(f.Format), micros(now)); err != nil {
			return translate(err, "save statement file "+f.Name)
		}
		for i, ps := range f.Statements {
			st, err := s.saveStatement(ctx, tx, f, i+1, ps, now)
			if err != nil {
				return err
			}
			res.Statements = append(res.Statements, st)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "statement_file.stored", EntityType: "statement_file", EntityID: f.Hash, Reason: w.Reason,
			Details: details(map[string]any{"name": f.Name, "format": string(f.Format), "statements": len(res.Statements),
				"inserted": res.Inserted(), "duplicates": res.Duplicates()})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, res)
	})
	if err != nil {
		return ledger.StatementFileResult{}, err
	}
	return res, nil
}

// checkStatementFile rejects files the store cannot key.
func checkStatementFile(f ledger.StatementFile) error {
	if f.Hash == "" {
		return fmt.Errorf("save statement file %s: no content hash: %w", f.Name, ledger.ErrInvalid)
	}
	if len(f.Statements) == 0 {
		return fmt.Errorf("save statement file %s: no statement: %w", f.Name, ledger.ErrInvalid)
	}
	for i, ps := range f.Statements {
		if ps.Statement == nil || ps.Statement.Account.ID() == "" {
			return fmt.Errorf("save statement file %s: statement %d has no account: %w", f.Name, i+1, ledger.ErrInvalid)
		}
	}
	return nil
}

// txRowsPerInsert is how many bank transactions one INSERT carries.
const txRowsPerInsert = 50

// insertTransactionsSQL inserts n bank transactions, skipping those whose
// account and dedup key are stored already.
func insertTransactionsSQL(n int) string {
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	return `INSERT INTO bank_transactions (id, statement_id, account_id, dedup_key, bank_ref, booking_date, status,
			direction, amount_minor, currency, debtor_iban, detail, created_at)
		VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", n), ",") + `
		ON CONFLICT (account_id, dedup_key) DO NOTHING`
}

func (s *Store) saveStatement(ctx context.Context, tx *sql.Tx, f ledger.StatementFile, pos int, ps ledger.ParsedStatement, now time.Time) (ledger.StoredStatement, error) {
	h := ps.Statement
	where := fmt.Sprintf("save statement %d of %s", pos, f.Name)
	st := ledger.StoredStatement{ID: s.ids.New(now), FileHash: f.Hash, Position: pos, AccountID: h.Account.ID(), Header: *h, CreatedAt: now}
	header, err := json.Marshal(h)
	if err != nil {
		return st, fmt.Errorf("%s: %w", where, err)
	}
	format := h.Format
	if format == "" {
		format = f.Format
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO statements (id, file_hash, position, account_id, format, bank_stmt_id, electronic_seq, legal_seq,
			from_date, to_date, header, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.ID, f.Hash, pos, st.AccountID, string(format), h.StatementID, h.ElectronicSeq, h.LegalSeq,
		dateArg(h.From), dateArg(h.To), string(header), micros(now)); err != nil {
		return st, translate(err, where)
	}
	keyed := ledger.KeyTransactions(st.AccountID, ps.Entries)
	var full *sql.Stmt
	args := make([]any, 0, 13*txRowsPerInsert)
	for start := 0; start < len(keyed); start += txRowsPerInsert {
		end := min(start+txRowsPerInsert, len(keyed))
		args = args[:0]
		for _, k := range keyed[start:end] {
			bt := ledger.NewBankTransaction(h, k)
			bt.ID, bt.StatementID, bt.CreatedAt = s.ids.New(now), st.ID, now
			detail, err := json.Marshal(&bt)
			if err != nil {
				return st, fmt.Errorf("%s: entry %d: %w", where, k.Entry.Index, err)
			}
			args = append(args, bt.ID, bt.StatementID, bt.AccountID, bt.DedupKey, bt.BankRef, dateArg(bt.BookingDate), string(bt.Status),
				string(bt.Transaction.Direction), bt.Transaction.Amount.Minor, string(bt.Transaction.Amount.Currency), bt.Transaction.Debtor.IBAN,
				string(detail), micros(now))
		}
		var r sql.Result
		if end-start == txRowsPerInsert {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertTransactionsSQL(txRowsPerInsert)); err != nil {
					return st, translate(err, where)
				}
				defer full.Close()
			}
			r, err = full.ExecContext(ctx, args...)
		} else {
			r, err = tx.ExecContext(ctx, insertTransactionsSQL(end-start), args...)
		}
		if err != nil {
			return st, translate(err, fmt.Sprintf("%s: entries %d to %d", where, keyed[start].Entry.Index, keyed[end-1].Entry.Index))
		}
		n, err := r.RowsAffected()
		if err != nil {
			return st, translate(err, where)
		}
		st.Inserted += int(n)
	}
	st.Duplicates = len(keyed) - st.Inserted
	if _, err := tx.ExecContext(ctx, `UPDATE statements SET inserted = ?, duplicates = ? WHERE id = ?`, st.Inserted, st.Duplicates, st.ID); err != nil {
		return st, translate(err, where)
	}
	return st, nil
}

// GetStatement returns a stored statement.
func (s *Store) GetStatement(ctx context.Context, id string) (ledger.StoredStatement, error) {
	st, err := scanStatement(s.r.QueryRowContext(ctx, `SELECT `+statementColumns+` FROM statements WHERE id = ?`, id))
	return st, translate(err, "statement "+id)
}

// ListStatements lists statements in id order.
func (s *Store) ListStatements(ctx context.Context, f ledger.StatementFilter) ([]ledger.StoredStatement, error) {
	return listStatements(ctx, s.r, f)
}

const statementColumns = `id, file_hash, position, account_id, header, inserted, duplicates, created_at`

func scanStatement(sc interface{ Scan(...any) error }) (ledger.StoredStatement, error) {
	var st ledger.StoredStatement
	var header string
	var created int64
	if err := sc.Scan(&st.ID, &st.FileHash, &st.Position, &st.AccountID, &header, &st.Inserted, &st.Duplicates, &created); err != nil {
		return st, err
	}
	st.CreatedAt = fromMicros(created)
	if err := json.Unmarshal([]byte(header), &st.Header); err != nil {
		return st, fmt.Errorf("statement %s: stored header: %w", st.ID, err)
	}
	return st, nil
}

func listStatements(ctx context.Context, q queryer, f ledger.StatementFilter) ([]ledger.StoredStatement, error) {
	var where []string
	var args []any
	if f.AccountID != "" {
		where, args = append(where, "account_id = ?"), append(args, f.AccountID)
	}
	if f.FileHash != "" {
		where, args = append(where, "file_hash = ?"), append(args, f.FileHash)
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	query := `SELECT ` + statementColumns + ` FROM statements`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY id"
	if f.FileHash != "" {
		order = " ORDER BY position"
	}
	rows, err := q.QueryContext(ctx, query+order+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list statements")
	}
	defer rows.Close()
	var out []ledger.StoredStatement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, translate(err, "list statements")
		}
		out = append(out, st)
	}
	return out, translate(rows.Err(), "list statements")
}

// GetTransaction returns a stored bank transaction.
func (s *Store) GetTransaction(ctx context.Context, id string) (ledger.BankTransaction, error) {
	return getTransaction(ctx, s.r, id)
}

func getTransaction(ctx context.Context, q queryer, id string) (ledger.BankTransaction, error) {
	var detail string
	if err := q.QueryRowContext(ctx, `SELECT detail FROM bank_transactions WHERE id = ?`, id).Scan(&detail); err != nil {
		return ledger.BankTransaction{}, translate(err, "bank transaction "+id)
	}
	return decodeTransaction(id, detail)
}

// decodeTransaction reads the stored JSON form of a bank transaction.
func decodeTransaction(id, detail string) (ledger.BankTransaction, error) {
	var bt ledger.BankTransaction
	if err := json.Unmarshal([]byte(detail), &bt); err != nil {
		return bt, fmt.Errorf("bank transaction %s: stored detail: %w", id, err)
	}
	bt.CreatedAt = bt.CreatedAt.UTC()
	return bt, nil
}

// ListTransactions lists bank transactions in id order.
func (s *Store) ListTransactions(ctx context.Context, f ledger.TransactionFilter) ([]ledger.BankTransaction, error) {
	var where []string
	var args []any
	if f.StatementID != "" {
		where, args = append(where, "t.statement_id = ?"), append(args, f.StatementID)
	}
	if f.AccountID != "" {
		where, args = append(where, "t.account_id = ?"), append(args, f.AccountID)
	}
	if f.Direction != "" {
		where, args = append(where, "t.direction = ?"), append(args, string(f.Direction))
	}
	if f.Status != "" {
		where, args = append(where, "t.status = ?"), append(args, string(f.Status))
	}
	if !f.BookedOn.IsZero() {
		where, args = append(where, "t.booking_date = ?"), append(args, f.BookedOn.String())
	}
	if f.WithoutMatch {
		where = append(where, "NOT EXISTS (SELECT 1 FROM matches m WHERE m.transaction_id = t.id AND m.status IN ('proposed', 'applied', 'confirmed'))")
	}
	if f.After != "" {
		where, args = append(where, "t.id > ?"), append(args, f.After)
	}
	q := `SELECT t.id, t.detail FROM bank_transactions t`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY t.id"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list transactions")
	}
	defer rows.Close()
	var out []ledger.BankTransaction
	for rows.Next() {
		var id, detail string
		if err := rows.Scan(&id, &detail); err != nil {
			return nil, translate(err, "list transactions")
		}
		bt, err := decodeTransaction(id, detail)
		if err != nil {
			return nil, err
		}
		out = append(out, bt)
	}
	return out, translate(rows.Err(), "list transactions")
}

// AccountActivity implements ledger.StatementStore.
func (s *Store) AccountActivity(ctx context.Context) ([]ledger.AccountActivity, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT account_id, count(*), max(created_at), max(to_date) FROM statements GROUP BY account_id ORDER BY account_id`)
	if err != nil {
		return nil, translate(err, "account activity")
	}
	defer rows.Close()
	var out []ledger.AccountActivity
	for rows.Next() {
		var a ledger.AccountActivity
		var stored int64
		var last sql.NullString
		if err := rows.Scan(&a.AccountID, &a.Statements, &stored, &last); err != nil {
			return nil, translate(err, "account activity")
		}
		a.LastStored = fromMicros(stored)
		if a.LastDate, err = parseNullDate(last); err != nil {
			return nil, fmt.Errorf("account activity of %s: %w", a.AccountID, err)
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "account activity")
}
