// Package cfonb120 reads French CFONB 120 bank statements ("relevé de compte
// 120 caractères") and streams them into a statement.Visitor.
//
// # Records
//
// A file is a sequence of 120-character records: 01 (old balance) opens a
// statement, 04 is a movement, 05 complements the 04 before it, 07 (new
// balance) closes the statement. A file may hold many 01…07 blocks, for
// several accounts and several days, including days without movement.
//
//   - 01 → BeginStatement. The old balance becomes the statement's opening
//     balance, type OPBD (ledger.OpeningBooked), dated with the 01's date;
//     From is that date. OPBD rather than PRCD because it is what
//     Statement.Opening looks for first and what camt.053 versions of the
//     same statements carry; the 01's date is the day the balance was struck.
//   - 04 → one ledger.Entry with exactly one ledger.Transaction, status BOOK.
//     The amount is positive and Direction carries the sign. Label (49-79)
//     → Entry.AdditionalInfo and first Transaction.Remittance line; interbank
//     operation code (33-34) → BankTxCode.Interbank; the bank's internal
//     code (8-11) → BankTxCode.Proprietary with Issuer = the 04's bank code;
//     booking date (35-40), value date (43-48, optional), rejection reason
//     (41-42) → Transaction.ReturnReason, entry number (82-88) → EntryRef
//     (left empty when it is all zeros, as most banks send it), reference
//     zone (105-120) → Entry.AcctSvcrRef. Non-blank, non-zero commission
//     exemption (89) and unavailability (90) flags go to Transaction.Extra.
//   - 05 → attached to the pending 04 whatever its header fields say (banks
//     vary the internal code). Qualifier (46-48) and data (49-118):
//     NPY → Debtor.Name, IPY → Debtor.Other (+ "IPY.type"), NBE →
//     Creditor.Name, IBE → Creditor.Other (+ "IBE.type"), NPO →
//     UltimateDebtor.Name, NBU → UltimateCreditor.Name, LIB and a blank
//     qualifier → one more Remittance line, LCC → one Remittance line to
//     which the following LC2 is appended without separator (LCC and LC2 are
//     the two 70-character halves of a 140-character unstructured
//     remittance), LCS → CreditorRefs (type SCOR when the reference is a
//     valid ISO 11649 "RF" reference, else "LCS"), RCN → EndToEndID (first
//     35 characters; "NOTPROVIDED" dropped) + "RCN.purpose", RUM → MandateID
//     (+ "RUM.sequence"), REF → TransactionID (several REF lines joined by a
//     space), MMO and FEE → Extra "MMO"/"FEE" as "<currency> <amount>"
//     (raw text when the amount cannot be read), anything else → Extra under
//     its qualifier. Unknown qualifiers are never rejected. A remittance line
//     equal to an earlier one of the same transaction (LIB often repeats the
//     LCC) is kept once.
//   - 07 → the closing balance, type CLBD, dated with the 07's date; To is
//     that date; then EndStatement. The balance check (01 + Σ 04 = 07) is
//     Statement.Check over Totals, which the parser adds every entry to.
//
// # Bank reference and duplicates
//
// CFONB has no unique transaction id: the reference zone of the 04 is often
// blank and the entry number is often 0000000. The parser therefore gives
// every transaction a deterministic reference in Transaction.AcctSvcrRef,
// which is what Transaction.BankRef, the match contract's bank_ref and the
// store's dedup key (ledger.DedupKey) read:
//
//   - the 04's reference zone when it is not blank (the contract's "record's
//     reference field"; Entry.AcctSvcrRef holds it too);
//   - otherwise "CFONB-" followed by 24 hex digits of the SHA-256 of the
//     statement's id, the whole 04 record and the qualifier and data of each
//     of its 05 records (text decoded to UTF-8, trailing blanks ignored, so
//     the same movement gives the same key whatever the file's encoding,
//     line breaks or trimmed spaces). When that key repeats within one
//     statement (two identical card payments on one day), the second
//     occurrence gets "-2", the third "-3", and so on, as OCA's importer
//     does. The scope is the statement, so the same day delivered again in
//     another file gets the same keys; the memory this needs is a few tens
//     of bytes per entry of the current statement.
//
// Entry.AcctSvcrRef stays the raw reference zone (empty when blank); REF
// complements go to TransactionID so they never hide the bank_ref.
//
// StatementID is "<bank><branch><account>-<currency>-<YYYYMMDD of the 01>",
// with "-2", "-3"… when a file holds several statements with the same
// account and start date. The 07's date is not part of it because
// BeginStatement runs before the 07 is read.
//
// # Amounts, dates, codes
//
// Amounts are 13 digits and an overpunched last character ('{', 'A'–'I'
// positive, '}', 'J'–'R' negative) scaled by the decimals digit (position 20)
// and converted exactly to the currency's minor unit (an amount that would
// need rounding is an error). A blank currency reads as the statement's one
// (EUR on a 01), a blank decimals digit as the currency's ISO 4217 exponent;
// both are flagged once per statement in Statement.Warnings. Dates are DDMMYY,
// YY > 60 meaning 19YY; a blank or 000000 value date is absent, a blank
// balance or booking date is an error.
//
// # Line breaks and encoding
//
// Records end with CRLF, LF or CR, or follow each other with no line break
// at all (then the file must be a whole number of 120-character records).
// Blank lines are skipped; a line shorter than 120 characters is
// right-padded (editors trim trailing blanks); characters beyond the 120th
// are accepted only when blank. A leading UTF-8 byte order mark is skipped.
//
// Text is decoded after the record is cut, so a multi-byte character can
// never shift a field. The encoding is decided once per file, at its first
// non-ASCII byte: if the line from there on is valid UTF-8 the file is read
// as UTF-8 and records are cut by characters (runes), otherwise it is read
// as Windows-1252 (a superset of ISO-8859-1 for printable characters) and
// cut by bytes. A UTF-8 byte order mark forces UTF-8. A byte sequence that
// is not UTF-8 later in a UTF-8 file is an error (in lenient mode it is read
// as Windows-1252 and flagged).
//
// # Errors
//
// Every problem in the file is a *statement.ParseError with Format
// "cfonb120" and Pos "line 12, record 04" ("line 1, block 37, record 04" in
// a file without line breaks); its Err wraps one of the Err* values of this
// package. Structure errors: a 04 or 05 outside a 01…07 block, a 05 before
// the block's first 04, a 01 inside an open block, a 07 for another account
// or currency than its 01, a file that ends inside a block, an unknown
// record code. A 04 must carry its statement's account number (22-32); its
// bank and branch codes are not compared (some banks put another bank code
// there). A 07 must carry its 01's branch and account number; another bank
// code is only flagged. Parsing stops at the first error; a Visitor must not commit
// anything of a file until Parse has returned nil.
//
// Options.Lenient downgrades to warnings (Statement.Warnings and
// Options.OnWarning): spaces inside an amount (read as zeros), non-blank
// characters beyond the 120th (ignored), a short last block in a file
// without line breaks (padded), an invalid UTF-8 sequence in a UTF-8 file,
// unknown record codes and stray 05 records (skipped), a 07 whose branch
// or account number differs from its 01's. A 04 outside a statement, a bad
// sign character, a bad date, a currency mismatch and a truncated file stay
// errors: they would lose or misplace money.
package cfonb120
