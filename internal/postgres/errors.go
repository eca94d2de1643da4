package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lettrage/lettrage/internal/ledger"
)

// translate turns a pgx error into one that names what was being done and
// wraps a ledger error where one applies: no row is ErrNotFound; integrity
// violations, serialisation failures, deadlocks and lock timeouts are
// ErrConflict. The PostgreSQL error is formatted, not wrapped, so no pgx
// type escapes; context errors stay wrapped.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ledger.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
		if pe.ConstraintName != "" {
			msg += ", constraint " + pe.ConstraintName
		}
		switch {
		case pe.Code[:2] == "23": // integrity constraint violation
			return fmt.Errorf("%s: %s: %w", what, msg, ledger.ErrConflict)
		case pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03": // serialization failure, deadlock, lock not available
			return fmt.Errorf("%s: %s: retry: %w", what, msg, ledger.ErrConflict)
		}
		return fmt.Errorf("%s: postgres: %s", what, msg)
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded, ledger.ErrNotFound, ledger.ErrConflict, ledger.ErrInvalid} {
		if errors.Is(err, c) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return fmt.Errorf("%s: postgres: %v", what, err)
}
