package engine

import (
	"context"
)

// RunOptions tune Run.
type RunOptions struct {
	Detach  bool
	Streams Streams
	// OnCreate, when set, is called in the foreground once the container
	// exists, before it starts: the moment to begin catching the signals
	// meant for it.
	OnCreate func(*Container)
	// OnAttach, when set, is called in the foreground once the container
	// runs with the caller attached: the moment to start forwarding
	// terminal resizes and signals to it.
	OnAttach func(*Container, *Attachment)
}

// Run creates and starts a container. Detached, it returns once the
// container runs. In the foreground it copies the container's output to
// opts.Streams, waits for the exit, applies --rm, and returns the exit
// code; when the user detaches it returns ErrDetached and the container
// runs on. A container that fails to start is removed when --rm was asked
// for.
func (r *Runtime) Run(ctx context.Context, cs ContainerSpec, opts RunOptions) (*Container, int, error) {
	c, err := r.NewContainer(ctx, cs)
	if err != nil {
		return nil, 0, err
	}
	if opts.Detach {
		if err := c.Start(ctx); err != nil {
			return c, 0, r.removeAfterFailure(ctx, c, err)
		}
		return c, 0, nil
	}
	if opts.OnCreate != nil {
		opts.OnCreate(c)
	}
	att, err := c.StartAttached(ctx, opts.Streams)
	if err != nil {
		return c, 0, r.removeAfterFailure(ctx, c, err)
	}
	defer att.Close()
	if opts.OnAttach != nil {
		opts.OnAttach(c, att)
	}
	code, err := c.WaitAttached(ctx, att)
	return c, code, err
}

func (r *Runtime) removeAfterFailure(ctx context.Context, c *Container, cause error) error {
	if c.config.Spec.Remove {
		c.Remove(context.WithoutCancel(ctx), RemoveOptions{Force: true})
	}
	return cause
}
