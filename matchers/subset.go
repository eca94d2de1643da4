package matchers

import "slices"

// SubsetQuery asks for subsets of amounts that a credit pays.
type SubsetQuery struct {
	// Target is the credit, in minor units.
	Target int64
	// MaxShortfall is how much the subset's total may exceed the credit
	// (bank fees); 0 asks for exact sums.
	MaxShortfall int64
	// MaxItems bounds the size of a subset (e.g. 8).
	MaxItems int
	// Budget bounds the search nodes visited (e.g. 20000).
	Budget int
	// MaxSolutions stops the search once that many subsets are found
	// (2 suffices to know a solution is not unique).
	MaxSolutions int
}

// SubsetResult is what FindSubsets found.
type SubsetResult struct {
	// Solutions are the subsets found (indexes into the amounts given),
	// exact sums first, then by total, then by size.
	Solutions [][]int
	// Exhausted is true when the budget ran out before the search was
	// complete: there may be other solutions.
	Exhausted bool
	// Visited is the number of search nodes visited.
	Visited int
}

// FindSubsets looks for subsets of at least two positive amounts whose
// total is in [Target, Target+MaxShortfall], depth first from the largest
// amount, pruning branches that cannot reach the target or overshoot it.
// Cost is bounded by q.Budget whatever the input.
func FindSubsets(amounts []int64, q SubsetQuery) SubsetResult {
	var r SubsetResult
	if q.MaxItems < 2 || q.Target <= 0 || len(amounts) < 2 {
		return r
	}
	if q.MaxSolutions <= 0 {
		q.MaxSolutions = 2
	}
	order := make([]int, 0, len(amounts))
	for i, a := range amounts {
		if a > 0 && a <= q.Target+q.MaxShortfall {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case amounts[a] > amounts[b]:
			return -1
		case amounts[a] < amounts[b]:
			return 1
		}
		return a - b
	})
	// suffix[k] = sum of amounts[order[k:]], to prune branches that cannot
	// reach the target.
	suffix := make([]int64, len(order)+1)
	for k := len(order) - 1; k >= 0; k-- {
		suffix[k] = suffix[k+1] + amounts[order[k]]
	}
	hi := q.Target + q.MaxShortfall
	pick := make([]int, 0, q.MaxItems)
	var walk func(k int, sum int64)
	walk = func(k int, sum int64) {
		if len(r.Solutions) >= q.MaxSolutions {
			return
		}
		if r.Visited >= q.Budget {
			r.Exhausted = true
			return
		}
		r.Visited++
		if sum >= q.Target && sum <= hi && len(pick) >= 2 {
			s := make([]int, len(pick))
			copy(s, pick)
			r.Solutions = append(r.Solutions, s)
			return
		}
		if len(pick) >= q.MaxItems || k >= len(order) || sum+suffix[k] < q.Target {
			return
		}
		// The amounts are in decreasing order: those that would overshoot
		// are a prefix, skipped by a binary search (a scan would cost the
		// length of the list at every node, which the budget does not count).
		first, _ := slices.BinarySearchFunc(order[k:], hi-sum, func(i int, limit int64) int {
			if amounts[i] > limit {
				return -1
			}
			return 1
		})
		for j := k + first; j < len(order); j++ {
			a := amounts[order[j]]
			if sum+suffix[j] < q.Target {
				return
			}
			pick = append(pick, order[j])
			walk(j+1, sum+a)
			pick = pick[:len(pick)-1]
			if len(r.Solutions) >= q.MaxSolutions || r.Exhausted {
				return
			}
		}
	}
	walk(0, 0)
	slices.SortStableFunc(r.Solutions, func(a, b []int) int {
		sa, sb := sumOf(amounts, a), sumOf(amounts, b)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return len(a) - len(b)
	})
	return r
}

func sumOf(amounts []int64, idx []int) int64 {
	var s int64
	for _, i := range idx {
		s += amounts[i]
	}
	return s
}
