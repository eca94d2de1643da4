// Command quality generates labelled corpora, runs the matching engine on
// them (directly and end to end through rendered CAMT.053 and CFONB 120
// statements parsed back) and prints, per category and overall, the auto
// precision, the share lettered automatically, the share offered the right
// proposal, the share of reference/known-IBAN lines lettered automatically
// and the unrelated credits lettered automatically, with the goals.
//
// Usage:
//
//	quality [-seeds 1,2,3,4] [-credits 4000] [-invoices-per-credit 5]
//	        [-modes direct,camt.053.001.08,camt.053.001.02,cfonb120]
//	        [-examples 3] [-md QUALITY.md]
//
// It exits with status 1 when a run misses a goal.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/reconcile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	met, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
	if !met {
		os.Exit(1)
	}
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("quality", flag.ContinueOnError)
	seeds := fs.String("seeds", "1,2,3,4", "comma-separated corpus seeds (the first is the one the test pins)")
	cfg := corpus.DefaultConfig()
	fs.IntVar(&cfg.Credits, "credits", cfg.Credits, "credits per corpus")
	fs.Float64Var(&cfg.InvoicesPerCredit, "invoices-per-credit", cfg.InvoicesPerCredit, "invoices in the book per credit")
	modes := fs.String("modes", strings.Join(bench.QualityModes, ","), "comma-separated modes")
	examples := fs.Int("examples", 3, "failing examples to print per category and failure kind")
	md := fs.String("md", "", "also write the report as Markdown to this file")
	if err := fs.Parse(args); err != nil {
		return false, usageError{err}
	}
	if fs.NArg() > 0 {
		return false, usageError{errors.New("unexpected arguments")}
	}
	var seedList []uint64
	for _, s := range strings.Split(*seeds, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return false, usageError{fmt.Errorf("seed %q: %w", s, err)}
		}
		seedList = append(seedList, n)
	}
	out := io.Writer(stdout)
	var mdFile *os.File
	var mdBuf *bufio.Writer
	if *md != "" {
		f, err := os.Create(*md)
		if err != nil {
			return false, err
		}
		mdFile, mdBuf = f, bufio.NewWriter(f)
		defer mdFile.Close()
		bench.WriteQualityPreamble(mdBuf)
		fmt.Fprintf(mdBuf, "Run on %s with seeds %s, %d credits × %g invoices per credit.\n\n## Results\n\n", time.Now().UTC().Format("2006-01-02"), *seeds, cfg.Credits, cfg.InvoicesPerCredit)
		out = io.MultiWriter(stdout, mdBuf)
	}
	allMet := true
	var failures, all []*bench.Report
	for _, seed := range seedList {
		cfg.Seed = seed
		t0 := time.Now()
		c, err := corpus.Generate(ctx, cfg)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(stderr, "seed %d: generated %d credits × %d invoices in %s (schemes %s)\n",
			seed, len(c.Labels), len(c.Rows), time.Since(t0).Round(time.Millisecond), strings.Join(c.Schemes, ", "))
		for _, mode := range strings.Split(*modes, ",") {
			mode = strings.TrimSpace(mode)
			t0 := time.Now()
			r, err := bench.RunQuality(ctx, c, mode, reconcile.DefaultConfig())
			if err != nil {
				fmt.Fprintf(out, "#### seed %d, %s: not run: %v\n\n", seed, mode, err)
				allMet = false
				continue
			}
			fmt.Fprintf(stderr, "seed %d, %s: matched in %s\n", seed, mode, time.Since(t0).Round(time.Millisecond))
			bench.WriteQualityTable(out, r)
			all = append(all, r)
			if !r.Met() {
				allMet = false
				failures = append(failures, r)
			}
		}
	}
	bench.WriteGoalSummary(out, all)
	if len(failures) > 0 {
		fmt.Fprintln(out, "## Failing examples")
		fmt.Fprintln(out)
		shown := map[uint64]bool{}
		for _, r := range failures {
			n := *examples
			if shown[r.Seed] {
				n = 0 // same corpus in another mode: counts only
			}
			shown[r.Seed] = true
			bench.WriteFailures(out, r, n)
		}
	}
	if mdBuf != nil {
		if err := mdBuf.Flush(); err != nil {
			return false, err
		}
	}
	return allMet, nil
}
