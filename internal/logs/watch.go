package logs

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// watcher wakes a following reader when the log may have changed. It
// watches the log's directory rather than the file: a directory watch sees
// writes to the file (IN_MODIFY, which truncation also raises), the file
// being created, and conmon's rotation, which renames "<log>.tmp" over the
// log (IN_MOVED_TO) and would leave a watch on the old inode silent.
// Without inotify, wait is a plain 250 ms poll.
type watcher struct {
	f      *os.File // the inotify descriptor, nil when polling
	events chan struct{}
}

const watchMask = unix.IN_MODIFY | unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

func newWatcher(path string) *watcher {
	w := pollWatcher(path)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return w
	}
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), watchMask); err != nil {
		unix.Close(fd)
		return w
	}
	// A non-blocking descriptor joins Go's poller, so the reading goroutine
	// parks without a thread and Close wakes it up.
	w.f = os.NewFile(uintptr(fd), "inotify")
	go w.run(filepath.Base(path))
	return w
}

// pollWatcher never reports events: wait is a timeout, i.e. a poll.
func pollWatcher(string) *watcher {
	return &watcher{events: make(chan struct{}, 1)}
}

func (w *watcher) run(name string) {
	buf := make([]byte, 16<<10)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return // closed
		}
		if relevantEvent(buf[:n], name) {
			select {
			case w.events <- struct{}{}:
			default: // a wake-up is already pending
			}
		}
	}
}

// relevantEvent reports whether a batch of inotify events concerns the file
// called name. Events on the directory itself (removed, moved, queue
// overflow) count too: after them the reader relies on its timeouts.
func relevantEvent(b []byte, name string) bool {
	for len(b) >= unix.SizeofInotifyEvent {
		// struct inotify_event { int wd; u32 mask; u32 cookie; u32 len; char name[]; }
		mask := binary.NativeEndian.Uint32(b[4:8])
		nameLen := int(binary.NativeEndian.Uint32(b[12:16]))
		end := unix.SizeofInotifyEvent + nameLen
		if end > len(b) {
			return true // malformed: wake up rather than miss data
		}
		if mask&(unix.IN_Q_OVERFLOW|unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0 {
			return true
		}
		evName := bytes.TrimRight(b[unix.SizeofInotifyEvent:end], "\x00")
		if string(evName) == name {
			return true
		}
		b = b[end:]
	}
	return false
}

// wait returns when the log may have changed, after timeout, or with
// ctx.Err() when ctx is done.
func (w *watcher) wait(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-w.events:
		return nil
	case <-t.C:
		return nil
	}
}

func (w *watcher) close() {
	if w.f != nil {
		w.f.Close()
	}
}
