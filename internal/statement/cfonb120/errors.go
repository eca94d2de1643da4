package cfonb120

import (
	"errors"
	"fmt"

	"github.com/lettrage/lettrage/internal/statement"
)

// formatName is the Format of every ParseError this package returns.
const formatName = "cfonb120"

// Causes a ParseError of this package wraps, for errors.Is.
var (
	// ErrRecordLength: a record longer than 120 characters, or a file
	// without line breaks whose length is not a multiple of 120.
	ErrRecordLength = errors.New("bad record length")
	// ErrRecordCode: a record code other than 01, 04, 05 and 07.
	ErrRecordCode = errors.New("unknown record code")
	// ErrStructure: records out of order (a 04 outside a 01…07 block, a 05
	// before any 04, a 01 inside an open block, a 07 without a 01).
	ErrStructure = errors.New("records out of order")
	// ErrTruncated: the file ends inside a statement (no 07), or holds no
	// record at all.
	ErrTruncated = errors.New("incomplete file")
	// ErrAccount: a record for another account than its statement's 01.
	ErrAccount = errors.New("account mismatch")
	// ErrCurrency: a malformed currency code, or a record in another
	// currency than its statement.
	ErrCurrency = errors.New("bad currency")
	// ErrAmount: a malformed amount (non-digit, space, bad sign character,
	// digits lost to the currency's minor unit) or a sum that overflows.
	ErrAmount = errors.New("bad amount")
	// ErrDate: a malformed or missing date.
	ErrDate = errors.New("bad date")
	// ErrEncoding: a byte sequence that is not UTF-8 in a file read as UTF-8.
	ErrEncoding = errors.New("bad text encoding")
)

// newError builds the ParseError for cause at pos: "<cause>: <details>".
func newError(pos string, cause error, format string, args ...any) *statement.ParseError {
	return &statement.ParseError{
		Format: formatName,
		Pos:    pos,
		Err:    fmt.Errorf("%w: %s", cause, fmt.Sprintf(format, args...)),
	}
}
