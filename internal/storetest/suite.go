package storetest

import (
	"errors"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

// test is one conformance test against one fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s ledger.Store)
}

// Run runs every conformance test, each in parallel on its own store:
// open must return a fresh, migrated, empty store and arrange its cleanup.
func Run(t *testing.T, open func(t *testing.T) ledger.Store) {
	groups := [][]test{
		schemaTests, statementTests, customerTests, invoiceTests, matchTests,
		dunningTests, dunningSettledTests, dunningHoldTests, outboxTests, ingestTests, auditTests, lockerTests,
	}
	for _, g := range groups {
		for _, tc := range g {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.fn(t, open(t))
			})
		}
	}
}

var schemaTests = []test{
	{"Schema/MigrateIsIdempotent", func(t *testing.T, s ledger.Store) {
		v, err := s.SchemaVersion(t.Context())
		ok(t, err)
		if v.Current == 0 || v.Current != v.Latest || v.Dirty {
			t.Fatalf("schema version %+v: want current = latest > 0, clean", v)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if v2, err := s.SchemaVersion(t.Context()); err != nil || v2 != v {
			t.Fatalf("schema version after second Migrate %+v, want %+v", v2, v)
		}
		if e := s.Engine(); e != "sqlite" && e != "postgres" {
			t.Fatalf("Engine() = %q", e)
		}
	}},
}

// wantErr fails unless err wraps want.
func wantErr(t testing.TB, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// ok fails the test on err.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
