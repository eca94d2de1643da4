package camt053

// node is what an element means at its place in a camt.053 document. The
// decoder keeps one per open element; elements it has no use for are nSkip
// and so is everything inside them.
type node uint8

const (
	nSkip node = iota
	nDocument
	nMessage // BkToCstmrStmt
	nGrpHdr
	nCreDtTm // GrpHdr/CreDtTm, Stmt/CreDtTm
	nPgntn   // GrpHdr/MsgPgntn, Stmt/StmtPgntn
	nPgNb
	nLastPgInd
	nStmt
	nFrToDt
	nFrDtTm
	nToDtTm
	nAcct
	nAcctID
	nAcctOthr
	nAcctCcy
	nAcctSvcr
	nFinInstnID // Svcr/FinInstnId, DbtrAgt/FinInstnId, CdtrAgt/FinInstnId
	nBal
	nBalTp
	nBalCdOrPrtry
	nBalType // Cd or Prtry
	nBalAmt
	nBalCdtDbtInd
	nDateChoice // Bal/Dt, BookgDt, ValDt
	nDateDt
	nDateDtTm
	nNtry
	nNtryAmt
	nNtryCdtDbtInd
	nNtryRvslInd
	nNtrySts // text up to 001.06, Cd/Prtry choice from 001.08
	nNtryStsCode
	nBkTxCd
	nDomn
	nFmly
	nBkTxPrtry
	nNtryDtls
	nBtch
	nTxDtls
	nRefs
	nRef // a Refs child, NOTPROVIDED dropped
	nTxAmt
	nTxCdtDbtInd
	nAmtDtls
	nAmtDtlsTxAmt
	nAmtDtlsAmt
	nRltdPties
	nParty    // Dbtr, UltmtDbtr, Cdtr, UltmtCdtr
	nPartyPty // …/Pty (001.08+)
	nPartyAcct
	nPartyAcctID
	nPartyAcctOthr
	nRltdAgts
	nAgent
	nRmtInf
	nUstrd
	nStrd
	nCdtrRefInf
	nCdtrRefTp
	nCdtrRefCdOrPrtry
	nRtrInf
	nRtrRsn
	nString // a text leaf copied into the frame's target
	nIBAN   // an IBAN leaf, upper-cased without spaces, copied into the frame's target
	nCode   // a short code leaf, interned, copied into the frame's target
	nodeCount
)

// valueNodes are the elements whose text the decoder reads.
var valueNodes = [nodeCount]bool{
	nCreDtTm: true, nPgNb: true, nLastPgInd: true, nFrDtTm: true, nToDtTm: true,
	nAcctCcy: true, nBalType: true, nBalAmt: true, nBalCdtDbtInd: true,
	nDateDt: true, nDateDtTm: true, nNtryAmt: true, nNtryCdtDbtInd: true,
	nNtryRvslInd: true, nNtrySts: true, nNtryStsCode: true, nRef: true,
	nTxAmt: true, nTxCdtDbtInd: true, nAmtDtlsAmt: true, nUstrd: true,
	nString: true, nCode: true, nIBAN: true,
}

// child returns the node of an element named local inside parent, with the
// string field a text leaf is copied into. It is the whole map of what the
// decoder reads; see formats.md §2 for the paths.
func (d *decoder) child(parent node, local []byte) (node, *string) {
	switch parent {
	case nMessage:
		switch string(local) {
		case "GrpHdr":
			return nGrpHdr, nil
		case "Stmt":
			return nStmt, nil
		}
	case nGrpHdr:
		switch string(local) {
		case "MsgId":
			return nString, &d.msgID
		case "CreDtTm":
			return nCreDtTm, nil
		case "MsgPgntn":
			return nPgntn, nil
		}
	case nPgntn:
		switch string(local) {
		case "PgNb":
			return nPgNb, nil
		case "LastPgInd":
			return nLastPgInd, nil
		}
	case nStmt:
		s := d.stmt
		switch string(local) {
		case "Id":
			return nString, &s.StatementID
		case "StmtPgntn":
			return nPgntn, nil
		case "ElctrncSeqNb":
			return nString, &s.ElectronicSeq
		case "LglSeqNb":
			return nString, &s.LegalSeq
		case "CreDtTm":
			return nCreDtTm, nil
		case "FrToDt":
			return nFrToDt, nil
		case "Acct":
			return nAcct, nil
		case "Bal":
			return nBal, nil
		case "Ntry":
			return nNtry, nil
		}
	case nFrToDt:
		switch string(local) {
		case "FrDtTm":
			return nFrDtTm, nil
		case "ToDtTm":
			return nToDtTm, nil
		}
	case nAcct:
		switch string(local) {
		case "Id":
			return nAcctID, nil
		case "Ccy":
			return nAcctCcy, nil
		case "Svcr":
			return nAcctSvcr, nil
		}
	case nAcctID:
		switch string(local) {
		case "IBAN":
			return nIBAN, &d.stmt.Account.IBAN
		case "Othr":
			return nAcctOthr, nil
		}
	case nAcctOthr:
		if string(local) == "Id" {
			return nString, &d.stmt.Account.Other
		}
	case nAcctSvcr:
		if string(local) == "FinInstnId" {
			d.bic = &d.stmt.Account.BIC
			return nFinInstnID, nil
		}
	case nFinInstnID:
		switch string(local) {
		case "BIC", "BICFI":
			return nCode, d.bic
		}
	case nBal:
		switch string(local) {
		case "Tp":
			return nBalTp, nil
		case "Amt":
			return nBalAmt, nil
		case "CdtDbtInd":
			return nBalCdtDbtInd, nil
		case "Dt":
			d.date = &d.bal.date
			return nDateChoice, nil
		}
	case nBalTp:
		if string(local) == "CdOrPrtry" {
			return nBalCdOrPrtry, nil
		}
	case nBalCdOrPrtry:
		switch string(local) {
		case "Cd", "Prtry":
			return nBalType, nil
		}
	case nDateChoice:
		switch string(local) {
		case "Dt":
			return nDateDt, nil
		case "DtTm":
			return nDateDtTm, nil
		}
	case nNtry:
		e := d.entry
		switch string(local) {
		case "NtryRef":
			return nString, &e.EntryRef
		case "Amt":
			return nNtryAmt, nil
		case "CdtDbtInd":
			return nNtryCdtDbtInd, nil
		case "RvslInd":
			return nNtryRvslInd, nil
		case "Sts":
			return nNtrySts, nil
		case "BookgDt":
			d.date = &e.BookingDate
			return nDateChoice, nil
		case "ValDt":
			d.date = &e.ValueDate
			return nDateChoice, nil
		case "AcctSvcrRef":
			return nString, &e.AcctSvcrRef
		case "BkTxCd":
			return nBkTxCd, nil
		case "NtryDtls":
			return nNtryDtls, nil
		case "AddtlNtryInf":
			return nString, &e.AdditionalInfo
		}
	case nNtrySts:
		switch string(local) {
		case "Cd", "Prtry":
			return nNtryStsCode, nil
		}
	case nBkTxCd:
		switch string(local) {
		case "Domn":
			return nDomn, nil
		case "Prtry":
			return nBkTxPrtry, nil
		}
	case nDomn:
		switch string(local) {
		case "Cd":
			return nCode, &d.entry.BankTxCode.Domain
		case "Fmly":
			return nFmly, nil
		}
	case nFmly:
		switch string(local) {
		case "Cd":
			return nCode, &d.entry.BankTxCode.Family
		case "SubFmlyCd":
			return nCode, &d.entry.BankTxCode.SubFamily
		}
	case nBkTxPrtry:
		switch string(local) {
		case "Cd":
			return nCode, &d.entry.BankTxCode.Proprietary
		case "Issr":
			return nCode, &d.entry.BankTxCode.Issuer
		}
	case nNtryDtls:
		switch string(local) {
		case "Btch":
			return nBtch, nil
		case "TxDtls":
			return nTxDtls, nil
		}
	case nBtch:
		switch string(local) {
		case "MsgId":
			return nString, &d.btchMsgID
		case "PmtInfId":
			return nString, &d.btchPmtInfID
		}
	case nTxDtls:
		switch string(local) {
		case "Refs":
			return nRefs, nil
		case "Amt":
			return nTxAmt, nil
		case "CdtDbtInd":
			return nTxCdtDbtInd, nil
		case "AmtDtls":
			return nAmtDtls, nil
		case "RltdPties":
			return nRltdPties, nil
		case "RltdAgts":
			return nRltdAgts, nil
		case "RmtInf":
			return nRmtInf, nil
		case "RtrInf":
			return nRtrInf, nil
		case "AddtlTxInf":
			return nString, &d.tx().AdditionalInfo
		}
	case nRefs:
		t := d.tx()
		switch string(local) {
		case "MsgId":
			return nRef, &t.MessageID
		case "AcctSvcrRef":
			return nRef, &t.AcctSvcrRef
		case "PmtInfId":
			return nRef, &t.PaymentInfoID
		case "InstrId":
			return nRef, &t.InstructionID
		case "EndToEndId":
			return nRef, &t.EndToEndID
		case "UETR":
			return nRef, &t.UETR
		case "TxId":
			return nRef, &t.TransactionID
		case "MndtId":
			return nRef, &t.MandateID
		}
	case nAmtDtls:
		if string(local) == "TxAmt" {
			return nAmtDtlsTxAmt, nil
		}
	case nAmtDtlsTxAmt:
		if string(local) == "Amt" {
			return nAmtDtlsAmt, nil
		}
	case nRltdPties:
		t := d.tx()
		switch string(local) {
		case "Dbtr":
			d.party = &t.Debtor
			return nParty, nil
		case "UltmtDbtr":
			d.party = &t.UltimateDebtor
			return nParty, nil
		case "Cdtr":
			d.party = &t.Creditor
			return nParty, nil
		case "UltmtCdtr":
			d.party = &t.UltimateCreditor
			return nParty, nil
		case "DbtrAcct":
			d.party = &t.Debtor
			return nPartyAcct, nil
		case "CdtrAcct":
			d.party = &t.Creditor
			return nPartyAcct, nil
		}
	case nParty:
		switch string(local) {
		case "Nm":
			return nString, &d.party.Name
		case "Pty":
			return nPartyPty, nil
		}
	case nPartyPty:
		if string(local) == "Nm" {
			return nString, &d.party.Name
		}
	case nPartyAcct:
		if string(local) == "Id" {
			return nPartyAcctID, nil
		}
	case nPartyAcctID:
		switch string(local) {
		case "IBAN":
			return nIBAN, &d.party.IBAN
		case "Othr":
			return nPartyAcctOthr, nil
		}
	case nPartyAcctOthr:
		if string(local) == "Id" {
			return nString, &d.party.Other
		}
	case nRltdAgts:
		switch string(local) {
		case "DbtrAgt":
			d.bic = &d.tx().DebtorAgentBIC
			return nAgent, nil
		case "CdtrAgt":
			d.bic = &d.tx().CreditorAgentBIC
			return nAgent, nil
		}
	case nAgent:
		if string(local) == "FinInstnId" {
			return nFinInstnID, nil
		}
	case nRmtInf:
		switch string(local) {
		case "Ustrd":
			return nUstrd, nil
		case "Strd":
			return nStrd, nil
		}
	case nStrd:
		if string(local) == "CdtrRefInf" {
			return nCdtrRefInf, nil
		}
	case nCdtrRefInf:
		switch string(local) {
		case "Tp":
			return nCdtrRefTp, nil
		case "Ref":
			return nString, &d.cdtrRef().Ref
		}
	case nCdtrRefTp:
		if string(local) == "CdOrPrtry" {
			return nCdtrRefCdOrPrtry, nil
		}
	case nCdtrRefCdOrPrtry:
		switch string(local) {
		case "Cd", "Prtry":
			return nCode, &d.cdtrRef().Type
		}
	case nRtrInf:
		if string(local) == "Rsn" {
			return nRtrRsn, nil
		}
	case nRtrRsn:
		switch string(local) {
		case "Cd", "Prtry":
			return nCode, &d.tx().ReturnReason
		}
	}
	return nSkip, nil
}
