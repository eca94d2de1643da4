package webhook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleEvents are outbox events as the store hands them over.
func sampleEvents() map[string]ledger.OutboxEvent {
	paris, _ := time.LoadLocation("Europe/Paris")
	return map[string]ledger.OutboxEvent{
		"lettrage_applied": {
			ID: "01JC3Z8N7Q6M5K4J3H2G1F0E9D", Type: ledger.EventLettrageApplied,
			AggregateType: "invoice", AggregateID: "F-2026-0012", Sequence: 3,
			OccurredAt: time.Date(2026, 11, 3, 9, 15, 42, 123456789, paris),
			Data: []byte(`{ "match_id": "01JC3Z8N7Q6M5K4J3H2G1F0E9C", "transaction": {"bank_ref": "2026110300042", "amount": "1200.00", "currency": "EUR"},
  "allocations": [{"invoice_id": "F-2026-0012", "amount": "1200.00"}], "score": 0.98,
  "reasons": ["invoice number FA-2026-0012 in remittance (edit distance 1)", "payer <ACME & Fils>"] }
`),
		},
		"statement_ingested": {
			ID: "01JC3Z8N7Q6M5K4J3H2G1F0E9E", Type: ledger.EventStatementIngested,
			OccurredAt: time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC),
			Data:       []byte(`{"statement_id":"S1","file":"releve.cfo","entries":42}`),
		},
	}
}

func TestBodyGolden(t *testing.T) {
	t.Parallel()
	for name, e := range sampleEvents() {
		got, err := Body(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", "body_"+name+".json")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: body\n%s\nwant (%s)\n%s", name, got, path, want)
		}
	}
}

func TestBodyIsTheEnvelopeAndKeepsDataByteForByte(t *testing.T) {
	t.Parallel()
	for name, e := range sampleEvents() {
		b, err := Body(e)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("%s: body is not JSON: %s", name, b)
		}
		var env Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		if env.Type != e.Type || !env.Timestamp.Equal(e.OccurredAt.Truncate(time.Millisecond)) {
			t.Errorf("%s: envelope %s at %s, want %s at %s", name, env.Type, env.Timestamp, e.Type, e.OccurredAt)
		}
		if !bytes.Equal(env.Data, bytes.TrimSpace(e.Data)) {
			t.Errorf("%s: data changed:\n%s\nwant\n%s", name, env.Data, bytes.TrimSpace(e.Data))
		}
		if (env.Aggregate != nil) != (e.AggregateID != "") {
			t.Errorf("%s: aggregate %+v for aggregate id %q", name, env.Aggregate, e.AggregateID)
		} else if env.Aggregate != nil && (env.Aggregate.ID != e.AggregateID || env.Aggregate.Type != e.AggregateType || env.Aggregate.Sequence != e.Sequence) {
			t.Errorf("%s: aggregate %+v", name, env.Aggregate)
		}
		again, _ := Body(e)
		if !bytes.Equal(b, again) {
			t.Errorf("%s: two bodies of one event differ", name)
		}
		if !strings.HasSuffix(string(b), "}") || strings.Contains(string(b), "\\u003c") {
			t.Errorf("%s: body re-encoded its data: %s", name, b)
		}
	}
}

func TestBodyRefuses(t *testing.T) {
	t.Parallel()
	base := sampleEvents()["statement_ingested"]
	for _, tc := range []struct {
		name string
		mut  func(*ledger.OutboxEvent)
	}{
		{"no type", func(e *ledger.OutboxEvent) { e.Type = "" }},
		{"no data", func(e *ledger.OutboxEvent) { e.Data = nil }},
		{"data is an array", func(e *ledger.OutboxEvent) { e.Data = []byte(`[1,2]`) }},
		{"data is a string", func(e *ledger.OutboxEvent) { e.Data = []byte(`"x"`) }},
		{"data is truncated", func(e *ledger.OutboxEvent) { e.Data = []byte(`{"a":1`) }},
		{"data has trailing garbage", func(e *ledger.OutboxEvent) { e.Data = []byte(`{"a":1} {}`) }},
		{"data too large", func(e *ledger.OutboxEvent) {
			e.Data = []byte(`{"a":"` + strings.Repeat("x", MaxBodyBytes) + `"}`)
		}},
	} {
		e := base
		tc.mut(&e)
		if b, err := Body(e); err == nil {
			t.Errorf("%s: Body = %s, want an error", tc.name, b)
		}
	}
}

func TestEndpointWants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		events []string
		typ    string
		want   bool
	}{
		{[]string{"*"}, ledger.EventInvoicePaid, true},
		{[]string{ledger.EventInvoicePaid}, ledger.EventInvoicePaid, true},
		{[]string{ledger.EventInvoicePaid}, ledger.EventLettrageApplied, false},
		{[]string{"lettrage.*"}, ledger.EventLettrageReversed, true},
		{[]string{"lettrage.*"}, ledger.EventPaymentUnmatched, false},
		{[]string{"dunning.*", ledger.EventInvoicePaid}, ledger.EventDunningPaused, true},
		{nil, ledger.EventInvoicePaid, false},
	}
	for _, tc := range tests {
		if got := (Endpoint{Events: tc.events}).Wants(tc.typ); got != tc.want {
			t.Errorf("Endpoint{Events: %v}.Wants(%s) = %v, want %v", tc.events, tc.typ, got, tc.want)
		}
	}
}

func BenchmarkBody(b *testing.B) {
	e := sampleEvents()["lettrage_applied"]
	b.ReportAllocs()
	b.SetBytes(int64(len(e.Data)))
	for b.Loop() {
		if _, err := Body(e); err != nil {
			b.Fatal(err)
		}
	}
}
