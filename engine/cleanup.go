package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/internal/cgroups"
	"github.com/berthproject/berth/internal/oci"
)

// Cleanup releases what an exited container still holds (runtime state,
// rootfs mount) and applies --rm. conmon runs it as the exit command
// (`berth container cleanup ID`), so it happens with no berth process
// around; running it again, or on a removed container, is harmless.
func (c *Container) Cleanup(ctx context.Context) error {
	restart := false
	var delay time.Duration
	err := c.Batch(ctx, func(l *Locked) error {
		if err := l.Cleanup(ctx); err != nil {
			return err
		}
		restart, delay = c.restartDue(), c.restartDelay()
		return nil
	})
	if err != nil || !restart {
		return err
	}
	return c.restartAfter(ctx, delay)
}

// Cleanup is Container.Cleanup with the lock held.
func (l *Locked) Cleanup(ctx context.Context) error {
	c := l.c
	if c.state.running() {
		return c.invalidState("clean it up while it runs")
	}
	if err := l.cleanupExited(ctx); err != nil {
		return err
	}
	// A --rm container is removed; one already marked removing was being
	// removed when that process died, so finish the job.
	if (c.config.Spec.Remove && c.state.Status == StatusExited) || c.state.Status == StatusRemoving {
		return l.Remove(ctx, RemoveOptions{})
	}
	return nil
}

// cleanupExited deletes the runtime's record and unmounts the rootfs of a
// container that is no longer running, once.
func (l *Locked) cleanupExited(ctx context.Context) error {
	c := l.c
	if c.state.HealthTimer != nil {
		l.disarmHealthTimer()
		if err := c.saveState(ctx); err != nil {
			return err
		}
	}
	if c.state.Mountpoint == "" && c.state.ConmonPID == 0 {
		return nil
	}
	// conmon is alive while it runs us as its exit command: do not kill it.
	if err := l.teardownRuntime(ctx, false); err != nil {
		return err
	}
	l.removeExecSessions(ctx)
	c.state.ConmonPID = 0
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("cleanup")
	return nil
}

// RemoveOptions tune Remove.
type RemoveOptions struct {
	Force   bool // kill a running container first
	Volumes bool // also remove anonymous volumes (none exist yet)
	Depend  bool // first remove the containers that join this one's namespaces
}

// Remove deletes the container and everything it owns.
func (c *Container) Remove(ctx context.Context, opts RemoveOptions) error {
	if opts.Depend {
		if err := c.removeDependents(ctx, opts); err != nil {
			return err
		}
	}
	return c.Batch(ctx, func(l *Locked) error { return l.Remove(ctx, opts) })
}

// Remove is Container.Remove with the lock held. Every step tolerates the
// thing it removes being gone already, so a removal killed half-way is
// finished by the next `rm -f`.
func (l *Locked) Remove(ctx context.Context, opts RemoveOptions) error {
	c := l.c
	id := c.config.ID
	if c.state.running() && !opts.Force {
		return fmt.Errorf("cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
			id, c.state.Status, ErrCtrStateInvalid)
	}
	if c.state.Status != StatusRemoving {
		if err := l.checkRemovable(ctx); err != nil {
			return err
		}
	}
	c.state.Status = StatusRemoving
	l.disarmHealthTimer()
	if err := c.saveState(ctx); err != nil {
		return err
	}
	// From here on the removal must finish even if the caller gives up.
	ctx = context.WithoutCancel(ctx)
	if err := l.teardown(ctx, true, true); err != nil {
		return err
	}
	if err := l.removeVolumes(ctx, opts.Volumes || c.config.Spec.Remove); err != nil {
		return err
	}
	for _, p := range []string{c.r.bundleDir(id), c.r.dataDir(c.config), filepath.Join(c.r.exitDir(), id)} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	l.removeExecSessions(ctx)
	if err := c.r.db.RemoveContainer(ctx, id); err != nil {
		return err
	}
	c.emit("remove")
	return c.r.locks.Remove(id)
}

// teardownRuntime removes the runtime container (killing its process if
// any), optionally a leftover conmon, and the rootfs mount; with
// removeLayer also the container's storage layer. It is the common tail of
// stop, cleanup, remove and crash repair.
func (l *Locked) teardownRuntime(ctx context.Context, killConmon bool) error {
	return l.teardown(ctx, killConmon, false)
}

func (l *Locked) teardown(ctx context.Context, killConmon, removeLayer bool) error {
	c := l.c
	if err := l.releaseShm(); err != nil {
		logWarn("%v", err) // a leftover tmpfs costs nothing; the next teardown retries
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	// conmon goes first: killed, it records no exit and runs no exit
	// command for a container that is being torn down on purpose. Then
	// `delete --force` SIGKILLs whatever still runs in the container.
	t0 := time.Now()
	if killConmon {
		if err := oci.KillConmon(c.conmonPidFile(), c.config.ID); err != nil {
			return err
		}
	}
	phase("teardown: kill conmon", t0)
	// The runtime's delete is a separate process; the storage work is done
	// meanwhile (the host's mount is not what keeps a dying container's
	// rootfs alive: its own mount namespace is).
	deleted := make(chan error, 1)
	go func() { deleted <- rt.Delete(ctx, c.config.ID, true) }()
	// netavark's teardown (a few hundred ms of iptables calls) needs only
	// the bind-mounted netns, not the container: it overlaps the rest.
	netDone := make(chan error, 1)
	go func() { netDone <- l.teardownNetwork(ctx) }()
	t0 = time.Now()
	var serr error
	if removeLayer {
		serr = l.removeLayer(ctx) // unmounts too
	} else {
		serr = l.unmountStorage(ctx)
	}
	phase("teardown: storage", t0)
	err = <-deleted
	phase("teardown: runtime delete", t0)
	if err == nil || errors.Is(err, oci.ErrNotExist) {
		// A runtime killed during its create can leave the container's
		// cgroups without a state that its delete would find.
		if cerr := cgroups.Remove(c.cgroupPath()); cerr != nil {
			logWarn("%s: %v", c.config.Name, cerr)
		}
	}
	if nerr := <-netDone; nerr != nil && serr == nil {
		serr = nerr
	}
	if err != nil && !errors.Is(err, oci.ErrNotExist) {
		return fmt.Errorf("%w: deleting runtime container: %w", ErrRuntime, err)
	}
	return serr
}

// removeLayer deletes the container's storage layer, unmounting it first
// if it is mounted.
func (l *Locked) removeLayer(ctx context.Context) error {
	st, _, err := l.c.r.storage(ctx)
	if err != nil {
		return err
	}
	if err := st.RemoveContainer(ctx, l.c.config.ID); err != nil {
		return fmt.Errorf("removing storage of %s: %w", l.c.config.Name, err)
	}
	l.c.state.Mountpoint = ""
	l.c.state.PID = 0
	return nil
}

// mountStorage mounts the container's rootfs, creating the storage layer
// when a crash came between the database row and the layer.
func (l *Locked) mountStorage(ctx context.Context) (string, error) {
	c := l.c
	st, _, err := c.r.storage(ctx)
	if err != nil {
		return "", err
	}
	if c.state.Mountpoint != "" {
		return c.state.Mountpoint, nil
	}
	mp, err := st.Mount(ctx, c.config.ID)
	if err != nil {
		if cerr := st.CreateContainerVolatile(ctx, c.config.ID, c.config.Name, c.config.ImageID, c.config.Spec.Remove); cerr != nil {
			return "", fmt.Errorf("mounting container storage: %w", err)
		}
		if mp, err = st.Mount(ctx, c.config.ID); err != nil {
			return "", fmt.Errorf("mounting container storage: %w", err)
		}
	}
	c.state.Mountpoint = mp
	return mp, c.saveState(ctx)
}

// unmountStorage drops the engine's mount of the rootfs, once.
func (l *Locked) unmountStorage(ctx context.Context) error {
	c := l.c
	if c.state.Mountpoint == "" {
		return nil
	}
	st, _, err := c.r.storage(ctx)
	if err != nil {
		return err
	}
	if err := st.Unmount(ctx, c.config.ID, false); err != nil {
		return fmt.Errorf("unmounting container storage: %w", err)
	}
	c.state.Mountpoint = ""
	c.state.PID = 0
	return nil
}
