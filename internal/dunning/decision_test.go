package dunning

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestRunLines checks the JSON of `lettrage dunning run --json` for a mise
// en demeure: 1200.00 due 2025-03-31, entered on 2025-04-30, 30 days late
// at 13.15 %: 1200 × 0.1315 × 30 / 365 = 4734 / 365 = 12.9698… → 12.97;
// indemnity 40.00; deadline 04-30 + 8 = 05-08.
func TestRunLines(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	c := newCase("2025-03-31", "1200.00", "standard")
	c.History = []StageEntry{{Stage: "reminder_2", Entered: day("2025-04-15")}}
	d, err := Next(c, day("2025-04-30"), p)
	if err != nil {
		t.Fatal(err)
	}
	ls := d.Lines(false)
	if len(ls) != 1 {
		t.Fatalf("lines = %+v", ls)
	}
	b, err := json.Marshal(ls[0])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got["reason"].(string), "formal_notice due since 2025-04-30 (due date 2025-03-31 +30 days)") {
		t.Errorf("reason %q", got["reason"])
	}
	delete(got, "reason")
	want := map[string]any{
		"invoice_id": "INV-1", "customer_id": "C1", "from": "reminder_2", "to": "formal_notice",
		"action": "registered_letter", "amount_due": "1200.00", "penalties": "12.97", "indemnity": "40.00",
		"deadline": "2025-05-08",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("line = %s\nwant %v", b, want)
	}
	l := d.Transitions[0].Letter
	if l.InvoiceNumber != "FA-2025-0001" || l.IssueDate != day("2025-03-01") || l.DueDate != day("2025-03-31") ||
		l.Total != eur("1252.97") || l.Deadline != day("2025-05-08") || !d.Transitions[0].MentionPenalties {
		t.Errorf("letter = %+v", l)
	}

	// The first transition has no "from"; a hand-off has a route; no
	// deadline is null.
	first, err := Next(newCase("2025-03-31", "1200.00", "standard"), day("2025-03-28"), p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(first.Lines(false)[0])
	if !strings.Contains(string(b), `"from":null,"to":"courtesy","action":"email"`) || !strings.Contains(string(b), `"deadline":null`) || strings.Contains(string(b), "route") {
		t.Errorf("first line = %s", b)
	}
	c.History = []StageEntry{{Stage: "formal_notice", Entered: day("2025-04-30"), Deadline: day("2025-05-08")}}
	h, err := Next(c, day("2025-05-15"), p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(h.Lines(false)[0])
	if !strings.Contains(string(b), `"action":"legal_handoff"`) || !strings.Contains(string(b), `"route":"procedure_simplifiee"`) {
		t.Errorf("hand-off line = %s", b)
	}
}

// TestRunLinesExplain: a held case prints "to": null with its reasons only
// with explain.
func TestRunLinesExplain(t *testing.T) {
	t.Parallel()
	c := newCase("2025-03-31", "1200.00", "standard")
	c.History = []StageEntry{{Stage: "reminder_1", Entered: day("2025-04-01")}}
	c.Disputes = []Dispute{{ID: "D1", Reason: DisputeQuality, Opened: day("2025-04-05"), Note: "broken pallets"}}
	c.UnmatchedCredits = []Signal{{Ref: "TX-1", Seen: day("2025-04-09")}}
	d, err := Next(c, day("2025-04-10"), defaultPolicy(t))
	if err != nil {
		t.Fatal(err)
	}
	if ls := d.Lines(false); len(ls) != 0 {
		t.Errorf("without explain: %+v", ls)
	}
	ls := d.Lines(true)
	if len(ls) != 1 {
		t.Fatalf("with explain: %+v", ls)
	}
	b, _ := json.Marshal(ls[0])
	// 10 days late at 13.15 %: 1200 × 0.1315 × 10 / 365 = 4.323… → 4.32.
	for _, w := range []string{`"from":"reminder_1","to":null,"action":"hold","amount_due":"1200.00","penalties":"4.32","indemnity":"40.00"`, "dispute: dispute (quality): broken pallets", "pending_payment: an unmatched credit from the payer was seen on 2025-04-09"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("line %s\ndoes not contain %s", b, w)
		}
	}
}
