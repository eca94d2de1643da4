package dunning

import (
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// BenchmarkNext evaluates a case with history, partial payments, a closed
// dispute and a finished plan, on a day a stage is due.
func BenchmarkNext(b *testing.B) {
	p := defaultPolicy(b)
	c := newCase("2025-03-31", "1200.00", "standard")
	c.History = []StageEntry{{Stage: "courtesy", Entered: day("2025-03-28")}, {Stage: "reminder_1", Entered: day("2025-04-01")}}
	c.Payments = []Payment{{Date: day("2025-04-02"), Amount: eur("100.00")}, {Date: day("2025-04-20"), Amount: eur("100.00")}}
	c.Invoice.Open = eur("1000.00")
	c.Disputes = []Dispute{{ID: "D1", Reason: DisputePrice, Opened: day("2025-04-03"), Closed: day("2025-04-06")}}
	now := day("2025-05-20")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Next(c, now, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPenalties computes a year and a half of interest across three
// half-years with two partial payments.
func BenchmarkPenalties(b *testing.B) {
	p := defaultPolicy(b)
	steps := []Outstanding{
		{day("2025-01-01"), eur("12000.00")}, {day("2025-05-01"), eur("8000.00")}, {day("2025-10-01"), ledger.Money{Minor: 1, Currency: "EUR"}},
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Penalties(steps, day("2024-12-31"), day("2026-06-30"), p.LateFees.Rate, p.Rates); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePolicy parses and validates the shipped policy.
func BenchmarkParsePolicy(b *testing.B) {
	b.SetBytes(int64(len(defaultPolicyYAML)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParsePolicy(defaultPolicyYAML); err != nil {
			b.Fatal(err)
		}
	}
}
