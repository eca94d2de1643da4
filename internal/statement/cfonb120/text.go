package cfonb120

import (
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// windows1252 maps every byte to its Windows-1252 character; the five
// bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep
// their ISO-8859-1 code points, as the WHATWG encoding standard does, so no
// byte is lost. It is built once from x/text's table and never written
// afterwards.
var windows1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(i))
		if t[i] == utf8.RuneError {
			t[i] = rune(i)
		}
	}
	return t
}()

// isFiller reports whether c pads a record or a line: a space, a tab, a NUL
// or the DOS end-of-file mark (Ctrl-Z).
func isFiller(c byte) bool { return c == ' ' || c == '\t' || c == 0 || c == 0x1a }

// isBlank reports whether b holds nothing but filler.
func isBlank(b []byte) bool {
	for _, c := range b {
		if !isFiller(c) {
			return false
		}
	}
	return true
}

// trimFiller cuts the filler on both sides of b.
func trimFiller(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isFiller(b[i]) {
		i++
	}
	for j > i && isFiller(b[j-1]) {
		j--
	}
	return b[i:j]
}

// trimFillerRight cuts the filler at the end of b.
func trimFillerRight(b []byte) []byte {
	j := len(b)
	for j > 0 && isFiller(b[j-1]) {
		j--
	}
	return b[:j]
}

// isASCII reports whether every byte of b is below 0x80.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// decodeText returns b as a UTF-8 string: b is UTF-8 when isUTF8, else
// Windows-1252. In a UTF-8 record an invalid byte (lenient mode only) is
// read as Windows-1252 too.
func decodeText(b []byte, isUTF8 bool) string {
	if isASCII(b) || (isUTF8 && utf8.Valid(b)) {
		return string(b)
	}
	return string(appendText(make([]byte, 0, 2*len(b)), b, isUTF8))
}

// appendText appends b decoded to UTF-8 (see decodeText) to dst.
func appendText(dst, b []byte, isUTF8 bool) []byte {
	if isASCII(b) {
		return append(dst, b...)
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if isUTF8 {
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError || size > 1 {
				dst = append(dst, b[i:i+size]...)
				i += size
				continue
			}
		}
		dst = utf8.AppendRune(dst, windows1252[c])
		i++
	}
	return dst
}
