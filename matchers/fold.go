package matchers

// Accent folding without golang.org/x/text: Latin-1 Supplement and Latin
// Extended-A letters map to their ASCII base letters, upper case, and
// ligatures to two letters (Æ → AE, Œ → OE, ß → SS). Combining marks are
// dropped; every other character separates words.

// foldSpec lists, in code-point order from U+00C0, each replacement and how
// many consecutive code points take it. "" marks a separator.
var foldSpec = []struct {
	to string
	n  int
}{
	// U+00C0–U+00FF (Latin-1 Supplement letters)
	{"A", 6}, {"AE", 1}, {"C", 1}, {"E", 4}, {"I", 4}, {"D", 1}, {"N", 1},
	{"O", 5}, {"", 1}, {"O", 1}, {"U", 4}, {"Y", 1}, {"TH", 1}, {"SS", 1},
	{"A", 6}, {"AE", 1}, {"C", 1}, {"E", 4}, {"I", 4}, {"D", 1}, {"N", 1},
	{"O", 5}, {"", 1}, {"O", 1}, {"U", 4}, {"Y", 1}, {"TH", 1}, {"Y", 1},
	// U+0100–U+017F (Latin Extended-A)
	{"A", 6}, {"C", 8}, {"D", 4}, {"E", 10}, {"G", 8}, {"H", 4}, {"I", 10},
	{"IJ", 2}, {"J", 2}, {"K", 3}, {"L", 10}, {"N", 9}, {"O", 6}, {"OE", 2},
	{"R", 6}, {"S", 8}, {"T", 6}, {"U", 12}, {"W", 2}, {"Y", 3}, {"Z", 6},
	{"S", 1},
}

const foldFirst = 0xC0

// foldTable maps U+00C0..U+017F to replacements; built once from foldSpec.
var foldTable = buildFoldTable()

func buildFoldTable() []string {
	t := make([]string, 0, 0x180-foldFirst)
	for _, s := range foldSpec {
		for i := 0; i < s.n; i++ {
			t = append(t, s.to)
		}
	}
	if len(t) != 0x180-foldFirst {
		panic("matchers: fold table has the wrong size")
	}
	return t
}

// foldRune returns the ASCII upper-case letters or digit r stands for, and
// false when r separates words. Combining marks (U+0300–U+036F) return
// ("", true): they vanish without separating.
func foldRune(r rune) (string, bool) {
	switch {
	case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return asciiStrings[r], true
	case r >= 'a' && r <= 'z':
		return asciiStrings[r-'a'+'A'], true
	case r < foldFirst:
		return "", false
	case r < 0x180:
		s := foldTable[r-foldFirst]
		return s, s != ""
	case r >= 0x300 && r <= 0x36F:
		return "", true
	}
	return "", false
}

// asciiStrings holds one-character strings for the ASCII range, so folding
// does not allocate.
var asciiStrings = func() [128]string {
	var a [128]string
	for i := range a {
		a[i] = string(rune(i))
	}
	return a
}()

// Fold returns s in upper-case ASCII letters and digits, with accents
// removed and every run of other characters replaced by one space, trimmed.
// "Société Générale, S.A." becomes "SOCIETE GENERALE S A".
func Fold(s string) string {
	b := make([]byte, 0, len(s))
	space := false
	for _, r := range s {
		f, ok := foldRune(r)
		if !ok {
			space = len(b) > 0
			continue
		}
		if f == "" {
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, f...)
	}
	return string(b)
}
