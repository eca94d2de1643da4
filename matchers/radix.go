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
//
// The keys are hashes, uniform in their bits: within the bucket of h's top
// 16 bits, h's next 16 bits say where it should lie, and the search gallops
// from there. A binary search of the bucket reads about log2(n) cache lines
// far apart (≈ 9 in the deletion index of 3 million invoices, ≈ 460 keys a
// bucket); the guess is off by about √n positions, one or two lines away.
func rangeOf(keys []uint64, bucket []uint32, h uint64) (int, int) {
	lo, hi, g := landing(bucket, h)
	u := h >> 32
	if g >= 0 {
		lo, hi = gallop(keys, lo, hi, g, u)
	}
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

// probe reads the key where rangeOf will start looking for h, and returns
// it (a caller about to make several lookups probes them all first, so
// that their cache misses overlap).
func probe(keys []uint64, bucket []uint32, h uint64) uint64 {
	lo, hi, g := landing(bucket, h)
	if g >= 0 {
		return keys[g]
	}
	if hi > lo {
		return keys[lo]
	}
	return 0
}

// landing returns h's bucket [lo, hi) and, in a bucket of more than 16
// keys, the position its next 16 bits point at (g; -1 in a smaller bucket,
// searched whole).
func landing(bucket []uint32, h uint64) (lo, hi, g int) {
	top := h >> 48
	lo, hi, g = int(bucket[top]), int(bucket[top+1]), -1
	if n := hi - lo; n > 16 {
		g = lo + int((h>>32&0xFFFF)*uint64(n)>>16)
	}
	return lo, hi, g
}

// gallop narrows [lo, hi) to a range holding the first position whose
// key's upper 32 bits are at least u (hi if none is), searching outwards
// from g in steps that double.
func gallop(keys []uint64, lo, hi, g int, u uint64) (int, int) {
	if keys[g]>>32 < u {
		// The first position is after g.
		a, step := g+1, 1
		for a+step-1 < hi && keys[a+step-1]>>32 < u {
			a += step
			step *= 2
		}
		return a, min(a+step-1, hi)
	}
	// It is g or before.
	b, step := g, 1
	for b-step >= lo && keys[b-step]>>32 >= u {
		b -= step
		step *= 2
	}
	return max(b-step+1, lo), b
}

// sortHigh32InPlace sorts keys by their upper 32 bits in place, without
// the second buffer sortByHigh32 needs: an American-flag (in-place MSD)
// radix sort, byte by byte from the top, insertion sort for small runs.
// For the deletion index, the largest array of a build.
func sortHigh32InPlace(keys []uint64) { flagSort(keys, 56) }

func flagSort(keys []uint64, shift uint) {
	if len(keys) < 64 {
		for i := 1; i < len(keys); i++ {
			for j := i; j > 0 && keys[j]>>32 < keys[j-1]>>32; j-- {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
		return
	}
	var count, next [256]int
	for _, k := range keys {
		count[(k>>shift)&0xFF]++
	}
	var end [256]int
	sum := 0
	for d := range count {
		next[d] = sum
		sum += count[d]
		end[d] = sum
	}
	for d := 0; d < 256; d++ {
		for next[d] < end[d] {
			k := keys[next[d]]
			b := (k >> shift) & 0xFF
			if int(b) == d {
				next[d]++
				continue
			}
			// Swap k into its bucket until the slot holds a key of bucket d.
			for int(b) != d {
				p := next[b]
				next[b]++
				keys[p], k = k, keys[p]
				b = (k >> shift) & 0xFF
			}
			keys[next[d]] = k
			next[d]++
		}
	}
	if shift == 32 {
		return
	}
	start := 0
	for d := range count {
		if count[d] > 1 {
			flagSort(keys[start:start+count[d]], shift-8)
		}
		start += count[d]
	}
}
