-- Lettrage schema, PostgreSQL engine. Times are timestamptz, civil dates
-- date, money bigint minor units + text currency, JSON documents text (and
-- event payloads bytea) kept byte for byte. Objects are created in the
-- current schema (search_path), so one database can hold several schemas.
-- Identifiers use the "C" collation: byte order, as on SQLite, and cheap
-- comparisons.

CREATE TABLE statement_files (
    hash       text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    size       bigint NOT NULL,
    format     text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE statements (
    id             text COLLATE "C" PRIMARY KEY,
    file_hash      text COLLATE "C" NOT NULL REFERENCES statement_files (hash),
    position       bigint NOT NULL,
    account_id     text COLLATE "C" NOT NULL,
    format         text NOT NULL,
    bank_stmt_id   text COLLATE "C" NOT NULL,
    electronic_seq text NOT NULL,
    legal_seq      text NOT NULL,
    from_date      date,
    to_date        date,
    header         text NOT NULL,
    inserted       bigint NOT NULL DEFAULT 0,
    duplicates     bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    UNIQUE (file_hash, position)
);
CREATE INDEX statements_account ON statements (account_id, id);

CREATE TABLE bank_transactions (
    id           text COLLATE "C" PRIMARY KEY,
    statement_id text COLLATE "C" NOT NULL REFERENCES statements (id),
    account_id   text COLLATE "C" NOT NULL,
    dedup_key    text COLLATE "C" NOT NULL,
    bank_ref     text NOT NULL,
    booking_date date,
    status       text NOT NULL,
    direction    text NOT NULL,
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    debtor_iban  text NOT NULL,
    detail       text NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (account_id, dedup_key)
);
CREATE INDEX bank_transactions_statement ON bank_transactions (statement_id, id);
CREATE INDEX bank_transactions_debtor ON bank_transactions (debtor_iban) WHERE debtor_iban <> '';

CREATE TABLE customers (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    segment    text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE customer_ibans (
    customer_id text COLLATE "C" NOT NULL REFERENCES customers (id),
    iban        text NOT NULL,
    source      text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (customer_id, iban)
);
CREATE INDEX customer_ibans_iban ON customer_ibans (iban);

CREATE TABLE customer_aliases (
    customer_id text COLLATE "C" NOT NULL REFERENCES customers (id),
    alias       text NOT NULL,
    source      text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (customer_id, alias)
);

CREATE TABLE imports (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source   text NOT NULL,
    at       timestamptz NOT NULL,
    invoices bigint NOT NULL
);

-- open = imported_open - lettered always; open moves toward zero and never
-- past it, whatever writes the row. first/last_import_id name imports rows
-- (no foreign key and no index: bulk imports write them for every invoice,
-- and only the rare "absent from the last import" listing reads them).
CREATE TABLE invoices (
    id                  text COLLATE "C" PRIMARY KEY,
    number              text NOT NULL,
    customer_id         text COLLATE "C" NOT NULL, -- a customers row: UpsertInvoices writes both (no FK: its per-row trigger doubles import time)
    customer_name       text NOT NULL,
    currency            text NOT NULL,
    amount_minor        bigint NOT NULL,
    imported_open_minor bigint NOT NULL,
    lettered_minor      bigint NOT NULL DEFAULT 0,
    open_minor          bigint NOT NULL,
    issue_date          date,
    due_date            date,
    rf_reference        text NOT NULL,
    segment             text NOT NULL,
    status              text NOT NULL,
    first_import_id     bigint NOT NULL,
    last_import_id      bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (open_minor = imported_open_minor - lettered_minor),
    CHECK ((amount_minor >= 0 AND imported_open_minor BETWEEN 0 AND amount_minor AND open_minor BETWEEN 0 AND imported_open_minor)
        OR (amount_minor < 0 AND imported_open_minor BETWEEN amount_minor AND 0 AND open_minor BETWEEN imported_open_minor AND 0)),
    CHECK (status IN ('open', 'partially_paid', 'paid', 'cancelled'))
) WITH (fillfactor = 80); -- room on each page for HOT updates: open amounts change often
CREATE INDEX invoices_customer ON invoices (customer_id, id);
CREATE INDEX invoices_status ON invoices (status, id);

CREATE TABLE matches (
    id             text COLLATE "C" PRIMARY KEY,
    transaction_id text COLLATE "C" NOT NULL REFERENCES bank_transactions (id),
    decision       text NOT NULL CHECK (decision IN ('auto', 'review', 'unmatched')),
    status         text NOT NULL CHECK (status IN ('proposed', 'applied', 'confirmed', 'rejected', 'reversed')),
    score          double precision NOT NULL,
    reasons        text NOT NULL,
    currency       text NOT NULL,
    unapplied      bigint NOT NULL,
    write_off      bigint NOT NULL,
    decided_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
-- One active decision per bank transaction.
CREATE UNIQUE INDEX matches_active_transaction ON matches (transaction_id)
    WHERE status IN ('proposed', 'applied', 'confirmed');
CREATE INDEX matches_status ON matches (status, id);

CREATE TABLE allocations (
    match_id     text COLLATE "C" NOT NULL REFERENCES matches (id),
    invoice_id   text COLLATE "C" NOT NULL REFERENCES invoices (id),
    position     bigint NOT NULL,
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    PRIMARY KEY (match_id, invoice_id)
);
CREATE INDEX allocations_invoice ON allocations (invoice_id);

CREATE TABLE dunning_cases (
    id           text COLLATE "C" PRIMARY KEY,
    invoice_id   text COLLATE "C" NOT NULL UNIQUE REFERENCES invoices (id),
    customer_id  text COLLATE "C" NOT NULL,
    scenario     text NOT NULL,
    stage        text NOT NULL,
    status       text NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
    stage_since  date,
    pause_reason text NOT NULL,
    paused_until date,
    state        text,
    version      bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX dunning_cases_status ON dunning_cases (status, invoice_id);

CREATE TABLE dunning_steps (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     text COLLATE "C" NOT NULL REFERENCES dunning_cases (id),
    invoice_id  text COLLATE "C" NOT NULL,
    version     bigint NOT NULL,
    as_of       date,
    at          timestamptz NOT NULL,
    from_stage  text NOT NULL,
    to_stage    text NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    action      text NOT NULL,
    actor       text NOT NULL,
    reason      text NOT NULL,
    details     text,
    UNIQUE (case_id, version)
);
CREATE INDEX dunning_steps_invoice ON dunning_steps (invoice_id, seq);

CREATE TABLE webhook_endpoints (
    id              text COLLATE "C" PRIMARY KEY,
    url             text NOT NULL,
    events          text NOT NULL,
    enabled         boolean NOT NULL,
    disabled_reason text NOT NULL,
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE aggregate_sequences (
    aggregate_type text NOT NULL,
    aggregate_id   text COLLATE "C" NOT NULL,
    last_seq       bigint NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

CREATE TABLE outbox_events (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text COLLATE "C" NOT NULL UNIQUE,
    type           text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id   text COLLATE "C" NOT NULL,
    aggregate_seq  bigint NOT NULL,
    occurred_at    timestamptz NOT NULL,
    data           bytea NOT NULL
);
CREATE INDEX outbox_events_aggregate ON outbox_events (aggregate_type, aggregate_id, seq);

CREATE TABLE deliveries (
    id               text COLLATE "C" PRIMARY KEY,
    event_id         text COLLATE "C" NOT NULL REFERENCES outbox_events (id),
    endpoint_id      text COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id),
    aggregate_key    text COLLATE "C" NOT NULL,
    event_seq        bigint NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'inflight', 'delivered', 'dead')),
    attempts         bigint NOT NULL DEFAULT 0,
    next_at          timestamptz NOT NULL,
    last_attempt_at  timestamptz,
    last_http_status bigint NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    delivered_at     timestamptz,
    lease_token      text,
    lease_worker     text,
    lease_until      timestamptz,
    created_at       timestamptz NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_at);
CREATE INDEX deliveries_undelivered ON deliveries (endpoint_id, aggregate_key, event_seq)
    WHERE status IN ('pending', 'inflight');

CREATE TABLE delivery_attempts (
    delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id),
    n           bigint NOT NULL,
    at          timestamptz NOT NULL,
    http_status bigint NOT NULL,
    error       text NOT NULL,
    duration_us bigint NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

CREATE TABLE ingest_jobs (
    id           text COLLATE "C" PRIMARY KEY,
    file_hash    text COLLATE "C" NOT NULL UNIQUE,
    file_name    text NOT NULL,
    path         text NOT NULL,
    size         bigint NOT NULL,
    status       text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    outcome      text NOT NULL DEFAULT '',
    detail       text NOT NULL DEFAULT '',
    attempts     bigint NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL,
    lease_token  text,
    lease_worker text,
    lease_until  timestamptz,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    finished_at  timestamptz
);
CREATE INDEX ingest_jobs_due ON ingest_jobs (status, next_at);

CREATE TABLE job_runs (
    name        text NOT NULL,
    slot        text NOT NULL,
    finished_at timestamptz NOT NULL,
    PRIMARY KEY (name, slot)
);

CREATE TABLE audit_journal (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text COLLATE "C" NOT NULL,
    invoice_id  text COLLATE "C" NOT NULL,
    reason      text NOT NULL,
    details     text
);
CREATE INDEX audit_journal_invoice ON audit_journal (invoice_id, seq) WHERE invoice_id <> '';
-- Rows about an invoice (entity_type 'invoice') are found through
-- invoice_id; leaving them out of this index halves the cost of journaling
-- a large import.
CREATE INDEX audit_journal_entity ON audit_journal (entity_type, entity_id, seq) WHERE entity_type <> 'invoice';

CREATE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit journal is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER audit_journal_no_update BEFORE UPDATE OR DELETE ON audit_journal
    FOR EACH ROW EXECUTE FUNCTION audit_journal_append_only();
CREATE TRIGGER audit_journal_no_truncate BEFORE TRUNCATE ON audit_journal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_journal_append_only();
