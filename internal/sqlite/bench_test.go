package sqlite

import (
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/storetest"
)

func openBench(b *testing.B) ledger.Store { return openTest(b) }

func BenchmarkSaveStatement1k(b *testing.B) { storetest.BenchSaveStatement(b, openBench, 1000) }

func BenchmarkImportInvoices10k(b *testing.B) {
	for _, kind := range []string{storetest.ImportNew, storetest.ImportChanged, storetest.ImportUnchanged} {
		b.Run(kind, func(b *testing.B) { storetest.BenchImportInvoices(b, openBench, 10_000, kind) })
	}
}

// BenchmarkImport1M imports a million invoices; slow, run with
// -bench=Import1M -benchtime=1x.
func BenchmarkImport1M(b *testing.B) {
	if testing.Short() {
		b.Skip("one million invoices: not in -short runs")
	}
	storetest.BenchImportMillion(b, openBench)
}
