// Package postgres is the production store: the ledger.Store contract on
// PostgreSQL through github.com/jackc/pgx/v5 (pgxpool, CopyFrom for bulk
// loads), for one or several Lettrage replicas sharing a database.
//
// Every method is one transaction at READ COMMITTED. Concurrent writers are
// kept apart by row locks and guards in the statements themselves (an
// invoice's open amount is checked in the UPDATE that moves it), work is
// claimed with SELECT … FOR UPDATE SKIP LOCKED, and scheduled jobs take a
// session advisory lock. Serialisation failures and deadlocks surface as
// ledger.ErrConflict, which callers may retry.
//
// Objects live in the connection's current schema (search_path, e.g.
// "postgres://…/db?search_path=lettrage"), so one database can hold several
// installations, and the tests one schema each. The schema is created and
// upgraded by the migrations embedded in the package (see Migrate).
package postgres
