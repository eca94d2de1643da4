// Package sqlite is the embedded store: the ledger.Store contract on one
// SQLite file through modernc.org/sqlite (pure Go, no cgo).
//
// The database runs in WAL mode with foreign keys on, synchronous=FULL (a
// committed change survives a power cut) and a busy timeout. All writes go
// through one connection, so write transactions are serialised in the
// process and never meet SQLITE_BUSY; reads use a separate pool of
// read-only connections that WAL lets run beside the writer. A lock file
// (flock) in the database's directory refuses a second process on the same
// file: several replicas need PostgreSQL.
//
// The schema is created and upgraded by the migrations embedded in the
// package (golang-migrate, see Migrate).
package sqlite
