package httpapi

import (
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
	storeengines "github.com/lettrage/lettrage/internal/storetest/engines"
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
	{"ImportFlagsPaymentTerms", testImportFlagsPaymentTerms},
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
	{"Dunning", testDunning},
	{"DunningScenario", testDunningScenario},
	{"WebhookDeadLetters", testWebhookDeadLetters},
	{"WebhookEndpoints", testWebhookEndpoints},
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
	runSuite(t, func(t *testing.T) ledger.Store {
		s, _ := storeengines.Postgres(t, "the HTTP API")
		return s
	})
}
