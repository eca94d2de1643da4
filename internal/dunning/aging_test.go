package dunning

import (
	"errors"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

func TestBucketOf(t *testing.T) {
	t.Parallel()
	asOf := day("2025-06-30")
	for _, tt := range []struct {
		due  string
		want Bucket
	}{
		{"2025-07-15", BucketNotDue},
		{"2025-06-30", BucketNotDue}, // due today: not late yet
		{"2025-06-29", Bucket1To30},  // 1 day
		{"2025-05-31", Bucket1To30},  // 30 days
		{"2025-05-30", Bucket31To60}, // 31 days
		{"2025-05-01", Bucket31To60}, // 60 days
		{"2025-04-30", Bucket61To90}, // 61 days
		{"2025-04-01", Bucket61To90}, // 90 days
		{"2025-03-31", BucketOver90}, // 91 days
		{"2024-01-01", BucketOver90},
	} {
		if got := BucketOf(day(tt.due), asOf); got != tt.want {
			t.Errorf("BucketOf(%s) = %s, want %s", tt.due, got, tt.want)
		}
	}
}

func TestAgeBalances(t *testing.T) {
	t.Parallel()
	chf := func(minor int64) ledger.Money { return ledger.Money{Minor: minor, Currency: "CHF"} }
	got, err := AgeBalances([]AgingItem{
		{"C2", day("2025-06-01"), eur("100.00")},
		{"C1", day("2025-07-10"), eur("1000.00")},
		{"C1", day("2025-06-20"), eur("200.50")},
		{"C1", day("2025-06-10"), eur("300.00")},
		{"C1", day("2025-01-10"), eur("50.00")},
		{"C1", day("2025-01-10"), chf(700)},
		{"C1", day("2025-02-10"), eur("0.00")}, // paid: left out
	}, day("2025-06-30"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].CustomerID != "C1" || got[0].Currency != "CHF" || got[1].Currency != "EUR" || got[2].CustomerID != "C2" {
		t.Fatalf("groups = %+v", got)
	}
	c1 := got[1]
	want := [5]ledger.Money{eur("1000.00"), eur("500.50"), eur("0.00"), eur("0.00"), eur("50.00")}
	if c1.Amounts != want || c1.Total != eur("1550.50") {
		t.Errorf("C1 EUR = %+v, want %v total 1550.50", c1, want)
	}
	if got[0].Amounts[4] != chf(700) || got[2].Amounts[1] != eur("100.00") {
		t.Errorf("C1 CHF / C2 = %+v / %+v", got[0], got[2])
	}
}

func TestComputeDSO(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		recv, sales string
		days        int
		want        string
	}{
		{"150000.00", "300000.00", 90, "45.00"},
		{"100.00", "300.00", 30, "10.00"},
		{"1.00", "3.00", 1, "0.33"}, // 0.333…
		{"2.00", "3.00", 1, "0.67"}, // 0.666… rounds up
		{"1.00", "8.00", 1, "0.13"}, // 0.125 exactly: half-up
		{"0.00", "10.00", 365, "0.00"},
	} {
		got, err := ComputeDSO(eur(tt.recv), eur(tt.sales), tt.days)
		if err != nil || got.String() != tt.want {
			t.Errorf("ComputeDSO(%s, %s, %d) = %s, %v; want %s", tt.recv, tt.sales, tt.days, got, err, tt.want)
		}
	}
	if d, _ := ComputeDSO(eur("150000.00"), eur("300000.00"), 90); d.Days() != 45 {
		t.Errorf("Days() = %v, want 45", d.Days())
	}
	if _, err := ComputeDSO(eur("1.00"), eur("0.00"), 30); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("zero sales: err = %v", err)
	}
	if _, err := ComputeDSO(eur("1.00"), ledger.Money{Minor: 1, Currency: "USD"}, 30); !errors.Is(err, ledger.ErrCurrencyMismatch) {
		t.Errorf("currencies: err = %v", err)
	}
}
