// Package opsmetrics reads, at scrape time, the gauges an operator needs
// from the shared database rather than from one replica's memory: whether
// the database answers, which webhook endpoints are enabled, and the cash
// still open by currency and aged-balance bucket. Every replica reports the
// same values, so dashboards take max() across replicas.
package opsmetrics

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Store is what the collector reads.
type Store interface {
	SchemaVersion(ctx context.Context) (ledger.SchemaVersion, error)
	ListEndpoints(ctx context.Context) ([]ledger.WebhookEndpoint, error)
	OpenBalances(ctx context.Context, f ledger.OpenBalanceFilter) ([]ledger.OpenBalance, error)
}

// Config configures a Collector.
type Config struct {
	Store Store
	// Location gives "today" for the aged-balance buckets (default UTC).
	Location *time.Location
	// CashEvery is the least time between two reads of the open balances
	// (a sum over every open invoice); scrapes in between get the last
	// values. Default one minute.
	CashEvery time.Duration
	// Timeout bounds the reads of one scrape (default 5 s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Collector is a prometheus.Collector of lettrage_store_up,
// lettrage_webhook_endpoint_enabled{endpoint},
// lettrage_invoices_open_amount{currency,bucket} and
// lettrage_invoices_open{currency,bucket}.
type Collector struct {
	cfg Config

	mu       sync.Mutex
	cashAt   time.Time // when cash was read; zero before the first read
	cash     []cashRow
	cashErr  error
	cashDate ledger.Date
}

// cashRow is one (currency, bucket) cell of the open balances.
type cashRow struct {
	currency ledger.Currency
	bucket   dunning.Bucket
	amount   float64 // in major units, for Prometheus
	invoices int
}

var (
	storeUpDesc = prometheus.NewDesc("lettrage_store_up",
		"1 when the database answered this scrape (schema version read), 0 when it did not.", nil, nil)
	endpointEnabledDesc = prometheus.NewDesc("lettrage_webhook_endpoint_enabled",
		"1 for a configured webhook endpoint that receives deliveries, 0 for one disabled (410 Gone, or by hand).", []string{"endpoint"}, nil)
	openAmountDesc = prometheus.NewDesc("lettrage_invoices_open_amount",
		"Amount still open on open and partially paid invoices, in major units of the currency, by aged-balance bucket (days past due).", []string{"currency", "bucket"}, nil)
	openInvoicesDesc = prometheus.NewDesc("lettrage_invoices_open",
		"Open and partially paid invoices, by currency and aged-balance bucket.", []string{"currency", "bucket"}, nil)
)

// New returns a Collector; register it on the daemon's registry.
func New(cfg Config) *Collector {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.CashEvery <= 0 {
		cfg.CashEvery = time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Collector{cfg: cfg}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storeUpDesc
	ch <- endpointEnabledDesc
	ch <- openAmountDesc
	ch <- openInvoicesDesc
}

// Collect implements prometheus.Collector. When the database does not
// answer, only lettrage_store_up 0 is reported.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	if _, err := c.cfg.Store.SchemaVersion(ctx); err != nil {
		ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 1)

	if eps, err := c.cfg.Store.ListEndpoints(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(endpointEnabledDesc, err)
	} else {
		for _, ep := range eps {
			if !ep.Enabled && ep.DisabledReason == ledger.EndpointRemovedReason {
				continue // no longer configured: nothing to watch
			}
			v := 0.0
			if ep.Enabled {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(endpointEnabledDesc, prometheus.GaugeValue, v, ep.ID)
		}
	}

	rows, err := c.openCash(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openAmountDesc, err)
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(openAmountDesc, prometheus.GaugeValue, r.amount, string(r.currency), string(r.bucket))
		ch <- prometheus.MustNewConstMetric(openInvoicesDesc, prometheus.GaugeValue, float64(r.invoices), string(r.currency), string(r.bucket))
	}
}

// openCash returns the open balances by currency and bucket, read at most
// every CashEvery (and again when the day changes).
func (c *Collector) openCash(ctx context.Context) ([]cashRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	today := dunning.Today(now, c.cfg.Location)
	if !c.cashAt.IsZero() && now.Sub(c.cashAt) < c.cfg.CashEvery && today == c.cashDate {
		return c.cash, c.cashErr
	}
	balances, err := c.cfg.Store.OpenBalances(ctx, ledger.OpenBalanceFilter{})
	c.cashAt, c.cashDate = now, today
	if err != nil {
		c.cash, c.cashErr = nil, err
		return nil, err
	}
	c.cash, c.cashErr = bucketCash(balances, today), nil
	return c.cash, nil
}

// bucketCash sums open balances by currency and aged-balance bucket; every
// bucket of a currency that has open invoices is present (zero included),
// so that series do not vanish when a bucket empties.
func bucketCash(balances []ledger.OpenBalance, asOf ledger.Date) []cashRow {
	type key struct {
		cur ledger.Currency
		b   dunning.Bucket
	}
	minor := map[key]int64{}
	count := map[key]int{}
	exp := map[ledger.Currency]int{}
	var currencies []ledger.Currency
	for _, ob := range balances {
		cur := ob.Open.Currency
		if _, ok := exp[cur]; !ok {
			exp[cur] = cur.Exponent()
			currencies = append(currencies, cur)
		}
		b := dunning.BucketNotDue
		if !ob.DueDate.IsZero() {
			b = dunning.BucketOf(ob.DueDate, asOf)
		}
		k := key{cur, b}
		minor[k] += ob.Open.Minor
		count[k] += ob.Invoices
	}
	var out []cashRow
	for _, cur := range currencies {
		scale := math.Pow10(exp[cur])
		for _, b := range dunning.Buckets {
			k := key{cur, b}
			out = append(out, cashRow{currency: cur, bucket: b, amount: float64(minor[k]) / scale, invoices: count[k]})
		}
	}
	return out
}
