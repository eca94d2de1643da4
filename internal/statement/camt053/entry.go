package camt053

import (
	"fmt"

	"github.com/lettrage/lettrage/internal/ledger"
)

// closeEntry completes the entry: required fields, transactions, totals,
// and hands it to the Visitor.
func (d *decoder) closeEntry() error {
	e := d.entry
	switch {
	case !d.ent.hasAmt:
		return d.errorf("entry has no Amt")
	case !d.ent.hasDir:
		return d.errorf("entry has no CdtDbtInd")
	case !d.ent.hasStatus:
		return d.errorf("entry has no Sts")
	}
	d.settleTransactions()
	if !d.begun {
		if err := d.beginStatement(); err != nil {
			return err
		}
	}
	if acc := d.stmt.Account.Currency; acc != "" && e.Amount.Currency != acc {
		d.warn(fmt.Sprintf("amount %s %s is not in the account currency %s", e.Amount, e.Amount.Currency, acc))
	}
	if !d.stmt.Totals.Add(e) {
		return d.errorf("statement totals overflow int64 minor units")
	}
	if err := d.ctx.Err(); err != nil {
		return err
	}
	return d.v.Entry(d.ctx, d.stmt, e)
}

// settleTransactions gives every transaction its amount and direction and
// checks that they add up to the entry.
func (d *decoder) settleTransactions() {
	e := d.entry
	if len(e.Transactions) == 0 {
		e.Transactions = []ledger.Transaction{{
			Index:          1,
			Amount:         e.Amount,
			Direction:      e.Direction,
			AcctSvcrRef:    e.AcctSvcrRef,
			MessageID:      d.ent.btchMsgID,
			PaymentInfoID:  d.ent.btchPmtInfID,
			AdditionalInfo: e.AdditionalInfo,
		}}
		return
	}
	single := len(e.Transactions) == 1
	var sum int64
	sameCcy, missing := true, 0
	for i := range e.Transactions {
		t, ts := &e.Transactions[i], d.ent.tx[i]
		switch {
		case ts.hasAmt:
			t.Amount = ts.amt
		case ts.hasDtlsAmt:
			t.Amount = ts.dtlsAmt
		case single:
			t.Amount = e.Amount
		default:
			t.Amount = ledger.Money{Currency: e.Amount.Currency}
			missing++
		}
		if !ts.hasDir {
			t.Direction = e.Direction
		}
		if t.Amount.Currency != e.Amount.Currency {
			sameCcy = false
		}
		signed := t.Amount.Minor
		if t.Direction != e.Direction {
			signed = -signed
		}
		s, ok := ledger.AddMinor(sum, signed)
		if !ok {
			sameCcy = false
		}
		sum = s
	}
	switch {
	case missing > 0:
		e.DetailsMismatch = true
		d.warn(fmt.Sprintf("%d of %d transaction details have no amount", missing, len(e.Transactions)))
	case !sameCcy:
		e.DetailsMismatch = true
		d.warn(fmt.Sprintf("transaction details are not all in the entry currency %s", e.Amount.Currency))
	case sum != e.Amount.Minor:
		e.DetailsMismatch = true
		d.warn(fmt.Sprintf("transaction details add up to %s %s, the entry amount is %s",
			ledger.FormatMinor(sum, e.Amount.Currency.Exponent()), e.Amount.Currency, e.Amount))
	}
}
