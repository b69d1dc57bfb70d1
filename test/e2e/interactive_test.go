package e2e

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyProc is berth running on a pseudo-terminal, the way it runs in a
// user's shell: its own session, the pty as controlling terminal. The test
// types on the master side and reads what the user would see.
type ptyProc struct {
	t    *testing.T
	args []string
	cmd  *exec.Cmd
	ptmx *os.File
	out  lockedBuffer
	done chan struct{}
	err  error
}

// Control keys as a terminal sends them.
const (
	ctrlC = "\x03"
	ctrlP = "\x10"
	ctrlQ = "\x11"
)

// startPty starts berth with args on a new pty of the given size.
func (e *Env) startPty(t *testing.T, rows, cols uint16, args ...string) *ptyProc {
	t.Helper()
	p := &ptyProc{t: t, args: args, done: make(chan struct{})}
	p.cmd = e.Command(context.Background(), args...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	ptmx, err := pty.StartWithAttrs(p.cmd, &pty.Winsize{Rows: rows, Cols: cols}, p.cmd.SysProcAttr)
	if err != nil {
		t.Fatalf("start %s on a pty: %v", formatArgs(args), err)
	}
	p.ptmx = ptmx
	copied := make(chan struct{})
	go func() {
		io.Copy(&p.out, ptmx) // ends with EIO once no one holds the slave
		close(copied)
	}()
	go func() {
		p.err = p.cmd.Wait()
		// Output written just before the exit is still in the pty.
		select {
		case <-copied:
		case <-time.After(500 * time.Millisecond):
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = killGroup(p.cmd.Process)
		<-p.done
		ptmx.Close()
	})
	return p
}

// send types s.
func (p *ptyProc) send(s string) {
	p.t.Helper()
	if _, err := p.ptmx.WriteString(s); err != nil {
		p.t.Fatalf("typing %q: %v", s, err)
	}
}

// expect waits until the screen shows want after the first `from` bytes,
// and returns the offset just after it.
func (p *ptyProc) expect(from int, want string) int {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := p.out.String()
		if i := strings.Index(out[min(from, len(out)):], want); i >= 0 {
			return min(from, len(out)) + i + len(want)
		}
		select {
		case <-p.done:
			if i := strings.Index(p.out.String()[min(from, len(out)):], want); i >= 0 {
				return from + i + len(want)
			}
			p.t.Fatalf("%s exited (%v) before showing %q; screen:\n%s", formatArgs(p.args), p.err, want, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not show %q within 20s; screen:\n%s", formatArgs(p.args), want, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// resize changes the terminal size; the kernel sends SIGWINCH to berth.
func (p *ptyProc) resize(rows, cols uint16) {
	p.t.Helper()
	if err := pty.Setsize(p.ptmx, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		p.t.Fatal(err)
	}
}

// exitCode waits for berth to exit and returns its exit code.
func (p *ptyProc) exitCode() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s still running after 30s; screen:\n%s", formatArgs(p.args), p.out.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("%s: %v", formatArgs(p.args), p.err)
	}
	return 0
}

// prompt is busybox sh's prompt for root in /.
const prompt = "/ # "

func TestRunInteractiveTerminal(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	p := e.startPty(t, 30, 100, "run", "--rm", "-it", TestImage, "sh")
	at := p.expect(0, prompt)
	// The window size at start, and after a resize (SIGWINCH → conmon's ctl).
	p.send("stty size; tty\r")
	at = p.expect(at, "30 100")
	at = p.expect(at, "/dev/pts/0")
	p.resize(40, 120)
	time.Sleep(200 * time.Millisecond) // berth forwards the SIGWINCH
	p.send("stty size\r")
	at = p.expect(at, "40 120")
	// Raw mode: ctrl-c reaches the container's terminal, which interrupts
	// the foreground job, not berth.
	p.send("sleep 100; echo not-interrupted\r")
	time.Sleep(300 * time.Millisecond)
	p.send(ctrlC)
	at = p.expect(at, prompt)
	p.send("echo after-$((6*7))\r")
	at = p.expect(at, "after-42")
	p.send("exit 3\r")
	if code := p.exitCode(); code != 3 {
		t.Fatalf("exit code %d, want the shell's 3; screen:\n%s", code, p.out.String())
	}
	if strings.Contains(p.out.String(), "\nnot-interrupted") {
		t.Errorf("ctrl-c did not interrupt sleep; screen:\n%s", p.out.String())
	}
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

func TestRunInteractivePipe(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	// stdin is forwarded until it ends; its end closes the container's.
	e.RunWithStdin("hi\nthere\n", "run", "--rm", "-i", TestImage, "cat").Success(t).StdoutIs(t, "hi\nthere")
	e.RunWithStdin("a\nb\nc\n", "run", "--rm", "-i", TestImage, "wc", "-l").Success(t).StdoutIs(t, "3")
	// Without -i the container's stdin is empty.
	e.RunWithStdin("ignored\n", "run", "--rm", TestImage, "cat").Success(t).StdoutIs(t, "")
	// Streams stay apart without a terminal.
	r := e.RunWithStdin("in\n", "run", "--rm", "-i", TestImage, "sh", "-c", "read x; echo out-$x; echo err-$x >&2")
	r.Success(t).StdoutIs(t, "out-in")
	if strings.TrimSpace(r.Stderr) != "err-in" {
		t.Errorf("stderr = %q, want err-in", r.Stderr)
	}
}

func TestDetachAndReattach(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	// Foreground run -it, then ctrl-p ctrl-q: berth returns 0, the
	// container runs on.
	p := e.startPty(t, 24, 80, "run", "-it", "--name", "box", TestImage, "sh")
	at := p.expect(0, prompt)
	p.send("echo one-$((1+1))\r")
	p.expect(at, "one-2")
	p.send(ctrlP + ctrlQ)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("detach: exit code %d; screen:\n%s", code, p.out.String())
	}
	e.Run("inspect", "--format", "{{.State.Status}}", "box").Success(t).StdoutIs(t, "running")

	// Re-attach: the same shell, its size follows the new terminal.
	p = e.startPty(t, 33, 99, "attach", "box")
	p.send("stty size\r")
	at = p.expect(0, "33 99")
	// ctrl-p alone is passed on: busybox's line editor recalls the last
	// command with it, and runs it again.
	p.send(ctrlP + "\r")
	at = p.expect(at, "33 99")
	p.send("echo $((1+1))two\r")
	at = p.expect(at, "2two")
	p.send(ctrlP + ctrlQ)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("second detach: exit code %d", code)
	}

	// Custom keys; the default ones are then ordinary input.
	p = e.startPty(t, 24, 80, "attach", "--detach-keys", "ctrl-a,x", "box")
	// Only the container's answer shows berth reads the terminal raw.
	p.send("echo $((1+2))three\r")
	p.expect(0, "3three")
	p.send("\x01x")
	if code := p.exitCode(); code != 0 {
		t.Fatalf("custom detach: exit code %d", code)
	}
	// Attach once more and end the shell: attach returns its exit code.
	p = e.startPty(t, 24, 80, "attach", "box")
	p.send("echo $((2+2))four\r")
	p.expect(0, "4four")
	p.send("exit 5\r")
	if code := p.exitCode(); code != 5 {
		t.Fatalf("attach: exit code %d, want 5; screen:\n%s", code, p.out.String())
	}
	waitFor(t, func() bool {
		return e.Run("inspect", "--format", "{{.State.Status}}", "box").Stdout == "exited\n"
	})
	e.Run("attach", "box").Exit(t, 125).StderrContains(t, "running")

	// Detached from the start (-dit), attached later.
	e.Run("run", "-dit", "--name", "bg", TestImage, "sh").Success(t)
	p = e.startPty(t, 24, 80, "attach", "bg")
	p.send("echo $((2+3))five\r")
	p.expect(0, "5five")
	p.send(ctrlP + ctrlQ)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("detach from -dit: exit code %d", code)
	}
	e.Run("inspect", "--format", "{{.State.Status}}", "bg").Success(t).StdoutIs(t, "running")
}

func TestAttachNoStdinKeepsContainerStdin(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	// A container reading stdin, attached without stdin: leaving must not
	// close its stdin (cat would exit).
	e.Run("run", "-di", "--name", "reader", TestImage, "sh", "-c", "echo ready; cat; echo cat-ended").Success(t)
	a := e.Start("attach", "--no-stdin", "reader")
	time.Sleep(300 * time.Millisecond)
	a.Signal(t, syscall.SIGKILL)
	a.Wait(t)
	time.Sleep(300 * time.Millisecond)
	e.Run("inspect", "--format", "{{.State.Status}}", "reader").Success(t).StdoutIs(t, "running")
	e.Run("logs", "reader").Success(t).StdoutIs(t, "ready")
}

func TestStartAttachInteractive(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("create", "-it", "--name", "s", TestImage, "sh").Success(t)
	p := e.startPty(t, 25, 90, "start", "-ai", "s")
	p.send("stty size\r")
	p.expect(0, "25 90")
	p.send("exit 7\r")
	if code := p.exitCode(); code != 7 {
		t.Fatalf("start -ai: exit code %d, want 7; screen:\n%s", code, p.out.String())
	}
	// Non-tty: start -ai forwards stdin until it ends.
	e.Run("create", "-i", "--name", "c", TestImage, "cat").Success(t)
	e.RunWithStdin("piped\n", "start", "-ai", "c").Success(t).StdoutIs(t, "piped")
}

func TestSignalProxy(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	script := `trap "echo got-term; exit 9" TERM; trap "echo got-hup; exit 8" HUP; echo ready; while :; do sleep 0.1; done`

	p := e.Start("run", "--rm", TestImage, "sh", "-c", script)
	p.WaitStdout(t, "ready", 20*time.Second)
	p.Signal(t, syscall.SIGTERM)
	r := p.Wait(t).Exit(t, 9)
	r.StdoutIs(t, "ready\ngot-term")

	p = e.Start("run", "--rm", TestImage, "sh", "-c", script)
	p.WaitStdout(t, "ready", 20*time.Second)
	p.Signal(t, syscall.SIGHUP)
	p.Wait(t).Exit(t, 8)

	// start -a proxies too.
	e.Run("create", "--name", "sa", TestImage, "sh", "-c", script).Success(t)
	p = e.Start("start", "-a", "sa")
	p.WaitStdout(t, "ready", 20*time.Second)
	p.Signal(t, syscall.SIGTERM)
	p.Wait(t).Exit(t, 9)

	// --sig-proxy=false: the signal ends berth, not the container.
	e.Run("run", "-d", "--name", "np", TestImage, "sh", "-c", script).Success(t)
	p = e.Start("attach", "--sig-proxy=false", "np")
	time.Sleep(300 * time.Millisecond)
	p.Signal(t, syscall.SIGINT)
	p.Wait(t)
	e.Run("inspect", "--format", "{{.State.Status}}", "np").Success(t).StdoutIs(t, "running")
}

func TestBadDetachKeys(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--rm", "-i", "--detach-keys", "ctrl-1", TestImage, "true").Exit(t, 125).StderrContains(t, "ctrl-1")
	e.Run("run", "--rm", "--detach-keys", "notakey", TestImage, "true").Exit(t, 125).StderrContains(t, "detach keys")
	e.Run("run", "-d", "--name", "k", TestImage, "sleep", "100").Success(t)
	e.Run("attach", "--detach-keys", "ctrl-", "k").Exit(t, 125).StderrContains(t, "detach keys")
	e.Run("exec", "--detach-keys", "a,,b", "k", "true").Exit(t, 125).StderrContains(t, "detach keys")
	// Nothing was created by the failed runs.
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "k")
}
