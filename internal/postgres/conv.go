package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lettrage/lettrage/internal/ledger"
)

// dateArg is a civil date as a date parameter (NULL when zero).
func dateArg(d ledger.Date) pgtype.Date {
	if d.IsZero() {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: d.Time(), Valid: true}
}

func fromDate(d pgtype.Date) ledger.Date {
	if !d.Valid {
		return ledger.Date{}
	}
	return ledger.DateOf(d.Time)
}

// tsArg is a time as a timestamptz parameter (NULL when zero).
func tsArg(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func fromText(t pgtype.Text) string { return t.String }

// jsonText is a JSON document as a text parameter (NULL when empty).
func jsonText(b []byte) pgtype.Text {
	if len(b) == 0 {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(b), Valid: true}
}

// textBytes returns a nullable text column's bytes, nil for NULL.
func textBytes(t pgtype.Text) []byte {
	if !t.Valid {
		return nil
	}
	return []byte(t.String)
}

// filter builds a WHERE clause with numbered parameters.
type filter struct {
	conds []string
	args  []any
}

// add appends a condition whose one "?" stands for arg (or no "?" and no
// arg).
func (f *filter) add(cond string, arg ...any) {
	for _, a := range arg {
		f.args = append(f.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(f.args)), 1)
	}
	f.conds = append(f.conds, cond)
}

// where returns " WHERE …" or "".
func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// limitClause returns " LIMIT n" for n > 0.
func limitClause(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
