package matchers

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Payer-name normalisation.
//
// A name is folded (accents, case, punctuation: see Fold), letters spelled
// one by one are glued back ("S.A.R.L." → SARL), legal forms are taken
// apart (SARL, SAS, SA, EURL, SASU, SCI, SNC, SCOP, SELARL, GIE, GmbH, Ltd
// …), and words that carry no identity are dropped: "STE"/"SOCIETE",
// "ETS"/"ETABLISSEMENTS", articles, titles (M., MME). What is left is a set
// of tokens, compared without regard to order.

// legalForms are company legal forms, French first.
var legalForms = map[string]bool{
	"SARL": true, "SAS": true, "SA": true, "EURL": true, "SASU": true, "SCI": true, "SNC": true,
	"SCOP": true, "SELARL": true, "SELAS": true, "SELAFA": true, "SELCA": true, "SELEURL": true,
	"GIE": true, "SCA": true, "SCS": true, "SCP": true, "SCM": true, "SEM": true, "SEML": true,
	"SPL": true, "EI": true, "EIRL": true, "EARL": true, "GAEC": true, "SCEA": true, "GFA": true,
	"SAEM": true, "SICA": true, "SCIC": true, "SC": true, "SARLU": true, "SCPI": true,
	"GMBH": true, "AG": true, "KG": true, "LTD": true, "LIMITED": true, "LLC": true, "INC": true,
	"CORP": true, "BV": true, "NV": true, "SRL": true, "SPA": true, "SL": true, "SLU": true,
	"PLC": true, "SPRL": true, "BVBA": true, "SPRLU": true, "AB": true, "OY": true, "AS": true,
}

// noiseWords carry no identity: generic company words, articles, titles.
var noiseWords = map[string]bool{
	"STE": true, "STES": true, "SOCIETE": true, "SOC": true, "ETS": true, "ETABLISSEMENTS": true,
	"ETABLISSEMENT": true, "ETAB": true, "ETABS": true, "CIE": true, "COMPAGNIE": true,
	"LE": true, "LA": true, "LES": true, "L": true, "DE": true, "DU": true, "DES": true, "D": true,
	"ET": true, "AU": true, "AUX": true, "EN": true, "THE": true, "OF": true, "AND": true,
	"M": true, "MR": true, "MME": true, "MLLE": true, "MM": true, "MRS": true, "MS": true,
	"MONSIEUR": true, "MADAME": true, "MADEMOISELLE": true, "MESSIEURS": true, "DR": true,
	"ME": true, "MAITRE": true, "VIR": true, "VIREMENT": true, "SEPA": true, "RECU": true,
	"CHEZ": true, "PAR": true, "POUR": true, "CPTE": true, "COMPTE": true,
}

// NameForm is a normalised name.
type NameForm struct {
	// Tokens are the identity-bearing words, in the order written, without
	// duplicates.
	Tokens []string
	// LegalForm is the legal form found (e.g. "SARL"), or "".
	LegalForm string
	// Truncated: the name is as long as the bank fields that cut names (35
	// or 70 characters), so its last word may be cut short.
	Truncated bool
}

// NormalizeName normalises a payer or customer name.
func NormalizeName(s string) NameForm {
	var f NameForm
	raw := strings.TrimSpace(s)
	n := utf8.RuneCountInString(raw)
	f.Truncated = n == 35 || n == 70 || n == 34 || n == 69 || n == 140
	words := strings.Fields(Fold(raw))
	// Glue runs of single letters: "S A R L" → "SARL", "S A" → "SA".
	glued := words[:0] // in place: a word is written at or before where it is read
	for i := 0; i < len(words); {
		if len(words[i]) == 1 {
			j := i
			for j < len(words) && len(words[j]) == 1 {
				j++
			}
			if j-i >= 2 {
				w := strings.Join(words[i:j], "")
				if legalForms[w] {
					glued = append(glued, w)
					i = j
					continue
				}
			}
		}
		glued = append(glued, words[i])
		i++
	}
	if len(glued) > 0 {
		f.Tokens = make([]string, 0, len(glued))
	}
	for _, w := range glued {
		switch {
		case legalForms[w]:
			if f.LegalForm == "" {
				f.LegalForm = w
			}
		case noiseWords[w]:
		case slices.Contains(f.Tokens, w):
		default:
			f.Tokens = append(f.Tokens, w)
		}
	}
	if len(f.Tokens) == 0 {
		f.Tokens = nil // as before the space was reserved
	}
	return f
}

// Key returns a canonical string for exact comparison of names: the tokens
// sorted, then the legal form. Two names with equal keys are the same
// name written differently.
func (f NameForm) Key() string {
	var arr [8]string
	t := append(arr[:0], f.Tokens...)
	slices.Sort(t)
	var b strings.Builder
	n := len(f.LegalForm) + 2
	for _, w := range t {
		n += len(w) + 1
	}
	b.Grow(n)
	for i, w := range t {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if f.LegalForm != "" {
		b.WriteString(" /")
		b.WriteString(f.LegalForm)
	}
	return b.String()
}
