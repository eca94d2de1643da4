// Package xmlscan is a streaming, non-allocating XML tokenizer for the subset
// of XML that bank statement files use: elements, attributes, namespace
// prefixes, character data with the five predefined entities and numeric
// character references, CDATA sections, comments, processing instructions and
// the XML declaration (with its encoding). Document type declarations are
// refused, so no entity is ever expanded.
//
// It exists because encoding/xml allocates for every token and its tokenizer
// alone reads well under 100 MB/s; Scanner hands out slices of its own
// buffer and runs several times faster (see bench/RESULTS.md). It checks well-formedness as it goes (matching end tags, one root
// element, legal characters and UTF-8, entity syntax, attribute syntax) and
// is deliberately stricter than encoding/xml, never looser: whatever it
// accepts, encoding/xml accepts with the same elements, attributes and text
// (the differential tests and the fuzz target check exactly that). The
// documented differences, where Scanner refuses what encoding/xml lets
// through, are: DOCTYPE and other directives, non-ASCII element and attribute
// names, a missing space between attributes, text or elements outside the
// root element, an XML declaration after any markup (white space may precede
// it), surrogate code points in character references, element nesting
// deeper than MaxDepth and tokens longer than Options.MaxToken. A UTF-8 byte
// order mark at the start is skipped.
package xmlscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of token Next returned.
type Kind uint8

// Token kinds. Comments, processing instructions and the XML declaration are
// checked and skipped; CDATA sections are returned as CharData.
const (
	None Kind = iota
	StartElement
	EndElement
	CharData
)

// Limits that keep a hostile file from taking memory without bound.
const (
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 256
	// DefaultMaxToken is the longest single token (a start tag, or a run of
	// character data between two tags) accepted by default.
	DefaultMaxToken = 16 << 20
)

const initialBufSize = 64 << 10

// Attr is one attribute of a start element. Name is the qualified name as
// written ("xmlns:ns2", "Ccy"); Value has entities decoded.
type Attr struct {
	Name  []byte
	Value []byte
}

// SyntaxError is a well-formedness error at a line of the input.
type SyntaxError struct {
	Line int
	Msg  string
}

// Error formats the error as "line N: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// CharsetReader returns a reader that converts input from the named charset
// into UTF-8, as encoding/xml's Decoder.CharsetReader does.
type CharsetReader func(charset string, input io.Reader) (io.Reader, error)

// Options tune a Scanner; the zero value is usable.
type Options struct {
	// CharsetReader is called when the XML declaration names an encoding
	// other than UTF-8; without it such a document is refused.
	CharsetReader CharsetReader
	// MaxToken bounds the size of one token (DefaultMaxToken when zero).
	MaxToken int
}

// Scanner reads XML tokens from a stream. Slices it returns (names, attribute
// values, text) point into its buffer and stay valid only until the next call
// to Next.
type Scanner struct {
	src      io.Reader
	charset  CharsetReader
	maxToken int

	buf      []byte
	r, w     int // unread input is buf[r:w]
	eof      bool
	lineBase int // newlines in the input discarded before buf[0]
	// pastProlog is set by the first token other than white space: an XML
	// declaration may come only before it.
	pastProlog bool
	tokStart   int // offset in buf of the current token
	started    bool
	rootSeen   bool
	rootDone   bool

	// Open elements: their qualified names, concatenated.
	stack []byte
	ends  []int

	kind       Kind
	name       []byte
	attrs      []Attr
	attrSpans  []attrSpan
	text       []byte
	scratch    []byte
	pendingEnd bool

	err error
}

type attrSpan struct {
	nameStart, nameEnd int
	valStart, valEnd   int
	valInScratch       bool
}

// New returns a Scanner reading from r.
func New(r io.Reader, opt Options) *Scanner {
	max := opt.MaxToken
	if max <= 0 {
		max = DefaultMaxToken
	}
	return &Scanner{
		src:      r,
		charset:  opt.CharsetReader,
		maxToken: max,
		buf:      make([]byte, initialBufSize),
	}
}

// errShort means the buffered input ends inside the token being read.
var errShort = errors.New("short buffer")

// tokenError is a syntax error at an offset within the token being read.
type tokenError struct {
	off int
	msg string
}

func (e *tokenError) Error() string { return e.msg }

func tokErr(off int, msg string) error {
	return &tokenError{off: off, msg: msg}
}

// token kinds internal to the reader.
const (
	kSkip Kind = 100 + iota // comment or processing instruction
	kDecl                   // XML declaration
)

// Next reads the next token. It returns io.EOF once the root element is
// closed and only white space, comments and processing instructions follow;
// any other problem is a *SyntaxError (or the underlying reader's error).
func (s *Scanner) Next() (Kind, error) {
	if s.err != nil {
		return None, s.err
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.kind = EndElement
		s.pop()
		return EndElement, nil
	}
	for {
		if !s.started {
			if err := s.start(); err != nil {
				return None, s.fail(err)
			}
		}
		if s.r == s.w {
			if s.eof {
				return None, s.fail(s.endOfInput())
			}
			if err := s.fill(); err != nil {
				return None, s.fail(err)
			}
			continue
		}
		kind, n, decl, err := s.token(s.buf[s.r:s.w])
		if err == errShort {
			if s.eof {
				return None, s.fail(s.syntaxAt(s.w, s.unexpectedEOF()))
			}
			if s.w-s.r >= s.maxToken {
				return None, s.fail(s.syntaxAt(s.r, fmt.Sprintf("token longer than %d bytes", s.maxToken)))
			}
			if err := s.fill(); err != nil {
				return None, s.fail(err)
			}
			continue
		}
		if err != nil {
			var te *tokenError
			if errors.As(err, &te) {
				return None, s.fail(s.syntaxAt(s.r+te.off, te.msg))
			}
			return None, s.fail(err)
		}
		s.tokStart = s.r
		s.r += n
		if kind != CharData || !isSpace(s.text) {
			s.pastProlog = true
		}
		switch kind {
		case kSkip:
			continue
		case kDecl:
			if err := s.switchCharset(decl); err != nil {
				return None, s.fail(err)
			}
			continue
		case StartElement:
			if s.rootDone {
				return None, s.fail(s.syntaxAt(s.tokStart, "element <"+string(s.name)+"> after the end of the root element"))
			}
			s.rootSeen = true
			if len(s.ends) >= MaxDepth {
				return None, s.fail(s.syntaxAt(s.tokStart, fmt.Sprintf("elements nested deeper than %d", MaxDepth)))
			}
			s.stack = append(s.stack, s.name...)
			s.ends = append(s.ends, len(s.stack))
		case EndElement:
			if len(s.ends) == 0 {
				return None, s.fail(s.syntaxAt(s.tokStart, "unexpected end tag </"+string(s.name)+">"))
			}
			if top := s.top(); !bytes.Equal(top, s.name) {
				return None, s.fail(s.syntaxAt(s.tokStart, "element <"+string(top)+"> closed by </"+string(s.name)+">"))
			}
			s.pop()
		case CharData:
			if len(s.ends) == 0 {
				if !isSpace(s.text) {
					where := "before"
					if s.rootDone {
						where = "after"
					}
					return None, s.fail(s.syntaxAt(s.tokStart, "text "+where+" the root element"))
				}
				continue
			}
		}
		s.kind = kind
		return kind, nil
	}
}

func (s *Scanner) fail(err error) error {
	s.err = err
	return err
}

func (s *Scanner) unexpectedEOF() string {
	if len(s.ends) > 0 {
		return "unexpected end of file inside <" + string(s.top()) + ">"
	}
	return "unexpected end of file"
}

func (s *Scanner) endOfInput() error {
	switch {
	case len(s.ends) > 0:
		return s.syntaxAt(s.w, s.unexpectedEOF())
	case !s.rootSeen:
		return s.syntaxAt(s.w, "no root element")
	}
	return io.EOF
}

func (s *Scanner) top() []byte {
	n := len(s.ends)
	start := 0
	if n > 1 {
		start = s.ends[n-2]
	}
	return s.stack[start:s.ends[n-1]]
}

func (s *Scanner) pop() {
	s.ends = s.ends[:len(s.ends)-1]
	if n := len(s.ends); n > 0 {
		s.stack = s.stack[:s.ends[n-1]]
	} else {
		s.stack = s.stack[:0]
		s.rootDone = true
	}
}

// start reads enough input to skip a UTF-8 byte order mark and refuse
// UTF-16 and UTF-32, whose first bytes are not ASCII.
func (s *Scanner) start() error {
	for s.w-s.r < 4 && !s.eof {
		if err := s.fill(); err != nil {
			return err
		}
	}
	b := s.buf[s.r:s.w]
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		s.r += 3
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0xFF, 0xFE}),
		bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0, '<'}), bytes.HasPrefix(b, []byte{'<', 0}):
		return s.syntaxAt(s.r, "UTF-16 and UTF-32 documents are not supported")
	}
	s.started = true
	return nil
}

// fill compacts the buffer and reads more input, growing the buffer when a
// token fills it.
func (s *Scanner) fill() error {
	if s.r > 0 {
		s.lineBase += bytes.Count(s.buf[:s.r], newline)
		n := copy(s.buf, s.buf[s.r:s.w])
		s.w = n
		s.tokStart -= s.r
		s.r = 0
	}
	if s.w == len(s.buf) {
		size := 2 * len(s.buf)
		if size > s.maxToken+initialBufSize {
			size = s.maxToken + initialBufSize
		}
		if size <= len(s.buf) {
			return s.syntaxAt(s.r, fmt.Sprintf("token longer than %d bytes", s.maxToken))
		}
		nb := make([]byte, size)
		copy(nb, s.buf[:s.w])
		s.buf = nb
	}
	// Fill the buffer completely (or reach the end), so that a token cut
	// by a short read is parsed again at most once per doubling of the
	// buffer: linear time even for a reader that returns one byte a call.
	empty := 0
	for s.w < len(s.buf) {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if empty++; empty >= 100 {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

var newline = []byte{'\n'}

// Line returns the 1-based line on which the current token starts.
func (s *Scanner) Line() int { return s.lineAt(s.tokStart) }

func (s *Scanner) lineAt(off int) int {
	if off > s.w {
		off = s.w
	}
	if off < 0 {
		off = 0
	}
	return s.lineBase + bytes.Count(s.buf[:off], newline) + 1
}

func (s *Scanner) syntaxAt(off int, msg string) error {
	return &SyntaxError{Line: s.lineAt(off), Msg: msg}
}

// Name returns the qualified name of the current start or end element.
func (s *Scanner) Name() []byte { return s.name }

// Local returns the local part of the current element's name (after the
// prefix and its colon).
func (s *Scanner) Local() []byte { _, l := split(s.name); return l }

// Prefix returns the namespace prefix of the current element's name, or nil.
func (s *Scanner) Prefix() []byte { p, _ := split(s.name); return p }

// Attrs returns the attributes of the current start element.
func (s *Scanner) Attrs() []Attr { return s.attrs }

// Text returns the current character data, with entities decoded and line
// ends normalised to "\n".
func (s *Scanner) Text() []byte { return s.text }

// Depth returns the number of open elements: 1 after the root's start tag.
func (s *Scanner) Depth() int { return len(s.ends) }

// Open returns the qualified name of the i-th open element (0 is the root).
func (s *Scanner) Open(i int) []byte {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.stack[start:s.ends[i]]
}

// split divides a qualified name at its colon, as encoding/xml does: a name
// with an empty prefix or local part has no prefix.
func split(name []byte) (prefix, local []byte) {
	i := bytes.IndexByte(name, ':')
	if i <= 0 || i == len(name)-1 {
		return nil, name
	}
	return name[:i], name[i+1:]
}

// SplitName divides a qualified name into prefix and local part.
func SplitName(name []byte) (prefix, local []byte) { return split(name) }

// token reads one token from the start of b. It returns errShort when b
// ends inside the token.
func (s *Scanner) token(b []byte) (kind Kind, n int, decl []byte, err error) {
	if b[0] != '<' {
		n, err = s.charData(b)
		return CharData, n, nil, err
	}
	if len(b) < 2 {
		return None, 0, nil, errShort
	}
	switch b[1] {
	case '/':
		n, err = s.endTag(b)
		return EndElement, n, nil, err
	case '?':
		return s.procInst(b)
	case '!':
		return s.bang(b)
	}
	n, err = s.startTag(b)
	return StartElement, n, nil, err
}

// charData reads text up to the next '<'.
func (s *Scanner) charData(b []byte) (int, error) {
	i := 0
	simple := true
	for {
		for i < len(b) && plainText[b[i]] {
			i++
		}
		if i == len(b) {
			if !s.eof {
				return 0, errShort
			}
			break
		}
		c := b[i]
		if c == '<' {
			break
		}
		n, plain, err := s.special(b, i, 0)
		if err != nil {
			return 0, err
		}
		if !plain {
			simple = false
		}
		i += n
	}
	if simple {
		s.text = b[:i]
		return i, nil
	}
	s.scratch = decode(s.scratch[:0], b[:i])
	s.text = s.scratch
	return i, nil
}

// special checks the character at b[i], which plainText does not cover, and
// returns its length. plain is false for an entity or a carriage return,
// which need decoding. quote is the attribute value's quote, or 0 in text.
func (s *Scanner) special(b []byte, i int, quote byte) (n int, plain bool, err error) {
	c := b[i]
	switch {
	case c == '&':
		n, _, err := entity(b, i, s.eof)
		return n, false, err
	case c == '\r':
		return 1, false, nil
	case c == ']':
		if quote != 0 {
			return 1, true, nil
		}
		if len(b)-i < 3 {
			if !s.eof && bytes.HasPrefix([]byte("]]>"), b[i:]) {
				return 0, false, errShort
			}
			return 1, true, nil
		}
		if b[i+1] == ']' && b[i+2] == '>' {
			return 0, false, tokErr(i, "unescaped ]]> in text")
		}
		return 1, true, nil
	case c == '<':
		return 0, false, tokErr(i, "unescaped < in attribute value")
	case c == '"' || c == '\'':
		return 1, true, nil
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !s.eof && !utf8.FullRune(b[i:]) {
				return 0, false, errShort
			}
			return 0, false, tokErr(i, "invalid UTF-8")
		}
		if !isChar(r) {
			return 0, false, tokErr(i, fmt.Sprintf("illegal character code %U", r))
		}
		return size, true, nil
	}
	return 0, false, tokErr(i, fmt.Sprintf("illegal character code %U", rune(c)))
}

// entity checks the reference starting with '&' at b[i] and returns its
// length and the character it stands for.
func entity(b []byte, i int, eof bool) (n int, r rune, err error) {
	j := i + 1
	const maxRef = 12 // "&#x0010FFFF;" is the longest reference worth reading
	for j < len(b) && b[j] != ';' && j-i <= maxRef {
		j++
	}
	if j == len(b) {
		if !eof {
			return 0, 0, errShort
		}
		return 0, 0, tokErr(i, "invalid character entity (no semicolon)")
	}
	if b[j] != ';' {
		return 0, 0, tokErr(i, "invalid character entity "+string(b[i:j])+" (no semicolon)")
	}
	ref := b[i+1 : j]
	switch string(ref) {
	case "lt":
		return j + 1 - i, '<', nil
	case "gt":
		return j + 1 - i, '>', nil
	case "amp":
		return j + 1 - i, '&', nil
	case "apos":
		return j + 1 - i, '\'', nil
	case "quot":
		return j + 1 - i, '"', nil
	}
	if len(ref) >= 2 && ref[0] == '#' {
		digits, base := ref[1:], rune(10)
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		if len(digits) == 0 || len(digits) > 8 {
			return 0, 0, tokErr(i, "invalid character entity &"+string(ref)+";")
		}
		var v rune
		for _, d := range digits {
			var x rune
			switch {
			case d >= '0' && d <= '9':
				x = rune(d - '0')
			case base == 16 && d >= 'a' && d <= 'f':
				x = rune(d-'a') + 10
			case base == 16 && d >= 'A' && d <= 'F':
				x = rune(d-'A') + 10
			default:
				return 0, 0, tokErr(i, "invalid character entity &"+string(ref)+";")
			}
			v = v*base + x
		}
		if !isChar(v) || v > utf8.MaxRune {
			return 0, 0, tokErr(i, fmt.Sprintf("illegal character code %U", v))
		}
		return j + 1 - i, v, nil
	}
	return 0, 0, tokErr(i, "invalid character entity &"+string(ref)+";")
}

// decode appends text with its entities replaced and "\r\n" and "\r"
// turned into "\n". The text has already been checked.
func decode(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		switch c {
		case '&':
			n, r, _ := entity(b, i, true)
			dst = utf8.AppendRune(dst, r)
			i += n
		case '\r':
			dst = append(dst, '\n')
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// startTag reads "<name attr='value' ...>" or its empty-element form.
func (s *Scanner) startTag(b []byte) (int, error) {
	i := 1
	n, err := name(b, i)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, tokErr(i, "expected element name after <")
	}
	s.name = b[i : i+n]
	i += n
	s.attrSpans = s.attrSpans[:0]
	s.scratch = s.scratch[:0]
	empty := false
	for {
		sp := i
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errShort
		}
		if b[i] == '>' {
			i++
			break
		}
		if b[i] == '/' {
			if i+1 == len(b) {
				return 0, errShort
			}
			if b[i+1] != '>' {
				return 0, tokErr(i, "expected /> in element")
			}
			i += 2
			empty = true
			break
		}
		if i == sp {
			return 0, tokErr(i, "expected white space before attribute in <"+string(s.name)+">")
		}
		an, err := name(b, i)
		if err != nil {
			return 0, err
		}
		if an == 0 {
			return 0, tokErr(i, "expected attribute name in element <"+string(s.name)+">")
		}
		span := attrSpan{nameStart: i, nameEnd: i + an}
		i += an
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errShort
		}
		if b[i] != '=' {
			return 0, tokErr(i, "attribute name without = in element <"+string(s.name)+">")
		}
		i++
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errShort
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, tokErr(i, "unquoted or missing attribute value in element <"+string(s.name)+">")
		}
		i++
		start := i
		simple := true
		for {
			for i < len(b) && plainAttr[b[i]] {
				i++
			}
			if i == len(b) {
				return 0, errShort
			}
			if b[i] == q {
				break
			}
			n, plain, err := s.special(b, i, q)
			if err != nil {
				return 0, err
			}
			if !plain {
				simple = false
			}
			i += n
		}
		if simple {
			span.valStart, span.valEnd = start, i
		} else {
			span.valInScratch = true
			span.valStart = len(s.scratch)
			s.scratch = decode(s.scratch, b[start:i])
			span.valEnd = len(s.scratch)
		}
		i++ // closing quote
		s.attrSpans = append(s.attrSpans, span)
	}
	s.attrs = s.attrs[:0]
	for _, sp := range s.attrSpans {
		a := Attr{Name: b[sp.nameStart:sp.nameEnd]}
		if sp.valInScratch {
			a.Value = s.scratch[sp.valStart:sp.valEnd]
		} else {
			a.Value = b[sp.valStart:sp.valEnd]
		}
		s.attrs = append(s.attrs, a)
	}
	s.pendingEnd = empty
	return i, nil
}

// endTag reads "</name>".
func (s *Scanner) endTag(b []byte) (int, error) {
	i := 2
	n, err := name(b, i)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, tokErr(i, "expected element name after </")
	}
	s.name = b[i : i+n]
	i += n
	for i < len(b) && isSpaceByte(b[i]) {
		i++
	}
	if i == len(b) {
		return 0, errShort
	}
	if b[i] != '>' {
		return 0, tokErr(i, "invalid characters between </"+string(s.name)+" and >")
	}
	return i + 1, nil
}

// name reads an XML name of ASCII characters at b[i] and returns its length
// (0 when b[i] cannot start a name).
func name(b []byte, i int) (int, error) {
	if i == len(b) {
		return 0, errShort
	}
	if !nameStart[b[i]] {
		if b[i] >= utf8.RuneSelf {
			return 0, tokErr(i, "non-ASCII names are not supported")
		}
		return 0, nil
	}
	j := i + 1
	colons := 0
	if b[i] == ':' {
		colons++
	}
	for j < len(b) && nameChar[b[j]] {
		if b[j] == ':' {
			colons++
		}
		j++
	}
	if j == len(b) {
		return 0, errShort
	}
	if b[j] >= utf8.RuneSelf {
		return 0, tokErr(j, "non-ASCII names are not supported")
	}
	if colons > 1 {
		return 0, tokErr(i, "invalid XML name: "+string(b[i:j]))
	}
	return j - i, nil
}

// procInst reads "<?target ...?>"; the XML declaration is returned as kDecl
// with its content.
func (s *Scanner) procInst(b []byte) (Kind, int, []byte, error) {
	i := 2
	n, err := name(b, i)
	if err != nil {
		return None, 0, nil, err
	}
	if n == 0 {
		return None, 0, nil, tokErr(i, "expected target name after <?")
	}
	target := b[i : i+n]
	i += n
	end := bytes.Index(b[i:], []byte("?>"))
	if end < 0 {
		return None, 0, nil, errShort
	}
	content := b[i : i+end]
	total := i + end + 2
	if len(content) > 0 && !isSpaceByte(content[0]) {
		return None, 0, nil, tokErr(i, "expected white space after <?"+string(target))
	}
	if err := checkChars(content, i); err != nil {
		return None, 0, nil, err
	}
	if string(target) != "xml" {
		return kSkip, total, nil, nil
	}
	if s.pastProlog {
		return None, 0, nil, tokErr(0, "XML declaration not at the start of the document")
	}
	return kDecl, total, content, nil
}

// checkChars checks that b holds only legal XML characters in valid UTF-8.
func checkChars(b []byte, off int) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return tokErr(off+i, fmt.Sprintf("illegal character code %U", rune(c)))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return tokErr(off+i, "invalid UTF-8")
		}
		if !isChar(r) {
			return tokErr(off+i, fmt.Sprintf("illegal character code %U", r))
		}
		i += size
	}
	return nil
}

// bang reads a comment or a CDATA section; DOCTYPE and other directives are
// refused.
func (s *Scanner) bang(b []byte) (Kind, int, []byte, error) {
	if len(b) < 4 {
		if !s.eof && (bytes.HasPrefix([]byte("<!--"), b) || bytes.HasPrefix([]byte("<![CDATA["), b)) {
			return None, 0, nil, errShort
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		end := bytes.Index(b[4:], []byte("--"))
		if end < 0 {
			return None, 0, nil, errShort
		}
		end += 4
		if end+2 >= len(b) {
			return None, 0, nil, errShort
		}
		if b[end+2] != '>' {
			return None, 0, nil, tokErr(end, `invalid sequence "--" not allowed in comments`)
		}
		return kSkip, end + 3, nil, nil
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		end := bytes.Index(b[9:], []byte("]]>"))
		if end < 0 {
			return None, 0, nil, errShort
		}
		content := b[9 : 9+end]
		if err := checkChars(content, 9); err != nil {
			return None, 0, nil, err
		}
		if bytes.IndexByte(content, '\r') >= 0 {
			s.scratch = decodeCR(s.scratch[:0], content)
			s.text = s.scratch
		} else {
			s.text = content
		}
		return CharData, 9 + end + 3, nil, nil
	case len(b) < 9 && !s.eof && bytes.HasPrefix([]byte("<![CDATA["), b):
		return None, 0, nil, errShort
	}
	if bytes.HasPrefix(b, []byte("<!DOCTYPE")) {
		return None, 0, nil, tokErr(0, "DOCTYPE declarations are not supported")
	}
	if len(b) < 9 && !s.eof {
		return None, 0, nil, errShort
	}
	return None, 0, nil, tokErr(0, "directives (<!...>) are not supported")
}

// decodeCR appends b with "\r\n" and "\r" turned into "\n".
func decodeCR(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' {
			dst = append(dst, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		dst = append(dst, b[i])
	}
	return dst
}

// switchCharset reads the XML declaration and, when it names an encoding
// other than UTF-8, decodes the rest of the input through CharsetReader.
func (s *Scanner) switchCharset(decl []byte) error {
	version, encoding, err := parseDecl(decl)
	if err != nil {
		return s.syntaxAt(s.tokStart, err.Error())
	}
	if version != "" && version != "1.0" {
		return s.syntaxAt(s.tokStart, fmt.Sprintf("unsupported XML version %q; only version 1.0 is supported", version))
	}
	if encoding == "" || strings.EqualFold(encoding, "utf-8") {
		return nil
	}
	if s.charset == nil {
		return s.syntaxAt(s.tokStart, fmt.Sprintf("encoding %q declared but no charset reader is set", encoding))
	}
	rest := append([]byte(nil), s.buf[s.r:s.w]...)
	src := io.Reader(bytes.NewReader(rest))
	if !s.eof {
		src = io.MultiReader(src, s.src)
	}
	nr, err := s.charset(encoding, src)
	if err != nil {
		return s.syntaxAt(s.tokStart, fmt.Sprintf("encoding %q: %v", encoding, err))
	}
	s.src = nr
	s.w = s.r
	s.eof = false
	return nil
}

// parseDecl reads the pseudo-attributes of an XML declaration.
func parseDecl(b []byte) (version, encoding string, err error) {
	i := 0
	for {
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if i == len(b) {
			return version, encoding, nil
		}
		j := i
		for j < len(b) && b[j] >= 'a' && b[j] <= 'z' {
			j++
		}
		key := string(b[i:j])
		i = j
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if key == "" || i == len(b) || b[i] != '=' {
			return "", "", errors.New("malformed XML declaration")
		}
		i++
		for i < len(b) && isSpaceByte(b[i]) {
			i++
		}
		if i == len(b) || (b[i] != '"' && b[i] != '\'') {
			return "", "", errors.New("malformed XML declaration")
		}
		q := b[i]
		i++
		end := bytes.IndexByte(b[i:], q)
		if end < 0 {
			return "", "", errors.New("malformed XML declaration")
		}
		val := string(b[i : i+end])
		i += end + 1
		switch key {
		case "version":
			version = val
		case "encoding":
			encoding = val
		}
	}
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isSpace(b []byte) bool {
	for _, c := range b {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

// isChar reports whether r is in the XML Char production.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// Byte classes for the hot loops.
var (
	plainText = byteClass(func(c byte) bool {
		return c == '\t' || c == '\n' || (c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != ']')
	})
	plainAttr = byteClass(func(c byte) bool {
		return c == '\t' || c == '\n' || (c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != '"' && c != '\'')
	})
	nameStart = byteClass(func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == ':'
	})
	nameChar = byteClass(func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-'
	})
)

func byteClass(f func(byte) bool) *[256]bool {
	var t [256]bool
	for i := range t {
		t[i] = f(byte(i))
	}
	return &t
}
