package engine

import (
	"context"
	"io"
	"time"

	"github.com/berthproject/berth/internal/oci"
)

// directExec says whether a session can run without conmon: berth waits
// for it in the foreground anyway, so a monitor that outlives berth buys
// nothing. That holds for an attached session without a terminal whose
// user cannot detach (no stdin, or no detach keys): a terminal needs
// conmon's pty handling, and a detached or detachable session must outlive
// its berth with its stdio intact. Sessions of the API (CreateExec) keep
// conmon too: their records, exit codes and resizes are conmon's files.
func directExec(rt *oci.Runtime, o ExecOptions, s Streams) bool {
	return o.session == nil && !o.Detach && !o.Terminal &&
		(!o.Interactive || s.Stdin == nil || len(s.DetachKeys) == 0) &&
		rt.Name() == "runc" && oci.DirectExecSupported()
}

// execDirect runs an attached session as berth's own child (see
// internal/oci/execdirect.go). The session is recorded once its process
// runs, with the process's PID and start time: it ends when that process
// is gone, so a berth killed at any point leaves at most a record the next
// look at the container prunes, and no file.
func (l *Locked) execDirect(ctx context.Context, rt *oci.Runtime, info ExecSessionInfo, proc []byte, o ExecOptions, s Streams) (*ExecSession, error) {
	c := l.c
	var stdin io.Reader
	if o.Interactive {
		stdin = s.Stdin
	}
	t0 := time.Now()
	d, err := rt.RunDirectExec(ctx, oci.DirectExecOptions{
		ContainerID: c.config.ID,
		Process:     proc,
		Stdin:       stdin,
		Stdout:      s.Stdout,
		Stderr:      s.Stderr,
		PreserveFDs: o.PreserveFDs,
	})
	if err != nil {
		return nil, classifyRuntimeErr(err)
	}
	phase("exec: runtime exec", t0)
	sess := &ExecSession{c: c, info: info, direct: d}
	if d.Exited() {
		// Ended already (`exec CTR true`): nothing could see the record
		// before Wait forgot it again, so neither write is done.
		sess.unrecorded = true
		return sess, nil
	}
	sess.info.PID, sess.info.PIDStart, sess.info.Monitor = d.PID, d.StartTime, execMonitorBerth
	if err := c.r.saveExecSession(ctx, sess.info, true); err != nil {
		d.Close()
		return nil, err
	}
	return sess, nil
}
