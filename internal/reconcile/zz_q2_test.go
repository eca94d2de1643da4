package reconcile_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/reconcile"
)

func TestZZQ2(t *testing.T) {
	seed, _ := strconv.Atoi(os.Getenv("ZZQ2"))
	if seed == 0 {
		t.Skip()
	}
	cfg := corpus.DefaultConfig()
	cfg.Seed = uint64(seed)
	c, _ := corpus.Generate(context.Background(), cfg)
	mode := bench.ModeDirect
	if m := os.Getenv("ZZMODE"); m != "" {
		mode = m
	}
	r, _ := bench.RunQuality(context.Background(), c, mode, reconcile.DefaultConfig())
	bench.WriteQualityTable(os.Stdout, r)
	bench.WriteFailures(os.Stdout, r, 40)
}
