package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/sqlite"
)

// openStore opens a migrated SQLite store in a fresh directory.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// attempt is one request a verifying receiver got.
type attempt struct {
	id       string
	typ      string
	agg      string
	seq      int64
	status   int
	verified bool
}

// hookReceiver verifies every request and answers with status(n), n
// counting requests from 1.
type hookReceiver struct {
	*receiver
	mu       sync.Mutex
	attempts []attempt
}

func newHookReceiver(t *testing.T, secrets []Secret, status func(n int64) int) *hookReceiver {
	t.Helper()
	hr := &hookReceiver{}
	var n atomic.Int64
	hr.receiver = newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		reqs := hr.receiver.requests()
		last := reqs[len(reqs)-1]
		var env Envelope
		_ = json.Unmarshal(last.body, &env)
		a := attempt{id: last.header.Get(HeaderID), typ: env.Type, status: status(n.Add(1)),
			verified: Verify(secrets, last.header, last.body, time.Now(), 0) == nil}
		if env.Aggregate != nil {
			a.agg, a.seq = env.Aggregate.Type+"/"+env.Aggregate.ID, env.Aggregate.Sequence
		}
		hr.mu.Lock()
		hr.attempts = append(hr.attempts, a)
		hr.mu.Unlock()
		w.WriteHeader(a.status)
	})
	return hr
}

func (hr *hookReceiver) got() []attempt {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return append([]attempt(nil), hr.attempts...)
}

// startDispatcher runs a dispatcher until the test ends, then checks Run
// returned nil.
func startDispatcher(t *testing.T, cfg DispatcherConfig) *Dispatcher {
	t.Helper()
	if cfg.Sender == nil {
		cfg.Sender = newSender(t, SenderConfig{AllowPrivateTargets: true, Timeout: 5 * time.Second})
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	d, err := NewDispatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	return d
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countDeliveries counts the stored deliveries with a status.
func countDeliveries(t *testing.T, s *sqlite.Store, st ledger.DeliveryStatus) int {
	t.Helper()
	ds, err := s.ListDeliveries(context.Background(), ledger.DeliveryFilter{Status: st})
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

// invoiceEvents returns n events for each invoice, interleaved.
func invoiceEvents(invoices []string, n int) []ledger.EventDraft {
	types := []string{ledger.EventLettrageProposed, ledger.EventLettrageConfirmed, ledger.EventInvoicePaid, ledger.EventLettrageReversed, ledger.EventDunningStageChanged}
	var out []ledger.EventDraft
	for i := 0; i < n; i++ {
		for _, inv := range invoices {
			out = append(out, ledger.EventDraft{
				Type: types[i%len(types)], AggregateType: "invoice", AggregateID: inv,
				Data: []byte(fmt.Sprintf(`{"invoice_id":%q,"step":%d}`, inv, i)),
			})
		}
	}
	return out
}

// checkOrder fails when, for one aggregate, an attempt carries an earlier
// sequence than one already seen (the store holds later events back until
// earlier ones are delivered, so even failed attempts keep the order).
func checkOrder(t *testing.T, attempts []attempt) {
	t.Helper()
	last := map[string]int64{}
	for _, a := range attempts {
		if a.agg == "" {
			continue
		}
		if a.seq < last[a.agg] {
			t.Errorf("%s: event %d attempted after event %d", a.agg, a.seq, last[a.agg])
		}
		last[a.agg] = a.seq
	}
}

func TestDispatcherDeliversEveryEventSignedAndInOrder(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	erpSecret, crmSecret := NewSecret(), NewSecret()
	erp := newHookReceiver(t, []Secret{erpSecret}, func(int64) int { return 204 })
	crm := newHookReceiver(t, []Secret{crmSecret}, func(int64) int { return 200 })
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{
		{ID: "erp", URL: erp.URL, Events: []string{"*"}},
		{ID: "crm", URL: crm.URL, Events: []string{"invoice.*", "dunning.*"}},
	}); err != nil {
		t.Fatal(err)
	}
	drafts := append(invoiceEvents([]string{"F-1", "F-2", "F-3"}, 5),
		ledger.EventDraft{Type: ledger.EventStatementIngested, Data: []byte(`{"statement_id":"S1"}`)})
	evs, err := store.AppendEvents(ctx, drafts)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherConfig{
		Store: store, Metrics: metrics, Workers: 4,
		Endpoints: []Endpoint{{ID: "erp", URL: erp.URL, Secrets: []Secret{erpSecret}}, {ID: "crm", URL: crm.URL, Secrets: []Secret{crmSecret}}},
	})
	// erp wants all 16 events; crm the invoice.paid and dunning.* ones (3 + 3).
	waitFor(t, "every delivery", func() bool { return countDeliveries(t, store, ledger.DeliveryDelivered) == 16+6 })

	for name, rc := range map[string]*hookReceiver{"erp": erp, "crm": crm} {
		seen := map[string]int{}
		for _, a := range rc.got() {
			if !a.verified {
				t.Errorf("%s: request %s does not verify", name, a.id)
			}
			seen[a.id]++
		}
		for _, e := range evs {
			want := 1
			if name == "crm" && !(Endpoint{Events: []string{"invoice.*", "dunning.*"}}).Wants(e.Type) {
				want = 0
			}
			if seen[e.ID] != want {
				t.Errorf("%s: event %s (%s) received %d times, want %d (webhook-id must be the event id)", name, e.ID, e.Type, seen[e.ID], want)
			}
		}
		checkOrder(t, rc.got())
	}
	if got := counterValue(t, metrics.attempts.WithLabelValues("erp", "delivered", "2xx")); got != 16 {
		t.Errorf("metric of erp deliveries = %v, want 16", got)
	}
}

func TestDispatcherReceiverDownThenBack(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	var down atomic.Bool
	down.Store(true)
	rc := newHookReceiver(t, []Secret{secret}, func(n int64) int {
		if n >= 12 {
			down.Store(false)
		}
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.AppendEvents(ctx, invoiceEvents([]string{"F-1", "F-2", "F-3", "F-4"}, 4))
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherConfig{
		Store: store, Workers: 3,
		Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{secret}}},
		Schedule:  Schedule{Delays: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}, Jitter: 0.5, MaxAge: time.Minute, MaxRetryAfter: time.Second},
	})
	waitFor(t, "every delivery", func() bool { return countDeliveries(t, store, ledger.DeliveryDelivered) == len(evs) })

	ok := map[string]int{}
	failed := 0
	for _, a := range rc.got() {
		if a.status == http.StatusOK {
			ok[a.id]++
		} else {
			failed++
		}
	}
	if failed < 11 {
		t.Errorf("%d failed attempts, want the receiver to have been down for 11", failed)
	}
	for _, e := range evs {
		if ok[e.ID] != 1 {
			t.Errorf("event %s delivered %d times, want 1", e.ID, ok[e.ID])
		}
	}
	checkOrder(t, rc.got())
	// The attempts are on record, failures included.
	ds, err := store.ListDeliveries(ctx, ledger.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range ds {
		total += d.Attempts
	}
	if total != len(rc.got()) {
		t.Errorf("the store counts %d attempts, the receiver got %d", total, len(rc.got()))
	}
}

func TestDispatcherDisablesAnEndpointOn410(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	gone := newHookReceiver(t, []Secret{secret}, func(int64) int { return http.StatusGone })
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "old", URL: gone.URL, Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AppendEvents(ctx, invoiceEvents([]string{"F-1"}, 3)); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	metrics, _ := NewMetrics(reg)
	startDispatcher(t, DispatcherConfig{Store: store, Metrics: metrics, Endpoints: []Endpoint{{ID: "old", URL: gone.URL, Secrets: []Secret{secret}}}})
	waitFor(t, "the endpoint disabled", func() bool {
		eps, err := store.ListEndpoints(ctx)
		return err == nil && len(eps) == 1 && !eps[0].Enabled
	})
	eps, _ := store.ListEndpoints(ctx)
	if !strings.Contains(eps[0].DisabledReason, "410 Gone") {
		t.Errorf("disabled with reason %q", eps[0].DisabledReason)
	}
	// All three wait for the endpoint to come back, the first one with its
	// failed attempt on record.
	waitFor(t, "the attempt recorded", func() bool { return countDeliveries(t, store, ledger.DeliveryPending) == 3 })
	time.Sleep(200 * time.Millisecond) // ten poll intervals
	if n := len(gone.got()); n != 1 {
		t.Errorf("the gone endpoint got %d requests, want 1", n)
	}
	if got := counterValue(t, metrics.disabled.WithLabelValues("old")); got != 1 {
		t.Errorf("disabled metric = %v", got)
	}
}

func TestDispatcherDeadLetterThenReplay(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	var broken atomic.Bool
	broken.Store(true)
	rc := newHookReceiver(t, []Secret{secret}, func(int64) int {
		if broken.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.AppendEvents(ctx, []ledger.EventDraft{{Type: ledger.EventPaymentUnmatched, Data: []byte(`{"bank_ref":"R1"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherConfig{
		Store: store, Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{secret}}},
		Schedule: Schedule{Delays: []time.Duration{20 * time.Millisecond}, MaxAge: 300 * time.Millisecond},
	})
	waitFor(t, "the dead letter", func() bool { return countDeliveries(t, store, ledger.DeliveryDead) == 1 })
	ds, _ := store.ListDeliveries(ctx, ledger.DeliveryFilter{Status: ledger.DeliveryDead})
	d := ds[0]
	if d.Attempts < 2 || d.LastHTTPStatus != 500 || !strings.Contains(d.LastError, "HTTP 500") || d.EventID != evs[0].ID {
		t.Errorf("dead letter %+v", d)
	}
	attempts, err := store.ListDeliveryAttempts(ctx, d.ID)
	if err != nil || len(attempts) != d.Attempts || len(rc.got()) != d.Attempts {
		t.Errorf("%d attempts listed (%v), %d received, delivery says %d", len(attempts), err, len(rc.got()), d.Attempts)
	}
	if last := attempts[len(attempts)-1]; last.At.Sub(d.CreatedAt) > time.Second {
		t.Errorf("last attempt %s after creation, want within the 300ms span", last.At.Sub(d.CreatedAt))
	}

	broken.Store(false)
	if _, err := store.ReplayDelivery(ctx, d.ID, ledger.Write[ledger.Delivery]{Actor: "test", Reason: "receiver fixed"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replayed delivery", func() bool { return countDeliveries(t, store, ledger.DeliveryDelivered) == 1 })
	got := rc.got()
	if last := got[len(got)-1]; last.id != evs[0].ID || last.status != 204 || !last.verified {
		t.Errorf("replay sent %+v, want event %s with the same webhook-id", last, evs[0].ID)
	}
}

func TestDispatcherDeadLettersAnUndeliverableEvent(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	rc := newHookReceiver(t, []Secret{secret}, func(int64) int { return 204 })
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}, {ID: "ghost", URL: rc.URL + "/ghost", Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	// Valid JSON but not an object: the store takes it, Body refuses it.
	if _, err := store.AppendEvents(ctx, []ledger.EventDraft{{Type: ledger.EventStatementRejected, Data: []byte(`[1,2]`)}}); err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, DispatcherConfig{Store: store, Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{secret}}}})
	waitFor(t, "two dead letters", func() bool { return countDeliveries(t, store, ledger.DeliveryDead) == 2 })
	ds, _ := store.ListDeliveries(ctx, ledger.DeliveryFilter{Status: ledger.DeliveryDead})
	for _, d := range ds {
		want := "not a JSON object"
		if d.EndpointID == "ghost" {
			want = "not in the configuration"
		}
		if d.Attempts != 1 || !strings.Contains(d.LastError, want) {
			t.Errorf("delivery to %s: %d attempts, error %q; want 1 attempt and %q", d.EndpointID, d.Attempts, d.LastError, want)
		}
	}
	if n := len(rc.got()); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
}

func TestDispatcherFinishesTheAttemptInHandOnShutdown(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	arrived, release := make(chan struct{}), make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.WriteHeader(http.StatusNoContent)
	})
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AppendEvents(ctx, []ledger.EventDraft{{Type: ledger.EventInvoicePaid, AggregateType: "invoice", AggregateID: "F-1", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	d, err := NewDispatcher(DispatcherConfig{Store: store, Sender: newSender(t, SenderConfig{AllowPrivateTargets: true}),
		Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{secret}}}, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	<-arrived
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v with an attempt in hand", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := countDeliveries(t, store, ledger.DeliveryDelivered); n != 1 {
		t.Fatalf("%d deliveries recorded as delivered after shutdown, want 1", n)
	}
}

func TestNewDispatcherRefuses(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	sender := newSender(t, SenderConfig{})
	s := NewSecret()
	for name, cfg := range map[string]DispatcherConfig{
		"no store":           {Sender: sender},
		"no sender":          {Store: store},
		"endpoint no secret": {Store: store, Sender: sender, Endpoints: []Endpoint{{ID: "a", URL: "https://a.example"}}},
		"endpoint no id":     {Store: store, Sender: sender, Endpoints: []Endpoint{{URL: "https://a.example", Secrets: []Secret{s}}}},
		"duplicate endpoint": {Store: store, Sender: sender, Endpoints: []Endpoint{{ID: "a", Secrets: []Secret{s}}, {ID: "a", Secrets: []Secret{s}}}},
		"bad schedule":       {Store: store, Sender: sender, Schedule: Schedule{Delays: []time.Duration{time.Second}, Jitter: 2, MaxAge: time.Hour}},
	} {
		if _, err := NewDispatcher(cfg); err == nil {
			t.Errorf("%s: NewDispatcher succeeded", name)
		}
	}
}

func TestOutboxCollector(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/h", Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AppendEvents(ctx, invoiceEvents([]string{"F-1", "F-2"}, 2)); err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(time.Hour) }
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewOutboxCollector(store, later))
	want := map[string]float64{"lettrage_webhook_outbox_pending": 4, "lettrage_webhook_outbox_inflight": 0, "lettrage_webhook_outbox_dead": 0}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		v := mf.GetMetric()[0].GetGauge().GetValue()
		if w, ok := want[mf.GetName()]; ok && v != w {
			t.Errorf("%s = %v, want %v", mf.GetName(), v, w)
		}
		if mf.GetName() == "lettrage_webhook_outbox_oldest_pending_age_seconds" && (v < 3500 || v > 3700) {
			t.Errorf("oldest pending age = %v s, want about an hour", v)
		}
	}
	if len(mfs) != 4 {
		t.Errorf("%d metrics gathered, want 4", len(mfs))
	}
}

// counterValue reads a counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// BenchmarkDispatcherSQLite measures sustained deliveries per second from a
// SQLite outbox to a local receiver (one endpoint, 8 workers, events of
// 100 invoices so the per-invoice order leaves room for concurrency).
func BenchmarkDispatcherSQLite(b *testing.B) {
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), sqlite.FileName), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	rc := newReceiver(b, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}}); err != nil {
		b.Fatal(err)
	}
	invoices := make([]string, 100)
	for i := range invoices {
		invoices[i] = fmt.Sprintf("F-%03d", i)
	}
	drafts := invoiceEvents(invoices, b.N/len(invoices)+1)[:b.N]
	for len(drafts) > 0 {
		n := min(len(drafts), 500)
		if _, err := store.AppendEvents(ctx, drafts[:n]); err != nil {
			b.Fatal(err)
		}
		drafts = drafts[n:]
	}
	d, err := NewDispatcher(DispatcherConfig{Store: store, Sender: newSender(b, SenderConfig{AllowPrivateTargets: true}), Workers: 8,
		Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{NewSecret()}}}, PollInterval: 5 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() { done <- d.Run(runCtx) }()
	for rc.hits.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// TestDispatcherRestartReleasesItsLeases: a dispatcher killed mid-attempt
// leaves deliveries in flight under a lease of many minutes; restarted
// under the same worker name, it hands them back at start and delivers
// them (and the later events of their invoices, in order) at once, while
// a lease held by another worker name is left alone.
func TestDispatcherRestartReleasesItsLeases(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	secret := NewSecret()
	rc := newHookReceiver(t, []Secret{secret}, func(int64) int { return http.StatusNoContent })
	ctx := context.Background()
	if err := store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: rc.URL, Events: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.AppendEvents(ctx, invoiceEvents([]string{"F-1", "F-2", "F-3"}, 3))
	if err != nil {
		t.Fatal(err)
	}
	// The previous incarnation claimed the first event of each invoice
	// and died; another replica holds one lease of its own.
	claim := func(worker string, n int) []ledger.ClaimedDelivery {
		ds, err := store.ClaimDeliveries(ctx, ledger.Claim{Worker: worker, Limit: n, Lease: time.Hour, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	dead := claim("vm/webhook", 2)
	other := claim("other/webhook", 1)
	if len(dead) != 2 || len(other) != 1 {
		t.Fatalf("claimed %d and %d", len(dead), len(other))
	}
	startDispatcher(t, DispatcherConfig{
		Store: store, Worker: "vm/webhook", Workers: 2,
		Endpoints: []Endpoint{{ID: "erp", URL: rc.URL, Secrets: []Secret{secret}}},
	})
	// Everything but the other replica's leased delivery and the events
	// queued behind it arrives well within the hour-long lease.
	want := len(evs) - 3
	waitFor(t, "the released deliveries", func() bool { return countDeliveries(t, store, ledger.DeliveryDelivered) == want })
	if got := countDeliveries(t, store, ledger.DeliveryInFlight); got != 1 {
		t.Errorf("%d deliveries in flight, want the other worker's one", got)
	}
	checkOrder(t, rc.got())
}
