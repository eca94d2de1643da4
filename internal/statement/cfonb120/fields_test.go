package cfonb120_test

import (
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// movementWith parses smallLines with its 04 changed by f and returns the
// entry's signed amount and booking date (the parser does not check the
// balance, so any amount reads).
func movementWith(t *testing.T, f func(string) string) (string, string, error) {
	t.Helper()
	got, err := parse(joinLF(edit(1, f)), cfonb120.Options{})
	if err != nil {
		return "", "", err
	}
	e := got[0].Entries[0]
	return signed(e.Amount, e.Direction), e.BookingDate.String(), nil
}

// TestOverpunch: every sign character, as formats.md §3.1 tabulates them.
func TestOverpunch(t *testing.T) {
	for i, c := range "{ABCDEFGHI" {
		for _, neg := range []bool{false, true} {
			ch := string(c)
			want := "123.4" + string(rune('0'+i)) + " EUR"
			if neg {
				ch = string("}JKLMNOPQR"[i])
				want = "-" + want
			}
			got, _, err := movementWith(t, func(l string) string { return set(l, 91, "0000000001234"+ch) })
			if err != nil || got != want {
				t.Errorf("%s: %s, %v; want %s", ch, got, err, want)
			}
		}
	}
}

// TestDecimals: the decimals digit scales the amount to the currency's
// minor unit exactly.
func TestDecimals(t *testing.T) {
	tests := []struct{ dec, amount, want string }{
		{"2", "0000000012345E", "1234.55 EUR"},
		{"0", "0000000000012E", "125.00 EUR"},
		{"3", "0000000012345{", "123.45 EUR"},
		{"5", "0000001234500{", "123.45 EUR"},
	}
	for _, tt := range tests {
		got, _, err := movementWith(t, func(l string) string { return set(set(l, 20, tt.dec), 91, tt.amount) })
		if err != nil || got != tt.want {
			t.Errorf("decimals %s amount %s: %s, %v; want %s", tt.dec, tt.amount, got, err, tt.want)
		}
	}
}

// TestDates: DDMMYY with YY > 60 in the 1900s, leap years, 000000 as no
// value date.
func TestDates(t *testing.T) {
	tests := []struct{ date, want, err string }{
		{"010160", "2060-01-01", ""},
		{"010161", "1961-01-01", ""},
		{"311299", "1999-12-31", ""},
		{"290200", "2000-02-29", ""},
		{"290224", "2024-02-29", ""},
		{"290201", "", "does not exist"},
		{"001226", "", "does not exist"},
		{"011326", "", "does not exist"},
		{"0101 6", "", "not DDMMYY"},
	}
	for _, tt := range tests {
		_, got, err := movementWith(t, func(l string) string { return set(l, 35, tt.date) })
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: %v, want an error saying %q", tt.date, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%s: %s, %v; want %s", tt.date, got, err, tt.want)
		}
	}
	got := mustParse(t, joinLF(edit(1, func(l string) string { return set(l, 43, "000000") })))
	if !got[0].Entries[0].ValueDate.IsZero() {
		t.Errorf("value date 000000 read as %s, want none", got[0].Entries[0].ValueDate)
	}
}

// TestUndefinedWindows1252Bytes: the bytes Windows-1252 leaves undefined
// keep their ISO-8859-1 code points instead of becoming U+FFFD.
func TestUndefinedWindows1252Bytes(t *testing.T) {
	got := mustParse(t, joinLF(edit(2, func(l string) string { return set(l, 49, "A\x81B\x80") })))
	checkEqual(t, "payer", got[0].Entries[0].Transactions[0].Debtor.Name, "A\u0081B€UR SARL")
}
