package matchers

import "slices"

// sortByHigh32 sorts keys (and vals alongside, when not nil) by the upper
// 32 bits of each key, with a two-pass LSD radix sort: index builds stay
// linear in the number of keys.
func sortByHigh32(keys []uint64, vals []uint32) {
	n := len(keys)
	if n < 1024 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			ka, kb := keys[a]>>32, keys[b]>>32
			switch {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		k2 := make([]uint64, n)
		for i, j := range idx {
			k2[i] = keys[j]
		}
		copy(keys, k2)
		if vals != nil {
			v2 := make([]uint32, n)
			for i, j := range idx {
				v2[i] = vals[j]
			}
			copy(vals, v2)
		}
		return
	}
	tk := make([]uint64, n)
	var tv []uint32
	if vals != nil {
		tv = make([]uint32, n)
	}
	count := make([]int, 1<<16)
	src, dst := keys, tk
	sv, dv := vals, tv
	for shift := uint(32); shift < 64; shift += 16 {
		clear(count)
		for _, k := range src {
			count[(k>>shift)&0xFFFF]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for i, k := range src {
			d := (k >> shift) & 0xFFFF
			p := count[d]
			count[d]++
			dst[p] = k
			if sv != nil {
				dv[p] = sv[i]
			}
		}
		src, dst = dst, src
		sv, dv = dv, sv
	}
	// After two passes the sorted data is back in keys and vals.
}

// bucketIndex returns, for each value of the top 16 bits, the first
// position in sorted keys with that prefix (plus a final entry n).
func bucketIndex(keys []uint64) []uint32 {
	b := make([]uint32, 1<<16+1)
	for _, k := range keys {
		b[(k>>48)+1]++
	}
	for i := 1; i < len(b); i++ {
		b[i] += b[i-1]
	}
	return b
}

// rangeOf returns the positions [i, j) of sorted keys whose upper 32 bits
// equal those of h.
func rangeOf(keys []uint64, bucket []uint32, h uint64) (int, int) {
	top := h >> 48
	lo, hi := int(bucket[top]), int(bucket[top+1])
	u := h >> 32
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m]>>32 < u {
			lo = m + 1
		} else {
			hi = m
		}
	}
	j := lo
	for j < len(keys) && keys[j]>>32 == u {
		j++
	}
	return lo, j
}
