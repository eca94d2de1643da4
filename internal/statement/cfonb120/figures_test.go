package cfonb120_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// stmtFigures are the figures of one statement, written down from the
// file (the fixture generator's comments, or our own reading of a sample).
type stmtFigures struct {
	id, from, to              string
	opening, closing          string
	entries                   int
	credits, debits           string
	balanced                  bool
	warnings                  int
	warningsHave, accountNote string
}

// checkFigures compares parsed statements with their expected figures.
func checkFigures(t *testing.T, got []statement.Collected, want []stmtFigures) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d statements, want %d", len(got), len(want))
	}
	for i, w := range want {
		s := got[i].Statement
		chk := s.Check()
		op, _ := s.Opening()
		cl, _ := s.Closing()
		for _, c := range []struct{ what, got, want string }{
			{"id", s.StatementID, w.id},
			{"from", s.From.String(), w.from},
			{"to", s.To.String(), w.to},
			{"opening", op.Amount.String(), w.opening},
			{"closing", cl.Amount.String(), w.closing},
			{"credits", chk.Credits.String(), w.credits},
			{"debits", chk.Debits.String(), w.debits},
		} {
			if c.got != c.want {
				t.Errorf("statement %d: %s = %q, want %q", i+1, c.what, c.got, c.want)
			}
		}
		if s.Totals.Entries != w.entries || len(got[i].Entries) != w.entries || s.Totals.Transactions != w.entries {
			t.Errorf("statement %d: %d entries (%d delivered, %d transactions), want %d", i+1, s.Totals.Entries, len(got[i].Entries), s.Totals.Transactions, w.entries)
		}
		if !chk.Checked || chk.Balanced != w.balanced {
			t.Errorf("statement %d: checked %v balanced %v (difference %s), want balanced %v", i+1, chk.Checked, chk.Balanced, chk.Difference, w.balanced)
		}
		if op.Type != ledger.OpeningBooked || cl.Type != ledger.ClosingBooked || op.Date != s.From || cl.Date != s.To {
			t.Errorf("statement %d: balances %+v", i+1, s.Balances)
		}
		if len(s.Warnings) != w.warnings {
			t.Errorf("statement %d: warnings %q, want %d", i+1, s.Warnings, w.warnings)
		}
		if w.warningsHave != "" && !strings.Contains(strings.Join(s.Warnings, "\n"), w.warningsHave) {
			t.Errorf("statement %d: warnings %q lack %q", i+1, s.Warnings, w.warningsHave)
		}
		for j, e := range got[i].Entries {
			tx := e.Transactions[0]
			if e.Index != j+1 || len(e.Transactions) != 1 || tx.Index != 1 || tx.Amount != e.Amount ||
				tx.Direction != e.Direction || e.Amount.Minor < 0 || e.Status != ledger.StatusBooked ||
				e.Amount.Currency != s.Account.Currency || tx.AcctSvcrRef == "" {
				t.Errorf("statement %d entry %d: inconsistent entry %+v", i+1, j+1, e)
			}
		}
	}
}

func checkEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func checkStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// extra returns the values of key in tx.Extra.
func extra(tx ledger.Transaction, key string) []string {
	var out []string
	for _, kv := range tx.Extra {
		if kv.Key == key {
			out = append(out, kv.Value)
		}
	}
	return out
}

// TestFixtureFigures checks counts, balances, totals and warnings of every
// CFONB fixture against the figures read from the files.
func TestFixtureFigures(t *testing.T) {
	classic := []stmtFigures{{
		id: "300040082500051234567-EUR-20260302", from: "2026-03-02", to: "2026-03-03",
		opening: "15234.56", closing: "19342.91", entries: 8,
		credits: "4650.75", debits: "542.40", balanced: true,
	}}
	tests := []struct {
		file string
		want []stmtFigures
	}{
		{"lettrage_classic_lf.cfo", classic},
		{"lettrage_classic_crlf.cfo", classic},
		{"lettrage_classic_cr.cfo", classic},
		{"lettrage_classic_no_line_breaks.cfo", classic},
		{"lettrage_classic_trimmed.cfo", classic},
		{"lettrage_accents_cp1252.cfo", []stmtFigures{{
			id: "300030123400098765432-EUR-20260315", from: "2026-03-15", to: "2026-03-16",
			opening: "5000.00", closing: "6799.20", entries: 3, credits: "1874.50", debits: "75.30", balanced: true,
		}}},
		{"lettrage_lcl_blank_currency.cfo", []stmtFigures{{
			id: "30002005500000123456L-EUR-20260310", from: "2026-03-10", to: "2026-03-11",
			opening: "3210.00", closing: "3300.00", entries: 2, credits: "150.00", debits: "60.00", balanced: true,
			warnings: 2, warningsHave: "line 1, record 01: currency blank, EUR assumed",
		}}},
		{"lettrage_multi_account.cfo", []stmtFigures{
			{id: "300040082500059876543-EUR-20260305", from: "2026-03-05", to: "2026-03-06",
				opening: "10000.00", closing: "10380.00", entries: 2, credits: "500.00", debits: "120.00", balanced: true},
			{id: "300040123400071112223-EUR-20260305", from: "2026-03-05", to: "2026-03-06",
				opening: "-45.10", closing: "-9.99", entries: 2, credits: "45.10", debits: "9.99", balanced: true},
			{id: "300040082500059876543-EUR-20260306", from: "2026-03-06", to: "2026-03-07",
				opening: "10380.00", closing: "10380.00", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
			{id: "300040123400071112223-EUR-20260306", from: "2026-03-06", to: "2026-03-07",
				opening: "-9.99", closing: "-9.99", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
			{id: "300040082500059876543-EUR-20260307", from: "2026-03-07", to: "2026-03-08",
				opening: "10380.00", closing: "12725.67", entries: 1, credits: "2345.67", debits: "0.00", balanced: true},
		}},
		{"lettrage_xpf_zero_decimals.cfo", []stmtFigures{{
			id: "148890001001234567801-XPF-20260312", from: "2026-03-12", to: "2026-03-13",
			opening: "2500000", closing: "2617650", entries: 2, credits: "125000", debits: "7350", balanced: true,
		}}},
		{"lettrage_negative_balances.cfo", []stmtFigures{
			{id: "300040082500051239999-EUR-20260317", from: "2026-03-17", to: "2026-03-18",
				opening: "-1250.40", closing: "-750.45", entries: 3, credits: "800.00", debits: "300.05", balanced: true},
			{id: "300040082500051239999-EUR-20260318", from: "2026-03-18", to: "2026-03-19",
				opening: "-750.45", closing: "249.55", entries: 1, credits: "1000.00", debits: "0.00", balanced: true},
		}},
		// silarhi (MIT): figures read by slicing the file ourselves. Its 04
		// records carry another bank code than their 01 (10556 vs 10278);
		// only the account number is compared, so that is not a warning.
		{"silarhi_complex-test.txt", []stmtFigures{
			{id: "102780220400012345603-EUR-20200406", from: "2020-04-06", to: "2020-04-07",
				opening: "16695.65", closing: "16672.86", entries: 1, credits: "0.00", debits: "22.79", balanced: true},
			{id: "102780220400020427603-EUR-20200407", from: "2020-04-07", to: "2020-04-08",
				opening: "16672.86", closing: "11652.75", entries: 2, credits: "0.00", debits: "5020.11", balanced: true},
			{id: "102780220400020427603-EUR-20200408", from: "2020-04-08", to: "2020-04-09",
				opening: "11652.75", closing: "11652.75", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
			{id: "102780220400020427603-EUR-20200409", from: "2020-04-09", to: "2020-04-10",
				opening: "11652.75", closing: "11535.00", entries: 1, credits: "0.00", debits: "117.75", balanced: true},
			{id: "102780220400020427603-EUR-20200410", from: "2020-04-10", to: "2020-04-13",
				opening: "11535.00", closing: "11535.00", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
			{id: "102780220400020427603-EUR-20200413", from: "2020-04-13", to: "2020-04-14",
				opening: "11535.00", closing: "11484.75", entries: 1, credits: "0.00", debits: "50.25", balanced: true},
			{id: "102780220400020427603-EUR-20200414", from: "2020-04-14", to: "2020-04-15",
				opening: "11484.75", closing: "11484.75", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
			{id: "102780220400020427603-EUR-20200423", from: "2020-04-23", to: "2020-04-24",
				opening: "584353.02", closing: "584353.02", entries: 0, credits: "0.00", debits: "0.00", balanced: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkFigures(t, mustParseFile(t, filepath.Join(fixtureDir, tt.file)), tt.want)
		})
	}
}

// TestClassicFields checks the extraction of every 05 qualifier in the
// classic fixture, value by value.
func TestClassicFields(t *testing.T) {
	got := mustParseFile(t, filepath.Join(fixtureDir, "lettrage_classic_lf.cfo"))
	es := got[0].Entries
	s := got[0].Statement
	checkEqual(t, "account id", s.Account.ID(), "300040082500051234567")

	e, tx := es[0], es[0].Transactions[0]
	checkEqual(t, "1 amount", signed(e.Amount, e.Direction), "1200.00 EUR")
	checkEqual(t, "1 codes", e.BankTxCode.Interbank+"/"+e.BankTxCode.Proprietary+"/"+e.BankTxCode.Issuer, "18/0512/30004")
	checkEqual(t, "1 payer", tx.Debtor.Name, "BOULANGERIE MARTIN SARL")
	checkEqual(t, "1 payer id", tx.Debtor.Other, "FR7630006000011234567890189")
	checkStrings(t, "1 payer id type", extra(tx, "IPY.type"), "IBAN")
	checkEqual(t, "1 beneficiary", tx.Creditor.Name, "ATELIERS DURAND SAS")
	// LIB repeats the LCC: kept once.
	checkStrings(t, "1 remittance", tx.Remittance, "VIR SEPA BOULANGERIE MARTIN", "FACTURE FA-2026-0012 REGLEMENT")
	checkEqual(t, "1 end-to-end", tx.EndToEndID, "E2E-MARTIN-20260303-01")
	checkStrings(t, "1 purpose", extra(tx, "RCN.purpose"), "SUPP")
	checkEqual(t, "1 REF", tx.TransactionID, "BNP20260303VIR0001")
	checkEqual(t, "1 entry reference zone", e.AcctSvcrRef, "")
	if !strings.HasPrefix(tx.AcctSvcrRef, "CFONB-") || tx.BankRef(e) != tx.AcctSvcrRef {
		t.Errorf("1 bank reference %q, want the CFONB- key", tx.BankRef(e))
	}

	tx = es[1].Transactions[0]
	checkEqual(t, "2 ultimate debtor", tx.UltimateDebtor.Name, "GROUPE ALPES HOLDING")
	checkEqual(t, "2 ultimate creditor", tx.UltimateCreditor.Name, "ATELIERS DURAND SERVICE CLIENT")
	checkStrings(t, "2 remittance (LCC + LC2 joined)", tx.Remittance, "VIR SEPA GARAGE DES ALPES",
		"REGLEMENT DES FACTURES FA-2026-0015 ET FA-2026-0016 SELON VOTRE RELANCE DU 20/02/2026 MERCI")
	if len(tx.CreditorRefs) != 1 || tx.CreditorRefs[0] != (ledger.CreditorReference{Type: "SCOR", Ref: "RF18539007547034"}) {
		t.Errorf("2 creditor refs %+v", tx.CreditorRefs)
	}
	checkEqual(t, "2 NOTPROVIDED end-to-end dropped", tx.EndToEndID, "")

	e, tx = es[2], es[2].Transactions[0]
	checkEqual(t, "3 amount", signed(e.Amount, e.Direction), "-89.90 EUR")
	checkEqual(t, "3 creditor id", tx.Creditor.Other, "FR18ZZZ002305")
	checkStrings(t, "3 creditor id type", extra(tx, "IBE.type"), "IDENTIFIANT CREANCIER SEPA")
	checkEqual(t, "3 mandate", tx.MandateID, "MNDT-ORANGE-000123")
	checkStrings(t, "3 sequence", extra(tx, "RUM.sequence"), "RCUR")

	e, tx = es[3], es[3].Transactions[0]
	checkEqual(t, "4 return reason", tx.ReturnReason, "08")
	checkEqual(t, "4 amount", signed(e.Amount, e.Direction), "-350.00 EUR")

	e, tx = es[4], es[4].Transactions[0]
	checkEqual(t, "5 entry number", e.EntryRef, "0004711")
	checkStrings(t, "5 exemption flag", extra(tx, "commission_exemption"), "1")
	checkStrings(t, "5 remittance", tx.Remittance, "FRAIS TENUE DE COMPTE")

	// Two identical card payments: distinct keys, the second with "-2".
	r6, r7 := es[5].Transactions[0].AcctSvcrRef, es[6].Transactions[0].AcctSvcrRef
	if r7 != r6+"-2" {
		t.Errorf("identical card payments: references %q and %q, want the second to be the first + \"-2\"", r6, r7)
	}

	e, tx = es[7], es[7].Transactions[0]
	checkEqual(t, "8 reference zone", e.AcctSvcrRef, "REF0000000004242")
	checkEqual(t, "8 bank ref", tx.BankRef(e), "REF0000000004242")
	checkEqual(t, "8 value date", e.ValueDate.String(), "2026-03-05")
	checkEqual(t, "8 booking date", e.BookingDate.String(), "2026-03-03")
	checkStrings(t, "8 MMO", extra(tx, "MMO"), "USD 1085.40")
	checkStrings(t, "8 MMO rest", extra(tx, "MMO.rest"), "1085400")
	checkStrings(t, "8 FEE", extra(tx, "FEE"), "EUR 1.50")
	checkStrings(t, "8 unknown qualifier", extra(tx, "XYZ"), "DONNEE BANQUE SPECIFIQUE")
	checkStrings(t, "8 CBE kept raw", extra(tx, "CBE"), "US12ACME0001")
	checkStrings(t, "8 remittance", tx.Remittance, "VIR INTERNATIONAL ACME CORP", "SUITE DU LIBELLE VIREMENT")
	checkStrings(t, "8 flags 00 not kept", extra(tx, "unavailability"))
}

// TestAccentsDecoded: Windows-1252 and UTF-8 files give the same UTF-8
// text.
func TestAccentsDecoded(t *testing.T) {
	for _, name := range []string{"lettrage_accents_cp1252.cfo", "lettrage_accents_utf8.cfo"} {
		t.Run(name, func(t *testing.T) {
			es := mustParseFile(t, filepath.Join(fixtureDir, name))[0].Entries
			tx := es[0].Transactions[0]
			checkEqual(t, "label", es[0].AdditionalInfo, "VIR SEPA CAFÉ DE LA GARE")
			checkEqual(t, "payer", tx.Debtor.Name, "CAFÉ DE LA GARE - MME LEFÈVRE")
			checkStrings(t, "remittance", tx.Remittance, "VIR SEPA CAFÉ DE LA GARE",
				"RÈGLEMENT FACTURE FA-2026-0042 DÛ AU 28/02 — MERCI", "ACOMPTE 100 € DÉJÀ VERSÉ")
			checkEqual(t, "label filling its 31 characters", es[1].AdditionalInfo, "PRLV SEPA ÉLECTRICITÉ DE FRANCE")
			checkEqual(t, "œ ligature", es[1].Transactions[0].Debtor.Name, "SŒURS & FRÈRES ÇA VA SARL")
			checkEqual(t, "lower case", es[2].Transactions[0].Debtor.Name, "Crème Brûlée & Cie")
			checkEqual(t, "degree sign", es[2].Transactions[0].EndToEndID, "FACTURE N°2026-0077")
			checkStrings(t, "purpose", extra(es[2].Transactions[0], "RCN.purpose"), "Règlement")
		})
	}
}
