package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// RunReplicas runs the tests that need several stores on one database, as
// several replicas have: open returns n migrated stores sharing a fresh
// database.
func RunReplicas(t *testing.T, open func(t *testing.T, n int) []ledger.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, stores []ledger.Store)
	}{
		{"IngestClaims", func(t *testing.T, stores []ledger.Store) { ConcurrentJobClaims(t, stores, 300, 3) }},
		{"DeliveryClaims", func(t *testing.T, stores []ledger.Store) { ConcurrentDeliveryClaims(t, stores, 300, 3) }},
		{"ExclusiveRun", func(t *testing.T, stores []ledger.Store) { ExclusiveRuns(t, stores) }},
		{"ScheduledSlotOnce", scheduledSlotOnce},
		{"LettrageOfOneInvoice", lettrageAcrossReplicas},
		{"SameFileTwice", sameFileAcrossReplicas},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t, 3))
		})
	}
}

// scheduledSlotOnce has every replica wake for the same schedule slot: the
// job runs once.
func scheduledSlotOnce(t *testing.T, stores []ledger.Store) {
	var mu sync.Mutex
	runs := 0
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.RunExclusive(t.Context(), "dunning-run", "2026-11-03T08:00", func(ctx context.Context) error {
				mu.Lock()
				runs++
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Errorf("RunExclusive: %v", err)
			}
		}()
	}
	wg.Wait()
	// Replicas that found the lock taken may retry later: the slot record
	// stops them.
	for _, s := range stores {
		if _, err := s.RunExclusive(t.Context(), "dunning-run", "2026-11-03T08:00", func(context.Context) error { runs++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Fatalf("the slot ran %d times, want 1", runs)
	}
}

// lettrageAcrossReplicas has every replica letter the whole of one invoice
// with its own payment at once: exactly one succeeds.
func lettrageAcrossReplicas(t *testing.T, stores []ledger.Store) {
	importInvoices(t, stores[0], invoice("A", 10000))
	const perStore = 3
	var txs []string
	for i := range perStore * len(stores) {
		txs = append(txs, storeCredit(t, stores[0], fmt.Sprintf("PAY%d", i), 10000))
	}
	var wg sync.WaitGroup
	results := make(chan error, len(txs))
	for i, tx := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%len(stores)].SaveMatch(t.Context(), autoMatch(tx, 10000, alloc("A", 10000)), anyWrite[ledger.MatchOutcome]("engine/test"))
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	applied := 0
	for err := range results {
		switch {
		case err == nil:
			applied++
		case !errors.Is(err, ledger.ErrConflict):
			t.Errorf("lettrage: %v", err)
		}
	}
	if applied != 1 {
		t.Fatalf("%d lettrages of one invoice applied, want 1", applied)
	}
	if a := getInvoice(t, stores[1], "A"); a.Open != eurs(0) {
		t.Fatalf("invoice A %+v", a)
	}
}

// sameFileAcrossReplicas has every replica store the same file at once: it
// is stored once.
func sameFileAcrossReplicas(t *testing.T, stores []ledger.Store) {
	f := fileOf("shared.xml", statementOf("S1", credit("REF1", 100, day(3)), credit("REF2", 200, day(3))))
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				_, err := s.SaveStatementFile(t.Context(), f, anyWrite[ledger.StatementFileResult]("ingest"))
				if err == nil {
					return
				}
				if !errors.Is(err, ledger.ErrConflict) {
					t.Errorf("save: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	sts, err := stores[0].ListStatements(t.Context(), ledger.StatementFilter{})
	ok(t, err)
	txs, err := stores[0].ListTransactions(t.Context(), ledger.TransactionFilter{})
	ok(t, err)
	if len(sts) != 1 || len(txs) != 2 {
		t.Fatalf("%d statements and %d transactions after concurrent saves, want 1 and 2", len(sts), len(txs))
	}
}
