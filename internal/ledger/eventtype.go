package ledger

import "strings"

// Event types Lettrage publishes (the "type" of a webhook body and of an
// OutboxEvent). They are hierarchical, "<family>.<what happened>", as the
// Standard Webhooks specification recommends. Producers (ingestion, the
// matching pipeline, the review API, the dunning runner) use these names;
// the webhook transport only carries them.
const (
	EventStatementIngested = "statement.ingested" // a statement file was parsed and stored
	EventStatementRejected = "statement.rejected" // a statement file was refused (moved to rejected/)

	EventLettrageApplied   = "lettrage.applied"   // an automatic match was applied to invoices
	EventLettrageProposed  = "lettrage.proposed"  // a match waits for a human in the review queue
	EventLettrageConfirmed = "lettrage.confirmed" // a human confirmed a proposal or lettered by hand
	EventLettrageRejected  = "lettrage.rejected"  // a human rejected a proposal
	EventLettrageReversed  = "lettrage.reversed"  // an applied or confirmed lettrage was undone

	EventPaymentUnmatched = "payment.unmatched" // a credit found no acceptable invoice
	EventInvoicePaid      = "invoice.paid"      // an invoice's open amount reached zero

	EventDunningStageChanged = "dunning.stage_changed" // a dunning case moved to another stage
	EventDunningPaused       = "dunning.paused"        // a dunning case was put on hold (dispute, payment plan…)
	EventDunningResumed      = "dunning.resumed"       // a held dunning case was resumed
)

// EventTypes returns every event type Lettrage publishes, in a stable order.
func EventTypes() []string {
	return []string{
		EventStatementIngested, EventStatementRejected,
		EventLettrageApplied, EventLettrageProposed, EventLettrageConfirmed,
		EventLettrageRejected, EventLettrageReversed,
		EventPaymentUnmatched, EventInvoicePaid,
		EventDunningStageChanged, EventDunningPaused, EventDunningResumed,
	}
}

// ValidEventFilter reports whether p is something an endpoint may subscribe
// to: "*" (everything), a published event type, or a family pattern such as
// "lettrage.*" naming a family that has published types. The matching rule
// is WebhookEndpoint.Wants.
func ValidEventFilter(p string) bool {
	if p == "*" {
		return true
	}
	for _, t := range EventTypes() {
		if p == t {
			return true
		}
		if strings.HasSuffix(p, ".*") && strings.HasPrefix(t, p[:len(p)-1]) {
			return true
		}
	}
	return false
}
