package ledger

import "errors"

// Errors shared by every store and service. Adapters translate their own
// errors into these where they enter, so callers test with errors.Is.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts the stored state (a duplicate key,
	// a match already decided, a stale version).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input breaks a rule of the domain.
	ErrInvalid = errors.New("invalid")
)
