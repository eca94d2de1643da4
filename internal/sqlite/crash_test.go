package sqlite

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/storetest"
)

// crashEnv names the database file a writer process works on; the test
// binary re-executes itself with it set.
const crashEnv = "LETTRAGE_CRASH_SQLITE"

// TestCrashWriterProcess is the writer process of TestCrashSafety.
func TestCrashWriterProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("writer process of TestCrashSafety; runs only when re-executed by it")
	}
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Fatal(storetest.CrashWriter(t.Context(), s, os.Getenv(crashEnv+"_RUN"), os.Stdin, os.Stdout))
}

// TestCrashSafety kills a writer process (kill -9) in the middle of a
// transaction, then reopens the database: it must be intact and
// consistent, the killed transaction absent. It does so twice, killing the
// first writer while it stores a statement file and a second one, which
// carries on on the same database, while it letters. While the first
// writer runs, a second process is refused the database with a clear
// message.
func TestCrashSafety(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	refused := func(pid int) {
		_, err := Open(t.Context(), path, Options{})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", pid)) {
			t.Errorf("open while another process writes: %v, want ErrLocked naming process %d", err, pid)
		}
	}
	for i, kind := range []string{"file", "match"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_RUN=run%d", crashEnv, i))
		marker := storetest.KillWriterMidTransaction(t, cmd, kind, refused)
		refused = nil
		s, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("reopen after the crash: %v", err)
		}
		var check string
		if err := s.r.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity check: %q, %v", check, err)
		}
		storetest.CheckConsistent(t, s, marker)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
