package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
)

// All file operations go through an os.Root opened on the data directory:
// no name, symbolic link or ".." can make them reach outside it.

// moveNoClobber moves the entry at from into dir under name, or the first
// free variant of name (see variant), never replacing anything, and returns
// the path it now has. A regular file is hard-linked then unlinked, so that
// an existing name is never overwritten even by a concurrent mover; when
// the file system cannot link (or for directories and other entries) the
// name is checked then renamed, which only replicas of this program could
// race. A destination that is already the same file (a move interrupted
// between link and unlink) completes the move.
func moveNoClobber(root *os.Root, from, dir, name string) (string, error) {
	if err := root.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("move %s: %w", from, err)
	}
	src, err := root.Lstat(from)
	if err != nil {
		return "", fmt.Errorf("move %s: %w", from, err)
	}
	for n := 1; n < 10000; n++ {
		dest := path.Join(dir, variant(name, n))
		if src.Mode().IsRegular() {
			err := root.Link(from, dest)
			switch {
			case err == nil:
				if err := root.Remove(from); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return "", fmt.Errorf("move %s: remove after link to %s: %w", from, dest, err)
				}
				syncDirs(root, dir, path.Dir(from))
				return dest, nil
			case errors.Is(err, fs.ErrExist):
				if sameEntry(root, from, dest) {
					if err := root.Remove(from); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return "", fmt.Errorf("move %s: %w", from, err)
					}
					return dest, nil
				}
				continue
			case errors.Is(err, fs.ErrNotExist):
				return "", fmt.Errorf("move %s: %w", from, err)
			}
			// Hard links unsupported here: fall back to rename.
		}
		if _, err := root.Lstat(dest); err == nil {
			if sameEntry(root, from, dest) {
				return dest, nil
			}
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("move %s: %w", from, err)
		}
		if err := root.Rename(from, dest); err != nil {
			return "", fmt.Errorf("move %s to %s: %w", from, dest, err)
		}
		syncDirs(root, dir, path.Dir(from))
		return dest, nil
	}
	return "", fmt.Errorf("move %s: no free name for %s in %s", from, name, dir)
}

// sameEntry reports whether two paths name the same file system entry.
func sameEntry(root *os.Root, a, b string) bool {
	fa, err := root.Lstat(a)
	if err != nil {
		return false
	}
	fb, err := root.Lstat(b)
	return err == nil && os.SameFile(fa, fb)
}

// syncDirs flushes directory entries (the names a move changed) to disk, so
// that a move reported done survives a power cut. Failures are ignored:
// some file systems cannot sync a directory.
func syncDirs(root *os.Root, dirs ...string) {
	for _, d := range dirs {
		if f, err := root.Open(d); err == nil {
			_ = f.Sync()
			_ = f.Close()
		}
	}
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, synced then renamed: a reader sees the whole file or none.
func writeFileAtomic(root *os.Root, name string, data []byte) error {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(rnd[:])+".tmp")
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	syncDirs(root, path.Dir(name))
	return nil
}

// openRegular opens a file that must still be the regular file described
// by want (same inode): a file swapped for a link or a device between the
// look and the open is refused.
func openRegular(root *os.Root, name string, want fs.FileInfo) (*os.File, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	got, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !got.Mode().IsRegular() || (want != nil && !os.SameFile(got, want)) {
		f.Close()
		return nil, fmt.Errorf("open %s: the file was replaced while being taken", name)
	}
	return f, nil
}

// ctxReader stops a long read when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// hashFile returns the hex SHA-256 of an open file's content, read in a
// stream, and the number of bytes read.
func hashFile(ctx context.Context, f io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 256<<10))
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// hexSum returns the hex digest of h.
func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
