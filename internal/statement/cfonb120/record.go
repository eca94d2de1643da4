package cfonb120

import (
	"fmt"
	"strconv"
)

// recordLen is the number of characters of a CFONB 120 record.
const recordLen = 120

// record is one 120-character record as the reader cut it. Its bytes may
// alias the reader's buffer: they are valid until the next call to
// reader.next.
type record struct {
	b []byte
	// offs maps character i to its byte offset in b (len recordLen+1), for
	// UTF-8 records holding multi-byte characters; nil when every character
	// is one byte.
	offs  []int32
	utf8  bool // the text is UTF-8 (else Windows-1252)
	line  int  // 1-based physical line
	block int  // 1-based 120-character block within the line (>1 only without line breaks)
}

// field returns the bytes of the 1-based inclusive character positions p…q.
func (r *record) field(p, q int) []byte {
	if r.offs == nil {
		return r.b[p-1 : q]
	}
	return r.b[r.offs[p-1]:r.offs[q]]
}

// text returns positions p…q decoded to UTF-8, with the filler on both
// sides cut.
func (r *record) text(p, q int) string {
	return decodeText(trimFiller(r.field(p, q)), r.utf8)
}

// code returns the record code (positions 1-2) as raw bytes.
func (r *record) code() []byte { return r.field(1, 2) }

// pos names the record for messages: "line 12, record 04", or "line 1,
// block 37, record 04" in a file without line breaks.
func (r *record) pos() string {
	code := r.code()
	name := string(code)
	if len(code) != 2 || code[0] <= ' ' || code[0] > '~' || code[1] <= ' ' || code[1] > '~' {
		name = strconv.Quote(decodeText(code, r.utf8))
	}
	if r.block > 1 {
		return fmt.Sprintf("line %d, block %d, record %s", r.line, r.block, name)
	}
	return fmt.Sprintf("line %d, record %s", r.line, name)
}
