package invoicecsv

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/matchers"
)

// Column names, as contract.md defines them.
const (
	colInvoiceID    = "invoice_id"
	colNumber       = "number"
	colCustomerID   = "customer_id"
	colCustomerName = "customer_name"
	colAmount       = "amount"
	colCurrency     = "currency"
	colIssueDate    = "issue_date"
	colDueDate      = "due_date"
	colOpenAmount   = "open_amount"
	colCustomerIBAN = "customer_iban"
	colRFReference  = "rf_reference"
)

// required lists the columns every file must have, in contract order.
var required = []string{colInvoiceID, colNumber, colCustomerID, colCustomerName, colAmount, colCurrency, colIssueDate, colDueDate}

// known lists every column the import reads.
var known = append(append([]string(nil), required...), colOpenAmount, colCustomerIBAN, colRFReference)

// builder turns records into invoices and customers, collecting every
// problem.
type builder struct {
	errs      Error
	invoices  []ledger.Invoice
	customers []ledger.Customer
	custIdx   map[string]int
	// ids and wheres list every record's invoice_id and line (CSV) or
	// position (JSON), for the duplicate check at the end: cheaper than a
	// map of millions of strings.
	ids      []string
	wheres   []int32
	json     bool
	lastCust int // the customer of the previous record (exports group them)
	// sink, when set, receives each invoice instead of invoices (Scan);
	// sinkErr is its first error.
	sink    func(*ledger.Invoice) error
	sinkErr error
}

func newBuilder(sizeHint int, sink func(*ledger.Invoice) error) *builder {
	kept := sizeHint
	if sink != nil {
		kept = 0
	}
	return &builder{
		sink:     sink,
		invoices: make([]ledger.Invoice, 0, kept),
		custIdx:  make(map[string]int, sizeHint/4),
		ids:      make([]string, 0, sizeHint),
		wheres:   make([]int32, 0, sizeHint),
		lastCust: -1,
	}
}

// field reads one column of a record: its trimmed value and whether the
// column is present.
type field func(col string) (string, bool)

// record validates one record. line is its CSV line (0 for JSON), rec its
// 1-based position among data records.
func (b *builder) record(line, rec int, get field) {
	bad := func(col string, format string, args ...any) {
		b.errs.add(&FieldError{Line: line, Record: rec, Column: col, Err: fmt.Errorf(format, args...)})
	}
	ok := true
	need := func(col string) string {
		v, _ := get(col)
		if v == "" {
			bad(col, "%s is empty", col)
			ok = false
		}
		return v
	}
	var inv ledger.Invoice
	inv.ID = need(colInvoiceID)
	inv.Number = need(colNumber)
	inv.CustomerID = need(colCustomerID)
	inv.CustomerName = need(colCustomerName)
	cur := ledger.Currency(strings.ToUpper(need(colCurrency)))
	if cur != "" && !cur.Valid() {
		bad(colCurrency, "currency %q is not an ISO 4217 code (three letters)", string(cur))
		ok = false
	}
	if s := need(colAmount); s != "" && cur.Valid() {
		m, err := parseAmount(s, cur)
		switch {
		case err != nil:
			bad(colAmount, "%v", err)
			ok = false
		case m.Minor < 0:
			bad(colAmount, "amount %s is negative (credit notes are not imported)", s)
			ok = false
		}
		inv.Amount = m
	}
	inv.Open = inv.Amount
	if s, _ := get(colOpenAmount); s != "" && cur.Valid() {
		m, err := parseAmount(s, cur)
		switch {
		case err != nil:
			bad(colOpenAmount, "%v", err)
			ok = false
		case m.Minor < 0:
			bad(colOpenAmount, "open amount %s is negative", s)
			ok = false
		case inv.Amount.Currency != "" && m.Minor > inv.Amount.Minor:
			bad(colOpenAmount, "open amount %s exceeds amount %s", m, inv.Amount)
			ok = false
		}
		inv.Open = m
	}
	inv.IssueDate = b.date(get, colIssueDate, bad, &ok)
	inv.DueDate = b.date(get, colDueDate, bad, &ok)
	if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() && inv.DueDate.Before(inv.IssueDate) {
		bad(colDueDate, "due date %s is before the issue date %s", inv.DueDate, inv.IssueDate)
		ok = false
	}
	if s, _ := get(colRFReference); s != "" {
		n := matchers.NormalizeCreditorReference(s)
		if !matchers.ValidCreditorReference(n) {
			bad(colRFReference, "%q is not a valid ISO 11649 creditor reference (RF, two check digits, up to 21 letters or digits, mod 97)", s)
			ok = false
		}
		inv.RFReference = n
	}
	var ibans []string
	if s, _ := get(colCustomerIBAN); s != "" {
		for _, part := range strings.Split(s, ";") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			n := matchers.NormalizeIBAN(part)
			if !matchers.ValidIBAN(n) {
				bad(colCustomerIBAN, "%q is not a valid IBAN (country, check digits, length, mod 97)", strings.TrimSpace(part))
				ok = false
				continue
			}
			ibans = append(ibans, n)
		}
	}
	where := line
	if b.json {
		where = rec
	}
	if inv.ID != "" {
		// A copy: the id must not keep the whole record's text alive.
		inv.ID = strings.Clone(inv.ID)
		b.ids = append(b.ids, inv.ID)
		b.wheres = append(b.wheres, int32(where))
	}
	if !ok || !b.errs.empty() {
		return // once the import is refused, only problems matter
	}
	inv.Number = strings.Clone(inv.Number)
	switch {
	case inv.Open.Minor == 0:
		inv.Status = ledger.InvoicePaid
	case inv.Open.Minor < inv.Amount.Minor:
		inv.Status = ledger.InvoicePartiallyPaid
	default:
		inv.Status = ledger.InvoiceOpen
	}
	// The customer's id and name are shared by all its invoices.
	c := b.customer(inv.CustomerID, inv.CustomerName, ibans)
	inv.CustomerID = c.ID
	if inv.CustomerName == c.Name {
		inv.CustomerName = c.Name
	} else {
		inv.CustomerName = strings.Clone(inv.CustomerName)
	}
	if b.sink != nil {
		b.sinkErr = b.sink(&inv)
		return
	}
	b.invoices = append(b.invoices, inv)
}

// date parses a required YYYY-MM-DD column.
func (b *builder) date(get field, col string, bad func(string, string, ...any), ok *bool) ledger.Date {
	s, _ := get(col)
	if s == "" {
		bad(col, "%s is empty", col)
		*ok = false
		return ledger.Date{}
	}
	d, err := parseDate(s)
	if err != nil || len(s) != 10 {
		bad(col, "date %q: want YYYY-MM-DD", s)
		*ok = false
		return ledger.Date{}
	}
	return d
}

// parseDate parses YYYY-MM-DD without time.Parse's generality (millions of
// rows), falling back to ledger.ParseDate for anything unusual.
func parseDate(s string) (ledger.Date, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= 28 {
			return ledger.Date{Year: y, Month: time.Month(m), Day: d}, nil
		}
	}
	return ledger.ParseDate(s)
}

func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// parseAmount parses a decimal amount with '.' as the separator, exactly.
func parseAmount(s string, cur ledger.Currency) (ledger.Money, error) {
	if strings.HasPrefix(s, "+") {
		return ledger.Money{}, fmt.Errorf("amount %q: unexpected sign", s)
	}
	m, err := ledger.ParseMoney(s, cur)
	if err != nil {
		return ledger.Money{}, fmt.Errorf("%w (want a decimal with '.' and at most %d decimals, e.g. 1234.50)", err, cur.Exponent())
	}
	return m, nil
}

// customer aggregates a customer from its invoices: the first name is its
// name, other names become aliases; IBANs are merged.
func (b *builder) customer(id, name string, ibans []string) *ledger.Customer {
	k, ok := b.lastCust, b.lastCust >= 0 && b.lastCust < len(b.customers) && b.customers[b.lastCust].ID == id
	if !ok {
		k, ok = b.custIdx[id]
	}
	if !ok {
		id, name = strings.Clone(id), strings.Clone(name)
		k = len(b.customers)
		b.custIdx[id] = k
		b.customers = append(b.customers, ledger.Customer{ID: id, Name: name})
	}
	b.lastCust = k
	c := &b.customers[k]
	if name != c.Name && !contains(c.Aliases, name) {
		c.Aliases = append(c.Aliases, strings.Clone(name))
	}
	for _, iban := range ibans {
		if !contains(c.IBANs, iban) {
			c.IBANs = append(c.IBANs, iban)
		}
	}
	return c
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// duplicates reports every record whose invoice_id an earlier record has,
// naming the first one: through a sort of the ids (no map of millions of
// strings), in file order.
func (b *builder) duplicates() {
	if len(b.ids) < 2 {
		return
	}
	order := make([]int32, len(b.ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(p, q int32) int {
		if c := strings.Compare(b.ids[p], b.ids[q]); c != 0 {
			return c
		}
		return int(p - q)
	})
	var dups []*FieldError
	what := "line"
	if b.json {
		what = "record"
	}
	for k := 1; k < len(order); k++ {
		first := order[k-1]
		for k < len(order) && b.ids[order[k]] == b.ids[first] {
			i := order[k]
			fe := &FieldError{Line: int(b.wheres[i]), Record: int(b.wheres[i]), Column: colInvoiceID,
				Err: fmt.Errorf("invoice_id %q already on %s %d", b.ids[i], what, b.wheres[first])}
			if b.json {
				fe.Line = 0
			} else {
				fe.Record = 0
			}
			dups = append(dups, fe)
			k++
		}
	}
	if len(dups) == 0 {
		return
	}
	all := append(b.errs.Problems, dups...)
	slices.SortStableFunc(all, func(p, q *FieldError) int { return max(p.Line, p.Record) - max(q.Line, q.Record) })
	b.errs.Problems = nil
	b.errs.More = 0
	for _, p := range all {
		b.errs.add(p)
	}
}

// result returns what was built, or the refusal.
func (b *builder) result() ([]ledger.Invoice, []ledger.Customer, error) {
	b.duplicates()
	if !b.errs.empty() {
		return nil, nil, &b.errs
	}
	return b.invoices, b.customers, nil
}
