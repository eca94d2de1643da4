package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/fixtures/corpus"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/reconcile"
)

// qualitySeed is the corpus the goals are pinned on. The engine must also
// meet them on other seeds (see cmd/quality), so nothing may be tuned to it.
const qualitySeed = 1

// TestQualityGoals runs the engine on the pinned corpus (4,000 credits ×
// 20,000 invoices; 2,000 × 10,000 under the race detector) directly and end
// to end through each statement format, and asserts the goals:
// auto precision ≥ 99.9 %, ≥ 95 % of reference/known-IBAN lines lettered
// automatically, the right proposal offered for ≥ 98 % of payable lines, and
// no unrelated credit lettered automatically. On failure it prints the
// figures per category and failing examples.
func TestQualityGoals(t *testing.T) {
	if testing.Short() {
		t.Skip("quality run skipped in -short mode")
	}
	cfg := corpus.DefaultConfig()
	cfg.Seed = qualitySeed
	modes := QualityModes
	if raceEnabled {
		cfg.Credits = 2000
		modes = []string{ModeDirect, ModeCAMT08}
	}
	c, err := corpus.Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			r, err := RunQuality(context.Background(), c, mode, reconcile.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			if r.Unpaired > 0 {
				t.Errorf("%d credits could not be paired with their label by bank reference", r.Unpaired)
			}
			if r.Met() {
				return
			}
			var b strings.Builder
			WriteQualityTable(&b, r)
			WriteFailures(&b, r, 2)
			for _, g := range r.Goals() {
				if !g.Met {
					t.Errorf("goal missed: %s = %.4f (want %s)", g.Name, g.Value, g.Target)
				}
			}
			t.Log("\n" + b.String())
		})
	}
}

func money(minor int64) ledger.Money { return ledger.Money{Minor: minor, Currency: "EUR"} }

func TestCorrect(t *testing.T) {
	t.Parallel()
	label := func(tol int64, exp ...corpus.Allocation) *corpus.Label {
		var sum int64
		for _, a := range exp {
			sum += a.Amount.Minor
		}
		return &corpus.Label{Payable: true, Amount: money(sum - tol), Expected: exp, Tolerance: money(tol)}
	}
	a := func(id string, minor int64) corpus.Allocation {
		return corpus.Allocation{InvoiceID: id, Amount: money(minor)}
	}
	g := func(id string, minor int64) ledger.Allocation {
		return ledger.Allocation{InvoiceID: id, Amount: money(minor)}
	}
	cases := []struct {
		name  string
		label *corpus.Label
		got   []ledger.Allocation
		want  bool
	}{
		{"same single", label(0, a("I1", 1000)), []ledger.Allocation{g("I1", 1000)}, true},
		{"other invoice", label(0, a("I1", 1000)), []ledger.Allocation{g("I2", 1000)}, false},
		{"amount off by a cent", label(0, a("I1", 1000)), []ledger.Allocation{g("I1", 999)}, false},
		{"nothing", label(0, a("I1", 1000)), nil, false},
		{"several, any order", label(0, a("I1", 1000), a("I2", 500)), []ledger.Allocation{g("I2", 500), g("I1", 1000)}, true},
		{"one missing", label(0, a("I1", 1000), a("I2", 500)), []ledger.Allocation{g("I1", 1000)}, false},
		{"one extra", label(0, a("I1", 1000)), []ledger.Allocation{g("I1", 1000), g("I3", 1)}, false},
		{"same invoice twice", label(0, a("I1", 1000), a("I2", 0)), []ledger.Allocation{g("I1", 500), g("I1", 500)}, false},
		// a 2.50 fee: the credit is 997.50; allocate it, or the full 1000.00
		{"fee: credited amount", label(250, a("I1", 1000-250)), []ledger.Allocation{g("I1", 750)}, true},
		{"fee: full open amount", &corpus.Label{Payable: true, Amount: money(99750), Expected: []corpus.Allocation{a("I1", 99750)}, Tolerance: money(250)},
			[]ledger.Allocation{g("I1", 100000)}, true},
		{"fee: beyond tolerance", &corpus.Label{Payable: true, Amount: money(99750), Expected: []corpus.Allocation{a("I1", 99750)}, Tolerance: money(250)},
			[]ledger.Allocation{g("I1", 100001)}, false},
		{"currency differs", label(0, a("I1", 1000)), []ledger.Allocation{{InvoiceID: "I1", Amount: ledger.Money{Minor: 1000, Currency: "USD"}}}, false},
	}
	for _, c := range cases {
		if got := Correct(c.label, c.got); got != c.want {
			t.Errorf("%s: Correct = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTallyAndGoals(t *testing.T) {
	t.Parallel()
	exp := []corpus.Allocation{{InvoiceID: "I1", Amount: money(1000)}}
	right := []ledger.Allocation{{InvoiceID: "I1", Amount: money(1000)}}
	wrong := []ledger.Allocation{{InvoiceID: "I9", Amount: money(1000)}}
	ref := corpus.Label{Category: corpus.CatExactRef, Payable: true, AutoAcceptable: true, RefOrKnownIBAN: true, Amount: money(1000), Expected: exp, Tolerance: money(0)}
	amountOnly := corpus.Label{Category: corpus.CatAmountOnly, Payable: true, Amount: money(1000), Expected: exp, Tolerance: money(0)}
	unrelated := corpus.Label{Category: corpus.CatUnrelated, Amount: money(1000), Tolerance: money(0)}
	lines := []Line{
		{Label: &ref, Out: Outcome{Decision: ledger.DecisionAuto, Allocations: right}},
		{Label: &ref, Out: Outcome{Decision: ledger.DecisionAuto, Allocations: wrong}},
		{Label: &ref, Out: Outcome{Decision: ledger.DecisionReview, Allocations: right}},
		{Label: &amountOnly, Out: Outcome{Decision: ledger.DecisionReview, Allocations: right}},
		{Label: &amountOnly, Out: Outcome{Decision: ledger.DecisionAuto, Allocations: right}},
		{Label: &unrelated, Out: Outcome{Decision: ledger.DecisionAuto, Allocations: right}},
		{Label: &unrelated, Out: Outcome{Decision: ledger.DecisionUnmatched}},
	}
	r := NewReport("test", 1, lines)
	o := r.Overall
	if o.Lines != 7 || o.Auto != 4 || o.AutoCorrect != 1 || o.Review != 2 || o.Unmatched != 1 {
		t.Errorf("tally %+v", o)
	}
	if o.Payable != 5 || o.Offered != 4 || o.RefIBAN != 3 || o.RefIBANAuto != 1 || o.AutoForbidden != 2 {
		t.Errorf("tally %+v", o)
	}
	goals := r.Goals()
	if goals[0].Met || goals[1].Met || goals[2].Met || goals[3].Met || goals[3].Value != 1 {
		t.Errorf("goals %+v", goals)
	}
	f := r.Failures()
	if len(f[FailWrongAuto]) != 1 || len(f[FailForbidden]) != 2 || len(f[FailNotAuto]) != 2 || len(f[FailNotOffered]) != 1 {
		t.Errorf("failures: wrong %d, forbidden %d, not auto %d, not offered %d",
			len(f[FailWrongAuto]), len(f[FailForbidden]), len(f[FailNotAuto]), len(f[FailNotOffered]))
	}
	perfect := NewReport("test", 1, lines[:1])
	if !perfect.Met() {
		t.Errorf("a perfect run misses a goal: %+v", perfect.Goals())
	}
}
