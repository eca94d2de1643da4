package matchstream_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/matchstream"
	"github.com/lettrage/lettrage/internal/reconcile"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// decision is what a test compares of one transaction's outcome.
type decision struct {
	BankRef string
	Matched bool
	Result  reconcile.Result
}

// input writes a generated book and statement.
func input(t *testing.T, credits int, format string) bench.ScaleInput {
	t.Helper()
	in, err := bench.WriteScaleInput(context.Background(), t.TempDir(), 7, credits, 3, format)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func engine(t *testing.T, csv string) *reconcile.Engine {
	t.Helper()
	f, err := os.Open(csv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	invs, custs, err := invoicecsv.ParseAuto(f)
	if err != nil {
		t.Fatal(err)
	}
	e, err := reconcile.NewEngine(reconcile.DefaultConfig(), invs, custs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sequential decides on the file's transactions the plain way: the parser
// calls Engine.Match on each in turn.
type sequential struct {
	e   *reconcile.Engine
	out []decision
}

func (s *sequential) BeginStatement(context.Context, *ledger.Statement) error { return nil }
func (s *sequential) EndStatement(context.Context, *ledger.Statement) error   { return nil }
func (s *sequential) Entry(ctx context.Context, st *ledger.Statement, en *ledger.Entry) error {
	txs := en.Transactions
	if len(txs) == 0 {
		txs = []ledger.Transaction{{Index: 1, Amount: en.Amount, Direction: en.Direction, AcctSvcrRef: en.AcctSvcrRef, AdditionalInfo: en.AdditionalInfo}}
	}
	for k := range txs {
		c := reconcile.Credit{Statement: st, Entry: en, Tx: &txs[k]}
		r, err := s.e.Match(ctx, c)
		if errors.Is(err, reconcile.ErrNotMatchable) {
			s.out = append(s.out, decision{BankRef: c.BankRef()})
			continue
		}
		if err != nil {
			return err
		}
		s.out = append(s.out, decision{BankRef: c.BankRef(), Matched: true, Result: r})
	}
	return nil
}

// TestRunDecidesAsMatch: the pipeline's decisions are those of Match
// called on each credit in file order — same decisions, allocations,
// scores and reasons — for both statement formats.
func TestRunDecidesAsMatch(t *testing.T) {
	for _, format := range []string{bench.ModeCAMT08, bench.ModeCFONB} {
		t.Run(format, func(t *testing.T) {
			in := input(t, 1500, format)
			ctx := context.Background()
			seq := &sequential{e: engine(t, in.CSV)}
			if err := detect.ParseFile(ctx, in.Statement, seq); err != nil {
				t.Fatal(err)
			}
			var got []decision
			e := engine(t, in.CSV)
			err := matchstream.Run(ctx, e, func(ctx context.Context, v statement.Visitor) error {
				return detect.ParseFile(ctx, in.Statement, v)
			}, func(c reconcile.Credit, r reconcile.Result, matched bool) error {
				got = append(got, decision{BankRef: c.BankRef(), Matched: matched, Result: r})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(seq.out) {
				t.Fatalf("pipeline saw %d transactions, Match %d", len(got), len(seq.out))
			}
			auto := 0
			for k := range got {
				if !reflect.DeepEqual(got[k], seq.out[k]) {
					t.Fatalf("transaction %d: pipeline %+v, Match %+v", k, got[k], seq.out[k])
				}
				if got[k].Result.Decision == ledger.DecisionAuto {
					auto++
				}
			}
			if auto == 0 {
				t.Fatal("no automatic decision: the comparison proves nothing")
			}
		})
	}
}

// TestRunStopsOnCallbackError: fn's error ends the run at once, the parser
// stops, and the error comes back unchanged.
func TestRunStopsOnCallbackError(t *testing.T) {
	in := input(t, 3000, bench.ModeCAMT08)
	e := engine(t, in.CSV)
	stop := errors.New("enough")
	seen := 0
	err := matchstream.Run(context.Background(), e, func(ctx context.Context, v statement.Visitor) error {
		return detect.ParseFile(ctx, in.Statement, v)
	}, func(reconcile.Credit, reconcile.Result, bool) error {
		seen++
		if seen == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 10 {
		t.Fatalf("Run = %v after %d transactions, want the callback's error after 10", err, seen)
	}
}

// TestRunParseErrorAfterCredits: a file that fails half-way returns the
// parser's error after fn has seen the credits read before it, as with the
// parser driving the engine.
func TestRunParseErrorAfterCredits(t *testing.T) {
	in := input(t, 500, bench.ModeCAMT08)
	b, err := os.ReadFile(in.Statement)
	if err != nil {
		t.Fatal(err)
	}
	cut := in.Statement + ".cut"
	if err := os.WriteFile(cut, b[:len(b)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	e := engine(t, in.CSV)
	seen := 0
	err = matchstream.Run(context.Background(), e, func(ctx context.Context, v statement.Visitor) error {
		return detect.ParseFile(ctx, cut, v)
	}, func(reconcile.Credit, reconcile.Result, bool) error {
		seen++
		return nil
	})
	var pe *statement.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Run = %v, want the parse error of the truncated file", err)
	}
	if seen < 100 {
		t.Fatalf("fn saw %d transactions before the error, want those before the cut", seen)
	}
}

// TestRunCancelled: a cancelled context stops the run with its error.
func TestRunCancelled(t *testing.T) {
	in := input(t, 2000, bench.ModeCAMT08)
	e := engine(t, in.CSV)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	err := matchstream.Run(ctx, e, func(ctx context.Context, v statement.Visitor) error {
		return detect.ParseFile(ctx, in.Statement, v)
	}, func(reconcile.Credit, reconcile.Result, bool) error {
		seen++
		if seen == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v after %d transactions, want context.Canceled", err, seen)
	}
}
