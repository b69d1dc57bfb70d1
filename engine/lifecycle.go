package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/oci"
)

// Public lifecycle methods: each is a Batch of one step.

// Init prepares the container in the runtime (created state) without
// starting its process.
func (c *Container) Init(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Init(ctx) })
}

// Start starts the container, initialising it first when needed.
func (c *Container) Start(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Start(ctx) })
}

// Stop sends the stop signal and, after the container's stop timeout,
// SIGKILL.
func (c *Container) Stop(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Stop(ctx, nil) })
}

// StopWithTimeout is Stop with an explicit grace period in seconds.
func (c *Container) StopWithTimeout(ctx context.Context, timeout uint) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Stop(ctx, &timeout) })
}

// Kill sends sig to the container's init process.
func (c *Container) Kill(ctx context.Context, sig syscall.Signal) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Kill(ctx, sig) })
}

// Pause freezes every process of the container.
func (c *Container) Pause(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Pause(ctx) })
}

// Unpause thaws a paused container.
func (c *Container) Unpause(ctx context.Context) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Unpause(ctx) })
}

// Restart stops the container when it runs (timeout nil = its own) and
// starts it again.
func (c *Container) Restart(ctx context.Context, timeout *uint) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Restart(ctx, timeout) })
}

// Init is Container.Init with the lock held.
func (l *Locked) Init(ctx context.Context) error { return l.init(ctx, initOptions{}) }

// initOptions are the knobs of init that depend on who starts the
// container, not on its configuration.
type initOptions struct {
	// attached: the caller stays attached until the exit and cleans up
	// itself, so conmon's exit command is delayed (and then killed).
	attached bool
	// closeStdin: the attached caller's end of stdin closes the
	// container's stdin (conmon.md §6); otherwise clients come and go
	// and the stdin stays open (--leave-stdin-open).
	closeStdin bool
}

// attachedExitDelay is how long conmon holds back the exit command of an
// attached container: long enough for the attached berth to clean up and
// kill it, short enough to clean up soon if that berth was killed.
const attachedExitDelay = 1

func (l *Locked) init(ctx context.Context, opts initOptions) error {
	c := l.c
	switch c.state.Status {
	case StatusConfigured, StatusExited:
	default:
		return c.invalidState("initialise it")
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	defer l.closePortFiles()
	if err := l.resetBundle(ctx); err != nil {
		return err
	}
	co := l.conmonOptions(opts)
	// conmon starts first and waits while the bundle is filled, unless it
	// must inherit host ports that the network set-up reserves.
	var pending *oci.PendingCreate
	if !l.publishesPorts() {
		if pending, err = rt.StartConmon(ctx, co); err != nil {
			return classifyRuntimeErr(err)
		}
	}
	if err := l.fillBundle(ctx); err != nil {
		if pending != nil {
			pending.Abort()
		}
		_ = l.waitNetwork(ctx)
		return err
	}
	phase("init: bundle", t0)
	t0 = time.Now()
	if pending == nil {
		co.ExtraFiles = l.portFiles
		pending, err = rt.StartConmon(ctx, co)
	}
	var created oci.Created
	if err == nil {
		created, err = pending.Create(ctx)
	}
	if nerr := l.waitNetwork(ctx); err == nil && nerr != nil {
		// The runtime made the container; its network failed meanwhile.
		_ = l.teardownRuntime(context.WithoutCancel(ctx), true)
		c.state.Error = nerr.Error()
		c.saveState(context.WithoutCancel(ctx))
		return nerr
	}
	if err != nil {
		l.unmountStorage(context.WithoutCancel(ctx))
		_ = l.teardownNetwork(context.WithoutCancel(ctx))
		c.state.Error = err.Error()
		c.saveState(context.WithoutCancel(ctx))
		return classifyRuntimeErr(err)
	}
	phase("init: conmon + runtime create", t0)
	c.state.Status = StatusCreated
	c.state.PID, c.state.ConmonPID = created.PID, created.ConmonPID
	c.state.Error = ""
	c.state.OOMKilled = false
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("init")
	return nil
}

// conmonOptions describes the container to conmon; ExtraFiles is added
// once the network set-up has reserved the host ports.
func (l *Locked) conmonOptions(opts initOptions) oci.CreateOptions {
	c := l.c
	id := c.config.ID
	bundle := c.r.bundleDir(id)
	return createOptions(oci.CreateOptions{
		ID:            id,
		Name:          c.config.Name,
		Bundle:        bundle,
		LogPath:       c.config.LogPath,
		NoSyncLog:     c.config.Spec.Remove,
		ExitDir:       c.r.exitDir(),
		PersistDir:    c.persistDir(),
		PidFile:       filepath.Join(bundle, "pidfile"),
		ConmonPidFile: c.conmonPidFile(),
		Terminal:      c.config.Spec.Terminal,
		Stdin:         c.config.Spec.Stdin,
		ExitCommand:   c.r.cleanupCommand(id),
		ExitDelay:     exitDelay(opts),
	}, opts)
}

// resetBundle gives the container an empty bundle directory, after
// removing what an interrupted earlier start may have left.
func (l *Locked) resetBundle(ctx context.Context) error {
	c := l.c
	id := c.config.ID
	bundle := c.r.bundleDir(id)
	// A leftover conmon pidfile means an earlier attempt was killed after
	// conmon started: remove what it may have created before retrying.
	if _, err := os.Stat(c.conmonPidFile()); err == nil {
		l.teardownRuntime(ctx, true)
	}
	if err := os.RemoveAll(bundle); err != nil {
		return fmt.Errorf("clearing bundle: %w", err)
	}
	if err := os.MkdirAll(c.persistDir(), 0o700); err != nil {
		return fmt.Errorf("creating bundle: %w", err)
	}
	if err := os.Remove(filepath.Join(c.r.exitDir(), id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing old exit file: %w", err)
	}
	return nil
}

// fillBundle mounts the rootfs and writes config.json and the run files
// (hosts, hostname, resolv.conf, .containerenv) into the bundle dir.
func (l *Locked) fillBundle(ctx context.Context) error {
	c := l.c
	id := c.config.ID
	bundle := c.r.bundleDir(id)
	rootfs, err := l.mountStorage(ctx)
	if err != nil {
		return err
	}
	files, err := spec.RunFiles(&c.config.Spec, id, c.config.ImageID, Version)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(bundle, name), data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	// The spec sees resolved mounts (volumes as binds) and the network
	// namespace the engine prepared.
	cs := c.config.Spec
	if cs.Mounts, err = l.resolveMounts(ctx); err != nil {
		return err
	}
	joins, err := l.resolveJoins(ctx)
	if err != nil {
		return err
	}
	netns, err := l.setupNetwork(ctx)
	if err != nil {
		return err
	}
	imgCfg := c.config.ImageConfig
	ociSpec, err := spec.Generate(ctx, &cs, &imgCfg, spec.Env{
		ID:          id,
		RootFS:      rootfs,
		RunDir:      bundle,
		CgroupsPath: c.cgroupPath(),
		NetNSPath:   netns,
		// Namespaces joined with --ipc/--pid/... container:X or a pod.
		JoinNamespaces: joins.paths,
		ShmDir:         joins.shm,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	b, err := json.Marshal(ociSpec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o600)
}

func exitDelay(opts initOptions) uint {
	if opts.attached {
		return attachedExitDelay
	}
	return 0
}

// Start is Container.Start with the lock held. Starting a running
// container is a no-op, as it is for podman.
func (l *Locked) Start(ctx context.Context) error {
	c := l.c
	switch c.state.Status {
	case StatusRunning:
		return nil
	case StatusConfigured, StatusExited:
		if err := l.Init(ctx); err != nil {
			return err
		}
	case StatusCreated:
	default:
		return c.invalidState("start it")
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := rt.StartCreated(ctx, c.config.ID, c.state.PID); err != nil {
		return classifyRuntimeErr(err)
	}
	phase("start: runtime start", t0)
	c.state.Status = StatusRunning
	c.state.StartedAt = time.Now()
	c.state.FinishedAt = time.Time{}
	c.state.StoppedByUser = false
	c.state.ExitCode = 0
	if err := l.startHealth(); err != nil {
		logWarn("%s: %v", c.config.Name, err)
	}
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("start")
	return nil
}

// Stop is Container.StopWithTimeout with the lock held; a nil timeout
// means the container's configured stop timeout.
func (l *Locked) Stop(ctx context.Context, timeout *uint) error {
	c := l.c
	switch c.state.Status {
	case StatusRunning, StatusPaused, StatusStopping:
	case StatusCreated:
		// Never started: there is no process to signal, only runtime state.
		l.teardownRuntime(ctx, true)
		c.state.Status = StatusConfigured
		return c.saveState(ctx)
	default:
		// A stop between an exit and its policy's restart cancels the restart.
		if c.hasRestartPolicy() && !c.state.StoppedByUser {
			c.state.StoppedByUser = true
			if err := c.saveState(ctx); err != nil {
				return err
			}
		}
		return stoppedError{fmt.Sprintf("container %s is already stopped", c.config.Name)}
	}
	grace := defaultStopTimeout
	if c.config.Spec.StopTimeout != nil {
		grace = *c.config.Spec.StopTimeout
	}
	if timeout != nil {
		grace = *timeout
	}
	imgCfg := c.config.ImageConfig
	sig, err := spec.StopSignal(&c.config.Spec, &imgCfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	wasPaused := c.state.Status == StatusPaused
	c.state.Status, c.state.StoppedByUser = StatusStopping, true
	if err := c.saveState(ctx); err != nil {
		return err
	}
	code, err := l.signalAndWait(ctx, sig, wasPaused, time.Duration(grace)*time.Second)
	if err != nil {
		return err
	}
	if err := c.storeExit(ctx, code, time.Now()); err != nil {
		return err
	}
	c.emit("stop")
	return l.cleanupExited(ctx)
}

// signalAndWait sends sig, waits up to grace for the exit, then SIGKILLs
// every process of the container and waits again.
func (l *Locked) signalAndWait(ctx context.Context, sig syscall.Signal, paused bool, grace time.Duration) (int, error) {
	c := l.c
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return 0, err
	}
	if grace > 0 && sig != syscall.SIGKILL {
		// An error here usually means the process is already gone; the
		// exit file below tells.
		_ = rt.Kill(ctx, c.config.ID, sig, false)
		if paused {
			_ = rt.Resume(ctx, c.config.ID)
			paused = false
		}
		if code, err := waitExit(ctx, c.r.exitDir(), c.config.ID, grace); err == nil {
			return code, nil
		}
	}
	_ = rt.Kill(ctx, c.config.ID, syscall.SIGKILL, true)
	if paused {
		_ = rt.Resume(ctx, c.config.ID)
	}
	code, err := waitExit(ctx, c.r.exitDir(), c.config.ID, 30*time.Second)
	if err != nil {
		return 0, fmt.Errorf("container %s did not exit after SIGKILL: %w", c.config.Name, err)
	}
	return code, nil
}

// waitExit waits for the exit file at most d.
func waitExit(ctx context.Context, dir, id string, d time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	code, err := oci.WaitExitFile(ctx, dir, id)
	if errors.Is(err, context.DeadlineExceeded) {
		return 0, fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return code, err
}

// Kill is Container.Kill with the lock held.
func (l *Locked) Kill(ctx context.Context, sig syscall.Signal) error {
	c := l.c
	if c.state.Status != StatusRunning && c.state.Status != StatusPaused && c.state.Status != StatusStopping {
		return fmt.Errorf("can only kill running containers. %s is in state %s: %w", c.config.Name, c.state.Status, ErrCtrStateInvalid)
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	if err := rt.Kill(ctx, c.config.ID, sig, false); err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	c.state.StoppedByUser = true
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("kill", "signal", signalName(sig))
	return nil
}

// Pause is Container.Pause with the lock held.
func (l *Locked) Pause(ctx context.Context) error {
	c := l.c
	if c.state.Status != StatusRunning {
		return fmt.Errorf("%q is not running, can't pause: %w", c.config.Name, ErrCtrStateInvalid)
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	if err := rt.Pause(ctx, c.config.ID); err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	c.state.Status = StatusPaused
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("pause")
	return nil
}

// Unpause is Container.Unpause with the lock held.
func (l *Locked) Unpause(ctx context.Context) error {
	c := l.c
	if c.state.Status != StatusPaused {
		return fmt.Errorf("%q is not paused, can't unpause: %w", c.config.Name, ErrCtrStateInvalid)
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return err
	}
	if err := rt.Resume(ctx, c.config.ID); err != nil {
		return fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	c.state.Status = StatusRunning
	if err := c.saveState(ctx); err != nil {
		return err
	}
	c.emit("unpause")
	return nil
}

// Restart is Container.Restart with the lock held.
func (l *Locked) Restart(ctx context.Context, timeout *uint) error {
	if err := l.Stop(ctx, timeout); err != nil && !errors.Is(err, ErrCtrStopped) {
		return err
	}
	if err := l.Start(ctx); err != nil {
		return err
	}
	l.c.emit("restart")
	return nil
}

// classifyRuntimeErr keeps the runtime's message and adds the engine class
// that decides the CLI exit code (127, 126, or 125).
func classifyRuntimeErr(err error) error {
	switch {
	case errors.Is(err, oci.ErrExecNotFound):
		return fmt.Errorf("%w: %w", ErrExecNotFound, err)
	case errors.Is(err, oci.ErrExecPermission):
		return fmt.Errorf("%w: %w", ErrExecPermission, err)
	}
	return fmt.Errorf("%w: %w", ErrRuntime, err)
}

func (c *Container) conmonPidFile() string {
	return filepath.Join(c.r.bundleDir(c.config.ID), "conmon.pid")
}

// cleanupCommand is the argv conmon runs after the container exits.
func (r *Runtime) cleanupCommand(id string) []string {
	cmd := append([]string{}, r.opts.CleanupCommand...)
	return append(cmd, "container", "cleanup", id)
}
