package cfonb120_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGolden parses every file of fixtures/cfonb120 strictly and compares
// the full extraction with its golden file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d CFONB fixtures in %s", len(files), fixtureDir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			checkGolden(t, filepath.Base(path)+".json", goldenJSON(t, mustParseFile(t, path)))
		})
	}
}

// TestVariantsAgree: the same records with other line breaks, without line
// breaks, with trimmed trailing blanks or in another encoding give exactly
// the same statements, entries and references.
func TestVariantsAgree(t *testing.T) {
	groups := [][]string{
		{"lettrage_classic_lf.cfo", "lettrage_classic_crlf.cfo", "lettrage_classic_cr.cfo",
			"lettrage_classic_no_line_breaks.cfo", "lettrage_classic_trimmed.cfo"},
		{"lettrage_accents_cp1252.cfo", "lettrage_accents_utf8.cfo"},
	}
	for _, g := range groups {
		want := goldenJSON(t, mustParseFile(t, filepath.Join(fixtureDir, g[0])))
		for _, name := range g[1:] {
			if got := goldenJSON(t, mustParseFile(t, filepath.Join(fixtureDir, name))); string(got) != string(want) {
				t.Errorf("%s does not parse like %s", name, g[0])
			}
		}
	}
}

// TestPublicOCA reads the two AGPL OCA samples where they are (never copied
// into the repository): both must give the same results, checked against
// the figures we read from the file ourselves.
func TestPublicOCA(t *testing.T) {
	classic := filepath.Join(publicDir, "oca_cfonb_classic.cfo")
	noCR := filepath.Join(publicDir, "oca_cfonb_no_carriage_return.cfo")
	if _, err := os.Stat(classic); err != nil {
		t.Skipf("SKIPPED: the OCA CFONB samples are not here (%v); CI has ../shared/fixtures-public", err)
	}
	a, b := mustParseFile(t, classic), mustParseFile(t, noCR)
	if string(goldenJSON(t, a)) != string(goldenJSON(t, b)) {
		t.Fatalf("the OCA file without line breaks does not parse like the classic one")
	}
	checkFigures(t, a, []stmtFigures{{
		id: "300030123401234567890-EUR-20240112", from: "2024-01-12", to: "2024-01-13",
		opening: "1017311.89", closing: "1031585.79", entries: 13,
		credits: "17968.57", debits: "3694.67", balanced: true,
	}})
	s := a[0]
	e1 := s.Entries[0]
	tx := e1.Transactions[0]
	checkEqual(t, "entry 1 label", e1.AdditionalInfo, "VIR INST MA JOLIE BOUTIQUE")
	checkEqual(t, "entry 1 amount", signed(e1.Amount, e1.Direction), "1040.17 EUR")
	checkEqual(t, "entry 1 booking date", e1.BookingDate.String(), "2024-01-13")
	checkEqual(t, "entry 1 interbank code", e1.BankTxCode.Interbank, "18")
	checkEqual(t, "entry 1 payer", tx.Debtor.Name, "MA JOLIE BOUTIQUE")
	checkEqual(t, "entry 1 beneficiary", tx.Creditor.Name, "AKRETION FRANCE")
	checkStrings(t, "entry 1 remittance", tx.Remittance, "VIR INST MA JOLIE BOUTIQUE", "facture F230875")
	e3 := s.Entries[2].Transactions[0]
	checkEqual(t, "entry 3 end-to-end", e3.EndToEndID, "F230987, F231234")
	e10 := s.Entries[9]
	checkEqual(t, "entry 10 amount", signed(e10.Amount, e10.Direction), "-19.99 EUR")
	checkEqual(t, "entry 10 interbank code", e10.BankTxCode.Interbank, "B1")
	checkEqual(t, "entry 10 mandate", e10.Transactions[0].MandateID, "FM-47933521-1")
	checkEqual(t, "entry 10 creditor id", e10.Transactions[0].Creditor.Other, "FR07ZZZ591778")
	checkEqual(t, "entry 10 payer id", e10.Transactions[0].Debtor.Other, "fmc-31375826")
	e12 := s.Entries[11].Transactions[0]
	checkStrings(t, "entry 12 remittance", e12.Remittance, "PRLV SEPA Orange",
		"FIBENT - FR - Facture: 76662391 - Compte Fact: 30008765 - Ident: 00003",
		"FIBENT - FR - Facture: 76662391 - Compte Fact: 30008765 - Ident: 00003263")
	// Thirteen movements without reference zone: thirteen distinct keys.
	seen := map[string]bool{}
	for _, e := range s.Entries {
		ref := e.Transactions[0].BankRef(e)
		if seen[ref] || len(ref) != len("CFONB-")+24 {
			t.Errorf("entry %d: bank reference %q repeated or malformed", e.Index, ref)
		}
		seen[ref] = true
	}
}
