package oci

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// StartCreated releases runc's exec FIFO itself: the process runs, runc
// reports the container running (the FIFO is gone), and a second start is
// refused like runc's own.
func TestStartCreatedRunsTheProcess(t *testing.T) {
	e := newTestEnv(t, false, "sh", "-c", "echo started; sleep 30")
	c := e.create(t)
	if e.rt.Name() != "runc" {
		t.Skipf("the FIFO path is runc's; runtime is %s", e.rt.Name())
	}
	fifo := filepath.Join(e.rt.stateRoot, e.opts.ID, execFifoName)
	if _, err := os.Stat(fifo); err != nil {
		t.Fatalf("no exec FIFO after create: %v", err)
	}
	var stdout, stderr bytes.Buffer
	a, err := AttachOutput(t.Context(), e.opts.Bundle, &stdout, &stderr)
	if err != nil {
		t.Fatalf("AttachOutput: %v", err)
	}
	defer a.Close()
	if err := e.rt.StartCreated(t.Context(), e.opts.ID, c.PID); err != nil {
		t.Fatalf("StartCreated: %v", err)
	}
	if _, err := os.Stat(fifo); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("exec FIFO still there after start: %v", err)
	}
	st, err := e.rt.State(t.Context(), e.opts.ID)
	if err != nil || st.Status != "running" {
		t.Fatalf("state after StartCreated: %+v %v", st, err)
	}
	if err := e.rt.StartCreated(t.Context(), e.opts.ID, c.PID); err == nil {
		t.Error("second StartCreated succeeded")
	}
	if err := e.rt.Kill(t.Context(), e.opts.ID, syscall.SIGKILL, false); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	waitExit(t, e)
	if err := a.Wait(); err != nil {
		t.Errorf("attach Wait: %v", err)
	}
	if stdout.String() != "started\n" {
		t.Errorf("stdout %q", stdout.String())
	}
}

// An init that died before the start is reported, not waited for.
func TestStartCreatedDeadInit(t *testing.T) {
	e := newTestEnv(t, false, "true")
	c := e.create(t)
	if err := syscall.Kill(c.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitExit(t, e)
	if err := e.rt.StartCreated(t.Context(), e.opts.ID, c.PID); err == nil {
		t.Fatal("StartCreated of a dead init succeeded")
	}
}

// A conmon started ahead of its bundle waits: Abort ends it without a
// runtime container, and a later StartConmon + Create works as usual.
func TestStartConmonAbortAndCreate(t *testing.T) {
	e := newTestEnv(t, false, "true")
	p, err := e.rt.StartConmon(t.Context(), e.opts)
	if err != nil {
		t.Fatalf("StartConmon: %v", err)
	}
	pid := p.cmd.Process.Pid
	if !alive(pid) {
		t.Fatal("conmon is not waiting")
	}
	p.Abort()
	if alive(pid) {
		t.Errorf("conmon %d still running after Abort", pid)
	}
	if _, err := os.Stat(e.opts.ConmonPidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("conmon pid file after Abort: %v", err)
	}
	if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
		t.Errorf("runtime container after Abort: %v", err)
	}

	p, err = e.rt.StartConmon(t.Context(), e.opts)
	if err != nil {
		t.Fatalf("StartConmon: %v", err)
	}
	c, err := p.Create(t.Context())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := e.rt.StartCreated(t.Context(), e.opts.ID, c.PID); err != nil {
		t.Fatalf("StartCreated: %v", err)
	}
	if code := waitExit(t, e); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
