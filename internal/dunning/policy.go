package dunning

import (
	"errors"
	"fmt"
	"sort"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Policy is the dunning policy (politique de relance): the scenarios per
// customer segment, the pauses, the late-payment terms and the legal
// hand-off routes. All its amounts are in Currency. Load one with
// ParsePolicy or DefaultPolicy; a Policy built in Go must pass Validate.
type Policy struct {
	Currency ledger.Currency
	// MinimumAmount: an open amount below it is not chased (don't chase
	// cents); it is also the shortfall a payment plan installment may have.
	MinimumAmount ledger.Money
	// PendingPaymentGraceDays: a pending review proposal or an unmatched
	// credit from the same payer holds escalation for this many days after
	// it was seen.
	PendingPaymentGraceDays int
	// MinDaysBetweenStages: a stage is entered at least this many days after
	// the previous one, which spaces out catching up after downtime.
	MinDaysBetweenStages int
	// DefaultScenario is used for an invoice whose customer has no segment.
	DefaultScenario string
	// Segments maps a customer segment to the name of its scenario.
	Segments map[string]string
	// Scenarios by name.
	Scenarios map[string]Scenario
	// LateFees are the late-payment terms, unless the scenario overrides them.
	LateFees LateFeeTerms
	// Rates is the table of reference rates per half-year.
	Rates RateTable
	// LegalRoutes choose the route of a legal hand-off: the first rule that
	// matches wins; the last rule must match everything.
	LegalRoutes []RouteRule
	// PaymentPlans are the payment plan rules.
	PaymentPlans PlanRules
	// PaymentTerms are the maximum payment terms checked at import.
	PaymentTerms PaymentTerms
}

// Scenario is an ordered list of stages.
type Scenario struct {
	Name   string
	Stages []Stage
	// LateFees, when set, replace the policy's late-payment terms for the
	// invoices of this scenario (e.g. public procurement).
	LateFees *LateFeeTerms
}

// Has reports whether the scenario has a stage with the given id.
func (s Scenario) Has(id string) bool { return s.index(id) >= 0 }

// ScenarioNames returns the names of the policy's scenarios, sorted: what
// a scenario override may name.
func (p Policy) ScenarioNames() []string { return sortedKeys(p.Scenarios) }

// index returns the position of the stage with the given id, or -1.
func (s Scenario) index(id string) int {
	for i, st := range s.Stages {
		if st.ID == id {
			return i
		}
	}
	return -1
}

// Anchor is what a stage's offset counts from.
type Anchor string

// Anchors.
const (
	FromDueDate       Anchor = "due_date"
	FromPreviousStage Anchor = "previous_stage"
)

// Action is what a stage does.
type Action string

// Actions.
const (
	ActionEmail            Action = "email"
	ActionPhoneTask        Action = "phone_task"
	ActionLetter           Action = "letter"
	ActionRegisteredLetter Action = "registered_letter" // mise en demeure, LRAR
	ActionLegalHandoff     Action = "legal_handoff"
	// ActionNone is reported for a stage passed without acting (lapsed).
	ActionNone Action = "none"
)

func (a Action) valid() bool {
	switch a {
	case ActionEmail, ActionPhoneTask, ActionLetter, ActionRegisteredLetter, ActionLegalHandoff:
		return true
	}
	return false
}

// LetterBearing reports whether the action sends the customer something
// that must carry the invoice and penalty details.
func (a Action) LetterBearing() bool {
	switch a {
	case ActionEmail, ActionLetter, ActionRegisteredLetter, ActionLegalHandoff:
		return true
	}
	return false
}

// Bounds of a mise en demeure's payment deadline, in days.
const (
	MinNoticeDeadlineDays = 8
	MaxNoticeDeadlineDays = 30
)

// Stage is one step of a scenario.
type Stage struct {
	ID string
	// OffsetDays counts from the due date (negative: before it, e.g. a
	// courtesy reminder) or from the day the previous stage was entered.
	OffsetDays int
	From       Anchor
	Action     Action
	// DeadlineDays is the payment deadline a registered letter (mise en
	// demeure) gives, 8 to 30 days; zero for other actions.
	DeadlineDays int
	// OnlyBeforeDue marks a reminder that makes sense only before the due
	// date (courtesy reminder): reached after the due date, it lapses (is
	// recorded, not sent) instead of being sent late.
	OnlyBeforeDue bool
	// MentionPenalties asks the letter to state the penalties and the
	// indemnity accrued (they are always in the transition's data).
	MentionPenalties bool
}

// Disposition is what happens to accrued penalties and indemnity when an
// invoice paid late is settled: they are never dropped silently.
type Disposition string

// Dispositions.
const (
	DispositionClaim  Disposition = "claim"  // invoice them
	DispositionWaive  Disposition = "waive"  // waive them, recorded as a decision
	DispositionReview Disposition = "review" // a human decides
)

func (d Disposition) valid() bool {
	return d == DispositionClaim || d == DispositionWaive || d == DispositionReview
}

// LateFeeTerms are the late-payment penalties and indemnity.
type LateFeeTerms struct {
	Rate RateRule
	// Indemnity is the fixed recovery indemnity per invoice paid late
	// (D441-5: 40 €); zero disables it.
	Indemnity ledger.Money
	// OnPaidLate says what to do with penalties and indemnity when the
	// principal is paid late.
	OnPaidLate Disposition
}

// Route is the legal path of a hand-off.
type Route string

// Legal routes.
const (
	// RouteProcedureSimplifiee is the procédure simplifiée de recouvrement
	// des petites créances (CPCE L125-1, R125-1): ≤ 5 000 € principal and
	// interest, undisputed, run by a commissaire de justice.
	RouteProcedureSimplifiee Route = "procedure_simplifiee"
	// RouteInjonctionDePayer is the injonction de payer (CPC 1405-1425): a
	// determined claim, no ceiling, without a hearing.
	RouteInjonctionDePayer Route = "injonction_de_payer"
	// RouteAssignation is an assignation en paiement (suit on the merits),
	// for disputed claims.
	RouteAssignation Route = "assignation_en_paiement"
	// RouteCollectionAgency hands the claim to a collection agency.
	RouteCollectionAgency Route = "collection_agency"
)

func (r Route) valid() bool {
	switch r {
	case RouteProcedureSimplifiee, RouteInjonctionDePayer, RouteAssignation, RouteCollectionAgency:
		return true
	}
	return false
}

// ProcedureSimplifieeCeiling is R125-1's ceiling, principal plus interest,
// in euro cents.
const ProcedureSimplifieeCeiling = 500000

// RouteRule matches a claim (principal plus penalties) to a route.
type RouteRule struct {
	Route Route
	// MinAmount and MaxAmount bound the claim (inclusive); nil: no bound.
	MinAmount, MaxAmount *ledger.Money
	// UndisputedOnly: the rule matches only an invoice never disputed. The
	// procédure simplifiée always requires it.
	UndisputedOnly bool
}

func (r RouteRule) matches(claim ledger.Money, disputed bool) bool {
	if (r.UndisputedOnly || r.Route == RouteProcedureSimplifiee) && disputed {
		return false
	}
	if r.Route == RouteProcedureSimplifiee && (claim.Currency != "EUR" || claim.Minor > ProcedureSimplifieeCeiling) {
		return false
	}
	if r.MinAmount != nil && claim.Minor < r.MinAmount.Minor {
		return false
	}
	if r.MaxAmount != nil && claim.Minor > r.MaxAmount.Minor {
		return false
	}
	return true
}

// RouteFor returns the legal route for a claim (principal plus penalties)
// on an invoice that was or was not disputed: the first matching rule.
func (p Policy) RouteFor(claim ledger.Money, disputed bool) (Route, error) {
	if claim.Currency != p.Currency {
		return "", fmt.Errorf("legal route: claim in %s, policy in %s: %w", claim.Currency, p.Currency, ledger.ErrCurrencyMismatch)
	}
	for _, r := range p.LegalRoutes {
		if r.matches(claim, disputed) {
			return r.Route, nil
		}
	}
	return "", fmt.Errorf("legal route: no rule matches a claim of %s (disputed %t): %w", claim, disputed, ledger.ErrInvalid)
}

// PlanRules are the payment plan rules.
type PlanRules struct {
	// GraceDays is the default grace after an installment's due date,
	// before the plan counts as broken.
	GraceDays int
	// OnBreakStage is the stage a case goes to when its plan breaks (e.g.
	// the mise en demeure, the plan being an acknowledgment of the debt);
	// never backwards. Empty: dunning resumes where it was.
	OnBreakStage string
}

// EndOfMonthMethod is how "45 jours fin de mois" is counted; the DGCCRF
// accepts both.
type EndOfMonthMethod string

// End-of-month counting methods.
const (
	// PlusDaysThenEndOfMonth: invoice date + 45 days, then end of that month.
	PlusDaysThenEndOfMonth EndOfMonthMethod = "plus_45_then_end_of_month"
	// EndOfMonthThenPlusDays: end of the invoice's month, then + 45 days.
	EndOfMonthThenPlusDays EndOfMonthMethod = "end_of_month_then_plus_45"
)

// PaymentTerms are the legal maximum payment terms (L441-10 I).
type PaymentTerms struct {
	// MaxDays after the invoice date (60; 45 for periodic invoices).
	MaxDays int
	// EndOfMonth45 allows the "45 jours fin de mois" derogation, when the
	// contracts stipulate it.
	EndOfMonth45 bool
	// EndOfMonthMethod counts the derogation's limit.
	EndOfMonthMethod EndOfMonthMethod
}

// ScenarioFor returns the scenario of a case: the invoice's override, else
// the customer's, else the scenario of the customer's segment, else the
// default scenario when the customer has no segment. An unknown scenario
// name or an unknown non-empty segment is an error (wrapping
// ledger.ErrInvalid), never a silent fallback.
func (p Policy) ScenarioFor(c Case) (Scenario, error) {
	name, from := c.Scenario, "invoice override"
	switch {
	case name != "":
	case c.CustomerScenario != "":
		name, from = c.CustomerScenario, "customer override"
	case c.Invoice.Segment != "":
		n, ok := p.Segments[c.Invoice.Segment]
		if !ok {
			return Scenario{}, fmt.Errorf("segment %q has no scenario in the policy: %w", c.Invoice.Segment, ledger.ErrInvalid)
		}
		name, from = n, "segment "+c.Invoice.Segment
	default:
		name, from = p.DefaultScenario, "default_scenario"
	}
	s, ok := p.Scenarios[name]
	if !ok {
		return Scenario{}, fmt.Errorf("scenario %q (%s) is not in the policy: %w", name, from, ledger.ErrInvalid)
	}
	s.Name = name
	return s, nil
}

// lateFees returns the late-payment terms that apply to a scenario.
func (p Policy) lateFees(s Scenario) LateFeeTerms {
	if s.LateFees != nil {
		return *s.LateFees
	}
	return p.LateFees
}

// Validate checks the policy; every message names the field (as the YAML
// spells it) and the bound it breaks. It returns all problems joined.
func (p Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
	}
	if !p.Currency.Valid() {
		bad("currency", "%q is not an ISO 4217 code (three capital letters)", p.Currency)
	}
	money := func(field string, m ledger.Money) {
		if m.Currency != p.Currency {
			bad(field, "currency %q, want the policy currency %q", m.Currency, p.Currency)
		}
		if m.Minor < 0 {
			bad(field, "%s is negative, want ≥ 0", m)
		}
	}
	money("minimum_amount", p.MinimumAmount)
	if p.PendingPaymentGraceDays < 0 || p.PendingPaymentGraceDays > 90 {
		bad("pending_payment_grace_days", "%d is out of range [0, 90]", p.PendingPaymentGraceDays)
	}
	if p.MinDaysBetweenStages < 0 || p.MinDaysBetweenStages > 90 {
		bad("min_days_between_stages", "%d is out of range [0, 90]", p.MinDaysBetweenStages)
	}
	if len(p.Scenarios) == 0 {
		bad("scenarios", "at least one scenario is required")
	}
	if _, ok := p.Scenarios[p.DefaultScenario]; !ok {
		bad("default_scenario", "%q is not one of the scenarios", p.DefaultScenario)
	}
	for _, seg := range sortedKeys(p.Segments) {
		if _, ok := p.Scenarios[p.Segments[seg]]; !ok {
			bad("segments."+seg, "%q is not one of the scenarios", p.Segments[seg])
		}
	}
	for _, name := range sortedKeys(p.Scenarios) {
		s := p.Scenarios[name]
		errs = append(errs, validateScenario("scenarios."+name, s, p)...)
		if s.LateFees != nil {
			errs = append(errs, validateLateFees("scenarios."+name+".late_payment", *s.LateFees, p)...)
		}
		if st := p.PaymentPlans.OnBreakStage; st != "" && s.index(st) < 0 {
			bad("payment_plans.on_break_stage", "stage %q is missing from scenario %q", st, name)
		}
	}
	errs = append(errs, validateLateFees("late_payment", p.LateFees, p)...)
	errs = append(errs, validateRates("late_payment.rates", p.Rates)...)
	errs = append(errs, validateRoutes("legal_handoff.routes", p.LegalRoutes, p)...)
	if g := p.PaymentPlans.GraceDays; g < 0 || g > 60 {
		bad("payment_plans.grace_days", "%d is out of range [0, 60]", g)
	}
	if d := p.PaymentTerms.MaxDays; d < 1 || d > 60 {
		bad("payment_terms.max_days", "%d is out of range [1, 60] (L441-10: at most 60 days from the invoice date)", d)
	}
	if p.PaymentTerms.EndOfMonth45 || p.PaymentTerms.EndOfMonthMethod != "" {
		switch p.PaymentTerms.EndOfMonthMethod {
		case PlusDaysThenEndOfMonth, EndOfMonthThenPlusDays:
		default:
			bad("payment_terms.end_of_month_method", "%q, want %s or %s", p.PaymentTerms.EndOfMonthMethod, PlusDaysThenEndOfMonth, EndOfMonthThenPlusDays)
		}
	}
	return errors.Join(errs...)
}

func validateScenario(field string, s Scenario, p Policy) []error {
	var errs []error
	bad := func(f, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{f}, args...)...))
	}
	if len(s.Stages) == 0 {
		bad(field+".stages", "at least one stage is required")
	}
	seen := map[string]bool{}
	lastDueOffset, haveDueOffset := 0, false
	for i, st := range s.Stages {
		f := fmt.Sprintf("%s.stages[%d]", field, i)
		if !validID(st.ID) {
			bad(f+".id", "%q, want 1 to 40 characters among a-z, 0-9 and _", st.ID)
		} else if seen[st.ID] {
			bad(f+".id", "%q is used twice in the scenario", st.ID)
		}
		seen[st.ID] = true
		if !st.Action.valid() {
			bad(f+".action", "%q, want email, phone_task, letter, registered_letter or legal_handoff", st.Action)
		}
		switch st.From {
		case FromDueDate:
			if st.OffsetDays < -60 || st.OffsetDays > 730 {
				bad(f+".offset_days", "%d is out of range [-60, 730] from the due date", st.OffsetDays)
			}
			if haveDueOffset && st.OffsetDays <= lastDueOffset {
				bad(f+".offset_days", "%d, want more than %d (an earlier stage counted from the due date)", st.OffsetDays, lastDueOffset)
			}
			lastDueOffset, haveDueOffset = st.OffsetDays, true
		case FromPreviousStage:
			if i == 0 {
				bad(f+".from", "the first stage cannot count from a previous stage")
			}
			if st.OffsetDays < 1 || st.OffsetDays > 365 {
				bad(f+".offset_days", "%d is out of range [1, 365] from the previous stage", st.OffsetDays)
			}
		default:
			bad(f+".from", "%q, want due_date or previous_stage", st.From)
		}
		if st.Action == ActionRegisteredLetter {
			if st.DeadlineDays < MinNoticeDeadlineDays || st.DeadlineDays > MaxNoticeDeadlineDays {
				bad(f+".deadline_days", "%d is out of range [%d, %d] for a mise en demeure", st.DeadlineDays, MinNoticeDeadlineDays, MaxNoticeDeadlineDays)
			}
		} else if st.DeadlineDays != 0 {
			bad(f+".deadline_days", "only a registered_letter stage has a deadline")
		}
		if st.Action == ActionLegalHandoff && i != len(s.Stages)-1 {
			bad(f+".action", "legal_handoff must be the last stage")
		}
		if st.OnlyBeforeDue && (st.From != FromDueDate || st.OffsetDays >= 0) {
			bad(f+".only_before_due", "needs from: due_date and a negative offset_days")
		}
		if st.Action == ActionLegalHandoff && len(p.LegalRoutes) == 0 {
			bad("legal_handoff.routes", "required by %s", f)
		}
	}
	return errs
}

func validateLateFees(field string, t LateFeeTerms, p Policy) []error {
	var errs []error
	bad := func(f, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{f}, args...)...))
	}
	r := t.Rate
	switch r.Mode {
	case RateECBPlus:
		if r.MarginPoints < 0 || r.MarginPoints > 50*10000 {
			bad(field+".rate.margin_points", "%s is out of range [0, 50]", r.MarginPoints)
		}
		if r.Fixed != 0 {
			bad(field+".rate.fixed", "set with mode ecb_plus; use mode fixed")
		}
	case RateFixed:
		if r.Fixed <= 0 || r.Fixed > 100*10000 {
			bad(field+".rate.fixed", "%s is out of range (0, 100] percent", r.Fixed)
		}
		if r.MarginPoints != 0 {
			bad(field+".rate.margin_points", "set with mode fixed; use mode ecb_plus")
		}
	default:
		bad(field+".rate.mode", "%q, want ecb_plus or fixed", r.Mode)
	}
	if r.FloorLegalMultiple < 0 || r.FloorLegalMultiple > 10 {
		bad(field+".rate.floor_legal_multiple", "%d is out of range [0, 10] (L441-10: 3)", r.FloorLegalMultiple)
	}
	switch r.Reference {
	case "", EachHalfYear, FirstHalfYear:
	default:
		bad(field+".rate.reference", "%q, want each_half_year or first_half_year", r.Reference)
	}
	if t.Indemnity.Currency != p.Currency {
		bad(field+".indemnity", "currency %q, want the policy currency %q", t.Indemnity.Currency, p.Currency)
	}
	if t.Indemnity.Minor < 0 {
		bad(field+".indemnity", "%s is negative, want ≥ 0", t.Indemnity)
	}
	if !t.OnPaidLate.valid() {
		bad(field+".on_paid_late", "%q, want claim, waive or review", t.OnPaidLate)
	}
	return errs
}

func validateRates(field string, t RateTable) []error {
	var errs []error
	seen := map[HalfYear]bool{}
	for i, r := range t {
		f := fmt.Sprintf("%s[%d]", field, i)
		if r.Half.Half != 1 && r.Half.Half != 2 || r.Half.Year < 2000 || r.Half.Year > 2200 {
			errs = append(errs, fmt.Errorf("%s.half_year: %q, want YYYY-H1 or YYYY-H2 with 2000 ≤ YYYY ≤ 2200", f, r.Half))
		}
		if seen[r.Half] {
			errs = append(errs, fmt.Errorf("%s.half_year: %s appears twice", f, r.Half))
		}
		seen[r.Half] = true
		if r.ECBMRO < -5*10000 || r.ECBMRO > 30*10000 {
			errs = append(errs, fmt.Errorf("%s.ecb_mro: %s is out of range [-5, 30] percent", f, r.ECBMRO))
		}
		if r.LegalRate < 0 || r.LegalRate > 30*10000 {
			errs = append(errs, fmt.Errorf("%s.legal_rate: %s is out of range [0, 30] percent", f, r.LegalRate))
		}
		if r.Source == "" {
			errs = append(errs, fmt.Errorf("%s.source: required (the arrêté and ECB decision the values come from)", f))
		}
	}
	return errs
}

func validateRoutes(field string, rs []RouteRule, p Policy) []error {
	var errs []error
	bad := func(f, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{f}, args...)...))
	}
	for i, r := range rs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !r.Route.valid() {
			bad(f+".route", "%q, want procedure_simplifiee, injonction_de_payer, assignation_en_paiement or collection_agency", r.Route)
		}
		for _, b := range []struct {
			name string
			m    *ledger.Money
		}{{"min_amount", r.MinAmount}, {"max_amount", r.MaxAmount}} {
			if b.m == nil {
				continue
			}
			if b.m.Currency != p.Currency {
				bad(f+"."+b.name, "currency %q, want the policy currency %q", b.m.Currency, p.Currency)
			}
			if b.m.Minor < 0 {
				bad(f+"."+b.name, "%s is negative, want ≥ 0", b.m)
			}
		}
		if r.MinAmount != nil && r.MaxAmount != nil && r.MinAmount.Minor > r.MaxAmount.Minor {
			bad(f+".min_amount", "%s is above max_amount %s", r.MinAmount, r.MaxAmount)
		}
		if r.Route == RouteProcedureSimplifiee {
			if p.Currency != "EUR" {
				bad(f+".route", "procedure_simplifiee needs a policy in EUR (R125-1: 5000 €)")
			}
			if r.MaxAmount == nil || r.MaxAmount.Minor > ProcedureSimplifieeCeiling {
				bad(f+".max_amount", "procedure_simplifiee needs max_amount ≤ 5000.00 (R125-1, principal and interest)")
			}
		}
	}
	if n := len(rs); n > 0 {
		last := rs[n-1]
		if last.MinAmount != nil || last.MaxAmount != nil || last.UndisputedOnly || last.Route == RouteProcedureSimplifiee {
			bad(fmt.Sprintf("%s[%d]", field, n-1), "the last route must have no amount bound and undisputed_only false (and not be procedure_simplifiee), so every claim has a route")
		}
	}
	return errs
}

// validID reports whether s is a stage id: 1 to 40 of a-z, 0-9, _.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
