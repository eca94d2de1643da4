package cfonb120_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// publicDir holds the third-party samples, among them the two AGPL OCA files
// that are read from there and never copied into the repository.
const publicDir = "../../../../shared/fixtures-public/cfonb120"

// parse parses data with opt into a Collector.
func parse(data []byte, opt cfonb120.Options) ([]statement.Collected, error) {
	var c statement.Collector
	err := cfonb120.ParseWithOptions(context.Background(), bytes.NewReader(data), &c, opt)
	return c.Statements, err
}

// mustParseFile parses a file strictly and fails the test on any error.
func mustParseFile(t *testing.T, path string) []statement.Collected {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parse(data, cfonb120.Options{})
	if err != nil {
		t.Fatalf("parse %s: %v", filepath.Base(path), err)
	}
	return got
}

// signed formats an amount with its sign, e.g. "-89.90 EUR".
func signed(m ledger.Money, d ledger.Direction) string {
	return ledger.Money{Minor: m.Minor * d.Sign(), Currency: m.Currency}.String() + " " + string(m.Currency)
}

// balanceView formats a balance as "<amount> <ccy> <type> <date>".
func balanceView(b ledger.Balance) string {
	return fmt.Sprintf("%s %s %s %s", b.Amount, b.Amount.Currency, b.Type, b.Date)
}

// stmtView is the golden form of one statement.
type stmtView struct {
	ID, AccountID, Bank, Branch, Number, Currency string
	From, To                                      string
	Balances                                      []string
	Entries, Transactions                         int
	Credits, Debits                               string
	Balanced                                      bool
	Difference                                    string
	Warnings                                      []string `json:",omitempty"`
	EntryList                                     []entryView
}

// entryView is the golden form of one entry; Tx keeps the non-empty fields
// of its transaction (amount, direction and index are checked against the
// entry elsewhere).
type entryView struct {
	Index                 int
	Booking, Value        string
	Amount, Status        string
	AcctSvcrRef, EntryRef string `json:",omitempty"`
	BankTxCode            string
	Info                  string
	Tx                    map[string]any
}

// view builds the golden form of parsed statements.
func view(t *testing.T, cs []statement.Collected) []stmtView {
	t.Helper()
	var out []stmtView
	for _, c := range cs {
		s := c.Statement
		chk := s.Check()
		v := stmtView{
			ID: s.StatementID, AccountID: s.Account.ID(), Bank: s.Account.BankCode, Branch: s.Account.BranchCode,
			Number: s.Account.Other, Currency: string(s.Account.Currency), From: s.From.String(), To: s.To.String(),
			Entries: s.Totals.Entries, Transactions: s.Totals.Transactions,
			Credits: chk.Credits.String(), Debits: chk.Debits.String(),
			Balanced: chk.Balanced, Difference: chk.Difference.String(), Warnings: s.Warnings,
		}
		for _, b := range s.Balances {
			v.Balances = append(v.Balances, balanceView(b))
		}
		for _, e := range c.Entries {
			tx := e.Transactions[0]
			tx.Index, tx.Amount, tx.Direction = 0, ledger.Money{}, ""
			v.EntryList = append(v.EntryList, entryView{
				Index: e.Index, Booking: e.BookingDate.String(), Value: e.ValueDate.String(),
				Amount: signed(e.Amount, e.Direction), Status: string(e.Status),
				AcctSvcrRef: e.AcctSvcrRef, EntryRef: e.EntryRef,
				BankTxCode: fmt.Sprintf("interbank=%s proprietary=%s issuer=%s", e.BankTxCode.Interbank, e.BankTxCode.Proprietary, e.BankTxCode.Issuer),
				Info:       e.AdditionalInfo,
				Tx:         pruned(t, tx),
			})
		}
		out = append(out, v)
	}
	return out
}

// pruned returns v as a JSON object without its zero-valued fields.
func pruned(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	prune(m)
	return m
}

// prune deletes zero values from m, recursively; it reports whether m ends
// up empty.
func prune(m map[string]any) bool {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case string:
			if x == "" {
				delete(m, k)
			}
		case float64:
			if x == 0 {
				delete(m, k)
			}
		case bool:
			if !x {
				delete(m, k)
			}
		case []any:
			if len(x) == 0 {
				delete(m, k)
			}
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		case map[string]any:
			if prune(x) {
				delete(m, k)
			}
		}
	}
	return len(m) == 0
}

// goldenJSON renders the golden form of parsed statements.
func goldenJSON(t *testing.T, cs []statement.Collected) []byte {
	t.Helper()
	b, err := json.MarshalIndent(view(t, cs), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// checkGolden compares got with testdata/golden/name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: output differs from the golden file (run go test -update and review the diff)\n--- got:\n%s", path, got)
	}
}
