-- Customer-wide dunning holds get a table of their own (they were journal
-- rows read back at every run), and customers a dunning scenario override.
-- The journal rows stay the record (same actions and details as before, so
-- a binary from before this migration still reads them after a down).

CREATE TABLE dunning_holds (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind <> ''),
    note        TEXT NOT NULL,
    since       TEXT NOT NULL,
    until       TEXT,
    published   TEXT,
    placed_at   INTEGER NOT NULL,
    placed_by   TEXT NOT NULL,
    lifted_on   TEXT,
    lifted_at   INTEGER,
    lifted_by   TEXT NOT NULL DEFAULT '',
    lift_note   TEXT NOT NULL DEFAULT '',
    CHECK (until IS NULL OR until > since),
    CHECK ((lifted_on IS NULL) = (lifted_at IS NULL))
) STRICT;
CREATE INDEX dunning_holds_customer ON dunning_holds (customer_id, id);
CREATE INDEX dunning_holds_active ON dunning_holds (id) WHERE lifted_on IS NULL;

-- The holds placed before this migration, from the journal.
INSERT INTO dunning_holds (id, customer_id, kind, note, since, until, published, placed_at, placed_by)
SELECT json_extract(details, '$.hold_id'), entity_id, json_extract(details, '$.kind'),
       COALESCE(json_extract(details, '$.reason'), ''), json_extract(details, '$.since'),
       json_extract(details, '$.until'), json_extract(details, '$.published'), at, actor
FROM audit_journal
WHERE entity_type = 'dunning_customer_hold' AND action = 'dunning.customer_hold.placed'
  AND json_valid(details) AND json_extract(details, '$.hold_id') IS NOT NULL
ORDER BY seq;

UPDATE dunning_holds SET
    lifted_on = l.until, lifted_at = l.at, lifted_by = l.actor, lift_note = l.reason
FROM (SELECT json_extract(details, '$.hold_id') AS hold_id, json_extract(details, '$.until') AS until, at, actor,
             COALESCE(json_extract(details, '$.reason'), '') AS reason,
             row_number() OVER (PARTITION BY json_extract(details, '$.hold_id') ORDER BY seq DESC) AS n
      FROM audit_journal
      WHERE entity_type = 'dunning_customer_hold' AND action = 'dunning.customer_hold.lifted' AND json_valid(details)) AS l
WHERE l.hold_id = dunning_holds.id AND l.n = 1 AND l.until IS NOT NULL;

CREATE TABLE dunning_customer_scenarios (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id),
    scenario    TEXT NOT NULL CHECK (scenario <> ''),
    reason      TEXT NOT NULL,
    set_at      INTEGER NOT NULL,
    set_by      TEXT NOT NULL
) STRICT, WITHOUT ROWID;
