package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lettrage/lettrage/internal/ledger"
)

// translate turns a database/sql or SQLite error into one that names what
// was being done and wraps a ledger error where one applies: no row is
// ErrNotFound, a constraint violation is ErrConflict. The SQLite error
// itself is formatted, not wrapped, so no driver type escapes. Other
// errors (context cancellation, ledger errors) are returned wrapped.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ledger.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return fmt.Errorf("%s: %s: %w", what, se.Error(), ledger.ErrConflict)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%s: database busy: %s", what, se.Error())
		}
		return fmt.Errorf("%s: sqlite: %s", what, se.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}
