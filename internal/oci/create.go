package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// syncTimeout bounds the wait for conmon's PID report when ctx has no
// earlier deadline (podman uses the same 4 minutes; `runc create` can be slow
// on a loaded host, but must not hang the caller forever).
const syncTimeout = 4 * time.Minute

// errNoReport: the sync pipe reached EOF before any message, i.e. every
// conmon process holding it exited without a word (conmon.md §3).
var errNoReport = errors.New("conmon exited without reporting a container PID")

// cancelGrace is how long a cancelled Create still waits for conmon's report
// before cleaning up.
const cancelGrace = 10 * time.Second

// ociLogName is the runtime's JSON log inside the bundle; on a failed create
// its last error line is the runtime's own message.
const ociLogName = "oci-log"

// CreateOptions describes one container for Create.
type CreateOptions struct {
	ID   string
	Name string // conmon -n; only used by journald logging
	// Bundle is the directory with config.json. conmon creates attach, ctl
	// and winsz in it and uses it as its working directory.
	Bundle string
	// LogPath is the k8s-file log; it must not contain ':'. "" disables
	// logging (conmon's "none" driver).
	LogPath    string
	LogSizeMax int64 // bytes; 0 = unlimited
	// NoSyncLog skips conmon's fsync of the log when the container exits
	// (--no-sync-log): for a container removed right after its exit, whose
	// log goes with it, the fsync only costs time (5-25 ms on this VM).
	NoSyncLog bool
	// ExitDir must exist; conmon writes ExitDir/<ID> with the exit code.
	ExitDir string
	// PersistDir (conmon -0) receives "exit" and, on OOM, "oom". Optional.
	PersistDir    string
	PidFile       string // container pid file; "" = <Bundle>/pidfile
	ConmonPidFile string // conmon monitor pid file; "" = <Bundle>/conmon.pid
	Terminal      bool   // needs process.terminal=true in config.json
	Stdin         bool
	// LeaveStdinOpen keeps the container's stdin open when an attach
	// client disconnects (conmon.md §6); without it the first client to
	// close ends the container's stdin.
	LeaveStdinOpen bool
	// ExitCommand is run by conmon after the container exited and the exit
	// file is written: ExitCommand[0] is the program, the rest its
	// arguments. It inherits this process's environment.
	ExitCommand []string
	// ExitDelay makes conmon wait this many seconds before running the exit
	// command. An engine process that is attached and will clean up itself
	// sets it, so the exit command does not race it; KillConmon then ends
	// the delayed command with conmon's process group.
	ExitDelay uint
	// ExtraFiles are kept open by conmon until the container exits (the
	// engine's reserved host ports); the runtime's init closes them.
	ExtraFiles []*os.File
}

// Created reports a container in runtime state "created".
type Created struct {
	PID       int // container init, host PID namespace
	ConmonPID int // the long-lived conmon monitor
}

// syncMessage is conmon's report on the sync pipe with --api-version:
// {"data": PID} on success, {"data": -1, "message": "..."} on failure
// (conmon.md §3).
type syncMessage struct {
	Data    int    `json:"data"`
	Message string `json:"message"`
}

// Create starts conmon, which runs `runtime create`, and returns once the
// container is in runtime state "created". On failure the error carries the
// runtime's own message, and neither a runtime container nor conmon is left.
func (r *Runtime) Create(ctx context.Context, o CreateOptions) (Created, error) {
	p, err := r.StartConmon(ctx, o)
	if err != nil {
		return Created{}, err
	}
	return p.Create(ctx)
}

// PendingCreate is a conmon started ahead of its container (StartConmon).
// It waits on its start pipe: Create lets it run `runtime create`, Abort
// ends it. Exactly one of the two must be called.
type PendingCreate struct {
	r      *Runtime
	o      CreateOptions
	ociLog string
	cmd    *exec.Cmd
	syncR  *os.File // the engine's end of the sync pipe
	startW *os.File // the engine's end of the start pipe
	stderr bytes.Buffer
}

// StartConmon starts conmon for o and leaves it waiting for Create. The
// bundle directory must exist (it is conmon's working directory) but its
// config.json is only read once Create runs: an engine starts conmon
// first and prepares the bundle meanwhile, which hides conmon's own
// start-up (~4 ms of dynamic linking and GLib set-up). o.ExtraFiles must
// be final.
func (r *Runtime) StartConmon(ctx context.Context, o CreateOptions) (*PendingCreate, error) {
	if err := checkID(o.ID); err != nil {
		return nil, err
	}
	if o.Bundle == "" || o.ExitDir == "" {
		return nil, fmt.Errorf("create %s: bundle and exit dir are required", o.ID)
	}
	if strings.ContainsRune(o.LogPath, ':') {
		return nil, fmt.Errorf("create %s: log path %q must not contain ':' (conmon splits driver:path on it)", o.ID, o.LogPath)
	}
	// conmon only writes the exit file when the container exits; a missing
	// directory would surface then as an exit that never comes.
	if st, err := os.Stat(o.ExitDir); err != nil {
		return nil, fmt.Errorf("create %s: exit dir: %w", o.ID, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("create %s: exit dir %s is not a directory", o.ID, o.ExitDir)
	}
	if o.PidFile == "" {
		o.PidFile = filepath.Join(o.Bundle, "pidfile")
	}
	if o.ConmonPidFile == "" {
		o.ConmonPidFile = filepath.Join(o.Bundle, "conmon.pid")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &PendingCreate{r: r, o: o, ociLog: filepath.Join(o.Bundle, ociLogName)}
	// runc appends to its log: drop earlier attempts so that the last error
	// line is this create's. The pid files are left alone: conmon and runc
	// rewrite them, and they may still belong to a live container if the
	// caller got its state wrong (see ErrExists).
	if err := os.Remove(p.ociLog); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("create %s: %w", o.ID, err)
	}
	if err := p.spawn(); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.ID, err)
	}
	return p, nil
}

// Create lets the waiting conmon run `runtime create` and returns once the
// container is in runtime state "created". On failure the error carries the
// runtime's own message, and neither a runtime container nor conmon is left.
func (p *PendingCreate) Create(ctx context.Context) (Created, error) {
	o := p.o
	pid, forked, err := p.run(ctx)
	if err != nil {
		// A runtime container with this ID that existed before is not ours
		// to delete; our monitor exits on its own after reporting.
		if forked && !errors.Is(err, ErrExists) {
			p.r.cleanupFailedCreate(o)
		}
		return Created{}, fmt.Errorf("create %s: %w", o.ID, err)
	}
	conmonPID, err := readPidFile(o.ConmonPidFile)
	if err != nil {
		p.r.cleanupFailedCreate(o)
		return Created{}, fmt.Errorf("create %s: conmon pid: %w", o.ID, err)
	}
	return Created{PID: pid, ConmonPID: conmonPID}, nil
}

// Abort ends a conmon that was never let go. It has not forked yet (it
// blocks on the start pipe before anything else), so nothing else exists.
func (p *PendingCreate) Abort() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.syncR.Close()
	p.startW.Close()
}

// cleanupFailedCreate removes whatever a failed create may have left. It
// runs without the caller's context: the caller may have given up (ctx
// cancelled), and that is exactly when leftovers exist.
func (r *Runtime) cleanupFailedCreate(o CreateOptions) {
	// conmon first, so that it cannot report or run the exit command for a
	// container being deleted under it.
	_ = KillConmon(o.ConmonPidFile, o.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.Delete(ctx, o.ID, true)
}

// conmonArgs builds conmon's command line (conmon.md §2, §10).
func (r *Runtime) conmonArgs(o CreateOptions, ociLog string) []string {
	args := []string{
		"--api-version", // a flag without value in 2.1.6
		"-c", o.ID,
		"-u", o.ID,
		"-r", r.path,
		"-b", o.Bundle,
		"-p", o.PidFile,
		"-P", o.ConmonPidFile,
		"--exit-dir", o.ExitDir,
		// Binds the attach socket through /proc/self/fd, so long bundle
		// paths work and no --socket-dir-path (default /var/run/crio) is
		// needed.
		"--full-attach",
		"--log-level", "warning",
	}
	if o.Name != "" {
		args = append(args, "-n", o.Name)
	}
	if o.PersistDir != "" {
		args = append(args, "-0", o.PersistDir)
	}
	if o.LogPath == "" {
		args = append(args, "-l", "none")
	} else {
		args = append(args, "-l", "k8s-file:"+o.LogPath)
		if o.LogSizeMax > 0 {
			args = append(args, "--log-size-max", strconv.FormatInt(o.LogSizeMax, 10))
		}
		if o.NoSyncLog {
			args = append(args, "--no-sync-log")
		}
	}
	if o.Terminal {
		args = append(args, "-t")
	}
	if o.Stdin {
		args = append(args, "-i")
		if o.LeaveStdinOpen {
			args = append(args, "--leave-stdin-open")
		}
	}
	if len(o.ExitCommand) > 0 {
		args = append(args, "--exit-command", o.ExitCommand[0])
		if o.ExitDelay > 0 {
			args = append(args, "--exit-delay", strconv.FormatUint(uint64(o.ExitDelay), 10))
		}
		for _, a := range o.ExitCommand[1:] {
			args = append(args, "--exit-command-arg", a)
		}
	}
	// --runtime-arg values go before the subcommand: `runc <args> create`.
	// The NAME=VALUE forms keep GLib from having to guess whether "--root"
	// is a value or an option.
	for _, a := range r.globalArgs() {
		args = append(args, "--runtime-arg="+a)
	}
	args = append(args, "--runtime-arg=--log="+ociLog)
	return args
}

// spawn starts conmon (C0), which blocks on the start pipe.
func (p *PendingCreate) spawn() error {
	syncR, syncW, err := seqpacketPair("sync")
	if err != nil {
		return err
	}
	startW, startR, err := seqpacketPair("start")
	if err != nil {
		syncR.Close()
		syncW.Close()
		return err
	}
	cmd := exec.Command(p.r.conmon, p.r.conmonArgs(p.o, p.ociLog)...)
	cmd.Dir = p.o.Bundle // conmon also drops an "oom" file in its cwd
	// ExtraFiles[i] is fd 3+i in conmon.
	cmd.ExtraFiles = append([]*os.File{syncW, startR}, p.o.ExtraFiles...)
	cmd.Env = append(conmonEnv(os.Environ()), "_OCI_SYNCPIPE=3", "_OCI_STARTPIPE=4")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// conmon reports option errors on stderr before it forks; the monitor
	// points its stdio at /dev/null right after the fork, so the pipe closes
	// promptly. WaitDelay guards against a conmon that does not.
	cmd.Stderr = &limitedWriter{w: &p.stderr, n: 8192}
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	syncW.Close()
	startR.Close()
	if err != nil {
		syncR.Close()
		startW.Close()
		return fmt.Errorf("starting conmon: %w", err)
	}
	p.cmd, p.syncR, p.startW = cmd, syncR, startW
	return nil
}

// run lets conmon go and returns the container PID it reports on the sync
// pipe. forked tells whether the first conmon got as far as forking the
// monitor: before that, nothing exists that needs cleaning up.
func (p *PendingCreate) run(ctx context.Context) (pid int, forked bool, err error) {
	defer p.syncR.Close()
	defer p.startW.Close()
	cmd := p.cmd
	// Any one byte lets conmon go on (it blocks on the start pipe before it
	// forks; conmon.md §3).
	if _, err := p.startW.Write([]byte{0}); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, false, fmt.Errorf("conmon start pipe: %w", err)
	}
	// The first conmon exits right after forking the monitor (conmon.md §4).
	if err := cmd.Wait(); err != nil {
		msg := oneLine(p.stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		c0err := fmt.Errorf("conmon: %s", msg)
		// conmon fails this way before it forks (bad options, log file),
		// and then nothing holds the sync pipe any more: it reads EOF at
		// once. Should it have forked the monitor anyway, the monitor's
		// report tells that there may be something to clean up.
		graceCtx, cancel := context.WithTimeout(context.Background(), cancelGrace)
		defer cancel()
		_, err := readSync(graceCtx, p.syncR)
		return 0, !errors.Is(err, errNoReport), c0err
	}

	msg, err := readSync(ctx, p.syncR)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up, but `runc create` may still be running
			// under conmon; a delete now could race with it and leave a
			// container behind. Let it finish (it normally takes well
			// under a second) so that the cleanup sees its outcome.
			graceCtx, cancel := context.WithTimeout(context.Background(), cancelGrace)
			_, _ = readSync(graceCtx, p.syncR)
			cancel()
		}
		return 0, true, err
	}
	if msg.Data <= 0 {
		return 0, true, createFailure(p.r.name, p.o.ID, p.ociLog, msg.Message)
	}
	return msg.Data, true, nil
}

// createFailure prefers the runtime's structured log over conmon's copy of
// its stderr.
func createFailure(name, id, ociLog, conmonMsg string) error {
	var text string
	if b, err := os.ReadFile(ociLog); err == nil {
		text = lastErrorMessage(b)
	}
	if text == "" {
		text = lastErrorMessage([]byte(conmonMsg))
	}
	if text == "" {
		text = "unknown error (no message from conmon)"
	}
	err := fmt.Errorf("%s create: %s", name, text)
	if isExistsMessage(text, id) {
		return fmt.Errorf("%w: %w", err, ErrExists)
	}
	// A container command that cannot be executed is the user's error
	// (exit 127/126 in docker and podman): classify it for the engine.
	return classifyExec(err, text)
}

// readSync reads conmon's first sync-pipe message. EOF before a message means
// the monitor died silently (conmon.md §3).
func readSync(ctx context.Context, f *os.File) (syncMessage, error) {
	// ctx's own deadline is left to AfterFunc, so that ctx.Err() is set
	// whenever ctx caused the read to stop.
	if err := f.SetReadDeadline(time.Now().Add(syncTimeout)); err != nil {
		return syncMessage{}, fmt.Errorf("sync pipe: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	var data []byte
	buf := make([]byte, 64*1024)
	for !bytes.ContainsRune(data, '\n') {
		n, err := f.Read(buf)
		if n > 0 {
			data = append(data, buf[:n]...)
			continue
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return syncMessage{}, fmt.Errorf("waiting for conmon: %w", ctxErr)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return syncMessage{}, fmt.Errorf("waiting for conmon: no report after %s: %w", syncTimeout, err)
		}
		if err == nil || errors.Is(err, io.EOF) {
			if len(data) > 0 {
				break // message without newline; parse what there is
			}
			return syncMessage{}, errNoReport
		}
		return syncMessage{}, fmt.Errorf("reading sync pipe: %w", err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	var msg syncMessage
	if err := json.Unmarshal(line, &msg); err != nil {
		return syncMessage{}, fmt.Errorf("bad conmon sync message %q: %w", line, err)
	}
	return msg, nil
}

// seqpacketPair returns the parent and child ends of an AF_UNIX SOCK_SEQPACKET
// pair; message boundaries are kept, as conmon expects. The parent end is
// non-blocking so that reads through Go's poller honour deadlines.
func seqpacketPair(name string) (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s socketpair: %w", name, err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("%s socketpair: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name+"-parent"), os.NewFile(uintptr(fds[1]), name+"-child"), nil
}

// conmonEnv drops inherited _OCI_* variables: an exit command (berth
// cleanup) started by another conmon inherits that conmon's fd numbers,
// which mean nothing here.
func conmonEnv(env []string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if strings.HasPrefix(kv, "_OCI_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// limitedWriter keeps the first n bytes and discards the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
