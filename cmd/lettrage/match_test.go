package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateMatchGolden = flag.Bool("update-match", false, "rewrite the golden outputs of lettrage match in testdata/match")

const matchDir = "testdata/match"

// runMatchArgs runs the match subcommand in-process.
func runMatchArgs(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMatch(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestMatchGolden letters the hand-written CAMT.053 and CFONB 120 renderings
// of the same credits against the same invoices and compares the JSON lines
// with the golden files; both formats must reach the same decisions.
func TestMatchGolden(t *testing.T) {
	t.Parallel()
	invoices := filepath.Join(matchDir, "invoices.csv")
	var decisions []string
	for _, st := range []string{"statement.camt053.xml", "statement.cfonb120.txt"} {
		out, stderr, code := runMatchArgs(t, "--invoices", invoices, "--json", filepath.Join(matchDir, st))
		if code != exitOK {
			t.Fatalf("%s: exit %d, stderr %s", st, code, stderr)
		}
		if !strings.Contains(stderr, "6 credit(s): 4 auto") {
			t.Errorf("%s: summary %q", st, stderr)
		}
		golden := filepath.Join(matchDir, st+".golden.jsonl")
		if *updateMatchGolden {
			if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update-match to create it)", err)
		}
		if out != string(want) {
			t.Errorf("%s: output differs from %s:\n%s", st, golden, out)
		}
		// Every line is a JSON object with the contract's fields, and
		// nothing else.
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s: line %q: %v", st, line, err)
			}
			for _, k := range []string{"bank_ref", "date", "amount", "currency", "payer", "decision", "allocations", "score", "reasons"} {
				if _, ok := m[k]; !ok {
					t.Errorf("%s: line without %q: %s", st, k, line)
				}
			}
			if len(m) != 9 {
				t.Errorf("%s: %d fields, want the contract's 9: %s", st, len(m), line)
			}
			var l matchLine
			_ = json.Unmarshal([]byte(line), &l)
			var allocs []string
			for _, a := range l.Allocations {
				allocs = append(allocs, a.InvoiceID+"="+a.Amount)
			}
			got = append(got, l.BankRef+" "+string(l.Decision)+" "+strings.Join(allocs, ","))
		}
		decisions = append(decisions, strings.Join(got, "\n"))
	}
	want := strings.Join([]string{
		"NTRY-001 auto I01=1200.00",
		"NTRY-002 auto I10=517.42,I11=232.58",
		"NTRY-004A auto I06=3150.75",
		"NTRY-004B auto I15=1234.56",
		"NTRY-005 unmatched ",
		"NTRY-006 review I09=640.00",
	}, "\n")
	for i, d := range decisions {
		if d != want {
			t.Errorf("format %d decisions:\n%s\nwant:\n%s", i, d, want)
		}
	}
}

// TestMatchDeterministic runs the same match twice and across both
// statements in one run.
func TestMatchDeterministic(t *testing.T) {
	t.Parallel()
	args := []string{"--invoices", filepath.Join(matchDir, "invoices.csv"), "--json", filepath.Join(matchDir, "statement.camt053.xml"), filepath.Join(matchDir, "statement.cfonb120.txt")}
	a, _, ca := runMatchArgs(t, args...)
	b, _, cb := runMatchArgs(t, args...)
	if ca != exitOK || cb != exitOK || a != b {
		t.Fatalf("two runs differ (exit %d, %d)", ca, cb)
	}
	// The second statement's credits find their invoices already lettered
	// by the first: stateful within a run.
	lines := strings.Split(strings.TrimSpace(a), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines, want 12", len(lines))
	}
	var l matchLine
	if err := json.Unmarshal([]byte(lines[6]), &l); err != nil {
		t.Fatal(err)
	}
	if l.BankRef != "NTRY-001" || l.Decision == "auto" {
		t.Errorf("second NTRY-001 lettered again: %+v", l)
	}
}

func TestMatchTable(t *testing.T) {
	t.Parallel()
	out, _, code := runMatchArgs(t, filepath.Join(matchDir, "statement.camt053.xml"), "--invoices", filepath.Join(matchDir, "invoices.csv"))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out, "BANK_REF") || !strings.Contains(out, "NTRY-004B") || !strings.Contains(out, "I10=517.42 I11=232.58") {
		t.Errorf("table output:\n%s", out)
	}
}

func TestMatchErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("invoice_id,number,customer_id,customer_name,amount,currency,issue_date,due_date\n"+
		"I1,F1,C1,Acme,12.5,EUR,2026-01-01,2026-02-01\n"+
		"I2,F2,C1,Acme,\"1 234,50\",EUR,2026-01-01,2026-02-01\n"), 0o644)
	garbage := filepath.Join(dir, "garbage.xml")
	os.WriteFile(garbage, []byte("<Document><BkToCstmrStmt><Stmt>"), 0o644)
	invoices := filepath.Join(matchDir, "invoices.csv")
	camt := filepath.Join(matchDir, "statement.camt053.xml")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{"no invoices flag", []string{camt}, exitBadUsage, "--invoices is required", ""},
		{"no statement", []string{"--invoices", invoices}, exitBadUsage, "no statement file", ""},
		{"unknown flag", []string{"--invoice", invoices, camt}, exitBadUsage, "flag provided but not defined", ""},
		{"malformed invoice", []string{"--invoices", badCSV, camt}, exitFailure, "line 3, column amount", ""},
		{"missing invoice file", []string{"--invoices", filepath.Join(dir, "none.csv"), camt}, exitFailure, "none.csv", ""},
		{"a rejected statement among good ones", []string{"--invoices", invoices, "--json", garbage, camt}, exitFailure, "garbage.xml: rejected", `"bank_ref":"NTRY-001"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runMatchArgs(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout %q lacks %q", out, tt.stdout)
			}
		})
	}
}
