package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ExecOptions describes one exec session (conmon.md §8).
type ExecOptions struct {
	// ContainerID is the running container; conmon names the session's
	// exit file after it.
	ContainerID string
	// SessionID must be unique per session: it is conmon's -u.
	SessionID string
	// SessionDir must exist. conmon creates attach, ctl and winsz in it;
	// Exec adds process.json, pid, oci-log and the exit directory "exit".
	SessionDir string
	// Process is the OCI process object (JSON) runc exec runs.
	Process  []byte
	Terminal bool // Process must say terminal: true
	Stdin    bool
	// Attach makes the session wait, after StartExec, until the caller has
	// connected to the attach socket and called Run, so that no output is
	// lost (conmon --exec-attach). Without it the process starts at once.
	Attach bool
	// PreserveFDs are passed to the process as fds 3, 4, ... (runc exec
	// --preserve-fds).
	PreserveFDs []*os.File
}

// Exec is a started exec session.
type Exec struct {
	o      ExecOptions
	name   string
	syncR  *os.File
	startW *os.File
	ran    bool
	// PID is the exec'd process in the host PID namespace, once Run
	// returned.
	PID int
}

// ExecExitDir is the directory where conmon writes the session's exit file
// (named after the container ID).
func ExecExitDir(sessionDir string) string { return filepath.Join(sessionDir, "exit") }

// StartExec starts conmon for an exec session. With o.Attach it returns once
// the session's attach socket listens (<SessionDir>/attach) and the process
// waits for Run; otherwise it runs the process and returns once its PID is
// known. On error nothing of the session is left running.
func (r *Runtime) StartExec(ctx context.Context, o ExecOptions) (*Exec, error) {
	if err := checkID(o.ContainerID); err != nil {
		return nil, err
	}
	if err := checkID(o.SessionID); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(ExecExitDir(o.SessionDir), 0o700); err != nil {
		return nil, fmt.Errorf("exec session dir: %w", err)
	}
	specPath := filepath.Join(o.SessionDir, "process.json")
	if err := os.WriteFile(specPath, o.Process, 0o600); err != nil {
		return nil, fmt.Errorf("exec process spec: %w", err)
	}
	ociLog := filepath.Join(o.SessionDir, ociLogName)

	syncR, syncW, err := seqpacketPair("sync")
	if err != nil {
		return nil, err
	}
	startW, startR, err := seqpacketPair("start")
	if err != nil {
		syncR.Close()
		syncW.Close()
		return nil, err
	}
	e := &Exec{o: o, name: r.name, syncR: syncR, startW: startW}
	fail := func(err error) (*Exec, error) {
		e.Close()
		return nil, err
	}

	// ExtraFiles[i] is fd 3+i in conmon: the preserved fds come first so
	// that runc exec --preserve-fds hands them on as 3, 4, ...
	files := append([]*os.File{}, o.PreserveFDs...)
	n := len(files)
	files = append(files, syncW, startR)
	env := append(conmonEnv(os.Environ()),
		"_OCI_SYNCPIPE="+strconv.Itoa(3+n), "_OCI_STARTPIPE="+strconv.Itoa(4+n))
	var attachR, attachW *os.File
	if o.Attach {
		if attachR, attachW, err = seqpacketPair("attach"); err != nil {
			syncW.Close()
			startR.Close()
			return fail(err)
		}
		defer attachR.Close()
		files = append(files, attachW)
		env = append(env, "_OCI_ATTACHPIPE="+strconv.Itoa(5+n))
	}

	cmd := exec.Command(r.conmon, r.execArgs(o, specPath, ociLog)...)
	cmd.Dir = o.SessionDir
	cmd.ExtraFiles = files
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8192}
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	syncW.Close()
	startR.Close()
	if attachW != nil {
		attachW.Close()
	}
	if err != nil {
		return fail(fmt.Errorf("starting conmon: %w", err))
	}
	// The first byte lets conmon fork its monitor; the first process then
	// exits (conmon.md §4).
	if _, err := startW.Write([]byte{0}); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fail(fmt.Errorf("conmon start pipe: %w", err))
	}
	if err := cmd.Wait(); err != nil {
		msg := oneLine(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fail(fmt.Errorf("conmon: %s", msg))
	}
	if !o.Attach {
		if err := e.Run(ctx); err != nil {
			return fail(err)
		}
		return e, nil
	}
	// {"data": 0} on the attach pipe: the attach socket listens.
	msg, err := readSync(ctx, attachR)
	if err != nil {
		return fail(fmt.Errorf("waiting for the exec attach socket: %w", err))
	}
	if msg.Data != 0 {
		return fail(execFailure(r.name, ociLog, msg.Message))
	}
	return e, nil
}

// execArgs builds conmon's command line for an exec session.
func (r *Runtime) execArgs(o ExecOptions, specPath, ociLog string) []string {
	args := []string{
		"--api-version",
		"-c", o.ContainerID,
		"-u", o.SessionID,
		"-r", r.path,
		"-b", o.SessionDir,
		"-p", filepath.Join(o.SessionDir, "pid"),
		"--exit-dir", ExecExitDir(o.SessionDir),
		"--full-attach",
		"--log-level", "warning",
		"-l", "none",
		"-e", "--exec-process-spec", specPath,
	}
	if o.Attach {
		args = append(args, "--exec-attach")
	}
	if o.Terminal {
		args = append(args, "-t")
	}
	if o.Stdin {
		args = append(args, "-i")
	}
	if len(o.PreserveFDs) > 0 {
		args = append(args, "--runtime-opt=--preserve-fds="+strconv.Itoa(len(o.PreserveFDs)))
	}
	for _, a := range r.globalArgs() {
		args = append(args, "--runtime-arg="+a)
	}
	return append(args, "--runtime-arg=--log="+ociLog)
}

// Run lets an attached session's process start (the second start byte,
// conmon.md §8) and waits for its PID. For a session started without
// Attach, StartExec already called it.
func (e *Exec) Run(ctx context.Context) error {
	if e.ran {
		return nil
	}
	e.ran = true
	if e.o.Attach {
		if _, err := e.startW.Write([]byte{0}); err != nil {
			return fmt.Errorf("conmon start pipe: %w", err)
		}
	}
	msg, err := readSync(ctx, e.syncR)
	if err != nil {
		return err
	}
	if msg.Data <= 0 {
		return execFailure(e.name, filepath.Join(e.o.SessionDir, ociLogName), msg.Message)
	}
	e.PID = msg.Data
	return nil
}

// Wait returns the exit code of the session's process: conmon's second
// sync message, or its exit file when the pipe ended without one.
func (e *Exec) Wait(ctx context.Context) (int, error) {
	// Run's read left a deadline; the process may run for days.
	if err := e.syncR.SetReadDeadline(time.Time{}); err != nil {
		return -1, err
	}
	stop := context.AfterFunc(ctx, func() { e.syncR.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var data []byte
	buf := make([]byte, 4096)
	for !bytes.ContainsRune(data, '\n') {
		n, _ := e.syncR.Read(buf)
		if n > 0 {
			data = append(data, buf[:n]...)
			continue
		}
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		break // EOF: conmon exited
	}
	if len(data) > 0 {
		var msg syncMessage
		line, _, _ := bytes.Cut(data, []byte("\n"))
		if err := json.Unmarshal(line, &msg); err == nil {
			return msg.Data, nil
		}
	}
	code, _, err := ReadExitFile(ExecExitDir(e.o.SessionDir), e.o.ContainerID)
	if err != nil {
		return -1, fmt.Errorf("exec session ended without an exit code: %w", err)
	}
	return code, nil
}

// Close releases the session's pipes. An attached session whose process
// was never let go by Run ends: conmon reads EOF on the start pipe and
// gives up.
func (e *Exec) Close() error {
	return errors.Join(e.syncR.Close(), e.startW.Close())
}

// execFailure builds the error of a runc exec that failed, preferring the
// runtime's structured log (conmon.md §3).
func execFailure(name, ociLog, conmonMsg string) error {
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
	return classifyExec(fmt.Errorf("%s exec: %s", name, text), text)
}
