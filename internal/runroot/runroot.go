// Package runroot prepares the engine's run root: the directory of state
// that must not outlive a boot (locks, bundles, exit files, network
// namespaces, the runtime's state).
package runroot

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Prepare creates dir and, when it is empty and not on a tmpfs, mounts a
// tmpfs on it.
//
// Why: the run root is meant to live in memory (/run is a tmpfs on most
// hosts), and every container creates and deletes a few dozen small files
// there. On a disk file system that churn is slow, and on ext4 without a
// journal (as on this project's VMs) each new inode is placed by scanning
// past the recently deleted ones, which makes back-to-back `run --rm`
// ~10% slower. A tmpfs also empties itself at reboot, which is what the
// run root's contents expect. A run root that already holds files is left
// as it is: mounting over it would hide live state. Without the right to
// mount (EPERM) the run root simply stays on disk.
func Prepare(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	defer unix.Close(fd)
	// Two first commands at once must not both mount: the second mount
	// would hide what the first one's process put in the run root. The lock
	// is on the directory underneath; whoever gets it second sees the tmpfs.
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", dir, err)
	}
	defer unix.Flock(fd, unix.LOCK_UN)
	if onTmpfs(dir) {
		return nil
	}
	empty, err := isEmpty(dir)
	if err != nil || !empty {
		return err
	}
	err = unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700")
	if errors.Is(err, unix.EPERM) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mounting a tmpfs on %s: %w", dir, err)
	}
	return nil
}

// onTmpfs reports whether dir is on a tmpfs (or ramfs).
func onTmpfs(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
}

func isEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}
