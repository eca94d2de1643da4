package camt053

import (
	"bytes"
	"testing"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
)

// TestRenderRoundTrip renders domain values with fixtures/render in the
// shape of each version, parses them back and requires the same values.
func TestRenderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"001.02", "001.04", "001.06", "001.08", "001.10", "001.13"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s, entries := sampleStatement(t, 70)
			var buf bytes.Buffer
			if err := render.WriteCAMT053(&buf, version, s, entries); err != nil {
				t.Fatal(err)
			}
			c := mustParse(t, buf.Bytes())
			if len(c.Statements) != 1 {
				t.Fatalf("%d statements", len(c.Statements))
			}
			got := c.Statements[0]
			if string(got.Statement.Format) != "camt.053."+version {
				t.Errorf("format %s", got.Statement.Format)
			}
			if !got.Statement.CreatedAt.Equal(s.CreatedAt) {
				t.Errorf("created %v, want %v", got.Statement.CreatedAt, s.CreatedAt)
			}
			header := func(st *ledger.Statement) ledger.Statement {
				h := *st
				h.Format, h.CreatedAt, h.Totals, h.Warnings = "", h.CreatedAt.UTC(), ledger.Totals{}, nil
				return h
			}
			equal(t, header(got.Statement), header(s))
			if chk := got.Statement.Check(); !chk.Balanced || len(got.Statement.Warnings) != 0 {
				t.Errorf("check %+v warnings %q", chk, got.Statement.Warnings)
			}
			if len(got.Entries) != len(entries) {
				t.Fatalf("%d entries, want %d", len(got.Entries), len(entries))
			}
			for i, want := range entries {
				if version < "001.08" { // no UETR before 001.08
					w := *want
					w.Transactions = append([]ledger.Transaction(nil), want.Transactions...)
					for j := range w.Transactions {
						w.Transactions[j].UETR = ""
					}
					want = &w
				}
				equal(t, got.Entries[i], want)
			}
		})
	}
}
