package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/internal/oci"
)

// Locked is a container whose lock is held by the caller. Its methods do
// the work without locking again. A Locked exists only inside Batch (and
// inside the public methods of Container, which are Batch of one step): the
// type, not a flag, says "already locked".
type Locked struct {
	c *Container
	// portFiles are the host ports setupNetwork reserved, handed to conmon.
	portFiles []*os.File
	// netPending reports the outcome of the netavark setup setupNetwork
	// left running while the runtime creates the container; waitNetwork
	// collects it.
	netPending chan error
}

// Container returns the handle, for reading config and state.
func (l *Locked) Container() *Container { return l.c }

// Batch runs fn with the container locked and its state refreshed once,
// so several operations happen without another process slipping between
// them. fn must not keep the Locked after it returns.
func (c *Container) Batch(ctx context.Context, fn func(*Locked) error) error {
	lk, err := c.r.locks.Lock(ctx, c.config.ID)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := c.refresh(ctx); err != nil {
		return err
	}
	return fn(&Locked{c: c})
}

// refresh re-reads the container's state from the database and applies an
// exit that conmon recorded but nobody has stored yet. It costs one query
// and, for running containers, one stat of the exit file: no runtime call.
func (c *Container) refresh(ctx context.Context) error {
	rec, err := c.r.db.Container(ctx, c.config.ID)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.config.Name, mapStateErr(err))
	}
	fresh, err := decodeContainer(c.r, rec)
	if err != nil {
		return err
	}
	c.config, c.state = fresh.config, fresh.state
	if !c.state.running() {
		return nil
	}
	code, at, err := oci.ReadExitFile(c.r.exitDir(), c.config.ID)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.storeExit(ctx, code, at)
}

// storeExit records an exit, saves it and emits "died": the one place an
// exit becomes state, so the event is emitted exactly once.
func (c *Container) storeExit(ctx context.Context, code int, at time.Time) error {
	c.markExited(code, at)
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("died", "exitCode", fmt.Sprint(code))
	return nil
}

// markExited records an exit in the state snapshot (not yet saved).
func (c *Container) markExited(code int, at time.Time) {
	c.state.Status = StatusExited
	c.state.Exited = true
	c.state.ExitCode = code
	c.state.FinishedAt = at
	c.state.PID = 0
	if _, err := os.Stat(filepath.Join(c.persistDir(), "oom")); err == nil {
		c.state.OOMKilled = true
	}
}

// Sync reconciles the container's state with the OCI runtime itself: the
// slow, authoritative check, for repairs and for callers that distrust the
// exit-file bookkeeping (a conmon killed by hand leaves no exit file).
func (c *Container) Sync(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Sync(ctx) })
}

// Sync is Container.Sync with the lock held.
func (l *Locked) Sync(ctx context.Context) error {
	c := l.c
	if !c.state.running() && c.state.Status != StatusCreated {
		return nil
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	st, err := rt.State(ctx, c.config.ID)
	switch {
	case errors.Is(err, oci.ErrNotExist), err == nil && st.Status == "stopped":
		return c.storeExit(ctx, c.exitCodeOr(-1), time.Now())
	case err != nil:
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	case st.Status == "paused":
		c.state.Status = StatusPaused
	case st.Status == "running" && c.state.Status != StatusStopping:
		c.state.Status = StatusRunning
	default:
		return nil
	}
	return c.saveState(ctx)
}

// exitCodeOr returns the code conmon recorded, or def when there is none.
func (c *Container) exitCodeOr(def int) int {
	code, _, err := oci.ReadExitFile(c.r.exitDir(), c.config.ID)
	if err != nil {
		return def
	}
	return code
}

func (c *Container) persistDir() string { return filepath.Join(c.r.bundleDir(c.config.ID), "persist") }
