package engine

import (
	"context"
	"fmt"
	"io"
)

// Mount mounts the container's rootfs for the user (`berth mount`) and
// returns its path. Mounts are counted by the store: each Mount needs an
// Unmount.
func (c *Container) Mount(ctx context.Context) (string, error) {
	var mp string
	err := c.Batch(ctx, func(l *Locked) error {
		st, _, err := c.r.storage(ctx)
		if err != nil {
			return err
		}
		mp, err = st.Mount(ctx, c.config.ID)
		if err != nil {
			return fmt.Errorf("mounting %s: %w", c.config.Name, err)
		}
		return nil
	})
	return mp, err
}

// Unmount drops one user mount of the rootfs; force drops all of them
// (refused while the container runs, which needs its rootfs).
func (c *Container) Unmount(ctx context.Context, force bool) error {
	return c.Batch(ctx, func(l *Locked) error {
		if force && c.state.running() {
			return c.invalidState("force-unmount its rootfs")
		}
		st, _, err := c.r.storage(ctx)
		if err != nil {
			return err
		}
		mounted, err := st.Mounted(ctx, c.config.ID)
		if err != nil {
			return err
		}
		if !mounted {
			return nil
		}
		// Never drop the engine's own mount of a running container.
		if c.state.Mountpoint != "" && !force {
			return nil
		}
		return st.Unmount(ctx, c.config.ID, force)
	})
}

// Mounted reports whether the container's rootfs is mounted, and where.
func (c *Container) Mounted(ctx context.Context) (bool, string, error) {
	st, _, err := c.r.storage(ctx)
	if err != nil {
		return false, "", err
	}
	ok, err := st.Mounted(ctx, c.config.ID)
	if err != nil || !ok {
		return false, "", err
	}
	mp, err := st.Mount(ctx, c.config.ID)
	if err != nil {
		return false, "", err
	}
	// Mount above took one more reference just to learn the path.
	return true, mp, st.Unmount(ctx, c.config.ID, false)
}

// Export writes the container's root filesystem as a tar stream.
func (c *Container) Export(ctx context.Context, w io.Writer) error {
	return c.Batch(ctx, func(l *Locked) error {
		st, _, err := c.r.storage(ctx)
		if err != nil {
			return err
		}
		return st.Export(ctx, c.config.ID, w)
	})
}
