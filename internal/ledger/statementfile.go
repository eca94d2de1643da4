package ledger

import "time"

// StatementFile is one parsed statement file as ingestion hands it to the
// store: the file's identity and every statement it holds, complete.
type StatementFile struct {
	// Hash is the hex SHA-256 of the file's bytes: the same content under
	// any name is the same file.
	Hash   string
	Name   string // the name the file arrived under
	Size   int64
	Format Format
	// Statements in file order, each with all its entries.
	Statements []ParsedStatement
}

// ParsedStatement is one statement of a file with its entries, as a
// statement.Visitor collects them.
type ParsedStatement struct {
	Statement *Statement
	Entries   []*Entry
}

// AccountActivity is what the store holds of one account's statements.
type AccountActivity struct {
	AccountID  string
	Statements int
	// LastStored is when the last statement of the account was stored.
	LastStored time.Time
	// LastDate is the latest end date (To) of its statements; zero when
	// none gives one.
	LastDate Date
}

// StoredStatement is a statement as the store keeps it: the header, where it
// came from, and what storing its transactions did.
type StoredStatement struct {
	ID        string
	FileHash  string
	Position  int    // 1-based position of the statement in its file
	AccountID string // Header.Account.ID()
	// Header is the statement as parsed, Totals and Balances included.
	Header Statement
	// Inserted counts the transactions this statement added; Duplicates
	// those already stored (same account and dedup key) and not added
	// again.
	Inserted   int
	Duplicates int
	CreatedAt  time.Time
}

// StatementFileResult is the outcome of storing a statement file.
type StatementFileResult struct {
	FileHash string
	// Duplicate is true when a file with this hash was already stored: the
	// call changed nothing and Statements are the ones stored the first
	// time.
	Duplicate  bool
	Statements []StoredStatement
}

// Inserted returns the number of transactions the file added.
func (r StatementFileResult) Inserted() int {
	n := 0
	for _, s := range r.Statements {
		n += s.Inserted
	}
	return n
}

// Duplicates returns the number of the file's transactions that were
// already stored.
func (r StatementFileResult) Duplicates() int {
	n := 0
	for _, s := range r.Statements {
		n += s.Duplicates
	}
	return n
}
