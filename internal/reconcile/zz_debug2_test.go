package reconcile

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/lettrage/lettrage/fixtures/corpus"
)

func TestZZInv(t *testing.T) {
	num := os.Getenv("ZZNUM")
	if num == "" {
		t.Skip()
	}
	cfg := corpus.DefaultConfig()
	seed, _ := strconv.Atoi(os.Getenv("ZZSEED"))
	cfg.Seed = uint64(seed)
	c, _ := corpus.Generate(context.Background(), cfg)
	for _, inv := range c.Invoices() {
		if inv.Number == num {
			t.Logf("%+v", inv)
		}
	}
}
