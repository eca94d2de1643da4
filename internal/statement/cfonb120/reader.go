package cfonb120

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// textEncoding is how a file's text bytes are read.
type textEncoding uint8

// Encodings, decided at a file's first non-ASCII byte.
const (
	encUndecided textEncoding = iota
	encWindows1252
	encUTF8
)

const (
	// bufferSize is the bufio buffer the reader streams through.
	bufferSize = 64 << 10
	// peekSize is how far the reader looks ahead: a record of 120 UTF-8
	// characters (at most 480 bytes) plus as much again to tell trailing
	// blanks from the next record of a file without line breaks.
	peekSize = 2048
)

var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// reader cuts a byte stream into 120-character records: it handles CRLF,
// LF and CR line breaks, files without line breaks, blank lines, trimmed
// trailing blanks and the text encoding (see the package documentation).
// It holds one record at a time.
type reader struct {
	br      *bufio.Reader
	lenient bool
	warn    func(pos, msg string)

	enc     textEncoding
	started bool
	line    int // 1-based physical line of the next chunk
	block   int // 1-based 120-character block of the next chunk within its line

	offs []int32 // scratch: character offsets of a UTF-8 record
	pad  []byte  // scratch: a short line padded to 120 characters
	rec  record
}

// newReader returns a reader over r. warn receives the lenient-mode
// warnings.
func newReader(r io.Reader, lenient bool, warn func(pos, msg string)) *reader {
	return &reader{
		br:      bufio.NewReaderSize(r, bufferSize),
		lenient: lenient,
		warn:    warn,
		line:    1,
		block:   1,
		offs:    make([]int32, recordLen+1),
		pad:     make([]byte, 0, 4*recordLen),
	}
}

// next returns the next non-blank record, or io.EOF after the last one.
// The record is valid until the following call.
func (r *reader) next() (*record, error) {
	for {
		win, err := r.br.Peek(peekSize)
		atEOF := false
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("read cfonb120: %w", err)
			}
			atEOF = true
		}
		if !r.started {
			r.started = true
			if bytes.HasPrefix(win, byteOrderMark) {
				r.enc = encUTF8
				if _, err := r.br.Discard(len(byteOrderMark)); err != nil {
					return nil, fmt.Errorf("read cfonb120: %w", err)
				}
				continue
			}
		}
		if len(win) == 0 {
			return nil, io.EOF
		}
		n, i, err := r.scan(win, atEOF)
		if err != nil {
			return nil, err
		}
		var rec *record
		consumed, endsLine := i, true
		if n == recordLen {
			rec = r.cut(win[:i])
			rest := win[i:]
			switch t := terminatorLen(rest); {
			case len(rest) == 0: // end of file
			case t > 0:
				consumed += t
			default:
				k, j, t, ended := r.lookahead(rest, atEOF)
				if !ended || (r.block > 1 && !isBlank(rest[:j])) {
					// The next block of a line without breaks (a short
					// last block is reported when it is read).
					endsLine = false
					break
				}
				if !isBlank(rest[:j]) {
					msg := fmt.Sprintf("record is %d characters long, more than %d", recordLen+k, recordLen)
					if !r.lenient {
						return nil, newError(rec.pos(), ErrRecordLength, "%s", msg)
					}
					r.warn(rec.pos(), msg+"; the characters beyond the 120th are ignored")
				}
				consumed += j + t
			}
		} else {
			// Fewer than 120 characters, then a line break or the end.
			consumed += terminatorLen(win[i:])
			if !isBlank(win[:i]) {
				if r.block > 1 {
					pos := fmt.Sprintf("line %d, block %d", r.line, r.block)
					msg := fmt.Sprintf("line is %d characters long: a file without line breaks must be a whole number of %d-character records",
						(r.block-1)*recordLen+n, recordLen)
					if !r.lenient {
						return nil, newError(pos, ErrRecordLength, "%s", msg)
					}
					r.warn(pos, msg+"; the last record is padded with blanks")
				}
				rec = r.padded(win[:i], n)
			}
		}
		if _, err := r.br.Discard(consumed); err != nil {
			return nil, fmt.Errorf("read cfonb120: %w", err)
		}
		if endsLine {
			r.line++
			r.block = 1
		} else {
			r.block++
		}
		if rec != nil && !isBlank(rec.b) {
			return rec, nil
		}
	}
}

// scan reads up to 120 characters of win, stopping before a line break. It
// returns the number of characters and of bytes read; in UTF-8 mode it
// records each character's byte offset in r.offs. The first non-ASCII byte
// of the file decides the encoding.
func (r *reader) scan(win []byte, atEOF bool) (n, i int, err error) {
	if r.enc != encUTF8 {
		chunk := win[:min(len(win), recordLen)]
		if k := indexLineBreak(chunk); k >= 0 {
			chunk = chunk[:k]
		}
		if r.enc == encWindows1252 || isASCII(chunk) {
			return len(chunk), len(chunk), nil
		}
	}
	isUTF8 := r.enc == encUTF8
	for n < recordLen && i < len(win) {
		c := win[i]
		if c == '\n' || c == '\r' {
			break
		}
		if c >= utf8.RuneSelf && r.enc == encUndecided {
			r.enc = decideEncoding(win[i:], atEOF)
			if r.enc == encUTF8 {
				isUTF8 = true
				for k := 0; k < n; k++ { // everything before was ASCII
					r.offs[k] = int32(k)
				}
			}
		}
		if !isUTF8 {
			i++
			n++
			continue
		}
		r.offs[n] = int32(i)
		size := 1
		if c >= utf8.RuneSelf {
			var ru rune
			ru, size = utf8.DecodeRune(win[i:])
			if ru == utf8.RuneError && size <= 1 {
				pos := fmt.Sprintf("line %d, column %d", r.line, (r.block-1)*recordLen+n+1)
				msg := fmt.Sprintf("byte 0x%02X is not UTF-8, but the file's first non-ASCII text was UTF-8", c)
				if !r.lenient {
					return 0, 0, newError(pos, ErrEncoding, "%s", msg)
				}
				r.warn(pos, msg+"; read as Windows-1252")
				size = 1
			}
		}
		i += size
		n++
	}
	return n, i, nil
}

// lookahead counts the characters of b up to 120, a line break or the end
// of the file. ended reports that the line ends (break or end of file)
// within fewer than 120 characters; k and j are then the characters and
// bytes before the break, t the break's length.
func (r *reader) lookahead(b []byte, atEOF bool) (k, j, t int, ended bool) {
	if r.enc != encUTF8 {
		chunk := b[:min(len(b), recordLen)]
		if k := indexLineBreak(chunk); k >= 0 {
			return k, k, terminatorLen(chunk[k:]), true
		}
		return len(chunk), len(chunk), 0, len(chunk) < recordLen && atEOF
	}
	for k < recordLen && j < len(b) {
		c := b[j]
		if c == '\n' || c == '\r' {
			return k, j, terminatorLen(b[j:]), true
		}
		size := 1
		if r.enc == encUTF8 && c >= utf8.RuneSelf {
			_, size = utf8.DecodeRune(b[j:])
		}
		j += size
		k++
	}
	return k, j, 0, k < recordLen && atEOF
}

// cut makes a record of the 120 characters in b.
func (r *reader) cut(b []byte) *record {
	r.rec = record{b: b, utf8: r.enc == encUTF8, line: r.line, block: r.block}
	if len(b) != recordLen {
		r.offs[recordLen] = int32(len(b))
		r.rec.offs = r.offs
	}
	return &r.rec
}

// padded makes a record of the n characters in b followed by blanks.
func (r *reader) padded(b []byte, n int) *record {
	multi := len(b) != n
	r.pad = append(r.pad[:0], b...)
	for k := n; k < recordLen; k++ {
		if multi {
			r.offs[k] = int32(len(r.pad))
		}
		r.pad = append(r.pad, ' ')
	}
	rec := r.cut(r.pad)
	if multi {
		r.offs[recordLen] = int32(len(r.pad))
		rec.offs = r.offs
	}
	return rec
}

// indexLineBreak returns the index of the first CR or LF in b, or -1.
func indexLineBreak(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i >= 0 {
		b = b[:i]
	}
	if j := bytes.IndexByte(b, '\r'); j >= 0 {
		return j
	}
	return i
}

// terminatorLen returns the length of the line break at the start of b:
// 2 for CRLF, 1 for LF or CR, 0 for none.
func terminatorLen(b []byte) int {
	switch {
	case len(b) == 0:
		return 0
	case b[0] == '\n':
		return 1
	case b[0] == '\r':
		if len(b) > 1 && b[1] == '\n' {
			return 2
		}
		return 1
	}
	return 0
}

// decideEncoding tells the file's encoding from the rest of the line that
// starts at its first non-ASCII byte: UTF-8 when that text is valid UTF-8,
// Windows-1252 otherwise.
func decideEncoding(b []byte, atEOF bool) textEncoding {
	for j := 0; j < len(b); {
		c := b[j]
		if c == '\n' || c == '\r' {
			break
		}
		if c < utf8.RuneSelf {
			j++
			continue
		}
		if !atEOF && !utf8.FullRune(b[j:]) {
			break // cut by the look-ahead window: judge on what was seen
		}
		ru, size := utf8.DecodeRune(b[j:])
		if ru == utf8.RuneError && size <= 1 {
			return encWindows1252
		}
		j += size
	}
	return encUTF8
}
