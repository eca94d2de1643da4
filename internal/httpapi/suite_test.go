package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/postgres"
)

// suite lists the tests every store engine runs: the API is held to the
// same answers on SQLite and on PostgreSQL.
var suite = []struct {
	name string
	fn   func(t *testing.T, open opener)
}{
	{"Auth", testAuth},
	{"PublicRoutes", testPublicRoutes},
	{"ActorIsTokenName", testActorIsTokenName},
	{"ErrorMapping", testErrorMapping},
	{"SizeLimits", testSizeLimits},
	{"ImportCSV", testImportCSV},
	{"ImportJSON", testImportJSON},
	{"ImportBadRowImportsNothing", testImportBadRow},
	{"ImportConflict", testImportConflict},
	{"ListInvoices", testListInvoices},
	{"GetInvoice", testGetInvoice},
	{"InvoiceAudit", testInvoiceAudit},
	{"ReviewFlowConfirm", testReviewConfirm},
	{"ConfirmPartialWithEdit", testConfirmWithEdit},
	{"ConfirmAutomatic", testConfirmAutomatic},
	{"ReviewQueuePaging", testReviewQueuePaging},
	{"Reject", testReject},
	{"Reverse", testReverse},
	{"ManualLetter", testManualLetter},
	{"ManualLetterConfirmsPendingProposal", testManualLetterProposal},
	{"ManualLetterRefusals", testManualLetterRefusals},
	{"Transactions", testTransactions},
	{"Aging", testAging},
	{"AgingCSV", testAgingCSV},
	{"AgingParameters", testAgingParameters},
	{"WebhookDeadLetters", testWebhookDeadLetters},
	{"Readiness", testReadiness},
	{"InternalErrorsHideDetails", testInternalError},
	{"Metrics", testMetrics},
}

func runSuite(t *testing.T, open opener) {
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	runSuite(t, openSQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("LETTRAGE_TEST_PG_DSN")
	if dsn == "" {
		const msg = "LETTRAGE_TEST_PG_DSN is not set, so the HTTP API is NOT TESTED on PostgreSQL; " +
			"set it, e.g. LETTRAGE_TEST_PG_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	runSuite(t, func(t *testing.T) ledger.Store { return openPostgres(t, dsn) })
}

// openPostgres opens a migrated store in a schema of its own, dropped at
// cleanup.
func openPostgres(t *testing.T, dsn string) ledger.Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "lt_httpapi_" + hex.EncodeToString(b[:])
	execSQL(t, dsn, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { execSQL(t, dsn, `DROP SCHEMA `+schema+` CASCADE`) })
	s, err := postgres.Open(t.Context(), withSearchPath(t, dsn, schema), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background() // cleanup runs after the test's context is done
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withSearchPath adds a search_path run-time parameter to a DSN.
func withSearchPath(t *testing.T, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
