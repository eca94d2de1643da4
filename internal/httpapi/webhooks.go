package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

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

// endpointJSON is a webhook endpoint as the API shows it (never its
// secrets, which live in the configuration only).
type endpointJSON struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	// Configured is false for an endpoint the configuration no longer
	// lists (kept for its delivery history).
	Configured bool `json:"configured"`
}

func endpointOf(ep *ledger.WebhookEndpoint) endpointJSON {
	out := endpointJSON{ID: ep.ID, URL: ep.URL, Events: ep.Events, Enabled: ep.Enabled, DisabledReason: ep.DisabledReason,
		Configured: ep.Enabled || ep.DisabledReason != ledger.EndpointRemovedReason}
	if out.Events == nil {
		out.Events = []string{}
	}
	if !ep.DisabledAt.IsZero() {
		at := ep.DisabledAt.UTC()
		out.DisabledAt = &at
	}
	return out
}

// listEndpoints lists the webhook endpoints, configured or not, with why
// a disabled one is disabled.
func (a *api) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	eps, err := a.store.ListEndpoints(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Items []endpointJSON `json:"items"`
	}{Items: make([]endpointJSON, 0, len(eps))}
	for i := range eps {
		out.Items = append(out.Items, endpointOf(&eps[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// enableEndpoint enables a configured endpoint again (after a 410 Gone,
// once the receiver is back), with a journal row naming the token. Events
// recorded while it was disabled were not queued for it.
func (a *api) enableEndpoint(w http.ResponseWriter, r *http.Request) error {
	return a.setEndpointEnabled(w, r, true, "enabled through the API")
}

// disableEndpoint stops deliveries to an endpoint until it is enabled
// again; its pending deliveries wait.
func (a *api) disableEndpoint(w http.ResponseWriter, r *http.Request) error {
	return a.setEndpointEnabled(w, r, false, "disabled through the API")
}

func (a *api) setEndpointEnabled(w http.ResponseWriter, r *http.Request, enabled bool, defaultReason string) error {
	var in reasonInput
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	reason := in.Reason
	if reason == "" {
		reason = defaultReason
	}
	id := r.PathValue("endpoint")
	eps, err := a.store.ListEndpoints(r.Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(eps, func(ep ledger.WebhookEndpoint) bool { return ep.ID == id })
	if i < 0 {
		return fmt.Errorf("webhook endpoint %q: %w", id, ledger.ErrNotFound)
	}
	if enabled && !eps[i].Enabled && eps[i].DisabledReason == ledger.EndpointRemovedReason {
		return fmt.Errorf("webhook endpoint %q is no longer in the configuration (no URL secret to sign with): add it there: %w", id, ledger.ErrConflict)
	}
	if err := a.store.SetEndpointEnabled(r.Context(), id, enabled, ledger.Write[ledger.WebhookEndpoint]{Actor: actorOf(r), Reason: reason}); err != nil {
		return err
	}
	if eps, err = a.store.ListEndpoints(r.Context()); err != nil {
		return err
	}
	for j := range eps {
		if eps[j].ID == id {
			writeJSON(w, http.StatusOK, endpointOf(&eps[j]))
			return nil
		}
	}
	return fmt.Errorf("webhook endpoint %q vanished: %w", id, ledger.ErrNotFound)
}
