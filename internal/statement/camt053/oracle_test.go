package camt053

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moov-io/iso20022/pkg/camt_v08"
	"github.com/moov-io/iso20022/pkg/document"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// The oracle test reads 001.08 documents twice, with our decoder and with
// moov-io/iso20022 (an independent encoding/xml unmarshal into generated
// schema types), and requires the same amounts, dates, references and
// names. The few rules that are ours, not the XML's (NOTPROVIDED dropped,
// batch ids inherited, a lone TxDtls without amount taking the entry's,
// text trimmed), are applied to moov's tree the same way.

type oracleStmt struct {
	MsgID, ID, IBAN, Other, Ccy, BIC string
	Seq, LglSeq                      string
	Created, From, To                string
	Page                             int
	Balances                         []string
	Entries                          []oracleEntry
}

type oracleEntry struct {
	Amount, Dir, Status        string
	Reversal                   bool
	Booking, Value             string
	AcctSvcrRef, NtryRef, Info string
	Domain, Family, Sub, Prtry string
	Issuer                     string
	Txs                        []oracleTx
}

type oracleTx struct {
	Amount, Dir                                                  string
	MsgID, AcctSvcrRef, PmtInfID, InstrID, E2E, UETR, TxID, Mndt string
	Dbtr, UltmtDbtr, Cdtr, UltmtCdtr                             string
	DbtrIBAN, DbtrOther, CdtrIBAN, CdtrOther                     string
	DbtrAgt, CdtrAgt                                             string
	Ustrd, CdtrRefs                                              []string
	Return, Info                                                 string
}

func TestOracleMoov(t *testing.T) {
	t.Parallel()
	inputs := map[string][]byte{"viafintech_valid_example_v08.xml": readFixture(t, "viafintech_valid_example_v08.xml")}
	// A generated statement in the 001.08 shape exercises more of the tree
	// (parties, RF references, direct debits, batches).
	var buf bytes.Buffer
	s, entries := sampleStatement(t, 300)
	if err := render.WriteCAMT053(&buf, "001.08", s, entries); err != nil {
		t.Fatal(err)
	}
	inputs["generated 001.08"] = buf.Bytes()

	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := document.ParseIso20022Document(data)
			if err != nil {
				t.Fatalf("moov: %v", err)
			}
			msg, ok := doc.InspectMessage().(*camt_v08.BankToCustomerStatementV08)
			if !ok {
				t.Fatalf("moov message is %T", doc.InspectMessage())
			}
			want := moovView(t, msg)
			got := ourView(t, mustParse(t, data))
			if len(got) != len(want) {
				t.Fatalf("%d statements, moov %d", len(got), len(want))
			}
			for i := range want {
				if len(got[i].Entries) != len(want[i].Entries) {
					t.Fatalf("statement %d: %d entries, moov %d", i+1, len(got[i].Entries), len(want[i].Entries))
				}
				for j := range want[i].Entries {
					equal(t, got[i].Entries[j], want[i].Entries[j])
				}
				got[i].Entries, want[i].Entries = nil, nil
				equal(t, got[i], want[i])
			}
		})
	}
}

// moovAmount converts moov's float64 amount to minor units: the shortest
// decimal that round-trips to the same float is what the file said, as long
// as the file had at most 15 significant digits.
func moovAmount(t *testing.T, v float64, ccy string) string {
	t.Helper()
	m, err := ledger.ParseMoney(strconv.FormatFloat(v, 'f', -1, 64), ledger.Currency(ccy))
	if err != nil {
		t.Fatalf("moov amount %v %s: %v", v, ccy, err)
	}
	return m.String() + " " + ccy
}

func moovDate(c *camt_v08.DateAndDateTime2Choice) string {
	if c == nil {
		return ""
	}
	if d := time.Time(c.Dt); !d.IsZero() {
		return ledger.DateOf(d).String()
	}
	if d := time.Time(c.DtTm); !d.IsZero() {
		return ledger.DateOf(d).String()
	}
	return ""
}

func str[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(string(*p))
}

func notProvided(s string) string {
	if s == "NOTPROVIDED" {
		return ""
	}
	return s
}

func moovParty(p *camt_v08.Party40Choice) string {
	if p == nil || p.Pty == nil {
		return ""
	}
	return str(p.Pty.Nm)
}

func moovAcct(a *camt_v08.CashAccount38) (iban, other string) {
	if a == nil || a.Id == nil {
		return "", ""
	}
	return strings.TrimSpace(string(a.Id.IBAN)), strings.TrimSpace(string(a.Id.Othr.Id))
}

func moovAgent(a *camt_v08.BranchAndFinancialInstitutionIdentification6) string {
	if a == nil {
		return ""
	}
	return str(a.FinInstnId.BICFI)
}

func moovView(t *testing.T, msg *camt_v08.BankToCustomerStatementV08) []oracleStmt {
	var out []oracleStmt
	for _, st := range msg.Stmt {
		o := oracleStmt{
			MsgID: strings.TrimSpace(string(msg.GrpHdr.MsgId)), ID: strings.TrimSpace(string(st.Id)),
			IBAN: strings.TrimSpace(string(st.Acct.Id.IBAN)), Other: strings.TrimSpace(string(st.Acct.Id.Othr.Id)),
			Ccy: str(st.Acct.Ccy),
			// moov reads the sequence numbers as float64.
			Seq: strconv.FormatFloat(st.ElctrncSeqNb, 'f', -1, 64), LglSeq: strconv.FormatFloat(st.LglSeqNb, 'f', -1, 64),
			Created: time.Time(*st.CreDtTm).UTC().Format(time.RFC3339Nano),
		}
		if st.Acct.Svcr != nil {
			o.BIC = moovAgent(st.Acct.Svcr)
		}
		if st.FrToDt != nil {
			o.From, o.To = ledger.DateOf(time.Time(st.FrToDt.FrDtTm)).String(), ledger.DateOf(time.Time(st.FrToDt.ToDtTm)).String()
		}
		if msg.GrpHdr.MsgPgntn != nil {
			o.Page, _ = strconv.Atoi(string(msg.GrpHdr.MsgPgntn.PgNb))
		}
		for _, b := range st.Bal {
			amt := moovAmount(t, b.Amt.Value, string(b.Amt.Ccy))
			if b.CdtDbtInd == "DBIT" {
				amt = "-" + amt
			}
			o.Balances = append(o.Balances, string(b.Tp.CdOrPrtry.Cd)+" "+amt+" "+moovDate(&b.Dt))
		}
		for _, n := range st.Ntry {
			e := oracleEntry{
				Amount: moovAmount(t, n.Amt.Value, string(n.Amt.Ccy)), Dir: string(n.CdtDbtInd), Status: string(n.Sts.Cd),
				Reversal: n.RvslInd, Booking: moovDate(n.BookgDt), Value: moovDate(n.ValDt),
				AcctSvcrRef: str(n.AcctSvcrRef), NtryRef: str(n.NtryRef), Info: str(n.AddtlNtryInf),
			}
			if d := n.BkTxCd.Domn; d != nil {
				e.Domain, e.Family, e.Sub = string(d.Cd), string(d.Fmly.Cd), string(d.Fmly.SubFmlyCd)
			}
			if p := n.BkTxCd.Prtry; p != nil {
				e.Prtry, e.Issuer = string(p.Cd), str(p.Issr)
			}
			var btchMsg, btchPmt string
			for _, dt := range n.NtryDtls {
				var bm, bp string
				if dt.Btch != nil {
					bm, bp = str(dt.Btch.MsgId), str(dt.Btch.PmtInfId)
					if btchMsg == "" && btchPmt == "" {
						btchMsg, btchPmt = bm, bp
					}
				}
				for _, tx := range dt.TxDtls {
					o := oracleTx{Dir: string(n.CdtDbtInd)}
					switch {
					case tx.Amt != nil:
						o.Amount = moovAmount(t, tx.Amt.Value, string(tx.Amt.Ccy))
					case tx.AmtDtls != nil && tx.AmtDtls.TxAmt != nil:
						o.Amount = moovAmount(t, tx.AmtDtls.TxAmt.Amt.Value, string(tx.AmtDtls.TxAmt.Amt.Ccy))
					case len(n.NtryDtls) == 1 && len(dt.TxDtls) == 1:
						o.Amount = e.Amount
					}
					if tx.CdtDbtInd != nil {
						o.Dir = string(*tx.CdtDbtInd)
					}
					if r := tx.Refs; r != nil {
						o.MsgID, o.AcctSvcrRef, o.PmtInfID = notProvided(str(r.MsgId)), notProvided(str(r.AcctSvcrRef)), notProvided(str(r.PmtInfId))
						o.InstrID, o.E2E, o.UETR = notProvided(str(r.InstrId)), notProvided(str(r.EndToEndId)), notProvided(str(r.UETR))
						o.TxID, o.Mndt = notProvided(str(r.TxId)), notProvided(str(r.MndtId))
					}
					if o.MsgID == "" {
						o.MsgID = bm
					}
					if o.PmtInfID == "" {
						o.PmtInfID = bp
					}
					if p := tx.RltdPties; p != nil {
						o.Dbtr, o.UltmtDbtr, o.Cdtr, o.UltmtCdtr = moovParty(p.Dbtr), moovParty(p.UltmtDbtr), moovParty(p.Cdtr), moovParty(p.UltmtCdtr)
						o.DbtrIBAN, o.DbtrOther = moovAcct(p.DbtrAcct)
						o.CdtrIBAN, o.CdtrOther = moovAcct(p.CdtrAcct)
					}
					if a := tx.RltdAgts; a != nil {
						o.DbtrAgt, o.CdtrAgt = moovAgent(a.DbtrAgt), moovAgent(a.CdtrAgt)
					}
					if r := tx.RmtInf; r != nil {
						for _, u := range r.Ustrd {
							if s := strings.TrimSpace(string(u)); s != "" {
								o.Ustrd = append(o.Ustrd, s)
							}
						}
						for _, s := range r.Strd {
							if c := s.CdtrRefInf; c != nil {
								typ := ""
								if c.Tp != nil {
									typ = strings.TrimSpace(string(c.Tp.CdOrPrtry.Cd) + string(c.Tp.CdOrPrtry.Prtry))
								}
								o.CdtrRefs = append(o.CdtrRefs, typ+":"+str(c.Ref))
							}
						}
					}
					if r := tx.RtrInf; r != nil && r.Rsn != nil {
						o.Return = strings.TrimSpace(string(r.Rsn.Cd) + string(r.Rsn.Prtry))
					}
					o.Info = str(tx.AddtlTxInf)
					e.Txs = append(e.Txs, o)
				}
			}
			if len(e.Txs) == 0 {
				e.Txs = []oracleTx{{Amount: e.Amount, Dir: e.Dir, AcctSvcrRef: e.AcctSvcrRef, MsgID: btchMsg, PmtInfID: btchPmt, Info: e.Info}}
			}
			o.Entries = append(o.Entries, e)
		}
		out = append(out, o)
	}
	return out
}

func ourView(t *testing.T, c *statement.Collector) []oracleStmt {
	var out []oracleStmt
	for _, cs := range c.Statements {
		s := cs.Statement
		o := oracleStmt{
			MsgID: s.MessageID, ID: s.StatementID, IBAN: s.Account.IBAN, Other: s.Account.Other, Ccy: string(s.Account.Currency),
			BIC: s.Account.BIC, Seq: s.ElectronicSeq, LglSeq: s.LegalSeq, Created: s.CreatedAt.UTC().Format(time.RFC3339Nano),
			From: s.From.String(), To: s.To.String(), Page: s.Page,
		}
		if o.Seq == "" {
			o.Seq = "0"
		}
		if o.LglSeq == "" {
			o.LglSeq = "0"
		}
		for _, b := range s.Balances {
			o.Balances = append(o.Balances, string(b.Type)+" "+b.Amount.String()+" "+string(b.Amount.Currency)+" "+b.Date.String())
		}
		for _, n := range cs.Entries {
			e := oracleEntry{
				Amount: n.Amount.String() + " " + string(n.Amount.Currency), Dir: string(n.Direction), Status: string(n.Status),
				Reversal: n.Reversal, Booking: n.BookingDate.String(), Value: n.ValueDate.String(),
				AcctSvcrRef: n.AcctSvcrRef, NtryRef: n.EntryRef, Info: n.AdditionalInfo,
				Domain: n.BankTxCode.Domain, Family: n.BankTxCode.Family, Sub: n.BankTxCode.SubFamily,
				Prtry: n.BankTxCode.Proprietary, Issuer: n.BankTxCode.Issuer,
			}
			for _, tx := range n.Transactions {
				o := oracleTx{
					Amount: tx.Amount.String() + " " + string(tx.Amount.Currency), Dir: string(tx.Direction),
					MsgID: tx.MessageID, AcctSvcrRef: tx.AcctSvcrRef, PmtInfID: tx.PaymentInfoID, InstrID: tx.InstructionID,
					E2E: tx.EndToEndID, UETR: tx.UETR, TxID: tx.TransactionID, Mndt: tx.MandateID,
					Dbtr: tx.Debtor.Name, UltmtDbtr: tx.UltimateDebtor.Name, Cdtr: tx.Creditor.Name, UltmtCdtr: tx.UltimateCreditor.Name,
					DbtrIBAN: tx.Debtor.IBAN, DbtrOther: tx.Debtor.Other, CdtrIBAN: tx.Creditor.IBAN, CdtrOther: tx.Creditor.Other,
					DbtrAgt: tx.DebtorAgentBIC, CdtrAgt: tx.CreditorAgentBIC, Ustrd: tx.Remittance, Return: tx.ReturnReason, Info: tx.AdditionalInfo,
				}
				for _, r := range tx.CreditorRefs {
					o.CdtrRefs = append(o.CdtrRefs, r.Type+":"+r.Ref)
				}
				e.Txs = append(e.Txs, o)
			}
			o.Entries = append(o.Entries, e)
		}
		out = append(out, o)
	}
	return out
}
