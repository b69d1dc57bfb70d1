package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// readFrom reads whole lines of path from off and returns the offset after
// the last complete line (a line still being written is read next time).
func readFrom(path string, off int64, keep func(Event) bool, fn func(Event) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return off, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() < off {
		off = 0 // rotated or truncated under us: start again
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off, err
	}
	r := bufio.NewReaderSize(f, 64*1024)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return off, nil // an incomplete last line waits for its newline
		}
		if err != nil {
			return off, err
		}
		off += int64(len(line))
		var e Event
		if json.Unmarshal(line, &e) != nil || !keep(e) {
			continue // a damaged line is skipped, not fatal
		}
		if err := fn(e); err != nil {
			return off, err
		}
	}
}

// follow waits for appends with inotify on the journal's directory (which
// also sees a rotation's rename), falling back to a 250 ms poll.
func (j *Journal) follow(ctx context.Context, off int64, until time.Time, keep func(Event) bool, fn func(Event) error) error {
	_ = os.MkdirAll(j.dir, 0o700)
	wake := watchDir(ctx, j.dir)
	for {
		var err error
		before := off
		if off, err = readFrom(j.path(), off, keep, fn); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if off < before {
			off = 0
		}
		if !until.IsZero() && time.Now().After(until) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// watchDir delivers a tick on every change in dir until ctx ends; with no
// inotify the channel never fires and follow polls.
func watchDir(ctx context.Context, dir string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return ch
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MODIFY|unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		unix.Close(fd)
		return ch
	}
	go func() {
		<-ctx.Done()
		unix.Close(fd) // unblocks the reader below
	}()
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := unix.Read(fd, buf); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch
}
