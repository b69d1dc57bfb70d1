package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// A foreground exec without conmon: berth itself is the session's monitor.
// conmon exists so that a process outlives the engine that started it;
// an attached, non-interactive exec ends with its berth anyway, so the
// runtime is run as berth's child instead, saving conmon's start-up, its
// double fork and the session directory's files:
//
//	runtime --log /proc/self/fd/L exec --detach --process /proc/self/fd/P CTR
//
// The process spec and the runtime's log are memfds (no file is created).
// `exec --detach` returns once the process runs; berth is a child
// subreaper, so the process, orphaned by the runtime's exit, becomes
// berth's child and berth waits for it (its exit status is the session's).
// The process's stdio are pipes whose other ends berth copies: the
// runtime prints its own errors on the stderr it shares with the process,
// so stderr is held back until the runtime has succeeded (then everything
// on it is the process's) and dropped when it failed (the error comes
// from the log instead).

// DirectExecOptions describe a foreground exec run by RunDirectExec.
type DirectExecOptions struct {
	ContainerID string
	// Process is the OCI process object (JSON); it must not ask for a
	// terminal.
	Process []byte
	// Stdin feeds the process; nil gives it an empty stdin. Its end
	// closes the process's stdin.
	Stdin io.Reader
	// Stdout and Stderr receive the process's output; nil discards it.
	Stdout, Stderr io.Writer
	// PreserveFDs are passed to the process as fds 3, 4, ...
	PreserveFDs []*os.File
}

// DirectExec is a process started by RunDirectExec.
type DirectExec struct {
	// PID is the process in the host's PID namespace and StartTime its
	// start time (field 22 of /proc/PID/stat): together they name it even
	// after its PID is reused (ProcessAlive).
	PID       int
	StartTime uint64

	copies sync.WaitGroup
	drain  []*drainReader
	stdinW *os.File
}

// DirectExecSupported reports whether this host lets berth find the
// process the runtime leaves behind (/proc/PID/task/TID/children needs
// CONFIG_PROC_CHILDREN).
func DirectExecSupported() bool {
	_, err := os.Stat("/proc/thread-self/children")
	return err == nil
}

// RunDirectExec starts the process and returns once it runs. A command
// that cannot be executed wraps ErrExecNotFound or ErrExecPermission, as
// with StartExec.
func (r *Runtime) RunDirectExec(ctx context.Context, o DirectExecOptions) (*DirectExec, error) {
	if err := checkID(o.ContainerID); err != nil {
		return nil, err
	}
	spec, err := memfdWith("berth-exec-process", o.Process)
	if err != nil {
		return nil, err
	}
	defer spec.Close()
	logf, err := memfdWith("berth-exec-log", nil)
	if err != nil {
		return nil, err
	}
	defer logf.Close()

	d := &DirectExec{}
	var parentEnds, childEnds []*os.File
	closeAll := func(fs []*os.File) {
		for _, f := range fs {
			f.Close()
		}
	}
	fail := func(err error) (*DirectExec, error) {
		closeAll(parentEnds)
		closeAll(childEnds)
		return nil, err
	}
	// ExtraFiles[i] is fd 3+i in the runtime: the preserved fds first, so
	// that --preserve-fds hands them on as 3, 4, ...
	files := append([]*os.File{}, o.PreserveFDs...)
	specFD := 3 + len(files)
	files = append(files, spec, logf)
	args := append(r.globalArgs(), "--log=/proc/self/fd/"+strconv.Itoa(specFD+1),
		"exec", "--detach", "--process=/proc/self/fd/"+strconv.Itoa(specFD))
	if len(o.PreserveFDs) > 0 {
		args = append(args, "--preserve-fds="+strconv.Itoa(len(o.PreserveFDs)))
	}
	args = append(args, o.ContainerID)

	cmd := exec.Command(r.path, args...) // ctx is honoured by the wait below
	cmd.ExtraFiles = files
	// Its own process group, like conmon's: a ctrl-c on the user's
	// terminal reaches berth only, never the process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if o.Stdin != nil {
		pr, pw, err := os.Pipe()
		if err != nil {
			return fail(fmt.Errorf("exec stdin pipe: %w", err))
		}
		cmd.Stdin = pr
		parentEnds, childEnds = append(parentEnds, pw), append(childEnds, pr)
		d.stdinW = pw
	}
	var stderrGate *gateWriter
	for i, w := range []io.Writer{o.Stdout, o.Stderr} {
		pr, pw, err := os.Pipe()
		if err != nil {
			return fail(fmt.Errorf("exec output pipe: %w", err))
		}
		parentEnds, childEnds = append(parentEnds, pr), append(childEnds, pw)
		if w == nil {
			w = io.Discard
		}
		if i == 0 {
			cmd.Stdout = pw
		} else {
			cmd.Stderr = pw
			stderrGate = &gateWriter{w: w}
			w = stderrGate
		}
		d.drain = append(d.drain, &drainReader{f: pr, w: w})
	}

	// The process is reparented to berth when the runtime exits; the
	// setting is not inherited by children, and is dropped again below
	// so that no later orphan comes to berth.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("becoming a child subreaper: %w", err))
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	known := childPIDs()
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("%s exec: %w", r.name, err))
	}
	closeAll(childEnds)
	childEnds = nil
	for _, dr := range d.drain {
		d.copies.Add(1)
		go func() {
			defer d.copies.Done()
			dr.copy()
		}()
	}
	runErr := waitCtx(ctx, cmd)
	if runErr != nil {
		// The runtime failed (or ctx ended): its stderr is its message.
		// A process it may still have started is left to run, as a
		// detached session's would be.
		for _, dr := range d.drain {
			dr.stop()
		}
		d.copies.Wait()
		closeAll(parentEnds)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s exec: %w", r.name, ctx.Err())
		}
		text := lastErrorMessage(readAll(logf))
		if text == "" {
			text = lastErrorMessage(stderrGate.held())
		}
		if text == "" {
			text = runErr.Error()
		}
		return nil, classifyExec(fmt.Errorf("%s exec: %s", r.name, text), text)
	}
	stderrGate.open()
	pid, err := newChild(known)
	if err != nil {
		for _, dr := range d.drain {
			dr.stop()
		}
		d.copies.Wait()
		closeAll(parentEnds)
		return nil, fmt.Errorf("%s exec: %w", r.name, err)
	}
	d.PID = pid
	d.StartTime, _ = ProcessStartTime(pid)
	if o.Stdin != nil {
		go func() {
			// A copy still blocked on the caller's stdin after the
			// process ended is harmless: it fails on the closed pipe.
			_, _ = io.Copy(d.stdinW, o.Stdin)
			d.stdinW.Close()
		}()
	}
	return d, nil
}

// Exited reports, without waiting, whether the process has already ended
// (it is left for Wait to collect).
func (d *DirectExec) Exited() bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, d.PID, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	// Linux writes si_signo either way: SIGCHLD when the child ended, 0
	// when WNOHANG found nothing to report.
	return err == nil && info.Signo == int32(unix.SIGCHLD)
}

// Wait waits for the process to exit and for its output to be copied,
// and returns its exit code (128+N when signal N killed it). When ctx
// ends first it returns ctx's error and the process runs on.
func (d *DirectExec) Wait(ctx context.Context) (int, error) {
	type result struct {
		status unix.WaitStatus
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(d.PID, &ws, 0, nil)
			if !errors.Is(err, unix.EINTR) {
				done <- result{ws, err}
				return
			}
		}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	// Everything the process wrote is in the pipes now; what a child it
	// left behind writes later is not copied, as with conmon.
	for _, dr := range d.drain {
		dr.stop()
	}
	d.copies.Wait()
	for _, dr := range d.drain {
		dr.f.Close()
	}
	if res.err != nil {
		return -1, fmt.Errorf("waiting for exec process %d: %w", d.PID, res.err)
	}
	switch {
	case res.status.Exited():
		return res.status.ExitStatus(), nil
	case res.status.Signaled():
		return 128 + int(res.status.Signal()), nil
	}
	return -1, fmt.Errorf("exec process %d: unexpected wait status %#x", d.PID, uint32(res.status))
}

// Close releases the pipes without waiting for the process.
func (d *DirectExec) Close() {
	if d.stdinW != nil {
		d.stdinW.Close()
	}
	for _, dr := range d.drain {
		dr.f.Close()
	}
}

// waitCtx waits for cmd, killing it when ctx ends.
func waitCtx(ctx context.Context, cmd *exec.Cmd) error {
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()
	return cmd.Wait()
}

// memfdWith returns an anonymous file holding b, positioned at its start
// (a reopen through /proc/self/fd starts there too).
func memfdWith(name string, b []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	if len(b) > 0 {
		if _, err := f.Write(b); err != nil {
			f.Close()
			return nil, fmt.Errorf("memfd %s: %w", name, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("memfd %s: %w", name, err)
		}
	}
	return f, nil
}

func readAll(f *os.File) []byte {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return b
}
