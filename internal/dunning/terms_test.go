package dunning

import (
	"errors"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

func TestCheckPaymentTerms(t *testing.T) {
	t.Parallel()
	sixty := PaymentTerms{MaxDays: 60}
	eomA := PaymentTerms{MaxDays: 60, EndOfMonth45: true, EndOfMonthMethod: PlusDaysThenEndOfMonth}
	eomB := PaymentTerms{MaxDays: 60, EndOfMonth45: true, EndOfMonthMethod: EndOfMonthThenPlusDays}
	periodic := PaymentTerms{MaxDays: 45}
	tests := []struct {
		name       string
		issue, due string
		terms      PaymentTerms
		flagged    bool
		limit      string
	}{
		// 2025-01-10 + 60 days = 2025-03-11.
		{"60 days exactly", "2025-01-10", "2025-03-11", sixty, false, "2025-03-11"},
		{"61 days", "2025-01-10", "2025-03-12", sixty, true, "2025-03-11"},
		{"30 days", "2025-01-10", "2025-02-09", sixty, false, "2025-03-11"},
		// Method A: 01-20 + 45 = 03-06, end of month 03-31 (70 days), later
		// than 60 days (03-21).
		{"45 EOM, method A, allowed", "2025-01-20", "2025-03-31", eomA, false, "2025-03-31"},
		{"45 EOM, method A, not stipulated", "2025-01-20", "2025-03-31", sixty, true, "2025-03-21"},
		{"45 EOM, method A, one day over", "2025-01-20", "2025-04-01", eomA, true, "2025-03-31"},
		// Method A for 01-10: 02-24 → 02-28, earlier than 60 days (03-11):
		// the 60 days remain the limit.
		{"45 EOM shorter than 60 days", "2025-01-10", "2025-03-11", eomA, false, "2025-03-11"},
		// Method B: end of January 01-31 + 45 = 03-17 (66 days).
		{"45 EOM, method B", "2025-01-10", "2025-03-17", eomB, false, "2025-03-17"},
		{"45 EOM, method B, over", "2025-01-10", "2025-03-18", eomB, true, "2025-03-17"},
		// Leap February: 2024-01-31 end of month + 45 = 2024-03-16.
		{"45 EOM, method B, leap year", "2024-01-15", "2024-03-16", eomB, false, "2024-03-16"},
		{"periodic invoice, 46 days", "2025-01-10", "2025-02-25", periodic, true, "2025-02-24"},
		{"due before issue", "2025-01-10", "2025-01-09", sixty, true, "2025-03-11"},
	}
	for _, tt := range tests {
		got, err := CheckPaymentTerms(day(tt.issue), day(tt.due), tt.terms)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got.Flagged != tt.flagged || got.Limit != day(tt.limit) || got.TermDays != day(tt.due).DaysSince(day(tt.issue)) {
			t.Errorf("%s: %+v, want flagged %t limit %s", tt.name, got, tt.flagged, tt.limit)
		}
		if got.Flagged != (got.Reason != "") {
			t.Errorf("%s: reason %q with flagged %t", tt.name, got.Reason, got.Flagged)
		}
	}
	c, _ := CheckPaymentTerms(day("2025-01-10"), day("2025-03-12"), sixty)
	if !strings.Contains(c.Reason, "61 days exceeds the legal maximum") || !strings.Contains(c.Reason, "L441-10") {
		t.Errorf("reason %q", c.Reason)
	}
	if _, err := CheckPaymentTerms(ledger.Date{}, day("2025-01-10"), sixty); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("missing issue date: err = %v", err)
	}
}

func TestAddMonths(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-04-05", 2, "2025-06-05"},
		{"2025-12-31", 2, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-11-30", 3, "2026-02-28"},
		{"2025-03-31", -1, "2025-02-28"},
		{"2025-01-15", -1, "2024-12-15"},
	} {
		if got := addMonths(day(tt.from), tt.n); got != day(tt.want) {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
