package container

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/term"
	"github.com/berthproject/berth/engine"
)

// userIO is the user's side of an attachment: the streams handed to the
// engine and what must be undone afterwards (raw terminal mode, resize
// watch, signal proxy).
type userIO struct {
	streams engine.Streams
	// raw: stdin is a terminal put into raw mode for a container terminal.
	raw  bool
	undo []func()
	sigs *sigForwarder // nil: signals are not proxied
}

// newUserIO validates the detach keys and describes the streams; nothing
// is changed on the terminal until makeRaw.
func newUserIO(interactive, tty bool, detachKeys string) (*userIO, error) {
	keys, err := engine.ParseDetachKeys(detachKeys)
	if err != nil {
		return nil, err
	}
	u := &userIO{streams: engine.Streams{Stdout: os.Stdout, Stderr: os.Stderr}}
	if interactive {
		u.streams.Stdin = os.Stdin
		u.streams.DetachKeys = keys
		u.raw = tty && term.IsTerminal(os.Stdin)
		if tty && !u.raw {
			// conmon cannot end the input of a pty reader: a shell there
			// waits on after the pipe ended (podman warns the same way).
			logrus.Warn("The input device is not a TTY. The --tty and --interactive flags might not work properly")
		}
		// A terminal never reaches end of file (ctrl-d is a key the
		// container's own terminal handles), and the container must keep
		// its stdin when the user detaches; a pipe's end is the input's.
		u.streams.CloseStdin = !u.raw
	}
	if tty {
		for _, f := range []*os.File{os.Stdin, os.Stdout} {
			if rows, cols, err := term.Size(f); err == nil && rows > 0 && cols > 0 {
				u.streams.Size = &engine.TermSize{Rows: rows, Cols: cols}
				break
			}
		}
	}
	return u, nil
}

// makeRaw switches the user's terminal to raw mode when the container has
// a terminal of its own: keys such as ctrl-c then reach it unchanged.
func (u *userIO) makeRaw() {
	if !u.raw {
		return
	}
	if restore, err := term.MakeRaw(os.Stdin); err == nil {
		u.undo = append(u.undo, restore)
	}
}

// proxySignals catches the signals berth receives from now on, for c.
// They are held until follow (the container may not run yet) and then
// sent to it, so that a signal in the instant between the start and the
// attachment is neither lost nor kills berth instead.
func (u *userIO) proxySignals(ctx context.Context, g *cli.Globals, c *engine.Container) {
	u.sigs = &sigForwarder{ctx: context.WithoutCancel(ctx), c: c}
	u.undo = append(u.undo, g.ProxySignals(u.sigs.receive))
}

// follow starts forwarding terminal resizes to the attachment and the
// signals proxySignals caught to the container.
func (u *userIO) follow(ctx context.Context, att *engine.Attachment) {
	if u.streams.Size != nil {
		f := os.Stdin
		if !term.IsTerminal(f) {
			f = os.Stdout
		}
		u.undo = append(u.undo, term.WatchResize(ctx, f, func(rows, cols uint16) {
			_ = att.Resize(engine.TermSize{Rows: rows, Cols: cols})
		}))
	}
	if u.sigs != nil {
		u.sigs.deliver()
	}
}

// sigForwarder sends signals to a container, holding them until deliver.
type sigForwarder struct {
	ctx     context.Context
	c       *engine.Container
	mu      sync.Mutex
	ready   bool
	pending []syscall.Signal
}

func (f *sigForwarder) receive(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ready {
		f.pending = append(f.pending, s)
		return
	}
	// An error means the container is gone; the wait ends by itself.
	_ = f.c.Kill(f.ctx, s)
}

func (f *sigForwarder) deliver() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ready = true
	for _, s := range f.pending {
		_ = f.c.Kill(f.ctx, s)
	}
	f.pending = nil
}

// restore undoes everything, last first.
func (u *userIO) restore() {
	for i := len(u.undo) - 1; i >= 0; i-- {
		u.undo[i]()
	}
	u.undo = nil
}

// exitStatus turns the end of an attachment into the command's result: a
// detach is a success, an exit code other than 0 is berth's exit code.
func exitStatus(code int, err error) error {
	if errors.Is(err, engine.ErrDetached) {
		return nil
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return cli.ExitError{Code: code}
	}
	return nil
}
