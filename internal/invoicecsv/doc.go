// Package invoicecsv reads the open-invoice import of contract.md: a CSV
// file (UTF-8, an optional byte order mark, comma-separated, one header
// row, columns in any order, unknown columns ignored) or the same records
// as a JSON array of objects with the same field names.
//
// Every malformed record is reported with its line (CSV) or position
// (JSON) and the column at fault; all problems are collected and the whole
// import is refused when there is one: nothing is half-imported. Amounts
// are parsed exactly into minor units (never through a float); IBANs and
// ISO 11649 creditor references are normalised and their check digits
// verified.
//
// Customers are aggregated from the records: one per customer_id, named by
// its first record (a different name on a later record becomes an alias),
// with the union of its IBANs.
package invoicecsv
