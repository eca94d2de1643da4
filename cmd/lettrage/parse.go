package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// statementSummary is one line of `lettrage parse --json`, as contract.md
// defines it. Amounts are decimal strings; absent balances are null.
type statementSummary struct {
	File           string  `json:"file"`
	Format         string  `json:"format"`
	StatementID    string  `json:"statement_id"`
	Account        string  `json:"account"`
	Currency       string  `json:"currency"`
	OpeningBalance *string `json:"opening_balance"`
	ClosingBalance *string `json:"closing_balance"`
	Entries        int     `json:"entries"`
	Transactions   int     `json:"transactions"`
	Credits        string  `json:"credits"`
	Debits         string  `json:"debits"`
	Balanced       *bool   `json:"balanced"`
	// Difference is closing − (opening + credits − debits), present only
	// when the statement does not balance.
	Difference *string `json:"difference,omitempty"`
	Page       int     `json:"page,omitempty"`
	LastPage   *bool   `json:"last_page,omitempty"`
}

// summaryVisitor keeps statement headers only: entries are counted by the
// parser into Statement.Totals and then dropped, so memory stays flat.
type summaryVisitor struct {
	statements []*ledger.Statement
}

func (v *summaryVisitor) BeginStatement(_ context.Context, s *ledger.Statement) error {
	v.statements = append(v.statements, s)
	return nil
}

func (v *summaryVisitor) Entry(context.Context, *ledger.Statement, *ledger.Entry) error { return nil }

func (v *summaryVisitor) EndStatement(context.Context, *ledger.Statement) error { return nil }

func summarize(file string, s *ledger.Statement) statementSummary {
	chk := s.Check()
	cur := chk.Credits.Currency
	out := statementSummary{
		File:         file,
		Format:       string(s.Format),
		StatementID:  s.StatementID,
		Account:      s.Account.ID(),
		Currency:     string(cur),
		Entries:      s.Totals.Entries,
		Transactions: s.Totals.Transactions,
		Credits:      chk.Credits.String(),
		Debits:       chk.Debits.String(),
		Page:         s.Page,
	}
	if s.Page > 0 {
		last := s.LastPage
		out.LastPage = &last
	}
	if chk.Opening != nil {
		o := chk.Opening.Amount.String()
		out.OpeningBalance = &o
	}
	if chk.Closing != nil {
		c := chk.Closing.Amount.String()
		out.ClosingBalance = &c
	}
	if chk.Checked {
		b := chk.Balanced
		out.Balanced = &b
		if !b {
			d := chk.Difference.String()
			out.Difference = &d
		}
	}
	return out
}

func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per statement on stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lettrage parse [--json] FILE...")
		fmt.Fprintln(stderr, "Parses CAMT.053 (001.02–001.13) and CFONB 120 statements, checks opening + credits − debits = closing,")
		fmt.Fprintln(stderr, "and prints a summary per statement. Exit 1 when a file is rejected or a statement does not balance.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitBadUsage
	}
	code := exitOK
	enc := json.NewEncoder(stdout)
	var table *tabwriter.Writer
	if !*asJSON {
		table = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(table, "FILE\tFORMAT\tSTATEMENT\tACCOUNT\tCCY\tOPENING\tCREDITS\tDEBITS\tCLOSING\tENTRIES\tBALANCED")
	}
	for _, file := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "lettrage parse: %v\n", err)
			return exitFailure
		}
		v := &summaryVisitor{}
		if err := detect.ParseFile(ctx, file, v); err != nil {
			fmt.Fprintf(stderr, "lettrage parse: %s: rejected: %v\n", file, err)
			var pe *statement.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, statement.ErrUnsupported) {
				fmt.Fprintf(stderr, "lettrage parse: %s: (not a parse error: the file could not be read)\n", file)
			}
			code = exitFailure
			continue
		}
		for _, s := range v.statements {
			sum := summarize(file, s)
			if sum.Balanced != nil && !*sum.Balanced {
				fmt.Fprintf(stderr, "lettrage parse: %s: statement %s does not balance: opening %s + credits %s − debits %s ≠ closing %s (difference %s)\n",
					file, sum.StatementID, *sum.OpeningBalance, sum.Credits, sum.Debits, *sum.ClosingBalance, *sum.Difference)
				code = exitFailure
			}
			if *asJSON {
				if err := enc.Encode(sum); err != nil {
					fmt.Fprintf(stderr, "lettrage parse: write: %v\n", err)
					return exitFailure
				}
				continue
			}
			fmt.Fprintf(table, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", file, sum.Format, sum.StatementID, sum.Account,
				sum.Currency, orDash(sum.OpeningBalance), sum.Credits, sum.Debits, orDash(sum.ClosingBalance), sum.Entries, balancedWord(sum.Balanced))
		}
	}
	if table != nil {
		if err := table.Flush(); err != nil {
			fmt.Fprintf(stderr, "lettrage parse: write: %v\n", err)
			return exitFailure
		}
	}
	return code
}

func orDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func balancedWord(b *bool) string {
	switch {
	case b == nil:
		return "unchecked"
	case *b:
		return "yes"
	}
	return "NO"
}
