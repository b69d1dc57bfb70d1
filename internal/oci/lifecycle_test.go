package oci

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// create runs Create and checks the basic promises: state "created", PIDs
// that match the pid files.
func (e *testEnv) create(t *testing.T) Created {
	t.Helper()
	c, err := e.rt.Create(t.Context(), e.opts)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	st, err := e.rt.State(t.Context(), e.opts.ID)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if st.Status != "created" || st.PID != c.PID || st.ID != e.opts.ID {
		t.Fatalf("after Create: state %+v, created %+v", st, c)
	}
	if !alive(c.ConmonPID) {
		t.Fatalf("conmon %d not running", c.ConmonPID)
	}
	return c
}

func waitExit(t *testing.T, e *testEnv) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	code, err := WaitExitFile(ctx, e.opts.ExitDir, e.opts.ID)
	if err != nil {
		t.Fatalf("WaitExitFile: %v", err)
	}
	return code
}

func TestRunExitCodeAndOutput(t *testing.T) {
	// The long bundle path checks that conmon's attach socket and our dial
	// work past the 108-byte sun_path limit.
	e := newTestEnv(t, true, "sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 3")
	if len(filepath.Join(e.opts.Bundle, "attach")) <= 108 {
		t.Fatalf("bundle path too short for the test: %s", e.opts.Bundle)
	}
	e.create(t)
	var stdout, stderr bytes.Buffer
	a, err := AttachOutput(t.Context(), e.opts.Bundle, &stdout, &stderr)
	if err != nil {
		t.Fatalf("AttachOutput: %v", err)
	}
	defer a.Close()
	if err := e.rt.Start(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if code := waitExit(t, e); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if err := a.Wait(); err != nil {
		t.Errorf("attach Wait: %v", err)
	}
	if stdout.String() != "out1\nout2\n" || stderr.String() != "err1\n" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	code, at, err := ReadExitFile(e.opts.ExitDir, e.opts.ID)
	if err != nil || code != 3 || time.Since(at) > time.Minute {
		t.Errorf("ReadExitFile = %d %v %v", code, at, err)
	}
	if b, err := os.ReadFile(filepath.Join(e.opts.PersistDir, "exit")); err != nil || string(b) != "3" {
		t.Errorf("persist exit file %q %v", b, err)
	}
	if b, err := os.ReadFile(e.opts.LogPath); err != nil || !strings.Contains(string(b), " stderr F err1\n") {
		t.Errorf("log %q %v", b, err)
	}

	// runc keeps the stopped container until it is deleted.
	st, err := e.rt.State(t.Context(), e.opts.ID)
	if err != nil || st.Status != "stopped" {
		t.Errorf("state after exit: %+v %v", st, err)
	}
	list, err := e.rt.List(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != e.opts.ID {
		t.Errorf("List = %+v %v", list, err)
	}
	if err := e.rt.Kill(t.Context(), e.opts.ID, syscall.SIGTERM, false); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Kill after exit: %v", err)
	}
	if err := e.rt.Delete(t.Context(), e.opts.ID, false); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
		t.Errorf("State after delete: %v", err)
	}
	if err := e.rt.Delete(t.Context(), e.opts.ID, false); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if list, err := e.rt.List(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("List after delete = %+v %v", list, err)
	}
}

func TestStdinAndResize(t *testing.T) {
	e := newTestEnv(t, false, "sh", "-c", "cat; echo done >&2")
	e.opts.Stdin = true
	e.create(t)
	// Before Start, like a foreground `run -i`; a non-terminal container
	// has no pty, so conmon ignores the resize, but the ctl FIFO must take it.
	if err := Resize(e.opts.Bundle, 30, 100); err != nil {
		t.Errorf("Resize: %v", err)
	}
	var stdout, stderr bytes.Buffer
	a, err := AttachOutput(t.Context(), e.opts.Bundle, &stdout, &stderr)
	if err != nil {
		t.Fatalf("AttachOutput: %v", err)
	}
	defer a.Close()
	if err := e.rt.Start(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
	// More than one 32 KiB message, to check chunking loses nothing.
	in := bytes.Repeat([]byte("0123456789abcde\n"), 5000)
	if err := a.SendStdin(bytes.NewReader(in)); err != nil {
		t.Fatalf("SendStdin: %v", err)
	}
	if code := waitExit(t, e); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if err := a.Wait(); err != nil {
		t.Errorf("attach Wait: %v", err)
	}
	if !bytes.Equal(stdout.Bytes(), in) || stderr.String() != "done\n" {
		t.Errorf("stdout %d bytes (want %d), stderr %q", stdout.Len(), len(in), stderr.String())
	}
}

func TestKillAndPause(t *testing.T) {
	e := newTestEnv(t, false, "sleep", "100")
	c := e.create(t)
	if err := e.rt.Start(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if st, err := e.rt.State(t.Context(), e.opts.ID); err != nil || st.Status != "running" || st.PID != c.PID {
		t.Fatalf("state %+v %v", st, err)
	}
	if err := e.rt.Pause(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	if st, err := e.rt.State(t.Context(), e.opts.ID); err != nil || st.Status != "paused" {
		t.Errorf("after Pause: %+v %v", st, err)
	}
	if err := e.rt.Resume(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if st, err := e.rt.State(t.Context(), e.opts.ID); err != nil || st.Status != "running" {
		t.Errorf("after Resume: %+v %v", st, err)
	}
	if err := e.rt.Kill(t.Context(), e.opts.ID, syscall.SIGKILL, false); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if code := waitExit(t, e); code != 137 {
		t.Errorf("exit code %d, want 137", code)
	}
	// The exit file comes before conmon exits (conmon.md §5); it must be
	// gone on its own shortly after.
	waitGone(t, c.ConmonPID)
}

func TestKillConmonOfRunningContainer(t *testing.T) {
	e := newTestEnv(t, false, "sleep", "100")
	c := e.create(t)
	if err := e.rt.Start(t.Context(), e.opts.ID); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := KillConmon(e.opts.ConmonPidFile, e.opts.ID); err != nil {
		t.Fatalf("KillConmon: %v", err)
	}
	waitGone(t, c.ConmonPID)
	// Killing conmon does not stop the container; Delete --force does.
	if !alive(c.PID) {
		t.Error("container died with conmon")
	}
	if err := e.rt.Delete(t.Context(), e.opts.ID, true); err != nil {
		t.Fatalf("Delete --force: %v", err)
	}
	waitGone(t, c.PID)
}

func TestCreateFailureLeavesNothing(t *testing.T) {
	e := newTestEnv(t, false, "/bin/nonexistent-binary")
	_, err := e.rt.Create(t.Context(), e.opts)
	if err == nil {
		t.Fatal("Create succeeded")
	}
	// runc's own words, unwrapped from its JSON log.
	if !strings.Contains(err.Error(), "nonexistent-binary") || !strings.Contains(err.Error(), "no such file or directory") ||
		strings.Contains(err.Error(), "level=") {
		t.Errorf("error lacks runc's message: %v", err)
	}
	if errors.Is(err, ErrNotExist) || !errors.Is(err, ErrExecNotFound) {
		t.Errorf("create failure misclassified: %v", err)
	}
	t.Logf("Create error: %v", err)
	if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
		t.Errorf("runtime container left: %v", err)
	}
	if pids := processesMentioning(e.opts.ID); len(pids) > 0 {
		t.Errorf("processes left behind: %v", pids)
	}
	if dirs := cgroupsLeft(e.opts.ID); len(dirs) > 0 {
		t.Errorf("cgroups left behind: %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(e.opts.ExitDir, e.opts.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("exit file after failed create: %v", err)
	}
}

func TestCreateCancelled(t *testing.T) {
	e := newTestEnv(t, false, "true")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.rt.Create(ctx, e.opts); !errors.Is(err, context.Canceled) {
		t.Errorf("Create with cancelled ctx: %v", err)
	}
}

func TestOpsOnMissingContainer(t *testing.T) {
	requireRoot(t)
	rt, err := New(t.Context(), Config{RuntimePath: "runc", StateRoot: filepath.Join(t.TempDir(), "runc")})
	if err != nil {
		t.Skipf("runc: %v", err)
	}
	const id = "berth-oci-test-missing"
	if err := rt.Delete(t.Context(), id, false); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if err := rt.Delete(t.Context(), id, true); err != nil {
		t.Errorf("Delete --force: %v", err)
	}
	if _, err := rt.State(t.Context(), id); !errors.Is(err, ErrNotExist) {
		t.Errorf("State: %v", err)
	}
	for name, op := range map[string]func() error{
		"Start":  func() error { return rt.Start(t.Context(), id) },
		"Kill":   func() error { return rt.Kill(t.Context(), id, syscall.SIGTERM, true) },
		"Pause":  func() error { return rt.Pause(t.Context(), id) },
		"Resume": func() error { return rt.Resume(t.Context(), id) },
	} {
		if err := op(); !errors.Is(err, ErrNotExist) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if list, err := rt.List(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("List: %+v %v", list, err)
	}
	if _, err := AttachOutput(t.Context(), t.TempDir(), nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("AttachOutput without socket: %v", err)
	}
}

func TestKillConmonChecksCmdline(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "conmon.pid")
	if err := KillConmon(pidFile, "ID"); err != nil {
		t.Errorf("missing pidfile: %v", err)
	}
	writePid := func(pid int) {
		t.Helper()
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(pid)), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	notConmon := startFake(t, "sleeper", "-c", "ID")
	writePid(notConmon.Process.Pid)
	if err := KillConmon(pidFile, "ID"); err != nil {
		t.Errorf("not conmon: %v", err)
	}
	otherID := startFake(t, "/usr/bin/conmon", "-c", "OTHER")
	writePid(otherID.Process.Pid)
	if err := KillConmon(pidFile, "ID"); err != nil {
		t.Errorf("other id: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if !alive(notConmon.Process.Pid) || !alive(otherID.Process.Pid) {
		t.Fatal("KillConmon killed a process that is not conmon for ID")
	}

	fake := startFake(t, "/usr/bin/conmon", "--api-version", "-c", "ID", "-u", "ID")
	writePid(fake.Process.Pid)
	if err := KillConmon(pidFile, "ID"); err != nil {
		t.Fatalf("KillConmon: %v", err)
	}
	err := fake.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("fake conmon ended with %v, want SIGKILL", err)
	}
	// The process is gone (reaped): a dead PID is not an error.
	if err := KillConmon(pidFile, "ID"); err != nil {
		t.Errorf("dead pid: %v", err)
	}

	if err := os.WriteFile(pidFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := KillConmon(pidFile, "ID"); err == nil {
		t.Error("garbage pidfile accepted")
	}
}

func TestCreateConmonFailure(t *testing.T) {
	e := newTestEnv(t, false, "true")
	e.opts.LogPath = filepath.Join(e.dir, "no-such-dir", "ctr.log")
	_, err := e.rt.Create(t.Context(), e.opts)
	t.Logf("Create error: %v", err)
	if err == nil {
		t.Fatal("Create succeeded")
	}
	if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
		t.Errorf("runtime container left: %v", err)
	}
	if pids := processesMentioning(e.opts.ID); len(pids) > 0 {
		t.Errorf("processes left behind: %v", pids)
	}
}

// TestCreateCancelledMidway cancels while conmon runs `runc create`: the
// container must not be left half-made.
func TestCreateCancelledMidway(t *testing.T) {
	for _, delay := range []time.Duration{5 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond} {
		e := newTestEnv(t, false, "sleep", "100")
		ctx, cancel := context.WithTimeout(t.Context(), delay)
		_, err := e.rt.Create(ctx, e.opts)
		cancel()
		t.Logf("%v: %v", delay, err)
		if err == nil {
			continue // runc was faster than the deadline
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v: Create: %v", delay, err)
		}
		if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
			t.Errorf("%v: runtime container left: %v", delay, err)
		}
		if pids := processesMentioning(e.opts.ID); len(pids) > 0 {
			t.Errorf("%v: processes left behind: %v", delay, pids)
		}
		if dirs := cgroupsLeft(e.opts.ID); len(dirs) > 0 {
			t.Errorf("%v: cgroups left behind: %v", delay, dirs)
		}
	}
}

// TestCreateExistingID: a second Create with a taken ID must fail with
// ErrExists and leave the first container and its conmon running.
func TestCreateExistingID(t *testing.T) {
	e := newTestEnv(t, false, "sleep", "100")
	c := e.create(t)
	second := e.opts
	second.PidFile += "2"
	second.ConmonPidFile += "2"
	t.Cleanup(func() { _ = KillConmon(second.ConmonPidFile, second.ID) })
	_, err := e.rt.Create(t.Context(), second)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second Create: %v", err)
	}
	st, err := e.rt.State(t.Context(), e.opts.ID)
	if err != nil || st.Status != "created" || st.PID != c.PID {
		t.Errorf("first container after second Create: %+v %v", st, err)
	}
	if !alive(c.ConmonPID) {
		t.Error("first conmon was killed")
	}
}
