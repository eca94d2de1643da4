package camt053

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/camt053/xmlscan"
)

// pos returns the XML path of the current element, with the indexes of
// statements, balances, entries and transaction details, and its line:
// "/Document/BkToCstmrStmt/Stmt[1]/Ntry[41]/Amt (line 812)".
func (d *decoder) pos() string {
	var b strings.Builder
	depth := d.sc.Depth()
	n := max(len(d.frames), depth)
	for i := 0; i < n; i++ {
		var name []byte
		switch {
		case i < depth:
			name = d.sc.Open(i)
		case i == depth:
			name = d.sc.Name() // the element whose end tag was just read
		default:
			continue
		}
		_, local := xmlscan.SplitName(name)
		b.WriteByte('/')
		b.Write(local)
		if i < len(d.frames) && d.frames[i].idx > 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(int(d.frames[i].idx)))
			b.WriteByte(']')
		}
	}
	if b.Len() == 0 {
		b.WriteString("/")
	}
	fmt.Fprintf(&b, " (line %d)", d.sc.Line())
	return b.String()
}

// fail wraps err with the current format and position.
func (d *decoder) fail(err error) error {
	return &statement.ParseError{Format: d.format, Pos: d.pos(), Err: err}
}

func (d *decoder) errorf(format string, args ...any) error {
	return d.fail(fmt.Errorf(format, args...))
}

// syntaxError reports a scanner error at the innermost open element.
func (d *decoder) syntaxError(err error) error {
	var se *xmlscan.SyntaxError
	if !errors.As(err, &se) {
		return &statement.ParseError{Format: d.format, Pos: d.openPath(), Err: fmt.Errorf("read: %w", err)}
	}
	pos := d.openPath() + " (line " + strconv.Itoa(se.Line) + ")"
	return &statement.ParseError{Format: d.format, Pos: pos, Err: fmt.Errorf("malformed XML: %s", se.Msg)}
}

// openPath is the path of the open elements (for errors between tokens).
func (d *decoder) openPath() string {
	var b strings.Builder
	for i := 0; i < d.sc.Depth() && i < len(d.frames); i++ {
		_, local := xmlscan.SplitName(d.sc.Open(i))
		b.WriteByte('/')
		b.Write(local)
		if idx := d.frames[i].idx; idx > 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(int(idx)))
			b.WriteByte(']')
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}
