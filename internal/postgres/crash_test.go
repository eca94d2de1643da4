package postgres

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/lettrage/lettrage/internal/storetest"
)

// crashEnv holds the DSN (with its test schema) a writer process works on;
// the test binary re-executes itself with it set.
const crashEnv = "LETTRAGE_CRASH_PG_DSN"

// TestCrashWriterProcess is the writer process of TestCrashSafety.
func TestCrashWriterProcess(t *testing.T) {
	dsn := os.Getenv(crashEnv)
	if dsn == "" {
		t.Skip("writer process of TestCrashSafety; runs only when re-executed by it")
	}
	s, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Fatal(storetest.CrashWriter(t.Context(), s, os.Getenv(crashEnv+"_RUN"), os.Stdin, os.Stdout))
}

// TestCrashSafety kills a writer process (kill -9) in the middle of a
// transaction, then opens the database again: it must be consistent, the
// killed transaction absent (PostgreSQL rolls it back when the connection
// drops). It does so twice, killing the first writer while it stores a
// statement file and a second one, which carries on on the same database,
// while it letters.
func TestCrashSafety(t *testing.T) {
	dsn := newSchema(t)
	openDSN(t, dsn) // migrate
	for i, kind := range []string{"file", "match"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dsn, fmt.Sprintf("%s_RUN=run%d", crashEnv, i))
		marker := storetest.KillWriterMidTransaction(t, cmd, kind, nil)
		storetest.CheckConsistent(t, openDSN(t, dsn), marker)
	}
}
