package e2e

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCreateStartStopRestart(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	// PID 1 has no default signal actions: the trap makes TERM end it.
	id := e.Run("create", "--name", "c1", TestImage, "sh", "-c", "trap 'exit 143' TERM; while true; do sleep 0.1; done").Success(t).Out()
	e.Run("ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}").Success(t).StdoutIs(t, "c1 created Created")
	e.Run("ps", "-q").Success(t).StdoutIs(t, "") // not running
	e.Run("start", "c1").Success(t).StdoutIs(t, "c1")
	e.Run("ps", "-q").Success(t).StdoutIs(t, id[:12])
	e.Run("start", "c1").Success(t) // already running: a no-op, as in podman

	start := time.Now()
	e.Run("stop", "c1").Success(t).StdoutIs(t, "c1")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop of a process that honours SIGTERM took %v", d)
	}
	e.Run("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "c1").Success(t).StdoutIs(t, "exited 143")
	e.Run("stop", "c1").Success(t) // stopping a stopped container succeeds, as in podman
	e.Run("wait", "c1").Success(t).StdoutIs(t, "143")

	e.Run("restart", "c1").Success(t)
	e.Run("inspect", "--format", "{{.State.Status}}", "c1").Success(t).StdoutIs(t, "running")
	e.Run("restart", "-t", "0", "c1").Success(t)
	e.Run("inspect", "--format", "{{.State.Status}}", "c1").Success(t).StdoutIs(t, "running")
	e.Run("rm", "-f", "c1").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

// A process that ignores SIGTERM is killed after the timeout.
func TestStopFallsBackToSIGKILL(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "stubborn", TestImage, "sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done").Success(t)
	waitFor(t, func() bool { return strings.Contains(e.Run("logs", "stubborn").Stdout, "ready") })
	start := time.Now()
	e.Run("stop", "-t", "1", "stubborn").Success(t)
	d := time.Since(start)
	if d < time.Second || d > 10*time.Second {
		t.Errorf("stop -t 1 took %v; want about 1s (timeout, then SIGKILL)", d)
	}
	e.Run("inspect", "--format", "{{.State.ExitCode}}", "stubborn").Success(t).StdoutIs(t, "137")

	// --stop-signal and --stop-timeout recorded at create are used.
	e.Run("run", "-d", "--name", "hup", "--stop-signal", "HUP", "--stop-timeout", "30", TestImage,
		"sh", "-c", "trap 'exit 7' HUP; while true; do sleep 0.1; done").Success(t)
	e.Run("inspect", "--format", "{{.Config.StopSignal}} {{.Config.StopTimeout}}", "hup").Success(t).StdoutIs(t, "SIGHUP 30")
	e.Run("stop", "hup").Success(t)
	e.Run("inspect", "--format", "{{.State.ExitCode}}", "hup").Success(t).StdoutIs(t, "7")
}

func TestKillPauseUnpause(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "k", TestImage, "sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done").Success(t)
	e.Run("kill", "-s", "BOGUS", "k").Exit(t, 125).StderrContains(t, "BOGUS")
	e.Run("pause", "k").Success(t)
	e.Run("inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "k").Success(t).StdoutIs(t, "paused true")
	e.Run("ps", "--format", "{{.Status}}").Success(t).StdoutContains(t, "(Paused)")
	e.Run("pause", "k").Exit(t, 125)
	e.Run("unpause", "k").Success(t)
	e.Run("unpause", "k").Exit(t, 125)
	e.Run("kill", "-s", "USR1", "k").Success(t)
	e.Run("wait", "k").Success(t).StdoutIs(t, "42")
	e.Run("kill", "k").Exit(t, 125).StderrContains(t, "can only kill running containers")

	e.Run("run", "-d", "--name", "k9", TestImage, "sleep", "60").Success(t)
	e.Run("kill", "k9").Success(t)
	e.Run("wait", "k9").Success(t).StdoutIs(t, "137")
	e.Run("kill", "nosuch").Exit(t, 125).StderrContains(t, "no container with name or ID")
}

func TestRmVariants(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("create", "--name", "a", TestImage, "true").Success(t)
	e.Run("run", "-d", "--name", "b", TestImage, "sleep", "60").Success(t)
	e.Run("run", "--name", "c", TestImage, "true").Success(t)
	e.Run("rm", "nosuch").Exit(t, 1).StderrContains(t, "no container with name or ID \"nosuch\" found")
	e.Run("rm", "b").Exit(t, 2)
	e.Run("rm", "a", "c").Success(t).StdoutIs(t, "a\nc")
	e.Run("rm", "-fa").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestRunRmDisappears(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--rm", TestImage, "true").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	// Detached --rm: conmon's cleanup command removes it after the exit.
	e.Run("run", "-d", "--rm", "--name", "gone", TestImage, "sh", "-c", "sleep 0.2").Success(t)
	waitFor(t, func() bool { return e.Run("ps", "-aq").Out() == "" })
	assertNoLeftovers(t, e)
	// A detached container without --rm is cleaned (unmounted) but kept.
	e.Run("run", "-d", "--name", "kept", TestImage, "true").Success(t)
	waitFor(t, func() bool {
		return e.Run("inspect", "--format", "{{.State.Status}}", "kept").Out() == "exited"
	})
	waitFor(t, func() bool { m, _ := mountsUnder(e.Dir); return len(overlayMounts(m)) == 0 })
}

func TestWaitMountExport(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "w", TestImage, "sh", "-c", "echo data > /made-here; sleep 0.5; exit 5").Success(t)
	e.Run("wait", "w").Success(t).StdoutIs(t, "5")
	mp := e.Run("mount", "w").Success(t).Out()
	if b, err := os.ReadFile(filepath.Join(mp, "made-here")); err != nil || string(b) != "data\n" {
		t.Errorf("mounted rootfs lacks the container's file: %q %v", b, err)
	}
	e.Run("mount").Success(t).StdoutContains(t, mp)
	e.Run("umount", "w").Success(t)
	if m, _ := mountsUnder(e.Dir); len(overlayMounts(m)) != 0 {
		t.Errorf("rootfs still mounted after umount: %v", m)
	}

	out := filepath.Join(e.Dir, "w.tar")
	e.Run("export", "-o", out, "w").Success(t)
	names := tarNames(t, out)
	for _, want := range []string{"made-here", "bin/busybox", "etc/passwd"} {
		if !names[want] {
			t.Errorf("export lacks %s", want)
		}
	}
	e.Run("export", "-o", out, "nosuch").Exit(t, 125)
	e.Run("wait", "--condition", "bogus", "w").Exit(t, 125)
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("export is not a valid tar: %v", err)
		}
		names[strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")] = true
	}
}

func overlayMounts(mps []string) []string {
	var out []string
	for _, m := range mps {
		if strings.HasSuffix(m, "/merged") {
			out = append(out, m)
		}
	}
	return out
}

// assertNoLeftovers checks that no container process, conmon, runtime
// state or rootfs mount of this Env remains.
func assertNoLeftovers(t *testing.T, e *Env) {
	t.Helper()
	waitFor(t, func() bool {
		m, _ := mountsUnder(e.Dir)
		return len(overlayMounts(m)) == 0
	})
	r := e.runc("list", "-q")
	if r.Out() != "" {
		t.Errorf("runtime still knows containers: %q", r.Out())
	}
	procs, _ := listProcs()
	for _, p := range procs {
		if argsMention(p.args, e.RunRoot) && len(p.args) > 0 && strings.HasSuffix(p.args[0], "conmon") {
			t.Errorf("conmon still running: pid %d", p.pid)
		}
	}
}
