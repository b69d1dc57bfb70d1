package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// on-failure:3 with a command that always fails runs exactly 4 times: the
// first run and three restarts, driven by conmon's cleanup command alone.
func TestRestartOnFailureCount(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "flaky", "--restart", "on-failure:3", TestImage, "sh", "-c", "echo run; exit 1").Success(t)
	waitFor(t, func() bool {
		return e.Run("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "flaky").Out() == "3 exited"
	})
	time.Sleep(1500 * time.Millisecond) // a fourth restart would come within this
	e.Run("inspect", "--format", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", "flaky").
		Success(t).StdoutIs(t, "3 exited 1")
	if n := strings.Count(e.Run("logs", "flaky").Stdout, "run"); n != 4 {
		t.Errorf("the container ran %d times, want 4", n)
	}
	e.Run("ps", "-a", "--format", "{{.Names}} {{.Restarts}}").Success(t).StdoutIs(t, "flaky 3")
	// A successful exit is not a failure.
	e.Run("run", "-d", "--name", "fine", "--restart", "on-failure", TestImage, "true").Success(t)
	time.Sleep(1500 * time.Millisecond)
	e.Run("inspect", "--format", "{{.RestartCount}}", "fine").Success(t).StdoutIs(t, "0")
	e.Run("run", "--restart", "sometimes", TestImage, "true").Exit(t, 125).StderrContains(t, "sometimes")
	e.Run("run", "--rm", "--restart", "always", TestImage, "true").Exit(t, 125).StderrContains(t, "--rm")
}

// always restarts a container whose process died, but not one the user
// stopped or killed.
func TestRestartAlwaysButNotAfterUserStop(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "svc", "--restart", "always", TestImage, "sleep", "60").Success(t)
	pid, _ := strconv.Atoi(e.Run("inspect", "--format", "{{.State.Pid}}", "svc").Success(t).Out())
	if pid <= 0 {
		t.Fatalf("no pid")
	}
	syscall.Kill(pid, syscall.SIGKILL) // the process dies, not by the user's hand
	waitFor(t, func() bool {
		return e.Run("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "svc").Out() == "1 running"
	})
	e.Run("stop", "-t", "0", "svc").Success(t)
	time.Sleep(1500 * time.Millisecond)
	e.Run("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "svc").Success(t).StdoutIs(t, "1 exited")

	e.Run("run", "-d", "--name", "killed", "--restart", "always", TestImage, "sleep", "60").Success(t)
	e.Run("kill", "killed").Success(t)
	time.Sleep(1500 * time.Millisecond)
	e.Run("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "killed").Success(t).StdoutIs(t, "0 exited")
	e.Run("rm", "-fa").Success(t)
	assertNoLeftovers(t, e)
}

// After a reboot the first command starts the containers with policy
// always again.
func TestRestartAlwaysAfterReboot(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	id := e.Run("run", "-d", "--name", "boot", "--restart", "always", TestImage, "sleep", "60").Success(t).Out()
	e.Run("run", "-d", "--name", "plain", TestImage, "sleep", "60").Success(t)
	plain := e.Run("inspect", "--format", "{{.Id}}", "plain").Success(t).Out() // docker's spelling
	if e.Run("inspect", "--format", "{{.ID}}", "plain").Success(t).Out() != plain || len(plain) != 64 {
		t.Fatalf("{{.Id}} and {{.ID}} disagree: %q", plain)
	}
	simulateReboot(t, e, id, plain)
	e.Run("ps", "--format", "{{.Names}} {{.State}}").Success(t).StdoutIs(t, "boot running")
	e.Run("rm", "-fa").Success(t)
	assertNoLeftovers(t, e)
}

// simulateReboot kills the containers' processes and monitors, unmounts
// everything and empties the run root, as a reboot would.
func simulateReboot(t *testing.T, e *Env, ids ...string) {
	t.Helper()
	for _, id := range ids {
		// Everything dies at once in a reboot: conmon (and its group) first,
		// so that it records no exit, then the container; delete --force also
		// removes the cgroups, which a reboot would take with it.
		if b, err := os.ReadFile(filepath.Join(e.RunRoot, "ctr", id, "conmon.pid")); err == nil {
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
				syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
		e.runc("delete", "--force", id)
	}
	time.Sleep(300 * time.Millisecond)
	if err := unmountUnder(e.Dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(e.RunRoot)
	for _, en := range entries {
		os.RemoveAll(filepath.Join(e.RunRoot, en.Name()))
	}
}
