package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moov-io/iso20022/pkg/camt_v08"
	"github.com/moov-io/iso20022/pkg/document"

	"github.com/lettrage/lettrage/fixtures/render"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement/camt053"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// parseBenchEntries is the size of the generated statements.
const parseBenchEntries = 100_000

// totalsVisitor keeps the last statement's totals and nothing else, so the
// benchmark measures the parser (full extraction into ledger.Entry values)
// rather than what a consumer does with the entries.
type totalsVisitor struct {
	stmt *ledger.Statement
}

func (v *totalsVisitor) BeginStatement(_ context.Context, s *ledger.Statement) error {
	v.stmt = s
	return nil
}
func (v *totalsVisitor) Entry(context.Context, *ledger.Statement, *ledger.Entry) error { return nil }
func (v *totalsVisitor) EndStatement(context.Context, *ledger.Statement) error         { return nil }

// writeFile generates a file into dir with fill and returns its content.
func writeFile(b *testing.B, dir, name string, fill func(w *bufio.Writer) error) []byte {
	b.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := fill(w); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParse measures statement parsing on generated 100k-entry files:
// our camt.053 decoder on 001.02 and 001.08, our CFONB 120 parser on the
// same entries, and on the same 001.08 file the two baselines of issue 2:
// a plain encoding/xml decoder that DecodeElements each Ntry into a small
// struct, and moov-io/iso20022's whole-document ParseIso20022Document.
// Each reports MB/s, entries/s, MB per CPU-second and allocations per file.
func BenchmarkParse(b *testing.B) {
	dir := b.TempDir()
	specs := map[string]CAMT053Spec{
		"001.02": {Version: "001.02", Entries: parseBenchEntries, Seed: 1},
		"001.08": {Version: "001.08", Entries: parseBenchEntries, Seed: 1},
	}
	sum := CAMT053SummaryOf(specs["001.08"])
	files := map[string][]byte{}
	for v, spec := range specs {
		files[v] = writeFile(b, dir, "camt053-"+v+".xml", func(w *bufio.Writer) error {
			_, err := WriteCAMT053(w, spec)
			return err
		})
	}
	cfonb := writeFile(b, dir, "statement.cfonb", func(w *bufio.Writer) error {
		spec := specs["001.08"]
		cw := render.NewCFONB120Writer(w, render.CFONB120Options{})
		if err := cw.Statement(CAMT053Statement(spec, sum)); err != nil {
			return err
		}
		for i := 1; i <= spec.Entries; i++ {
			if err := cw.Entry(CAMT053Entry(spec, i)); err != nil {
				return err
			}
		}
		return cw.Close()
	})

	lettrage := func(data []byte, parse func(context.Context, *bytes.Reader, *totalsVisitor) error) func(b *testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				var v totalsVisitor
				if err := parse(context.Background(), bytes.NewReader(data), &v); err != nil {
					b.Fatal(err)
				}
				if t := v.stmt.Totals; t.Entries != sum.Entries || t.Credits != sum.Credits || t.Debits != sum.Debits {
					b.Fatalf("totals %+v, generated %+v", t, sum)
				}
			}
			reportEntries(b, sum.Entries, len(data), cpu0)
		}
	}
	camt := func(ctx context.Context, r *bytes.Reader, v *totalsVisitor) error { return camt053.Parse(ctx, r, v) }
	b.Run("camt053-001.02/lettrage", lettrage(files["001.02"], camt))
	b.Run("camt053-001.08/lettrage", lettrage(files["001.08"], camt))
	b.Run("camt053-001.08/encoding-xml-per-Ntry", func(b *testing.B) {
		data := files["001.08"]
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			n, txs, err := PlainParseCAMT053(bytes.NewReader(data))
			if err != nil || n != sum.Entries || txs != sum.Transactions {
				b.Fatalf("%d entries %d transactions, %v", n, txs, err)
			}
		}
		reportEntries(b, sum.Entries, len(data), cpu0)
	})
	// Not a parser: encoding/xml's tokenizer alone (Token, nothing decoded),
	// the ceiling of any decoder built on encoding/xml.
	b.Run("camt053-001.08/encoding-xml-tokens-only", func(b *testing.B) {
		data := files["001.08"]
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			d := xml.NewDecoder(bytes.NewReader(data))
			for {
				if _, err := d.Token(); err != nil {
					if !errors.Is(err, io.EOF) {
						b.Fatal(err)
					}
					break
				}
			}
		}
		reportEntries(b, sum.Entries, len(data), cpu0)
	})
	b.Run("camt053-001.08/moov-iso20022", func(b *testing.B) {
		data := files["001.08"]
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			doc, err := document.ParseIso20022Document(data)
			if err != nil {
				b.Fatal(err)
			}
			msg := doc.InspectMessage().(*camt_v08.BankToCustomerStatementV08)
			if n := len(msg.Stmt[0].Ntry); n != sum.Entries {
				b.Fatalf("%d entries", n)
			}
		}
		reportEntries(b, sum.Entries, len(data), cpu0)
	})
	b.Run("cfonb120/lettrage", lettrage(cfonb, func(ctx context.Context, r *bytes.Reader, v *totalsVisitor) error {
		return cfonb120.Parse(ctx, r, v)
	}))
}

// reportEntries adds entries/s and, since the machine is shared, MB per
// CPU-second (user + system time of the process since cpu0, which does not
// grow when other processes take the cores).
func reportEntries(b *testing.B, entries int, size int, cpu0 time.Duration) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(entries)*float64(b.N)/s, "entries/s")
	}
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu, "MB/cpu-s")
	}
}
