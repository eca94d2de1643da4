package matchers

// NormalizeCreditorReference upper-cases s and removes spaces, as ISO 11649
// references are compared: "rf18 5390 0754 7034" → "RF18539007547034".
func NormalizeCreditorReference(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// ValidCreditorReference reports whether s (normalised) is an ISO 11649
// creditor reference: "RF", two check digits, 1 to 21 letters or digits,
// and the mod 97-10 check (body ‖ "RF" ‖ check digits ≡ 1 mod 97).
func ValidCreditorReference(s string) bool {
	if len(s) < 5 || len(s) > 25 || s[0] != 'R' || s[1] != 'F' || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return mod97(s[4:], s[:4]) == 1
}
