package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/berthproject/berth/internal/oci"
)

// Streams are the caller's ends of a container's (or exec session's)
// stdio, and how the attachment treats them.
type Streams struct {
	Stdin          io.Reader // nil: do not forward stdin
	Stdout, Stderr io.Writer
	// DetachKeys end the attachment when typed on Stdin and leave the
	// container running; nil never detaches. See ParseDetachKeys.
	DetachKeys []byte
	// CloseStdin closes the container's stdin when Stdin ends (docker's
	// StdinOnce): `echo hi | berth run -i IMAGE cat`. Without it the
	// container's stdin stays open for later attaches. Starting a
	// container decides this once for its whole run: conmon is told
	// whether a client that goes away closes the stdin.
	CloseStdin bool
	// Size is the terminal size to set before the process starts (or on
	// attach); nil leaves the pty's default.
	Size *TermSize
}

// TermSize is a terminal's size in character cells.
type TermSize struct{ Rows, Cols uint16 }

// ParseDetachKeys validates a --detach-keys value ("ctrl-p,ctrl-q", "ctrl-a,x";
// "" disables detaching).
func ParseDetachKeys(spec string) ([]byte, error) {
	keys, err := oci.ParseDetachKeys(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	return keys, nil
}

// DefaultDetachKeys is the detach sequence when the user gives none.
const DefaultDetachKeys = oci.DefaultDetachKeys

// Attachment is a live connection to a container's stdio through conmon.
type Attachment struct {
	a *oci.Attach
	// ctlDir holds conmon's ctl FIFO (the bundle or exec session dir).
	ctlDir string
}

// Wait returns once the container closed its output (it exited), after all
// of it was copied. It returns ErrDetached when the user typed the detach
// keys.
func (a *Attachment) Wait() error {
	err := a.a.Wait()
	if errors.Is(err, oci.ErrDetached) {
		return ErrDetached
	}
	return err
}

// Close disconnects without affecting the container.
func (a *Attachment) Close() error { return a.a.Close() }

// Resize sets the size of the container's terminal (SIGWINCH inside).
func (a *Attachment) Resize(s TermSize) error {
	return oci.Resize(a.ctlDir, s.Rows, s.Cols)
}

// connect attaches to the conmon socket in dir and starts forwarding stdin
// when wanted.
func connect(ctx context.Context, dir string, s Streams, stdin bool) (*Attachment, error) {
	a, err := oci.AttachOutput(ctx, dir, s.Stdout, s.Stderr)
	if err != nil {
		return nil, err
	}
	if s.Stdin != nil && stdin {
		go a.CopyStdin(s.Stdin, s.DetachKeys, s.CloseStdin)
	}
	return &Attachment{a: a, ctlDir: dir}, nil
}

// StartAttached initialises the container when needed, connects to its
// stdio and starts it, so that not a byte of output is missed (conmon only
// forwards output to clients connected at that moment).
func (c *Container) StartAttached(ctx context.Context, s Streams) (*Attachment, error) {
	var att *Attachment
	err := c.Batch(ctx, func(l *Locked) error {
		switch c.state.Status {
		case StatusConfigured, StatusExited:
			if err := l.init(ctx, initOptions{attached: true, closeStdin: s.CloseStdin && s.Stdin != nil}); err != nil {
				return err
			}
		case StatusCreated:
		default:
			return c.invalidState("start it attached")
		}
		bundle := c.r.bundleDir(c.config.ID)
		a, err := connect(ctx, bundle, s, c.config.Spec.Stdin || c.config.Spec.Terminal)
		if err != nil {
			return err
		}
		if s.Size != nil && c.config.Spec.Terminal {
			// conmon keeps the size in its winsz FIFO until the pty exists.
			_ = a.Resize(*s.Size)
		}
		if err := l.Start(ctx); err != nil {
			a.Close()
			return err
		}
		att = a
		return nil
	})
	return att, err
}

// Attach connects to the stdio of a running container. Typing the detach
// keys (or closing the attachment) leaves the container running.
func (c *Container) Attach(ctx context.Context, s Streams) (*Attachment, error) {
	if err := c.peek(ctx); err != nil {
		return nil, err
	}
	switch c.state.Status {
	case StatusRunning:
	case StatusPaused:
		return nil, fmt.Errorf("container %s is paused, unpause it to attach: %w", c.config.Name, ErrCtrStateInvalid)
	default:
		return nil, fmt.Errorf("you can only attach to running containers: %s is %s: %w",
			c.config.Name, c.state.Status.DisplayStatus(), ErrCtrStateInvalid)
	}
	a, err := connect(ctx, c.r.bundleDir(c.config.ID), s, c.config.Spec.Stdin || c.config.Spec.Terminal)
	if err != nil {
		// The socket goes away with conmon: the container just exited.
		if perr := c.peek(ctx); perr == nil && !c.state.running() {
			return nil, fmt.Errorf("container %s exited: %w", c.config.Name, ErrCtrStopped)
		}
		return nil, err
	}
	if s.Size != nil && c.config.Spec.Terminal {
		_ = a.Resize(*s.Size)
	}
	return a, nil
}

// WaitAttached waits for the exit of a container started with
// StartAttached, then does conmon's cleanup in this process (and removes
// the container if it was created with --rm), so that the delayed exit
// command never has to run. It returns the exit code. When the user
// detached it returns ErrDetached at once: the container runs on, and
// conmon's exit command cleans up after it.
func (c *Container) WaitAttached(ctx context.Context, att *Attachment) (int, error) {
	t0 := time.Now()
	if err := att.Wait(); errors.Is(err, ErrDetached) {
		return 0, err
	}
	phase("attached: output ended", t0)
	code, err := c.Wait(ctx)
	phase("attached: exit file", t0)
	if err != nil {
		return code, err
	}
	defer phase("cleanup after attached run", time.Now())
	err = c.Batch(context.WithoutCancel(ctx), func(l *Locked) error {
		if c.state.running() || c.hasRestartPolicy() {
			// Restarted by someone else meanwhile, or its policy may
			// restart it: conmon's delayed cleanup decides that.
			return nil
		}
		if c.config.Spec.Remove {
			return l.Remove(ctx, RemoveOptions{})
		}
		return l.teardownRuntime(ctx, true)
	})
	if errors.Is(err, ErrNoSuchCtr) {
		err = nil // conmon's cleanup got there first
	}
	return code, err
}

// createOptions adds what depends on who starts the container to conmon's
// options.
func createOptions(o oci.CreateOptions, opts initOptions) oci.CreateOptions {
	o.LeaveStdinOpen = !opts.closeStdin
	return o
}
