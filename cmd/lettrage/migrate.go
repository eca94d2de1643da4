package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/store"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var status bool
	cfg, _, err := loadConfig("migrate", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&status, "status", false, "print the schema version and change nothing")
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: lettrage migrate [--config FILE] [--data-dir DIR] [--database DSN] [--status]")
			fmt.Fprintln(stderr, "Applies the store migrations embedded in this binary (serve does it at start too).")
			fs.PrintDefaults()
		}
	})
	if errors.Is(err, errUsage) {
		return exitBadUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "lettrage migrate: configuration: %v\n", err)
		return exitFailure
	}
	st, err := store.Open(ctx, cfg.Database, cfg.DataDir, zerolog.Nop())
	if err != nil {
		fmt.Fprintf(stderr, "lettrage migrate: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if !status {
		if err := st.Migrate(ctx); err != nil {
			fmt.Fprintf(stderr, "lettrage migrate: %v\n", err)
			return exitFailure
		}
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "lettrage migrate: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s schema version %d (binary knows %d)%s\n", st.Engine(), v.Current, v.Latest, map[bool]string{true: ", DIRTY", false: ""}[v.Dirty])
	return exitOK
}
