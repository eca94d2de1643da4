package webhook

import "github.com/lettrage/lettrage/internal/ledger"

// Endpoint is a delivery target with what it takes to sign for it.
type Endpoint struct {
	// ID is the endpoint's stable name in the configuration; deliveries
	// refer to it.
	ID  string
	URL string
	// Secrets sign every request, one signature each; the first is the
	// current one, the others are kept during a rotation.
	Secrets []Secret
	// Events lists the event types the endpoint wants: "*", exact types, or
	// family patterns such as "lettrage.*".
	Events []string
}

// Wants reports whether the endpoint subscribes to the event type, by the
// rule of ledger.WebhookEndpoint.Wants (the one the store fans out with).
func (e Endpoint) Wants(eventType string) bool {
	le := ledger.WebhookEndpoint{Events: e.Events}
	return le.Wants(eventType)
}
