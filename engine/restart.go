package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/berthproject/berth/engine/spec"
)

// Restart policies without a daemon: conmon runs `berth container cleanup`
// after every exit, and that cleanup decides whether to start the
// container again. Back-off grows from 100 ms, doubling per restart, up to
// a minute, as docker's does; a user's stop or kill is never undone.

const (
	restartBackoffStart = 100 * time.Millisecond
	restartBackoffMax   = time.Minute
	// A container that ran this long before exiting starts its back-off
	// from the beginning again.
	restartBackoffReset = 10 * time.Second
)

// restartDue reports whether the policy asks for a restart after the exit
// recorded in the state.
func (c *Container) restartDue() bool {
	cs, st := &c.config.Spec, c.state
	if st.Status != StatusExited || st.StoppedByUser {
		return false
	}
	switch cs.RestartPolicy {
	case spec.RestartAlways, spec.RestartUnlessStopped:
		return true
	case spec.RestartOnFailure:
		return st.ExitCode != 0 && (cs.RestartRetries == 0 || uint(st.RestartCount) < cs.RestartRetries)
	}
	return false
}

// hasRestartPolicy reports whether an exit may lead to a restart.
func (c *Container) hasRestartPolicy() bool {
	p := c.config.Spec.RestartPolicy
	return p != "" && p != spec.RestartNo
}

// restartDelay is the back-off before the next restart.
func (c *Container) restartDelay() time.Duration {
	st := c.state
	if !st.StartedAt.IsZero() && st.FinishedAt.Sub(st.StartedAt) >= restartBackoffReset {
		return restartBackoffStart
	}
	d := restartBackoffStart
	for i := 0; i < st.RestartCount && d < restartBackoffMax; i++ {
		d *= 2
	}
	return min(d, restartBackoffMax)
}

// restartAfter waits out the back-off without holding the lock (so a user
// can stop the container meanwhile), then restarts it if that is still
// what the policy wants.
func (c *Container) restartAfter(ctx context.Context, delay time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(delay):
	}
	return c.Batch(ctx, func(l *Locked) error {
		if !c.restartDue() {
			return nil
		}
		c.state.RestartCount++
		if err := c.saveState(ctx); err != nil {
			return err
		}
		if err := l.Start(ctx); err != nil {
			return err
		}
		c.emit("restart", "restartCount", fmt.Sprint(c.state.RestartCount))
		return nil
	})
}

// startAfterBoot starts the containers whose policy is always (or
// unless-stopped, unless a user stopped them) after the reboot reset.
func (r *Runtime) startAfterBoot(ctx context.Context, ids []string) {
	for _, id := range ids {
		c, err := r.LookupContainer(ctx, id)
		if err != nil {
			continue
		}
		if err := c.Start(ctx); err != nil {
			logWarn("starting %s after reboot: %v", c.Name(), err)
		}
	}
}
