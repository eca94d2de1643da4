// Command lettrage reads bank statements, letters incoming payments
// against open invoices and chases what stays unpaid.
//
// Run `lettrage help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit statuses, as contract.md defines them.
const (
	exitOK       = 0 // success
	exitFailure  = 1 // a file was rejected or a run failed
	exitBadUsage = 2 // bad usage
)

// command is one subcommand of the binary.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands that exist. A subcommand is listed only
// once it is built.
func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the daemon: watched inbox, lettrage, webhooks, HTTP API, /metrics", runServe},
		"migrate":     {"apply the store migrations (serve does it at start too)", runMigrate},
		"parse":       {"parse statements (CAMT.053, CFONB 120), check balances, print a summary per statement", runParse},
		"match":       {"letter the statements' credits against the invoices of a CSV, offline", runMatch},
		"version":     {"print version, commit, build date and Go version", runVersion},
		"healthcheck": {"probe a running daemon's /healthz (for images without curl); exit 0 when healthy", runHealthcheck},
		"dunning":     {"dunning run --as-of DATE [--dry-run] [--json]: evaluate open invoices and store stage changes", runDunning},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return exitBadUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lettrage: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return exitBadUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: lettrage <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'lettrage <command> -h' for a command's flags.")
}
