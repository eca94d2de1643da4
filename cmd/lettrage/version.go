package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
)

// Build information, stamped by the Makefile with -ldflags "-X main.version=…".
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitBadUsage
	}
	fmt.Fprintf(stdout, "lettrage %s\ncommit %s\nbuilt %s\n%s %s/%s\n", version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
