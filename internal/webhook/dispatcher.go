package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/ledger"
)

// DeliveryStore is the part of the store the dispatcher uses;
// ledger.OutboxStore has it. Its contract (leases, order per aggregate,
// at-least-once) is ledger.OutboxStore's.
type DeliveryStore interface {
	ClaimDeliveries(ctx context.Context, c ledger.Claim) ([]ledger.ClaimedDelivery, error)
	ReleaseDeliveries(ctx context.Context, worker string, now time.Time) (int, error)
	AckDelivery(ctx context.Context, id, token string, a ledger.DeliveryAttempt) error
	AckDeliveries(ctx context.Context, acks []ledger.DeliveryAck) ([]error, error)
	FailDelivery(ctx context.Context, id, token string, a ledger.DeliveryAttempt, retryAt time.Time) error
	SetEndpointEnabled(ctx context.Context, id string, enabled bool, w ledger.Write[ledger.WebhookEndpoint]) error
}

// DispatcherConfig configures a Dispatcher. Store, Sender and Endpoints
// are required; the rest has defaults.
type DispatcherConfig struct {
	Store  DeliveryStore
	Sender *Sender
	// Endpoints are the configured endpoints with their secrets, by
	// Endpoint.ID (the store's WebhookEndpoint.ID). The caller has synced
	// them into the store (ledger.OutboxStore.SyncEndpoints).
	Endpoints []Endpoint
	// Schedule decides retries and dead letters; the zero value means
	// DefaultSchedule().
	Schedule Schedule
	// Worker names this dispatcher in leases; default "lettrage". It must
	// be unique among the dispatchers running on one database and stable
	// across restarts (e.g. the host name, as the ingest replica): Run
	// starts by releasing the deliveries leased under this name, which a
	// previous incarnation killed mid-attempt left in flight.
	Worker string
	// Workers is how many attempts run at once; default 4.
	Workers int
	// Lease is how long a claimed delivery stays ours; after it another
	// dispatcher may claim it again. Default: the Sender's timeout plus one
	// minute.
	Lease time.Duration
	// PollInterval is how long the dispatcher sleeps when nothing is due
	// (Notify wakes it earlier); default 1 s.
	PollInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand draws the jitter; nil means the global source. Access is
	// serialised by the dispatcher.
	Rand Rand
	// Logger receives one line per failed attempt, dead letter and
	// disabled endpoint (debug for deliveries).
	Logger zerolog.Logger
	// Metrics, when not nil, count attempts, dead letters and disabled
	// endpoints.
	Metrics *Metrics
}

// Dispatcher is the outbox consumer: it claims due deliveries from the
// store, attempts them with the Sender, and reports each outcome — acked,
// retried per the Schedule, dead-lettered, or (410 Gone) the endpoint
// disabled. Several dispatchers, in one process or several sharing a
// PostgreSQL database, may run at once: the store's leases keep them off
// each other's deliveries.
type Dispatcher struct {
	store     DeliveryStore
	sender    *Sender
	endpoints map[string]Endpoint
	schedule  Schedule
	worker    string
	workers   int
	lease     time.Duration
	poll      time.Duration
	now       func() time.Time
	log       zerolog.Logger
	metrics   *Metrics

	randMu sync.Mutex
	rand   Rand

	wake chan struct{}
	acks chan pendingAck // successful attempts waiting to be recorded
}

// pendingAck is a successful attempt handed to the acker.
type pendingAck struct {
	ack ledger.DeliveryAck
	log zerolog.Logger
}

// maxAckBatch bounds how many successful attempts one store transaction
// records.
const maxAckBatch = 256

// NewDispatcher checks cfg and returns a Dispatcher.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil || cfg.Sender == nil {
		return nil, errors.New("webhook dispatcher: store and sender required")
	}
	d := &Dispatcher{
		store:     cfg.Store,
		sender:    cfg.Sender,
		endpoints: map[string]Endpoint{},
		schedule:  cfg.Schedule,
		worker:    cfg.Worker,
		workers:   cfg.Workers,
		lease:     cfg.Lease,
		poll:      cfg.PollInterval,
		now:       cfg.Now,
		log:       cfg.Logger,
		metrics:   cfg.Metrics,
		rand:      cfg.Rand,
		wake:      make(chan struct{}, 1),
	}
	if len(d.schedule.Delays) == 0 && d.schedule.MaxAge == 0 {
		d.schedule = DefaultSchedule()
	}
	if err := d.schedule.Validate(); err != nil {
		return nil, fmt.Errorf("webhook dispatcher: %w", err)
	}
	for _, ep := range cfg.Endpoints {
		if ep.ID == "" || len(ep.Secrets) == 0 {
			return nil, fmt.Errorf("webhook dispatcher: endpoint %q: id and at least one secret required", ep.ID)
		}
		if _, dup := d.endpoints[ep.ID]; dup {
			return nil, fmt.Errorf("webhook dispatcher: endpoint %q listed twice", ep.ID)
		}
		d.endpoints[ep.ID] = ep
	}
	if d.worker == "" {
		d.worker = "lettrage"
	}
	if d.workers <= 0 {
		d.workers = 4
	}
	if d.lease <= 0 {
		d.lease = d.sender.Timeout() + time.Minute
	}
	if d.poll <= 0 {
		d.poll = time.Second
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// Notify wakes the dispatcher if it sleeps, e.g. right after events were
// recorded. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run claims and delivers until ctx ends, then waits for the attempts in
// progress (each bounded by the Sender's timeout) and reports them, and
// returns nil. It stops claiming at once when ctx ends. A failing store is
// retried with a growing pause (up to 30 s), logged each time; Run does
// not give up on it.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Deliveries our previous incarnation held when it died would wait
	// for their leases (the sender's timeout plus a minute), and the later
	// events of their aggregates behind them: hand them back now. A
	// failure only costs that wait.
	if n, err := d.store.ReleaseDeliveries(ctx, d.worker, d.now()); err != nil {
		d.log.Warn().Err(err).Msg("webhook dispatcher: release the deliveries of a previous run; they wait for their leases")
	} else if n > 0 {
		d.log.Info().Int("deliveries", n).Str("worker", d.worker).Msg("webhook dispatcher: released deliveries left in flight by a previous run")
	}
	// Successful attempts are recorded in batches by one acker (a commit
	// each, not one per delivery), which runs until every worker is done.
	d.acks = make(chan pendingAck, maxAckBatch)
	ackerDone := make(chan struct{})
	go func() {
		defer close(ackerDone)
		d.acker()
	}()
	defer func() { <-ackerDone }()
	slots := make(chan struct{}, d.workers)
	var wg sync.WaitGroup
	defer close(d.acks)
	defer wg.Wait()
	storeFailures := 0
	backlog := false // the last claim was full: more is probably due
	for {
		// Wait for a free slot (under a backlog, for half of them, so that
		// claims come in batches), then take every other free one.
		need := 1
		if backlog {
			need = max(1, d.workers/2)
		}
		free := 0
		for free < need {
			select {
			case slots <- struct{}{}:
				free++
			case <-ctx.Done():
				release(slots, free)
				return nil
			}
		}
	fill:
		for free < d.workers {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		claimed, err := d.store.ClaimDeliveries(ctx, ledger.Claim{Worker: d.worker, Limit: free, Lease: d.lease, Now: d.now()})
		if err != nil {
			release(slots, free)
			if ctx.Err() != nil {
				return nil
			}
			storeFailures++
			pause := min(d.poll<<min(storeFailures, 5), 30*time.Second)
			d.log.Error().Err(err).Dur("retry_in", pause).Msg("webhook dispatcher: claim deliveries")
			if !d.sleep(ctx, pause) {
				return nil
			}
			continue
		}
		storeFailures = 0
		backlog = len(claimed) == free
		for _, c := range claimed {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer release(slots, 1)
				d.deliver(ctx, c)
				d.Notify() // the next event of the same aggregate may be due now
			}()
		}
		release(slots, free-len(claimed))
		if len(claimed) < free && !d.sleep(ctx, d.poll) {
			return nil
		}
	}
}

// release frees n worker slots.
func release(slots chan struct{}, n int) {
	for range n {
		<-slots
	}
}

// sleep waits for d, a Notify or the end of ctx; false when ctx ended.
func (d *Dispatcher) sleep(ctx context.Context, dur time.Duration) bool {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-d.wake:
		return true
	case <-t.C:
		return true
	}
}

// reportTimeout bounds the store call that records an attempt.
const reportTimeout = 30 * time.Second

// deliver makes one attempt at a claimed delivery and reports it. An
// attempt already started finishes even when ctx ends (the Sender's
// timeout bounds it), so its outcome is recorded rather than lost.
func (d *Dispatcher) deliver(ctx context.Context, c ledger.ClaimedDelivery) {
	del := c.Delivery
	ep, configured := d.endpoints[del.EndpointID]
	var out Outcome
	switch body, err := Body(c.Event); {
	case !configured:
		out = Outcome{Result: Undeliverable, At: d.now(), Err: fmt.Errorf("endpoint %s is not in the configuration", del.EndpointID)}
	case err != nil:
		out = Outcome{Result: Undeliverable, At: d.now(), Err: err}
	default:
		out = d.sender.Send(context.WithoutCancel(ctx), ep, c.Event.ID, body)
	}
	d.metrics.observe(del.EndpointID, out)
	log := d.log.With().Str("delivery", del.ID).Str("event", c.Event.ID).Str("event_type", c.Event.Type).
		Str("endpoint", del.EndpointID).Int("attempt", del.Attempts+1).Int("status", out.StatusCode).
		Str("result", out.Result.String()).Dur("duration", out.Duration).Logger()

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	var err error
	switch out.Result {
	case Delivered:
		log.Debug().Msg("webhook delivered")
		d.acks <- pendingAck{ack: ledger.DeliveryAck{ID: del.ID, Token: del.Lease.Token, Attempt: out.Attempt()}, log: log}
		return
	case EndpointGone:
		reason := fmt.Sprintf("410 Gone at %s", out.At.UTC().Format(time.RFC3339))
		if derr := d.store.SetEndpointEnabled(rctx, del.EndpointID, false, ledger.Write[ledger.WebhookEndpoint]{Actor: "webhook", Reason: reason}); derr != nil {
			log.Error().Err(derr).Msg("webhook endpoint answered 410 Gone but could not be disabled")
		} else {
			d.metrics.endpointDisabled(del.EndpointID)
			log.Error().Err(out.Err).Msg("webhook endpoint answered 410 Gone: disabled; its deliveries wait until it is enabled again")
		}
		err = d.retry(rctx, c, out, log)
	case RetryLater:
		err = d.retry(rctx, c, out, log)
	case Undeliverable:
		err = d.store.FailDelivery(rctx, del.ID, del.Lease.Token, out.Attempt(), time.Time{})
		d.metrics.deadLetter(del.EndpointID)
		log.Error().Err(out.Err).Msg("webhook undeliverable: dead letter")
	case Aborted:
		// Not an attempt: the lease runs out and the delivery is claimed again.
		return
	}
	switch {
	case errors.Is(err, ledger.ErrConflict):
		log.Warn().Err(err).Msg("webhook outcome not recorded: lease lost, the delivery will be attempted again")
	case err != nil:
		log.Error().Err(err).Msg("webhook outcome not recorded: the delivery will be attempted again when its lease runs out")
	}
}

// acker records the successful attempts handed to it, as many per store
// transaction as have queued up while the previous one committed (group
// commit), until d.acks is closed and drained. A batch the store refuses
// whole is recorded one attempt at a time; an attempt whose lease was lost
// meanwhile is logged, and the delivery is attempted again.
func (d *Dispatcher) acker() {
	batch := make([]pendingAck, 0, maxAckBatch)
	for first := range d.acks {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxAckBatch {
			select {
			case p, ok := <-d.acks:
				if !ok {
					break fill
				}
				batch = append(batch, p)
			default:
				break fill
			}
		}
		d.recordAcks(batch)
		d.Notify() // the next events of these aggregates may be due now
	}
}

// recordAcks records a batch of successful attempts.
func (d *Dispatcher) recordAcks(batch []pendingAck) {
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	acks := make([]ledger.DeliveryAck, len(batch))
	for i, p := range batch {
		acks[i] = p.ack
	}
	errs, err := d.store.AckDeliveries(ctx, acks)
	if err != nil {
		d.log.Warn().Err(err).Int("deliveries", len(acks)).Msg("webhook dispatcher: batch of acks not recorded; recording them one by one")
		errs = make([]error, len(acks))
		for i, a := range acks {
			errs[i] = d.store.AckDelivery(ctx, a.ID, a.Token, a.Attempt)
		}
	}
	for i, err := range errs {
		switch log := batch[i].log; {
		case errors.Is(err, ledger.ErrConflict):
			log.Warn().Err(err).Msg("webhook outcome not recorded: lease lost, the delivery will be attempted again")
		case err != nil:
			log.Error().Err(err).Msg("webhook outcome not recorded: the delivery will be attempted again when its lease runs out")
		}
	}
}

// retry records a failed attempt with the next attempt's time, or as a dead
// letter when the schedule is over. The retry span counts from the
// delivery's creation, so a replayed dead letter gets one attempt: if it
// fails again it is dead again at once, visible and replayable.
func (d *Dispatcher) retry(ctx context.Context, c ledger.ClaimedDelivery, out Outcome, log zerolog.Logger) error {
	del := c.Delivery
	d.randMu.Lock()
	next, dead := d.schedule.Next(del.Attempts+1, del.CreatedAt, d.now(), out.RetryAfter, d.rand)
	d.randMu.Unlock()
	if dead {
		d.metrics.deadLetter(del.EndpointID)
		log.Error().Err(out.Err).Msg("webhook failed and its retry span is over: dead letter")
		return d.store.FailDelivery(ctx, del.ID, del.Lease.Token, out.Attempt(), time.Time{})
	}
	log.Warn().Err(out.Err).Time("next_attempt", next).Msg("webhook failed, will retry")
	return d.store.FailDelivery(ctx, del.ID, del.Lease.Token, out.Attempt(), next)
}
