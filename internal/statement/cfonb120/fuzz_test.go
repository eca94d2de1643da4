package cfonb120_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// FuzzParse: whatever the bytes, the parser never panics, every error is a
// *statement.ParseError with a position, a file the strict parser accepts
// is consistent, and lenient mode reads it identically.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{fixtureDir, publicDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, path := range files {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	small := smallLines()
	f.Add(joinLF(small))
	f.Add([]byte(strings.Join(small, "")))
	f.Add([]byte(strings.Join(small, "\r")))
	f.Add([]byte("\xef\xbb\xbf" + strings.Join(small, "\r\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		strict, err := parse(data, cfonb120.Options{})
		checkParseError(t, err)
		lenient, lerr := parse(data, cfonb120.Options{Lenient: true})
		checkParseError(t, lerr)
		if err != nil {
			return
		}
		if lerr != nil {
			t.Fatalf("strict mode read the file, lenient mode failed: %v", lerr)
		}
		if !reflect.DeepEqual(strict, lenient) {
			t.Fatalf("lenient mode reads a valid file differently")
		}
		checkConsistent(t, strict)
	})
}

// checkParseError fails unless err is nil or a positioned ParseError.
func checkParseError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *statement.ParseError
	if !errors.As(err, &pe) || pe.Format != "cfonb120" || pe.Pos == "" || pe.Err == nil {
		t.Fatalf("error %v (%T) is not a positioned cfonb120 ParseError", err, err)
	}
}

// checkConsistent checks the invariants of a successfully parsed file.
func checkConsistent(t *testing.T, cs []statement.Collected) {
	t.Helper()
	if len(cs) == 0 {
		t.Fatal("no statement and no error")
	}
	for i, c := range cs {
		s := c.Statement
		op, okO := s.Opening()
		cl, okC := s.Closing()
		if !okO || !okC || op.Amount.Currency != s.Account.Currency || cl.Amount.Currency != s.Account.Currency ||
			s.From.IsZero() || s.To.IsZero() || s.StatementID == "" || s.Format != ledger.FormatCFONB120 {
			t.Fatalf("statement %d incomplete: %+v", i+1, s)
		}
		var credits, debits int64
		for j, e := range c.Entries {
			if e.Index != j+1 || len(e.Transactions) != 1 || e.Amount.Minor < 0 || e.Transactions[0].Amount != e.Amount ||
				e.Transactions[0].Direction != e.Direction || e.Transactions[0].AcctSvcrRef == "" || e.BookingDate.IsZero() {
				t.Fatalf("statement %d entry %d inconsistent: %+v", i+1, j+1, e)
			}
			if e.Direction == ledger.Debit {
				debits += e.Amount.Minor
			} else {
				credits += e.Amount.Minor
			}
		}
		if s.Totals.Entries != len(c.Entries) || s.Totals.Credits != credits || s.Totals.Debits != debits {
			t.Fatalf("statement %d totals %+v, entries add up to %d/%d", i+1, s.Totals, credits, debits)
		}
	}
}
