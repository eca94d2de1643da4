package httpapi

import (
	"net/http"

	"github.com/lettrage/lettrage/internal/ledger"
)

// listDeliveries lists webhook deliveries in id order, each with its
// event: status=dead lists the dead letters to replay.
func (a *api) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "status", "endpoint", "event_id", "after", "limit"); err != nil {
		return err
	}
	p, err := a.pageOf(q)
	if err != nil {
		return err
	}
	status, err := oneOf(q, "status", string(ledger.DeliveryPending), string(ledger.DeliveryInFlight), string(ledger.DeliveryDelivered), string(ledger.DeliveryDead))
	if err != nil {
		return err
	}
	ds, err := a.store.ListDeliveries(r.Context(), ledger.DeliveryFilter{
		Status: ledger.DeliveryStatus(status), EndpointID: q.Get("endpoint"), EventID: q.Get("event_id"), After: p.after, Limit: p.limit + 1,
	})
	if err != nil {
		return err
	}
	out, err := pageOut(ds, p, func(d *ledger.Delivery) string { return d.ID }, func(d *ledger.Delivery) (deliveryJSON, error) {
		x := deliveryOf(d)
		ev, err := a.store.GetEvent(r.Context(), d.EventID)
		if err != nil {
			return x, err
		}
		x.Event = eventOf(&ev)
		return x, nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// replayDelivery makes a dead (or delivered) delivery pending again, due
// at once, with a journal row naming the token.
func (a *api) replayDelivery(w http.ResponseWriter, r *http.Request) error {
	var in reasonInput
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	reason := in.Reason
	if reason == "" {
		reason = "replayed through the API"
	}
	d, err := a.store.ReplayDelivery(r.Context(), r.PathValue("delivery"), ledger.Write[ledger.Delivery]{Actor: actorOf(r), Reason: reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deliveryOf(&d))
	return nil
}
