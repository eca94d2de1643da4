package camt053

import (
	"errors"
	"fmt"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// beginStmt starts a new statement from the group header.
func (d *decoder) beginStmt() {
	d.stmt = &ledger.Statement{Format: ledger.Format(d.format), MessageID: d.msgID}
	d.stmtCreated = time.Time{}
	d.stmtPage = pagination{}
	d.begun = false
	d.entries = 0
	d.suppressed = 0
	d.entry = nil
}

func (d *decoder) closeBalance() error {
	b := d.bal
	switch {
	case !b.hasType:
		return d.errorf("balance has no Tp/CdOrPrtry/Cd")
	case !b.hasAmt:
		return d.errorf("balance %s has no Amt", b.typ)
	case b.dir == "":
		return d.errorf("balance %s has no CdtDbtInd", b.typ)
	}
	amt := b.amount
	if b.dir == ledger.Debit {
		amt = -amt
	}
	d.stmt.Balances = append(d.stmt.Balances, ledger.Balance{
		Type: b.typ, Amount: ledger.Money{Minor: amt, Currency: b.ccy}, Date: b.date,
	})
	return nil
}

// beginStatement completes the statement header and calls BeginStatement.
func (d *decoder) beginStatement() error {
	s := d.stmt
	if s.StatementID == "" {
		return d.errorf("statement has no Id")
	}
	if s.Account.IBAN == "" && s.Account.Other == "" {
		return d.errorf("statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)")
	}
	if s.Account.Currency == "" {
		switch {
		case len(s.Balances) > 0:
			s.Account.Currency = s.Balances[0].Amount.Currency
		case d.entry != nil:
			s.Account.Currency = d.entry.Amount.Currency
		}
	}
	s.CreatedAt = d.created
	if !d.stmtCreated.IsZero() {
		s.CreatedAt = d.stmtCreated
	}
	p := d.grpPage
	if d.stmtPage.set {
		p = d.stmtPage
	}
	s.Page = p.page
	s.LastPage = !p.hasLast || p.lastPage
	d.begun = true
	if err := d.ctx.Err(); err != nil {
		return err
	}
	return d.v.BeginStatement(d.ctx, s)
}

func (d *decoder) closeStmt() error {
	if !d.begun {
		if err := d.beginStatement(); err != nil {
			return err
		}
	}
	if d.suppressed > 0 {
		d.stmt.Warnings = append(d.stmt.Warnings, fmt.Sprintf("%d more warnings not shown", d.suppressed))
	}
	return d.v.EndStatement(d.ctx, d.stmt)
}

// warn records a problem worked around in the current statement, with the
// position of the current element.
func (d *decoder) warn(msg string) {
	if len(d.stmt.Warnings) >= maxWarnings {
		d.suppressed++
		return
	}
	d.stmt.Warnings = append(d.stmt.Warnings, d.pos()+": "+msg)
}

// finish checks the end of the document.
func (d *decoder) finish() error {
	if !d.sawBody {
		return &statement.ParseError{Format: d.format, Pos: "/Document", Err: errors.New("no <BkToCstmrStmt> in <Document>")}
	}
	return nil
}
