package cfonb120_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// benchEntries is the size of the generated benchmark file.
const benchEntries = 100_000

// benchFile is generated once: benchEntries movements over 100 daily
// statements, each movement with three 05 records (payer, remittance,
// end-to-end reference), LF line breaks.
var benchFile = sync.OnceValue(func() []byte {
	a := acct{"30004", "00825", "EUR", "2", "00051234567"}
	const perDay = benchEntries / 100
	var b strings.Builder
	b.Grow(benchEntries * 4 * 121)
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	for day := range 100 {
		d := ledger.NewDate(2026, 1, 1).AddDays(day)
		date := fmt.Sprintf("%02d%02d%02d", d.Day, int(d.Month), d.Year%100)
		line(bal("01", a, date, "0000000100000{", "", ""))
		for i := range perDay {
			n := day*perDay + i
			// Amounts 0.01 … 999.99 alternating credit and debit.
			cents := n%99999 + 1
			last := "{ABCDEFGHI"
			if n%2 == 1 {
				last = "}JKLMNOPQR"
			}
			amount := fmt.Sprintf("%013d%c", cents/10, last[cents%10])
			m := mvt{a: a, internal: "0512", op: "18", date: date, valDate: date,
				label: fmt.Sprintf("VIR SEPA CLIENT %06d", n%50000), entryNo: "0000000", amount: amount}
			line(m.String())
			line(cpl(m, "NPY", fmt.Sprintf("CLIENT NUMERO %06d SARL", n%50000)))
			line(cpl(m, "LCC", fmt.Sprintf("FACTURE FA-2026-%06d REGLEMENT PARTIEL", n)))
			line(cpl2(m, "RCN", fmt.Sprintf("E2E-%010d", n), "SUPP"))
		}
		line(bal("07", a, date, "0000000100000{", "", ""))
	}
	return []byte(b.String())
})

// countVisitor counts what it is given and keeps nothing.
type countVisitor struct{ statements, entries int }

func (c *countVisitor) BeginStatement(context.Context, *ledger.Statement) error {
	c.statements++
	return nil
}

func (c *countVisitor) Entry(context.Context, *ledger.Statement, *ledger.Entry) error {
	c.entries++
	return nil
}

func (c *countVisitor) EndStatement(context.Context, *ledger.Statement) error { return nil }

// BenchmarkParse parses the generated 100k-entry file (LF line breaks, and
// the same records without line breaks).
func BenchmarkParse(b *testing.B) {
	lf := benchFile()
	cases := []struct {
		name string
		data []byte
	}{
		{"LF", lf},
		{"NoLineBreaks", bytes.ReplaceAll(lf, []byte("\n"), nil)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			var v countVisitor
			for b.Loop() {
				v = countVisitor{}
				if err := cfonb120.Parse(context.Background(), bytes.NewReader(c.data), &v); err != nil {
					b.Fatal(err)
				}
			}
			if v.entries != benchEntries || v.statements != 100 {
				b.Fatalf("%d entries in %d statements, want %d in 100", v.entries, v.statements, benchEntries)
			}
			b.ReportMetric(float64(v.entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
