package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExecBasics(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", "-e", "FROM_RUN=1", "-w", "/tmp", TestImage, "sleep", "1000").Success(t)

	// Exit code and streams kept apart.
	r := e.Run("exec", "c", "sh", "-c", "echo out; echo err >&2; exit 4").Exit(t, 4)
	r.StdoutIs(t, "out")
	if strings.TrimSpace(r.Stderr) != "err" {
		t.Errorf("stderr = %q, want the process's stderr only", r.Stderr)
	}
	// The container's environment and working directory, unless overridden.
	e.Run("exec", "c", "sh", "-c", "echo $FROM_RUN; pwd").Success(t).StdoutIs(t, "1\n/tmp")
	envFile := filepath.Join(e.Dir, "env")
	os.WriteFile(envFile, []byte("# comment\nFROM_FILE=f\n"), 0o644)
	e.Run("exec", "-e", "X=y", "--env-file", envFile, "-w", "/etc", "c", "sh", "-c", "echo $X $FROM_FILE $FROM_RUN; pwd").
		Success(t).StdoutIs(t, "y f 1\n/etc")
	// User by number and by name (from the image's /etc/passwd).
	e.Run("exec", "-u", "1000", "c", "id", "-u").Success(t).StdoutIs(t, "1000")
	e.Run("exec", "-u", "berth", "c", "id", "-un").Success(t).StdoutIs(t, "berth")
	e.Run("exec", "-u", "nosuchuser", "c", "true").Exit(t, 125).StderrContains(t, "nosuchuser")
	// --privileged gives the process more capabilities than the container has.
	plain := e.Run("exec", "c", "grep", "CapEff", "/proc/self/status").Success(t).Out()
	priv := e.Run("exec", "--privileged", "c", "grep", "CapEff", "/proc/self/status").Success(t).Out()
	if plain == priv {
		t.Errorf("--privileged did not change the capabilities: %q", priv)
	}
	// stdin: forwarded with -i, and its end closes the process's stdin.
	e.RunWithStdin("piped\n", "exec", "-i", "c", "cat").Success(t).StdoutIs(t, "piped")
	e.RunWithStdin("ignored\n", "exec", "c", "cat").Success(t).StdoutIs(t, "")

	// Attached sessions are forgotten once they end.
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "0")
}

func TestExecErrors(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)

	e.Run("exec", "c", "/no/such/binary").Exit(t, 127).StderrContains(t, "/no/such/binary")
	e.Run("exec", "c", "nosuchcommand").Exit(t, 127)
	e.Run("exec", "c", "/etc/passwd").Exit(t, 126).StderrContains(t, "/etc/passwd")
	e.Run("exec", "nosuchctr", "true").Exit(t, 125).StderrContains(t, "nosuchctr")
	e.Run("exec", "c").Exit(t, 125)
	e.Run("exec", "-w", "relative", "c", "true").Exit(t, 125).StderrContains(t, "relative")

	e.Run("pause", "c").Success(t)
	e.Run("exec", "c", "true").Exit(t, 125).StderrContains(t, "paused")
	e.Run("unpause", "c").Success(t)
	e.Run("exec", "c", "true").Success(t)

	e.Run("stop", "-t", "0", "c").Success(t)
	e.Run("exec", "c", "true").Exit(t, 125).StderrContains(t, "running")
	e.Run("create", "--name", "fresh", TestImage, "true").Success(t)
	e.Run("exec", "fresh", "true").Exit(t, 125).StderrContains(t, "running")
	// No session was left behind by the failures.
	e.Run("start", "c").Success(t)
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "0")
}

func TestExecDetachedSessions(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)

	id := e.Run("exec", "-d", "c", "sh", "-c", "sleep 1; echo done > /tmp/marker").Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("exec -d printed %q, want a session ID", id)
	}
	e.Run("inspect", "--format", "{{range .ExecIDs}}{{.}}{{end}}", "c").Success(t).StdoutIs(t, id)
	// The process runs on; once it ended the session is gone.
	waitFor(t, func() bool { return e.Run("exec", "c", "cat", "/tmp/marker").Out() == "done" })
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "0" })

	// Sessions die with the container: after a restart none is listed.
	e.Run("exec", "-d", "c", "sleep", "1000").Success(t)
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "1")
	e.Run("restart", "-t", "0", "c").Success(t)
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "0")
	// And with its removal: nothing is left running.
	e.Run("exec", "-d", "c", "sleep", "1000").Success(t)
	e.Run("rm", "-f", "c").Success(t)
	assertNoLeftovers(t, e)
}

func TestExecTerminal(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)

	p := e.startPty(t, 27, 91, "exec", "-it", "c", "sh")
	at := p.expect(0, prompt)
	p.send("stty size; echo $TERM\r")
	at = p.expect(at, "27 91")
	at = p.expect(at, "xterm")
	p.resize(35, 110)
	time.Sleep(200 * time.Millisecond)
	p.send("stty size\r")
	at = p.expect(at, "35 110")
	p.send("exit 6\r")
	if code := p.exitCode(); code != 6 {
		t.Fatalf("exec -it: exit code %d, want 6; screen:\n%s", code, p.out.String())
	}

	// Detaching from an exec session leaves its process running.
	p = e.startPty(t, 24, 80, "exec", "-it", "c", "sh")
	at = p.expect(0, prompt)
	p.send("sleep 1000\r")
	time.Sleep(200 * time.Millisecond)
	p.send(ctrlP + ctrlQ)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exec detach: exit code %d", code)
	}
	e.Run("top", "c", "args").Success(t).StdoutContains(t, "sleep 1000", "sh")
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "1")
}

func TestExecPreserveFDs(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)

	path := filepath.Join(e.Dir, "passed")
	os.WriteFile(path, []byte("through-fd-3"), 0o644)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	cmd := e.Command(ctx, "exec", "--preserve-fds", "1", "c", "cat", "/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec --preserve-fds: %v: %s", err, stderr.String())
	}
	if out.String() != "through-fd-3" {
		t.Errorf("fd 3 in the process read %q", out.String())
	}
}

func TestTop(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", "-u", "berth", TestImage, "sh", "-c", "sleep 1000 & sleep 2000; true").Success(t)
	waitFor(t, func() bool { return strings.Contains(e.Run("top", "c").Stdout, "sleep 1000") })

	lines := e.Run("top", "c").Success(t).Lines()
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "USER PID PPID %CPU ELAPSED TTY TIME COMMAND" {
		t.Errorf("default header %q", lines[0])
	}
	// PIDs are the container's: the shell is 1, its children have PPID 1.
	r := e.Run("top", "c", "pid,ppid,user,comm,args").Success(t)
	want := []string{"1 0 berth sh sh -c sleep 1000 & sleep 2000; true", "1 berth sleep sleep 1000", "1 berth sleep sleep 2000"}
	for _, w := range want {
		found := false
		for _, l := range r.Lines()[1:] {
			if strings.Contains(strings.Join(strings.Fields(l), " "), w) {
				found = true
			}
		}
		if !found {
			t.Errorf("top shows no row with %q:\n%s", w, r.Stdout)
		}
	}
	// Separate arguments work too; etime is ps's [[dd-]hh:]mm:ss.
	r = e.Run("top", "c", "pid", "etime").Success(t)
	if f := strings.Fields(r.Lines()[1]); len(f) != 2 || !strings.Contains(f[1], ":") {
		t.Errorf("pid etime row %q", r.Lines()[1])
	}
	// Exec'd processes are the container's too.
	e.Run("exec", "-d", "c", "sleep", "3000").Success(t)
	waitFor(t, func() bool { return strings.Contains(e.Run("top", "c", "args").Stdout, "sleep 3000") })

	e.Run("top", "c", "pid,bogus").Exit(t, 125).StderrContains(t, "bogus")
	e.Run("top", "nosuch").Exit(t, 125)
	e.Run("stop", "-t", "0", "c").Success(t)
	e.Run("top", "c").Exit(t, 125).StderrContains(t, "running")
}
