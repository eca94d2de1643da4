package matchers

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSorts(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, 63, 64, 1000, 5000} {
		keys := make([]uint64, n)
		vals := make([]uint32, n)
		for i := range keys {
			keys[i] = rng.Uint64()
			if i%7 == 0 && i > 0 {
				keys[i] = keys[i-1]&0xFFFFFFFF00000000 | uint64(i) // equal upper halves
			}
			vals[i] = uint32(keys[i] >> 7)
		}
		a := slices.Clone(keys)
		sortHigh32InPlace(a)
		b, bv := slices.Clone(keys), slices.Clone(vals)
		sortByHigh32(b, bv)
		for i := 1; i < n; i++ {
			if a[i-1]>>32 > a[i]>>32 || b[i-1]>>32 > b[i]>>32 {
				t.Fatalf("n=%d: not sorted at %d", n, i)
			}
		}
		for i := range b {
			if bv[i] != uint32(b[i]>>7) {
				t.Fatalf("n=%d: payload detached at %d", n, i)
			}
		}
		x, y := slices.Clone(keys), slices.Clone(a)
		slices.Sort(x)
		slices.Sort(y)
		if !slices.Equal(x, y) {
			t.Fatalf("n=%d: in-place sort lost keys", n)
		}
	}
}
