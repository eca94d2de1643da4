package reconcile_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/reconcile"
)

func TestZZQ(t *testing.T) {
	if os.Getenv("ZZQ") == "" {
		t.Skip()
	}
	for _, seed := range []uint64{2, 3, 4, 5, 6, 7} {
		cfg := corpus.DefaultConfig()
		cfg.Seed = seed
		c, _ := corpus.Generate(context.Background(), cfg)
		for _, mode := range []string{bench.ModeDirect, bench.ModeCFONB} {
			r, err := bench.RunQuality(context.Background(), c, mode, reconcile.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			s := fmt.Sprintf("seed %d %s:", seed, mode)
			for _, g := range r.Goals() {
				s += fmt.Sprintf(" %s=%.4f(%v)", g.Name[:12], g.Value, g.Met)
			}
			t.Log(s)
		}
	}
}
