package ledger

import "testing"

func TestEndpointWants(t *testing.T) {
	for _, tc := range []struct {
		events []string
		typ    string
		want   bool
	}{
		{[]string{"*"}, "invoice.paid", true},
		{[]string{"invoice.paid"}, "invoice.paid", true},
		{[]string{"invoice.paid"}, "invoice.paidx", false},
		{[]string{"lettrage.*"}, "lettrage.applied", true},
		{[]string{"lettrage.*"}, "lettrage", false},
		{[]string{"lettrage.*"}, "lettrages.applied", false},
		{[]string{"statement.ingested", "invoice.*"}, "invoice.paid", true},
		{nil, "invoice.paid", false},
	} {
		e := WebhookEndpoint{Events: tc.events}
		if got := e.Wants(tc.typ); got != tc.want {
			t.Errorf("%v wants %s: %v, want %v", tc.events, tc.typ, got, tc.want)
		}
	}
}
