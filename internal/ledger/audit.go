package ledger

import "time"

// AuditRecord is one entry of the append-only journal of state changes:
// who did what to which thing, when and why. The journal of an invoice is
// the evidence of everything that happened to it.
type AuditRecord struct {
	// Seq orders the journal; assigned by the store, increasing.
	Seq int64
	// At is when the change was recorded (the store's clock).
	At time.Time
	// Actor is who made the change: "engine/<version>", "ingest",
	// "dunning", "import", or a user's name.
	Actor string
	// Action names the change, e.g. "match.applied", "invoice.imported",
	// "dunning.transition".
	Action string
	// EntityType and EntityID name the thing changed ("match", "invoice",
	// "statement_file", …).
	EntityType string
	EntityID   string
	// InvoiceID is the invoice concerned, when there is one, so that an
	// invoice's whole history can be exported.
	InvoiceID string
	Reason    string // why, as the actor gave it
	// Details is a JSON object with the specifics (amounts before and
	// after, ids), or nil.
	Details []byte
}
