package matchers

import "slices"

// Tokenising payment texts for reference lookup.
//
// A text is cut into tokens: maximal runs of letters and digits after
// accent folding and upper-casing ("FA-2024/0012" gives FA, 2024, 0012 —
// the letter-to-digit change inside "FA2024" does not cut). Tokens joined by
// a soft separator (space, '-', '/', '.', '_', '\', '#') may be glued back
// together into a window of up to maxWindowTokens tokens, so "FA 2024 0012"
// is looked up as FA20240012. The canonical characters of all tokens are
// kept one after the other in one buffer, so a window is a sub-slice of it.
//
// Tokens that belong to something that is not a reference are flagged:
// IBANs, dates written with separators, decimal amounts, phone numbers and
// numbers after SIREN/SIRET/TVA are "hard" (never part of a window);
// 8-digit dates, Luhn-valid 9- or 14-digit numbers (SIREN/SIRET) and
// postcodes after a street word are "lookalikes" (a hit on them is weak) —
// except an 8-digit date right after an invoice keyword that equals a
// number of the book as printed ("FACT 20240603" for 2024-0603). A lone
// four-digit year is never a rewritten number ("2025" for 00020/25) and is
// weak as printed unless a keyword precedes it. A comma before three
// digits is a thousands separator only when decimals or more groups follow.

type tokenFlag uint8

const (
	flagHard      tokenFlag = 1 << iota // part of an IBAN, amount, date, phone: never a reference
	flagLookalike                       // might be a date, SIREN/SIRET or postcode: a hit is weak
	flagKeyword                         // preceded by an invoice keyword (FACTURE, INV, N°…)
	flagRF                              // first token of a valid ISO 11649 reference
	flagLuhn                            // a Luhn-valid 9- or 14-digit number: maybe a SIREN/SIRET
)

// maxWindowTokens is the most tokens glued into one lookup window.
const maxWindowTokens = 4

// maxKeyLen bounds the length of a window or key (canonical characters).
const maxKeyLen = 40

type token struct {
	off, n     int32 // canonical characters: analysis.buf[off : off+n]
	src        int16 // index in analysis.sources
	start, end int32 // byte span in the source
	soft       bool  // joined to the previous token of the same source by a soft separator
	letters    int8  // number of letters (the rest are digits), capped
	flags      tokenFlag
	rfLen      int8 // for flagRF: how many tokens the reference spans
}

// textAnalysis is the tokenised form of a payment's texts, built once per
// payment and shared by the reference strategies.
type textAnalysis struct {
	sources []string // Texts, then StructuredRefs
	nTexts  int
	buf     []byte
	tokens  []token
	// wins are the reference candidate windows (refWindows), built on
	// first use.
	wins        []window
	windowsDone bool
	// exact holds the exact lookups of the payment's windows in one
	// reference index, made ahead (ReferenceIndex.PrepareExact).
	exact exactRecord
}

// isStructured reports whether token t comes from a structured reference.
func (a *textAnalysis) isStructured(t *token) bool { return int(t.src) >= a.nTexts }

// canon returns the canonical characters of tokens i..j (inclusive).
func (a *textAnalysis) canon(i, j int) []byte {
	return a.buf[a.tokens[i].off : a.tokens[j].off+a.tokens[j].n]
}

// written returns the text of tokens i..j as the payer wrote it.
func (a *textAnalysis) written(i, j int) string {
	ti, tj := &a.tokens[i], &a.tokens[j]
	if ti.src != tj.src {
		return string(a.canon(i, j))
	}
	return a.sources[ti.src][ti.start:tj.end]
}

// Analyse tokenises the payment's texts and finds the windows that could
// be references now rather than on the first search: a caller may prepare
// payments on one goroutine and search them on another. p must not change
// afterwards (until Reset).
func (p *Payment) Analyse() { p.analyse().refWindows() }

// analyse returns the payment's token analysis, building it on first use.
func (p *Payment) analyse() *textAnalysis {
	if p.analysis != nil {
		return p.analysis
	}
	a := p.spare
	if a == nil || cap(a.buf) > 1<<16 || cap(a.tokens) > 1<<14 || a.exact.outsized() {
		a = &textAnalysis{}
	} else {
		// An earlier payment's (Reset): its buffers are reused.
		clear(a.sources)
		*a = textAnalysis{sources: a.sources[:0], buf: a.buf[:0], tokens: a.tokens[:0], wins: a.wins[:0], exact: a.exact.emptied()}
	}
	p.spare = nil
	a.nTexts = len(p.Texts)
	a.sources = slices.Grow(a.sources, len(p.Texts)+len(p.StructuredRefs))
	a.sources = append(a.sources, p.Texts...)
	a.sources = append(a.sources, p.StructuredRefs...)
	n := 0
	for _, s := range a.sources {
		n += len(s)
	}
	a.buf = slices.Grow(a.buf, n)
	a.tokens = slices.Grow(a.tokens, n/4+1)
	for i, s := range a.sources {
		a.tokenize(int16(i), s)
	}
	a.flag(p)
	p.analysis = a
	return a
}

// softSeparator reports whether sep (the characters between two tokens)
// may be glued over: only soft characters, at most three of them.
func softSeparator(sep string) bool {
	if len(sep) == 0 || len(sep) > 3 {
		return false
	}
	for i := 0; i < len(sep); i++ {
		switch sep[i] {
		case ' ', '-', '/', '.', '_', '\\', '#', '\t':
		default:
			return false
		}
	}
	return true
}

func (a *textAnalysis) tokenize(src int16, s string) {
	inTok := false
	var cur token
	prevEnd := -1
	flush := func(end int) {
		if !inTok {
			return
		}
		cur.end = int32(end)
		cur.n = int32(len(a.buf)) - cur.off
		if prevEnd >= 0 && softSeparator(s[prevEnd:cur.start]) {
			cur.soft = true
		}
		if cur.n > 0 {
			a.tokens = append(a.tokens, cur)
			prevEnd = end
		}
		inTok = false
	}
	for i, r := range s {
		f, ok := foldRune(r)
		if !ok {
			flush(i)
			continue
		}
		if !inTok {
			inTok = true
			cur = token{off: int32(len(a.buf)), src: src, start: int32(i)}
		}
		for k := 0; k < len(f); k++ {
			if isUpper(f[k]) && cur.letters < 127 {
				cur.letters++
			}
		}
		a.buf = append(a.buf, f...)
	}
	flush(len(s))
}

// str returns token i's canonical characters as a string (allocates).
func (a *textAnalysis) str(i int) string { return string(a.canon(i, i)) }

func (a *textAnalysis) isDigits(i int) bool {
	t := &a.tokens[i]
	return t.letters == 0
}

// sep returns the characters between token i-1 and token i ("" when they
// are in different sources).
func (a *textAnalysis) sep(i int) string {
	if i == 0 || a.tokens[i-1].src != a.tokens[i].src {
		return ""
	}
	return a.sources[a.tokens[i].src][a.tokens[i-1].end:a.tokens[i].start]
}

// sameSource reports whether tokens i and j come from the same text.
func (a *textAnalysis) sameSource(i, j int) bool { return a.tokens[i].src == a.tokens[j].src }

// invoiceKeywords precede invoice numbers in remittance texts.
var invoiceKeywords = map[string]bool{
	"FACT": true, "FACTURE": true, "FACTURES": true, "FACTUR": true, "FAC": true, "FCT": true,
	"FACTU": true, "FACTS": true, "FACTS.": true, "FA": true, "INV": true, "INVOICE": true, "INVOICES": true,
	"FACTURA": true, "RECHNUNG": true, "N": true, "NO": true, "NR": true, "NUM": true,
	"NUMERO": true, "NOS": true, "PIECE": true, "PIECES": true, "DOC": true,
}

// streetWords come before a street address, whose postcode follows.
var streetWords = map[string]bool{
	"RUE": true, "AVENUE": true, "AV": true, "AVE": true, "BD": true, "BOULEVARD": true,
	"CHEMIN": true, "CH": true, "ROUTE": true, "RTE": true, "PLACE": true, "PL": true,
	"ALLEE": true, "IMPASSE": true, "IMP": true, "QUAI": true, "COURS": true, "ZI": true,
	"ZA": true, "ZAC": true, "LIEU": true, "LIEUDIT": true, "CEDEX": true,
}

// companyIDWords announce a company identifier, not an invoice number.
var companyIDWords = map[string]bool{
	"SIREN": true, "SIRET": true, "TVA": true, "RCS": true, "VAT": true, "NAF": true,
	"APE": true, "TEL": true, "TELEPHONE": true, "FAX": true, "PORTABLE": true, "MOB": true,
	"BIC": true, "IBAN": true, "RIB": true, "BP": true, "CS": true, "TVAINTRA": true,
}

// currencyWords next to a number make it an amount.
var currencyWords = map[string]bool{"EUR": true, "EUROS": true, "EURO": true, "CHF": true, "USD": true, "GBP": true}

// flag marks tokens that are not references (see the file comment).
func (a *textAnalysis) flag(p *Payment) {
	n := len(a.tokens)
	for i := 0; i < n; i++ {
		t := &a.tokens[i]
		c := a.canon(i, i)
		// Keyword context.
		if i > 0 && a.sameSource(i-1, i) && invoiceKeywords[string(a.canon(i-1, i-1))] {
			t.flags |= flagKeyword
		}
		a.flagIBAN(i)
		a.flagRF(i)
		if t.letters > 0 {
			continue
		}
		// Digit-only tokens.
		a.flagDate(i)
		a.flagAmount(i, p)
		a.flagPhone(i)
		if i > 0 && a.sameSource(i-1, i) && companyIDWords[string(a.canon(i-1, i-1))] {
			a.flagRun(i, 14, flagHard)
		}
		switch len(c) {
		case 8:
			if validDate8(c) {
				t.flags |= flagLookalike
			}
		case 9, 14:
			if luhn(c) {
				t.flags |= flagLuhn
			}
		case 3:
			// "123 456 789": a SIREN written in groups of three.
			if i+2 < n && a.tokens[i+1].soft && a.tokens[i+2].soft && a.sameSource(i, i+2) &&
				len(a.canon(i+1, i+1)) == 3 && len(a.canon(i+2, i+2)) == 3 && a.isDigits(i+1) && a.isDigits(i+2) &&
				luhn(a.canon(i, i+2)) {
				for k := i; k <= i+2; k++ {
					a.tokens[k].flags |= flagLookalike
				}
			}
		case 5:
			if a.postcode(i) {
				t.flags |= flagLookalike
			}
		}
	}
}

// flagRun sets f on token i and the digit tokens softly joined after it,
// up to maxDigits digits in all.
func (a *textAnalysis) flagRun(i, maxDigits int, f tokenFlag) {
	digits := 0
	for k := i; k < len(a.tokens) && a.sameSource(i, k); k++ {
		if k > i && !a.tokens[k].soft {
			break
		}
		if !a.isDigits(k) {
			break
		}
		digits += int(a.tokens[k].n)
		a.tokens[k].flags |= f
		if digits >= maxDigits {
			break
		}
	}
}

// flagIBAN marks an IBAN starting at token i, written whole or in groups.
func (a *textAnalysis) flagIBAN(i int) {
	c := a.canon(i, i)
	if len(c) < 4 || !isUpper(c[0]) || !isUpper(c[1]) || !isDigit(c[2]) || !isDigit(c[3]) {
		return
	}
	n, known := ibanLengths[string(c[:2])]
	if !known {
		return // "FA01…": an invoice number, not an IBAN of a country we know
	}
	last := -1
	for j := i; j < len(a.tokens) && j < i+10 && a.sameSource(i, j); j++ {
		if j > i && !a.tokens[j].soft {
			break
		}
		w := a.canon(i, j)
		if len(w) > 34 {
			break
		}
		if len(w) == n && ValidIBAN(string(w)) {
			last = j
		}
	}
	for k := i; k <= last; k++ {
		a.tokens[k].flags |= flagHard
	}
}

// flagRF marks a valid ISO 11649 reference starting at token i, written
// whole or in groups of four.
func (a *textAnalysis) flagRF(i int) {
	c := a.canon(i, i)
	if len(c) < 4 || c[0] != 'R' || c[1] != 'F' || !isDigit(c[2]) || !isDigit(c[3]) {
		return
	}
	for j := i; j < len(a.tokens) && j < i+8 && a.sameSource(i, j); j++ {
		if j > i && !a.tokens[j].soft {
			break
		}
		w := a.canon(i, j)
		if len(w) > 25 {
			break
		}
		if ValidCreditorReference(string(w)) {
			a.tokens[i].flags |= flagRF
			a.tokens[i].rfLen = int8(j - i + 1)
		}
	}
}

// flagDate marks d/m/y and y-m-d dates written with separators.
func (a *textAnalysis) flagDate(i int) {
	if i+2 >= len(a.tokens) || !a.sameSource(i, i+2) || !a.isDigits(i+1) || !a.isDigits(i+2) {
		return
	}
	s1, s2 := a.sep(i+1), a.sep(i+2)
	if len(s1) != 1 || s1 != s2 || (s1[0] != '/' && s1[0] != '-' && s1[0] != '.') {
		return
	}
	x, y, z := a.canon(i, i), a.canon(i+1, i+1), a.canon(i+2, i+2)
	ok := false
	switch {
	case len(x) <= 2 && len(y) <= 2 && (len(z) == 2 || len(z) == 4):
		ok = validDMY(atoi(x), atoi(y), atoi(z))
	case len(x) == 4 && len(y) <= 2 && len(z) <= 2:
		ok = validDMY(atoi(z), atoi(y), atoi(x))
	}
	if ok {
		for k := i; k <= i+2; k++ {
			a.tokens[k].flags |= flagHard
		}
	}
}

// flagAmount marks decimal amounts ("1234,50", "1.234,50", "1 200.00"),
// numbers next to a currency word, and the payment's own amount.
func (a *textAnalysis) flagAmount(i int, p *Payment) {
	n := len(a.tokens)
	if i+1 < n && a.sameSource(i, i+1) && a.isDigits(i+1) {
		sep := a.sep(i + 1)
		next := a.canon(i+1, i+1)
		// A comma before one or two digits is a decimal comma; before
		// three, a thousands separator only when decimals or more groups
		// follow ("26,436.00", "1,234,567"): "00413-26,436-26" is a list.
		thousands := sep == "," && len(next) == 3 && i+2 < n && a.sameSource(i, i+2) && a.isDigits(i+2) &&
			((a.sep(i+2) == "." && len(a.canon(i+2, i+2)) == 2) || (a.sep(i+2) == "," && len(a.canon(i+2, i+2)) == 3))
		if (sep == "," && len(next) <= 2) || thousands || (sep == "." && len(next) == 2 && !(i+2 < n && a.sameSource(i, i+2) && a.sep(i+2) == "." && a.isDigits(i+2))) {
			a.tokens[i].flags |= flagHard
			a.tokens[i+1].flags |= flagHard
			if thousands {
				a.tokens[i+2].flags |= flagHard
			}
			// Thousands groups before it: "1 234,50", "1.234,50".
			for k := i; k > 0 && a.sameSource(k-1, k) && a.isDigits(k-1) && len(a.canon(k, k)) == 3 && len(a.canon(k-1, k-1)) <= 3; k-- {
				s := a.sep(k)
				if s != " " && s != "." && s != "," {
					break
				}
				a.tokens[k-1].flags |= flagHard
			}
		}
	}
	if i+1 < n && a.sameSource(i, i+1) && currencyWords[string(a.canon(i+1, i+1))] {
		a.tokens[i].flags |= flagHard
	}
	if p != nil && p.Amount > 0 {
		exp := p.Exponent
		unit := int64(1)
		for k := 0; k < exp; k++ {
			unit *= 10
		}
		c := a.canon(i, i)
		if v, ok := atoi64(c); ok && p.Amount%unit == 0 && v == p.Amount/unit && len(c) < 9 {
			a.tokens[i].flags |= flagHard
		}
	}
}

// flagPhone marks French phone numbers: "0612345678", "06 12 34 56 78",
// "+33 6 12 34 56 78".
func (a *textAnalysis) flagPhone(i int) {
	c := a.canon(i, i)
	t := &a.tokens[i]
	if len(c) == 10 && c[0] == '0' && c[1] != '0' {
		t.flags |= flagHard
		return
	}
	if t.start > 0 && a.sources[t.src][t.start-1] == '+' && len(c) <= 3 {
		a.flagRun(i, 12, flagHard)
		return
	}
	if len(c) == 2 && c[0] == '0' && c[1] != '0' {
		k, digits := i, 0
		for ; k < len(a.tokens) && k < i+5 && a.sameSource(i, k) && a.isDigits(k) && a.tokens[k].n == 2 && (k == i || a.tokens[k].soft); k++ {
			digits += 2
		}
		if digits == 10 {
			for j := i; j < k; j++ {
				a.tokens[j].flags |= flagHard
			}
		}
	}
}

// postcode reports whether the 5-digit token i follows a street word (within
// six tokens) or precedes CEDEX.
func (a *textAnalysis) postcode(i int) bool {
	if i+1 < len(a.tokens) && a.sameSource(i, i+1) && string(a.canon(i+1, i+1)) == "CEDEX" {
		return true
	}
	for k := i - 1; k >= 0 && k >= i-6 && a.sameSource(k, i); k-- {
		if streetWords[string(a.canon(k, k))] {
			return true
		}
	}
	return false
}

func atoi(b []byte) int {
	v := 0
	for _, c := range b {
		v = v*10 + int(c-'0')
		if v > 1e8 {
			return -1
		}
	}
	return v
}

func atoi64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// validDMY reports whether d/m/y is a calendar date (y of two or four
// digits, four-digit years 1990–2099).
func validDMY(d, m, y int) bool {
	if y < 100 {
		y += 2000
	}
	if y < 1990 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(m, y)
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validDate6 reports whether a 6-digit number reads as DDMMYY or YYMMDD.
func validDate6(c []byte) bool {
	a, b, d := atoi(c[:2]), atoi(c[2:4]), atoi(c[4:])
	return validDMY(a, b, d) || validDMY(d, b, a)
}

// LooksLikeDate reports whether s, once reduced to its letters and digits,
// is a 6- or 8-digit number that reads as a date (DDMMYY, YYMMDD,
// YYYYMMDD, DDMMYYYY). Such a number is never searched fuzzily: one or two
// edits from a date lie thousands of invoice numbers.
func LooksLikeDate(s string) bool {
	var buf [64]byte
	c, _ := numberTokens(s, buf[:0])
	for _, ch := range c {
		if !isDigit(ch) {
			return false
		}
	}
	switch len(c) {
	case 6:
		return validDate6(c)
	case 8:
		return validDate8(c)
	}
	return false
}

// validDate8 reports whether an 8-digit number reads as YYYYMMDD or
// DDMMYYYY with a year 2000–2099.
func validDate8(c []byte) bool {
	y1, m1, d1 := atoi(c[:4]), atoi(c[4:6]), atoi(c[6:])
	if y1 >= 2000 && y1 <= 2099 && validDMY(d1, m1, y1) {
		return true
	}
	d2, m2, y2 := atoi(c[:2]), atoi(c[2:4]), atoi(c[4:])
	return y2 >= 2000 && y2 <= 2099 && validDMY(d2, m2, y2)
}

// luhn reports whether the digits pass the Luhn check (SIREN, SIRET).
func luhn(c []byte) bool {
	sum := 0
	double := false
	for i := len(c) - 1; i >= 0; i-- {
		d := int(c[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
