package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/oci"
	"github.com/berthproject/berth/internal/state"
)

// Engine operations that the Docker API service needs in a shape the CLI
// does not: attach before start as a separate request, wait conditions,
// start that honours --rm on failure, terminal resize, prune, image
// archives as streams. They are general: any program driving the engine
// the way the Docker API does can use them.

// WaitCondition says what WaitFor waits for (docker's wait conditions).
type WaitCondition string

const (
	// WaitNotRunning returns at once for a container that does not run.
	WaitNotRunning WaitCondition = "not-running"
	// WaitNextExit waits for the exit that follows the next start when the
	// container does not run now.
	WaitNextExit WaitCondition = "next-exit"
	// WaitRemoved waits until the container is removed.
	WaitRemoved WaitCondition = "removed"
)

// ParseWaitCondition accepts docker's names; "" is not-running.
func ParseWaitCondition(s string) (WaitCondition, error) {
	switch WaitCondition(s) {
	case "", WaitNotRunning:
		return WaitNotRunning, nil
	case WaitNextExit, WaitRemoved:
		return WaitCondition(s), nil
	}
	return "", fmt.Errorf("invalid wait condition %q: use not-running, next-exit or removed: %w", s, ErrInvalidArg)
}

// statusPoll is how often a wait re-reads the database while the container
// has no process whose exit file could be watched (configured, exited).
const statusPoll = 50 * time.Millisecond

// WaitFor blocks until cond holds and returns the exit code of the exit
// it saw (or of the last exit). The exit is learnt from conmon's exit file
// (inotify); after it, the waiter does the exit cleanup itself (the same
// Cleanup conmon's exit command runs, applying --rm) so that a client
// waiting for "removed" is not left waiting for that command. The
// container vanishing while a "removed" wait runs is success.
func (c *Container) WaitFor(ctx context.Context, cond WaitCondition) (int, error) {
	if err := c.peek(ctx); err != nil {
		return -1, err
	}
	code := c.state.ExitCode
	startedAt := c.state.StartedAt
	gone := func(err error) (int, error) {
		if cond == WaitRemoved && errors.Is(err, ErrNoSuchCtr) {
			return code, nil
		}
		return code, err
	}
	if cond == WaitNotRunning && !c.state.running() {
		return code, nil
	}
	// Wait for a process to watch, unless a "removed" wait finds the
	// container already done with.
	for {
		st := c.state.Status
		if c.state.running() || st == StatusCreated {
			break
		}
		if cond == WaitRemoved && st == StatusExited && startedAt.Equal(c.state.StartedAt) {
			break // no new run to wait for: just the removal
		}
		if st == StatusExited && !startedAt.Equal(c.state.StartedAt) {
			break // it ran and exited between two looks
		}
		if cond == WaitRemoved && st == StatusRemoving {
			break
		}
		if err := sleepCtx(ctx, statusPoll); err != nil {
			return code, err
		}
		if err := c.peek(ctx); err != nil {
			return gone(err)
		}
	}
	ranAgain := c.state.Status == StatusExited && !startedAt.Equal(c.state.StartedAt)
	if c.state.running() || c.state.Status == StatusCreated || ranAgain {
		var err error
		if code, err = c.waitExitFile(ctx); err != nil {
			return gone(err)
		}
		if err := c.Reap(ctx); err != nil && !errors.Is(err, ErrNoSuchCtr) && !errors.Is(err, ErrCtrStateInvalid) {
			return code, err
		}
	}
	if cond != WaitRemoved {
		return code, nil
	}
	for {
		if err := c.peek(ctx); err != nil {
			return gone(err)
		}
		if err := sleepCtx(ctx, statusPoll); err != nil {
			return code, err
		}
	}
}

// waitExitFile waits for conmon's exit file. It looks at the database now
// and then, because a container removed meanwhile never gets one.
func (c *Container) waitExitFile(ctx context.Context) (int, error) {
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		code, err := oci.WaitExitFile(wctx, c.r.exitDir(), c.config.ID)
		cancel()
		if err == nil {
			return code, nil
		}
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return -1, err
		}
		if err := c.peek(ctx); err != nil {
			return -1, err
		}
		if c.state.Status == StatusConfigured || c.state.Status == StatusRemoving {
			return c.state.ExitCode, nil // stopped before it ever ran
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Reap does for an exited container what conmon's exit command does
// (Cleanup: release runtime state and mount, apply --rm), in this process.
// Harmless when that command ran already or runs later.
func (c *Container) Reap(ctx context.Context) error {
	return c.Batch(context.WithoutCancel(ctx), func(l *Locked) error {
		if c.state.running() {
			return nil // restarted meanwhile
		}
		return l.Cleanup(ctx)
	})
}

// StartDetached starts the container unless it runs already (reported as
// alreadyRunning, docker's 304). When the start fails, a container created
// with --rm is removed, as `run` does.
func (c *Container) StartDetached(ctx context.Context) (alreadyRunning bool, err error) {
	err = c.Batch(ctx, func(l *Locked) error {
		if c.state.Status == StatusRunning {
			alreadyRunning = true
			return nil
		}
		return l.Start(ctx)
	})
	// A container in a state that cannot start (paused, being removed) was
	// not touched: only a failed start attempt removes it.
	if err != nil && !errors.Is(err, ErrNoSuchCtr) && !errors.Is(err, ErrCtrStateInvalid) {
		err = c.r.removeAfterFailure(ctx, c, err)
	}
	return alreadyRunning, err
}

// AttachStreams connects s to the container's stdio. A container that is
// not created yet is initialised first (with its exit command delayed, as
// for an attached run), so that a Start that follows as a separate call
// misses no output: conmon forwards only what it reads while a client is
// connected. Stdin is forwarded when the container has one (-i or -t).
// The attachment ends when the container exits or it is closed.
func (c *Container) AttachStreams(ctx context.Context, s Streams) (*Attachment, error) {
	var att *Attachment
	err := c.Batch(ctx, func(l *Locked) error {
		switch c.state.Status {
		case StatusConfigured, StatusExited:
			closeStdin := c.config.Spec.StdinOnce && s.Stdin != nil
			if err := l.init(ctx, initOptions{attached: true, closeStdin: closeStdin}); err != nil {
				return err
			}
		case StatusCreated, StatusRunning, StatusPaused:
		default:
			return c.invalidState("attach to it")
		}
		a, err := oci.AttachOutput(ctx, c.r.bundleDir(c.config.ID), s.Stdout, s.Stderr)
		if err != nil {
			return err
		}
		if s.Stdin != nil && (c.config.Spec.Stdin || c.config.Spec.Terminal) {
			go a.SendStdin(s.Stdin)
		}
		att = &Attachment{a: a}
		return nil
	})
	return att, err
}

// ResizeTTY sets the terminal size of a container created with a
// terminal. For a container without one it does nothing, as docker does.
func (c *Container) ResizeTTY(ctx context.Context, height, width uint16) error {
	if err := c.peek(ctx); err != nil {
		return err
	}
	if !c.config.Spec.Terminal {
		return nil
	}
	if !c.state.running() && c.state.Status != StatusCreated {
		return fmt.Errorf("container %s is %s, cannot resize its terminal: %w", c.config.Name, c.state.Status, ErrCtrStateInvalid)
	}
	if err := oci.Resize(c.r.bundleDir(c.config.ID), height, width); err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	return nil
}

// LoadImageFrom loads the image archive read from rd (docker-archive,
// oci-archive, possibly compressed), staged in a temporary file.
func (r *Runtime) LoadImageFrom(ctx context.Context, rd io.Reader) ([]string, error) {
	f, err := os.CreateTemp("", "berth-load-*.tar")
	if err != nil {
		return nil, fmt.Errorf("staging image archive: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, rd)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("reading image archive: %w", err)
	}
	return r.LoadImage(ctx, f.Name())
}

// SaveImagesTo writes the images refs name, in one docker-archive (format
// "" or "docker-archive") or oci-archive, to w. The archive is built in a
// temporary file first, so an unknown image fails before a byte is sent.
func (r *Runtime) SaveImagesTo(ctx context.Context, refs []string, format string, w io.Writer) error {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "berth-save-")
	if err != nil {
		return fmt.Errorf("staging image archive: %w", err)
	}
	defer os.RemoveAll(dir)
	path := dir + "/archive.tar"
	if err := imgs.Save(ctx, refs, format, path); err != nil {
		return fmt.Errorf("saving %v: %w", refs, mapImageErr(err))
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// PathStat describes one path in a container (docker's
// X-Docker-Container-Path-Stat header, shown before an archive transfer).
type PathStat struct {
	Name       string
	Size       int64
	Mode       fs.FileMode
	ModTime    time.Time
	LinkTarget string
}

// StatPath describes p in the container (running or not), resolved as cp
// resolves it, without following a final symlink. A missing path is
// ErrNoSuchPath.
func (c *Container) StatPath(ctx context.Context, p string) (PathStat, error) {
	if !path.IsAbs(p) {
		p = "/" + p
	}
	var st PathStat
	err := c.Batch(ctx, func(l *Locked) error {
		root, rel, release, err := l.copyRoot(ctx, p)
		if err != nil {
			return err
		}
		defer release()
		info, err := root.Lstat(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s:%s: %w", c.config.Name, p, ErrNoSuchPath)
		}
		if err != nil {
			return err
		}
		st = PathStat{Name: info.Name, Size: info.Size, Mode: info.Mode, ModTime: info.ModTime, LinkTarget: info.LinkTarget}
		return nil
	})
	return st, err
}

// NetworkAttachments lists the networks the container joins, running or
// not (docker's inspect shows them before the first start; the live
// addresses come from NetworkInfo).
func (c *Container) NetworkAttachments(ctx context.Context) ([]NetworkAttachment, error) {
	if err := c.peek(ctx); err != nil {
		return nil, err
	}
	return c.attachments(ctx)
}

// execRetention is how long an ended session made by CreateExec stays
// inspectable: a Docker API client reads the exit code after the stream
// ends (docker exec), and another client's exec must not prune it first.
const execRetention = 5 * time.Minute

// execStartGrace is how long ResizeExec waits for a session being started.
const execStartGrace = 5 * time.Second

// CreateExec records an exec session to be started later by StartExec
// (the Docker API creates a session, then starts it). The container must
// be running and the options valid now, so that a bad user or working
// directory fails here. The session is inspectable (InspectExec) until
// execRetention after it ends, or until the container stops.
func (c *Container) CreateExec(ctx context.Context, o ExecOptions, detachKeys string) (string, error) {
	if _, err := ParseDetachKeys(detachKeys); err != nil {
		return "", err
	}
	if len(o.Command) == 0 {
		return "", fmt.Errorf("no command given to exec: %w", ErrInvalidArg)
	}
	var id string
	err := c.Batch(ctx, func(l *Locked) error {
		if c.state.Status != StatusRunning {
			return fmt.Errorf("container %s is not running: %w", c.config.Name, ErrCtrStateInvalid)
		}
		img := c.config.ImageConfig
		if _, err := spec.ExecProcess(ctx, &c.config.Spec, &img, c.config.ID, c.state.Mountpoint, o.ExecOptions); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidArg, err)
		}
		c.pruneExecSessions(ctx)
		opts := o.ExecOptions
		info := ExecSessionInfo{
			ID: newExecID(), ContainerID: c.config.ID, Command: o.Command, User: o.User,
			Terminal: o.Terminal, Interactive: o.Interactive, Created: time.Now(),
			Options: &opts, Pending: true, DetachKeys: detachKeys, Retain: true,
		}
		dir := c.r.execDir(c.config.ID, info.ID)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating exec session dir: %w", err)
		}
		if err := c.r.saveExecSession(ctx, info, true); err != nil {
			os.RemoveAll(dir)
			return err
		}
		id = info.ID
		return nil
	})
	return id, err
}

// StartExec starts a session made by CreateExec: detached, or attached to
// s (stdin forwarded when the session was created interactive; its end
// closes the process's stdin, as docker does). A session starts once: a
// second start is ErrCtrStateInvalid.
func (r *Runtime) StartExec(ctx context.Context, id string, detach bool, s Streams) (*ExecSession, error) {
	info, err := r.execSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if !info.Pending || info.Options == nil {
		return nil, fmt.Errorf("exec session %s has already been started: %w", info.ID, ErrCtrStateInvalid)
	}
	c, err := r.LookupContainer(ctx, info.ContainerID)
	if err != nil {
		return nil, fmt.Errorf("exec session %s: %w", info.ID, err)
	}
	o := ExecOptions{ExecOptions: *info.Options, Interactive: info.Interactive && !detach, Detach: detach, session: &info}
	if info.Terminal && o.Interactive {
		// Detach keys act on a terminal only, as in docker.
		if s.DetachKeys, err = ParseDetachKeys(info.DetachKeys); err != nil {
			return nil, err
		}
	} else {
		s.DetachKeys = nil
	}
	s.CloseStdin = true
	return c.Exec(ctx, o, s)
}

// claimExecSession turns the pending record of a session made by CreateExec
// into the one Exec starts, under the container's lock so that two starts
// of one session cannot both run it.
func (c *Container) claimExecSession(ctx context.Context, info ExecSessionInfo, detach bool) (ExecSessionInfo, error) {
	cur, err := c.r.execSession(ctx, info.ID)
	if err != nil {
		return cur, err
	}
	if !cur.Pending {
		return cur, fmt.Errorf("exec session %s has already been started: %w", cur.ID, ErrCtrStateInvalid)
	}
	cur.Pending = false
	cur.Detached = detach
	cur.Interactive = cur.Interactive && !detach
	cur.Created = time.Now() // the "no PID after a minute" rule counts from here
	return cur, nil
}

// execSession reads the record of a session by ID (or unique prefix).
func (r *Runtime) execSession(ctx context.Context, id string) (ExecSessionInfo, error) {
	obj, err := r.db.LookupObject(ctx, execKind, id)
	if errors.Is(err, state.ErrNotFound) {
		return ExecSessionInfo{}, fmt.Errorf("exec session %s: %w", id, ErrNoSuchExecSession)
	}
	if err != nil {
		return ExecSessionInfo{}, err
	}
	var info ExecSessionInfo
	if err := json.Unmarshal(obj.Data, &info); err != nil {
		return ExecSessionInfo{}, fmt.Errorf("exec session %s: corrupt record: %w", id, err)
	}
	return info, nil
}

// ExecStatus is a session as InspectExec sees it.
type ExecStatus struct {
	ExecSessionInfo
	Running  bool
	ExitCode *int // nil while it runs or before it started
}

// InspectExec describes a session: its settings, whether it runs, and its
// exit code once it ended.
func (r *Runtime) InspectExec(ctx context.Context, id string) (ExecStatus, error) {
	info, err := r.execSession(ctx, id)
	if err != nil {
		return ExecStatus{}, err
	}
	st := ExecStatus{ExecSessionInfo: info, ExitCode: info.ExitCode}
	if info.Pending || info.ExitCode != nil {
		return st, nil
	}
	c, err := r.LookupContainer(ctx, info.ContainerID)
	if err != nil {
		return ExecStatus{}, fmt.Errorf("exec session %s: %w", id, ErrNoSuchExecSession)
	}
	if err := c.peek(ctx); err != nil {
		return ExecStatus{}, err
	}
	if code, _, err := oci.ReadExitFile(oci.ExecExitDir(r.execDir(info.ContainerID, info.ID)), info.ContainerID); err == nil {
		st.ExitCode = &code
		return st, nil
	}
	st.Running = info.PID != 0 && !c.sessionEnded(info)
	return st, nil
}

// ResizeExec sets the terminal size of a running session with a terminal;
// for one without, it does nothing, as docker does.
//
// A client may ask right after it sent the start (the docker CLI does, as
// soon as the stream is set up), so a session still starting is waited for
// a moment, as docker does.
func (r *Runtime) ResizeExec(ctx context.Context, id string, size TermSize) error {
	st, err := r.InspectExec(ctx, id)
	for deadline := time.Now().Add(execStartGrace); err == nil && st.Terminal && !st.Running &&
		st.ExitCode == nil && (st.Pending || st.PID == 0) && time.Now().Before(deadline); {
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
		st, err = r.InspectExec(ctx, id)
	}
	if err != nil {
		return err
	}
	if !st.Terminal {
		return nil
	}
	if !st.Running {
		return fmt.Errorf("exec session %s is not running: %w", st.ID, ErrCtrStateInvalid)
	}
	if err := oci.Resize(r.execDir(st.ContainerID, st.ID), size.Rows, size.Cols); err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	return nil
}

// execFailureCode is the exit code docker reports for a session whose
// command could not be executed, or -1.
func execFailureCode(err error) int {
	switch {
	case errors.Is(err, ErrExecNotFound):
		return 127
	case errors.Is(err, ErrExecPermission):
		return 126
	}
	return -1
}

// endExecSession records how a session ended (code >= 0) when it is kept
// for inspection, and forgets it otherwise.
func (r *Runtime) endExecSession(ctx context.Context, info ExecSessionInfo, code int) {
	if !info.Retain || code < 0 {
		r.forgetExecSession(ctx, info.ContainerID, info.ID)
		return
	}
	info.ExitCode = &code
	info.Ended = time.Now()
	if err := r.saveExecSession(ctx, info, false); err != nil {
		r.forgetExecSession(ctx, info.ContainerID, info.ID)
	}
}

// retained reports whether an ended session is still kept for inspection.
func (c *Container) retained(info ExecSessionInfo) bool {
	if !info.Retain || !c.state.running() {
		return false
	}
	ended := info.Ended
	if info.ExitCode == nil {
		_, at, err := oci.ReadExitFile(oci.ExecExitDir(c.r.execDir(c.config.ID, info.ID)), c.config.ID)
		if err != nil {
			return false
		}
		ended = at
	}
	return time.Since(ended) < execRetention
}
