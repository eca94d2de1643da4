// Package opsmetrics reads, at scrape time, the gauges an operator needs
// from the shared database rather than from one replica's memory: whether
// the database answers, which webhook endpoints are enabled, the cash
// still open by currency and aged-balance bucket, and when each bank
// account's last statement arrived. Every replica reports the same values,
// so dashboards take max() across replicas.
package opsmetrics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Store is what the collector reads.
type Store interface {
	SchemaVersion(ctx context.Context) (ledger.SchemaVersion, error)
	ListEndpoints(ctx context.Context) ([]ledger.WebhookEndpoint, error)
	OpenBalances(ctx context.Context, f ledger.OpenBalanceFilter) ([]ledger.OpenBalance, error)
	AccountActivity(ctx context.Context) ([]ledger.AccountActivity, error)
	LastRun(ctx context.Context, name string) (time.Time, error)
}

// Config configures a Collector.
type Config struct {
	Store Store
	// Location gives "today" for the aged-balance buckets (default UTC).
	Location *time.Location
	// AggregateEvery is the least time between two reads of the open
	// balances (a sum over every open invoice) and of the accounts'
	// activity; scrapes in between get the last values. Default 30 s.
	AggregateEvery time.Duration
	// Jobs are the scheduled jobs (RunExclusive names, e.g. "dunning")
	// whose last recorded run is reported.
	Jobs []string
	// Timeout bounds the reads of one scrape (default 5 s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Collector is a prometheus.Collector of lettrage_store_up,
// lettrage_webhook_endpoint_enabled{endpoint},
// lettrage_invoices_open_amount{currency,bucket},
// lettrage_invoices_open{currency,bucket},
// lettrage_statement_last_stored_timestamp_seconds{account} and
// lettrage_statement_last_date_timestamp_seconds{account} (accounts
// masked as IBANs are in logs) and lettrage_job_last_run_timestamp_seconds{job}.
type Collector struct {
	cfg Config

	mu       sync.Mutex
	readAt   time.Time // when the aggregates were read; zero before the first read
	readDate ledger.Date
	cash     []cashRow
	accounts []ledger.AccountActivity
	readErr  error
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
	lastStoredDesc = prometheus.NewDesc("lettrage_statement_last_stored_timestamp_seconds",
		"When the last statement of a bank account was stored (Unix time), by account (masked).", []string{"account"}, nil)
	jobLastRunDesc = prometheus.NewDesc("lettrage_job_last_run_timestamp_seconds",
		"When the last recorded run of a scheduled job (dunning) finished, on any replica (Unix time); absent before the first.", []string{"job"}, nil)
	lastDateDesc = prometheus.NewDesc("lettrage_statement_last_date_timestamp_seconds",
		"The latest end date of a bank account's statements (midnight UTC, Unix time), by account (masked).", []string{"account"}, nil)
)

// New returns a Collector; register it on the daemon's registry.
func New(cfg Config) *Collector {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.AggregateEvery <= 0 {
		cfg.AggregateEvery = 30 * time.Second
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
	ch <- lastStoredDesc
	ch <- lastDateDesc
	ch <- jobLastRunDesc
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

	for _, job := range c.cfg.Jobs {
		last, err := c.cfg.Store.LastRun(ctx, job)
		switch {
		case err != nil:
			ch <- prometheus.NewInvalidMetric(jobLastRunDesc, err)
		case !last.IsZero():
			ch <- prometheus.MustNewConstMetric(jobLastRunDesc, prometheus.GaugeValue, float64(last.UnixMilli())/1000, job)
		}
	}

	rows, accounts, err := c.aggregates(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openAmountDesc, err)
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(openAmountDesc, prometheus.GaugeValue, r.amount, string(r.currency), string(r.bucket))
		ch <- prometheus.MustNewConstMetric(openInvoicesDesc, prometheus.GaugeValue, float64(r.invoices), string(r.currency), string(r.bucket))
	}
	ids := make([]string, len(accounts))
	for k, a := range accounts {
		ids[k] = a.AccountID
	}
	labels := AccountLabels(ids)
	for k, a := range accounts {
		label := labels[k]
		ch <- prometheus.MustNewConstMetric(lastStoredDesc, prometheus.GaugeValue, float64(a.LastStored.UnixMilli())/1000, label)
		if !a.LastDate.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastDateDesc, prometheus.GaugeValue, float64(a.LastDate.Time().Unix()), label)
		}
	}
}

// AccountLabels returns the metric label of each account: its masked form
// (matchers.MaskIBAN), and for accounts that look alike once masked the
// masked form and the first 8 hex digits of the account's SHA-256 — never
// the account itself, and the same label for an account whatever the
// others and their order.
func AccountLabels(accounts []string) []string {
	count := make(map[string]int, len(accounts))
	labels := make([]string, len(accounts))
	for k, a := range accounts {
		labels[k] = matchers.MaskIBAN(a)
		count[labels[k]]++
	}
	for k, a := range accounts {
		if count[labels[k]] > 1 {
			sum := sha256.Sum256([]byte(a))
			labels[k] += "#" + hex.EncodeToString(sum[:4])
		}
	}
	return labels
}

// aggregates returns the open balances by currency and bucket and the
// accounts' activity, read at most every AggregateEvery (and again when
// the day changes).
func (c *Collector) aggregates(ctx context.Context) ([]cashRow, []ledger.AccountActivity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	today := dunning.Today(now, c.cfg.Location)
	if !c.readAt.IsZero() && now.Sub(c.readAt) < c.cfg.AggregateEvery && today == c.readDate {
		return c.cash, c.accounts, c.readErr
	}
	c.readAt, c.readDate = now, today
	c.cash, c.accounts, c.readErr = nil, nil, nil
	balances, err := c.cfg.Store.OpenBalances(ctx, ledger.OpenBalanceFilter{})
	if err != nil {
		c.readErr = err
		return nil, nil, err
	}
	accounts, err := c.cfg.Store.AccountActivity(ctx)
	if err != nil {
		c.readErr = err
		return nil, nil, err
	}
	c.cash, c.accounts = bucketCash(balances, today), accounts
	return c.cash, c.accounts, nil
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
