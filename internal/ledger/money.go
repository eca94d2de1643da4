package ledger

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Currency is an ISO 4217 alphabetic currency code such as "EUR".
type Currency string

// minorExponents lists the ISO 4217 currencies whose minor unit is not the
// usual two decimals. Every other well-formed code has two decimals.
var minorExponents = map[Currency]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// Exponent returns the number of decimals of the currency's minor unit
// (2 for EUR, 0 for JPY and XPF, 3 for KWD).
func (c Currency) Exponent() int {
	if e, ok := minorExponents[c]; ok {
		return e
	}
	return 2
}

// Valid reports whether c looks like an ISO 4217 code: three upper-case letters.
func (c Currency) Valid() bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// Money is an amount in integer minor units of a currency: 1234.56 EUR is
// Money{Minor: 123456, Currency: "EUR"}. It never holds a float.
type Money struct {
	Minor    int64
	Currency Currency
}

// String formats the amount as a decimal string with the currency's number of
// decimals and no currency code, e.g. "-1234.50".
func (m Money) String() string { return FormatMinor(m.Minor, m.Currency.Exponent()) }

// Add returns m + o. It fails when the currencies differ or the sum overflows.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("add %s to %s: %w", o.Currency, m.Currency, ErrCurrencyMismatch)
	}
	s, ok := AddMinor(m.Minor, o.Minor)
	if !ok {
		return Money{}, fmt.Errorf("add %s and %s %s: %w", m, o, m.Currency, ErrOverflow)
	}
	return Money{Minor: s, Currency: m.Currency}, nil
}

// ErrCurrencyMismatch is returned when amounts of two currencies are combined.
var ErrCurrencyMismatch = errors.New("currency mismatch")

// ErrOverflow is returned when an amount does not fit in 64 bits of minor units.
var ErrOverflow = errors.New("amount overflows int64 minor units")

// AddMinor adds two minor-unit amounts and reports false on overflow.
func AddMinor(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// FormatMinor formats minor units with exp decimals: FormatMinor(-5, 2) is "-0.05".
func FormatMinor(minor int64, exp int) string {
	neg := minor < 0
	var u uint64
	if neg {
		u = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(minor)
	}
	digits := fmt.Sprintf("%d", u)
	if exp > 0 {
		if len(digits) <= exp {
			digits = strings.Repeat("0", exp-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// ParseDecimal parses a plain decimal string ("1234.5", "-0.05", "+12")
// into minor units with exp decimals, exactly. Digits beyond exp are
// accepted only when they are zeros ("12.3400" with exp 2); anything that
// would need rounding, an exponent, a comma, spaces or more than 18
// significant digits is an error: money is never rounded silently.
func ParseDecimal(s string, exp int) (int64, error) {
	if s == "" {
		return 0, errors.New("empty amount")
	}
	neg := false
	i := 0
	switch s[0] {
	case '-':
		neg, i = true, 1
	case '+':
		i = 1
	}
	var v uint64
	intDigits, fracDigits := 0, 0
	seenDot := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if seenDot {
				return 0, fmt.Errorf("amount %q: two decimal points", s)
			}
			seenDot = true
		case c >= '0' && c <= '9':
			if seenDot {
				fracDigits++
				if fracDigits > exp {
					if c != '0' {
						return 0, fmt.Errorf("amount %q: more than %d decimals", s, exp)
					}
					continue
				}
			} else {
				intDigits++
			}
			d := uint64(c - '0')
			if v > (math.MaxInt64-d)/10 {
				return 0, fmt.Errorf("amount %q: %w", s, ErrOverflow)
			}
			v = v*10 + d
		default:
			return 0, fmt.Errorf("amount %q: unexpected character %q", s, c)
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return 0, fmt.Errorf("amount %q: no digits", s)
	}
	if seenDot && fracDigits == 0 {
		return 0, fmt.Errorf("amount %q: no digits after the decimal point", s)
	}
	kept := fracDigits
	if kept > exp {
		kept = exp
	}
	for ; kept < exp; kept++ {
		if v > math.MaxInt64/10 {
			return 0, fmt.Errorf("amount %q: %w", s, ErrOverflow)
		}
		v *= 10
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// ParseMoney parses a decimal string into Money of the given currency.
func ParseMoney(s string, c Currency) (Money, error) {
	m, err := ParseDecimal(s, c.Exponent())
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: m, Currency: c}, nil
}
