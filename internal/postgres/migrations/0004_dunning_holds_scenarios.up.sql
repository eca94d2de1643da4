-- Customer-wide dunning holds get a table of their own (they were journal
-- rows read back at every run), and customers a dunning scenario override.
-- The journal rows stay the record (same actions and details as before, so
-- a binary from before this migration still reads them after a down).

CREATE TABLE dunning_holds (
    id          text COLLATE "C" PRIMARY KEY,
    customer_id text COLLATE "C" NOT NULL REFERENCES customers (id),
    kind        text NOT NULL CHECK (kind <> ''),
    note        text NOT NULL,
    since       date NOT NULL,
    until       date,
    published   date,
    placed_at   timestamptz NOT NULL,
    placed_by   text NOT NULL,
    lifted_on   date,
    lifted_at   timestamptz,
    lifted_by   text NOT NULL DEFAULT '',
    lift_note   text NOT NULL DEFAULT '',
    CHECK (until IS NULL OR until > since),
    CHECK ((lifted_on IS NULL) = (lifted_at IS NULL))
);
CREATE INDEX dunning_holds_customer ON dunning_holds (customer_id, id);
CREATE INDEX dunning_holds_active ON dunning_holds (id) WHERE lifted_on IS NULL;

-- The holds placed before this migration, from the journal.
INSERT INTO dunning_holds (id, customer_id, kind, note, since, until, published, placed_at, placed_by)
SELECT d ->> 'hold_id', entity_id, d ->> 'kind', COALESCE(d ->> 'reason', ''), (d ->> 'since')::date,
       (d ->> 'until')::date, (d ->> 'published')::date, at, actor
FROM (SELECT seq, entity_id, at, actor, details::jsonb AS d FROM audit_journal
      WHERE entity_type = 'dunning_customer_hold' AND action = 'dunning.customer_hold.placed') AS j
WHERE d ->> 'hold_id' IS NOT NULL
ORDER BY seq;

UPDATE dunning_holds h SET
    lifted_on = l.until, lifted_at = l.at, lifted_by = l.actor, lift_note = l.reason
FROM (SELECT DISTINCT ON (d ->> 'hold_id') d ->> 'hold_id' AS hold_id, (d ->> 'until')::date AS until, at, actor,
             COALESCE(d ->> 'reason', '') AS reason
      FROM (SELECT seq, at, actor, details::jsonb AS d FROM audit_journal
            WHERE entity_type = 'dunning_customer_hold' AND action = 'dunning.customer_hold.lifted') AS j
      ORDER BY d ->> 'hold_id', seq DESC) AS l
WHERE l.hold_id = h.id AND l.until IS NOT NULL;

CREATE TABLE dunning_customer_scenarios (
    customer_id text COLLATE "C" PRIMARY KEY REFERENCES customers (id),
    scenario    text NOT NULL CHECK (scenario <> ''),
    reason      text NOT NULL,
    set_at      timestamptz NOT NULL,
    set_by      text NOT NULL
);
