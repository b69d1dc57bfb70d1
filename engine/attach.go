package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/berthproject/berth/internal/oci"
)

// Streams are the caller's ends of a container's stdio.
type Streams struct {
	Stdin          io.Reader // nil: do not forward stdin
	Stdout, Stderr io.Writer
}

// Attachment is a live connection to a container's stdio through conmon.
type Attachment struct {
	a *oci.Attach
}

// Wait returns once the container closed its output (it exited), after all
// of it was copied.
func (a *Attachment) Wait() error { return a.a.Wait() }

// Close disconnects without affecting the container.
func (a *Attachment) Close() error { return a.a.Close() }

// StartAttached initialises the container when needed, connects to its
// stdio and starts it, so that not a byte of output is missed (conmon only
// forwards output to clients connected at that moment).
func (c *Container) StartAttached(ctx context.Context, s Streams) (*Attachment, error) {
	var att *Attachment
	err := c.Batch(ctx, func(l *Locked) error {
		switch c.state.Status {
		case StatusConfigured, StatusExited:
			if err := l.init(ctx, initOptions{attached: true}); err != nil {
				return err
			}
		case StatusCreated:
		default:
			return c.invalidState("start it attached")
		}
		a, err := oci.AttachOutput(ctx, c.r.bundleDir(c.config.ID), s.Stdout, s.Stderr)
		if err != nil {
			return err
		}
		if s.Stdin != nil && (c.config.Spec.Stdin || c.config.Spec.Terminal) {
			go a.SendStdin(s.Stdin)
		}
		if err := l.Start(ctx); err != nil {
			a.Close()
			return err
		}
		att = &Attachment{a: a}
		return nil
	})
	return att, err
}

// WaitAttached waits for the exit of a container started with
// StartAttached, then does conmon's cleanup in this process (and removes
// the container if it was created with --rm), so that the delayed exit
// command never has to run. It returns the exit code.
func (c *Container) WaitAttached(ctx context.Context, att *Attachment) (int, error) {
	t0 := time.Now()
	att.Wait()
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
