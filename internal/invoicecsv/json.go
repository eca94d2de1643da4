package invoicecsv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// ParseJSON reads invoices as a JSON array of objects whose keys are the
// CSV's column names. Values are strings; amounts may also be JSON numbers
// (read from their text, exactly) and customer_iban an array of strings.
// Validation is the CSV's; problems name the record's position.
func ParseJSON(r io.Reader) ([]ledger.Invoice, []ledger.Customer, error) {
	return parseJSON(r, nil)
}

// ScanJSON reads a JSON array of invoices as ParseJSON does, handing each
// invoice to fn as Scan does.
func ScanJSON(r io.Reader, fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
	_, cs, err := parseJSON(r, fn)
	return cs, err
}

// parseJSON is ParseJSON, or a scan (see Scan) when sink is not nil.
func parseJSON(r io.Reader, sink func(*ledger.Invoice) error) ([]ledger.Invoice, []ledger.Customer, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if head, err := br.Peek(3); err == nil && bytes.Equal(head, bom) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, &Error{Problems: []*FieldError{{Record: 0, Err: fmt.Errorf("not a JSON array: %v", err)}}}
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, nil, &Error{Problems: []*FieldError{{Record: 0, Err: errors.New("not a JSON array of invoices")}}}
	}
	b := newBuilder(0, sink)
	b.json = true
	n := 0
	for dec.More() {
		n++
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			b.errs.add(&FieldError{Record: n, Err: fmt.Errorf("not a JSON object: %v", err)})
			return b.result() // the decoder cannot resynchronise
		}
		lower := make(map[string]json.RawMessage, len(obj))
		for k, raw := range obj {
			lower[strings.ToLower(strings.TrimSpace(k))] = raw
		}
		vals := make(map[string]string, len(known))
		bad := false
		for _, name := range known { // in column order: problems come out in a stable order
			raw, ok := lower[name]
			if !ok {
				continue
			}
			v, err := jsonValue(name, raw)
			if err != nil {
				b.errs.add(&FieldError{Record: n, Column: name, Err: err})
				bad = true
				continue
			}
			vals[name] = v
		}
		for _, c := range required {
			if _, ok := lower[c]; !ok {
				b.errs.add(&FieldError{Record: n, Column: c, Err: fmt.Errorf("required field %q is missing", c)})
				bad = true
			}
		}
		if bad {
			continue
		}
		b.record(0, n, func(col string) (string, bool) {
			v, ok := vals[col]
			return strings.TrimSpace(v), ok
		})
		if b.sinkErr != nil {
			return nil, nil, b.sinkErr
		}
	}
	if _, err := dec.Token(); err != nil {
		b.errs.add(&FieldError{Record: n, Err: fmt.Errorf("unterminated JSON array: %v", err)})
	}
	return b.result()
}

// jsonValue reads one field: a string, a number (for amounts), an array of
// strings (for IBANs), or null (absent).
func jsonValue(name string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '[':
		if name != colCustomerIBAN {
			return "", fmt.Errorf("%s: want a string, got an array", name)
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", fmt.Errorf("%s: want an array of strings", name)
		}
		return strings.Join(list, ";"), nil
	case '{', 't', 'f':
		return "", fmt.Errorf("%s: want a string", name)
	}
	if name == colAmount || name == colOpenAmount {
		return string(raw), nil // a JSON number, parsed exactly from its text
	}
	return "", fmt.Errorf("%s: want a string, got a number", name)
}

// ParseAuto reads either format: JSON when the first non-blank character
// is '[', CSV otherwise.
func ParseAuto(r io.Reader) ([]ledger.Invoice, []ledger.Customer, error) {
	return parseAuto(r, nil)
}

// ScanAuto reads either format as ParseAuto does, handing each invoice to
// fn as Scan does.
func ScanAuto(r io.Reader, fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
	_, cs, err := parseAuto(r, fn)
	return cs, err
}

func parseAuto(r io.Reader, sink func(*ledger.Invoice) error) ([]ledger.Invoice, []ledger.Customer, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) > 0 && head[0] == '[' {
		return parseJSON(br, sink)
	}
	return parseCSV(br, fileSize(r), sink) // the row estimate needs r's size
}
