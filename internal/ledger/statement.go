package ledger

import "time"

// Format names a statement format and version as Lettrage reports it:
// "camt.053.001.02" … "camt.053.001.13", or "cfonb120".
type Format string

// FormatCFONB120 is the French 120-character "relevé de compte" format.
const FormatCFONB120 Format = "cfonb120"

// Direction is the booking direction of an entry or a balance.
type Direction string

// Booking directions, named as ISO 20022 CdtDbtInd.
const (
	Credit Direction = "CRDT"
	Debit  Direction = "DBIT"
)

// Sign returns +1 for a credit and -1 for a debit.
func (d Direction) Sign() int64 {
	if d == Debit {
		return -1
	}
	return 1
}

// EntryStatus is the bank's status of an entry. Only booked entries move a
// balance and are lettered.
type EntryStatus string

// Entry statuses (ISO 20022 ExternalEntryStatus1Code).
const (
	StatusBooked  EntryStatus = "BOOK"
	StatusPending EntryStatus = "PDNG"
	StatusInfo    EntryStatus = "INFO"
)

// BalanceType is an ISO 20022 balance type code such as "OPBD" or "CLBD".
type BalanceType string

// Balance type codes Lettrage uses for the balance check.
const (
	OpeningBooked    BalanceType = "OPBD"
	PreviousClosing  BalanceType = "PRCD"
	ClosingBooked    BalanceType = "CLBD"
	ClosingAvailable BalanceType = "CLAV"
	OpeningAvailable BalanceType = "OPAV"
	ForwardAvailable BalanceType = "FWAV"
	InterimBooked    BalanceType = "ITBD"
)

// Balance is one balance of a statement. Amount is signed: a debit balance
// is negative.
type Balance struct {
	Type   BalanceType
	Amount Money
	Date   Date
}

// Account identifies the bank account a statement is about.
type Account struct {
	IBAN     string // upper case, no spaces; empty when the bank gives another id
	Other    string // non-IBAN identifier (CAMT Othr/Id, CFONB account number)
	Currency Currency
	BIC      string // servicer BIC, when given
	// BankCode and BranchCode are the French "code banque" and "code guichet"
	// of CFONB statements.
	BankCode   string
	BranchCode string
}

// ID returns the identifier the account is known by: the IBAN when there is
// one, otherwise the bank's own identifier (for CFONB: bank, branch and
// account number joined, the RIB without key).
func (a Account) ID() string {
	if a.IBAN != "" {
		return a.IBAN
	}
	if a.BankCode != "" || a.BranchCode != "" {
		return a.BankCode + a.BranchCode + a.Other
	}
	return a.Other
}

// Statement is the header of one bank statement: who, which account, which
// period, which balances. Entries stream separately (see Entry) so a
// statement of any size is never held in memory at once.
type Statement struct {
	Format      Format
	MessageID   string    // CAMT GrpHdr/MsgId
	CreatedAt   time.Time // CAMT GrpHdr/CreDtTm or Stmt/CreDtTm
	StatementID string    // CAMT Stmt/Id; CFONB: derived from account and dates
	// ElectronicSeq and LegalSeq are the bank's sequence numbers as given
	// (CAMT ElctrncSeqNb / LglSeqNb), empty when absent.
	ElectronicSeq string
	LegalSeq      string
	Page          int  // MsgPgntn/PgNb; 0 when absent
	LastPage      bool // MsgPgntn/LastPgInd; true when absent
	Account       Account
	From, To      Date
	Balances      []Balance
	// Totals accumulates the entries seen so far; complete once the parser
	// has delivered the last entry of the statement.
	Totals Totals
	// Warnings lists what the parser noticed and worked around without
	// rejecting the file, each as "<position>: <what>", e.g. "line 1,
	// record 01: currency blank, EUR assumed" for a CFONB file that leaves
	// the currency out. Empty for a clean statement. A parser may append to
	// it until EndStatement.
	Warnings []string
}

// Balance returns the first balance of type t.
func (s *Statement) Balance(t BalanceType) (Balance, bool) {
	for _, b := range s.Balances {
		if b.Type == t {
			return b, true
		}
	}
	return Balance{}, false
}

// Opening returns the opening booked balance: OPBD, else PRCD.
func (s *Statement) Opening() (Balance, bool) {
	if b, ok := s.Balance(OpeningBooked); ok {
		return b, true
	}
	return s.Balance(PreviousClosing)
}

// Closing returns the closing booked balance (CLBD).
func (s *Statement) Closing() (Balance, bool) { return s.Balance(ClosingBooked) }

// Totals counts the entries of a statement and sums the booked ones.
type Totals struct {
	Entries       int   // all entries, whatever their status
	BookedEntries int   // entries with status BOOK
	Transactions  int   // transactions across all entries
	Credits       int64 // sum of booked credit entries, minor units
	Debits        int64 // sum of booked debit entries, minor units (positive)
	// Currency is the currency of the booked entries summed; MixedCurrency
	// is set when booked entries came in more than one currency, so Credits
	// and Debits mix units and the balance check cannot pass.
	Currency      Currency
	MixedCurrency bool
}

// Add counts e; only booked entries move Credits and Debits. It reports
// false when a sum would overflow.
func (t *Totals) Add(e *Entry) bool {
	t.Entries++
	t.Transactions += len(e.Transactions)
	if e.Status != StatusBooked {
		return true
	}
	t.BookedEntries++
	switch {
	case t.Currency == "":
		t.Currency = e.Amount.Currency
	case e.Amount.Currency != t.Currency:
		t.MixedCurrency = true
	}
	var ok bool
	if e.Direction == Debit {
		t.Debits, ok = AddMinor(t.Debits, e.Amount.Minor)
	} else {
		t.Credits, ok = AddMinor(t.Credits, e.Amount.Minor)
	}
	return ok
}

// BalanceCheck is the outcome of opening + credits − debits = closing.
type BalanceCheck struct {
	Opening, Closing *Balance // nil when the statement lacks it
	Credits, Debits  Money
	Checked          bool  // both balances present, so the check ran
	Balanced         bool  // the equation holds (meaningful when Checked)
	Difference       Money // closing − (opening + credits − debits)
}

// Check runs the balance check over the statement's totals.
func (s *Statement) Check() BalanceCheck {
	c := s.Account.Currency
	r := BalanceCheck{
		Credits: Money{Minor: s.Totals.Credits, Currency: c},
		Debits:  Money{Minor: s.Totals.Debits, Currency: c},
	}
	if o, ok := s.Opening(); ok {
		r.Opening = &o
		if c == "" {
			c = o.Amount.Currency
		}
	}
	if cl, ok := s.Closing(); ok {
		r.Closing = &cl
	}
	r.Credits.Currency, r.Debits.Currency = c, c
	if r.Opening == nil || r.Closing == nil {
		return r
	}
	r.Checked = true
	want := r.Opening.Amount.Minor + s.Totals.Credits - s.Totals.Debits
	r.Difference = Money{Minor: r.Closing.Amount.Minor - want, Currency: c}
	r.Balanced = r.Difference.Minor == 0 && r.Opening.Amount.Currency == r.Closing.Amount.Currency &&
		!s.Totals.MixedCurrency && (s.Totals.Currency == "" || s.Totals.Currency == r.Opening.Amount.Currency)
	return r
}

// BankTxCode is the bank transaction code of an entry.
type BankTxCode struct {
	Domain, Family, SubFamily string // ISO structured code (PMNT / RCDT / ESCT)
	Proprietary, Issuer       string // proprietary code and its issuer
	// Interbank is the CFONB interbank operation code (e.g. "05" or "B1").
	Interbank string
}

// Entry is one booked (or pending) line of a statement. Its Amount is always
// positive; Direction gives the sign. A batch entry carries several
// transactions whose amounts add up to the entry amount.
type Entry struct {
	Index          int // 1-based position in the statement
	Amount         Money
	Direction      Direction
	Status         EntryStatus
	Reversal       bool // RvslInd: this booking undoes an earlier one; Direction is already this booking's direction
	BookingDate    Date
	ValueDate      Date
	AcctSvcrRef    string // the bank's reference of the entry
	EntryRef       string // NtryRef
	BankTxCode     BankTxCode
	AdditionalInfo string // AddtlNtryInf, CFONB label
	Transactions   []Transaction
	// DetailsMismatch is set when the transactions do not add up to the
	// entry: their signed amounts sum to something else, one is in another
	// currency, or a batch detail has no amount (it is then zero). The
	// transactions keep the amounts the bank gave and the entry amount is
	// what was booked; such an entry must not be lettered without a human.
	DetailsMismatch bool
}

// Party is a debtor, creditor or ultimate party of a transaction.
type Party struct {
	Name  string
	IBAN  string // account IBAN, upper case without spaces
	Other string // other account or party identifier
}

// CreditorReference is a structured remittance reference
// (RmtInf/Strd/CdtrRefInf), e.g. an ISO 11649 "RF…" reference of type SCOR.
type CreditorReference struct {
	Type string
	Ref  string
}

// Transaction is one payment: an entry without details, or one TxDtls of a
// batch entry. It is what lettrage matches against invoices.
type Transaction struct {
	Index     int // 1-based position within its entry
	Amount    Money
	Direction Direction
	// References given by the bank and the parties; "NOTPROVIDED" is dropped.
	AcctSvcrRef      string
	EndToEndID       string
	InstructionID    string
	TransactionID    string
	PaymentInfoID    string
	MessageID        string
	MandateID        string
	UETR             string
	Debtor           Party
	UltimateDebtor   Party
	Creditor         Party
	UltimateCreditor Party
	DebtorAgentBIC   string
	CreditorAgentBIC string
	// Remittance holds every unstructured remittance line (Ustrd, CFONB LIB/LCC/LC2).
	Remittance     []string
	CreditorRefs   []CreditorReference
	ReturnReason   string // RtrInf/Rsn/Cd
	AdditionalInfo string
	// Extra keeps data the parsers read but have no field for, such as
	// unknown CFONB 05 qualifiers, as key/value pairs in file order.
	Extra []KeyValue
}

// KeyValue is one raw key/value pair kept from a statement.
type KeyValue struct {
	Key, Value string
}

// BankRef returns the bank's reference of the transaction as the match
// contract defines it: the transaction's AcctSvcrRef, else the entry's,
// else the EndToEndId.
func (t *Transaction) BankRef(e *Entry) string {
	switch {
	case t.AcctSvcrRef != "":
		return t.AcctSvcrRef
	case e != nil && e.AcctSvcrRef != "":
		return e.AcctSvcrRef
	}
	return t.EndToEndID
}
