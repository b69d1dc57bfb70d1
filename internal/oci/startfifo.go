package oci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// execFifoName is the FIFO in runc's state directory (<root>/<id>/) on
// which a created container's init waits: `runc start` opens it for
// reading, reads the byte the init writes and removes it, and the init
// then executes the container's process. runc's state reports "created"
// for as long as the FIFO exists.
const execFifoName = "exec.fifo"

// fifoPollMs is how long one wait for the init's byte lasts before the
// init's liveness is checked again.
const fifoPollMs = 20

// StartCreated starts container id, created by Create with init PID pid.
// With runc it does what `runc start` does for a container without
// poststart hooks (berth sets none) without spawning runc: that saves the
// ~10 ms runc needs to start. Other runtimes, and a runc state directory
// that is not as expected, go through Start.
func (r *Runtime) StartCreated(ctx context.Context, id string, pid int) error {
	if err := checkID(id); err != nil {
		return err
	}
	if r.name == "runc" && r.stateRoot != "" && pid > 0 {
		if handled, err := releaseExecFifo(ctx, filepath.Join(r.stateRoot, id, execFifoName), pid); handled {
			if err != nil {
				return fmt.Errorf("%s start %s: %w", r.name, id, err)
			}
			return nil
		}
	}
	return r.Start(ctx, id)
}

// releaseExecFifo reads the init's byte from the FIFO at path and removes
// the FIFO. handled is false when there is no FIFO to read (the caller
// then asks the runtime, which reports the state the container is in).
func releaseExecFifo(ctx context.Context, path string, pid int) (handled bool, err error) {
	// Non-blocking, so that an init that died before opening its end
	// cannot hang the open; the init's blocking open for writing completes
	// as soon as this reader exists.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, nil
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return false, nil
	}
	buf := make([]byte, 8)
	for {
		n, rerr := unix.Read(fd, buf)
		if n > 0 {
			break
		}
		if rerr != nil && !errors.Is(rerr, unix.EAGAIN) && !errors.Is(rerr, unix.EINTR) {
			return true, fmt.Errorf("reading %s: %w", path, rerr)
		}
		// Nothing yet. The FIFO only reports a hang-up once a writer has
		// come and gone since our open: the init closed it without
		// writing, which runc treats as an already started container.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, perr := unix.Poll(fds, fifoPollMs); perr != nil && !errors.Is(perr, unix.EINTR) {
			return true, fmt.Errorf("waiting on %s: %w", path, perr)
		}
		if fds[0].Revents&unix.POLLIN == 0 && fds[0].Revents&unix.POLLHUP != 0 {
			return true, errors.New("cannot start an already running container")
		}
		if fds[0].Revents == 0 {
			if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
				return true, fmt.Errorf("container init (pid %d) exited before start: %w", pid, ErrNotRunning)
			}
			if err := ctx.Err(); err != nil {
				return true, err
			}
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, fmt.Errorf("removing %s: %w", path, err)
	}
	return true, nil
}
