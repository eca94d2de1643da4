package sqlite

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Times are stored as Unix microseconds (UTC), civil dates as
// "YYYY-MM-DD"; absent values are NULL.

func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

func dateArg(d ledger.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func parseNullDate(v sql.NullString) (ledger.Date, error) {
	if !v.Valid || v.String == "" {
		return ledger.Date{}, nil
	}
	d, err := ledger.ParseDate(v.String)
	if err != nil {
		return ledger.Date{}, fmt.Errorf("stored date: %w", err)
	}
	return d, nil
}

func nullString(v sql.NullString) string {
	if !v.Valid {
		return ""
	}
	return v.String
}

// limitClause returns " LIMIT n" for n > 0.
func limitClause(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

// jsonText returns a JSON document as text for a TEXT column, or nil for
// an empty one.
func jsonText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// chunk bounds the ids of one IN (…) list.
const chunk = 500
