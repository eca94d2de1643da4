package invoicecsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/lettrage/lettrage/internal/ledger"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse reads an invoice CSV. It returns every invoice (paid ones, with an
// open amount of zero, included) and the customers they name, or an *Error
// listing every problem, or a read error.
func Parse(r io.Reader) ([]ledger.Invoice, []ledger.Customer, error) {
	return parseCSV(bufio.NewReaderSize(r, 256<<10), fileSize(r), nil)
}

// Scan reads an invoice CSV as Parse does but hands each invoice to fn as
// it is read instead of keeping them all (a million invoices are a
// gigabyte as values), and returns the customers. Once a problem is found
// fn is not called again; the file is refused at the end (an *Error) and
// whatever fn built must then be discarded — as when fn's own error, which
// stops the reading, is returned.
func Scan(r io.Reader, fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
	_, cs, err := parseCSV(bufio.NewReaderSize(r, 256<<10), fileSize(r), fn)
	return cs, err
}

// parseCSV is Parse, or Scan when sink is not nil, reading br, whose file
// has size bytes (-1 when unknown).
func parseCSV(br *bufio.Reader, size int64, sink func(*ledger.Invoice) error) ([]ledger.Invoice, []ledger.Customer, error) {
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, bom) {
		br.Discard(3)
	}
	rows := estimateRows(size, br)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, &Error{Problems: []*FieldError{{Line: 1, Err: errors.New("empty file: no header row")}}}
	}
	if err != nil {
		return nil, nil, &Error{Problems: []*FieldError{{Line: 1, Err: fmt.Errorf("header: %w", err)}}}
	}
	cols, ncols, herr := columns(header)
	if herr != nil {
		return nil, nil, herr
	}
	b := newBuilder(rows, sink)
	var rec []string
	get := func(col string) (string, bool) {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return "", ok
		}
		return strings.TrimSpace(rec[i]), true
	}
	n := 0
	for {
		rec, err = cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.errs.add(&FieldError{Line: pe.StartLine, Record: n, Err: pe.Err})
				continue
			}
			return nil, nil, fmt.Errorf("read invoices: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != ncols {
			b.errs.add(&FieldError{Line: line, Record: n, Err: fmt.Errorf("%d fields, the header has %d", len(rec), ncols)})
			continue
		}
		if !utf8Record(rec) {
			b.errs.add(&FieldError{Line: line, Record: n, Err: errors.New("not valid UTF-8")})
			continue
		}
		b.record(line, n, get)
		if b.sinkErr != nil {
			return nil, nil, b.sinkErr
		}
	}
	return b.result()
}

// columns maps the header's column names (trimmed, case-insensitive) to
// their positions and checks the required ones are there, once each.
func columns(header []string) (map[string]int, int, error) {
	cols := make(map[string]int, len(header))
	var errs Error
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			continue
		}
		if j, dup := cols[name]; dup && contains(known, name) {
			errs.add(&FieldError{Line: 1, Column: name, Err: fmt.Errorf("column %q appears twice (columns %d and %d)", name, j+1, i+1)})
			continue
		}
		cols[name] = i
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			errs.add(&FieldError{Line: 1, Column: c, Err: fmt.Errorf("required column %q is missing", c)})
		}
	}
	if !errs.empty() {
		return nil, 0, &errs
	}
	return cols, len(header), nil
}

// blank reports whether every field of rec is empty or spaces (a
// spreadsheet's empty row).
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func utf8Record(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

// estimateRows guesses how many records a file of size bytes holds, from
// the length of its first lines (peeked in br), so that millions of
// invoices are stored without the slice doubling (and copying) as it
// grows. It returns 0 when the size is unknown (-1).
func estimateRows(size int64, br *bufio.Reader) int {
	if size < 0 {
		return 0
	}
	head, _ := br.Peek(64 << 10)
	lines := bytes.Count(head, []byte{'\n'})
	if lines < 2 {
		return 0
	}
	est := size / int64(len(head)/lines)
	return int(min(est+est/20+16, 100_000_000))
}

// fileSize returns the size of the regular file r reads, or -1.
func fileSize(r io.Reader) int64 {
	f, ok := r.(*os.File)
	if !ok {
		return -1
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	return st.Size()
}
