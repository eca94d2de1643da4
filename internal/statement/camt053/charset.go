package camt053

import (
	"fmt"
	"io"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// CharsetReader converts a document declared in another encoding than UTF-8
// into UTF-8. It accepts the single-byte encodings whose first 128 codes are
// ASCII (ISO-8859-1, ISO-8859-15, windows-1252 and their kin, by any IANA
// or WHATWG name) and US-ASCII. ISO-8859-1 is read as its superset windows-1252, as
// browsers do, because files declared Latin-1 routinely carry €, œ or
// typographic quotes in bytes 0x80–0x9F, which Latin-1 maps to unused
// control characters. Multi-byte encodings other than UTF-8 are refused:
// after an ASCII declaration they cannot be what the bytes really are.
func CharsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		// The WHATWG labels cover common aliases IANA lacks ("cp1252").
		if enc, err = htmlindex.Get(label); err != nil || enc == nil {
			return nil, fmt.Errorf("unknown encoding %q", label)
		}
	}
	switch enc {
	case unicode.UTF8, encoding.Nop:
		return input, nil
	case charmap.ISO8859_1:
		enc = charmap.Windows1252
	}
	if name, _ := ianaindex.IANA.Name(enc); name == "US-ASCII" {
		return input, nil
	}
	cm, ok := enc.(*charmap.Charmap)
	if !ok || !asciiCompatible(cm) {
		return nil, fmt.Errorf("encoding %q is not supported (use UTF-8, ISO-8859-1/15 or windows-1252)", label)
	}
	return cm.NewDecoder().Reader(input), nil
}

// asciiCompatible reports whether the charmap decodes every ASCII byte to
// itself (EBCDIC code pages do not).
func asciiCompatible(cm *charmap.Charmap) bool {
	for b := 0; b < 0x80; b++ {
		if cm.DecodeByte(byte(b)) != rune(b) {
			return false
		}
	}
	return true
}
