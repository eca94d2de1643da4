-- Absence from the accounting system's export is recorded by full imports
-- (absent_since_import: the full import that no longer listed the invoice,
-- NULL while it is listed) instead of stamping every invoice with the last
-- import that mentioned it, which rewrote every row of every import.
ALTER TABLE invoices DROP COLUMN last_import_id;
ALTER TABLE invoices ADD COLUMN absent_since_import INTEGER;
CREATE INDEX invoices_absent ON invoices (id) WHERE absent_since_import IS NOT NULL;
