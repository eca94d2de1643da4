package ledger

import (
	"strings"
	"time"
)

// EventDraft is an event a write wants published: the store gives it an
// ID, a per-aggregate sequence number and a time, and records it in the
// outbox in the same database transaction as the change it reports.
type EventDraft struct {
	// Type is the event type, e.g. "lettrage.applied" or "invoice.paid".
	Type string
	// AggregateType and AggregateID name what the event is about (e.g.
	// "invoice" and the invoice id). Deliveries of the events of one
	// aggregate to one endpoint are made in order.
	AggregateType string
	AggregateID   string
	// Data is the event's JSON payload (the "data" member of the webhook
	// body), stored byte for byte.
	Data []byte
}

// OutboxEvent is an event recorded in the outbox.
type OutboxEvent struct {
	ID            string // ULID; the webhook-id of every delivery of it
	Type          string
	AggregateType string
	AggregateID   string
	// Sequence numbers the events of one aggregate 1, 2, 3… in commit
	// order, so consumers can drop stale events.
	Sequence   int64
	OccurredAt time.Time
	Data       []byte
}

// WebhookEndpoint is a webhook target from the configuration, as the store
// knows it to fan events out into deliveries.
type WebhookEndpoint struct {
	ID  string // the endpoint's stable name in the configuration
	URL string
	// Events lists the event types the endpoint wants: "*" for all, an
	// exact type, or a prefix pattern such as "lettrage.*".
	Events         []string
	Enabled        bool
	DisabledReason string    // why it was disabled (e.g. "410 Gone"), when not Enabled
	DisabledAt     time.Time // zero when Enabled
}

// EndpointRemovedReason is the DisabledReason of a stored endpoint that the
// configuration no longer lists (SyncEndpoints).
const EndpointRemovedReason = "removed from configuration"

// Wants reports whether the endpoint subscribes to the event type.
func (e *WebhookEndpoint) Wants(eventType string) bool {
	for _, p := range e.Events {
		switch {
		case p == "*" || p == eventType:
			return true
		case strings.HasSuffix(p, ".*") && strings.HasPrefix(eventType, p[:len(p)-1]):
			return true
		}
	}
	return false
}

// DeliveryStatus is where a delivery of an event to an endpoint stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its next attempt (NextAt)
	DeliveryInFlight  DeliveryStatus = "inflight"  // claimed by a dispatcher under a lease
	DeliveryDelivered DeliveryStatus = "delivered" // the endpoint answered 2xx
	DeliveryDead      DeliveryStatus = "dead"      // given up: dead letter, replayable
)

// Lease is a time-limited claim on a piece of work. Reports about the work
// must quote the Token; once Until has passed another worker may claim it
// and the old token is refused.
type Lease struct {
	Token  string
	Worker string
	Until  time.Time
}

// Delivery is one event to be delivered to one endpoint.
type Delivery struct {
	ID             string
	EventID        string
	EndpointID     string
	Status         DeliveryStatus
	Attempts       int       // attempts reported so far
	NextAt         time.Time // when the next attempt is due (pending)
	LastAttemptAt  time.Time
	LastHTTPStatus int // 0 when no response was received
	LastError      string
	DeliveredAt    time.Time
	Lease          Lease // set while in flight
	CreatedAt      time.Time
}

// DeliveryAttempt is the report of one attempt to deliver.
type DeliveryAttempt struct {
	At         time.Time
	HTTPStatus int // 0 when no response was received
	Error      string
	Duration   time.Duration
}

// ClaimedDelivery is a delivery handed to a dispatcher with what it needs
// to make the request.
type ClaimedDelivery struct {
	Delivery Delivery
	Event    OutboxEvent
	Endpoint WebhookEndpoint
}

// Claim asks for up to Limit pieces of due work, leased to Worker for Lease
// from Now.
type Claim struct {
	Worker string
	Limit  int
	Lease  time.Duration
	Now    time.Time
}

// OutboxStats summarises the outbox for metrics.
type OutboxStats struct {
	Pending  int // pending or in flight
	Dead     int
	InFlight int
	// OldestPending is when the oldest undelivered (pending or in flight)
	// delivery was created; zero when there is none.
	OldestPending time.Time
}
