package dunning

import (
	"errors"
	"testing"
)

func TestPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Rate
		str     string
		wantErr bool
	}{
		{"13.15", 131500, "13.15", false},
		{"10", 100000, "10.00", false},
		{"2.6250", 26250, "2.625", false},
		{"0.0001", 1, "0.0001", false},
		{"-0.5", -5000, "-0.50", false},
		{"1.23456", 0, "", true}, // more than four decimals
		{"3,71", 0, "", true},
		{"", 0, "", true},
	}
	for _, tt := range tests {
		got, err := Percent(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Percent(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got != tt.want || got.String() != tt.str {
			t.Errorf("Percent(%q) = %d (%s), want %d (%s)", tt.in, got, got, tt.want, tt.str)
		}
	}
}

func TestHalfYear(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		date, half, first, last, next string
	}{
		{"2025-01-01", "2025-H1", "2025-01-01", "2025-06-30", "2025-H2"},
		{"2025-06-30", "2025-H1", "2025-01-01", "2025-06-30", "2025-H2"},
		{"2025-07-01", "2025-H2", "2025-07-01", "2025-12-31", "2026-H1"},
		{"2025-12-31", "2025-H2", "2025-07-01", "2025-12-31", "2026-H1"},
	} {
		h := HalfYearOf(day(tt.date))
		if h.String() != tt.half || h.First().String() != tt.first || h.Last().String() != tt.last || h.Next().String() != tt.next {
			t.Errorf("HalfYearOf(%s) = %s [%s, %s] next %s; want %s [%s, %s] next %s",
				tt.date, h, h.First(), h.Last(), h.Next(), tt.half, tt.first, tt.last, tt.next)
		}
		back, err := ParseHalfYear(tt.half)
		if err != nil || back != h {
			t.Errorf("ParseHalfYear(%q) = %v, %v", tt.half, back, err)
		}
	}
	a, b := HalfYear{2025, 2}, HalfYear{2026, 1}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || (HalfYear{2025, 1}).Compare(a) != -1 {
		t.Error("HalfYear.Compare disagrees with the calendar")
	}
	if txt, _ := pct("13.15").MarshalText(); string(txt) != "13.15" {
		t.Errorf("MarshalText = %s", txt)
	}
	for _, bad := range []string{"2025-H3", "2025H1", "25-H1", "2025-h1", "", "abcd-H1"} {
		if _, err := ParseHalfYear(bad); err == nil {
			t.Errorf("ParseHalfYear(%q) accepted", bad)
		}
	}
}

// TestAnnualRate checks the effective rate of each half-year of the shipped
// table, computed by hand:
//
//	2025-H1: ECB 3.15 + 10 = 13.15; floor 3 × 3.71 = 11.13 → 13.15
//	2025-H2: ECB 2.15 + 10 = 12.15; floor 3 × 2.76 =  8.28 → 12.15
//	2026-H1: ECB 2.15 + 10 = 12.15; floor 3 × 2.62 =  7.86 → 12.15
//
// A contractual 6 % is raised to the floor (11.13 in 2025-H1, 8.28 in
// 2025-H2); a contractual 15 % stays.
func TestAnnualRate(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	def := p.LateFees.Rate
	fixed := func(r string) RateRule {
		return RateRule{Mode: RateFixed, Fixed: pct(r), FloorLegalMultiple: 3}
	}
	tests := []struct {
		rule RateRule
		half string
		want string
	}{
		{def, "2025-H1", "13.15"},
		{def, "2025-H2", "12.15"},
		{def, "2026-H1", "12.15"},
		{fixed("6"), "2025-H1", "11.13"},
		{fixed("6"), "2025-H2", "8.28"},
		{fixed("15"), "2025-H2", "15.00"},
		{RateRule{Mode: RateECBPlus, MarginPoints: pct("8")}, "2025-H2", "10.15"},
	}
	for _, tt := range tests {
		h, _ := ParseHalfYear(tt.half)
		got, err := tt.rule.AnnualRate(p.Rates, h)
		if err != nil || got != pct(tt.want) {
			t.Errorf("AnnualRate(%+v, %s) = %s, %v; want %s", tt.rule, tt.half, got, err, tt.want)
		}
	}
	if _, err := def.AnnualRate(p.Rates, HalfYear{2026, 2}); !errors.Is(err, ErrMissingRate) {
		t.Errorf("AnnualRate for 2026-H2 (no row): err = %v, want ErrMissingRate", err)
	}
	if _, err := fixed("15").AnnualRate(p.Rates, HalfYear{2024, 2}); !errors.Is(err, ErrMissingRate) {
		t.Errorf("fixed rate for 2024-H2 (no row, floor unknown): err = %v, want ErrMissingRate", err)
	}
}
