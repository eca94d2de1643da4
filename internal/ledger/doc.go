// Package ledger is Lettrage's domain core: money, civil dates, bank
// statements and their transactions, invoices, customers, matches and the
// errors the rest of the program shares.
//
// It imports the standard library only. Storage adapters, parsers, the
// matching engine and transports depend on it; it depends on none of them.
package ledger
