// Package detect recognises a bank statement file's format from its first
// bytes and streams it through the right parser: ISO 20022 camt.053 (any
// version the camt053 package accepts) or CFONB 120.
package detect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/camt053"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// Kind is the family of a statement file as recognised from its first bytes.
type Kind string

// Kinds Detect recognises.
const (
	KindXML      Kind = "xml"      // an XML document, parsed as ISO 20022 camt
	KindCFONB120 Kind = "cfonb120" // fixed 120-character records starting with 01
)

// sniffLen is how much of a file Sniff looks at.
const sniffLen = 512

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Sniff tells the kind of a statement from its first bytes. It accepts a
// UTF-8 byte order mark and leading blank lines.
func Sniff(head []byte) (Kind, error) {
	head = bytes.TrimPrefix(head, utf8BOM)
	head = bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) == 0:
		return "", errors.New("empty file")
	case head[0] == '<':
		return KindXML, nil
	case len(head) >= 2 && head[0] == '0' && head[1] == '1':
		return KindCFONB120, nil
	}
	return "", errors.New("unrecognised format: neither XML (ISO 20022 camt.053) nor CFONB 120 (whose first record is 01)")
}

// Parse reads one statement file from r, recognises its format and streams
// its statements into v. Errors are *statement.ParseError values naming the
// format and the position, or wrap statement.ErrUnsupported for recognised
// but unsupported messages (camt.052, camt.054, unknown versions).
func Parse(ctx context.Context, r io.Reader, v statement.Visitor) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("read statement: %w", err)
	}
	kind, err := Sniff(head)
	if err != nil {
		return &statement.ParseError{Pos: "byte 0", Err: err}
	}
	switch kind {
	case KindXML:
		return camt053.Parse(ctx, br, v)
	default:
		return cfonb120.Parse(ctx, br, v)
	}
}

// ParseFile opens path and parses it with Parse.
func ParseFile(ctx context.Context, path string, v statement.Visitor) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open statement: %w", err)
	}
	defer f.Close()
	return Parse(ctx, f, v)
}
