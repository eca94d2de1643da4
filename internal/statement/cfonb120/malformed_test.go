package cfonb120_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// smallLines is a valid one-movement statement:
// 15,234.56 + 1,200.00 = 16,434.56.
func smallLines() []string {
	a := acct{"30004", "00825", "EUR", "2", "00051234567"}
	m := mvt{a: a, internal: "0512", op: "18", date: "030326", valDate: "030326",
		label: "VIR TEST", entryNo: "0000000", amount: "0000000012000{"}
	return []string{
		bal("01", a, "020326", "0000000152345F", "", ""),
		m.String(),
		cpl(m, "NPY", "PAYEUR SARL"),
		bal("07", a, "030326", "0000000164345F", "", ""),
	}
}

// utf8Movement is the movement of smallLines with another label.
func utf8Movement(label string) string {
	return mvt{a: acct{"30004", "00825", "EUR", "2", "00051234567"}, internal: "0512", op: "18", date: "030326",
		valDate: "030326", label: label, entryNo: "0000000", amount: "0000000012000{"}.String()
}

// set returns line with s written at the 1-based position p.
func set(line string, p int, s string) string {
	return line[:p-1] + s + line[p-1+len(s):]
}

// edit returns smallLines with line i (0-based) changed by f.
func edit(i int, f func(string) string) []string {
	ls := smallLines()
	ls[i] = f(ls[i])
	return ls
}

func joinLF(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

func TestMalformed(t *testing.T) {
	// The movement and complement records of smallLines, reused below.
	small := smallLines()
	tests := []struct {
		name    string
		data    []byte
		cause   error
		pos     string // substring of ParseError.Pos
		message string // substring of the error text
		// lenientOK: lenient mode reads the file (with a warning).
		lenientOK bool
	}{
		{name: "record longer than 120", data: joinLF(edit(1, func(l string) string { return l + "XYZ" })),
			cause: cfonb120.ErrRecordLength, pos: "line 2, record 04", message: "123 characters long", lenientOK: true},
		{name: "no line breaks, length not a multiple of 120", data: []byte(strings.Join(small, "") + "0730004"),
			cause: cfonb120.ErrRecordLength, pos: "line 1, block 5", message: "487 characters long"},
		{name: "bad overpunch character", data: joinLF(edit(1, func(l string) string { return set(l, 104, "S") })),
			cause: cfonb120.ErrAmount, pos: "line 2, record 04", message: "bad sign character 'S'"},
		{name: "non-digit in amount", data: joinLF(edit(3, func(l string) string { return set(l, 95, "O") })),
			cause: cfonb120.ErrAmount, pos: "line 4, record 07", message: "'O' is not a digit"},
		{name: "space inside amount", data: joinLF(edit(1, func(l string) string { return set(l, 92, " ") })),
			cause: cfonb120.ErrAmount, pos: "line 2, record 04", message: "space inside the amount", lenientOK: true},
		{name: "blank amount", data: joinLF(edit(0, func(l string) string { return set(l, 91, strings.Repeat(" ", 14)) })),
			cause: cfonb120.ErrAmount, pos: "line 1, record 01", message: "space inside the amount"},
		{name: "decimals not a digit", data: joinLF(edit(1, func(l string) string { return set(l, 20, "X") })),
			cause: cfonb120.ErrAmount, pos: "line 2, record 04", message: "decimals \"X\""},
		{name: "digits lost to the currency", data: joinLF(edit(1, func(l string) string { return set(set(l, 20, "3"), 91, "0000000012000A") })),
			cause: cfonb120.ErrAmount, pos: "line 2, record 04", message: "more decimals than the currency's 2"},
		{name: "mixed accounts in one block", data: joinLF(edit(1, func(l string) string { return set(l, 22, "00099999999") })),
			cause: cfonb120.ErrAccount, pos: "line 2, record 04", message: `account "00099999999"`},
		{name: "07 for another account", data: joinLF(edit(3, func(l string) string { return set(l, 22, "00099999999") })),
			cause: cfonb120.ErrAccount, pos: "line 4, record 07", message: "opened at line 1", lenientOK: true},
		{name: "currency mismatch", data: joinLF(edit(1, func(l string) string { return set(l, 17, "USD") })),
			cause: cfonb120.ErrCurrency, pos: "line 2, record 04", message: `"USD"`},
		{name: "malformed currency", data: joinLF(edit(0, func(l string) string { return set(l, 17, "E1R") })),
			cause: cfonb120.ErrCurrency, pos: "line 1, record 01", message: "not an ISO 4217 code"},
		{name: "05 before 04", data: joinLF([]string{small[0], small[2], small[1], small[3]}),
			cause: cfonb120.ErrStructure, pos: "line 2, record 05", message: "before the first 04", lenientOK: true},
		{name: "05 outside a statement", data: joinLF([]string{small[2], small[0], small[1], small[3]}),
			cause: cfonb120.ErrStructure, pos: "line 1, record 05", message: "outside a statement", lenientOK: true},
		{name: "04 outside a statement", data: joinLF(append(smallLines(), small[1])),
			cause: cfonb120.ErrStructure, pos: "line 5, record 04", message: "outside a statement"},
		{name: "01 inside an open statement", data: joinLF([]string{small[0], small[1], small[0], small[3]}),
			cause: cfonb120.ErrStructure, pos: "line 3, record 01", message: "has no 07 yet"},
		{name: "07 without 01", data: joinLF([]string{small[3]}),
			cause: cfonb120.ErrStructure, pos: "line 1, record 07", message: "no 01 opens it"},
		{name: "missing 07 at end of file", data: joinLF(small[:3]),
			cause: cfonb120.ErrTruncated, pos: "end of file", message: "opened at line 1: no 07"},
		{name: "file cut inside the last record", data: []byte(strings.Join(small, "\n")[:3*121+60]),
			cause: cfonb120.ErrAmount, pos: "line 4, record 07", message: "space inside the amount"},
		{name: "empty file", data: nil,
			cause: cfonb120.ErrTruncated, pos: "end of file", message: "no statement"},
		{name: "blank lines only", data: []byte("\r\n   \n\n"),
			cause: cfonb120.ErrTruncated, pos: "line 4 (end of file)", message: "no statement"},
		{name: "impossible date", data: joinLF(edit(1, func(l string) string { return set(l, 35, "310226") })),
			cause: cfonb120.ErrDate, pos: "line 2, record 04", message: "does not exist"},
		{name: "date not DDMMYY", data: joinLF(edit(0, func(l string) string { return set(l, 35, "02-03-") })),
			cause: cfonb120.ErrDate, pos: "line 1, record 01", message: "not DDMMYY"},
		{name: "blank booking date", data: joinLF(edit(1, func(l string) string { return set(l, 35, "      ") })),
			cause: cfonb120.ErrDate, pos: "line 2, record 04", message: "booking date is blank"},
		{name: "bad value date", data: joinLF(edit(1, func(l string) string { return set(l, 43, "001326") })),
			cause: cfonb120.ErrDate, pos: "line 2, record 04", message: "value date"},
		{name: "unknown record code", data: joinLF([]string{small[0], set(small[1], 1, "03"), small[3]}),
			cause: cfonb120.ErrRecordCode, pos: "line 2, record 03", message: `"03"`, lenientOK: true},
		{name: "not a CFONB file", data: []byte("<?xml version=\"1.0\"?><Document/>\n"),
			cause: cfonb120.ErrRecordCode, pos: "line 1, record <?"},
		{name: "invalid UTF-8 in a UTF-8 file", data: joinLF([]string{small[0], utf8Movement("VIR TÉST"), set(small[2], 49, "PAY\xe9"), small[3]}),
			cause: cfonb120.ErrEncoding, pos: "line 3, column 52", message: "0xE9", lenientOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.data, cfonb120.Options{})
			var pe *statement.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *statement.ParseError", err, err)
			}
			if pe.Format != "cfonb120" || !strings.Contains(pe.Pos, tt.pos) || !errors.Is(err, tt.cause) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q (pos %q), want cause %q at %q saying %q", err, pe.Pos, tt.cause, tt.pos, tt.message)
			}
			var warnings []string
			_, lerr := parse(tt.data, cfonb120.Options{Lenient: true, OnWarning: func(pos, msg string) {
				warnings = append(warnings, pos+": "+msg)
			}})
			switch {
			case tt.lenientOK && (lerr != nil || len(warnings) == 0):
				t.Errorf("lenient: error %v, warnings %q; want a warning and no error", lerr, warnings)
			case !tt.lenientOK && lerr == nil:
				t.Errorf("lenient mode accepted it; want an error")
			}
		})
	}
}

// TestUnbalanced: a statement whose movements do not add up is read, and
// Check reports the exact difference.
func TestUnbalanced(t *testing.T) {
	got, err := parse(joinLF(edit(3, func(l string) string { return set(l, 91, "0000000164346A") })), cfonb120.Options{})
	if err != nil {
		t.Fatal(err)
	}
	chk := got[0].Statement.Check()
	if !chk.Checked || chk.Balanced || chk.Difference.String() != "0.05" || chk.Difference.Currency != "EUR" {
		t.Errorf("check %+v, want unbalanced by 0.05 EUR", chk)
	}
}

// TestLenientRepairs: what lenient mode reads in place of the errors.
func TestLenientRepairs(t *testing.T) {
	t.Run("space in amount reads as zero", func(t *testing.T) {
		got, err := parse(joinLF(edit(1, func(l string) string { return set(l, 91, "      ") })), cfonb120.Options{Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		s := got[0].Statement
		if got[0].Entries[0].Amount.String() != "1200.00" || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "line 2, record 04: spaces inside the amount") {
			t.Errorf("amount %s, warnings %q", got[0].Entries[0].Amount, s.Warnings)
		}
	})
	t.Run("stray 05 before the first 01 goes to that statement's warnings", func(t *testing.T) {
		small := smallLines()
		got, err := parse(joinLF([]string{small[2], small[0], small[1], small[3]}), cfonb120.Options{Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		if w := got[0].Statement.Warnings; len(w) != 1 || !strings.HasPrefix(w[0], "line 1, record 05: record 05 outside a statement") {
			t.Errorf("warnings %q", w)
		}
	})
	t.Run("short last block without line breaks is padded", func(t *testing.T) {
		small := smallLines()
		data := strings.Join(small, "")
		data = strings.TrimRight(data, " ")
		if _, err := parse([]byte(data), cfonb120.Options{}); !errors.Is(err, cfonb120.ErrRecordLength) {
			t.Fatalf("strict: %v, want ErrRecordLength", err)
		}
		got, err := parse([]byte(data), cfonb120.Options{Lenient: true})
		if err != nil || len(got) != 1 || got[0].Statement.Check().Balanced != true {
			t.Fatalf("lenient: %v %+v", err, got)
		}
	})
	t.Run("warnings are capped", func(t *testing.T) {
		ls := smallLines()
		var many []string
		many = append(many, ls[0])
		for range 150 {
			many = append(many, set(ls[1], 1, "09"))
		}
		many = append(many, ls[1], ls[2], ls[3])
		got, err := parse(joinLF(many), cfonb120.Options{Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		if w := got[0].Statement.Warnings; len(w) != 101 || w[100] != "further warnings omitted" {
			t.Errorf("%d warnings, last %q", len(w), w[len(w)-1])
		}
	})
}

// TestLayouts: line-break and padding layouts that must read like the
// plain LF file.
func TestLayouts(t *testing.T) {
	small := smallLines()
	want := string(goldenJSON(t, mustParse(t, joinLF(small))))
	tests := []struct {
		name string
		data string
	}{
		{"CRLF", strings.Join(small, "\r\n") + "\r\n"},
		{"CR without final break", strings.Join(small, "\r")},
		{"no line breaks", strings.Join(small, "")},
		{"no line breaks, final LF", strings.Join(small, "") + "\n"},
		{"no line breaks, blank block and trailing blanks", strings.Join(small, "") + strings.Repeat(" ", 130)},
		{"two records glued on one line", small[0] + small[1] + "\n" + small[2] + "\n" + small[3] + "\n"},
		{"blank lines and blank padding beyond 120", "\n\n" + small[0] + "        \n\r\n" + small[1] + "\t\n" + small[2] + "\n   \n" + small[3] + "\x1a"},
		{"trimmed lines", strings.TrimRight(small[0], " ") + "\n" + strings.TrimRight(small[1], " ") + "\n" + strings.TrimRight(small[2], " ") + "\n" + strings.TrimRight(small[3], " ")},
		{"UTF-8 byte order mark", "\xef\xbb\xbf" + strings.Join(small, "\r\n")},
		{"mixed line breaks", small[0] + "\r\n" + small[1] + "\n" + small[2] + "\r" + small[3] + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(goldenJSON(t, mustParse(t, []byte(tt.data)))); got != want {
				t.Errorf("reads differently:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestEncodingRule: the first non-ASCII text decides the encoding; a UTF-8
// file is cut by characters, so a multi-byte character never shifts a
// field.
func TestEncodingRule(t *testing.T) {
	ls := smallLines()
	ls[2] = set(ls[2], 49, "PAYEUR ÉÈÀ SARL")
	utf := string(joinLF(ls))
	got := mustParse(t, []byte(utf))
	checkEqual(t, "UTF-8 payer", got[0].Entries[0].Transactions[0].Debtor.Name, "PAYEUR ÉÈÀ SARL")
	latin := strings.NewReplacer("É", "\xc9", "È", "\xc8", "À", "\xc0").Replace(utf)
	got = mustParse(t, []byte(latin))
	checkEqual(t, "Windows-1252 payer", got[0].Entries[0].Transactions[0].Debtor.Name, "PAYEUR ÉÈÀ SARL")
	// A UTF-8 label filling its zone: the amount after it must still read.
	ls = smallLines()
	ls[1] = utf8Movement(strings.Repeat("É", 31))
	got = mustParse(t, joinLF(ls))
	checkEqual(t, "label", got[0].Entries[0].AdditionalInfo, strings.Repeat("É", 31))
	checkEqual(t, "amount after the label", got[0].Entries[0].Amount.String(), "1200.00")
}

// mustParse parses data strictly.
func mustParse(t *testing.T, data []byte) []statement.Collected {
	t.Helper()
	got, err := parse(data, cfonb120.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
