// Command bigparse generates a large camt.053 statement (about 1 GiB by
// default) or takes one, parses it, and reports the rate (MB/s, entries/s)
// and the peak resident memory (VmHWM) of the parse, with the CPU time it
// took (which, unlike wall time, does not grow when other processes share
// the machine). Each parser runs in a
// child process of its own, so the peak memory it reports is the parse's
// alone, not the generator's.
//
// Parsers: "lettrage" (internal/statement/camt053, streaming, full
// extraction), "plain" (encoding/xml, DecodeElement per Ntry into a small
// struct, the baseline of issue 2) and "moov" (moov-io/iso20022
// ParseIso20022Document, which needs the whole file in memory: several
// times its size; opt-in).
//
// Usage:
//
//	bigparse [-size 1073741824] [-version 001.08] [-parsers lettrage,plain] [-dir DIR] [-keep]
//	bigparse -file statement.xml [-parsers lettrage]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/moov-io/iso20022/pkg/camt_v08"
	"github.com/moov-io/iso20022/pkg/document"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement/camt053"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bigparse:", err)
		os.Exit(1)
	}
}

// result is what a child process reports on stdout as JSON.
type result struct {
	Parser       string
	Bytes        int64
	Entries      int
	Transactions int
	Credits      int64
	Debits       int64
	Seconds      float64
	PeakRSS      int64
	GoVersion    string
	CPUs         int
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bigparse", flag.ContinueOnError)
	size := fs.Int64("size", 1<<30, "approximate size of the generated file in bytes")
	version := fs.String("version", "001.08", "camt.053 version of the generated file")
	parsers := fs.String("parsers", "lettrage,plain", "comma-separated parsers to run: lettrage, plain, moov")
	file := fs.String("file", "", "parse this file instead of generating one")
	dir := fs.String("dir", "", "directory for the generated file (default: a temporary one)")
	keep := fs.Bool("keep", false, "keep the generated file")
	child := fs.String("child", "", "internal: parse -file with this parser and print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *child != "" {
		r, err := parse(ctx, *child, *file)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(r)
	}

	var want *bench.CAMT053Summary
	path := *file
	if path == "" {
		d := *dir
		if d == "" {
			tmp, err := os.MkdirTemp("", "bigparse-")
			if err != nil {
				return err
			}
			d = tmp
			if !*keep {
				defer os.RemoveAll(tmp)
			}
		}
		path = filepath.Join(d, "camt053-"+*version+".xml")
		start := time.Now()
		sum, err := generate(path, *version, *size)
		if err != nil {
			return err
		}
		if !*keep && *dir != "" {
			defer os.Remove(path)
		}
		want = &sum
		fmt.Fprintf(stdout, "generated %s: %d entries in %.1fs\n", path, sum.Entries, time.Since(start).Seconds())
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parser\tsize MB\tentries\tseconds\tMB/s\tentries/s\tCPU s\tMB/CPU-s\tpeak RSS MB\ttotals\t")
	for _, p := range strings.Split(*parsers, ",") {
		fmt.Fprintf(os.Stderr, "parsing with %s…\n", p)
		cmd := exec.CommandContext(ctx, self, "-child", strings.TrimSpace(p), "-file", path)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("parser %s: %w", p, err)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("parser %s: %w", p, err)
		}
		check := "-"
		if want != nil {
			check = "ok"
			if r.Entries != want.Entries || (r.Parser == "lettrage" && (r.Credits != want.Credits || r.Debits != want.Debits)) ||
				r.Transactions != want.Transactions {
				check = fmt.Sprintf("MISMATCH (want %d entries, %d transactions)", want.Entries, want.Transactions)
			}
		}
		mb := float64(r.Bytes) / 1e6
		// CPU time (user + system, all threads) of the child: unlike wall
		// time it does not grow when other processes share the machine.
		cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%.2f\t%.1f\t%.0f\t%.2f\t%.1f\t%.1f\t%s\t\n", r.Parser, mb, r.Entries, r.Seconds,
			mb/r.Seconds, float64(r.Entries)/r.Seconds, cpu, mb/cpu, float64(r.PeakRSS)/(1<<20), check)
		if strings.HasPrefix(check, "MISMATCH") {
			return fmt.Errorf("parser %s: totals do not match the generated file", p)
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "go %s, %d CPUs (GOMAXPROCS %d)\n", runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	return nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// generate writes a camt.053 statement of about size bytes to path. The
// entry count is estimated from the size of the first thousand entries,
// since the balances (written first) depend on it.
func generate(path, version string, size int64) (bench.CAMT053Summary, error) {
	probe := &countingWriter{w: io.Discard}
	if _, err := bench.WriteCAMT053(probe, bench.CAMT053Spec{Version: version, Entries: 1000, Seed: 7}); err != nil {
		return bench.CAMT053Summary{}, err
	}
	entries := int(size / (probe.n / 1000))
	f, err := os.Create(path)
	if err != nil {
		return bench.CAMT053Summary{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	sum, err := bench.WriteCAMT053(w, bench.CAMT053Spec{Version: version, Entries: entries, Seed: 7})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return sum, err
}

// totals is a Visitor that keeps the totals of the statements it sees and
// nothing else.
type totals struct {
	entries, txs    int
	credits, debits int64
}

func (t *totals) BeginStatement(context.Context, *ledger.Statement) error { return nil }
func (t *totals) Entry(context.Context, *ledger.Statement, *ledger.Entry) error {
	return nil
}
func (t *totals) EndStatement(_ context.Context, s *ledger.Statement) error {
	t.entries += s.Totals.Entries
	t.txs += s.Totals.Transactions
	t.credits += s.Totals.Credits
	t.debits += s.Totals.Debits
	return nil
}

// parse runs one parser over path (in the child process).
func parse(ctx context.Context, parser, path string) (result, error) {
	st, err := os.Stat(path)
	if err != nil {
		return result{}, err
	}
	r := result{Parser: parser, Bytes: st.Size(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	start := time.Now()
	switch parser {
	case "lettrage":
		f, err := os.Open(path)
		if err != nil {
			return r, err
		}
		defer f.Close()
		var t totals
		if err := camt053.Parse(ctx, f, &t); err != nil {
			return r, err
		}
		r.Entries, r.Transactions, r.Credits, r.Debits = t.entries, t.txs, t.credits, t.debits
	case "plain":
		f, err := os.Open(path)
		if err != nil {
			return r, err
		}
		defer f.Close()
		if r.Entries, r.Transactions, err = bench.PlainParseCAMT053(bufio.NewReaderSize(f, 64<<10)); err != nil {
			return r, err
		}
	case "moov":
		data, err := os.ReadFile(path)
		if err != nil {
			return r, err
		}
		doc, err := document.ParseIso20022Document(data)
		if err != nil {
			return r, err
		}
		msg, ok := doc.InspectMessage().(*camt_v08.BankToCustomerStatementV08)
		if !ok {
			return r, errors.New("moov: not a camt.053.001.08 document")
		}
		for _, s := range msg.Stmt {
			r.Entries += len(s.Ntry)
			for _, n := range s.Ntry {
				txs := 0
				for _, d := range n.NtryDtls {
					txs += len(d.TxDtls)
				}
				r.Transactions += max(txs, 1)
			}
		}
	default:
		return r, fmt.Errorf("unknown parser %q (want lettrage, plain or moov)", parser)
	}
	r.Seconds = time.Since(start).Seconds()
	r.PeakRSS = bench.PeakRSS()
	return r, nil
}
