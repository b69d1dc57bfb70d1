package oci

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// errExitFileEmpty means the exit file exists but conmon has not written the
// code yet (it was caught between create and write).
var errExitFileEmpty = errors.New("exit file is empty")

// exitPollInterval is the fallback poll period when inotify is unavailable.
const exitPollInterval = 100 * time.Millisecond

// ReadExitFile reads the exit code conmon wrote to dir/id, and the time it
// was written. The file holds the code in ASCII without a newline; 128+N
// means killed by signal N, -1 killed by conmon's --timeout (conmon.md §5).
// The error wraps fs.ErrNotExist when the file is absent.
func ReadExitFile(dir, id string) (code int, at time.Time, err error) {
	if err := checkID(id); err != nil {
		return 0, time.Time{}, err
	}
	path := filepath.Join(dir, id)
	f, err := os.Open(path)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("reading exit file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("reading exit file: %w", err)
	}
	var buf [64]byte
	n, err := f.Read(buf[:])
	if n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return 0, time.Time{}, fmt.Errorf("%s: %w", path, errExitFileEmpty)
		}
		return 0, time.Time{}, fmt.Errorf("reading exit file: %w", err)
	}
	code, err = strconv.Atoi(string(bytes.TrimSpace(buf[:n])))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("exit file %s: bad content %q", path, buf[:n])
	}
	return code, st.ModTime(), nil
}

// WaitExitFile blocks until dir/id exists and holds an exit code, or ctx
// ends. It watches dir with inotify and only polls (every 100ms) when
// inotify cannot be set up. The watch is added before the first look, so a
// file created in between is not missed.
func WaitExitFile(ctx context.Context, dir, id string) (int, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	w, werr := newDirWatch(dir)
	if werr == nil {
		defer w.close()
	}
	code, _, err := ReadExitFile(dir, id)
	if err == nil || !(errors.Is(err, os.ErrNotExist) || errors.Is(err, errExitFileEmpty)) {
		return code, err
	}
	if werr != nil {
		return pollExitFile(ctx, dir, id)
	}
	for {
		changed, err := w.wait(ctx, id)
		if err != nil {
			return 0, err
		}
		if !changed {
			continue
		}
		code, _, err := ReadExitFile(dir, id)
		if err == nil || !(errors.Is(err, os.ErrNotExist) || errors.Is(err, errExitFileEmpty)) {
			return code, err
		}
	}
}

func pollExitFile(ctx context.Context, dir, id string) (int, error) {
	t := time.NewTicker(exitPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-t.C:
		}
		code, _, err := ReadExitFile(dir, id)
		if err == nil || !(errors.Is(err, os.ErrNotExist) || errors.Is(err, errExitFileEmpty)) {
			return code, err
		}
	}
}

// dirWatch is an inotify watch on one directory, read through Go's poller
// so that waiting can be cancelled.
type dirWatch struct {
	f *os.File
}

func newDirWatch(dir string) (*dirWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify_init1: %w", err)
	}
	// IN_CLOSE_WRITE: written in place; IN_MOVED_TO: written elsewhere and
	// renamed in; IN_CREATE: first sign of either. The self events end the
	// wait when the directory goes away.
	const mask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_CLOSE_WRITE |
		unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
	if _, err := unix.InotifyAddWatch(fd, dir, mask); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("inotify watch on %s: %w", dir, err)
	}
	// A non-blocking fd makes os.NewFile register it with the poller, so
	// reads honour deadlines.
	return &dirWatch{f: os.NewFile(uintptr(fd), "inotify:"+dir)}, nil
}

func (w *dirWatch) close() { w.f.Close() }

// wait reads one batch of events. changed reports whether an event may
// concern name (or events were lost), so the caller should look again.
func (w *dirWatch) wait(ctx context.Context, name string) (changed bool, err error) {
	stop := context.AfterFunc(ctx, func() { w.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var buf [4096]byte
	n, err := w.f.Read(buf[:])
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		return false, fmt.Errorf("reading inotify events: %w", err)
	}
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		// struct inotify_event { int wd; u32 mask, cookie, len; char name[]; }
		mask := binary.NativeEndian.Uint32(buf[off+4:])
		nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
		nameBytes := buf[off+unix.SizeofInotifyEvent : min(n, off+unix.SizeofInotifyEvent+nameLen)]
		off += unix.SizeofInotifyEvent + nameLen
		switch {
		case mask&unix.IN_Q_OVERFLOW != 0:
			changed = true
		case mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_IGNORED) != 0:
			return false, fmt.Errorf("exit directory was removed or moved while waiting: %w", os.ErrNotExist)
		case string(bytes.TrimRight(nameBytes, "\x00")) == name:
			changed = true
		}
	}
	return changed, nil
}
