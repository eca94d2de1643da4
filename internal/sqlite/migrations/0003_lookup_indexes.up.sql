-- Lookups the daemon does on every credit and every claim:
-- * the decisions on one bank transaction (lettering, GET /v1/transactions/{id}):
--   the only index on matches.transaction_id was partial (active decisions), so
--   a lookup by transaction_id alone scanned the table;
-- * an account's transactions booked on a date (the lettering looks there
--   for the same payment reported by another format, see lettering);
-- * the due deliveries, oldest first: with event_seq in the index the claim
--   walks it in order and stops at its LIMIT instead of sorting every due row.
CREATE INDEX matches_transaction ON matches (transaction_id, id);
CREATE INDEX bank_transactions_booked ON bank_transactions (account_id, booking_date);
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (status, next_at, event_seq);
