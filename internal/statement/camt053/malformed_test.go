package camt053

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// smallDoc is a minimal, balanced camt.053.001.08 statement that the tests
// below break in one place at a time. OPBD 100.00 + 25.50 − 10.00 = CLBD 115.50.
const smallDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-04T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S1</Id>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">115.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="EUR">25.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-03</Dt></BookgDt>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">10.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-03</Dt></BookgDt>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`

func TestSmallDocBalances(t *testing.T) {
	t.Parallel()
	c := mustParse(t, []byte(smallDoc))
	chk := c.Statements[0].Statement.Check()
	if !chk.Checked || !chk.Balanced || chk.Credits.String() != "25.50" || chk.Debits.String() != "10.00" {
		t.Fatalf("check %+v", chk)
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	doc := []byte(smallDoc)
	fi := readFixture(t, "moov_FI_camt_053_sample_v02.xml")
	tests := []struct {
		name        string
		in          []byte
		unsupported bool     // errors.Is(err, statement.ErrUnsupported)
		want        []string // parts of the error text
	}{
		{"truncated", fi[:len(fi)/2], false,
			[]string{"camt.053.001.02", "/Document/BkToCstmrStmt/Stmt[1]/Ntry[", "malformed XML: unexpected end of file inside"}},
		{"truncated after root start", doc[:200], false, []string{"unexpected end of file inside <"}},
		{"empty", nil, false, []string{"no root element"}},
		{"mismatched tag", replace(t, doc, "<MsgId>M1</MsgId>", "<MsgId>M1</MsgID>"), false,
			[]string{"/Document/BkToCstmrStmt/GrpHdr/MsgId (line 4)", "element <MsgId> closed by </MsgID>"}},
		{"unknown namespace", replace(t, doc, "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", "urn:example:bank:statement"), false,
			[]string{"/Document (line 2)", `unknown namespace "urn:example:bank:statement"`}},
		{"no namespace", replace(t, doc, ` xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"`, ""), false,
			[]string{"<Document> has no namespace"}},
		{"undeclared prefix", replace(t, doc, `<Document xmlns=`, `<p:Document xmlns=`), false,
			[]string{`namespace prefix "p" of <p:Document> is not declared`}},
		{"version 01", replace(t, doc, "camt.053.001.08", "camt.053.001.01"), true,
			[]string{"camt.053.001.01: Lettrage reads camt.053.001.02 to camt.053.001.13"}},
		{"version 14", replace(t, doc, "camt.053.001.08", "camt.053.001.14"), true, []string{"camt.053.001.14"}},
		{"pain.001", replace(t, doc, "camt.053.001.08", "pain.001.001.03"), true, []string{"pain.001.001.03 is not a bank statement"}},
		{"camt.052", bytes.ReplaceAll(replace(t, doc, "camt.053.001.08", "camt.052.001.08"), []byte("BkToCstmrStmt"), []byte("BkToCstmrAcctRpt")), true,
			[]string{"camt.052.001.08 is a bank-to-customer account report (BkToCstmrAcctRpt), not a camt.053 statement"}},
		{"camt.054", bytes.ReplaceAll(replace(t, doc, "camt.053.001.08", "camt.054.001.02"), []byte("BkToCstmrStmt"), []byte("BkToCstmrDbtCdtNtfctn")), true,
			[]string{"camt.054.001.02 is a bank-to-customer debit/credit notification (BkToCstmrDbtCdtNtfctn)"}},
		{"camt.054 body in a camt.053 namespace", bytes.ReplaceAll(doc, []byte("BkToCstmrStmt"), []byte("BkToCstmrDbtCdtNtfctn")), true,
			[]string{"/Document/BkToCstmrDbtCdtNtfctn (line 3)", "<BkToCstmrDbtCdtNtfctn> is a camt.054 bank-to-customer debit/credit notification"}},
		{"other body", bytes.ReplaceAll(doc, []byte("BkToCstmrStmt"), []byte("Foo")), false, []string{"<Document> holds <Foo>, want <BkToCstmrStmt>"}},
		{"not camt", []byte(`<?xml version="1.0"?><html><body/></html>`), false, []string{"not a camt.053 file: the root element is <html>"}},
		{"doctype", append([]byte("<!DOCTYPE Document>"), doc[38:]...), false, []string{"DOCTYPE declarations are not supported"}},
		{"bad amount", replace(t, doc, ">25.50<", ">25.5.0<"), false,
			[]string{"camt.053.001.08: /Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt (line 11)", "two decimal points"}},
		{"comma amount", replace(t, doc, ">25.50<", ">25,50<"), false, []string{"Ntry[1]/Amt", "unexpected character"}},
		{"amount needing rounding", replace(t, doc, ">25.50<", ">25.505<"), false, []string{"Ntry[1]/Amt", "more than 2 decimals"}},
		{"six decimals", replace(t, doc, ">25.50<", ">25.500000<"), false, []string{"Ntry[1]/Amt", "more than 5 decimals"}},
		{"negative amount", replace(t, doc, ">10.00<", ">-10.00<"), false, []string{"Ntry[2]/Amt", "negative"}},
		{"empty amount", replace(t, doc, ">10.00<", "><"), false, []string{"Ntry[2]/Amt", "empty amount"}},
		{"overflow", replace(t, doc, ">10.00<", ">99999999999999999999.00<"), false, []string{"Ntry[2]/Amt", "overflows"}},
		{"wrong CdtDbtInd", replace(t, doc, "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>"), false,
			[]string{"/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/CdtDbtInd (line 18)", `CdtDbtInd "DEBIT": want CRDT or DBIT`}},
		{"missing Ccy", replace(t, doc, `<Amt Ccy="EUR">10.00</Amt>`, `<Amt>10.00</Amt>`), false, []string{"Ntry[2]/Amt", "no Ccy attribute"}},
		{"bad Ccy", replace(t, doc, `<Amt Ccy="EUR">10.00</Amt>`, `<Amt Ccy="euro">10.00</Amt>`), false, []string{"Ntry[2]/Amt", `currency "euro" is not an ISO 4217 code`}},
		{"missing entry amount", replace(t, doc, `<Amt Ccy="EUR">10.00</Amt>`, ``), false, []string{"Ntry[2] (line 21)", "entry has no Amt"}},
		{"missing CdtDbtInd", replace(t, doc, "<CdtDbtInd>DBIT</CdtDbtInd>", ""), false, []string{"Ntry[2]", "entry has no CdtDbtInd"}},
		{"missing Sts", bytes.Replace(doc, []byte("<Sts><Cd>BOOK</Cd></Sts>"), nil, 1), false, []string{"Ntry[1]", "entry has no Sts"}},
		{"bad date", bytes.Replace(doc, []byte("<BookgDt><Dt>2026-11-03"), []byte("<BookgDt><Dt>2026-02-30"), 1), false,
			[]string{"Ntry[1]/BookgDt/Dt", `date "2026-02-30"`}},
		{"bad date-time", bytes.Replace(doc, []byte("<BookgDt><Dt>2026-11-03</Dt>"), []byte("<BookgDt><DtTm>2026-11-03 10:00</DtTm>"), 1), false,
			[]string{"Ntry[1]/BookgDt/DtTm", "date-time"}},
		{"bad RvslInd", replace(t, doc, "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>yes</RvslInd>"), false,
			[]string{"Ntry[2]/RvslInd", "RvslInd"}},
		{"bad CreDtTm", replace(t, doc, "2026-11-04T06:00:00+01:00", "04/11/2026"), false, []string{"GrpHdr/CreDtTm", "date-time"}},
		{"no account", replace(t, doc, "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>", ""), false,
			[]string{"Stmt[1]/Ntry[1]", "statement has no account"}},
		{"no statement id", replace(t, doc, "<Id>S1</Id>", ""), false, []string{"statement has no Id"}},
		{"no statements", []byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>`), false,
			[]string{"no <Stmt> in <BkToCstmrStmt>"}},
		{"no message", []byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"></Document>`), false,
			[]string{"no <BkToCstmrStmt> in <Document>"}},
		{"two messages", bytes.Replace(doc, []byte("</BkToCstmrStmt>"), []byte("</BkToCstmrStmt><BkToCstmrStmt/>"), 1), false,
			[]string{"a second message"}},
		{"balance without indicator", bytes.Replace(doc, []byte("<CdtDbtInd>CRDT</CdtDbtInd><Dt>"), []byte("<Dt>"), 1), false,
			[]string{"Stmt[1]/Bal[1]", "balance OPBD has no CdtDbtInd"}},
		{"balance without type", bytes.Replace(doc, []byte("<Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>"), nil, 1), false,
			[]string{"Bal[1]", "no Tp/CdOrPrtry/Cd"}},
		{"bad page number", replace(t, doc, "<MsgId>M1</MsgId>", "<MsgId>M1</MsgId><MsgPgntn><PgNb>one</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>"), false,
			[]string{"GrpHdr/MsgPgntn/PgNb", "page number"}},
		{"latin-1 bytes declared UTF-8", replace(t, doc, "<Id>S1</Id>", "<Id>S\xe91</Id>"), false, []string{"invalid UTF-8"}},
		{"unknown encoding", replace(t, doc, `encoding="UTF-8"`, `encoding="EBCDIC-CP-US"`), false, []string{"EBCDIC-CP-US"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseBytes(t, tt.in)
			wantParseError(t, err, tt.want...)
			if got := errors.Is(err, statement.ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v (%v)", got, tt.unsupported, err)
			}
			_ = c
		})
	}
}

func TestMissingAndUnbalanced(t *testing.T) {
	t.Parallel()
	doc := []byte(smallDoc)
	t.Run("no closing balance", func(t *testing.T) {
		t.Parallel()
		in := bytes.Replace(doc, []byte(`<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">115.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>`), nil, 1)
		chk := mustParse(t, in).Statements[0].Statement.Check()
		if chk.Checked || chk.Closing != nil || chk.Opening == nil {
			t.Errorf("check %+v: want nothing checked, no closing", chk)
		}
	})
	t.Run("unbalanced by one cent", func(t *testing.T) {
		t.Parallel()
		in := replace(t, doc, ">115.50<", ">115.51<")
		chk := mustParse(t, in).Statements[0].Statement.Check()
		if !chk.Checked || chk.Balanced || chk.Difference.String() != "0.01" {
			t.Errorf("check %+v: want unbalanced by 0.01", chk)
		}
	})
	t.Run("debit balances are negative", func(t *testing.T) {
		t.Parallel()
		// OPBD −100.00 + 25.50 − 10.00 = −84.50.
		in := bytes.Replace(doc, []byte("<CdtDbtInd>CRDT</CdtDbtInd><Dt>"), []byte("<CdtDbtInd>DBIT</CdtDbtInd><Dt>"), 2)
		in = replace(t, in, ">115.50<", ">84.50<")
		s := mustParse(t, in).Statements[0].Statement
		if o, _ := s.Opening(); o.Amount.String() != "-100.00" {
			t.Errorf("opening %s", o.Amount)
		}
		if chk := s.Check(); !chk.Balanced {
			t.Errorf("check %+v", chk)
		}
	})
	t.Run("pending entries do not move the balance", func(t *testing.T) {
		t.Parallel()
		in := replace(t, doc, "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts><Cd>BOOK</Cd></Sts>", "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts><Cd>PDNG</Cd></Sts>")
		in = replace(t, in, ">115.50<", ">125.50<")
		s := mustParse(t, in).Statements[0].Statement
		if chk := s.Check(); !chk.Balanced || s.Totals.Entries != 2 || s.Totals.BookedEntries != 1 {
			t.Errorf("check %+v totals %+v", chk, s.Totals)
		}
	})
}

// recorder checks the order of Visitor calls and snapshots what each saw.
type recorder struct {
	calls        []string
	balancesSeen int
	failAt       string
	err          error
	stmt         *ledger.Statement
}

func (r *recorder) BeginStatement(_ context.Context, s *ledger.Statement) error {
	r.calls = append(r.calls, "begin")
	r.balancesSeen = len(s.Balances)
	r.stmt = s
	return r.fail("begin")
}

func (r *recorder) Entry(_ context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if s != r.stmt {
		return errors.New("entry with another statement pointer")
	}
	r.calls = append(r.calls, "entry")
	return r.fail("entry")
}

func (r *recorder) EndStatement(_ context.Context, s *ledger.Statement) error {
	if s != r.stmt {
		return errors.New("end with another statement pointer")
	}
	r.calls = append(r.calls, "end")
	return r.fail("end")
}

func (r *recorder) fail(at string) error {
	if r.failAt == at {
		return r.err
	}
	return nil
}

func TestVisitorProtocol(t *testing.T) {
	t.Parallel()
	var r recorder
	if err := Parse(context.Background(), strings.NewReader(smallDoc), &r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.calls, ","); got != "begin,entry,entry,end" || r.balancesSeen != 2 {
		t.Errorf("calls %s, balances at begin %d", got, r.balancesSeen)
	}
	for _, at := range []string{"begin", "entry", "end"} {
		errStop := errors.New("visitor says stop")
		r := recorder{failAt: at, err: errStop}
		if err := Parse(context.Background(), strings.NewReader(smallDoc), &r); err != errStop {
			t.Errorf("fail at %s: err = %v, want the Visitor's error unchanged", at, err)
		}
		if r.calls[len(r.calls)-1] != at {
			t.Errorf("fail at %s: calls went on: %v", at, r.calls)
		}
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c statement.Collector
	if err := Parse(ctx, strings.NewReader(smallDoc), &c); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestBalancesAfterEntries(t *testing.T) {
	t.Parallel()
	// A file that puts its balances after the entries (schema order is Bal
	// then Ntry) still has them all by EndStatement, and the check holds.
	bals := `      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">115.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>
`
	in := replace(t, []byte(smallDoc), bals, "")
	in = replace(t, in, "    </Stmt>", bals+"    </Stmt>")
	var r recorder
	if err := Parse(context.Background(), bytes.NewReader(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.balancesSeen != 0 || len(r.stmt.Balances) != 2 {
		t.Fatalf("balances at begin %d, at end %d", r.balancesSeen, len(r.stmt.Balances))
	}
	if chk := r.stmt.Check(); !chk.Balanced {
		t.Errorf("check %+v", chk)
	}
}

func TestErrorLineNumbers(t *testing.T) {
	t.Parallel()
	// An error deep in a large file names the entry and the line, past the
	// scanner's first buffer.
	fi := readFixture(t, "svapnil_abn_amro_example_camt_v02.xml") // 79 kB
	in := replace(t, fi, "<Amt Ccy='EUR'>921.00</Amt>\n                <CdtDbtInd>DBIT", "<Amt Ccy='EUR'>921.0O</Amt>\n                <CdtDbtInd>DBIT")
	_, err := parseBytes(t, in)
	wantParseError(t, err, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[13]/Amt (line 1851)")
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("huge batch entry", func(t *testing.T) {
		t.Parallel()
		many := strings.Repeat("<TxDtls><RmtInf><Ustrd>"+strings.Repeat("x", 1000)+"</Ustrd></RmtInf></TxDtls>", 40000)
		in := replace(t, []byte(smallDoc), "<BookgDt><Dt>2026-11-03</Dt></BookgDt>\n      </Ntry>\n      <Ntry>",
			"<BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls>"+many+"</NtryDtls>\n      </Ntry>\n      <Ntry>")
		_, err := parseBytes(t, in)
		wantParseError(t, err, "Ntry[1]", "entry holds more than 32 MiB of details")
	})
	t.Run("too many balances", func(t *testing.T) {
		t.Parallel()
		bal := `<Bal><Tp><CdOrPrtry><Cd>ITBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-03</Dt></Dt></Bal>`
		in := replace(t, []byte(smallDoc), "<Ntry>\n        <Amt Ccy=\"EUR\">25.50", strings.Repeat(bal, 1001)+"<Ntry>\n        <Amt Ccy=\"EUR\">25.50")
		_, err := parseBytes(t, in)
		wantParseError(t, err, "Stmt[1]/Bal (line 10)", "more than 1000 balances")
	})
}
