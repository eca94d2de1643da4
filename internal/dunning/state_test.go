package dunning

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestStateRoundTrip: the machine-kept state survives JSON, exactly, and
// its JSON is readable.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	s := State{
		Scenario: "risky",
		History: []StageEntry{{Stage: "courtesy", Entered: day("2025-03-24"), Lapsed: true},
			{Stage: "formal_notice", Entered: day("2025-04-15"), Deadline: day("2025-04-23")}},
		ActiveHolds: []HoldKey{{HoldDispute, "D1"}},
		Disputes:    []Dispute{{ID: "D1", Reason: DisputeDelivery, Opened: day("2025-04-16"), Expires: day("2025-05-16"), Note: "missing pallet"}},
		Plans: []PaymentPlan{{ID: "P1", Agreed: day("2025-04-10"), GraceDays: 5, Cancelled: day("2025-04-12"),
			Installments: []Installment{{day("2025-04-30"), eur("400.10")}}}},
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"stage":"courtesy","entered":"2025-03-24","lapsed":true`, `"deadline":"2025-04-23"`,
		`{"reason":"dispute","ref":"D1"}`, `"reason":"delivery","opened":"2025-04-16","expires":"2025-05-16"`,
		`{"due":"2025-04-30","amount":"400.10","currency":"EUR"}`, `"grace_days":5,"cancelled":"2025-04-12"`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("JSON %s\nlacks %s", b, w)
		}
	}
	if strings.Contains(string(b), `"expires":""`) || strings.Contains(string(b), `"closed":""`) {
		t.Errorf("zero dates not omitted: %s", b)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, s)
	}
	if err := json.Unmarshal([]byte(`{"plans":[{"installments":[{"due":"2025-04-30","amount":"1.001","currency":"EUR"}]}]}`), &back); err == nil {
		t.Error("an installment amount that needs rounding was accepted")
	}
}

// TestStateApply drives a case through the runner's loop with State only:
// load, Next, Apply, store.
func TestStateApply(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	c := newCase("2025-03-31", "1200.00", "standard")
	c.Disputes = []Dispute{{ID: "D1", Reason: DisputeQuality, Opened: day("2025-04-05"), Closed: day("2025-04-20")}}
	var stored []byte
	var err error
	if stored, err = json.Marshal(c.State()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for now := day("2025-03-01"); !now.After(day("2025-06-30")); now = now.AddDays(1) {
		var s State
		if err := json.Unmarshal(stored, &s); err != nil {
			t.Fatal(err)
		}
		d, err := Next(c.WithState(s), now, p)
		if err != nil {
			t.Fatal(err)
		}
		if now == day("2025-04-10") {
			if r, u := d.Pause(); r != "dispute:quality" || u != day("2025-04-20") {
				t.Errorf("Pause() = %q %s", r, u)
			}
		}
		for _, tr := range d.Transitions {
			got = append(got, now.String()+" "+tr.To)
		}
		if stored, err = json.Marshal(s.Apply(d)); err != nil {
			t.Fatal(err)
		}
	}
	want := "2025-03-28 courtesy,2025-04-01 reminder_1,2025-04-23 call,2025-04-30 reminder_2,2025-05-15 formal_notice,2025-05-30 legal"
	if strings.Join(got, ",") != want {
		t.Errorf("transitions %v\nwant %s", got, want)
	}
}

func TestPause(t *testing.T) {
	t.Parallel()
	d := Decision{Holds: []Hold{
		{HoldKey: HoldKey{HoldPendingPayment, "TX"}, Until: day("2025-04-19")},
		{HoldKey: HoldKey{HoldDispute, "D"}, Kind: "price", Until: day("2025-04-12")},
	}}
	if r, u := d.Pause(); r != "pending_payment,dispute:price" || u != day("2025-04-19") {
		t.Errorf("Pause() = %q %s", r, u)
	}
	d.Holds = append(d.Holds, Hold{HoldKey: HoldKey{HoldCustomer, "H"}, Kind: "insolvency"})
	if r, u := d.Pause(); r != "pending_payment,dispute:price,customer_hold:insolvency" || !u.IsZero() {
		t.Errorf("Pause() with an open-ended hold = %q %s", r, u)
	}
	if r, u := (Decision{}).Pause(); r != "" || !u.IsZero() {
		t.Errorf("Pause() not held = %q %s", r, u)
	}
}
