// Command matchscale measures `lettrage match` throughput at growing sizes
// (10k, 100k and 1M credits, each against three times as many invoices)
// against the baseline that only reads the invoice CSV and the statement
// and looks each remittance token up in a hash map, and prints a table:
// wall and CPU time of both, their ratio, time per credit, and the peak
// resident memory of each run. Every run happens in a child process of its
// own so that its peak memory (VmHWM) is its own.
//
// Usage:
//
//	matchscale [-sizes 10000,100000,1000000] [-invoices-per-credit 3]
//	           [-format camt.053.001.08|cfonb120] [-repeat 1] [-md FILE]
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
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/reconcile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "matchscale:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("matchscale", flag.ContinueOnError)
	sizes := fs.String("sizes", "10000,100000,1000000", "comma-separated credit counts")
	ratio := fs.Float64("invoices-per-credit", 3, "invoices in the book per credit")
	format := fs.String("format", bench.ModeCAMT08, "statement format: camt.053.001.08, camt.053.001.02 or cfonb120")
	seed := fs.Uint64("seed", 1, "corpus seed")
	repeat := fs.Int("repeat", 1, "runs per size and kind; the fastest counts")
	dir := fs.String("dir", "", "directory for the generated files (default: a temporary one, removed after)")
	memlimit := fs.Int("memlimit", 0, "soft memory limit in MiB for the measured runs (GOMEMLIMIT); 0 for none")
	reuse := fs.Bool("reuse", false, "with -dir: reuse the files a previous run left there for the same size")
	md := fs.String("md", "", "append the table as Markdown to this file")
	child := fs.String("child", "", "internal: run one measurement (baseline or engine) on -input and print JSON")
	input := fs.String("input", "", "internal: the input description for -child")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *child != "" {
		return runChild(ctx, *child, *input, stdout)
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return usageError{fmt.Errorf("size %q is not a credit count", s)}
		}
		ns = append(ns, n)
	}
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "matchscale-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type row struct {
		in        bench.ScaleInput
		base, eng bench.ScaleResult
	}
	var rows []row
	for _, n := range ns {
		d := filepath.Join(work, fmt.Sprint(n))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		desc := filepath.Join(d, "input.json")
		var in bench.ScaleInput
		if b, err := os.ReadFile(desc); *reuse && err == nil {
			if err := json.Unmarshal(b, &in); err != nil {
				return fmt.Errorf("%s: %w", desc, err)
			}
			if in.Format != *format {
				return fmt.Errorf("%s holds a %s statement, not %s", desc, in.Format, *format)
			}
		} else {
			fmt.Fprintf(stderr, "%d credits: generating…\n", n)
			if in, err = bench.WriteScaleInput(ctx, d, *seed, n, *ratio, *format); err != nil {
				return err
			}
			runtime.GC()
			debug.FreeOSMemory()
			b, _ := json.Marshal(in)
			if err := os.WriteFile(desc, b, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "%d credits × %d invoices: generated in %s (CSV %.1f MB, statement %.1f MB)\n",
			in.Credits, in.Invoices, in.Generate.Round(time.Millisecond), mb(in.CSVBytes), mb(in.StatementBytes))
		r := row{in: in}
		for _, kind := range []string{"baseline", "engine"} {
			var best bench.ScaleResult
			for i := 0; i < *repeat; i++ {
				res, err := runInChild(ctx, self, kind, desc, *memlimit)
				if err != nil {
					return fmt.Errorf("%d credits, %s: %w", n, kind, err)
				}
				fmt.Fprintf(stderr, "  %s: %s wall, %s CPU, peak RSS %.0f MiB\n", kind, res.Total.Round(time.Millisecond), res.CPU.Round(time.Millisecond), mib(res.PeakRSS))
				if i == 0 || res.Total < best.Total {
					best = res
				}
			}
			if kind == "baseline" {
				r.base = best
			} else {
				r.eng = best
			}
		}
		rows = append(rows, r)
		if *dir == "" {
			os.RemoveAll(d)
		}
	}
	var out bytes.Buffer
	limit := "no memory limit"
	if *memlimit > 0 {
		limit = fmt.Sprintf("GOMEMLIMIT=%dMiB", *memlimit)
	}
	fmt.Fprintf(&out, "Statement format %s, seed %d, %d CPUs, %s, %s, load average at the end: %s\n\n", *format, *seed, runtime.NumCPU(), runtime.Version(), limit, loadAverage())
	fmt.Fprintln(&out, "| credits | invoices | CSV + statement | baseline wall (CPU) | engine wall (CPU) | engine: read + index book | engine: parse + match | ratio wall (CPU) | engine per credit | peak RSS baseline | peak RSS engine | engine live heap |")
	fmt.Fprintln(&out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(&out, "| %d | %d | %.0f MB | %s (%s) | %s (%s) | %s | %s | %.2f× (%.2f×) | %.1f µs | %.0f MiB | %.0f MiB | %.0f MiB |\n",
			r.in.Credits, r.in.Invoices, mb(r.in.CSVBytes+r.in.StatementBytes),
			secs(r.base.Total), secs(r.base.CPU), secs(r.eng.Total), secs(r.eng.CPU), secs(r.eng.ReadBook), secs(r.eng.Match),
			r.eng.Total.Seconds()/r.base.Total.Seconds(), r.eng.CPU.Seconds()/max(r.base.CPU.Seconds(), 1e-9),
			float64(r.eng.Total.Microseconds())/float64(r.in.Credits), mib(r.base.PeakRSS), mib(r.eng.PeakRSS), float64(r.eng.HeapInUse)/(1<<20))
	}
	fmt.Fprintf(&out, "\nEngine decisions: ")
	for i, r := range rows {
		if i > 0 {
			fmt.Fprint(&out, "; ")
		}
		fmt.Fprintf(&out, "%d credits: %d auto, %d review", r.in.Credits, r.eng.Auto, r.eng.Review)
	}
	fmt.Fprintln(&out)
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if *md != "" {
		f, err := os.OpenFile(*md, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Write(append(out.Bytes(), '\n')); err != nil {
			return err
		}
	}
	return nil
}

// runInChild runs one measurement in a fresh process and reads its result.
func runInChild(ctx context.Context, self, kind, desc string, memlimit int) (bench.ScaleResult, error) {
	var res bench.ScaleResult
	cmd := exec.CommandContext(ctx, self, "-child", kind, "-input", desc)
	if memlimit > 0 {
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMEMLIMIT=%dMiB", memlimit))
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return res, err
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, fmt.Errorf("child output: %w", err)
	}
	return res, nil
}

// runChild does one measurement and prints it as JSON.
func runChild(ctx context.Context, kind, desc string, stdout io.Writer) error {
	b, err := os.ReadFile(desc)
	if err != nil {
		return err
	}
	var in bench.ScaleInput
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	var res bench.ScaleResult
	switch kind {
	case "baseline":
		res, err = bench.RunScaleBaseline(ctx, in)
	case "engine":
		res, err = bench.RunScaleEngine(ctx, in, reconcile.DefaultConfig())
	default:
		return usageError{fmt.Errorf("-child %q: want baseline or engine", kind)}
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

func mb(n int64) float64          { return float64(n) / 1e6 }
func mib(n int64) float64         { return float64(n) / (1 << 20) }
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
