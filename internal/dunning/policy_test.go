package dunning

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// TestDefaultPolicyIsDeployed keeps the embedded policy identical to
// deploy/dunning.yaml, the copy users read.
func TestDefaultPolicyIsDeployed(t *testing.T) {
	t.Parallel()
	deployed, err := os.ReadFile(filepath.Join("..", "..", "deploy", "dunning.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(deployed, defaultPolicyYAML) {
		t.Fatal("internal/dunning/default_policy.yaml differs from deploy/dunning.yaml: copy one onto the other")
	}
	if !bytes.Equal(DefaultPolicyYAML(), deployed) {
		t.Fatal("DefaultPolicyYAML does not return the embedded file")
	}
}

// TestDefaultPolicyContent checks the shipped policy says what the French
// practice and the law say.
func TestDefaultPolicyContent(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	std := p.Scenarios["standard"]
	var got []string
	for _, s := range std.Stages {
		got = append(got, s.ID+":"+string(s.Action))
	}
	want := "courtesy:email reminder_1:email call:phone_task reminder_2:letter formal_notice:registered_letter legal:legal_handoff"
	if strings.Join(got, " ") != want {
		t.Errorf("standard stages %v, want %s", got, want)
	}
	if s := std.Stages[4]; s.OffsetDays != 30 || s.DeadlineDays != 8 || !s.MentionPenalties {
		t.Errorf("formal notice %+v, want J+30 with 8 days", s)
	}
	if !std.Stages[3].MentionPenalties {
		t.Error("the second reminder must mention penalties")
	}
	lf := p.LateFees
	if lf.Rate.Mode != RateECBPlus || lf.Rate.MarginPoints != pct("10") || lf.Rate.FloorLegalMultiple != 3 || lf.Indemnity != eur("40.00") {
		t.Errorf("late fees %+v, want ECB + 10, floor 3 × légal, 40 €", lf)
	}
	for _, h := range []string{"2025-H1", "2025-H2", "2026-H1"} {
		hy, _ := ParseHalfYear(h)
		if r, err := p.Rates.Lookup(hy); err != nil || r.Source == "" {
			t.Errorf("rate row %s: %+v, %v", h, r, err)
		}
	}
	if p.PaymentTerms.MaxDays != 60 {
		t.Errorf("max payment term %d, want 60", p.PaymentTerms.MaxDays)
	}
}

func TestActionLetterBearing(t *testing.T) {
	t.Parallel()
	for a, want := range map[Action]bool{ActionEmail: true, ActionLetter: true, ActionRegisteredLetter: true,
		ActionLegalHandoff: true, ActionPhoneTask: false, ActionNone: false} {
		if a.LetterBearing() != want {
			t.Errorf("%s.LetterBearing() = %t", a, !want)
		}
	}
}

// TestPolicyErrors breaks the shipped policy one way at a time and checks
// the message names the field and the bound.
func TestPolicyErrors(t *testing.T) {
	t.Parallel()
	base := string(defaultPolicyYAML)
	tests := []struct {
		name     string
		old, new string // replace the first occurrence of old by new
		want     []string
	}{
		{"unknown top-level key", "version: 1\n", "version: 1\nretries: 3\n", []string{`unknown key "retries" in the top level`, "yaml: line "}},
		{"unknown stage key", "        only_before_due: true   #", "        only_before: true   #", []string{`unknown key "only_before" in a stage`}},
		{"rates under a scenario", "      on_paid_late: review\n", "      on_paid_late: review\n      rates: []\n", []string{`unknown key "rates" in late_payment`}},
		{"unknown rate key", `      legal_rate: "3.71"`, "      legal_rate: \"3.71\"\n      consumer_rate: \"7.21\"", []string{`unknown key "consumer_rate" in late_payment.rates`}},
		{"version", "version: 1\n", "version: 2\n", []string{"version: 2, want 1"}},
		{"currency", "currency: EUR", "currency: euro", []string{`currency: "euro" is not an ISO 4217 code`}},
		{"deadline too short", "        deadline_days: 8\n", "        deadline_days: 5\n", []string{"scenarios.standard.stages[4].deadline_days: 5 is out of range [8, 30]"}},
		{"deadline too long", "        deadline_days: 8\n", "        deadline_days: 45\n", []string{"deadline_days: 45 is out of range [8, 30]"}},
		{"deadline on an email", "        action: phone_task\n", "        action: phone_task\n        deadline_days: 8\n", []string{"only a registered_letter stage has a deadline"}},
		{"first stage from previous", "        offset_days: -3\n        from: due_date", "        offset_days: 3\n        from: previous_stage", []string{"scenarios.standard.stages[0].from: the first stage cannot count from a previous stage"}},
		{"offsets not increasing", "        offset_days: 8\n", "        offset_days: 1\n", []string{"scenarios.standard.stages[2].offset_days: 1, want more than 1"}},
		{"unknown action", "        action: phone_task\n", "        action: fax\n", []string{`action: "fax", want email`}},
		{"unknown anchor", "        offset_days: 8\n        from: due_date", "        offset_days: 8\n        from: invoice_date", []string{`from: "invoice_date", want due_date or previous_stage`}},
		{"duplicate stage", "      - id: call                #", "      - id: reminder_1          #", []string{`"reminder_1" is used twice`}},
		{"bad stage id", "      - id: call                #", "      - id: Call Me             #", []string{`id: "Call Me", want 1 to 40 characters`}},
		{"only before due after due", "        offset_days: -3\n", "        offset_days: 0\n", []string{"only_before_due: needs from: due_date and a negative offset_days"}},
		{"hand-off not last", "      - id: reminder_1          #", "      - id: early_legal\n        offset_days: 0\n        from: due_date\n        action: legal_handoff\n      - id: reminder_1          #", []string{"legal_handoff must be the last stage"}},
		{"segment to nowhere", "  risky: risky\n", "  risky: bold\n", []string{`segments.risky: "bold" is not one of the scenarios`}},
		{"default to nowhere", "default_scenario: standard", "default_scenario: normal", []string{`default_scenario: "normal" is not one of the scenarios`}},
		{"procédure simplifiée ceiling", `      max_amount: "5000.00"`, `      max_amount: "6000.00"`, []string{"legal_handoff.routes[1].max_amount: procedure_simplifiee needs max_amount ≤ 5000.00"}},
		{"last route bounded", "    - route: assignation_en_paiement  # disputed claims", "    - route: assignation_en_paiement\n      min_amount: \"1.00\"", []string{"legal_handoff.routes[3]: the last route must have no amount bound"}},
		{"unknown route", "route: collection_agency", "route: bailiff", []string{`route: "bailiff", want procedure_simplifiee`}},
		{"duplicate half-year", "half_year: 2025-H2", "half_year: 2025-H1", []string{"late_payment.rates[1].half_year: 2025-H1 appears twice"}},
		{"bad half-year", "half_year: 2025-H2", "half_year: 2025-S2", []string{`late_payment.rates[1].half_year: half-year "2025-S2": want YYYY-H1 or YYYY-H2`}},
		{"rate source missing", `      source: "taux légal: arrêté du 19 juin 2025`, `      note: "taux légal: arrêté du 19 juin 2025`, []string{`unknown key "note"`}},
		{"rate with a comma", `ecb_mro: "2.15"`, `ecb_mro: "2,15"`, []string{`late_payment.rates[1].ecb_mro: rate "2,15"`}},
		{"indemnity with a comma", `  indemnity: "40.00"            # D441-5, per invoice paid late`, `  indemnity: "40,00"`, []string{`late_payment.indemnity: amount "40,00"`}},
		{"negative indemnity", `  indemnity: "40.00"            # D441-5, per invoice paid late`, `  indemnity: "-40.00"`, []string{"late_payment.indemnity: -40.00 is negative"}},
		{"margin with fixed", "    mode: ecb_plus              #", "    mode: fixed                 #", []string{"late_payment.rate.fixed: 0.00 is out of range (0, 100]", "late_payment.rate.margin_points: set with mode fixed"}},
		{"floor multiple", "    floor_legal_multiple: 3     #", "    floor_legal_multiple: 20    #", []string{"late_payment.rate.floor_legal_multiple: 20 is out of range [0, 10]"}},
		{"disposition", "  on_paid_late: review\n", "  on_paid_late: forget\n", []string{`late_payment.on_paid_late: "forget", want claim, waive or review`}},
		{"payment terms", "  max_days: 60 ", "  max_days: 90 ", []string{"payment_terms.max_days: 90 is out of range [1, 60]"}},
		{"end of month method", "  end_of_month_45: false", "  end_of_month_45: true", []string{}},
		{"end of month method wrong", "end_of_month_method: plus_45_then_end_of_month", "end_of_month_method: eom", []string{`payment_terms.end_of_month_method: "eom", want plus_45_then_end_of_month or end_of_month_then_plus_45`}},
		{"duplicate key", "  end_of_month_45: false        #", "  end_of_month_45: true\n  end_of_month_method: eom\n  #", []string{`mapping key "end_of_month_method" already defined`}},
		{"break stage missing", "  on_break_stage: formal_notice", "  on_break_stage: reminder_3", []string{`payment_plans.on_break_stage: stage "reminder_3" is missing from scenario "public_sector"`}},
		{"grace days", "pending_payment_grace_days: 5", "pending_payment_grace_days: -1", []string{"pending_payment_grace_days: -1 is out of range [0, 90]"}},
		{"minimum amount", `minimum_amount: "5.00"`, `minimum_amount: "5.001"`, []string{`minimum_amount: amount "5.001": more than 2 decimals`}},
		{"int as text", "min_days_between_stages: 3", "min_days_between_stages: three", []string{"cannot unmarshal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(base, tt.old) {
				t.Fatalf("the default policy has no %q", tt.old)
			}
			src := strings.Replace(base, tt.old, tt.new, 1)
			_, err := ParsePolicy([]byte(src))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("ParsePolicy: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ParsePolicy accepted the broken policy")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParsePolicyDocuments(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"empty":          "",
		"comment only":   "# nothing\n",
		"two documents":  string(defaultPolicyYAML) + "\n---\nversion: 1\n",
		"not a mapping":  "- 1\n- 2\n",
		"only a version": "version: 1\ncurrency: EUR\n",
	} {
		if _, err := ParsePolicy([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestValidateGoPolicy: a Policy built in Go is checked the same way, with
// every problem reported at once.
func TestValidateGoPolicy(t *testing.T) {
	t.Parallel()
	p := defaultPolicy(t)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.MinimumAmount = ledger.Money{Minor: 500, Currency: "USD"}
	p.LegalRoutes[1].MaxAmount = nil
	p.Rates = append(p.Rates, HalfYearRate{Half: HalfYear{2026, 2}, ECBMRO: pct("2"), LegalRate: pct("40")})
	err := p.Validate()
	if err == nil {
		t.Fatal("Validate accepted")
	}
	for _, w := range []string{
		`minimum_amount: currency "USD", want the policy currency "EUR"`,
		"legal_handoff.routes[1].max_amount: procedure_simplifiee needs max_amount ≤ 5000.00",
		"late_payment.rates[3].legal_rate: 40.00 is out of range [0, 30] percent",
		"late_payment.rates[3].source: required",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
}

// FuzzPolicy feeds arbitrary YAML to the policy parser: it must never
// panic, and whatever it accepts must validate and drive Next without
// panicking.
func FuzzPolicy(f *testing.F) {
	f.Add(defaultPolicyYAML)
	f.Add([]byte("version: 1\ncurrency: EUR\n"))
	f.Add([]byte("version: 1\ncurrency: EUR\nminimum_amount: \"1.00\"\ndefault_scenario: s\nscenarios:\n  s:\n    stages:\n      - id: a\n        offset_days: 1\n        from: due_date\n        action: email\nlate_payment:\n  rate:\n    mode: fixed\n    fixed: \"12\"\n  indemnity: \"40.00\"\n  on_paid_late: claim\n  rates:\n    - half_year: 2025-H1\n      ecb_mro: \"3.15\"\n      legal_rate: \"3.71\"\n      source: x\npayment_terms:\n  max_days: 60\n"))
	f.Add([]byte("scenarios: {a: {stages: [{id: x, offset_days: 99999999999999999999}]}}"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParsePolicy(src)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePolicy accepted a policy Validate refuses: %v", err)
		}
		for _, seg := range append(sortedKeys(p.Segments), "") {
			c := newCase("2025-03-31", "1200.00", seg)
			c.Invoice.Amount.Currency, c.Invoice.Open.Currency = p.Currency, p.Currency
			for _, now := range []string{"2025-03-01", "2025-04-15", "2025-06-30"} {
				d, err := Next(c, day(now), p)
				if err != nil {
					continue
				}
				c.History = append(c.History, d.Entries()...)
			}
		}
	})
}
