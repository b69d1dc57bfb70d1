package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/oci"
)

// peek refreshes the snapshot from the database and the exit file without
// taking the lock or writing anything: for waits and listings.
func (c *Container) peek(ctx context.Context) error {
	rec, err := c.r.db.Container(ctx, c.config.ID)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.config.Name, mapStateErr(err))
	}
	fresh, err := decodeContainer(c.r, rec)
	if err != nil {
		return err
	}
	c.config, c.state = fresh.config, fresh.state
	c.applyExitFile()
	return nil
}

// Wait blocks until the container exits and returns its exit code. A
// container that has not started yet is waited for through its start. The
// exit is learnt from conmon's exit file (inotify), never by polling the
// runtime.
func (c *Container) Wait(ctx context.Context) (int, error) {
	for {
		if err := c.peek(ctx); err != nil {
			return -1, err
		}
		switch c.state.Status {
		case StatusExited:
			return c.state.ExitCode, nil
		case StatusRunning, StatusPaused, StatusStopping:
			code, err := oci.WaitExitFile(ctx, c.r.exitDir(), c.config.ID)
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed between the event and the read: look again
			}
			return code, err
		}
		// configured/created: nothing to watch yet; check again shortly.
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitForStatus blocks until the container reaches one of the given
// statuses (polling the database every interval), for `wait --condition`.
func (c *Container) WaitForStatus(ctx context.Context, interval time.Duration, want ...Status) (Status, error) {
	for {
		if err := c.peek(ctx); err != nil {
			return "", err
		}
		for _, s := range want {
			if c.state.Status == s {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(interval):
		}
	}
}

// readExit reads conmon's exit file for id in dir.
func readExit(dir, id string) (int, time.Time, error) { return oci.ReadExitFile(dir, id) }

// commandOf returns the container's effective entrypoint and command.
func commandOf(c *Container) ([]string, []string) {
	img := c.config.ImageConfig
	return spec.Command(&c.config.Spec, &img)
}
