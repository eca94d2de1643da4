package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
)

// importJSON answers an invoice import with what it did.
type importJSON struct {
	ImportID int64 `json:"import_id"`
	Invoices int   `json:"invoices"` // invoices in the batch
	Created  int   `json:"created"`
	// Updated counts the batch's invoices that were already known:
	// Changed those the batch changed, Unchanged the others (left as they
	// were, without a journal row).
	Updated       int `json:"updated"`
	Changed       int `json:"changed"`
	Unchanged     int `json:"unchanged"`
	Cancelled     int `json:"cancelled"`
	KeptCancelled int `json:"kept_cancelled"`
	Customers     int `json:"customers"`
	// TermsFlags are the batch's invoices whose payment term exceeds the
	// legal maximum (L441-10 I: 60 days from the invoice date, or 45 days
	// end of month where the policy allows it). They are imported all the same: an excessive term
	// is the creditor's risk of an administrative fine, not a reason to
	// refuse the invoice.
	TermsFlags []termsFlagJSON `json:"terms_flags,omitempty"`
}

// termsFlagJSON is one invoice flagged at import for its payment term.
type termsFlagJSON struct {
	InvoiceID string      `json:"invoice_id"`
	Number    string      `json:"number"`
	IssueDate ledger.Date `json:"issue_date"`
	DueDate   ledger.Date `json:"due_date"`
	TermDays  int         `json:"term_days"`
	Limit     ledger.Date `json:"limit"`
	Reason    string      `json:"reason"`
}

// termsFlags checks the payment terms of the invoices of a batch against
// the dunning policy's (the legal default without a dunning policy).
func (a *api) termsFlags(invoices []ledger.Invoice) []termsFlagJSON {
	terms := dunning.PaymentTerms{MaxDays: 60}
	if a.dunning != nil {
		terms = a.dunning.Policy().PaymentTerms
	}
	var out []termsFlagJSON
	for i := range invoices {
		inv := &invoices[i]
		if inv.Status == ledger.InvoiceCancelled || inv.IssueDate.IsZero() || inv.DueDate.IsZero() {
			continue
		}
		c, err := dunning.CheckPaymentTerms(inv.IssueDate, inv.DueDate, terms)
		if err != nil || !c.Flagged {
			continue
		}
		out = append(out, termsFlagJSON{InvoiceID: inv.ID, Number: inv.Number, IssueDate: inv.IssueDate, DueDate: inv.DueDate,
			TermDays: c.TermDays, Limit: c.Limit, Reason: c.Reason})
	}
	return out
}

// importInvoices imports a batch of invoices, all or nothing: a JSON array
// (application/json) or the contract's CSV (text/csv). A malformed record
// refuses the whole batch with every problem and its line and column.
func (a *api) importInvoices(w http.ResponseWriter, r *http.Request) error {
	format := "json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return &requestError{kind: errUnsupportedMedia, msg: fmt.Sprintf("Content-Type %q: %v", ct, err)}
		case mt == "text/csv":
			format = "csv"
		case mt == "application/json":
		default:
			return &requestError{kind: errUnsupportedMedia, msg: fmt.Sprintf("Content-Type %q: want text/csv or application/json", ct)}
		}
	}
	body := &watchedReader{r: r.Body}
	parse := invoicecsv.ParseJSON
	if format == "csv" {
		parse = invoicecsv.Parse
	}
	invoices, customers, err := parse(body)
	if body.err != nil {
		// The parsers report a failed read as a problem of the file; the
		// body's own error says what really happened (413, a lost client).
		if isMaxBytes(body.err) {
			return body.err
		}
		return badRequest("read request body: %v", body.err)
	}
	if err != nil {
		var ie *invoicecsv.Error
		if !errors.As(err, &ie) {
			return badRequest("read invoices: %v", err)
		}
		return err
	}
	actor := actorOf(r)
	res, err := a.store.UpsertInvoices(r.Context(), ledger.InvoiceImport{
		Source: "api:" + format, Invoices: invoices, Customers: customers,
	}, ledger.Write[ledger.ImportResult]{Actor: actor, Reason: "invoice import through the API (" + format + ")"})
	if err != nil {
		return err
	}
	flags := a.termsFlags(invoices)
	if len(flags) > 0 {
		a.log.Warn().Int64("import_id", res.ImportID).Int("invoices", len(flags)).Str("first", flags[0].InvoiceID).
			Str("reason", flags[0].Reason).Msg("invoices imported with a payment term beyond the legal maximum (L441-10)")
	}
	writeJSON(w, http.StatusOK, importJSON{
		ImportID: res.ImportID, Invoices: len(invoices), Created: res.Created, Updated: res.Updated, Changed: res.Changed, Unchanged: res.Unchanged,
		Cancelled: res.Cancelled, KeptCancelled: res.KeptCancelled, Customers: res.Customers, TermsFlags: flags,
	})
	return nil
}

// watchedReader remembers the first read error other than io.EOF.
type watchedReader struct {
	r   io.Reader
	err error
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// invoiceStatuses are the statuses a listing filters on.
var invoiceStatuses = []ledger.InvoiceStatus{ledger.InvoiceOpen, ledger.InvoicePartiallyPaid, ledger.InvoicePaid, ledger.InvoiceCancelled}

// parseStatuses reads a comma-separated list of invoice statuses.
func parseStatuses(s string) ([]ledger.InvoiceStatus, error) {
	if s == "" {
		return nil, nil
	}
	var out []ledger.InvoiceStatus
	for _, part := range strings.Split(s, ",") {
		st := ledger.InvoiceStatus(strings.TrimSpace(part))
		known := false
		for _, k := range invoiceStatuses {
			known = known || st == k
		}
		if !known {
			return nil, badRequest("status %q: want open, partially_paid, paid or cancelled (several separated by commas)", part)
		}
		out = append(out, st)
	}
	return out, nil
}

// listInvoices lists invoices in id order, filtered by status (several
// separated by commas), customer and currency.
func (a *api) listInvoices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "status", "customer_id", "currency", "after", "limit"); err != nil {
		return err
	}
	p, err := a.pageOf(q)
	if err != nil {
		return err
	}
	statuses, err := parseStatuses(q.Get("status"))
	if err != nil {
		return err
	}
	cur := ledger.Currency(q.Get("currency"))
	if cur != "" && !cur.Valid() {
		return badRequest("currency %q: want an ISO 4217 code such as EUR", cur)
	}
	invs, err := a.store.ListInvoices(r.Context(), ledger.InvoiceFilter{
		CustomerID: q.Get("customer_id"), Statuses: statuses, Currency: cur, After: p.after, Limit: p.limit + 1,
	})
	if err != nil {
		return err
	}
	out, err := pageOut(invs, p, func(inv *ledger.Invoice) string { return inv.ID },
		func(inv *ledger.Invoice) (invoiceJSON, error) { return invoiceOf(inv), nil })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxMatchesShown bounds the matches listed with one invoice or
// transaction.
const maxMatchesShown = 1000

// getInvoice returns an invoice with every match that allocates to it.
func (a *api) getInvoice(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	inv, err := a.store.GetInvoice(r.Context(), id)
	if err != nil {
		return err
	}
	ms, err := a.store.ListMatches(r.Context(), ledger.MatchFilter{InvoiceID: id, Limit: maxMatchesShown})
	if err != nil {
		return err
	}
	out := invoiceOf(&inv)
	out.Matches = make([]matchJSON, len(ms))
	for i := range ms {
		out.Matches[i] = matchOf(&ms[i])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// invoiceAudit returns the invoice's journal, oldest first: its import and
// updates, every lettrage and reversal, dunning.
func (a *api) invoiceAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "after", "limit"); err != nil {
		return err
	}
	p, err := a.pageOf(q)
	if err != nil {
		return err
	}
	var afterSeq int64
	if p.after != "" {
		if afterSeq, err = strconv.ParseInt(p.after, 10, 64); err != nil || afterSeq < 0 {
			return badRequest("after %q: want a journal sequence number", p.after)
		}
	}
	id := r.PathValue("id")
	if _, err := a.store.GetInvoice(r.Context(), id); err != nil {
		return err
	}
	rows, err := a.store.ListAudit(r.Context(), ledger.AuditFilter{InvoiceID: id, AfterSeq: afterSeq, Limit: p.limit + 1})
	if err != nil {
		return err
	}
	out, err := pageOut(rows, p, func(r *ledger.AuditRecord) string { return strconv.FormatInt(r.Seq, 10) },
		func(r *ledger.AuditRecord) (auditJSON, error) { return auditOf(r), nil })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
