// Package statement holds what every bank-statement parser shares: the
// Visitor a parser streams statements and entries into, and ParseError,
// which names the format, the place in the file and the cause.
//
// The parsers themselves live in the sub-packages camt053 and cfonb120;
// detect recognises a file's format and calls the right one.
package statement

import (
	"context"
	"errors"
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Visitor receives a parsed file as a stream. For each statement in file
// order the parser calls BeginStatement once its header is known (CAMT:
// identity, account and balances; CFONB: the 01 record), Entry for each
// entry in order, and EndStatement once the statement is complete (all
// balances present, Totals final).
//
// The parser does not reuse the *Entry it passes, so a Visitor may keep
// it. The *Statement is the same value across the three calls of one
// statement and is updated in place (Totals, closing balance).
//
// A parser stops at the first error, its own or a Visitor's, and returns
// it. Entries delivered before an error belong to a file that is rejected
// as a whole: a consumer must not commit anything of a file until the
// parser has returned nil.
type Visitor interface {
	BeginStatement(ctx context.Context, s *ledger.Statement) error
	Entry(ctx context.Context, s *ledger.Statement, e *ledger.Entry) error
	EndStatement(ctx context.Context, s *ledger.Statement) error
}

// ErrUnsupported marks input of a recognised but unsupported kind, such as a
// camt.052 report or an ISO 20022 namespace outside camt.053.001.02–13.
var ErrUnsupported = errors.New("unsupported statement")

// ParseError is a problem at a place in a statement file.
type ParseError struct {
	// Format is the format being read, e.g. "camt.053.001.08" or "cfonb120".
	Format string
	// Pos locates the problem: an XML path with indexes for CAMT
	// ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[41]/Amt", plus the line), a
	// line and record number for CFONB ("line 12, record 04").
	Pos string
	Err error
}

// Error formats the error as "<format>: <position>: <cause>".
func (e *ParseError) Error() string {
	switch {
	case e.Format != "" && e.Pos != "":
		return fmt.Sprintf("%s: %s: %v", e.Format, e.Pos, e.Err)
	case e.Format != "":
		return fmt.Sprintf("%s: %v", e.Format, e.Err)
	case e.Pos != "":
		return fmt.Sprintf("%s: %v", e.Pos, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Collected is one statement with all its entries, as Collect gathers them.
type Collected struct {
	Statement *ledger.Statement
	Entries   []*ledger.Entry
}

// Collector is a Visitor that keeps everything in memory. It suits tests and
// small files; streaming consumers implement Visitor themselves.
type Collector struct {
	Statements []Collected
}

// BeginStatement starts a new collected statement.
func (c *Collector) BeginStatement(_ context.Context, s *ledger.Statement) error {
	c.Statements = append(c.Statements, Collected{Statement: s})
	return nil
}

// Entry appends e to the current statement.
func (c *Collector) Entry(_ context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if len(c.Statements) == 0 || c.Statements[len(c.Statements)-1].Statement != s {
		return errors.New("collector: entry outside a statement")
	}
	last := &c.Statements[len(c.Statements)-1]
	last.Entries = append(last.Entries, e)
	return nil
}

// EndStatement does nothing: the statement is updated in place.
func (c *Collector) EndStatement(context.Context, *ledger.Statement) error { return nil }
