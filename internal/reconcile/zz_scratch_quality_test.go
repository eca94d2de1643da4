package reconcile_test

// SCRATCH (to delete): runs the labelled corpus and prints failures.

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/reconcile"
)

func TestZZScratchQuality(t *testing.T) {
	if os.Getenv("ZZQ") == "" {
		t.Skip()
	}
	cfg := corpus.DefaultConfig()
	seed, _ := strconv.Atoi(os.Getenv("ZZQ"))
	cfg.Seed = uint64(seed)
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := bench.RunQuality(context.Background(), c, bench.ModeDirect, reconcile.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	bench.WriteQualityTable(os.Stdout, r)
	n, _ := strconv.Atoi(os.Getenv("ZZN"))
	if n == 0 {
		n = 40
	}
	bench.WriteFailures(os.Stdout, r, n)
}
