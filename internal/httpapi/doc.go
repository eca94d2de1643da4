// Package httpapi is the daemon's HTTP surface: the JSON API under /v1
// (invoice import, invoices, the review queue of matches, manual lettrage,
// reversals, unmatched transactions, the aged balance, an invoice's
// journal, webhook dead letters, an invoice's dunning file, disputes,
// payment plans and customer holds), the OpenAPI document that describes it
// (openapi.json, embedded and served at /v1/openapi.json), and the
// operational endpoints /healthz, /readyz and /metrics.
//
// # Authentication
//
// Every /v1 route but /v1/openapi.json needs a bearer token
// ("Authorization: Bearer <token>"). Tokens are configured by their
// SHA-256 (hex), never in clear; a presented token is hashed and compared
// with every configured hash in constant time. A token carries the scopes
// "read" (GET and HEAD) and "write" (every other method): a missing,
// malformed or unknown token is 401 unauthorized, a known token without the
// scope a route needs is 403 forbidden. The token's name is the actor the
// journal records for the changes it makes.
//
// /healthz, /readyz, /metrics and /v1/openapi.json are not authenticated:
// probes and Prometheus must reach them without a secret, and they reveal
// no business data. Expose the listener only where those may be read.
//
// # Errors
//
// Every error is JSON, {"error": {"code": "...", "message": "...",
// "details": ...}}, with a stable code. One table (errors.go) maps errors
// to statuses: ledger.ErrNotFound is 404 not_found, ErrConflict 409
// conflict, ErrInvalid 422 invalid, a malformed request 400 bad_request, a
// body over its limit 413 too_large, an unknown route 404, a known route
// with another method 405 with Allow.
//
// # Money and dates
//
// Amounts are decimal strings in the currency's minor unit ("1234.50"),
// never JSON numbers; dates are "YYYY-MM-DD"; instants are RFC 3339 UTC.
//
// # Side effects
//
// Every change goes through one store method that writes the change, its
// journal rows and its outbox events in one transaction
// (ledger.LettrageEvents builds the events). Confirming a match or
// lettering a transaction by hand then teaches the store the payer's IBAN
// and name (CustomerStore.LearnPayer), in a second transaction: a failure
// there leaves the lettrage in place and is reported as a warning. The
// dunning routes go through internal/dunningrun (Options.Dunning): a
// dispute, plan or hold is recorded in one transaction, and the pause or
// resumption it causes is stored as a transition of its own with its
// event.
package httpapi
