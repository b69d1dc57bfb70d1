package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultTimeout bounds one command; a hung berth fails the test instead of
// the whole suite.
const DefaultTimeout = 60 * time.Second

// pipeGrace is how long Run waits for stdout/stderr to close after the
// engine exited. A pipe still open then means a child (conmon, a container)
// inherited it: a leaked descriptor, reported as Result.Err.
const pipeGrace = 3 * time.Second

// Env is one isolated engine: its own root and run root under a temporary
// directory, torn down when the test ends (containers, mounts, processes).
type Env struct {
	T       *testing.T
	Dir     string // holds Root and RunRoot; removed at the end
	Root    string // --root
	RunRoot string // --runroot
	// Timeout bounds each command; DefaultTimeout unless changed.
	Timeout time.Duration
	// ExtraEnv is added to the environment of every command.
	ExtraEnv []string

	mu    sync.Mutex
	procs []*Proc // started in the background, reaped at cleanup
}

// RunOptions are the less common knobs of a command.
type RunOptions struct {
	Stdin   io.Reader     // nil: /dev/null
	Env     []string      // added to the environment
	Timeout time.Duration // zero: Env.Timeout
}

// NewEnv creates an empty engine for t and registers its teardown. It skips
// the test when the suite cannot run (not root, -short).
func NewEnv(t *testing.T) *Env {
	t.Helper()
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	// Not t.TempDir: its RemoveAll would walk into mounts that survived
	// the teardown. Runtime state and overlay mounts need a real file
	// system, and /tmp is one here.
	dir, err := os.MkdirTemp("", "berth-e2e-"+sanitize(t.Name())+"-")
	if err != nil {
		t.Fatal(err)
	}
	// mountinfo shows resolved paths; compare against the same form.
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		t.Fatal(err)
	}
	e := &Env{
		T:       t,
		Dir:     dir,
		Root:    filepath.Join(dir, "root"),
		RunRoot: filepath.Join(dir, "runroot"),
		Timeout: DefaultTimeout,
	}
	for _, d := range []string{e.Root, e.RunRoot} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(e.teardown)
	return e
}

// LoadImage loads the shared test archive as TestImage (about 100 ms).
func (e *Env) LoadImage() {
	e.T.Helper()
	e.Run("load", "-i", suite.archive).Success(e.T)
}

// Archive is the path of the shared oci-archive of TestImage.
func (e *Env) Archive() string { return suite.archive }

// Args is the engine's full argument list (without argv[0]) for args:
// the global flags that isolate this Env, then args.
func (e *Env) Args(args ...string) []string {
	g := []string{"--root", e.Root, "--runroot", e.RunRoot}
	if suite.engine == "podman" {
		g = append(g, "--tmpdir", filepath.Join(e.Dir, "podman-tmp"),
			"--network-config-dir", filepath.Join(e.Dir, "podman-networks"),
			"--storage-driver", "overlay")
	}
	return append(g, args...)
}

// Environ is the environment every command of this Env gets.
func (e *Env) Environ(extra ...string) []string {
	env := os.Environ()
	if suite.engine == "podman" {
		env = append(env, "CONTAINERS_CONF="+filepath.Join(suite.repoRoot, "hack", "podman-bench.conf"))
	}
	env = append(env, e.ExtraEnv...)
	return append(env, extra...)
}

// Command prepares, but does not start, an engine command: for tests that
// need full control, e.g. a pty on stdin. The caller must wait for it.
// It runs in its own process group, which ctx's end kills as a whole; a
// caller that sets SysProcAttr.Setsid instead (for a controlling terminal)
// must drop Setpgid, and the session is then the group.
func (e *Env) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, suite.binary, e.Args(args...)...)
	cmd.Env = e.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	return cmd
}

// killGroup SIGKILLs the process group p leads: the engine and any helper
// it started that did not detach (conmon does, with setsid).
func killGroup(p *os.Process) error {
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// Run runs the engine with args and returns what the user would see.
func (e *Env) Run(args ...string) *Result {
	return e.RunWith(RunOptions{}, args...)
}

// RunWithStdin runs the engine with stdin as its standard input.
func (e *Env) RunWithStdin(stdin string, args ...string) *Result {
	return e.RunWith(RunOptions{Stdin: strings.NewReader(stdin)}, args...)
}

// RunWith runs the engine with options. It never fails the test by itself:
// check the Result.
func (e *Env) RunWith(opts RunOptions, args ...string) *Result {
	e.T.Helper()
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = e.Timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	var stdout, stderr bytes.Buffer
	cmd := e.Command(ctx, args...)
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.Stdin = opts.Stdin
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = pipeGrace

	start := time.Now()
	err := cmd.Run()
	r := &Result{
		Args:     args,
		Stdout:   stdout.String(),
		Stderr:   stderr.String(),
		Duration: time.Since(start),
	}
	r.setError(err, ctx.Err())
	return r
}

// Proc is an engine command running in the background (attached run, wait,
// logs -f, ...). The teardown kills it if the test did not finish it.
type Proc struct {
	*exec.Cmd
	args   []string
	start  time.Time
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
	result *Result // set before done is closed
}

// Start starts the engine with args in the background.
func (e *Env) Start(args ...string) *Proc {
	return e.StartWith(RunOptions{}, args...)
}

// StartWith starts the engine in the background. opts.Timeout is ignored:
// the process lives until Wait, Kill or the end of the test.
func (e *Env) StartWith(opts RunOptions, args ...string) *Proc {
	e.T.Helper()
	p := &Proc{args: args, done: make(chan struct{})}
	p.Cmd = e.Command(context.Background(), args...)
	p.Cmd.Env = append(p.Cmd.Env, opts.Env...)
	p.Cmd.Stdin = opts.Stdin
	p.Cmd.Stdout, p.Cmd.Stderr = &p.stdout, &p.stderr
	p.Cmd.WaitDelay = pipeGrace
	p.start = time.Now()
	if err := p.Cmd.Start(); err != nil {
		e.T.Fatalf("start %s: %v", formatArgs(args), err)
	}
	e.mu.Lock()
	e.procs = append(e.procs, p)
	e.mu.Unlock()
	go func() {
		err := p.Cmd.Wait()
		r := &Result{
			Args:     p.args,
			Stdout:   p.stdout.String(),
			Stderr:   p.stderr.String(),
			Duration: time.Since(p.start),
		}
		r.setError(err, nil)
		p.result = r
		close(p.done)
	}()
	return p
}

// Stdout is what the process printed so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr is what the process printed so far on stderr.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Signal sends sig to the process (the engine, not the container).
func (p *Proc) Signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to %s: %v", sig, formatArgs(p.args), err)
	}
}

// Wait waits for the process to exit (at most DefaultTimeout, then it is
// killed and the test fails) and returns its Result.
func (p *Proc) Wait(t *testing.T) *Result {
	t.Helper()
	select {
	case <-p.done:
		return p.result
	case <-time.After(DefaultTimeout):
		_ = killGroup(p.Cmd.Process)
		<-p.done
		t.Fatalf("%s still running after %v; killed\nstdout:\n%s\nstderr:\n%s",
			formatArgs(p.args), DefaultTimeout, p.result.Stdout, p.result.Stderr)
		return nil
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitStdout waits until the process printed want (a substring) on stdout,
// and fails the test if it exits first or after timeout.
func (p *Proc) WaitStdout(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.Stdout(), want) {
		if p.Exited() {
			t.Fatalf("%s exited (%d) before printing %q\nstdout:\n%s\nstderr:\n%s",
				formatArgs(p.args), p.result.ExitCode, want, p.result.Stdout, p.result.Stderr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q within %v\nstdout:\n%s\nstderr:\n%s",
				formatArgs(p.args), want, timeout, p.Stdout(), p.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill ends the process and its group if it still runs, and waits for it.
func (p *Proc) kill() {
	if p.Exited() {
		return
	}
	_ = killGroup(p.Cmd.Process)
	<-p.done
}

// teardown removes everything the test left behind: containers (through
// the engine, as a user would), then whatever that missed: processes that
// mention this Env's directory, mounts under it, and the directory itself.
func (e *Env) teardown() {
	t := e.T
	e.mu.Lock()
	procs := e.procs
	e.procs = nil
	e.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}

	args := []string{"rm", "-fa"}
	if suite.engine == "podman" {
		args = append(args, "-t", "0") // podman stops with a 10 s grace otherwise
	}
	if r := e.RunWith(RunOptions{Timeout: 2 * DefaultTimeout}, args...); r.ExitCode != 0 || r.Err != nil {
		t.Logf("teardown: %s: exit %d, %v: %s", formatArgs(args), r.ExitCode, r.Err, r.Stderr)
	}

	if n, err := killProcessesMentioning(e.Dir); err != nil {
		t.Logf("teardown: killing leftover processes: %v", err)
	} else if n > 0 {
		t.Logf("teardown: killed %d leftover processes under %s", n, e.Dir)
	}
	e.deleteRuntimeLeftovers()
	if err := unmountUnder(e.Dir); err != nil {
		t.Errorf("teardown: %v; leaving %s in place", err, e.Dir)
		return
	}
	if err := os.RemoveAll(e.Dir); err != nil {
		t.Errorf("teardown: %v", err)
	}
}

// lockedBuffer is a bytes.Buffer written by exec's copying goroutine while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sanitize makes a test name usable in a directory name, and short: paths
// of unix sockets under the run root must stay within sun_path's 108 bytes.
func sanitize(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		default:
			return '_'
		}
	}, name)
	if len(s) > 16 {
		s = s[:16]
	}
	return s
}

func formatArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$") {
			q[i] = fmt.Sprintf("%q", a)
		} else {
			q[i] = a
		}
	}
	return "berth " + strings.Join(q, " ")
}

// deleteRuntimeLeftovers force-deletes whatever the OCI runtime still knows
// in this Env's state root, so that a test which broke berth on purpose
// leaves no container cgroups on the host.
func (e *Env) deleteRuntimeLeftovers() {
	if suite.engine == "podman" {
		return
	}
	root := filepath.Join(e.RunRoot, "runtime")
	out, err := exec.Command("runc", "--root", root, "list", "-q").Output()
	if err != nil {
		return
	}
	for _, id := range strings.Fields(string(out)) {
		if err := exec.Command("runc", "--root", root, "delete", "--force", id).Run(); err != nil {
			e.T.Logf("teardown: runc delete %s: %v", id, err)
		}
	}
}
