package lettering

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// dayOne is a statement with an automatic, a review and an unmatched
// credit, a debit and a pending credit (neither decided on).
func (e *env) dayOne() {
	e.t.Helper()
	e.saveStatement("S1", day("2026-11-03"),
		credit("1200.00", "BOULANGERIE MARTINEAU", "E2E-1", "REGLEMENT FACT FA-2026-0012"),
		credit("3150.75", "", "", "VIREMENT"),
		credit("1000.00", "X", "", "VIR SEPA"),
		line{amount: "250.00", dir: ledger.Debit, payer: "", remittance: "LOYER"},
		line{amount: "845.30", dir: ledger.Credit, status: ledger.StatusPending, remittance: "FA-2026-0013"},
	)
}

func TestDecisionsAreRecordedWithTheirEvents(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		sum := e.runOnce()
		if sum.Statements != 1 || sum.Auto != 1 || sum.Review != 1 || sum.Unmatched != 1 || sum.Skipped != 0 {
			t.Fatalf("summary %+v\n%s", sum, e.logs)
		}

		auto := e.matchesOf(e.transactionOf("S1-1").ID)
		if len(auto) != 1 || auto[0].Decision != ledger.DecisionAuto || auto[0].Status != ledger.MatchApplied ||
			len(auto[0].Allocations) != 1 || auto[0].Allocations[0] != (ledger.Allocation{InvoiceID: "I01", Amount: eur("1200.00")}) ||
			auto[0].DecidedBy != "engine/1" || len(auto[0].Reasons) == 0 {
			t.Fatalf("auto match %+v", auto)
		}
		if inv := e.invoice("I01"); inv.Status != ledger.InvoicePaid || inv.Open.Minor != 0 {
			t.Errorf("I01 after lettrage %+v", inv)
		}
		review := e.matchesOf(e.transactionOf("S1-2").ID)
		if len(review) != 1 || review[0].Decision != ledger.DecisionReview || review[0].Status != ledger.MatchProposed ||
			len(review[0].Allocations) != 1 || review[0].Allocations[0].InvoiceID != "I06" {
			t.Fatalf("review match %+v", review)
		}
		if inv := e.invoice("I06"); inv.Status != ledger.InvoiceOpen || inv.Open != eur("3150.75") {
			t.Errorf("a proposal moved I06: %+v", inv)
		}
		unmatched := e.matchesOf(e.transactionOf("S1-3").ID)
		if len(unmatched) != 1 || unmatched[0].Decision != ledger.DecisionUnmatched || unmatched[0].Status != ledger.MatchProposed ||
			len(unmatched[0].Allocations) != 0 || unmatched[0].Unapplied != eur("1000.00") {
			t.Fatalf("unmatched match %+v", unmatched)
		}
		for _, ref := range []string{"S1-4", "S1-5"} {
			if ms := e.matchesOf(e.transactionOf(ref).ID); len(ms) != 0 {
				t.Errorf("%s (debit or pending) decided on: %+v", ref, ms)
			}
		}

		// Events: per invoice, in order; payment.unmatched per transaction.
		i01 := e.events(ledger.EventFilter{AggregateType: "invoice", AggregateID: "I01"})
		if len(i01) != 2 || i01[0].Type != ledger.EventLettrageApplied || i01[1].Type != ledger.EventInvoicePaid ||
			i01[0].Sequence != 1 || i01[1].Sequence != 2 {
			t.Fatalf("I01 events %+v", i01)
		}
		var applied matchData
		if err := json.Unmarshal(i01[0].Data, &applied); err != nil {
			t.Fatal(err)
		}
		if applied.MatchID != auto[0].ID || applied.InvoiceID != "I01" || applied.Amount != "1200.00" || applied.Decision != "auto" ||
			applied.Transaction.BankRef != "S1-1" || applied.Transaction.Amount != "1200.00" || applied.Transaction.Currency != "EUR" ||
			applied.Invoice == nil || applied.Invoice.Status != "paid" || applied.Invoice.Open != "0.00" || len(applied.Reasons) == 0 ||
			applied.Transaction.Date != "2026-11-03" || applied.Unapplied != "0.00" {
			t.Errorf("lettrage.applied data %s", i01[0].Data)
		}
		var paid paidData
		if err := json.Unmarshal(i01[1].Data, &paid); err != nil || paid.InvoiceID != "I01" || paid.MatchID != auto[0].ID || paid.PaidOn != "2026-11-03" {
			t.Errorf("invoice.paid data %s: %v", i01[1].Data, err)
		}
		i06 := e.events(ledger.EventFilter{AggregateType: "invoice", AggregateID: "I06"})
		if len(i06) != 1 || i06[0].Type != ledger.EventLettrageProposed {
			t.Fatalf("I06 events %+v", i06)
		}
		um := e.events(ledger.EventFilter{Type: ledger.EventPaymentUnmatched})
		if len(um) != 1 || um[0].AggregateType != "transaction" || um[0].AggregateID != e.transactionOf("S1-3").ID {
			t.Fatalf("payment.unmatched %+v", um)
		}
		var u matchData
		if err := json.Unmarshal(um[0].Data, &u); err != nil || u.Decision != "unmatched" || u.Unapplied != "1000.00" || len(u.Allocations) != 0 {
			t.Errorf("payment.unmatched data %s: %v", um[0].Data, err)
		}

		m := e.metrics
		for d, want := range map[string]float64{"auto": 1, "review": 1, "unmatched": 1} {
			if got := metricValue(t, m.decisions.WithLabelValues(d)); got != want {
				t.Errorf("decisions_total{%s} = %v", d, got)
			}
		}
		if metricValue(t, m.credits) != 3 || metricValue(t, m.auto) != 1 || metricValue(t, m.duration) != 3 {
			t.Errorf("credits %v, auto %v, durations %v", metricValue(t, m.credits), metricValue(t, m.auto), metricValue(t, m.duration))
		}
		if metricValue(t, m.backlog.WithLabelValues("review")) != 1 || metricValue(t, m.backlog.WithLabelValues("unmatched")) != 1 {
			t.Error("review backlog not counted")
		}
		if strings.Contains(e.logs.String(), account) {
			t.Error("an IBAN appears unmasked in the logs")
		}
	})
}

func TestRunsAreIdempotent(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		r := e.runner()
		if _, err := r.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		countAll := func() (int, int) {
			ms, _ := e.store.ListMatches(t.Context(), ledger.MatchFilter{})
			evs, _ := e.store.ListEvents(t.Context(), ledger.EventFilter{})
			return len(ms), len(evs)
		}
		matches, events := countAll()
		// Again with the same runner, then with a new one (a restart,
		// which looks at every statement).
		for _, run := range []*Runner{r, e.runner()} {
			sum, err := run.RunOnce(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if sum.Statements != 0 || sum.Auto+sum.Review+sum.Unmatched != 0 {
				t.Errorf("second run did something: %+v", sum)
			}
			if m, ev := countAll(); m != matches || ev != events {
				t.Errorf("after another run: %d matches, %d events; want %d and %d", m, ev, matches, events)
			}
		}
		// A new statement is picked up by the incremental look.
		e.saveStatement("S2", day("2026-11-04"), credit("1234.56", "FROMAGERIE VASSEUR", "", "FACTURE FA-2026-0300"))
		sum, err := r.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if sum.Statements != 1 || sum.Auto != 1 {
			t.Errorf("new statement: %+v\n%s", sum, e.logs)
		}
	})
}

// crashSignal stops a run dead, as a killed process would.
type crashSignal struct{}

func TestCrashMidStatementResumesWhereItStopped(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		decided := 0
		// The first two decisions commit together (one SaveMatches), the
		// crash comes right after; the third is left for the restart.
		e.cfg.DecisionsPerCommit = 2
		e.cfg.testHook = func(p string) {
			if p == "decided" {
				if decided++; decided == 2 {
					panic(crashSignal{})
				}
			}
		}
		r := e.runner()
		func() {
			defer func() {
				if v := recover(); v != nil {
					if _, ok := v.(crashSignal); !ok {
						panic(v)
					}
				}
			}()
			_, _ = r.RunOnce(context.Background())
			t.Fatal("the run did not crash")
		}()
		ms, _ := e.store.ListMatches(t.Context(), ledger.MatchFilter{})
		if len(ms) != 2 {
			t.Fatalf("%d matches recorded before the crash, want 2", len(ms))
		}
		// Restart: a new process, store reopened.
		e.store.Close()
		e.store = e.reopen()
		e.cfg.testHook = nil
		sum := e.runOnce()
		if sum.Statements != 1 || sum.Unmatched != 1 || sum.Auto+sum.Review != 0 {
			t.Fatalf("resumed run %+v, want only the third credit decided", sum)
		}
		ms, _ = e.store.ListMatches(t.Context(), ledger.MatchFilter{})
		if len(ms) != 3 {
			t.Fatalf("%d matches, want 3", len(ms))
		}
		seen := map[string]bool{}
		for _, m := range ms {
			if seen[m.TransactionID] {
				t.Errorf("transaction %s decided twice", m.TransactionID)
			}
			seen[m.TransactionID] = true
		}
		for typ, want := range map[string]int{ledger.EventLettrageApplied: 1, ledger.EventInvoicePaid: 1, ledger.EventLettrageProposed: 1, ledger.EventPaymentUnmatched: 1} {
			if got := len(e.events(ledger.EventFilter{Type: typ})); got != want {
				t.Errorf("%d %s events, want %d", got, typ, want)
			}
		}
		if sum := e.runOnce(); sum.Statements != 0 {
			t.Errorf("statement lettered again: %+v", sum)
		}
	})
}

func TestReversalUndoesTheLettrage(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		e.runOnce()
		if inv := e.invoice("I01"); inv.Status != ledger.InvoicePaid {
			t.Fatalf("I01 not lettered: %+v", inv)
		}
		// Two days later the bank takes the payment back (same EndToEndId).
		e.saveStatement("S2", day("2026-11-05"), line{amount: "1200.00", dir: ledger.Debit, reversal: true, e2e: "E2E-1", ret: "AC04", remittance: "RETOUR"})
		sum := e.runOnce()
		if sum.Reversed != 1 {
			t.Fatalf("summary %+v\n%s", sum, e.logs)
		}
		inv := e.invoice("I01")
		if inv.Status != ledger.InvoiceOpen || inv.Open != eur("1200.00") {
			t.Fatalf("I01 after reversal %+v", inv)
		}
		ms := e.matchesOf(e.transactionOf("S1-1").ID)
		if len(ms) != 1 || ms[0].Status != ledger.MatchReversed {
			t.Fatalf("matches of the credit %+v", ms)
		}
		evs := e.events(ledger.EventFilter{AggregateType: "invoice", AggregateID: "I01"})
		if len(evs) != 3 || evs[2].Type != ledger.EventLettrageReversed || evs[2].Sequence != 3 {
			t.Fatalf("I01 events %+v", evs)
		}
		var d matchData
		if err := json.Unmarshal(evs[2].Data, &d); err != nil || d.Reversal == nil || d.Reversal.BankRef != "S2-1" ||
			d.Reversal.Return != "AC04" || d.Invoice == nil || d.Invoice.Open != "1200.00" {
			t.Errorf("lettrage.reversed data %s: %v", evs[2].Data, err)
		}
		if metricValue(t, e.metrics.reversals.WithLabelValues("reversed")) != 1 {
			t.Error("reversal not counted")
		}
		// A later run (restart) neither reverses again nor letters the
		// credit again.
		if sum := e.runOnce(); sum != (Summary{}) {
			t.Errorf("another run: %+v", sum)
		}
		if ms := e.matchesOf(e.transactionOf("S1-1").ID); len(ms) != 1 {
			t.Errorf("credit decided again after its reversal: %+v", ms)
		}
	})
}

func TestReversalInTheSameStatementSurvivesACrash(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.saveStatement("S1", day("2026-11-03"),
			credit("1200.00", "BOULANGERIE MARTINEAU", "E2E-1", "REGLEMENT FACT FA-2026-0012"),
			line{amount: "1200.00", dir: ledger.Debit, reversal: true, e2e: "E2E-1", remittance: "RETOUR"})
		e.cfg.testHook = func(p string) {
			if p == "reversed" {
				panic(crashSignal{})
			}
		}
		func() {
			defer func() { _ = recover() }()
			_, _ = e.runner().RunOnce(context.Background())
		}()
		e.store.Close()
		e.store = e.reopen()
		e.cfg.testHook = nil
		// The statement was not recorded as lettered: the run goes over it
		// again. The reversed credit is not lettered again, and the
		// reversal is not applied twice.
		sum := e.runOnce()
		if sum.Statements != 1 || sum.Auto != 0 || sum.Reversed != 0 || sum.Skipped != 1 {
			t.Fatalf("run after the crash %+v\n%s", sum, e.logs)
		}
		if inv := e.invoice("I01"); inv.Status != ledger.InvoiceOpen {
			t.Errorf("I01 %+v", inv)
		}
		if n := len(e.events(ledger.EventFilter{Type: ledger.EventLettrageReversed})); n != 1 {
			t.Errorf("%d lettrage.reversed events, want 1", n)
		}
		if strings.Contains(e.logs.String(), "no lettrage") {
			t.Errorf("the interrupted reversal was not recognised:\n%s", e.logs)
		}
	})
}

func TestAmbiguousReversalIsLeftForAPerson(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	// Two payments of 1200.00 with one batch reference, each lettered.
	e.saveStatement("S1", day("2026-11-03"),
		credit("1200.00", "BOULANGERIE MARTINEAU", "BATCH-7", "FA-2026-0012"),
		credit("1200.00", "GARAGE LEFEVRE", "BATCH-7", "FA-2026-0301"))
	if sum := e.runOnce(); sum.Auto != 2 {
		t.Fatalf("setup: %+v\n%s", sum, e.logs)
	}
	e.saveStatement("S2", day("2026-11-04"), line{amount: "1200.00", dir: ledger.Debit, reversal: true, e2e: "BATCH-7"})
	sum := e.runOnce()
	if sum.Reversed != 0 {
		t.Fatalf("reversed one of two candidates: %+v", sum)
	}
	for _, id := range []string{"I01", "I16"} {
		if inv := e.invoice(id); inv.Status != ledger.InvoicePaid {
			t.Errorf("%s %+v", id, inv)
		}
	}
	if metricValue(t, e.metrics.reversals.WithLabelValues("ambiguous")) != 1 || !strings.Contains(e.logs.String(), "fits several lettered credits") {
		t.Errorf("ambiguity not reported:\n%s", e.logs)
	}
}

func TestReversalWithoutLettrageChangesNothing(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	e.saveStatement("S1", day("2026-11-03"), credit("3150.75", "", "E2E-R", "VIREMENT")) // review only
	e.saveStatement("S2", day("2026-11-04"), line{amount: "3150.75", dir: ledger.Debit, ret: "MD06", e2e: "E2E-R"},
		line{amount: "99.00", dir: ledger.Debit, reversal: true, e2e: "UNKNOWN"})
	sum := e.runOnce()
	if sum.Review != 1 || sum.Reversed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if metricValue(t, e.metrics.reversals.WithLabelValues("not_lettered")) != 1 || metricValue(t, e.metrics.reversals.WithLabelValues("not_found")) != 1 {
		t.Errorf("reversal results not counted:\n%s", e.logs)
	}
	if ms := e.matchesOf(e.transactionOf("S1-1").ID); len(ms) != 1 || ms[0].Status != ledger.MatchProposed {
		t.Errorf("proposal changed: %+v", ms)
	}
}

func TestRejectedOrDecidedCreditsAreLeftToPeople(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	e.dayOne()
	e.cfg.DecisionsPerCommit = 1 // a crash after exactly one decision
	e.cfg.testHook = func(p string) {
		if p == "decided" {
			panic(crashSignal{})
		}
	}
	// The run stops after the first decision; a person then rejects a
	// proposal and letters another credit by hand before the restart.
	func() {
		defer func() { _ = recover() }()
		_, _ = e.runner().RunOnce(context.Background())
	}()
	e.cfg.testHook = nil
	ctx := t.Context()
	second, third := e.transactionOf("S1-2"), e.transactionOf("S1-3")
	p, err := e.store.SaveMatch(ctx, ledger.Match{TransactionID: second.ID, Decision: ledger.DecisionReview, Status: ledger.MatchProposed,
		Allocations: []ledger.Allocation{{InvoiceID: "I07", Amount: eur("1999.99")}}, Unapplied: eur("1150.76")}, ledger.Write[ledger.MatchOutcome]{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RejectMatch(ctx, p.Match.ID, ledger.Write[ledger.MatchOutcome]{Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SaveMatch(ctx, ledger.Match{TransactionID: third.ID, Decision: ledger.DecisionReview, Status: ledger.MatchConfirmed,
		Allocations: []ledger.Allocation{{InvoiceID: "I15", Amount: eur("1000.00")}}}, ledger.Write[ledger.MatchOutcome]{Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	sum := e.runOnce()
	if sum.Statements != 1 || sum.Auto+sum.Review+sum.Unmatched != 0 || sum.Skipped != 1 {
		t.Fatalf("summary %+v\n%s", sum, e.logs)
	}
	if ms := e.matchesOf(second.ID); len(ms) != 1 || ms[0].Status != ledger.MatchRejected {
		t.Errorf("rejected credit decided again: %+v", ms)
	}
	if metricValue(t, e.metrics.skipped.WithLabelValues("rejected")) != 1 {
		t.Error("skip not counted")
	}
}

func TestEntryDetailsThatDoNotAddUpAreNeverAutomatic(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	// A batch entry of 1300.00 whose only detail is the 1200.00 payment.
	m := eur("1200.00")
	tx := ledger.Transaction{Index: 1, Amount: m, Direction: ledger.Credit, AcctSvcrRef: "B-1", Debtor: ledger.Party{Name: "BOULANGERIE MARTINEAU"},
		Remittance: []string{"REGLEMENT FACT FA-2026-0012"}}
	en := &ledger.Entry{Index: 1, Amount: eur("1300.00"), Direction: ledger.Credit, Status: ledger.StatusBooked, BookingDate: day("2026-11-03"),
		AcctSvcrRef: "B", Transactions: []ledger.Transaction{tx}, DetailsMismatch: true}
	st := &ledger.Statement{Format: "camt.053.001.08", StatementID: "SB", Account: ledger.Account{IBAN: account, Currency: "EUR"}, From: day("2026-11-03"), To: day("2026-11-03")}
	st.Totals.Add(en)
	if _, err := e.store.SaveStatementFile(t.Context(), ledger.StatementFile{Hash: strings.Repeat("ab", 32), Name: "b.xml", Format: st.Format,
		Statements: []ledger.ParsedStatement{{Statement: st, Entries: []*ledger.Entry{en}}}}, ledger.Write[ledger.StatementFileResult]{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	sum := e.runOnce()
	if sum.Review != 1 || sum.Auto != 0 {
		t.Fatalf("summary %+v", sum)
	}
	ms := e.matchesOf(e.transactionOf("B-1").ID)
	if len(ms) != 1 || !strings.Contains(strings.Join(ms[0].Reasons, "; "), "do not add up") {
		t.Fatalf("match %+v", ms)
	}
}

func TestStatementsAreLetteredInOrder(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	// Stored out of order: the later statement first. Both pay I01; the
	// earlier payment must letter it, the later one finds it paid.
	e.saveStatement("LATE", day("2026-11-10"), credit("1200.00", "BOULANGERIE MARTINEAU", "", "REGLEMENT FACT FA-2026-0012"))
	e.saveStatement("EARLY", day("2026-11-03"), credit("1200.00", "BOULANGERIE MARTINEAU", "", "REGLEMENT FACT FA-2026-0012"))
	e.runOnce()
	early := e.matchesOf(e.transactionOf("EARLY-1").ID)
	late := e.matchesOf(e.transactionOf("LATE-1").ID)
	if len(early) != 1 || early[0].Decision != ledger.DecisionAuto || len(late) != 1 || late[0].Decision == ledger.DecisionAuto {
		t.Fatalf("early %+v\nlate %+v", early, late)
	}
}

func TestIDFloor(t *testing.T) {
	t.Parallel()
	var src ledger.IDSource
	for _, ts := range []int64{0, 1, 1_700_000_000_123, 1 << 47} {
		at := time_(ts)
		id := src.New(at)
		got, ok := idTime(id)
		if !ok || !got.Equal(at) {
			t.Fatalf("idTime(%s) = %v, %v; want %v", id, got, ok, at)
		}
		if f := idFloor(at); !(f <= id) || !(idFloor(at.Add(1e6)) > id) {
			t.Fatalf("idFloor(%v) = %s does not bound %s", at, f, id)
		}
	}
	if _, ok := idTime("not-an-id"); ok {
		t.Fatal("idTime accepted a non-ULID")
	}
}

func time_(ms int64) time.Time { return time.UnixMilli(ms) }

func TestConcurrentRunnersDecideEachCreditOnce(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		for i, d := range []string{"2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"} {
			e.saveStatement("S"+string(rune('A'+i)), day(d),
				credit("1200.00", "BOULANGERIE MARTINEAU", "", "REGLEMENT FACT FA-2026-0012"),
				credit("3150.75", "", "", "VIREMENT"),
				credit("77.00", "X", "", "DON"))
		}
		// Replicas: on PostgreSQL each with its own pool, as processes
		// would have.
		stores := []ledger.Store{e.store, e.store, e.store}
		if eng.Name == "postgres" {
			stores[1], stores[2] = e.reopen(), e.reopen()
		}
		errs := make(chan error, len(stores)*3)
		for _, s := range stores {
			cfg := e.cfg
			cfg.Store = s
			r, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for range 3 {
					_, err := r.RunOnce(context.Background())
					errs <- err
				}
			}()
		}
		for range len(stores) * 3 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		// Runs that found the lock taken did nothing; one more run
		// finishes whatever they left.
		e.runOnce()
		ms, err := e.store.ListMatches(t.Context(), ledger.MatchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 12 {
			t.Fatalf("%d matches, want 12 (one per credit)", len(ms))
		}
		seen := map[string]bool{}
		auto := 0
		for _, m := range ms {
			if seen[m.TransactionID] {
				t.Fatalf("transaction %s decided twice", m.TransactionID)
			}
			seen[m.TransactionID] = true
			if m.Decision == ledger.DecisionAuto {
				auto++
			}
		}
		if auto != 1 {
			t.Errorf("%d automatic lettrages of I01, want 1 (the first payment)", auto)
		}
	})
}

func TestStatementLeftHalfDoneIsResumedByTheNextRun(t *testing.T) {
	e := newEnv(t, engines(t)[0])
	e.importLedger()
	e.dayOne()
	// Looks after the first start only from just before the newest
	// statement: an interrupted statement must be remembered.
	e.cfg.ScanOverlap = time.Millisecond
	e.cfg.DecisionsPerCommit = 1 // a shutdown after exactly one decision
	var cancel context.CancelFunc
	e.cfg.testHook = func(p string) {
		if p == "decided" && cancel != nil {
			cancel() // shutdown after one decision
		}
	}
	r := e.runner()
	interrupted := func() {
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		if _, err := r.RunOnce(ctx); err == nil {
			t.Fatal("interrupted run reported no error")
		}
	}
	interrupted() // S1: first credit decided
	time.Sleep(5 * time.Millisecond)
	e.saveStatement("S2", day("2026-11-04"), credit("1234.56", "FROMAGERIE VASSEUR", "", "FACTURE FA-2026-0300"))
	interrupted() // S1: second credit decided; S2 seen
	time.Sleep(5 * time.Millisecond)
	e.saveStatement("S3", day("2026-11-05"), credit("55.00", "X", "", "DON"))
	cancel = nil
	sum, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Statements != 3 || sum.Auto != 1 || sum.Unmatched != 2 {
		t.Fatalf("last run %+v, want the rest of S1, S2 and S3", sum)
	}
	ms, _ := e.store.ListMatches(t.Context(), ledger.MatchFilter{})
	if len(ms) != 5 {
		t.Fatalf("%d matches, want 5", len(ms))
	}
}

// TestBatchRefusedIsDecidedAgainOneAtATime: a person letters by hand,
// between the engine's decisions and their commit, a credit of the batch
// to an invoice the engine lettered too. The batch is refused whole
// (nothing of it stored), and each credit is decided again on its own: the
// hand-lettered credit is left alone, the invoice is never over-lettered.
func TestBatchRefusedIsDecidedAgainOneAtATime(t *testing.T) {
	forEngines(t, func(t *testing.T, eng engine) {
		e := newEnv(t, eng)
		e.importLedger()
		e.dayOne()
		ctx := t.Context()
		third := e.transactionOf("S1-3")
		var manual ledger.MatchOutcome
		e.cfg.testHook = func(p string) {
			if p != "saving" || manual.Match.ID != "" {
				return
			}
			var err error
			manual, err = e.store.SaveMatch(ctx, ledger.Match{TransactionID: third.ID, Decision: ledger.DecisionReview, Status: ledger.MatchConfirmed,
				Allocations: []ledger.Allocation{{InvoiceID: "I01", Amount: eur("1000.00")}}}, ledger.Write[ledger.MatchOutcome]{Actor: "alice"})
			if err != nil {
				t.Error(err)
			}
		}
		sum := e.runOnce()
		if manual.Match.ID == "" {
			t.Fatal("the hook before the batch's commit did not run")
		}
		if !strings.Contains(e.logs.String(), "decisions not recorded together") {
			t.Errorf("no sign of the refused batch in the logs:\n%s", e.logs)
		}
		if inv := e.invoice("I01"); inv.Open != eur("200.00") {
			t.Errorf("I01 open %v after a hand lettrage of 1000.00, want 200.00", inv.Open)
		}
		if ms := e.matchesOf(third.ID); len(ms) != 1 || ms[0].ID != manual.Match.ID {
			t.Errorf("hand-lettered credit decided on again: %+v", ms)
		}
		first := e.matchesOf(e.transactionOf("S1-1").ID)
		if len(first) != 1 || first[0].Status == ledger.MatchApplied {
			t.Errorf("first credit %+v: want one decision, not an automatic lettrage of what is left of I01", first)
		}
		if sum.Auto+sum.Review+sum.Unmatched != 2 {
			t.Errorf("summary %+v, want two decisions (the first two credits)", sum)
		}
	})
}
