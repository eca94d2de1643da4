package camt053

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// sameExtraction requires two parses to give the same statements and
// entries (the Format aside, which variants may change on purpose).
func sameExtraction(t *testing.T, got, want *statement.Collector) {
	t.Helper()
	strip := func(c *statement.Collector) string {
		for _, s := range c.Statements {
			s.Statement.Format = ""
		}
		return string(goldenJSON(t, c))
	}
	if g, w := strip(got), strip(want); g != w {
		t.Errorf("extraction differs from the original file")
	}
}

var startTag = regexp.MustCompile(`<(/?)([A-Za-z])`)

// prefixed rewrites a document so every element carries the ns2: prefix,
// as some banks' files do.
func prefixed(data []byte) []byte {
	out := startTag.ReplaceAll(data, []byte("<${1}ns2:${2}"))
	return bytes.Replace(out, []byte(` xmlns="`), []byte(` xmlns:ns2="`), 1)
}

func TestVariants(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"viafintech_valid_example_v08.xml", "moov_postfinance_camt053_v04.xml", "svapnil_goldman_sachs_camt_053_uk_v02_multistmt.xml"} {
		orig := readFixture(t, name)
		latin1, err := charmap.ISO8859_1.NewEncoder().Bytes(orig)
		if err != nil {
			t.Fatal(err)
		}
		variants := []struct {
			name   string
			in     []byte
			format string // "" when unchanged
		}{
			{"bom", append([]byte("\xEF\xBB\xBF"), orig...), ""},
			{"crlf", bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n")), ""},
			{"iso-8859-1", bytes.Replace(latin1, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1), ""},
			{"windows-1252", bytes.Replace(latin1, []byte(`encoding="UTF-8"`), []byte(`encoding="windows-1252"`), 1), ""},
			{"prefixed namespace", prefixed(orig), ""},
			{"iso:20023 typo", bytes.Replace(orig, []byte("iso:20022"), []byte("iso:20023"), 1), ""},
			{"001.13 namespace", regexp.MustCompile(`camt\.053\.001\.\d\d`).ReplaceAll(orig, []byte("camt.053.001.13")), "camt.053.001.13"},
			{"no declaration", regexp.MustCompile(`^<\?xml[^>]*\?>`).ReplaceAll(orig, nil), ""},
		}
		for _, v := range variants {
			t.Run(name+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				if bytes.Equal(v.in, orig) {
					t.Fatal("variant is the original")
				}
				got := mustParse(t, v.in)
				if v.format != "" && string(got.Statements[0].Statement.Format) != v.format {
					t.Errorf("format %s, want %s", got.Statements[0].Statement.Format, v.format)
				}
				sameExtraction(t, got, mustParse(t, orig))
			})
		}
	}
}

func TestLatin1Text(t *testing.T) {
	t.Parallel()
	// The PostFinance sample's "FÜR", and a € only windows-1252 has, read
	// from single-byte encodings.
	orig := readFixture(t, "moov_postfinance_camt053_v04.xml")
	withEuro := bytes.Replace(orig, []byte("PAKET ID: 201124CH000009TB"), []byte("PAKET ID: 201124CH000009TB 5 €"), 1)
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes(withEuro)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"ISO-8859-1", "windows-1252", "latin1", "CP1252"} {
		in := bytes.Replace(cp1252, []byte(`encoding="UTF-8"`), []byte(`encoding="`+label+`"`), 1)
		e := mustParse(t, in).Statements[0].Entries[4]
		if !strings.HasPrefix(e.AdditionalInfo, "SAMMELGUTSCHRIFT FÜR KONTO") || !strings.HasSuffix(e.AdditionalInfo, "5 €") {
			t.Errorf("%s: AdditionalInfo %q", label, e.AdditionalInfo)
		}
	}
}

func TestShapesAcrossVersions(t *testing.T) {
	t.Parallel()
	doc := []byte(smallDoc)
	tests := []struct {
		name  string
		in    any // []byte or string
		check func(t *testing.T, s *ledger.Statement, e []*ledger.Entry)
	}{
		{"Sts as text (001.02 shape)", bytes.ReplaceAll(doc, []byte("<Sts><Cd>BOOK</Cd></Sts>"), []byte("<Sts>BOOK</Sts>")),
			func(t *testing.T, _ *ledger.Statement, e []*ledger.Entry) {
				if e[0].Status != ledger.StatusBooked {
					t.Errorf("status %q", e[0].Status)
				}
			}},
		{"Sts/Prtry", bytes.Replace(doc, []byte("<Sts><Cd>BOOK</Cd></Sts>"), []byte("<Sts><Prtry>HOLD</Prtry></Sts>"), 1),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				if e[0].Status != "HOLD" || s.Totals.BookedEntries != 1 {
					t.Errorf("status %q booked %d", e[0].Status, s.Totals.BookedEntries)
				}
			}},
		{"date-times with offsets and fractions", bytes.Replace(doc, []byte("<BookgDt><Dt>2026-11-03</Dt></BookgDt>"),
			[]byte("<BookgDt><DtTm>2026-11-03T23:30:00.123456-02:00</DtTm></BookgDt><ValDt><DtTm>2026-11-04T00:15:00Z</DtTm></ValDt>"), 1),
			func(t *testing.T, _ *ledger.Statement, e []*ledger.Entry) {
				// The civil date as written, not the UTC instant's date.
				if e[0].BookingDate.String() != "2026-11-03" || e[0].ValueDate.String() != "2026-11-04" {
					t.Errorf("dates %s %s", e[0].BookingDate, e[0].ValueDate)
				}
			}},
		{"five decimals of zeros", replace(t, doc, ">25.50<", ">25.50000<"),
			func(t *testing.T, _ *ledger.Statement, e []*ledger.Entry) {
				if e[0].Amount.Minor != 2550 {
					t.Errorf("amount %d", e[0].Amount.Minor)
				}
			}},
		{"zero-decimal currency", strings.NewReplacer(">25.50<", ">26<", ">10.00<", ">10<", ">100.00<", ">100.0<", ">115.50<", ">116<",
			`"EUR"`, `"JPY"`, "<Ccy>EUR", "<Ccy>JPY").Replace(smallDoc),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				if e[0].Amount != (ledger.Money{Minor: 26, Currency: "JPY"}) || !s.Check().Balanced {
					t.Errorf("amount %+v check %+v", e[0].Amount, s.Check())
				}
			}},
		{"reversal as 1", replace(t, doc, "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>1</RvslInd>"),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				if !e[1].Reversal || e[1].Direction != ledger.Debit || !s.Check().Balanced {
					t.Errorf("entry %+v", e[1])
				}
			}},
		{"message pagination", replace(t, doc, "<MsgId>M1</MsgId>", "<MsgId>M1</MsgId><MsgPgntn><PgNb>2</PgNb><LastPgInd>false</LastPgInd></MsgPgntn>"),
			func(t *testing.T, s *ledger.Statement, _ []*ledger.Entry) {
				if s.Page != 2 || s.LastPage {
					t.Errorf("page %d last %v", s.Page, s.LastPage)
				}
			}},
		{"statement pagination wins", replace(t, replace(t, doc, "<MsgId>M1</MsgId>", "<MsgId>M1</MsgId><MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>"),
			"<Id>S1</Id>", "<Id>S1</Id><StmtPgntn><PgNb>3</PgNb><LastPgInd>false</LastPgInd></StmtPgntn><ElctrncSeqNb>7</ElctrncSeqNb><LglSeqNb>0007</LglSeqNb>"+
				"<CreDtTm>2026-11-04T07:00:00Z</CreDtTm><FrToDt><FrDtTm>2026-11-03T00:00:00+01:00</FrDtTm><ToDtTm>2026-11-03T23:59:59+01:00</ToDtTm></FrToDt>"),
			func(t *testing.T, s *ledger.Statement, _ []*ledger.Entry) {
				if s.Page != 3 || s.LastPage || s.ElectronicSeq != "7" || s.LegalSeq != "0007" || s.From.String() != "2026-11-03" ||
					s.To.String() != "2026-11-03" || s.CreatedAt.Hour() != 7 {
					t.Errorf("statement %+v", s)
				}
			}},
		{"account by other id, servicer BIC, no Ccy", replace(t, doc, "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>",
			"<Acct><Id><Othr><Id>0001234567</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id><Svcr><FinInstnId><BIC>BNPAFRPP</BIC></FinInstnId></Svcr></Acct>"),
			func(t *testing.T, s *ledger.Statement, _ []*ledger.Entry) {
				if s.Account.ID() != "0001234567" || s.Account.BIC != "BNPAFRPP" || s.Account.Currency != "EUR" {
					t.Errorf("account %+v", s.Account)
				}
			}},
		{"unknown elements and extensions are skipped", replace(t, doc, "<Sts><Cd>BOOK</Cd></Sts>\n        <BookgDt><Dt>2026-11-03</Dt></BookgDt>\n      </Ntry>\n      <Ntry>",
			"<Sts><Cd>BOOK</Cd></Sts>\n        <BookgDt><Dt>2026-11-03</Dt></BookgDt><SplmtryData><Envlp><x:Ntry xmlns:x='urn:x'><Amt Ccy='EUR'>999</Amt></x:Ntry></Envlp></SplmtryData>\n      </Ntry>\n      <Ntry>"),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				if len(e) != 2 || e[0].Amount.Minor != 2550 || !s.Check().Balanced {
					t.Errorf("entries %d", len(e))
				}
			}},
		{"batch that does not add up", replace(t, doc, "<BookgDt><Dt>2026-11-03</Dt></BookgDt>\n      </Ntry>\n      <Ntry>",
			"<BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls><TxDtls><Amt Ccy='EUR'>20.00</Amt></TxDtls><TxDtls><Amt Ccy='EUR'>5.00</Amt></TxDtls><TxDtls/></NtryDtls>\n      </Ntry>\n      <Ntry>"),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				tx := e[0].Transactions
				if !e[0].DetailsMismatch || len(tx) != 3 || tx[0].Amount.Minor != 2000 || tx[2].Amount.Minor != 0 || !s.Check().Balanced ||
					len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "1 of 3 transaction details have no amount") {
					t.Errorf("entry %+v warnings %q", e[0], s.Warnings)
				}
			}},
		{"netted batch with a debit detail adds up", replace(t, doc, "<BookgDt><Dt>2026-11-03</Dt></BookgDt>\n      </Ntry>\n      <Ntry>",
			"<BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls><TxDtls><Amt Ccy='EUR'>30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>"+
				"<TxDtls><Amt Ccy='EUR'>4.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls></NtryDtls>\n      </Ntry>\n      <Ntry>"),
			func(t *testing.T, s *ledger.Statement, e []*ledger.Entry) {
				if e[0].DetailsMismatch || e[0].Transactions[1].Direction != ledger.Debit || len(s.Warnings) != 0 {
					t.Errorf("entry %+v", e[0])
				}
			}},
		{"empty Ustrd and NOTPROVIDED dropped, text trimmed", replace(t, doc, "<BookgDt><Dt>2026-11-03</Dt></BookgDt>\n      </Ntry>\n      <Ntry>",
			"<BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId><InstrId> I-1 </InstrId></Refs>"+
				"<RltdPties><Dbtr><Nm>\n  Dupont &amp; Fils\n</Nm></Dbtr><DbtrAcct><Id><IBAN>fr76 3000 6000 0112 3456 7890 189</IBAN></Id></DbtrAcct></RltdPties>"+
				"<RmtInf><Ustrd/><Ustrd> FA-1 </Ustrd><Ustrd>   </Ustrd><Ustrd><![CDATA[FA-2 <b>]]></Ustrd></RmtInf></TxDtls></NtryDtls>\n      </Ntry>\n      <Ntry>"),
			func(t *testing.T, _ *ledger.Statement, e []*ledger.Entry) {
				tx := e[0].Transactions[0]
				if tx.EndToEndID != "" || tx.InstructionID != "I-1" || tx.Debtor.Name != "Dupont & Fils" ||
					strings.Join(tx.Remittance, "|") != "FA-1|FA-2 <b>" || tx.Amount.Minor != 2550 || tx.Debtor.IBAN != "FR7630006000011234567890189" {
					t.Errorf("tx %+v", tx)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, ok := tt.in.([]byte)
			if !ok {
				in = []byte(tt.in.(string))
			}
			c := mustParse(t, in)
			tt.check(t, c.Statements[0].Statement, c.Statements[0].Entries)
		})
	}
}
