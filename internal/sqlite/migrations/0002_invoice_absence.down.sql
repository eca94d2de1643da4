DROP INDEX invoices_absent;
ALTER TABLE invoices DROP COLUMN absent_since_import;
ALTER TABLE invoices ADD COLUMN last_import_id INTEGER NOT NULL DEFAULT 0;
