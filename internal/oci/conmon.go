package oci

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// conmonExitWait bounds how long KillConmon waits for the killed monitor to
// be gone.
const conmonExitWait = 2 * time.Second

// checkID rejects IDs that would escape a directory when used as a file name
// (exit files) or be taken for an option by the runtime.
func checkID(id string) error {
	switch {
	case id == "", id == ".", id == "..":
		return fmt.Errorf("invalid container id %q", id)
	case strings.ContainsAny(id, "/\x00"), strings.HasPrefix(id, "-"):
		return fmt.Errorf("invalid container id %q", id)
	}
	return nil
}

// readPidFile reads a decimal PID from path (conmon and runc write them
// without a newline).
func readPidFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad content %q", path, b)
	}
	return pid, nil
}

// KillConmon SIGKILLs the conmon monitor whose PID is in pidFile, but only
// after /proc/PID/cmdline shows it is conmon for container id: a PID from a
// stale pidfile may belong to another process by now. A missing pidfile, a
// dead process, or a PID now used by something else all mean "that conmon is
// gone" and return nil. It waits briefly for the process to die.
func KillConmon(pidFile, id string) error {
	pid, err := readPidFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The pidfd pins the process: it is checked and signalled through the
	// same handle, so a PID reused between the check and the kill cannot be
	// hit.
	pidfd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case err != nil:
		pidfd = -1 // ENOSYS on old kernels: fall back to kill(2)
	default:
		defer unix.Close(pidfd)
	}
	ok, err := isConmonFor(pid, id)
	if err != nil || !ok {
		return err
	}
	// The exit command conmon runs is in conmon's process group, and
	// conmon waits for it: when that is us, conmon ends by itself once we
	// return, and signalling the group would kill us mid-cleanup.
	if unix.Getpgrp() == pid {
		return nil
	}
	// conmon runs setsid, so it leads its own process group; the group also
	// holds the exit command child it forks (which may be sleeping out
	// --exit-delay). Killing the group while the pidfd pins conmon (its PID,
	// and so the group ID, cannot be reused while it lives) stops that child
	// from running a cleanup for a container being torn down on purpose.
	if leadsGroup(pid) {
		_ = unix.Kill(-pid, unix.SIGKILL)
	}
	if pidfd >= 0 {
		err = unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
	} else {
		err = unix.Kill(pid, unix.SIGKILL)
	}
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("killing conmon %d: %w", pid, err)
	}
	if pidfd >= 0 {
		// A pidfd becomes readable when the process exits.
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, int(conmonExitWait/time.Millisecond))
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
	}
	return nil
}

// leadsGroup reports whether pid is its process group's leader.
func leadsGroup(pid int) bool {
	pgid, err := unix.Getpgid(pid)
	return err == nil && pgid == pid
}

// isConmonFor reports whether process pid is a conmon started for container
// id (argv[0] named conmon, and -c/--cid id among its arguments). A vanished
// process or a zombie (empty cmdline) is not.
func isConmonFor(pid int, id string) (bool, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking conmon pid %d: %w", pid, err)
	}
	return cmdlineIsConmonFor(b, id), nil
}

// cmdlineIsConmonFor checks a NUL-separated /proc/PID/cmdline.
func cmdlineIsConmonFor(cmdline []byte, id string) bool {
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(args) < 2 || filepath.Base(args[0]) != "conmon" {
		return false
	}
	for i, a := range args[1:] {
		switch {
		case a == "-c" || a == "--cid":
			if i+2 < len(args) && args[i+2] == id {
				return true
			}
		case a == "--cid="+id, a == "-c"+id:
			return true
		}
	}
	return false
}
