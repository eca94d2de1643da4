package cfonb120

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// Options tunes ParseWithOptions. The zero value is the strict parser
// Parse uses.
type Options struct {
	// Lenient downgrades the deviations listed in the package documentation
	// from errors to warnings.
	Lenient bool
	// OnWarning, when set, receives every warning with its position, also
	// those raised outside any statement (which otherwise go to the next
	// statement's Warnings, or nowhere after the last one).
	OnWarning func(pos, msg string)
}

// maxWarnings caps the warnings kept in one statement; one more line says
// that further warnings were dropped.
const maxWarnings = 100

// ctxCheckEvery is how many records pass between two looks at the context.
const ctxCheckEvery = 1024

// Parse reads a CFONB 120 file from r and streams its statements into v,
// strictly: the first problem stops it with a *statement.ParseError. It
// reads one record at a time through a buffer and never holds the file.
func Parse(ctx context.Context, r io.Reader, v statement.Visitor) error {
	return ParseWithOptions(ctx, r, v, Options{})
}

// ParseWithOptions is Parse with options, such as lenient reading.
func ParseWithOptions(ctx context.Context, r io.Reader, v statement.Visitor, opt Options) error {
	p := &parser{
		v:    v,
		opt:  opt,
		keys: make(map[uint64]uint32),
		ids:  make(map[string]int),
		hash: sha256.New(),
	}
	p.rd = newReader(r, opt.Lenient, p.warn)
	return p.run(ctx)
}

// warnFlag marks a warning given at most once per statement.
type warnFlag uint8

// Warnings given once per statement.
const (
	warnCurrencyBlank warnFlag = 1 << iota
	warnDecimalsBlank
	warnBankCode
)

// parser is the record state machine: at most one open statement and one
// pending 04 at a time.
type parser struct {
	v   statement.Visitor
	opt Options
	rd  *reader

	st         *ledger.Statement // the open statement, nil between 07 and 01
	stLine     int               // line of its 01
	acctNumber []byte            // its account number (22-32), trimmed
	exp        int               // its currency's number of decimals
	raised     warnFlag          // once-per-statement warnings already given
	entries    int               // entries delivered in it

	ent    pendingEntry // the pending 04, when hasEnt
	hasEnt bool

	keys map[uint64]uint32 // per statement: occurrences of each entry key
	ids  map[string]int    // per file: occurrences of each statement id

	orphans    []string // warnings raised while no statement was open
	statements int
	hash       hash.Hash
	sum        [sha256.Size]byte
	scratch    []byte
	codes      [codeSlots]recentText
}

// Slots of parser.codes: short codes that repeat from record to record.
const (
	codeBank = iota
	codeInternal
	codeInterbank
	codeSlots
)

// recentText remembers the last text read from one zone, so that a code
// repeated on every record is one string, not one allocation per record.
type recentText struct {
	raw []byte
	s   string
}

// text returns positions p…q of rec as record.text does, reusing the last
// string when the bytes are the same.
func (c *recentText) text(rec *record, p, q int) string {
	b := trimFiller(rec.field(p, q))
	if c.raw == nil || !bytes.Equal(b, c.raw) {
		c.raw = append(c.raw[:0], b...)
		c.s = decodeText(b, rec.utf8)
	}
	return c.s
}

// run reads every record, then checks the file ended cleanly.
func (p *parser) run(ctx context.Context) error {
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := p.rd.next()
		if errors.Is(err, io.EOF) {
			return p.finish()
		}
		if err != nil {
			return err
		}
		if err := p.handle(ctx, rec); err != nil {
			return err
		}
	}
}

// handle dispatches one record on its code.
func (p *parser) handle(ctx context.Context, rec *record) error {
	switch string(rec.code()) {
	case "01":
		return p.open(ctx, rec)
	case "04":
		return p.movement(ctx, rec)
	case "05":
		return p.complement(rec)
	case "07":
		return p.close(ctx, rec)
	}
	msg := fmt.Sprintf("record code %q is none of 01, 04, 05, 07", decodeText(rec.code(), rec.utf8))
	if !p.opt.Lenient {
		return newError(rec.pos(), ErrRecordCode, "%s", msg)
	}
	p.warn(rec.pos(), msg+"; record skipped")
	return nil
}

// open handles a 01: it starts a statement with its opening balance.
func (p *parser) open(ctx context.Context, rec *record) error {
	if p.st != nil {
		return newError(rec.pos(), ErrStructure, "record 01 opens a statement while the one opened at line %d has no 07 yet", p.stLine)
	}
	ccy, err := currencyOf(rec)
	if err != nil {
		return err
	}
	st := &ledger.Statement{
		Format:   ledger.FormatCFONB120,
		LastPage: true,
		Account: ledger.Account{
			BankCode:   rec.text(3, 7),
			BranchCode: rec.text(12, 16),
			Other:      rec.text(22, 32),
		},
		Warnings: p.orphans,
	}
	p.orphans = nil
	p.st, p.stLine, p.raised, p.entries = st, rec.line, 0, 0
	p.acctNumber = append(p.acctNumber[:0], trimFiller(rec.field(22, 32))...)
	clear(p.keys)
	if ccy == "" {
		ccy = "EUR"
		p.flagOnce(warnCurrencyBlank, rec.pos(), "currency blank, EUR assumed")
	}
	st.Account.Currency = ccy
	p.exp = ccy.Exponent()
	date, err := p.requiredDate(rec, "balance")
	if err != nil {
		return err
	}
	amount, err := p.signedAmount(rec)
	if err != nil {
		return err
	}
	st.From = date
	st.Balances = []ledger.Balance{{Type: ledger.OpeningBooked, Amount: ledger.Money{Minor: amount, Currency: ccy}, Date: date}}
	st.StatementID = p.statementID(st.Account, date)
	p.statements++
	return p.v.BeginStatement(ctx, st)
}

// movement handles a 04: it delivers the pending entry and starts a new one.
func (p *parser) movement(ctx context.Context, rec *record) error {
	if p.st == nil {
		return newError(rec.pos(), ErrStructure, "record 04 outside a statement: no 01 opens it")
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	if acct := trimFiller(rec.field(22, 32)); !bytes.Equal(acct, p.acctNumber) {
		return newError(rec.pos(), ErrAccount, "record 04 is for account %q, but the statement opened at line %d is for %q",
			decodeText(acct, rec.utf8), p.stLine, p.st.Account.Other)
	}
	if err := p.checkCurrency(rec); err != nil {
		return err
	}
	booked, err := p.requiredDate(rec, "booking")
	if err != nil {
		return err
	}
	value, _, err := parseDate(rec.field(43, 48))
	if err != nil {
		return newError(rec.pos(), ErrDate, "value date: %v", err)
	}
	amount, negative, err := p.amount(rec)
	if err != nil {
		return err
	}
	dir := ledger.Credit
	if negative {
		dir = ledger.Debit
	}
	money := ledger.Money{Minor: amount, Currency: p.st.Account.Currency}

	node := &entryNode{}
	e, tx := &node.e, &node.tx[0]
	e.Transactions = node.tx[:]
	p.entries++
	e.Index = p.entries
	e.Amount, e.Direction, e.Status = money, dir, ledger.StatusBooked
	e.BookingDate, e.ValueDate = booked, value
	e.AcctSvcrRef = rec.text(105, 120)
	if n := trimFiller(rec.field(82, 88)); len(n) > 0 && string(n) != "0000000" {
		e.EntryRef = decodeText(n, rec.utf8)
	}
	e.BankTxCode.Interbank = p.codes[codeInterbank].text(rec, 33, 34)
	if code := p.codes[codeInternal].text(rec, 8, 11); code != "" {
		e.BankTxCode.Proprietary, e.BankTxCode.Issuer = code, p.codes[codeBank].text(rec, 3, 7)
	}
	e.AdditionalInfo = rec.text(49, 79)
	tx.Index, tx.Amount, tx.Direction = 1, money, dir
	tx.ReturnReason = rec.text(41, 42)
	if e.AdditionalInfo != "" {
		tx.Remittance = make([]string, 1, 4)
		tx.Remittance[0] = e.AdditionalInfo
	}
	if f := rec.text(89, 89); f != "" && f != "0" {
		addExtra(tx, "commission_exemption", f)
	}
	if f := rec.text(90, 90); f != "" && f != "0" {
		addExtra(tx, "unavailability", f)
	}
	p.ent = pendingEntry{node: node, lcc: p.ent.lcc[:0]}
	p.hasEnt = true
	p.hash.Reset()
	_, _ = p.hash.Write([]byte(p.st.StatementID))
	p.hashText(0x1f, rec, 1, recordLen)
	return nil
}

// complement handles a 05: it adds its data to the pending 04.
func (p *parser) complement(rec *record) error {
	var problem string
	switch {
	case p.st == nil:
		problem = "record 05 outside a statement: no 01 opens it"
	case !p.hasEnt:
		problem = fmt.Sprintf("record 05 before the first 04 of the statement opened at line %d", p.stLine)
	default:
		p.ent.complement(rec)
		p.hashText(0x1e, rec, 46, recordLen)
		return nil
	}
	if !p.opt.Lenient {
		return newError(rec.pos(), ErrStructure, "%s", problem)
	}
	p.warn(rec.pos(), problem+"; record skipped")
	return nil
}

// close handles a 07: it delivers the pending entry, adds the closing
// balance and ends the statement.
func (p *parser) close(ctx context.Context, rec *record) error {
	st := p.st
	if st == nil {
		return newError(rec.pos(), ErrStructure, "record 07 outside a statement: no 01 opens it")
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	branch, acct := rec.text(12, 16), trimFiller(rec.field(22, 32))
	if branch != st.Account.BranchCode || !bytes.Equal(acct, p.acctNumber) {
		msg := fmt.Sprintf("record 07 is for branch %q account %q, but the statement opened at line %d is for branch %q account %q",
			branch, decodeText(acct, rec.utf8), p.stLine, st.Account.BranchCode, st.Account.Other)
		if !p.opt.Lenient {
			return newError(rec.pos(), ErrAccount, "%s", msg)
		}
		p.warn(rec.pos(), msg)
	}
	if bank := rec.text(3, 7); bank != st.Account.BankCode {
		p.flagOnce(warnBankCode, rec.pos(), fmt.Sprintf("bank code %q differs from the 01's %q", bank, st.Account.BankCode))
	}
	if err := p.checkCurrency(rec); err != nil {
		return err
	}
	date, err := p.requiredDate(rec, "balance")
	if err != nil {
		return err
	}
	amount, err := p.signedAmount(rec)
	if err != nil {
		return err
	}
	st.To = date
	st.Balances = append(st.Balances, ledger.Balance{Type: ledger.ClosingBooked, Amount: ledger.Money{Minor: amount, Currency: st.Account.Currency}, Date: date})
	p.st = nil
	return p.v.EndStatement(ctx, st)
}

// flush delivers the pending entry, if any, with its bank reference.
func (p *parser) flush(ctx context.Context) error {
	if !p.hasEnt {
		return nil
	}
	p.hasEnt = false
	p.ent.endLCC()
	e, tx := &p.ent.node.e, &p.ent.node.tx[0]
	sum := p.hash.Sum(p.sum[:0])
	k := binary.BigEndian.Uint64(sum)
	p.keys[k]++
	if e.AcctSvcrRef != "" {
		tx.AcctSvcrRef = e.AcctSvcrRef
	} else {
		tx.AcctSvcrRef = entryKey(sum, p.keys[k])
	}
	if !p.st.Totals.Add(e) {
		return newError(fmt.Sprintf("entry %d of the statement opened at line %d", e.Index, p.stLine), ErrAmount, "the statement's totals overflow")
	}
	return p.v.Entry(ctx, p.st, e)
}

// finish checks the end of the file: no statement left open, at least one
// statement read.
func (p *parser) finish() error {
	pos := fmt.Sprintf("line %d (end of file)", p.rd.line)
	if p.st != nil {
		return newError(pos, ErrTruncated, "the file ends inside the statement opened at line %d: no 07 record closes it (truncated file?)", p.stLine)
	}
	if p.statements == 0 {
		return newError(pos, ErrTruncated, "no statement in the file: a CFONB 120 file starts with a 01 record")
	}
	return nil
}

// currencyOf reads the currency of a 01 record ("" when blank).
func currencyOf(rec *record) (ledger.Currency, error) {
	c := rec.field(17, 19)
	if isBlank(c) {
		return "", nil
	}
	if cur := ledger.Currency(c); cur.Valid() {
		return cur, nil
	}
	return "", newError(rec.pos(), ErrCurrency, "currency %q is not an ISO 4217 code", decodeText(c, rec.utf8))
}

// checkCurrency checks that a 04 or 07 is in its statement's currency (a
// blank currency reads as the statement's and is flagged).
func (p *parser) checkCurrency(rec *record) error {
	c := rec.field(17, 19)
	ccy := p.st.Account.Currency
	switch {
	case isBlank(c):
		p.flagOnce(warnCurrencyBlank, rec.pos(), fmt.Sprintf("currency blank, the statement's %s assumed", ccy))
	case string(c) != string(ccy):
		return newError(rec.pos(), ErrCurrency, "record is in %q, but the statement opened at line %d is in %s",
			decodeText(c, rec.utf8), p.stLine, ccy)
	}
	return nil
}

// decimals reads the number of decimals (position 20); blank reads as the
// statement currency's and is flagged.
func (p *parser) decimals(rec *record) (int, error) {
	d := rec.field(20, 20)
	switch {
	case len(d) == 1 && d[0] >= '0' && d[0] <= '9':
		return int(d[0] - '0'), nil
	case isBlank(d):
		p.flagOnce(warnDecimalsBlank, rec.pos(), fmt.Sprintf("number of decimals blank, %d assumed", p.exp))
		return p.exp, nil
	}
	return 0, newError(rec.pos(), ErrAmount, "number of decimals %q is not a digit", decodeText(d, rec.utf8))
}

// amount reads the amount zone (91-104): its absolute value in minor units
// of the statement's currency and its sign.
func (p *parser) amount(rec *record) (abs int64, negative bool, err error) {
	dec, err := p.decimals(rec)
	if err != nil {
		return 0, false, err
	}
	abs, negative, spaced, err := parseAmount(rec.field(91, 104), dec, p.exp, p.opt.Lenient)
	if err != nil {
		return 0, false, newError(rec.pos(), ErrAmount, "%v", err)
	}
	if spaced {
		p.warn(rec.pos(), "spaces inside the amount read as zeros")
	}
	return abs, negative, nil
}

// signedAmount reads the amount zone of a balance: negative for a debit
// balance.
func (p *parser) signedAmount(rec *record) (int64, error) {
	abs, negative, err := p.amount(rec)
	if negative {
		abs = -abs
	}
	return abs, err
}

// requiredDate reads the date at 35-40, which must be present.
func (p *parser) requiredDate(rec *record, what string) (ledger.Date, error) {
	d, ok, err := parseDate(rec.field(35, 40))
	switch {
	case err != nil:
		return ledger.Date{}, newError(rec.pos(), ErrDate, "%s date: %v", what, err)
	case !ok:
		return ledger.Date{}, newError(rec.pos(), ErrDate, "%s date is blank", what)
	}
	return d, nil
}

// statementID derives the statement's id from its account and start date,
// numbering repeats within the file.
func (p *parser) statementID(a ledger.Account, from ledger.Date) string {
	id := fmt.Sprintf("%s-%s-%04d%02d%02d", a.ID(), a.Currency, from.Year, int(from.Month), from.Day)
	p.ids[id]++
	if n := p.ids[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// hashText feeds the entry key: a separator, then positions p…q of rec as
// UTF-8 text without trailing filler.
func (p *parser) hashText(sep byte, rec *record, from, to int) {
	p.scratch = append(p.scratch[:0], sep)
	p.scratch = appendText(p.scratch, trimFillerRight(rec.field(from, to)), rec.utf8)
	_, _ = p.hash.Write(p.scratch) // a hash.Hash never fails
}

// entryKey formats the deterministic reference of an entry without one:
// "CFONB-" and 24 hex digits of its hash, then "-n" for the n-th repeat.
func entryKey(sum []byte, n uint32) string {
	var buf [64]byte
	b := append(buf[:0], "CFONB-"...)
	b = hex.AppendEncode(b, sum[:12])
	if n > 1 {
		b = append(b, '-')
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	return string(b)
}

// flagOnce gives a warning at most once per statement.
func (p *parser) flagOnce(f warnFlag, pos, msg string) {
	if p.raised&f != 0 {
		return
	}
	p.raised |= f
	p.warn(pos, msg)
}

// warn records a warning in the open statement (or for the next one) and
// passes it to Options.OnWarning.
func (p *parser) warn(pos, msg string) {
	if p.opt.OnWarning != nil {
		p.opt.OnWarning(pos, msg)
	}
	list := &p.orphans
	if p.st != nil {
		list = &p.st.Warnings
	}
	switch n := len(*list); {
	case n < maxWarnings:
		*list = append(*list, pos+": "+msg)
	case n == maxWarnings:
		*list = append(*list, "further warnings omitted")
	}
}
