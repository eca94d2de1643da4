package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked reports a database file held by another process.
var ErrLocked = errors.New("database in use by another process")

// fileLock is an exclusive advisory lock on a file next to the database,
// held for the life of the Store. The operating system releases it when the
// process dies, however it dies.
type fileLock struct {
	f *os.File
}

// lockFile takes the lock at path or explains who holds it.
func lockFile(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := "another process"
		if pid := strings.TrimSpace(string(b)); pid != "" {
			holder = "process " + pid
		}
		return nil, fmt.Errorf("sqlite database %s is in use by %s (lock file %s): stop it first; several replicas need PostgreSQL: %w",
			strings.TrimSuffix(path, ".lock"), holder, path, ErrLocked)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

// release unlocks and closes the lock file. The file stays: removing it
// would race with a process about to lock it.
func (l *fileLock) release() error {
	_ = l.f.Truncate(0)
	if err := unlock(l.f); err != nil {
		l.f.Close()
		return err
	}
	return l.f.Close()
}
