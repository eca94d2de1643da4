DROP INDEX matches_transaction;
DROP INDEX bank_transactions_booked;
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (status, next_at);
