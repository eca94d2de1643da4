package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lettrage/lettrage/internal/ledger"
)

// SaveStatementFile stores a file's statements and transactions together:
// each statement's transactions are copied (COPY) into a temporary table
// and inserted from there, skipping those already stored.
func (s *Store) SaveStatementFile(ctx context.Context, f ledger.StatementFile, w ledger.Write[ledger.StatementFileResult]) (ledger.StatementFileResult, error) {
	if err := checkStatementFile(f); err != nil {
		return ledger.StatementFileResult{}, err
	}
	res := ledger.StatementFileResult{FileHash: f.Hash}
	err := s.write(ctx, func(tx pgx.Tx) error {
		now := s.now()
		// ON CONFLICT DO NOTHING waits for a concurrent transaction storing
		// the same file and then sees its row: the file is a duplicate.
		tag, err := tx.Exec(ctx, `INSERT INTO statement_files (hash, name, size, format, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (hash) DO NOTHING`, f.Hash, f.Name, f.Size, string(f.Format), now)
		if err != nil {
			return translate(err, "save statement file "+f.Name)
		}
		if tag.RowsAffected() == 0 {
			res.Duplicate = true
			res.Statements, err = listStatements(ctx, tx, ledger.StatementFilter{FileHash: f.Hash})
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE incoming_transactions (LIKE bank_transactions) ON COMMIT DROP`); err != nil {
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

var incomingColumns = []string{"id", "statement_id", "account_id", "dedup_key", "bank_ref", "booking_date", "status", "direction",
	"amount_minor", "currency", "debtor_iban", "detail", "created_at"}

func (s *Store) saveStatement(ctx context.Context, tx pgx.Tx, f ledger.StatementFile, pos int, ps ledger.ParsedStatement, now time.Time) (ledger.StoredStatement, error) {
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
	if _, err := tx.Exec(ctx, `INSERT INTO statements (id, file_hash, position, account_id, format, bank_stmt_id, electronic_seq, legal_seq,
			from_date, to_date, header, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		st.ID, f.Hash, pos, st.AccountID, string(format), h.StatementID, h.ElectronicSeq, h.LegalSeq,
		dateArg(h.From), dateArg(h.To), string(header), now); err != nil {
		return st, translate(err, where)
	}
	keyed := ledger.KeyTransactions(st.AccountID, ps.Entries)
	rows := make([][]any, 0, len(keyed))
	for _, k := range keyed {
		bt := ledger.NewBankTransaction(h, k)
		bt.ID, bt.StatementID, bt.CreatedAt = s.ids.New(now), st.ID, now
		detail, err := json.Marshal(&bt)
		if err != nil {
			return st, fmt.Errorf("%s: entry %d: %w", where, k.Entry.Index, err)
		}
		rows = append(rows, []any{bt.ID, bt.StatementID, bt.AccountID, bt.DedupKey, bt.BankRef, dateArg(bt.BookingDate), string(bt.Status),
			string(bt.Transaction.Direction), bt.Transaction.Amount.Minor, string(bt.Transaction.Amount.Currency), bt.Transaction.Debtor.IBAN,
			string(detail), now})
	}
	if len(rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incoming_transactions"}, incomingColumns, pgx.CopyFromRows(rows)); err != nil {
			return st, translate(err, where)
		}
		// ORDER BY id keeps the insertion order of the statement, so that
		// within a batch of identical keys the first one wins.
		if err := tx.QueryRow(ctx, `WITH ins AS (
				INSERT INTO bank_transactions SELECT * FROM incoming_transactions ORDER BY id
				ON CONFLICT (account_id, dedup_key) DO NOTHING RETURNING 1)
			SELECT count(*) FROM ins`).Scan(&st.Inserted); err != nil {
			return st, translate(err, where)
		}
		if _, err := tx.Exec(ctx, `TRUNCATE incoming_transactions`); err != nil {
			return st, translate(err, where)
		}
	}
	st.Duplicates = len(rows) - st.Inserted
	if _, err := tx.Exec(ctx, `UPDATE statements SET inserted = $1, duplicates = $2 WHERE id = $3`, st.Inserted, st.Duplicates, st.ID); err != nil {
		return st, translate(err, where)
	}
	return st, nil
}

// GetStatement returns a stored statement.
func (s *Store) GetStatement(ctx context.Context, id string) (ledger.StoredStatement, error) {
	st, err := scanStatement(s.pool.QueryRow(ctx, `SELECT `+statementColumns+` FROM statements WHERE id = $1`, id))
	return st, translate(err, "statement "+id)
}

// ListStatements lists statements in id order.
func (s *Store) ListStatements(ctx context.Context, f ledger.StatementFilter) ([]ledger.StoredStatement, error) {
	return listStatements(ctx, s.pool, f)
}

const statementColumns = `id, file_hash, position, account_id, header, inserted, duplicates, created_at`

func scanStatement(sc pgx.Row) (ledger.StoredStatement, error) {
	var st ledger.StoredStatement
	var header string
	if err := sc.Scan(&st.ID, &st.FileHash, &st.Position, &st.AccountID, &header, &st.Inserted, &st.Duplicates, &st.CreatedAt); err != nil {
		return st, err
	}
	st.CreatedAt = st.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(header), &st.Header); err != nil {
		return st, fmt.Errorf("statement %s: stored header: %w", st.ID, err)
	}
	return st, nil
}

func listStatements(ctx context.Context, q queryer, f ledger.StatementFilter) ([]ledger.StoredStatement, error) {
	var w filter
	if f.AccountID != "" {
		w.add("account_id = ?", f.AccountID)
	}
	if f.FileHash != "" {
		w.add("file_hash = ?", f.FileHash)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	order := " ORDER BY id"
	if f.FileHash != "" {
		order = " ORDER BY position"
	}
	rows, err := q.Query(ctx, `SELECT `+statementColumns+` FROM statements`+w.where()+order+limitClause(f.Limit), w.args...)
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
	return getTransaction(ctx, s.pool, id)
}

func getTransaction(ctx context.Context, q queryer, id string) (ledger.BankTransaction, error) {
	var detail string
	if err := q.QueryRow(ctx, `SELECT detail FROM bank_transactions WHERE id = $1`, id).Scan(&detail); err != nil {
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
	var w filter
	if f.StatementID != "" {
		w.add("t.statement_id = ?", f.StatementID)
	}
	if f.AccountID != "" {
		w.add("t.account_id = ?", f.AccountID)
	}
	if f.Direction != "" {
		w.add("t.direction = ?", string(f.Direction))
	}
	if f.Status != "" {
		w.add("t.status = ?", string(f.Status))
	}
	if !f.BookedOn.IsZero() {
		w.add("t.booking_date = ?", dateArg(f.BookedOn))
	}
	if f.WithoutMatch {
		w.add("NOT EXISTS (SELECT 1 FROM matches m WHERE m.transaction_id = t.id AND m.status IN ('proposed', 'applied', 'confirmed'))")
	}
	if f.After != "" {
		w.add("t.id > ?", f.After)
	}
	rows, err := s.pool.Query(ctx, `SELECT t.id, t.detail FROM bank_transactions t`+w.where()+" ORDER BY t.id"+limitClause(f.Limit), w.args...)
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
	rows, err := s.pool.Query(ctx, `SELECT account_id, count(*), max(created_at), max(to_date) FROM statements GROUP BY account_id ORDER BY account_id`)
	if err != nil {
		return nil, translate(err, "account activity")
	}
	defer rows.Close()
	var out []ledger.AccountActivity
	for rows.Next() {
		var a ledger.AccountActivity
		var last pgtype.Date
		if err := rows.Scan(&a.AccountID, &a.Statements, &a.LastStored, &last); err != nil {
			return nil, translate(err, "account activity")
		}
		a.LastStored = a.LastStored.UTC()
		a.LastDate = fromDate(last)
		out = append(out, a)
	}
	return out, translate(rows.Err(), "account activity")
}
