package invoicecsv

import (
	"fmt"
	"strings"
)

// FieldError is one problem in one record.
type FieldError struct {
	// Line is the CSV line the record starts on (the header is line 1);
	// 0 for JSON.
	Line int
	// Record is the 1-based position of the record among the data records
	// (JSON: in the array).
	Record int
	// Column is the column (field) at fault; empty when the problem is the
	// record as a whole.
	Column string
	Err    error
}

// Error formats the problem as "line 7, column amount: …" (CSV) or
// "record 3, field amount: …" (JSON).
func (e *FieldError) Error() string {
	var where string
	switch {
	case e.Line > 0 && e.Column != "":
		where = fmt.Sprintf("line %d, column %s", e.Line, e.Column)
	case e.Line > 0:
		where = fmt.Sprintf("line %d", e.Line)
	case e.Column != "":
		where = fmt.Sprintf("record %d, field %s", e.Record, e.Column)
	default:
		where = fmt.Sprintf("record %d", e.Record)
	}
	return where + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// maxErrors is how many problems an Error keeps; the rest are counted.
const maxErrors = 1000

// Error is a refused import: every problem found, in file order.
type Error struct {
	Problems []*FieldError
	// More counts the problems beyond the first maxErrors, not kept.
	More int
}

// Error lists the first problems, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	n := len(e.Problems) + e.More
	fmt.Fprintf(&b, "invoice import refused: %d problem(s)", n)
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", n-20)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// add records a problem.
func (e *Error) add(p *FieldError) {
	if len(e.Problems) >= maxErrors {
		e.More++
		return
	}
	e.Problems = append(e.Problems, p)
}

// empty reports whether no problem was found.
func (e *Error) empty() bool { return len(e.Problems) == 0 && e.More == 0 }
