package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TimestampLayout formats the envelope's "timestamp": RFC 3339 in UTC with
// milliseconds, a fixed width that survives a round trip through either
// store.
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MaxBodyBytes bounds a request body. The specification recommends keeping
// payloads under 20 kB; events are thin (ids and key fields), so a body
// above this bound is a producer's bug and is not sent.
const MaxBodyBytes = 64 << 10

// Body returns the request body of an event, the bytes that are signed and
// sent, identical for every attempt and replay of the event:
//
//	{"type":"invoice.paid","timestamp":"2026-11-03T08:00:00.000Z",
//	 "aggregate":{"type":"invoice","id":"F-12","sequence":3},"data":{...}}
//
// "type", "timestamp" (when the event occurred) and "data" are the Standard
// Webhooks envelope; "aggregate" (present when the event names one) says
// what the event is about and numbers its events 1, 2, 3… so a receiver can
// drop a stale one. The stored data is copied byte for byte (surrounding
// white space trimmed); it must be a JSON object.
func Body(e ledger.OutboxEvent) ([]byte, error) {
	if e.Type == "" {
		return nil, fmt.Errorf("webhook body of event %s: no type", e.ID)
	}
	data := bytes.TrimSpace(e.Data)
	if len(data) == 0 || data[0] != '{' || !json.Valid(data) {
		return nil, fmt.Errorf("webhook body of event %s: data is not a JSON object", e.ID)
	}
	b := make([]byte, 0, len(data)+160)
	b = append(b, `{"type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"timestamp":"`...)
	b = e.OccurredAt.UTC().AppendFormat(b, TimestampLayout)
	b = append(b, '"')
	if e.AggregateType != "" || e.AggregateID != "" {
		b = append(b, `,"aggregate":{"type":`...)
		b = appendJSONString(b, e.AggregateType)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, e.AggregateID)
		b = append(b, `,"sequence":`...)
		b = strconv.AppendInt(b, e.Sequence, 10)
		b = append(b, '}')
	}
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, '}')
	if len(b) > MaxBodyBytes {
		return nil, fmt.Errorf("webhook body of event %s: %d bytes, more than %d", e.ID, len(b), MaxBodyBytes)
	}
	return b, nil
}

// Envelope is a webhook body as a receiver decodes it.
type Envelope struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Aggregate *Aggregate      `json:"aggregate,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// Aggregate says what an event is about and where it stands among that
// thing's events.
type Aggregate struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Sequence int64  `json:"sequence"`
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
