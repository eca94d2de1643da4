package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

var t0 = time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)

func endpoints() []ledger.WebhookEndpoint {
	return []ledger.WebhookEndpoint{
		{ID: "erp", URL: "https://erp.example/hooks", Events: []string{"*"}},
		{ID: "crm", URL: "https://crm.example/hooks", Events: []string{"invoice.*"}},
	}
}

func event(typ, aggregate string) ledger.EventDraft {
	return ledger.EventDraft{Type: typ, AggregateType: "invoice", AggregateID: aggregate, Data: []byte(`{"invoice_id":"` + aggregate + `"}`)}
}

func claim(t testing.TB, s ledger.Store, worker string, n int, now time.Time) []ledger.ClaimedDelivery {
	t.Helper()
	ds, err := s.ClaimDeliveries(t.Context(), ledger.Claim{Worker: worker, Limit: n, Lease: time.Minute, Now: now})
	ok(t, err)
	return ds
}

var outboxTests = []test{
	{"Outbox/FanOutClaimAckFail", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()))
		evs, err := s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.paid", "A"), event("statement.rejected", "")})
		ok(t, err)
		if len(evs) != 2 || evs[0].ID == "" || evs[0].Sequence != 1 {
			t.Fatalf("appended %+v", evs)
		}
		all, err := s.ListDeliveries(ctx, ledger.DeliveryFilter{})
		ok(t, err)
		if len(all) != 3 {
			t.Fatalf("%d deliveries, want 3 (invoice.paid to both endpoints, statement.rejected to erp)", len(all))
		}
		now := time.Now()
		got := claim(t, s, "w1", 10, now)
		if len(got) != 3 {
			t.Fatalf("claimed %d, want 3", len(got))
		}
		if again := claim(t, s, "w2", 10, now); len(again) != 0 {
			t.Fatalf("claimed leased deliveries again: %+v", again)
		}
		d := got[0]
		if d.Delivery.Status != ledger.DeliveryInFlight || d.Delivery.Lease.Token == "" || d.Delivery.Lease.Worker != "w1" ||
			d.Endpoint.URL == "" || string(d.Event.Data) == "" || d.Event.ID != d.Delivery.EventID {
			t.Fatalf("claimed delivery %+v", d)
		}
		// Ack the first, fail the second with a retry, kill the third.
		ok(t, s.AckDelivery(ctx, d.Delivery.ID, d.Delivery.Lease.Token, ledger.DeliveryAttempt{At: now, HTTPStatus: 204, Duration: 12 * time.Millisecond}))
		retryAt := now.Add(5 * time.Minute)
		ok(t, s.FailDelivery(ctx, got[1].Delivery.ID, got[1].Delivery.Lease.Token, ledger.DeliveryAttempt{At: now, HTTPStatus: 503, Error: "unavailable"}, retryAt))
		ok(t, s.FailDelivery(ctx, got[2].Delivery.ID, got[2].Delivery.Lease.Token, ledger.DeliveryAttempt{At: now, Error: "connection refused"}, time.Time{}))
		wantErr(t, s.AckDelivery(ctx, d.Delivery.ID, d.Delivery.Lease.Token, ledger.DeliveryAttempt{}), ledger.ErrConflict, "ack twice")
		wantErr(t, s.AckDelivery(ctx, "nope", "x", ledger.DeliveryAttempt{}), ledger.ErrNotFound, "ack unknown delivery")
		acked, err := s.GetDelivery(ctx, d.Delivery.ID)
		ok(t, err)
		if acked.Status != ledger.DeliveryDelivered || acked.Attempts != 1 || acked.LastHTTPStatus != 204 || acked.DeliveredAt.IsZero() || acked.Lease.Token != "" {
			t.Fatalf("acked %+v", acked)
		}
		attempts, err := s.ListDeliveryAttempts(ctx, d.Delivery.ID)
		ok(t, err)
		if len(attempts) != 1 || attempts[0].HTTPStatus != 204 || attempts[0].Duration != 12*time.Millisecond {
			t.Fatalf("attempts %+v", attempts)
		}
		if early := claim(t, s, "w1", 10, now.Add(time.Minute)); len(early) != 0 {
			t.Fatalf("claimed before retry time: %+v", early)
		}
		late := claim(t, s, "w1", 10, retryAt)
		if len(late) != 1 || late[0].Delivery.ID != got[1].Delivery.ID || late[0].Delivery.Attempts != 1 || late[0].Delivery.LastError != "unavailable" {
			t.Fatalf("claimed at retry time: %+v", late)
		}
		dead, err := s.ListDeliveries(ctx, ledger.DeliveryFilter{Status: ledger.DeliveryDead})
		ok(t, err)
		if len(dead) != 1 || dead[0].ID != got[2].Delivery.ID {
			t.Fatalf("dead letters %+v", dead)
		}
		st, err := s.OutboxStats(ctx)
		ok(t, err)
		if st.Pending != 1 || st.InFlight != 1 || st.Dead != 1 || st.OldestPending.IsZero() {
			t.Fatalf("stats %+v", st)
		}
		// Replay the dead letter.
		_, err = s.ReplayDelivery(ctx, late[0].Delivery.ID, anyWrite[ledger.Delivery]("alice"))
		wantErr(t, err, ledger.ErrConflict, "replay an in-flight delivery")
		rep, err := s.ReplayDelivery(ctx, dead[0].ID, anyWrite[ledger.Delivery]("alice"))
		ok(t, err)
		if rep.Status != ledger.DeliveryPending {
			t.Fatalf("replayed %+v", rep)
		}
		if again := claim(t, s, "w1", 10, time.Now().Add(time.Second)); len(again) != 1 || again[0].Delivery.ID != dead[0].ID || again[0].Event.ID != got[2].Event.ID {
			t.Fatalf("claim after replay %+v", again)
		}
		_, err = s.ReplayDelivery(ctx, "nope", anyWrite[ledger.Delivery]("alice"))
		wantErr(t, err, ledger.ErrNotFound, "replay unknown delivery")
		_, err = s.GetEvent(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown event")
		ev, err := s.GetEvent(ctx, evs[0].ID)
		ok(t, err)
		if ev.Type != "invoice.paid" || string(ev.Data) != `{"invoice_id":"A"}` || !ev.OccurredAt.Equal(evs[0].OccurredAt) {
			t.Fatalf("event %+v", ev)
		}
	}},
	{"Outbox/LeaseExpiry", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
		_, err := s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.paid", "A")})
		ok(t, err)
		now := time.Now()
		first := claim(t, s, "dead-worker", 1, now)
		if len(first) != 1 {
			t.Fatalf("claimed %d", len(first))
		}
		if none := claim(t, s, "w2", 1, now.Add(30*time.Second)); len(none) != 0 {
			t.Fatal("claimed a delivery under a live lease")
		}
		second := claim(t, s, "w2", 1, now.Add(61*time.Second))
		if len(second) != 1 || second[0].Delivery.Lease.Token == first[0].Delivery.Lease.Token {
			t.Fatalf("claim after lease expiry: %+v", second)
		}
		wantErr(t, s.AckDelivery(ctx, first[0].Delivery.ID, first[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}),
			ledger.ErrConflict, "ack with an expired lease")
		ok(t, s.AckDelivery(ctx, second[0].Delivery.ID, second[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}))
	}},
	{"Outbox/ReleaseDeliveries", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
		_, err := s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.paid", "A"), event("invoice.paid", "B"), event("invoice.paid", "C")})
		ok(t, err)
		now := time.Now()
		mine := claim(t, s, "host/webhook", 2, now)
		theirs := claim(t, s, "other/webhook", 1, now)
		if len(mine) != 2 || len(theirs) != 1 {
			t.Fatalf("claimed %d and %d", len(mine), len(theirs))
		}
		_, err = s.ReleaseDeliveries(ctx, "", now)
		wantErr(t, err, ledger.ErrInvalid, "release without a worker")
		n, err := s.ReleaseDeliveries(ctx, "host/webhook", now.Add(time.Second))
		ok(t, err)
		if n != 2 {
			t.Fatalf("released %d, want 2", n)
		}
		// Released deliveries are due at once, under a fresh lease, with no
		// attempt counted; the other worker's lease is untouched.
		again := claim(t, s, "host/webhook", 10, now.Add(time.Second))
		if len(again) != 2 || again[0].Delivery.ID != mine[0].Delivery.ID || again[1].Delivery.ID != mine[1].Delivery.ID ||
			again[0].Delivery.Attempts != 0 || again[0].Delivery.Lease.Token == mine[0].Delivery.Lease.Token {
			t.Fatalf("claimed after release: %+v", again)
		}
		wantErr(t, s.AckDelivery(ctx, mine[0].Delivery.ID, mine[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}),
			ledger.ErrConflict, "ack under the released lease")
		ok(t, s.AckDelivery(ctx, theirs[0].Delivery.ID, theirs[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}))
		if n, err := s.ReleaseDeliveries(ctx, "nobody", now); err != nil || n != 0 {
			t.Fatalf("release of an unknown worker: %d, %v", n, err)
		}
	}},
	{"Outbox/AckDeliveries", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
		_, err := s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.paid", "A"), event("invoice.paid", "B"), event("invoice.paid", "C")})
		ok(t, err)
		now := time.Now()
		got := claim(t, s, "w", 3, now)
		if len(got) != 3 {
			t.Fatalf("claimed %d", len(got))
		}
		at := now.Add(time.Second)
		acks := []ledger.DeliveryAck{
			{ID: got[0].Delivery.ID, Token: got[0].Delivery.Lease.Token, Attempt: ledger.DeliveryAttempt{At: at, HTTPStatus: 204, Duration: time.Millisecond}},
			{ID: got[1].Delivery.ID, Token: "stale-lease", Attempt: ledger.DeliveryAttempt{At: at, HTTPStatus: 204}},
			{ID: "nope", Token: "x", Attempt: ledger.DeliveryAttempt{At: at, HTTPStatus: 204}},
			{ID: got[2].Delivery.ID, Token: got[2].Delivery.Lease.Token, Attempt: ledger.DeliveryAttempt{At: at, HTTPStatus: 200}},
		}
		errs, err := s.AckDeliveries(ctx, acks)
		ok(t, err)
		if len(errs) != 4 || errs[0] != nil || !errors.Is(errs[1], ledger.ErrConflict) || !errors.Is(errs[2], ledger.ErrNotFound) || errs[3] != nil {
			t.Fatalf("per-ack errors %v", errs)
		}
		for i, want := range []ledger.DeliveryStatus{ledger.DeliveryDelivered, ledger.DeliveryInFlight, ledger.DeliveryDelivered} {
			d, err := s.GetDelivery(ctx, got[i].Delivery.ID)
			ok(t, err)
			if d.Status != want {
				t.Fatalf("delivery %d %s, want %s", i, d.Status, want)
			}
			attempts, err := s.ListDeliveryAttempts(ctx, d.ID)
			ok(t, err)
			if n := map[bool]int{true: 1, false: 0}[want == ledger.DeliveryDelivered]; len(attempts) != n || d.Attempts != n {
				t.Fatalf("delivery %d: %d attempts recorded, %d counted, want %d", i, len(attempts), d.Attempts, n)
			}
		}
		if errs, err := s.AckDeliveries(ctx, nil); err != nil || len(errs) != 0 {
			t.Fatalf("no acks: %v, %v", errs, err)
		}
	}},
	{"Outbox/ClaimUnderBacklog", func(t *testing.T, s ledger.Store) {
		// A backlog of many aggregates, each with three events: claims in
		// small batches hand out the oldest due first, never an event
		// before its aggregate's earlier one is delivered, an expired
		// lease before younger pending ones, and each delivery once.
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
		const aggregates = 60
		var drafts []ledger.EventDraft
		for round := range 3 {
			for a := range aggregates {
				drafts = append(drafts, event(fmt.Sprintf("invoice.e%d", round), fmt.Sprintf("INV-%03d", a)))
			}
		}
		evs, err := s.AppendEvents(ctx, drafts)
		ok(t, err)
		now := time.Now()
		stale := claim(t, s, "dead", 1, now)
		if len(stale) != 1 || stale[0].Event.ID != evs[0].ID {
			t.Fatalf("first claim %+v, want the oldest event", stale)
		}
		later := now.Add(2 * time.Minute) // the dead worker's lease has expired
		seen := map[string]bool{}
		delivered := map[string]int{} // aggregate → events delivered
		first := true
		for {
			got := claim(t, s, "w", 7, later)
			if len(got) == 0 {
				break
			}
			if first && got[0].Delivery.ID != stale[0].Delivery.ID {
				t.Fatalf("expired lease not claimed first: %+v", got[0].Delivery)
			}
			first = false
			for _, d := range got {
				if seen[d.Delivery.ID] {
					t.Fatalf("delivery %s handed out twice", d.Delivery.ID)
				}
				seen[d.Delivery.ID] = true
				if want := int64(delivered[d.Event.AggregateID] + 1); d.Event.Sequence != want {
					t.Fatalf("%s: event %d handed out before event %d was delivered", d.Event.AggregateID, d.Event.Sequence, want)
				}
			}
			for _, d := range got {
				ok(t, s.AckDelivery(ctx, d.Delivery.ID, d.Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 204}))
				delivered[d.Event.AggregateID]++
			}
		}
		if len(seen) != len(evs) {
			t.Fatalf("%d deliveries handed out, want %d", len(seen), len(evs))
		}
	}},
	{"Outbox/OrderPerAggregate", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
		_, err := s.AppendEvents(ctx, []ledger.EventDraft{event("lettrage.applied", "A"), event("invoice.paid", "A"), event("invoice.paid", "B")})
		ok(t, err)
		now := time.Now()
		got := claim(t, s, "w", 10, now)
		if len(got) != 2 || got[0].Event.Type != "lettrage.applied" || got[1].Event.AggregateID != "B" {
			t.Fatalf("first claim %+v: want A's first event and B's", got)
		}
		ok(t, s.AckDelivery(ctx, got[1].Delivery.ID, got[1].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}))
		// A's second event waits while the first is retried.
		ok(t, s.FailDelivery(ctx, got[0].Delivery.ID, got[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 500}, now.Add(time.Minute)))
		if next := claim(t, s, "w", 10, now.Add(time.Second)); len(next) != 0 {
			t.Fatalf("claimed out of order: %+v", next)
		}
		retry := claim(t, s, "w", 10, now.Add(time.Minute))
		if len(retry) != 1 || retry[0].Delivery.ID != got[0].Delivery.ID {
			t.Fatalf("retry claim %+v", retry)
		}
		ok(t, s.AckDelivery(ctx, retry[0].Delivery.ID, retry[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}))
		last := claim(t, s, "w", 10, now.Add(time.Minute))
		if len(last) != 1 || last[0].Event.Type != "invoice.paid" || last[0].Event.AggregateID != "A" || last[0].Event.Sequence != 2 {
			t.Fatalf("A's second event: %+v", last)
		}
		// A dead letter does not block the events after it.
		_, err = s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.reopened", "A")})
		ok(t, err)
		ok(t, s.FailDelivery(ctx, last[0].Delivery.ID, last[0].Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 500}, time.Time{}))
		if after := claim(t, s, "w", 10, now.Add(time.Minute)); len(after) != 1 || after[0].Event.Type != "invoice.reopened" {
			t.Fatalf("after a dead letter: %+v", after)
		}
	}},
	{"Outbox/Endpoints", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		ok(t, s.SyncEndpoints(ctx, endpoints()))
		wantErr(t, s.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "x"}}), ledger.ErrInvalid, "endpoint without URL")
		ok(t, s.SetEndpointEnabled(ctx, "crm", false, ledger.Write[ledger.WebhookEndpoint]{Actor: "dispatcher", Reason: "410 Gone"}))
		wantErr(t, s.SetEndpointEnabled(ctx, "nope", false, anyWrite[ledger.WebhookEndpoint]("x")), ledger.ErrNotFound, "unknown endpoint")
		_, err := s.AppendEvents(ctx, []ledger.EventDraft{event("invoice.paid", "A")})
		ok(t, err)
		got := claim(t, s, "w", 10, time.Now())
		if len(got) != 1 || got[0].Endpoint.ID != "erp" {
			t.Fatalf("claimed %+v: want only erp's delivery", got)
		}
		// Syncing again keeps the 410 but drops what the configuration lost.
		ok(t, s.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "crm", URL: "https://crm2.example/hooks", Events: []string{"*"}}}))
		eps, err := s.ListEndpoints(ctx)
		ok(t, err)
		if len(eps) != 2 || eps[0].ID != "crm" || eps[0].Enabled || eps[0].DisabledReason != "410 Gone" || eps[0].URL != "https://crm2.example/hooks" ||
			eps[1].ID != "erp" || eps[1].Enabled || eps[1].DisabledAt.IsZero() {
			t.Fatalf("endpoints after sync %+v", eps)
		}
		ok(t, s.SetEndpointEnabled(ctx, "crm", true, anyWrite[ledger.WebhookEndpoint]("alice")))
		ok(t, s.SyncEndpoints(ctx, endpoints()))
		eps, err = s.ListEndpoints(ctx)
		ok(t, err)
		if !eps[0].Enabled || !eps[1].Enabled {
			t.Fatalf("endpoints after re-enabling %+v", eps)
		}
		journal, err := s.ListAudit(ctx, ledger.AuditFilter{EntityType: "webhook_endpoint", EntityID: "crm"})
		ok(t, err)
		if len(journal) != 2 || journal[0].Reason != "410 Gone" {
			t.Fatalf("endpoint journal %+v", journal)
		}
	}},
	{"Outbox/ConcurrentClaimers", func(t *testing.T, s ledger.Store) {
		ConcurrentDeliveryClaims(t, []ledger.Store{s}, 200, 4)
	}},
}

// ConcurrentDeliveryClaims records n events, has workers per store claim and
// acknowledge deliveries concurrently until none is left, and checks that
// every delivery was delivered exactly once.
func ConcurrentDeliveryClaims(t *testing.T, stores []ledger.Store, n, workersPerStore int) {
	ctx := t.Context()
	s := stores[0]
	ok(t, s.SyncEndpoints(ctx, endpoints()[:1]))
	drafts := make([]ledger.EventDraft, n)
	for i := range drafts {
		drafts[i] = event("invoice.paid", fmt.Sprintf("INV%04d", i))
	}
	_, err := s.AppendEvents(ctx, drafts)
	ok(t, err)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*workersPerStore)
	for si, st := range stores {
		for w := range workersPerStore {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprintf("store%d-w%d", si, w)
				for {
					ds, err := st.ClaimDeliveries(ctx, ledger.Claim{Worker: worker, Limit: 7, Lease: time.Hour, Now: time.Now()})
					if err != nil {
						errs <- err
						return
					}
					if len(ds) == 0 {
						return
					}
					for _, d := range ds {
						mu.Lock()
						seen[d.Delivery.ID]++
						mu.Unlock()
						if err := st.AckDelivery(ctx, d.Delivery.ID, d.Delivery.Lease.Token, ledger.DeliveryAttempt{HTTPStatus: 200}); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("claimer: %v", err)
	}
	if len(seen) != n {
		t.Fatalf("%d distinct deliveries handed out, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("delivery %s handed out %d times", id, k)
		}
	}
	left, err := s.ListDeliveries(ctx, ledger.DeliveryFilter{Status: ledger.DeliveryPending})
	ok(t, err)
	if len(left) != 0 {
		t.Fatalf("%d deliveries left pending", len(left))
	}
}
