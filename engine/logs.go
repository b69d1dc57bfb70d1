package engine

import (
	"context"
	"io"
	"time"

	"github.com/berthproject/berth/internal/logs"
)

// LogOptions select which log lines to read.
type LogOptions struct {
	Tail         int // -1: all
	Since, Until time.Time
	Follow       bool
}

// LogLine is one logical line a container wrote.
type LogLine = logs.Line

// Logs reads the container's log and calls fn for each line, in order.
// With Follow it keeps going until the container stops or ctx ends; a
// restart does not end it.
func (c *Container) Logs(ctx context.Context, o LogOptions, fn func(LogLine) error) error {
	active := func() bool { return c.state.running() || c.state.Status == StatusCreated }
	stop := func() bool {
		if err := c.peek(ctx); err != nil {
			return true
		}
		if active() {
			return false
		}
		// Stopped, or in the middle of a restart (stop and start under one
		// lock): taking the lock waits for a restart to finish, so that
		// following goes on across it.
		if err := c.Batch(ctx, func(*Locked) error { return nil }); err != nil {
			return true
		}
		return !active()
	}
	return logs.Read(ctx, c.config.LogPath, logs.Options{
		Tail: o.Tail, Since: o.Since, Until: o.Until, Follow: o.Follow,
	}, stop, fn)
}

// WriteLogLine prints l to the stream it came from, optionally prefixed
// with its time, as `logs` shows it.
func WriteLogLine(stdout, stderr io.Writer, l LogLine, timestamps bool) error {
	return logs.Write(stdout, stderr, l, timestamps)
}
