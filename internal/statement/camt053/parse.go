// Package camt053 reads ISO 20022 camt.053 bank-to-customer statements,
// versions 001.02 to 001.13, as a stream: it hands each statement and each
// entry to a statement.Visitor as soon as it is read, so memory stays flat
// whatever the file size.
//
// It is our own decoder, not moov-io/iso20022 (which covers only 001.08,
// reads amounts as float64 and needs the whole document in memory; it
// serves as the test oracle and the benchmark baseline). Elements are
// matched by local name, so the namespace prefix does not matter, and the
// element shapes of every version are accepted wherever they occur: Sts as
// text or Sts/Cd, Dbtr/Nm or Dbtr/Pty/Nm, BIC or BICFI, TxDtls/Amt or
// TxDtls/AmtDtls/TxAmt/Amt. The version is read from the root element's
// namespace (urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN, also with the
// "iso:20023" typo); xsi:schemaLocation is ignored.
//
// The XML is read by the xmlscan sub-package, a well-formedness-checking
// tokenizer several times faster than encoding/xml. Amounts are exact
// decimals turned into integer minor units of their currency; a value that
// would need rounding is an error, never rounded.
//
// Rules worth knowing (see also formats.md §2):
//   - An entry without TxDtls is one transaction carrying the entry's amount,
//     AcctSvcrRef, AddtlNtryInf and batch references. A lone TxDtls without
//     an amount takes the entry's amount.
//   - When an entry's transactions do not add up to it (signed sum, same
//     currency), the file is still accepted: the entry amount is what was
//     booked and drives the balances, the transactions keep the amounts
//     the bank gave, Entry.DetailsMismatch is set and a statement warning
//     says by how much. Rejecting would block a whole day's statement over
//     a detail banks do get wrong (charges netted, sample data); flagging
//     keeps such payments away from automatic lettrage.
//   - RvslInd=true sets Entry.Reversal and keeps CdtDbtInd as the booking's
//     direction (the ISO 20022 usage rule).
//   - BeginStatement is called just before the first entry (or at the end
//     of a statement without entries), after the header and balances.
//     Balances found after entries are still added before EndStatement.
//   - "NOTPROVIDED" references are dropped; empty Ustrd lines are dropped;
//     text is trimmed of surrounding white space; IBANs are upper-cased
//     without spaces.
//   - The account currency is Acct/Ccy, else that of the first balance, else
//     that of the first entry. An entry in another currency is kept, with a
//     warning; the statement then cannot pass the balance check.
//   - A date-time (DtTm) gives the civil date as written, whatever its
//     offset; CreatedAt keeps the instant (UTC when no offset is given).
//   - Limits keep memory bounded: 32 MiB of details per entry, 1000
//     balances per statement, 100 warnings per statement, 16 MiB per XML
//     token, 256 levels of nesting.
package camt053

import (
	"context"
	"io"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/camt053/xmlscan"
)

// Limits that keep memory bounded whatever the file holds. An entry is held
// whole until its end tag (it may be a batch of many transactions); real
// batches stay far below these.
const (
	// maxWarnings bounds the warnings kept per statement, so a file where
	// every entry is odd still takes bounded memory.
	maxWarnings = 100
	// maxEntryBytes bounds the text and transactions one entry may carry.
	maxEntryBytes = 32 << 20
	// maxBalances bounds the balances of one statement.
	maxBalances = 1000
)

// txCost is what one transaction counts against maxEntryBytes besides its text.
const txCost = 512

// Parse reads a camt.053 document from r and streams its statements and
// entries into v. It returns a *statement.ParseError for anything it cannot
// read (wrapping statement.ErrUnsupported for camt.052, camt.054 and
// versions outside 001.02–001.13), ctx's error if ctx ends, or the
// Visitor's own error unchanged. Nothing of a file that fails is valid.
func Parse(ctx context.Context, r io.Reader, v statement.Visitor) error {
	d := &decoder{
		ctx:    ctx,
		v:      v,
		sc:     xmlscan.New(r, xmlscan.Options{CharsetReader: CharsetReader}),
		format: "camt.053",
		intern: make(map[string]string),
	}
	return d.run()
}

// frame is one open element.
type frame struct {
	n      node
	idx    int32   // position among its like siblings (Stmt[2], Ntry[41]), 0 when not counted
	target *string // where nString, nCode and nRef leaves go
}

// decoder is the state of one Parse call.
type decoder struct {
	ctx    context.Context
	v      statement.Visitor
	sc     *xmlscan.Scanner
	format string

	frames  []frame
	collect bool   // the current element's text is wanted
	val     []byte // text of the current value element
	ccy     []byte // Ccy attribute of the current amount element
	hasCcy  bool

	// group header
	msgID    string
	created  time.Time
	grpPage  pagination
	sawBody  bool
	stmts    int
	stmtPage pagination

	// current statement
	stmt        *ledger.Statement
	stmtCreated time.Time
	begun       bool
	entries     int
	suppressed  int

	bal        balance
	entry      *ledger.Entry
	ent        entryState
	entryBytes int // text and transactions held for the current entry

	// NtryDtls in progress
	dtlsStart    int
	dtlsCount    int32
	txCount      int32
	btchMsgID    string
	btchPmtInfID string

	// targets chosen by a container for its descendants
	date  *ledger.Date
	party *ledger.Party
	bic   *string

	intern map[string]string
}

// pagination is a MsgPgntn or StmtPgntn as read.
type pagination struct {
	set      bool
	page     int
	lastPage bool
	hasLast  bool
}

// balance is the Bal being read.
type balance struct {
	typ             ledger.BalanceType
	amount          int64
	ccy             ledger.Currency
	dir             ledger.Direction
	date            ledger.Date
	hasAmt, hasType bool
}

// entryState is what the decoder tracks about the entry being read beyond
// the Entry itself.
type entryState struct {
	hasAmt, hasDir, hasStatus bool
	statusFromCode            bool
	btchMsgID, btchPmtInfID   string
	tx                        []txState // parallel to entry.Transactions
}

// txState tracks one TxDtls.
type txState struct {
	hasAmt, hasDtlsAmt, hasDir bool
	amt, dtlsAmt               ledger.Money
}

// run reads tokens until the end of the document or the first error.
func (d *decoder) run() error {
	for {
		kind, err := d.sc.Next()
		if err != nil {
			if err == io.EOF {
				return d.finish()
			}
			return d.syntaxError(err)
		}
		switch kind {
		case xmlscan.StartElement:
			err = d.start()
		case xmlscan.EndElement:
			err = d.end()
		case xmlscan.CharData:
			if d.collect {
				d.val = append(d.val, d.sc.Text()...)
			}
		}
		if err != nil {
			return err
		}
	}
}

// start handles a start tag.
func (d *decoder) start() error {
	depth := len(d.frames)
	if depth == 0 {
		return d.root()
	}
	parent := d.frames[depth-1].n
	if parent == nSkip {
		d.frames = append(d.frames, frame{n: nSkip})
		d.collect = false
		return nil
	}
	local := d.sc.Local()
	if parent == nDocument {
		if d.sawBody || string(local) != "BkToCstmrStmt" {
			if d.sawBody {
				return d.errorf("<Document> holds a second message <%s>", local)
			}
			return d.fail(bodyError(string(local)))
		}
		d.sawBody = true
		d.frames = append(d.frames, frame{n: nMessage})
		d.collect = false
		return nil
	}
	n, target := d.child(parent, local)
	f := frame{n: n, target: target}
	switch n {
	case nStmt:
		d.stmts++
		f.idx = int32(d.stmts)
		d.beginStmt()
	case nBal:
		if len(d.stmt.Balances) >= maxBalances {
			return d.errorf("statement has more than %d balances", maxBalances)
		}
		f.idx = int32(len(d.stmt.Balances) + 1)
		d.bal = balance{}
	case nNtry:
		d.entries++
		f.idx = int32(d.entries)
		d.entry = &ledger.Entry{Index: d.entries}
		d.ent = entryState{tx: d.ent.tx[:0]}
		d.entryBytes = 0
		d.dtlsCount = 0
	case nNtryDtls:
		d.dtlsCount++
		f.idx = d.dtlsCount
		d.dtlsStart = len(d.entry.Transactions)
		d.txCount = 0
		d.btchMsgID, d.btchPmtInfID = "", ""
	case nTxDtls:
		if d.entryBytes += txCost; d.entryBytes > maxEntryBytes {
			return d.errorf("entry holds more than %d MiB of details", maxEntryBytes>>20)
		}
		d.txCount++
		f.idx = d.txCount
		d.entry.Transactions = append(d.entry.Transactions, ledger.Transaction{Index: len(d.entry.Transactions) + 1})
		d.ent.tx = append(d.ent.tx, txState{})
	case nCdtrRefInf:
		t := d.tx()
		t.CreditorRefs = append(t.CreditorRefs, ledger.CreditorReference{})
	case nBalAmt, nNtryAmt, nTxAmt, nAmtDtlsAmt:
		d.readCcy()
	case nPgntn:
		if d.frames[depth-1].n == nStmt {
			d.stmtPage = pagination{set: true}
		} else {
			d.grpPage = pagination{set: true}
		}
	}
	d.frames = append(d.frames, f)
	d.collect = valueNodes[n]
	if d.collect {
		d.val = d.val[:0]
	}
	return nil
}

// root checks the root element and reads the version from its namespace.
func (d *decoder) root() error {
	d.frames = append(d.frames, frame{n: nDocument})
	prefix, local := d.sc.Prefix(), d.sc.Local()
	if string(local) != "Document" {
		return d.errorf("not a camt.053 file: the root element is <%s>, want an ISO 20022 <Document>", d.sc.Name())
	}
	want := "xmlns"
	if len(prefix) > 0 {
		want = "xmlns:" + string(prefix)
	}
	ns, found := "", false
	for _, a := range d.sc.Attrs() {
		if string(a.Name) == want {
			ns, found = string(a.Value), true
		}
	}
	if !found {
		if len(prefix) > 0 {
			return d.errorf("namespace prefix %q of <%s> is not declared", prefix, d.sc.Name())
		}
		return d.errorf("<Document> has no namespace; want urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN")
	}
	m, ok := parseNamespace(ns)
	if !ok {
		return d.errorf("unknown namespace %q; want urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN", ns)
	}
	if err := checkMessage(m); err != nil {
		d.format = m.String()
		return d.fail(err)
	}
	d.format = m.String()
	return nil
}

// end handles an end tag: it reads the element's value or completes the
// statement, balance, entry or transaction it closes.
func (d *decoder) end() error {
	f := d.frames[len(d.frames)-1]
	var err error
	if f.n != nSkip {
		err = d.close(f)
	}
	d.frames = d.frames[:len(d.frames)-1]
	if len(d.frames) > 0 {
		d.collect = valueNodes[d.frames[len(d.frames)-1].n]
	}
	return err
}
