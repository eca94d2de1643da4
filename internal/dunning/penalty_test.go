package dunning

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TestPenaltiesHandComputed checks Penalties against examples worked out by
// hand. Rates of the shipped table (see TestAnnualRate): 13.15 % in
// 2025-H1, 12.15 % in 2025-H2 and 2026-H1.
func TestPenaltiesHandComputed(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	def := p.LateFees.Rate
	tests := []struct {
		name      string
		steps     []Outstanding
		due, asOf string
		rule      RateRule
		want      string
	}{
		{
			// 1200.00 due 2025-06-20, unpaid on 2025-07-10.
			// 2025-06-21..06-30 = 10 days at 13.15 %: 1200 × 0.1315 × 10 = 1578
			// 2025-07-01..07-10 = 10 days at 12.15 %: 1200 × 0.1215 × 10 = 1458
			// (1578 + 1458) / 365 = 3036 / 365 = 8.3178… → 8.32
			name:  "across the 2025 half-year boundary",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}},
			due:   "2025-06-20", asOf: "2025-07-10", rule: def, want: "8.32",
		},
		{
			// Same invoice, 500.00 paid on 2025-06-25 (the day of payment is
			// still late on the full amount):
			// 06-21..06-25 =  5 d × 1200 × 0.1315 =  789
			// 06-26..06-30 =  5 d ×  700 × 0.1315 =  460.25
			// 07-01..07-05 =  5 d ×  700 × 0.1215 =  425.25
			// 1674.5 / 365 = 4.5876… → 4.59
			name:  "partial payment across the boundary",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}, {day("2025-06-26"), eur("700.00")}},
			due:   "2025-06-20", asOf: "2025-07-05", rule: def, want: "4.59",
		},
		{
			// 10 000.00 due 2025-12-31, unpaid on 2026-01-31: 31 days in
			// 2026-H1 at 12.15 %: 10000 × 0.1215 × 31 / 365 = 37665 / 365
			// = 103.191… → 103.19
			name:  "across the year end",
			steps: []Outstanding{{day("2026-01-01"), eur("10000.00")}},
			due:   "2025-12-31", asOf: "2026-01-31", rule: def, want: "103.19",
		},
		{
			// A contractual 6 % is below the floor 3 × 3.71 = 11.13 %:
			// 1000 × 0.1113 × 30 / 365 = 3339 / 365 = 9.1479… → 9.15
			name:  "contractual rate raised to the floor",
			steps: []Outstanding{{day("2025-03-02"), eur("1000.00")}},
			due:   "2025-03-01", asOf: "2025-03-31",
			rule: RateRule{Mode: RateFixed, Fixed: pct("6"), FloorLegalMultiple: 3}, want: "9.15",
		},
		{
			// Public procurement: ECB of the half-year the delay started in
			// (2025-H1: 3.15) + 8 = 11.15 % for all 20 days, no floor:
			// 1200 × 0.1115 × 20 / 365 = 2676 / 365 = 7.3315… → 7.33
			name:  "first half-year reference",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}},
			due:   "2025-06-20", asOf: "2025-07-10",
			rule: RateRule{Mode: RateECBPlus, MarginPoints: pct("8"), Reference: FirstHalfYear}, want: "7.33",
		},
		{
			// Exactly half a cent: 0.73 at 10 % for 25 days =
			// 0.73 × 0.10 × 25 / 365 = 1.825 / 365 = 0.005 → rounds up to 0.01.
			// Rounded per day it would be 0.0002 × 25 → 0.00: rounding is at
			// the end.
			name:  "half a cent rounds up, once, at the end",
			steps: []Outstanding{{day("2025-02-01"), eur("0.73")}},
			due:   "2025-01-31", asOf: "2025-02-25",
			rule: RateRule{Mode: RateFixed, Fixed: pct("10")}, want: "0.01",
		},
		{
			// One day less: 0.73 × 0.10 × 24 / 365 = 0.0048 → 0.00.
			name:  "just under half a cent rounds down",
			steps: []Outstanding{{day("2025-02-01"), eur("0.73")}},
			due:   "2025-01-31", asOf: "2025-02-24",
			rule: RateRule{Mode: RateFixed, Fixed: pct("10")}, want: "0.00",
		},
		{
			name:  "paid on the due date: nothing",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}},
			due:   "2025-06-20", asOf: "2025-06-20", rule: def, want: "0.00",
		},
		{
			// 1 day: 1200 × 0.1315 / 365 = 157.8 / 365 = 0.4323… → 0.43
			name:  "one day late",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}},
			due:   "2025-06-20", asOf: "2025-06-21", rule: def, want: "0.43",
		},
		{
			// The outstanding falls to zero on 06-26: only 5 days count.
			// 5 × 1200 × 0.1315 / 365 = 789 / 365 = 2.1616… → 2.16
			name:  "paid in full: interest stops",
			steps: []Outstanding{{day("2025-06-21"), eur("1200.00")}, {day("2025-06-26"), eur("0.00")}},
			due:   "2025-06-20", asOf: "2025-12-31", rule: def, want: "2.16",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Penalties(tt.steps, day(tt.due), day(tt.asOf), tt.rule, p.Rates)
			if err != nil {
				t.Fatal(err)
			}
			if got != eur(tt.want) {
				t.Errorf("Penalties = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestPenaltiesRefuseMissingRate: a day with something owed in a half-year
// with no rate row is an error, never a guess; a zero amount needs no rate.
func TestPenaltiesRefuseMissingRate(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	steps := []Outstanding{{day("2026-06-16"), eur("1000.00")}}
	if _, err := Penalties(steps, day("2026-06-15"), day("2026-06-30"), p.LateFees.Rate, p.Rates); err != nil {
		t.Fatalf("up to 2026-06-30: %v", err)
	}
	_, err := Penalties(steps, day("2026-06-15"), day("2026-07-01"), p.LateFees.Rate, p.Rates)
	if !errors.Is(err, ErrMissingRate) {
		t.Fatalf("into 2026-H2: err = %v, want ErrMissingRate", err)
	}
	_, err = Penalties([]Outstanding{{day("2024-12-01"), eur("1.00")}}, day("2024-11-30"), day("2025-01-05"), p.LateFees.Rate, p.Rates)
	if !errors.Is(err, ErrMissingRate) {
		t.Fatalf("from 2024-H2: err = %v, want ErrMissingRate", err)
	}
	paid := []Outstanding{{day("2026-06-16"), eur("1000.00")}, {day("2026-06-20"), eur("0.00")}}
	if _, err := Penalties(paid, day("2026-06-15"), day("2026-08-01"), p.LateFees.Rate, p.Rates); err != nil {
		t.Fatalf("nothing owed in 2026-H2 needs no rate: %v", err)
	}
}

func TestPenaltiesRejectsBadSteps(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	for name, steps := range map[string][]Outstanding{
		"none":      nil,
		"unordered": {{day("2025-03-05"), eur("1.00")}, {day("2025-03-01"), eur("1.00")}},
		"currency":  {{day("2025-03-01"), eur("1.00")}, {day("2025-03-05"), ledger.Money{Minor: 1, Currency: "USD"}}},
		"negative":  {{day("2025-03-01"), eur("-1.00")}},
	} {
		if _, err := Penalties(steps, day("2025-02-28"), day("2025-03-31"), p.LateFees.Rate, p.Rates); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestOutstandingSteps(t *testing.T) {
	t.Parallel()
	got, err := OutstandingSteps(eur("300.00"), day("2025-03-31"), []Payment{
		{Date: day("2025-04-10"), Amount: eur("400.00")},
		{Date: day("2025-03-15"), Amount: eur("100.00")}, // before the due date
		{Date: day("2025-04-10"), Amount: eur("200.00")}, // same day
		{Date: day("2025-04-20"), Amount: eur("100.00")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Owed before any payment: 300 + 800 = 1100; 100 paid before the due
	// date leaves 1000 from 04-01; 600 paid on 04-10 leaves 400 from 04-11;
	// 100 on 04-20 leaves 300 from 04-21.
	want := []Outstanding{
		{day("2025-04-01"), eur("1000.00")},
		{day("2025-04-11"), eur("400.00")},
		{day("2025-04-21"), eur("300.00")},
	}
	if len(got) != len(want) {
		t.Fatalf("OutstandingSteps = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestIndemnity(t *testing.T) {
	t.Parallel()
	forty := eur("40.00")
	if got := Indemnity(forty, day("2025-03-31"), day("2025-03-31"), false); got.Minor != 0 {
		t.Errorf("on the due date: %s, want 0", got)
	}
	if got := Indemnity(forty, day("2025-03-31"), day("2025-04-01"), false); got != forty {
		t.Errorf("one day late: %s, want 40.00", got)
	}
	if got := Indemnity(forty, day("2025-03-31"), day("2025-06-01"), true); got.Minor != 0 || got.Currency != "EUR" {
		t.Errorf("forbidden: %v, want 0 EUR", got)
	}
}

// naivePenalties is the formula as contract.md states it, day by day with
// big.Rat: the oracle Penalties must agree with.
func naivePenalties(t testing.TB, steps []Outstanding, due, asOf ledger.Date, rule RateRule, table RateTable) ledger.Money {
	sum := new(big.Rat)
	for d := due.AddDays(1); !d.After(asOf); d = d.AddDays(1) {
		var owed int64
		for _, s := range steps {
			if !s.From.After(d) {
				owed = s.Amount.Minor
			}
		}
		if owed == 0 {
			continue
		}
		h := HalfYearOf(d)
		if rule.Reference == FirstHalfYear {
			h = HalfYearOf(due.AddDays(1))
		}
		r, err := rule.AnnualRate(table, h)
		if err != nil {
			t.Fatal(err)
		}
		sum.Add(sum, new(big.Rat).SetFrac(big.NewInt(owed*int64(r)), big.NewInt(365*rateScale)))
	}
	// half-up: floor(x + 1/2)
	sum.Add(sum, big.NewRat(1, 2))
	q := new(big.Int).Quo(sum.Num(), sum.Denom())
	return ledger.Money{Minor: q.Int64(), Currency: "EUR"}
}

// TestPenaltiesMatchDailyFormula compares Penalties with the day-by-day
// formula on random invoices within the rate table (2025-01-01 to
// 2026-06-30), with random partial payments.
func TestPenaltiesMatchDailyFormula(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	rng := rand.New(rand.NewPCG(6, 441))
	first := day("2024-12-31")
	rules := []RateRule{p.LateFees.Rate, {Mode: RateFixed, Fixed: pct("9.99"), FloorLegalMultiple: 3},
		{Mode: RateECBPlus, MarginPoints: pct("8"), Reference: FirstHalfYear}}
	for i := 0; i < 300; i++ {
		due := first.AddDays(rng.IntN(400))
		asOf := due.AddDays(rng.IntN(546 - due.DaysSince(first)))
		amount := ledger.Money{Minor: rng.Int64N(10_000_000_00) + 1, Currency: "EUR"}
		var pays []Payment
		left := amount.Minor
		for j := rng.IntN(4); j > 0 && left > 0; j-- {
			a := rng.Int64N(left) + 1
			left -= a
			pays = append(pays, Payment{Date: due.AddDays(rng.IntN(200) - 20), Amount: ledger.Money{Minor: a, Currency: "EUR"}})
		}
		steps, err := OutstandingSteps(ledger.Money{Minor: left, Currency: "EUR"}, due, pays)
		if err != nil {
			t.Fatal(err)
		}
		rule := rules[i%len(rules)]
		got, err := Penalties(steps, due, asOf, rule, p.Rates)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if want := naivePenalties(t, steps, due, asOf, rule, p.Rates); got != want {
			t.Fatalf("case %d: due %s asOf %s steps %v rule %+v: Penalties = %s, daily formula %s", i, due, asOf, steps, rule, got, want)
		}
	}
}

// FuzzPenaltiesMonotonic checks that penalties never decrease when the
// delay or the amount grows, within the rate table's range.
func FuzzPenaltiesMonotonic(f *testing.F) {
	f.Add(int64(120000), uint16(0), uint16(20), uint16(30), int64(1))
	f.Add(int64(73), uint16(30), uint16(25), uint16(1), int64(0))
	f.Add(int64(999999999999), uint16(170), uint16(200), uint16(300), int64(5000))
	p := defaultPolicy(f)
	first := day("2024-12-31")
	last := day("2026-06-30")
	f.Fuzz(func(t *testing.T, amount int64, dueOff, days1, days2 uint16, extra int64) {
		if amount < 0 {
			amount = -amount
		}
		if amount < 0 || amount > 1e15 || extra < 0 || extra > 1e15 {
			return
		}
		due := first.AddDays(int(dueOff) % 540)
		span := last.DaysSince(due)
		d1, d2 := int(days1)%(span+1), int(days2)%(span+1)
		if d1 > d2 {
			d1, d2 = d2, d1
		}
		pen := func(a int64, d int) int64 {
			steps := []Outstanding{{due.AddDays(1), ledger.Money{Minor: a, Currency: "EUR"}}}
			v, err := Penalties(steps, due, due.AddDays(d), p.LateFees.Rate, p.Rates)
			if err != nil {
				t.Fatal(err)
			}
			if v.Minor < 0 {
				t.Fatalf("negative penalties %s", v)
			}
			return v.Minor
		}
		if a, b := pen(amount, d1), pen(amount, d2); a > b {
			t.Fatalf("amount %d: %d days → %d, %d days → %d", amount, d1, a, d2, b)
		}
		if a, b := pen(amount, d2), pen(amount+extra, d2); a > b {
			t.Fatalf("%d days: amount %d → %d, amount %d → %d", d2, amount, a, amount+extra, b)
		}
	})
}
