package cfonb120_test

// This file is the generator of our own CFONB 120 fixtures in
// fixtures/cfonb120 (see fixtures/SOURCES.md). Every record is laid out
// field by field below with hand-encoded amounts (13 digits and the
// overpunched last digit), independently of the parser and of
// fixtures/render. `go test -run TestFixturesUpToDate -write-fixtures`
// rewrites the files; without the flag the test fails when a checked-in
// file differs from what this generator produces.

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

var writeFixtures = flag.Bool("write-fixtures", false, "rewrite fixtures/cfonb120 from the generator in fixtures_test.go")

// fixtureDir holds our CFONB fixtures and the MIT silarhi sample.
const fixtureDir = "../../../fixtures/cfonb120"

// fixtureFile is one generated fixture: its lines as UTF-8 text, the line
// break that joins them, and how the bytes are made.
type fixtureFile struct {
	name    string
	lines   []string
	eol     string // "" for no line breaks at all
	finalLB bool   // end the file with a line break
	trim    bool   // cut trailing blanks from every line
	cp1252  bool   // encode as Windows-1252 instead of UTF-8
}

// bytes renders the file.
func (f fixtureFile) bytes(t testing.TB) []byte {
	var b strings.Builder
	for i, l := range f.lines {
		if f.trim {
			l = strings.TrimRight(l, " ")
		}
		b.WriteString(l)
		if i < len(f.lines)-1 || f.finalLB {
			b.WriteString(f.eol)
		}
	}
	if !f.cp1252 {
		return []byte(b.String())
	}
	out, err := charmap.Windows1252.NewEncoder().String(b.String())
	if err != nil {
		t.Fatalf("%s: encode Windows-1252: %v", f.name, err)
	}
	return []byte(out)
}

// layout is a 120-character record being filled field by field.
type layout [120]rune

// newLayout returns a blank record with its code.
func newLayout(code string) *layout {
	var l layout
	for i := range l {
		l[i] = ' '
	}
	l.put(1, 2, code)
	return &l
}

// put writes s left-aligned at the 1-based positions p…q; s must fit.
func (l *layout) put(p, q int, s string) *layout {
	if n := utf8.RuneCountInString(s); n > q-p+1 {
		panic(fmt.Sprintf("fixture value %q is %d characters, zone %d-%d holds %d", s, n, p, q, q-p+1))
	}
	i := p - 1
	for _, r := range s {
		l[i] = r
		i++
	}
	return l
}

func (l *layout) String() string { return string(l[:]) }

// acct is the header of a record: bank, branch, currency, decimals, account.
type acct struct{ bank, branch, ccy, dec, number string }

func (a acct) header(code, internal, op, date string) *layout {
	return newLayout(code).put(3, 7, a.bank).put(8, 11, internal).put(12, 16, a.branch).
		put(17, 19, a.ccy).put(20, 20, a.dec).put(22, 32, a.number).put(33, 34, op).put(35, 40, date)
}

// bal is a 01 or 07 record; text goes to the reserved zone 41-90, tail to
// 105-120.
func bal(code string, a acct, date, amount, text, tail string) string {
	return a.header(code, "", "", date).put(41, 90, text).put(91, 104, amount).put(105, 120, tail).String()
}

// mvt is a 04 record.
type mvt struct {
	a                                   acct
	internal, op, date, reject, valDate string
	label, entryNo, flags, amount, ref  string
}

func (m mvt) String() string {
	return m.a.header("04", m.internal, m.op, m.date).put(41, 42, m.reject).put(43, 48, m.valDate).
		put(49, 79, m.label).put(82, 88, m.entryNo).put(89, 90, m.flags).put(91, 104, m.amount).put(105, 120, m.ref).String()
}

// cpl is a 05 record with one 70-character data zone.
func cpl(m mvt, qual, data string) string {
	return m.a.header("05", m.internal, m.op, m.date).put(46, 48, qual).put(49, 118, data).String()
}

// cpl2 is a 05 record whose data is two 35-character halves.
func cpl2(m mvt, qual, first, second string) string {
	return m.a.header("05", m.internal, m.op, m.date).put(46, 48, qual).put(49, 83, first).put(84, 118, second).String()
}

// classicLines is a day of a company account: SEPA transfers with many
// qualifiers, direct debits, a returned direct debit, bank fees, two
// identical card payments and a foreign transfer with MMO/FEE.
//
//	opening 15,234.56; credits 1,200.00 + 2,450.75 + 1,000.00 = 4,650.75;
//	debits 89.90 + 350.00 + 12.50 + 45.00 + 45.00 = 542.40;
//	closing 15,234.56 + 4,650.75 − 542.40 = 19,342.91.
func classicLines() []string {
	a := acct{"30004", "00825", "EUR", "2", "00051234567"}
	v1 := mvt{a: a, internal: "0512", op: "18", date: "030326", valDate: "030326",
		label: "VIR SEPA BOULANGERIE MARTIN", entryNo: "0000000", amount: "0000000012000{"}
	v2 := mvt{a: a, internal: "0512", op: "18", date: "030326", valDate: "030326",
		label: "VIR SEPA GARAGE DES ALPES", entryNo: "0000000", amount: "0000000024507E"}
	d1 := mvt{a: a, internal: "0781", op: "B1", date: "030326", valDate: "030326",
		label: "PRLV SEPA ORANGE SA", entryNo: "0000000", amount: "0000000000899}"}
	r1 := mvt{a: a, internal: "0790", op: "B3", date: "030326", reject: "08", valDate: "030326",
		label: "IMPAYE PRLV SEPA LEGRAND SA", entryNo: "0000000", amount: "0000000003500}"}
	fee := mvt{a: a, internal: "0597", op: "62", date: "030326", valDate: "030326",
		label: "FRAIS TENUE DE COMPTE", entryNo: "0004711", flags: "1 ", amount: "0000000000125}"}
	card := mvt{a: a, internal: "0330", op: "11", date: "030326", valDate: "020326",
		label: "CB LEROY MERLIN 02/03", entryNo: "0000000", amount: "0000000000450}"}
	intl := mvt{a: a, internal: "0515", op: "18", date: "030326", valDate: "050326",
		label: "VIR INTERNATIONAL ACME CORP", entryNo: "0004712", flags: "00", amount: "0000000010000{", ref: "REF0000000004242"}
	lcc := "REGLEMENT DES FACTURES FA-2026-0015 ET FA-2026-0016 SELON VOTRE RELANC"
	if utf8.RuneCountInString(lcc) != 70 {
		panic("the LCC of the classic fixture must fill its 70 characters")
	}
	return []string{
		bal("01", a, "020326", "0000000152345F", "", ""),
		v1.String(),
		cpl(v1, "NPY", "BOULANGERIE MARTIN SARL"),
		cpl2(v1, "IPY", "FR7630006000011234567890189", "IBAN"),
		cpl(v1, "NBE", "ATELIERS DURAND SAS"),
		cpl(v1, "LCC", "FACTURE FA-2026-0012 REGLEMENT"),
		cpl(v1, "LIB", "FACTURE FA-2026-0012 REGLEMENT"),
		cpl2(v1, "RCN", "E2E-MARTIN-20260303-01", "SUPP"),
		cpl(v1, "REF", "BNP20260303VIR0001"),
		v2.String(),
		cpl(v2, "NPY", "GARAGE DES ALPES"),
		cpl(v2, "NPO", "GROUPE ALPES HOLDING"),
		cpl(v2, "NBE", "ATELIERS DURAND SAS"),
		cpl(v2, "NBU", "ATELIERS DURAND SERVICE CLIENT"),
		cpl(v2, "LCC", lcc),
		cpl(v2, "LC2", "E DU 20/02/2026 MERCI"),
		cpl2(v2, "LCS", "RF18539007547034", ""),
		cpl2(v2, "RCN", "NOTPROVIDED", ""),
		d1.String(),
		cpl(d1, "NPY", "ATELIERS DURAND SAS"),
		cpl(d1, "NBE", "ORANGE SA"),
		cpl2(d1, "IBE", "FR18ZZZ002305", "IDENTIFIANT CREANCIER SEPA"),
		cpl2(d1, "RUM", "MNDT-ORANGE-000123", "RCUR"),
		cpl2(d1, "RCN", "ORANGE-FACT-889900", ""),
		cpl(d1, "LIB", "FACTURE MOBILE MARS 2026"),
		r1.String(),
		cpl(r1, "NPY", "LEGRAND SA"),
		cpl(r1, "NBE", "ATELIERS DURAND SAS"),
		cpl2(r1, "RUM", "MNDT-LEGRAND-7", "FRST"),
		cpl2(r1, "RCN", "DD-2026-02-LEGRAND", ""),
		cpl(r1, "LIB", "MOTIF AM04 FONDS INSUFFISANTS"),
		fee.String(),
		card.String(),
		cpl(card, "LIB", "CARTE 4974XXXXXXXX1234"),
		card.String(),
		cpl(card, "LIB", "CARTE 4974XXXXXXXX1234"),
		intl.String(),
		cpl(intl, "NPY", "ACME CORP"),
		cpl(intl, "MMO", "USD200000000108540  1085400"),
		cpl(intl, "FEE", "EUR20000000000015{"),
		cpl(intl, "XYZ", "DONNEE BANQUE SPECIFIQUE"),
		cpl(intl, "   ", "SUITE DU LIBELLE VIREMENT"),
		cpl(intl, "CBE", "US12ACME0001"),
		bal("07", a, "030326", "0000000193429A", "", ""),
	}
}

// accentLines is a day whose labels and names carry accents, the euro sign,
// the œ ligature and typographic dashes (all in Windows-1252).
//
//	opening 5,000.00 + 640.00 − 75.30 + 1,234.50 = closing 6,799.20.
func accentLines() []string {
	a := acct{"30003", "01234", "EUR", "2", "00098765432"}
	c1 := mvt{a: a, internal: "0512", op: "18", date: "160326", valDate: "160326",
		label: "VIR SEPA CAFÉ DE LA GARE", entryNo: "0000000", amount: "0000000006400{"}
	d1 := mvt{a: a, internal: "0781", op: "B1", date: "160326", valDate: "160326",
		label: "PRLV SEPA ÉLECTRICITÉ DE FRANCE", entryNo: "0000000", amount: "0000000000753}"}
	c2 := mvt{a: a, internal: "0512", op: "18", date: "160326", valDate: "160326",
		label: "VIR Crème Brûlée & Cie", entryNo: "0000000", amount: "0000000012345{"}
	return []string{
		bal("01", a, "150326", "0000000050000{", "", ""),
		c1.String(),
		cpl(c1, "NPY", "CAFÉ DE LA GARE - MME LEFÈVRE"),
		cpl(c1, "LCC", "RÈGLEMENT FACTURE FA-2026-0042 DÛ AU 28/02 — MERCI"),
		cpl(c1, "LIB", "ACOMPTE 100 € DÉJÀ VERSÉ"),
		d1.String(),
		cpl(d1, "NBE", "ÉLECTRICITÉ DE FRANCE"),
		cpl(d1, "NPY", "SŒURS & FRÈRES ÇA VA SARL"),
		c2.String(),
		cpl(c2, "NPY", "Crème Brûlée & Cie"),
		cpl2(c2, "RCN", "FACTURE N°2026-0077", "Règlement"),
		bal("07", a, "160326", "0000000067992{", "", ""),
	}
}

// lclLines leaves currency and decimals blank on the 01 and 07 as LCL does;
// the 04 carry EUR2, the account number ends with a letter.
//
//	opening 3,210.00 + 150.00 − 60.00 = closing 3,300.00.
func lclLines() []string {
	blank := acct{"30002", "00550", "", "", "0000123456L"}
	eur := acct{"30002", "00550", "EUR", "2", "0000123456L"}
	c := mvt{a: eur, internal: "0158", op: "05", date: "110326", valDate: "110326",
		label: "VIR SEPA M DUPONT JEAN", entryNo: "0000000", amount: "0000000001500{"}
	d := mvt{a: eur, internal: "0329", op: "01", date: "110326", valDate: "110326",
		label: "CHEQUE 0001234", entryNo: "0000000", amount: "0000000000600}"}
	return []string{
		bal("01", blank, "100326", "0000000032100{", "", ""),
		c.String(),
		cpl(c, "NPY", "M DUPONT JEAN"),
		cpl(c, "LIB", "LOYER MARS 2026 APPT 12"),
		d.String(),
		bal("07", blank, "110326", "0000000033000{", "", ""),
	}
}

// multiAccountLines interleaves two accounts over three days, with a day
// without movement, negative balances, bank text in the 01/07 reserved
// zones, dates in 105-120 of a 01, and a 05 whose internal code differs from
// its 04's.
//
//	A: 10,000.00 + 500.00 − 120.00 = 10,380.00; 10,380.00 (no movement);
//	   10,380.00 + 2,345.67 = 12,725.67.
//	B: −45.10 + 45.10 − 9.99 = −9.99; −9.99 (no movement).
func multiAccountLines() []string {
	a := acct{"30004", "00825", "EUR", "2", "00059876543"}
	b := acct{"30004", "01234", "EUR", "2", "00071112223"}
	a1 := mvt{a: a, internal: "0512", op: "18", date: "060326", valDate: "060326",
		label: "VIR SEPA CLIENT UN", entryNo: "0000000", amount: "0000000005000{"}
	a1detail := a1
	a1detail.internal = "9999"
	a2 := mvt{a: a, internal: "0781", op: "B1", date: "060326", valDate: "060326",
		label: "PRLV SEPA ASSURANCE PRO", entryNo: "0000000", amount: "0000000001200}"}
	a3 := mvt{a: a, internal: "0512", op: "18", date: "080326", valDate: "080326",
		label: "VIR SEPA CLIENT DEUX", entryNo: "0000000", amount: "0000000023456G"}
	b1 := mvt{a: b, internal: "0512", op: "18", date: "060326", valDate: "060326",
		label: "VIR SEPA REMBOURSEMENT", entryNo: "0000000", amount: "0000000000451{"}
	b2 := mvt{a: b, internal: "0597", op: "62", date: "060326", valDate: "060326",
		label: "COMMISSION INTERVENTION", entryNo: "0000000", amount: "0000000000099R"}
	return []string{
		bal("01", a, "050326", "0000000100000{", "", "050326060326"),
		a1.String(),
		cpl(a1detail, "NPY", "CLIENT UN SARL"),
		cpl(a1, "LCC", "FA-2026-0101"),
		a2.String(),
		bal("07", a, "060326", "0000000103800{", "", ""),
		"",
		bal("01", b, "050326", "0000000000451}", "", ""),
		b1.String(),
		b2.String(),
		bal("07", b, "060326", "0000000000099R", "", ""),
		"",
		"",
		bal("01", a, "060326", "0000000103800{", "** AUCUN MOUVEMENT CE JOUR **", ""),
		bal("07", a, "070326", "0000000103800{", "------------------------------", ""),
		"",
		bal("01", b, "060326", "0000000000099R", "** PAS DE MOUVEMENT **", ""),
		bal("07", b, "070326", "0000000000099R", "", ""),
		bal("01", a, "070326", "0000000103800{", "", ""),
		a3.String(),
		cpl(a3, "NPY", "CLIENT DEUX SA"),
		bal("07", a, "080326", "0000000127256G", "", ""),
	}
}

// xpfLines is an account in CFP francs, which have no decimals.
//
//	opening 2,500,000 + 125,000 − 7,350 = closing 2,617,650 XPF.
func xpfLines() []string {
	a := acct{"14889", "00010", "XPF", "0", "01234567801"}
	c := mvt{a: a, internal: "0512", op: "18", date: "130326", valDate: "130326",
		label: "VIR SEPA NOUMEA SERVICES", entryNo: "0000000", amount: "0000000012500{"}
	d := mvt{a: a, internal: "0597", op: "62", date: "130326", valDate: "130326",
		label: "FRAIS VIREMENT", entryNo: "0000000", amount: "0000000000735}"}
	return []string{
		bal("01", a, "120326", "0000000250000{", "", ""),
		c.String(),
		cpl(c, "NPY", "NOUMEA SERVICES SARL"),
		d.String(),
		bal("07", a, "130326", "0000000261765{", "", ""),
	}
}

// negativeLines is an overdrawn account over two days, back in credit on
// the second.
//
//	−1,250.40 + 800.00 − 300.00 − 0.05 = −750.45; −750.45 + 1,000.00 = 249.55.
func negativeLines() []string {
	a := acct{"30004", "00825", "EUR", "2", "00051239999"}
	c1 := mvt{a: a, internal: "0512", op: "18", date: "180326", valDate: "180326",
		label: "VIR SEPA ENCAISSEMENT", entryNo: "0000000", amount: "0000000008000{"}
	d1 := mvt{a: a, internal: "0781", op: "B1", date: "180326", valDate: "180326",
		label: "PRLV SEPA URSSAF", entryNo: "0000000", amount: "0000000003000}"}
	f1 := mvt{a: a, internal: "0597", op: "62", date: "180326", valDate: "180326",
		label: "AGIOS", entryNo: "0000000", amount: "0000000000000N"}
	c2 := mvt{a: a, internal: "0512", op: "18", date: "190326", valDate: "190326",
		label: "VIR SEPA APPORT ASSOCIE", entryNo: "0000000", amount: "0000000010000{"}
	return []string{
		bal("01", a, "170326", "0000000012504}", "", ""),
		c1.String(),
		d1.String(),
		f1.String(),
		bal("07", a, "180326", "0000000007504N", "", ""),
		bal("01", a, "180326", "0000000007504N", "", ""),
		c2.String(),
		bal("07", a, "190326", "0000000002495E", "", ""),
	}
}

// generatedFixtures lists every file the generator writes.
func generatedFixtures() []fixtureFile {
	classic := classicLines()
	accents := accentLines()
	return []fixtureFile{
		{name: "lettrage_classic_lf.cfo", lines: classic, eol: "\n", finalLB: true},
		{name: "lettrage_classic_crlf.cfo", lines: classic, eol: "\r\n", finalLB: true},
		{name: "lettrage_classic_cr.cfo", lines: classic, eol: "\r", finalLB: true},
		{name: "lettrage_classic_no_line_breaks.cfo", lines: classic, eol: ""},
		{name: "lettrage_classic_trimmed.cfo", lines: classic, eol: "\n", finalLB: true, trim: true},
		{name: "lettrage_accents_cp1252.cfo", lines: accents, eol: "\r\n", finalLB: true, cp1252: true},
		{name: "lettrage_accents_utf8.cfo", lines: accents, eol: "\n", finalLB: true},
		{name: "lettrage_lcl_blank_currency.cfo", lines: lclLines(), eol: "\r\n", finalLB: true},
		{name: "lettrage_multi_account.cfo", lines: multiAccountLines(), eol: "\r\n", finalLB: true},
		{name: "lettrage_xpf_zero_decimals.cfo", lines: xpfLines(), eol: "\n", finalLB: true},
		{name: "lettrage_negative_balances.cfo", lines: negativeLines(), eol: "\n", finalLB: false},
	}
}

// TestFixturesUpToDate checks (or, with -write-fixtures, rewrites) the
// generated fixtures.
func TestFixturesUpToDate(t *testing.T) {
	for _, f := range generatedFixtures() {
		want := f.bytes(t)
		path := filepath.Join(fixtureDir, f.name)
		if *writeFixtures {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestFixturesUpToDate -write-fixtures)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its generator (run go test -run TestFixturesUpToDate -write-fixtures)", path)
		}
	}
}
