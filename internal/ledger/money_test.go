package ledger

import (
	"errors"
	"math"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		exp     int
		want    int64
		wantErr bool
	}{
		{"1234.56", 2, 123456, false},
		{"1234.5", 2, 123450, false},
		{"1234", 2, 123400, false},
		{"0.05", 2, 5, false},
		{".5", 2, 50, false},
		{"-0.05", 2, -5, false},
		{"+12", 2, 1200, false},
		{"33.95", 2, 3395, false},
		{"12.34000", 2, 1234, false}, // five decimals, extra ones zero
		{"100", 0, 100, false},       // XPF, JPY
		{"1.234", 3, 1234, false},    // KWD
		{"12.345", 2, 0, true},       // would need rounding
		{"0.0000000000005", 2, 0, true},
		{"1,50", 2, 0, true},
		{"1 000.00", 2, 0, true},
		{"1e3", 2, 0, true},
		{"", 2, 0, true},
		{"-", 2, 0, true},
		{".", 2, 0, true},
		{"1.", 2, 0, true},
		{"1..2", 2, 0, true},
		{"92233720368547758.07", 2, math.MaxInt64, false},
		{"92233720368547758.08", 2, 0, true},
		{"99999999999999999999", 2, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.exp)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDecimal(%q, %d) error = %v, wantErr %v", tt.in, tt.exp, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDecimal(%q, %d) = %d, want %d", tt.in, tt.exp, got, tt.want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minor int64
		exp   int
		want  string
	}{
		{123456, 2, "1234.56"},
		{5, 2, "0.05"},
		{-5, 2, "-0.05"},
		{0, 2, "0.00"},
		{100, 0, "100"},
		{1234, 3, "1.234"},
		{math.MinInt64, 2, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := FormatMinor(tt.minor, tt.exp); got != tt.want {
			t.Errorf("FormatMinor(%d, %d) = %q, want %q", tt.minor, tt.exp, got, tt.want)
		}
	}
}

func TestCurrencyExponent(t *testing.T) {
	t.Parallel()
	for c, want := range map[Currency]int{"EUR": 2, "CHF": 2, "JPY": 0, "XPF": 0, "KWD": 3} {
		if got := c.Exponent(); got != want {
			t.Errorf("%s.Exponent() = %d, want %d", c, got, want)
		}
	}
	if Currency("eur").Valid() || Currency("EURO").Valid() || !Currency("EUR").Valid() {
		t.Error("Currency.Valid accepts or refuses the wrong codes")
	}
}

func TestMoneyAdd(t *testing.T) {
	t.Parallel()
	a := Money{Minor: 150, Currency: "EUR"}
	got, err := a.Add(Money{Minor: -50, Currency: "EUR"})
	if err != nil || got != (Money{Minor: 100, Currency: "EUR"}) {
		t.Fatalf("Add = %v, %v", got, err)
	}
	if _, err := a.Add(Money{Minor: 1, Currency: "CHF"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("Add across currencies: err = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := (Money{Minor: math.MaxInt64, Currency: "EUR"}).Add(Money{Minor: 1, Currency: "EUR"}); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Add overflow: err = %v, want ErrOverflow", err)
	}
}

// FuzzParseDecimal checks that whatever ParseDecimal accepts formats back to
// an equal value.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1234.56", "-0.05", "12.34000", "0", "+1", "1e3", "92233720368547758.07"} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, exp int) {
		exp = ((exp % 5) + 5) % 5
		v, err := ParseDecimal(s, exp)
		if err != nil {
			return
		}
		back, err := ParseDecimal(FormatMinor(v, exp), exp)
		if err != nil || back != v {
			t.Fatalf("ParseDecimal(%q, %d) = %d; formatted %q parses to %d, %v", s, exp, v, FormatMinor(v, exp), back, err)
		}
	})
}
