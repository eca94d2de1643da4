package cfonb120

import (
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// entryNode holds an entry and its single transaction in one allocation.
type entryNode struct {
	e  ledger.Entry
	tx [1]ledger.Transaction
}

// pendingEntry is a 04 waiting for its 05 records.
type pendingEntry struct {
	node *entryNode
	// lcc is the unstructured remittance an LCC started, kept with its
	// trailing blanks so that an LC2 continues it exactly.
	lcc    []byte
	hasLCC bool
}

// notProvided is the placeholder payers put in place of a missing
// end-to-end reference.
const notProvided = "NOTPROVIDED"

// complement applies one 05 record to the pending transaction: its
// qualifier (46-48) decides where its data (49-118) goes. See the package
// documentation for the table.
func (p *pendingEntry) complement(rec *record) {
	tx := &p.node.tx[0]
	qual := rec.field(46, 48)
	if string(qual) != "LC2" {
		p.endLCC()
	}
	switch string(qual) {
	case "LIB", "   ":
		p.addRemittance(rec.text(49, 118))
	case "LCC":
		p.lcc = appendText(p.lcc[:0], trimFillerLeftOnly(rec.field(49, 118)), rec.utf8)
		p.hasLCC = true
	case "LC2":
		if !p.hasLCC { // an LC2 without its LCC stands alone
			p.addRemittance(rec.text(49, 118))
			return
		}
		p.lcc = appendText(p.lcc, rec.field(49, 118), rec.utf8)
	case "LCS":
		if ref := rec.text(49, 83); ref != "" {
			typ := "LCS"
			if isRFReference(ref) {
				typ = "SCOR"
			}
			tx.CreditorRefs = append(tx.CreditorRefs, ledger.CreditorReference{Type: typ, Ref: ref})
		}
		addExtra(tx, "LCS.rest", rec.text(84, 118))
	case "NPY":
		appendName(&tx.Debtor.Name, rec.text(49, 118))
	case "IPY":
		setOrExtra(tx, &tx.Debtor.Other, "IPY", rec.text(49, 83))
		addExtra(tx, "IPY.type", rec.text(84, 118))
	case "NBE":
		appendName(&tx.Creditor.Name, rec.text(49, 118))
	case "IBE":
		setOrExtra(tx, &tx.Creditor.Other, "IBE", rec.text(49, 83))
		addExtra(tx, "IBE.type", rec.text(84, 118))
	case "NPO":
		appendName(&tx.UltimateDebtor.Name, rec.text(49, 118))
	case "NBU":
		appendName(&tx.UltimateCreditor.Name, rec.text(49, 118))
	case "RCN":
		if ref := rec.text(49, 83); !strings.EqualFold(ref, notProvided) {
			setOrExtra(tx, &tx.EndToEndID, "RCN", ref)
		}
		addExtra(tx, "RCN.purpose", rec.text(84, 118))
	case "REF":
		appendName(&tx.TransactionID, rec.text(49, 118))
	case "RUM":
		setOrExtra(tx, &tx.MandateID, "RUM", rec.text(49, 83))
		addExtra(tx, "RUM.sequence", rec.text(84, 118))
	case "MMO", "FEE":
		key := string(qual)
		amount, rest, ok := currencyAmount(rec)
		if !ok {
			addExtra(tx, key, rec.text(49, 118))
			return
		}
		addExtra(tx, key, amount)
		addExtra(tx, key+".rest", rest)
	default:
		addExtra(tx, rec.text(46, 48), rec.text(49, 118))
	}
}

// endLCC adds the pending LCC (and LC2) remittance as one line.
func (p *pendingEntry) endLCC() {
	if !p.hasLCC {
		return
	}
	p.hasLCC = false
	p.addRemittance(string(trimFiller(p.lcc)))
}

// addRemittance appends a remittance line unless it is empty or already
// there.
func (p *pendingEntry) addRemittance(s string) {
	if s == "" {
		return
	}
	tx := &p.node.tx[0]
	for _, l := range tx.Remittance {
		if l == s {
			return
		}
	}
	tx.Remittance = append(tx.Remittance, s)
}

// appendName sets *dst to s, or appends s after a space when *dst is
// already set (a name or reference continued on a second 05).
func appendName(dst *string, s string) {
	switch {
	case s == "":
	case *dst == "":
		*dst = s
	default:
		*dst += " " + s
	}
}

// setOrExtra sets *dst to s when it is empty; a second value goes to Extra
// under key.
func setOrExtra(tx *ledger.Transaction, dst *string, key, s string) {
	switch {
	case s == "":
	case *dst == "":
		*dst = s
	default:
		addExtra(tx, key, s)
	}
}

// addExtra keeps a non-empty value in Extra.
func addExtra(tx *ledger.Transaction, key, value string) {
	if value != "" {
		tx.Extra = append(tx.Extra, ledger.KeyValue{Key: key, Value: value})
	}
}

// trimFillerLeftOnly cuts the filler at the start of b.
func trimFillerLeftOnly(b []byte) []byte {
	i := 0
	for i < len(b) && isFiller(b[i]) {
		i++
	}
	return b[i:]
}

// currencyAmount reads the amount of an MMO or FEE complement: currency
// (49-51), decimals (52), 14-character amount (53-66, plain digits or with
// an overpunched last character). It returns "<currency> <amount>" and the
// rest of the data (67-118).
func currencyAmount(rec *record) (amount, rest string, ok bool) {
	ccy := rec.field(49, 51)
	if !ledger.Currency(ccy).Valid() {
		return "", "", false
	}
	d := rec.field(52, 52)
	if len(d) != 1 || d[0] < '0' || d[0] > '9' {
		return "", "", false
	}
	dec := int(d[0] - '0')
	f := rec.field(53, 66)
	if len(f) != amountLen {
		return "", "", false
	}
	var v int64
	negative := false
	for i, c := range f {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
		case i == amountLen-1:
			digit, neg, ok := overpunch(c)
			if !ok {
				return "", "", false
			}
			v, negative = v*10+digit, neg
		default:
			return "", "", false
		}
	}
	if negative {
		v = -v
	}
	return string(ccy) + " " + ledger.FormatMinor(v, dec), rec.text(67, 118), true
}

// isRFReference reports whether s is a valid ISO 11649 creditor reference:
// "RF", two check digits and 1 to 21 letters or digits (spaces ignored),
// whose ISO 7064 mod 97-10 check holds.
func isRFReference(s string) bool {
	var buf [64]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		default:
			return false
		}
		if len(b) > 25 {
			return false
		}
	}
	if len(b) < 5 || b[0] != 'R' || b[1] != 'F' || b[2] < '0' || b[2] > '9' || b[3] < '0' || b[3] > '9' {
		return false
	}
	mod := 0
	for _, c := range append(b[4:len(b):len(b)], b[:4]...) {
		if c <= '9' {
			mod = (mod*10 + int(c-'0')) % 97
		} else {
			mod = (mod*100 + int(c-'A') + 10) % 97
		}
	}
	return mod == 1
}
