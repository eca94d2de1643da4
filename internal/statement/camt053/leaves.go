package camt053

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

func (d *decoder) close(f frame) error {
	if valueNodes[f.n] && d.entry != nil {
		if d.entryBytes += len(d.val); d.entryBytes > maxEntryBytes {
			return d.errorf("entry holds more than %d MiB of details", maxEntryBytes>>20)
		}
	}
	switch f.n {
	case nString:
		*f.target = d.text()
	case nCode:
		*f.target = d.code()
	case nIBAN:
		*f.target = normalizeIBAN(bytes.TrimSpace(d.val))
	case nRef:
		if v := bytes.TrimSpace(d.val); string(v) != "NOTPROVIDED" {
			*f.target = d.text()
		}
	case nCreDtTm:
		t, err := parseDateTime(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		if d.stmt != nil && d.frames[len(d.frames)-2].n == nStmt {
			d.stmtCreated = t
		} else {
			d.created = t
		}
	case nPgNb, nLastPgInd:
		p := &d.grpPage
		if d.frames[len(d.frames)-3].n == nStmt {
			p = &d.stmtPage
		}
		v := bytes.TrimSpace(d.val)
		if f.n == nPgNb {
			n, err := parsePageNumber(v)
			if err != nil {
				return d.fail(err)
			}
			p.page = n
		} else {
			b, err := parseBool(v)
			if err != nil {
				return d.fail(fmt.Errorf("LastPgInd: %w", err))
			}
			p.lastPage, p.hasLast = b, true
		}
	case nFrDtTm, nToDtTm:
		dt, err := parseDateTimeDate(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		if f.n == nFrDtTm {
			d.stmt.From = dt
		} else {
			d.stmt.To = dt
		}
	case nAcctCcy:
		c, err := parseCurrency(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		d.stmt.Account.Currency = c
	case nDateDt, nDateDtTm:
		v := bytes.TrimSpace(d.val)
		var dt ledger.Date
		var err error
		if f.n == nDateDt {
			dt, err = parseDate(v)
		} else {
			dt, err = parseDateTimeDate(v)
		}
		if err != nil {
			return d.fail(err)
		}
		*d.date = dt
	case nBalType:
		v := bytes.TrimSpace(d.val)
		if len(v) == 0 {
			return d.errorf("empty balance type")
		}
		d.bal.typ = ledger.BalanceType(d.code())
		d.bal.hasType = true
	case nBalAmt:
		m, err := d.amount()
		if err != nil {
			return err
		}
		d.bal.amount, d.bal.ccy, d.bal.hasAmt = m.Minor, m.Currency, true
	case nBalCdtDbtInd:
		dir, err := parseDirection(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		d.bal.dir = dir
	case nBal:
		return d.closeBalance()
	case nNtryAmt:
		m, err := d.amount()
		if err != nil {
			return err
		}
		d.entry.Amount, d.ent.hasAmt = m, true
	case nNtryCdtDbtInd:
		dir, err := parseDirection(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		d.entry.Direction, d.ent.hasDir = dir, true
	case nNtryRvslInd:
		b, err := parseBool(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(fmt.Errorf("RvslInd: %w", err))
		}
		d.entry.Reversal = b
	case nNtryStsCode:
		st, err := parseStatus(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		d.entry.Status, d.ent.hasStatus, d.ent.statusFromCode = st, true, true
	case nNtrySts:
		if !d.ent.statusFromCode {
			st, err := parseStatus(bytes.TrimSpace(d.val))
			if err != nil {
				return d.fail(err)
			}
			d.entry.Status, d.ent.hasStatus = st, true
		}
	case nTxAmt, nAmtDtlsAmt:
		m, err := d.amount()
		if err != nil {
			return err
		}
		ts := &d.ent.tx[len(d.ent.tx)-1]
		if f.n == nTxAmt {
			ts.amt, ts.hasAmt = m, true
		} else if !ts.hasDtlsAmt {
			ts.dtlsAmt, ts.hasDtlsAmt = m, true
		}
	case nTxCdtDbtInd:
		dir, err := parseDirection(bytes.TrimSpace(d.val))
		if err != nil {
			return d.fail(err)
		}
		d.tx().Direction = dir
		d.ent.tx[len(d.ent.tx)-1].hasDir = true
	case nUstrd:
		if v := bytes.TrimSpace(d.val); len(v) > 0 {
			t := d.tx()
			t.Remittance = append(t.Remittance, string(v))
		}
	case nCdtrRefInf:
		t := d.tx()
		if r := t.CreditorRefs[len(t.CreditorRefs)-1]; r.Ref == "" && r.Type == "" {
			t.CreditorRefs = t.CreditorRefs[:len(t.CreditorRefs)-1]
		}
	case nBtch:
		if d.ent.btchMsgID == "" && d.ent.btchPmtInfID == "" {
			d.ent.btchMsgID, d.ent.btchPmtInfID = d.btchMsgID, d.btchPmtInfID
		}
	case nNtryDtls:
		for i := d.dtlsStart; i < len(d.entry.Transactions); i++ {
			t := &d.entry.Transactions[i]
			if t.MessageID == "" {
				t.MessageID = d.btchMsgID
			}
			if t.PaymentInfoID == "" {
				t.PaymentInfoID = d.btchPmtInfID
			}
		}
	case nNtry:
		return d.closeEntry()
	case nStmt:
		return d.closeStmt()
	case nMessage:
		if d.stmts == 0 {
			return d.errorf("no <Stmt> in <BkToCstmrStmt>")
		}
	}
	return nil
}

// normalizeIBAN upper-cases an IBAN and drops the spaces of its printed
// form ("fr76 3000 …").
func normalizeIBAN(b []byte) string {
	clean := true
	for _, c := range b {
		if c == ' ' || (c >= 'a' && c <= 'z') {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	return strings.ToUpper(strings.ReplaceAll(string(b), " ", ""))
}

// text returns the current value, trimmed.
func (d *decoder) text() string {
	return string(bytes.TrimSpace(d.val))
}

// code returns the current value, trimmed and interned: codes and BICs
// repeat on every entry.
func (d *decoder) code() string {
	v := bytes.TrimSpace(d.val)
	if s, ok := d.intern[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(v) <= 16 && len(d.intern) < 4096 {
		d.intern[s] = s
	}
	return s
}

// amount reads the current amount element: its Ccy attribute and value.
func (d *decoder) amount() (ledger.Money, error) {
	if !d.hasCcy {
		return ledger.Money{}, d.errorf("amount has no Ccy attribute")
	}
	c, err := parseCurrency(d.ccy)
	if err != nil {
		return ledger.Money{}, d.fail(err)
	}
	v, err := parseAmount(bytes.TrimSpace(d.val), c)
	if err != nil {
		return ledger.Money{}, d.fail(err)
	}
	return ledger.Money{Minor: v, Currency: c}, nil
}

// tx returns the transaction being read.
func (d *decoder) tx() *ledger.Transaction {
	return &d.entry.Transactions[len(d.entry.Transactions)-1]
}

// cdtrRef returns the creditor reference being read.
func (d *decoder) cdtrRef() *ledger.CreditorReference {
	t := d.tx()
	return &t.CreditorRefs[len(t.CreditorRefs)-1]
}

// readCcy keeps the Ccy attribute of an amount element.
func (d *decoder) readCcy() {
	d.hasCcy = false
	for _, a := range d.sc.Attrs() {
		if string(a.Name) == "Ccy" {
			d.ccy = append(d.ccy[:0], bytes.TrimSpace(a.Value)...)
			d.hasCcy = true
		}
	}
}
