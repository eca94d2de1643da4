package dunning

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lettrage/lettrage/internal/ledger"
)

// defaultPolicyYAML is deploy/dunning.yaml, embedded (a test keeps the two
// files identical).
//
//go:embed default_policy.yaml
var defaultPolicyYAML []byte

// DefaultPolicyYAML returns the text of the default policy, for a user to
// copy and edit.
func DefaultPolicyYAML() []byte { return bytes.Clone(defaultPolicyYAML) }

// DefaultPolicy returns the default policy shipped with Lettrage.
func DefaultPolicy() (Policy, error) {
	p, err := ParsePolicy(defaultPolicyYAML)
	if err != nil {
		return Policy{}, fmt.Errorf("default policy: %w", err)
	}
	return p, nil
}

// ParsePolicy decodes a YAML policy strictly (an unknown key is an error
// that names it, with its line) and validates it.
func ParsePolicy(src []byte) (Policy, error) {
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return Policy{}, errors.New("dunning policy: empty document")
		}
		return Policy{}, fmt.Errorf("dunning policy: %w", readableYAMLError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("dunning policy: more than one YAML document")
	}
	p, err := f.policy()
	if err != nil {
		return Policy{}, fmt.Errorf("dunning policy: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("dunning policy: %w", err)
	}
	return p, nil
}

// fileSections names the YAML section each file struct decodes, for
// unknown-key messages.
var fileSections = map[string]string{
	"policyFile":      "the top level",
	"scenarioFile":    "a scenario",
	"stageFile":       "a stage",
	"lateTermsFile":   "late_payment",
	"latePaymentFile": "late_payment",
	"rateRuleFile":    "late_payment.rate",
	"rateFile":        "late_payment.rates",
	"legalFile":       "legal_handoff",
	"routeFile":       "legal_handoff.routes",
	"plansFile":       "payment_plans",
	"termsFile":       "payment_terms",
}

var unknownField = regexp.MustCompile(`field (\S+) not found in type dunning\.(\w+)`)

// readableYAMLError rewrites the decoder's unknown-field messages into
// "unknown key" messages naming the key and its section.
func readableYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = unknownField.ReplaceAllStringFunc(m, func(s string) string {
			sub := unknownField.FindStringSubmatch(s)
			section := fileSections[sub[2]]
			if section == "" {
				section = sub[2]
			}
			return fmt.Sprintf("unknown key %q in %s", sub[1], section)
		})
	}
	return fmt.Errorf("yaml: %s", strings.Join(msgs, "; "))
}

// The file structs mirror the YAML; amounts and rates are decimal strings
// converted exactly by policy().

type policyFile struct {
	Version                 int                     `yaml:"version"`
	Currency                string                  `yaml:"currency"`
	MinimumAmount           string                  `yaml:"minimum_amount"`
	PendingPaymentGraceDays int                     `yaml:"pending_payment_grace_days"`
	MinDaysBetweenStages    int                     `yaml:"min_days_between_stages"`
	DefaultScenario         string                  `yaml:"default_scenario"`
	Segments                map[string]string       `yaml:"segments"`
	Scenarios               map[string]scenarioFile `yaml:"scenarios"`
	LatePayment             latePaymentFile         `yaml:"late_payment"`
	LegalHandoff            legalFile               `yaml:"legal_handoff"`
	PaymentPlans            plansFile               `yaml:"payment_plans"`
	PaymentTerms            termsFile               `yaml:"payment_terms"`
}

type legalFile struct {
	Routes []routeFile `yaml:"routes"`
}

type plansFile struct {
	GraceDays    int    `yaml:"grace_days"`
	OnBreakStage string `yaml:"on_break_stage"`
}

type termsFile struct {
	MaxDays          int    `yaml:"max_days"`
	EndOfMonth45     bool   `yaml:"end_of_month_45"`
	EndOfMonthMethod string `yaml:"end_of_month_method"`
}

type scenarioFile struct {
	Stages      []stageFile    `yaml:"stages"`
	LatePayment *lateTermsFile `yaml:"late_payment"`
}

type stageFile struct {
	ID               string `yaml:"id"`
	OffsetDays       int    `yaml:"offset_days"`
	From             string `yaml:"from"`
	Action           string `yaml:"action"`
	DeadlineDays     int    `yaml:"deadline_days"`
	OnlyBeforeDue    bool   `yaml:"only_before_due"`
	MentionPenalties bool   `yaml:"mention_penalties"`
}

type lateTermsFile struct {
	Rate       rateRuleFile `yaml:"rate"`
	Indemnity  string       `yaml:"indemnity"`
	OnPaidLate string       `yaml:"on_paid_late"`
}

type rateRuleFile struct {
	Mode               string `yaml:"mode"`
	MarginPoints       string `yaml:"margin_points"`
	Fixed              string `yaml:"fixed"`
	FloorLegalMultiple int    `yaml:"floor_legal_multiple"`
	Reference          string `yaml:"reference"`
}

type latePaymentFile struct {
	lateTermsFile `yaml:",inline"`
	Rates         []rateFile `yaml:"rates"`
}

type rateFile struct {
	HalfYear  string `yaml:"half_year"`
	ECBMRO    string `yaml:"ecb_mro"`
	LegalRate string `yaml:"legal_rate"`
	Source    string `yaml:"source"`
}

type routeFile struct {
	Route          string `yaml:"route"`
	MinAmount      string `yaml:"min_amount"`
	MaxAmount      string `yaml:"max_amount"`
	UndisputedOnly bool   `yaml:"undisputed_only"`
}

// policy converts the file into a Policy; conversion errors name the field.
func (f policyFile) policy() (Policy, error) {
	if f.Version != 1 {
		return Policy{}, fmt.Errorf("version: %d, want 1", f.Version)
	}
	cur := ledger.Currency(f.Currency)
	if !cur.Valid() {
		return Policy{}, fmt.Errorf("currency: %q is not an ISO 4217 code (three capital letters)", f.Currency)
	}
	var errs []error
	money := func(field, s string) ledger.Money {
		if s == "" {
			return ledger.Money{Currency: cur}
		}
		m, err := ledger.ParseMoney(s, cur)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return m
	}
	optMoney := func(field, s string) *ledger.Money {
		if s == "" {
			return nil
		}
		m := money(field, s)
		return &m
	}
	rate := func(field, s string) Rate {
		if s == "" {
			return 0
		}
		r, err := Percent(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return r
	}
	terms := func(field string, t lateTermsFile) LateFeeTerms {
		return LateFeeTerms{
			Rate: RateRule{
				Mode:               RateMode(t.Rate.Mode),
				MarginPoints:       rate(field+".rate.margin_points", t.Rate.MarginPoints),
				Fixed:              rate(field+".rate.fixed", t.Rate.Fixed),
				FloorLegalMultiple: t.Rate.FloorLegalMultiple,
				Reference:          RateReference(t.Rate.Reference),
			},
			Indemnity:  money(field+".indemnity", t.Indemnity),
			OnPaidLate: Disposition(t.OnPaidLate),
		}
	}
	p := Policy{
		Currency:                cur,
		MinimumAmount:           money("minimum_amount", f.MinimumAmount),
		PendingPaymentGraceDays: f.PendingPaymentGraceDays,
		MinDaysBetweenStages:    f.MinDaysBetweenStages,
		DefaultScenario:         f.DefaultScenario,
		Segments:                f.Segments,
		Scenarios:               map[string]Scenario{},
		LateFees:                terms("late_payment", f.LatePayment.lateTermsFile),
		PaymentPlans:            PlanRules{GraceDays: f.PaymentPlans.GraceDays, OnBreakStage: f.PaymentPlans.OnBreakStage},
		PaymentTerms: PaymentTerms{
			MaxDays:          f.PaymentTerms.MaxDays,
			EndOfMonth45:     f.PaymentTerms.EndOfMonth45,
			EndOfMonthMethod: EndOfMonthMethod(f.PaymentTerms.EndOfMonthMethod),
		},
	}
	for _, name := range sortedKeys(f.Scenarios) {
		sf := f.Scenarios[name]
		s := Scenario{Name: name}
		for _, st := range sf.Stages {
			s.Stages = append(s.Stages, Stage{
				ID: st.ID, OffsetDays: st.OffsetDays, From: Anchor(st.From), Action: Action(st.Action),
				DeadlineDays: st.DeadlineDays, OnlyBeforeDue: st.OnlyBeforeDue, MentionPenalties: st.MentionPenalties,
			})
		}
		if sf.LatePayment != nil {
			t := terms("scenarios."+name+".late_payment", *sf.LatePayment)
			s.LateFees = &t
		}
		p.Scenarios[name] = s
	}
	for i, r := range f.LatePayment.Rates {
		field := fmt.Sprintf("late_payment.rates[%d]", i)
		h, err := ParseHalfYear(r.HalfYear)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.half_year: %w", field, err))
		}
		if r.ECBMRO == "" {
			errs = append(errs, fmt.Errorf("%s.ecb_mro: required", field))
		}
		if r.LegalRate == "" {
			errs = append(errs, fmt.Errorf("%s.legal_rate: required", field))
		}
		p.Rates = append(p.Rates, HalfYearRate{
			Half: h, ECBMRO: rate(field+".ecb_mro", r.ECBMRO), LegalRate: rate(field+".legal_rate", r.LegalRate), Source: r.Source,
		})
	}
	for i, r := range f.LegalHandoff.Routes {
		field := fmt.Sprintf("legal_handoff.routes[%d]", i)
		p.LegalRoutes = append(p.LegalRoutes, RouteRule{
			Route:          Route(r.Route),
			MinAmount:      optMoney(field+".min_amount", r.MinAmount),
			MaxAmount:      optMoney(field+".max_amount", r.MaxAmount),
			UndisputedOnly: r.UndisputedOnly,
		})
	}
	if len(errs) > 0 {
		return Policy{}, errors.Join(errs...)
	}
	return p, nil
}
