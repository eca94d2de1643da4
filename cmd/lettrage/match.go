package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/matchstream"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// matchLine is one line of `lettrage match --json`, exactly as contract.md
// defines it. Amounts are decimal strings.
type matchLine struct {
	BankRef     string           `json:"bank_ref"`
	Date        string           `json:"date"`
	Amount      string           `json:"amount"`
	Currency    string           `json:"currency"`
	Payer       string           `json:"payer"`
	Decision    ledger.Decision  `json:"decision"`
	Allocations []allocationLine `json:"allocations"`
	Score       float64          `json:"score"`
	Reasons     []string         `json:"reasons"`
}

type allocationLine struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

// runMatch implements `lettrage match --invoices FILE.csv [--json]
// STATEMENT...`: offline lettrage of the statements' credits, in statement
// order, against the invoices of the file (CSV, or a JSON array). It is
// stateless between runs and deterministic: the same files give the same
// output. Only booked credit transactions are matched: debits, reversals
// (RvslInd) and pending entries are skipped. A statement file that fails to
// parse prints nothing of its own (its matches are rolled back) and makes
// the exit status 1; the other files are still matched.
func runMatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	invoicesPath := fs.String("invoices", "", "open invoices: CSV as contract.md defines it, or a JSON array of the same records (required)")
	asJSON := fs.Bool("json", false, "print one JSON object per credit transaction on stdout")
	memLimit := fs.String("memory-limit", "", "soft memory limit of the run, e.g. 1900MiB (as GOMEMLIMIT; default: GOMEMLIMIT or none)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lettrage match --invoices FILE.csv [--json] [--memory-limit SIZE] STATEMENT...")
		fmt.Fprintln(stderr, "Letters the statements' booked credits (CAMT.053, CFONB 120) against the open invoices, offline;")
		fmt.Fprintln(stderr, "prints one decision per credit (auto, review, unmatched) with allocations, score and reasons,")
		fmt.Fprintln(stderr, "and a summary on stderr. Exit 1 when a file is rejected, 2 on bad usage.")
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadUsage
	}
	if *invoicesPath == "" || len(files) == 0 {
		if *invoicesPath == "" {
			fmt.Fprintln(stderr, "lettrage match: --invoices is required")
		} else {
			fmt.Fprintln(stderr, "lettrage match: no statement file given")
		}
		fs.Usage()
		return exitBadUsage
	}
	if *memLimit != "" {
		limit, err := parseByteSize(*memLimit)
		if err == nil {
			_, err = setMemoryLimit(limit)
		}
		if err != nil {
			fmt.Fprintf(stderr, "lettrage match: --memory-limit: %v\n", err)
			return exitBadUsage
		}
	}
	// Millions of invoices: the file is streamed into the engine (no
	// invoice list is ever held whole), the heap growing by at most 256 MiB
	// between collections while it is read (matchstream.ReadingBook); then the
	// collector is set for the run's live heap (matchstream.TuneGC). GOGC,
	// when set, decides instead.
	built, restore := matchstream.ReadingBook()
	defer restore()
	engine, err := buildEngine(*invoicesPath)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage match: %s: %v\n", *invoicesPath, err)
		return exitFailure
	}
	built()
	code := exitOK
	var sum matchSummary
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "lettrage match: %v\n", err)
			return exitFailure
		}
		out := &spillBuffer{}
		v := newMatchVisitor(out, *asJSON)
		cp := engine.Checkpoint()
		err := matchstream.Run(ctx, engine, func(ctx context.Context, sv statement.Visitor) error {
			return detect.ParseFile(ctx, file, sv)
		}, v.decided)
		if err == nil {
			err = v.finish()
		}
		if err != nil {
			engine.Rollback(cp)
			out.Close()
			fmt.Fprintf(stderr, "lettrage match: %s: rejected: %v\n", file, err)
			var pe *statement.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, statement.ErrUnsupported) && ctx.Err() == nil {
				fmt.Fprintf(stderr, "lettrage match: %s: (not a parse error: the file could not be read or matched)\n", file)
			}
			code = exitFailure
			continue
		}
		engine.Commit()
		_, werr := out.WriteTo(stdout)
		out.Close()
		if werr != nil {
			fmt.Fprintf(stderr, "lettrage match: write: %v\n", werr)
			return exitFailure
		}
		sum.add(&v.sum)
	}
	sum.print(stderr, len(files))
	return code
}

// parseInterleaved parses flags that may come before, between or after
// the statement files.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		rest := fs.Args()
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(files, rest...), nil // everything after "--" is a file
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// buildEngine streams the invoice file, CSV or JSON, into a new engine.
// A file the import refuses is "rejected: " and the import's problems.
func buildEngine(path string) (*reconcile.Engine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rejected: %w", err)
	}
	defer f.Close()
	b, err := reconcile.NewBuilder(reconcile.DefaultConfig(), 0)
	if err != nil {
		return nil, err
	}
	scan := invoicecsv.ScanAuto
	if strings.EqualFold(strings.TrimPrefix(extOf(path), "."), "json") {
		scan = invoicecsv.ScanJSON
	}
	var engineErr error
	customers, err := scan(f, func(inv *ledger.Invoice) error {
		engineErr = b.AddInvoice(inv)
		return engineErr
	})
	switch {
	case engineErr != nil:
		return nil, engineErr
	case err != nil:
		return nil, fmt.Errorf("rejected: %w", err)
	}
	for _, c := range customers {
		if err := b.AddCustomer(c); err != nil {
			return nil, err
		}
	}
	return b.Build()
}

func extOf(path string) string {
	i := strings.LastIndexByte(path, '.')
	if i < 0 || strings.ContainsAny(path[i:], `/\`) {
		return ""
	}
	return path[i:]
}

// matchVisitor prints and counts the decisions on one file's credits.
type matchVisitor struct {
	w     io.Writer
	enc   *json.Encoder
	table *tabwriter.Writer
	sum   matchSummary
}

func newMatchVisitor(w io.Writer, asJSON bool) *matchVisitor {
	v := &matchVisitor{w: w}
	if asJSON {
		v.enc = json.NewEncoder(w)
		v.enc.SetEscapeHTML(false)
	} else {
		v.table = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(v.table, "BANK_REF\tDATE\tAMOUNT\tCCY\tPAYER\tDECISION\tSCORE\tALLOCATIONS\tREASONS")
	}
	return v
}

// decided prints one transaction's decision and counts it; a transaction
// the engine does not letter is only counted.
func (v *matchVisitor) decided(c reconcile.Credit, r reconcile.Result, matched bool) error {
	if !matched {
		v.sum.skipped++
		return nil
	}
	if err := v.write(c, r); err != nil {
		return err
	}
	v.sum.count(c, r)
	return nil
}

// write prints one result, as a JSON line or a table row.
func (v *matchVisitor) write(c reconcile.Credit, r reconcile.Result) error {
	amt := c.Amount()
	line := matchLine{
		BankRef:     c.BankRef(),
		Date:        c.Date().String(),
		Amount:      amt.String(),
		Currency:    string(amt.Currency),
		Payer:       c.Payer(),
		Decision:    r.Decision,
		Allocations: make([]allocationLine, 0, len(r.Allocations)),
		Score:       r.Score,
		Reasons:     r.Reasons,
	}
	if line.Reasons == nil {
		line.Reasons = []string{}
	}
	for _, a := range r.Allocations {
		line.Allocations = append(line.Allocations, allocationLine{InvoiceID: a.InvoiceID, Amount: a.Amount.String()})
	}
	if v.enc != nil {
		return v.enc.Encode(line)
	}
	var allocs []string
	for _, a := range line.Allocations {
		allocs = append(allocs, a.InvoiceID+"="+a.Amount)
	}
	_, err := fmt.Fprintf(v.table, "%s\t%s\t%s\t%s\t%s\t%s\t%.4f\t%s\t%s\n", orDashS(line.BankRef), line.Date, line.Amount, line.Currency,
		orDashS(oneLine(line.Payer)), line.Decision, line.Score, orDashS(strings.Join(allocs, " ")), strings.Join(line.Reasons, "; "))
	return err
}

// finish flushes the table of a file.
func (v *matchVisitor) finish() error {
	if v.table != nil {
		return v.table.Flush()
	}
	return nil
}

func orDashS(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a bank text on one table line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// matchSummary counts decisions and the amounts lettered automatically.
type matchSummary struct {
	credits, auto, review, unmatched, skipped int
	lettered                                  map[ledger.Currency]int64
}

func (s *matchSummary) count(c reconcile.Credit, r reconcile.Result) {
	s.credits++
	switch r.Decision {
	case ledger.DecisionAuto:
		s.auto++
		if s.lettered == nil {
			s.lettered = map[ledger.Currency]int64{}
		}
		for _, a := range r.Allocations {
			s.lettered[a.Amount.Currency] += a.Amount.Minor
		}
	case ledger.DecisionReview:
		s.review++
	default:
		s.unmatched++
	}
}

func (s *matchSummary) add(o *matchSummary) {
	s.credits += o.credits
	s.auto += o.auto
	s.review += o.review
	s.unmatched += o.unmatched
	s.skipped += o.skipped
	for cur, v := range o.lettered {
		if s.lettered == nil {
			s.lettered = map[ledger.Currency]int64{}
		}
		s.lettered[cur] += v
	}
}

func (s *matchSummary) print(w io.Writer, files int) {
	pct := func(n int) float64 {
		if s.credits == 0 {
			return 0
		}
		return 100 * float64(n) / float64(s.credits)
	}
	fmt.Fprintf(w, "lettrage match: %d file(s), %d credit(s): %d auto (%.1f%%), %d review (%.1f%%), %d unmatched (%.1f%%); %d other transaction(s) skipped (debits, reversals, pending)\n",
		files, s.credits, s.auto, pct(s.auto), s.review, pct(s.review), s.unmatched, pct(s.unmatched), s.skipped)
	curs := make([]ledger.Currency, 0, len(s.lettered))
	for c := range s.lettered {
		curs = append(curs, c)
	}
	slices.Sort(curs)
	for _, c := range curs {
		fmt.Fprintf(w, "lettrage match: lettered automatically: %s %s\n", ledger.FormatMinor(s.lettered[c], c.Exponent()), c)
	}
}

// spillBuffer holds one file's output until the file has parsed: in
// memory up to spillLimit bytes, then in a temporary file.
type spillBuffer struct {
	mem  bytes.Buffer
	file *os.File
	err  error
}

const spillLimit = 32 << 20

func (b *spillBuffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.file == nil && b.mem.Len()+len(p) > spillLimit {
		f, err := os.CreateTemp("", "lettrage-match-*.out")
		if err != nil {
			b.err = fmt.Errorf("spill output: %w", err)
			return 0, b.err
		}
		b.file = f
		if _, err := b.mem.WriteTo(f); err != nil {
			b.err = fmt.Errorf("spill output: %w", err)
			return 0, b.err
		}
	}
	if b.file != nil {
		n, err := b.file.Write(p)
		if err != nil {
			b.err = fmt.Errorf("spill output: %w", err)
		}
		return n, b.err
	}
	return b.mem.Write(p)
}

// WriteTo copies everything written to w.
func (b *spillBuffer) WriteTo(w io.Writer) (int64, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.file == nil {
		return b.mem.WriteTo(w)
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, b.file)
}

// Close removes the temporary file, if any.
func (b *spillBuffer) Close() {
	if b.file != nil {
		name := b.file.Name()
		b.file.Close()
		os.Remove(name)
		b.file = nil
	}
}
