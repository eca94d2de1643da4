DROP INDEX invoices_absent;
ALTER TABLE invoices DROP COLUMN absent_since_import, ADD COLUMN last_import_id bigint NOT NULL DEFAULT 0;
