package httpapi

import (
	"context"
	"slices"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// learnedJSON says what a confirmation taught the store about a customer's
// payments.
type learnedJSON struct {
	CustomerID string `json:"customer_id"`
	IBAN       string `json:"iban,omitempty"`
	Alias      string `json:"alias,omitempty"`
}

// payerLesson is what a confirmation teaches about the payer (a
// ledger.PayerLearner, run inside the confirmation's transaction): the
// debtor's IBAN, and its name (else the ultimate debtor's) when it differs
// from the customer's legal name. It follows the engine's rule
// (reconcile.Engine.Learn): nothing is learned when the allocations span
// several customers (a group or a factor paying for others), nor from an
// invalid IBAN, nor what is already known.
func payerLesson(o ledger.MatchOutcome, customers []ledger.Customer) ledger.PayerLesson {
	if o.Match.Status != ledger.MatchConfirmed || len(o.Match.Allocations) == 0 || len(customers) != 1 {
		return ledger.PayerLesson{}
	}
	c := &customers[0]
	tx := &o.Transaction.Transaction
	iban := matchers.NormalizeIBAN(tx.Debtor.IBAN)
	if !matchers.ValidIBAN(iban) || slices.ContainsFunc(c.IBANs, func(s string) bool { return matchers.NormalizeIBAN(s) == iban }) {
		iban = ""
	}
	alias := ""
	legal := matchers.NormalizeName(c.Name).Key()
	for _, name := range [2]string{tx.Debtor.Name, tx.UltimateDebtor.Name} {
		k := matchers.NormalizeName(name).Key()
		if k == "" || k == legal {
			continue
		}
		if !slices.ContainsFunc(c.Aliases, func(s string) bool { return matchers.NormalizeName(s).Key() == k }) {
			alias = name
		}
		break
	}
	if iban == "" && alias == "" {
		return ledger.PayerLesson{}
	}
	return ledger.PayerLesson{CustomerID: c.ID, IBAN: iban, Alias: alias}
}

// learnedOf is the answer's account of what a confirmation learned.
func learnedOf(l ledger.PayerLesson) *learnedJSON {
	if l.IBAN == "" && l.Alias == "" {
		return nil
	}
	return &learnedJSON{CustomerID: l.CustomerID, IBAN: l.IBAN, Alias: l.Alias}
}

// learn records, after a person lettered a credit by hand as a new
// confirmed match (SaveMatch, which has no learning form), what identifies
// the payer, through LearnPayer, by the rule of payerLesson. The lettrage
// is already committed: a failure here is returned as a warning, not an
// error. Confirmations of a proposal learn in their own transaction
// (ConfirmMatchLearning) instead.
func (a *api) learn(ctx context.Context, o ledger.MatchOutcome, actor string) (*learnedJSON, []string) {
	if o.Match.Status != ledger.MatchConfirmed || len(o.Match.Allocations) == 0 {
		return nil, nil
	}
	customerID, err := a.customerOf(ctx, o)
	if err != nil {
		return nil, a.learnFailed(o, err)
	}
	if customerID == "" {
		return nil, nil
	}
	c, err := a.store.GetCustomer(ctx, customerID)
	if err != nil {
		return nil, a.learnFailed(o, err)
	}
	lesson := payerLesson(o, []ledger.Customer{c})
	if lesson.IBAN == "" && lesson.Alias == "" {
		return nil, nil
	}
	if _, err := a.store.LearnPayer(ctx, customerID, lesson.IBAN, lesson.Alias, ledger.Write[ledger.Customer]{
		Actor: actor, Reason: "payer seen on match " + o.Match.ID + " confirmed by " + actor,
	}); err != nil {
		return nil, a.learnFailed(o, err)
	}
	return learnedOf(lesson), nil
}

// customerOf returns the one customer a match's invoices belong to, or ""
// when they belong to several.
func (a *api) customerOf(ctx context.Context, o ledger.MatchOutcome) (string, error) {
	known := make(map[string]string, len(o.Invoices))
	for _, inv := range o.Invoices {
		known[inv.ID] = inv.CustomerID
	}
	customer := ""
	for _, al := range o.Match.Allocations {
		c, ok := known[al.InvoiceID]
		if !ok {
			inv, err := a.store.GetInvoice(ctx, al.InvoiceID)
			if err != nil {
				return "", err
			}
			c = inv.CustomerID
		}
		switch {
		case customer == "":
			customer = c
		case c != customer:
			return "", nil
		}
	}
	return customer, nil
}

// learnFailed logs a failed learning and returns the warning for the
// answer.
func (a *api) learnFailed(o ledger.MatchOutcome, err error) []string {
	a.log.Warn().Err(err).Str("match_id", o.Match.ID).Str("transaction_id", o.Match.TransactionID).
		Msg("lettrage confirmed, but learning the payer failed")
	return []string{"the lettrage is confirmed, but learning the payer failed: " + err.Error()}
}
