package camt053

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// maxFractionDigits is the ISO 20022 amount type's fractionDigits facet.
const maxFractionDigits = 5

// parseAmount reads an ISO 20022 amount (a non-negative xs:decimal with at
// most five decimals) into minor units of ccy, exactly. Decimals beyond the
// currency's exponent must be zeros: money is never rounded.
func parseAmount(text []byte, ccy ledger.Currency) (int64, error) {
	if len(text) == 0 {
		return 0, errors.New("empty amount")
	}
	frac, dot := 0, false
	for i, c := range text {
		switch {
		case c == '.':
			dot = true
		case c == '-' && i == 0:
			return 0, fmt.Errorf("amount %q is negative; ISO 20022 amounts are unsigned (the sign is CdtDbtInd)", text)
		case dot && c >= '0' && c <= '9':
			frac++
		}
	}
	if frac > maxFractionDigits {
		return 0, fmt.Errorf("amount %q has more than %d decimals", text, maxFractionDigits)
	}
	v, err := ledger.ParseDecimal(string(text), ccy.Exponent())
	if err != nil {
		return 0, fmt.Errorf("%w (currency %s has %d decimals)", err, ccy, ccy.Exponent())
	}
	return v, nil
}

// parseCurrency checks an ISO 4217 code from a Ccy attribute or element.
func parseCurrency(text []byte) (ledger.Currency, error) {
	c := internCurrency(text)
	if !c.Valid() {
		return "", fmt.Errorf("currency %q is not an ISO 4217 code", text)
	}
	return c, nil
}

// internCurrency returns common codes without allocating.
func internCurrency(b []byte) ledger.Currency {
	switch string(b) {
	case "EUR":
		return "EUR"
	case "CHF":
		return "CHF"
	case "USD":
		return "USD"
	case "GBP":
		return "GBP"
	case "XPF":
		return "XPF"
	}
	return ledger.Currency(b)
}

// parseDirection reads a CdtDbtInd.
func parseDirection(text []byte) (ledger.Direction, error) {
	switch string(text) {
	case "CRDT":
		return ledger.Credit, nil
	case "DBIT":
		return ledger.Debit, nil
	}
	return "", fmt.Errorf("CdtDbtInd %q: want CRDT or DBIT", text)
}

// parseStatus reads an entry status code (BOOK, PDNG, INFO, FUTR, …).
func parseStatus(text []byte) (ledger.EntryStatus, error) {
	switch string(text) {
	case "BOOK":
		return ledger.StatusBooked, nil
	case "PDNG":
		return ledger.StatusPending, nil
	case "INFO":
		return ledger.StatusInfo, nil
	case "FUTR":
		return "FUTR", nil
	case "":
		return "", errors.New("empty status")
	}
	if len(text) > 35 {
		return "", fmt.Errorf("status %.40q… is too long", text)
	}
	return ledger.EntryStatus(text), nil
}

// parseBool reads an xs:boolean.
func parseBool(text []byte) (bool, error) {
	switch string(text) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", text)
}

// parsePageNumber reads a Max5NumericText page number.
func parsePageNumber(text []byte) (int, error) {
	if len(text) == 0 || len(text) > 5 {
		return 0, fmt.Errorf("page number %q: want 1 to 5 digits", text)
	}
	n := 0
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("page number %q: want 1 to 5 digits", text)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// parseDate reads an ISO date "2006-01-02" as a civil date.
func parseDate(text []byte) (ledger.Date, error) {
	d, ok := civilDate(text)
	if !ok || len(text) != 10 {
		return ledger.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", text)
	}
	return d, nil
}

// parseDateTimeDate reads an ISO date-time ("2006-01-02T15:04:05", with
// optional fractional seconds and an optional "Z" or ±hh:mm offset) and
// returns its civil date as written: a booking at 2023-10-09T23:30-02:00
// is booked on the 9th, whatever that instant is in UTC.
func parseDateTimeDate(text []byte) (ledger.Date, error) {
	d, ok := civilDate(text)
	if !ok || !validTimeOfDay(text) {
		return ledger.Date{}, fmt.Errorf("date-time %q: want YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]", text)
	}
	return d, nil
}

// parseDateTime reads an ISO date-time as an instant; one without an offset
// is taken as UTC.
func parseDateTime(text []byte) (time.Time, error) {
	if _, err := parseDateTimeDate(text); err != nil {
		return time.Time{}, err
	}
	s := string(text)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date-time %q: %v", text, err)
	}
	return t, nil
}

// civilDate reads the "YYYY-MM-DD" at the start of text.
func civilDate(text []byte) (ledger.Date, bool) {
	if len(text) < 10 || text[4] != '-' || text[7] != '-' {
		return ledger.Date{}, false
	}
	y, ok1 := digits(text[0:4])
	m, ok2 := digits(text[5:7])
	d, ok3 := digits(text[8:10])
	if !ok1 || !ok2 || !ok3 || y == 0 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return ledger.Date{}, false
	}
	return ledger.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// validTimeOfDay checks the "Thh:mm:ss[.f+][Z|±hh:mm]" after the date.
func validTimeOfDay(text []byte) bool {
	t := text[10:]
	if len(t) < 9 || t[0] != 'T' || t[3] != ':' || t[6] != ':' {
		return false
	}
	h, ok1 := digits(t[1:3])
	mi, ok2 := digits(t[4:6])
	s, ok3 := digits(t[7:9])
	if !ok1 || !ok2 || !ok3 || h > 24 || mi > 59 || s > 60 || (h == 24 && (mi != 0 || s != 0)) {
		return false
	}
	t = t[9:]
	if len(t) > 0 && t[0] == '.' {
		n := 1
		for n < len(t) && t[n] >= '0' && t[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		t = t[n:]
	}
	switch {
	case len(t) == 0:
		return true
	case len(t) == 1 && t[0] == 'Z':
		return true
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		oh, ok1 := digits(t[1:3])
		om, ok2 := digits(t[4:6])
		return ok1 && ok2 && oh <= 14 && om <= 59
	}
	return false
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// quoted shortens a value for an error message.
func quoted(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}
