package camt053

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic; when it
// accepts a file, encoding/xml must find the file well-formed too, reading
// it byte by byte must give the same result, and what it delivers must be
// consistent (positive amounts, known directions, at least one transaction
// per entry, totals that are the sum of the entries).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*.xml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(smallDoc))
	f.Add(prefixed([]byte(smallDoc)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<17 {
			return
		}
		var c statement.Collector
		err := Parse(context.Background(), bytes.NewReader(data), &c)
		var c2 statement.Collector
		err2 := Parse(context.Background(), iotest.OneByteReader(bytes.NewReader(data)), &c2)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("whole read: %v\nbyte by byte: %v", err, err2)
		}
		if err != nil {
			var pe *statement.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *statement.ParseError", err)
			}
			return
		}
		if string(goldenJSON(t, &c)) != string(goldenJSON(t, &c2)) {
			t.Fatal("whole read and byte-by-byte read disagree")
		}
		if err := wellFormed(data); err != nil {
			t.Fatalf("Parse accepted a document encoding/xml rejects: %v", err)
		}
		for _, s := range c.Statements {
			var want ledger.Totals
			for _, e := range s.Entries {
				if e.Amount.Minor < 0 || (e.Direction != ledger.Credit && e.Direction != ledger.Debit) || len(e.Transactions) == 0 {
					t.Fatalf("bad entry %+v", e)
				}
				want.Add(e)
			}
			if want != s.Statement.Totals {
				t.Fatalf("totals %+v, entries add up to %+v", s.Statement.Totals, want)
			}
		}
	})
}

// wellFormed reads data with encoding/xml in strict mode.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = CharsetReader
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
