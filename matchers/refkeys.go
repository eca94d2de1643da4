package matchers

// Keys of an invoice number.
//
// An invoice number is indexed under several keys, each of a class, so
// that the ways payers write it are all found by an exact hash lookup:
//
//	FA-2024-0012   classFull            FA20240012
//	               classStripped        FA202412   (leading zeros of each digit group dropped)
//	               classDigits          20240012   (letters dropped: "FACTURE 2024-0012")
//	               classDigitsStripped  202412
//	RF18 5390 …    classRF              RF18539007547034
//	               classRFBody          539007547034
//
// Each key carries a boundary mask: bit k is set when a new group starts
// at character k (a separator or a letter/digit change in the printed
// number). A text window glued from several tokens is accepted only when
// each place it was glued at is a boundary of the number too, so
// "01 23 45" is not taken for invoice 012345 and "2024-11-8" (a date) is
// not taken for invoice 2024-118.

type keyClass uint8

const (
	classFull keyClass = iota
	classStripped
	classDigits
	classDigitsStripped
	classRF
	classRFBody
)

// anyMask accepts any gluing (creditor references are printed in groups of
// four that payers regroup freely).
const anyMask = ^uint64(0)

// keyForm is one key of an invoice number or of a text window.
type keyForm struct {
	class keyClass
	key   []byte
	mask  uint64
}

// transitions returns the letter/digit change positions of c as a mask.
func transitions(c []byte) uint64 {
	var m uint64
	for k := 1; k < len(c) && k < 64; k++ {
		if isDigit(c[k]) != isDigit(c[k-1]) {
			m |= 1 << uint(k)
		}
	}
	return m
}

// stripZeros appends to out the characters of c with the leading zeros of
// each digit group removed (a group of zeros keeps one), where groups are
// delimited by the boundaries in mask; it returns the new mask in the
// stripped coordinates.
func stripZeros(c []byte, mask uint64, out []byte) ([]byte, uint64) {
	var m uint64
	base := len(out)
	groupStart := true
	for k := 0; k < len(c); k++ {
		if k > 0 && k < 64 && mask&(1<<uint(k)) != 0 {
			groupStart = true
			if pos := len(out) - base; pos < 64 && pos > 0 {
				m |= 1 << uint(pos)
			}
		}
		ch := c[k]
		if groupStart && ch == '0' && k+1 < len(c) && isDigit(c[k+1]) && !(k+1 < 64 && mask&(1<<uint(k+1)) != 0) {
			continue // a leading zero followed by another digit of the group
		}
		groupStart = false
		out = append(out, ch)
	}
	return out, m
}

// numberTokens folds a printed number into its canonical characters and
// boundary mask (separators and letter/digit changes).
func numberTokens(number string, out []byte) ([]byte, uint64) {
	base := len(out)
	var m uint64
	sep := false
	// ASCII first, byte by byte (numbers are ASCII but for rare accents):
	// the same as the rune loop below, which takes over at the first
	// non-ASCII byte.
	k := 0
	for ; k < len(number); k++ {
		c := number[k]
		switch {
		case c >= 0x80:
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		default:
			sep = len(out) > base
			continue
		}
		if c >= 0x80 {
			break
		}
		if sep {
			if pos := len(out) - base; pos < 64 {
				m |= 1 << uint(pos)
			}
			sep = false
		}
		out = append(out, c)
	}
	for _, r := range number[k:] {
		f, ok := foldRune(r)
		if !ok {
			sep = len(out) > base
			continue
		}
		if f == "" {
			continue
		}
		if sep {
			if pos := len(out) - base; pos < 64 {
				m |= 1 << uint(pos)
			}
			sep = false
		}
		out = append(out, f...)
	}
	return out, m | transitions(out[base:])
}

// numberForms appends the keys of an invoice number and its creditor
// reference to dst. Key bytes live in buf, which it returns grown.
func numberForms(number, rf string, dst []keyForm, buf []byte) ([]keyForm, []byte) {
	buf = buf[:0]
	buf, mask := numberTokens(number, buf)
	full := len(buf)
	if full == 0 || full > maxKeyLen {
		return appendRF(rf, dst, buf)
	}
	letters := 0
	for _, c := range buf[:full] {
		if isUpper(c) {
			letters++
		}
	}
	buf, smask := stripZeros(buf[:full], mask, buf)
	stripped := len(buf)
	// Digits only, when the number has letters.
	digitsStart := stripped
	var dmask uint64
	if letters > 0 {
		prevDigit := false
		for k := 0; k < full; k++ {
			c := buf[k]
			if !isDigit(c) {
				prevDigit = false
				continue
			}
			if pos := len(buf) - digitsStart; pos > 0 && pos < 64 && (!prevDigit || (k < 64 && mask&(1<<uint(k)) != 0)) {
				dmask |= 1 << uint(pos)
			}
			buf = append(buf, c)
			prevDigit = true
		}
	}
	digitsEnd := len(buf)
	buf, dsmask := stripZeros(buf[digitsStart:digitsEnd], dmask, buf)
	// Slices are taken only now: buf no longer moves.
	fullKey := buf[:full]
	dst = append(dst, keyForm{classFull, fullKey, mask})
	if s := buf[full:stripped]; string(s) != string(fullKey) {
		dst = append(dst, keyForm{classStripped, s, smask})
	}
	if d := buf[digitsStart:digitsEnd]; letters > 0 && len(d) >= 4 {
		dst = append(dst, keyForm{classDigits, d, dmask})
		if ds := buf[digitsEnd:]; len(ds) >= 3 && string(ds) != string(d) {
			dst = append(dst, keyForm{classDigitsStripped, ds, dsmask})
		}
	}
	return appendRF(rf, dst, buf)
}

// appendRF appends the keys of a valid creditor reference.
func appendRF(rf string, dst []keyForm, buf []byte) ([]keyForm, []byte) {
	if rf == "" {
		return dst, buf
	}
	n := NormalizeCreditorReference(rf)
	if !ValidCreditorReference(n) {
		return dst, buf
	}
	// Copy into a fresh slice: buf's backing array is shared with the
	// number's keys above and must not move under them.
	k := []byte(n)
	dst = append(dst, keyForm{classRF, k, anyMask})
	if len(k) >= 8 {
		body := k[4:]
		for _, f := range dst {
			if string(f.key) == string(body) {
				return dst, buf // the body is the number itself: its own keys say it
			}
		}
		dst = append(dst, keyForm{classRFBody, body, anyMask})
	}
	return dst, buf
}

// signature summarises the shape of a key: its runs of letters and digits
// with their lengths ("FA20240012" → L2 D8). Keys and windows of different
// signatures cannot be equal, so a window whose signature no invoice has
// is not looked up.
func signature(c []byte) uint64 {
	var sig uint64 = 14695981039346656037
	run := 0
	for k := 0; k <= len(c); k++ {
		if k < len(c) && (k == 0 || isDigit(c[k]) == isDigit(c[k-1])) {
			run++
			continue
		}
		code := uint64(run)
		if k > 0 && isDigit(c[k-1]) {
			code |= 1 << 7
		}
		sig = (sig ^ code) * 1099511628211
		run = 1
	}
	return sig
}

// letterPrefix returns the leading letters of a key.
func letterPrefix(c []byte) []byte {
	k := 0
	for k < len(c) && isUpper(c[k]) {
		k++
	}
	return c[:k]
}

// fnv64 hashes b (FNV-1a, 64 bits).
func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// fnv64Skip hashes b without its character at skip.
func fnv64Skip(b []byte, skip int) uint64 {
	h := uint64(14695981039346656037)
	for k, c := range b {
		if k == skip {
			continue
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
