package matchers

// ibanLengths gives the IBAN length of the countries Lettrage's users meet
// most (SEPA and neighbours). Other countries are checked for the generic
// shape and the mod-97 check only.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
	"DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
	"GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "VA": 22, "MA": 28, "TN": 24, "SN": 28, "CI": 28, "DZ": 26,
	"AE": 23, "AL": 28, "AZ": 28, "BA": 20, "BH": 22, "BR": 29, "BY": 28,
	"CR": 22, "DO": 28, "EG": 29, "FO": 18, "GE": 22, "GL": 18, "GT": 28,
	"IL": 23, "IQ": 23, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
	"MD": 24, "ME": 22, "MK": 19, "MR": 27, "MU": 30, "PK": 24, "PS": 29,
	"QA": 29, "RS": 22, "SA": 24, "SC": 31, "ST": 25, "SV": 28, "TL": 23,
	"TR": 26, "UA": 29, "VG": 24, "XK": 20, "LY": 25, "SD": 18, "BI": 27,
	"DJ": 27, "RU": 33, "SO": 23, "NI": 28, "MN": 20, "FK": 18, "OM": 23,
	"YE": 30, "HN": 28,
}

// NormalizeIBAN upper-cases s and removes spaces (and a leading "IBAN").
// It does not validate: see ValidIBAN.
func NormalizeIBAN(s string) string {
	return string(appendNormalizedIBAN(make([]byte, 0, len(s)), s))
}

// appendNormalizedIBAN appends NormalizeIBAN(s) to b.
func appendNormalizedIBAN(b []byte, s string) []byte {
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	if out := b[start:]; len(out) > 4 && string(out[:4]) == "IBAN" && out[4] >= 'A' && out[4] <= 'Z' {
		b = append(b[:start], out[4:]...)
	}
	return b
}

// ValidIBAN reports whether s (already normalised) is a well-formed IBAN:
// country code, two check digits, 11 to 30 letters or digits, the
// country's length when known, and the ISO 7064 mod 97-10 check.
func ValidIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; ok && n != len(s) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return mod97(s[4:], s[:4]) == 1
}

// mod97 computes the ISO 7064 mod 97-10 remainder of a‖b with letters
// counting A=10 … Z=35, as IBAN and ISO 11649 checks need.
func mod97(a, b string) int {
	m := 0
	for _, s := range [2]string{a, b} {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case isDigit(c):
				m = (m*10 + int(c-'0')) % 97
			case isUpper(c):
				m = (m*100 + int(c-'A') + 10) % 97
			default:
				return -1
			}
		}
	}
	return m
}

// MaskIBAN shows the first four and the last four characters of an IBAN,
// as logs and reasons must: "FR76…1234".
func MaskIBAN(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	return s[:4] + "…" + s[len(s)-4:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
