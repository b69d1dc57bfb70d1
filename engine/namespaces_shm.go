package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berthproject/berth/engine/spec"
)

// A shareable IPC namespace (--ipc shareable, a pod's infra container)
// gets its /dev/shm from a tmpfs berth mounts on the host, at
// <runroot>/shm/<id>: containers that join the namespace bind-mount the
// same directory (a mount inside another container's mount namespace
// cannot be bind-mounted: the kernel refuses with EINVAL). The tmpfs is
// made at init and unmounted at teardown; the run root is volatile, so a
// reboot leaves none behind.

func (r *Runtime) shmDir(id string) string { return filepath.Join(r.opts.RunRoot, "shm", id) }

// setupShm mounts the container's shareable /dev/shm, once.
func (l *Locked) setupShm() (string, error) {
	dir := l.c.r.shmDir(l.c.config.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating shm dir: %w", err)
	}
	if isMountpoint(dir) {
		return dir, nil
	}
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=65536k"); err != nil {
		return "", fmt.Errorf("mounting shm of %s: %w", l.c.config.Name, err)
	}
	return dir, nil
}

// releaseShm unmounts and removes the shareable /dev/shm; missing is fine.
// Containers still joined keep their own reference to the tmpfs.
func (l *Locked) releaseShm() error {
	if l.c.config.Spec.IPCMode != spec.NSModeShareable {
		return nil
	}
	dir := l.c.r.shmDir(l.c.config.ID)
	if isMountpoint(dir) {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmounting shm of %s: %w", l.c.config.Name, err)
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing shm dir of %s: %w", l.c.config.Name, err)
	}
	return nil
}

// isMountpoint reports whether dir is on another device than its parent
// (enough for the tmpfs mounted here).
func isMountpoint(dir string) bool {
	var st, parent unix.Stat_t
	if unix.Stat(dir, &st) != nil || unix.Stat(filepath.Dir(dir), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}
