package dunning

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Bucket is an aged-balance (balance âgée) column.
type Bucket string

// Aged-balance buckets, by days past the due date.
const (
	BucketNotDue Bucket = "not_due" // due date today or later
	Bucket1To30  Bucket = "1_30"
	Bucket31To60 Bucket = "31_60"
	Bucket61To90 Bucket = "61_90"
	BucketOver90 Bucket = "over_90"
)

const bucketCount = 5

// Buckets lists the buckets in column order.
var Buckets = [bucketCount]Bucket{BucketNotDue, Bucket1To30, Bucket31To60, Bucket61To90, BucketOver90}

// BucketOf returns the bucket of an invoice due on due, as of asOf.
func BucketOf(due, asOf ledger.Date) Bucket { return Buckets[bucketIndex(due, asOf)] }

func bucketIndex(due, asOf ledger.Date) int {
	switch late := asOf.DaysSince(due); {
	case late <= 0:
		return 0
	case late <= 30:
		return 1
	case late <= 60:
		return 2
	case late <= 90:
		return 3
	}
	return 4
}

// AgingItem is one open invoice for the aged balance.
type AgingItem struct {
	CustomerID string
	DueDate    ledger.Date
	Open       ledger.Money
}

// AgedBalance is one customer's open amounts by bucket, in one currency.
type AgedBalance struct {
	CustomerID string
	Currency   ledger.Currency
	// Amounts holds the open amount of each bucket, in the order of Buckets.
	Amounts [bucketCount]ledger.Money
	Total   ledger.Money
}

// AgeBalances groups open invoices by customer and currency into the
// aged-balance buckets as of asOf, sorted by customer then currency.
// Invoices with nothing open are left out.
func AgeBalances(items []AgingItem, asOf ledger.Date) ([]AgedBalance, error) {
	type key struct {
		customer string
		cur      ledger.Currency
	}
	byKey := map[key]*AgedBalance{}
	for _, it := range items {
		if it.Open.Minor == 0 {
			continue
		}
		k := key{it.CustomerID, it.Open.Currency}
		b := byKey[k]
		if b == nil {
			b = &AgedBalance{CustomerID: it.CustomerID, Currency: it.Open.Currency, Total: ledger.Money{Currency: it.Open.Currency}}
			for i := range b.Amounts {
				b.Amounts[i].Currency = it.Open.Currency
			}
			byKey[k] = b
		}
		i := bucketIndex(it.DueDate, asOf)
		var err error
		if b.Amounts[i], err = b.Amounts[i].Add(it.Open); err == nil {
			b.Total, err = b.Total.Add(it.Open)
		}
		if err != nil {
			return nil, fmt.Errorf("aged balance of %s: %w", it.CustomerID, err)
		}
	}
	out := make([]AgedBalance, 0, len(byKey))
	for _, b := range byKey {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CustomerID != out[j].CustomerID {
			return out[i].CustomerID < out[j].CustomerID
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// DSO is days sales outstanding, in hundredths of a day.
type DSO int64

// String formats the DSO in days with two decimals, e.g. "45.67".
func (d DSO) String() string { return ledger.FormatMinor(int64(d), 2) }

// Days returns the DSO in days as a float, for a metrics gauge only.
func (d DSO) Days() float64 { return float64(d) / 100 }

// ComputeDSO returns receivables ÷ credit sales of the period × the period's
// days (the classic "méthode comptable"), rounded half-up to the hundredth
// of a day.
func ComputeDSO(receivables, creditSales ledger.Money, periodDays int) (DSO, error) {
	switch {
	case receivables.Currency != creditSales.Currency:
		return 0, fmt.Errorf("dso: %w", ledger.ErrCurrencyMismatch)
	case creditSales.Minor <= 0:
		return 0, fmt.Errorf("dso: credit sales %s, want > 0: %w", creditSales, ledger.ErrInvalid)
	case receivables.Minor < 0:
		return 0, fmt.Errorf("dso: receivables %s, want ≥ 0: %w", receivables, ledger.ErrInvalid)
	case periodDays <= 0:
		return 0, fmt.Errorf("dso: period of %d days, want > 0: %w", periodDays, ledger.ErrInvalid)
	}
	n := new(big.Int).Mul(big.NewInt(receivables.Minor), big.NewInt(int64(periodDays)*100))
	v, err := roundHalfUp(n, big.NewInt(creditSales.Minor))
	if err != nil {
		return 0, fmt.Errorf("dso: %w", err)
	}
	return DSO(v), nil
}
