package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// agingBatch is how many invoices the aged balance reads at a time.
const agingBatch = 1000

// maxPeriodDays bounds the DSO period.
const maxPeriodDays = 3660

// bucketsJSON is an aged balance's amounts by bucket.
type bucketsJSON struct {
	NotDue     string `json:"not_due"`
	Late1To30  string `json:"1_30"`
	Late31To60 string `json:"31_60"`
	Late61To90 string `json:"61_90"`
	Over90     string `json:"over_90"`
}

// agingRowJSON is one customer's aged balance in one currency, or (in
// totals, without customer) one currency's.
type agingRowJSON struct {
	CustomerID   string          `json:"customer_id,omitempty"`
	CustomerName string          `json:"customer_name,omitempty"`
	Currency     ledger.Currency `json:"currency"`
	Buckets      bucketsJSON     `json:"buckets"`
	Total        string          `json:"total"`
	// CreditSales is the amount invoiced in the period (issue date in
	// (as_of − period_days, as_of]), cancelled invoices excluded.
	CreditSales string `json:"credit_sales"`
	// DSO is receivables ÷ credit sales × period days, in days with two
	// decimals; null when nothing was invoiced in the period.
	DSO *string `json:"dso_days"`
}

// agingJSON is the aged balance (balance âgée).
type agingJSON struct {
	AsOf        ledger.Date      `json:"as_of"`
	PeriodDays  int              `json:"period_days"`
	BucketOrder []dunning.Bucket `json:"bucket_order"`
	Customers   []agingRowJSON   `json:"customers"`
	Totals      []agingRowJSON   `json:"totals"`
}

// aging returns open receivables by customer and bucket of days past due
// (not due, 1–30, 31–60, 61–90, over 90) as of a date, with totals by
// currency and DSO; JSON, or CSV with ?format=csv or Accept: text/csv.
//
// The amounts are the open amounts as they stand now: as_of moves the
// bucket boundaries and the DSO period, it does not replay history.
func (a *api) aging(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "as_of", "period_days", "customer_id", "currency", "format"); err != nil {
		return err
	}
	format, err := oneOf(q, "format", "json", "csv")
	if err != nil {
		return err
	}
	if format == "" {
		format = "json"
		if acceptsCSV(r.Header.Get("Accept")) {
			format = "csv"
		}
	}
	asOf := dunning.Today(a.clock(), a.loc)
	if s := q.Get("as_of"); s != "" {
		if asOf, err = ledger.ParseDate(s); err != nil {
			return badRequest("as_of: %v", err)
		}
	}
	period := 90
	if s := q.Get("period_days"); s != "" {
		if period, err = strconv.Atoi(s); err != nil || period < 1 || period > maxPeriodDays {
			return badRequest("period_days %q: want an integer from 1 to %d", s, maxPeriodDays)
		}
	}
	cur := ledger.Currency(q.Get("currency"))
	if cur != "" && !cur.Valid() {
		return badRequest("currency %q: want an ISO 4217 code such as EUR", cur)
	}
	rep, err := a.agedBalance(r.Context(), ledger.InvoiceFilter{CustomerID: q.Get("customer_id"), Currency: cur}, asOf, period)
	if err != nil {
		return err
	}
	if format == "csv" {
		return writeAgingCSV(w, rep)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// acceptsCSV reports whether an Accept header asks for text/csv.
func acceptsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "text/csv" && params["q"] != "0" {
			return true
		}
	}
	return false
}

// salesKey groups credit sales by customer and currency.
type salesKey struct {
	customer string
	cur      ledger.Currency
}

// agedBalance reads the invoices the filter selects, a batch at a time,
// and ages their open amounts.
func (a *api) agedBalance(ctx context.Context, f ledger.InvoiceFilter, asOf ledger.Date, period int) (agingJSON, error) {
	rep := agingJSON{AsOf: asOf, PeriodDays: period, BucketOrder: dunning.Buckets[:], Customers: []agingRowJSON{}, Totals: []agingRowJSON{}}
	var items, totalItems []dunning.AgingItem
	names := map[string]string{}
	sales := map[salesKey]ledger.Money{}
	from := asOf.AddDays(-period) // sales period: (from, asOf]
	f.Limit = agingBatch
	for {
		invs, err := a.store.ListInvoices(ctx, f)
		if err != nil {
			return rep, err
		}
		for i := range invs {
			inv := &invs[i]
			if inv.Status == ledger.InvoiceCancelled {
				continue
			}
			if _, ok := names[inv.CustomerID]; !ok {
				names[inv.CustomerID] = inv.CustomerName
			}
			if inv.Open.Minor != 0 {
				items = append(items, dunning.AgingItem{CustomerID: inv.CustomerID, DueDate: inv.DueDate, Open: inv.Open})
				totalItems = append(totalItems, dunning.AgingItem{DueDate: inv.DueDate, Open: inv.Open})
			}
			if inv.IssueDate.After(from) && !inv.IssueDate.After(asOf) {
				for _, k := range []salesKey{{inv.CustomerID, inv.Amount.Currency}, {"", inv.Amount.Currency}} {
					s := sales[k]
					if s.Currency == "" {
						s.Currency = inv.Amount.Currency
					}
					if sales[k], err = s.Add(inv.Amount); err != nil {
						return rep, err
					}
				}
			}
		}
		if len(invs) < agingBatch {
			break
		}
		f.After = invs[len(invs)-1].ID
	}
	byCustomer, err := dunning.AgeBalances(items, asOf)
	if err != nil {
		return rep, err
	}
	totals, err := dunning.AgeBalances(totalItems, asOf)
	if err != nil {
		return rep, err
	}
	row := func(b *dunning.AgedBalance) (agingRowJSON, error) {
		out := agingRowJSON{
			CustomerID: b.CustomerID, CustomerName: names[b.CustomerID], Currency: b.Currency,
			Buckets: bucketsJSON{b.Amounts[0].String(), b.Amounts[1].String(), b.Amounts[2].String(), b.Amounts[3].String(), b.Amounts[4].String()},
			Total:   b.Total.String(),
		}
		s := sales[salesKey{b.CustomerID, b.Currency}]
		s.Currency = b.Currency
		out.CreditSales = s.String()
		if s.Minor > 0 && b.Total.Minor >= 0 {
			d, err := dunning.ComputeDSO(b.Total, s, period)
			if err != nil {
				return out, err
			}
			v := d.String()
			out.DSO = &v
		}
		return out, nil
	}
	for i := range byCustomer {
		x, err := row(&byCustomer[i])
		if err != nil {
			return rep, err
		}
		rep.Customers = append(rep.Customers, x)
	}
	for i := range totals {
		x, err := row(&totals[i])
		if err != nil {
			return rep, err
		}
		rep.Totals = append(rep.Totals, x)
	}
	return rep, nil
}

// agingCSVHeader is the CSV's header row.
var agingCSVHeader = []string{"customer_id", "customer_name", "currency", "not_due", "1_30", "31_60", "61_90", "over_90", "total", "credit_sales", "dso_days"}

// writeAgingCSV writes the aged balance as CSV (RFC 4180, CRLF): one row
// per customer and currency, then one TOTAL row per currency (empty
// customer_id).
func writeAgingCSV(w http.ResponseWriter, rep agingJSON) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true // RFC 4180, as spreadsheets expect
	_ = cw.Write(agingCSVHeader)
	rec := func(x agingRowJSON, id, name string) []string {
		dso := ""
		if x.DSO != nil {
			dso = *x.DSO
		}
		return []string{csvText(id), csvText(name), string(x.Currency), x.Buckets.NotDue, x.Buckets.Late1To30, x.Buckets.Late31To60,
			x.Buckets.Late61To90, x.Buckets.Over90, x.Total, x.CreditSales, dso}
	}
	for _, x := range rep.Customers {
		_ = cw.Write(rec(x, x.CustomerID, x.CustomerName))
	}
	for _, x := range rep.Totals {
		_ = cw.Write(rec(x, "", "TOTAL"))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="aging-`+rep.AsOf.String()+`.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

// csvText guards a text cell against formula injection when the file is
// opened in a spreadsheet: a cell starting with =, +, -, @, tab or CR is
// prefixed with an apostrophe.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
