package dunningrun

// Line is one step as `lettrage dunning run --json` prints it
// (contract.md, "Dunning"), plus the kind, the date, the event type and,
// when penalties cannot be computed, why. From and To are null when there
// is no stage (To for a pause or a held case); Penalties is null when
// PenaltiesNote says they are unavailable; Deadline is null unless a mise
// en demeure sets one.
type Line struct {
	InvoiceID     string  `json:"invoice_id"`
	CustomerID    string  `json:"customer_id"`
	AsOf          string  `json:"as_of"`
	Kind          string  `json:"kind"`
	From          *string `json:"from"`
	To            *string `json:"to"`
	Action        string  `json:"action"`
	AmountDue     string  `json:"amount_due"`
	Penalties     *string `json:"penalties"`
	PenaltiesNote string  `json:"penalties_note,omitempty"`
	Indemnity     string  `json:"indemnity"`
	Deadline      *string `json:"deadline"`
	Route         string  `json:"route,omitempty"`
	Event         string  `json:"event,omitempty"`
	Reason        string  `json:"reason"`
}

// Line returns the step's line.
func (s Step) Line() Line {
	l := Line{InvoiceID: s.InvoiceID, CustomerID: s.CustomerID, AsOf: s.AsOf.String(), Kind: string(s.Kind), From: ptr(s.From), To: ptr(s.To),
		Action: s.Action, AmountDue: s.AmountDue.String(), Indemnity: s.Indemnity.String(), Route: s.Route, Event: s.Event,
		Reason: s.Reason, PenaltiesNote: s.PenaltiesNote}
	if s.PenaltiesNote == "" {
		l.Penalties = ptr(s.Penalties.String())
	}
	if !s.Deadline.IsZero() {
		l.Deadline = ptr(s.Deadline.String())
	}
	return l
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
