package bench

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The plain encoding/xml baseline of issue 2: read tokens and
// DecodeElement each Ntry into a small struct holding what lettrage needs,
// one entry at a time (streaming, flat memory). This is the obvious Go
// decoder our camt053 package is measured against.

type plainAmount struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type plainDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type plainParty struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"`
}

type plainEntry struct {
	NtryRef   string      `xml:"NtryRef"`
	Amt       plainAmount `xml:"Amt"`
	CdtDbtInd string      `xml:"CdtDbtInd"`
	RvslInd   string      `xml:"RvslInd"`
	Sts       struct {
		Text string `xml:",chardata"`
		Cd   string `xml:"Cd"`
	} `xml:"Sts"`
	BookgDt     plainDate `xml:"BookgDt"`
	ValDt       plainDate `xml:"ValDt"`
	AcctSvcrRef string    `xml:"AcctSvcrRef"`
	Domn        string    `xml:"BkTxCd>Domn>Cd"`
	Fmly        string    `xml:"BkTxCd>Domn>Fmly>Cd"`
	SubFmly     string    `xml:"BkTxCd>Domn>Fmly>SubFmlyCd"`
	TxDtls      []struct {
		AcctSvcrRef string      `xml:"Refs>AcctSvcrRef"`
		EndToEndID  string      `xml:"Refs>EndToEndId"`
		InstrID     string      `xml:"Refs>InstrId"`
		MndtID      string      `xml:"Refs>MndtId"`
		Amt         plainAmount `xml:"Amt"`
		CdtDbtInd   string      `xml:"CdtDbtInd"`
		TxAmt       plainAmount `xml:"AmtDtls>TxAmt>Amt"`
		Dbtr        plainParty  `xml:"RltdPties>Dbtr"`
		DbtrIBAN    string      `xml:"RltdPties>DbtrAcct>Id>IBAN"`
		Cdtr        plainParty  `xml:"RltdPties>Cdtr"`
		CdtrIBAN    string      `xml:"RltdPties>CdtrAcct>Id>IBAN"`
		Ustrd       []string    `xml:"RmtInf>Ustrd"`
		CdtrRef     []string    `xml:"RmtInf>Strd>CdtrRefInf>Ref"`
	} `xml:"NtryDtls>TxDtls"`
	AddtlNtryInf string `xml:"AddtlNtryInf"`
}

// PlainParseCAMT053 decodes every Ntry of a camt.053 stream with
// encoding/xml into a small struct and returns the number of entries and
// transactions. It is a benchmark baseline, not a parser to use.
func PlainParseCAMT053(r io.Reader) (entries, txs int, err error) {
	d := xml.NewDecoder(r)
	var e plainEntry
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return entries, txs, nil
		}
		if err != nil {
			return entries, txs, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Ntry" {
			continue
		}
		e = plainEntry{}
		if err := d.DecodeElement(&e, &se); err != nil {
			return entries, txs, fmt.Errorf("entry %d: %w", entries+1, err)
		}
		entries++
		txs += max(len(e.TxDtls), 1)
	}
}
