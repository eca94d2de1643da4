package matchers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestFitAmount(t *testing.T) {
	t.Parallel()
	tol := Tolerance{AbsMinor: 1500, Rel: 0.01}
	tests := []struct {
		credit, due int64
		fit         Fit
		diff        int64
	}{
		{120000, 120000, FitExact, 0},
		{119400, 120000, FitFee, 600},        // 6.00 short of 1200.00: within 1 % and 15.00
		{118000, 120000, FitPartial, 2000},   // 20.00 short: beyond 15.00
		{9900, 10000, FitFee, 100},           // 1.00 short of 100.00: exactly 1 %
		{9850, 10000, FitPartial, 150},       // 1.50 short of 100.00: beyond 1 %
		{130000, 120000, FitOver, -10000},    // overpaid
		{1000000, 1001500, FitFee, 1500},     // 15.00 short of 10015.00: the absolute cap
		{1000000, 1001501, FitPartial, 1501}, // one cent more
	}
	for _, tt := range tests {
		fit, diff := FitAmount(tt.credit, tt.due, tol)
		if fit != tt.fit || diff != tt.diff {
			t.Errorf("FitAmount(%d, %d) = %v %d, want %v %d", tt.credit, tt.due, fit, diff, tt.fit, tt.diff)
		}
	}
	if got := (Tolerance{}).Allowed(100000); got != 0 {
		t.Errorf("zero tolerance allows %d", got)
	}
}

func TestAmountBits(t *testing.T) {
	t.Parallel()
	unusual := AmountBits(123456, 2, 0, 300000)
	round := AmountBits(100000, 2, 0, 300000)
	shared := AmountBits(100000, 2, 500, 300000)
	if !(unusual > round && round > shared) {
		t.Errorf("unusual %v, round %v, round and shared %v: want decreasing", unusual, round, shared)
	}
	if unusual > bitsAmountMax || shared < bitsAmountMin {
		t.Errorf("bounds: %v %v", unusual, shared)
	}
	few, many := SubsetBits(75000, 2, 3, 8, 100000), SubsetBits(75000, 2, 30, 8, 100000)
	if few <= many || many != 0 {
		t.Errorf("subset weights: 3 invoices %v, 30 invoices %v", few, many)
	}
}

func TestAmountStrategy(t *testing.T) {
	t.Parallel()
	b := &AmountIndexBuilder{}
	for i, a := range []int64{120000, 84530, 100000, 100000, 100000} {
		b.Add(int32(i), a)
	}
	x := b.Build()
	if x.Count(100000) != 3 || x.Count(120000) != 1 || x.Count(1) != 0 {
		t.Errorf("counts %d %d %d", x.Count(100000), x.Count(120000), x.Count(1))
	}
	s := Amount{Tolerance: Tolerance{AbsMinor: 1500, Rel: 0.01}, Index: x}
	p := &Payment{Amount: 120000, Currency: "EUR", Exponent: 2}
	cands := []Invoice{
		{Ref: 0, ID: "A", Open: 120000, Currency: "EUR"},
		{Ref: 1, ID: "B", Open: 84530, Currency: "EUR"},
		{Ref: 2, ID: "C", Open: 100000, Currency: "EUR"},
		{Ref: 9, ID: "D", Open: 120000, Currency: "CHF"},
	}
	ev := s.Evaluate(p, cands)
	if len(ev) != 3 {
		t.Fatalf("evidence for %d candidates, want 3 (the CHF invoice has none): %+v", len(ev), ev)
	}
	if ev[0].Weight <= 0 || ev[1].Weight >= 0 || ev[2].Weight >= 0 {
		t.Errorf("weights %v %v %v: exact positive, over negative", ev[0].Weight, ev[1].Weight, ev[2].Weight)
	}
	if ev[0].Reason != "amount 1200.00 equals open amount" {
		t.Errorf("reason %q", ev[0].Reason)
	}
}

func TestFindSubsets(t *testing.T) {
	t.Parallel()
	amounts := []int64{51742, 23258, 41111, 99999, 5}
	r := FindSubsets(amounts, SubsetQuery{Target: 75000, MaxItems: 8, Budget: 1000})
	if len(r.Solutions) != 1 || !slices.Equal(sorted(r.Solutions[0]), []int{0, 1}) || r.Exhausted {
		t.Errorf("FindSubsets = %+v, want [[0 1]]", r)
	}
	// Within a fee: 517.42 + 232.58 = 750.00 for a credit of 749.00.
	r = FindSubsets(amounts, SubsetQuery{Target: 74900, MaxShortfall: 100, MaxItems: 8, Budget: 1000})
	if len(r.Solutions) != 1 {
		t.Errorf("with a shortfall: %+v", r)
	}
	// Several solutions are all reported (up to MaxSolutions).
	r = FindSubsets([]int64{100, 200, 300, 400}, SubsetQuery{Target: 500, MaxItems: 3, Budget: 1000, MaxSolutions: 5})
	if len(r.Solutions) != 2 {
		t.Errorf("500 from {100,200,300,400}: %+v, want two subsets", r)
	}
	// The budget bounds the work whatever the input.
	many := make([]int64, 60)
	for i := range many {
		many[i] = int64(1000 + i*7)
	}
	r = FindSubsets(many, SubsetQuery{Target: 1, MaxItems: 8, Budget: 50})
	if r.Visited > 50 {
		t.Errorf("visited %d nodes with a budget of 50", r.Visited)
	}
	r = FindSubsets(many, SubsetQuery{Target: 7000 * 8, MaxItems: 8, Budget: 50})
	if r.Visited > 50 || !r.Exhausted {
		t.Errorf("budget: %+v", r)
	}
	if r := FindSubsets(amounts, SubsetQuery{Target: 51742, MaxItems: 8, Budget: 100}); len(r.Solutions) != 0 {
		t.Errorf("a single invoice is not a subset: %+v", r)
	}
}

func sorted(s []int) []int { s = slices.Clone(s); slices.Sort(s); return s }

func TestDatePlausibility(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	p := &Payment{Date: day("2026-11-03")}
	cands := []Invoice{
		{Ref: 0, ID: "old", IssueDate: day("2026-01-10"), DueDate: day("2026-02-10")},
		{Ref: 1, ID: "recent", IssueDate: day("2026-10-01"), DueDate: day("2026-10-31")},
		{Ref: 2, ID: "future", IssueDate: day("2026-12-01"), DueDate: day("2026-12-31")},
	}
	ev := DatePlausibility{}.Evaluate(p, cands)
	if len(ev) != 3 {
		t.Fatalf("%+v", ev)
	}
	if !(ev[1].Weight > ev[0].Weight && ev[0].Weight > ev[2].Weight) || ev[2].Weight != bitsBeforeIssue {
		t.Errorf("weights old %v recent %v future %v", ev[0].Weight, ev[1].Weight, ev[2].Weight)
	}
	if ev[0].Weight < -bitsRecencyMax {
		t.Errorf("recency takes %v bits, more than a tie-breaker", ev[0].Weight)
	}
	if DateWeight(Day(p.Date), Day(cands[2].IssueDate), Day(cands[2].DueDate)) != ev[2].Weight {
		t.Error("DateWeight disagrees with DateEvidence")
	}
}

// TestAmountIndexRange checks Range (sampled search, then a block) against
// a linear scan, across block boundaries, long runs of one amount, empty
// and inverted ranges and an unbounded top.
func TestAmountIndexRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, amountBlock - 1, amountBlock, amountBlock + 1, 200, 5000} {
		var b AmountIndexBuilder
		for i := 0; i < n; i++ {
			a := int64(rng.IntN(50)) * 100
			if rng.IntN(10) == 0 {
				a = 700 // one amount many invoices share
			}
			b.Add(int32(i), a)
		}
		x := b.Build()
		scan := func(lo, hi int64) (int, int) {
			i := 0
			for i < len(x.amounts) && x.amounts[i] < lo {
				i++
			}
			j := i
			for j < len(x.amounts) && x.amounts[j] <= hi {
				j++
			}
			return i, j
		}
		for q := 0; q < 2000; q++ {
			lo := int64(rng.IntN(5200)) - 100
			hi := lo + int64(rng.IntN(300)) - 20
			if q%50 == 0 {
				hi = math.MaxInt64
			}
			i, j := x.Range(lo, hi)
			wi, wj := scan(lo, hi)
			if i != wi || j != wj {
				t.Fatalf("%d invoices: Range(%d, %d) = [%d, %d), want [%d, %d)", n, lo, hi, i, j, wi, wj)
			}
		}
	}
}

// TestFindSubsetsFindsEverySubset checks FindSubsets against brute force
// on random lists with many equal amounts and many too large for the
// credit: with budget to spare it finds every minimal subset whose total
// is in range (one without such a subset inside it: the search stops at a
// total in range rather than adding to it) and only subsets in range; with
// little budget, only subsets in range, within the budget.
func TestFindSubsetsFindsEverySubset(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for n := range 300 {
		amounts := make([]int64, 2+rng.IntN(12))
		for i := range amounts {
			amounts[i] = int64(1 + rng.IntN(40)*25)
		}
		q := SubsetQuery{Target: int64(50 + rng.IntN(1500)), MaxShortfall: int64(rng.IntN(3) * 10),
			MaxItems: 2 + rng.IntN(5), Budget: 1 << 30, MaxSolutions: 1 << 30}
		valid := make([]bool, 1<<len(amounts))
		want := map[string]bool{} // the minimal ones
		for mask := 1; mask < len(valid); mask++ {
			var set []int
			var sum int64
			for i, a := range amounts {
				if mask&(1<<i) != 0 {
					set, sum = append(set, i), sum+a
				}
			}
			valid[mask] = len(set) >= 2 && len(set) <= q.MaxItems && sum >= q.Target && sum <= q.Target+q.MaxShortfall
			minimal := valid[mask]
			for sub := (mask - 1) & mask; sub > 0 && minimal; sub = (sub - 1) & mask {
				minimal = !valid[sub]
			}
			if minimal {
				want[fmt.Sprint(set)] = true
			}
		}
		isValid := func(s []int) bool {
			mask := 0
			for _, i := range s {
				mask |= 1 << i
			}
			return valid[mask]
		}
		got := FindSubsets(amounts, q)
		found := map[string]bool{}
		for _, s := range got.Solutions {
			s = slices.Clone(s)
			slices.Sort(s)
			found[fmt.Sprint(s)] = true
			if !isValid(s) {
				t.Fatalf("case %d %+v %v: %v is no solution", n, q, amounts, s)
			}
		}
		for w := range want {
			if !found[w] {
				t.Fatalf("case %d %+v %v: %v not found (found %v, exhausted %v)", n, q, amounts, w, found, got.Exhausted)
			}
		}
		if got.Exhausted || len(found) != len(got.Solutions) {
			t.Fatalf("case %d: exhausted %v, %d solutions, %d distinct", n, got.Exhausted, len(got.Solutions), len(found))
		}
		q.Budget, q.MaxSolutions = 1+rng.IntN(20), 1+rng.IntN(3)
		small := FindSubsets(amounts, q)
		if small.Visited > q.Budget || len(small.Solutions) > q.MaxSolutions {
			t.Fatalf("case %d %+v: %d nodes, %d solutions", n, q, small.Visited, len(small.Solutions))
		}
		for _, s := range small.Solutions {
			if !isValid(s) {
				t.Fatalf("case %d %+v %v: %v is no solution", n, q, amounts, s)
			}
		}
	}
}
