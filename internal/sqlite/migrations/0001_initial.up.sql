-- Lettrage schema, SQLite engine. Times are INTEGER Unix microseconds (UTC),
-- civil dates TEXT 'YYYY-MM-DD', money INTEGER minor units + TEXT currency,
-- JSON documents TEXT kept byte for byte.

CREATE TABLE statement_files (
    hash       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    format     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE statements (
    id             TEXT PRIMARY KEY,
    file_hash      TEXT NOT NULL REFERENCES statement_files (hash),
    position       INTEGER NOT NULL,
    account_id     TEXT NOT NULL,
    format         TEXT NOT NULL,
    bank_stmt_id   TEXT NOT NULL,
    electronic_seq TEXT NOT NULL,
    legal_seq      TEXT NOT NULL,
    from_date      TEXT,
    to_date        TEXT,
    header         TEXT NOT NULL,
    inserted       INTEGER NOT NULL DEFAULT 0,
    duplicates     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (file_hash, position)
) STRICT;
CREATE INDEX statements_account ON statements (account_id, id);

CREATE TABLE bank_transactions (
    id           TEXT PRIMARY KEY,
    statement_id TEXT NOT NULL REFERENCES statements (id),
    account_id   TEXT NOT NULL,
    dedup_key    TEXT NOT NULL,
    bank_ref     TEXT NOT NULL,
    booking_date TEXT,
    status       TEXT NOT NULL,
    direction    TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    debtor_iban  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (account_id, dedup_key)
) STRICT;
CREATE INDEX bank_transactions_statement ON bank_transactions (statement_id, id);
CREATE INDEX bank_transactions_debtor ON bank_transactions (debtor_iban) WHERE debtor_iban <> '';

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    segment    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE customer_ibans (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    iban        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, iban)
) STRICT, WITHOUT ROWID;
CREATE INDEX customer_ibans_iban ON customer_ibans (iban);

CREATE TABLE customer_aliases (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    alias       TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE imports (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    source   TEXT NOT NULL,
    at       INTEGER NOT NULL,
    invoices INTEGER NOT NULL
) STRICT;

-- open = imported_open - lettered always; open moves toward zero and never
-- past it, whatever writes the row. first/last_import_id name imports rows
-- (no foreign key and no index: bulk imports write them for every invoice,
-- and only the rare "absent from the last import" listing reads them).
CREATE TABLE invoices (
    id                  TEXT PRIMARY KEY,
    number              TEXT NOT NULL,
    customer_id         TEXT NOT NULL REFERENCES customers (id),
    customer_name       TEXT NOT NULL,
    currency            TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    imported_open_minor INTEGER NOT NULL,
    lettered_minor      INTEGER NOT NULL DEFAULT 0,
    open_minor          INTEGER NOT NULL,
    issue_date          TEXT,
    due_date            TEXT,
    rf_reference        TEXT NOT NULL,
    segment             TEXT NOT NULL,
    status              TEXT NOT NULL,
    first_import_id     INTEGER NOT NULL,
    last_import_id      INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    CHECK (open_minor = imported_open_minor - lettered_minor),
    CHECK ((amount_minor >= 0 AND imported_open_minor BETWEEN 0 AND amount_minor AND open_minor BETWEEN 0 AND imported_open_minor)
        OR (amount_minor < 0 AND imported_open_minor BETWEEN amount_minor AND 0 AND open_minor BETWEEN imported_open_minor AND 0)),
    CHECK (status IN ('open', 'partially_paid', 'paid', 'cancelled'))
) STRICT, WITHOUT ROWID;
CREATE INDEX invoices_customer ON invoices (customer_id, id);
CREATE INDEX invoices_status ON invoices (status, id);

CREATE TABLE matches (
    id             TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES bank_transactions (id),
    decision       TEXT NOT NULL CHECK (decision IN ('auto', 'review', 'unmatched')),
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'applied', 'confirmed', 'rejected', 'reversed')),
    score          REAL NOT NULL,
    reasons        TEXT NOT NULL,
    currency       TEXT NOT NULL,
    unapplied      INTEGER NOT NULL,
    write_off      INTEGER NOT NULL,
    decided_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
-- One active decision per bank transaction.
CREATE UNIQUE INDEX matches_active_transaction ON matches (transaction_id)
    WHERE status IN ('proposed', 'applied', 'confirmed');
CREATE INDEX matches_status ON matches (status, id);

CREATE TABLE allocations (
    match_id     TEXT NOT NULL REFERENCES matches (id),
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    position     INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    PRIMARY KEY (match_id, invoice_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX allocations_invoice ON allocations (invoice_id);

CREATE TABLE dunning_cases (
    id           TEXT PRIMARY KEY,
    invoice_id   TEXT NOT NULL UNIQUE REFERENCES invoices (id),
    customer_id  TEXT NOT NULL,
    scenario     TEXT NOT NULL,
    stage        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
    stage_since  TEXT,
    pause_reason TEXT NOT NULL,
    paused_until TEXT,
    state        TEXT,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX dunning_cases_status ON dunning_cases (status, invoice_id);

CREATE TABLE dunning_steps (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL REFERENCES dunning_cases (id),
    invoice_id  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    as_of       TEXT,
    at          INTEGER NOT NULL,
    from_stage  TEXT NOT NULL,
    to_stage    TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    details     TEXT,
    UNIQUE (case_id, version)
) STRICT;
CREATE INDEX dunning_steps_invoice ON dunning_steps (invoice_id, seq);

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT NOT NULL,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE aggregate_sequences (
    aggregate_type TEXT NOT NULL,
    aggregate_id   TEXT NOT NULL,
    last_seq       INTEGER NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_id   TEXT NOT NULL,
    aggregate_seq  INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL,
    data           BLOB NOT NULL
) STRICT;
CREATE INDEX outbox_events_aggregate ON outbox_events (aggregate_type, aggregate_id, seq);

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES outbox_events (id),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    aggregate_key    TEXT NOT NULL,
    event_seq        INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'inflight', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_at          INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    last_http_status INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     INTEGER,
    lease_token      TEXT,
    lease_worker     TEXT,
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (event_id, endpoint_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (status, next_at);
CREATE INDEX deliveries_undelivered ON deliveries (endpoint_id, aggregate_key, event_seq)
    WHERE status IN ('pending', 'inflight');

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    http_status INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_us INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
) STRICT, WITHOUT ROWID;

CREATE TABLE ingest_jobs (
    id           TEXT PRIMARY KEY,
    file_hash    TEXT NOT NULL UNIQUE,
    file_name    TEXT NOT NULL,
    path         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    outcome      TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    lease_token  TEXT,
    lease_worker TEXT,
    lease_until  INTEGER,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX ingest_jobs_due ON ingest_jobs (status, next_at);

CREATE TABLE job_runs (
    name        TEXT NOT NULL,
    slot        TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (name, slot)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_journal (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    invoice_id  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    details     TEXT
) STRICT;
CREATE INDEX audit_journal_invoice ON audit_journal (invoice_id, seq) WHERE invoice_id <> '';
-- Rows about an invoice (entity_type 'invoice') are found through
-- invoice_id; leaving them out of this index halves the cost of journaling
-- a large import.
CREATE INDEX audit_journal_entity ON audit_journal (entity_type, entity_id, seq) WHERE entity_type <> 'invoice';

CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal
BEGIN
    SELECT RAISE(ABORT, 'audit journal is append-only');
END;
CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
BEGIN
    SELECT RAISE(ABORT, 'audit journal is append-only');
END;
