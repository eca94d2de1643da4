// Package pgtest gives tests a PostgreSQL database of their own: the DSN of
// LETTRAGE_TEST_PG_DSN with a fresh schema selected by search_path, dropped
// when the test ends, so tests run in parallel on one database.
//
// Without LETTRAGE_TEST_PG_DSN a test skips with a loud message; under CI
// (CI set) it fails instead, so a missing database never passes silently.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that holds the test database DSN.
const EnvDSN = "LETTRAGE_TEST_PG_DSN"

// DSN returns the test database DSN, or skips (fails under CI) when unset.
// what names what goes untested, for the message.
func DSN(t testing.TB, what string) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		msg := EnvDSN + " is not set, so " + what + " is NOT TESTED on PostgreSQL; set it, e.g. " +
			EnvDSN + "='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	return dsn
}

// NewSchema creates a schema named prefix_<random> for this test, drops it
// at cleanup, and returns a DSN whose search_path selects it.
func NewSchema(t testing.TB, what, prefix string) string {
	t.Helper()
	dsn := DSN(t, what)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := prefix + "_" + hex.EncodeToString(b[:])
	Exec(t, dsn, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { Exec(t, dsn, `DROP SCHEMA `+schema+` CASCADE`) })
	return WithSearchPath(t, dsn, schema)
}

// Exec runs one SQL statement on its own connection.
func Exec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithSearchPath adds a search_path run-time parameter to a DSN (URL or
// key=value form).
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse %s: %v", EnvDSN, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
