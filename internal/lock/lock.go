// Package lock provides cross-process locks: one flock(2)-ed file per
// object under a directory in the run root. A process that dies releases
// its locks with its file descriptors, so a killed berth never leaves an
// object locked.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Manager hands out locks stored as files in one directory.
type Manager struct {
	dir string
}

// Lock is one held lock. Unlock releases it; a Lock is not reusable.
type Lock struct {
	f *os.File
}

// New returns a manager for dir, creating it when missing.
func New(dir string) (*Manager, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating lock directory: %w", err)
	}
	return &Manager{dir: dir}, nil
}

func (m *Manager) path(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, "/\x00") || id == "." || id == ".." {
		return "", fmt.Errorf("invalid lock name %q", id)
	}
	return filepath.Join(m.dir, id), nil
}

// Lock takes the exclusive lock named id, waiting until it is free or ctx
// ends. flock cannot be interrupted, so waiting polls a non-blocking flock
// with a short, growing back-off; the uncontended case costs one syscall.
func (m *Manager) Lock(ctx context.Context, id string) (*Lock, error) {
	p, err := m.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", id, err)
	}
	delay := 500 * time.Microsecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &Lock{f: f}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", id, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", id, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 20*time.Millisecond {
			delay *= 2
		}
	}
}

// Unlock releases the lock. Closing the descriptor drops the flock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Remove deletes the lock file of an object that no longer exists. It is
// only safe while the caller holds that lock: anyone blocked on the old file
// then locks an unlinked inode, sees the object gone, and gives up.
func (m *Manager) Remove(id string) error {
	p, err := m.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing lock %s: %w", id, err)
	}
	return nil
}
