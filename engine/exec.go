package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/oci"
	"github.com/berthproject/berth/internal/state"
)

// execKind is the kind of exec sessions in the state's objects table.
const execKind = "exec"

// ExecOptions describe one exec session: the process (spec.ExecOptions)
// and how the caller deals with it.
type ExecOptions struct {
	spec.ExecOptions
	Interactive bool // forward stdin (-i)
	Detach      bool // start it and return (-d)
	// PreserveFDs are handed to the process as fds 3, 4, ...
	PreserveFDs []*os.File
	// session is a record made ahead by CreateExec that this start runs.
	session *ExecSessionInfo
}

// ExecSessionInfo is what berth records about an exec session.
type ExecSessionInfo struct {
	ID          string    `json:"id"`
	ContainerID string    `json:"containerId"`
	Command     []string  `json:"command"`
	User        string    `json:"user,omitempty"`
	Terminal    bool      `json:"terminal,omitempty"`
	Interactive bool      `json:"interactive,omitempty"`
	Detached    bool      `json:"detached,omitempty"`
	PID         int       `json:"pid,omitempty"`
	Created     time.Time `json:"created"`
	// Sessions made by CreateExec (the Docker API's create/start split):
	// the options to start with, whether the start is still to come, the
	// detach keys, and the exit code once known. Such sessions stay
	// inspectable for execRetention after they end.
	Options    *spec.ExecOptions `json:"options,omitempty"`
	Pending    bool              `json:"pending,omitempty"`
	DetachKeys string            `json:"detachKeys,omitempty"`
	Retain     bool              `json:"retain,omitempty"`
	ExitCode   *int              `json:"exitCode,omitempty"`
	Ended      time.Time         `json:"ended,omitzero"`
	// Monitor is execMonitorBerth for a session whose berth waits for the
	// process itself (no conmon, no session directory); PIDStart then
	// tells its process from a later one with the same PID.
	Monitor  string `json:"monitor,omitempty"`
	PIDStart uint64 `json:"pidStart,omitempty"`
}

// execMonitorBerth marks a session run without conmon (see execDirect).
const execMonitorBerth = "berth"

// ExecSession is a started exec session.
type ExecSession struct {
	c    *Container
	info ExecSessionInfo
	ex   *oci.Exec
	att  *Attachment
	// direct is the process of a session run without conmon;
	// unrecorded says it ended before it was recorded.
	direct     *oci.DirectExec
	unrecorded bool
}

// ID is the session's 64-hex ID.
func (s *ExecSession) ID() string { return s.info.ID }

// Attachment is the session's stdio; nil for a detached session.
func (s *ExecSession) Attachment() *Attachment { return s.att }

func (r *Runtime) execDir(ctrID, sessionID string) string {
	return filepath.Join(r.bundleDir(ctrID), "exec", sessionID)
}

// Exec starts a process in the running container. Attached (the default)
// the session's output goes to s as soon as the process starts; call Wait
// for its exit code. With o.Detach the process runs on its own and the
// session is forgotten once it ends. A command that does not exist or
// cannot be executed wraps ErrExecNotFound or ErrExecPermission.
func (c *Container) Exec(ctx context.Context, o ExecOptions, s Streams) (*ExecSession, error) {
	var sess *ExecSession
	err := c.Batch(ctx, func(l *Locked) error {
		var err error
		sess, err = l.exec(ctx, o, s)
		return err
	})
	return sess, err
}

func (l *Locked) exec(ctx context.Context, o ExecOptions, s Streams) (*ExecSession, error) {
	c := l.c
	switch c.state.Status {
	case StatusRunning:
	case StatusPaused:
		return nil, fmt.Errorf("container %s is paused, cannot exec in it (unpause it first): %w", c.config.Name, ErrCtrStateInvalid)
	default:
		return nil, fmt.Errorf("can only create exec sessions on running containers: %s is %s: %w",
			c.config.Name, c.state.Status.DisplayStatus(), ErrCtrStateInvalid)
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return nil, err
	}
	c.pruneExecSessions(ctx)
	img := c.config.ImageConfig
	proc, err := spec.ExecProcess(ctx, &c.config.Spec, &img, c.config.ID, c.state.Mountpoint, o.ExecOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	procJSON, err := json.Marshal(proc)
	if err != nil {
		return nil, err
	}
	info := ExecSessionInfo{
		ID: newExecID(), ContainerID: c.config.ID, Command: o.Command, User: o.User,
		Terminal: o.Terminal, Interactive: o.Interactive, Detached: o.Detach, Created: time.Now(),
	}
	if o.session != nil {
		if info, err = c.claimExecSession(ctx, *o.session, o.Detach); err != nil {
			return nil, err
		}
	}
	if directExec(rt, o, s) {
		return l.execDirect(ctx, rt, info, procJSON, o, s)
	}
	dir := c.r.execDir(c.config.ID, info.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating exec session dir: %w", err)
	}
	// The record comes first: a berth killed from here on leaves a session
	// that the next look at the container prunes (its conmon gone, or its
	// exit file there).
	if err := c.r.saveExecSession(ctx, info, o.session == nil); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sess := &ExecSession{c: c, info: info}
	fail := func(err error) (*ExecSession, error) {
		if sess.att != nil {
			sess.att.Close()
		}
		if sess.ex != nil {
			sess.ex.Close()
		}
		c.r.endExecSession(context.WithoutCancel(ctx), info, execFailureCode(err))
		return nil, err
	}
	t0 := time.Now()
	sess.ex, err = rt.StartExec(ctx, oci.ExecOptions{
		ContainerID: c.config.ID,
		SessionID:   info.ID,
		SessionDir:  dir,
		Process:     procJSON,
		Terminal:    o.Terminal,
		Stdin:       o.Interactive,
		Attach:      !o.Detach,
		PreserveFDs: o.PreserveFDs,
	})
	if err != nil {
		return fail(classifyRuntimeErr(err))
	}
	phase("exec: conmon ready", t0)
	if !o.Detach {
		if sess.att, err = connect(ctx, dir, s, o.Interactive); err != nil {
			return fail(err)
		}
		if s.Size != nil && o.Terminal {
			// Applied once runc exec made the pty (conmon.md §7).
			_ = sess.att.Resize(*s.Size)
		}
		if err := sess.ex.Run(ctx); err != nil {
			return fail(classifyRuntimeErr(err))
		}
		phase("exec: runtime exec", t0)
	}
	sess.info.PID = sess.ex.PID
	if err := c.r.saveExecSession(ctx, sess.info, false); err != nil {
		return fail(err)
	}
	if o.Detach {
		sess.ex.Close()
	}
	return sess, nil
}

// Wait waits for an attached session's process to exit, forgets the
// session and returns the exit code. When the user detached it returns
// ErrDetached at once; the process runs on.
func (s *ExecSession) Wait(ctx context.Context) (int, error) {
	if s.att == nil && s.direct == nil {
		return 0, fmt.Errorf("exec session %s is detached: %w", s.info.ID, ErrInvalidArg)
	}
	t0 := time.Now()
	if s.direct != nil {
		code, err := s.direct.Wait(ctx)
		phase("exec: exit code", t0)
		if ctx.Err() == nil && !s.unrecorded {
			if err != nil {
				code = -1
			}
			s.c.r.endExecSession(context.WithoutCancel(ctx), s.info, code)
		}
		return code, err
	}
	if err := s.att.Wait(); errors.Is(err, ErrDetached) {
		s.ex.Close()
		return 0, err
	}
	phase("exec: output ended", t0)
	code, err := s.ex.Wait(ctx)
	phase("exec: exit code", t0)
	s.ex.Close()
	s.att.Close()
	if ctx.Err() == nil {
		if err != nil {
			code = -1
		}
		s.c.r.endExecSession(context.WithoutCancel(ctx), s.info, code)
	}
	return code, err
}

// Close drops the connection to the session without waiting for it.
func (s *ExecSession) Close() {
	if s.direct != nil {
		s.direct.Close()
	}
	if s.att != nil {
		s.att.Close()
	}
	if s.ex != nil {
		s.ex.Close()
	}
}

func newExecID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}

// saveExecSession stores the session's record (added when new).
func (r *Runtime) saveExecSession(ctx context.Context, info ExecSessionInfo, add bool) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if add {
		return r.db.AddObject(ctx, state.Object{Kind: execKind, ID: info.ID, Name: info.ID, Created: info.Created, Data: b})
	}
	return r.db.SetObjectData(ctx, execKind, info.ID, b)
}

// forgetExecSession removes the session's record and directory.
func (r *Runtime) forgetExecSession(ctx context.Context, ctrID, id string) {
	_ = r.db.RemoveObject(ctx, execKind, id)
	_ = os.RemoveAll(r.execDir(ctrID, id))
}

// execSessions lists the recorded sessions of the container.
func (c *Container) execSessions(ctx context.Context) ([]ExecSessionInfo, error) {
	objs, err := c.r.db.Objects(ctx, execKind)
	if err != nil {
		return nil, err
	}
	var out []ExecSessionInfo
	for _, o := range objs {
		var info ExecSessionInfo
		if json.Unmarshal(o.Data, &info) != nil {
			info = ExecSessionInfo{ID: o.ID} // corrupt: let pruning drop it
		}
		if info.ContainerID == c.config.ID || info.ContainerID == "" {
			out = append(out, info)
		}
	}
	return out, nil
}

// sessionEnded reports whether a recorded session's process is gone: conmon
// wrote its exit file, or its directory vanished (the container stopped and
// was started again, or berth died before conmon ran).
func (c *Container) sessionEnded(info ExecSessionInfo) bool {
	if !c.state.running() || info.ContainerID == "" {
		return true
	}
	if info.Monitor == execMonitorBerth {
		return !oci.ProcessAlive(info.PID, info.PIDStart)
	}
	dir := c.r.execDir(c.config.ID, info.ID)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return true
	}
	_, _, err := oci.ReadExitFile(oci.ExecExitDir(dir), c.config.ID)
	if err == nil {
		return true
	}
	if info.Pending || info.ExitCode != nil {
		return info.ExitCode != nil
	}
	// Recorded but never got a PID: the berth that started it died.
	return info.PID == 0 && time.Since(info.Created) > time.Minute
}

// pruneExecSessions forgets the container's sessions that ended.
func (c *Container) pruneExecSessions(ctx context.Context) {
	sessions, err := c.execSessions(ctx)
	if err != nil {
		return
	}
	for _, s := range sessions {
		if c.sessionEnded(s) && !c.retained(s) {
			c.r.forgetExecSession(ctx, c.config.ID, s.ID)
		}
	}
}

// ExecIDs returns the IDs of the container's live exec sessions, forgetting
// those that ended.
func (c *Container) ExecIDs(ctx context.Context) []string {
	c.pruneExecSessions(ctx)
	sessions, _ := c.execSessions(ctx)
	ids := make([]string, 0, len(sessions))
	for _, s := range sessions {
		if !c.sessionEnded(s) { // not those kept only for inspection
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// removeExecSessions forgets every session of the container (it stopped or
// is being removed: their processes died with it).
func (l *Locked) removeExecSessions(ctx context.Context) {
	sessions, err := l.c.execSessions(ctx)
	if err != nil {
		return
	}
	for _, s := range sessions {
		if s.ContainerID == l.c.config.ID {
			l.c.r.forgetExecSession(ctx, l.c.config.ID, s.ID)
		}
	}
}
