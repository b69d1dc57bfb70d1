package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An attached exec without a terminal that the user cannot detach from runs
// without conmon (berth waits for the process itself). These tests pin what
// that path must keep: exit codes, streams, stdin, the session record, and
// a berth that goes away early.

func TestExecForegroundDirect(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)
	id := e.Run("inspect", "--format", "{{.Id}}", "c").Success(t).Out()

	// Killed by a signal: 128+N, as conmon reports it. A process's own
	// 255 is not mistaken for a runtime failure.
	e.Run("exec", "c", "sh", "-c", "kill -TERM $$").Exit(t, 143)
	e.Run("exec", "c", "sh", "-c", "exit 255").Exit(t, 255).StderrEmpty(t)
	// stderr written at once (while the runtime may still be running) is
	// the process's and is kept; the runtime's own errors are not shown
	// twice.
	r := e.Run("exec", "c", "/no/such/binary").Exit(t, 127)
	if n := strings.Count(r.Stderr, "/no/such/binary"); n == 0 || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("stderr of a missing command: %q, want one Error line", r.Stderr)
	}
	// All of a large output arrives, on both streams.
	r = e.Run("exec", "c", "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' o; head -c 200000 /dev/zero | tr '\\0' e >&2").Success(t)
	if len(r.Stdout) != 300000 || len(r.Stderr) != 200000 {
		t.Errorf("got %d bytes on stdout, %d on stderr; want 300000 and 200000", len(r.Stdout), len(r.Stderr))
	}
	// With the detach keys disabled, -i runs this way too; the end of
	// berth's stdin is the end of the process's.
	e.RunWithStdin("one\ntwo\n", "exec", "-i", "--detach-keys", "", "c", "cat").Success(t).StdoutIs(t, "one\ntwo")
	// A child left behind holding stdout does not keep berth waiting.
	r = e.Run("exec", "c", "sh", "-c", "sleep 30 & echo parent-done").Success(t).StdoutIs(t, "parent-done")
	if r.Duration > 10*time.Second {
		t.Errorf("exec waited %v for a background child", r.Duration)
	}

	// While it runs the session is recorded (inspect), and no session
	// directory or conmon is made for it.
	p := e.Start("exec", "c", "sh", "-c", "echo started; sleep 2")
	p.WaitStdout(t, "started", 10*time.Second)
	// The output may come before berth has recorded the session.
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "1" })
	if entries, _ := os.ReadDir(filepath.Join(e.RunRoot, "ctr", id, "exec")); len(entries) != 0 {
		t.Errorf("a foreground exec made session directories: %v", entries)
	}
	procs, _ := listProcs()
	for _, pr := range procs {
		if len(pr.args) > 0 && strings.HasSuffix(pr.args[0], "conmon") && slices.Contains(pr.args, "--exec-process-spec") && argsMention(pr.args, e.RunRoot) {
			t.Errorf("conmon runs for a foreground exec: %v", pr.args)
		}
	}
	p.Wait(t).Success(t)
	e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Success(t).StdoutIs(t, "0")
}

func TestExecForegroundBerthGoesAway(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "1000").Success(t)

	// ctrl-c (SIGINT) ends berth with 125, as before; the process runs on
	// and its session is forgotten once it ended.
	p := e.Start("exec", "c", "sh", "-c", "echo started; sleep 2; touch /tmp/after-int")
	p.WaitStdout(t, "started", 10*time.Second)
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "1" })
	p.Signal(t, syscall.SIGINT)
	p.Wait(t).Exit(t, 125)
	waitFor(t, func() bool { return e.Run("exec", "c", "test", "-e", "/tmp/after-int").ExitCode == 0 })
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "0" })

	// A berth killed outright leaves a record the next look prunes once
	// the process is gone, and nothing that stops the next exec.
	p = e.Start("exec", "c", "sh", "-c", "echo started; sleep 2")
	p.WaitStdout(t, "started", 10*time.Second)
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "1" })
	p.Signal(t, syscall.SIGKILL)
	p.Wait(t)
	e.Run("exec", "c", "true").Success(t)
	waitFor(t, func() bool { return e.Run("inspect", "--format", "{{len .ExecIDs}}", "c").Out() == "0" })
	e.Run("top", "c", "args").Success(t).StdoutLacks(t, "sleep 2")

	e.Run("rm", "-f", "c").Success(t)
	assertNoLeftovers(t, e)
}
