package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/matchstream"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/camt053"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// ScaleInput is a corpus written to files for a throughput run: the
// invoice CSV and one statement of credits only.
type ScaleInput struct {
	Dir            string
	CSV            string // path of invoices.csv
	Statement      string // path of the statement
	Format         string // ModeCAMT08, ModeCAMT02 or ModeCFONB
	Credits        int
	Invoices       int
	CSVBytes       int64
	StatementBytes int64
	Generate       time.Duration
}

// WriteScaleInput generates a corpus of the given size (credits only, no
// debits) and writes it to dir as invoices.csv and a statement in format.
func WriteScaleInput(ctx context.Context, dir string, seed uint64, credits int, invoicesPerCredit float64, format string) (ScaleInput, error) {
	t0 := time.Now()
	c, err := corpus.Generate(ctx, corpus.Config{Seed: seed, Credits: credits, InvoicesPerCredit: invoicesPerCredit})
	if err != nil {
		return ScaleInput{}, err
	}
	in := ScaleInput{Dir: dir, CSV: filepath.Join(dir, "invoices.csv"), Format: format, Credits: len(c.Labels), Invoices: len(c.Rows)}
	if err := writeTo(in.CSV, func(w io.Writer) error { return corpus.WriteInvoicesCSV(w, c.Rows, c.Columns) }); err != nil {
		return ScaleInput{}, err
	}
	switch format {
	case ModeCAMT08, ModeCAMT02:
		in.Statement = filepath.Join(dir, "statement.camt053.xml")
		err = writeTo(in.Statement, func(w io.Writer) error {
			return render.WriteCAMT053(w, strings.TrimPrefix(format, "camt.053."), c.Statement, c.Entries)
		})
	case ModeCFONB:
		in.Statement = filepath.Join(dir, "statement.cfonb120")
		err = writeTo(in.Statement, func(w io.Writer) error { return render.WriteCFONB120(w, c.Statement, c.Entries) })
	default:
		err = fmt.Errorf("scale input: unknown format %q", format)
	}
	if err != nil {
		return ScaleInput{}, err
	}
	in.Generate = time.Since(t0)
	for _, p := range []struct {
		path string
		n    *int64
	}{{in.CSV, &in.CSVBytes}, {in.Statement, &in.StatementBytes}} {
		fi, err := os.Stat(p.path)
		if err != nil {
			return ScaleInput{}, err
		}
		*p.n = fi.Size()
	}
	return in, nil
}

func writeTo(path string, fill func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return w.Flush()
}

// ScaleResult is what one throughput run measured.
type ScaleResult struct {
	Run      string        // "baseline" or "engine"
	Credits  int           // credit transactions read
	Invoices int           // invoice rows read
	ReadBook time.Duration // reading the invoice CSV (and, for the engine, building it)
	Match    time.Duration // parsing the statement and deciding (or looking up) each credit
	Total    time.Duration
	// CPU is the user and system CPU time the process spent during the
	// run: less sensitive than Total to other work on a shared machine.
	CPU    time.Duration
	Hits   int // baseline: remittance tokens found in the map; engine: credits not unmatched
	Auto   int
	Review int
	// PeakRSS is the process's peak resident set (VmHWM) in bytes, 0 when
	// the system does not say; meaningful when the run had the process to
	// itself (cmd/matchscale runs each in a child process).
	PeakRSS int64
	// HeapInUse is the live heap right after the run, with the run's data
	// (book, indexes) still referenced.
	HeapInUse uint64
}

// readBook reads the invoice CSV into invoices and customers (ids, first
// name, union of IBANs), the way `lettrage match` reads it.
func readBook(path string) ([]ledger.Invoice, []ledger.Customer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	n, err := countLines(f)
	if err != nil {
		return nil, nil, err
	}
	// Size the slice once: growing it by appends would hold two copies of a
	// large book at the peak.
	invoices := make([]ledger.Invoice, 0, n)
	customers, err := scanBook(f, func(inv *ledger.Invoice) error {
		invoices = append(invoices, *inv)
		return nil
	})
	return invoices, customers, err
}

// scanBook reads the invoice CSV, handing each invoice to fn, and returns
// the customers (in order of first appearance, with their IBANs).
func scanBook(f io.Reader, fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
	var customers []ledger.Customer
	idx := map[string]int{}
	err := corpus.ScanInvoicesCSV(f, func(r *corpus.InvoiceRow) error {
		if err := fn(&r.Invoice); err != nil {
			return err
		}
		j, ok := idx[r.CustomerID]
		if !ok {
			j = len(customers)
			idx[r.CustomerID] = j
			customers = append(customers, ledger.Customer{ID: r.CustomerID, Name: r.CustomerName})
		}
		for _, iban := range r.CustomerIBANs {
			if !slices.Contains(customers[j].IBANs, iban) {
				customers[j].IBANs = append(customers[j].IBANs, iban)
			}
		}
		return nil
	})
	return customers, err
}

// countLines counts the newlines of f and rewinds it.
func countLines(f *os.File) (int, error) {
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

// parseStatement streams a statement file's booked credit transactions
// into fn.
func parseStatement(ctx context.Context, path, format string, fn func(reconcile.Credit) error) error {
	return parseStatementInto(ctx, path, format, creditVisitor(fn))
}

// parseStatementInto streams the statement file in the given format into v.
func parseStatementInto(ctx context.Context, path, format string, v statement.Visitor) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	switch format {
	case ModeCFONB:
		return cfonb120.Parse(ctx, r, v)
	default:
		return camt053.Parse(ctx, r, v)
	}
}

// creditVisitor calls fn for each booked credit transaction.
type creditVisitor func(reconcile.Credit) error

// BeginStatement does nothing.
func (creditVisitor) BeginStatement(context.Context, *ledger.Statement) error { return nil }

// EndStatement does nothing.
func (creditVisitor) EndStatement(context.Context, *ledger.Statement) error { return nil }

// Entry calls fn for each booked credit transaction of e.
func (fn creditVisitor) Entry(_ context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if e.Status != ledger.StatusBooked || e.Reversal {
		return nil
	}
	for i := range e.Transactions {
		c := reconcile.Credit{Statement: s, Entry: e, Tx: &e.Transactions[i]}
		if c.Direction() != ledger.Credit {
			continue
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

var _ statement.Visitor = creditVisitor(nil)

// RunScaleBaseline does the least a lettrage run must do: read the invoice
// CSV into a map from normalised invoice number to invoice, read the
// statement, and look every remittance token (Ustrd lines, end-to-end id,
// structured references) up in the map.
func RunScaleBaseline(ctx context.Context, in ScaleInput) (ScaleResult, error) {
	res := ScaleResult{Run: "baseline"}
	t0, c0 := time.Now(), cpuTime()
	invoices, _, err := readBook(in.CSV)
	if err != nil {
		return res, err
	}
	byNumber := make(map[string]int32, len(invoices))
	var buf []byte
	for i := range invoices {
		buf = normToken(buf[:0], invoices[i].Number)
		byNumber[string(buf)] = int32(i)
	}
	res.Invoices = len(invoices)
	t1 := time.Now()
	res.ReadBook = t1.Sub(t0)
	err = parseStatement(ctx, in.Statement, in.Format, func(c reconcile.Credit) error {
		res.Credits++
		look := func(s string) {
			for _, tok := range strings.FieldsFunc(s, isSep) {
				buf = normToken(buf[:0], tok)
				if _, ok := byNumber[string(buf)]; ok {
					res.Hits++
				}
			}
		}
		for _, l := range c.Tx.Remittance {
			look(l)
		}
		look(c.Tx.EndToEndID)
		for _, r := range c.Tx.CreditorRefs {
			look(r.Ref)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Match = time.Since(t1)
	res.Total, res.CPU = time.Since(t0), cpuTime()-c0
	res.HeapInUse = heapInUse()
	runtime.KeepAlive(invoices)
	runtime.KeepAlive(byNumber)
	res.PeakRSS = PeakRSS()
	return res, nil
}

func isSep(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '+' }

// normToken appends the upper-cased letters and digits of s to buf.
func normToken(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			buf = append(buf, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			buf = append(buf, c)
		}
	}
	return buf
}

// RunScaleEngine does what `lettrage match` does: read the invoice CSV,
// build the engine, stream the statement and decide on every credit (the
// parse and each credit's preparation on a second goroutine, as
// internal/matchstream does).
func RunScaleEngine(ctx context.Context, in ScaleInput, cfg reconcile.Config) (ScaleResult, error) {
	res := ScaleResult{Run: "engine"}
	t0, c0 := time.Now(), cpuTime()
	// The book is streamed into the engine, the heap growing by at most
	// 256 MiB between collections meanwhile, and the collector is then set for the
	// run's live heap, as `lettrage match` does.
	built, restore := matchstream.ReadingBook()
	defer restore()
	b, err := reconcile.NewBuilder(cfg, 0)
	if err != nil {
		return res, err
	}
	f, err := os.Open(in.CSV)
	if err != nil {
		return res, err
	}
	customers, err := scanBook(f, func(inv *ledger.Invoice) error {
		res.Invoices++
		return b.AddInvoice(inv)
	})
	f.Close()
	if err != nil {
		return res, err
	}
	for _, c := range customers {
		if err := b.AddCustomer(c); err != nil {
			return res, err
		}
	}
	eng, err := b.Build()
	if err != nil {
		return res, err
	}
	built()
	t1 := time.Now()
	res.ReadBook = t1.Sub(t0)
	parse := func(ctx context.Context, v statement.Visitor) error {
		return parseStatementInto(ctx, in.Statement, in.Format, v)
	}
	err = matchstream.Run(ctx, eng, parse, func(_ reconcile.Credit, r reconcile.Result, matched bool) error {
		if !matched {
			return nil
		}
		res.Credits++
		switch r.Decision {
		case ledger.DecisionAuto:
			res.Auto++
		case ledger.DecisionReview:
			res.Review++
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Match = time.Since(t1)
	res.Total, res.CPU = time.Since(t0), cpuTime()-c0
	res.Hits = res.Auto + res.Review
	res.HeapInUse = heapInUse()
	runtime.KeepAlive(eng)
	res.PeakRSS = PeakRSS()
	return res, nil
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// PeakRSS returns the process's peak resident set size (VmHWM from
// /proc/self/status) in bytes, or 0 when it is not available.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := strings.Fields(string(rest))
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}
