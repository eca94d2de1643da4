package httpapi

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// testWebhookDeadLetters: a delivery that died is listed with its event and
// replayed through the API, with a journal row naming the token.
func testWebhookDeadLetters(t *testing.T, open opener) {
	e := setup(t, open)
	ctx := t.Context()
	if err := e.store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/hooks", Events: []string{"*"}, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AppendEvents(ctx, []ledger.EventDraft{
		{Type: ledger.EventInvoicePaid, AggregateType: "invoice", AggregateID: "F-1", Data: []byte(`{"invoice_id":"F-1"}`)},
		{Type: ledger.EventPaymentUnmatched, AggregateType: "transaction", AggregateID: "T-1", Data: []byte(`{"transaction_id":"T-1"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	claimed, err := e.store.ClaimDeliveries(ctx, ledger.Claim{Worker: "test", Limit: 10, Lease: time.Minute, Now: time.Now().Add(time.Second)})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d deliveries: %v", len(claimed), err)
	}
	var dead, done ledger.ClaimedDelivery
	for _, c := range claimed {
		if c.Event.Type == ledger.EventInvoicePaid {
			dead = c
		} else {
			done = c
		}
	}
	now := time.Now()
	if err := e.store.FailDelivery(ctx, dead.Delivery.ID, dead.Delivery.Lease.Token,
		ledger.DeliveryAttempt{At: now, HTTPStatus: 500, Error: "receiver answered 500", Duration: time.Millisecond}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AckDelivery(ctx, done.Delivery.ID, done.Delivery.Lease.Token, ledger.DeliveryAttempt{At: now, HTTPStatus: 204}); err != nil {
		t.Fatal(err)
	}

	var l listJSON[deliveryJSON]
	e.get("/v1/webhooks/deliveries?status=dead").want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 1 {
		t.Fatalf("dead letters = %+v", l.Items)
	}
	d := l.Items[0]
	if d.ID != dead.Delivery.ID || d.Status != ledger.DeliveryDead || d.Attempts != 1 || d.LastHTTPStatus != 500 || d.LastError != "receiver answered 500" ||
		d.EndpointID != "erp" || d.Event == nil || d.Event.Type != ledger.EventInvoicePaid || d.Event.AggregateID != "F-1" || d.Event.Sequence != 1 {
		t.Fatalf("dead letter = %+v / %+v", d, d.Event)
	}
	for q, n := range map[string]int{"": 2, "?status=delivered": 1, "?status=pending": 0, "?endpoint=erp": 2, "?endpoint=other": 0, "?event_id=" + dead.Event.ID: 1, "?limit=1": 1} {
		var got listJSON[deliveryJSON]
		e.get("/v1/webhooks/deliveries"+q).want(t, http.StatusOK).decode(t, &got)
		if len(got.Items) != n {
			t.Errorf("deliveries%s: %d, want %d", q, len(got.Items), n)
		}
	}
	e.get("/v1/webhooks/deliveries?status=lost").wantError(t, http.StatusBadRequest, "bad_request")

	var r deliveryJSON
	e.post("/v1/webhooks/"+dead.Delivery.ID+"/replay", `{"reason":"receiver fixed"}`).want(t, http.StatusOK).decode(t, &r)
	if r.ID != dead.Delivery.ID || r.Status != ledger.DeliveryPending || r.EventID != dead.Event.ID {
		t.Fatalf("replayed = %+v", r)
	}
	rows, err := e.store.ListAudit(ctx, ledger.AuditFilter{EntityType: "delivery", EntityID: dead.Delivery.ID})
	if err != nil || len(rows) != 1 || rows[0].Action != "delivery.replayed" || rows[0].Actor != actorRW || rows[0].Reason != "receiver fixed" {
		t.Fatalf("journal of the replay = %+v, %v", rows, err)
	}
	e.post("/v1/webhooks/"+dead.Delivery.ID+"/replay", "").wantError(t, http.StatusConflict, "conflict")
	e.post("/v1/webhooks/D-404/replay", "").wantError(t, http.StatusNotFound, "not_found")
	// A delivered one can be replayed too (the receiver lost it), without a
	// reason.
	e.post("/v1/webhooks/"+done.Delivery.ID+"/replay", "").want(t, http.StatusOK)
}

// testWebhookEndpoints: endpoints are listed with why a disabled one is
// disabled; one disabled by a 410 is enabled again through the API with a
// journal row; one removed from the configuration cannot be.
func testWebhookEndpoints(t *testing.T, open opener) {
	var changes atomic.Int32 // OnChange calls: successful writes only
	e := setup(t, open, func(o *Options) { o.OnChange = func() { changes.Add(1) } })
	ctx := t.Context()
	if err := e.store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{
		{ID: "erp", URL: "https://erp.example/hooks", Events: []string{"*"}, Enabled: true},
		{ID: "old", URL: "https://old.example/hooks", Events: []string{"invoice.*"}, Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SyncEndpoints(ctx, []ledger.WebhookEndpoint{{ID: "erp", URL: "https://erp.example/hooks", Events: []string{"*"}, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetEndpointEnabled(ctx, "erp", false, ledger.Write[ledger.WebhookEndpoint]{Actor: "webhook", Reason: "410 Gone"}); err != nil {
		t.Fatal(err)
	}
	var l listJSON[endpointJSON]
	e.get("/v1/webhooks/endpoints").want(t, http.StatusOK).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].ID != "erp" || l.Items[0].Enabled || l.Items[0].DisabledReason != "410 Gone" || !l.Items[0].Configured ||
		l.Items[0].DisabledAt == nil || l.Items[1].ID != "old" || l.Items[1].Configured || l.Items[1].Enabled {
		t.Fatalf("endpoints = %+v", l.Items)
	}
	e.get("/v1/webhooks/endpoints?x=1").wantError(t, http.StatusBadRequest, "bad_request")

	var ep endpointJSON
	e.post("/v1/webhooks/endpoints/erp/enable", `{"reason":"receiver back"}`).want(t, http.StatusOK).decode(t, &ep)
	if !ep.Enabled || ep.DisabledReason != "" || ep.DisabledAt != nil {
		t.Fatalf("enabled endpoint = %+v", ep)
	}
	rows, err := e.store.ListAudit(ctx, ledger.AuditFilter{EntityType: "webhook_endpoint", EntityID: "erp"})
	if err != nil || len(rows) == 0 || rows[len(rows)-1].Actor != actorRW || rows[len(rows)-1].Reason != "receiver back" {
		t.Fatalf("journal of the endpoint = %+v, %v", rows, err)
	}
	e.post("/v1/webhooks/endpoints/erp/disable", "").want(t, http.StatusOK).decode(t, &ep)
	if ep.Enabled || ep.DisabledReason != "disabled through the API" {
		t.Fatalf("disabled endpoint = %+v", ep)
	}
	e.post("/v1/webhooks/endpoints/old/enable", "").wantError(t, http.StatusConflict, "conflict")
	e.post("/v1/webhooks/endpoints/nope/enable", "").wantError(t, http.StatusNotFound, "not_found")
	if n := changes.Load(); n != 2 {
		t.Errorf("OnChange called %d times, want 2 (the enable and the disable; not the reads nor the refusals)", n)
	}
}
