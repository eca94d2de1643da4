package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/config"
	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/store"
)

// loadPolicy reads dunning.policy_file, or the built-in default policy.
func loadPolicy(cfg config.Config) (dunning.Policy, error) {
	if cfg.Dunning.PolicyFile == "" {
		return dunning.DefaultPolicy()
	}
	src, err := os.ReadFile(cfg.Dunning.PolicyFile)
	if err != nil {
		return dunning.Policy{}, fmt.Errorf("dunning.policy_file: %w", err)
	}
	p, err := dunning.ParsePolicy(src)
	if err != nil {
		return dunning.Policy{}, fmt.Errorf("dunning.policy_file %s: %w", cfg.Dunning.PolicyFile, err)
	}
	return p, nil
}

func runDunning(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, "usage: lettrage dunning run --as-of YYYY-MM-DD [--dry-run] [--json] [--explain] [--config FILE] [--data-dir DIR] [--database DSN]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return exitOK
		}
		return exitBadUsage
	}
	var asOfText string
	var dry, asJSON, explain bool
	cfg, _, err := loadConfig("dunning run", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&asOfText, "as-of", "", "business date of the run, YYYY-MM-DD (required)")
		fs.BoolVar(&dry, "dry-run", false, "print what would happen and store nothing")
		fs.BoolVar(&asJSON, "json", false, "one JSON object per step on stdout")
		fs.BoolVar(&explain, "explain", false, "also print the cases held now, with the reason (to: null)")
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: lettrage dunning run --as-of YYYY-MM-DD [--dry-run] [--json] [--explain] [--config FILE] [--data-dir DIR] [--database DSN]")
			fmt.Fprintln(stderr, "Evaluates every open invoice as of the date against the dunning policy and stores each stage change,")
			fmt.Fprintln(stderr, "pause, resumption and closing with its webhook event (none with --dry-run). Running twice for a date")
			fmt.Fprintln(stderr, "changes nothing the second time.")
			fs.PrintDefaults()
		}
	})
	if errors.Is(err, errUsage) {
		return exitBadUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: configuration: %v\n", err)
		return exitFailure
	}
	if asOfText == "" {
		fmt.Fprintln(stderr, "lettrage dunning run: --as-of YYYY-MM-DD is required")
		return exitBadUsage
	}
	asOf, err := ledger.ParseDate(asOfText)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: --as-of: %v\n", err)
		return exitBadUsage
	}
	policy, err := loadPolicy(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	loc, err := cfg.Dunning.Location()
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	log := zerolog.Nop()
	if l, err := newLogger(cfg, stderr); err == nil && cfg.LogLevel == "debug" {
		log = l
	}
	st, err := store.Open(ctx, cfg.Database, cfg.DataDir, zerolog.Nop())
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if v, err := st.SchemaVersion(ctx); err != nil || v.Current != v.Latest || v.Dirty {
		if err == nil {
			err = fmt.Errorf("%s schema is at version %d of %d%s: run `lettrage migrate` first", st.Engine(), v.Current, v.Latest, map[bool]string{true: " (dirty)"}[v.Dirty])
		}
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	r, err := dunningrun.New(dunningrun.Config{Store: st, Policy: policy, Location: loc, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	var rep dunningrun.Report
	run := func(ctx context.Context) error {
		var err error
		rep, err = r.Run(ctx, asOf, dunningrun.Options{DryRun: dry, Explain: explain})
		return err
	}
	if dry {
		err = run(ctx)
	} else {
		// No slot: the CLI may run a date again (it changes nothing), but
		// never at the same time as a scheduled run on another replica.
		var ran bool
		ran, err = st.RunExclusive(ctx, dunningrun.LockName, "", run)
		if err == nil && !ran {
			err = errors.New("another dunning run holds the lock (a scheduled run on a replica?): try again")
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
		return exitFailure
	}
	lines := make([]dunningrun.Step, 0, len(rep.Steps)+len(rep.Held))
	lines = append(append(lines, rep.Steps...), rep.Held...)
	enc := json.NewEncoder(stdout)
	for _, s := range lines {
		if asJSON {
			if err := enc.Encode(s.Line()); err != nil {
				fmt.Fprintf(stderr, "lettrage dunning run: %v\n", err)
				return exitFailure
			}
			continue
		}
		fmt.Fprintln(stdout, textLine(s.Line()))
	}
	verb := "stored"
	if dry {
		verb = "would store (dry run, nothing stored)"
	}
	fmt.Fprintf(stderr, "dunning run as of %s: %d invoices evaluated; %s %d stage changes, %d pauses, %d resumptions, %d closings, %d reopenings; %d skipped, %d failed\n",
		asOf, rep.Evaluated, verb, rep.Count(dunningrun.StepStage), rep.Count(dunningrun.StepPause), rep.Count(dunningrun.StepResume),
		rep.Count(dunningrun.StepClose), rep.Count(dunningrun.StepReopen), len(rep.Skipped), len(rep.Failed))
	for _, p := range rep.Skipped {
		fmt.Fprintf(stderr, "  skipped %s: %v\n", p.InvoiceID, p.Err)
	}
	for _, p := range rep.Failed {
		fmt.Fprintf(stderr, "  FAILED %s: %v\n", p.InvoiceID, p.Err)
	}
	if len(rep.Failed) > 0 {
		return exitFailure
	}
	return exitOK
}

// textLine is a step for a person: invoice, stage change, action, amounts.
func textLine(l dunningrun.Line) string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	pen := s(l.Penalties)
	if l.PenaltiesNote != "" {
		pen = l.PenaltiesNote
	}
	parts := []string{l.AsOf, l.InvoiceID, l.CustomerID, s(l.From) + " -> " + s(l.To), l.Action,
		"due " + l.AmountDue, "penalties " + pen, "indemnity " + l.Indemnity}
	if l.Deadline != nil {
		parts = append(parts, "deadline "+*l.Deadline)
	}
	if l.Route != "" {
		parts = append(parts, "route "+l.Route)
	}
	return strings.Join(parts, "  ") + "  (" + l.Reason + ")"
}
