-- The journal keeps every hold placed and lifted in the form older binaries
-- read back; customer scenario overrides are lost (their journal rows stay).
DROP TABLE dunning_customer_scenarios;
DROP INDEX dunning_holds_active;
DROP INDEX dunning_holds_customer;
DROP TABLE dunning_holds;
