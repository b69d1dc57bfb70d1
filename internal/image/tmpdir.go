package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Temporary directories.
//
// containers/image stages whole blobs under SystemContext.BigFilesTemporaryDir
// and never removes what a killed process left there (see the note, section
// 6). Several berth processes share Options.TmpDir, so wiping it blindly
// would destroy another process's pull in progress. Each operation therefore
// works in its own directory "op-*", holding an exclusive flock on it for as
// long as it runs; the kernel drops the lock when the process dies. New
// removes every op-* directory whose lock it can take.
//
// The directory is created as ".new-*" and renamed only once locked, so no
// unlocked op-* directory is ever in use. A ".new-*" left by a crash in that
// window is removed once it is older than staleNew.

const (
	opPrefix  = "op-"
	newPrefix = ".new-"
	staleNew  = time.Minute
)

// opDir is a locked per-operation temporary directory.
type opDir struct {
	path string
	lock *os.File
}

// newOpDir creates and locks a fresh operation directory under tmp.
func newOpDir(tmp string) (*opDir, error) {
	d, err := os.MkdirTemp(tmp, newPrefix)
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	f, err := os.Open(d)
	if err != nil {
		os.RemoveAll(d)
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		os.RemoveAll(d)
		return nil, fmt.Errorf("locking temporary directory: %w", err)
	}
	final := filepath.Join(tmp, opPrefix+strings.TrimPrefix(filepath.Base(d), newPrefix))
	if err := os.Rename(d, final); err != nil {
		f.Close()
		os.RemoveAll(d)
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	return &opDir{path: final, lock: f}, nil
}

// release removes the directory and drops the lock.
func (o *opDir) release() error {
	err := os.RemoveAll(o.path)
	return errors.Join(err, o.lock.Close())
}

// wipeStale removes what killed processes left in tmp.
func wipeStale(tmp string) error {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("cleaning temporary directory: %w", err)
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(tmp, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), opPrefix) && e.IsDir():
			if !tryLock(p) {
				continue // in use by a live process
			}
		case strings.HasPrefix(e.Name(), newPrefix):
			info, err := e.Info()
			if err != nil || time.Since(info.ModTime()) < staleNew {
				continue
			}
		}
		// Anything else is not ours to keep (e.g. blobs staged directly in
		// tmp by an older version).
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cleaning temporary directory: %w", errors.Join(errs...))
	}
	return nil
}

// tryLock reports whether nobody holds the lock on dir. The lock is
// released again on return; the caller removes dir right after, and a
// process that lost its directory that way was already dead.
func tryLock(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}
