package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Attach socket framing (conmon.md §6): each message from conmon is one
// stream-id byte plus at most 8192 bytes of one read() from the container.
// Stdin goes the other way as raw bytes, at most 32 KiB per message (conmon
// drops the rest of a bigger message).
const (
	attachBufSize    = 8193
	attachStdout     = 2
	attachStderr     = 3
	stdinChunkSize   = 32 * 1024
	attachSocketName = "attach"
)

// Attach is a connection to a container's conmon attach socket.
type Attach struct {
	conn   *net.UnixConn
	ctx    context.Context
	stop   func() bool
	done   chan struct{}
	err    error // copy result, valid after done is closed
	closer sync.Once
	// detached is set by CopyStdin when the user typed the detach keys.
	detached atomic.Bool
}

// AttachOutput connects to <bundle>/attach and copies the container's stdout
// and stderr to the given writers until conmon closes the connection (the
// container exited) or ctx ends. conmon does not replay output, so to see
// everything connect after Create and before Start. A nil writer discards
// that stream.
func AttachOutput(ctx context.Context, bundle string, stdout, stderr io.Writer) (*Attach, error) {
	conn, err := dialAttach(filepath.Join(bundle, attachSocketName))
	if err != nil {
		return nil, err
	}
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	a := &Attach{conn: conn, ctx: ctx, done: make(chan struct{})}
	// Closing the connection unblocks the copy loop when ctx ends.
	a.stop = context.AfterFunc(ctx, func() { conn.Close() })
	go a.copyOutput(stdout, stderr)
	return a, nil
}

// dialAttach connects to a SOCK_SEQPACKET socket at path of any length:
// sun_path holds only 108 bytes, so it dials /proc/self/fd/N of an O_PATH
// descriptor of the socket file instead.
func dialAttach(path string) (*net.UnixConn, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attach socket: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	defer unix.Close(fd)
	addr := &net.UnixAddr{Name: "/proc/self/fd/" + strconv.Itoa(fd), Net: "unixpacket"}
	conn, err := net.DialUnix("unixpacket", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("attach socket %s: %w", path, err)
	}
	return conn, nil
}

func (a *Attach) copyOutput(stdout, stderr io.Writer) {
	defer close(a.done)
	buf := make([]byte, attachBufSize)
	for {
		n, err := a.conn.Read(buf)
		if n > 0 {
			var w io.Writer
			switch buf[0] {
			case attachStdout:
				w = stdout
			case attachStderr:
				w = stderr
			}
			if w != nil && n > 1 {
				if _, werr := w.Write(buf[1:n]); werr != nil {
					a.err = fmt.Errorf("copying container output: %w", werr)
					return
				}
			}
			continue
		}
		if err == nil || errors.Is(err, io.EOF) {
			return // conmon closed its clients: the container exited
		}
		if a.ctx.Err() != nil {
			a.err = a.ctx.Err()
		} else if !errors.Is(err, net.ErrClosed) {
			a.err = fmt.Errorf("reading attach socket: %w", err)
		}
		return
	}
}

// Wait returns once all output was copied (conmon closed the connection),
// when the user detached (ErrDetached), or when the context given to
// AttachOutput ends (with its error).
func (a *Attach) Wait() error {
	select {
	case <-a.done:
		if a.detached.Load() {
			return ErrDetached
		}
		return a.err
	case <-a.ctx.Done():
		a.Close()
		<-a.done
		return a.ctx.Err()
	}
}

// Close drops the connection. Note conmon.md §6: with -i and without
// LeaveStdinOpen, any client disconnecting closes the container's stdin.
func (a *Attach) Close() error {
	var err error
	a.closer.Do(func() {
		a.stop()
		err = a.conn.Close()
	})
	return err
}

// SendStdin copies r to the container's stdin (the container must have been
// created with Stdin or Terminal) in messages of at most 32 KiB, then shuts
// down the write side, which makes conmon close the container's stdin. It
// returns when r reaches EOF or a write fails; run it in its own goroutine.
func (a *Attach) SendStdin(r io.Reader) error {
	buf := make([]byte, stdinChunkSize)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			// One Write is one seqpacket message.
			if _, err := a.conn.Write(buf[:n]); err != nil {
				return fmt.Errorf("writing container stdin: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading stdin: %w", rerr)
		}
	}
	if err := a.conn.CloseWrite(); err != nil {
		return fmt.Errorf("closing container stdin: %w", err)
	}
	return nil
}

// Resize sets the terminal size of a container created with Terminal by
// writing "1 ROWS COLS\n" to <bundle>/ctl (conmon.md §7). It may be called
// before Start; conmon applies it once the pty exists.
func Resize(bundle string, rows, cols uint16) error {
	path := filepath.Join(bundle, "ctl")
	// Non-blocking: conmon holds a reader open, so the open succeeds at
	// once; without one it fails with ENXIO instead of hanging.
	var f *os.File
	var err error
	for range 5 {
		f, err = os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EAGAIN) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	defer f.Close()
	// One message per write: conmon applies only the first line of a read.
	if _, err := fmt.Fprintf(f, "1 %d %d\n", rows, cols); err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	return nil
}
