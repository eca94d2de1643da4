//go:build !unix && !windows

package sqlite

import (
	"errors"
	"os"
)

// tryLock fails: this platform has no file locking Lettrage can rely on,
// and running without it would let two processes corrupt the lettrage.
func tryLock(*os.File) (bool, error) {
	return false, errors.New("file locking is not supported on this platform; use PostgreSQL")
}

func unlock(*os.File) error { return nil }
