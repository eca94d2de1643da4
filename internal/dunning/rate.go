package dunning

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Rate is an annual interest rate, exact: the number of millionths of one,
// that is ten-thousandths of a percentage point. 13.15 % is Rate(131500),
// 1 % is Rate(10000). Rates never go through a float.
type Rate int64

// rateScale is the denominator of Rate: Rate(rateScale) is 100 %.
const rateScale = 1_000_000

// rateDecimals is the number of decimals of a percentage a Rate holds.
const rateDecimals = 4

// Percent returns the rate of p percent, where p has at most four decimals
// ("13.15", "10", "0.0001").
func Percent(p string) (Rate, error) {
	v, err := ledger.ParseDecimal(p, rateDecimals)
	if err != nil {
		return 0, fmt.Errorf("rate %q: %w", p, err)
	}
	return Rate(v), nil
}

// String formats the rate as a percentage with at least two decimals and no
// sign: Rate(131500) is "13.15".
func (r Rate) String() string {
	s := ledger.FormatMinor(int64(r), rateDecimals)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// MarshalText formats the rate as String does, for JSON and YAML.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// HalfYear is a calendar semester: H1 is January–June, H2 July–December.
// French late-payment rates are fixed per half-year (L441-10: H1 uses the
// ECB rate in force on 1 January, H2 the rate in force on 1 July).
type HalfYear struct {
	Year int
	Half int // 1 or 2
}

// HalfYearOf returns the half-year d falls in.
func HalfYearOf(d ledger.Date) HalfYear {
	if d.Month <= 6 {
		return HalfYear{Year: d.Year, Half: 1}
	}
	return HalfYear{Year: d.Year, Half: 2}
}

// ParseHalfYear parses "2025-H1" or "2025-H2".
func ParseHalfYear(s string) (HalfYear, error) {
	y, h, ok := strings.Cut(s, "-H")
	if !ok || len(y) != 4 || (h != "1" && h != "2") {
		return HalfYear{}, fmt.Errorf("half-year %q: want YYYY-H1 or YYYY-H2", s)
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 1000 {
		return HalfYear{}, fmt.Errorf("half-year %q: want YYYY-H1 or YYYY-H2", s)
	}
	return HalfYear{Year: year, Half: int(h[0] - '0')}, nil
}

// String formats h as "2025-H1".
func (h HalfYear) String() string { return fmt.Sprintf("%04d-H%d", h.Year, h.Half) }

// First returns the first day of h (1 January or 1 July).
func (h HalfYear) First() ledger.Date {
	if h.Half == 1 {
		return ledger.NewDate(h.Year, 1, 1)
	}
	return ledger.NewDate(h.Year, 7, 1)
}

// Last returns the last day of h (30 June or 31 December).
func (h HalfYear) Last() ledger.Date {
	if h.Half == 1 {
		return ledger.NewDate(h.Year, 6, 30)
	}
	return ledger.NewDate(h.Year, 12, 31)
}

// Next returns the half-year after h.
func (h HalfYear) Next() HalfYear {
	if h.Half == 1 {
		return HalfYear{Year: h.Year, Half: 2}
	}
	return HalfYear{Year: h.Year + 1, Half: 1}
}

// Compare returns -1, 0 or +1 as h is before, equal to or after o.
func (h HalfYear) Compare(o HalfYear) int {
	switch {
	case h.Year != o.Year:
		return cmpInt(h.Year, o.Year)
	default:
		return cmpInt(h.Half, o.Half)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// HalfYearRate is one row of the rate table: the reference rates of one
// half-year, as published, with where they come from.
type HalfYearRate struct {
	Half HalfYear
	// ECBMRO is the ECB main refinancing operations rate in force on the
	// first day of the half-year (1 January or 1 July).
	ECBMRO Rate
	// LegalRate is the taux de l'intérêt légal "pour tous les autres cas"
	// (creditors acting for professional purposes), fixed by arrêté for the
	// half-year (C. mon. fin. L313-2, D313-1-A).
	LegalRate Rate
	// Source names the texts the values come from (arrêté, JORF, ECB
	// decision), kept as evidence.
	Source string
}

// ErrMissingRate is returned when interest is asked for a half-year the
// rate table has no row for. Interest is never guessed: add the row (the
// taux légal is published by arrêté in late June and late December).
var ErrMissingRate = errors.New("no rate row for half-year")

// RateTable holds the reference rates per half-year. Rows may be in any
// order; Validate refuses duplicates.
type RateTable []HalfYearRate

// Lookup returns the row of h, or an error wrapping ErrMissingRate.
func (t RateTable) Lookup(h HalfYear) (HalfYearRate, error) {
	for _, r := range t {
		if r.Half == h {
			return r, nil
		}
	}
	return HalfYearRate{}, &MissingRateError{Half: h}
}

// MissingRateError is the error of a lookup for a half-year the table has
// no row for; errors.Is(err, ErrMissingRate) holds.
type MissingRateError struct {
	Half HalfYear
}

// Error says which half-year has no row.
func (e *MissingRateError) Error() string { return fmt.Sprintf("%s %s", ErrMissingRate, e.Half) }

// Is makes errors.Is(err, ErrMissingRate) true.
func (e *MissingRateError) Is(target error) bool { return target == ErrMissingRate }

// PenaltiesUnavailable returns the note a letter or an event carries in
// place of penalties that cannot be computed for lack of a rate row
// ("unavailable: no rate for period 2026-H2"), and "" when err is not a
// missing rate.
func PenaltiesUnavailable(err error) string {
	var m *MissingRateError
	if errors.As(err, &m) {
		return "unavailable: no rate for period " + m.Half.String()
	}
	if errors.Is(err, ErrMissingRate) {
		return "unavailable: " + err.Error()
	}
	return ""
}

// RateMode says how the annual penalty rate is set.
type RateMode string

// Rate modes.
const (
	// RateECBPlus is L441-10's default: the ECB main refinancing rate of the
	// half-year plus a margin (10 points for B2B; 8 points for public
	// procurement).
	RateECBPlus RateMode = "ecb_plus"
	// RateFixed is a contractual annual rate.
	RateFixed RateMode = "fixed"
)

// RateReference says which half-year's reference rates apply to a day of
// delay.
type RateReference string

// Rate references.
const (
	// EachHalfYear: each day of delay at the rate of the half-year it falls
	// in (L441-10, and contract.md's penalty formula).
	EachHalfYear RateReference = "each_half_year"
	// FirstHalfYear: every day at the rate of the half-year in which the
	// delay started (public procurement moratory interest, décret 2013-269
	// art. 8 [not verified against a primary source here]).
	FirstHalfYear RateReference = "first_half_year"
)

// RateRule is how the annual penalty rate of a half-year is derived from
// the rate table.
type RateRule struct {
	Mode RateMode
	// MarginPoints is added to the ECB rate in ecb_plus mode (10 points:
	// Rate(100000)).
	MarginPoints Rate
	// Fixed is the contractual annual rate in fixed mode.
	Fixed Rate
	// FloorLegalMultiple: the rate is never below this multiple of the taux
	// légal (L441-10: 3). 0 means no floor (public procurement).
	FloorLegalMultiple int
	// Reference says which half-year's row applies to a day of delay; empty
	// means EachHalfYear.
	Reference RateReference
}

// AnnualRate returns the penalty rate for days of delay governed by
// half-year h: the ECB rate plus the margin or the fixed rate, raised to
// the floor, never negative. It fails, wrapping ErrMissingRate, when the
// table has no row for h (even in fixed mode: the floor needs the taux
// légal of h).
func (r RateRule) AnnualRate(t RateTable, h HalfYear) (Rate, error) {
	row, err := t.Lookup(h)
	if err != nil {
		return 0, err
	}
	var rate Rate
	switch r.Mode {
	case RateECBPlus:
		rate = row.ECBMRO + r.MarginPoints
	case RateFixed:
		rate = r.Fixed
	default:
		return 0, fmt.Errorf("rate mode %q: want %s or %s", r.Mode, RateECBPlus, RateFixed)
	}
	if floor := Rate(r.FloorLegalMultiple) * row.LegalRate; rate < floor {
		rate = floor
	}
	if rate < 0 {
		rate = 0
	}
	return rate, nil
}
