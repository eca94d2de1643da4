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

// TestRangeOfFindsEveryRun checks rangeOf against a plain scan, on uniform
// hashes (where it interpolates) and on skewed ones (every key of a bucket
// at one end, long runs of equal upper halves), for keys present and
// absent.
func TestRangeOfFindsEveryRun(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := map[string]func(i int) uint64{
		"uniform": func(int) uint64 { return rng.Uint64() },
		"few buckets": func(int) uint64 {
			return uint64(rng.IntN(3))<<48 | rng.Uint64()&0xFFFFFFFFFFFF
		},
		"skewed low": func(int) uint64 {
			return uint64(rng.IntN(2))<<48 | uint64(rng.IntN(40))<<32 | uint64(rng.Uint32())
		},
		"skewed high": func(int) uint64 {
			return uint64(rng.IntN(2))<<48 | uint64(0xFFFF-rng.IntN(40))<<32 | uint64(rng.Uint32())
		},
		"long runs": func(i int) uint64 {
			return uint64(rng.IntN(2))<<48 | uint64(rng.IntN(5)*9000)<<32 | uint64(i)
		},
	}
	for name, draw := range shapes {
		for _, n := range []int{0, 1, 17, 300, 20000} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = draw(i)
			}
			sortHigh32InPlace(keys)
			bucket := bucketIndex(keys)
			var probes []uint64
			for i := 0; i < n; i += 1 + n/500 {
				probes = append(probes, keys[i])
			}
			for range 200 {
				probes = append(probes, draw(0))
			}
			for _, h := range probes {
				lo, hi := rangeOf(keys, bucket, h)
				wlo := 0
				for wlo < n && keys[wlo]>>32 < h>>32 {
					wlo++
				}
				whi := wlo
				for whi < n && keys[whi]>>32 == h>>32 {
					whi++
				}
				if lo != wlo || hi != whi {
					t.Fatalf("%s n=%d h=%x: rangeOf = [%d, %d), want [%d, %d)", name, n, h, lo, hi, wlo, whi)
				}
			}
		}
	}
}
